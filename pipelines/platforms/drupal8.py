"""Drupal 8-11 core comments (Classy, Bartik, Olivero, Stable-based and custom themes).

Drupal 8+ prints its comments with schema.org RDFa (or none, Olivero without the RDF module),
a `?page=N` pager in the comment field and `/comment/N` permalinks; a page without core
comment markup is read as schema.org data (JSON-LD, microdata), like any other.

A comment is the element core's preprocess marks (`data-comment-user-id`, `js-comment`, RDF
`schema:Comment`), or, in a theme whose template drops those attributes, the element after the
empty `<a id="comment-N"></a>` CommentViewBuilder prints before each comment (a `<mark>`
may sit between). In it:

- body: the comment body field (`field--name-comment-body`, RDF `schema:text`, a comment
  type's own long text field), else the content wrapper (`comment__content`, `content`,
  `comment__text`) or the whole comment without what the template prints around the body: the
  subject (`h3`, `.comment__title`, `.title`, RDF `schema:name`), the meta footer, picture,
  links and the "In reply to" box. The subject is the text only when there is no body at all.
- author: RDF `schema:author`'s name, `.username`, a `schema:Person`/`sioc:UserAccount`,
  `.comment__author`, the `uid` field, the first part of the submitted line or its "by X on".
- time: RDF `schema:dateCreated` or `<time datetime>` only. The shown date has no timezone, and
  `data-comment-timestamp` is the comment's last change (the "new" marker's), not its creation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree
from lxml.html import HtmlElement

from .base import ArticleMeta, Comment, Platform, absolute, block_text, has_class, utc
from .page import Page
from .schemaorg import SchemaOrgHints, SchemaOrgThread, embedded

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
_CORE = (f"@data-comment-user-id or {has_class('js-comment')}"
         " or contains(concat(' ', normalize-space(@typeof), ' '), ' schema:Comment ')")
# (`/descendant::`, not `//`: libxml2 merges the many small node sets of `//*[...]` in
# quadratic time, seconds on a page of 10,000 comments)
_COMMENTS = f"/descendant::*[{_CORE}]"
_ANCHOR_ID = re.compile(r"comment-(\d+)")  # core's `<a id="comment-N"></a>` before each comment
# What the article body is pruned of, besides the comment field: comments (and the element
# holding core's anchors) a theme prints outside it; few nodes (a `|` merge is quadratic too).
_ELSEWHERE = (f"not(ancestor::*[@id='comments'] or ancestor::section[{has_class('comment-wrapper')}"
              f" or {has_class('field--type-comment')} or @data-drupal-selector='comments'])")
_STRAYS = (f"/descendant::*[{_CORE}][not(ancestor::*[{_CORE}])][{_ELSEWHERE}]"
           " | /descendant::*[a[starts-with(@id, 'comment-')][not(*)][not(normalize-space())][not(@href)]]"
           f"[not(@id='comments')][{_ELSEWHERE}]")
# The body, most specific first: the core field, RDF, the long text field of another comment type.
_BODIES = (f".//*[{has_class('field--name-comment-body')}]", ".//*[@property='schema:text']",
           f".//*[{has_class('field-name-comment-body')}]", f".//*[{has_class('field--type-text-long')}]")
_CONTAINERS = (*(f".//*[{has_class(c)}]" for c in ("comment__content", "content", "comment__text",
                                                    "comment-content", "comment__body")), None)
_META = ("comment__title", "title", "links", "comment__links", "comment__meta", "comment__picture",
         "comment__picture-wrapper", "user-picture", "field--name-user-picture", "comment__author",
         "comment__time", "comment__permalink", "comment__submitted", "submitted", "parent",
         "comment__parent", "comment-parent", "visually-hidden", "sr-only", "hidden", "username",
         "field--name-uid", "indented", "comment__indented", "comment", "js-comment", "permalink")
_JUNK = (".//*[self::h1 or self::h2 or self::h3 or self::h4 or self::footer or self::mark or self::form"
         " or self::script or self::style or self::noscript or @property='schema:name' or "
         + " or ".join(map(has_class, _META)) + "]")
_SUBJECT = (f".//h3 | .//*[{has_class('comment__title')}] | .//*[{has_class('title')}]"
            " | .//*[@property='schema:name'][not(ancestor::*[@rel='schema:author'])]")
# Bylines, most specific first (each within the comment, never in its "In reply to" box).
_AUTHORS = (
    ".//*[@rel='schema:author']//*[@property='schema:name']",
    f".//*[{has_class('username')}]",
    ".//*[contains(concat(' ', normalize-space(@typeof), ' '), ' schema:Person ')"
    " or contains(concat(' ', normalize-space(@typeof), ' '), ' sioc:UserAccount ')]",
    f".//*[{has_class('comment__author')}]",
    f".//*[{has_class('field--name-uid')}]//*[{has_class('field__item')}]",
    f".//*[{has_class('field--name-uid')}]",
    f".//*[{has_class('comment__submitted')}]/*[1]",
    ".//a[@title='View user profile.']",
)
_SUBMITTED_BY = re.compile(r"\bby\s+(.+?)\s+on\b", re.I)  # "Submitted by X on <date>"
# "By X on <date>" (a theme's own byline in `.comment__author`), "Submitted by X on <date>"
_BYLINE = re.compile(r"(?:(?:submitted|posted)\s+)?by\s+(.+?)(?:\s+on\s+.+)?", re.I)
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


def _is_core(el: HtmlElement) -> bool:
    return (el.get("data-comment-user-id") is not None or "js-comment" in (el.get("class") or "").split()
            or "schema:Comment" in (el.get("typeof") or "").split())


def _nodes(page: Page) -> list[HtmlElement]:
    """The core comment elements, in document order: those core's preprocess marks, and the
    element after each comment anchor when it is none of them and holds none of them. (No
    XPath union: libxml2 merges node sets in quadratic time.)"""
    if "drupal8.nodes" not in page.memo:
        found = _xp(_COMMENTS)(page.tree)
        marked = set(found)
        extra = [el for el in _anchored(page.tree) if el not in marked and not _xp(f".//*[{_CORE}]")(el)
                 and not any(map(_is_core, el.iterancestors()))]
        if extra:  # a theme without core's attributes: in document order with the others
            place = {el: i for i, el in enumerate(page.tree.iter())}
            found = sorted([*found, *extra], key=place.__getitem__)
        page.memo["drupal8.nodes"] = found
    return page.memo["drupal8.nodes"]


def _anchored(tree: HtmlElement) -> list[HtmlElement]:
    """The element after each empty `<a id="comment-N"></a>` (past a `<mark>`)."""
    out = []
    for a in tree.iter("a"):
        if (not _ANCHOR_ID.fullmatch(a.get("id") or "") or len(a) or (a.text or "").strip()
                or "href" in a.attrib):
            continue
        el = a.getnext()
        while el is not None and (el.tag == "mark" or not isinstance(el.tag, str)):
            el = el.getnext()
        if el is None or el.tag not in ("article", "div"):
            continue
        if "indented" not in (el.get("class") or "").split():
            out.append(el)
    return out


@lru_cache(maxsize=64)
def _xp(expr: str) -> etree.XPath:
    """Each expression compiled once: `el.xpath(str)` compiles it on every call."""
    return etree.XPath(expr)


def _anchor_before(node: HtmlElement) -> str | None:
    """The id of core's `<a id="comment-N"></a>` before the comment (past a `<mark>`)."""
    prev = node.getprevious()
    while prev is not None and (prev.tag == "mark" or not isinstance(prev.tag, str)):
        prev = prev.getprevious()
    return prev.get("id") if prev is not None and prev.tag == "a" and not len(prev) else None


