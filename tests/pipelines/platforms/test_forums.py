"""Forum thread pages (vBulletin, phpBB, XenForo, Invision, SMF, Vanilla) on trimmed real pages
(tests/data/real/forums/SOURCES.md): the opening post is the article, the replies its comments."""

from __future__ import annotations

from datetime import datetime, timezone
from itertools import islice
from pathlib import Path

import pytest
from lxml import etree

from pipelines import platforms
from pipelines.platforms import forums
from pipelines.platforms.base import Comment, Platform
from pipelines.platforms.page import Page

REAL = Path(__file__).parents[2] / "data" / "real" / "forums"
BY_NAME = {p.name: p for p in forums.PLATFORMS}


def real(name: str, url: str) -> Page:
    page = Page.parse(url, (REAL / name).read_text(encoding="utf-8"))
    assert page is not None
    return page


def only(page: Page) -> Platform:
    """The one forum engine that claims the page (and the registry agrees)."""
    claimed = [p for p in forums.PLATFORMS if p.hints.detect(page)]
    assert len(claimed) == 1, [p.name for p in claimed]
    assert platforms.detect(page) is claimed[0]
    return claimed[0]


def rows(comments: list[Comment]) -> list[tuple[str, str | None, str | None]]:
    return [(c.comment_id, c.parent_id, c.author) for c in comments]


def pruned(page: Page, platform: Platform) -> list[str]:
    """The ids of the elements the body extraction prunes (the thread), in document order."""
    found = etree.XPath(platform.thread.thread_xpath)(page.tree)
    return [el.get("id") or el.get("data-content") or el.get("data-node-id") or el.tag for el in found]


# -- XenForo ---------------------------------------------------------------------------------

STATCOUNTER = "https://forum.statcounter.com/threads/custom-tags-examples.44340/"


def test_xenforo2_replies_with_epoch_times_and_a_quoted_parent() -> None:
    page = real("xenforo2-statcounter.html", STATCOUNTER)
    xf = only(page)
    assert xf.name == "xenforo"
    assert xf.hints.is_article(page)
    assert xf.thread.comments_status(page) == "html"
    comments = xf.thread.parse(page)
    # post-261438 ("#1") is the article; the reply quoting post 268721 names it as its parent
    assert rows(comments) == [("261687", None, "Amancio Ortega"), ("268721", None, "ranjitsingh7"),
                              ("268814", "268721", "webado")]
    first = comments[0]
    assert first.text == "Hello,\nI have a question. This code where should I insert it?\nRegards."
    assert first.published == datetime(2017, 12, 18, 8, 22, 41, tzinfo=timezone.utc)
    assert first.permalink == STATCOUNTER + "post-261687"
    assert comments[2].text.startswith("> ranjitsingh7 said:\n> why it should be in the footer area...\n"
                                       "Not so much IN the footer area")
    assert "Click to expand" not in comments[2].text
    meta = xf.thread.article(page)
    assert (meta.author, meta.published) == ("Rory_A", datetime(2017, 9, 9, 0, 19, 18, tzinfo=timezone.utc))
    assert {"js-post-261687", "js-post-268721", "js-post-268814"} <= set(pruned(page, xf))
    assert "js-post-261438" not in pruned(page, xf)
    assert xf.hints.permalinks(page) == [STATCOUNTER + f"post-{n}" for n in ("261687", "268721", "268814")]
    assert xf.hints.page_number(page) == 0
    assert xf.hints.article_key(page) == STATCOUNTER


