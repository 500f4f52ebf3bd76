"""schema.org comments (JSON-LD, microdata), script-only embeds and Drupal 8+ core comments:
the demo renderer's pages against its truth, then hand-written markup of other themes."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import lxml.html
import pytest
from lxml.html import HtmlElement

from crawler.demosite.content import build_site
from crawler.demosite.drupal7 import Drupal7
from crawler.demosite.schemaorg import SchemaOrg
from pipelines import platforms
from pipelines.platforms import drupal
from pipelines.platforms.base import Comment
from pipelines.platforms.schemaorg import DRUPAL8, PLATFORM

BASE = "http://herald.test:8080"
_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, default_doctype=False)
FIELDS = ("comment_id", "parent_id", "author", "published", "text", "permalink")


def parse_html(text: str) -> HtmlElement:
    return lxml.html.document_fromstring(text.encode("utf-8"), parser=_PARSER)


@pytest.fixture(scope="module")
def demo() -> SchemaOrg:
    return SchemaOrg(build_site(), BASE)


@pytest.fixture(scope="module")
def truth(demo: SchemaOrg) -> dict[str, Any]:
    return demo.truth()


def page(demo: SchemaOrg, truth: dict[str, Any], url: str) -> HtmlElement:
    body = demo.lookup(url.removeprefix(BASE)).body
    legacy = url == truth["special"]["legacy_charset"]
    return parse_html(body.decode("cp1252" if legacy else "utf-8"))


def rows(comments: list[Comment]) -> list[dict[str, Any]]:
    return [{"comment_id": c.comment_id, "parent_id": c.parent_id, "author": c.author,
             "published": c.published.isoformat() if c.published else None, "text": c.text,
             "permalink": c.permalink} for c in comments]


def expected(article: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: c[k] for k in FIELDS} for c in sorted(article["comments"], key=lambda c: c["position"])]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


# -- the demo site -------------------------------------------------------------------------------


def test_jsonld_gives_every_comment_as_the_truth_says(demo: SchemaOrg, truth: dict[str, Any]) -> None:
    assert sum(a["comment_count"] for a in truth["articles"]) == 286
    for article in truth["articles"]:
        tree = page(demo, truth, article["url"])
        comments = PLATFORM.parse(tree, article["url"])
        assert rows(comments) == expected(article), article["url"]
        assert [c.order for c in comments] == list(range(len(comments)))
        assert all(c.parent_known and c.confidence == "high" for c in comments)


def test_microdata_alone_gives_the_same_comments(demo: SchemaOrg, truth: dict[str, Any]) -> None:
    for article in truth["articles"]:
        tree = page(demo, truth, article["url"])
        for script in tree.xpath("//script[@type='application/ld+json']"):
            script.drop_tree()
        assert rows(PLATFORM.parse(tree, article["url"])) == expected(article), article["url"]


def test_jsonld_wins_and_no_comment_is_reported_twice(demo: SchemaOrg, truth: dict[str, Any]) -> None:
    article = truth["articles"][0]
    tree = page(demo, truth, article["url"])
    for name in tree.xpath("//*[@itemscope]//*[@itemprop='name']"):
        name.text = "microdata says otherwise"
    comments = PLATFORM.parse(tree, article["url"])
    assert len(comments) == len({c.comment_id for c in comments}) == article["comment_count"] == 154
    assert rows(comments) == expected(article)


def test_flat_jsonld_with_parent_items_is_one_of_the_articles(demo: SchemaOrg, truth: dict[str, Any]) -> None:
    flat = truth["special"]["chunked"]
    assert '"parentItem"' in demo.lookup(flat.removeprefix(BASE)).body.decode()
    article = next(a for a in truth["articles"] if a["url"] == flat)
    assert any(c["parent_id"] for c in article["comments"])


def test_crawl_hints(demo: SchemaOrg, truth: dict[str, Any]) -> None:
    for article in truth["articles"]:
        url, tree = article["url"], page(demo, truth, article["url"])
        assert PLATFORM.detect(tree, url)
        assert PLATFORM.is_article(tree, url)
        assert [url, *PLATFORM.thread_pages(tree, url)] == article["thread_pages"]
        assert PLATFORM.permalinks(tree, url) == article["permalinks"] == []
        assert PLATFORM.article_key(tree, url) == url
        assert PLATFORM.page_number(tree, url) == 0
        assert PLATFORM.permalink_comment_id(url) is None
        assert PLATFORM.published(tree, url) == datetime.fromisoformat(article["published"])
        assert not PLATFORM.is_trap(url)
    for trap in truth["traps"]:
        assert PLATFORM.is_trap(trap), trap
    first = page(demo, truth, truth["articles"][0]["url"])
    on_page = {u for u in first.xpath("//a/@href")}
    assert {t.removeprefix(BASE).replace("%23respond", "") for t in truth["traps"]} <= {
        h.split("#")[0].replace("%23respond", "") for h in on_page}


def test_index_lists_every_article(demo: SchemaOrg, truth: dict[str, Any]) -> None:
    index = parse_html(demo.lookup("/").body.decode())
    url = truth["seeds"]["index"]
    assert PLATFORM.detect(index, url)
    assert not PLATFORM.is_article(index, url)
    assert sorted(PLATFORM.article_links(index, url)) == sorted(a["url"] for a in truth["articles"])
    assert PLATFORM.index_pages(index, url) == []
    for seed in truth["seeds"].values():
        assert demo.lookup(seed.removeprefix(BASE)).status == "200 OK"


def test_disqus_articles_are_not_in_html(demo: SchemaOrg, truth: dict[str, Any]) -> None:
    disqus = [a for a in truth["articles"] if a.get("comments_status")]
    assert [a["url"] for a in disqus] == truth["special"]["disqus"]
    assert len(disqus) == 2
    for article in truth["articles"]:
        tree = page(demo, truth, article["url"])
        status = PLATFORM.comments_status(tree, article["url"])
        assert status == article.get("comments_status", "html")
    for article in disqus:
        tree = page(demo, truth, article["url"])
        assert article["comments"] == []
        assert article["comment_count"] == 0
        assert PLATFORM.parse(tree, article["url"]) == []
        assert PLATFORM.is_article(tree, article["url"])


def test_detection_keeps_to_its_own_pages(demo: SchemaOrg, truth: dict[str, Any]) -> None:
    site = build_site()
    d7 = Drupal7(site, BASE)
    d7_tree = parse_html(d7.lookup(site.articles[0].path).body.decode())
    assert drupal.PLATFORM.detect(d7_tree, BASE + site.articles[0].path)
    assert not PLATFORM.detect(d7_tree, BASE)
    assert not DRUPAL8.detect(d7_tree, BASE)
    for article in truth["articles"]:
        tree = page(demo, truth, article["url"])
        assert not drupal.PLATFORM.detect(tree, article["url"])
        assert not DRUPAL8.detect(tree, article["url"])
        assert platforms.detect(tree, article["url"]) is PLATFORM


# -- other markup: JSON-LD -----------------------------------------------------------------------

FORUM = """<!DOCTYPE html><html><head><title>Thread</title>
<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "DiscussionForumPosting", "@id": "https://forum.example/thread/42",
 "url": "https://forum.example/thread/42", "headline": "Ferry timetable", "commentCount": 3,
 "author": {"@type": "Person", "name": "Ann"}, "datePublished": "2024-03-01T09:00:00+01:00",
 "comment": [
  {"@type": "Comment", "url": "https://forum.example/thread/42?commentId=101",
   "author": {"@type": "Person", "name": "Bo", "url": "https://forum.example/u/bo"},
   "datePublished": "2024-03-01T10:00:00+01:00",
   "text": "<p>First <a href=\\"/x\\">link</a></p><blockquote>quoted</blockquote><p>second</p>",
   "comment": [{"@type": "Comment", "url": "https://forum.example/thread/42?commentId=102",
                "author": "Cy", "datePublished": "2024-03-01T10:30:00Z",
                "text": "Plain reply &amp; more\\n\\n>  quote\\nline"}]},
  {"@type": "Comment", "url": "https://forum.example/thread/42?commentId=103",
   "author": [{"@type": "Person", "name": "Di"}], "datePublished": "2024-03-01T11:00:00",
   "text": "No time zone, no time."}]}
