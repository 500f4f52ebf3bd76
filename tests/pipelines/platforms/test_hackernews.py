"""Hacker News parser against the demo site's HN rendering and hand-written 2021-2024 pages."""

# ruff: noqa: RUF001  (the collapse toggle's en dash is HN's own markup)

from __future__ import annotations

import re
from datetime import datetime, timezone
from html import unescape
from typing import Any

import pytest

from demosite.content import build_site
from demosite.drupal7 import Drupal7
from demosite.hackernews import HackerNews
from pipelines import platforms
from pipelines.extraction.pages import Tally, analyse, extract_page
from pipelines.extraction.warc import Capture, HtmlDoc
from pipelines.platforms import drupal7, hackernews
from pipelines.platforms.hackernews import hn_time
from pipelines.platforms.page import Page

HN = hackernews.PLATFORMS[0]
HINTS, THREAD = HN.hints, HN.thread
DRUPAL = drupal7.PLATFORMS[0]

BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def site() -> HackerNews:
    return HackerNews(build_site(), BASE)


@pytest.fixture(scope="module")
def truth(site: HackerNews) -> dict[str, Any]:
    return site.truth()


def html(site: Any, url: str) -> str:
    page = site.lookup(url.removeprefix(BASE))
    assert page.status == "200 OK", url
    return page.body.decode("utf-8")  # HN declares its charset in the header only


def parse(url: str, text: str) -> Page:
    page = Page.parse(url, text)
    assert page is not None
    return page


def fetch(site: Any, url: str) -> Page:
    return parse(url, html(site, url))


def test_every_comment_as_the_truth_says(site: HackerNews, truth: dict[str, Any]) -> None:
    for art in truth["articles"]:
        got: dict[str, tuple[Any, int]] = {}
        for url in art["thread_pages"]:
            page = fetch(site, url)
            for c in THREAD.parse(page):
                assert c.parent_known, c
                assert c.comment_id not in got, c.comment_id
                got[c.comment_id] = (c, HINTS.page_number(page))
        want = {c["comment_id"]: c for c in art["comments"]}
        assert got.keys() == want.keys()
        for cid, (c, page) in got.items():
            w = want[cid]
            assert (c.parent_id, c.author, c.text, c.permalink, page) == (
                w["parent_id"], w["author"], w["text"], w["permalink"], w["page"]), cid
            assert c.published == datetime.fromisoformat(w["published"])
            assert c.published.tzinfo is timezone.utc
        ordered = sorted(got.values(), key=lambda cp: (cp[1], cp[0].order))
        assert [c.comment_id for c, _ in ordered] == [w["comment_id"] for w in art["comments"]]


def test_oddities_survive(site: HackerNews, truth: dict[str, Any]) -> None:
    first = truth["articles"][0]
    texts = {c.comment_id: c.text for u in first["thread_pages"] for c in THREAD.parse(fetch(site, u))}
    want = {c["comment_id"]: c for c in first["comments"]}
    quoted = next(c for c in first["comments"] if c["text"].startswith("> "))
    assert texts[quoted["comment_id"]] == quoted["text"]
    assert any("&" in t and "<" in t for t in texts.values())  # "cost < benefit & risk > 0"
    anonymous = [cid for cid, c in want.items() if c["author"] is None]
    assert anonymous
    assert all(c.author is None for u in first["thread_pages"] for c in THREAD.parse(fetch(site, u))
               if c.comment_id in anonymous)


def test_thread_pages_permalinks_and_keys(site: HackerNews, truth: dict[str, Any]) -> None:
    for art in truth["articles"]:
        first = fetch(site, art["url"])
        assert HINTS.is_article(first)
        assert THREAD.comments_status(first) == "html"
        pages = art["thread_pages"]
        assert HINTS.thread_pages(first) == pages[:2]
        permalinks = []
        for number, url in enumerate(pages):
            page = fetch(site, url)
            assert HINTS.article_key(page) == art["url"]
            assert HINTS.page_number(page) == number
            permalinks += HINTS.permalinks(page)
            assert not any(HINTS.is_trap(u) for u in HINTS.thread_pages(page) + HINTS.permalinks(page))
        assert permalinks == art["permalinks"]
        assert THREAD.article(first).published == datetime.fromisoformat(art["published"])
    assert len(truth["articles"][0]["thread_pages"]) == 2  # the demo paginates its longest thread


