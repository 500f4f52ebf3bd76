"""The fallback for markup no platform knows: repeated comment blocks, or nothing.

A block counts only when the page states everything a row needs: an id with digits, a time
with a timezone (`<time datetime>`), and text. When any block of a repeated kind lacks one,
the whole page gives no comments: a wrong thread is worse than none. Rows are marked `low`.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from .base import Comment, Hints, Platform, ThreadParser, block_text, utc
from .page import Page

_COMMENTY = re.compile(r"(?:^|[\s_-])comment(?:$|[\s_-]|\d)", re.IGNORECASE)
_ID = re.compile(r"(?:comment|c|post|reply)[-_]?(\d+)$", re.IGNORECASE)
_BOILERPLATE = re.compile(
    r"author|avatar|meta|reply|vote|action|links|permalink|date|time|footer|header|share|report",
    re.IGNORECASE,
)
_BLOCK_TAGS = {"article", "li", "div", "section"}


class GenericHints(Hints):
    """A page no platform claims: an article when it says so in machine-readable form."""

    name = "generic"

    def is_article(self, page: Page) -> bool:
        return page.article_evidence is not None


class GenericThread(ThreadParser):
    # whatever calls itself a comment stays out of the article body
    # (never the page's wrappers, nor what holds the headline: `<body class="f_comment_on">`)
    thread_xpath = ("//*[not(self::html or self::body or self::main)]"
                    "[contains(@class, 'comment') or contains(@id, 'comment')][not(.//h1)]")

    def comments_status(self, page: Page) -> str:
        if self.parse(page):
            return "html"
        sig = page.signals  # a comment section no rule here reads, or none at all
        return "unparsed" if any(_COMMENTY.search(v) for v in (*sig.classes, *sig.ids)) else "none"

    def parse(self, page: Page) -> list[Comment]:
        if (known := page.memo.get("generic.comments")) is not None:
            return known
        page.memo["generic.comments"] = found = self._parse(page.tree)
        return found

    def _parse(self, tree: HtmlElement) -> list[Comment]:
        blocks = [el for el in tree.iter(*_BLOCK_TAGS) if self._block_id(el) is not None]
        if len(blocks) < 2:
            return []
        members = set(blocks)
        out: list[Comment] = []
        for order, el in enumerate(blocks):
            parent_el = next((a for a in el.iterancestors() if a in members), None)
            when = self._own(el, members, ".//time[@datetime]/@datetime")
            text = self._text(el, members)
            published = utc(when[0]) if when else None
            if published is None or not text:
                return []  # one block we cannot read fully: trust none of them
            authors = self._own(
                el, members,
                ".//*[@itemprop='author' or @rel='author' or contains(@class, 'author')]",
            )
            name = " ".join(authors[0].text_content().split()) if authors else ""
            out.append(Comment(
                comment_id=self._block_id(el) or "",
                parent_id=self._block_id(parent_el) if parent_el is not None else None,
                author=name or None,
                published=published,
                text=text,
                permalink=None,
                order=order,
                confidence="low",
            ))
        return out

    @staticmethod
    def _block_id(el: HtmlElement | None) -> str | None:
        if el is None or el.tag not in _BLOCK_TAGS:
            return None
        ident, cls = el.get("id") or "", el.get("class") or ""
        if not (_COMMENTY.search(ident) or _COMMENTY.search(cls)):
            return None
        for candidate in (el.get("data-comment-id") or "", ident):
            if candidate.isdigit():
                return candidate
            if m := _ID.search(candidate):
                return m.group(1)
        return None

    @staticmethod
    def _own(el: HtmlElement, members: set[HtmlElement], xpath: str) -> list:
        """Matches inside this block but not inside a nested reply block."""
        return [
            hit for hit in el.xpath(xpath)
            if not any(a in members for a in _ancestors_until(hit, el))
        ]

    def _text(self, el: HtmlElement, members: set[HtmlElement]) -> str:
        clone = el.__copy__()
        for nested in [d for d in clone.iterdescendants() if self._block_id(d) is not None]:
            nested.drop_tree()
        for junk in clone.xpath(".//time | .//header | .//footer | .//form | .//*[@class]"):
            if junk.tag in ("time", "header", "footer", "form") or _BOILERPLATE.search(
                junk.get("class") or ""
            ):
                junk.drop_tree()
        return block_text(clone)


GENERIC = Platform("generic", GenericHints(), GenericThread())


def _ancestors_until(node: object, stop: HtmlElement) -> list[HtmlElement]:
    if not hasattr(node, "iterancestors"):  # an attribute value: start from its element
        node = node.getparent()  # type: ignore[attr-defined]
        if node is stop:
            return []
        chain = [node]
    else:
        chain = []
    for a in node.iterancestors():  # type: ignore[attr-defined]
        if a is stop:
            break
        chain.append(a)
    return chain