</script></head><body><div class="thread">rendered by JavaScript</div></body></html>"""

GRAPH = """<html><head><link rel="canonical" href="https://news.example/a/1/">
<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
 {"@type": "WebPage", "@id": "https://news.example/a/1/", "url": "https://news.example/a/1/"},
 {"@type": ["Article", "NewsArticle"], "@id": "https://news.example/a/1/#article", "commentCount": 4,
  "comment": [{"@id": "https://news.example/a/1/#comment-7"}, {"@id": "https://news.example/a/1/#comment-8"}]},
 {"@type": "Comment", "@id": "https://news.example/a/1/#comment-7",
  "identifier": {"@type": "PropertyValue", "value": "c7"}, "parentItem": {"@id": "https://news.example/a/1/#article"},
  "author": {"@type": "Person", "name": "Eve"}, "dateCreated": "2024-05-02T08:00:00-04:00", "text": "Top."},
 {"@type": "Comment", "@id": "https://news.example/a/1/#comment-8", "identifier": "c8",
  "parentItem": {"@id": "https://news.example/a/1/#comment-7"},
  "author": {"@type": "Person", "name": "Fay"}, "dateCreated": "2024-05-02T09:00:00-04:00", "text": "Reply."},
 {"@type": "Comment", "@id": "https://news.example/a/1/#comment-9", "identifier": 9,
  "parentItem": {"@id": "https://elsewhere.example/x"}, "text": "Orphan."},
 {"@type": "Comment", "author": "Nobody", "text": "No id at all."}
]}</script></head><body>
<div id="comment-7" itemscope itemtype="https://schema.org/Comment"><span itemprop="author">Eve</span>
<div itemprop="text"><p>Top, as the page shows it.</p></div></div></body></html>"""


def test_discussion_forum_posting_with_nested_replies_and_html_text() -> None:
    url = "https://forum.example/thread/42"
    tree = parse_html(FORUM)
    assert PLATFORM.detect(tree, url)
    assert PLATFORM.is_article(tree, url)
    assert rows(PLATFORM.parse(tree, url)) == [
        {"comment_id": "101", "parent_id": None, "author": "Bo", "published": "2024-03-01T09:00:00+00:00",
         "text": "First link\n> quoted\nsecond", "permalink": url + "?commentId=101"},
        {"comment_id": "102", "parent_id": "101", "author": "Cy", "published": "2024-03-01T10:30:00+00:00",
         "text": "Plain reply & more\n> quote\nline", "permalink": url + "?commentId=102"},
        {"comment_id": "103", "parent_id": None, "author": "Di", "published": None,
         "text": "No time zone, no time.", "permalink": url + "?commentId=103"},
    ]
    assert PLATFORM.permalinks(tree, url) == [f"{url}?commentId={n}" for n in (101, 102, 103)]
    assert PLATFORM.permalink_comment_id(url + "?commentId=102") == "102"
    assert PLATFORM.comments_status(tree, url) == "html"
    assert PLATFORM.published(tree, url) == utc(2024, 3, 1, 8)


def test_flat_graph_with_identifiers_and_parent_items_wins_over_microdata() -> None:
    url = "https://news.example/a/1/?utm_source=feed"
    comments = PLATFORM.parse(parse_html(GRAPH), url)
    assert [(c.comment_id, c.parent_id, c.parent_known, c.author, c.text) for c in comments] == [
        ("c7", None, True, "Eve", "Top."),
        ("c8", "c7", True, "Fay", "Reply."),
        ("9", None, False, None, "Orphan."),  # its parent is on another site: not a top-level comment
    ]
    assert comments[1].published == utc(2024, 5, 2, 13)
    assert all(c.permalink is None for c in comments)  # anchors on this page are no permalinks


# -- other markup: microdata ---------------------------------------------------------------------

USER_COMMENTS = """<html><head><link rel="canonical" href="https://blog.example/2012/05/post/"></head><body>
<article itemscope itemtype="http://schema.org/BlogPosting"><h1 itemprop="headline">Post</h1>
<div itemprop="articleBody"><p>Body.</p></div>
<ol class="commentlist">
 <li id="li-comment-5"><div id="comment-5" itemprop="comment" itemscope itemtype="http://schema.org/UserComments">
   <span itemprop="creator" itemscope itemtype="http://schema.org/Person"><a itemprop="url" href="http://g.example/">
   <span itemprop="name">Gil</span></a></span> says:
   <meta itemprop="commentTime" content="2012-05-06T10:00:00+00:00">
   <a href="https://blog.example/2012/05/post/#comment-5"><time>May 6, 2012 at 10:00 am</time></a>
   <div itemprop="commentText"><p>Hello there.</p><p>Second   line.</p></div>
   <a class="comment-reply-link" itemprop="replyToUrl" href="/2012/05/post/?replytocom=5#respond">Reply</a>
  </div>
  <ul class="children"><li id="li-comment-6">
   <div id="comment-6" itemprop="comment" itemscope itemtype="http://schema.org/UserComments">
    <span itemprop="creator">Hal</span> <time itemprop="commentTime" datetime="2012-05-06T11:00:00+00:00">11 am</time>
    <div itemprop="commentText"><p>Hi <b>Gil</b>.</p></div>
    <a itemprop="replyToUrl" href="/2012/05/post/?replytocom=6#respond">Reply</a></div></li></ul>
 </li>
 <li id="li-comment-7"><div id="comment-7" itemprop="comment" itemscope itemtype="http://schema.org/UserComments">
   <a itemprop="creator" href="/author/ivy">Ivy</a><div itemprop="commentText"><p>Late.</p></div></div></li>
