"""The newscms demo site (a news CMS no platform knows, seeded with its homepage only) on port 0:
each article is where its truth says a crawler can find it, and nowhere else."""

from __future__ import annotations

import http.client
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import lxml.html
import pytest
from lxml.html import HtmlElement

from demosite import DemoSite, build_site, serve
from demosite.newscms import NewsCms
from demosite.renderers import RENDERERS, renderer

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"
ATOM_NS = "{http://www.w3.org/2005/Atom}"
COMMENT = "https://schema.org/Comment"
# What gives a known platform away: none of it may be on these pages.
KNOWN = re.compile(r"drupal|wp-content|wp-json|wordpress|discourse|hacker news|reddit|athing|"
                   r"sioc:|node/\d|/comment/\d|comment-page-|replytocom|generator", re.I)


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with serve(slow_seconds=0, platform="newscms") as server:
        yield server


@pytest.fixture(scope="module")
def truth(site: DemoSite) -> dict[str, Any]:
    return site.truth


def get(site: DemoSite, url: str) -> tuple[int, str, bytes]:
    """(status, Content-Type, body) of a GET over a fresh connection."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(*site.server_address[:2], timeout=5)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type", ""), resp.read()
    finally:
        conn.close()


def page(site: DemoSite, url: str) -> HtmlElement:
    status, ctype, body = get(site, url)
    assert (status, ctype) == (200, "text/html; charset=utf-8"), url
    return lxml.html.fromstring(body)


def links(tree: HtmlElement, url: str, xpath: str = "//a/@href") -> list[str]:
    return [urljoin(url, h).partition("#")[0] for h in tree.xpath(xpath)]


def cards(tree: HtmlElement, url: str) -> list[str]:
    """Each card's article, whichever of the three layouts it uses."""
    return [next(iter(dict.fromkeys(links(card, url, ".//a[not(contains(@class, 'card-author'))]/@href"))))
            for card in tree.xpath("//article[contains(@class, 'card')]")]


def xml_locs(site: DemoSite, url: str, tag: str) -> list[str]:
    status, _, body = get(site, url)
    assert status == 200, url
    return [e.text or "" for e in ET.fromstring(body).iter(tag)]


def test_registered_and_seeded_with_the_homepage_only(truth: dict[str, Any]) -> None:
    assert renderer("newscms") is NewsCms
    assert "newscms" in RENDERERS
    assert truth["seeds"] == {"index": truth["base_url"] + "/"}
    found = truth["discovery"]
    assert found["article_urls"] == [a["url"] for a in truth["articles"]]
    groups = [found[k] for k in ("on_homepage", "sections_only", "feed_and_sitemap_only", "sitemap_only")]
    assert sorted(u for g in groups for u in g) == sorted(found["article_urls"])  # each in one group
    assert all(groups)
    assert len(found["sections_only"]) >= 2


def test_homepage_shows_cards_of_some_articles_and_links_what_is_not_wanted(
        site: DemoSite, truth: dict[str, Any]) -> None:
    base, found = truth["base_url"], truth["discovery"]
    home = page(site, base + "/")
    assert cards(home, base + "/") == found["on_homepage"]
    for card in home.xpath("//article[contains(@class, 'card')]"):
        when = card.xpath("string(.//time/@datetime)")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", when)
    hrefs = set(links(home, base + "/"))
    assert {f"{base}/world/", f"{base}/markets/"} <= hrefs
    assert set(found["homepage_unwanted"]) <= hrefs  # tag, author, login, search, ...
    assert set(found["homepage_unwanted"]) <= set(truth["traps"])
    offsite = {u for u in hrefs if urlsplit(u).hostname != urlsplit(base).hostname}
    assert offsite >= set(found["offsite_links"][:2])
    assert any(u.startswith("https://twitter.com/intent/tweet?url=") for u in hrefs)
    feeds = home.xpath("//head/link[@rel='alternate'][@type='application/rss+xml']/@href")
    assert feeds == ["/feeds/latest.rss"]
    assert not (set(found["article_urls"]) - set(found["on_homepage"])) & hrefs
    assert not KNOWN.search(lxml.html.tostring(home, encoding="unicode"))


def test_every_card_layout_is_used(site: DemoSite, truth: dict[str, Any]) -> None:
    base, seen = truth["base_url"], set()
    for url in [base + "/", *(u for u in truth["discovery"]["pages"] if u.endswith("/") or "?page=" in u)]:
        for card in page(site, url).xpath("//article[contains(@class, 'card')]"):
            seen.add("h3" if card.xpath("./h3/a") else "image" if card.xpath("./a/img") else "h2-in-link")
            assert card.xpath("./a/h2") or card.xpath("./h3/a") or card.xpath("./h2/a")
    assert seen == {"h3", "image", "h2-in-link"}


