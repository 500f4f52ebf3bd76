"""Pages built to freeze a crawler: a pager that claims 200,000 pages, 10,000 permalinks."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from urllib.parse import parse_qs, urlsplit

from tests.conftest import crawl_command, measured_crawl, run_crawl
from tests.hostile import HostileServer
from tests.warc_utils import scrapy_stat

MIB = 1 << 20


def pages_requested(server: HostileServer, path: str) -> set[int]:
    return {int(parse_qs(urlsplit(s.path).query).get("page", ["0"])[0])
            for s in server.requests_for(path)}


def test_a_pager_claiming_200000_pages_is_bounded(hostile, tmp_path):
    baseline = measured_crawl(tmp_path / "base" / "warc", "-a", f"start_urls={hostile.url('/article')}")
    assert baseline.returncode == 0
    run = measured_crawl(tmp_path / "pager" / "warc", "-a", f"start_urls={hostile.url('/pager/200000')}",
                         "-s", "THREAD_MAX_THREAD_PAGES=300")
    assert run.returncode == 0, run.log[-3000:]
    log = run.log
    pages = pages_requested(hostile, "/pager/200000")
    assert len(pages) == 300
    assert max(pages) == 299
    assert len(re.findall(r"lists more than 300 comment pages \(THREAD_MAX_THREAD_PAGES\)", log)) == 1
    assert scrapy_stat(log, "thread/thread_pages_capped") == 300  # the article and each page
    assert run.peak_rss < baseline.peak_rss + 150 * MIB, (run.peak_rss, baseline.peak_rss)  # not 1.3 GB


def test_ctrl_c_stops_a_crawl_of_a_lying_pager(hostile, tmp_path):
    proc = subprocess.Popen(
        crawl_command(tmp_path / "warc", "-s", "DOWNLOAD_DELAY=0.02",
                      "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "LOG_LEVEL=DEBUG",
                      "-a", f"start_urls={hostile.url('/pager/100000')}"),
        stderr=subprocess.PIPE, text=True, cwd=tmp_path, start_new_session=True)
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if re.search(r"Crawled \(200\) <GET \S*/pager/100000\?page=\d+>", line):
            break
    os.killpg(proc.pid, signal.SIGINT)
    rest = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 4  # ended early (Ctrl-C): exit code 4
    log = "".join(seen) + rest
    assert "'finish_reason': 'shutdown'" in log
    assert len(pages_requested(hostile, "/pager/100000")) < 500  # stopped, not finished


def test_a_page_of_10000_permalinks_does_not_freeze_the_crawl(hostile, tmp_path):
    result = run_crawl(tmp_path / "warc", "-a", f"start_urls={hostile.url('/permalinks?n=10000')}",
                       "-s", "CLOSESPIDER_PAGECOUNT=300", timeout=120)
    assert result.returncode == 4, result.log[-3000:]  # CLOSESPIDER_PAGECOUNT: ended early
    assert "'finish_reason': 'closespider_pagecount'" in result.log
    assert len(hostile.requests_for("/comment/")) >= 250


def test_deep_markup_is_crawled_and_published_whole(hostile, tmp_path, hf_home):
    from tests.pipelines.publishing.test_publish import load

    result = run_crawl(tmp_path / "warc", "-a", f"start_urls={hostile.url('/deep?depth=300')}",
                       "-s", f"DATASET_DIR={tmp_path / 'ds'}")
    assert result.returncode == 0, result.log[-3000:]
    [article] = load(tmp_path / "ds", "articles", hf_home)
    assert "DEEP TEXT: the end of the story, past the nesting." in article["text"]
    assert "Paragraph 5 of a story about a harbour" in article["text"]  # after the deep part
    assert [c["text"] for c in article["comments"]] == ["A comment after the deep markup."]
