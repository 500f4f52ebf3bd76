"""Discourse crawler view: the demo renderer's pages against its truth, plus hand-written pages
in the markup of Discourse releases from 2017 to 3.2."""

# ruff: noqa: RUF001  (pager arrows and image sizes as Discourse writes them)

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Any

import pytest

from demosite.content import build_site
from demosite.discourse import Discourse as Renderer
from demosite.discourse import username
from demosite.drupal7 import Drupal7
from pipelines import platforms
from pipelines.platforms import discourse, drupal7
from pipelines.platforms.base import Comment
from pipelines.platforms.page import Page

BASE = "http://forum.test"
DISCOURSE = discourse.PLATFORMS[0]
HINTS, THREAD = DISCOURSE.hints, DISCOURSE.thread
DRUPAL = drupal7.PLATFORMS[0]


@pytest.fixture(scope="module")
def demo() -> Renderer:
    return Renderer(build_site(), BASE)


@pytest.fixture(scope="module")
def truth(demo: Renderer) -> dict[str, Any]:
    return demo.truth()


def parse(url: str, html: str | bytes) -> Page:
    page = Page.parse(url, html if isinstance(html, str) else html.decode("utf-8"))
    assert page is not None
    return page


def fetch(demo: Renderer, url: str) -> Page:
    page = demo.lookup(url.removeprefix(BASE))
    assert page.status == "200 OK", url
    return parse(url, page.body)


def row(c: Comment, page: int) -> dict[str, Any]:
    return {"comment_id": c.comment_id, "parent_id": c.parent_id, "author": c.author,
            "published": c.published.isoformat() if c.published else None, "text": c.text,
            "permalink": c.permalink, "page": page}


def depths(comments: list[Comment]) -> dict[str, int | None]:
    """Depth as publishing derives it: from known parents only."""
    by_id, out = {c.comment_id: c for c in comments}, {}
    for c in comments:  # a quoted parent always comes earlier in the topic
        up = out.get(c.parent_id) if c.parent_id in by_id else None
        out[c.comment_id] = (0 if c.parent_known else None) if c.parent_id is None else (
            None if up is None else up + 1)
    return out


# --- the demo site ---------------------------------------------------------------------------


def test_thread_pages_give_every_comment_as_the_truth_says(demo: Renderer, truth: dict[str, Any]) -> None:
    fields = ("comment_id", "parent_id", "author", "published", "text", "permalink", "page")
    assert sum(len(a["comments"]) for a in truth["articles"]) > 250
    for art in truth["articles"]:
        got: list[tuple[int, int, Comment]] = []
        for url in art["thread_pages"]:
            page = fetch(demo, url)
            assert HINTS.is_article(page)
            assert HINTS.article_key(page) == art["url"]
            assert THREAD.comments_status(page) == "html"
            number = HINTS.page_number(page)
            got += [(number, c.order, c) for c in THREAD.parse(page)]
        got.sort(key=lambda x: x[:2])
        assert [row(c, page) for page, _, c in got] == [{k: g[k] for k in fields} for g in art["comments"]]
        found = depths([c for _, _, c in got])
        assert [found[g["comment_id"]] for g in art["comments"]] == [g["depth"] for g in art["comments"]]


def test_truth_has_known_and_unknown_parents(truth: dict[str, Any]) -> None:
    comments = [c for a in truth["articles"] for c in a["comments"]]
    assert {c["depth"] for c in comments} >= {None, 0, 1, 2, 3}
    assert sum(c["parent_id"] is not None for c in comments) > 100
    first = truth["articles"][0]["comments"]
    assert any(":rocket::grinning_face:" in c["text"] for c in first)
    assert any(c["text"].startswith("> ") and c["parent_id"] is None and c["depth"] is None for c in first)


def test_post_views_hold_one_comment_on_the_page_of_their_canonical(demo: Renderer,
                                                                    truth: dict[str, Any]) -> None:
    for art in truth["articles"]:
        for c, url in zip(art["comments"], art["permalinks"], strict=True):
            page = fetch(demo, url)
            assert HINTS.permalink_comment_id(url) == c["comment_id"]
            assert HINTS.article_key(page) == art["url"]
            assert HINTS.page_number(page) == c["page"]
            [one] = THREAD.parse(page)
            assert row(one, c["page"]) == {k: c[k] for k in row(one, 0)}


