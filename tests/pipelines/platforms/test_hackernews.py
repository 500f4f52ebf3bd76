"""Hacker News parser against the demo site's HN rendering and a hand-written 2022 item page."""

# ruff: noqa: RUF001  (the collapse toggle's en dash is HN's own markup)

from __future__ import annotations

import re
from datetime import datetime, timezone
from html import unescape
from typing import Any

import lxml.html
import pytest
from lxml.html import HtmlElement

from crawler.demosite.content import build_site
from crawler.demosite.drupal7 import Drupal7
from crawler.demosite.hackernews import HackerNews
from pipelines import platforms
from pipelines.extraction.pages import extract_page
from pipelines.extraction.warc import Capture, HtmlDoc
from pipelines.platforms.drupal import PLATFORM as DRUPAL
from pipelines.platforms.hackernews import PLATFORM as HN
from pipelines.platforms.hackernews import hn_time

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


def tree(site: Any, url: str) -> HtmlElement:
    return lxml.html.document_fromstring(html(site, url))


def test_every_comment_as_the_truth_says(site: HackerNews, truth: dict[str, Any]) -> None:
    for art in truth["articles"]:
        got: dict[str, tuple[Any, int]] = {}
        for url in art["thread_pages"]:
            t = tree(site, url)
            for c in HN.parse(t, url):
                assert c.parent_known, c
                assert c.comment_id not in got, c.comment_id
                got[c.comment_id] = (c, HN.page_number(t, url))
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
    texts = {c.comment_id: c.text for u in first["thread_pages"] for c in HN.parse(tree(site, u), u)}
    want = {c["comment_id"]: c for c in first["comments"]}
    quoted = next(c for c in first["comments"] if c["text"].startswith("> "))
    assert texts[quoted["comment_id"]] == quoted["text"]
    assert any("&" in t and "<" in t for t in texts.values())  # "cost < benefit & risk > 0"
    anonymous = [cid for cid, c in want.items() if c["author"] is None]
    assert anonymous
    assert all(c.author is None for u in first["thread_pages"] for c in HN.parse(tree(site, u), u)
               if c.comment_id in anonymous)


def test_thread_pages_permalinks_and_keys(site: HackerNews, truth: dict[str, Any]) -> None:
    for art in truth["articles"]:
        first = tree(site, art["url"])
        assert HN.is_article(first, art["url"])
        assert HN.comments_status(first, art["url"]) == "html"
        pages = art["thread_pages"]
        assert HN.thread_pages(first, art["url"]) == pages[:2]
        permalinks = []
        for number, url in enumerate(pages):
            t = tree(site, url)
            assert HN.article_key(t, url) == art["url"]
            assert HN.page_number(t, url) == number
            permalinks += HN.permalinks(t, url)
            assert not any(HN.is_trap(u) for u in HN.thread_pages(t, url) + HN.permalinks(t, url))
        assert permalinks == art["permalinks"]
        assert HN.published(first, art["url"]) == datetime.fromisoformat(art["published"])
    assert len(truth["articles"][0]["thread_pages"]) == 2  # the demo paginates its longest thread


def test_each_page_names_the_next_until_the_last() -> None:
    """HN links only the next page: the spider must follow "More" from every page."""
    big = HackerNews(build_site(comments_scale=2), BASE)
    art = max(big.truth()["articles"], key=lambda a: len(a["thread_pages"]))
    pages = art["thread_pages"]
    assert len(pages) >= 3
    for here, after in zip(pages, [*pages[1:], None], strict=True):
        assert HN.thread_pages(tree(big, here), here) == [pages[0], *([after] if after else [])]


def test_index_feed_and_traps(site: HackerNews, truth: dict[str, Any]) -> None:
    index = truth["seeds"]["index"]
    t = tree(site, index)
    assert not HN.is_article(t, index)
    assert sorted(HN.article_links(t, index)) == sorted(a["url"] for a in truth["articles"])
    assert HN.index_pages(t, index) == []  # six stories: one page
    assert truth["seeds"]["rss"].endswith("/rss")
    everything = " ".join(html(site, u) for u in (index, truth["articles"][0]["url"],
                                                  truth["articles"][1]["url"],
                                                  truth["articles"][0]["permalinks"][1]))
    hrefs = {unescape(h) for h in re.findall(r'href="([^"]+)"', everything)}
    for trap in truth["traps"]:
        assert HN.is_trap(trap), trap
        assert trap.removeprefix(BASE + "/") in hrefs, trap
    for fine in (f"{BASE}/item?id=5", f"{BASE}/news?p=2", f"{BASE}/user/login", f"{BASE}/comment/5",
                 f"{BASE}/news/2018-02-08/vote", f"{BASE}/from", f"{BASE}/node/1?page=2"):
        assert not HN.is_trap(fine), fine
    robots = html(site, BASE + "/robots.txt")
    assert all(f"Disallow: {u.removeprefix(BASE)}" in robots for u in truth["robots_disallowed"])


