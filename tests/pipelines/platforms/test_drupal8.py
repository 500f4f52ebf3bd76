"""Drupal 8-11 core comments: Classy with RDF on a later thread page, Olivero without RDF,
pages whose thread a script loads, a front page of teasers."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import lxml.html
import pytest

from pipelines.platforms import drupal7, drupal8, schemaorg
from pipelines.platforms.base import Comment
from pipelines.platforms.drupal8 import PLATFORMS
from pipelines.platforms.page import Page

DRUPAL8 = PLATFORMS[0]
DRUPAL7 = drupal7.PLATFORMS[0]
SO = schemaorg.PLATFORMS[0]
_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, default_doctype=False)
EMBEDS = {
    "vuukle": '<div id="vuukle-comments"></div><script src="https://cdn.vuukle.com/platform.js"></script>',
    "disqus": '<div id="disqus_thread"></div><script src="https://x.disqus.com/embed.js"></script>',
}


def parse_page(url: str, text: str) -> Page:
    return Page(url, lxml.html.document_fromstring(text.encode("utf-8"), parser=_PARSER))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


D8_CLASSY_PAGE_2 = """<!DOCTYPE html><html lang="en" dir="ltr"><head>
<meta charset="utf-8" /><meta name="Generator" content="Drupal 8 (https://www.drupal.org)" />
<link rel="canonical" href="/node/7" /><link rel="shortlink" href="/node/7" />
<title>Budget vote delayed | Gazette</title></head>
<body class="path-node page-node-type-article">
<article data-history-node-id="7" role="article" about="/node/7" class="node node--type-article node--view-mode-full">
<div class="node__content"><div property="schema:text" class="clearfix text-formatted field field--name-body
 field--type-text-with-summary field--label-hidden field__item"><p>The council postponed the vote.</p></div>
<section rel="schema:comment" class="field field--name-comment field--type-comment field--label-above comment-wrapper">
<h2 class="title">Comments</h2>
<a id="comment-14"></a>
<article role="article" data-comment-user-id="0" about="/comment/14" typeof="schema:Comment" class="comment js-comment by-anonymous">
  <mark class="hidden" data-comment-timestamp="1518600000"></mark>
  <footer class="comment__meta">
    <p class="comment__submitted">Submitted by <span rel="schema:author"><span lang="" typeof="schema:Person"
      property="schema:name" datatype="">Guest (not verified)</span></span> on <span property="schema:dateCreated"
      content="2018-02-14T09:20:00+00:00" class="rdf-meta hidden"></span>Wed, 02/14/2018 - 09:20</p>
    <p class="parent visually-hidden">In reply to <a href="/comment/12#comment-12" class="permalink" rel="bookmark"
      hreflang="en">Fair</a> by <span rel="schema:author"><a title="View user profile." href="/user/3"
      typeof="schema:Person" property="schema:name" datatype="" class="username">marta</a></span></p>
    <a href="/comment/14#comment-14" hreflang="en">Permalink</a>
  </footer>
  <div class="content">
    <h3 property="schema:name" datatype=""><a href="/comment/14#comment-14" class="permalink" rel="bookmark"
      hreflang="en">Not so fast</a></h3>
    <div property="schema:text" class="clearfix text-formatted field field--name-comment-body field--type-text-long
      field--label-hidden field__item"><blockquote><p>Fair enough.</p></blockquote><p>Not so fast, see
      <a href="/comment/3">this</a>.</p></div>
    <ul class="links inline"><li class="comment-reply"><a href="/comment/reply/node/7/comment/14">Reply</a></li></ul>
  </div>
