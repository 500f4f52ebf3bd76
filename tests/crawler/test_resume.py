"""Exact resume with JOBDIR: a crawl killed outright (SIGKILL of its process group, its writer
too or not) and started again archives what one uninterrupted crawl archives, each page as
often, none lost. Real crawls of the demo site on loopback, real kills, WARCs read with warcio."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections import Counter
from collections.abc import Iterable, Iterator
from io import BytesIO
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import CRAWL_ENV, DemoSite, crawl_command, run_crawl, start_demo_site
from tests.warc_utils import read_records, scrapy_stat, tool

# The crawl state (THREAD_REVISIT, on by default) takes what this job archived before a kill for
# its own visit, resumed: it must not skip those articles as "known, not due".
SETTINGS = ("-s", "WARC_MAX_SIZE=200000")
CONCURRENT_REQUESTS = 16  # crawler/settings.py: what may be in flight when a crawl is killed


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    site = start_demo_site(tmp_path_factory.mktemp("site"), "--slow-seconds", "0")
    yield site
    site.process.terminate()
    site.process.wait(timeout=10)
    site.process.stdout.close()


def seeds(site: DemoSite) -> tuple[str, str]:
    return "-a", f"start_urls={site.truth['seeds']['index']},{site.truth['seeds']['sitemap']}"


def captures(warcs: Iterable[Path]) -> Counter[str]:
    """How many times each URL was archived (a response, or a revisit of an identical one)."""
    return Counter(r.url for r in read_records(list(warcs)) if r.type in ("response", "revisit"))


@pytest.fixture(scope="module")
def full(site: DemoSite, tmp_path_factory: pytest.TempPathFactory) -> Counter[str]:
    """What one crawl that nobody stopped archives."""
    result = run_crawl(tmp_path_factory.mktemp("full") / "warc", *seeds(site), *SETTINGS)
    assert result.returncode == 0, result.log[-3000:]
    return captures(result.warcs)


def start(site: DemoSite, warc_dir: Path, job: Path) -> subprocess.Popen[str]:
    cmd = crawl_command(warc_dir, *seeds(site), "-s", f"JOBDIR={job}", *SETTINGS, "-s", "LOG_LEVEL=DEBUG")
    return subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, cwd=warc_dir.parent, env=CRAWL_ENV,
                            start_new_session=True)


def stop_after(proc: subprocess.Popen[str], pages: int, sig: signal.Signals, *,
               writer_too: bool = False) -> str:
    """Reads the crawl's log until `pages` responses were crawled, then sends `sig` to its process
    group (SIGKILL to its writer, in its own session, just before), and reads on to the end: the
    log ends when the crawl and its writer, which shares it, are both gone."""
    seen, writer = [], 0
    for line in proc.stderr:
        seen.append(line)
        if m := re.search(r"WARC writer process (\d+)", line):
            writer = int(m.group(1))
        if "DEBUG: Crawled (" in line and (pages := pages - 1) == 0:
            break
    else:
        raise AssertionError("the crawl ended before it could be stopped: " + "".join(seen)[-3000:])
    if writer_too:  # first: once the crawl is gone, the writer drains its pipe and closes its file
        os.kill(writer, signal.SIGKILL)
    os.killpg(proc.pid, sig)
    seen.append(proc.stderr.read())
    proc.stderr.close()
    proc.wait(timeout=60)
    return "".join(seen)


def resume(site: DemoSite, warc_dir: Path, job: Path) -> str:
    result = run_crawl(warc_dir, *seeds(site), "-s", f"JOBDIR={job}", *SETTINGS)
    assert result.returncode == 0, result.log[-3000:]
    return result.log


def test_a_killed_crawl_resumes_and_archives_each_page_as_one_crawl_does(site, full, tmp_path):
    warc_dir, job = tmp_path / "warc", tmp_path / "job"
    killed = stop_after(start(site, warc_dir, job), sum(full.values()) // 2, signal.SIGKILL)
    assert "Spider closed" not in killed
    assert not list(warc_dir.glob("*.open"))  # its writer outlived it and closed its files
    before = captures(warc_dir.glob("*.warc.gz"))
    assert 0 < sum(before.values()) < sum(full.values())
    log = resume(site, warc_dir, job)
    assert "the last run was killed before it could save its request queue" in log
    assert scrapy_stat(log, "resume/from_archive") == sum(before.values())  # none fetched again
    assert captures(warc_dir.glob("*.warc.gz")) == full


def test_a_crawl_killed_with_its_writer_mid_record_is_repaired_and_resumed(site, full, tmp_path):
    warc_dir, job = tmp_path / "warc", tmp_path / "job"
    stop_after(start(site, warc_dir, job), sum(full.values()) // 2, signal.SIGKILL, writer_too=True)
    [unfinished] = warc_dir.glob("*.warc.gz.open")
    data = unfinished.read_bytes()
    records = []  # (offset, length, URL) of the records the writer wrote whole
    for rec in (it := ArchiveIterator(BytesIO(data))):
        it.read_to_end()
        records.append((it.get_record_offset(), it.get_record_length(), rec.rec_type,
                        rec.rec_headers.get_header("WARC-Target-URI")))
    cut_at, length, _, lost = next(r for r in reversed(records) if r[2] in ("response", "revisit"))
    cut = cut_at + length // 2  # as if the kill had come in the middle of its last page
    unfinished.write_bytes(data[:cut])
    log = resume(site, warc_dir, job)
    closed = unfinished.name.removesuffix(".open")
    kept = sum(1 for r in records if r[0] < cut_at)
    assert (f"1 unfinished WARC file(s) in {warc_dir} from a crawl that was killed ({unfinished.name}: "
            f"{kept} complete records kept ({cut_at} bytes), {cut - cut_at} bytes cut, closed as "
            f"{closed})") in log
    assert not list(warc_dir.glob("*.open"))
    warcs = sorted(warc_dir.glob("*.warc.gz"))
    check = tool("warcio", "check", *map(str, warcs))
    assert check.returncode == 0, check.stdout[-2000:]
    after = captures(warcs)
    assert after == full
    assert after[lost] == full[lost]  # the record the kill cut was fetched again, once


def test_a_stale_queue_from_an_earlier_clean_stop_is_not_replayed(site, full, tmp_path):
    """Ctrl-C saves Scrapy's queue; a SIGKILL in the next run leaves that old state on disk."""
    warc_dir, job = tmp_path / "warc", tmp_path / "job"
    stopped = stop_after(start(site, warc_dir, job), sum(full.values()) // 4, signal.SIGINT)
    assert "'finish_reason': 'shutdown'" in stopped
    again = stop_after(start(site, warc_dir, job), sum(full.values()) // 4, signal.SIGKILL)
    assert "Resuming crawl" in again  # Scrapy's own resume, from the queue Ctrl-C saved
    resume(site, warc_dir, job)
    after = captures(warc_dir.glob("*.warc.gz"))
    assert set(after) == set(full)
    repeats = after - full
    assert set(repeats) <= {u for u in full if u.endswith("/robots.txt")}  # read again by Scrapy's resume
    assert sum(repeats.values()) <= CONCURRENT_REQUESTS
