"""schema.org comments (JSON-LD, microdata) and script-only embeds: the demo renderer's pages
against its truth, then hand-written markup of other sites (Drupal 8+: test_drupal8.py)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from lxml.html import HtmlElement

from demosite.content import build_site
from demosite.drupal7 import Drupal7
from demosite.schemaorg import SchemaOrg
from pipelines import platforms
from pipelines.platforms import drupal7, drupal8, schemaorg
from pipelines.platforms.base import Comment
from pipelines.platforms.page import Page
from pipelines.platforms.schemaorg import PLATFORMS

SO = PLATFORMS[0]
DRUPAL7 = drupal7.PLATFORMS[0]
DRUPAL8 = drupal8.PLATFORMS[0]

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


def parse_page(url: str, text: str) -> Page:
    return Page(url, parse_html(text))


def page(demo: SchemaOrg, truth: dict[str, Any], url: str) -> HtmlElement:
    body = demo.lookup(url.removeprefix(BASE)).body
    legacy = url == truth["special"]["legacy_charset"]
    return parse_html(body.decode("cp1252" if legacy else "utf-8"))


def demo_page(demo: SchemaOrg, truth: dict[str, Any], url: str) -> Page:
    return Page(url, page(demo, truth, url))


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
        comments = SO.thread.parse(demo_page(demo, truth, article["url"]))
        assert rows(comments) == expected(article), article["url"]
        assert [c.order for c in comments] == list(range(len(comments)))
        assert all(c.parent_known and c.confidence == "high" for c in comments)


def test_microdata_alone_gives_the_same_comments(demo: SchemaOrg, truth: dict[str, Any]) -> None:
    for article in truth["articles"]:
        tree = page(demo, truth, article["url"])
        for script in tree.xpath("//script[@type='application/ld+json']"):
            script.drop_tree()
        assert rows(SO.thread.parse(Page(article["url"], tree))) == expected(article), article["url"]


def test_jsonld_wins_and_no_comment_is_reported_twice(demo: SchemaOrg, truth: dict[str, Any]) -> None:
    article = truth["articles"][0]
    tree = page(demo, truth, article["url"])
    for name in tree.xpath("//*[@itemscope]//*[@itemprop='name']"):
        name.text = "microdata says otherwise"
    comments = SO.thread.parse(Page(article["url"], tree))
    assert len(comments) == len({c.comment_id for c in comments}) == article["comment_count"] == 154
    assert rows(comments) == expected(article)


def test_flat_jsonld_with_parent_items_is_one_of_the_articles(demo: SchemaOrg, truth: dict[str, Any]) -> None:
    flat = truth["special"]["chunked"]
    assert '"parentItem"' in demo.lookup(flat.removeprefix(BASE)).body.decode()
    article = next(a for a in truth["articles"] if a["url"] == flat)
    assert any(c["parent_id"] for c in article["comments"])


def test_crawl_hints(demo: SchemaOrg, truth: dict[str, Any]) -> None:
    hints = SO.hints
    for article in truth["articles"]:
        url, found = article["url"], demo_page(demo, truth, article["url"])
        assert hints.detect(found)
        assert hints.is_article(found)
        assert [url, *hints.thread_pages(found)] == article["thread_pages"]
        assert hints.permalinks(found) == article["permalinks"] == []
        assert hints.article_key(found) == url
        assert hints.page_number(found) == 0
        assert hints.permalink_comment_id(url) is None
        assert SO.thread.article(found).published == datetime.fromisoformat(article["published"])
        assert not hints.is_trap(url)
    for trap in truth["traps"]:
        assert hints.is_trap(trap), trap
    first = page(demo, truth, truth["articles"][0]["url"])
    on_page = {u for u in first.xpath("//a/@href")}
    assert {t.removeprefix(BASE).replace("%23respond", "") for t in truth["traps"]} <= {
        h.split("#")[0].replace("%23respond", "") for h in on_page}


def test_index_lists_every_article(demo: SchemaOrg, truth: dict[str, Any]) -> None:
    index = parse_page(truth["seeds"]["index"], demo.lookup("/").body.decode())
    assert SO.hints.detect(index)
    assert not SO.hints.is_article(index)
    assert sorted(SO.hints.article_links(index)) == sorted(a["url"] for a in truth["articles"])
    assert SO.hints.index_pages(index) == []
    for seed in truth["seeds"].values():
        assert demo.lookup(seed.removeprefix(BASE)).status == "200 OK"


def test_disqus_articles_are_not_in_html(demo: SchemaOrg, truth: dict[str, Any]) -> None:
    disqus = [a for a in truth["articles"] if a.get("comments_status")]
    assert [a["url"] for a in disqus] == truth["special"]["disqus"]
    assert len(disqus) == 2
    for article in truth["articles"]:
        status = SO.thread.comments_status(demo_page(demo, truth, article["url"]))
        assert status == article.get("comments_status", "html")
    for article in disqus:
        found = demo_page(demo, truth, article["url"])
        assert article["comments"] == []
        assert article["comment_count"] == 0
        assert SO.thread.parse(found) == []
        assert SO.hints.is_article(found)


def test_detection_keeps_to_its_own_pages(demo: SchemaOrg, truth: dict[str, Any]) -> None:
    site = build_site()
    d7 = Drupal7(site, BASE)
    d7_page = parse_page(BASE + site.articles[0].path, d7.lookup(site.articles[0].path).body.decode())
    assert DRUPAL7.hints.detect(d7_page)
    assert not SO.hints.detect(d7_page)
    assert not DRUPAL8.hints.detect(d7_page)
    for article in truth["articles"]:
        found = demo_page(demo, truth, article["url"])
        assert not DRUPAL7.hints.detect(found)
        assert not DRUPAL8.hints.detect(found)
        assert platforms.detect(found) is SO


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
    forum = parse_page(url, FORUM)
    assert SO.hints.detect(forum)
    assert SO.hints.is_article(forum)
    assert rows(SO.thread.parse(forum)) == [
        {"comment_id": "101", "parent_id": None, "author": "Bo", "published": "2024-03-01T09:00:00+00:00",
         "text": "First link\n> quoted\nsecond", "permalink": url + "?commentId=101"},
        {"comment_id": "102", "parent_id": "101", "author": "Cy", "published": "2024-03-01T10:30:00+00:00",
         "text": "Plain reply & more\n> quote\nline", "permalink": url + "?commentId=102"},
        {"comment_id": "103", "parent_id": None, "author": "Di", "published": None,
         "text": "No time zone, no time.", "permalink": url + "?commentId=103"},
    ]
    assert SO.hints.permalinks(forum) == [f"{url}?commentId={n}" for n in (101, 102, 103)]
    assert SO.hints.permalink_comment_id(url + "?commentId=102") == "102"
    assert SO.thread.comments_status(forum) == "html"
    assert SO.thread.article(forum).published == utc(2024, 3, 1, 8)
    assert SO.thread.article(forum).title == "Ferry timetable"


def test_flat_graph_with_identifiers_and_parent_items_wins_over_microdata() -> None:
    url = "https://news.example/a/1/?utm_source=feed"
    comments = SO.thread.parse(parse_page(url, GRAPH))
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
    blog = parse_page(url, USER_COMMENTS)
    assert SO.hints.detect(blog)
    assert SO.hints.is_article(blog)
    comments = SO.thread.parse(blog)
    assert [(c.comment_id, c.parent_id, c.parent_known, c.author, c.published, c.text, c.permalink)
            for c in comments] == [
        ("5", None, True, "Gil", utc(2012, 5, 6, 10), "Hello there.\nSecond line.", None),
        ("6", None, False, "Hal", utc(2012, 5, 6, 11), "Hi Gil.", None),  # in ul.children: a reply to ?
        ("7", None, True, "Ivy", None, "Late.", None),
    ]
    assert SO.hints.permalinks(blog) == []  # anchors on this page
    assert SO.hints.is_trap(url + "?replytocom=5")


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
    found = parse_page(url, f'<html><head><meta property="og:type" content="article"></head><body><article>'
                            f"<p>Story.</p></article>{EMBEDS[widget]}</body></html>")
    assert SO.hints.detect(found)
    assert SO.hints.is_article(found)
    assert SO.thread.parse(found) == []
    assert SO.thread.comments_status(found) == "not_in_html"


def test_plain_pages_are_not_claimed() -> None:
    found = parse_page("https://x.example/",
                       "<html><head><title>x</title></head><body><p>Hello.</p></body></html>")
    assert not SO.hints.detect(found)
    assert not DRUPAL8.hints.detect(found)




# -- comments_status -----------------------------------------------------------------------------


def test_comments_status_tells_no_section_from_one_no_rule_reads() -> None:
    url = "https://news.example/a/3"
    story = ('<html><head><meta property="og:type" content="article"></head><body><article><h1>Story</h1>'
             "<p>Body.</p></article>{}</body></html>")
    assert SO.thread.comments_status(parse_page(url, story.format(""))) == "none"
    no_id = ('<div itemscope itemtype="https://schema.org/Comment"><span itemprop="author">Jo</span>'
             '<p itemprop="text">No id, no URL.</p></div>')
    unread = parse_page(url, story.format(no_id))
    assert SO.hints.detect(unread)
    assert SO.thread.parse(unread) == []
    assert SO.thread.comments_status(unread) == "unparsed"
    counted = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Story",'
               ' "commentCount": %d}</script>')
    assert SO.thread.comments_status(parse_page(url, story.format(counted % 0))) == "html"
    assert SO.thread.comments_status(parse_page(url, story.format(counted % 12))) == "not_in_html"


# -- hints never parse, the parser runs once per page ---------------------------------------------


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Comment objects, texts and the parsers themselves raise: what a hint must never reach."""
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a crawl hint parsed comments")

    for module in (schemaorg, drupal8):
        monkeypatch.setattr(module, "Comment", boom)
        monkeypatch.setattr(module, "block_text", boom)
    monkeypatch.setattr(schemaorg, "_plain", boom)
    monkeypatch.setattr(schemaorg.SchemaOrgThread, "parse", boom)
    monkeypatch.setattr(schemaorg.SchemaOrgThread, "_parse", boom)