</article>
<a id="comment-15"></a>
<article role="article" data-comment-user-id="3" about="/comment/15" typeof="schema:Comment" class="comment js-comment">
  <footer class="comment__meta"><p class="comment__submitted">Submitted by <span rel="schema:author"><a
    title="View user profile." href="/user/3" typeof="schema:Person" property="schema:name" datatype=""
    class="username">marta</a></span> on <span property="schema:dateCreated" content="2018-02-14T10:00:00+00:00"
    class="rdf-meta hidden"></span>Wed, 02/14/2018 - 10:00</p>
    <a href="/comment/15#comment-15" hreflang="en">Permalink</a></footer>
  <div class="content"><div property="schema:text" class="clearfix text-formatted field field--name-comment-body
    field--type-text-long field--label-hidden field__item"><p>A new thread.</p></div></div>
</article>
<div class="indented">
<a id="comment-16"></a>
<article role="article" data-comment-user-id="0" about="/comment/16" typeof="schema:Comment" class="comment js-comment by-anonymous">
  <footer class="comment__meta"><p class="comment__submitted">Submitted by <span rel="schema:author"><span lang=""
    typeof="schema:Person" property="schema:name" datatype="">Anonymous (not verified)</span></span> on
    Wed, 02/14/2018 - 10:30</p>
    <p class="parent visually-hidden">In reply to <a href="/comment/15#comment-15" class="permalink" rel="bookmark"
      hreflang="en">A new</a> by <span>marta</span></p></footer>
  <div class="content"><div property="schema:text" class="clearfix text-formatted field field--name-comment-body
    field--type-text-long field--label-hidden field__item"><p>Agreed.</p></div></div>
</article>
</div>
<nav class="pager" role="navigation" aria-labelledby="pagination-heading"><h4 id="pagination-heading"
 class="visually-hidden">Pagination</h4><ul class="pager__items js-pager__items">
<li class="pager__item pager__item--first"><a href="?page=0" title="Go to first page">« First</a></li>
<li class="pager__item"><a href="?page=0" title="Go to page 1"><span class="visually-hidden">Page </span>1</a></li>
<li class="pager__item is-active"><a href="?page=1" title="Current page"><span class="visually-hidden">Current
 page</span>2</a></li>
<li class="pager__item"><a href="?page=2" title="Go to page 3"><span class="visually-hidden">Page </span>3</a></li>
<li class="pager__item pager__item--last"><a href="?page=2" title="Go to last page">Last »</a></li></ul></nav>
</section></div></article>
<script type="application/json" data-drupal-selector="drupal-settings-json">{"path":{"baseUrl":"\\/"}}</script>
</body></html>"""  # noqa: E501

D10_OLIVERO = """<!DOCTYPE html><html lang="en" dir="ltr"><head><meta charset="utf-8" />
<link rel="canonical" href="https://gazette.example/news/budget-vote" />
<link rel="shortlink" href="https://gazette.example/node/7" /><title>Budget vote | Gazette</title></head>
<body class="path-node page-node-type-article"><main role="main">
<article data-history-node-id="7" class="node node--type-article node--promoted node--view-mode-full">
<header><h1 class="title page-title"><span class="field field--name-title">Budget vote</span></h1></header>
<div class="node__content"><div class="text-content clearfix field field--name-body field__item"><p>Body.</p></div>
<section data-drupal-selector="comments" class="comments"><h2 class="comments__title">Comments</h2>
<article data-comment-user-id="4" id="comment-21" class="comment js-comment comment--level-1 by-node-author"
 role="article" data-drupal-selector="comment">
  <span class="hidden" data-comment-timestamp="1700000000"></span>
  <div class="comment__picture-wrapper"><div class="comment__picture"><img src="/core/themes/olivero/images/a.svg"
   alt="" /></div></div>
  <div class="comment__text-wrapper">
    <footer class="comment__meta"><p class="comment__author"><a title="View user profile." href="/user/4"
      class="username">lena</a></p><p class="comment__time">Tue, 11/14/2023 - 22:13</p></footer>
    <div class="comment__content"><h3><a href="/comment/21#comment-21" class="permalink" rel="bookmark"
      hreflang="en">Agreed</a></h3>
      <div class="clearfix text-formatted field field--name-comment-body field--type-text-long field--label-hidden
       field__item"><p>Agreed with the delay.</p></div>
      <ul class="links inline comment__links"><li class="comment-reply"><a
       href="/comment/reply/node/7/comment/21">Reply</a></li></ul></div>
  </div>