def test_each_page_names_the_next_until_the_last() -> None:
    """HN links only the next page: the spider must follow "More" from every page."""
    big = HackerNews(build_site(comments_scale=2), BASE)
    art = max(big.truth()["articles"], key=lambda a: len(a["thread_pages"]))
    pages = art["thread_pages"]
    assert len(pages) >= 3
    for here, after in zip(pages, [*pages[1:], None], strict=True):
        assert HINTS.thread_pages(fetch(big, here)) == [pages[0], *([after] if after else [])]


def test_index_feed_and_traps(site: HackerNews, truth: dict[str, Any]) -> None:
    index = truth["seeds"]["index"]
    page = fetch(site, index)
    assert not HINTS.is_article(page)
    assert sorted(HINTS.article_links(page)) == sorted(a["url"] for a in truth["articles"])
    assert HINTS.index_pages(page) == []  # six stories: one page
    assert truth["seeds"]["rss"].endswith("/rss")
    everything = " ".join(html(site, u) for u in (index, truth["articles"][0]["url"],
                                                  truth["articles"][1]["url"],
                                                  truth["articles"][0]["permalinks"][1]))
    hrefs = {unescape(h) for h in re.findall(r'href="([^"]+)"', everything)}
    for trap in truth["traps"]:
        assert HINTS.is_trap(trap), trap
        assert trap.removeprefix(BASE + "/") in hrefs, trap
    for fine in (f"{BASE}/item?id=5", f"{BASE}/news?p=2", f"{BASE}/user/login", f"{BASE}/comment/5",
                 f"{BASE}/news/2018-02-08/vote", f"{BASE}/from", f"{BASE}/node/1?page=2"):
        assert not HINTS.is_trap(fine), fine
    robots = html(site, BASE + "/robots.txt")
    assert all(f"Disallow: {u.removeprefix(BASE)}" in robots for u in truth["robots_disallowed"])


def test_a_comment_page_points_at_its_story_and_is_not_an_article(
        site: HackerNews, truth: dict[str, Any]) -> None:
    art = truth["articles"][0]
    by_id = {c["comment_id"]: c for c in art["comments"]}
    reply = next(c for c in art["comments"] if c["depth"] == 1
                 and any(k["parent_id"] == c["comment_id"] for k in art["comments"]))
    url = reply["permalink"]
    page = fetch(site, url)
    assert HINTS.detect(page)
    assert not HINTS.is_article(page)  # extraction skips it: its comments are on the story's pages
    assert HINTS.permalink_comment_id(url) is None
    assert HINTS.article_key(page) == art["url"]
    assert HINTS.article_links(page) == [art["url"]]
    assert HINTS.page_number(page) == 0
    assert HINTS.thread_pages(page) == []
    found = THREAD.parse(page)
    assert found[0].comment_id == reply["comment_id"]
    for c in found:
        assert (c.parent_id, c.author, c.text) == tuple(by_id[c.comment_id][k] for k in
                                                        ("parent_id", "author", "text"))
    assert extract_page(_doc(url, html(site, url))) is None
    p2 = art["thread_pages"][1]
    result = analyse(_doc(p2, html(site, p2)), Tally())
    assert result is not None
    assert (result.kind, result.page, result.key) == ("thread", 1, art["url"])


def _doc(url: str, text: str) -> HtmlDoc:
    cap = Capture("x.warc.gz", "x.warc.gz", 0, len(text), "<urn:uuid:1>", url, "2018-03-01T00:00:00Z")
    return HtmlDoc(cap, text, "utf-8")


