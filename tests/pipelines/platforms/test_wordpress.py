"""WordPress comments: the demo site's Twenty Twenty-One pages against their truth, plus
hand-written markup of other themes (HTML4 walker; a Twenty Twelve-style callback)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import lxml.html
import pytest
from lxml.html import HtmlElement

from crawler.demosite.content import build_site
from crawler.demosite.drupal7 import Drupal7
from crawler.demosite.wordpress import WordPress
from pipelines import platforms
from pipelines.platforms.drupal import PLATFORM as DRUPAL
from pipelines.platforms.wordpress import PLATFORM as WP

BASE = "http://wp.test"
_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, default_doctype=False)
# Listed flat after their parent at the maximum depth (thread_comments_depth 10), behind a
# sibling: WordPress's markup cannot say whose replies they are.
AMBIGUOUS = {"1114", "1117", "1121", "1122"}


def parse_html(text: str) -> HtmlElement:
    return lxml.html.document_fromstring(text.encode(), parser=_PARSER)


def fetch(renderer: Any, url: str) -> HtmlElement:
    page = renderer.lookup(url.removeprefix(BASE))
    assert page.status == "200 OK", url
    charset = re.search(rb"charset=([\w-]+)", page.head)
    return parse_html(page.body.decode(charset.group(1).decode() if charset else "utf-8"))


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
            tree = fetch(wp, url)
            assert WP.page_number(tree, url) == k
            assert WP.article_key(tree, url) == art["url"]
            assert WP.comments_status(tree, url) == "html"
            comments = WP.parse(tree, url)
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
    for art in truth["articles"]:
        tree = fetch(wp, art["url"])
        assert WP.is_article(tree, art["url"])
        assert list(WP.thread_pages(tree, art["url"])) == art["thread_pages"][1:]
        assert WP.permalinks(tree, art["url"]) == art["permalinks"] == []
        assert not any(WP.is_trap(u) for u in art["thread_pages"])
        assert all(WP.permalink_comment_id(u) is None for u in art["thread_pages"])
    first = truth["articles"][0]
    middle = first["thread_pages"][2]
    assert list(WP.thread_pages(fetch(wp, middle), middle)) == [
        f"{first['url']}comment-page-1/", *first["thread_pages"][1:2], *first["thread_pages"][3:]]
    assert all(WP.is_trap(u) for u in truth["traps"] + truth["robots_disallowed"])
    assert all(WP.is_trap(u) for u in (f"{BASE}/blog/wp-login.php?action=register",
                                       f"{BASE}/wp-admin/edit.php", f"{BASE}/wp-comments-post.php",
                                       f"{first['url']}trackback/", f"{first['url']}?unapproved=5"))
    assert not any(WP.is_trap(u) for u in (f"{BASE}/wp-sitemap-posts-post-1.xml", f"{BASE}/feed/"))


def test_detection_and_index(wp: WordPress, truth: dict[str, Any]) -> None:
    url = truth["articles"][0]["url"]
    tree = fetch(wp, url)
    assert WP.detect(tree, url)
    assert not DRUPAL.detect(tree, url)
    assert platforms.detect(tree, url) is WP
    drupal = Drupal7(build_site(), BASE)
    d_url = f"{BASE}{drupal.site.articles[0].path}"
    d_tree = fetch(drupal, d_url)
    assert not WP.detect(d_tree, d_url)
    assert platforms.detect(d_tree, d_url) is DRUPAL
    assert WP.parse(d_tree, d_url) == []  # Drupal's a#comment-N anchors are no WordPress comments
    home = fetch(wp, truth["seeds"]["index"])
    assert WP.detect(home, BASE + "/")
    assert not WP.is_article(home, BASE + "/")
    newest_first = sorted(truth["articles"], key=lambda a: a["published"], reverse=True)
    assert WP.article_links(home, BASE + "/") == [a["url"] for a in newest_first]
    assert WP.index_pages(home, BASE + "/") == []
    assert WP.published(tree, url) == datetime.fromisoformat(truth["articles"][0]["published"])
    assert WP.site_name(tree, url) == "The Demo Herald"


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
    tree = parse_html(HTML4_WALKER)
    assert WP.detect(tree, url)  # by the theme's stylesheet alone: no generator tag
    assert WP.is_article(tree, url)
    got = [(c.comment_id, c.parent_id, c.parent_known, c.author, c.published, c.text, c.permalink)
           for c in WP.parse(tree, url)]
    assert got == [
        ("41", None, True, "Jane Roe", None, "First paragraph.\n> Quoted line.\nSecond\nline.",
         page + "#comment-41"),
        ("42", "41", True, None, None, "At the maximum depth.", page + "#comment-42"),
        ("44", "42", True, "Sam", None, "A reply to 42, listed after it.", page + "#comment-44"),
        ("43", None, False, "Kim", None, "A reply to 41 or to 42: the markup cannot tell.",
         page + "#comment-43"),
        ("46", None, True, "Admin", None, "Thanks!", page + "#comment-46"),
    ]
    assert WP.page_number(tree, url) == 2  # "older comments" is page 2
    assert WP.article_key(tree, url) == url
    assert list(WP.thread_pages(tree, url)) == [url + "comment-page-1/", url + "comment-page-2/"]


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
    tree = parse_html(TWENTY_TWELVE)
    assert WP.detect(tree, url)
    assert WP.is_article(tree, url)
    got = [(c.comment_id, c.parent_id, c.parent_known, c.author, c.published, c.text, c.permalink)
           for c in WP.parse(tree, url)]

    def at(hour: int, minute: int = 0) -> datetime:
        return datetime(2013, 2, 2, hour, minute, tzinfo=timezone.utc)

    assert got == [
        ("7", None, True, "Bob", at(10, 30), "Top.", url + "#comment-7"),
        ("8", "7", True, "Eve", at(11), "Level two.", url + "#comment-8"),
        ("9", "8", True, "Al", at(12), "Level three.", url + "#comment-9"),
        ("11", None, False, "Cy", at(13), "Maybe a reply to 9.", url + "#comment-11"),
    ]
    assert WP.page_number(tree, url) == 1
    assert WP.article_key(tree, url) == "http://blog.test/?p=123"
    assert list(WP.thread_pages(tree, url)) == ["http://blog.test/?p=123&cpage=1", "http://blog.test/?p=123&cpage=3"]
    assert WP.published(tree, url) == datetime(2013, 2, 1, 9, tzinfo=timezone.utc)
    assert WP.is_trap("http://blog.test/?p=123&cpage=2&replytocom=7")


def test_comment_services_are_not_in_the_html() -> None:
    disqus = parse_html('<html><head><meta name="generator" content="WordPress 6.2" /></head><body '
                        'class="single postid-1"><article id="post-1"><div class="entry-content"><p>x</p>'
                        '</div></article><div id="disqus_thread"></div></body></html>')
    assert WP.detect(disqus, "http://d.test/x/")
    assert WP.comments_status(disqus, "http://d.test/x/") == "not_in_html"
    assert WP.parse(disqus, "http://d.test/x/") == []


def test_detected_by_relative_asset_paths_too():
    """The shared-signals gate reads hrefs as written: `wp-content/...` without a slash."""
    page = ("<html><head><link rel='stylesheet' href='wp-content/themes/a.css'></head>"
            "<body><p>x</p></body></html>")
    assert WP.detect(lxml.html.document_fromstring(page), "http://blog.test/2020/post/")
    other = page.replace("wp-content/themes/a.css", "https://cdn.other/wp-content/a.css")
    assert not WP.detect(lxml.html.document_fromstring(other), "http://blog.test/2020/post/")
