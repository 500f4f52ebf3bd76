"""Revisit records publish as the pages they repeat: an archive whose repeated payloads are
WARC 1.1 revisits (warcio's `create_revisit_record`; `server-not-modified` 304s; refers-to by
record id, by URI and date, by payload digest alone) publishes the same dataset as the full one."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from base64 import b32encode
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from demosite.content import build_site
from demosite.drupal7 import Drupal7

BASE = "http://d7.test"
RUN1, RUN2 = "2024-05-01T10:00:00.123456Z", "2024-05-08T10:00:00.654321Z"
PROFILE = "http://netpreserve.org/warc/1.1/revisit/"
# warc_offset and warc_length name where a record lies in its file: a revisit is shorter
PLACE = ("warc_offset", "warc_length")


def publish_cli(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", "publish", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=600)


@dataclass(frozen=True)
class Fetched:
    url: str
    status: str
    headers: list[tuple[str, str]]
    payload: bytes  # as sent: gzip where the headers say so

    @property
    def digest(self) -> str:
        return "sha1:" + b32encode(hashlib.sha1(self.payload).digest()).decode()


def demo_pages() -> list[Fetched]:
    """Each article's thread pages and first permalink, from the demo site's Drupal 7 renderer
    (the bytes it serves), every other one gzip-encoded as a server would send it."""
    site = Drupal7(build_site(articles=4), BASE)
    urls = [u for a in site.truth()["articles"] for u in [*a["thread_pages"], *a["permalinks"][:1]]]
    out = []
    for i, url in enumerate(urls):
        page = site.lookup(url.removeprefix(BASE))
        headers = [(k.decode(), v.decode().strip()) for k, _, v in
                   (line.partition(b":") for line in page.head.split(b"\r\n") if line)]
        body = page.body
        if i % 2 and page.gzipped:
            body = page.gzipped
            headers.append(("Content-Encoding", "gzip"))
        out.append(Fetched(url, page.status, [*headers, ("Content-Length", str(len(body)))], body))
    return out


def changed(page: Fetched) -> Fetched:
    """The page as a later fetch found it: one comment edited (a new payload, no revisit)."""
    body = page.payload
    assert not any(k == "Content-Encoding" for k, _ in page.headers)
    edited = re.sub(rb'(class="comment-text">.*?<div class="field-item even"[^>]*><p>)', rb"\1[edited] ",
                    body, count=1, flags=re.DOTALL)
    assert edited != body
    headers = [(k, str(len(edited)) if k == "Content-Length" else v) for k, v in page.headers]
    return Fetched(page.url, page.status, headers, edited)


def rid(run: int, i: int) -> str:
    return f"<urn:uuid:00000000-0000-4000-8000-{run:04d}{i:08d}>"


def write_run(path: Path, date: str, run: int, pages: list[Fetched],
              earlier: dict[str, tuple[str, str, str]] | None = None) -> int:
    """One crawl's WARC file: full responses, or where `earlier` (digest -> original's record
    id, URI, date) holds the payload, a revisit in one of the styles tools write. Returns the
    number of revisits written."""
    revisits = 0
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True, warc_version="1.1")
        for i, p in enumerate(pages):
            fixed = {"WARC-Record-ID": rid(run, i), "WARC-Date": date}
            http = StatusAndHeaders(p.status, p.headers, protocol="HTTP/1.1")
            if earlier is None or p.digest not in earlier:
                w.write_record(w.create_warc_record(p.url, "response", payload=BytesIO(p.payload),
                                                    length=len(p.payload), http_headers=http,
                                                    warc_headers_dict=fixed))
                continue
            orig_id, orig_uri, orig_date = earlier[p.digest]
            revisits += 1
            style = i % 4
            if style == 0:  # warcio/pywb with the original's id (Heritrix writes it too)
                rec = w.create_revisit_record(p.url, p.digest, orig_uri, orig_date, http_headers=http,
                                              warc_headers_dict={**fixed, "WARC-Refers-To": orig_id})
            elif style == 1:  # URI and date only, the date to the second (WARC/1.0 writers)
                rec = w.create_revisit_record(p.url, p.digest, orig_uri, orig_date[:19] + "Z",
                                              http_headers=http, warc_headers_dict=fixed)
            elif style == 2:  # a conditional request answered 304: server-not-modified
                not_modified = StatusAndHeaders("304 Not Modified", [
                    (k, v) for k, v in p.headers if k in ("ETag", "Last-Modified", "Server")],
                    protocol="HTTP/1.1")
                rec = w.create_warc_record(p.url, "revisit", http_headers=not_modified,
                                           warc_headers_dict={
                                               **fixed, "WARC-Profile": PROFILE + "server-not-modified",
                                               "WARC-Refers-To-Target-URI": orig_uri,
                                               "WARC-Refers-To-Date": orig_date})
            else:  # the payload digest alone (Heritrix's uri-agnostic dedup)
                rec = w.create_warc_record(p.url, "revisit", http_headers=http, warc_headers_dict={
                    **fixed, "WARC-Profile": PROFILE + "uri-agnostic-identical-payload-digest",
                    "WARC-Payload-Digest": p.digest})
            w.write_record(rec)
    return revisits


def originals(path: Path) -> dict[str, tuple[str, str, str]]:
    """digest -> (record id, URI, date) of each response, read back as a deduplicator would."""
    out = {}
    with path.open("rb") as fh:
        for rec in ArchiveIterator(fh):
            h = rec.rec_headers
            out.setdefault(h.get_header("WARC-Payload-Digest"), (
                h.get_header("WARC-Record-ID"), h.get_header("WARC-Target-URI"), h.get_header("WARC-Date")))
    return out


NAMES = ("threadwarc-20240501100000123-00001-host.warc.gz", "threadwarc-20240508100000654-00001-host.warc.gz")


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """The same two crawls archived in full and deduplicated; the second found one page changed."""
    tmp = tmp_path_factory.mktemp("revisits")
    first = demo_pages()
    second = [changed(p) if i == 2 else p for i, p in enumerate(first)]
    full, dedup = tmp / "full", tmp / "dedup"
    full.mkdir()
    dedup.mkdir()
    write_run(full / NAMES[0], RUN1, 1, first)
    write_run(full / NAMES[1], RUN2, 2, second)
    shutil.copy(full / NAMES[0], dedup / NAMES[0])
    n = write_run(dedup / NAMES[1], RUN2, 2, second, originals(dedup / NAMES[0]))
    assert n == len(first) - 1
    return full, dedup, n


def rows(dataset: Path, config: str) -> list[dict]:
    """Every row of every split, minus where records lie in their files."""
    out = []
    for shard in sorted((dataset / config).glob("*.parquet")):
        for row in pq.read_table(shard).to_pylist():
            for key in PLACE:
                row.pop(key)
            for c in row.get("comments") or []:
                for key in PLACE:
                    c.pop(key)
            out.append(row)
    return sorted(out, key=lambda r: (r.get("article_url") or r["canonical_url"], r.get("comment_id") or ""))


def test_deduplicated_archive_publishes_the_same_dataset(archives, tmp_path):
    full, dedup, n = archives
    for src, out in ((full, "ds_full"), (dedup, "ds_dedup")):
        proc = publish_cli(src, "-o", tmp_path / out, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "not published, their original payload not found" not in proc.stderr
    assert re.search(rf"\brevisits {n}\b", proc.stdout), proc.stdout
    for config in ("articles", "comments"):
        theirs, ours = rows(tmp_path / "ds_full", config), rows(tmp_path / "ds_dedup", config)
        assert ours == theirs, config
    comments = rows(tmp_path / "ds_dedup", "comments")
    assert len(comments) == sum(a["comment_count"] for a in rows(tmp_path / "ds_dedup", "articles"))
    truth = Drupal7(build_site(articles=4), BASE).truth()["articles"]
    assert len(comments) == sum(len(a["comments"]) for a in truth)
    assert {c["last_seen"].isoformat() for c in comments} == {"2024-05-08T10:00:00.654321+00:00"}
    assert sum(c["text"].startswith("[edited] ") for c in comments) == 1  # the newest capture's


def test_originals_beside_a_file_named_alone_are_found(archives, tmp_path):
    """Only the second crawl's file named: its revisits' originals are in the first crawl's
    file in the same folder, read for their payloads only."""
    full, dedup, n = archives
    for src, out in ((full / NAMES[1], "ds_full"), (dedup / NAMES[1], "ds_dedup")):
        proc = publish_cli(src, "-o", tmp_path / out, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"originals of {n} revisit(s) in 1 WARC file(s) beside them" in proc.stderr
    assert "not published, their original payload not found" not in proc.stderr
    for config in ("articles", "comments"):
        assert rows(tmp_path / "ds_dedup", config) == rows(tmp_path / "ds_full", config), config
    assert {c["first_seen"].isoformat() for c in rows(tmp_path / "ds_dedup", "comments")} == {
        "2024-05-08T10:00:00.654321+00:00"}  # the first crawl's pages are not published


def test_unresolved_revisits_are_counted_and_named_in_one_line(archives, tmp_path):
    _, dedup, n = archives
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(dedup / NAMES[1], alone / NAMES[1])
    proc = publish_cli(alone, "-o", tmp_path / "ds", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]  # the one changed page is published
    lines = [line for line in proc.stderr.splitlines() if "original payload not found" in line]
    assert len(lines) == 1, proc.stderr[-3000:]
    assert f"{n} revisit record(s) not published" in lines[0]
    assert f"{NAMES[1]}@" in lines[0]
    assert f"and {n - 5} more" in lines[0]
    assert f"revisits_unresolved {n}" in proc.stdout
    articles = rows(tmp_path / "ds", "articles")
    assert len(articles) == 1