def test_detection_apart_from_drupal(site: HackerNews, truth: dict[str, Any]) -> None:
    drupal = Drupal7(build_site(), BASE)
    d_art = drupal.truth()["articles"][0]["url"]
    d_page = parse(d_art, drupal.lookup(d_art.removeprefix(BASE)).body.decode("utf-8"))
    assert not HINTS.detect(d_page)
    assert platforms.detect(d_page) is DRUPAL
    for url in (truth["seeds"]["index"], truth["articles"][0]["url"], truth["articles"][0]["permalinks"][0]):
        page = fetch(site, url)
        assert HINTS.detect(page)
        assert not DRUPAL.hints.detect(page)
        assert platforms.detect(page) is HN
    assert THREAD.parse(d_page) == []


def test_title_times() -> None:
    assert hn_time("2018-02-08T03:49:00 1518061740") == datetime(2018, 2, 8, 3, 49, tzinfo=timezone.utc)
    assert hn_time("2022-03-30T17:03:25") == datetime(2022, 3, 30, 17, 3, 25, tzinfo=timezone.utc)
    assert hn_time("2022-03-30T17:03:25+02:00") == datetime(2022, 3, 30, 15, 3, 25, tzinfo=timezone.utc)
    assert hn_time(None) is None
    assert hn_time("3 hours ago") is None


