"""Sitemap and feed bombs, endless sitemap indexes, a 10,000-link index page and a redirect off
the site, seeded all at once: each costs bounded time and memory and a log line naming its
URL, and the crawl goes on to archive the one real article beside them."""

from __future__ import annotations

import re

from tests.conftest import measured_crawl

BOMBS = {
    "/bombs/sitemap.xml.gz": "expands past",  # 200 MB of whitespace in 200 KB of gzip
    "/bombs/laughs-sitemap.xml": "",  # billion laughs: never expanded
    "/bombs/laughs-feed.rss": "",
    "/bombs/many-sitemap.xml": "truncated",  # 100,000 entries: 50,000 read
    "/bombs/huge-sitemap.xml": "",  # 60 MB: read up to 50 MB
    "/bombs/index?n=0": "",  # an index naming itself and the next index, forever
    "/bombs/links": "",  # 10,000 article-like links
    "/bombs/leave": "",  # a redirect to another host
}


def test_discovery_bombs_cost_bounded_time_and_memory(hostile, tmp_path):
    baseline = measured_crawl(tmp_path / "base" / "warc", "-a", f"start_urls={hostile.url('/article')}")
    assert baseline.returncode == 0, baseline.log[-3000:]
    seeds = ",".join(hostile.url(path) for path in [*BOMBS, "/article"])
    crawl = measured_crawl(tmp_path / "bombs" / "warc", "-a", f"start_urls={seeds}")
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert "Traceback" not in crawl.log, crawl.log[-5000:]
    assert "robots.txt failed" not in crawl.log  # the site has none (404): nothing named there
    lines = crawl.log.splitlines()
    for path, said in BOMBS.items():
        named = [ln for ln in lines if (hostile.url(path) in ln and " INFO: " in ln) or (" WARNING: " in ln
                 and hostile.url(path) in ln)]
        assert named, (path, crawl.log[-3000:])
        assert any(said in ln for ln in named), (path, named)
    # the index chain stops: at most a few indexes deep
    assert len({s.path for s in hostile.requests_for("/bombs/index")}) <= 4
    # 10,000 links: at most the 2,000 candidates one index page gives
    assert 0 < len(hostile.requests_for("/bombs/story/")) <= 2_000
    assert not hostile.requests_for("/bombs/offsite-target")
    assert re.search(r"'thread/articles': 1\b", crawl.log), crawl.log[-3000:]
    # memory: the 60 MB sitemap is held once, never expanded entities or gunzipped bombs
    assert crawl.peak_rss < baseline.peak_rss + 300 * 2**20, (crawl.peak_rss, baseline.peak_rss)
