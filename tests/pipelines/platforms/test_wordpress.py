"""WordPress comments: the demo site's Twenty Twenty-One pages against their truth, hand-written
markup of other themes (HTML4 walker; a Twenty Twelve-style callback), and trimmed real pages of
older and custom themes (tests/data/real/wordpress)."""

# ruff: noqa: RUF001, RUF002, RUF003  (WordPress's en dash in titles: "Post &#8211; Site")

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from demosite.content import build_site
from demosite.drupal7 import Drupal7
from demosite.wordpress import WordPress
from pipelines import platforms
from pipelines.platforms import drupal7, wordpress
from pipelines.platforms.page import Page

WP = wordpress.PLATFORMS[0]
DRUPAL = drupal7.PLATFORMS[0]
BASE = "http://wp.test"
# Listed flat after their parent at the maximum depth (thread_comments_depth 10), behind a
# sibling: WordPress's markup cannot say whose replies they are.
AMBIGUOUS = {"1114", "1117", "1121", "1122"}


def parse_html(text: str, url: str) -> Page:
    page = Page.parse(url, text)
    assert page is not None
    return page


def fetch(renderer: Any, url: str, as_url: str | None = None) -> Page:
    """The demo site's page at `url`, as fetched from `as_url` (default: `url`)."""
    served = renderer.lookup(url.removeprefix(BASE))
    assert served.status == "200 OK", url
    charset = re.search(rb"charset=([\w-]+)", served.head)
    return parse_html(served.body.decode(charset.group(1).decode() if charset else "utf-8"), as_url or url)


@pytest.fixture(scope="module")
def wp() -> WordPress:
    return WordPress(build_site(), BASE)


@pytest.fixture(scope="module")
def truth(wp: WordPress) -> dict[str, Any]:
    return wp.truth()


def test_every_comment_is_recovered_as_the_truth_says(wp: WordPress, truth: dict[str, Any]) -> None:
    unknown = set()
    for art in truth["articles"]:
        got = {}
        for k, url in enumerate(art["thread_pages"]):
            page = fetch(wp, url)
            assert WP.hints.page_number(page) == k
            assert WP.hints.article_key(page) == art["url"]
            assert WP.thread.comments_status(page) == "html"
            comments = WP.thread.parse(page)
            assert [c.order for c in comments] == sorted(c.order for c in comments)
            got.update({c.comment_id: (c, k) for c in comments})
        assert sorted(got) == sorted(c["comment_id"] for c in art["comments"])
        for gold in art["comments"]:
            c, page = got[gold["comment_id"]]
            assert (c.author, c.text, c.permalink, page) == (
                gold["author"], gold["text"], gold["permalink"], gold["page"])
            assert c.published == datetime.fromisoformat(gold["published"])
            assert c.published.tzinfo == timezone.utc
            if c.parent_known:
                assert c.parent_id == gold["parent_id"], gold["comment_id"]
            else:
                assert c.parent_id is None
                unknown.add(c.comment_id)
    assert unknown == AMBIGUOUS


def test_demo_thread_has_the_oddities(wp: WordPress, truth: dict[str, Any]) -> None:
    art = truth["articles"][0]
    pages = [wp.lookup(u.removeprefix(BASE)).body.decode() for u in art["thread_pages"]]
    assert len(pages) == 5
    assert sum(p.count('class="pingback ') for p in pages) == 1  # listed, never reported
    assert 'class="page-numbers dots"' in pages[0]  # the pager leaves pages out
    deep = next(p for p in pages if re.search(r'class="comment[^"]* depth-10 parent"', p))
    assert 'id="comment-1115"' in deep  # a reply deeper than the setting, listed flat
    texts = {c["comment_id"]: c["text"] for c in art["comments"]}
    assert any(t.startswith("> ") for t in texts.values())
    assert any("\n" in t for t in texts.values())
    assert None in {c["author"] for c in art["comments"]}  # "Anonymous"


def test_thread_pages_permalinks_and_traps(wp: WordPress, truth: dict[str, Any]) -> None:
    hints = WP.hints
    for art in truth["articles"]:
        page = fetch(wp, art["url"])
        assert hints.is_article(page)
        assert list(hints.thread_pages(page)) == art["thread_pages"][1:]
        assert hints.permalinks(page) == art["permalinks"] == []
        assert not any(hints.is_trap(u) for u in art["thread_pages"])
        assert all(hints.permalink_comment_id(u) is None for u in art["thread_pages"])
    first = truth["articles"][0]
    middle = first["thread_pages"][2]
    assert list(hints.thread_pages(fetch(wp, middle))) == [
        f"{first['url']}comment-page-1/", *first["thread_pages"][1:2], *first["thread_pages"][3:]]
    assert all(hints.is_trap(u) for u in truth["traps"] + truth["robots_disallowed"])
    assert all(hints.is_trap(u) for u in (f"{BASE}/blog/wp-login.php?action=register",
                                          f"{BASE}/wp-admin/edit.php", f"{BASE}/wp-comments-post.php",
                                          f"{first['url']}trackback/", f"{first['url']}?unapproved=5"))
    assert not any(hints.is_trap(u) for u in (f"{BASE}/wp-sitemap-posts-post-1.xml", f"{BASE}/feed/"))