def test_permalinks_hint_reads_links_not_comments(
        demo: SchemaOrg, truth: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    forum_url, graph_url = "https://forum.example/thread/42", "https://news.example/a/1/"
    blog_url = "https://blog.example/2012/05/post/"
    fixtures = [(forum_url, FORUM), (graph_url, GRAPH), (blog_url, USER_COMMENTS)]
    # what the parser gives, on pages of their own (no memo shared with the hints below)
    parsed = {url: [c.permalink for c in SO.thread.parse(parse_page(url, html)) if c.permalink]
              for url, html in fixtures}
    microdata_only = page(demo, truth, truth["articles"][0]["url"])
    for script in microdata_only.xpath("//script[@type='application/ld+json']"):
        script.drop_tree()
    _no_parsing(monkeypatch)
    for url, html in fixtures:
        found = parse_page(url, html)
        assert SO.hints.permalinks(found) == parsed[url], url
        assert SO.hints.detect(found)
        assert SO.hints.is_article(found)
        list(SO.hints.thread_pages(found))
        SO.hints.article_links(found)
        SO.hints.index_pages(found)
    assert parsed[forum_url] == [f"{forum_url}?commentId={n}" for n in (101, 102, 103)]
    assert SO.hints.permalinks(Page(truth["articles"][0]["url"], microdata_only)) == []
    for article in truth["articles"][:3]:
        assert SO.hints.permalinks(demo_page(demo, truth, article["url"])) == article["permalinks"]


class _Counting(schemaorg.SchemaOrgThread):
    def __init__(self) -> None:
        self.calls = 0

    def _parse(self, found: Page) -> list[Comment]:
        self.calls += 1
        return super()._parse(found)


def test_a_page_is_parsed_once_whoever_asks(demo: SchemaOrg, truth: dict[str, Any]) -> None:
    thread = _Counting()
    article = truth["articles"][0]
    found = demo_page(demo, truth, article["url"])
    assert SO.hints.detect(found)
    assert SO.hints.is_article(found)
    SO.hints.permalinks(found)
    assert thread.calls == 0
    assert thread.comments_status(found) == "html"
    comments = thread.parse(found)
    assert thread.parse(found) is comments
    thread.article(found)
    assert thread.calls == 1
    assert len(comments) == article["comment_count"]
    again = demo_page(demo, truth, article["url"])  # another Page: parsed again, not shared
    assert rows(thread.parse(again)) == rows(comments)
    assert thread.calls == 2


def test_json_ld_is_read_as_the_page_reads_it() -> None:
    """page.jsonld: a `; charset` type and a script that breaks do not hide the thread."""
    url = "https://forum.example/thread/42"
    typed = FORUM.replace('type="application/ld+json"', 'type="application/ld+json; charset=utf-8"')
    broken = typed.replace("<script", '<script type="application/ld+json">{"broken": </script><script', 1)
    for html in (typed, broken):
        found = parse_page(url, html)
        assert [c.comment_id for c in SO.thread.parse(found)] == ["101", "102", "103"]


# -- trimmed real pages (tests/data/real/schemaorg/SOURCES.md) -----------------------------------

REAL = Path(__file__).parents[2] / "data" / "real" / "schemaorg"


def real(name: str, url: str) -> Page:
    found = Page.parse(url, (REAL / name).read_text(encoding="utf-8"))
    assert found is not None
    return found


def test_real_user_comments_with_a_creator_that_is_no_item_and_a_span_datetime() -> None:
    """theantijunecleaver.com: `itemprop="creator"` with an itemtype but no itemscope (its name
    then belongs to the comment), `commentTime` as `<span datetime>`, a reply nested in its
    parent's item."""
    found = real("usercomments-aeb-4219d096902d.html",
                 "https://theantijunecleaver.com/2017/12/spiced-honey-pear-jam-recipe/")
    assert SO.hints.detect(found)
    comments = SO.thread.parse(found)
    assert [(c.comment_id, c.parent_id, c.parent_known, c.author, c.published, c.permalink)
            for c in comments] == [
        ("70112", None, True, "Cherie McCluney", utc(2019, 8, 17, 19, 19), None),
        ("70129", "70112", True, "Regan", utc(2019, 8, 19, 22, 48, 42), None),
    ]
    assert comments[0].text.startswith("I made this jam today and it turned out really good.")
    assert comments[1].text.split("\n")[0] == "Hi Cherie,"
    assert all("Reply" not in c.text and "2019" not in c.text for c in comments)


def test_real_comment_whose_author_item_is_only_its_text() -> None:
    """comoeducarseusfilhos.com.br: `<cite itemprop="author" itemscope itemtype=Person>Karol</cite>`
    (a Person item without a name property), replies in `ol.children` inside the parent item."""
    found = real("comment-cite-aeb-3252222e61fe.html",
                 "http://comoeducarseusfilhos.com.br/blog/a-fantastica-loja-dos-materiais-educativos/")
    assert SO.hints.detect(found)
    assert [(c.comment_id, c.parent_id, c.author, c.published, c.text) for c in SO.thread.parse(found)] == [
        ("22741", None, "Karol", utc(2018, 8, 28, 19, 38, 42), "Olá; qual o nome dessa loja? Obrigada!"),
        ("22746", "22741", "Lilian", utc(2018, 9, 9, 23, 34, 9),
         "Karol, acredito sue seja a loja “Lakeshore Learning store” https://www.lakeshorelearning.com"),
    ]


def test_real_comment_with_its_id_on_the_wrapper_inside_it() -> None:
    """wday.ru: the Comment item has no id, url or identifier; its first wrapper has id="209193"."""
    url = "https://www.wday.ru/krasota-zdorovie/novosty/53-letnyaya-model-posmotri-na-krasotku-kotoraya-prevratilas-v-staruhu/"
    found = real("comment-inner-id-aeb-c82b3d1d540b.html", url)
    assert SO.hints.detect(found)
    assert platforms.detect(found).name == "schemaorg"
    assert SO.thread.comments_status(found) == "html"
    assert [(c.comment_id, c.parent_id, c.author, c.published, c.text) for c in SO.thread.parse(found)] == [
        ("209193", None, "Гость", utc(2018, 11, 5, 16, 17, 10),
         "Красивые девочки хотят познакомиться: XXXSEX.2SMS.RU"),
    ]


def test_real_article_microdata_without_comments_is_not_a_thread() -> None:
    """bbc.co.uk: a NewsArticle item with an author Person, and no comments."""
    found = real("negative-bbc-117.html", "http://www.bbc.co.uk/sport/0/football/18971248")
    assert not SO.hints.detect(found)
    assert SO.thread.parse(found) == []
    assert SO.thread.comments_status(found) == "none"
