"""WordPress comments: the demo site's Twenty Twenty-One pages against their truth, plus
hand-written markup of other themes (HTML4 walker; a Twenty Twelve-style callback)."""

# ruff: noqa: RUF001, RUF002, RUF003  (WordPress's en dash in titles: "Post &#8211; Site")

from __future__ import annotations

import re
from datetime import datetime, timezone
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