def test_hints_cover_every_page_and_permalink(demo: Renderer, truth: dict[str, Any]) -> None:
    for art in truth["articles"]:
        pages: set[str] = set()
        permalinks: list[str] = []
        for url in art["thread_pages"]:
            page = fetch(demo, url)
            pages.update(HINTS.thread_pages(page))
            permalinks += HINTS.permalinks(page)
        assert sorted(pages) == sorted(art["thread_pages"])
        assert permalinks == art["permalinks"]
        assert not any(HINTS.is_trap(u) or DRUPAL.hints.is_trap(u) for u in [*pages, *permalinks])
    first = truth["articles"][0]
    assert HINTS.thread_pages(fetch(demo, first["url"])) == first["thread_pages"][:2]
    third = first["thread_pages"][2]
    assert HINTS.thread_pages(fetch(demo, third)) == first["thread_pages"][1:4]


def test_traps_are_on_the_pages_and_recognised(demo: Renderer, truth: dict[str, Any]) -> None:
    art = truth["articles"][0]
    hrefs = {u for url in (art["url"], truth["seeds"]["index"]) for u in
             fetch(demo, url).tree.xpath("//a/@href")}
    for trap in truth["traps"]:
        assert HINTS.is_trap(trap), trap
        assert trap in hrefs or trap.removeprefix(BASE) in hrefs, trap
    for url in ("/t/slug/12/print", "/t/slug/12?u=bob", "/latest?ascending=true", "/session/csrf",
                "/my/preferences", "/search?q=x"):
        assert HINTS.is_trap(BASE + url), url
    for url in (art["url"], art["thread_pages"][1], art["permalinks"][0], "/latest?page=1", "/latest",
                "/c/world/5", "/news/2018-02-07/us-led-coalition", "/node/5?page=2", "/comment/1001"):
        assert not HINTS.is_trap(url if url.startswith("http") else BASE + url), url


def test_index_feed_and_sitemap_lead_to_every_page(demo: Renderer, truth: dict[str, Any]) -> None:
    index = truth["seeds"]["index"]
    page = fetch(demo, index)
    assert HINTS.detect(page)
    assert not HINTS.is_article(page)
    assert THREAD.comments_status(page) == "none"  # a topic list has no thread
    links = HINTS.article_links(page)
    everything = {u for a in truth["articles"] for u in a["thread_pages"]}
    assert {a["url"] for a in truth["articles"]} <= set(links) <= everything
    assert set(links) == everything  # every topic here has at most 12 pages: page-links name them all
    assert HINTS.index_pages(page) == []
    feed = ET.fromstring(demo.lookup("/latest.rss").body)
    assert {e.text for e in feed.iter("link")} - {BASE + "/latest"} == {a["url"] for a in truth["articles"]}
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    maps = [e.text for e in ET.fromstring(demo.lookup("/sitemap.xml").body).iter(f"{ns}loc")]
    locs = {e.text for m in maps
            for e in ET.fromstring(demo.lookup(m.removeprefix(BASE)).body).iter(f"{ns}loc")}
    assert everything <= locs
    assert truth["special"]["not_found"] in locs
    assert demo.lookup(truth["special"]["not_found"].removeprefix(BASE)).status == "404 Not Found"
    assert demo.lookup(art_page(truth, 99)).status == "404 Not Found"


def art_page(truth: dict[str, Any], page: int) -> str:
    return truth["articles"][0]["url"].removeprefix(BASE) + f"?page={page}"


def test_topic_list_pages() -> None:
    class Small(Renderer):
        topics_per_page = 4

    small = Small(build_site(), BASE)
    first, second = (parse(BASE + t, small.lookup(t).body) for t in ("/latest", "/latest?page=1"))
    assert HINTS.index_pages(first) == [BASE + "/latest?page=1"]
    assert HINTS.index_pages(second) == []
    one, two = (HINTS.article_links(p) for p in (first, second))
    assert not set(one) & set(two)
    assert len({re.sub(r"\?page=\d+$", "", u) for u in one + two}) == 6


