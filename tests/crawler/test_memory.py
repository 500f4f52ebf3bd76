"""Bytes in flight are bounded: memory stays flat however many huge pages arrive at once."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import CrawlResult, run_crawl
from tests.hostile import HostileServer
from tests.warc_utils import read_records, scrapy_stat

MIB = 1 << 20
PAGE = 24 * MIB
MAXSIZE = 32 * MIB  # the whole page fits: nothing may be cut
BUDGET = 40 * MIB  # room for one page in flight, not two


@dataclass
class MeasuredCrawl(CrawlResult):
    peak_rss: int  # bytes: ru_maxrss of the crawl (the largest of it and its reaped children)


def measured_crawl(warc_dir: Path, *args: str) -> MeasuredCrawl:
    """run_crawl's command line, its peak RSS read from wait4()."""
    cmd = [
        sys.executable, "-m", "crawler", "crawl", "thread",
        "-s", f"WARC_DIR={warc_dir}",
        "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s", "LOG_LEVEL=INFO",
        *args,
    ]
    env = {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    log_path = warc_dir.parent / f"{warc_dir.name}.log"
    with log_path.open("w") as log:  # a file, not a pipe: nobody reads while we wait
        proc = subprocess.Popen(cmd, stdout=log, stderr=log, cwd=warc_dir.parent, env=env)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return MeasuredCrawl(proc.returncode, log_path.read_text(), warc_dir,
                         usage.ru_maxrss * 1024)  # KiB on Linux


def huge_urls(hostile: HostileServer, name: str, n: int) -> list[str]:
    return [hostile.url(f"/huge/{name}-{i}?bytes={PAGE}") for i in range(n)]


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux only")
def test_eight_huge_pages_at_once_cost_about_one_page_more_than_one(hostile, tmp_path):
    limits = ("-s", f"DOWNLOAD_MAXSIZE={MAXSIZE}", "-s", f"WARC_MAX_BYTES_IN_FLIGHT={BUDGET}")
    one = measured_crawl(tmp_path / "one", "-a", f"start_urls={huge_urls(hostile, 'one', 1)[0]}",
                         *limits)
    assert one.returncode == 0, one.log[-3000:]
    urls = huge_urls(hostile, "eight", 8)
    eight = measured_crawl(tmp_path / "eight", "-a", f"start_urls={','.join(urls)}", *limits)
    assert eight.returncode == 0, eight.log[-3000:]

    # all eight archived whole, once each: the budget delays pages, it never cuts or drops one
    responses = [r for r in read_records(eight.warcs) if r.type == "response" and "/huge/" in r.url]
    assert sorted(r.url for r in responses) == sorted(urls)
    for rec in responses:
        assert rec.status == 200
        assert len(rec.payload) == PAGE
        assert "WARC-Truncated" not in rec.headers
    assert scrapy_stat(eight.log, "warc/truncated") is None
    assert scrapy_stat(eight.log, "bytes_in_flight/max") <= BUDGET

    extra = eight.peak_rss - one.peak_rss
    print(f"peak RSS: one page {one.peak_rss / MIB:.0f} MiB, eight pages "  # noqa: T201
          f"{eight.peak_rss / MIB:.0f} MiB (+{extra / MIB:.0f} MiB)")
    assert extra < 3 * PAGE, f"+{extra / MIB:.0f} MiB for 7 more pages of {PAGE / MIB:.0f} MiB"


def test_pages_larger_than_the_budget_run_one_at_a_time_and_whole(hostile, tmp_path):
    size = 4 * MIB
    urls = [hostile.url(f"/huge/over-{i}?bytes={size}") for i in range(3)]
    result = run_crawl(tmp_path / "warc", "-a", f"start_urls={','.join(urls)}",
                       "-s", f"WARC_MAX_BYTES_IN_FLIGHT={MIB}")
    assert result.returncode == 0, result.log[-3000:]
    responses = [r for r in read_records(result.warcs) if r.type == "response" and "/huge/" in r.url]
    assert sorted(r.url for r in responses) == sorted(urls)
    assert all(len(r.payload) == size and "WARC-Truncated" not in r.headers for r in responses)
    assert scrapy_stat(result.log, "bytes_in_flight/max") == size  # never two at once