def _page_number(page: Page) -> int:
    current = page.tree.xpath(f"({_SECTION})//li[{has_class('pager__item')}][{has_class('is-active')}]")
    if current and (m := re.search(r"\d+", current[0].text_content())):
        return int(m.group()) - 1
    return _page_of(page.url)


def _own(node: HtmlElement, marks: set[HtmlElement], xpath: str) -> list[Any]:
    """Matches of xpath that belong to this comment's meta: not a reply's, nor the parent
    line's ("In reply to X by Y"), nor the body's."""
    out = []
    for hit in _xp(xpath)(node):
        el = hit.getparent() if isinstance(hit, str) else hit
        for anc in [el, *el.iterancestors()]:
            if anc is node:
                out.append(hit)
                break
            if anc in marks or _xp(f"self::*[{_PARENT_BOX} or {_BODY}]")(anc):
                break
    return out


def _core_id(node: HtmlElement, marks: set[HtmlElement]) -> str | None:
    """From `id="comment-N"`, the anchor before it or `about`; else its own permalink."""
    for ref in (node.get("id") or "", _anchor_before(node) or "", node.get("about") or ""):
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
    thread_xpath = f"{_SECTION} | //*[@id='comments'] | //*[@id='disqus_thread'] | {_STRAYS}"
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
            level = len(_xp(f"ancestor::div[{has_class('indented')}]")(node))
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
        for href in _xp(f".//*[{_PARENT_BOX}]//a/@href")(node):
            holder = next(a for a in href.getparent().iterancestors() if a is node or a in marks)
            if holder is node and (m := _CORE_REF.search(href)) and f"comment-{m.group(1)}" != own:
                return m.group(1)
        return None

    @staticmethod
    def _core_author(node: HtmlElement, marks: set[HtmlElement]) -> str | None:
        """The first name a rule finds (`Anonymous`: none)."""
        for xpath in _AUTHORS:
            for el in _own(node, marks, xpath):
                text = " ".join(el.text_content().split())
                name = _NOT_VERIFIED.sub("", m.group(1) if (m := _BYLINE.fullmatch(text)) else text)
                if name:
                    return None if name == "Anonymous" else name
        lines = f".//*[{has_class('comment__submitted')} or {has_class('submitted')}] | .//footer/p"
        for line in _own(node, marks, lines):  # Stable's footer prints "Submitted by X on" in a bare <p>
            if m := _SUBMITTED_BY.search(" ".join(line.text_content().split())):
                name = _NOT_VERIFIED.sub("", m.group(1))
                return None if name in ("", "Anonymous") else name
        return None

    @staticmethod
    def _core_text(node: HtmlElement, marks: set[HtmlElement]) -> str:
        for xpath in _BODIES:
            for body in _xp(xpath)(node):
                if next(a for a in body.iterancestors() if a is node or a in marks) is node:
                    items = _xp(f".//*[{has_class('field__item')}]")(body) or [body]
                    if text := "\n".join(filter(None, map(block_text, items))):
                        return text
        for xpath in _CONTAINERS:  # no body field: the wrapper of it, or the comment, cleaned
            for el in _mine(node, marks, xpath) if xpath else [node]:
                if text := _clean_text(el):
                    return text
        subjects = (" ".join(el.text_content().split()) for el in _mine(node, marks, _SUBJECT))
        return next(filter(None, subjects), "")  # a comment that shows nothing but its subject


def _mine(node: HtmlElement, marks: set[HtmlElement], xpath: str) -> list[HtmlElement]:
    """Matches of xpath in this comment, not in a reply nested in it."""
    return [el for el in _xp(xpath)(node) if next(a for a in el.iterancestors() if a is node or a in marks)
            is node]


def _clean_text(el: HtmlElement) -> str:
    """block_text of `el` without the subject, meta, links and replies nested in it."""
    clone = el.__copy__()
    junk = _xp(_JUNK)(clone)
    for a in clone.iter("a"):  # a reply in a theme without core's attributes: anchor, then reply
        if _ANCHOR_ID.fullmatch(a.get("id") or "") and not len(a) and (nxt := a.getnext()) is not None:
            junk.append(nxt)
    for bad in junk:
        if bad.getparent() is not None:
            bad.drop_tree()
    return block_text(clone)


PLATFORMS = (Platform("drupal8", Drupal8Hints(), Drupal8Thread()),)