def test_a_comment_page_points_at_its_story_and_is_not_an_article(
        site: HackerNews, truth: dict[str, Any]) -> None:
    art = truth["articles"][0]
    by_id = {c["comment_id"]: c for c in art["comments"]}
    reply = next(c for c in art["comments"] if c["depth"] == 1
                 and any(k["parent_id"] == c["comment_id"] for k in art["comments"]))
    url = reply["permalink"]
    t = tree(site, url)
    assert HN.detect(t, url)
    assert not HN.is_article(t, url)  # extraction skips it: its comments are on the story's pages
    assert HN.permalink_comment_id(url) is None
    assert HN.article_key(t, url) == art["url"]
    assert HN.article_links(t, url) == [art["url"]]
    assert HN.page_number(t, url) == 0
    assert HN.thread_pages(t, url) == []
    found = HN.parse(t, url)
    assert found[0].comment_id == reply["comment_id"]
    for c in found:
        assert (c.parent_id, c.author, c.text) == tuple(by_id[c.comment_id][k] for k in
                                                        ("parent_id", "author", "text"))
    assert extract_page(_doc(url, html(site, url))) is None
    p2 = art["thread_pages"][1]
    result = extract_page(_doc(p2, html(site, p2)), with_article=False)
    assert result is not None
    assert (result.kind, result.page, result.key) == ("thread", 1, art["url"])


def _doc(url: str, text: str) -> HtmlDoc:
    cap = Capture("x.warc.gz", "x.warc.gz", 0, len(text), "<urn:uuid:1>", url, "2018-03-01T00:00:00Z")
    return HtmlDoc(cap, text, "utf-8")


def test_detection_apart_from_drupal(site: HackerNews, truth: dict[str, Any]) -> None:
    drupal = Drupal7(build_site(), BASE)
    d_art = drupal.truth()["articles"][0]["url"]
    d_tree = lxml.html.document_fromstring(drupal.lookup(d_art.removeprefix(BASE)).body)
    assert not HN.detect(d_tree, d_art)
    assert platforms.detect(d_tree, d_art) is DRUPAL
    for url in (truth["seeds"]["index"], truth["articles"][0]["url"], truth["articles"][0]["permalinks"][0]):
        t = tree(site, url)
        assert HN.detect(t, url)
        assert not DRUPAL.detect(t, url)
        assert platforms.detect(t, url) is HN
    assert HN.parse(d_tree, d_art) == []


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
    t = lxml.html.document_fromstring(HN_2022)
    assert platforms.detect(t, url) is HN
    assert HN.is_article(t, url)
    assert HN.article_key(t, url) == "https://news.ycombinator.com/item?id=30855419"
    assert HN.page_number(t, url) == 1
    assert HN.thread_pages(t, url) == ["https://news.ycombinator.com/item?id=30855419",
                                       "https://news.ycombinator.com/item?id=30855419&p=3"]
    assert HN.published(t, url) == datetime(2022, 3, 30, 14, 2, 11, tzinfo=timezone.utc)
    assert HN.site_name(t, url) == "Hacker News"
    got = [(c.comment_id, c.parent_id, c.parent_known, c.author, c.published, c.text, c.permalink, c.order)
           for c in HN.parse(t, url)]
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
    assert HN.permalinks(t, url) == [link + i for i in ("30857704", "30857897", "30858010", "30858133",
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
    t = lxml.html.document_fromstring(NEWS_2021)
    assert HN.detect(t, url)
    assert not HN.is_article(t, url)
    assert HN.article_links(t, url) == ["https://news.ycombinator.com/item?id=26380110",
                                        "https://news.ycombinator.com/item?id=26381001"]
    assert HN.index_pages(t, url) == ["https://news.ycombinator.com/news?p=2"]
    assert HN.parse(t, url) == []