def test_detection_keeps_platforms_apart(demo: Renderer, truth: dict[str, Any]) -> None:
    site = build_site()
    drupal = Drupal7(site, BASE)
    node = site.articles[0].path
    drupal_page = parse(BASE + node, drupal.lookup(node).body)
    assert DRUPAL.hints.detect(drupal_page)
    assert not HINTS.detect(drupal_page)
    assert platforms.detect(drupal_page) is DRUPAL
    art = truth["articles"][0]
    for url in (art["url"], art["thread_pages"][1], art["permalinks"][3], truth["seeds"]["index"],
                BASE + "/login"):
        page = fetch(demo, url)
        assert HINTS.detect(page), url
        assert not DRUPAL.hints.detect(page), url
        assert platforms.detect(page) is DISCOURSE
    assert not HINTS.is_article(fetch(demo, BASE + "/login"))


def test_article_metadata(demo: Renderer, truth: dict[str, Any]) -> None:
    art = truth["articles"][0]
    page = fetch(demo, art["url"])
    meta = THREAD.article(page)
    assert meta.published == datetime.fromisoformat(art["published"])
    assert meta.site_name == "The Demo Herald"
    assert HINTS.page_number(page) == 0
    assert HINTS.permalink_comment_id(art["url"]) is None
    assert HINTS.permalink_comment_id(art["url"] + "/1") is None  # the article's own post
    assert HINTS.permalink_comment_id("https://example.org/forum/t/a-topic/12/7") == "7"  # subfolder
    assert HINTS.permalink_comment_id("https://example.org/news/2018-02-07/a-story") is None


# --- markup of other Discourse releases ------------------------------------------------------

# Discourse 2.8 (2021): the crawler content inside <noscript> of the app layout, every post a
# DiscussionForumPosting, no post_N ids, "#N" positions, articleBody, the publisher in each post.
POST = """
      <div itemscope itemtype='http://schema.org/DiscussionForumPosting' class='topic-body crawler-post'>
        <div class='crawler-post-meta'>
          <div itemprop='publisher' itemscope itemtype="http://schema.org/Organization">
            <meta itemprop='name' content='Drifty Co.'>
          </div>
          <span class="creator" itemprop="author" itemscope itemtype="http://schema.org/Person">
            <a itemprop="url" href='https://forum.example.org/u/{user}'><span itemprop='name'>{user}</span></a>
            {full}
          </span>
          <link itemprop="mainEntityOfPage" href="https://forum.example.org/t/build-an-apk/177814">
          <span class="crawler-post-infos">
              <time itemprop='datePublished' datetime='{when}' class='post-time'>
                November 18, 2019,  2:39pm
              </time>
              <meta itemprop='dateModified' content='{when}'>
          <span itemprop='position'>#{n}</span>
          </span>
        </div>
        <div class='post' itemprop='articleBody'>
          {body}
        </div>
        <meta itemprop='headline' content='How to build an APK'>
        <div itemprop="interactionStatistic" itemscope itemtype="http://schema.org/InteractionCounter">
           <meta itemprop="interactionType" content="http://schema.org/LikeAction"/>
           <meta itemprop="userInteractionCount" content="8" />
           <span class='post-likes'>8 Likes</span>
         </div>
      </div>"""  # noqa: E501


def quote(user: str, post: int, topic: int | None = 177814, text: str = "Give this a try") -> str:
    where = f' data-topic="{topic}"' if topic else ""
    return (f'<aside class="quote no-group" data-username="{user}" data-post="{post}"{where}>\n'
            '<div class="title">\n<div class="quote-controls"></div>\n<img alt="" width="20" height="20" '
            f'src="/a.png" class="avatar"> {user}:</div>\n<blockquote>\n<p>{text}</p>\n</blockquote>\n'
            "</aside>\n")