# news.ycombinator.com in 2022, page 2 of a long thread: `a.titlelink`, `span.commtext`, the
# title attribute without the epoch, `class='ind'indent='3'` (no space), and rows as older pages
# had them (no "parent" link, depth only from the spacer image width).
HN_2022 = """<html lang="en" op="item"><head><meta name="referrer" content="origin"><meta name="viewport" content="width=device-width, initial-scale=1.0"><link rel="stylesheet" type="text/css" href="news.css?5eYyZbFhPFukXyt5EaSy">
<title>Plan 9 from User Space | Hacker News</title></head><body><center><table id="hnmain" border="0" cellpadding="0" cellspacing="0" width="85%" bgcolor="#f6f6ef">
<tr><td bgcolor="#ff6600"><table border="0" cellpadding="0" cellspacing="0" width="100%" style="padding:2px"><tr><td style="line-height:12pt; height:10px;"><span class="pagetop"><b class="hnname"><a href="news">Hacker News</a></b>
<a href="newest">new</a> | <a href="submit">submit</a></span></td><td style="text-align:right;padding-right:4px;"><span class="pagetop"><a href="login?goto=item%3Fid%3D30855419%26p%3D2">login</a></span></td></tr></table></td></tr>
<tr id="pagespace" title="Plan 9 from User Space" style="height:10px"></tr><tr><td><table class="fatitem" border="0">
<tr class='athing' id='30855419'>
<td align="right" valign="top" class="title"><span class="rank"></span></td><td valign="top" class="votelinks"><center><a id='up_30855419'href='vote?id=30855419&amp;how=up&amp;goto=item%3Fid%3D30855419'><div class='votearrow' title='upvote'></div></a></center></td><td class="title"><a href="https://9fans.github.io/plan9port/" class="titlelink">Plan 9 from User Space</a><span class="sitebit comhead"> (<a href="from?site=9fans.github.io"><span class="sitestr">9fans.github.io</span></a>)</span></td></tr><tr><td colspan="2"></td><td class="subtext">
<span class="score" id="score_30855419">212 points</span> by <a href="user?id=pjmlp" class="hnuser">pjmlp</a> <span class="age" title="2022-03-30T14:02:11"><a href="item?id=30855419">5 hours ago</a></span> <span id="unv_30855419"></span> | <a href="hide?id=30855419&amp;goto=item%3Fid%3D30855419">hide</a> | <a href="item?id=30855419">187&nbsp;comments</a>
</td></tr>
<tr style="height:10px"></tr><tr><td colspan="2"></td><td><form action="comment" method="post"><input type="hidden" name="parent" value="30855419"><textarea name="text" rows="8" cols="80"></textarea><br><br><input type="submit" value="add comment"></form></td></tr>
</table><br><br>
<table border="0" class='comment-tree'>
<tr class='athing comtr' id='30857704'><td><table border='0'>  <tr>    <td class='ind'><img src="s.gif" height="1" width="80"></td><td valign="top" class="votelinks"><center><a id='up_30857704'href='vote?id=30857704&amp;how=up&amp;goto=item%3Fid%3D30855419'><div class='votearrow' title='upvote'></div></a></center></td><td class="default"><div style="margin-top:2px; margin-bottom:-10px;"><span class="comhead">
<a href="user?id=pcwalton" class="hnuser">pcwalton</a> <span class="age" title="2022-03-30T16:51:09"><a href="item?id=30857704">1 hour ago</a></span> <span id="unv_30857704"></span><span class="par"></span> <a class="togg" n="4" href="javascript:void(0)">[–]</a></span></div><br><div class="comment">
<span class="commtext c00">Namespaces are not checkpointing.<p>See <a href="https:&#x2F;&#x2F;criu.org&#x2F;" rel="nofollow">https:&#x2F;&#x2F;criu.org&#x2F;</a> for <i>that</i>.</span>
<div class='reply'><p><font size="1"><u><a href="reply?id=30857704&amp;goto=item%3Fid%3D30855419%2330857704">reply</a></u></font></div></div></td></tr></table></td></tr>
<tr class='athing comtr' id='30857897'><td><table border='0'>  <tr>    <td class='ind'indent='3'><img src="s.gif" height="1" width="120"></td><td valign="top" class="votelinks"><center><a id='up_30857897'href='vote?id=30857897&amp;how=up&amp;goto=item%3Fid%3D30855419'><div class='votearrow' title='upvote'></div></a></center></td><td class="default"><div style="margin-top:2px; margin-bottom:-10px;"><span class="comhead">
<a href="user?id=zozbot234" class="hnuser"><font color="#3c963c">zozbot234</font></a> <span class="age" title="2022-03-30T17:03:25"><a href="item?id=30857897">57 minutes ago</a></span> <span id="unv_30857897"></span><span class="navs"> | <a href="#30856036" class="clicky" aria-hidden="true">root</a> | <a href="#30857704" class="clicky" aria-hidden="true">parent</a> | <a href="#30857629" class="clicky" aria-hidden="true">next</a></span> <a class="togg clicky" id="30857897" n="3" href="javascript:void(0)">[–]</a><span class="onstory"></span></span></div><br><div class="comment">
<span class="commtext c00">&gt; checkpointed and restored<p>Graphical programs could be checkpointed and restored as long as they don&#x27;t directly connect to the hardware.</span>
<div class='reply'><p><font size="1"><u><a href="reply?id=30857897&amp;goto=item%3Fid%3D30855419%2330857897">reply</a></u></font></div></div></td></tr></table></td></tr>
<tr class='athing comtr' id='30858010'><td><table border='0'>  <tr>    <td class='ind'><img src="s.gif" height="1" width="160"></td><td valign="top" class="votelinks"><center><img src="s.gif" height="1" width="14"></center></td><td class="default"><div style="margin-top:2px; margin-bottom:-10px;"><span class="comhead">
<span class="age" title="2022-03-30T17:10:00"><a href="item?id=30858010">50 minutes ago</a></span> <span id="unv_30858010"></span><span class="par"></span> <a class="togg" n="2" href="javascript:void(0)">[–]</a></span></div><br><div class="comment">
<span class="commtext c00">[deleted]</span>
<div class='reply'></div></div></td></tr></table></td></tr>
<tr class='athing comtr' id='30858133'><td><table border='0'>  <tr>    <td class='ind'><img src="s.gif" height="1" width="200"></td><td valign="top" class="votelinks"><center><a id='up_30858133'href='vote?id=30858133&amp;how=up&amp;goto=item%3Fid%3D30855419'><div class='votearrow' title='upvote'></div></a></center></td><td class="default"><div style="margin-top:2px; margin-bottom:-10px;"><span class="comhead">
<a href="user?id=glorfindel66" class="hnuser">glorfindel66</a> <span class="age"><a href="item?id=30858133">45 minutes ago</a></span> <span id="unv_30858133"></span><span class="par"></span> <a class="togg" n="1" href="javascript:void(0)">[–]</a></span></div><br><div class="comment">
<span class="commtext c5a">Replying to a deleted comment.</span>
<div class='reply'><p><font size="1"><u><a href="reply?id=30858133&amp;goto=item%3Fid%3D30855419%2330858133">reply</a></u></font></div></div></td></tr></table></td></tr>
<tr class='athing comtr' id='30858200'><td><table border='0'>  <tr>    <td class='ind'><img src="s.gif" height="1" width="0"></td><td valign="top" class="votelinks"></td><td class="default"><div style="margin-top:2px; margin-bottom:-10px;"><span class="comhead">
<a href="user?id=dang" class="hnuser">dang</a> <span class="age" title="2022-03-30T17:20:00"><a href="item?id=30858200">40 minutes ago</a></span> <span id="unv_30858200"></span><span class="par"></span> <a class="togg" n="1" href="javascript:void(0)">[–]</a></span></div><br><div class="comment">
<span class="commtext c00">A top-level comment.</span>
<div class='reply'></div></div></td></tr></table></td></tr>
</table>
<br><br><a href="item?id=30855419&amp;p=3" class="morelink" rel="next">More</a>
</td></tr></table></center></body></html>
"""  # noqa: E501


