"""One fetched or archived HTML page, analysed at most once whoever asks.

The spider builds a Page from a Scrapy response (its already parsed tree), publishing builds
one from a WARC record's decoded HTML. Every platform's hints and thread parser read the same
Page: the signals, the JSON-LD and the article evidence are computed on first use and kept.

JSON-LD is read here rather than with extruct: extruct's loader lets one malformed script
abort the whole page and matches only the exact `type="application/ld+json"`; real pages
write `application/ld+json; charset=utf-8`, wrap scripts in `<!-- -->` or CDATA, and break
one script of five.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cached_property
from itertools import islice
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import lxml.html
from courlan import is_navigation_page
from lxml import etree
from lxml.html import HtmlElement

from . import titles
from .base import Signals, absolute, signals

# huge_tree: libxml2 stops at a nesting depth of 256 without it (2048 with it) and drops the
# rest of the page, comments included; its other limits guard sizes DATASET_MAX_PAGE_BYTES caps.
PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, default_doctype=False,
                              huge_tree=True)
_LD = etree.XPath(
    "//script[starts-with(translate(normalize-space(@type), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',"
    " 'abcdefghijklmnopqrstuvwxyz'), 'application/ld+json')]")
_HEADINGS = ("h1", "h2", "h3", "h4")
_INDEX_CARDS = 3  # <article> cards linking elsewhere: an index page
_INDEX_HEADINGS = 5  # h2-h4 headings linking elsewhere, for a page without <article>
_WORD = re.compile(r"[^\W\d_]{2,}")
_ITEMTYPES = etree.XPath("//*[@itemscope]/@itemtype", smart_strings=False)
_JS_COMMENT_LINE = re.compile(r"^[ \t]*//.*$", re.MULTILINE)  # [ \t]: \s spans lines (quadratic)

# What a page is when it is one article: schema.org's CreativeWork types news sites, blogs and
# forums use for one story or one topic.
ARTICLE_TYPES = frozenset({
    "Article", "NewsArticle", "ReportageNews", "AnalysisNewsArticle", "OpinionNewsArticle",
    "ReviewNewsArticle", "BackgroundNewsArticle", "AskPublicQuestion", "LiveBlogPosting",
    "BlogPosting", "SocialMediaPosting", "DiscussionForumPosting", "TechArticle",
    "ScholarlyArticle", "Report", "SatiricalArticle", "Review",
})


def schema_types(value: Any) -> set[str]:
    """schema.org type names, whatever the prefix: "Comment", "schema:Comment", "https://schema.org/Comment"."""
    values = value if isinstance(value, list) else str(value or "").split()
    return {re.split(r"[/:#]", str(v).rstrip("/"))[-1] for v in values}


def walk(data: Any) -> Iterator[dict[str, Any]]:
    """Every object in a JSON value, depth first, parents before children."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def _unwrap(text: str) -> str:
    """A script's JSON without the `<!-- -->` or CDATA wrapping some CMSs put around it."""
    text = text.strip()
    for start, end in (("<!--", "-->"), ("<![CDATA[", "]]>"), ("//<![CDATA[", "//]]>")):
        if text.startswith(start):
            text = text.removeprefix(start).removesuffix(end).strip()
    return text


