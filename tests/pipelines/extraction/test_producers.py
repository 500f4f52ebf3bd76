"""Every producer's WARCs publish: wget's and warcio's capture of the demo site, the same pages
as ARC, as WARC/0.17 to 1.1, as `resource` records, gzipped whole and packed in a WACZ, and
files like those of warcio's own test suite, built here (`samples`)."""

from __future__ import annotations

import gzip
import io
import re
import subprocess
import sys
import zlib
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipelines.extraction.warc import Source, iter_responses, read_html, unpack, whole_gzip
from tests.conftest import CRAWL_ENV, DemoSite
from tests.pipelines.publishing.test_publish import load
from tests.warc_utils import BIN, read_records

ROOT = Path(__file__).resolve().parents[3]


def publish_cli(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", "publish", *map(str, args), "--workers", "2"],
                          capture_output=True, text=True, cwd=ROOT, env=CRAWL_ENV, timeout=600)


def rows(dataset: Path, config: str = "articles") -> list[dict]:
    return [r for f in sorted((dataset / config).glob("*.parquet")) for r in pq.read_table(f).to_pylist()]


@pytest.fixture(scope="module")
def chosen(demo_site: DemoSite) -> list[dict]:
    """Three articles served three ways: gzip when asked, chunked, windows-1252."""
    special = demo_site.truth["special"]
    by_url = {a["url"]: a for a in demo_site.truth["articles"]}
    return [by_url[special[k]] for k in ("gzip", "chunked", "legacy_charset")]


def first_sentence(article: dict) -> str:
    return article["body_text"].split(". ")[0]


def assert_articles(dataset: Path, chosen: list[dict], hf_home: Path | None = None) -> list[dict]:
    """The chosen articles, each with its title and text, read by `datasets` when `hf_home`."""
    got = load(dataset, "articles", hf_home) if hf_home else rows(dataset)
    by_url = {r["url"]: r for r in got}
    assert sorted(by_url) == sorted(a["url"] for a in chosen)
    for a in chosen:
        assert by_url[a["url"]]["title"] == a["title"]
        assert first_sentence(a) in by_url[a["url"]]["text"]
    return got


