"""Drupal 8-11 core comments (Classy, Bartik, Olivero and their sub-themes).

Drupal 8+ prints its comments with schema.org RDFa (or none, Olivero without the RDF module),
a `?page=N` pager in the comment field and `/comment/N` permalinks; a page without core
comment markup is read as schema.org data (JSON-LD, microdata), like any other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml.html import HtmlElement

from .base import ArticleMeta, Comment, Platform, absolute, block_text, has_class, utc
from .page import Page
from .schemaorg import SchemaOrgHints, SchemaOrgThread, anchor, embedded

_CORE_REF = re.compile(r"(?:^comment-|/comment/)(\d+)(?:$|[/#?])")
_TRAP_PATH = re.compile(
    r"^/(?:[a-z]{2}(?:-[a-z]+)?/)?(?:comment/reply|comment/\d+/(?:edit|delete|approve)|user|node/add"
    r"|search|filter/tips|admin|contact)(?:/|$)")
_TRAP_QUERY = {"destination", "sort", "order", "keys"}
_PERMALINK_PATH = re.compile(r"(?:/[a-z]{2}(?:-[a-z]+)?)?/comment/(\d+)/?")
_NOT_VERIFIED = re.compile(r"\s*\(not verified\)\s*$")
_PARENT_BOX = (f"{has_class('parent')} or {has_class('comment__parent')} or {has_class('comment-parent')}"
               f" or {has_class('visually-hidden')} or {has_class('sr-only')}")
_CREATED = ".//*[@property='schema:dateCreated']/@content | .//time/@datetime"
_BODY = f"{has_class('field--name-comment-body')} or @property='schema:text'"
_BOOKMARK = ".//a[@rel='bookmark' or contains(@class, 'permalink')]/@href"
_COMMENTS = f"//*[@data-comment-user-id or {has_class('js-comment')}]"
_SECTION = (f"//section[{has_class('comment-wrapper')} or {has_class('field--type-comment')}"
            " or @data-drupal-selector='comments']")
# The node's own title (Classy, Bartik, Olivero, Claro): not the <title>, "Headline | Site".
_TITLES = (f"//h1//*[{has_class('field--name-title')}]", f"//h1[{has_class('page-title')}]")


def _page_of(url: str) -> int:
    value = dict(parse_qsl(urlsplit(url).query)).get("page", "")
    return int(value) if value.isdigit() else 0


def _with_page(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    query += [("page", str(page))] if page else []
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _nodes(page: Page) -> list[HtmlElement]:
    """The core comment elements, in document order."""
    if "drupal8.nodes" not in page.memo:
        page.memo["drupal8.nodes"] = page.tree.xpath(_COMMENTS)
    return page.memo["drupal8.nodes"]


def _page_number(page: Page) -> int:
    current = page.tree.xpath(f"({_SECTION})//li[{has_class('pager__item')}][{has_class('is-active')}]")
    if current and (m := re.search(r"\d+", current[0].text_content())):
        return int(m.group()) - 1
    return _page_of(page.url)


def _own(node: HtmlElement, marks: set[HtmlElement], xpath: str) -> list[Any]:
    """Matches of xpath that belong to this comment's meta: not a reply's, nor the parent
    line's ("In reply to X by Y"), nor the body's."""
    out = []
    for hit in node.xpath(xpath):
        el = hit.getparent() if isinstance(hit, str) else hit
        for anc in [el, *el.iterancestors()]:
            if anc is node:
                out.append(hit)
                break
            if anc in marks or anc.xpath(f"self::*[{_PARENT_BOX} or {_BODY}]"):
                break
    return out


def _core_id(node: HtmlElement, marks: set[HtmlElement]) -> str | None:
    """From `id="comment-N"`, the anchor before it or `about`; else its own permalink."""
    for ref in (node.get("id") or "", anchor(node) or "", node.get("about") or ""):
        if m := _CORE_REF.search(ref):
            return m.group(1)
    return next((m.group(1) for r in _own(node, marks, _BOOKMARK) if (m := _CORE_REF.search(r))), None)


class Drupal8Hints(SchemaOrgHints):
    name = "drupal8"

    def detect(self, page: Page) -> bool:
        sig = page.signals  # the generator and scripts of one shared pass over the page
        for generator in sig.generators:
            if m := re.match(r"\s*Drupal (\d+)", generator):
                return int(m.group(1)) >= 8
        if any("jQuery.extend(Drupal.settings" in text for text in sig.scripts):
            return False  # Drupal 7
        return bool(page.tree.xpath("//script[@data-drupal-selector='drupal-settings-json']"
                                    " | (//*[@data-drupal-selector])[1]"))

    def is_article(self, page: Page) -> bool:
        return bool(_nodes(page) or page.tree.xpath(
            f"{_SECTION} | //link[@rel='shortlink'][contains(@href, '/node/')]"
            f" | //article[@data-history-node-id or {has_class('node--view-mode-full')}]"
        )) or super().is_article(page)

    def article_links(self, page: Page) -> list[str]:
        hrefs = page.tree.xpath(f"//article[{has_class('node--view-mode-teaser')}]//h2//a/@href"
                                f" | //*[{has_class('views-row')}]//a[@rel='bookmark']/@href")
        return list(dict.fromkeys([*absolute(page.url, hrefs), *super().article_links(page)]))

    def index_pages(self, page: Page) -> list[str]:
        tree = page.tree
        thread = set(tree.xpath(f"({_SECTION})//a/@href"))
        hrefs = [h for h in tree.xpath(f"//li[{has_class('pager__item--next')}]/a/@href") if h not in thread]
        return list(dict.fromkeys([*absolute(page.url, hrefs), *super().index_pages(page)]))

    def thread_pages(self, page: Page) -> Iterable[str]:
        pager = f"{has_class('pager')} or {has_class('pager__items')}"
        hrefs = page.tree.xpath(f"({_SECTION})//*[{pager}]//a/@href")
        links = [u for u in absolute(page.url, hrefs) if not self.is_trap(u)]
        if not links:
            return []
        return (_with_page(links[0], p) for p in range(max(map(_page_of, links)) + 1))  # lazily

    def permalinks(self, page: Page) -> list[str]:
        """`/comment/N` of each core comment, from its id alone; else schema.org's."""
        nodes = _nodes(page)
        if not nodes:
            return super().permalinks(page)
        marks, origin = set(nodes), _origin(page.url)
        ids = (_core_id(node, marks) for node in nodes)
        return [f"{origin}/comment/{cid}" for cid in dict.fromkeys(filter(None, ids))]

    def permalink_comment_id(self, url: str) -> str | None:
        m = _PERMALINK_PATH.fullmatch(urlsplit(url).path)
        return m.group(1) if m else None

    def is_trap(self, url: str) -> bool:
        parts = urlsplit(url)
        return (bool(_TRAP_PATH.match(parts.path)) or super().is_trap(url)
                or any(k in _TRAP_QUERY for k, _ in parse_qsl(parts.query, keep_blank_values=True)))

    def article_key(self, page: Page) -> str:
        return _with_page(self.canonical_url(page), 0)

    def page_number(self, page: Page) -> int:
        return _page_number(page)


