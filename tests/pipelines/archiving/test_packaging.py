"""The folder's CDXJ index and a crawl's WACZ: real WARC files (the project's writer), checked
against cdxj-indexer's and py-wacz's own command lines."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import warnings
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from pipelines.archiving.config import INDEX_NAME, WarcConfig
from pipelines.archiving.dedup import DigestIndex
from pipelines.archiving.packaging import (
    PAGES_HEADER,
    WARC_NAMES,
    WaczFailed,
    WaczProcess,
    article_pages,
    not_modified_revisit,
    package_run,
    run_name,
    update_index,
    write_wacz,
)
from pipelines.archiving.records import Exchange, FetchFailure
from pipelines.archiving.repair import repair_unfinished
from pipelines.archiving.sink import WarcFiles
from tests.warc_utils import read_records, tool

HTML = (("Content-Type", "text/html; charset=utf-8"),)


def article(headline: str) -> bytes:
    return (f"<html><head><title>{headline} | The Daily Site</title>"
            f'<meta property="og:type" content="article"></head>'
            f"<body><h1>{headline}</h1><p>Some text of the story.</p></body></html>").encode()


def exchange(url: str, body: bytes, *, status: int = 200, headers: Iterable[tuple[str, str]] = HTML,
             date: str = "2026-03-01T10:00:00.123456Z", **kw) -> Exchange:
    return Exchange(url=url, method="GET", request_headers=[("Host", "h")], request_body=b"",
                    protocol="HTTP/1.1", status=status, reason="OK" if status == 200 else "Other",
                    headers=list(headers), body=body, ip="127.0.0.1", date=date, **kw)


def write_run(folder: Path, items: Iterable[Exchange | FetchFailure], **cfg: Any) -> Path:
    """One WARC file, as a crawl's writer writes it; returns it."""
    files = WarcFiles(WarcConfig(folder, **cfg))
    for item in items:
        files.write_exchange(item)
    files.close_file()
    files.close_index()
    [path] = files.summary.files
    return Path(path)


def some_run(folder: Path, n: int, prefix: str = "threadwarc") -> Path:
    """Responses, a revisit (the same payload again), a 404 and a fetch failure (a metadata
    record of warc-fields, which cdxj-indexer leaves out)."""
    return write_run(folder, prefix=prefix, items=[
        exchange(f"http://h/{n}/a", article(f"Story number {n} here")),
        exchange(f"http://h/{n}/copy", article(f"Story number {n} here")),
        exchange(f"http://h/{n}/gone", f"not found: {n}".encode(), status=404),
        FetchFailure(url=f"http://h/{n}/down", method="GET", error="TimeoutError: took too long",
                     attempts=3, date="2026-03-01T10:00:01.000000Z"),
    ])


def cli_index(*files: Path) -> str:
    """cdxj-indexer's own sorted index of these files, as its command line writes it."""
    done = tool("cdxj-indexer", "--sort", *map(str, files))
    assert done.returncode == 0, done.stderr
    return "".join(line for line in done.stdout.splitlines(keepends=True) if not not_modified_revisit(line))


def filenames(text: str) -> list[str]:
    return [json.loads(line.split(" ", 2)[2])["filename"] for line in text.splitlines()]


def test_index_is_cdxj_indexers_own_sorted_index_of_the_folder(tmp_path):
    one, two = some_run(tmp_path, 1), some_run(tmp_path, 2)
    report = update_index(tmp_path)
    text = (tmp_path / "index.cdxj").read_text()
    assert text == cli_index(one, two)
    lines = text.splitlines()
    assert lines == sorted(lines)
    assert sorted(set(filenames(text))) == sorted([one.name, two.name])
    kinds = sorted(json.loads(line.split(" ", 2)[2])["mime"] for line in lines)
    assert kinds == ["text/html"] * 4 + ["warc/revisit"] * 2  # 2 pages, 2 404s, 2 revisits per run
    assert (report.added_records, report.records, report.files) == (6, 6, 2)
    assert report.added_files == sorted([one.name, two.name])


