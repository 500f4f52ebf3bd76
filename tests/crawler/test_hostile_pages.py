"""Pages built to freeze a crawler: a pager that claims 200,000 pages, 10,000 permalinks."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.hostile import HostileServer
from tests.warc_utils import scrapy_stat

FAST = ("-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s", "LOG_LEVEL=INFO")


def crawl_measured(tmp: Path, *args: str, timeout: float = 300) -> tuple[int, str, int]:
    """(exit code, log, peak RSS in KiB of the crawl process) of a real crawl."""
    log = tmp / "crawl.log"
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "crawl", "thread", "-s", f"WARC_DIR={tmp / 'warc'}",
             *FAST, *args], stdout=subprocess.DEVNULL, stderr=err, cwd=tmp)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            proc.returncode = 0  # reaped above; keep Popen from waiting again
    return os.waitstatus_to_exitcode(status), log.read_text(), usage.ru_maxrss


def pages_requested(server: HostileServer, path: str) -> set[int]:
    return {int(parse_qs(urlsplit(s.path).query).get("page", ["0"])[0])
            for s in server.requests_for(path)}


def test_a_pager_claiming_200000_pages_is_bounded(hostile, tmp_path):
    base = tmp_path / "base"
    base.mkdir()
    code, _, baseline = crawl_measured(base, "-a", f"start_urls={hostile.url('/article')}")
    assert code == 0
    run = tmp_path / "pager"
    run.mkdir()
    code, log, peak = crawl_measured(run, "-a", f"start_urls={hostile.url('/pager/200000')}",
                                     "-s", "THREAD_MAX_THREAD_PAGES=300")
    assert code == 0, log[-3000:]
    pages = pages_requested(hostile, "/pager/200000")
    assert len(pages) == 300
    assert max(pages) == 299
    assert len(re.findall(r"lists more than 300 comment pages \(THREAD_MAX_THREAD_PAGES\)", log)) == 1
    assert scrapy_stat(log, "thread/thread_pages_capped") == 300  # the article and each page
    assert peak < baseline + 150 * 1024, (peak, baseline)  # KiB: not the 1.3 GB it once took


def test_ctrl_c_stops_a_crawl_of_a_lying_pager(hostile, tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler", "crawl", "thread", "-s", f"WARC_DIR={tmp_path / 'warc'}",
         *FAST, "-s", "DOWNLOAD_DELAY=0.02", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
         "-s", "LOG_LEVEL=DEBUG",
         "-a", f"start_urls={hostile.url('/pager/100000')}"],
        stderr=subprocess.PIPE, text=True, cwd=tmp_path, start_new_session=True)
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if re.search(r"Crawled \(200\) <GET \S*/pager/100000\?page=\d+>", line):
            break
    os.killpg(proc.pid, signal.SIGINT)
    rest = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 0
    log = "".join(seen) + rest
    assert "'finish_reason': 'shutdown'" in log
    assert len(pages_requested(hostile, "/pager/100000")) < 500  # stopped, not finished


def test_a_page_of_10000_permalinks_does_not_freeze_the_crawl(hostile, tmp_path):
    code, log, _ = crawl_measured(
        tmp_path, "-a", f"start_urls={hostile.url('/permalinks?n=10000')}",
        "-s", "CLOSESPIDER_PAGECOUNT=300", timeout=120)
    assert code == 0, log[-3000:]
    assert "'finish_reason': 'closespider_pagecount'" in log
    assert len(hostile.requests_for("/comment/")) >= 250