def test_detection_and_index(wp: WordPress, truth: dict[str, Any]) -> None:
    art = truth["articles"][0]
    page = fetch(wp, art["url"])
    assert WP.hints.detect(page)
    assert not DRUPAL.hints.detect(page)
    assert platforms.detect(page) is WP
    drupal = Drupal7(build_site(), BASE)
    d_page = fetch(drupal, f"{BASE}{drupal.site.articles[0].path}")
    assert not WP.hints.detect(d_page)
    assert platforms.detect(d_page) is DRUPAL
    assert WP.thread.parse(d_page) == []  # Drupal's a#comment-N anchors are no WordPress comments
    home = fetch(wp, truth["seeds"]["index"], BASE + "/")
    assert WP.hints.detect(home)
    assert not WP.hints.is_article(home)
    newest_first = sorted(truth["articles"], key=lambda a: a["published"], reverse=True)
    assert WP.hints.article_links(home) == [a["url"] for a in newest_first]
    assert WP.hints.index_pages(home) == []
    meta = WP.thread.article(page)
    assert meta.published == datetime.fromisoformat(art["published"])
    assert meta.site_name == "The Demo Herald"
    # the entry title, not `<title>` ("Headline – The Demo Herald"); the byline's display name
    assert page.tree.findtext(".//title").endswith(" – The Demo Herald")
    assert (meta.title, meta.author) == (art["title"], art["author"])
    assert all(WP.thread.article(fetch(wp, a["url"])).title == a["title"] for a in truth["articles"])


def test_demo_site_serves_wordpress_urls(wp: WordPress, truth: dict[str, Any]) -> None:
    first = truth["articles"][0]["url"].removeprefix(BASE)
    moved = wp.lookup(first + "comment-page-1/")  # default_comments_page "oldest": page 1 is the post
    assert moved.status == "301 Moved Permanently"
    assert f"Location: {BASE}{first}\r\n".encode() in moved.head
    assert wp.lookup(first.rstrip("/")).status.startswith("301")
    assert wp.lookup(first + "comment-page-9/").status.startswith("404")
    assert wp.lookup(first + "?replytocom=1001").body == wp.lookup(first).body
    assert b"Disallow: /wp-admin/" in wp.lookup("/robots.txt").body
    assert b"/wp-sitemap-posts-post-1.xml</loc>" in wp.lookup("/wp-sitemap.xml").body
    posts = wp.lookup("/wp-sitemap-posts-post-1.xml").body.decode()
    feed = wp.lookup("/feed/").body.decode()
    assert all(f"<loc>{a['url']}</loc>" in posts and f"<link>{a['url']}</link>" in feed
               for a in truth["articles"])
    assert WordPress(build_site(), BASE).lookup(first).body == wp.lookup(first).body


# -- other themes ----------------------------------------------------------------------------

HTML4_WALKER = """<!DOCTYPE html><html><head><title>Hello &#8211; Old Blog</title>
<link rel='stylesheet' id='theme-css' href='http://old.test/wp-content/themes/classic/style.css' type='text/css' />
<link rel="canonical" href="http://old.test/2009/05/hello/" />
</head><body class="single single-post postid-7 logged-out">
<div class="post" id="post-7"><h2>Hello</h2><div class="entry"><p>Post body.</p></div></div>
<div id="comments"><h3>5 Responses to &#8220;Hello&#8221;</h3>
<div class="navigation"><div class="nav-previous"><a href="http://old.test/2009/05/hello/comment-page-2/#comments">&laquo; Older Comments</a></div><div class="nav-next"></div></div>
<ol class="commentlist">
<li class="comment even thread-even depth-1 parent" id="comment-41">
  <div id="div-comment-41" class="comment-body">
  <div class="comment-author vcard"><img alt='' src='http://1.gravatar.com/avatar/0?s=32' class='avatar avatar-32 photo' height='32' width='32' /> <cite class="fn"><a href='http://example.com/' rel='external nofollow ugc' class='url'>Jane  Roe</a></cite> <span class="says">says:</span></div>
  <div class="comment-meta commentmetadata"><a href="http://old.test/2009/05/hello/comment-page-3/#comment-41">May 4, 2009 at 9:15 pm</a>&nbsp;&nbsp;<a class="comment-edit-link" href="http://old.test/wp-admin/comment.php?action=editcomment&amp;c=41">(Edit)</a></div>
  <p>First paragraph.</p>
<blockquote><p>Quoted line.</p></blockquote>
<p>Second<br />
line.</p>
  <div class="reply"><a rel='nofollow' class='comment-reply-link' href='/2009/05/hello/comment-page-3/?replytocom=41#respond' data-commentid="41" data-postid="7">Reply</a></div>
  </div>
<ul class="children">
<li class="comment odd alt depth-2 parent" id="comment-42">
  <div id="div-comment-42" class="comment-body">
  <div class="comment-author vcard"><cite class="fn">Anonymous</cite> <span class="says">says:</span></div>
  <em class="comment-awaiting-moderation">Your comment is awaiting moderation.</em><br />
  <div class="comment-meta commentmetadata"><a href="http://old.test/2009/05/hello/comment-page-3/#comment-42">May 4, 2009 at 9:40 pm</a></div>
  <p>At the maximum depth.</p>
  </div>
</li>
<li class="comment even depth-2" id="comment-44">
  <div id="div-comment-44" class="comment-body">
  <div class="comment-author vcard"><cite class="fn">Sam</cite> <span class="says">says:</span></div>
  <div class="comment-meta commentmetadata"><a href="http://old.test/2009/05/hello/comment-page-3/#comment-44">May 5, 2009 at 8:02 am</a></div>
  <p>A reply to 42, listed after it.</p>
  </div>
</li>
<li class="comment odd alt depth-2" id="comment-43">
  <div id="div-comment-43" class="comment-body">
  <div class="comment-author vcard"><cite class="fn">Kim</cite> <span class="says">says:</span></div>
  <div class="comment-meta commentmetadata"><a href="http://old.test/2009/05/hello/comment-page-3/#comment-43">May 5, 2009 at 7:30 am</a></div>
  <p>A reply to 41 or to 42: the markup cannot tell.</p>
  </div>
</li>
</ul>
</li>
<li class="pingback even thread-odd thread-alt depth-1" id="comment-45"><div class="comment-body">Pingback: <a href='http://x.test/post/' rel='external nofollow ugc' class='url'>X links</a></div></li>
<li class="comment byuser comment-author-admin bypostauthor odd alt thread-even depth-1" id="comment-46">
  <div id="div-comment-46" class="comment-body">
  <div class="comment-author vcard"><cite class="fn">Admin</cite> <span class="says">says:</span></div>
  <div class="comment-meta commentmetadata"><a href="http://old.test/2009/05/hello/comment-page-3/#comment-46">May 6, 2009 at 10:00 am</a></div>
  <p>Thanks!</p>
  <div class="reply"><a rel='nofollow' class='comment-reply-link' href='/2009/05/hello/comment-page-3/?replytocom=46#respond'>Reply</a></div>
  </div>
</li>
</ol>
</div></body></html>
"""  # noqa: E501


