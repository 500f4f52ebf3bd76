"""Old Reddit: the demo site's r2 markup parsed back to its ground truth, plus older r2 markup."""

# ruff: noqa: RUF001, RUF003  (r2's en dash in "[–]")

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import lxml.html
import pytest
from lxml import etree

from demosite import oldreddit
from demosite.content import build_site
from demosite.drupal7 import Drupal7
from demosite.oldreddit import OldReddit
from pipelines import platforms
from pipelines.platforms import drupal7
from pipelines.platforms.base import Comment, absolute
from pipelines.platforms.oldreddit import PLATFORMS
from pipelines.platforms.page import Page

PLATFORM = PLATFORMS[0]
HINTS, THREAD = PLATFORM.hints, PLATFORM.thread
DRUPAL = drupal7.PLATFORMS[0]
BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def demo() -> OldReddit:
    return OldReddit(build_site(), BASE)


@pytest.fixture(scope="module")
def big() -> OldReddit:
    """Three times the comments: threads over r2's 200-comment limit."""
    return OldReddit(build_site(comments_scale=3), BASE)


_TREES: dict[tuple[int, str], Any] = {}


def tree(r: OldReddit, url: str) -> Any:
    """Parsed once per renderer: the walks below read each page several times."""
    key = (id(r), url)
    if key not in _TREES:
        _TREES[key] = lxml.html.document_fromstring(r.lookup(url.removeprefix(BASE)).body)
    return _TREES[key]


def page_at(r: OldReddit, url: str, as_url: str | None = None) -> Page:
    """The demo's page at `url` (fetched as `as_url`): a fresh Page on the shared tree."""
    return Page(as_url or url, tree(r, url))


def crawl(r: OldReddit, url: str) -> list[str]:
    """The pages ThreadSpider fetches for one article: its thread pages, then their permalinks."""
    pages = [url, *HINTS.thread_pages(page_at(r, url))]
    for page in pages[1:]:
        pages += [u for u in HINTS.permalinks(page_at(r, page)) if u not in pages]
    return pages


def read(r: OldReddit, pages: list[str]) -> list[tuple[int, Comment]]:
    """Each comment from the first page that has it, in the publisher's thread order."""
    first: dict[str, tuple[int, Comment]] = {}
    for url in pages:
        p = page_at(r, url)
        page = HINTS.page_number(p)
        for c in THREAD.parse(p):
            seen = first.get(c.comment_id)
            if seen is None or (page, c.order) < (seen[0], seen[1].order):
                first[c.comment_id] = (page, c)
    as_read = sorted(first.values(), key=lambda pc: (pc[0], pc[1].order, pc[1].comment_id))
    # the publisher's thread order: depth first over the merged tree, children as read
    kids: dict[str | None, list[tuple[int, Comment]]] = {}
    for pc in as_read:
        kids.setdefault(pc[1].parent_id if pc[1].parent_id in first else None, []).append(pc)
    out: list[tuple[int, Comment]] = []
    stack = list(reversed(kids.get(None, [])))
    while stack:
        out.append(pc := stack.pop())
        stack.extend(reversed(kids.get(pc[1].comment_id, [])))
    return out


def as_truth(page: int, position: int, c: Comment) -> dict[str, Any]:
    assert c.parent_known, c
    return {"comment_id": c.comment_id, "parent_id": c.parent_id, "author": c.author,
            "published": c.published.isoformat() if c.published else None, "text": c.text,
            "permalink": c.permalink, "position": position, "page": page}


@pytest.mark.parametrize("size", ["demo", "big"])
def test_every_comment_of_every_thread_comes_back(size: str, request: pytest.FixtureRequest) -> None:
    r: OldReddit = request.getfixturevalue(size)
    for art in r.truth()["articles"]:
        pages = crawl(r, art["url"])
        assert pages == [*art["thread_pages"], *art["permalinks"]]
        got = [as_truth(page, pos, c) for pos, (page, c) in enumerate(read(r, pages))]
        want = [{k: g[k] for k in got[0]} for g in art["comments"]] if got else []
        assert got == want
        assert len(got) == art["comment_count"]


