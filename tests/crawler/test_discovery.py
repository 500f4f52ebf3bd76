"""Discovery on any site: robots.txt, sitemaps, feeds, index pages and article pages, read with
the real libraries from documents built here, friendly and hostile."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
import zlib
from pathlib import Path

import lxml.html
import pytest

from crawler.discovery import (
    MAX_SITEMAP_BYTES,
    Entry,
    feed_links,
    page_links,
    read_feed,
    read_sitemap,
    sitemaps_from_robots,
)
from pipelines.platforms import Page

ROOT = Path(__file__).resolve().parents[2]
MIB = 1 << 20
SITE = "https://news.example.com"
SM = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
BILLION_LAUGHS = "\n".join([
    '<?xml version="1.0"?>',
    "<!DOCTYPE lolz [",
    ' <!ENTITY lol0 "lollollollollollollollollollol">',
    *(f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)),
    "]>",
])


def tree(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def urlset(*entries: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {SM} {NEWS}>{"".join(entries)}</urlset>'.encode()


def url_entry(loc: str, lastmod: str | None = None) -> str:
    return f"<url><loc>{loc}</loc>{f'<lastmod>{lastmod}</lastmod>' if lastmod else ''}</url>"


def gzip_bomb(gib: int) -> bytes:
    """A gzip stream that inflates to `gib` GiB of zeros: one deflate block of 1 MiB of zeros
    (about 1 KB compressed, full flush: it stands alone) repeated. No trailer: nothing that
    respects a size limit reaches it."""
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    one_mib = block.compress(bytes(MIB)) + block.flush(zlib.Z_FULL_FLUSH)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + one_mib * (gib * 1024)


def isolated(setup: str, call: str) -> dict:
    """Run `call` in a fresh interpreter after `setup`; its result (`out`, a JSON value), how
    much its peak RSS grew during the call (MiB) and its duration. The peak is VmHWM: a child's
    ru_maxrss starts at its parent's peak on Linux (pytest's, hundreds of MiB after the 60 MB
    sitemap test), which would hide any growth below it."""
    script = "\n".join([
        "import json, time",
        "from crawler import discovery",
        "def peak():",
        "    status = open('/proc/self/status').read()",
        "    return int(status.split('VmHWM:')[1].split()[0]) / 1024",
        setup,
        "before = peak()",
        "start = time.monotonic()",
        f"out = {call}",
        "seconds = time.monotonic() - start",
        'print(json.dumps({"out": out, "grown_mib": peak() - before, "seconds": seconds}))',
    ])
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


needs_rusage = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="VmHWM is Linux's")


# -- robots.txt ----------------------------------------------------------------------------------


def test_robots_sitemaps_are_absolute_deduplicated_and_bounded():
    robots = b"\n".join([
        b"User-agent: *",
        b"Disallow: /search",
        b"Sitemap: https://news.example.com/sitemap_index.xml",
        b"  sitemap:   /news-sitemap.xml  ",  # relative, padded, lower case
        b"SITEMAP: https://news.example.com/sitemap_index.xml",  # again
        b"Sitemap: ftp://news.example.com/old.xml",  # not http(s)
        b"# Sitemap: https://news.example.com/commented.xml",
        b"Sitemap: https://cdn.example.net/sitemaps/video.xml#frag",
    ])
    assert sitemaps_from_robots(robots, f"{SITE}/robots.txt") == [
        f"{SITE}/sitemap_index.xml",
        f"{SITE}/news-sitemap.xml",
        "https://cdn.example.net/sitemaps/video.xml",
    ]
    many = b"\n".join(b"Sitemap: /sitemap-%d.xml" % i for i in range(10_000))
    found = sitemaps_from_robots(many, f"{SITE}/robots.txt", max_sitemaps=5)
    assert found == [f"{SITE}/sitemap-{i}.xml" for i in range(5)]


def test_robots_is_read_as_far_as_google_reads_it():
    padding = b"# " + b"x" * 1000 + b"\n"
    robots = padding * 600 + b"Sitemap: /late.xml\n"  # past 500 KiB
    assert sitemaps_from_robots(b"Sitemap: /early.xml\n" + robots, f"{SITE}/robots.txt") == [
        f"{SITE}/early.xml"]


def test_robots_without_sitemaps_and_robots_that_are_not_text():
    assert sitemaps_from_robots(b"User-agent: *\nDisallow:\n", f"{SITE}/robots.txt") == []
    assert sitemaps_from_robots(b"\xff\xfe\x00garbage\x00Sitemap: \xff\n", f"{SITE}/robots.txt") == []


# -- sitemaps ------------------------------------------------------------------------------------


def test_google_news_sitemap_gives_publication_dates_and_titles():
    body = urlset(
        "<url><loc>  https://news.example.com/world/2024/05/01/quake-hits-coast  \n</loc>"
        "<news:news><news:publication><news:name>Example News</news:name>"
        "<news:language>en</news:language></news:publication>"
        "<news:publication_date>2024-05-01T08:30:00+00:00</news:publication_date>"
        "<news:title>Quake   hits coast</news:title></news:news></url>",
        "<url><loc>/business/markets-rally-on-rate-hopes</loc><lastmod>2024-05-02</lastmod>"
        "<news:news><news:publication_date>2024-05-01T09:00:00Z</news:publication_date>"
        "</news:news></url>",
        url_entry("https://news.example.com/world/2024/05/01/quake-hits-coast#again"),
        "<url><lastmod>2024-05-03</lastmod></url>",  # no loc
        url_entry("javascript:alert(1)"),
    )
    result = read_sitemap(body, f"{SITE}/news-sitemap.xml")
    assert result.kind == "urlset"
    assert result.problem is None
    assert not result.truncated
    assert result.entries == [
        Entry(f"{SITE}/world/2024/05/01/quake-hits-coast", "2024-05-01T08:30:00+00:00",
              "Quake hits coast"),
        Entry(f"{SITE}/business/markets-rally-on-rate-hopes", "2024-05-01T09:00:00Z", None),
    ]


def test_gzipped_sitemap_index():
    body = (f'<?xml version="1.0"?><sitemapindex {SM}>'
            "<sitemap><loc>https://news.example.com/sitemap-2024-05.xml.gz</loc>"
            "<lastmod>2024-05-31</lastmod></sitemap>"
            "<sitemap><loc>sitemap-2024-04.xml</loc></sitemap></sitemapindex>").encode()
    result = read_sitemap(gzip.compress(body), f"{SITE}/sitemaps/index.xml.gz")
    assert result.kind == "sitemapindex"
    assert result.entries == [Entry(f"{SITE}/sitemap-2024-05.xml.gz", "2024-05-31"),
                              Entry(f"{SITE}/sitemaps/sitemap-2024-04.xml")]


def test_sitemap_alternates_only_when_asked():
    body = urlset('<url><loc>https://news.example.com/en/story-one-in-english</loc>'
                  '<xhtml:link xmlns:xhtml="http://www.w3.org/1999/xhtml" rel="alternate" hreflang="fr"'
                  ' href="https://news.example.com/fr/histoire-une"/></url>')
    assert read_sitemap(body, SITE).urls == [f"{SITE}/en/story-one-in-english"]
    assert read_sitemap(body, SITE, alternates=True).urls == [f"{SITE}/en/story-one-in-english",
                                                              f"{SITE}/fr/histoire-une"]


def test_a_hundred_thousand_entries_give_the_first_fifty_thousand():
    body = urlset(*(url_entry(f"/story-{i}") for i in range(100_000)))
    result = read_sitemap(body, SITE)
    assert result.kind == "urlset"
    assert result.truncated
    assert len(result.entries) == 50_000
    assert result.urls[0] == f"{SITE}/story-0"
    assert result.urls[-1] == f"{SITE}/story-49999"
    assert "50000" in (result.problem or "")
    small = read_sitemap(body, SITE, max_entries=10)
    assert small.urls == [f"{SITE}/story-{i}" for i in range(10)]
    assert small.truncated


def test_a_sixty_megabyte_sitemap_is_read_up_to_the_limit():
    path = "/" + "long-path-segment-" * 110  # ~2 KB URLs: 30,000 fit in 60 MB, the cap is not hit
    entries = [url_entry(f"{path}{i}") for i in range(int(60 * MIB / 2000))]
    body = urlset(*entries)
    assert len(body) > 60 * MIB - 100_000
    result = read_sitemap(body, SITE)
    assert result.kind == "urlset"
    assert result.truncated
    assert f"read the first {MAX_SITEMAP_BYTES}" in (result.problem or "")
    end, whole = len(urlset()) - len("</urlset>"), 0  # entries whose </loc> is within the limit
    for entry in entries:
        end += len(entry)
        whole += end - len("</url>") <= MAX_SITEMAP_BYTES
    assert 0.8 * len(entries) < whole < len(entries)
    # every entry that fits, none cut in the middle of its loc
    assert result.urls == [f"{SITE}{path}{i}" for i in range(whole)]
    # a smaller limit cuts earlier
    assert len(read_sitemap(body, SITE, max_bytes=MIB).entries) < 600


@needs_rusage
def test_a_gzip_bomb_stops_at_the_size_limit():
    out = isolated(
        "from tests.crawler.test_discovery import gzip_bomb\nbomb = gzip_bomb(4)",
        "[(r := discovery.read_sitemap(bomb, 'https://x.example/s.xml.gz')).kind, r.problem,"
        " len(bomb), (f := discovery.read_feed(bomb, 'https://x.example/f.gz')).kind, f.problem]",
    )
    kind, problem, size, feed_kind, feed_problem = out["out"]
    assert size < 5 * MIB  # 4 GiB inflated
    assert kind is None
    assert feed_kind is None
    assert f"expands past {MAX_SITEMAP_BYTES} bytes" in problem
    assert "expands past" in feed_problem
    assert out["grown_mib"] < MAX_SITEMAP_BYTES / MIB + 40, out  # the limit, not 4 GiB
    assert out["seconds"] < 60, out


@needs_rusage
def test_billion_laughs_are_not_expanded():
    sitemap = BILLION_LAUGHS + (f"<urlset {SM}><url><loc>https://x.example/&lol9;</loc></url>"
                                "<url><loc>https://x.example/plain-story-here</loc></url></urlset>")
    rss = BILLION_LAUGHS + ('<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;'
                            "</title><link>https://x.example/plain-story-here</link></item>"
                            "</channel></rss>")
    out = isolated(
        f"sitemap = {sitemap.encode()!r}\nrss = {rss.encode()!r}",
        "[discovery.read_sitemap(sitemap, 'https://x.example/s.xml').urls,"
        " [list(e) for e in discovery.read_feed(rss, 'https://x.example/f').entries]]",
    )
    sitemap_urls, feed_entries = out["out"]
    assert all(len(u) < 100 for u in sitemap_urls), sitemap_urls
    assert all(len(value or "") < 100 for entry in feed_entries for value in entry), feed_entries
    assert "lol" not in json.dumps(out["out"])
    assert out["grown_mib"] < 50, out
    assert out["seconds"] < 10, out


def test_external_entities_are_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    dtd = f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
    sitemap = (dtd + f"<urlset {SM}><url><loc>https://x.example/a&xxe;</loc></url></urlset>").encode()
    atom = (dtd + '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&xxe;</title>'
            '<link href="https://x.example/b&xxe;"/></entry></feed>').encode()
    results = [read_sitemap(sitemap, "https://x.example/s.xml"), read_feed(atom, "https://x.example/f")]
    assert "TOP-SECRET-MARKER" not in repr(results)
    assert results[0].urls == ["https://x.example/a"]
    assert results[1].urls == ["https://x.example/b"]


@pytest.mark.parametrize(("body", "problem"), [
    (b"", "unreadable XML"),
    (b"this is not xml at all", "not XML"),
    (b"<html><body><p>Not found</p></body></html>", "root element is <html>"),
    (b"\x1f\x8b\x08\x00garbage", "broken gzip"),
    (gzip.compress(urlset(url_entry("https://x.example/a")), mtime=0)[:12], "broken gzip"),
    (b'<?xml version="1.0"?><rss><channel></channel></rss>', "root element is <rss>"),
])
def test_unusable_sitemaps_say_why(body, problem):
    result = read_sitemap(body, "https://x.example/sitemap.xml")
    assert result.kind is None
    assert result.entries == []
    assert problem in (result.problem or "")


def test_a_cut_or_broken_sitemap_keeps_what_it_could_read():
    body = urlset(*(url_entry(f"https://x.example/story-{i}") for i in range(20)))
    cut = read_sitemap(body[: len(body) // 2], "https://x.example/sitemap.xml")
    assert cut.kind == "urlset"
    assert 5 < len(cut.entries) < 20
    assert cut.urls[0] == "https://x.example/story-0"
    broken = body.replace(b"<url><loc>https://x.example/story-3", b"<url><loc>https://x.example/story-3<<&")
    assert read_sitemap(broken, "https://x.example/s.xml").urls[:3] == [
        f"https://x.example/story-{i}" for i in range(3)]


# -- feeds ---------------------------------------------------------------------------------------


HOMEPAGE_HEAD = """<html><head><title>Example News</title>
<base href="https://news.example.com/en/">
<link rel="alternate" type="application/rss+xml" title="Example News" href="feed.xml">
<link rel="alternate" type="application/rss+xml" title="Comments" href="/comments/feed/">
<link rel="alternate" type="application/atom+xml; charset=utf-8" href="https://news.example.com/atom">
<link rel="Alternate" type="application/feed+json" href="/feed.json">
<link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/12">
<link rel="alternate" type="application/json" title="JSON Feed" href="/feed-legacy.json">
<link rel="alternate" type="application/json+oembed" href="/oembed?url=x">
<link rel="alternate" hreflang="fr" href="/fr/">
<link rel="stylesheet" type="text/css" href="/style.css">
<link rel="alternate" type="application/rss+xml" href="feed.xml">
</head><body><p>hello</p></body></html>"""


def test_feed_autodiscovery_from_the_head():
    assert feed_links(tree(HOMEPAGE_HEAD), f"{SITE}/") == [
        f"{SITE}/en/feed.xml",
        f"{SITE}/atom",
        f"{SITE}/feed.json",
        f"{SITE}/feed-legacy.json",
    ]
    assert feed_links(tree("<html><head><title>x</title></head><body></body></html>"), SITE) == []


def test_rss2_links_in_order_with_dates_titles_and_fallbacks():
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"><channel>
<title>Example News</title><link>https://news.example.com/</link>
<item><title>First story</title><link>https://news.example.com/world/first-story-of-the-day</link>
  <pubDate>Wed, 01 May 2024 08:30:00 +0000</pubDate></item>
<item><title>Relative</title><link> /business/relative-link-story </link></item>
<item><title>Guid only</title><guid>https://news.example.com/guid-only-story</guid></item>
<item><title>Guid not a link</title><guid isPermaLink="false">tag:example,2024:123</guid></item>
<item><title>Guid not a permalink</title><guid isPermaLink="false">https://news.example.com/?p=1</guid></item>
<item><feedburner:origLink>https://news.example.com/politics/feedburner-original</feedburner:origLink>
  <title>Via FeedBurner</title><link>https://feedproxy.example/~r/x/abc</link></item>
<item><title>Again</title><link>https://news.example.com/world/first-story-of-the-day#comments</link></item>
</channel></rss>"""
    result = read_feed(body, f"{SITE}/feed.xml")
    assert result.kind == "rss"
    assert result.problem is None
    assert result.entries == [
        Entry(f"{SITE}/world/first-story-of-the-day", "Wed, 01 May 2024 08:30:00 +0000", "First story"),
        Entry(f"{SITE}/business/relative-link-story", None, "Relative"),
        Entry(f"{SITE}/guid-only-story", None, "Guid only"),
        Entry(f"{SITE}/politics/feedburner-original", None, "Via FeedBurner"),
    ]