</article>
<div class="indented">
<article data-comment-user-id="0" id="comment-22" class="comment js-comment by-anonymous" role="article"
 data-drupal-selector="comment">
  <div class="comment__text-wrapper">
    <footer class="comment__meta"><p class="comment__author"><span>visitor (not verified)</span></p>
      <p class="comment__time">Tue, 11/14/2023 - 23:01</p>
      <p class="visually-hidden">In reply to <a href="/comment/21#comment-21" class="permalink" rel="bookmark"
       hreflang="en">Agreed</a> by <a title="View user profile." href="/user/4" class="username">lena</a></p></footer>
    <div class="comment__content"><div class="clearfix text-formatted field field--name-comment-body
     field--type-text-long field--label-hidden field__item"><p>Me too.</p></div></div>
  </div>
</article>
</div>
<article data-comment-user-id="0" id="comment-23" class="comment js-comment comment--level-1 by-anonymous"
 role="article" data-drupal-selector="comment"><div class="comment__text-wrapper">
  <footer class="comment__meta"><p class="comment__author"><span>Anonymous (not verified)</span></p></footer>
  <div class="comment__content"><div class="clearfix text-formatted field field--name-comment-body
   field__item"><p>Who decides?</p></div></div></div>
</article>
<h2 class="add-comment__heading">Add new comment</h2>
<form class="comment-comment-form comment-form" data-drupal-selector="comment-form"
 action="/comment/reply/node/7/comment" method="post"><textarea name="comment_body[0][value]"></textarea></form>
