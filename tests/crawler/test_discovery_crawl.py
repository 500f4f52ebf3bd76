"""Discovery on a site no platform knows, seeded with its homepage only: the real spider against
the newscms demo site on loopback, every request it makes recorded by the server."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pyarrow.parquet as pq
import pytest

from demosite import DemoSite, serve
from tests.conftest import run_crawl


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoSite, Any]]:
    tmp = tmp_path_factory.mktemp("discovery")
    with serve(slow_seconds=0, platform="newscms") as site:
        crawl = run_crawl(tmp / "warc", "-a", f"start_urls={site.base_url}/")
        yield site, crawl


def target(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_every_article_is_found_from_the_homepage(crawled):
    site, crawl = crawled
    assert crawl.returncode == 0, crawl.log[-3000:]
    fetched = {path for method, _, path in site.requests_seen if method == "GET"}
    articles = {target(u) for u in site.truth["discovery"]["article_urls"]}
    assert articles <= fetched, sorted(articles - fetched)
    # each way of finding them worked: the sitemap named only in robots.txt, the feed named
    # only in the head, the sections linked from the homepage
    m = re.search(r"Seed \S+: (\d+) articles \((\d+) from sitemaps, (\d+) from feeds, (\d+) from links",
                  crawl.log)
    assert m, crawl.log[-3000:]
    total, sitemaps, feeds, links = map(int, m.groups())
    # the six, and the page the server cuts short (listed in the sitemap: an article still)
    assert total == len(articles) + 1
    # one article only in the monthly sitemap, one only in the feed and news sitemap (which
    # of the two reaches it first is the scheduler's order), two only on section pages
    assert sitemaps >= 1
    assert sitemaps + feeds >= 2
    assert links >= 2
    assert total == sitemaps + feeds + links


def test_nothing_but_discovery_pages_articles_and_their_threads_is_fetched(crawled):
    site, _ = crawled
    d = site.truth["discovery"]
    allowed = {target(u) for u in [*d["article_urls"], *d["pages"], *d.get("sitemap_extras", []),
                                   *site.truth["requisites"]["fetched"]]}
    for art in site.truth["articles"]:
        allowed |= {target(u) for u in [art["url"], *art.get("thread_pages", []), *art.get("permalinks", [])]}
    fetched = [path for method, _, path in site.requests_seen if method == "GET"]
    extra = sorted(set(fetched) - allowed)
    assert extra == [], extra
    unwanted = {target(u) for u in d["homepage_unwanted"]}
    assert not unwanted & set(fetched)
    # each page once; robots.txt twice (Scrapy's robots middleware, then the spider for its
    # Sitemap: lines) and the page answering 500 retried (RETRY_TIMES = 2)
    repeated = {p: n for p, n in Counter(fetched).items() if n > 1}
    assert repeated == {"/robots.txt": 2, target(site.truth["special"]["server_error"]): 3}


def test_the_published_articles_are_the_sites_articles_not_its_listings(crawled, tmp_path):
    """The discovery pages are archived too (homepage, its pager, sections): none of them may
    become an article row."""
    site, crawl = crawled
    out = subprocess.run([sys.executable, "-m", "crawler", "publish", str(crawl.warc_dir), "-o",
                          str(tmp_path / "ds"), "-L", "INFO"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    rows = [r for f in (tmp_path / "ds" / "articles").glob("*.parquet") for r in pq.read_table(f).to_pylist()]
    assert sorted(r["canonical_url"] for r in rows) == sorted(site.truth["discovery"]["article_urls"])
    assert {r["title"] for r in rows} == {a["title"] for a in site.truth["articles"]}
    fetched = {path for _, _, path in site.requests_seen}
    listings = [p for p in ("/", "/page/2", "/page/3", "/world/", "/markets/", "/markets/?page=2")
                if p in fetched]  # /page/3 only when /page/2 listed something new (order)
    assert len(listings) >= 5
    for path in listings:
        assert f"Not an article: {site.base_url}{path} (" in out.stderr, path