def test_html4_walker_newest_page_first() -> None:
    """The non-HTML5 walker (cite.fn, no <time>, text beside the meta), flattened replies under
    `parent`, a pingback, and default_comments_page "newest": the post URL is the last page."""
    url, page = "http://old.test/2009/05/hello/", "http://old.test/2009/05/hello/comment-page-3/"
    doc = parse_html(HTML4_WALKER, url)
    assert WP.hints.detect(doc)  # by the theme's stylesheet alone: no generator tag
    assert WP.hints.is_article(doc)
    got = [(c.comment_id, c.parent_id, c.parent_known, c.author, c.published, c.text, c.permalink)
           for c in WP.thread.parse(doc)]
    assert got == [
        ("41", None, True, "Jane Roe", None, "First paragraph.\n> Quoted line.\nSecond\nline.",
         page + "#comment-41"),
        ("42", "41", True, None, None, "At the maximum depth.", page + "#comment-42"),
        ("44", "42", True, "Sam", None, "A reply to 42, listed after it.", page + "#comment-44"),
        ("43", None, False, "Kim", None, "A reply to 41 or to 42: the markup cannot tell.",
         page + "#comment-43"),
        ("46", None, True, "Admin", None, "Thanks!", page + "#comment-46"),
    ]
    assert WP.hints.page_number(doc) == 2  # "older comments" is page 2
    assert WP.hints.article_key(doc) == url
    assert list(WP.hints.thread_pages(doc)) == [url + "comment-page-1/", url + "comment-page-2/"]
    assert WP.thread.comments_status(doc) == "html"


TWENTY_TWELVE = """<!DOCTYPE html><html><head><meta name="generator" content="WordPress 3.5.1" />
<link rel='canonical' href='http://blog.test/?p=123&#038;cpage=2#comments' /></head>
<body class="single single-post postid-123 single-format-standard">
<article id="post-123" class="post-123 post type-post status-publish format-standard hentry"><header class="entry-header"><h1 class="entry-title">T</h1></header><div class="entry-content"><p>Body.</p></div>
<footer class="entry-meta">Posted on <a href="http://blog.test/?p=123" rel="bookmark"><time class="entry-date" datetime="2013-02-01T10:00:00+01:00">February 1, 2013</time></a></footer></article>
<div id="comments" class="comments-area"><h2 class="comments-title">4 thoughts on &ldquo;T&rdquo;</h2>
<ol class="commentlist">
<li class="comment even thread-even depth-1" id="li-comment-7">
  <article id="comment-7" class="comment">
    <header class="comment-meta comment-author vcard"><img alt='' src='http://0.gravatar.com/avatar/1?s=44' class='avatar avatar-44 photo' height='44' width='44' /><cite><b class="fn">Bob</b> <span>Post author</span></cite><a href="http://blog.test/?p=123&#038;cpage=2#comment-7"><time datetime="2013-02-02T11:30:00+01:00">February 2, 2013 at 11:30 am</time></a></header>
    <section class="comment-content comment"><p>Top.</p></section>
    <div class="reply"><a class='comment-reply-link' href='/?p=123&#038;cpage=2&#038;replytocom=7#respond'>Reply</a> <span>&darr;</span></div>
  </article>
  <ol class="children">
  <li class="comment odd alt depth-2" id="li-comment-8">
    <article id="comment-8" class="comment">
      <header class="comment-meta comment-author vcard"><cite><b class="fn"><a href='http://eve.example/' rel='external nofollow' class='url'>Eve</a></b> </cite><a href="http://blog.test/?p=123&#038;cpage=2#comment-8"><time datetime="2013-02-02T12:00:00+01:00">February 2, 2013 at 12:00 pm</time></a></header>
      <section class="comment-content comment"><p>Level two.</p></section>
      <div class="reply"><a class='comment-reply-link' href='/?p=123&#038;cpage=2&#038;replytocom=8#respond'>Reply</a></div>
    </article>
    <ol class="children">
    <li class="comment even depth-3" id="li-comment-9"><article id="comment-9" class="comment">
      <header class="comment-meta comment-author vcard"><cite><b class="fn">Al</b> </cite><a href="http://blog.test/?p=123&#038;cpage=2#comment-9"><time datetime="2013-02-02T13:00:00+01:00">February 2, 2013 at 1:00 pm</time></a></header>
      <section class="comment-content comment"><p>Level three.</p></section></article></li>
    <li class="comment odd alt depth-3" id="li-comment-11"><article id="comment-11" class="comment">
      <header class="comment-meta comment-author vcard"><cite><b class="fn">Cy</b> </cite><a href="http://blog.test/?p=123&#038;cpage=2#comment-11"><time datetime="2013-02-02T14:00:00+01:00">February 2, 2013 at 2:00 pm</time></a></header>
      <section class="comment-content comment"><p>Maybe a reply to 9.</p></section></article></li>
    </ol>
  </li>
  </ol>
</li>
</ol>
<nav id="comment-nav-below" class="navigation" role="navigation"><h1 class="assistive-text section-heading">Comment navigation</h1><div class="nav-previous"><a href="http://blog.test/?p=123#comments">&larr; Older Comments</a></div><div class="nav-next"><a href="http://blog.test/?p=123&#038;cpage=3#comments">Newer Comments &rarr;</a></div></nav>
</div></body></html>
"""  # noqa: E501