</section></div></article></main>
<script type="application/json" data-drupal-selector="drupal-settings-json">{"path":{"baseUrl":"\\/"}}</script>
</body></html>"""  # noqa: E501


def test_drupal8_classy_page_two_with_rdf() -> None:
    url = "https://gazette.example/node/7?page=1"
    found = parse_page(url, D8_CLASSY_PAGE_2)
    hints = DRUPAL8.hints
    assert hints.detect(found)
    assert hints.is_article(found)
    assert not DRUPAL7.hints.detect(found)
    assert not SO.hints.detect(found)
    assert hints.page_number(found) == 1
    assert hints.article_key(found) == "https://gazette.example/node/7"
    assert list(hints.thread_pages(found)) == ["https://gazette.example/node/7",
                                               "https://gazette.example/node/7?page=1",
                                               "https://gazette.example/node/7?page=2"]
    assert DRUPAL8.thread.comments_status(found) == "html"
    comments = DRUPAL8.thread.parse(found)
    assert [(c.comment_id, c.parent_id, c.parent_known, c.author, c.published, c.text, c.permalink)
            for c in comments] == [
        ("14", "12", True, "Guest", utc(2018, 2, 14, 9, 20), "> Fair enough.\nNot so fast, see this.",
         "https://gazette.example/comment/14"),  # its parent is on page 1: "In reply to" names it
        ("15", None, True, "marta", utc(2018, 2, 14, 10), "A new thread.", "https://gazette.example/comment/15"),
        ("16", "15", True, None, None, "Agreed.", "https://gazette.example/comment/16"),
    ]
    assert hints.permalinks(found) == [f"https://gazette.example/comment/{n}" for n in (14, 15, 16)]
    assert hints.permalink_comment_id("https://gazette.example/comment/14") == "14"
    assert hints.is_trap("https://gazette.example/comment/reply/node/7/comment/14")
    assert hints.is_trap("https://gazette.example/user/login?destination=/node/7")
    assert not hints.is_trap("https://gazette.example/node/7?page=2")
    # no h1, no og:title: the <title> "Budget vote delayed | Gazette" without the site's name
    # (the host's own label), never with it
    assert DRUPAL8.thread.article(found).title == "Budget vote delayed"


def test_drupal10_olivero_without_rdf() -> None:
    url = "https://gazette.example/news/budget-vote"
    found = parse_page(url, D10_OLIVERO)
    assert DRUPAL8.hints.detect(found)
    assert DRUPAL8.hints.is_article(found)
    assert list(DRUPAL8.hints.thread_pages(found)) == []
    assert DRUPAL8.hints.page_number(found) == 0
    assert DRUPAL8.thread.article(found).title == "Budget vote"  # not "Budget vote | Gazette"
    comments = DRUPAL8.thread.parse(found)
    assert [(c.comment_id, c.parent_id, c.parent_known, c.author, c.published, c.text) for c in comments] == [
        ("21", None, True, "lena", None, "Agreed with the delay."),  # "Tue, 11/14/2023 - 22:13": no zone
        ("22", "21", True, "visitor", None, "Me too."),
        ("23", None, True, None, None, "Who decides?"),
    ]
    # A theme that drops "In reply to": nesting still names parents on the page.
    bare = parse_page(url, D10_OLIVERO.replace('<p class="visually-hidden">In reply to', "<p>Reply to"))
    assert [(c.comment_id, c.parent_id) for c in DRUPAL8.thread.parse(bare)] == [
        ("21", None), ("22", "21"), ("23", None)]


def test_drupal9_pages_whose_comments_a_script_loads() -> None:
    url = "https://gazette.example/news/budget-vote"
    head = ('<html><head><meta name="Generator" content="Drupal 9 (https://www.drupal.org)" />'
            '<link rel="shortlink" href="/node/7" /></head><body><article class="node node--view-mode-full">'
            "<p>Body.</p></article>")
    for widget in (EMBEDS["vuukle"], EMBEDS["disqus"]):
        found = parse_page(url, f"{head}{widget}</body></html>")
        assert DRUPAL8.hints.detect(found)
        assert DRUPAL8.hints.is_article(found)
        assert DRUPAL8.thread.parse(found) == []
        assert DRUPAL8.thread.comments_status(found) == "not_in_html"
    # Drupal renders its comment field server-side: a node page without one has comments off.
    off = parse_page(url, f"{head}</body></html>")
    assert DRUPAL8.hints.is_article(off)
    assert DRUPAL8.thread.comments_status(off) == "none"
    empty = parse_page(url, f'{head}<section class="comment-wrapper"><h2>Comments</h2>'
                            '<form class="comment-form"></form></section></body></html>')
    assert DRUPAL8.thread.comments_status(empty) == "html"  # the field is there, with no comments yet


def test_drupal10_front_page_lists_teasers() -> None:
    url = "https://gazette.example/"
    found = parse_page(url, (
        '<html><head><meta name="Generator" content="Drupal 10 (https://www.drupal.org)" /></head><body>'
        '<article class="node node--type-article node--promoted node--view-mode-teaser"><h2><a '
        'href="/news/budget-vote" rel="bookmark"><span>Budget vote</span></a></h2></article>'
        '<article class="node node--type-article node--view-mode-teaser"><h2><a href="/news/ferry" '
        'rel="bookmark">Ferry</a></h2></article><nav class="pager"><ul class="pager__items js-pager__items">'
        '<li class="pager__item is-active"><a href="?page=0">1</a></li><li class="pager__item '
        'pager__item--next"><a href="?page=1" rel="next">Next</a></li></ul></nav></body></html>'))
    assert DRUPAL8.hints.detect(found)
    assert not DRUPAL8.hints.is_article(found)
    assert DRUPAL8.hints.article_links(found) == [url + "news/budget-vote", url + "news/ferry"]
    assert DRUPAL8.hints.index_pages(found) == [url + "?page=1"]


def test_drupal8_title_is_the_node_title() -> None:
    url = "https://gazette.example/news/budget-vote"
    head = ('<html><head><meta name="Generator" content="Drupal 10 (https://www.drupal.org)" />'
            '<meta property="og:title" content="Budget vote (og)" /><title>Budget vote | Gazette</title>'
            '</head><body>{}<article class="node node--view-mode-full"><p>Body.</p></article></body></html>')
    span = ('<h1 class="page-title"><span class="field field--name-title">Budget vote</span>'
            '<a href="/node/7/edit">Edit</a></h1>')
    assert DRUPAL8.thread.article(parse_page(url, head.format(span))).title == "Budget vote"
    assert DRUPAL8.thread.article(parse_page(url, head.format('<h1 class="page-title">Budget  vote</h1>'))
                                  ).title == "Budget vote"
    assert DRUPAL8.thread.article(parse_page(url, head.format(""))).title == "Budget vote (og)"
    bare = head.replace('<meta property="og:title" content="Budget vote (og)" />', "")
    assert DRUPAL8.thread.article(parse_page(url, bare.format(""))).title == "Budget vote"  # not "| Gazette"


def test_drupal8_hints_never_parse_and_the_thread_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    class Counting(drupal8.Drupal8Thread):
        calls = 0

        def _parse(self, found: Page) -> list[Comment]:
            Counting.calls += 1
            return super()._parse(found)

    url = "https://gazette.example/node/7?page=1"
    found = parse_page(url, D8_CLASSY_PAGE_2)
    thread = Counting()
    assert thread.comments_status(found) == "html"
    comments = thread.parse(found)
    thread.article(found)
    assert thread.parse(found) is comments
    assert Counting.calls == 1
    permalinks = [c.permalink for c in comments]

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a crawl hint parsed comments")

    for module in (schemaorg, drupal8):
        monkeypatch.setattr(module, "Comment", boom)
        monkeypatch.setattr(module, "block_text", boom)
    monkeypatch.setattr(schemaorg.SchemaOrgThread, "_parse", boom)
    monkeypatch.setattr(drupal8.Drupal8Thread, "_parse", boom)
    olivero = "https://gazette.example/news/budget-vote"
    for fresh in (parse_page(url, D8_CLASSY_PAGE_2), parse_page(olivero, D10_OLIVERO)):
        hints = DRUPAL8.hints
        assert hints.detect(fresh)
        assert hints.is_article(fresh)
        list(hints.thread_pages(fresh))
        hints.page_number(fresh)
        hints.article_key(fresh)
        if fresh.url == url:
            assert hints.permalinks(fresh) == permalinks
        else:
            assert hints.permalinks(fresh) == [f"https://gazette.example/comment/{n}" for n in (21, 22, 23)]


# A theme on Stable's comment.html.twig, without the RDF module: no classes, no
# data-comment-user-id (a template printing its own <article> drops `attributes`), the "new"
# marker between core's anchor and the comment, "Submitted by" in a bare <p>, the subject in h3.
STABLE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8" />
<meta name="Generator" content="Drupal 9 (https://www.drupal.org)" /><title>Ferry fares | Gazette</title></head>
<body><main><article class="node"><h1>Ferry fares</h1><p>The ferry company raised its fares.</p></article>
<section><h2>Comments</h2>
<a id="comment-31"></a>
<mark class="hidden" data-comment-timestamp="1700000000"></mark>
<article>
  <footer><img src="/files/kim.png" alt="" /><p>Submitted by <a href="/user/5" title="View user profile.">kim</a>
  on Tue, 11/14/2023 - 22:13</p><a href="/comment/31#comment-31" hreflang="en">Permalink</a></footer>
  <div><h3><a href="/comment/31#comment-31" rel="bookmark" hreflang="en">The fares were</a></h3>
    <div><p>The fares were raised twice this year.</p></div>
    <ul class="links inline"><li><a href="/comment/reply/node/7/comment/31">Reply</a></li></ul></div>
</article>
<div class="indented">
<a id="comment-32"></a>
<mark class="hidden" data-comment-timestamp="1700000100"></mark>
<article>
  <footer><p>Submitted by <span>guest (not verified)</span> on Tue, 11/14/2023 - 22:15</p>
    <p class="visually-hidden">In reply to <a href="/comment/31#comment-31">The fares were</a> by
    <a href="/user/5" title="View user profile.">kim</a></p>
    <a href="/comment/32#comment-32" hreflang="en">Permalink</a></footer>
  <div><h3><a href="/comment/32#comment-32" rel="bookmark" hreflang="en">Not twice</a></h3>
    <div><p>Not twice: three times.</p></div></div>
</article>
</div>
</section></main></body></html>"""  # noqa: E501


