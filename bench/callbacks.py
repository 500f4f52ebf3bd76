"""Spider callbacks on pages of growing size: time per page and ratio to one parse.

    python bench/callbacks.py [--comments 1000,4000,10000] [--runs 3]

A callback runs on the reactor: if its cost grows faster than the page (quadratic XPaths,
per-element getpath()), a page of 10,000 comments freezes the crawl. Each platform's demo
article is rendered with all its comments on one page; `parse_seed` (detect the platform,
find thread pages and permalinks, build the requests) is timed against one lxml parse of the
same page, as Scrapy does it. A linear callback keeps the same ratio at every size. Medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")

from importlib import import_module  # noqa: E402

from scrapy.crawler import Crawler  # noqa: E402
from scrapy.http import HtmlResponse, Request  # noqa: E402
from scrapy.statscollectors import MemoryStatsCollector  # noqa: E402
from scrapy.utils.project import get_project_settings  # noqa: E402

from crawler.spiders.thread import ThreadSpider  # noqa: E402
from demosite import content  # noqa: E402
from demosite.renderers import RENDERERS, renderer  # noqa: E402
from pipelines import platforms  # noqa: E402
from pipelines.platforms import Page  # noqa: E402

KNOBS = ("COMMENTS_PER_PAGE", "PER_PAGE", "POSTS_PER_PAGE", "MAX_COMMENTS")


def one_page(platform: str, comments: int) -> tuple[str, bytes, int]:
    for mod in (content, import_module(RENDERERS[platform].split(":")[0])):
        for knob in KNOBS:
            if hasattr(mod, knob):
                setattr(mod, knob, 10**7)
    site = content.build_site(6, max(1, comments // 150))
    render = renderer(platform)(site, "http://127.0.0.1:8000")
    article = max(render.truth()["articles"], key=lambda a: a["comment_count"])
    parts = urlsplit(article["url"])
    body = render.lookup(parts.path + (f"?{parts.query}" if parts.query else "")).body
    page = Page.from_response(HtmlResponse(article["url"], body=body, encoding="utf-8"))
    return article["url"], body, len(platforms.detect(page).thread.parse(page))


def measure(url: str, body: bytes) -> tuple[float, float]:
    response = HtmlResponse(url, body=body, encoding="utf-8", request=Request(url))
    start = time.perf_counter()
    _ = response.selector.root
    parse = time.perf_counter() - start
    crawler = Crawler(ThreadSpider, get_project_settings())
    crawler.stats = MemoryStatsCollector(crawler)
    spider = ThreadSpider.from_crawler(crawler, start_urls=url)
    start = time.perf_counter()
    for _ in spider.parse_seed(response):
        pass
    return parse, time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--comments", default="1000,4000,10000")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--platforms", default=",".join(sorted(RENDERERS)))
    args = p.parse_args()
    print("| platform | comments on the page | MB | parse ms | parse_seed ms | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for platform in args.platforms.split(","):
        for n in map(int, args.comments.split(",")):
            url, body, count = one_page(platform, n)
            runs = [measure(url, body) for _ in range(args.runs)]
            parse = statistics.median(r[0] for r in runs)
            callback = statistics.median(r[1] for r in runs)
            print(f"| {platform} | {count} | {len(body) / 1e6:.1f} | {parse * 1000:.0f} | "
                  f"{callback * 1000:.0f} | {callback / parse:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