POSTS = [
    (21, "terranmarine", "(Alex T.)", "2019-11-18T14:39:17Z",
     "<p>Hello,</p>\n<p>Give this a try:<br>\n<code>npx cap open android</code></p>\n"
     '<div class="lightbox-wrapper"><a class="lightbox" href="/uploads/default/original/2X/a.png">'
     '<img src="/uploads/default/optimized/2X/a_2_690x388.png" alt="image" width="690" height="388">'
     '<div class="meta"><span class="filename">image</span><span class="informations">1024×576 52.8 KB'
     "</span></div></a></div>"),
    (22, "roboter", "", "2019-11-20T11:13:52Z",
     quote("terranmarine", 21) + '<p>Hey, did you read the question? <img src="/images/emoji/twitter/'
     'thinking.png?v=10" title=":thinking:" class="emoji" alt=":thinking:"></p>'),
    (23, "mcroni", "", "2019-11-20T12:00:00+01:00", quote("SwapnilP133", 1, text="without Android Studio")
     + "<p>Looking for the same</p>"),
    (24, "gc", "", "2019-11-21T09:00:00Z", quote("terranmarine", 21) + quote("roboter", 22)
     + "<p>Both of you are right &amp; wrong.</p>"),
    (25, "other", "", "2019-11-22T09:00:00Z", quote("someone", 3, topic=9999) + "<p>Seen elsewhere.</p>"),
    (26, "byhand", "", "2019-11-23T09:00:00Z", quote("roboter", 22, topic=None) + "<p>Quoted by hand.</p>"),
    (27, "late", "", "not a date", quote("gc", 30) + "<details><summary>Spoiler</summary><p>Hidden</p>"
     "</details>"),
]
OLD_PAGE = f"""<!DOCTYPE html>
<html lang="en" class="desktop-view not-mobile-device text-size-normal anon">
  <head>
    <meta charset="utf-8">
    <title>How to build an APK - Capacitor - Ionic Forum</title>
    <meta name="discourse_theme_id" content="3">
    <meta name="generator" content="Discourse 2.8.0.beta6 - https://github.com/discourse/discourse version 6273dfad">
    <link rel="canonical" href="https://forum.example.org/t/build-an-apk/177814?page=2" />
    <link rel="prev" href="/t/build-an-apk/177814">
    <link rel="next" href="/t/build-an-apk/177814?page=3">
    <meta property="og:site_name" content="Ionic Forum" />
  </head>
  <body class="">
    <noscript data-path="/t/build-an-apk/177814?page=2">
  <header class="d-header"><div class="wrap"><a href="/login" class='btn btn-primary login-button'>Log In</a></div></header>
      <div id="main-outlet" class="wrap" role="main">
          <div id="topic-title"><h1><a href="/t/build-an-apk/177814">How to build an APK</a></h1></div>
{"".join(POST.format(n=n, user=u, full=f, when=w, body=b) for n, u, f, w, b in POSTS)}
    <div role='navigation' itemscope itemtype='http://schema.org/SiteNavigationElement' class="topic-body crawler-post">
        <span itemprop='name'><a rel="prev" itemprop="url" href="/t/build-an-apk/177814">← previous page</a></span>
        <span itemprop='name'><b><a rel="next" itemprop="url" href="/t/build-an-apk/177814?page=3">next page →</a></b></span>
    </div>
      </div>
    </noscript>
  </body>
</html>
"""  # noqa: E501