def test_twenty_twelve_callback_with_plain_permalinks() -> None:
    """li#li-comment-N around article#comment-N, no `parent` class (the level without reply
    links is the maximum depth), and ?p=N&cpage=K URLs."""
    url = "http://blog.test/?p=123&cpage=2"
    page = parse_html(TWENTY_TWELVE, url)
    assert WP.hints.detect(page)
    assert WP.hints.is_article(page)
    got = [(c.comment_id, c.parent_id, c.parent_known, c.author, c.published, c.text, c.permalink)
           for c in WP.thread.parse(page)]

    def at(hour: int, minute: int = 0) -> datetime:
        return datetime(2013, 2, 2, hour, minute, tzinfo=timezone.utc)

    assert got == [
        ("7", None, True, "Bob", at(10, 30), "Top.", url + "#comment-7"),
        ("8", "7", True, "Eve", at(11), "Level two.", url + "#comment-8"),
        ("9", "8", True, "Al", at(12), "Level three.", url + "#comment-9"),
        ("11", None, False, "Cy", at(13), "Maybe a reply to 9.", url + "#comment-11"),
    ]
    assert WP.hints.page_number(page) == 1
    assert WP.hints.article_key(page) == "http://blog.test/?p=123"
    assert list(WP.hints.thread_pages(page)) == ["http://blog.test/?p=123&cpage=1", "http://blog.test/?p=123&cpage=3"]
    assert WP.thread.article(page).published == datetime(2013, 2, 1, 9, tzinfo=timezone.utc)
    assert WP.hints.is_trap("http://blog.test/?p=123&cpage=2&replytocom=7")


def test_comment_services_are_not_in_the_html() -> None:
    disqus = parse_html('<html><head><meta name="generator" content="WordPress 6.2" /></head><body '
                        'class="single postid-1"><article id="post-1"><div class="entry-content"><p>x</p>'
                        '</div></article><div id="disqus_thread"></div></body></html>', "http://d.test/x/")
    assert WP.hints.detect(disqus)
    assert WP.thread.comments_status(disqus) == "not_in_html"
    assert WP.thread.parse(disqus) == []


def test_detected_by_relative_asset_paths_too():
    """The shared-signals gate reads hrefs as written: `wp-content/...` without a slash."""
    html = ("<html><head><link rel='stylesheet' href='wp-content/themes/a.css'></head>"
            "<body><p>x</p></body></html>")
    assert WP.hints.detect(parse_html(html, "http://blog.test/2020/post/"))
    other = html.replace("wp-content/themes/a.css", "https://cdn.other/wp-content/a.css")
    assert not WP.hints.detect(parse_html(other, "http://blog.test/2020/post/"))


# -- the article's title and author; comment sections --------------------------------------

