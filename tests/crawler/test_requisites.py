"""Page requisites: what pages load (real markup), which hosts are allowed, and crawls with the
allow-list widened and with requisites off."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.project import get_project_settings

from crawler.middlewares import OffsiteRedirectMiddleware
from crawler.requisites import DEFAULT_HOSTS, HostRule, css_requisites, page_requisites, srcset_urls
from crawler.spiders.thread import ThreadSpider
from demosite.toolkit import other_host
from pipelines.platforms import Page
from tests.conftest import DemoSite, run_crawl
from tests.warc_utils import read_records, scrapy_stat

REAL = Path(__file__).resolve().parents[1] / "data" / "real"


def real_page(path: str, url: str) -> Page:
    page = Page.parse(url, (REAL / path).read_text(encoding="utf-8", errors="replace"))
    assert page is not None
    return page


def test_a_real_wordpress_page_loads_its_stylesheet_and_the_commenters_avatars():
    page = real_page("wordpress/epoch-readability.html", "https://wptavern.com/some-post")
    found = page_requisites(page)
    assert found[0] == "https://wptavern.com/wp-content/plugins/post-volume-stats/sdpvs_css.css?ver=1.0.5"
    avatars = [u for u in found if u.startswith("https://secure.gravatar.com/avatar/")]
    assert len(avatars) == 5
    assert len(found) == len(set(found))  # each once, though named twice
    rule = HostRule(["wptavern.com"], DEFAULT_HOSTS)
    assert all(rule.allows(u, page.url) for u in found)


def test_a_real_movable_type_page_resolves_against_its_own_url():
    page = real_page("movabletype/mt3-R471.html", "http://www.roboppy.net/food/2005/01/x.html")
    assert "http://www.roboppy.net/food/styles-site.css" in page_requisites(page)


def test_stylesheet_urls_in_every_form_resolve_against_the_sheet():
    css = """@import "print.css"; @import url('fonts/a.css');
    body { background: url(../img/bg.png) } .x { background: URL( "/abs.gif" ) }
    .y { background: url(data:image/png;base64,AAAA) } .z { src: url(#frag) }
    @font-face { src: url("https://fonts.gstatic.com/s/x.woff2") format("woff2") }"""
    assert css_requisites(css, "http://site.com/theme/css/style.css") == [
        "http://site.com/theme/css/print.css", "http://site.com/theme/css/fonts/a.css",
        "http://site.com/theme/img/bg.png", "http://site.com/abs.gif",
        "https://fonts.gstatic.com/s/x.woff2"]


def test_inline_styles_srcset_and_preloads():
    html = """<html><head><base href="http://cdn.site.com/base/">
    <link rel="preload" as="font" href="f.woff2"><link rel="preload" as="document" href="doc.html">
    <link rel="alternate" href="feed.xml"><link rel="Shortcut Icon" href="/favicon.ico">
    <style>.a { background: url(a.png) }</style></head>
    <body><div style="background-image: url('b.png')"></div>
    <img src="c.png" srcset="c-1x.png 1x, c,2x.png 2x"><a href="page.html">not a requisite</a>
    <script src="javascript:void(0)"></script></body></html>"""
    page = Page.parse("http://www.site.com/story", html)
    assert page is not None
    base = "http://cdn.site.com/base/"
    assert page_requisites(page) == [base + "f.woff2", "http://cdn.site.com/favicon.ico",
                                     base + "c.png", base + "c-1x.png", base + "c,2x.png",
                                     base + "a.png", base + "b.png"]
    assert list(srcset_urls("a.png 480w,b.png 800w")) == ["a.png", "b.png"]
    assert list(srcset_urls(" a.png,  b,c.png 2x,d.png")) == ["a.png", "b,c.png", "d.png"]


@pytest.mark.parametrize(("url", "allowed"), [
    ("http://www.site.com/x.css", True),  # the page's host
    ("http://static.site.com/x.css", True),  # its registrable domain
    ("http://news.crawled.org/x.css", True),  # under a host of the crawl
    ("https://i0.wp.com/x.png", True),  # *.wp.com
    ("https://fonts.gstatic.com/x.woff2", True),
    ("https://ads.doubleclick.net/pixel.gif", False),
    ("http://site.com.evil.test/x.css", False),
    ("http://wp.com.evil.test/x.css", False),
])
def test_the_host_rule(url, allowed):
    rule = HostRule(["crawled.org"], DEFAULT_HOSTS)
    assert rule.allows(url, "http://www.site.com/story") is allowed


def test_the_registrable_domain_is_the_public_suffix_lists():
    rule = HostRule([], [])
    assert rule.allows("http://static.bbc.co.uk/x.css", "http://www.bbc.co.uk/news")
    assert not rule.allows("http://www.other.co.uk/x.css", "http://www.bbc.co.uk/news")
    assert not rule.allows("http://127.0.0.2/x.css", "http://127.0.0.1/news")


def small_article(site: DemoSite) -> str:
    return min((a for a in site.truth["articles"] if a["comment_count"] >= 5),
               key=lambda a: a["comment_count"])["url"]


def test_an_allowed_cdn_host_is_fetched(demo_site, tmp_path):
    result = run_crawl(tmp_path / "warc", "-a", f"start_urls={small_article(demo_site)}",
                       "-s", "WARC_PAGE_REQUISITES_HOSTS=localhost,*.cdn.example")
    assert result.returncode == 0, result.log[-3000:]
    fetched = {r.url for r in read_records(result.warcs) if r.type == "request"}
    wanted = demo_site.truth["requisites"]
    assert set(wanted["other_host"]) <= fetched
    assert set(wanted["fetched"]) <= fetched
    assert scrapy_stat(result.log, "thread/requisites_not_allowed") is None
    # ... and obeying its robots.txt: Scrapy's offsite filter used to drop the robots middleware's
    # request for it, and with no rules read, everything on the CDN host was allowed
    assert other_host(demo_site.url("/robots.txt")) in fetched
    assert scrapy_stat(result.log, "robotstxt/response_count") == 2
    assert scrapy_stat(result.log, "offsite/filtered") is None


@pytest.mark.parametrize(("url", "meta", "passes"), [
    ("http://cdn.example/robots.txt", {"dont_obey_robotstxt": True}, True),  # the robots middleware's
    ("http://cdn.example/robots.txt", {}, False),  # anyone else's
    ("http://cdn.example/robots.txt?leak=1", {"dont_obey_robotstxt": True}, False),
    ("http://intranet.example:8080/robots.txt",  # a robots.txt the crawled site redirected elsewhere
     {"dont_obey_robotstxt": True, "redirect_urls": ["http://news.example/robots.txt"]}, False),
    ("http://news.example/robots.txt", {"dont_obey_robotstxt": True,
                                        "redirect_urls": ["http://news.example/robots"]}, True),  # in scope
    # a requisite (allowed off the crawl's hosts) that redirected: to its own CDN, or elsewhere
    ("http://ajax.googleapis.com/lib2.js", {"allow_offsite": True,
                                           "redirect_urls": ["http://ajax.googleapis.com/lib.js"]}, True),
    ("http://intranet.example:8080/admin", {"allow_offsite": True,
                                            "redirect_urls": ["http://ajax.googleapis.com/lib.js"]}, False),
], ids=["robots-middleware", "other", "query", "redirected-offsite", "redirected-onsite",
        "requisite-redirected-on-its-cdn", "requisite-redirected-elsewhere"])
def test_only_the_robots_middlewares_own_request_passes_the_offsite_filter(url, meta, passes):
    """Scrapy's filter used to drop the robots middleware's request for an allowed CDN host;
    letting it through must not let a site send the crawler to any host by redirecting its
    robots.txt there (the redirect keeps the meta), nor may a requisite's redirect (which keeps
    `allow_offsite`) leave the requisite hosts."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    crawler = Crawler(ThreadSpider, get_project_settings())
    crawler.stats = MemoryStatsCollector(crawler)
    crawler.spider = ThreadSpider.from_crawler(crawler, start_urls="http://news.example/")
    offsite = OffsiteRedirectMiddleware.from_crawler(crawler)
    offsite.spider_opened(crawler.spider)
    request = Request(url, meta=meta)
    if passes:
        assert offsite.process_request(request) is None
    else:
        with pytest.raises(IgnoreRequest):
            offsite.process_request(request)


def test_requisites_off(demo_site, tmp_path):
    result = run_crawl(tmp_path / "warc", "-a", f"start_urls={small_article(demo_site)}",
                       "-s", "WARC_PAGE_REQUISITES=False")
    assert result.returncode == 0, result.log[-3000:]
    fetched = {r.url for r in read_records(result.warcs) if r.type == "request"}
    assert small_article(demo_site) in fetched
    assert not fetched & set(demo_site.truth["requisites"]["fetched"])
    assert scrapy_stat(result.log, "thread/requisites") is None
