"""Movable Type and TypePad on trimmed real pages (tests/data/real/movabletype/SOURCES.md)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from pipelines.extraction.pages import Tally, extract_page
from pipelines.extraction.warc import Capture, HtmlDoc
from pipelines.platforms import BY_NAME, Page, detect

DATA = Path(__file__).parents[2] / "data" / "real" / "movabletype"
MT, TP = BY_NAME["movabletype"], BY_NAME["typepad"]

# Each excerpt at its page's own URL (Dragnet saved them without one; the pages name it).
URLS = {
    "typepad-R60.html": "http://prblog.typepad.com/strategic_public_relation/2012/09/"
                        "are-brands-people-media-or-publishers-ad-age-misses-the-point.html",
    "typepad-classic-R531.html": "http://headrush.typepad.com/creating_passionate_users/2007/04/my_favorite_gra.html",
    "typepad-pager-R976.html": "http://www.abeautifulmess.com/2012/11/a-beautiful-giveaway-with-feral-watches.html",
    "typepad-connect-R104.html": "http://www.hypebot.com/hypebot/2012/10/"
                                 "troy-carter-at-wired-2012-on-owning-a-direct-relationship-with-fans.html",
    "mt3-R196.html": "http://www.econbrowser.com/archives/2012/10/romneyryan_on_f.html",
    "mt3-R682.html": "http://www.schneier.com/blog/archives/2012/11/gary_mcgraw_on.html",
    "mt3-R471.html": "http://www.roboppy.net/food/2012/10/germany-day-6-schloss-moritzburg-dresden.html",
    "mt2-R756.html": "http://www.crossfit.com/mt-archive2/008651.html",
    "mt41-R836.html": "http://gaygamer.net/2012/11/godtier_dad_hacks_wind_waker_s.html",
    "mt4-R437.html": "http://bikehugger.com/post/view/bikesnob-a-dick-about-sandy-relief",
    "blogto-R965.html": "http://www.blogto.com/fashion_style/2012/11/plaid_magazine_to_cease_publishing_in_december/",
    "wordpress-102.html": "http://randfishkin.com/blog/81/dangerous-hubris-startup-world",
    "blogger-T71.html": "http://balkin.blogspot.com/2005/09/anti-torture-memos-balkinization-posts.html",
}


def load(name: str, url: str | None = None) -> Page:
    page = Page.parse(url or URLS[name], (DATA / name).read_text(encoding="utf-8"))
    assert page is not None
    return page


def rows(name: str, url: str | None = None) -> list[tuple]:
    page = load(name, url)
    return [(c.comment_id, c.parent_id, c.author) for c in detect(page).thread.parse(page)]


@pytest.mark.parametrize(("name", "platform"), [
    ("typepad-R60.html", "typepad"), ("typepad-classic-R531.html", "typepad"),
    ("typepad-pager-R976.html", "typepad"), ("typepad-connect-R104.html", "typepad"),
    ("mt3-R196.html", "movabletype"), ("mt3-R682.html", "movabletype"), ("mt3-R471.html", "movabletype"),
    ("mt2-R756.html", "movabletype"), ("mt41-R836.html", "movabletype"), ("mt4-R437.html", "movabletype"),
    ("blogto-R965.html", "movabletype"),
])
def test_detected_and_an_article(name: str, platform: str) -> None:
    page = load(name)
    assert detect(page).name == platform
    assert detect(page).hints.is_article(page)


@pytest.mark.parametrize("name", ["wordpress-102.html", "blogger-T71.html"])
def test_other_platforms_pages_are_not_claimed(name: str) -> None:
    """Links to typepad.com blogs, a /movabletype/ link, Blogger's #c<id> links: no claim."""
    page = load(name)
    assert not TP.hints.detect(page)
    assert not MT.hints.detect(page)


def test_typepad_comments() -> None:
    page = load("typepad-R60.html")
    comments = TP.thread.parse(page)
    xid = "6a00d8341c57a853ef017ee3af2f7b970d"
    assert [(c.comment_id, c.author) for c in comments] == [
        (xid, "red bottom heels"),
        ("6a00d8341c57a853ef017d3c3c0c15970c", "nabeel"),
        ("6a00d8341c57a853ef017d3c3c4d3d970c", "nabeel"),
    ]
    first = comments[0]
    assert first.text == "Very much agree with the above point of view."
    assert first.permalink == f"{URLS['typepad-R60.html']}#comment-{xid}"
    assert first.published is None  # "09/21/2012 at 09:38 PM": no timezone anywhere
    assert (first.parent_id, first.parent_known) == (None, True)
    assert comments[1].text.startswith("well written posst , it was really informative too :)\nkeep it up !")
    assert TP.thread.comments_status(page) == "html"