# Twenty Seventeen with Yoast SEO: `<title>` and og:title carry the site name, the Article's
# headline and h1.entry-title do not (wptexturize curls the quotes in the h1). Comments open,
# none yet: the form only.
YOAST = """<!DOCTYPE html><html lang="en-US"><head><meta charset="UTF-8">
<title>Mayor Says &quot;No Deal&quot; on Stadium, &#8216;Not Now&#8217; - Springfield Shopper</title>
<meta property="og:locale" content="en_US" /><meta property="og:type" content="article" />
<meta property="og:title" content="Mayor Says &quot;No Deal&quot; on Stadium, &#039;Not Now&#039; - Springfield Shopper" />
<meta property="og:site_name" content="Springfield Shopper" />
<meta property="article:published_time" content="2021-03-04T08:00:00+00:00" />
<script type="application/ld+json" class="yoast-schema-graph">{"@context":"https://schema.org","@graph":[
{"@type":"Article","@id":"https://shopper.test/2021/03/04/no-deal/#article","isPartOf":{"@id":"https://shopper.test/2021/03/04/no-deal/"},
"author":{"name":"Kent Brockman","@id":"https://shopper.test/#/schema/person/5e1f"},"headline":"Mayor Says \\"No Deal\\" on Stadium, 'Not Now'",
"datePublished":"2021-03-04T08:00:00+00:00","mainEntityOfPage":{"@id":"https://shopper.test/2021/03/04/no-deal/"},"commentCount":0},
{"@type":"WebPage","@id":"https://shopper.test/2021/03/04/no-deal/","name":"Mayor Says \\"No Deal\\" on Stadium, 'Not Now' - Springfield Shopper"},
{"@type":"WebSite","@id":"https://shopper.test/#website","name":"Springfield Shopper"},
{"@type":"Person","@id":"https://shopper.test/#/schema/person/5e1f","name":"Kent Brockman"}]}</script>
<link rel="https://api.w.org/" href="https://shopper.test/wp-json/" /></head>
<body class="post-template-default single single-post postid-88 single-format-standard">
<header id="masthead" class="site-header"><div class="site-branding"><p class="site-title"><a href="https://shopper.test/" rel="home">Springfield Shopper</a></p></div></header>
<article id="post-88" class="post-88 post type-post status-publish format-standard hentry category-news">
<header class="entry-header"><div class="entry-meta"><span class="posted-on"><span class="screen-reader-text">Posted on</span> <a href="https://shopper.test/2021/03/04/no-deal/" rel="bookmark"><time class="entry-date published" datetime="2021-03-04T08:00:00+00:00">March 4, 2021</time></a></span><span class="byline"> by <span class="author vcard"><a class="url fn n" href="https://shopper.test/author/kbrockman/">Kent Brockman</a></span></span></div>
<h1 class="entry-title">Mayor Says &#8220;No Deal&#8221; on Stadium, &#8216;Not Now&#8217;</h1></header>
<div class="entry-content"><p>The mayor said &quot;no deal&quot; on Tuesday.</p></div></article>
<div id="comments" class="comments-area"><div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3>
<form action="https://shopper.test/wp-comments-post.php" method="post" id="commentform" class="comment-form"><p class="comment-form-comment"><textarea id="comment" name="comment"></textarea></p></form></div></div>
<aside id="secondary" class="widget-area"><section id="recent-comments-2" class="widget widget_recent_comments"><ul id="recentcomments"><li class="recentcomments"><span class="comment-author-link"><a href="https://x.test/" class="url fn">Lisa</a></span> on <a href="https://shopper.test/2021/03/01/other/#comment-3">Other</a></li></ul></section></aside>
</body></html>"""  # noqa: E501

# Twenty Eleven without an SEO plugin: the title only in `<title>` (with " | Site") and the
# h1; a quoted headline written with &quot;. Comments closed and none: only the notice.
TWENTY_ELEVEN_CLOSED = """<!DOCTYPE html><html dir="ltr" lang="en-US"><head><meta charset="UTF-8" />
<title>Why I Finally Said &quot;Enough&quot; to Email | Notes from a Small Desk</title>
<meta name="generator" content="WordPress 3.4.2" /></head>
<body class="single single-post postid-12 single-format-standard singular two-column right-sidebar">
<div id="page" class="hfeed"><header id="branding" role="banner"><hgroup><h1 id="site-title"><span><a href="http://desk.test/" rel="home">Notes from a Small Desk</a></span></h1></hgroup></header>
<div id="main"><div id="primary"><div id="content" role="main">
<article id="post-12" class="post-12 post type-post status-publish format-standard hentry category-life">
<header class="entry-header"><h1 class="entry-title">Why I Finally Said &quot;Enough&quot; to Email</h1>
<div class="entry-meta"><span class="sep">Posted on </span><a href="http://desk.test/2012/09/enough/" rel="bookmark"><time class="entry-date" datetime="2012-09-30T21:14:05+00:00" pubdate>September 30, 2012</time></a><span class="by-author"> <span class="sep"> by </span> <span class="author vcard"><a class="url fn n" href="http://desk.test/author/jo/" title="View all posts by Jo Marsh" rel="author">Jo Marsh</a></span></span></div></header>
<div class="entry-content"><p>Inbox zero, at last.</p></div></article>
<div id="comments"><p class="nocomments">Comments are closed.</p></div>
</div></div></div></div></body></html>"""  # noqa: E501


def test_title_and_author_from_yoast_graph_and_byline() -> None:
    url = "https://shopper.test/2021/03/04/no-deal/"
    page = parse_html(YOAST, url)
    assert platforms.detect(page) is WP
    meta = WP.thread.article(page)
    assert page.tree.findtext(".//title").endswith(" - Springfield Shopper")
    assert meta.title == "Mayor Says \"No Deal\" on Stadium, 'Not Now'"  # the Article's headline, whole
    assert meta.author == "Kent Brockman"  # the byline's, not the sidebar's comment author "Lisa"
    assert meta.site_name == "Springfield Shopper"
    assert meta.published == datetime(2021, 3, 4, 8, tzinfo=timezone.utc)
    assert (WP.thread.parse(page), WP.thread.comments_status(page)) == ([], "html")  # open, no comments yet


def test_title_from_entry_title_and_closed_comments() -> None:
    url = "http://desk.test/2012/09/enough/"
    page = parse_html(TWENTY_ELEVEN_CLOSED, url)
    assert WP.hints.detect(page)
    assert WP.hints.is_article(page)
    meta = WP.thread.article(page)
    assert meta.title == 'Why I Finally Said "Enough" to Email'
    assert meta.author == "Jo Marsh"
    assert meta.published == datetime(2012, 9, 30, 21, 14, 5, tzinfo=timezone.utc)
    assert WP.thread.comments_status(page) == "none"  # closed, and no list: no comment section


