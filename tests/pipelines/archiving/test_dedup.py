"""The dedup index and revisit records: real files, real writer processes, read back with warcio."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import pytest

from pipelines.archiving.config import INDEX_NAME, WarcConfig
from pipelines.archiving.dedup import DigestIndex, payload_digest, read_original
from pipelines.archiving.records import (
    IDENTICAL_PAYLOAD_DIGEST,
    SERVER_NOT_MODIFIED,
    Exchange,
    Original,
)
from pipelines.archiving.sink import WarcFiles, WarcSink, WriterFailed
from tests.warc_utils import Rec, read_records, tool

ROOT = Path(__file__).resolve().parents[3]


def exchange(url: str, body: bytes, *, status: int = 200, date: str = "2026-01-01T00:00:00.000001Z",
             headers: Iterable[tuple[str, str]] = (("Content-Type", "text/html"),), **kw) -> Exchange:
    return Exchange(url=url, method="GET", request_headers=[("Host", "h")], request_body=b"",
                    protocol="HTTP/1.1", status=status, reason="OK" if status == 200 else "Not Modified",
                    headers=list(headers), body=body, ip="127.0.0.1", date=date, **kw)


def write(cfg: WarcConfig, exchanges: Iterable[Exchange]) -> WarcFiles:
    files = WarcFiles(cfg)
    for ex in exchanges:
        files.write_exchange(ex)
    files.close_file()
    files.close_index()
    return files


def kinds(records: list[Rec]) -> list[tuple[str, str | None]]:
    return [(r.type, r.url) for r in records if r.type in ("response", "revisit")]


def by_id(records: list[Rec]) -> dict[str, Rec]:
    return {r.headers["WARC-Record-ID"]: r for r in records}


def assert_revisits_resolve(records: list[Rec]) -> int:
    """Every revisit names a response record of this set that holds its payload."""
    ids = by_id(records)
    revisits = [r for r in records if r.type == "revisit"]
    for rev in revisits:
        original = ids[rev.headers["WARC-Refers-To"]]
        assert original.type == "response"
        assert original.headers["WARC-Payload-Digest"] == rev.headers["WARC-Payload-Digest"]
        assert original.url == rev.headers["WARC-Refers-To-Target-URI"]
        assert original.headers["WARC-Date"] == rev.headers["WARC-Refers-To-Date"]
    return len(revisits)


def test_same_payload_in_one_run_is_a_revisit_with_its_headers(tmp_path):
    cfg = WarcConfig(tmp_path)
    files = write(cfg, [exchange("http://h/a", b"<p>same</p>"),
                        exchange("http://h/b", b"<p>same</p>", headers=[("Set-Cookie", "x=1"),
                                                                          ("Set-Cookie", "y=2")]),
                        exchange("http://h/c", b"<p>other</p>")])
    records = read_records(sorted(tmp_path.glob("*.warc.gz")))
    assert kinds(records) == [("response", "http://h/a"), ("revisit", "http://h/b"),
                              ("response", "http://h/c")]
    rev = next(r for r in records if r.type == "revisit")
    assert rev.headers["WARC-Profile"] == IDENTICAL_PAYLOAD_DIGEST
    assert rev.headers["WARC-Profile"] == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    assert rev.headers["WARC-Payload-Digest"] == payload_digest(b"<p>same</p>")
    assert rev.payload == b""  # headers only
    assert rev.statusline == "200 OK"
    assert [v for k, v in rev.http_headers if k == "Set-Cookie"] == ["x=1", "y=2"]
    assert assert_revisits_resolve(records) == 1
    request = next(r for r in records if r.type == "request" and r.url == "http://h/b")
    assert request.headers["WARC-Concurrent-To"] == rev.headers["WARC-Record-ID"]
    assert files.summary.revisits == 1
    assert files.summary.revisits_304 == 0
    assert (tmp_path / INDEX_NAME).is_file()


def noise(n: int) -> bytes:
    """Bytes gzip cannot shrink, the same every time."""
    out = b""
    while len(out) < n:
        out += hashlib.sha512(out[-64:] + b"seed").digest()
    return out[:n]


def test_a_later_run_refers_to_the_first_and_reads_its_payload_back(tmp_path):
    cfg = WarcConfig(tmp_path)
    body = noise(5000)
    write(cfg, [exchange("http://h/a", body, headers=[("ETag", '"v1"')])])
    second = write(cfg, [exchange("http://h/a2", body, date="2026-01-02T00:00:00.000001Z")])
    records = read_records(sorted(tmp_path.glob("*.warc.gz")))
    assert kinds(records) == [("response", "http://h/a"), ("revisit", "http://h/a2")]
    assert assert_revisits_resolve(records) == 1
    assert 5000 < second.summary.bytes_saved < 5500  # the payload, and the original's headers
    index = DigestIndex.reader(tmp_path / INDEX_NAME)
    assert index is not None
    try:
        found = index.validators("http://h/a")
        assert found is not None
        assert found.etag == '"v1"'
        assert found.last_modified is None
        assert read_original(tmp_path, found.original) == (200, [("ETag", '"v1"')], body)
        assert index.validators("http://h/a2") is None  # no ETag, no Last-Modified: nothing to send
    finally:
        index.close()


def test_a_304_is_a_server_not_modified_revisit_of_what_it_confirms(tmp_path):
    cfg = WarcConfig(tmp_path)
    modified = [("Last-Modified", "Thu, 01 Feb 2018 00:00:00 GMT")]
    write(cfg, [exchange("http://h/a", b"page", headers=modified)])
    index = DigestIndex.reader(tmp_path / INDEX_NAME)
    assert index is not None
    found = index.validators("http://h/a")
    index.close()
    assert found is not None
    files = write(cfg, [exchange("http://h/a", b"", status=304, not_modified=found.original,
                                 headers=modified)])
    records = read_records(sorted(tmp_path.glob("*.warc.gz")))
    rev = next(r for r in records if r.type == "revisit")
    assert rev.headers["WARC-Profile"] == SERVER_NOT_MODIFIED
    assert rev.headers["WARC-Profile"] == "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
    assert rev.statusline == "304 Not Modified"
    assert rev.headers["WARC-Payload-Digest"] == payload_digest(b"page")  # the payload it confirms
    assert assert_revisits_resolve(records) == 1
    assert files.summary.revisits_304 == 1


def test_files_with_revisits_pass_warcio_check_and_cdxj_indexer(tmp_path):
    cfg = WarcConfig(tmp_path)
    write(cfg, [exchange("http://h/a", b"x" * 300, headers=[("Content-Type", "text/html"), ("ETag", '"1"')]),
                exchange("http://h/b", b"x" * 300)])
    index = DigestIndex.reader(tmp_path / INDEX_NAME)
    assert index is not None
    found = index.validators("http://h/a")
    index.close()
    assert found is not None
    write(cfg, [exchange("http://h/a", b"", status=304, not_modified=found.original)])
    warcs = [str(p) for p in sorted(tmp_path.glob("*.warc.gz"))]
    check = tool("warcio", "check", "-v", *warcs)
    assert check.returncode == 0, check.stdout
    assert check.stdout.count("digest present but not checked (revisit)") == 2
    cdxj = tool("cdxj-indexer", *warcs)
    assert cdxj.returncode == 0, cdxj.stderr
    lines = [json.loads(line.split(" ", 2)[2]) for line in cdxj.stdout.splitlines()]
    assert sorted((e["url"], e["mime"], e["status"]) for e in lines) == [
        ("http://h/a", "text/html", "200"), ("http://h/a", "warc/revisit", "304"),
        ("http://h/b", "warc/revisit", "200")]


def test_truncated_and_empty_bodies_are_never_deduplicated(tmp_path):
    cfg = WarcConfig(tmp_path)
    write(cfg, [exchange("http://h/cut", b"half", truncated="disconnect"),
                exchange("http://h/cut2", b"half", truncated="disconnect"),
                exchange("http://h/e1", b""), exchange("http://h/e2", b"")])
    records = read_records(sorted(tmp_path.glob("*.warc.gz")))
    assert [t for t, _ in kinds(records)] == ["response"] * 4


def test_an_original_whose_file_was_moved_away_is_written_again(tmp_path):
    cfg = WarcConfig(tmp_path)
    write(cfg, [exchange("http://h/a", b"body")])
    [first] = tmp_path.glob("*.warc.gz")
    first.rename(tmp_path.parent / first.name)
    write(cfg, [exchange("http://h/b", b"body")])
    write(cfg, [exchange("http://h/c", b"body")])
    records = read_records(sorted(tmp_path.glob("*.warc.gz")))
    assert kinds(records) == [("response", "http://h/b"), ("revisit", "http://h/c")]
    assert assert_revisits_resolve(records) == 1


def test_dedup_off_writes_full_records_and_no_index(tmp_path):
    cfg = WarcConfig(tmp_path, dedup=False)
    write(cfg, [exchange("http://h/a", b"same"), exchange("http://h/b", b"same")])
    records = read_records(sorted(tmp_path.glob("*.warc.gz")))
    assert [t for t, _ in kinds(records)] == ["response", "response"]
    assert not (tmp_path / INDEX_NAME).exists()


def test_an_index_that_cannot_be_opened_costs_the_economy_only(tmp_path, caplog):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the index's folder should be")
    cfg = WarcConfig(tmp_path / "warc", dedup_index=blocker / INDEX_NAME)
    write(cfg, [exchange("http://h/a", b"same"), exchange("http://h/b", b"same")])
    records = read_records(sorted((tmp_path / "warc").glob("*.warc.gz")))
    assert [t for t, _ in kinds(records)] == ["response", "response"]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert "cannot be opened" in warnings[0]
    assert "writing full records from now on" in warnings[0]


def test_the_index_can_live_elsewhere_and_serve_two_folders(tmp_path):
    shared = tmp_path / "shared" / "dedup.sqlite3"
    write(WarcConfig(tmp_path / "one", dedup_index=shared), [exchange("http://h/a", b"body")])
    write(WarcConfig(tmp_path / "two", dedup_index=shared), [exchange("http://h/b", b"body")])
    one = read_records(sorted((tmp_path / "one").glob("*.warc.gz")))
    two = read_records(sorted((tmp_path / "two").glob("*.warc.gz")))
    assert kinds(two) == [("revisit", "http://h/b")]
    assert assert_revisits_resolve(one + two) == 1
    assert not (tmp_path / "one" / INDEX_NAME).exists()
    index = DigestIndex.reader(shared)
    assert index is not None
    original = index.original(payload_digest(b"body"))
    index.close()
    assert original is not None
    assert original.file == f"../one/{sorted((tmp_path / 'one').glob('*.warc.gz'))[0].name}"


# -- real writer processes -------------------------------------------------------------------

def distinct(n: int, tag: str = "") -> list[Exchange]:
    return [exchange(f"http://h/{tag}{i}", b"<p>page %d</p>" % i * 20,
                     headers=[("ETag", f'"{i}"')]) for i in range(n)]


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Polls a condition another process makes true (an index row, a file)."""
    done = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        done.wait(0.02)
    raise AssertionError("condition not met in time")


