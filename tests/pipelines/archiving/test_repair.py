"""Closing `.open` WARC files a killed writer left: real files from the real writer, cut where a
kill can cut them, repaired, and read back with warcio."""

from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from pipelines.archiving.config import INDEX_NAME, WarcConfig
from pipelines.archiving.packaging import update_index
from pipelines.archiving.records import Exchange, Original
from pipelines.archiving.repair import (
    Archived,
    JobRuns,
    open_elsewhere,
    repair_file,
    repair_unfinished,
)
from pipelines.archiving.sink import WarcFiles
from tests.warc_utils import read_records, tool

ROOT = Path(__file__).resolve().parents[3]


def page(url: str, body: bytes, *, status: int = 200, **kw) -> Exchange:
    return Exchange(url=url, method="GET", request_headers=[("Host", "h")], request_body=b"",
                    protocol="HTTP/1.1", status=status, reason="OK" if status == 200 else "Not Modified",
                    headers=[("Content-Type", "text/html")], body=body, ip="127.0.0.1",
                    date="2026-01-01T00:00:00.000001Z", **kw)


def text(n: int, seed: int) -> bytes:
    rnd = random.Random(seed)
    return " ".join(rnd.choice(("comment", "thread", "reply", "page", "quote")) + str(rnd.randrange(99))
                    for _ in range(n)).encode()


def write(cfg: WarcConfig, exchanges: Iterable[Exchange]) -> Path:
    files = WarcFiles(cfg)
    for ex in exchanges:
        files.write_exchange(ex)
    files.close_file()
    files.close_index()
    [path] = files.summary.files
    return Path(path)


@pytest.fixture(scope="module")
def warc(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, list[int]]:
    """A WARC from the writer, and where each of its records ends (read by warcio alone)."""
    cfg = WarcConfig(tmp_path_factory.mktemp("warc"), dedup=False)
    path = write(cfg, [page(f"http://h/{i}", text(40 + 30 * i, i)) for i in range(4)])
    data = path.read_bytes()
    ends = []
    it = ArchiveIterator(BytesIO(data))
    for _ in it:
        ends.append(it.get_record_offset() + it.get_record_length())
    assert len(ends) == 9  # warcinfo, then a response and a request per page
    return data, ends