def test_deep_replies_are_behind_continue_this_thread(demo: OldReddit) -> None:
    art = demo.truth()["articles"][0]
    main = page_at(demo, art["url"])
    assert max(c["depth"] for c in art["comments"]) == 10
    shown = {c.comment_id for c in THREAD.parse(main)}
    deep = {c["comment_id"] for c in art["comments"] if c["depth"] == 10}
    assert deep
    assert not deep & shown
    links = main.tree.xpath("//div[contains(@class, 'morerecursion')]//span[@class='deepthread']/a/@href")
    assert [BASE + h for h in links] == art["thread_pages"][1:]
    assert HINTS.permalinks(main) == []
    cont = page_at(demo, art["thread_pages"][1])
    assert HINTS.page_number(cont) == 1
    assert HINTS.page_number(main) == 0
    assert HINTS.article_key(cont) == art["url"]
    assert HINTS.permalink_comment_id(art["thread_pages"][1]) is None  # read in full, not skipped
    assert "you are viewing a single comment's thread" in cont.tree.text_content()


def test_load_more_comments_pages_come_from_the_onclick_ids(big: OldReddit) -> None:
    art = big.truth()["articles"][0]
    main = page_at(big, art["url"])
    assert len(THREAD.parse(main)) == 200
    onclick = main.tree.xpath("//div[contains(@class, 'morechildren')]//a/@onclick")
    assert onclick
    assert all(o.startswith("return morechildren(this, 't3_") for o in onclick)
    ids = [i for o in onclick for i in o.split("'")[5].split(",")]
    assert set(HINTS.thread_pages(main)) >= {f"{art['url']}{i}/" for i in ids}
    assert art["permalinks"], "a load-more page that itself continues deeper"
    # a morechildren thing carries t1_<first missing id>: it must not read as a comment
    assert not {c.comment_id for c in THREAD.parse(main)} & set(ids)


def test_top_of_a_permalink_page_takes_its_parent_from_the_buttons(big: OldReddit) -> None:
    art = big.truth()["articles"][0]
    by_id = {c["comment_id"]: c for c in art["comments"]}
    for url in art["thread_pages"][1:]:
        top = THREAD.parse(page_at(big, url))[0]
        assert url.endswith(f"/{top.comment_id}/")
        assert (top.parent_id, top.parent_known) == (by_id[top.comment_id]["parent_id"], True)


def test_deleted_comments(demo: OldReddit) -> None:
    art = demo.truth()["articles"][0]
    deleted = [c for c in art["comments"] if c["author"] is None]
    assert [c["text"] for c in deleted] == ["[deleted]"]  # the other one had no replies: r2 hides it
    assert any(c["parent_id"] == deleted[0]["comment_id"] for c in art["comments"])
    assert art["comment_count"] == len(demo.site.articles[0].comments) - 1


def test_traps_and_what_is_not_one(demo: OldReddit) -> None:
    truth = demo.truth()
    art = truth["articles"][0]
    on_pages = {u for url in (art["url"], truth["seeds"]["index"])
                for u in absolute(url, tree(demo, url).xpath("//a/@href | //form/@action"))}
    for url in truth["traps"]:
        assert HINTS.is_trap(url), url
        assert url in on_pages, url
        assert demo.lookup(url.removeprefix(BASE)).status in ("200 OK", "404 Not Found")
    listing = f"{BASE}/r/DemoHerald/?count=25&after=t3_7vw194"
    for url in [*art["thread_pages"], *truth["seeds"].values(), listing]:
        assert not HINTS.is_trap(url), url
    assert not HINTS.is_trap("https://example.com/news/2018/02/sorted?sort=asc")  # not ours to judge
    assert not HINTS.is_trap("https://example.com/gold")