def test_rss1_rdf_feed():
    body = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://news.example.com/"><title>Example</title>
 <link>https://news.example.com/</link></channel>
<item rdf:about="https://news.example.com/rdf-one"><title>One</title>
 <link>https://news.example.com/rdf-one</link><dc:date>2024-05-01T08:30:00Z</dc:date></item>
<item rdf:about="https://news.example.com/rdf-two"><title>Two</title></item>
</rdf:RDF>"""
    result = read_feed(body, f"{SITE}/index.rdf")
    assert result.kind == "rdf"
    assert result.entries == [Entry(f"{SITE}/rdf-one", "2024-05-01T08:30:00Z", "One"),
                              Entry(f"{SITE}/rdf-two", None, "Two")]


def test_atom_feed_with_xml_base_and_link_relations():
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://news.example.com/blog/">
<title>Example</title><link rel="self" href="https://news.example.com/atom"/>
<entry><title>One</title><link rel="edit" href="/admin/edit/1"/>
 <link rel="alternate" type="text/html" href="2024/05/atom-one"/>
 <published>2024-05-01T08:30:00Z</published><updated>2024-05-02T08:30:00Z</updated></entry>
<entry xml:base="https://news.example.com/other/"><title>Two</title><link href="atom-two"/></entry>
<entry><title>No link</title><link rel="enclosure" href="/a.mp3"/></entry>
</feed>"""
    result = read_feed(body, f"{SITE}/atom")
    assert result.kind == "atom"
    assert result.entries == [Entry(f"{SITE}/blog/2024/05/atom-one", "2024-05-01T08:30:00Z", "One"),
                              Entry(f"{SITE}/other/atom-two", None, "Two")]