def test_section_pages_and_their_pagers_list_the_other_articles(
        site: DemoSite, truth: dict[str, Any]) -> None:
    base, found = truth["base_url"], truth["discovery"]
    listed, pagers = [], []
    for section in ("world", "markets"):
        url: str | None = f"{base}/{section}/"
        while url:
            tree = page(site, url)
            listed += cards(tree, url)
            assert tree.xpath("//head/link[@rel='alternate'][@type='application/atom+xml']/@href") == [
                f"/{section}/feed.atom"]
            nxt = links(tree, url, "//head/link[@rel='next']/@href")
            url = nxt[0] if nxt else None
            pagers += nxt
    assert sorted(listed) == sorted(found["on_homepage"] + found["sections_only"])
    assert pagers
    assert all(re.fullmatch(rf"{base}/\w+/\?page=\d", u) for u in pagers)
    assert get(site, f"{base}/markets/?page=9")[0] == 404
    assert get(site, f"{base}/world")[0] == 301


def test_robots_txt_is_the_only_place_naming_the_sitemap(site: DemoSite, truth: dict[str, Any]) -> None:
    base, found = truth["base_url"], truth["discovery"]
    status, _, body = get(site, base + "/robots.txt")
    rules = RobotFileParser()
    rules.parse(body.decode().splitlines())
    assert status == 200
    assert rules.site_maps() == [f"{base}/sitemap-index.xml"]
    assert get(site, base + "/sitemap.xml")[0] == 404
    assert all(rules.can_fetch("*", u) for u in found["article_urls"] + found["pages"])
    assert not any(rules.can_fetch("*", u) for u in truth["robots_disallowed"])
    for url in found["pages"] + found["article_urls"]:
        assert b"sitemap" not in get(site, url)[2].lower() or url.endswith((".xml", "robots.txt")), url


def test_the_sitemaps_together_list_every_article(site: DemoSite, truth: dict[str, Any]) -> None:
    base, found = truth["base_url"], truth["discovery"]
    children = xml_locs(site, f"{base}/sitemap-index.xml", f"{SITEMAP_NS}loc")
    assert children[0] == f"{base}/sitemaps/news.xml"
    assert set(children) <= set(found["pages"])
    status, _, body = get(site, children[0])
    news = ET.fromstring(body)
    assert status == 200
    entries = news.findall(f"{SITEMAP_NS}url")
    for entry in entries:
        when = entry.findtext(f"{NEWS_NS}news/{NEWS_NS}publication_date") or ""
        article = next(a for a in truth["articles"] if a["url"] == entry.findtext(f"{SITEMAP_NS}loc"))
        assert datetime.fromisoformat(when).tzinfo is not None
        assert entry.findtext(f"{NEWS_NS}news/{NEWS_NS}title") == article["title"]
        assert entry.findtext(f"{NEWS_NS}news/{NEWS_NS}publication/{NEWS_NS}name") == "The Demo Herald"
    plain = {loc for url in children[1:] for loc in xml_locs(site, url, f"{SITEMAP_NS}loc")}
    in_news = {e.findtext(f"{SITEMAP_NS}loc") for e in entries}
    assert set(found["feed_and_sitemap_only"]) <= in_news
    assert set(found["article_urls"]) <= in_news | plain
    assert set(found["sitemap_only"]) <= plain - in_news
    assert set(found["sitemap_extras"]) <= plain


def test_feeds_have_the_fresh_article_and_not_the_archived_one(site: DemoSite, truth: dict[str, Any]) -> None:
    base, found = truth["base_url"], truth["discovery"]
    status, ctype, body = get(site, base + "/feeds/latest.rss")
    rss = [e.text for e in ET.fromstring(body).iter("link")][1:]  # the channel's own link first
    atom = [e.get("href") for url in found["pages"] if url.endswith(".atom")
            for e in ET.fromstring(get(site, url)[2]).iter(f"{ATOM_NS}link") if e.get("rel") == "alternate"]
    assert (status, ctype) == (200, "application/rss+xml; charset=utf-8")
    assert set(found["feed_and_sitemap_only"]) <= set(rss)
    assert not set(found["sitemap_only"]) & (set(rss) | set(atom))
    assert set(rss) | {u for u in atom if u.count("/") > 4} <= set(found["article_urls"])