def test_index_pages_feed_and_robots(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oldreddit, "LINKS_PER_PAGE", 4)  # two listing pages from six posts
    r = OldReddit(build_site(), BASE)
    truth = r.truth()
    first = page_at(r, truth["seeds"]["index"])
    assert not HINTS.is_article(first)
    assert THREAD.comments_status(first) == "none"  # a listing: no comment area
    links = HINTS.article_links(first)
    (nxt,) = HINTS.index_pages(first)
    second = page_at(r, nxt)
    links += HINTS.article_links(second)
    assert nxt == f"{BASE}/r/DemoHerald/?count=4&after=t3_{r.pid[r.newest[3].nid]}"
    assert (len(links), HINTS.index_pages(second)) == (6, [])
    assert sorted(links) == sorted(a["url"] for a in truth["articles"])
    feed = etree.fromstring(r.lookup("/r/DemoHerald/.rss").body)
    hrefs = feed.xpath("//*[local-name()='entry']/*[local-name()='link']/@href")
    assert set(hrefs) >= {a["url"] for a in truth["articles"][-4:]}
    assert {truth["special"]["not_found"], truth["special"]["server_error"]} <= set(hrefs)
    assert r.lookup(truth["special"]["not_found"].removeprefix(BASE)).status == "404 Not Found"
    robots = r.lookup("/robots.txt").body.decode()
    assert all(f"Disallow: {u.removeprefix(BASE)}\n" in robots for u in truth["robots_disallowed"])


def test_detection_against_drupal(demo: OldReddit) -> None:
    art = demo.truth()["articles"][0]
    for url in (art["url"], art["thread_pages"][1], f"{BASE}/r/DemoHerald/"):
        p = page_at(demo, url)
        assert HINTS.detect(p)
        assert not DRUPAL.hints.detect(p)
        assert platforms.detect(p) is PLATFORM
    d7 = Drupal7(build_site(), BASE)
    node = d7.truth()["articles"][0]["url"]
    p = Page(node, lxml.html.document_fromstring(d7.lookup(node.removeprefix(BASE)).body))
    assert DRUPAL.hints.detect(p)
    assert not HINTS.detect(p)


def test_post_fields(demo: OldReddit) -> None:
    for art in demo.truth()["articles"]:
        p = page_at(demo, art["url"])
        assert HINTS.is_article(p)
        assert THREAD.comments_status(p) == "html"
        meta = THREAD.article(p)
        assert meta.published == datetime.fromisoformat(art["published"])
        # the post's title link, not `<title>` ("… : DemoHerald"); the submitter's username
        assert p.tree.findtext(".//title") == f"{art['title']} : DemoHerald"
        assert (meta.title, meta.author, meta.author_name) == (art["title"], art["author"], None)
        assert HINTS.article_key(page_at(demo, art["url"], art["url"] + "?sort=new")) == art["url"]


def test_demo_is_deterministic() -> None:
    one, two = OldReddit(build_site(), BASE), OldReddit(build_site(), BASE)
    assert one.truth() == two.truth()
    assert all(one.pages[k].body == two.pages[k].body for k in one.pages)