def test_json_feed():
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "Example", "items": [
        {"id": "1", "url": "https://news.example.com/json-one", "title": "One",
         "date_published": "2024-05-01T08:30:00Z"},
        {"id": "https://news.example.com/json-two", "content_text": "no url, an id that is one"},
        {"id": "3", "content_text": "no url, an id that is not one"},
        "not an item",
        {"id": "4", "url": "/json-four", "title": 7},
    ]}
    result = read_feed(b"\n " + json.dumps(feed).encode(), f"{SITE}/feed.json")
    assert result.kind == "json"
    assert result.entries == [Entry(f"{SITE}/json-one", "2024-05-01T08:30:00Z", "One"),
                              Entry(f"{SITE}/json-two"), Entry(f"{SITE}/json-four")]


@pytest.mark.parametrize(("body", "problem"), [
    (b"{not json", "unreadable JSON"),
    (b'{"version": "x", "items": {"a": 1}}', "not a JSON Feed"),
    (b"[" * 100_000 + b"]" * 100_000, "unreadable XML"),  # not JSON by its first byte
    (b"{" + b'"a":[' * 100_000, "unreadable JSON"),
    (b"", "unreadable XML"),
    (b"plain text", "no root element"),
    (b"<html><head></head><body>Sorry</body></html>", "root element is <html>"),
    (b'<?xml version="1.0"?><urlset><url><loc>x</loc></url></urlset>', "root element is <urlset>"),
])
def test_unusable_feeds_say_why(body, problem):
    result = read_feed(body, f"{SITE}/feed")
    assert result.kind is None
    assert result.entries == []
    assert problem in (result.problem or "")


