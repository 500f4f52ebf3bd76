"""Drupal 7 (core comment module, RDF module markup, Bartik/Garland-style themes)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml.html import HtmlElement

from .base import Platform, absolute, has_class

_COMMENT_PATH = re.compile(r"^/comment/(\d+)/?$")
# Paths every Drupal site has that lead to forms, accounts, searches or endless calendars.
_TRAP_PATH = re.compile(
    r"^/(?:comment/reply|comment/\d+/(?:edit|delete)|user|node/add|search|filter/tips"
    r"|admin|calendar|print|forward)(?:/|$)"
)
_TRAP_QUERY = {"destination", "sort", "order", "replytocom", "keys"}


def _page_of(url: str) -> int:
    for key, value in parse_qsl(urlsplit(url).query):
        if key == "page" and value.isdigit():
            return int(value)
    return 0


def _with_page(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    if page:
        query.append(("page", str(page)))
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


class Drupal7(Platform):
    name = "drupal7"

    def detect(self, tree: HtmlElement, url: str) -> bool:
        generator = tree.xpath("//head/meta[translate(@name, 'G', 'g')='generator']/@content")
        if any(g.startswith("Drupal 7") for g in generator):
            return True
        return bool(tree.xpath("//script[contains(., 'jQuery.extend(Drupal.settings')]"))

    def _node(self, tree: HtmlElement) -> list[HtmlElement]:
        return tree.xpath(
            f"//div[{has_class('node')}][starts-with(@id, 'node-')][not({has_class('node-teaser')})]"
        )

    def is_article(self, tree: HtmlElement, url: str) -> bool:
        return bool(self._node(tree))

    def article_links(self, tree: HtmlElement, url: str) -> list[str]:
        hrefs = tree.xpath(
            f"//div[{has_class('node-teaser')}]//h2//a/@href"
            f" | //div[{has_class('views-row')}]//*[{has_class('views-field-title')}]//a/@href"
        )
        return list(dict.fromkeys(absolute(url, hrefs)))

    def index_pages(self, tree: HtmlElement, url: str) -> list[str]:
        hrefs = tree.xpath(
            f"//ul[{has_class('pager')}][not(ancestor::*[@id='comments'])]"
            f"/li[{has_class('pager-next')}]/a/@href"
        )
        return list(dict.fromkeys(absolute(url, hrefs)))

    def thread_pages(self, tree: HtmlElement, url: str) -> list[str]:
        # The comment pager sits in the comment wrapper (or right after it in some themes).
        # Drupal shows at most 9 page links, so the range comes from the highest one ("last »").
        hrefs = tree.xpath(
            f"//*[@id='comments']//ul[{has_class('pager')}]//a/@href"
            f" | //*[@id='comments']/following-sibling::*//ul[{has_class('pager')}]//a/@href"
        )
        links = [u for u in absolute(url, hrefs) if not self.is_trap(u)]
        if not links:
            return []
        last = max(_page_of(u) for u in links)
        base = links[0]
        return [_with_page(base, page) for page in range(last + 1)]

    def permalinks(self, tree: HtmlElement, url: str) -> list[str]:
        hrefs = tree.xpath(
            f"//div[{has_class('comment')}]/@about"
            f" | //div[{has_class('comment')}]//a[{has_class('permalink')}]/@href"
        )
        return [
            u for u in dict.fromkeys(absolute(url, hrefs)) if _COMMENT_PATH.match(urlsplit(u).path)
        ]

    def is_trap(self, url: str) -> bool:
        parts = urlsplit(url)
        if _TRAP_PATH.match(parts.path):
            return True
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            # `?q=comment/reply/1` is the same trap on a site without clean URLs
            if key in _TRAP_QUERY or (key == "q" and _TRAP_PATH.match("/" + value)):
                return True
        return False