def committed(path: Path) -> int:
    if not path.exists():
        return 0
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM payloads").fetchone()[0]
    except sqlite3.OperationalError:  # the writer has not created the table yet
        return 0
    finally:
        conn.close()


def test_a_writer_killed_mid_file_leaves_an_index_naming_only_written_records(tmp_path):
    cfg = WarcConfig(tmp_path)
    child = subprocess.Popen([sys.executable, "-m", "pipelines.archiving.sink"], stdin=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, cwd=ROOT)
    assert child.stdin is not None
    pages = distinct(300)
    for obj in (cfg, *pages):
        child.stdin.write(pickle.dumps(obj, protocol=5))
    child.stdin.flush()
    index_path = tmp_path / INDEX_NAME
    wait_for(lambda: committed(index_path) >= 256)  # 2 rows a page: a commit every 256 pages
    os.kill(child.pid, signal.SIGKILL)  # no close, no last commit, the file left `.open`
    child.wait()
    child.stdin.close()
    [unfinished] = tmp_path.glob("*.warc.gz.open")
    kept = committed(index_path)
    index = DigestIndex.reader(index_path)
    assert index is not None
    try:  # every row names a complete record, read back from the file left open
        for page in pages[:kept]:
            original = index.original(payload_digest(page.body))
            assert original is not None
            assert read_original(tmp_path, original)[2] == page.body
    finally:
        index.close()
    # the next run refers to what the index kept and writes the rest in full again
    again = write(cfg, [replace(p, url=p.url + "?again") for p in pages])
    records = read_records([*sorted(tmp_path.glob("*.warc.gz")), unfinished])
    assert again.summary.revisits == kept
    assert assert_revisits_resolve(records) == kept
    assert committed(index_path) == 300


