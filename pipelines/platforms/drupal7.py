"""Drupal 7 (core comment module, RDF module markup; Bartik, Garland and custom themes)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml.html import HtmlElement

from .base import ArticleMeta, Comment, Hints, Platform, ThreadParser, absolute, block_text, has_class, utc
from .page import Page

_COMMENT_PATH = re.compile(r"^/comment/(\d+)/?$")
_COMMENT_REF = re.compile(r"(?:/comment/|#comment-)(\d+)")
_NOT_VERIFIED = re.compile(r"\s*\(not verified\)\s*$")
_ANONYMOUS = "Anonymous"  # Drupal's default name for anonymous users without one
# Paths every Drupal site has that lead to forms, accounts, searches or endless calendars.
_TRAP_PATH = re.compile(
    r"^/(?:comment/reply|comment/\d+/(?:edit|delete)|user|node/add|search|filter/tips"
    r"|admin|calendar|print|forward)(?:/|$)"
)
_TRAP_QUERY = {"destination", "sort", "order", "replytocom", "keys"}
# The body classes Drupal 7's template_preprocess_html gives a node's full page, whatever the
# theme: `page-node page-node-21664 node-type-article` (not `page-node-edit`, `-add`...).
_NODE_PAGE = re.compile(r"^page-node-\d+$")
_NODE_FORMS = {"page-node-edit", "page-node-delete", "page-node-revisions", "page-node-add",
               "page-node-translate", "page-node-webform-results"}
_NODE = (f"//*[self::div or self::article][{has_class('node')}][starts-with(@id, 'node-')]"
         f"[not({has_class('node-teaser')})]")
_COMMENTS = (f"//*[self::div or self::article][{has_class('comment')}]"
             "[ancestor::*[@id='comments'] or @about]")


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


def _node(page: Page) -> list[HtmlElement]:
    if "drupal7.node" not in page.memo:
        page.memo["drupal7.node"] = page.tree.xpath(_NODE)
    return page.memo["drupal7.node"]


class Drupal7Hints(Hints):
    name = "drupal7"

    def detect(self, page: Page) -> bool:
        sig = page.signals  # the generator and scripts of one shared pass over the page
        if any(g.startswith("Drupal 7") for g in sig.generators):
            return True
        return any("jQuery.extend(Drupal.settings" in text for text in sig.scripts)

    def is_article(self, page: Page) -> bool:
        """A node's full page: its node wrapper (any theme that keeps Drupal's `node-N` id),
        or the body classes every Drupal 7 theme prints for a node page."""
        body = page.tree.find("body")
        classes = (body.get("class") or "").split() if body is not None else []
        if ("page-node" in classes and any(_NODE_PAGE.match(c) for c in classes)
                and not any(c in _NODE_FORMS for c in classes)):
            return True
        return bool(_node(page))

    def article_links(self, page: Page) -> list[str]:
        tree, url = page.tree, page.url
        hrefs = tree.xpath(
            f"//div[{has_class('node-teaser')}]//h2//a/@href"
            f" | //div[{has_class('views-row')}]//*[{has_class('views-field-title')}]//a/@href"
        )
        return list(dict.fromkeys(absolute(url, hrefs)))

    def index_pages(self, page: Page) -> list[str]:
        tree, url = page.tree, page.url
        hrefs = tree.xpath(
            f"//ul[{has_class('pager')}][not(ancestor::*[@id='comments'])]"
            f"/li[{has_class('pager-next')}]/a/@href"
        )
        return list(dict.fromkeys(absolute(url, hrefs)))

    def thread_pages(self, page: Page) -> Iterator[str]:
        # The comment pager sits in the comment wrapper (or right after it in some themes).
        # Drupal shows at most 9 page links, so the range comes from the highest one ("last »"):
        # generated lazily, as a pager may claim 200,000 pages; the spider takes what it needs.
        tree, url, sig = page.tree, page.url, page.signals
        if "pager" not in sig.classes or "comments" not in sig.ids:
            return iter(())  # no pager at all: no full-page XPath either
        hrefs = tree.xpath(
            f"//*[@id='comments']//ul[{has_class('pager')}]//a/@href"
            f" | //*[@id='comments']/following-sibling::*//ul[{has_class('pager')}]//a/@href"
        )
        links = [u for u in absolute(url, hrefs) if not self.is_trap(u)]
        if not links:
            return iter(())
        last = max(_page_of(u) for u in links)
        return (_with_page(links[0], number) for number in range(last + 1))

    def permalinks(self, page: Page) -> list[str]:
        tree, url = page.tree, page.url
        # One pass in document order, no XPath: libxml2 merges node sets (`A | B`,
        # `//div//a`) in quadratic time, minutes on a page of 10,000 comments.
        hrefs = [ref for el in tree.iter("div", "a")
                 if (ref := el.get("about" if el.tag == "div" else "href"))
                 and ("comment" if el.tag == "div" else "permalink") in (el.get("class") or "").split()]
        return [
            u for u in dict.fromkeys(absolute(url, hrefs)) if _COMMENT_PATH.match(urlsplit(u).path)
        ]

    def is_trap(self, url: str) -> bool:
        parts = urlsplit(url)
        if _TRAP_PATH.match(parts.path):
            return True
        if not parts.query:  # most links: no query to read
            return False
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            # `?q=comment/reply/1` is the same trap on a site without clean URLs
            if key in _TRAP_QUERY or (key == "q" and _TRAP_PATH.match("/" + value)):
                return True
        return False

    def permalink_comment_id(self, url: str) -> str | None:
        m = _COMMENT_PATH.match(urlsplit(url).path)
        return m.group(1) if m else None

    def article_key(self, page: Page) -> str:
        return _with_page(self.canonical_url(page), 0)

    def page_number(self, page: Page) -> int:
        current = page.tree.xpath(
            f"//*[@id='comments']//ul[{has_class('pager')}]/li[{has_class('pager-current')}]"
            f" | //*[@id='comments']/following-sibling::*//ul[{has_class('pager')}]"
            f"/li[{has_class('pager-current')}]"
        )
        if current:
            text = current[0].text_content().strip().split()[0] if current[0].text_content().strip() else ""
            if text.isdigit():
                return int(text) - 1
        return _page_of(page.url)


class Drupal7Thread(ThreadParser):
    thread_xpath = "//*[@id='comments']"

    def article(self, page: Page) -> ArticleMeta:
        meta = super().article(page)
        node = _node(page)
        if node:  # RDF module: the node's submitted line carries dc:date
            dates = node[0].xpath(
                ".//*[contains(concat(' ', normalize-space(@property), ' '), ' dc:date ')]"
                "[not(ancestor::*[@id='comments'])]/@content"
            )
            meta.published = next(filter(None, map(utc, dates)), None) or meta.published
        names = page.tree.xpath("//*[@id='site-name']//a//text() | //*[@id='site-name']/text()")
        meta.site_name = " ".join("".join(names).split()) or meta.site_name
        return meta

    def comments_status(self, page: Page) -> str:
        return "html"  # Drupal 7 renders its threads server-side: no comments is a real 0

    def parse(self, page: Page) -> list[Comment]:
        """Drupal 7 comments: ids from anchors/RDFa, parents from `sioc:reply_of`, else nesting.

        Replies sit in the `div.indented` that follows their parent, so nesting gives the
        parent within one page; the first replies on a later page have theirs on another
        page, which only the RDF module's `sioc:reply_of` names.
        """
        if (cached := page.memo.get("drupal7.comments")) is not None:
            return cached
        url = page.url
        out: list[Comment] = []
        nodes = page.tree.xpath(_COMMENTS)
        last_at_level: dict[int, str] = {}
        for order, node in enumerate(nodes):
            cid = self._comment_id(node)
            if cid is None:
                continue
            level = len(node.xpath(f"ancestor::div[{has_class('indented')}]"))
            parent, known = self._rdf_parent(node)
            if not known:  # no RDF module: trust nesting only when the parent is on this page
                parent = last_at_level.get(level - 1) if level else None
                known = level == 0 or parent is not None
            last_at_level[level] = cid
            for deeper in [k for k in last_at_level if k > level]:
                del last_at_level[deeper]
            out.append(Comment(
                comment_id=cid,
                parent_id=parent,
                author=self._author(node),
                published=utc(next(iter(node.xpath(
                    ".//*[contains(concat(' ', normalize-space(@property), ' '), ' dc:date ')]/@content"
                )), None)),
                text=self._text(node),
                permalink=self._permalink(node, url, cid),
                order=order,
                parent_known=known,
            ))
        page.memo["drupal7.comments"] = out
        return out

    @staticmethod
    def _comment_id(node: HtmlElement) -> str | None:
        refs = node.xpath("@about | .//a[contains(@class, 'permalink')]/@href")
        prev = node.getprevious()
        if prev is not None and prev.tag == "a" and (prev.get("id") or "").startswith("comment-"):
            refs.insert(0, "#" + prev.get("id"))
        for ref in refs:
            if m := _COMMENT_REF.search(ref):
                return m.group(1)
        return None

    @staticmethod
    def _permalink(node: HtmlElement, url: str, cid: str) -> str:
        """The comment's own link as the site writes it (subdirectory installs, `?q=` URLs),
        else Drupal's default path."""
        hrefs = node.xpath(f".//a[{has_class('permalink')}]/@href | @about")
        for link in absolute(url, hrefs):
            if _COMMENT_REF.search(link) or f"comment/{cid}" in link:
                return link
        return f"{_origin(url)}/comment/{cid}"

    @staticmethod
    def _rdf_parent(node: HtmlElement) -> tuple[str | None, bool]:
        """(parent id, known): RDFa names the parent comment, or the node for top level."""
        resources = node.xpath(".//*[@rel='sioc:reply_of']/@resource")
        if not resources:
            return None, False
        for res in resources:
            if m := _COMMENT_REF.search(res):
                return m.group(1), True
        return None, True

    @staticmethod
    def _author(node: HtmlElement) -> str | None:
        names = node.xpath(
            ".//*[@rel='sioc:has_creator']//*[@property='foaf:name']"
            f" | .//*[{has_class('submitted')}]//*[{has_class('username')}]"
        )
        if not names:
            return None
        name = _NOT_VERIFIED.sub("", " ".join(names[0].text_content().split()))
        return None if not name or name == _ANONYMOUS else name

    @staticmethod
    def _text(node: HtmlElement) -> str:
        body = node.xpath(
            f".//div[{has_class('field-name-comment-body')}]//div[{has_class('field-item')}]"
        )
        if body:
            return "\n".join(filter(None, (block_text(b) for b in body)))
        content = node.xpath(f".//div[{has_class('content')}]")
        if not content:
            return ""
        # Older themes: the content div holds the body plus RDF spans, links and signatures.
        clone = content[0].__copy__()
        for junk in clone.xpath(
            f".//*[{has_class('rdf-meta')} or {has_class('links')} or {has_class('user-signature')}"
            f" or {has_class('comment-parent')}]"
        ):
            junk.drop_tree()
        return block_text(clone)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


PLATFORMS = (Platform("drupal7", Drupal7Hints(), Drupal7Thread()),)