def test_feeds_are_bounded():
    items = "".join(f"<item><link>https://x.example/s-{i}</link></item>" for i in range(20_000))
    result = read_feed(f"<rss><channel>{items}</channel></rss>".encode(), "https://x.example/f")
    assert len(result.entries) == 10_000
    assert result.truncated
    assert result.urls[-1] == "https://x.example/s-9999"
    big = read_feed(f"<rss><channel>{items}</channel></rss>".encode(), "https://x.example/f",
                    max_bytes=10_000)
    assert big.truncated
    assert 0 < len(big.entries) < 300
    assert "read the first 10000" in (big.problem or "")
    huge_json = json.dumps({"items": [{"url": f"https://x.example/{i}"} for i in range(1000)]})
    refused = read_feed(huge_json.encode(), "https://x.example/f", max_bytes=1000)
    assert refused.kind is None
    assert refused.truncated
    assert "JSON feed over 1000 bytes" in (refused.problem or "")


# -- index pages ---------------------------------------------------------------------------------


HOMEPAGE = """<!DOCTYPE html><html><head><title>Example News</title>
<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>
<header class="site-header">
  <a href="/"><img src="/logo.png" alt="Example News"></a>
  <a href="/login">Log in</a> <a href="/subscribe">Subscribe</a>
  <form action="/search"><input name="q"></form>
  <nav class="main-nav"><ul>
    <li><a href="/world/">World</a></li>
    <li><a href="/business">Business</a></li>
    <li><a href="/section/tech">Tech</a></li>
    <li><a href="/category/sport/">Sport</a></li>
    <li><a href="/tag/elections/">Elections</a></li>
    <li><a href="https://other-paper.example.org/world/">Partner</a></li>
  </ul></nav>
</header>
<main>
  <article class="lead">
    <a href="/world/quake-hits-the-coast-overnight"><img src="/i/quake.jpg"></a>
    <h2><a href="/world/quake-hits-the-coast-overnight">Quake hits the coast overnight</a></h2>
    <p>By <a href="/author/jane-doe/">Jane Doe</a></p>
    <time datetime="2024-05-01T08:30:00Z">1 May</time>
  </article>
  <div class="card"><h3><a href="/business/rates">Rates hold</a></h3></div>
  <article><a href="/markets">Markets</a>
    <header><p><a href="/markets/a-long-slug-without-a-heading">Read this</a></p></header></article>
  <div class="card"><a href="/opinion/why-we-should-care"><h3>Why we should care</h3></a></div>
  <section><h2><a href="/markets">Markets</a></h2>
    <ul>
      <li><a href="/markets/stocks-rally-on-rate-hopes-again">Stocks rally</a>
          <time datetime="2024-05-01">today</time></li>
      <li><a href="/markets/oil-dips">Oil dips</a> <time datetime="2024-05-01">today</time></li>
      <li><a href="/markets/2024/05/01/bonds">Bonds</a></li>
      <li><a href="/markets/gold-98765">Gold</a></li>
      <li><a href="/markets/gold-98765?utm_source=home">Gold (tracked)</a></li>
      <li><a href="/markets/oil-dips#comments">12 comments</a></li>
    </ul>
  </section>
  <a href="/world/2024/05/01/">All stories of the day</a>
  <a href="/markets/">More markets</a> <a href="/opinion">More opinion</a> <a href="/video">Video</a>
  <a href="/world/page/2">More world</a>
  <a href="/search?q=quake">Search quake</a>
  <a href="/world/quake-hits-the-coast-overnight?replytocom=12">Reply</a>
  <a href="/files/annual-report-2024-final-version.pdf">Report</a>
  <a href="/feed">Feed</a>
  <a href="https://live.news.example.com/blog/2024/05/01/live-coverage-of-the-quake">Live</a>
  <a href="https://elsewhere.example.org/2024/05/01/someone-elses-story">Elsewhere</a>
  <a href="#top">Top</a> <a href="javascript:void(0)">Menu</a> <a href="mailto:tips@example.com">Tips</a>
  <a href="http://[broken/x">broken</a>
</main>
<footer>
  <a href="/about">About</a> <a href="/about-us-and-our-values">About us</a>
  <a href="/privacy-policy">Privacy</a> <a href="/terms-of-service">Terms</a>
  <a href="/contact">Contact</a> <a href="/careers/join-our-newsroom-team-today">Careers</a>
  <a href="/how-we-report-the-news-fairly">Standards</a>
</footer></body></html>"""