def test_discourse_2_8_markup() -> None:
    topic = "https://forum.example.org/t/build-an-apk/177814"
    url = topic + "?page=2"
    page = parse(url, OLD_PAGE)
    assert HINTS.detect(page)
    assert HINTS.is_article(page)
    assert not DRUPAL.hints.detect(page)
    assert HINTS.article_key(page) == topic
    assert HINTS.page_number(page) == 1
    assert HINTS.thread_pages(page) == [topic, topic + "?page=2", topic + "?page=3"]
    assert HINTS.permalinks(page) == [f"{topic}/{n}" for n in range(21, 28)]
    got = {c.comment_id: c for c in THREAD.parse(page)}
    assert list(got) == [str(n) for n in range(21, 28)]
    assert [got[i].order for i in got] == list(range(7))
    assert {i: (c.parent_id, c.parent_known) for i, c in got.items()} == {
        "21": (None, False),  # no quote: the crawler view does not say what it answers
        "22": ("21", True),
        "23": (None, True),  # quotes the topic itself
        "24": (None, False),  # two posts: ambiguous
        "25": (None, False),  # another topic's post
        "26": (None, False),  # a quote that does not name its topic
        "27": (None, False),  # "quotes" a later post
    }
    assert [c.author for c in got.values()] == ["terranmarine", "roboter", "mcroni", "gc", "other", "byhand",
                                                "late"]
    assert [c.author_name for c in got.values()] == ["Alex T.", *[None] * 6]
    meta = THREAD.article(page)  # page 2: every post's headline names the topic, none its author
    assert (meta.title, meta.author, meta.author_name) == ("How to build an APK", None, None)
    assert got["21"].published == datetime(2019, 11, 18, 14, 39, 17, tzinfo=timezone.utc)
    assert got["23"].published == datetime(2019, 11, 20, 11, 0, tzinfo=timezone.utc)
    assert got["27"].published is None
    assert got["21"].text == "Hello,\nGive this a try:\nnpx cap open android"
    assert got["22"].text == "> Give this a try\nHey, did you read the question? :thinking:"
    assert got["23"].text == "> without Android Studio\nLooking for the same"
    assert got["24"].text == "> Give this a try\n> Give this a try\nBoth of you are right & wrong."
    assert got["27"].text == "> Give this a try\nSpoiler\nHidden"
    assert got["22"].permalink == topic + "/22"
    assert HINTS.permalink_comment_id(topic + "/22") == "22"


# Discourse 1.x (2017): a `div.creator` with the author in <b itemprop=author> and no crawler-post class.
PAGE_2017 = """<html><head><meta name="generator" content="Discourse 1.9.0.beta4 - https://github.com/discourse/discourse version 0a1b2c">
<link rel="canonical" href="https://meta.example.com/t/old-times/42" /></head><body><div id="main-outlet" class="wrap">
<h1><a href="/t/old-times/42">Old times</a></h1>
<div itemscope itemtype='http://schema.org/DiscussionForumPosting'>
  <div class='creator'><span><a href='/u/alice'><b itemprop='author'>alice</b></a> (Alice A.)
    <time datetime='2017-05-01T10:00:00Z' itemprop='datePublished'>May 1, 2017</time></span>
    <span itemprop='position'>#1</span></div>
  <div class='post' itemprop='articleBody'><p>The topic.</p></div>
</div>
<div itemscope itemtype='http://schema.org/DiscussionForumPosting'>
  <div class='creator'><span><a href='/u/bob'><b itemprop='author'>bob</b></a>
    <time datetime='2017-05-02T08:30:00Z' itemprop='datePublished'>May 2, 2017</time></span>
    <span itemprop='position'>#2</span></div>
  <div class='post' itemprop='articleBody'><blockquote><p>a plain quote</p></blockquote><p>A reply.</p></div>
</div></div></body></html>"""  # noqa: E501


def test_discourse_2017_markup() -> None:
    url = "https://meta.example.com/t/old-times/42"
    page = parse(url, PAGE_2017)
    assert HINTS.detect(page)
    assert HINTS.is_article(page)
    meta = THREAD.article(page)
    assert meta.published == datetime(2017, 5, 1, 10, tzinfo=timezone.utc)
    assert (meta.title, meta.author, meta.author_name) == ("Old times", "alice", "Alice A.")
    [c] = THREAD.parse(page)
    assert (c.comment_id, c.parent_id, c.parent_known, c.author, c.text, c.permalink) == (
        "2", None, False, "bob", "> a plain quote\nA reply.", url + "/2")
    assert c.published == datetime(2017, 5, 2, 8, 30, tzinfo=timezone.utc)