def test_drupal9_theme_without_cores_attributes_is_read_from_the_anchors() -> None:
    url = "https://gazette.example/news/ferry-fares"
    found = parse_page(url, STABLE)
    assert DRUPAL8.hints.detect(found)
    assert DRUPAL8.thread.comments_status(found) == "html"
    comments = DRUPAL8.thread.parse(found)
    assert [(c.comment_id, c.parent_id, c.parent_known, c.author, c.published, c.text, c.permalink)
            for c in comments] == [
        ("31", None, True, "kim", None, "The fares were raised twice this year.",
         "https://gazette.example/comment/31"),  # not the subject, not the links
        ("32", "31", True, "guest", None, "Not twice: three times.", "https://gazette.example/comment/32"),
    ]  # data-comment-timestamp is the last change, not the time of posting
    assert DRUPAL8.hints.permalinks(found) == ["https://gazette.example/comment/31",
                                               "https://gazette.example/comment/32"]


# A magazine's own theme on Olivero's markup: the subject in its own `comment__title` box, the
# body wrapper carrying `comment__title` too, a "By X on <date>" byline in `comment__author`, and
# a comment whose body is empty.
MAGAZINE = """<!DOCTYPE html><html lang="en"><head>
<meta name="Generator" content="Drupal 10 (https://www.drupal.org)" /><title>Beta 4 | Magazine</title></head>
<body><article class="node node--type-forum node--view-mode-full"><h1>Beta 4</h1><p>Discuss beta 4 here.</p>
</article><section data-drupal-selector="comments" class="comments">
<article class="comment js-comment comment--level-1" id="comment-41" data-comment-user-id="9" role="article">
 <div class="comment__title"><h3><a class="permalink" href="/comment/41">Speech quality</a></h3></div>
 <div class="comment__text-wrapper"><footer class="comment__meta">
  <p class="comment__author">By <span>tunmi13</span> on Monday, July 20, 2026 - 18:46</p></footer>
  <div class="comment__title comment__content"><div class="text-content field field--name-comment-body
   field--type-text-long field__item comment__text-content"><p>Cannot tell if it is fixed.</p></div>
   <ul class="links inline comment__links"><li>Reply</li></ul></div></div>
</article>
<article class="comment js-comment comment--level-1" id="comment-42" data-comment-user-id="0" role="article">
 <div class="comment__title"><h3><a class="permalink" href="/comment/42">Silence when unlocking</a></h3></div>
 <footer class="comment__meta"><p class="comment__author">By <span>Anonymous (not verified)</span> on Monday</p>
 </footer><div class="comment__content"><ul class="links inline comment__links"><li>Reply</li></ul></div>
</article></section>
<script type="application/json" data-drupal-selector="drupal-settings-json">{"path":{"baseUrl":"\\/"}}</script>
</body></html>"""  # noqa: E501


def test_drupal10_magazine_theme_body_and_byline() -> None:
    found = parse_page("https://mag.example/forum/beta-4", MAGAZINE)
    assert DRUPAL8.hints.detect(found)
    assert [(c.comment_id, c.author, c.text) for c in DRUPAL8.thread.parse(found)] == [
        ("41", "tunmi13", "Cannot tell if it is fixed."),  # the body, not "Speech quality"
        ("42", None, "Silence when unlocking"),  # no body at all: the subject is all it shows
    ]