def test_homepage_of_an_unknown_cms():
    links = page_links(tree(HOMEPAGE), f"{SITE}/")
    assert links.articles == [
        f"{SITE}/world/quake-hits-the-coast-overnight",
        f"{SITE}/markets/a-long-slug-without-a-heading",  # in an <article>'s header, not the site's
        f"{SITE}/opinion/why-we-should-care",
        f"{SITE}/markets/stocks-rally-on-rate-hopes-again",
        f"{SITE}/markets/oil-dips",
        f"{SITE}/markets/2024/05/01/bonds",
        f"{SITE}/markets/gold-98765",
        f"{SITE}/markets/gold-98765?utm_source=home",
        "https://live.news.example.com/blog/2024/05/01/live-coverage-of-the-quake",
    ]
    assert links.sections == [
        f"{SITE}/world/",
        f"{SITE}/business",
        f"{SITE}/section/tech",
        f"{SITE}/category/sport/",
        f"{SITE}/business/rates",  # a one-word heading link: a section shape
        f"{SITE}/markets",
        f"{SITE}/markets/",  # a plain link, but articles sit under it
    ]
    assert links.next_pages == []  # /world/page/2 pages another listing
    assert not links.truncated


SECTION = """<html><head><title>World | Example News</title>
<link rel="next" href="/world/?page=2"></head><body>
<nav><a href="/">Home</a><a href="/world/">World</a><a href="/business/">Business</a></nav>
<h1>World</h1>
<div class="list">
  <div class="item"><a href="/world/story-one-here">Story one</a>
    <span><time datetime="2024-05-01T08:00:00Z">3h</time></span></div>
  <div class="item"><h3><a href="/world/story-two">Story two</a></h3></div>
  <div class="item"><a href="/world/the-third-long-story">Third</a></div>
  <div class="item"><a href="/world/short-slug">No card, a short slug: missed</a></div>
</div>
<div class="pager">
  <a href="/world/?page=2">2</a> <a href="/world/?page=3">3</a> <a href="/world/?page=10">last</a>
  <a href="/world/?page=2" rel="next">next</a> <a href="/business/?page=2">business 2</a>
</div></body></html>"""