# Older r2 markup (about 2012): no data-permalink/data-author, permalinks without the trailing
# slash, timestamps without the live class, and a deleted comment with no id at all.
THREAD_2012 = """<!doctype html><html><head><title>Some title : news</title>
<link rel="canonical" href="https://www.reddit.com/r/news/comments/w1x2y/some_title/" /></head>
<body class="listing-page comments-page"><div id="header"><a href="/" id="header-img">reddit.com</a></div>
<div class="content"><div class="sitetable linklisting" id="siteTable_t3_w1x2y">
<div class=" thing id-t3_w1x2y odd link self" onclick="click_thing(this)" data-fullname="t3_w1x2y">
<div class="entry unvoted"><p class="title"><a class="title " href="/r/news/comments/w1x2y/some_title/">Some
title</a></p><p class="tagline">submitted <time title="Tue Jul 10 10:00:00 2012 UTC"
datetime="2012-07-10T10:00:00+00:00">5 years ago</time> by <a href="https://www.reddit.com/user/op"
class="author">op</a></p><ul class="flat-list buttons"><li class="first"><a class="comments"
href="https://www.reddit.com/r/news/comments/w1x2y/some_title/">6 comments</a></li></ul>
<div class="expando"><form class="usertext"><div class="usertext-body"><div class="md"><p>Post body.</p></div>
</div></form></div></div></div></div>
<div class="commentarea"><div class="sitetable nestedlisting" id="siteTable_t3_w1x2y">
 <div class=" thing id-t1_c5ab12 odd comment " onclick="click_thing(this)" data-fullname="t1_c5ab12">
  <p class="parent"><a name="c5ab12"></a></p><div class="entry unvoted"><p class="tagline">
  <a href="#" class="expand" onclick="return hidecomment(this)">[–]</a>
  <a href="https://www.reddit.com/user/alice" class="author id-t2_1a2b">alice</a>
  <span class="score unvoted">5 points</span> <time title="Tue Jul 10 12:00:00 2012 UTC"
  datetime="2012-07-10T12:00:00+00:00">5 years ago</time></p>
  <form action="#" class="usertext"><input type="hidden" name="thing_id" value="t1_c5ab12"/>
  <div class="usertext-body"><div class="md"><p>First   para.</p><blockquote><p>quoted</p></blockquote>
  <p>Second, with <a href="http://example.com/">a link</a>.</p></div></div></form>
  <ul class="flat-list buttons"><li class="first"><a class="bylink" data-event-action="permalink"
  href="https://www.reddit.com/r/news/comments/w1x2y/some_title/c5ab12">permalink</a></li>
  <li><a href="javascript:void(0)" onclick="return reply(this)">reply</a></li></ul></div>
  <div class="child"><div id="siteTable_t1_c5ab12" class="sitetable listing">
   <div class=" thing id-t1_c5ab34 even comment " onclick="click_thing(this)" data-fullname="t1_c5ab34">
    <p class="parent"><a name="c5ab34"></a></p><div class="entry unvoted"><p class="tagline">
    <a href="https://www.reddit.com/user/bob" class="author">bob</a> <span class="score unvoted">1 point</span>
    <time datetime="2012-07-10T13:30:00+00:00">5 years ago</time><time class="edited-timestamp"
    datetime="2012-07-11T09:00:00+00:00">*</time></p><form class="usertext"><div class="usertext-body">
    <div class="md"><p>Reply.</p></div></div></form><ul class="flat-list buttons"><li class="first"><a
    class="bylink" data-event-action="permalink"
    href="https://www.reddit.com/r/news/comments/w1x2y/some_title/c5ab34">permalink</a></li><li><a
    href="#c5ab12" class="bylink" data-event-action="parent">parent</a></li></ul></div>
    <div class="child"><div class="sitetable listing"><div class=" thing id-t1_c5ab99 morechildren"
    onclick="click_thing(this)" data-fullname="t1_c5ab99"><p class="parent"></p><div class="entry"><span
    class="morecomments"><a class="button" id="more_t1_c5ab99" href="javascript:void(0)"
    onclick="return morechildren(this, 't3_w1x2y', 'confidence', 'c5ab99,c5abaa', 2)">load more comments
    <span class="gray">(2 replies)</span></a></span></div></div></div></div></div>
  </div></div></div>
 <div class=" thing noncollapsed deleted comment " onclick="click_thing(this)"><p class="parent"></p>
  <div class="entry unvoted"><p class="tagline"><em>[deleted]</em> <time
  datetime="2012-07-10T14:00:00+00:00">5 years ago</time></p><form class="usertext"><div class="usertext-body">
  <div class="md"><p>[deleted]</p></div></div></form><ul class="flat-list buttons"></ul></div>
  <div class="child"><div class="sitetable listing">
   <div class=" thing id-t1_c5ab56 odd comment " onclick="click_thing(this)" data-fullname="t1_c5ab56">
    <p class="parent"><a name="c5ab56"></a></p><div class="entry unvoted"><p class="tagline"><a
    href="https://www.reddit.com/user/carol" class="author">carol</a> <time
    datetime="2012-07-10T15:00:00+00:00">5 years ago</time></p><form class="usertext"><div
    class="usertext-body"><div class="md"><p>Under a deleted one.</p></div></div></form></div>
    <div class="child"><div class="sitetable listing"><div class=" thing morerecursion"
    onclick="click_thing(this)"><p class="parent"></p><div class="entry"><span class="deepthread"><a
    href="https://www.reddit.com/r/news/comments/w1x2y/some_title/c5ab56">continue this thread</a></span>
    </div></div></div></div></div>
  </div></div></div>
</div></div></div></body></html>"""  # noqa: E501