def test_typepad_footer_without_author_link() -> None:
    page = load("typepad-pager-R976.html")
    first = TP.thread.parse(page)[0]
    assert (first.author, first.text) == ("Megan Sullivan", "Love their Fringe watch in Black!")


def test_typepad_classic_anchor_runs() -> None:
    """Anchor, paragraphs, footer as siblings; the TrackBack and the entry's own footer are no comments."""
    page = load("typepad-classic-R531.html")
    comments = TP.thread.parse(page)
    assert [(c.comment_id, c.author) for c in comments] == [
        ("65581830", "Reed Hedges"), ("65582610", "Amy Gahran"), ("65583194", "ken"),
        ("65583788", "Tim Costello")]
    assert comments[0].text.splitlines()[0] == (
        "1. If I had money and ran a company, I'd hire you to come in and give me suggestions. Alas.")
    assert comments[0].text.splitlines()[-1] == (
        "=> Anyway, please make an occasional post here keeping us up to date on new ventures.")
    assert comments[2].text.endswith("PS. we LOVE to hear from you too!")
    assert all("Posted by" not in c.text for c in comments)
    assert comments[0].permalink == f"{URLS['typepad-classic-R531.html']}#c65581830"


def test_mt3_footer_after_the_comment() -> None:
    """MT 3: the `p.posted` after `div#c<id>` names its author (a mailto link, a link to
    mt-comments.cgi's redirect, plain text); the entry's own "Posted by" is no comment."""
    assert rows("mt3-R196.html") == [
        ("115850", None, "jonathan"), ("115854", None, "Menzie Chinn"), ("115855", None, "Babinich"),
        ("115877", None, "Anonymous")]
    page = load("mt3-R196.html")
    comments = MT.thread.parse(page)
    assert comments[3].text == ("Wow, tj, Biden is extreme!....wait most of his positions that you find "
                                "so terrible are the Republican platform...")
    assert comments[0].permalink == f"{URLS['mt3-R196.html']}#c115850"


def test_mt3_name_before_a_date_link() -> None:
    page = load("mt3-R682.html")
    comments = MT.thread.parse(page)
    assert [(c.comment_id, c.author) for c in comments] == [("971646", "Geraldanthro"), ("971779", "charjk")]
    assert comments[1].text == "Engineering not sexy? Awwww..."
    assert comments[0].text.splitlines()[-1] == "War Anthropologist"


def test_mt3_footer_inside_the_body() -> None:
    assert rows("mt3-R471.html") == [("109620", None, "Sabrina"), ("109713", None, "Mahar"),
                                     ("109828", None, "roboppy")]
    page = load("mt3-R471.html")
    mahar = MT.thread.parse(page)[1]
    assert mahar.text == ("That picture of you and Kare jumping should be a postcard. :)\n"
                          "But Robyn, seriously. Europe. It's always Europe.\n"
                          "Asia please. Manila. Asia.\nMiss ye!")


def test_mt2_comments_without_ids_are_numbered() -> None:
    page = load("mt2-R756.html")
    comments = MT.thread.parse(page)
    assert [(c.comment_id, c.author, c.permalink) for c in comments] == [
        ("1", "MattPatt", None), ("2", "Kurt M/39/185", None), ("3", "Andrew B", None)]
    assert comments[0].text == "Well...this is gonna suck.\nLooking forward to it tho!!!"
    assert MT.thread.comments_status(page) == "html"


def test_mt41_said_header() -> None:
    page = load("mt41-R836.html")
    comments = MT.thread.parse(page)
    assert [(c.comment_id, c.author) for c in comments] == [("211984", "Forlork"), ("211986", "Gumba Masta")]
    assert comments[1].text == "Homestuck refference?"
    assert comments[1].permalink == f"{URLS['mt41-R836.html']}#comment-211986"