def test_title_from_og_title_without_the_site_name_and_author_from_the_graph() -> None:
    """No JSON-LD headline, no h1.entry-title: og:title, the SEO plugin's " – Site" cut off;
    no byline in the theme: the Person the Article's author @id names."""
    html = (YOAST.replace('"headline":', '"alternativeHeadline":')
            .replace('<h1 class="entry-title">', '<h1 class="post-title">')
            .replace('"author":{"name":"Kent Brockman",', '"author":{')
            .replace(' - Springfield Shopper" />', ' &#8211; Springfield Shopper" />')
            .replace('<span class="byline"> by <span class="author vcard"><a class="url fn n" '
                     'href="https://shopper.test/author/kbrockman/">Kent Brockman</a></span></span>', ""))
    page = parse_html(html, "https://shopper.test/2021/03/04/no-deal/")
    meta = WP.thread.article(page)
    assert page.meta["og:title"].endswith(" – Springfield Shopper")
    assert meta.title == "Mayor Says \"No Deal\" on Stadium, 'Not Now'"
    assert meta.author == "Kent Brockman"


def test_comment_sections_present_absent_and_unread() -> None:
    url = "http://blog.test/?p=123"
    # Twenty Twelve prints an empty #comments when comments are closed and there are none
    closed = re.sub(r'<div id="comments".*</div></body>', '<div id="comments" class="comments-area">\n'
                    '</div><!-- #comments .comments-area --></body>', TWENTY_TWELVE, flags=re.S)
    assert WP.thread.comments_status(parse_html(closed, url)) == "none"
    # Twenty Fourteen and later: no comments template at all
    bare = re.sub(r'<div id="comments".*</div></body>', "</body>", TWENTY_TWELVE, flags=re.S)
    assert WP.thread.comments_status(parse_html(bare, url)) == "none"
    # closed, with comments: the list and Twenty Twelve's notice
    kept = TWENTY_TWELVE.replace("</ol>\n<nav", '</ol>\n<p class="nocomments">Comments are closed.</p>\n<nav')
    assert WP.thread.comments_status(parse_html(kept, url)) == "html"
    # wpDiscuz renders its thread server-side in markup of its own
    wpdiscuz = bare.replace("</body>", '<div class="wpdiscuz_top_clearing"></div><div id="comments" '
                            'class="comments-area"><div id="respond" style="width: 0;height: 0;clear: '
                            'both;margin: 0;padding: 0;"></div><div id="wpdcom" class="wpdiscuz_unauth '
                            'wpd-default">'
                            '<div class="wpd-thread-list"><div id="wpd-comm-41_0" class="wpd-comment">'
                            '</div></div></div></div></body>')
    assert WP.thread.comments_status(parse_html(wpdiscuz, url)) == "unparsed"


def test_article_of_other_themes() -> None:
    twelve = parse_html(TWENTY_TWELVE, "http://blog.test/?p=123&cpage=2")
    assert WP.thread.article(twelve).title == "T"
    old = parse_html(HTML4_WALKER, "http://old.test/2009/05/hello/")
    # the classic theme's post title is an <h2> without a class: the part of `<title>` it
    # shows, not the `<title>` "Hello – Old Blog"
    assert WP.thread.article(old).title == "Hello"


# -- real themes: trimmed corpus pages (tests/data/real/wordpress, see SOURCES.md) -------------

REAL = Path(__file__).resolve().parents[2] / "data" / "real" / "wordpress"


def real(name: str, url: str) -> Page:
    return parse_html((REAL / name).read_text(encoding="utf-8"), url)


def rows(page: Page) -> list[tuple[str, str | None, bool, str | None, str | None]]:
    return [(c.comment_id, c.parent_id, c.parent_known, c.author, c.permalink) for c in WP.thread.parse(page)]


def names(page: Page) -> list[tuple[str, str | None, bool, str | None]]:
    return [(c.comment_id, c.parent_id, c.parent_known, c.author) for c in WP.thread.parse(page)]


def texts(page: Page) -> list[str]:
    return [c.text for c in WP.thread.parse(page)]


def test_pre_walker_loop_without_comment_class() -> None:
    """Before wp_list_comments() (WordPress 2.7) themes looped themselves: `li.alt#comment-N`
    or a classless `li`, in `ol.commentlist`; the name and date as loose words ("Kate on
    October 23rd, ..."), the text in `div.commenttext`. The page's URL is not the site's, so
    the post shows itself only by its comment form (comment_post_ID)."""
    url = "https://corpus.invalid/dragnet/R14"
    page = real("prewalker-loop-R14.html", url)
    assert platforms.detect(page) is WP
    assert WP.hints.is_article(page)
    assert rows(page) == [(cid, None, True, name, f"{url}#comment-{cid}") for cid, name in
                          (("1049826", "Heather"), ("1049827", "Kate"), ("1049831", "Chloe"))]
    assert texts(page)[2].split("\n") == [
        "So just to be clear, you can just LEAVE your earplugs sitting adorably on your nightstand "
        "like that, and the cat doesn’t hijack them without 30 minutes and eats or knocks them "
        "irretrievably under something? Because I can’t ever leave earplugs out. Just sitting there. "
        "Not even in a bowl. Huh?",
        "Erm… I really hate to sleep in pants. Undies only, please. Also my feet must be covered by "
        "the blankets, and either a ceiling pan or stand fan on. But I generally manage to fall "
        "asleep in the rare cases where I can’t have it my way (but camping trips = worst sleep EVAR).",
    ]
    assert all(c.published is None and c.confidence == "high" for c in WP.thread.parse(page))
    assert WP.thread.comments_status(page) == "html"