PERMALINK_2012 = """<!doctype html><html><head><title>Some title : news</title></head>
<body class="listing-page comments-page"><div id="header"><a href="/" id="header-img">reddit.com</a></div>
<div class="content"><div class="sitetable linklisting">
<div class=" thing id-t3_w1x2y odd link self" data-fullname="t3_w1x2y"><div class="entry"><p class="title"><a
class="title" href="/r/news/comments/w1x2y/some_title/">Some title</a></p><ul class="flat-list buttons"><li><a
class="comments" href="https://www.reddit.com/r/news/comments/w1x2y/some_title/">6 comments</a></li></ul>
</div></div></div>
<div class="commentarea"><div class="infobar">you are viewing a single comment's thread.<p><a
href="https://www.reddit.com/r/news/comments/w1x2y/some_title/">view the rest of the comments</a></p></div>
<div class="sitetable nestedlisting">
 <div class=" thing id-t1_c5ab56 comment " data-fullname="t1_c5ab56"><div class="entry"><p class="tagline"><a
  class="author" href="https://www.reddit.com/user/carol">carol</a> <time
  datetime="2012-07-10T15:00:00+00:00">5 years ago</time></p><form class="usertext"><div class="usertext-body"><div
  class="md"><p>Under a deleted one.</p></div></div></form><ul class="flat-list buttons"><li><a class="bylink"
  data-event-action="permalink" href="https://www.reddit.com/r/news/comments/w1x2y/some_title/c5ab56">permalink</a>
  </li></ul></div>
  <div class="child"><div class="sitetable listing">
   <div class=" thing id-t1_c5ab78 comment " data-fullname="t1_c5ab78"><div class="entry"><p class="tagline"><a
    class="author" href="https://www.reddit.com/user/dave">dave</a> <time
    datetime="2012-07-10T16:00:00-04:00">5 years ago</time></p><form class="usertext"><div
    class="usertext-body"><div class="md"><p>Deeper.</p></div></div></form><ul class="flat-list buttons"><li><a
    class="bylink" data-event-action="parent" href="#c5ab56">parent</a></li></ul></div></div>
  </div></div></div>
 <div class=" thing id-t1_c5ab80 comment " data-fullname="t1_c5ab80"><div class="entry"><p class="tagline"><a
  class="author" href="https://www.reddit.com/user/erin">erin</a></p><form class="usertext"><div
  class="usertext-body"><div class="md"><p>A sibling somehow.</p></div></div></form><ul class="flat-list
  buttons"><li><a class="bylink" data-event-action="parent"
  href="https://www.reddit.com/r/news/comments/w1x2y/some_title/c5ab12">parent</a></li></ul></div></div>
</div></div></div></body></html>"""  # noqa: E501

POST = "https://www.reddit.com/r/news/comments/w1x2y/some_title/"