def test_hand_written_2022_page() -> None:
    url = "https://news.ycombinator.com/item?id=30855419&p=2"
    page = parse(url, HN_2022)
    assert platforms.detect(page) is HN
    assert HINTS.is_article(page)
    assert HINTS.article_key(page) == "https://news.ycombinator.com/item?id=30855419"
    assert HINTS.page_number(page) == 1
    assert HINTS.thread_pages(page) == ["https://news.ycombinator.com/item?id=30855419",
                                        "https://news.ycombinator.com/item?id=30855419&p=3"]
    meta = THREAD.article(page)
    assert meta.published == datetime(2022, 3, 30, 14, 2, 11, tzinfo=timezone.utc)
    assert meta.site_name == "Hacker News"
    # the `a.titlelink` of 2021-22, not the `<title>` ("... | Hacker News"); the subtext's submitter
    assert (meta.title, meta.author) == ("Plan 9 from User Space", "pjmlp")
    got = [(c.comment_id, c.parent_id, c.parent_known, c.author, c.published, c.text, c.permalink, c.order)
           for c in THREAD.parse(page)]
    at = datetime(2022, 3, 30, tzinfo=timezone.utc).replace
    link = "https://news.ycombinator.com/item?id="
    assert got == [
        # indent 2 first on a continuation page, no parent link: its parent is on page 1
        ("30857704", None, False, "pcwalton", at(hour=16, minute=51, second=9),
         "Namespaces are not checkpointing.\nSee https://criu.org/ for that.", link + "30857704", 0),
        # the "parent" link wins over indentation (indent 3 under an indent-2 row anyway)
        ("30857897", "30857704", True, "zozbot234", at(hour=17, minute=3, second=25),
         "> checkpointed and restored\nGraphical programs could be checkpointed and restored as long as "
         "they don't directly connect to the hardware.", link + "30857897", 1),
        ("30858010", "30857897", True, None, at(hour=17, minute=10), "", link + "30858010", 2),
        ("30858133", "30858010", True, "glorfindel66", None, "Replying to a deleted comment.",
         link + "30858133", 3),
        ("30858200", None, True, "dang", at(hour=17, minute=20), "A top-level comment.",
         link + "30858200", 4),
    ]
    assert HINTS.permalinks(page) == [link + i for i in ("30857704", "30857897", "30858010", "30858133",
                                                        "30858200")]