def test_section_page_articles_and_its_own_pagination():
    links = page_links(tree(SECTION), f"{SITE}/world/")
    assert links.articles == [f"{SITE}/world/story-one-here", f"{SITE}/world/story-two",
                              f"{SITE}/world/the-third-long-story"]
    assert links.sections == [f"{SITE}/business/"]
    assert links.next_pages == [f"{SITE}/world/?page=2", f"{SITE}/world/?page=3",
                                f"{SITE}/world/?page=10"]
    # page 3 of the same listing: earlier pages are not "next"
    third = page_links(tree(SECTION), f"{SITE}/world/?page=3")
    assert third.next_pages == [f"{SITE}/world/?page=2", f"{SITE}/world/?page=10"]  # rel=next first


def test_rel_next_in_the_head_and_on_a_link():
    html = """<html><head><link rel="next" href="/world/?page=2"></head><body>
      <a rel="prev" href="/world/?before=2024-06-01">Newer</a>
      <a rel="next" href="/world/?before=2024-05-01">Older</a></body></html>"""
    assert page_links(tree(html), f"{SITE}/world/").next_pages == [
        f"{SITE}/world/?page=2", f"{SITE}/world/?before=2024-05-01"]


def test_wordpress_style_paths_and_page_numbers():
    html = """<html><body>
      <a href="/2024/05/a-post-about-things/">post</a>
      <a href="/2024/05/">May</a> <a href="/2024/">2024</a> <h2><a href="/2024/05/01/">1 May</a></h2>
      <a href="/news/page/2/">2</a> <a href="/news/page/3/">3</a> <a href="/news/page/1/">1</a>
      <a href="/?p=123">short link</a>
      <a href="/author/bob/">Bob</a>
    </body></html>"""
    links = page_links(tree(html), "https://blog.example.com/news/page/2/")
    assert links.articles == ["https://blog.example.com/2024/05/a-post-about-things/"]
    assert links.next_pages == ["https://blog.example.com/news/page/3/"]
    assert links.sections == []


def test_language_filter_uses_courlan():
    html = """<html><body><h2><a href="/en/world/story-in-english">EN</a></h2>
      <h2><a href="/de/welt/geschichte-auf-deutsch">DE</a></h2></body></html>"""
    assert page_links(tree(html), SITE, language="en").articles == [f"{SITE}/en/world/story-in-english"]
    assert len(page_links(tree(html), SITE).articles) == 2