def test_a_full_disk_leaves_no_index_row_for_a_record_it_cut(tmp_path, small_disk):
    disk = small_disk(128 * 1024)
    cfg = WarcConfig(disk / "warc", dedup_index=tmp_path / INDEX_NAME)
    pages = [exchange(f"http://h/{i}", noise(3000) + b"%d" % i) for i in range(200)]  # ~600 KB
    sink = WarcSink(cfg)
    with contextlib.suppress(WriterFailed):  # the pipe may take them all before the disk fills
        for page in pages:
            sink.put(page)
    summary = sink.close()
    assert "No space left on device" in (summary.error or "")
    [warc] = (disk / "warc").glob("*.warc.gz")
    responses = [r for r in read_records([warc]) if r.type == "response"]
    assert 10 < len(responses) < 200
    assert committed(tmp_path / INDEX_NAME) == len(responses)  # the cut record has no row
    index = DigestIndex.reader(tmp_path / INDEX_NAME)
    assert index is not None
    try:
        for page in pages[:len(responses)]:
            original = index.original(payload_digest(page.body))
            assert original is not None
            assert read_original(tmp_path, original)[2] == page.body
    finally:
        index.close()


def test_two_writers_share_one_index(tmp_path):
    cfg = WarcConfig(tmp_path)
    pages = distinct(1500)
    sinks = [WarcSink(cfg), WarcSink(cfg)]

    def feed(sink: WarcSink, start: int) -> None:  # the same pages, from two ends
        for page in pages[start:] + pages[:start]:
            sink.put(page)

    feeders = [threading.Thread(target=feed, args=(sink, start))
               for sink, start in zip(sinks, (0, 750), strict=True)]
    for t in feeders:
        t.start()
    for t in feeders:
        t.join()
    summaries = [s.close() for s in sinks]
    assert [s.error for s in summaries] == [None, None]
    records = read_records(sorted(tmp_path.glob("*.warc.gz")))
    assert len([r for r in records if r.type in ("response", "revisit")]) == 3000
    assert assert_revisits_resolve(records) == sum(s.revisits for s in summaries)
    assert committed(tmp_path / INDEX_NAME) == 1500
    # one index for both: a third run finds every page
    third = write(cfg, [replace(p, url=p.url + "?3") for p in pages])
    assert third.summary.revisits == 1500
    assert assert_revisits_resolve(read_records(sorted(tmp_path.glob("*.warc.gz")))) == (
        1500 + sum(s.revisits for s in summaries))


