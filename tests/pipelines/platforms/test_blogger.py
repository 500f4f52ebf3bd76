"""Blogger: trimmed real pages (tests/data/real/blogger/SOURCES.md) in the threaded layout, the
layouts' `dl#comments-block`, a classic template, pages without comments, and other platforms'
pages it must not claim; plus markup as Blogger serves it today, written after its templates."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pipelines import platforms
from pipelines.platforms import Page, blogger

BLOGGER = blogger.PLATFORMS[0]
DATA = Path(__file__).resolve().parents[2] / "data" / "real" / "blogger"
R182 = "http://www.imperfecthomemaking.com/2012/10/savourtheseason-days-29-30-31-maple.html"
R90 = "http://geekdoctor.blogspot.com/2012/10/the-golden-spike-part-2.html"
R101 = "http://www.thenotebookdoodles.com/2012/09/prepping-for-new-week.html"
T71 = "http://balkin.blogspot.com/2005/09/anti-torture-memos-balkinization-posts.html"
R214 = "http://www.lettersofnote.com/2012/11/vast-riddles.html"
R206 = "http://www.thecrunchychicken.com/2012/08/letting-wolves-howl-part-5.html"


def load(name: str, url: str, html: str | None = None) -> Page:
    page = Page.parse(url, html if html is not None else (DATA / name).read_text(encoding="utf-8"))
    assert page is not None
    return page


def ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=timezone.utc)


def test_threaded_layout_gives_ids_parents_authors_and_exact_times():
    page = load("threaded-R182.html", R182)
    assert platforms.detect(page) is BLOGGER
    comments = BLOGGER.thread.parse(page)
    assert [(c.comment_id, c.parent_id, c.author) for c in comments] == [
        ("4257074436756702155", None, "Elizabeth"),
        ("1653002257518260878", "4257074436756702155", "Kelly"),
        ("7813481665927034992", "4257074436756702155", "Beth :: Our Front Porch View"),
        ("7496211874839937219", None, "Martha"),  # a name without a profile link
        ("1866735800918079118", "7496211874839937219", "Kelly"),
        ("3858358329200641970", None, None),  # "Anonymous"
    ]
    assert [c.order for c in comments] == list(range(6))
    assert all(c.parent_known for c in comments)
    first = comments[0]
    assert first.published == ms(1351531453210) == datetime(2012, 10, 29, 17, 24, 13, 210000, timezone.utc)
    assert first.permalink == f"{R182}?showComment=1351531453210#c4257074436756702155"
    assert first.text == ("How do you keep your brown sugar from going hard? I've been trying out "
                          "different containers lately, but haven't found one I like yet.")
    assert comments[5].text == ("Looks delicious and sounds doable!\n"
                                "Thank you for the series, and rest up:)\nIeva")
    assert not any(word in c.text for c in comments for word in ("Reply", "Delete", "Replies", "2012"))
    assert BLOGGER.thread.comments_status(page) == "html"


def test_threaded_page_article_fields_come_from_the_blog_widget():
    html = (DATA / "threaded-R182.html").read_text(encoding="utf-8")
    meta = BLOGGER.thread.article(load("", R182, html))
    assert meta.title == "{SavourTheSeason} Days 29, 30 & 31: Maple Pecan Pumpkin Pie"
    assert meta.site_name == "The Complete Guide to Imperfect Homemaking"  # the data context's title
    assert (meta.author, meta.published) == (None, None)  # this template prints neither
    # without the post's heading: the data context's pageName (its `\46`, &, unescaped), not
    # the <title>'s "Blog: Post"
    untitled = re.sub(r'<h3 class="post-title entry-title">.*?</h3>', "", html, flags=re.S)
    assert BLOGGER.thread.article(load("", R182, untitled)).title == meta.title


def test_comments_block_layout_reads_each_dt_and_its_dds():
    page = load("comments-block-R90.html", R90)
    comments = BLOGGER.thread.parse(page)
    assert [(c.comment_id, c.parent_id, c.author) for c in comments] == [
        ("1392925341557713615", None, "Michael McBride"),  # linked to his own site
        ("1353856907750905314", None, "Anatoly Goldstein, Ph.D."),  # no link: "<name> said..."
        ("5736355485561619366", None, "James"),
        ("8103169020259230700", None, None),  # "Anonymous said..."
    ]
    assert comments[1].published == ms(1350424951552)
    assert comments[1].permalink == f"{R90}?showComment=1350424951552#c1353856907750905314"
    assert comments[0].text == (
        "Congratulations Jon. All states should be watching and learning from Massachusetts what can "
        "and should be accomplished through public-private healthcare industry cooperation. Enjoy your "
        "kudos. You've earned them.\nMichael McBride")
    assert not any("said" in c.text or "PM" in c.text for c in comments)
    meta = BLOGGER.thread.article(page)
    assert (meta.title, meta.author, meta.site_name) == (
        "The Golden Spike Part 2", "John Halamka", "Life as a Healthcare CIO")
    assert meta.published == datetime(2012, 10, 16, 18, 0, tzinfo=timezone.utc)  # abbr.published


def test_comments_block_with_a_scripted_comment_number_in_the_dt():
    comments = BLOGGER.thread.parse(load("comments-block-R101.html", R101))
    assert [(c.comment_id, c.author, c.published) for c in comments] == [
        ("3027514677981726030", "tRiSh", ms(1347266731706)),
        ("5204894133534085202", None, ms(1349203104212)),
    ]
    assert comments[0].text == ("pfffiou that's exactly hat I need. Even if it's going to be hard, "
                                "I need to stay positive. Thanks.")


def test_classic_template_comments_are_found_from_their_permalinks():
    page = load("classic-T71.html", T71)
    assert platforms.detect(page) is BLOGGER  # no generator: Blogger's script and its classes
    comments = BLOGGER.thread.parse(page)
    assert [(c.comment_id, c.author) for c in comments] == [
        ("6461113152049819139", "Joe"), ("3321899820090229504", "Matthew Frederick"),
        ("6798001630607148943", "Mark Field"), ("5596104575363821604", "PMS_Chicago"),
    ]
    assert comments[2].text == (
        "This is an extremely valuable resource. We readers very much appreciate "
        "the work you've done both in making the posts and organizing the collection.")
    assert comments[3].text == "This comment has been removed by the author."
    assert comments[0].published == datetime(2007, 7, 8, 15, 58, tzinfo=timezone.utc)
    assert not any("posted by" in c.text for c in comments)


def test_a_post_quoting_a_comment_keeps_the_classic_thread():
    html = (DATA / "classic-T71.html").read_text(encoding="utf-8").replace(
        "For ease of reference,",
        f'<a href="{T71}?showComment=1183953360000#c6798001630607148943">As Mark said</a>,'
        " for ease of reference,")
    comments = BLOGGER.thread.parse(load("", T71, html))
    assert [c.author for c in comments] == ["Joe", "Matthew Frederick", "Mark Field", "PMS_Chicago"]


def test_a_post_quoting_comments_in_its_body_is_no_thread():
    quote = ('<div>{0}<div class="byline"><a href="' + R214 + '?showComment={1}#c{2}">#</a> posted by '
             '<a href="http://www.blogger.com/profile/{2}" rel="nofollow">{3}</a></div></div>')
    quotes = (quote.format("Wonderful letter.", 1352000000000, 11, "Ann")
              + quote.format("So moving.", 1352000060000, 12, "Bob"))
    html = (DATA / "no-comments-R214.html").read_text(encoding="utf-8").replace(
        "In the mid-1920s,", quotes + "In the mid-1920s,")
    assert BLOGGER.thread.parse(load("", R214, html)) == []


def test_a_lone_permalink_is_no_thread():
    """The classic fallback needs one repeated element per comment: a lone permalink gives
    nothing rather than the page around it as a comment."""
    html = (DATA / "no-comments-R214.html").read_text(encoding="utf-8").replace(
        '<a name="comments"></a>',
        f'<a name="comments"></a><p>A reader: <a href="{R214}?showComment=1352000000000#c123456789">'
        "#</a></p>")
    page = load("", R214, html)
    assert BLOGGER.thread.parse(page) == []
    assert BLOGGER.thread.comments_status(page) == "unparsed"  # a permalink no layout reads


@pytest.mark.parametrize(("name", "url", "status"), [
    ("no-comments-R214.html", R214, "none"),  # #comments holds only the backlinks
    ("empty-comments-R206.html", R206, "html"),  # an empty list and the comment form link: a real 0
])
def test_blogger_posts_without_comments(name: str, url: str, status: str):
    page = load(name, url)
    assert platforms.detect(page) is BLOGGER
    assert BLOGGER.hints.is_article(page)
    assert BLOGGER.thread.parse(page) == []
    assert BLOGGER.thread.comments_status(page) == status


@pytest.mark.parametrize(("name", "url", "platform"), [
    ("wordpress-R26.html", "http://churumuri.wordpress.com/2012/10/23/churumuri-poll-has-india-lost-moral-compass/",
     "wordpress"),
    ("drupal-T21.html", "http://www.zerohedge.com/news/why-fate-global-equity-rally-may-rest-hands-soybeans",
     "drupal7"),
])
def test_other_platforms_pages_are_not_blogger(name: str, url: str, platform: str):
    page = load(name, url)
    assert not BLOGGER.hints.detect(page)
    assert platforms.detect(page).name == platform


def test_is_article_from_the_page_type_or_the_url():
    assert BLOGGER.hints.is_article(load("threaded-R182.html", "http://www.imperfecthomemaking.com/"))
    index = (DATA / "threaded-R182.html").read_text(encoding="utf-8").replace(
        "'pageType': 'item'", "'pageType': 'index'")
    assert not BLOGGER.hints.is_article(load("", R182, index))
    assert BLOGGER.hints.is_article(load("classic-T71.html", T71))  # no data context: the URL
    assert not BLOGGER.hints.is_article(load("classic-T71.html", "http://balkin.blogspot.com/"))
    assert BLOGGER.hints.is_article(load("", "https://songs.blogspot.com/", MODERN))  # body.item-view


def test_traps_and_permalinks():
    hints = BLOGGER.hints
    for url in (
        f"{R182}?showComment=1351531453210",  # the whole post again, once per comment
        f"{R182}?m=1",
        "http://www.blogger.com/comment.g?blogID=7790051983016892622&postID=4541013938295778805",
        "http://www.blogger.com/delete-comment.g?blogID=1&postID=2",
        "https://www.blogger.com/profile/12172282036214942125",
        "http://www.imperfecthomemaking.com/feeds/4541013938295778805/comments/default",
        "http://www.imperfecthomemaking.com/search?updated-max=2012-10-29T08:00:00-05:00&max-results=7",
        "http://www.imperfecthomemaking.com/search/label/Recipes",
        "http://www.imperfecthomemaking.com/?widgetType=BlogArchive&widgetId=BlogArchive1&action=toggle",
    ):
        assert hints.is_trap(url), url
    for url in (R182, f"{R182}?commentPage=2", "http://www.imperfecthomemaking.com/2012/10/",
                "http://www.imperfecthomemaking.com/feeds/posts/default", "http://wp.example/?m=201210"):
        assert not hints.is_trap(url), url
    assert hints.permalink_comment_id(f"{R182}?showComment=1351531453210#c4257074436756702155") == (
        "4257074436756702155")
    assert hints.permalink_comment_id(f"{R182}?showComment=1351531453210") is None  # a time, not an id
    assert hints.permalink_comment_id(f"{R182}#c4257074436756702155") is None
    assert hints.permalink_comment_id("http://wp.example/post/#comment-12") is None
    page = load("threaded-R182.html", f"{R182}?showComment=1351531453210")
    assert hints.article_key(page) == R182
    assert hints.permalinks(page) == []  # each would fetch the post page again


def test_flat_layouts_page_their_comments_by_comment_page():
    pager = (f'<div class="paging-control-container"><a class="paging-control" href="{R90}?commentPage=1">'
             f'Oldest</a> 201 - 400 of 612 <a class="paging-control" href="{R90}?commentPage=4">'
             f'Newest</a> <a href="{R90.replace("part-2", "part-1")}?commentPage=7">part 1</a></div>')
    html = (DATA / "comments-block-R90.html").read_text(encoding="utf-8").replace(
        '<p class="comment-footer">', pager + '<p class="comment-footer">', 1)
    page = load("", f"{R90}?commentPage=2", html)
    assert BLOGGER.hints.page_number(page) == 1
    assert BLOGGER.hints.article_key(page) == R90
    assert list(BLOGGER.hints.thread_pages(page)) == [
        f"{R90}?commentPage=1", f"{R90}?commentPage=3", f"{R90}?commentPage=4"]
    assert list(BLOGGER.hints.thread_pages(load("comments-block-R90.html", R90))) == []


# Blogger's current server-rendered markup (data:post.commentHtml and the 2017 themes' flat
# commentItem), written after its templates: ids on the `li`, a reply in `.comment-replies`, a
# static page's timestamp link without showComment.
MODERN = """<!DOCTYPE html><html><head><meta content='blogger' name='generator'/>
<title>Songs</title></head><body class="item-view version-1-3-3">
<article class="post-outer-container"><div class="post-outer"><div class="post">
<h3 class="post-title entry-title">Top songs</h3><div class="post-body entry-content"><p>A list.</p></div>
<div class="post-footer"><span class="byline post-author vcard"><span class="byline-label">By</span>
<span class="fn"><a class="g-profile" href="https://www.blogger.com/profile/1"><span>Dave</span></a></span></span>
<span class="byline post-timestamp"><a class="timestamp-link" href="/2012/04/top-songs.html">
<time class="published" datetime="2012-04-02T16:44:00-05:00"
title="2012-04-02T16:44:00-05:00">April 2</time></a>
</span></div></div></div>
<section class="comments threaded" id="comments"><div class="comments-content"><div id="comment-holder">
<div class="comment-thread toplevel-thread"><ol id="top-ra">
<li class="comment" id="c5177765368903808290"><div class="avatar-image-container"><img src="x.gif"/></div>
<div class="comment-block"><div class="comment-header"><cite class="user">Pat Conolly</cite>
<span class="icon user"></span><span class="datetime secondary-text"><a rel="nofollow"
href="https://songs.blogspot.com/2012/04/top-songs.html?showComment=1436773189444#c5177765368903808290"
>July 13, 2015</a>
</span></div><p class="comment-content">Dave should fix this.</p><span class="comment-actions secondary-text">
<a class="comment-reply" data-comment-id="5177765368903808290" target="_self">Reply</a></span></div>
<div class="comment-replies"><div class="comment-thread inline-thread" id="c5177765368903808290-rt">
<span class="thread-toggle thread-expanded"><span class="thread-count"><a target="_self">Replies</a>
</span></span>
<ol class="thread-chrome thread-expanded" id="c5177765368903808290-ra"><div>
<li class="comment" id="c3226175790437345962"><div class="comment-block"><div class="comment-header">
<cite class="user"><a href="https://www.blogger.com/profile/1" rel="nofollow">Dave</a></cite>
<span class="datetime secondary-text"><a rel="nofollow"
href="https://songs.blogspot.com/2012/04/top-songs.html?showComment=1436805652684#c3226175790437345962"
>July 13</a>
</span></div><p class="comment-content">Thanks for the catch, Pat.<br/>Corrected.</p></div>
<div class="comment-replies"><div class="comment-thread inline-thread hidden">
<ol class="thread-chrome"><div></div>
<div class="continue"><a class="comment-reply" target="_self">Reply</a></div></ol></div></div></li>
</div><div class="continue"><a class="comment-reply" target="_self">Reply</a></div></ol></div></div></li>
<li class="comment" id="c8195449246400116162"><div class="comment-block"><div class="comment-header">
<cite class="user">Anónimo</cite><span class="datetime secondary-text"><a rel="nofollow"
href="https://songs.blogspot.com/p/about.html">30/12/14</a></span></div>
<p class="comment-content">Primer comentario</p></div></li>
</ol></div></div></div></section></article></body></html>"""

FLAT = """<!DOCTYPE html><html><head><meta content='blogger' name='generator'/><title>Post</title></head>
<body class="item-view"><section class="comments" id="comments"><h3 class="title">Comments</h3>
<div id="Blog1_comments-block-wrapper"><div id="comments-block">
<div class="comment" id="c111"><div class="comment-block"><div class="comment-author">
<a href="https://example.org/ann">Ann</a> said...</div><div class="comment-body">First.</div>
<div class="comment-footer"><span class="comment-timestamp"><a
href="https://x.blogspot.com/2019/01/post.html?showComment=1546300800000#c111" title="comment permalink">
January 1, 2019</a></span></div></div></div>
<div class="comment" id="c112"><div class="comment-block"><div class="comment-author">Bob Jones said...</div>
<div class="comment-body">Second,<br/>two lines.</div>
<div class="comment-footer"><span class="comment-timestamp">
<a href="https://x.blogspot.com/2019/01/post.html?showComment=1546304400000#c112">January 1, 2019</a>
</span></div></div></div>
</div></div></section></body></html>"""


def test_served_threaded_markup_has_its_ids_on_the_li():
    page = load("", "https://songs.blogspot.com/2012/04/top-songs.html", MODERN)
    assert BLOGGER.hints.is_article(page)
    comments = BLOGGER.thread.parse(page)
    assert [(c.comment_id, c.parent_id, c.author, c.text) for c in comments] == [
        ("5177765368903808290", None, "Pat Conolly", "Dave should fix this."),
        ("3226175790437345962", "5177765368903808290", "Dave", "Thanks for the catch, Pat.\nCorrected."),
        ("8195449246400116162", None, None, "Primer comentario"),
    ]
    assert comments[1].published == ms(1436805652684)
    assert (comments[2].published, comments[2].permalink) == (
        None, "https://songs.blogspot.com/2012/04/top-songs.html#c8195449246400116162")
    meta = BLOGGER.thread.article(page)
    assert (meta.title, meta.author) == ("Top songs", "Dave")
    assert meta.published == datetime(2012, 4, 2, 21, 44, tzinfo=timezone.utc)


@pytest.mark.parametrize(("dt", "author"), [
    ("Anatoly Goldstein, Ph.D. said...", "Anatoly Goldstein, Ph.D."),
    ("Karl Fisch hat gesagt…", "Karl Fisch"),
    ("Marie Dupont a dit…", "Marie Dupont"),
    ("María dijo...", "María"),
    ("Anonymous said...", None),
    ("Anónimo dijo...", None),
])
def test_the_name_before_the_posted_by_message(dt: str, author: str | None):
    html = FLAT.replace("Bob Jones said...", dt)
    comments = BLOGGER.thread.parse(load("", "https://x.blogspot.com/2019/01/post.html", html))
    assert comments[1].author == author


def test_the_avatars_title_tells_the_name_whatever_the_message():
    html = (DATA / "comments-block-R90.html").read_text(encoding="utf-8").replace(
        "Anatoly Goldstein, Ph.D.\nsaid...", "Anatoly Goldstein, Ph.D.\nheeft gezegd...")
    assert "heeft gezegd" in html
    assert BLOGGER.thread.parse(load("", R90, html))[1].author == "Anatoly Goldstein, Ph.D."


def test_flat_list_of_the_2017_themes():
    comments = BLOGGER.thread.parse(load("", "https://x.blogspot.com/2019/01/post.html", FLAT))
    assert [(c.comment_id, c.author, c.text, c.published) for c in comments] == [
        ("111", "Ann", "First.", datetime(2019, 1, 1, tzinfo=timezone.utc)),
        ("112", "Bob Jones", "Second,\ntwo lines.", datetime(2019, 1, 1, 1, tzinfo=timezone.utc)),
    ]