def test_xenforo1_replies_pager_and_post_permalinks() -> None:
    url = "https://forums.sherdog.com/threads/all-time-goat-poll.3916359/"
    page = real("xenforo1-sherdog.html", url)
    xf = only(page)
    comments = xf.thread.parse(page)
    assert rows(comments) == [("149512697", None, "Kung Fu Kowboy"), ("149512795", "149512697", "Tachy")]
    assert comments[0].published is None  # `span.DateTime` titles a local time only
    assert comments[1].text.startswith("> Kung Fu Tze said: ↑\n> St Pierre.")
    assert comments[1].text.endswith("\nJust imagine if Mighty Mouse weighed 155 or 170 pounds")
    # relative links resolve against the page's <base href>
    assert comments[0].permalink == "https://forums.sherdog.com/posts/149512697/"
    assert xf.hints.permalinks(page) == ["https://forums.sherdog.com/posts/149512697/",
                                         "https://forums.sherdog.com/posts/149512795/"]
    pages = xf.hints.thread_pages(page)
    assert list(islice(pages, 2)) == [url + "page-2", url + "page-3"]  # lazy: 134 pages in all
    everything = list(xf.hints.thread_pages(page))
    assert len(everything) == 134
    assert everything[-1] == url + "page-135"
    assert xf.thread.article(page).author == "Tachy"


# -- vBulletin -------------------------------------------------------------------------------

ANIMESUKI = "https://forums.animesuki.com/showthread.php?t=128882"


def test_vbulletin3_later_page_has_no_opening_post() -> None:
    page = real("vbulletin3-animesuki.html", ANIMESUKI + "&page=152")
    vb = only(page)
    assert vb.name == "vbulletin"
    comments = vb.thread.parse(page)
    # page 152: every post is a reply; a quote names its post by `showthread.php?p=N`, also one
    # on an earlier page
    assert rows(comments) == [("5768670", None, "Shirohige"), ("5768676", "5768613", "BBOvenGuy"),
                              ("5768683", None, "Romanticide")]
    assert comments[1].text.startswith("> Quote:\n> Originally Posted by Shirohige\n> So what I got")
    assert comments[0].permalink == "https://forums.animesuki.com/showpost.php?p=5768670&postcount=3021"
    assert vb.hints.page_number(page) == 151
    assert vb.hints.article_key(page) == ANIMESUKI
    pages = list(vb.hints.thread_pages(page))
    assert pages[:2] == [ANIMESUKI, ANIMESUKI + "&page=2"]
    assert pages[-1] == ANIMESUKI + "&page=155"
    assert len(pages) == 154
    assert ANIMESUKI + "&page=152" not in pages
    showpost = "https://forums.animesuki.com/showpost.php?p=5768670&postcount=3021"
    assert vb.hints.permalink_comment_id(showpost) == "5768670"


def test_vbulletin3_thread_of_one_post_has_no_comments() -> None:
    page = real("vbulletin3-single-post-T97.html", "https://corpus.invalid/dragnet/T97")
    vb = only(page)
    assert vb.hints.is_article(page)
    assert vb.thread.comments_status(page) == "html"  # the thread is there: its replies are 0
    assert vb.thread.parse(page) == []
    assert vb.thread.article(page).author == "Webot"


def test_vbulletin4_counter_quote_link_and_no_signature() -> None:
    url = "https://www.msworld.org/forum/showthread.php?145403-Sort-of-new-here"
    page = real("vbulletin4-msworld.html", url)
    vb = only(page)
    comments = vb.thread.parse(page)
    assert rows(comments) == [("1518974", None, "TheBeans"), ("1518979", "1518974", "SNOOPY")]
    assert comments[1].text.startswith("Hi Wendy, it's nice to see you posting again\n"
                                       "> Originally Posted by TheBeans\n> Do they no longer use spinal taps")
    assert "Diagnosed 1984" not in comments[1].text  # the signature
    assert comments[0].permalink == url + "&p=1518974#post1518974"
    assert vb.thread.article(page).author == "Crazyguy"


def test_vbulletin5_posts_and_zoneless_times() -> None:
    url = ("https://fandompost.vbulletin.net/forum/anime-manga-discussions/general-anime-discussions/"
           "727744-isekai-quartet-discussion-thread")
    page = real("vbulletin5-fandompost.html", url)
    vb = only(page)
    comments = vb.thread.parse(page)
    assert rows(comments) == [("727754", None, "Buckeye"), ("727761", "727754", "General Hentai")]
    assert comments[0].published is None  # `<time datetime>` without a zone
    assert comments[0].text.startswith("Episode 1\nFour-in-one.\n")
    assert comments[1].text.startswith("> Originally posted by Buckeye\n> Episode 1\n")
    assert list(vb.hints.thread_pages(page)) == [url + "/page2"]
    assert vb.hints.permalinks(page) == [url + "?p=727754", url + "?p=727761"]