def test_a_writer_waits_for_the_index_another_crawl_holds(tmp_path):
    cfg = WarcConfig(tmp_path)
    files = WarcFiles(cfg)
    files.write_exchange(exchange("http://h/first", b"first"))  # opens the index
    assert files._index is not None
    trying = threading.Event()
    files._index._conn.set_trace_callback(lambda sql: sql == "BEGIN IMMEDIATE" and trying.set())
    other = sqlite3.connect(tmp_path / INDEX_NAME, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another crawl's writer, in the middle of its commit

    def commit_later() -> None:
        trying.wait(30)  # ours is asking for the lock now: hold it a little longer
        threading.Event().wait(0.5)
        other.execute("COMMIT")

    holder = threading.Thread(target=commit_later)
    holder.start()
    files.write_exchange(exchange("http://h/second", b"second"))
    files.close_file()  # commits: waits for the other writer instead of giving up
    holder.join()
    other.close()
    files.close_index()
    assert trying.is_set()
    assert committed(tmp_path / INDEX_NAME) == 2


def test_read_original_refuses_a_record_that_is_not_the_one_named(tmp_path):
    cfg = WarcConfig(tmp_path)
    write(cfg, [exchange("http://h/a", b"body a"), exchange("http://h/b", b"body b")])
    index = DigestIndex.reader(tmp_path / INDEX_NAME)
    assert index is not None
    a = index.original(payload_digest(b"body a"))
    b = index.original(payload_digest(b"body b"))
    index.close()
    assert a is not None
    assert b is not None
    with pytest.raises(ValueError, match="not <urn:uuid:"):
        read_original(tmp_path, replace(a, offset=b.offset, length=b.length))
    with pytest.raises(FileNotFoundError):
        read_original(tmp_path, Original(a.digest, a.uri, a.date, a.record_id, "gone.warc.gz", 0, 10))
