"""The per-platform interface: how to find articles, thread pages, permalinks and traps."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml.html import HtmlElement


def absolute(base: str, hrefs: Iterable[str]) -> Iterator[str]:
    """Absolute http(s) URLs without fragments, in document order."""
    for href in hrefs:
        href = href.strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        url = urldefrag(urljoin(base, href))[0]
        if urlsplit(url).scheme in ("http", "https"):
            yield url


def has_class(cls: str) -> str:
    """XPath predicate matching one class token, like CSS `.cls`."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')"


class Platform:
    """One site platform. Stateless; every method takes an already parsed page."""

    name: ClassVar[str] = "generic"

    def detect(self, tree: HtmlElement, url: str) -> bool:
        """Does this page come from this platform?"""
        return True

    def is_article(self, tree: HtmlElement, url: str) -> bool:
        """Is this the page of one article (or a page of its comment thread)?"""
        return False

    def canonical_url(self, tree: HtmlElement, url: str) -> str:
        hrefs = tree.xpath("//head/link[@rel='canonical']/@href")
        return next(absolute(url, hrefs), urldefrag(url)[0])

    def article_links(self, tree: HtmlElement, url: str) -> list[str]:
        """Articles listed on an index or section page."""
        return []

    def index_pages(self, tree: HtmlElement, url: str) -> list[str]:
        """Further pages of an index or section page."""
        return []

    def thread_pages(self, tree: HtmlElement, url: str) -> list[str]:
        """Every other page of this article's comment thread."""
        return []

    def permalinks(self, tree: HtmlElement, url: str) -> list[str]:
        """The permalink of each comment on this page."""
        return []

    def is_trap(self, url: str) -> bool:
        """Links a crawler must never follow: reply forms, logins, sort orders, calendars."""
        return False

    def parse(self, tree: HtmlElement, url: str) -> list[dict[str, Any]]:
        """The comments on this page. Prefer none to wrong ones."""
        return []