def test_an_index_of_ten_thousand_links_is_bounded():
    cards = "".join(f'<article><h2><a href="/news/story-number-{i}-of-many">Story {i}</a></h2>'
                    f'<time datetime="2024-05-01">x</time></article>' for i in range(10_000))
    page = tree(f"<html><body><nav><a href='/news/'>News</a></nav>{cards}"
                "<a href='/news/?page=2'>next</a></body></html>")
    start = time.monotonic()
    links = page_links(page, f"{SITE}/news/")
    seconds = time.monotonic() - start
    assert len(links.articles) == 2_000
    assert links.articles[0] == f"{SITE}/news/story-number-0-of-many"
    assert links.articles[-1] == f"{SITE}/news/story-number-1999-of-many"
    assert links.truncated
    assert links.next_pages == [f"{SITE}/news/?page=2"]  # pagination after the cap still found
    assert seconds < 30, seconds  # about 0.2 s; quadratic work would take minutes
    few = page_links(page, f"{SITE}/news/", max_links=100)
    assert len(few.articles) == 99  # the nav link, then one per card
    assert few.truncated


# -- article pages -------------------------------------------------------------------------------


def page(head: str = "", body: str = "") -> lxml.html.HtmlElement:
    return tree(f"<html><head><title>t</title>{head}</head><body>{body}</body></html>")


ARTICLE_BODY = ('<article><h1>Quake hits the coast overnight</h1><time datetime="2024-05-01T08:30:00Z">'
                "1 May</time><p>Text.</p></article>")
STORY = f"{SITE}/world/quake-hits-the-coast-overnight"


@pytest.mark.parametrize(("head", "body", "reason"), [
    ('<meta property="og:type" content="article">', "<p>x</p>", "og:type=article"),
    ('<script type="application/ld+json; charset=utf-8">{"@context": "https://schema.org", "@graph": ['
     '{"@type": "WebSite", "name": "Example"}, {"@type": ["NewsArticle"], "headline": "Quake"}]}</script>',
     "<p>x</p>", "json-ld:NewsArticle"),
    ('<script type="application/ld+json">{ broken </script>'
     '<script type="application/ld+json"><!--{"@type": "WebPage", "mainEntity": '
     '{"@type": "schema:BlogPosting", "headline": "Quake"}}--></script>'
     '<script type="application/ld+json">{"@type": "BlogPosting", "headline": "Quake"}</script>',
     "<p>x</p>", "json-ld:BlogPosting"),
    ("", '<div itemscope itemtype="https://schema.org/NewsArticle"><h2 itemprop="headline">Quake</h2>'
     '<div itemprop="comment" itemscope itemtype="https://schema.org/Comment">c</div></div>',
     "microdata:NewsArticle"),
    ("", ARTICLE_BODY + '<article class="comment"><time datetime="2024-05-01T09:00:00Z">x</time>'
     "<p>A comment</p></article>", "article+time"),
    ("", '<article class="post"><h1>Quake hits the coast overnight</h1><time datetime="2024-05-01">x</time>'
     '<section class="comments"><article><h3>Re: quake</h3><time datetime="2024-05-02">y</time></article>'
     '<article><h3>Re: re: quake</h3><time datetime="2024-05-02">y</time></article></section></article>',
     "article+time"),
    ("", '<div class="story"><header><h1>Quake hits the coast</h1><div class="meta">'
     '<time datetime="2024-05-01T08:30:00Z">1 May</time></div></header><p>Text</p></div>'
     '<aside><h3><a href="/world/other-story">Other</a></h3></aside>', "h1+time"),
])
def test_article_evidence(head, body, reason):
    assert Page(STORY, page(head, body)).article_evidence == reason


CARDS = "".join(f'<article><h2><a href="/world/story-{i}">Story {i}</a></h2>'
                f'<time datetime="2024-05-0{i}">x</time></article>' for i in range(1, 7))