def test_each_update_merges_only_the_new_files(tmp_path):
    one = some_run(tmp_path, 1)
    assert update_index(tmp_path).added_files == [one.name]
    two = some_run(tmp_path, 2)
    report = update_index(tmp_path)
    assert report.added_files == [two.name]
    assert (report.added_records, report.records, report.files) == (3, 6, 2)
    assert (tmp_path / "index.cdxj").read_text() == cli_index(one, two)
    before = (tmp_path / "index.cdxj").stat()
    again = update_index(tmp_path)
    assert (again.added_files, again.added_records, again.records) == ([], 0, 6)
    assert (tmp_path / "index.cdxj").stat().st_ino == before.st_ino  # not rewritten


def test_lines_of_files_gone_from_the_folder_are_dropped(tmp_path):
    one, two = some_run(tmp_path, 1), some_run(tmp_path, 2)
    update_index(tmp_path)
    one.unlink()
    report = update_index(tmp_path)
    assert report.dropped_files == [one.name]
    assert (tmp_path / "index.cdxj").read_text() == cli_index(two)


def test_a_killed_runs_file_is_indexed_once_repaired(tmp_path):
    """A `.open` file is still being written (or was left by a kill): never indexed as it is;
    once `repair_unfinished` (the next crawl's start) closes it, the next update takes it in."""
    whole = some_run(tmp_path / "src", 1)
    data = whole.read_bytes()
    left = tmp_path / f"{whole.name}.open"
    left.write_bytes(data[: len(data) - 200])  # killed inside its last record
    other = some_run(tmp_path, 2)
    assert update_index(tmp_path).added_files == [other.name]
    [repair] = repair_unfinished(tmp_path)
    assert repair.outcome == "closed"
    report = update_index(tmp_path)
    assert report.added_files == [whole.name]
    assert (tmp_path / "index.cdxj").read_text() == cli_index(other, tmp_path / whole.name)


def test_a_damaged_file_keeps_its_records_before_the_damage(tmp_path):
    """Bytes flipped inside the 404 response: that file's records before it stay indexed, the
    warning names the file and the offset; the other file is indexed whole."""
    good = some_run(tmp_path, 1)
    whole = some_run(tmp_path / "src", 2)
    records = read_records([whole])
    damaged = next(r for r in records if r.type == "response" and r.status == 404)
    data = bytearray(whole.read_bytes())
    for at in range(damaged.offset + 40, damaged.offset + 80):
        data[at] ^= 0x5A
    (tmp_path / "broken.warc.gz").write_bytes(bytes(data))
    report = update_index(tmp_path)
    kept = [r for r in records if r.type in ("response", "revisit") and r.offset < damaged.offset]
    after = records[records.index(kept[-1]) + 1].offset  # where the last record indexed ends
    [problem] = report.unreadable
    assert problem.startswith(f"broken.warc.gz: unreadable after offset {after} (ArchiveLoadFailed: ")
    assert problem.endswith(f"; {len(kept)} records before it indexed")
    assert len(problem) < 400  # the garbage warcio quotes is cut
    lines = (tmp_path / "index.cdxj").read_text().splitlines()
    assert sorted(set(filenames("\n".join(lines)))) == ["broken.warc.gz", good.name]
    assert len(lines) == 3 + len(kept)



def test_a_record_whose_url_is_raw_bytes_ends_the_files_index(tmp_path):
    """What a damaged gzip member read as plain bytes can look like: a record whose target URI
    is binary. cdxj-indexer indexes it; the folder's index stops at it, naming the offset."""
    whole = some_run(tmp_path / "src", 3)
    records = read_records([whole])
    body = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>x</p>"
    block = (b"WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-"
             b"000000000001>\r\nWARC-Date: 2026-03-01T10:00:02Z\r\nWARC-Target-URI: http://h/\x01\x8b\x02"
             b"\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: "
             + str(len(body)).encode() + b"\r\n\r\n" + body + b"\r\n\r\n")
    at = whole.stat().st_size
    (tmp_path / "odd.warc.gz").write_bytes(whole.read_bytes() + gzip.compress(block, mtime=0))
    report = update_index(tmp_path)
    [problem] = report.unreadable
    indexed = [r for r in records if r.type in ("response", "revisit")]
    after = records[records.index(indexed[-1]) + 1].offset  # where the last record indexed ends
    assert problem.startswith(f"odd.warc.gz: unreadable after offset {after} (ArchiveLoadFailed: the "
                              f"record at offset {at} is damaged (its URL is raw bytes)); "), problem
    assert problem.endswith(f"; {len(indexed)} records before it indexed")
    assert len((tmp_path / "index.cdxj").read_text().splitlines()) == len(indexed)