class Page:
    """URL, lxml tree and what is derived from them, each at most once."""

    def __init__(self, url: str, tree: HtmlElement, *, cut_deep: bool = False) -> None:
        self.url = url
        self.tree = tree
        self.cut_deep = cut_deep  # libxml2 stopped at MAX_DEPTH: the end of the page is missing
        self.memo: dict[str, Any] = {}  # a platform's own per-page findings (posts, story rows)

    @classmethod
    def parse(cls, url: str, html: str) -> Page | None:
        """None when lxml finds no document in it."""
        try:
            tree = lxml.html.document_fromstring(html.encode("utf-8"), parser=PARSER)
        except etree.ParserError:  # "Document is empty": whitespace, or nothing at all
            return None
        if tree is None:
            return None
        cut = any("Excessive depth" in e.message for e in PARSER.error_log)
        return cls(url, tree, cut_deep=cut)

    @classmethod
    def from_response(cls, response: Any) -> Page:
        """The tree Scrapy's selector already parsed."""
        return cls(response.url, response.selector.root)

    @cached_property
    def signals(self) -> Signals:
        return signals(self.tree)

    @cached_property
    def jsonld(self) -> tuple[dict[str, Any], ...]:
        """Every JSON-LD object of the page (top-level, @graph members and nested ones), in
        document order; scripts that do not parse are skipped one by one."""
        nodes: list[dict[str, Any]] = []
        for script in _LD(self.tree):
            text = _unwrap(script.text or "")
            for attempt in (text, _JS_COMMENT_LINE.sub("", text)):
                try:
                    nodes.extend(walk(json.loads(attempt, strict=False)))
                    break
                except (ValueError, RecursionError):
                    continue
        return tuple(nodes)

    @cached_property
    def meta(self) -> dict[str, str]:
        """`<meta property|name=... content=...>`, first of each, names in lower case."""
        found: dict[str, str] = {}
        for el in self.tree.iter("meta"):
            key = (el.get("property") or el.get("name") or "").strip().lower()
            content = (el.get("content") or "").strip()
            if key and content and key not in found:
                found[key] = content
        return found

    @cached_property
    def article_evidence(self) -> str | None:
        """Why this page is ONE article, by the signs sites give, or None: `og:type=article`;
        `json-ld:NewsArticle` (one article node, by headline); `microdata:Article` (one item of
        an article type); `article+time` (the one <article> with a <time datetime> and a
        heading that links nowhere else); `h1+time` (the page's one h1, of 3 words or more,
        linking nowhere else, with a <time datetime> beside it). The structural signs are not
        trusted on a page with several <article> cards or many heading links (an index), nor is
        any sign on a site's root path (front pages that declare og:type=article exist)."""
        parts = urlsplit(self.url)
        if parts.path.strip("/") == "" and not parts.query:  # /?p=123 can be one
            return None
        # (not "unless it holds article cards": real stories list related ones as cards; tried
        # on 274 real saved pages, 16 were lost)
        if self.meta.get("og:type", "").lower() in ("article", "og:article"):
            return "og:type=article"
        found: dict[str, str] = {}
        for node in self.jsonld:
            if kinds := schema_types(node.get("@type")) & ARTICLE_TYPES:
                ident = node.get("headline") or node.get("name") or node.get("@id") or node.get("url")
                found.setdefault(json.dumps(ident, sort_keys=True, default=str), min(kinds))
        if len(found) == 1:
            return f"json-ld:{next(iter(found.values()))}"
        items = [kinds for itemtype in _ITEMTYPES(self.tree)
                 if (kinds := schema_types(itemtype) & ARTICLE_TYPES)]
        if len(items) == 1:
            return f"microdata:{min(items[0])}"
        return self._structure()

    def _elsewhere(self, el: HtmlElement) -> bool:
        """A link to another page inside `el`, or around it."""
        hrefs = [x.get("href") for x in el.iter("a")]
        hrefs += [x.get("href") for x in islice(el.iterancestors("a"), 1)]
        return any(u != self.url for u in absolute(self.url, [h for h in hrefs if h]))

    @cached_property
    def _cards(self) -> int:
        """`<article>` elements whose heading links to another page: an index's cards."""
        return sum(1 for art in self.tree.iter("article")
                   if any(self._elsewhere(h) for h in art.iter(*_HEADINGS)))

    @cached_property
    def listing(self) -> str | None:
        """Why this page lists articles rather than being one (for a page with no article
        sign): a navigation URL by courlan (tags, categories, authors, `/page/N`; the path
        only, as `?p=123` is a WordPress post), a listing's `?page=N` (N > 1), or cards (2 or
        more `<article>`s whose heading links elsewhere, or 1 on an og:type=website page). Not
        `<link rel=next>` nor headings linking elsewhere: real articles have both (a
        multi-page story, a wiki's sections)."""
        parts = urlsplit(self.url)
        if is_navigation_page(f"{parts.scheme}://{parts.netloc}{parts.path}"):
            return "navigation URL"
        if any(k in ("page", "paged") and v.isdecimal() and v.isascii() and 1 < int(v[:9] or 0)
               for k, v in parse_qsl(parts.query)):
            return "a listing's page"  # (?page=1 is in some sites' article URLs)
        if self._cards >= 2 or (self._cards and self.meta.get("og:type", "").lower() == "website"):
            return f"{self._cards} article card(s)"
        return None

    def _structure(self) -> str | None:
        """`article+time` or `h1+time`, unless the page is an index of cards."""
        root = self.tree
        elsewhere = self._elsewhere
        articles = list(root.iter("article"))
        if self._cards >= _INDEX_CARDS:
            return None
        dated = {art for art in articles if art.find(".//time[@datetime]") is not None and any(
            not elsewhere(h) for h in art.iter("h1", "h2", "h3"))}  # a linked card's heading links
        # one such article, counting those nested in it (comments with a heading) as part of it
        if len([art for art in dated if not any(up in dated for up in art.iterancestors("article"))]) == 1:
            return "article+time"
        h1s = [h for h in root.iter("h1") if " ".join(h.itertext()).strip()]
        if len(h1s) != 1 or elsewhere(h1s[0]) or len(_WORD.findall(" ".join(h1s[0].itertext()))) < 3:
            return None
        headings = sum(1 for h in root.iter("h2", "h3", "h4") if elsewhere(h))
        near = [el for el in islice(h1s[0].iterancestors(), 3) if el.tag not in ("body", "html")]
        if headings < _INDEX_HEADINGS and any(el.find(".//time[@datetime]") is not None for el in near):
            return "h1+time"
        return None

    @cached_property
    def headline(self) -> str | None:
        """The article's own headline, never the `<title>` with the site's name (titles.py)."""
        return titles.headline(self)

    @cached_property
    def site_names(self) -> frozenset[str]:
        """What names the site (compared loosely): to cut it from any title."""
        return titles.site_names(self)
