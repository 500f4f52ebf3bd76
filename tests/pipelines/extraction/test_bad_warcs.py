"""Bad input costs its record and nothing else, in bounded memory and time: a record claiming
10 GB, a 300 MB response, decompression bombs, a record cut mid-header, a gzip member that
never ends, 2,000 tiny files, 50,000 nested divs, a billion-laughs page.

(A huge header line: test_header_caps.py; a file cut short: test_publish.py; corrupt gzip data
whatever the split: test_warc.py; nesting past libxml2's depth: test_deep_markup.py.)"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import BinaryIO

import brotli
import pyarrow.parquet as pq
import pytest
from warcio.warcwriter import WARCWriter

from tests.conftest import CRAWL_ENV

try:
    from compression import zstd  # Python 3.14
except ImportError:
    from backports import zstd

ROOT = Path(__file__).resolve().parents[3]
PEAK_RSS = ROOT / "tests" / "peak_rss.py"
MB = 1 << 20


def article(title: str) -> bytes:
    return (f"<html lang='en'><head><title>{title}</title><meta property='og:type' content='article'>"
            f"</head><body><article><h1>{title}</h1>"
            + "".join(f"<p>Paragraph {i} of {title}, about a town council and its harbour plan.</p>"
                      for i in range(5))
            + "</article></body></html>").encode()


GOOD = [f"http://site.example/2024/story-{i}" for i in (1, 2, 3)]


def warc_head(url: str, length: int, version: str = "1.1") -> bytes:
    return (f"WARC/{version}\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\n"
            "WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-0000000000aa>\r\n"
            "WARC-Date: 2024-05-01T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {length}\r\n\r\n").encode()


def http_response(body: bytes, *fields: str) -> bytes:
    return ("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            + "".join(f"{f}\r\n" for f in fields) + "\r\n").encode() + body


class Writer:
    """Good records by warcio, bad ones by hand: one gzip member each in a `.warc.gz`."""

    def __init__(self, fh: BinaryIO, gz: bool) -> None:
        self.fh, self.gz = fh, gz
        self.warc = WARCWriter(fh, gzip=gz, warc_version="1.1")

    def good(self, url: str) -> int:
        from io import BytesIO

        from warcio.statusandheaders import StatusAndHeaders

        at = self.fh.tell()
        body = article(url.rsplit("/", 1)[1])
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        self.warc.write_record(self.warc.create_warc_record(url, "response", payload=BytesIO(body),
                                                            length=len(body), http_headers=http))
        return at

    def raw(self, data: bytes) -> int:
        at = self.fh.tell()
        self.fh.write(gzip.compress(data, 1, mtime=0) if self.gz else data)
        return at


def publish(out: Path, *inputs: Path, workers: int = 1, settings: tuple[str, ...] = ()
            ) -> tuple[int, str, int, float]:
    """Exit code, log, peak RSS (bytes: the publish process and its workers, each's own high-water
    mark) and seconds of `scrapy publish`."""
    rss, log = out.with_suffix(".rss"), out.with_suffix(".log")
    cmd = [sys.executable, str(PEAK_RSS), str(rss), "crawler", "publish", *map(str, inputs),
           "-o", str(out), "--workers", str(workers), *settings]
    started = time.monotonic()
    with log.open("w") as fh:
        proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT, env=CRAWL_ENV,
                              timeout=900, check=False)
    return proc.returncode, log.read_text(), int(rss.read_text()), time.monotonic() - started


def urls(dataset: Path) -> list[str]:
    return sorted(u for f in (dataset / "articles").glob("*.parquet")
                  for u in pq.read_table(f).column("url").to_pylist())


def error_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if "] ERROR: " in line]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> int:
    """Peak RSS of publishing three small articles: what the bad files are held to."""
    tmp = tmp_path_factory.mktemp("baseline")
    path = tmp / "good.warc.gz"
    with path.open("wb") as fh:
        w = Writer(fh, gz=True)
        for url in GOOD:
            w.good(url)
    code, log, rss, _ = publish(tmp / "ds", path)
    assert code == 0, log[-3000:]
    return rss


@pytest.mark.parametrize("name", ["liar.warc", "liar.warc.gz"])
def test_a_record_claiming_10_gb_costs_that_record(tmp_path, name):
    """Its Content-Length says 10 GB, the file is a few kB: named, and in a `.warc` too the
    records after it are found again (the bytes it claims are theirs)."""
    path = tmp_path / name
    with path.open("wb") as fh:
        w = Writer(fh, gz=name.endswith(".gz"))
        w.good(GOOD[0])
        liar = w.raw(warc_head("http://site.example/liar", 10 * 1024**3) + http_response(article("Liar"))
                     + b"\r\n\r\n")
        w.good(GOOD[1])
        w.good(GOOD[2])
    code, log, _, seconds = publish(tmp_path / "ds", path)
    assert code == 4, log[-3000:]  # published, with a record lost
    errors = error_lines(log)
    assert len(errors) == 1, errors
    assert f"{path}: unreadable at offset {liar}: EOFError: record cut short, 107374" in errors[0]
    assert "the records before and after it are published" in errors[0]
    assert urls(tmp_path / "ds") == GOOD
    assert seconds < 60


@pytest.mark.parametrize("name", ["cut.warc", "cut.warc.gz"])
def test_a_record_cut_mid_header_is_named_and_never_misread(tmp_path, name):
    """A record whose WARC header stops half-way (the rest of its bytes lost): warcio skipped
    it without a word in a `.warc.gz`, and in a `.warc` read the next record's header as the
    rest of it, publishing the next page under the cut record's URL."""
    path = tmp_path / name
    with path.open("wb") as fh:
        w = Writer(fh, gz=name.endswith(".gz"))
        w.good(GOOD[0])
        cut = w.raw(warc_head("http://site.example/cut", 500)[:90])
        w.good(GOOD[1])
    code, log, _, _ = publish(tmp_path / "ds", path)
    assert code == 4, log[-3000:]
    errors = error_lines(log)
    assert len(errors) == 1, errors
    assert f"{path}: unreadable at offset {cut}: RecordCut: its WARC header is cut short" in errors[0]
    assert urls(tmp_path / "ds") == GOOD[:2]


