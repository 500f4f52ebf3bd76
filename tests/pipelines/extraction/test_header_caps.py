"""A foreign WARC's header size must not decide the memory a publish takes."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import zlib
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

import pyarrow.parquet as pq
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipelines.extraction.warc import MAX_HEADER_BYTES, iter_responses

HUGE_LINE = 300 * 1024 * 1024  # one HTTP header line: 300 MiB
GOOD = [f"http://site.example/story-{i}" for i in (1, 2)]


def article(title: str) -> bytes:
    return (f"<html lang='en'><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            + "".join(f"<p>Paragraph {i} of {title}, about a town council and its harbour.</p>"
                      for i in range(4))
            + "</article></body></html>").encode()


def write_response(writer: WARCWriter, url: str) -> None:
    body = article(url.rsplit("/", 1)[-1])
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                            protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(body),
                                                  length=len(body), http_headers=http))


def write_huge_header_record(fh: BinaryIO, url: str, line_bytes: int) -> None:
    """One gzip member holding a response whose HTTP header has a `line_bytes` line, written
    a MiB at a time (the test never holds the line)."""
    body = article("The huge header")
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Padding: "
    tail = b"\r\n\r\n" + body
    length = len(head) + line_bytes + len(tail)
    warc_head = (f"WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\n"
                 "WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>\r\n"
                 "WARC-Date: 2024-05-01T00:00:00Z\r\n"
                 "Content-Type: application/http; msgtype=response\r\n"
                 f"Content-Length: {length}\r\n\r\n").encode()
    gz = zlib.compressobj(1, zlib.DEFLATED, 31)
    fh.write(gz.compress(warc_head + head))
    chunk = b"x" * (1 << 20)
    for done in range(0, line_bytes, len(chunk)):
        fh.write(gz.compress(chunk[: line_bytes - done]))
    fh.write(gz.compress(tail + b"\r\n\r\n"))
    fh.write(gz.flush())


def write_warc(path: Path, huge_line: int | None) -> int | None:
    """Two good articles, with (if `huge_line`) the bad record between them; its offset."""
    offset = None
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        write_response(writer, GOOD[0])
        if huge_line is not None:
            offset = fh.tell()
            write_huge_header_record(fh, "http://site.example/huge-header", huge_line)
        write_response(writer, GOOD[1])
    return offset


def publish(warc: Path, out: Path) -> tuple[int, str, int]:
    """Exit code, output and peak RSS (KiB, of it and its worker) of `publish --workers 1`."""
    log = out.with_suffix(".log")
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "publish", str(warc), "-o", str(out), "--workers", "1"],
            stdout=err, stderr=subprocess.STDOUT, cwd=out.parent)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    return proc.returncode, log.read_text(), usage.ru_maxrss


def published_urls(out: Path) -> set[str]:
    return {u for f in (out / "articles").glob("*.parquet")
            for u in pq.read_table(f).column("canonical_url").to_pylist()}


def test_a_huge_http_header_costs_its_record_not_the_memory(tmp_path):
    good = tmp_path / "good.warc.gz"
    write_warc(good, None)
    huge = tmp_path / "huge.warc.gz"
    offset = write_warc(huge, HUGE_LINE)
    code, log, rss_good = publish(good, tmp_path / "good")
    assert code == 0, log[-2000:]
    code, log, rss_huge = publish(huge, tmp_path / "huge")
    assert code == 4, log[-2000:]
    assert (f"huge.warc.gz: unreadable at offset {offset}: "
            f"HeaderTooLarge: HTTP header larger than {MAX_HEADER_BYTES} bytes") in log
    assert published_urls(tmp_path / "huge") == published_urls(tmp_path / "good") == set(GOOD)
    assert "warc_errors 1" in log
    # the line is 300 MiB: warcio read it (in pieces) for ~170 MiB more; capped, ~0
    assert (rss_huge - rss_good) * 1024 < HUGE_LINE // 10, (rss_good, rss_huge)


def test_headers_under_the_cap_read_as_before(tmp_path):
    path = tmp_path / "long.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        write_response(writer, GOOD[0])
        write_huge_header_record(fh, "http://site.example/long-header", MAX_HEADER_BYTES - 200)
        write_response(writer, GOOD[1])
    errors: list = []
    got = [(cap.url, body) for cap, body, _ in iter_responses(path, errors)]
    assert not errors
    assert [url for url, _ in got] == [GOOD[0], "http://site.example/long-header", GOOD[1]]
    assert got[1][1] == article("The huge header")


def test_a_huge_warc_header_is_capped_too(tmp_path):
    path = tmp_path / "warchead.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        write_response(writer, GOOD[0])
        offset = fh.tell()
        gz = zlib.compressobj(1, zlib.DEFLATED, 31)
        fh.write(gz.compress(b"WARC/1.1\r\nWARC-Type: response\r\nX-Junk: "))
        for _ in range(4):
            fh.write(gz.compress(b"y" * MAX_HEADER_BYTES))
        fh.write(gz.compress(b"\r\nContent-Length: 0\r\n\r\n\r\n\r\n") + gz.flush())
        write_response(writer, GOOD[1])
    errors: list = []
    assert [cap.url for cap, _, _ in iter_responses(path, errors)] == GOOD
    assert [(e.offset, e.cause) for e in errors] == [
        (offset, f"HeaderTooLarge: WARC header larger than {MAX_HEADER_BYTES} bytes")]


def write_padded_record(fh: BinaryIO, url: str, junk: int) -> None:
    """A response whose gzip member goes on past its Content-Length: `junk` bytes, one line."""
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + article("Padded")
    gz = zlib.compressobj(1, zlib.DEFLATED, 31)
    fh.write(gz.compress(b"WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: %s\r\n"
                         b"Content-Length: %d\r\n\r\n%s\r\n\r\n" % (url.encode(), len(http), http)))
    for done in range(0, junk, 1 << 20):
        fh.write(gz.compress(b"z" * min(1 << 20, junk - done)))
    fh.write(gz.compress(b"\r\n\r\n") + gz.flush())


def padded_warc(path: Path, junk: int) -> tuple[int, int]:
    """Good, padded, good: the padded record's offset and the next one's."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        write_response(writer, GOOD[0])
        offset = fh.tell()
        write_padded_record(fh, "http://site.example/padded", junk)
        after = fh.tell()
        write_response(writer, GOOD[1])
    return offset, after