def cut_points(ends: list[int]) -> list[int]:
    """Where a kill may have stopped the writer: on a record's end, a byte either side, in the
    middle of a record, and in the gzip trailer (the CRC and size that end each record)."""
    starts = [0, *ends[:-1]]
    points = {0, 1}
    for start, end in zip(starts, ends, strict=True):
        points |= {end - 1, end, end + 1, (start + end) // 2, start + 20, end - 4, end - 8}
    return sorted(p for p in points if p <= ends[-1])


def test_a_file_cut_anywhere_keeps_exactly_its_complete_records(warc, tmp_path):
    data, ends = warc
    for cut in cut_points(ends):
        path = tmp_path / f"cut{cut}.warc.gz.open"
        path.write_bytes(data[:cut])
        kept = max((e for e in ends if e <= cut), default=0)
        done = repair_file(path)
        assert not path.exists()
        assert done.dropped == cut - kept, cut
        if kept == 0:
            assert done.outcome == "removed", cut
            assert not done.final.exists()
            continue
        assert done.outcome == "closed", cut
        assert done.final.read_bytes() == data[:kept]
        assert done.records == ends.index(kept) + 1
        assert len(read_records([done.final])) == done.records  # warcio reads it to its end
        done.final.unlink()


def test_an_uncompressed_file_cut_anywhere_keeps_exactly_its_complete_records(warc, tmp_path):
    data = gzip.decompress(warc[0])  # the same records, one after the other, no gzip
    starts = []
    it = ArchiveIterator(BytesIO(data))
    for _ in it:
        starts.append(it.get_record_offset())
    ends = [*starts[1:], len(data)]  # a record ends after the CRLF CRLF that closes it
    for cut in cut_points(ends):
        path = tmp_path / f"cut{cut}.warc.open"
        path.write_bytes(data[:cut])
        kept = max((e for e in ends if e <= cut), default=0)
        done = repair_file(path)
        assert done.dropped == cut - kept, cut
        if kept:
            assert done.final.read_bytes() == data[:kept]
            assert len(read_records([done.final])) == done.records == ends.index(kept) + 1
            done.final.unlink()


def test_a_file_cut_mid_record_passes_warcio_check(warc, tmp_path):
    data, ends = warc
    path = tmp_path / "x.warc.gz.open"
    path.write_bytes(data[: (ends[4] + ends[5]) // 2])  # half of the third response record
    done = repair_file(path)
    assert (done.outcome, done.records, done.kept) == ("closed", 5, ends[4])
    assert str(done) == (f"x.warc.gz.open: 5 complete records kept ({ends[4]} bytes), "
                         f"{(ends[5] - ends[4]) // 2} bytes cut, closed as x.warc.gz")
    check = tool("warcio", "check", "-v", str(tmp_path / "x.warc.gz"))
    assert check.returncode == 0, check.stdout
    assert "digest pass" in check.stdout


def test_garbage_after_the_last_record_is_cut(warc, tmp_path):
    data, ends = warc
    path = tmp_path / "x.warc.gz.open"
    path.write_bytes(data[: ends[2]] + data[ends[5] + 7: ends[6]] + b"\0" * 100)
    done = repair_file(path)
    assert (done.outcome, done.records, done.kept) == ("closed", 3, ends[2])


def test_a_file_a_process_holds_open_is_left_alone(warc, tmp_path):
    data, ends = warc
    path = tmp_path / "live.warc.gz.open"
    path.write_bytes(data[: ends[3] + 10])
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; f = open(sys.argv[1], 'ab'); print('open', flush=True); "
         "sys.stdin.read()", str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "open\n"
        assert open_elsewhere([path]) == {path: holder.pid}
        [left] = repair_unfinished(tmp_path)
        assert (left.outcome, left.detail) == ("in use", f"open in process {holder.pid}")
        assert path.stat().st_size == ends[3] + 10
    finally:
        holder.communicate("")  # closes its stdin: it exits
    [done] = repair_unfinished(tmp_path)
    assert (done.outcome, done.kept, done.dropped) == ("closed", ends[3], 10)


def test_a_final_name_already_taken_is_not_overwritten(warc, tmp_path):
    data, ends = warc
    (tmp_path / "x.warc.gz").write_bytes(data)
    (tmp_path / "x.warc.gz.open").write_bytes(data[: ends[1]])
    [left] = repair_unfinished(tmp_path)
    assert (left.outcome, left.detail) == ("name taken", "x.warc.gz exists")
    assert (tmp_path / "x.warc.gz").read_bytes() == data


def test_warc_repair_command(warc, tmp_path):
    data, ends = warc
    (tmp_path / "a.warc.gz.open").write_bytes(data[: ends[6] + 3])
    (tmp_path / "b.warc.gz.open").write_bytes(data[:50])
    cmd = [sys.executable, "-m", "crawler", "warc-repair", str(tmp_path)]
    first = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        f"a.warc.gz.open: 7 complete records kept ({ends[6]} bytes), 3 bytes cut, closed as a.warc.gz",
        "b.warc.gz.open: removed, no complete record in its 50 bytes",
    ]
    again = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert again.stdout == "No unfinished WARC files.\n"
    wrong = subprocess.run([*cmd[:-1], str(tmp_path / "a.warc.gz")], capture_output=True, text=True,
                           cwd=ROOT, timeout=120)
    assert wrong.returncode == 2
    assert "not a folder or an unfinished (.open) WARC file" in wrong.stderr


def test_a_jobs_runs_say_which_was_killed_and_what_each_wrote(tmp_path):
    warc_dir, job = tmp_path / "warc", JobRuns(tmp_path / "job")
    warc_dir.mkdir()
    old = warc_dir / "old.warc.gz"  # another crawl's, before the job
    old.write_bytes(b"x")
    os.utime(old, (1000.0, 1000.0))
    job.start(warc_dir, 111, 2000.0)
    job.close([str(warc_dir / "a.warc.gz")], "shutdown")
    job.start(warc_dir, 222, 3000.0)
    with job.path.open("a") as fh:
        fh.write('{"event": "clo')  # a line a kill cut short
    for name, when in (("a.warc.gz", 2500.0), ("b.warc.gz", 3100.0), ("b.warc.gz.open", 3100.0)):
        (warc_dir / name).write_bytes(b"x")
        os.utime(warc_dir / name, (when, when))
    first, killed = job.read()
    assert (first.closed, first.reason, first.writer_pid) == (True, "shutdown", 111)
    assert first.written() == [warc_dir / "a.warc.gz"]
    assert (killed.closed, killed.writer_pid, killed.started) == (False, 222, 3000.0)
    assert killed.written() == [warc_dir / "b.warc.gz"]
    job.start(warc_dir, 333, 4000.0)  # the next run's line is whole after the cut one
    assert [r.writer_pid for r in job.read()] == [111, 222, 333]
    assert json.loads(job.path.read_text().splitlines()[-1])["writer_pid"] == 333


def test_a_revisit_is_read_back_with_its_originals_payload_without_the_index(tmp_path):
    cfg = WarcConfig(tmp_path)
    body = text(200, 7)
    first = write(cfg, [page("http://h/a", body), page("http://h/b", body)])
    records = read_records([first])
    original = next(r for r in records if r.type == "response" and r.url == "http://h/a")
    confirmed = Original(original.headers["WARC-Payload-Digest"], "http://h/a",
                         original.headers["WARC-Date"], original.headers["WARC-Record-ID"],
                         first.name, original.offset)
    second = write(cfg, [replace(page("http://h/a", b"", status=304), not_modified=confirmed)])
    (tmp_path / INDEX_NAME).unlink()  # as if a kill had lost the index rows
    archive = Archived.read([first, second])
    assert {u: len(w) for u, w in archive.records.items()} == {"http://h/a": 2, "http://h/b": 1}
    kinds = [read.type for read in read_records([first, second]) if read.type in ("response", "revisit")]
    assert kinds == ["response", "revisit", "revisit"]
    a1, a2 = archive.records["http://h/a"]
    for where in (a1, archive.records["http://h/b"][0]):
        status, headers, payload = archive.response(where, tmp_path / INDEX_NAME)
        assert (status, payload) == (200, body)
        assert ("Content-Type", "text/html") in headers
    assert archive.response(a2, None)[::2] == (200, body)  # the 304: the response it confirmed


def test_warc_repair_brings_the_folders_cdxj_index_up_to_date(warc, tmp_path):
    data, ends = warc
    (tmp_path / "whole.warc.gz").write_bytes(data)
    before = update_index(tmp_path)
    assert before.added_files == ["whole.warc.gz"]
    (tmp_path / "a.warc.gz.open").write_bytes(data[: ends[6] + 3])
    cmd = [sys.executable, "-m", "crawler", "warc-repair", str(tmp_path)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "index.cdxj").read_text().splitlines()
    names = [json.loads(line.split(" ", 2)[2])["filename"] for line in lines]
    assert set(names) == {"whole.warc.gz", "a.warc.gz"}
    added = names.count("a.warc.gz")
    assert 0 < added < names.count("whole.warc.gz")  # the records before the cut
    assert done.stdout.splitlines()[-1] == (f"{tmp_path / 'index.cdxj'}: {added} records of 1 file(s) "
                                           f"added, {len(lines)} in all")