@pytest.fixture(scope="module")
def wget_warcs(demo_site: DemoSite, chosen: list[dict], tmp_path_factory: pytest.TempPathFactory
               ) -> dict[str, Path]:
    """wget's WARCs of the three pages, gzip bodies kept as sent: per-record gzip and plain."""
    tmp = tmp_path_factory.mktemp("wget")
    out = {}
    for name, extra in (("wget.warc.gz", []), ("wget.warc", ["--no-warc-compression"])):
        proc = subprocess.run(
            ["wget", "--no-verbose", "--delete-after", "--no-host-directories", "--compression=none",
             "--header=Accept-Encoding: gzip", f"--warc-file={tmp / name.split('.')[0]}",
             "--no-warc-keep-log", *extra, *(a["url"] for a in chosen)],
            capture_output=True, text=True, cwd=tmp, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        out[name] = tmp / name
        (tmp / name).rename(tmp / f"{name}.keep")  # the next run writes the same stem
    for name in out:
        (tmp / f"{name}.keep").rename(out[name])
    return out


CAPTURE = """
import sys, urllib.request
from warcio.capture_http import capture_http
with capture_http(sys.argv[1]):
    for url in sys.argv[2:]:
        req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(req) as resp:
            resp.read()
"""


@pytest.fixture(scope="module")
def capture_warc(demo_site: DemoSite, chosen: list[dict], tmp_path_factory: pytest.TempPathFactory
                 ) -> Path:
    """warcio's own capture (capture_http around urllib; gzipped per record, warcio's default),
    in a process of its own: it patches http.client for the whole process."""
    path = tmp_path_factory.mktemp("capture") / "capture.warc.gz"
    proc = subprocess.run([sys.executable, "-c", CAPTURE, str(path), *(a["url"] for a in chosen)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return path


def test_the_captures_hold_what_the_tests_claim(wget_warcs, capture_warc, chosen):
    """gzip bodies and a chunked one, stored as received, in every capture."""
    for path in (*wget_warcs.values(), capture_warc):
        http = {r.url: dict(r.http_headers) for r in read_records([path]) if r.type == "response"}
        assert http[chosen[0]["url"]].get("Content-Encoding") == "gzip", path
        assert http[chosen[1]["url"]].get("Transfer-Encoding") == "chunked", path


def test_wget_warcs_publish_every_page(wget_warcs, chosen, tmp_path, hf_home):
    for name, path in wget_warcs.items():
        proc = publish_cli(path, "-o", tmp_path / name, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert_articles(tmp_path / name, chosen, hf_home if name.endswith(".gz") else None)


def test_warcio_capture_publishes_every_page(capture_warc, chosen, tmp_path, hf_home):
    proc = publish_cli(capture_warc, "-o", tmp_path / "ds", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_articles(tmp_path / "ds", chosen, hf_home)


@pytest.mark.parametrize("version", ["0.17", "0.18", "1.0", "1.1"])
def test_every_warc_version_publishes(capture_warc, chosen, tmp_path, version):
    """The same records under each version line warcio reads (Heritrix 1.x wrote 0.17)."""
    plain = gzip.decompress(capture_warc.read_bytes())  # every member, one after another
    data = re.sub(rb"(?m)^WARC/1\.[01]\r$", f"WARC/{version}\r".encode(), plain)
    assert data.count(f"WARC/{version}\r\n".encode()) == len(read_records([capture_warc]))
    path = tmp_path / f"v{version}.warc"
    path.write_bytes(data)
    proc = publish_cli(path, "-o", tmp_path / "ds", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_articles(tmp_path / "ds", chosen)


def responses(path: Path) -> list[tuple[str, str, bytes, bytes]]:
    """(url, WARC-Date, HTTP header block, body as received) of each response."""
    out = []
    with path.open("rb") as fh:
        for rec in ArchiveIterator(fh, no_record_parse=True):  # the block whole
            if rec.rec_type == "response":
                block = rec.raw_stream.read()
                head, _, body = block.partition(b"\r\n\r\n")
                out.append((rec.rec_headers.get_header("WARC-Target-URI"),
                            rec.rec_headers.get_header("WARC-Date"), head + b"\r\n\r\n", body))
    return out


def write_arc(path: Path, exchanges: list[tuple[str, str, bytes, bytes]]) -> None:
    """ARC v1, as Heritrix 1 and the Internet Archive wrote it: a filedesc record, then each
    response as `URL IP DATE TYPE LENGTH` and the HTTP response as received; one gzip member
    per record for `.arc.gz`."""
    def record(line: str, block: bytes) -> bytes:
        return f"{line} {len(block)}\n".encode() + block + b"\n"

    version = b"1 0 threadwarc-test\nURL IP-address Archive-date Content-type Archive-length\n"
    records = [record(f"filedesc://{path.name} 0.0.0.0 20240501000000 text/plain", version)]
    for url, date, head, body in exchanges:
        stamp = datetime.fromisoformat(date.replace("Z", "+00:00")).astimezone(timezone.utc)
        ctype = re.search(rb"(?im)^content-type:\s*([^;\r\n]+)", head)
        records.append(record(f"{url} 127.0.0.1 {stamp:%Y%m%d%H%M%S} "
                              f"{ctype.group(1).decode() if ctype else 'text/html'}", head + body))
    with path.open("wb") as fh:
        for rec in records:
            fh.write(gzip.compress(rec, mtime=0) if path.name.endswith(".gz") else rec)


@pytest.mark.parametrize("name", ["pages.arc", "pages.arc.gz"])
def test_arc_files_publish(capture_warc, chosen, tmp_path, name):
    path = tmp_path / name
    write_arc(path, responses(capture_warc))
    with path.open("rb") as fh:
        kinds = [r.rec_type for r in ArchiveIterator(fh, arc2warc=True)]
    assert kinds == ["warcinfo", "response", "response", "response"]
    proc = publish_cli(path, "-o", tmp_path / "ds", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_articles(tmp_path / "ds", chosen)


def decoded_pages(demo_site: DemoSite, chosen: list[dict]) -> list[tuple[str, str, bytes]]:
    """(url, Content-Type, body) of each page as a browser has it: fetched without gzip."""
    import urllib.request

    out = []
    for a in chosen:
        with urllib.request.urlopen(a["url"]) as resp:
            out.append((a["url"], resp.headers["Content-Type"], resp.read()))
    return out


def test_resource_records_publish_like_responses(demo_site, chosen, tmp_path):
    """Pages stored as `resource` records (the page's own type, no HTTP header), as
    Webrecorder and file-to-WARC tools store them, with a revisit of one in another file."""
    pages = decoded_pages(demo_site, chosen)
    first = tmp_path / "resources.warc.gz"
    with first.open("wb") as fh:
        w = WARCWriter(fh, gzip=True, warc_version="1.1")
        ids = []
        for url, ctype, body in pages:
            rec = w.create_warc_record(url, "resource", payload=io.BytesIO(body), length=len(body),
                                       warc_content_type=ctype)
            ids.append((rec.rec_headers.get_header("WARC-Record-ID"),
                        rec.rec_headers.get_header("WARC-Payload-Digest") or
                        rec.rec_headers.get_header("WARC-Block-Digest")))
            w.write_record(rec)
    later = tmp_path / "revisits.warc.gz"
    with later.open("wb") as fh:
        w = WARCWriter(fh, gzip=True, warc_version="1.1")
        rid, digest = ids[0]
        rev = w.create_revisit_record(pages[0][0], digest, pages[0][0], "2024-05-02T00:00:00Z")
        rev.rec_headers.add_header("WARC-Refers-To", rid)
        w.write_record(rev)
    proc = publish_cli(first, later, "-o", tmp_path / "ds", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert re.search(r"\brevisits 1\b", proc.stdout), proc.stdout  # resolved to the resource
    assert "revisits_unresolved" not in proc.stdout
    got = assert_articles(tmp_path / "ds", chosen)
    assert {r["warc_file"] for r in got} == {"resources.warc.gz", "revisits.warc.gz"}


@pytest.mark.parametrize("how", ["gzip", "blocks"])
def test_a_warc_gzipped_whole_publishes(wget_warcs, chosen, tmp_path, how):
    """`gzip` run on a whole `.warc` (one gzip stream, not one member per record), or gzipped
    in 64 KiB blocks as BGZF does (members that end mid-record): read through a decompressed
    copy; offsets count in the decompressed bytes."""
    whole = tmp_path / "whole.warc.gz"
    if how == "gzip":
        with whole.open("wb") as out:
            subprocess.run(["gzip", "-c", str(wget_warcs["wget.warc"])], stdout=out, check=True, timeout=60)
    else:
        data = wget_warcs["wget.warc"].read_bytes()
        whole.write_bytes(b"".join(gzip.compress(data[i:i + 65536], mtime=0)
                                   for i in range(0, len(data), 65536)))
    proc = publish_cli(whole, "-o", tmp_path / "ds", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"{whole} is gzipped whole, not one gzip member per record" in proc.stderr
    got = assert_articles(tmp_path / "ds", chosen)
    plain = gzip.decompress(whole.read_bytes())
    for r in got:
        assert r["warc_file"] == "whole.warc.gz"
        rec = next(iter(ArchiveIterator(io.BytesIO(plain[r["warc_offset"]:]))))
        assert rec.rec_headers.get_header("WARC-Target-URI") == r["url"]
    assert not list((tmp_path / "ds").rglob("*.warc*"))  # the copy is gone


def test_a_wacz_publishes_given_or_found_in_a_folder(capture_warc, chosen, tmp_path):
    folder = tmp_path / "waczs"
    folder.mkdir()
    wacz = folder / "crawl.wacz"
    proc = subprocess.run([str(BIN / "wacz"), "create", "-o", str(wacz), str(capture_warc)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for given in (wacz, folder):
        out = tmp_path / f"ds-{given.name}"
        proc = publish_cli(given, "-o", out, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-3000:]
        got = assert_articles(out, chosen)
        assert {r["warc_file"] for r in got} == {"crawl.wacz#archive/capture.warc.gz"}
    assert rows(tmp_path / "ds-crawl.wacz") == rows(tmp_path / "ds-waczs")
    # a crawl's folder: its WARC files and the WACZ packaging them, each record read once
    (folder / "capture.warc.gz").write_bytes(capture_warc.read_bytes())
    proc = publish_cli(folder, "-o", tmp_path / "ds-both", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"{wacz}#archive/capture.warc.gz: the same file as {folder / 'capture.warc.gz'}, read once" in (
        proc.stderr)
    assert "from 1 WARC file(s)" in proc.stdout
    got = assert_articles(tmp_path / "ds-both", chosen)
    assert {r["warc_file"] for r in got} == {"capture.warc.gz"}


def test_unpacked_inputs_publish_the_same_bytes_whatever_the_workers(wget_warcs, capture_warc, samples,
                                                                     tmp_path):
    """Determinism holds for what is unpacked first: a whole-gzip file, a WACZ, the samples."""
    whole = tmp_path / "in" / "whole.warc.gz"
    whole.parent.mkdir()
    whole.write_bytes(gzip.compress(wget_warcs["wget.warc"].read_bytes(), mtime=0))
    proc = subprocess.run([str(BIN / "wacz"), "create", "-o", str(tmp_path / "in" / "c.wacz"),
                           str(capture_warc)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    files = {}
    for workers in ("1", "2"):
        out = tmp_path / f"ds{workers}"
        proc = subprocess.run([sys.executable, "-m", "crawler", "publish", str(tmp_path / "in"), str(samples),
                               "-o", str(out), "--workers", workers], capture_output=True, text=True,
                              cwd=ROOT, env=CRAWL_ENV, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        # the card may name the folder it was written to: compared without it
        files[workers] = {p.relative_to(out): p.read_bytes().replace(str(out).encode(), b"DATASET")
                          for p in sorted(out.rglob("*")) if p.is_file()}
    assert files["1"] == files["2"]
    assert any(p.suffix == ".parquet" for p in files["1"])


# Other producers' files of a front page, built here the way they write them (warcio's own test
# suite ships such files; the repository keeps none): ARC v1, plain and gzipped per record; a
# Webrecorder-style WARC/1.0 with a gzip body, its request and a revisit, plain and gzipped as
# one stream; a `Transfer-Encoding: chunked` body stored as received (WARC/0.18); the page as a
# `resource` record (WARC/0.17, gzipped per record).
FRONT_URL, CHUNKED_URL = "http://example.com/", "http://www.example.org/"
FRONT_TEXT = "kept only to be archived by other tools."
CHUNKED_TEXT = "The registry of names, numbers and protocol parameters"
FRONT = (b"<!doctype html>\n<html>\n<head>\n    <title>Example Front Page</title>\n"
         b"    <meta charset=\"utf-8\" />\n</head>\n<body>\n<div>\n    <h1>Example Front Page</h1>\n"
         b"    <p>This page is kept only to be archived by other tools. It links to\n"
         b"    the registry and says nothing else.</p>\n"
         b"    <p><a href=\"http://www.example.org/\">The registry</a></p>\n</div>\n</body>\n</html>\n")
SECTIONS = ("Names", "Numbers", "Protocols", "Meetings", "Reports", "About")


def registry_page() -> bytes:
    """A front page of link lists, large enough to come in several chunks."""
    parts = ["<!doctype html>\n<html>\n<head>\n\t<title>Example Registry</title>\n"
             "\t<meta charset=\"utf-8\" />\n</head>\n<body>\n<header><h1>Example Registry</h1>\n"
             "<p>The registry of names, numbers and protocol parameters,\n"
             "\tkept for the examples of other documents.</p></header>\n"]
    for s in SECTIONS:
        links = "".join(f"\t<li><a href=\"/{s.lower()}/{i}\">{s} list {i}</a></li>\n" for i in range(30))
        parts.append(f"<section>\n<h2>{s}</h2>\n<ul>\n{links}</ul>\n</section>\n")
    parts.append("<footer><p>Example Registry, kept by nobody.</p></footer>\n</body>\n</html>\n")
    return "".join(parts).encode()


def chunked(body: bytes) -> bytes:
    """The body as a server sends it chunked: sizes in hex, some zero-padded as some servers pad them."""
    out, i, sizes = [], 0, [0x1c37, 0x800, 0x1234]
    while i < len(body):
        chunk = body[i:i + sizes[len(out) % len(sizes)]]
        size = f"{len(chunk):06x}" if len(out) % 2 == 0 else f"{len(chunk):x}"
        out.append(size.encode() + b"\r\n" + chunk + b"\r\n")
        i += len(chunk)
    return b"".join(out) + b"0\r\n\r\n"


def record_id(n: int) -> str:
    return f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>"


def fixed(n: int, date: str) -> dict[str, str]:
    """Record id and date fixed, so the samples are the same bytes every run."""
    return {"WARC-Record-ID": record_id(n), "WARC-Date": date}


def webrecorder_warc(path: Path) -> None:
    """WARC/1.0: warcinfo, the page gzipped as sent, its request, then a revisit of it (the
    uri-agnostic profile Webrecorder wrote) with its HTTP header and no body."""
    body = gzip.compress(FRONT, mtime=0)
    head = [("Content-Encoding", "gzip"), ("Content-Type", "text/html"), ("Content-Length", str(len(body))),
            ("Connection", "close")]
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=False, warc_version="1.0")
        info = w.create_warcinfo_record(path.name, {"software": "a recorder",
                                                    "format": "WARC File Format 1.0"})
        info.rec_headers.replace_header("WARC-Record-ID", record_id(1))
        info.rec_headers.replace_header("WARC-Date", "2017-03-06T04:03:53Z")
        w.write_record(info)
        resp = w.create_warc_record(FRONT_URL, "response", payload=io.BytesIO(body), length=len(body),
                                    http_headers=StatusAndHeaders("200 OK", head, protocol="HTTP/1.1"),
                                    warc_headers_dict=fixed(2, "2017-03-06T04:02:06Z"))
        w.write_record(resp)
        req = StatusAndHeaders("GET / HTTP/1.0", [("Host", "example.com"), ("Accept-Encoding", "gzip")],
                               is_http_request=True)
        w.write_record(w.create_warc_record(FRONT_URL, "request", payload=io.BytesIO(b""), length=0,
                                            http_headers=req, warc_headers_dict={
                                                **fixed(3, "2017-03-06T04:02:06Z"),
                                                "WARC-Concurrent-To": record_id(2)}))
        digest = resp.rec_headers.get_header("WARC-Payload-Digest")
        rev = w.create_revisit_record(FRONT_URL, digest, FRONT_URL, "2017-03-06T04:02:06Z",
                                      http_headers=StatusAndHeaders("200 OK", head, protocol="HTTP/1.1"),
                                      warc_headers_dict=fixed(4, "2017-03-06T04:03:48Z"))
        rev.rec_headers.replace_header(
            "WARC-Profile", "http://netpreserve.org/warc/1.0/revisit/uri-agnostic-identical-payload-digest")
        w.write_record(rev)


def front_response() -> tuple[str, str, bytes, bytes]:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(FRONT)}\r\n\r\n"
    return FRONT_URL, "2014-02-16T05:02:21Z", head.encode(), FRONT


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of the files above, one page each (the revisit: a second capture of it)."""
    folder = tmp_path_factory.mktemp("samples")
    write_arc(folder / "front.arc", [front_response()])
    write_arc(folder / "front.arc.gz", [front_response()])
    webrecorder_warc(folder / "front-1.0.warc")
    # the same records gzipped as one stream: warcio reads no further than its first record
    (folder / "front-1.0-whole.warc.gz").write_bytes(gzip.compress((folder / "front-1.0.warc").read_bytes(),
                                                                   mtime=0))
    body = chunked(registry_page())
    head = [("Content-Type", "text/html; charset=UTF-8"), ("Transfer-Encoding", "chunked")]
    http = StatusAndHeaders("200 OK", head, protocol="HTTP/1.1")
    with (folder / "chunked-0.18.warc").open("wb") as fh:
        w = WARCWriter(fh, gzip=False, warc_version="0.18")
        w.write_record(w.create_warc_record(CHUNKED_URL, "response", payload=io.BytesIO(body),
                                            length=len(body), http_headers=http,
                                            warc_headers_dict=fixed(5, "2017-03-06T16:54:09Z")))
    with (folder / "resource-0.17.warc.gz").open("wb") as fh:
        w = WARCWriter(fh, gzip=True, warc_version="0.17")
        w.write_record(w.create_warc_record(FRONT_URL, "resource", payload=io.BytesIO(FRONT),
                                            length=len(FRONT), warc_content_type="text/html; charset=utf-8",
                                            warc_headers_dict=fixed(6, "2017-04-29T01:30:30Z")))
    return folder


def test_other_producers_samples_are_read_with_their_pages(samples, tmp_path):
    """ARC, ARC gzipped, WARC/1.0 with a revisit, a chunked body (WARC/0.18), a resource record
    (WARC/0.17), a file gzipped whole; each page read and decoded."""
    errors: list = []
    sources = unpack(sorted(samples.iterdir()), tmp_path, errors)
    assert not errors
    pages = {}
    for source in sources:
        caps = [cap for cap, _, _ in iter_responses(source, errors)]
        assert not errors, errors
        for doc in read_html(caps, 1_000_000):
            assert not isinstance(doc, tuple), doc
            pages[(source.warc_file, doc.capture.offset)] = (doc.capture.url, doc.html)
    by_file: dict[str, list[str]] = {}
    for (name, _), (url, html) in sorted(pages.items()):
        by_file.setdefault(name, []).append(url)
        assert (CHUNKED_TEXT if url == CHUNKED_URL else FRONT_TEXT) in " ".join(html.split()), (name, url)
    assert by_file == {
        "chunked-0.18.warc": [CHUNKED_URL],
        "front-1.0-whole.warc.gz": [FRONT_URL],
        "front-1.0.warc": [FRONT_URL],  # and its revisit, resolved in a publish
        "front.arc": [FRONT_URL],
        "front.arc.gz": [FRONT_URL],
        "resource-0.17.warc.gz": [FRONT_URL],
    }
    registry = next(html for (name, _), (_, html) in pages.items() if "chunked" in name)
    assert not re.search(r"(?m)^[0-9a-f]{1,6}\r?$", registry)  # no chunk sizes in the text
    assert registry.count("<li>") == 30 * len(SECTIONS)  # every chunk, whole


def test_other_producers_samples_publish_beside_an_article(samples, capture_warc, chosen, tmp_path):
    """Published with the demo capture: every sample page is read (they are site front
    pages, so not articles), the revisits resolved, nothing broken."""
    proc = publish_cli(samples, capture_warc, "-o", tmp_path / "ds", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "warc_errors" not in proc.stdout
    # 3 demo pages; the front page in 5 files (2 of them as a response and its revisit); the registry
    assert "captures 11," in proc.stdout, proc.stdout
    assert re.search(r"\brevisits 2\b", proc.stdout), proc.stdout
    # the 6 front pages (a revisit shares its original's reading), each named
    assert "pages_not_articles 6," in proc.stdout, proc.stdout
    assert f"Not an article: {CHUNKED_URL} (" in proc.stderr
    assert proc.stderr.count(f"Not an article: {FRONT_URL} (") == 5
    assert_articles(tmp_path / "ds", chosen)


def test_a_gzip_file_whose_first_record_is_cut_is_not_taken_for_whole(tmp_path):
    """Its first member ends inside the record its header announces, and the next member
    starts a record: one member per record, the first one broken (the reader names it)."""
    path = tmp_path / "members.warc.gz"
    offsets = write_warc(path, [("response", "http://site.example/a", "text/html", ARTICLE),
                                ("response", "http://site.example/b", "text/html", ARTICLE)])
    data = path.read_bytes()
    head = gzip.decompress(data[:offsets[1]]).replace(b"Content-Length: ", b"Content-Length: 9", 1)
    path.write_bytes(gzip.compress(head) + data[offsets[1]:])
    assert not whole_gzip(path)
    errors: list = []
    assert [c.url for c, _, _ in iter_responses(path, errors)] == ["http://site.example/b"]
    assert [e.offset for e in errors] == [0]


def test_http2_status_lines_publish(tmp_path):
    """Browser-based tools write the status line the browser saw: `HTTP/2 200`."""
    path = tmp_path / "h2.warc.gz"
    body = ARTICLE
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True, warc_version="1.1")
        for proto in ("HTTP/2", "HTTP/2.0", "HTTP/1.1"):
            http = StatusAndHeaders("200", [("content-type", "text/html; charset=utf-8")], protocol=proto)
            url = f"http://site.example/{proto.replace('/', '-')}"
            w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                length=len(body), http_headers=http))
    errors: list = []
    assert [c.url.rsplit("/", 1)[1] for c, _, _ in iter_responses(Source(path), errors)] == [
        "HTTP-2", "HTTP-2.0", "HTTP-1.1"]
    assert not errors


ARTICLE = (b"<html lang='en'><head><title>A quiet story</title><meta property='og:type' content='article'>"
           b"</head><body><article><h1>A quiet story</h1>"
           + b"<p>Plain paragraph about a town council meeting and its harbour plan.</p>" * 4
           + b"</article></body></html>")


def write_warc(path: Path, records: list[tuple[str, str, str, bytes]]) -> list[int]:
    """(type, url, content-type, body) records written by warcio; their offsets."""
    offsets = []
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=path.name.endswith(".gz"), warc_version="1.1")
        for kind, url, ctype, body in records:
            offsets.append(fh.tell())
            if kind == "response":
                http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
                rec = w.create_warc_record(url, kind, payload=io.BytesIO(body), length=len(body),
                                           http_headers=http)
            else:
                rec = w.create_warc_record(url, kind, payload=io.BytesIO(body), length=len(body),
                                           warc_content_type=ctype)
            w.write_record(rec)
    return offsets


def test_a_file_with_nothing_to_publish_is_named(tmp_path):
    images = tmp_path / "images.warc.gz"
    write_warc(images, [("response", "http://site.example/logo.png", "image/png", b"\x89PNG" * 10),
                        ("metadata", "http://site.example/logo.png", "application/warc-fields", b"a: b\r\n"),
                        ("resource", "http://site.example/notes.txt", "text/plain", b"notes")])
    good = tmp_path / "good.warc.gz"
    write_warc(good, [("response", "http://site.example/story", "text/html", ARTICLE)])
    proc = publish_cli(images, good, "-o", tmp_path / "ds", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    warnings = [line for line in proc.stderr.splitlines() if "nothing to publish" in line]
    assert len(warnings) == 1
    assert warnings[0].endswith(
        f"WARNING: {images}: nothing to publish: no HTML page (2xx HTML response, HTML resource, or "
        "revisit of one) among its 3 record(s) (1 metadata, 1 resource, 1 response)")
    assert [r["url"] for r in rows(tmp_path / "ds")] == ["http://site.example/story"]
    # nothing at all: one line naming the files, exit 3, no dataset
    proc = publish_cli(images, "-o", tmp_path / "ds2", cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.endswith("Nothing published: no HTML page (response, resource or revisit record) in 1 WARC "
                         f"file(s): images.warc.gz; {tmp_path / 'ds2'} is as it was")
    assert not (tmp_path / "ds2").exists()


def test_corrupt_and_mislabelled_bodies(tmp_path):
    """A gzip body that stops decoding half-way is a failed page named with its record; a body
    labelled gzip that is not (servers do that) is read as it is."""
    good = zlib.compress(ARTICLE)
    broken = bytearray(gzip.compress(ARTICLE.replace(b"harbour", b"harbour %d") * 50, 1))
    broken[len(broken) // 2: len(broken) // 2 + 40] = b"\0" * 40
    path = tmp_path / "bodies.warc.gz"
    offsets = []
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True, warc_version="1.1")
        for name, coding, body in (("deflate", "deflate", good), ("broken", "gzip", bytes(broken)),
                                   ("mislabelled", "gzip", ARTICLE)):
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", coding)],
                                    protocol="HTTP/1.1")
            offsets.append(fh.tell())
            w.write_record(w.create_warc_record(f"http://site.example/{name}", "response",
                                                payload=io.BytesIO(body), length=len(body),
                                                http_headers=http))
    proc = publish_cli(path, "-o", tmp_path / "ds", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (f"bodies.warc.gz@{offsets[1]} http://site.example/broken: Content-Encoding gzip: the body stops "
            "decoding after") in proc.stderr
    assert sorted(r["url"] for r in rows(tmp_path / "ds")) == [
        "http://site.example/deflate", "http://site.example/mislabelled"]