_BARRIER: Any = None


def _share(barrier: Any) -> None:
    global _BARRIER  # a pool worker's own: a Barrier is passed to workers this way only
    _BARRIER = barrier


def _update_when_ready(folder: str, n: int) -> int:
    some_run(Path(folder), n, prefix=f"p{n}")  # this process's own file, then all update at once
    _BARRIER.wait(timeout=60)
    return update_index(Path(folder)).added_records


def test_updates_at_the_same_time_take_turns_and_lose_nothing(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    n = 4
    with ctx.Pool(n, initializer=_share, initargs=(ctx.Barrier(n),)) as pool:
        added = pool.starmap(_update_when_ready, [(str(tmp_path), i) for i in range(n)])
    files = sorted(tmp_path.glob("*.warc.gz"))
    assert len(files) == n
    assert (tmp_path / "index.cdxj").read_text() == cli_index(*files)
    assert sum(added) == 3 * n  # each file indexed once, by whichever update came first
    assert not list(tmp_path.glob(".*.part"))


def test_importing_wacz_does_not_change_the_index(tmp_path):
    """py-wacz appends "warcinfo" to cdxj-indexer's default records when imported; our index
    stays what cdxj-indexer's command line writes."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
        from cdxj_indexer.main import CDXJIndexer
        from wacz import waczindexer  # noqa: F401

    assert "warcinfo" in CDXJIndexer.DEFAULT_RECORDS
    one = some_run(tmp_path, 1)
    update_index(tmp_path)
    assert (tmp_path / "index.cdxj").read_text() == cli_index(one)


def crawl_log(path: Path, rows: Iterable[tuple[int, str, str]]) -> Path:
    """crawl.log lines as crawler/progress.py writes them: status, URL, kind."""
    with path.open("w") as fh:
        for status, url, kind in rows:
            fh.write(f"2026-03-01T10:00:00.000Z {status:5d} {100:10d} - {url} {kind} - text/html -\n")
    return path


def test_pages_are_the_article_pages_with_their_headlines(tmp_path):
    warc = write_run(tmp_path, [
        exchange("http://h/", b"<html><head><title>Home</title></head><body><a href=/a>a</a></body></html>"),
        exchange("http://h/news/a", article("Storm Closes the Harbour")),
        exchange("http://h/news/a?page=1", article("Storm Closes the Harbour") + b"<!-- page 2 -->"),
        exchange("http://h/news/cut", article("Cut Short Story"), truncated="disconnect"),
        exchange("http://h/news/missing", b"<html><title>Not found</title></html>", status=404),
        exchange("http://h/about", b"<html><head><title>About</title></head><body><p>We</p></body></html>"),
        exchange("http://h/news/seed", article("A Story Given as a Seed"),
                 date="2026-03-01T10:00:02.987654Z"),
        exchange("http://h/report.pdf", b"%PDF-1.4", headers=[("Content-Type", "application/pdf")]),
    ])
    log = crawl_log(tmp_path / "run-crawl.log", [
        (200, "http://h/", "seed"), (200, "http://h/news/a", "article"),
        (200, "http://h/news/a?page=1", "thread"), (200, "http://h/news/cut", "article"),
        (404, "http://h/news/missing", "article"), (200, "http://h/about", "article"),
        (200, "http://h/news/seed", "seed"), (200, "http://h/report.pdf", "article"),
    ])
    pages = article_pages([warc], log)
    by_url = {r.url: r for r in read_records([warc]) if r.type == "response"}
    assert [(p["url"], p.get("title")) for p in pages] == [
        ("http://h/news/a", "Storm Closes the Harbour"), ("http://h/news/seed", "A Story Given as a Seed")]
    assert pages[1]["ts"] == "2026-03-01T10:00:02.987Z"
    assert pages[0]["id"] in by_url["http://h/news/a"].headers["WARC-Record-ID"]


def test_a_revisit_is_listed_with_its_originals_headline(tmp_path):
    """Run 2 finds the article unchanged (a 304, or the same payload under another URL): its
    headline is read from run 1's record through the dedup index."""
    first = write_run(tmp_path, [exchange("http://h/news/a", article("Storm Closes the Harbour"),
                                          headers=[*HTML, ("ETag", '"v1"')])])
    index = DigestIndex.reader(tmp_path / INDEX_NAME)
    assert index is not None
    found = index.validators("http://h/news/a")
    index.close()
    assert found is not None
    second = write_run(tmp_path, [
        exchange("http://h/news/a", b"", status=304, not_modified=found.original,
                 date="2026-03-02T10:00:00.000000Z"),
        exchange("http://h/amp/a", article("Storm Closes the Harbour"), date="2026-03-02T10:00:01.000000Z"),
    ])
    assert [r.type for r in read_records([second]) if r.type != "request"][1:] == ["revisit", "revisit"]
    log = crawl_log(tmp_path / "run-crawl.log", [(304, "http://h/news/a", "article"),
                                                 (200, "http://h/amp/a", "article")])
    pages = article_pages([second], log, tmp_path / INDEX_NAME)
    assert [(p["url"], p["ts"], p["title"]) for p in pages] == [
        ("http://h/news/a", "2026-03-02T10:00:00.000Z", "Storm Closes the Harbour"),
        ("http://h/amp/a", "2026-03-02T10:00:01.000Z", "Storm Closes the Harbour")]
    assert article_pages([second], log) == []  # without the index, no original to read
    assert first.exists()


@pytest.mark.parametrize("ahead", [False, True], ids=["started-now", "started-ahead"])
def test_wacz_holds_the_files_and_pages_given_and_validates(tmp_path, ahead):
    """py-wacz's process started when needed, or at the crawl's start and waiting since (what
    the WARC writer does, so that its start-up is not waited for at the end)."""
    process = WaczProcess() if ahead else None
    one = some_run(tmp_path, 1)
    pages = [{"id": "p1", "url": "http://h/1/a", "ts": "2026-03-01T10:00:00.123Z", "title": "Story"}]
    out = tmp_path / f"{run_name([one])}.wacz"
    size = write_wacz([one], out, pages, title="run", description="-a description starting with a dash",
                      process=process)
    assert size == out.stat().st_size
    check = tool("wacz", "validate", "-f", str(out))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Validation succeeded" in check.stdout
    with zipfile.ZipFile(out) as z:
        assert sorted(z.namelist()) == sorted([
            f"archive/{one.name}", "indexes/index.cdx.gz", "indexes/index.idx", "pages/pages.jsonl",
            "datapackage.json", "datapackage-digest.json"])
        lines = [json.loads(line) for line in z.read("pages/pages.jsonl").decode().splitlines()]
        assert lines == [PAGES_HEADER, *pages]
        assert z.read(f"archive/{one.name}") == one.read_bytes()
        package = json.loads(z.read("datapackage.json"))
        assert package["description"] == "-a description starting with a dash"
        for res in package["resources"]:
            data = z.read(res["path"])
            assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest(), res["path"]
            assert res["bytes"] == len(data)
    assert not list(tmp_path.glob(".*.part"))


def test_a_wacz_process_not_needed_exits_when_closed():
    process = WaczProcess()
    process.close()
    assert process._proc.returncode == 0  # it read its empty stdin and left (killed: -9)


def test_a_wacz_process_that_died_while_waiting_is_replaced(tmp_path):
    """Killed during the crawl (the OOM killer, a stray kill): the WACZ is still written."""
    process = WaczProcess()
    process._proc.kill()
    process._proc.wait()
    one = some_run(tmp_path, 1)
    out = tmp_path / "run.wacz"
    assert write_wacz([one], out, [], title="run", process=process) == out.stat().st_size
    assert process._proc.returncode == 0


def test_a_failed_wacz_leaves_nothing_behind(tmp_path):
    one = some_run(tmp_path, 1)
    out = tmp_path / "x.wacz"
    with pytest.raises(WaczFailed, match="wacz create exited 1"):
        write_wacz([one, tmp_path / "no-such.warc.gz"], out, [], title="run")
    assert not out.exists()
    assert not list(tmp_path.glob(".*.part"))


def test_package_run_failure_is_one_error_and_a_stat(tmp_path, caplog):
    """The index cannot be written (its name is taken by a folder): one ERROR, the stat that
    makes the crawl's exit code 1, the WACZ still written and the WARC file untouched."""
    one = some_run(tmp_path, 1)
    data = one.read_bytes()
    (tmp_path / "index.cdxj").mkdir()
    log = crawl_log(tmp_path / "run-crawl.log", [(200, "http://h/1/a", "article")])
    with caplog.at_level(logging.INFO, logger="pipelines.archiving.packaging"):
        stats = package_run(WarcConfig(tmp_path), [one], log)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [f"CDXJ index not written: Is a directory (EISDIR): {tmp_path / 'index.cdxj'} "
                      "(the WARC files are whole; the next crawl into the folder indexes them)"]
    assert stats["warc/packaging_failed"] == 1
    assert stats["warc/wacz_pages"] == 1
    assert (tmp_path / f"{run_name([one])}.wacz").is_file()
    assert one.read_bytes() == data


def test_settings_off_write_nothing(tmp_path):
    one = some_run(tmp_path, 1)
    stats = package_run(WarcConfig(tmp_path, cdxj=False, wacz=False), [one], None)
    assert stats == {}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([one.name, INDEX_NAME])


def test_run_name_is_the_first_files_prefix_stamp_and_host(tmp_path):
    names = ["news-20260301100000123-00002-box.warc.gz", "news-20260301100000123-00001-box.warc.gz"]
    assert run_name([tmp_path / n for n in names]) == "news-20260301100000123-box"
    assert run_name([tmp_path / "other.warc.gz"]) == "other"


def test_a_copy_of_the_folder_is_indexed_under_its_own_names(tmp_path):
    """`filename` is relative to the folder the index is in: copy the folder, update, and the
    names stay the files' own (pywb resolves them against the folder)."""
    one = some_run(tmp_path / "a", 1)
    update_index(tmp_path / "a")
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "b" / "index.cdxj").read_text() == cli_index(tmp_path / "b" / one.name)
    assert update_index(tmp_path / "b").added_records == 0


def test_a_killed_crawls_half_written_wacz_is_removed_by_the_next(tmp_path):
    """`.NAME.wacz.PID.part`: removed once its process is gone, kept while it runs (a crawl
    into the same folder, writing its own)."""
    one = some_run(tmp_path, 1)
    dead = tmp_path / ".threadwarc-20200101000000000-box.wacz.999999999.part"  # beyond pid_max
    alive = tmp_path / f".threadwarc-20200101000000001-box.wacz.{os.getppid()}.part"
    for path in (dead, alive):
        path.write_bytes(b"PK half a zip")
    package_run(WarcConfig(tmp_path, cdxj=False), [one], None)
    assert not dead.exists()
    assert alive.read_bytes() == b"PK half a zip"
    assert (tmp_path / f"{run_name([one])}.wacz").is_file()


def test_warc_names_are_the_ones_cdxj_indexer_indexes():
    """packaging.py writes cdxj-indexer's list out (importing it costs ~0.2 s of every command)."""
    from cdxj_indexer.main import CDXJIndexer

    assert set(WARC_NAMES) == set(CDXJIndexer.ALLOWED_EXT)