# The front page, 2021 (`a.titlelink`, "More" as `news?p=2`).
NEWS_2021 = """<html lang="en" op="news"><head><link rel="stylesheet" type="text/css" href="news.css?kx6j5VkPVD2ctdAYM8ka"><title>Hacker News</title></head><body><center><table id="hnmain" border="0" cellpadding="0" cellspacing="0" width="85%" bgcolor="#f6f6ef">
<tr><td bgcolor="#ff6600"><span class="pagetop"><b class="hnname"><a href="news">Hacker News</a></b></span></td></tr>
<tr id="pagespace" title="" style="height:10px"></tr><tr><td><table border="0" cellpadding="0" cellspacing="0" class="itemlist">
<tr class='athing' id='26380110'><td align="right" valign="top" class="title"><span class="rank">1.</span></td><td valign="top" class="votelinks"><center><a id='up_26380110' href='vote?id=26380110&amp;how=up&amp;goto=news'><div class='votearrow' title='upvote'></div></a></center></td><td class="title"><a href="https://example.com/post" class="titlelink">A post</a><span class="sitebit comhead"> (<a href="from?site=example.com"><span class="sitestr">example.com</span></a>)</span></td></tr>
<tr><td colspan="2"></td><td class="subtext"><span class="score" id="score_26380110">88 points</span> by <a href="user?id=mseri" class="hnuser">mseri</a> <span class="age"><a href="item?id=26380110">15 hours ago</a></span> | <a href="hide?id=26380110&amp;goto=news">hide</a> | <a href="item?id=26380110">130&nbsp;comments</a></td></tr>
<tr class="spacer" style="height:5px"></tr>
<tr class='athing' id='26381001'><td align="right" valign="top" class="title"><span class="rank">2.</span></td><td></td><td class="title"><a href="item?id=26381001" class="titlelink">Ask HN: Anything?</a></td></tr>
<tr class="morespace" style="height:10px"></tr><tr><td colspan="2"></td><td class="title"><a href="news?p=2" class="morelink" rel="next">More</a></td></tr>
</table></td></tr></table></center></body></html>
"""  # noqa: E501


def test_hand_written_2021_front_page() -> None:
    url = "https://news.ycombinator.com/news"
    page = parse(url, NEWS_2021)
    assert HINTS.detect(page)
    assert not HINTS.is_article(page)
    assert HINTS.article_links(page) == ["https://news.ycombinator.com/item?id=26380110",
                                         "https://news.ycombinator.com/item?id=26381001"]
    assert HINTS.index_pages(page) == ["https://news.ycombinator.com/news?p=2"]
    assert THREAD.parse(page) == []


def test_every_story_names_its_title_and_submitter(site: HackerNews, truth: dict[str, Any]) -> None:
    """The title link's text and the subtext's `.hnuser`, on each page of the thread."""
    for art in truth["articles"]:
        for url in art["thread_pages"]:
            meta = THREAD.article(fetch(site, url))
            assert (meta.title, meta.author, meta.author_name) == (art["title"], art["author"], None), url
            assert meta.site_name == site.site.name  # the `b.hnname` link: "Hacker News" on HN
    assert truth["articles"][0]["author"]