</ol></article></body></html>"""  # noqa: E501


def test_user_comments_microdata_with_replies_outside_the_parent_item() -> None:
    url = "https://blog.example/2012/05/post/"
    tree = parse_html(USER_COMMENTS)
    assert PLATFORM.detect(tree, url)
    assert PLATFORM.is_article(tree, url)
    comments = PLATFORM.parse(tree, url)
    assert [(c.comment_id, c.parent_id, c.parent_known, c.author, c.published, c.text, c.permalink)
            for c in comments] == [
        ("5", None, True, "Gil", utc(2012, 5, 6, 10), "Hello there.\nSecond line.", None),
        ("6", None, False, "Hal", utc(2012, 5, 6, 11), "Hi Gil.", None),  # in ul.children: a reply to ?
        ("7", None, True, "Ivy", None, "Late.", None),
    ]
    assert PLATFORM.is_trap(url + "?replytocom=5")


# -- script-only embeds --------------------------------------------------------------------------

EMBEDS = {
    "coral": '<div id="coral_thread"></div><script>Coral.createStreamEmbed({id: "coral_thread", '
             'rootURL: "https://talk.example.com"});</script>',
    "facebook": '<div class="fb-comments" data-href="https://news.example/a/2" data-numposts="5"></div>',
    "vuukle": '<div id="vuukle-comments"></div><script src="https://cdn.vuukle.com/platform.js"></script>',
    "disqus": '<div id="disqus_thread"></div><script src="https://x.disqus.com/embed.js"></script>',
}


@pytest.mark.parametrize("widget", sorted(EMBEDS))
def test_script_only_threads_are_not_in_html(widget: str) -> None:
    url = "https://news.example/a/2"
    tree = parse_html(f'<html><head><meta property="og:type" content="article"></head><body><article>'
                      f"<p>Story.</p></article>{EMBEDS[widget]}</body></html>")
    assert PLATFORM.detect(tree, url)
    assert PLATFORM.is_article(tree, url)
    assert PLATFORM.parse(tree, url) == []
    assert PLATFORM.comments_status(tree, url) == "not_in_html"


def test_plain_pages_are_not_claimed() -> None:
    tree = parse_html("<html><head><title>x</title></head><body><p>Hello.</p></body></html>")
    assert not PLATFORM.detect(tree, "https://x.example/")
    assert not DRUPAL8.detect(tree, "https://x.example/")


# -- Drupal 8+ core comments ---------------------------------------------------------------------

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
    tree = parse_html(D8_CLASSY_PAGE_2)
    assert DRUPAL8.detect(tree, url)
    assert DRUPAL8.is_article(tree, url)
    assert not drupal.PLATFORM.detect(tree, url)
    assert not PLATFORM.detect(tree, url)
    assert DRUPAL8.page_number(tree, url) == 1
    assert DRUPAL8.article_key(tree, url) == "https://gazette.example/node/7"
    assert list(DRUPAL8.thread_pages(tree, url)) == ["https://gazette.example/node/7",
                                               "https://gazette.example/node/7?page=1",
                                               "https://gazette.example/node/7?page=2"]
    assert DRUPAL8.comments_status(tree, url) == "html"
    comments = DRUPAL8.parse(tree, url)
    assert [(c.comment_id, c.parent_id, c.parent_known, c.author, c.published, c.text, c.permalink)
            for c in comments] == [
        ("14", "12", True, "Guest", utc(2018, 2, 14, 9, 20), "> Fair enough.\nNot so fast, see this.",
         "https://gazette.example/comment/14"),  # its parent is on page 1: "In reply to" names it
        ("15", None, True, "marta", utc(2018, 2, 14, 10), "A new thread.", "https://gazette.example/comment/15"),
        ("16", "15", True, None, None, "Agreed.", "https://gazette.example/comment/16"),
    ]
    assert DRUPAL8.permalinks(tree, url) == [f"https://gazette.example/comment/{n}" for n in (14, 15, 16)]
    assert DRUPAL8.permalink_comment_id("https://gazette.example/comment/14") == "14"
    assert DRUPAL8.is_trap("https://gazette.example/comment/reply/node/7/comment/14")
    assert DRUPAL8.is_trap("https://gazette.example/user/login?destination=/node/7")
    assert not DRUPAL8.is_trap("https://gazette.example/node/7?page=2")


def test_drupal10_olivero_without_rdf() -> None:
    url = "https://gazette.example/news/budget-vote"
    tree = parse_html(D10_OLIVERO)
    assert DRUPAL8.detect(tree, url)
    assert DRUPAL8.is_article(tree, url)
    assert list(DRUPAL8.thread_pages(tree, url)) == []
    assert DRUPAL8.page_number(tree, url) == 0
    comments = DRUPAL8.parse(tree, url)
    assert [(c.comment_id, c.parent_id, c.parent_known, c.author, c.published, c.text) for c in comments] == [
        ("21", None, True, "lena", None, "Agreed with the delay."),  # "Tue, 11/14/2023 - 22:13": no zone
        ("22", "21", True, "visitor", None, "Me too."),
        ("23", None, True, None, None, "Who decides?"),
    ]
    # A theme that drops "In reply to": nesting still names parents on the page.
    bare = parse_html(D10_OLIVERO.replace('<p class="visually-hidden">In reply to', "<p>Reply to"))
    assert [(c.comment_id, c.parent_id) for c in DRUPAL8.parse(bare, url)] == [
        ("21", None), ("22", "21"), ("23", None)]


def test_drupal9_pages_whose_comments_a_script_loads() -> None:
    url = "https://gazette.example/news/budget-vote"
    head = ('<html><head><meta name="Generator" content="Drupal 9 (https://www.drupal.org)" />'
            '<link rel="shortlink" href="/node/7" /></head><body><article class="node node--view-mode-full">'
            "<p>Body.</p></article>")
    for widget in ("", EMBEDS["vuukle"], EMBEDS["disqus"]):
        tree = parse_html(f"{head}{widget}</body></html>")
        assert DRUPAL8.detect(tree, url)
        assert DRUPAL8.is_article(tree, url)
        assert DRUPAL8.parse(tree, url) == []
        assert DRUPAL8.comments_status(tree, url) == "not_in_html"
    empty = parse_html(f'{head}<section class="comment-wrapper"><h2>Comments</h2><form class="comment-form">'
                       "</form></section></body></html>")
    assert DRUPAL8.comments_status(empty, url) == "html"  # the field is there, with no comments yet


def test_drupal10_front_page_lists_teasers() -> None:
    url = "https://gazette.example/"
    tree = parse_html(
        '<html><head><meta name="Generator" content="Drupal 10 (https://www.drupal.org)" /></head><body>'
        '<article class="node node--type-article node--promoted node--view-mode-teaser"><h2><a '
        'href="/news/budget-vote" rel="bookmark"><span>Budget vote</span></a></h2></article>'
        '<article class="node node--type-article node--view-mode-teaser"><h2><a href="/news/ferry" '
        'rel="bookmark">Ferry</a></h2></article><nav class="pager"><ul class="pager__items js-pager__items">'
        '<li class="pager__item is-active"><a href="?page=0">1</a></li><li class="pager__item '
        'pager__item--next"><a href="?page=1" rel="next">Next</a></li></ul></nav></body></html>')
    assert DRUPAL8.detect(tree, url)
    assert not DRUPAL8.is_article(tree, url)
    assert DRUPAL8.article_links(tree, url) == [url + "news/budget-vote", url + "news/ferry"]
    assert DRUPAL8.index_pages(tree, url) == [url + "?page=1"]