def test_posts_without_a_number_are_skipped() -> None:
    html = OLD_PAGE.replace("<span itemprop='position'>#22</span>", "<span itemprop='position'></span>")
    ids = [c.comment_id for c in THREAD.parse(parse("https://forum.example.org/t/build-an-apk/177814", html))]
    assert ids == ["21", "23", "24", "25", "26", "27"]
    mismatched = ("<div id='post_5' itemprop='comment' class='topic-body crawler-post'>"
                  "<div class='crawler-post-meta'><span itemprop='position'>6</span></div>"
                  "<div class='post'><p>x</p></div></div>")
    assert THREAD.parse(parse("https://f.example/t/a/1", f"<html><body>{mismatched}</body></html>")) == []


# --- the topic's article metadata ------------------------------------------------------------


def test_topics_name_title_and_author_as_posts_do(demo: Renderer, truth: dict[str, Any]) -> None:
    """Post 1's username, as the comments name their posters; the full name apart. A later
    page without post 1 names the author (no full name) in the topic's scope."""
    site = {a.nid: a for a in build_site().articles}
    for art in truth["articles"]:
        full = site[art["nid"]].author.name
        meta = THREAD.article(fetch(demo, art["url"]))
        assert (meta.title, meta.author, meta.author_name) == (
            art["title"], art["author"], full if full != art["author"] else None)
        for url in art["thread_pages"][1:2]:
            meta = THREAD.article(fetch(demo, url))
            assert (meta.title, meta.author, meta.author_name) == (art["title"], art["author"], None)
    assert any(a.author.name != username(a.author.name) for a in site.values())  # "(Full Name)" shown
    first = truth["articles"][0]
    topic = demo.topics[first["url"].removeprefix(BASE)]
    got = [c for url in first["thread_pages"] for c in THREAD.parse(fetch(demo, url))]
    assert [c.author_name for c in got] == [p.name if p.name and p.name != username(p.name, p.cid) else None
                                           for p in topic.posts]
    assert any(c.author_name for c in got)


# Discourse 3.2 (2024), the crawler view of a topic's first page: the title as stored in the
# topic's microdata headline, og:title and twitter:title (`&quot;`), the `<h1>` with the fancy
# title (typographic quotes), the `<title>` with category and forum, post 1 by a user with a full
# name. The JSON-LD is a SEO plugin's, Rails-escaped (`\"`, `\u0026`).
TITLE = 'Scheduled backups to USB drive fail with "No space left on device"'
TOPIC_3_2 = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Scheduled backups to USB drive fail with &quot;No space left on device&quot; - Help - Example Community</title>
    <meta name="description" content="Since the update my nightly backup to an external USB drive stops after a few minutes.">
    <meta name="generator" content="Discourse 3.2.0 - https://github.com/discourse/discourse version 7d1b4b2b5c">
<link rel="canonical" href="https://community.example.org/t/scheduled-backups-to-usb-drive-fail-with-no-space-left-on-device/4821" />
<meta property="og:site_name" content="Example Community" />
<meta property="og:type" content="website" />
<meta name="twitter:card" content="summary" />
<meta name="twitter:image" content="https://community.example.org/uploads/default/original/1X/logo.png" />
<meta property="og:url" content="https://community.example.org/t/scheduled-backups-to-usb-drive-fail-with-no-space-left-on-device/4821" />
<meta name="twitter:url" content="https://community.example.org/t/scheduled-backups-to-usb-drive-fail-with-no-space-left-on-device/4821" />
<meta property="og:title" content="Scheduled backups to USB drive fail with &quot;No space left on device&quot;" />
<meta name="twitter:title" content="Scheduled backups to USB drive fail with &quot;No space left on device&quot;" />
<meta property="og:description" content="Since the update my nightly backup to an external USB drive stops after a few minutes." />
<meta property="og:article:section" content="Help" />
<meta property="og:article:section:color" content="0088CC" />
<meta property="article:published_time" content="2024-03-02T21:14:08+00:00" />
<meta property="og:ignore_canonical" content="true" />
<script type="application/ld+json">{"@context":"http://schema.org","@type":"DiscussionForumPosting","headline":"Scheduled backups to USB drive fail with \\"No space left on device\\"","text":"The log ends with \\u0026quot;rsync: write failed: No space left on device (28)\\u0026quot; although the drive is empty.","author":{"@type":"Person","name":"jdoe"}}</script>
  </head>
  <body class="crawler ">
    <header>
  <a href="/">Example Community</a>