def test_a_huge_line_after_a_record_is_capped_too(tmp_path):
    path = tmp_path / "junk.warc.gz"
    offset, _ = padded_warc(path, 4 * MAX_HEADER_BYTES)
    errors: list = []
    assert [cap.url for cap, _, _ in itertools.islice(iter_responses(path, errors), 10)] == GOOD
    assert [(e.offset, e.cause) for e in errors] == [
        (offset, f"HeaderTooLarge: a line longer than {MAX_HEADER_BYTES} bytes after the record")]


def test_bytes_after_a_record_never_make_reading_loop(tmp_path):
    """warcio then gives the record a wrong length (here negative): the resync must still move
    on, not start again at the same record."""
    path = tmp_path / "junk.warc.gz"
    offset, after = padded_warc(path, 100_000)
    errors: list = []
    got = list(itertools.islice(iter_responses(path, errors), 10))
    assert [(cap.url, cap.offset) for cap, _, _ in got] == [
        (GOOD[0], 0), ("http://site.example/padded", offset), (GOOD[1], after)]
    assert len(errors) == 1
    assert offset < errors[0].offset <= after
    assert errors[0].cause.startswith("ArchiveLoadFailed: Unknown archive format, first line:")
    assert len(errors[0].cause) == 503  # warcio's message quotes the whole 100 kB line: cut