# news.ycombinator.com in 2024, a link story with a quoted word in its title (`&quot;` in the
# title link and the `<title>`), submitted by a new account (its name green in a `<font>`):
# `tr.athing.submission`, `span.titleline`, `span.subline`, the epoch after the ISO time.
HN_2024 = """<html lang="en" op="item"><head><meta name="referrer" content="origin"><meta name="viewport" content="width=device-width, initial-scale=1.0"><link rel="stylesheet" type="text/css" href="news.css?IxXdnxFpFm9kRkXyZjwg">
        <link rel="icon" href="y18.svg">
                  <link rel="alternate" type="application/rss+xml" title="RSS" href="rss">
        <title>Show HN: A &quot;tiny&quot; Lisp in 200 lines of C | Hacker News</title></head><body><center><table id="hnmain" border="0" cellpadding="0" cellspacing="0" width="85%" bgcolor="#f6f6ef">
        <tr><td bgcolor="#ff6600"><table border="0" cellpadding="0" cellspacing="0" width="100%" style="padding:2px"><tr><td style="width:18px;padding-right:4px"><a href="https://news.ycombinator.com"><img src="y18.svg" width="18" height="18" style="border:1px white solid; display:block"></a></td>
                  <td style="line-height:12pt; height:10px;"><span class="pagetop"><b class="hnname"><a href="news">Hacker News</a></b>
                            <a href="newest">new</a> | <a href="front">past</a> | <a href="newcomments">comments</a> | <a href="ask">ask</a> | <a href="show">show</a> | <a href="jobs">jobs</a> | <a href="submit" rel="nofollow">submit</a>            </span></td><td style="text-align:right;padding-right:4px;"><span class="pagetop">
                              <a href="login?goto=item%3Fid%3D39571123">login</a>
                          </span></td>
              </tr></table></td></tr>
<tr id="pagespace" title="Show HN: A &quot;tiny&quot; Lisp in 200 lines of C" style="height:10px"></tr><tr><td><table class="fatitem" border="0">
        <tr class="athing submission" id="39571123">
      <td align="right" valign="top" class="title"><span class="rank"></span></td>      <td valign="top" class="votelinks"><center><a id="up_39571123" class="clicky" href="vote?id=39571123&amp;how=up&amp;goto=item%3Fid%3D39571123"><div class="votearrow" title="upvote"></div></a></center></td><td class="title"><span class="titleline"><a href="https://github.com/example/tinylisp">Show HN: A &quot;tiny&quot; Lisp in 200 lines of C</a><span class="sitebit comhead"> (<a href="from?site=github.com/example"><span class="sitestr">github.com/example</span></a>)</span></span></td></tr><tr><td colspan="2"></td><td class="subtext"><span class="subline">
          <span class="score" id="score_39571123">131 points</span> by <a href="user?id=lispnik" class="hnuser"><font color="#3c963c">lispnik</font></a> <span class="age" title="2024-03-02T18:42:10 1709404930"><a href="item?id=39571123">3 hours ago</a></span> <span id="unv_39571123"></span> | <a href="hide?id=39571123&amp;goto=item%3Fid%3D39571123" class="clicky hider">hide</a> | <a href="https://hn.algolia.com/?query=Show%20HN%3A%20A%20%22tiny%22%20Lisp&amp;type=story&amp;dateRange=all&amp;sort=byDate&amp;storyText=false&amp;prefix&amp;page=0" class="hnpast">past</a> | <a href="fave?id=39571123&amp;auth=0f3c">favorite</a> | <a href="item?id=39571123">2&nbsp;comments</a>        </span>
              </td></tr>
      <tr style="height:10px"></tr><tr><td colspan="2"></td><td>
          <form action="comment" method="post"><input type="hidden" name="parent" value="39571123"><input type="hidden" name="goto" value="item?id=39571123"><input type="hidden" name="hmac" value="8d1c"><textarea name="text" rows="8" cols="80" wrap="virtual"></textarea><br><br>
          <input type="submit" value="add comment"></form>
      </td></tr>
  </table><br>
<table border="0" class="comment-tree">
            <tr class="athing comtr" id="39571544"><td><table border="0">  <tr>    <td class="ind" indent="0"><img src="s.gif" height="1" width="0"></td><td valign="top" class="votelinks">
      <center><a id="up_39571544" class="clicky" href="vote?id=39571544&amp;how=up&amp;goto=item%3Fid%3D39571123"><div class="votearrow" title="upvote"></div></a></center>    </td><td class="default"><div style="margin-top:2px; margin-bottom:-10px;"><span class="comhead">
          <a href="user?id=tptacek" class="hnuser">tptacek</a> <span class="age" title="2024-03-02T19:05:44 1709406344"><a href="item?id=39571544">3 hours ago</a></span> <span id="unv_39571544"></span>          <span class="navs">
             | <a href="#39571890" class="clicky" aria-hidden="true">next</a> <a class="togg clicky" id="39571544" n="2" href="javascript:void(0)">[&ndash;]</a><span class="onstory"></span>          </span>
                  </span></div><br><div class="comment">
                  <div class="commtext c00">Why &quot;tiny&quot; in quotes? 200 lines is tiny.</div>
              <div class="reply">        <p><font size="1">
                      <u><a href="reply?id=39571544&amp;goto=item%3Fid%3D39571123%2339571544" rel="nofollow">reply</a></u>
                  </font>
      </p></div></div></td></tr>
        </table></td></tr>
<tr class="athing comtr" id="39571890"><td><table border="0">  <tr>    <td class="ind" indent="1"><img src="s.gif" height="1" width="40"></td><td valign="top" class="votelinks">
      <center><a id="up_39571890" class="clicky" href="vote?id=39571890&amp;how=up&amp;goto=item%3Fid%3D39571123"><div class="votearrow" title="upvote"></div></a></center>    </td><td class="default"><div style="margin-top:2px; margin-bottom:-10px;"><span class="comhead">
          <a href="user?id=lispnik" class="hnuser"><font color="#3c963c">lispnik</font></a> <span class="age" title="2024-03-02T19:31:02 1709407862"><a href="item?id=39571890">2 hours ago</a></span> <span id="unv_39571890"></span>          <span class="navs">
             | <a href="#39571544" class="clicky" aria-hidden="true">parent</a> <a class="togg clicky" id="39571890" n="1" href="javascript:void(0)">[&ndash;]</a><span class="onstory"></span>          </span>
                  </span></div><br><div class="comment">
                  <div class="commtext c00">Without the reader it is closer to 150.</div>
              <div class="reply">        <p><font size="1">
                      <u><a href="reply?id=39571890&amp;goto=item%3Fid%3D39571123%2339571890" rel="nofollow">reply</a></u>
                  </font>
      </p></div></div></td></tr>
        </table></td></tr>
  </table>
<br><br>
</td></tr>
<tr><td><img src="s.gif" height="10" width="0"><table width="100%" cellspacing="0" cellpadding="1"><tr><td bgcolor="#ff6600"></td></tr></table><br>
<center><span class="yclinks"><a href="newsguidelines.html">Guidelines</a> | <a href="newsfaq.html">FAQ</a> | <a href="lists">Lists</a> | <a href="https://github.com/HackerNews/API">API</a> | <a href="security.html">Security</a> | <a href="https://www.ycombinator.com/legal/">Legal</a> | <a href="https://www.ycombinator.com/apply/">Apply to YC</a> | <a href="mailto:hn@ycombinator.com">Contact</a></span><br><br>
<form method="get" action="//hn.algolia.com/">Search: <input type="text" name="q" size="17" autocorrect="off" spellcheck="false" autocapitalize="off" autocomplete="off"></form></center></td></tr></table></center></body><script type="text/javascript" src="hn.js?IxXdnxFpFm9kRkXyZjwg"></script></html>
"""  # noqa: E501


def test_hand_written_2024_story() -> None:
    url = "https://news.ycombinator.com/item?id=39571123"
    page = parse(url, HN_2024)
    assert platforms.detect(page) is HN
    assert HINTS.is_article(page)
    meta = THREAD.article(page)
    # the title link whole, never the `<title>` ("... | Hacker News"); the submitter as comments name him
    assert meta.title == 'Show HN: A "tiny" Lisp in 200 lines of C'
    assert (meta.author, meta.author_name) == ("lispnik", None)
    assert meta.published == datetime(2024, 3, 2, 18, 42, 10, tzinfo=timezone.utc)
    assert meta.site_name == "Hacker News"
    got = [(c.comment_id, c.parent_id, c.author, c.text) for c in THREAD.parse(page)]
    assert got == [("39571544", None, "tptacek", 'Why "tiny" in quotes? 200 lines is tiny.'),
                   ("39571890", "39571544", "lispnik", "Without the reader it is closer to 150.")]
    assert got[1][2] == meta.author  # the submitter answering under the same name