# -- phpBB -----------------------------------------------------------------------------------


def test_phpbb30_prosilver_quote_without_a_post_and_session_ids_cut() -> None:
    url = "https://forum.openoffice.org/en/forum/viewtopic.php?f=5&t=82202"
    page = real("phpbb3-openoffice.html", url)
    bb = only(page)
    assert bb.name == "phpbb"
    comments = bb.thread.parse(page)
    # phpBB 3.0's quote names its author, not its post: top level
    assert rows(comments) == [("380433", None, "Zizi64"), ("380440", None, "Villeroy")]
    assert comments[1].text.startswith("> Wesley Pearce wrote:\n> Will Microsoft office users")
    assert "Ubuntu 18.04" not in comments[1].text  # the signature
    assert comments[0].permalink == "https://forum.openoffice.org/en/forum/viewtopic.php?p=380433#p380433"
    assert bb.thread.article(page).author == "Wesley Pearce"
    assert list(bb.hints.thread_pages(page)) == [url + "&start=30"]
    assert {"p380433", "p380440", "sig380430"} <= set(pruned(page, bb))
    assert "p380430" not in pruned(page, bb)


def test_phpbb32_later_page_and_cite_link_parent() -> None:
    url = "http://forum.ebaumsworld.com/viewtopic.php?f=14&t=42095"
    page = real("phpbb3-ebaumsworld.html", url + "&start=470")
    bb = only(page)
    comments = bb.thread.parse(page)
    assert rows(comments) == [("171716", None, "lemmiwinx"), ("171718", None, "lemmiwinx"),
                              ("171724", "171718", "almostapathetic")]
    assert comments[2].text.endswith("\nI don't think black people go to dentists.")
    assert bb.hints.page_number(page) == 47
    assert bb.hints.article_key(page) == url
    pages = list(bb.hints.thread_pages(page))
    # the pager shows 1, 47-49 and 58: the pages between from its `start=` steps of 10
    assert len(pages) == 57
    assert pages[:2] == [url, url + "&start=10"]
    assert pages[-1] == url + "&start=570"
    assert url + "&start=470" not in pages


# -- Invision, SMF, Vanilla --------------------------------------------------------------------


def test_invision4_author_without_badges_utc_times_and_quoted_comment() -> None:
    url = "https://www.neowin.net/forum/topic/1393830-hello-everyone/"
    page = real("invision4-neowin.html", url)
    ips = only(page)
    assert ips.name == "invision"
    comments = ips.thread.parse(page)
    assert rows(comments) == [("598535182", None, "Wanyoike Alex"), ("598535385", None, "cork1958"),
                              ("598535667", "598535385", "Wanyoike Alex")]
    assert comments[1].published == datetime(2020, 4, 2, 13, 5, 49, tzinfo=timezone.utc)
    assert comments[2].text.startswith("> 14 hours ago, cork1958 said:\n> Hello and welcome.")
    assert comments[0].permalink == url + "?do=findComment&comment=598535182"
    assert ips.hints.permalink_comment_id(comments[0].permalink) == "598535182"
    assert ips.thread.article(page).author == "Wanyoike Alex"  # not "OP Wanyoike Alex"


def test_smf11_reply_markers_quote_header_and_pager() -> None:
    url = "https://bpdfamily.com/message_board/index.php?topic=343886.0"
    page = real("smf1-bpdfamily.html", url)
    smf = only(page)
    assert smf.name == "smf"
    comments = smf.thread.parse(page)
    assert rows(comments) == [("13106110", None, "once removed"), ("13106116", "13106110", "AnAwkwardGeek")]
    assert comments[1].text.startswith("> Quote from: once removed on April 06, 2020, 01:28:03 AM\n"
                                       "> hi AnAwkwardGeek")
    assert comments[0].permalink == ("https://bpdfamily.com/message_board/index.php?"
                                     "topic=343886.msg13106110#msg13106110")  # PHPSESSID cut
    assert list(smf.hints.thread_pages(page)) == ["https://bpdfamily.com/message_board/index.php?topic=343886.30"]
    assert smf.thread.article(page).author == "AnAwkwardGeek"