</header>
    <div id="main-outlet" class="wrap" role="main">
<div id="topic-title">
    <h1>
      <a href="/t/scheduled-backups-to-usb-drive-fail-with-no-space-left-on-device/4821">Scheduled backups to USB drive fail with &ldquo;No space left on device&rdquo;</a>
    </h1>
      <div class="topic-category" itemscope itemtype="http://schema.org/BreadcrumbList">
          <span itemprop="itemListElement" itemscope itemtype="http://schema.org/ListItem">
            <a href="/c/help/7" class="badge-wrapper bullet" itemprop="item">
              <span class='badge-category clear-badge'><span class='category-name' itemprop='name'>Help</span></span>
            </a>
            <meta itemprop="position" content="1" />
          </span>
      </div>
  </div>

    <div itemscope itemtype='http://schema.org/DiscussionForumPosting'>
      <meta itemprop='headline' content='Scheduled backups to USB drive fail with &quot;No space left on device&quot;'>
      <link itemprop='url' href='https://community.example.org/t/scheduled-backups-to-usb-drive-fail-with-no-space-left-on-device/4821'>
      <meta itemprop='datePublished' content='2024-03-02T21:14:08Z'>
      <meta itemprop='articleSection' content='Help'>
      <meta itemprop='keywords' content='backup, usb'>
      <div itemprop='publisher' itemscope itemtype="http://schema.org/Organization">
        <meta itemprop='name' content='Example Community'>
      </div>
          <div id='post_1'  class='topic-body crawler-post'>
            <div class='crawler-post-meta'>
              <span class="creator" itemprop="author" itemscope itemtype="http://schema.org/Person">
                <a itemprop="url" rel='nofollow' href='https://community.example.org/u/jdoe'><span itemprop='name'>jdoe</span></a>
                (Jane Doe)
              </span>

              <link itemprop="mainEntityOfPage" href="https://community.example.org/t/scheduled-backups-to-usb-drive-fail-with-no-space-left-on-device/4821">

              <span class="crawler-post-infos">
                  <time  datetime='2024-03-02T21:14:08Z' class='post-time'>
                    March 2, 2024,  9:14pm
                  </time>
                  <meta itemprop='dateModified' content='2024-03-02T21:20:41Z'>
              <span itemprop='position'>1</span>
              </span>
            </div>
            <div class='post' itemprop='text'>
              <p>Since the update my nightly backup to an external USB drive stops after a few minutes.</p>
<p>The log ends with <code>rsync: write failed: No space left on device (28)</code> although the drive is empty.</p>
            </div>
          </div>
          <div id='post_2' itemprop='comment' itemscope itemtype='http://schema.org/Comment' class='topic-body crawler-post'>
            <div class='crawler-post-meta'>
              <span class="creator" itemprop="author" itemscope itemtype="http://schema.org/Person">
                <a itemprop="url" rel='nofollow' href='https://community.example.org/u/mkoch'><span itemprop='name'>mkoch</span></a>
                
              </span>

              <span class="crawler-post-infos">
                  <time itemprop='datePublished' datetime='2024-03-02T22:01:55Z' class='post-time'>
                    March 2, 2024, 10:01pm
                  </time>
                  <meta itemprop='dateModified' content='2024-03-02T22:01:55Z'>
              <span itemprop='position'>2</span>
              </span>
            </div>
            <div class='post' itemprop='text'>
              <p>Is the drive formatted as FAT32? Files over 4 GB do not fit.</p>
            </div>
          </div>
          <div id='post_3' itemprop='comment' itemscope itemtype='http://schema.org/Comment' class='topic-body crawler-post'>
            <div class='crawler-post-meta'>
              <span class="creator" itemprop="author" itemscope itemtype="http://schema.org/Person">
                <a itemprop="url" rel='nofollow' href='https://community.example.org/u/jdoe'><span itemprop='name'>jdoe</span></a>
                (Jane Doe)
              </span>

              <span class="crawler-post-infos">
                  <time itemprop='datePublished' datetime='2024-03-02T22:30:12Z' class='post-time'>
                    March 2, 2024, 10:30pm
                  </time>
                  <meta itemprop='dateModified' content='2024-03-02T22:30:12Z'>
              <span itemprop='position'>3</span>
              </span>
            </div>
            <div class='post' itemprop='text'>
              <aside class="quote no-group" data-username="mkoch" data-post="2" data-topic="4821">