@pytest.mark.parametrize(("url", "head", "body"), [
    (f"{SITE}/", "", HOMEPAGE),
    (f"{SITE}/world/", "", SECTION),
    (f"{SITE}/world/", "", f"<h1>World news today</h1>{CARDS}"),
    # the lead story's h1 is a card too
    (f"{SITE}/world/", "", '<article><h1><a href="/world/lead-story-of-the-day">Lead story of the day'
     f'</a></h1><time datetime="2024-05-01">x</time></article>{CARDS}'),
    # several articles with unlinked headings and times: a list, not one article
    (f"{SITE}/world/", "", ARTICLE_BODY * 2),
    (f"{SITE}/world/", "", '<a href="/world/one-story"><article><h2>One story here</h2>'
     '<time datetime="2024-05-01">x</time></article></a>'),
    (f"{SITE}/login", "", '<h1>Log in to your account</h1><form><input name="user"></form>'),
    (f"{SITE}/about", '<meta property="og:type" content="website">',
     "<h1>About Example News</h1><p>Since 1901"),
    # front pages that call themselves articles
    (f"{SITE}/", '<meta property="og:type" content="article">', HOMEPAGE),
    (f"{SITE}/world/", '<script type="application/ld+json">{"@type": "ItemList", "itemListElement": ['
     '{"@type": "ListItem", "item": {"@type": "NewsArticle", "headline": "A"}}]}</script>'
     '<script type="application/ld+json">[{"@type": "NewsArticle", "headline": "A"},'
     ' {"@type": "NewsArticle", "headline": "B"}]</script>', "<p>x</p>"),
    (f"{SITE}/world/", "", "".join('<div itemscope itemtype="http://schema.org/BlogPosting">'
                                   f"<h2>Post {i}</h2></div>" for i in range(5))),
    (f"{SITE}/world/", "", '<header><h1>World</h1><time datetime="2024-05-01">Today</time></header>'),
    # a featured story with an unlinked heading among cards
    (f"{SITE}/world/", "", '<article><h2>Featured: the big story</h2><time datetime="2024-05-01">x</time>'
     f'<a href="/world/the-big-story">Read more</a></article>{CARDS}'),
    # a dated page header over a list of heading links without <article>
    (f"{SITE}/world/", "", '<header><h1>World news today</h1><time datetime="2024-05-01">x</time></header>'
     + "".join(f'<h3><a href="/world/story-{i}">Story {i}</a></h3>' for i in range(6))),
    # a list with times, no headings: the h1's time must be beside it, not anywhere in <body>
    (f"{SITE}/world/", "", "<h1>World news today</h1><ul>" + "".join(
        f'<li><a href="/world/s-{i}">Story {i}</a> <time datetime="2024-05-01">x</time></li>'
        for i in range(5)) + "</ul>"),
])
def test_index_and_service_pages_are_not_articles(url, head, body):
    if body.startswith("<!DOCTYPE"):
        doc = tree(body.replace("<head>", "<head>" + head))
    else:
        doc = page(head, body)
    assert Page(url, doc).article_evidence is None


def test_a_front_page_query_url_can_be_an_article():
    og = '<meta property="og:type" content="article">'
    assert Page(f"{SITE}/?p=123", page(og, "<p>x</p>")).article_evidence == "og:type=article"
    assert Page(f"{SITE}/#top", page(og, "<p>x</p>")).article_evidence is None


def test_deeply_nested_links_cost_a_bounded_walk_each():
    parser = lxml.html.HTMLParser(huge_tree=True)  # as Scrapy's selector parses: 2048 levels
    deep = "<div>" * 2000 + "".join(f'<h3><a href="/n/story-{i}">S</a></h3>' for i in range(5_000))
    doc = lxml.html.document_fromstring(f"<html><body>{deep}</body></html>", parser=parser)
    assert sum(1 for _ in next(doc.iter("a")).iterancestors()) > 1_900
    start = time.monotonic()
    links = page_links(doc, f"{SITE}/")
    assert len(links.articles) == 2_000  # the h3 context is found: one level up
    assert time.monotonic() - start < 30  # about 0.3 s; walking every ancestor: 10 million steps
    # the walk stops 12 levels up: a heading further up than that is not seen
    far = page(body="<h2>" + "<div>" * 11 + '<a href="/n/near-story">x</a>' + "<div>" * 2
               + '<a href="/n/far-story">x</a>' + "</div>" * 13 + "</h2>")
    assert page_links(far, f"{SITE}/").articles == [f"{SITE}/n/near-story"]


def test_one_bad_link_costs_only_itself():
    """A superscript or 5,000-digit page number, an unparsable IPv6 host: each once raised
    and cost the whole index page, feed or robots.txt."""
    links = ('<a href="/world/?page=\u00b2">2</a><a href="/world/?page=' + "9" * 5000 + '">n</a>'
             '<a href="/page/' + "9" * 5000 + '">n</a>'
             '<article><h2><a href="/2024/05/06/a-good-story-here">A good story</a></h2></article>')
    found = page_links(page(body=links), f"{SITE}/world/")
    assert f"{SITE}/2024/05/06/a-good-story-here" in found.articles
    feed = (b"<rss><channel><item><link>http://[::1/x</link></item>"
            b"<item><link>https://news.example.com/2024/05/06/kept</link></item></channel></rss>")
    assert read_feed(feed, f"{SITE}/rss").urls == [f"{SITE}/2024/05/06/kept"]
    robots = b"Sitemap: http://[::1/s.xml\nSitemap: /sitemap.xml\n"
    assert sitemaps_from_robots(robots, f"{SITE}/robots.txt") == [f"{SITE}/sitemap.xml"]
    assert Page(f"{SITE}/world/?page=\u00b2", page(body="<p>x</p>")).listing is None
