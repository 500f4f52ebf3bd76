"""The Page every platform reads: article evidence, headline, JSON-LD read once and robustly."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import lxml.html
import pytest

from pipelines.platforms import GENERIC, Page
from pipelines.platforms.base import published

URL = "https://news.example/2024/05/06/bridge-reopens"


def page(html: str, url: str = URL) -> Page:
    return Page(url, lxml.html.document_fromstring(html))


def ld(*objects: object, type_: str = "application/ld+json") -> str:
    return "".join(f'<script type="{type_}">{json.dumps(o)}</script>' for o in objects)


STORY = {"@context": "https://schema.org", "@type": "NewsArticle",
         "headline": 'Bridge "finally" reopens', "datePublished": "2024-05-06T08:00:00+02:00"}


@pytest.mark.parametrize(("head", "body", "reason"), [
    ('<meta property="og:type" content="article">', "", "og:type=article"),
    (ld(STORY), "", "json-ld:NewsArticle"),
    (ld({"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, STORY]}), "",
     "json-ld:NewsArticle"),
    (ld({**STORY, "@type": ["BlogPosting", "Thing"]}), "", "json-ld:BlogPosting"),
    ("", '<div itemscope itemtype="https://schema.org/DiscussionForumPosting"><h1>Q</h1></div>',
     "microdata:DiscussionForumPosting"),
    ("", '<article><h1>Bridge reopens</h1><time datetime="2024-05-06">May 6</time><p>x</p></article>',
     "article+time"),
])
def test_an_article_says_so_in_machine_readable_form(head, body, reason):
    assert page(f"<html><head>{head}</head><body>{body}</body></html>").article_evidence == reason


def card(n: int) -> str:
    return (f'<article class="card"><a href="/2024/05/0{n % 9 + 1}/story-{n}"><h2>Story {n}</h2></a>'
            f'<time datetime="2024-05-0{n % 9 + 1}T10:00:00Z">May</time></article>')


@pytest.mark.parametrize("html", [
    # a homepage: many article cards, each with a heading and a time
    "<html><body><h1>The Daily Example</h1>" + "".join(card(n) for n in range(12)) + "</body></html>",
    # a section page stating its listed stories in JSON-LD: several headlines, not one story
    "<html><head>" + ld(*({**STORY, "headline": f"Story {n}"} for n in range(3))) + "</head></html>",
    # microdata teasers
    "<html><body>" + "".join('<div itemscope itemtype="http://schema.org/BlogPosting">x</div>'
                             for _ in range(4)) + "</body></html>",
    '<html><head><meta property="og:type" content="website"></head><body><h1>About us</h1></body></html>',
])
def test_index_and_other_pages_are_not_articles(html):
    found = page(html, "https://news.example/")
    assert found.article_evidence is None
    assert not GENERIC.hints.is_article(found)


def test_the_headline_is_the_articles_own_never_the_title_with_the_site_name():
    html = ("<html><head><title>Bridge &quot;finally&quot; reopens | Example.de</title>"
            '<meta property="og:title" content="Bridge reopens - Example">' + ld(STORY)
            + "</head><body><h1>Bridge</h1></body></html>")
    assert page(html).headline == 'Bridge "finally" reopens'  # JSON-LD first, quotes kept
    assert page('<html><head><title>T | Site</title><meta property="og:title" '
                'content="He said &quot;no&quot; twice"></head></html>').headline == 'He said "no" twice'
    assert page("<html><head><title>One headline | Site</title></head><body><h1> One  headline </h1>"
                "</body></html>").headline == "One headline"
    # two h1s (site logo and story): no guess
    assert page("<html><body><h1>Site</h1><h1>Story</h1></body></html>").headline is None


def test_json_ld_is_read_whatever_the_wrapping_and_one_bad_script_costs_only_itself():
    html = ("<html><head>"
            '<script type="application/ld+json">{"@type": "Organization", broken</script>'
            + ld(STORY, type_="application/ld+json; charset=utf-8")
            + '<script type="application/ld+json"><!--\n{"@type": "WebSite", "name": "Ex"}\n--></script>'
            + '<script type="application/ld+json">\n// generated\n{"@type": "BreadcrumbList"}</script>'
            + "</head></html>")
    found = page(html)
    assert [n["@type"] for n in found.jsonld] == ["NewsArticle", "WebSite", "BreadcrumbList"]
    assert found.jsonld is found.jsonld  # read once


def test_published_is_the_articles_time_not_a_comments():
    comment = {"@type": "Comment", "datePublished": "2024-05-07T00:00:00Z", "text": "x"}
    html = "<html><head>" + ld(comment, STORY) + "</head></html>"
    assert published(page(html)) == datetime(2024, 5, 6, 6, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("head", "body", "want"), [
    # the JSON-LD "headline" is a description the <title> does not name (an encyclopedia)
    ('<title>New Zealand - Wikipedia</title><meta property="og:title" content="New Zealand - Wikipedia">'
     + ld({"@type": "Article", "headline": "constitutional monarchy in Oceania",
           "publisher": {"@type": "Organization", "name": "Wikimedia Foundation, Inc."}}),
     "<h1>New Zealand</h1>", "New Zealand"),
    # an SEO plugin writes the site's name into the JSON-LD headline itself
    ("<title>Daily Deals: Controllers and More - IGN</title>"
     + ld({"@type": "NewsArticle", "headline": "Daily Deals: Controllers and More - IGN",
           "publisher": {"@type": "Organization", "name": "IGN"}}),
     "<h1>Games</h1><h1>Entertainment</h1>", "Daily Deals: Controllers and More"),
    # the h1 is the site's logo; the story's title is only in the head
    ('<title>Babies Who Eat Peanuts Early May Avoid Allergy - WebMD</title>'
     '<meta property="og:site_name" content="WebMD">', "<h1>Allergies Health Center</h1>",
     "Babies Who Eat Peanuts Early May Avoid Allergy"),
    # a section label beside the headline in og:title, the h1 alone
    ('<title>Opinion | Republicans Are Following Trump - The New York Times</title>'
     '<meta property="og:title" content="Opinion | Republicans Are Following Trump">',
     "<h1>Republicans Are Following Trump</h1>", "Republicans Are Following Trump"),
    # entities a CMS left escaped in its JSON-LD
    ("<title>Brexit &#8216;deal&#8217; agreed | Example News</title>"
     + ld({"@type": "NewsArticle", "headline": "Brexit &#8216;deal&#8217; agreed"}), "",
     "Brexit \u2018deal\u2019 agreed"),
    # a "publisher" named with the headline itself (a real portal's JSON-LD) names no site
    ("<title>Nintendo's first iPhone game will launch in December</title>"
     + ld({"@type": "WebPage",
           "publisher": {"name": "Nintendo's first iPhone game will launch in December"}}),
     "", "Nintendo's first iPhone game will launch in December"),
    # nothing but a <title>: the host's own name cut from it
    ("<title>Council votes on the budget | Zeitung.example</title>", "", "Council votes on the budget"),
])
def test_real_title_patterns(head, body, want):
    found = Page("https://www.zeitung.example/2024/05/06/story", lxml.html.document_fromstring(
        f"<html><head>{head}</head><body>{body}</body></html>"))
    assert found.headline == want


@pytest.mark.parametrize(("url", "html", "listing"), [
    ("https://news.example/world/", "<html><body><h1>World</h1>" + card(1) + card(2) + "</body></html>",
     "2 article card(s)"),
    ("https://news.example/world/", '<html><head><meta property="og:type" content="website"></head>'
     "<body><h1>World</h1>" + card(1) + "</body></html>", "1 article card(s)"),
    ("https://news.example/tag/energy", "<html><body><p>x</p></body></html>", "navigation URL"),
    ("https://news.example/page/3", "<html><body><p>No more stories.</p></body></html>", "navigation URL"),
    ("https://news.example/markets/?page=2", "<html><body><p>x</p></body></html>", "a listing's page"),
    # real articles: a story continued on a next page, an id and ?page=1 in the URL, a wiki's
    # many section headings linking elsewhere, one related-story card
    ("https://news.example/view.html?idx=8576&page=1", '<html><head><link rel="next" href="?page=2">'
     "</head><body><h1>Story</h1>" + "<h2><a href='/wiki/x'>Section</a></h2>" * 30 + card(1)
     + "</body></html>", None),
    ("https://blog.example/?p=123", "<html><body><h1>Post</h1><p>x</p></body></html>", None),
])
def test_listings_are_told_from_articles(url, html, listing):
    assert Page(url, lxml.html.document_fromstring(html)).listing == listing


@pytest.mark.parametrize(("url", "head", "body", "want"), [
    # a <title> that is only the site's name names no article: the page's one h1
    ("https://example.com/news/bridge", "<title>Example</title>", "<h1>Council votes on the new bridge</h1>",
     "Council votes on the new bridge"),
    # a subdomain is no site name: only the host's own (bbc of news.bbc.co.uk) is cut
    ("http://news.bbc.co.uk/1/hi/7.stm", "<title>Fake news - the real story - BBC</title>", "",
     "Fake news - the real story"),
    ("https://example.com/a/b", "<title>| Headline here | Example</title>", "", "Headline here"),
])
def test_site_names_and_odd_titles(url, head, body, want):
    found = Page(url, lxml.html.document_fromstring(f"<html><head>{head}</head><body>{body}</body></html>"))
    assert found.headline == want


def test_hostile_titles_and_scripts_are_read():
    """Inputs that made regexes backtrack (a 40k run of dashes, 80k newlines in a JSON-LD
    script: 10-60 s each before) and a <title> of 400 parts compared part by part (cubic)."""
    html = ("<html><head><title>" + " | ".join(f"part {i}" for i in range(400)) + "-" * 40_000 + "x</title>"
            '<script type="application/ld+json">{' + "\n" * 80_000 + "</script></head><body>"
            + "".join(f"<h1>part {i}</h1>" for i in range(3)) + "</body></html>")
    found = Page("https://example.com/a/b", lxml.html.document_fromstring(html))
    assert found.jsonld == ()  # not JSON: skipped
    assert found.headline == "part 0"  # the h1 the <title> starts with


@pytest.mark.parametrize(("ref", "expected"), [
    ("posts/123/", "https://forum.example/threads/t.1/posts/123/"),  # relative, two slashes
    ("#post-9", "https://forum.example/threads/t.1/page-2#post-9"),
    ("/members/ann.3/", "https://forum.example/members/ann.3/"),
    ("https://cdn.example", "https://cdn.example"),
    ("https://other.example/a/b", "https://other.example/a/b"),
    ("../t.2/", "https://forum.example/threads/t.2/"),
])
def test_join_resolves_relative_refs_as_urljoin_does(ref, expected):
    from urllib.parse import urljoin

    from pipelines.platforms.base import join

    base = "https://forum.example/threads/t.1/page-2"
    assert join(base, ref) == expected
    assert join(base, ref) == urljoin(base, ref)


def test_a_relative_canonical_resolves_against_the_pages_base_href():
    """vBulletin 4 writes `<base href="https://forum.example/">` and a relative canonical."""
    from pipelines.platforms.base import Hints

    html = ('<html><head><base href="https://forum.example/">'
            '<link rel="canonical" href="showthread.php/9687-title"></head><body></body></html>')
    found = Page("https://forum.example/forums/showthread.php/9687-title?page=2",
                 lxml.html.document_fromstring(html))
    assert Hints().canonical_url(found) == "https://forum.example/showthread.php/9687-title"
    without = html.replace('<base href="https://forum.example/">', "")
    found = Page("https://forum.example/forums/x.php", lxml.html.document_fromstring(without))
    assert Hints().canonical_url(found) == "https://forum.example/forums/showthread.php/9687-title"


def test_block_text_breaks_lines_inside_inline_elements_and_table_cells():
    from pipelines.platforms.base import block_text

    html = ("<div>a <span>b<br>c <b>d</b></span> e<p>f</p>g"
            "<table><tr><td>x</td><td>y</td></tr></table>"
            "<span><p>p1</p><p>p2</p></span><span>s<script>bad()</script>t</span></div>")
    assert block_text(lxml.html.fromstring(html)).split("\n") == [
        "a b", "c d e", "f", "g", "x", "y", "p1", "p2", "st"]