def test_mt4_hcard_and_iso_time() -> None:
    page = load("mt4-R437.html")
    comments = MT.thread.parse(page)
    assert [(c.comment_id, c.author, c.published) for c in comments] == [
        ("13244", "Tyler Stambaugh", datetime(2012, 11, 6, 4, 11, 59, tzinfo=timezone.utc)),
        ("13245", "Champs", datetime(2012, 11, 6, 4, 11, 21, tzinfo=timezone.utc)),
    ]
    assert comments[0].text.startswith("Do you think anyone will show up to schlep supplies")
    assert comments[1].text.endswith("If I had to choose a side…")
    assert all("Reply to this" not in c.text for c in comments)
    meta = MT.thread.article(page)
    assert meta.author == "David Schloss"
    assert meta.published == datetime(2012, 11, 6, 3, 11, 28, tzinfo=timezone.utc)


def test_reply_link_in_a_custom_theme() -> None:
    """blogTO's MT theme: "replying to a <a href=#c<id>>comment from PJ</a>" names the parent."""
    page = load("blogto-R965.html")
    comments = MT.thread.parse(page)
    assert [(c.comment_id, c.parent_id, c.author) for c in comments] == [
        ("1379192", None, "PJ"), ("1379202", "1379192", "Robert")]
    assert comments[1].text == "Never seen it or heard of it."
    assert comments[1].permalink == f"{URLS['blogto-R965.html']}#comment_1379202"


# Our rendering of MT 4.2/5's default Comment Detail template (see SOURCES.md): replies listed
# flat, by date, `comment-reply` naming the parent in the byline; MT 3.3's zero-padded anchor.
MT42_REPLIES = """<html><head><meta name="generator" content="Movable Type Pro 4.25" /></head>
<body class="mt-entry-archive layout-wtt"><div id="entry-7" class="entry-asset asset hentry">
<h1 class="asset-name entry-title">Notes</h1><div class="asset-body"><p>Entry text.</p></div></div>
<div id="comments" class="comments"><h2 class="comments-header">3 Comments</h2>
<div id="comments-content" class="comments-content">
<a id="c000101"></a>
<div id="comment-101" class="comment"><div class="inner"><div class="comment-header"><div class="asset-meta">
 <span class="byline"><span class="vcard author"><a href="http://ann.example/">Ann</a></span>
 | <a href="http://blog.example/2009/07/notes.html#comment-101"><abbr class="published"
 title="2009-07-16T10:05:00-07:00">July 16, 2009 10:05 AM</abbr></a>
 | <a title="Reply" href="javascript:void(0);" onclick="mtReplyCommentOnClick(101, 'Ann')">Reply</a></span>
</div></div><div class="comment-content"><p>First thoughts.</p></div></div></div>
<div id="comment-102" class="comment comment-reply"><div class="inner"><div class="comment-header">
<div class="asset-meta"><span class="byline"><span class="vcard author">Bob</span> replied to
 <a href="http://blog.example/2009/07/notes.html#comment-101">comment from Ann</a>
 | <a href="http://blog.example/2009/07/notes.html#comment-102"><abbr class="published"
 title="2009-07-16T11:30:00-07:00">July 16, 2009 11:30 AM</abbr></a></span></div></div>
<div class="comment-content"><p>Agreed.</p></div></div></div>
<div id="comment-103" class="comment comment-reply"><div class="inner"><div class="comment-header">
<div class="asset-meta"><span class="byline"><span class="vcard author">Cy</span>
 | <a href="http://blog.example/2009/07/notes.html#comment-103"><abbr class="published"
 title="2009-07-16T12:00:00-07:00">July 16, 2009 12:00 PM</abbr></a></span></div></div>
<div class="comment-content"><p>Me too.</p></div></div></div>
</div></div></body></html>"""


def test_mt42_replies_name_their_parent() -> None:
    page = Page.parse("http://blog.example/2009/07/notes.html", MT42_REPLIES)
    assert page is not None
    assert detect(page).name == "movabletype"
    comments = MT.thread.parse(page)
    assert [(c.comment_id, c.parent_id, c.parent_known, c.author, c.text) for c in comments] == [
        ("101", None, True, "Ann", "First thoughts."),
        ("102", "101", True, "Bob", "Agreed."),
        ("103", None, False, "Cy", "Me too."),  # a reply whose byline names no parent
    ]
    assert comments[0].published == datetime(2009, 7, 16, 17, 5, tzinfo=timezone.utc)
    assert comments[0].permalink == "http://blog.example/2009/07/notes.html#comment-101"