def test_older_r2_thread_markup() -> None:
    t = Page.parse(POST, THREAD_2012)
    assert HINTS.detect(t)
    assert HINTS.is_article(t)
    assert not DRUPAL.hints.detect(t)
    assert HINTS.article_key(Page.parse(POST + "?sort=top", THREAD_2012)) == POST
    meta = THREAD.article(t)
    assert meta.published == datetime(2012, 7, 10, 10, tzinfo=timezone.utc)
    assert (meta.title, meta.author) == ("Some title", "op")  # `<title>` says "Some title : news"
    got = [(c.comment_id, c.parent_id, c.parent_known, c.author, c.published, c.text, c.permalink, c.order)
           for c in THREAD.parse(t)]
    assert got == [
        ("c5ab12", None, True, "alice", datetime(2012, 7, 10, 12, tzinfo=timezone.utc),
         "First para.\n> quoted\nSecond, with a link.", POST + "c5ab12/", 0),
        ("c5ab34", "c5ab12", True, "bob", datetime(2012, 7, 10, 13, 30, tzinfo=timezone.utc), "Reply.",
         POST + "c5ab34/", 1),
        # the deleted comment (order 2) has no id anywhere: skipped, and its reply's parent unknown
        ("c5ab56", None, False, "carol", datetime(2012, 7, 10, 15, tzinfo=timezone.utc),
         "Under a deleted one.", POST + "c5ab56/", 3),
    ]
    assert HINTS.thread_pages(t) == [POST + "c5ab56/", POST + "c5ab99/", POST + "c5abaa/"]
    assert HINTS.page_number(t) == 0
    assert HINTS.permalinks(t) == []
    assert THREAD.comments_status(t) == "html"


def test_older_r2_permalink_page() -> None:
    url = POST + "c5ab56"  # r2's "continue this thread" link has no trailing slash
    t = Page.parse(url, PERMALINK_2012)
    assert HINTS.page_number(t) == 1
    assert HINTS.article_key(t) == POST
    got = [(c.comment_id, c.parent_id, c.parent_known, c.published) for c in THREAD.parse(t)]
    assert got == [
        # no parent button and no embed button's data-root: top level or a deleted parent
        ("c5ab56", None, False, datetime(2012, 7, 10, 15, tzinfo=timezone.utc)),
        ("c5ab78", "c5ab56", True, datetime(2012, 7, 10, 20, tzinfo=timezone.utc)),
        ("c5ab80", "c5ab12", True, None),  # parent named by its button's permalink; no time: None
    ]