def test_vanilla_discussion_comments_and_quote_embed() -> None:
    url = ("https://talk.collegeconfidential.com/student-here-ask-me-anything/"
           "2183693-got-into-nyu-pre-med-intention-ask-me-anything.html")
    page = real("vanilla2-collegeconfidential.html", url)
    va = only(page)
    assert va.name == "vanilla"
    comments = va.thread.parse(page)
    assert rows(comments) == [("22745882", None, "Pendoo"), ("22746232", "22745882", "larriglue")]
    assert comments[0].published == datetime(2020, 4, 20, 18, 58, 9, tzinfo=timezone.utc)
    assert comments[1].text.startswith("> Pendoo wrote: »\n> Is it possible to switch majors")
    assert comments[0].permalink == ("https://talk.collegeconfidential.com/discussion/comment/22745882/"
                                     "#Comment_22745882")
    assert va.thread.article(page).author == "CCadmin_Sorin"
    assert next(iter(va.hints.thread_pages(page))) == url.replace(".html", "-p2.html")


# -- never another platform's page -------------------------------------------------------------


@pytest.mark.parametrize(("name", "url"), [
    ("negative-wordpress-102.html", "http://randfishkin.com/blog/81/dangerous-hubris-startup-world"),
    ("negative-drupal-T145.html", "http://www.zerohedge.com/news/your-complete-guide-coming-fiscal-cliff"),
])
def test_blog_and_cms_comment_sections_are_no_forum(name: str, url: str) -> None:
    page = real(name, url)
    assert [p.name for p in forums.PLATFORMS if p.hints.detect(page)] == []
    assert all(p.thread.parse(page) == [] for p in forums.PLATFORMS)


# -- URLs alone ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("engine", "url"), [
    ("vbulletin", "https://f.example/newreply.php?do=newreply&p=5768670"),
    ("vbulletin", "https://f.example/printthread.php?t=128882"),
    ("vbulletin", "https://f.example/showthread.php?t=128882&mode=threaded"),
    ("vbulletin", "https://f.example/member.php?u=12"),
    ("phpbb", "https://f.example/posting.php?mode=quote&f=3&p=57944"),
    ("phpbb", "https://f.example/viewtopic.php?f=3&t=8820&view=print"),
    ("phpbb", "https://f.example/memberlist.php?mode=viewprofile&u=5"),
    ("phpbb", "https://f.example/viewtopic.php?f=3&t=8820&sk=t&sd=d"),
    ("xenforo", "https://f.example/threads/a-b.44340/reply"),
    ("xenforo", "https://f.example/posts/261687/quote"),
    ("xenforo", "https://f.example/login/"),
    ("xenforo", "https://f.example/members/rory_a.56111/"),
    ("invision", "https://f.example/topic/1-x/?do=reply"),
    ("invision", "https://f.example/topic/1-x/?sortby=date"),
    ("smf", "https://f.example/index.php?action=post;topic=343886.0"),
    ("smf", "https://f.example/index.php?action=printpage;topic=343886.0"),
    ("vanilla", "https://f.example/entry/signin?Target=discussion"),
    ("vanilla", "https://f.example/search?Search=x"),
])
def test_traps(engine: str, url: str) -> None:
    assert BY_NAME[engine].hints.is_trap(url)


@pytest.mark.parametrize(("engine", "url"), [
    ("vbulletin", "https://f.example/showthread.php?t=128882&page=3"),
    ("phpbb", "https://f.example/viewtopic.php?f=3&t=8820&start=25"),
    ("xenforo", "https://f.example/threads/a-b.44340/page-2"),
    ("invision", "https://f.example/topic/1-x/?do=findComment&comment=598535182"),
    ("smf", "https://f.example/index.php?topic=343886.30"),
    ("vanilla", "https://f.example/discussion/5567669/unsure/p2"),
])
def test_thread_pages_and_permalinks_are_no_traps(engine: str, url: str) -> None:
    assert not BY_NAME[engine].hints.is_trap(url)


