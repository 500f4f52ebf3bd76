"""Every spider callback is linear in its page: measured as a ratio to parsing the page once.

A callback runs on the reactor; one that is quadratic in the page's comments (libxml2 merges
node sets in quadratic time: `//div[c]//a`, `A | B`) freezes the crawl for minutes with
timeouts and Ctrl-C ignored. Wall-clock thresholds would fail on a slow machine and pass a
quadratic callback on a fast one; the ratio to one parse of the same page does neither.
"""

from __future__ import annotations

import http.client
import os
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Request
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.project import get_project_settings

from crawler.spiders.thread import ThreadSpider
from demosite import content
from demosite.renderers import RENDERERS, renderer

BUDGET = 25  # x one parse: linear callbacks measure 3-10x (more when loaded), quadratic 150-1000x


def spider_for(url: str) -> ThreadSpider:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    crawler = Crawler(ThreadSpider, get_project_settings())
    crawler.stats = MemoryStatsCollector(crawler)
    return ThreadSpider.from_crawler(crawler, start_urls=url)


def ratio(url: str, body: bytes, callback: Callable[[ThreadSpider], Callable]) -> tuple[float, int]:
    """(time of the callback, run to its end) / (time to parse the page once), each the best of
    three on a fresh response (a loaded machine slows single runs, never the best), and how
    many requests it yielded."""
    parse, call, out = [], [], []
    for _ in range(3):
        response = HtmlResponse(url, body=body, encoding="utf-8", request=Request(url))
        start = time.perf_counter()
        _ = response.selector.root
        parse.append(time.perf_counter() - start)
        response = HtmlResponse(url, body=body, encoding="utf-8", request=Request(url))
        spider = spider_for(url)
        start = time.perf_counter()
        out = list(callback(spider)(response))
        call.append(time.perf_counter() - start)
    return min(call) / min(parse), len(out)


def fetch(url: str) -> bytes:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
    body = conn.getresponse().read()
    conn.close()
    return body


def test_a_page_of_10000_permalinks_costs_a_few_parses(hostile):
    url = hostile.url("/permalinks?n=10000")
    body = fetch(url)
    assert body.count(b'class="permalink"') == 10_000
    for name in ("parse_seed", "parse_article", "parse_thread_page"):
        r, n = ratio(url, body, lambda s, name=name: getattr(s, name))
        assert n >= 10_000 or name == "parse_thread_page"
        assert r < BUDGET, f"{name}: {r:.0f}x one parse of the page"


@pytest.mark.parametrize("platform", sorted(RENDERERS))
def test_every_platforms_callbacks_are_linear(platform, monkeypatch):
    """Each demo platform's article page with ~3,000 comments on one page."""
    module = __import__(RENDERERS[platform].split(":")[0], fromlist=["_"])
    for knob in ("COMMENTS_PER_PAGE", "PER_PAGE", "POSTS_PER_PAGE", "MAX_COMMENTS"):
        for mod in (content, module):
            if hasattr(mod, knob):
                monkeypatch.setattr(mod, knob, 1_000_000)
    site = content.build_site(6, 20)
    render = renderer(platform)(site, "http://127.0.0.1:8000")
    article = max(render.truth()["articles"], key=lambda a: a["comment_count"])
    parts = urlsplit(article["url"])
    body = render.lookup(parts.path + (f"?{parts.query}" if parts.query else "")).body
    assert article["comment_count"] > 2_500
    for name in ("parse_seed", "parse_thread_page"):
        r, _ = ratio(article["url"], body, lambda s, name=name: getattr(s, name))
        assert r < BUDGET, f"{platform} {name}: {r:.0f}x one parse of the page"