class Drupal8Thread(SchemaOrgThread):
    thread_xpath = f"{_SECTION} | //*[@id='comments'] | //*[@id='disqus_thread'] | {_COMMENTS}"
    memo_key = "drupal8.comments"

    def comments_status(self, page: Page) -> str:
        if _nodes(page) or (page.tree.xpath(_SECTION) and not embedded(page)):
            return "html"  # the comment field, with or without comments yet
        # schema.org data, an embed; else no comment field: comments are off for this node
        return super().comments_status(page)

    def article(self, page: Page) -> ArticleMeta:
        """The node's title as the page shows it, never the `<title>` ("Headline | Site")."""
        meta = super().article(page)
        titles = (" ".join(el.text_content().split()) for xpath in _TITLES for el in page.tree.xpath(xpath))
        og_title = " ".join(page.meta.get("og:title", "").split())
        meta.title = next(filter(None, titles), None) or og_title or meta.title
        return meta

    def _parse(self, page: Page) -> list[Comment]:
        """Ids from `id="comment-N"` (or the anchor before it), parents from "In reply to", else
        from `div.indented` nesting when the parent is on this page."""
        nodes = _nodes(page)
        if not nodes:
            return super()._parse(page)
        marks = set(nodes)
        number, origin = _page_number(page), _origin(page.url)
        parents = [self._core_parent(n, marks) for n in nodes]
        shown = any(parents)  # the theme prints "In reply to": a comment without it is top level
        out: list[Comment] = []
        last_at_level: dict[int, str] = {}
        for node, stated in zip(nodes, parents, strict=True):
            cid = _core_id(node, marks)
            if cid is None:
                continue
            level = len(node.xpath(f"ancestor::div[{has_class('indented')}]"))
            parent, known = stated, True
            if parent is None and level:
                parent = last_at_level.get(level - 1)
                known = parent is not None
            elif parent is None:
                known = number == 0 or shown
            last_at_level = {k: v for k, v in last_at_level.items() if k < level} | {level: cid}
            if parent == cid:
                continue
            out.append(Comment(
                comment_id=cid, parent_id=parent, parent_known=known,
                author=self._core_author(node, marks),
                published=next(filter(None, map(utc, _own(node, marks, _CREATED))), None),
                text=self._core_text(node, marks),
                permalink=f"{origin}/comment/{cid}",
                order=len(out),
            ))
        return out

    @staticmethod
    def _core_parent(node: HtmlElement, marks: set[HtmlElement]) -> str | None:
        own = node.get("id") or ""
        for href in node.xpath(f".//*[{_PARENT_BOX}]//a/@href"):
            holder = next(a for a in href.getparent().iterancestors() if a is node or a in marks)
            if holder is node and (m := _CORE_REF.search(href)) and f"comment-{m.group(1)}" != own:
                return m.group(1)
        return None

    @staticmethod
    def _core_author(node: HtmlElement, marks: set[HtmlElement]) -> str | None:
        for xpath in (".//*[@rel='schema:author']//*[@property='schema:name']",
                      f".//*[{has_class('comment__author')}]", f".//*[{has_class('username')}]",
                      f".//*[{has_class('comment__submitted')}]/*[1]"):
            for el in _own(node, marks, xpath):
                name = _NOT_VERIFIED.sub("", " ".join(el.text_content().split()))
                return None if name in ("", "Anonymous") else name
        return None

    @staticmethod
    def _core_text(node: HtmlElement, marks: set[HtmlElement]) -> str:
        for body in node.xpath(f".//*[{_BODY}]"):
            if next(a for a in body.iterancestors() if a is node or a in marks) is node:
                items = body.xpath(f".//*[{has_class('field__item')}]") or [body]
                return "\n".join(filter(None, map(block_text, items)))
        return ""


PLATFORMS = (Platform("drupal8", Drupal8Hints(), Drupal8Thread()),)