# A link post of today's old.reddit.com: `<title>` adds " : subreddit", the title line adds a
# flair and the domain; the headline quotes with both `"` and &quot;.
LINK_POST = """<!doctype html><html xmlns="http://www.w3.org/1999/xhtml" lang="en" xml:lang="en"><head>
<title>Mayor says &quot;no deal&quot; on stadium, calls it "a fantasy" : springfield</title>
<meta property="og:site_name" content="reddit"><meta property="og:title" content="Mayor says &quot;no deal&quot; on stadium, calls it &quot;a fantasy&quot;">
<link rel="canonical" href="https://www.reddit.com/r/springfield/comments/lx1q2z/mayor_says_no_deal_on_stadium_calls_it_a_fantasy/" /></head>
<body class="listing-page comments-page single-page loggedout"><div id="header" role="banner"><div id="header-bottom-left"><a href="/" id="header-img" class="default-header" title="">reddit.com</a></div></div>
<div class="content" role="main"><div class="sitetable linklisting" id="siteTable_t3_lx1q2z">
<div class=" thing id-t3_lx1q2z odd link " id="thing_t3_lx1q2z" onclick="click_thing(this)" data-fullname="t3_lx1q2z" data-type="link" data-author="kent_b" data-author-fullname="t2_8kq1" data-subreddit="springfield" data-timestamp="1614844800000" data-url="https://shopper.test/2021/03/04/no-deal/" data-permalink="/r/springfield/comments/lx1q2z/mayor_says_no_deal_on_stadium_calls_it_a_fantasy/" data-domain="shopper.test" data-comments-count="1">
<p class="parent"></p><div class="midcol unvoted"><div class="score unvoted" title="412">412</div></div>
<div class="entry unvoted"><div class="top-matter"><p class="title"><span class="linkflairlabel " title="Politics">Politics</span><a class="title may-blank outbound" data-event-action="title" href="https://shopper.test/2021/03/04/no-deal/" tabindex="1" rel="">Mayor says &quot;no deal&quot; on stadium, calls it "a fantasy"</a>&#32;<span class="domain">(<a href="/domain/shopper.test/">shopper.test</a>)</span></p>
<p class="tagline ">submitted&#32;<time title="Thu Mar 4 08:00:00 2021 UTC" datetime="2021-03-04T08:00:00+00:00" class="live-timestamp">3 years ago</time>&#32;by&#32;<a href="https://old.reddit.com/user/kent_b" class="author may-blank id-t2_8kq1" >kent_b</a><span class="userattrs"></span>&#32;to&#32;<a href="https://old.reddit.com/r/springfield/" class="subreddit hover may-blank">r/springfield</a></p>
<ul class="flat-list buttons"><li class="first"><a href="https://old.reddit.com/r/springfield/comments/lx1q2z/mayor_says_no_deal_on_stadium_calls_it_a_fantasy/" data-event-action="comments" class="bylink comments may-blank" rel="nofollow" >1 comment</a></li></ul></div></div>
<div class="child" ></div><div class="clearleft"></div></div></div>
<div class='commentarea' ><div class="sitetable nestedlisting" id="siteTable_t3_lx1q2z">
<div class=" thing id-t1_gpq7x1 noncollapsed comment " id="thing_t1_gpq7x1" data-fullname="t1_gpq7x1" data-type="comment" data-author="lisa_s" data-permalink="/r/springfield/comments/lx1q2z/mayor_says_no_deal_on_stadium_calls_it_a_fantasy/gpq7x1/"><p class="parent"><a name="gpq7x1"></a></p><div class="entry unvoted"><p class="tagline"><a href="https://old.reddit.com/user/lisa_s" class="author may-blank id-t2_2b9" >lisa_s</a>&#32;<time title="Thu Mar 4 09:00:00 2021 UTC" datetime="2021-03-04T09:00:00+00:00" class="live-timestamp">3 years ago</time></p><form action="#" class="usertext warn-on-unload" id="form-t1_gpq7x1"><div class="usertext-body may-blank-within md-container " ><div class="md"><p>&quot;A fantasy&quot; is generous.</p></div></div></form></div><div class="child" ></div></div>
</div></div></div></body></html>"""  # noqa: E501


def test_post_title_and_submitter() -> None:
    url = "https://old.reddit.com/r/springfield/comments/lx1q2z/mayor_says_no_deal_on_stadium_calls_it_a_fantasy/"
    page = Page.parse(url, LINK_POST)
    assert platforms.detect(page) is PLATFORM
    assert page.tree.findtext(".//title").endswith(" : springfield")
    meta = THREAD.article(page)
    assert meta.title == 'Mayor says "no deal" on stadium, calls it "a fantasy"'  # no flair, no domain
    assert meta.author == "kent_b"  # as r2 names the authors of comments
    assert meta.published == datetime(2021, 3, 4, 8, tzinfo=timezone.utc)
    assert meta.site_name == "reddit"
    (comment,) = THREAD.parse(page)
    assert (comment.author, comment.text) == ("lisa_s", '"A fantasy" is generous.')
    # a deleted submitter: r2 prints "[deleted]" without a link, data-author says so too
    gone = LINK_POST.replace('data-author="kent_b"', 'data-author="[deleted]"').replace(
        '<a href="https://old.reddit.com/user/kent_b" class="author may-blank id-t2_8kq1" >kent_b</a>',
        "<span>[deleted]</span>")
    meta = THREAD.article(Page.parse(url, gone))
    assert (meta.title, meta.author) == ('Mayor says "no deal" on stadium, calls it "a fantasy"', None)
    # no time in the tagline: r2's data-timestamp (milliseconds)
    bare = LINK_POST.replace('datetime="2021-03-04T08:00:00+00:00" ', "")
    assert THREAD.article(Page.parse(url, bare)).published == datetime(2021, 3, 4, 8, tzinfo=timezone.utc)
