"""The per-platform contracts: crawl hints (what to follow) and thread parsers (what a page says)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement

if TYPE_CHECKING:
    from .page import Page

_BLOCKS = {"p", "div", "blockquote", "ul", "ol", "li", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
           "table", "tr", "td", "th", "caption", "dl", "dt", "dd", "figure", "figcaption", "section",
           "article", "header", "footer", "aside", "nav", "main", "address", "hr"}
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_SPACE = re.compile(r"\s")


@dataclass(slots=True)
class Comment:
    """One comment as a platform parser sees it on one page."""

    comment_id: str
    parent_id: str | None  # None: top level (or unknown, see parent_known)
    author: str | None
    published: datetime | None  # timezone-aware UTC, None when the page does not say
    text: str
    permalink: str | None
    order: int  # document order on its page
    parent_known: bool = True  # False: a reply whose parent the page does not name
    confidence: str = "high"
    author_name: str | None = None  # a full name shown beside the username, if any


@dataclass(frozen=True, slots=True)
class Signals:
    """What detection looks for, gathered in one pass over the page (shared by every
    platform's `detect`): each platform first checks a necessary condition here, so a page
    runs one platform's full-page XPaths, not those of every platform tried before it."""

    classes: frozenset[str]  # every class token
    ids: frozenset[str]  # every id value
    generators: tuple[str, ...]  # <meta name="generator"> contents, in document order
    meta_names: frozenset[str]
    links: tuple[tuple[str, str], ...]  # (rel, href) of each <link>, in document order
    script_srcs: tuple[str, ...]  # <script src>, as written
    scripts: tuple[str, ...]  # the text of each script element

    @property
    def assets(self) -> tuple[str, ...]:
        """<link href> and <script src>, as written."""
        return (*(href for _, href in self.links), *self.script_srcs)


_CLASSES = etree.XPath("//@class", smart_strings=False)  # plain strings: no parent refs
_IDS = etree.XPath("//@id", smart_strings=False)


def signals(tree: HtmlElement) -> Signals:
    """The page's Signals, in one pass over the whole document (whatever element of it is
    passed, as `//` XPaths see the whole document). Kept by `Page.signals`: computed once."""
    root = tree.getroottree().getroot()
    classes: set[str] = set()
    for value in set(_CLASSES(root)):
        classes.update(value.split())
    generators: list[str] = []
    names: set[str] = set()
    links: list[tuple[str, str]] = []
    srcs: list[str] = []
    scripts: list[str] = []
    for el in root.iter("meta", "link", "script"):
        if el.tag == "meta":
            name = el.get("name") or ""
            names.add(name)
            if name.replace("G", "g") == "generator":
                generators.append(el.get("content") or "")
        elif el.tag == "link":
            links.append((el.get("rel") or "", el.get("href") or ""))
        else:
            if src := el.get("src"):
                srcs.append(src)
            if el.text:
                scripts.append(el.text)
    return Signals(frozenset(classes), frozenset(_IDS(root)), tuple(generators),
                   frozenset(names), tuple(links), tuple(srcs), tuple(scripts))


def utc(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp with an offset, as UTC; None for anything less certain."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        return moment.astimezone(timezone.utc) if moment.tzinfo else None
    except (ValueError, OverflowError):  # 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        return None


def block_text(element: HtmlElement) -> str:
    """Readable text of a rich-text field: one line per paragraph, quotes marked with "> "."""
    lines: list[str] = []
    _collect(element, lines)
    return "\n".join(line for line in lines if line)


def _collect(root: HtmlElement, lines: list[str]) -> None:
    """Block elements depth first, on a stack of our own: pages nest deeper than Python
    recurses. A frame is a block's remaining children, its inline text so far, its quoting."""

    def flush(inline: list[str], quote: bool) -> None:
        text = _SPACES.sub(" ", "".join(inline)).strip()
        if text:
            lines.append("> " + text if quote else text)
        inline.clear()

    # an inline element is walked too (its <br>s and blocks break lines), sharing its
    # parent's inline text: its frame carries its tail, added when the frame ends
    stack: list[tuple[Iterator[HtmlElement], list[str], bool, str | None]] = [
        (iter(root), [root.text or ""], False, None)]
    while stack:
        children, inline, quote, tail = stack[-1]
        for child in children:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in _BLOCKS:
                flush(inline, quote)
                inline.append(child.tail or "")  # comes after the child's own lines
                stack.append((iter(child), [child.text or ""], quote or tag == "blockquote", None))
                break
            if tag == "br":
                flush(inline, quote)
            elif tag and tag not in ("script", "style", "template", "noscript"):
                inline.append(child.text or "")
                stack.append((iter(child), inline, quote, child.tail or ""))
                break
            inline.append(child.tail or "")
        else:
            stack.pop()
            if tail is None:
                flush(inline, quote)
            else:
                inline.append(tail)


def absolute(base: str, hrefs: Iterable[str]) -> Iterator[str]:
    """Absolute http(s) URLs without fragments, in document order; each href resolved once
    (a page of 10,000 comments names each permalink two or three times). Root-relative
    hrefs without dot segments, most of a page's links, skip urljoin: on the reactor."""
    try:
        parts = urlsplit(base)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and (
            parts.hostname) else None
    except ValueError:
        origin = None
    for href in dict.fromkeys(h.strip() for h in hrefs):
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        if origin and href[0] == "/" and href[1:2] != "/" and "/." not in href and "\\" not in href:
            yield origin + href.partition("#")[0]
            continue
        try:
            url = urljoin(base, href).partition("#")[0]
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") and parts.hostname:
                yield url
        except ValueError:  # "Invalid IPv6 URL" and other hrefs no browser would follow
            continue


@lru_cache(maxsize=256)
def _origin(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def join(base: str, ref: str) -> str:
    """urljoin, without parsing twice the refs most pages are made of (10,000 comments name
    10,000 anchors or root-relative links): `#frag`, `/path`, `https://...` as they are."""
    if not ref:
        return base
    if ref[0] == "#":
        return base.partition("#")[0] + ref
    if "/." not in ref and "\\" not in ref and _SPACE.search(ref) is None:
        if ref[0] == "/" and ref[1:2] != "/" and (origin := _origin(base)):
            return origin + ref
        if ref.startswith(("https://", "http://")) and ("/" in ref[8:] or ref.count("/") == 2):
            return ref  # absolute already: with a path, or a bare origin
    return urljoin(base, ref)


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def document_base(page: Page) -> str:
    """What the page's relative links resolve against: its `<base href>` (resolved against the
    page URL, on the page's own scheme), else the page URL."""
    for el in page.tree.iter("base"):
        if (href := (el.get("href") or "").strip()) and not href.startswith(("javascript:", "data:")):
            with_base = urljoin(page.url, href)
            if urlsplit(with_base).scheme in ("http", "https"):
                return with_base
        break  # only the first <base> counts
    return page.url


def has_class(cls: str) -> str:
    """XPath predicate matching one class token, like CSS `.cls`."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')"


class Hints:
    """Crawl hints: what the spider needs to stay on an article's thread. Cheap (a few
    XPaths or one pass over the tree), they never parse comments. Every method but the
    URL-only ones takes an already analysed Page."""

    name: ClassVar[str] = "generic"

    def detect(self, page: Page) -> bool:
        """Does this page come from this platform?"""
        return True

    def is_article(self, page: Page) -> bool:
        """Is this the page of one article (or a page of its comment thread)?"""
        return False

    def article_links(self, page: Page) -> list[str]:
        """Articles listed on an index or section page."""
        return []

    def index_pages(self, page: Page) -> list[str]:
        """Further pages of an index or section page."""
        return []

    def thread_pages(self, page: Page) -> Iterable[str]:
        """Every other page of this article's comment thread, in page order. May be lazy (a
        pager can claim 200,000 pages): the spider takes at most THREAD_MAX_THREAD_PAGES."""
        return []

    def permalinks(self, page: Page) -> list[str]:
        """The permalink of each comment on this page, from its links alone."""
        return []

    def is_trap(self, url: str) -> bool:
        """Links a crawler must never follow: reply forms, logins, sort orders, calendars."""
        return False

    def permalink_comment_id(self, url: str) -> str | None:
        """The comment a permalink URL points at, from the URL alone."""
        return None

    def canonical_url(self, page: Page) -> str:
        """The page's canonical URL, if it names one on its own host (a page cannot file its
        comments under another site's article); else the page URL."""
        own = _host(page.url)
        hrefs = [href for rel, href in page.signals.links if rel.lower() == "canonical"]
        same_host = (u for u in absolute(document_base(page), hrefs) if _host(u) == own)
        return next(same_host, urldefrag(page.url)[0])

    def article_key(self, page: Page) -> str:
        """The URL that names the article this page belongs to (pages of a thread share it)."""
        return self.canonical_url(page)

    def page_number(self, page: Page) -> int:
        """Which page of the comment thread this is (0-based)."""
        return 0


class ThreadParser:
    """Extraction: the comments of one page and what the platform says of its article."""

    # Where the comment thread sits in a page: pruned before the article body is extracted.
    thread_xpath: ClassVar[str | None] = None
    # Nested display (replies under their parent, pages continuing one depth-first walk): the
    # thread order is that walk over the merged tree. False for flat, chronological threads.
    threaded: ClassVar[bool] = True

    def comments_status(self, page: Page) -> str:
        """`html` when the thread is in the page (no comments is then a real 0);
        `not_in_html` when a script loads it; `none` when the page has no comment section;
        `unparsed` when it may have one no parser reads (no comments are reported)."""
        return "unparsed"

    def parse(self, page: Page) -> list[Comment]:
        """The comments on this page, in document order. Prefer none to wrong ones."""
        return []

    def article(self, page: Page) -> ArticleMeta:
        """What the platform states of the article: headline, author, time, site."""
        return ArticleMeta(
            title=page.headline,
            author=None,
            published=published(page),
            site_name=page.meta.get("og:site_name"),
            language=page.tree.get("lang") or page.tree.get("xml:lang") or None,
        )


@dataclass(slots=True)
class ArticleMeta:
    """The article's fields a platform or the page's metadata states; trafilatura fills the
    body, and what these leave empty."""

    title: str | None = None
    author: str | None = None  # the name the platform shows for the author's comments too
    published: datetime | None = None
    site_name: str | None = None
    author_name: str | None = None  # a full name shown beside the username, if any
    language: str | None = None  # as the page declares it (<html lang>)
    site_names: frozenset[str] = frozenset()  # what names the site: cut from any title


def published(page: Page) -> datetime | None:
    """The publication time the page states with a timezone (Open Graph, schema.org)."""
    from .page import ARTICLE_TYPES, schema_types

    values = [node.get("datePublished") for node in page.jsonld
              if schema_types(node.get("@type")) & ARTICLE_TYPES]
    values += [page.meta.get("article:published_time")]
    values += page.tree.xpath("//meta[@itemprop='datePublished']/@content")
    return next(filter(None, map(utc, (v for v in values if isinstance(v, str)))), None)


@dataclass(frozen=True, slots=True)
class Platform:
    """A platform: its crawl hints and its thread parser. The spider only sees `hints`."""

    name: str
    hints: Hints
    thread: ThreadParser