@pytest.mark.parametrize("where", ["middle", "end"])
def test_a_gzip_member_that_never_ends(tmp_path, where):
    """A record's gzip member cut off (no end of stream, no trailer): named with its offset;
    in the middle of the file the next records are published."""
    path = tmp_path / f"{where}.warc.gz"
    http = http_response(bytes(range(256)) * 160)
    member = gzip.compress(warc_head("http://site.example/cut", len(http)) + http + b"\r\n\r\n")
    with path.open("wb") as fh:
        w = Writer(fh, gz=True)
        w.good(GOOD[0])
        cut = fh.tell()
        fh.write(member[: len(member) // 2])
        if where == "middle":
            nxt = w.good(GOOD[1])
    code, log, _, _ = publish(tmp_path / "ds", path)
    assert code == 4, log[-3000:]
    errors = error_lines(log)
    assert len(errors) == 1, errors
    after = f"the next record at offset {nxt}" if where == "middle" else "the end of the file"
    assert (f"{path}: unreadable at offset {cut}: its gzip member is cut short: it never ends before "
            f"{after}") in errors[0]
    assert urls(tmp_path / "ds") == (GOOD[:2] if where == "middle" else GOOD[:1])


def big_record(fh: BinaryIO, url: str, size: int, *fields: str, chunk: bool = False) -> int:
    """A response of `size` body bytes, one gzip member written a MiB at a time (the test never
    holds it); with `chunk`, the body is one chunk of that size."""
    at = fh.tell()
    para = b"<p>A town council meeting, in many many words, again and again and again.</p>\n"
    head = b"<html><body><article><h1>Huge</h1>"
    tail = b"</article></body></html>"
    n = (size - len(head) - len(tail)) // len(para)
    body_len = len(head) + n * len(para) + len(tail)
    prefix, suffix = (b"%x\r\n" % body_len, b"\r\n0\r\n\r\n") if chunk else (b"", b"")
    http = http_response(b"", *fields)
    block = len(http) + len(prefix) + body_len + len(suffix)
    gz = zlib.compressobj(1, zlib.DEFLATED, 31)
    fh.write(gz.compress(warc_head(url, block) + http + prefix + head))
    step = para * (MB // len(para))
    for done in range(0, n, MB // len(para)):
        fh.write(gz.compress(step if n - done >= MB // len(para) else para * (n - done)))
    fh.write(gz.compress(tail + suffix + b"\r\n\r\n") + gz.flush())
    return at


def bomb(fh: BinaryIO, url: str, coding: str, size: int) -> int:
    """A response whose body decodes to `size` zero bytes (500 MB of zeros: 3 kB of brotli)."""
    zero = bytes(MB)
    if coding == "br":
        c = brotli.Compressor()
        body = b"".join(c.process(zero) for _ in range(size // MB)) + c.finish()
    else:
        z = zstd.ZstdCompressor()
        body = b"".join(z.compress(zero) for _ in range(size // MB)) + z.flush()
    http = http_response(body, f"Content-Encoding: {coding}")
    at = fh.tell()
    fh.write(gzip.compress(warc_head(url, len(http)) + http + b"\r\n\r\n", 1))
    return at


def test_huge_bodies_are_skipped_in_bounded_memory(tmp_path, baseline):
    """300 MB pages (plain, and in one 300 MB chunk) and 500 MB decompression bombs: each
    skipped with one line naming its record, read a MiB at a time; memory stays within
    DATASET_MAX_PAGE_BYTES (20 MB) of three small pages'."""
    path = tmp_path / "huge.warc.gz"
    with path.open("wb") as fh:
        w = Writer(fh, gz=True)
        w.good(GOOD[0])
        bad = {"huge": big_record(fh, "http://site.example/huge", 300 * MB),
               "chunked": big_record(fh, "http://site.example/chunked", 300 * MB,
                                     "Transfer-Encoding: chunked", chunk=True)}
        w.good(GOOD[1])
        bad["br"] = bomb(fh, "http://site.example/br", "br", 500 * MB)
        bad["zstd"] = bomb(fh, "http://site.example/zstd", "zstd", 500 * MB)
        w.good(GOOD[2])
    assert path.stat().st_size < 20 * MB
    code, log, rss, seconds = publish(tmp_path / "ds", path)
    assert code == 0, log[-3000:]
    for name, offset in bad.items():
        assert (f"Skipped huge.warc.gz@{offset} http://site.example/{name}: page larger than 20000000 "
                "bytes decoded") in log
    assert urls(tmp_path / "ds") == GOOD
    assert rss - baseline < 100 * MB, (rss, baseline)  # warcio alone: the bombs' 500 MB each
    assert seconds < 120


def test_two_thousand_tiny_files_publish_in_seconds(tmp_path):
    """One small file per page (as some tools write them): read several per task."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    for i in range(2000):
        with (folder / f"page-{i:04d}.warc.gz").open("wb") as fh:
            Writer(fh, gz=True).good(f"http://site.example/2024/tiny-{i:04d}")
    code, log, _, seconds = publish(tmp_path / "ds", folder, workers=2)
    assert code == 0, log[-3000:]
    assert len(urls(tmp_path / "ds")) == 2000
    assert seconds < 30, seconds  # 22 s before (a journalled SQLite part per file)


def laughs() -> bytes:
    """The billion-laughs entity bomb in a page's DOCTYPE: 10^9 `lol`s if expanded."""
    entities = "".join(f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10))
    return ('<?xml version="1.0"?>\n<!DOCTYPE html [\n <!ENTITY lol0 "lol">\n' + entities + "]>\n"
            '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Laughing matter</title>'
            '<meta property="og:type" content="article"/></head><body><article><h1>Laughing matter</h1>'
            + "<p>The council met in the harbour hall to discuss the plan.</p>" * 8
            + "<p>&lol9;</p></article></body></html>").encode()


def test_hostile_markup_costs_bounded_time_and_memory(tmp_path, baseline):
    """50,000 nested divs (named: the text past libxml2's depth is cut) and a billion-laughs
    page as XHTML and as HTML (published, its entity never expanded)."""
    deep = (b"<html><head><title>Deep</title><meta property='og:type' content='article'></head><body>"
            b"<article><h1>Deep nesting story</h1><p>" + b"The council met again. " * 40 + b"</p>"
            + b"<div>" * 50_000 + b"<p>deep text</p>" + b"</div>" * 50_000 + b"</article></body></html>")
    path = tmp_path / "markup.warc.gz"
    with path.open("wb") as fh:
        w = Writer(fh, gz=True)
        w.good(GOOD[0])
        at = {"deep": w.raw(warc_head("http://site.example/deep", len(http_response(deep)))
                            + http_response(deep) + b"\r\n\r\n")}
        for name, ctype in (("laughs-xhtml", "application/xhtml+xml"), ("laughs-html", "text/html")):
            page = laughs().replace(b"Laughing matter", name.encode())
            http = f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\n\r\n".encode() + page
            at[name] = w.raw(warc_head(f"http://site.example/{name}", len(http)) + http + b"\r\n\r\n")
        w.good(GOOD[1])
    code, log, rss, seconds = publish(tmp_path / "ds", path)
    assert code == 0, log[-3000:]
    assert (f"markup.warc.gz@{at['deep']} http://site.example/deep is nested deeper than 2048 elements: "
            "the text past that depth is cut") in log
    rows = {r["url"]: r for f in (tmp_path / "ds" / "articles").glob("*.parquet")
            for r in pq.read_table(f).to_pylist()}
    assert sorted(rows) == sorted([*GOOD[:2], "http://site.example/deep", "http://site.example/laughs-xhtml",
                                   "http://site.example/laughs-html"])
    for name in ("laughs-xhtml", "laughs-html"):
        text = rows[f"http://site.example/{name}"]["text"]
        assert "The council met in the harbour hall" in text
        assert text.count("lol") < 10, text[:300]  # never expanded
    assert rss - baseline < 100 * MB, (rss, baseline)
    assert seconds < 120
    assert os.path.getsize(path) < MB