def test_article_page_states_itself_and_its_thread(site: DemoSite, truth: dict[str, Any]) -> None:
    art = truth["articles"][0]
    tree = page(site, art["url"])
    assert tree.findtext(".//title") == f"{art['title']} | The Demo Herald"
    meta = {m.get("property"): m.get("content") for m in tree.xpath("//meta[@property]")}
    assert (meta["og:type"], meta["og:title"]) == ("article", art["title"])
    assert meta["og:site_name"] == "The Demo Herald"
    ld = json.loads(tree.xpath("string(//script[@type='application/ld+json'])"))
    assert (ld["@type"], ld["headline"]) == ("NewsArticle", art["title"])
    assert ld["datePublished"] == art["published"]
    assert ld["author"][0]["name"] == art["author"]
    assert ld["commentCount"] == art["comment_count"]
    story = tree.xpath("//article[contains(@class, 'story')]")[0]
    assert story.findtext(".//h1") == art["title"]
    assert story.xpath("string(.//time/@datetime)") == art["published"]
    assert story.xpath("string(.//*[@class='byline'])") == f"By {art['author']}"
    assert re.fullmatch(r"/\d{4}/\d\d/\d\d/[a-z0-9-]+", urlsplit(art["url"]).path)
    assert not KNOWN.search(lxml.html.tostring(tree, encoding="unicode"))


def test_comments_are_nested_schema_org_microdata(site: DemoSite, truth: dict[str, Any]) -> None:
    for art in truth["articles"]:
        tree = page(site, art["url"]) if art["url"] != truth["special"]["legacy_charset"] else \
            lxml.html.fromstring(get(site, art["url"])[2])
        items = tree.xpath(f"//*[@itemscope][@itemtype='{COMMENT}']")
        got = []
        for item in items:
            parent = next((p for p in item.iterancestors() if p.get("itemtype") == COMMENT), None)
            author = item.xpath("string(./div[@class='cmt-head']/*[@itemprop='author']//*[@itemprop='name'])")
            got.append({
                "comment_id": item.get("id").removeprefix("comment-"),
                "parent_id": parent.get("id").removeprefix("comment-") if parent is not None else None,
                "author": author or None,
                "published": datetime.fromisoformat(item.xpath("string(./div/a/time[@itemprop='dateCreated']"
                                                               "/@datetime)")),
                "permalink": urljoin(art["url"], item.xpath("string(./link[@itemprop='url']/@href)")),
            })
        want = [{k: c[k] for k in ("comment_id", "parent_id", "author")} | {
            "published": datetime.fromisoformat(c["published"]),
            "permalink": f"{art['url']}#comment-{c['comment_id']}"} for c in art["comments"]]
        assert got == want, art["url"]  # document order is the thread order
        assert art["thread_pages"] == [art["url"]]
        assert art["permalinks"] == []


def test_special_pages(site: DemoSite, truth: dict[str, Any]) -> None:
    special = truth["special"]
    assert get(site, special["not_found"])[0] == 404
    assert get(site, special["server_error"])[0] == 500
    status, ctype, body = get(site, special["pdf"])
    assert (status, ctype) == (200, "application/pdf")
    assert body.startswith(b"%PDF-")
    status, ctype, body = get(site, special["legacy_charset"])
    assert (status, ctype) == (200, "text/html")
    assert b'<meta charset="windows-1252">' in body
    assert urlsplit(special["pdf"]).path.encode() in get(site, truth["discovery"]["sitemap_only"][0])[2]
    assert get(site, truth["base_url"] + "/page/40")[2].count(b'href="/page/41"') == 1  # no end


def test_every_listed_url_answers(site: DemoSite, truth: dict[str, Any]) -> None:
    found = truth["discovery"]
    for url in found["pages"] + found["article_urls"] + [t for t in truth["traps"] if "/page/" in t]:
        assert get(site, url)[0] == 200, url


def test_bench_size_and_determinism() -> None:
    base = "http://127.0.0.1:8080"
    one, two = NewsCms(build_site(16), base), NewsCms(build_site(16), base)
    assert one.pages == two.pages
    assert json.dumps(one.truth()) == json.dumps(two.truth())
    found = one.truth()["discovery"]
    assert len(found["article_urls"]) == 16
    assert len(found["sections_only"]) >= 10
    assert len([u for u in found["pages"] if "?page=" in u]) >= 4