def test_kubrick_style_loop_pingback_and_the_posts_own_heading() -> None:
    """MistyLook: `div.cmtinfo` (date, number, `cite` name) before bare paragraphs, a pingback
    listed as a comment without its class ("[...] excerpt [...]" as core writes it). The body
    has no `single` class and the post no `hentry`; its heading links to the post itself,
    which makes it no index."""
    url = "http://blog.mrmeyer.com/?p=15500"
    page = real("kubrick-loop-R24.html", url)
    assert WP.hints.detect(page)
    assert WP.hints.is_article(page)
    assert WP.hints.article_links(page) == []
    pingback = page.tree.xpath("//li[@id='comment-551476']//p/text()")
    assert pingback == ["[...] 2012 Oct 25. The purpose and the results. [...]"]
    assert rows(page) == [("551488", None, True, "Timon Piccini", f"{url}#comment-551488")]
    assert texts(page) == ["I am pretty sure $20 American can no longer buy a new car, even up in Canada.\n"
                           "That being said there is this.\n"
                           "Thanks for that Dan! Also apparently it’s as Chris Hunter said, the wooden "
                           "ratio!"]


def test_thesis_dt_dd_detected_by_its_comment_form() -> None:
    """Thesis 1.x: `dl#comment_list`, `dt#comment-N` (number, `span.comment_author`, time) and
    the `dd` after it (the text in `div.format_text`). The theme's assets are on the site's
    host, not the page's: the form posting to wp-comments-post.php says WordPress."""
    url = "https://corpus.invalid/dragnet/20"
    page = real("thesis-20.html", url)
    assert not page.tree.xpath("//meta[@name='generator']")
    assert WP.hints.detect(page)
    assert WP.hints.is_article(page)
    assert rows(page) == [("200481", None, True, "Chris Nahr", f"{url}#comment-200481"),
                          ("200495", None, True, "John", f"{url}#comment-200495")]
    assert texts(page)[1] == ("Even if the language is poetic, it seems to refer to the moon pulling on "
                              "the oceans, which I find remarkable. That people would make any causal "
                              "connection between the moon and the tides surprises me.")
    assert texts(page)[0].startswith("Secondary source, John. The original Latin has")
    # without the form (and its stylesheet on another host) nothing says WordPress
    bare = (REAL / "thesis-20.html").read_text(encoding="utf-8").replace("wp-comments-post.php", "post.php")
    assert not WP.hints.detect(parse_html(bare, url))


def test_thesis_replies_nest_in_the_dd() -> None:
    url = "http://paulocoelhoblog.com/2012/06/25/getting-through-just-one-night/"
    page = real("thesis-threaded-119.html", url)
    assert rows(page) == [("849926", None, True, "jackienoriega", f"{url}#comment-849926"),
                          ("849276", None, True, "diana bo", f"{url}#comment-849276"),
                          ("849296", "849276", True, "cheerleader", f"{url}#comment-849296")]
    assert texts(page)[1:] == [  # no "Reply"
        "Expecting always that something good is going to happen ,being optimistic is the key of life "
        "and happiness …….cheers for life !!!!!", "cheers cheers cheers"]


def test_names_in_a_meta_line_after_the_text() -> None:
    """A callback printing "by <name> on <date>. Reply #" after the paragraphs, in the same
    `div.comment-body`: a name without a link is the words before the date."""
    page = real("meta-line-102.html", "http://randfishkin.com/blog/81/dangerous-hubris-startup-world")
    assert names(page) == [("340", None, True, "james"), ("342", None, True, "Damien"),
                           ("343", None, True, "Jane Copland"), ("346", "343", True, "Gianluca")]
    assert texts(page)[0].split("\n")[1:] == [
        "I’ve met plenty of assholes and egomaniacs who are not millionaires however.",
        "Maybe there is something to it?"]
    assert texts(page)[1] == ("Great post Rand, certainly there is a pattern across both around belief. "
                              "There is absolutely a fine line between belief and egomania. Diversity of "
                              "thought and business direction cam be good on so many levels.")


def test_comment_id_on_the_text_inside_li_comment() -> None:
    """WooThemes: `li#li-comment-N` holds the head ("<name> says:") and `div.comment-entry#comment-N`
    with the text and the theme's own "[Reply]"."""
    page = real("woo-entry-141.html", "http://www.everywhereist.com/wtf-weds-staples-in-my-head/")
    assert names(page) == [("36451", None, True, "The Young Bigmouth"), ("36452", None, True, "Rishil")]
    assert texts(page)[0] == ("Thanks for coming back…the world needs a little saving\n"
                              "I always knew you are made of steel. Now you have proof.\nTake care.")


def test_name_before_a_dash_and_a_nested_reply() -> None:
    """`p.cm-meta`: "<name> — <date>" in the comment's `div.comment_entry`, beside one paragraph."""
    page = real("cm-meta-431.html",
                "http://www.fourhourworkweek.com/blog/2012/07/10/shopify-2012-build-a-business-competition/")
    assert names(page) == [("129178", None, True, "Jeremiah Warren"), ("129233", "129178", True, "Graham"),
                           ("129179", None, True, "George Mihaly")]
    assert texts(page)[1] == ("I’d say use her familiarity with it to get back in touch with her – I know "
                              "Tim has talked in his book about how to get in touch with important people "
                              "and the benefits that can come from it!")