@pytest.mark.parametrize(("engine", "url", "post"), [
    ("vbulletin", "https://f.example/showpost.php?p=8890704&postcount=2", "8890704"),
    ("vbulletin", "https://f.example/showthread.php?p=8890704", "8890704"),
    ("vbulletin", "https://f.example/forum/threads/1548322-Welchen-Blog?p=26274846&viewfull=1", "26274846"),
    ("vbulletin", "https://f.example/windows-7/16340-zufall-post136634.html", "136634"),
    ("vbulletin", "https://f.example/showthread.php?t=242327", None),
    ("phpbb", "https://f.example/viewtopic.php?p=380433", "380433"),
    ("phpbb", "https://f.example/viewtopic.php?f=5&t=82202", None),
    ("xenforo", "https://f.example/threads/se-or-11.2231616/post-28380329", "28380329"),
    ("xenforo", "https://f.example/posts/149512697/", "149512697"),
    ("xenforo", "https://f.example/threads/se-or-11.2231616/page-2", None),
    ("invision", "https://f.example/topic/1-x/?do=findComment&comment=471256", "471256"),
    ("smf", "https://f.example/index.php?topic=343886.msg13106110", "13106110"),
    ("smf", "https://f.example/index.php/topic,38573.msg174924.html", "174924"),
    ("vanilla", "https://f.example/discussion/comment/292897/", "292897"),
    ("vanilla", "https://f.example/?p=123", None),  # a WordPress post, not a comment
])
def test_permalink_comment_id(engine: str, url: str, post: str | None) -> None:
    assert BY_NAME[engine].hints.permalink_comment_id(url) == post


def test_session_ids_are_cut_and_the_rest_kept_as_written() -> None:
    sid = "acc6afbad2e0eae5f42d5eebaae7a1b1"
    assert forums.without_session(f"https://f.example/viewtopic.php?p=380430&sid={sid}#p380430") == (
        "https://f.example/viewtopic.php?p=380430#p380430")
    assert forums.without_session(f"https://f.example/showthread.php?145403-Sort-of-new-here&s={sid}") == (
        "https://f.example/showthread.php?145403-Sort-of-new-here")
    assert forums.without_session("https://f.example/index.php?PHPSESSID=04de800e92;topic=343886.0") == (
        "https://f.example/index.php?topic=343886.0")
    assert forums.without_session("https://f.example/search.php?s=cats") == "https://f.example/search.php?s=cats"


# -- templates without a real page in the corpus: written from the engines' own templates -----

SUBSILVER2 = """<html><head><title>Boat engines &bull; View topic - Gearbox</title></head><body>
<div id="wrapcentre"><table class="tablebg" width="100%" cellspacing="1">
<tr class="row1"><td align="center" valign="middle"><a name="p30"></a><b class="postauthor">Anna</b></td>
<td width="100%" height="25"><table width="100%" cellspacing="0"><tr><td class="gensmall" width="100%">
<div style="float: left;">&nbsp;<b>Post subject:</b> <a href="#p30">Gearbox</a></div>
<div style="float: right;"><a href="./viewtopic.php?p=30#p30"><img src="icon_post_target.gif"></a>
<b>Posted:</b> Mon Mar 02, 2009 9:15 am&nbsp;</div></td></tr></table></td></tr>
<tr class="row1"><td valign="top" class="profile"><table cellspacing="4" align="center" width="150">
<tr><td class="postdetails">Joined: Jan 2008</td></tr></table></td>
<td valign="top"><table width="100%" cellspacing="5"><tr><td>
<div class="postbody">Which gearbox oil?</div>
</td></tr></table></td></tr>
<tr class="row2"><td align="center" valign="middle"><a name="p31"></a><b class="postauthor">Ben</b></td>
<td width="100%" height="25"><table width="100%" cellspacing="0"><tr><td class="gensmall" width="100%">
<div style="float: left;">&nbsp;<b>Post subject:</b> <a href="#p31">Re: Gearbox</a></div>
<div style="float: right;"><a href="./viewtopic.php?p=31#p31"><img src="icon_post_target.gif"></a>
<b>Posted:</b> Mon Mar 02, 2009 10:02 am&nbsp;</div></td></tr></table></td></tr>
<tr class="row2"><td valign="top" class="profile"></td>
<td valign="top"><table width="100%" cellspacing="5"><tr><td>
<div class="postbody"><div class="quotetitle">Anna wrote:</div>
<div class="quotecontent">Which gearbox oil?</div><br />
The one in the manual.</div>
<div class="postbody"><br />_________________<br />Ben's boat</div></td></tr></table></td></tr>
</table></div><a href="https://www.phpbb.com/">Powered by phpBB</a></body></html>"""