def test_typepad_connect_loads_the_thread() -> None:
    page = load("typepad-connect-R104.html")
    assert TP.thread.parse(page) == []
    assert TP.thread.comments_status(page) == "not_in_html"


@pytest.mark.parametrize(("name", "gone", "kept"), [
    ("typepad-classic-R531.html", "Use your passion and geek expertise",
     "This blog has always been about optimism"),
    ("mt3-R196.html", "The Romney campaign was asked by HuffPost", "Governor Romney on FEMA"),
])
def test_thread_stays_out_of_the_article(name: str, gone: str, kept: str) -> None:
    cap = Capture("mt.warc.gz", "mt.warc.gz", 0, 1, "<urn:uuid:1>", URLS[name], "2013-01-01T00:00:00Z")
    result = extract_page(HtmlDoc(cap, (DATA / name).read_text(encoding="utf-8"), "utf-8"), Tally())
    assert result is not None
    assert result.article is not None
    assert result.comments
    assert kept in result.article["text"]
    assert gone not in result.article["text"]


def test_typepad_comment_pages() -> None:
    entry = URLS["typepad-pager-R976.html"]
    stem = entry.removesuffix(".html")
    page = load("typepad-pager-R976.html")
    assert (TP.hints.page_number(page), TP.hints.article_key(page)) == (0, entry)
    assert list(TP.hints.thread_pages(page)) == [f"{stem}/comments/page/2/"]
    second = load("typepad-pager-R976.html", f"{stem}/comments/page/2/")
    assert (TP.hints.page_number(second), TP.hints.article_key(second)) == (1, entry)
    assert TP.hints.is_article(second)
    assert list(TP.hints.thread_pages(second)) == [entry]
    assert list(MT.hints.thread_pages(load("mt3-R196.html"))) == []  # MT: the whole thread on the entry


def test_traps_and_permalinks() -> None:
    for url in ("http://www.econbrowser.com/cgi-bin/mt-comments.cgi?__mode=red;id=115854",
                "http://www.schneier.com/cgi-bin/mt/mt-tb.cgi/4574",
                "http://www.roboppy.net/mt/mt-search.cgi?IncludeBlogs=1&tag=diana&limit=20",
                "http://blog.example/cgi-bin/mt/mt-cp.cgi?__mode=login&blog_id=1",
                "http://prblog.typepad.com/.services/comments",
                "http://www.typepad.com/services/trackback/6a00d8341c57a853ef017ee3ad947e970d",
                "http://www.typepad.com/services/signin?to=http%3A%2F%2Fprblog.typepad.com%2F",
                f"{URLS['typepad-R60.html']}?cid=6a00d8341c57a853ef017ee3af2f7b970d"):
        assert TP.hints.is_trap(url), url
        assert MT.hints.is_trap(url), url
    for url in (URLS["typepad-R60.html"], URLS["mt3-R196.html"], "http://blog.example/archives/000123.html",
                "http://www.abeautifulmess.com/2012/11/a-beautiful-giveaway-with-feral-watches/comments/page/2/"):
        assert not TP.hints.is_trap(url), url
        assert not MT.hints.is_trap(url), url
    xid = "6a00d8341c57a853ef017ee3af2f7b970d"
    assert TP.hints.permalink_comment_id(f"{URLS['typepad-R60.html']}?cid={xid}") == xid
    assert TP.hints.permalink_comment_id(URLS["typepad-R60.html"]) is None
    assert MT.hints.permalinks(load("mt3-R196.html")) == []  # comments have no page of their own


def test_index_pages_are_no_articles() -> None:
    index = """<html><head><meta name="generator" content="Movable Type 5.2" /></head>
    <body class="mt-main-index layout-wtt"><div class="entry-asset hentry">
    <h2 class="asset-name entry-title"><a href="http://blog.example/2012/11/one.html">One</a></h2></div>
    <div class="entry-asset hentry"><h2 class="asset-name entry-title">
    <a href="http://blog.example/2012/10/two.html">Two</a></h2></div></body></html>"""
    page = Page.parse("http://blog.example/", index)
    assert page is not None
    assert detect(page).name == "movabletype"
    assert not MT.hints.is_article(page)
    assert MT.hints.article_links(page) == ["http://blog.example/2012/11/one.html",
                                           "http://blog.example/2012/10/two.html"]
    assert MT.thread.parse(page) == []