def test_authorname_span_and_text_in_a_blockquote_on_an_archives_url() -> None:
    """`span.authorname`; a page courlan calls navigation (`/archives/`) that is the post."""
    url = "http://www.zephoria.org/thoughts/archives/2012/10/01/quantifying-girlness.html"
    page = real("authorname-R132.html", url)
    assert WP.hints.is_article(page)
    permalink = f"{url}/comment-page-1#comment-"
    assert rows(page) == [("5849321", None, True, "Matt", permalink + "5849321"),
                          ("5854081", None, True, "A.", permalink + "5854081")]
    assert texts(page)[0].split("\n")[1] == (
        "This strikes me as so sad. I’m an ABD PhD student in statistics, and I worry that this kind "
        "of attitude is what’s required to want to live the kind of life required to make it in "
        "academia these days…")


def test_name_and_date_in_a_heading_without_parent_classes() -> None:
    page = real("heading-meta-R246.html", "http://thepioneerwoman.com/blog/2012/11/the-wrong-pickup/")
    assert names(page) == [("1133120", None, True, "Lora Lee"), ("1133310", "1133120", True, "CArolyn"),
                           ("1133121", None, True, "Mary Jane")]
    assert texts(page)[:2] == [
        "Too funny! I can bet your kids rolled their eyes at that one, too! (Mine always do…)",
        "I wish I was back in the eye rolling stage with my sons. I blinked my eyes and they are grown "
        "men.\nRee, your niece looks just like her Mama!"]


def test_plugin_markup_with_an_id_repeated_inside_the_text() -> None:
    """Epoch: classless `div#comment-N` in `div#epoch-comments`, replies in `div.epoch-child`,
    a report link (`span#comment-N` again) inside the last paragraph, a name without a link."""
    url = ("https://wptavern.com/stack-overflow-jobs-data-shows-reactjs-skills-in-high-demand-wordpress-"
           "market-oversaturated-with-developers")
    page = real("epoch-readability.html", url)
    assert rows(page) == [("215114", None, True, "Rarst", f"{url}#comment-215114"),
                          ("215125", "215114", True, "Barry Kooij", f"{url}#comment-215125"),
                          ("215219", "215114", True, "Ammon", f"{url}#comment-215219")]
    assert texts(page)[0].split("\n")[1] == (
        "I had certainly never had an impression that there is an oversupply of of WP devs with "
        "advanced level of PHP and experience in custom projects.")


R220 = "http://earlyretirementextreme.com/the-biggest-blogging-mistake-i-ever-made.html"
R16 = ("http://trekmovie.com/2012/10/26/save-the-bridge-a-behind-the-scenes-look-at-the-project-to-restore-"
       "the-enterprise-d-bridge/")


@pytest.mark.parametrize(("name", "url", "expected", "third"), [
    ("theme-loop-R220.html", R220,
     [("37914", "Progress Trap", "#com_37914"), ("37915", "Jacob", "#com_37915"),
      ("37916", "Nikos", "#com_37916")],
     "Many have mistaken the forrest for the trees."),
    ("theme-loop-dl-R16.html", R16,
     [("4931018", "James Cannon - Runcorn Trekkie UK", "#4931018"), ("4931020", "The Keeper", "#4931020"),
      ("4931023", "CmdrR", "#4931023")],
     "So, it’s a knock-off built years after the series finished."),
])
def test_a_themes_own_loop_without_comment_ids(
        name: str, url: str, expected: list[tuple[str, str, str]], third: str) -> None:
    """`div.coms#com_N` with "<name> said," and `div.blod-text`; a `dl` of dt ("1. <name> -
    <date>", linking `#N`) and dd: read by the list's shape, with low confidence."""
    page = real(name, url)
    comments = WP.thread.parse(page)
    got = [(c.comment_id, c.author, c.permalink) for c in comments]
    assert got == [(cid, author, url + fragment) for cid, author, fragment in expected]
    assert {(c.parent_id, c.parent_known, c.confidence) for c in comments} == {(None, True, "low")}
    assert comments[2].text.split("\n")[0] == third
    assert WP.thread.comments_status(page) == "html"


def test_a_themes_own_loop_needs_every_item_whole() -> None:
    """One item without an id, or without a name, and the run is no thread."""
    html = (REAL / "theme-loop-R220.html").read_text(encoding="utf-8")
    assert len(WP.thread.parse(parse_html(html, R220))) == 3
    assert WP.thread.parse(parse_html(html.replace('id="com_37915"', ""), R220)) == []
    assert WP.thread.parse(parse_html(html.replace("Nikos said,", ""), R220)) == []
    dl = (REAL / "theme-loop-dl-R16.html").read_text(encoding="utf-8")
    assert WP.thread.parse(parse_html(dl.replace('<a href="#4931020">2.</a>', "2."), R16)) == []


def test_no_comments_and_other_platforms() -> None:
    """A post whose comments are open and empty (a corpus negative): no comments, a section;
    a Movable Type page with `div#comment-N` blocks is not WordPress's."""
    page = real("no-comments-R140.html", "http://kourteous.com/?p=521")
    assert WP.hints.detect(page)
    assert WP.hints.is_article(page)
    assert (WP.thread.parse(page), WP.thread.comments_status(page)) == ([], "html")
    mt = real("movabletype-R836.html", "https://corpus.invalid/dragnet/R836")
    assert mt.tree.xpath("//div[@id='comment-211984']")
    assert not WP.hints.detect(mt)
    assert platforms.detect(mt) is not WP
