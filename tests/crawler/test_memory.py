"""Bytes in flight are bounded: memory stays flat however many huge pages arrive at once."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import measured_crawl, run_crawl
from tests.hostile import HostileServer
from tests.warc_utils import read_records, scrapy_stat

MIB = 1 << 20
PAGE = 24 * MIB
MAXSIZE = 32 * MIB  # the whole page fits: nothing may be cut
BUDGET = 40 * MIB  # room for one page in flight, not two


def huge_urls(hostile: HostileServer, name: str, n: int) -> list[str]:
    return [hostile.url(f"/huge/{name}-{i}?bytes={PAGE}") for i in range(n)]


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux only")
def test_eight_huge_pages_at_once_cost_about_one_page_more_than_one(hostile, tmp_path):
    limits = ("-s", f"DOWNLOAD_MAXSIZE={MAXSIZE}", "-s", f"WARC_MAX_BYTES_IN_FLIGHT={BUDGET}",
              "-s", "WARC_DEDUP=0")  # the pages are alike: whole records, not revisits
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
                       "-s", f"WARC_MAX_BYTES_IN_FLIGHT={MIB}", "-s", "WARC_DEDUP=0")
    assert result.returncode == 0, result.log[-3000:]
    responses = [r for r in read_records(result.warcs) if r.type == "response" and "/huge/" in r.url]
    assert sorted(r.url for r in responses) == sorted(urls)
    assert all(len(r.payload) == size and "WARC-Truncated" not in r.headers for r in responses)
    assert scrapy_stat(result.log, "bytes_in_flight/max") == size  # never two at once