SUBSILVER = """<html><head><title>Boat Forum :: View topic - Gearbox</title></head><body>
<table class="forumline" width="100%" cellspacing="1" cellpadding="3" border="0">
<tr><td width="150" align="left" valign="top" class="row1"><span class="name"><a name="7"></a>
<b>Anna</b></span><br />
<span class="postdetails">Joined: 05 Jan 2008</span><br /></td>
<td class="row1" width="100%" height="28" valign="top">
<table width="100%" border="0" cellspacing="0" cellpadding="0">
<tr><td width="100%"><a href="viewtopic.php?p=7#7"><img src="icon_minipost.gif"></a>
<span class="postdetails">Posted:
Mon Mar 02, 2009 9:15 am<span class="gen">&nbsp;</span>&nbsp; &nbsp;Post subject: Gearbox</span>
</td></tr>
<tr><td colspan="2"><hr /></td></tr>
<tr><td colspan="2"><span class="postbody">Which gearbox oil?</span><span class="gensmall"></span>
</td></tr>
</table></td></tr>
<tr><td width="150" align="left" valign="top" class="row2"><span class="name"><a name="9"></a>
<b>Ben</b></span><br />
<span class="postdetails">Joined: 07 Feb 2008</span><br /></td>
<td class="row2" width="100%" height="28" valign="top">
<table width="100%" border="0" cellspacing="0" cellpadding="0">
<tr><td width="100%"><a href="viewtopic.php?p=9#9"><img src="icon_minipost.gif"></a>
<span class="postdetails">Posted:
Mon Mar 02, 2009 10:02 am<span class="gen">&nbsp;</span>&nbsp; &nbsp;Post subject: Re: Gearbox
</span></td></tr>
<tr><td colspan="2"><hr /></td></tr>
<tr><td colspan="2"><span class="postbody"></span>
<table width="90%" cellspacing="1" cellpadding="3" border="0"
 align="center"><tr><td><span class="genmed"><b>Anna wrote:</b></span></td></tr><tr>
<td class="quote">Which gearbox
 oil?</td></tr></table><span class="postbody"><br />The one in the manual.<br />_________________
<br />Ben's boat</span>
<span class="gensmall"></span></td></tr></table></td></tr></table>
<span class="nav">Goto page <b>1</b>, <a href="viewtopic.php?t=3&amp;start=15">2</a></span>
<a href="http://www.phpbb.com/" target="_phpbb">phpBB</a></body></html>"""


def test_phpbb30_subsilver2_table_rows() -> None:
    page = Page.parse("https://boats.example/viewtopic.php?f=2&t=3", SUBSILVER2)
    assert page is not None
    bb = only(page)
    comments = bb.thread.parse(page)
    assert rows(comments) == [("31", None, "Ben")]
    assert comments[0].text == "> Anna wrote:\n> Which gearbox oil?\nThe one in the manual."  # no signature
    assert comments[0].permalink == "https://boats.example/viewtopic.php?p=31#p31"
    assert bb.thread.article(page).author == "Anna"


def test_phpbb2_subsilver_rows_quote_table_and_signature() -> None:
    page = Page.parse("https://boats.example/viewtopic.php?t=3", SUBSILVER)
    assert page is not None
    bb = only(page)
    comments = bb.thread.parse(page)
    assert rows(comments) == [("9", None, "Ben")]
    assert comments[0].text == "> Anna wrote:\n> Which gearbox oil?\nThe one in the manual."
    assert comments[0].permalink == "https://boats.example/viewtopic.php?p=9#9"
    assert list(bb.hints.thread_pages(page)) == ["https://boats.example/viewtopic.php?t=3&start=15"]