<div class="title">
<div class="quote-controls"></div>
<img alt="" width="24" height="24" src="https://community.example.org/user_avatar/community.example.org/mkoch/48/12_2.png" class="avatar"> mkoch:</div>
<blockquote>
<p>Is the drive formatted as FAT32?</p>
</blockquote>
</aside>
<p>It was. Reformatted as exFAT and the backup went through, thanks!</p>
            </div>
          </div>
    </div>
    </div>
  </body>
</html>
"""  # noqa: E501
TOPIC_URL = "https://community.example.org/t/scheduled-backups-to-usb-drive-fail-with-no-space-left-on-device/4821"


def test_discourse_3_2_topic_metadata() -> None:
    page = parse(TOPIC_URL, TOPIC_3_2)
    assert platforms.detect(page) is DISCOURSE
    meta = THREAD.article(page)
    assert meta.title == TITLE  # whole, quotes and all; never "<topic> - Help - Example Community"
    assert (meta.author, meta.author_name) == ("jdoe", "Jane Doe")
    assert meta.published == datetime(2024, 3, 2, 21, 14, 8, tzinfo=timezone.utc)
    assert meta.site_name == "Example Community"
    got = THREAD.parse(page)
    assert [(c.comment_id, c.author, c.author_name, c.parent_id) for c in got] == [
        ("2", "mkoch", None, None), ("3", "jdoe", "Jane Doe", "2")]
    assert got[1].text == ("> Is the drive formatted as FAT32?\n"
                           "It was. Reformatted as exFAT and the backup went through, thanks!")


def test_topic_title_sources_in_turn_never_the_title_element() -> None:
    """Without the microdata headline and og:title, the `<h1>` (Discourse's fancy title); without
    it too, the JSON-LD headline, whole (`\\"` and `\\u0026quot;` in the script); the `<title>`
    alone gives no title."""
    bare = re.sub(r"<meta (?:itemprop='headline'|property=\"og:title\"|name=\"twitter:title\")[^>]*>", "",
                  TOPIC_3_2)
    assert "itemprop='headline'" not in bare
    assert "og:title" not in bare
    assert THREAD.article(parse(TOPIC_URL, bare)).title == (
        "Scheduled backups to USB drive fail with \u201cNo space left on device\u201d")
    no_h1 = re.sub(r"<h1>.*?</h1>", "", bare, flags=re.DOTALL)
    assert THREAD.article(parse(TOPIC_URL, no_h1)).title == TITLE
    only_title = re.sub(r'<script type="application/ld\+json">.*?</script>', "", no_h1)
    assert THREAD.article(parse(TOPIC_URL, only_title)).title is None


def test_topic_url_without_crawler_posts_loads_its_thread_by_script() -> None:
    """The app's shell (content omitted for a modern browser): the thread is not in the HTML."""
    shell = ('<html><head><meta name="generator" content="Discourse 3.2.0 - https://github.com/discourse/'
             'discourse version 7d1b4b2b5c"></head><body><section id="main"></section>'
             '<div id="main-outlet" class="wrap" role="main"><p>This page is best viewed with JavaScript '
             'enabled.</p></div></body></html>')
    page = parse(TOPIC_URL, shell)
    assert HINTS.detect(page)
    assert not HINTS.is_article(page)
    assert THREAD.comments_status(page) == "not_in_html"
    assert THREAD.parse(page) == []
