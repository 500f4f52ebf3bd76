"""Drupal 6 and 7 core comments (comment module, RDF module; Garland, Bartik, Zen and custom themes).

What every theme keeps is core's, not the template's: comment_view() (Drupal 7) and
comment_render() (Drupal 6) print an empty `<a id="comment-N"></a>` right before each themed
comment and open a `div.indented` before the first reply of a comment, so the element after the
anchor is the comment, whatever its classes, and `div.indented` nesting gives its parent. The
template decides the rest, and custom themes rename it all; read in this order:

- body: the comment body field (`field-name-comment-body`, RDF `content:encoded`), else the
  template's content wrapper (`content`, `comment-content`, `comment-body`, `comment-text`),
  else the whole comment; the subject (`h3`, `.title`), the submitted line, picture, links,
  signature and "In reply to" boxes left out. The subject is the text only when there is no
  body at all: Drupal fills it with the body's first words when the commenter gives none.
- author: RDF `foaf:name`, `.username`, theme_username()'s "View user profile." link, a link in
  the submitted line, or the submitted line's "Submitted by X on" / "X (not verified)".
- time: RDF `dc:date` or `<time datetime>` only: the shown date has no timezone.
- permalink: Drupal 7's `/comment/N` (its own page), Drupal 6's `node/N#comment-N` as shown.

Drupal 6 pages print no generator; they are told by `jQuery.extend(Drupal.settings`, as 7's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree
from lxml.html import HtmlElement

from .base import (
    ArticleMeta,
    Comment,
    Hints,
    Platform,
    ThreadParser,
    absolute,
    block_text,
    has_class,
    join,
    utc,
)
from .page import Page

_COMMENT_PATH = re.compile(r"^/comment/(\d+)/?$")
_COMMENT_REF = re.compile(r"(?:/comment/|#comment-)(\d+)")
_OWN_PAGE = re.compile(r"/comment/(\d+)/?(?:$|\?)|[?&]q=comment/(\d+)(?:$|&)")  # not .../edit
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
# (`/descendant::`, not `//`: libxml2 merges the many small node sets of `//*[...]` in
# quadratic time, seconds on a page of 10,000 comments)
_COMMENTS = (f"/descendant::*[self::div or self::article][{has_class('comment')}]"
             "[ancestor::*[@id='comments'] or @about]")
# The empty `<a id="comment-N"></a>` core prints before each comment; pruned from the body with
# the element holding them, where a theme prints no `#comments` wrapper around the thread.
_ANCHOR_ID = re.compile(r"comment-(\d+)")
_ANCHOR = "a[starts-with(@id, 'comment-')][not(*)][not(normalize-space())][not(@href)]"
_ANCHORS_BOX = f"/descendant::*[{_ANCHOR}][not(ancestor-or-self::*[@id='comments'])]"
_COMMENT_TAGS = {"div", "article", "section", "li", "dl", "table"}
_DATES = (".//*[contains(concat(' ', normalize-space(@property), ' '), ' dc:date ')]/@content"
          " | .//time/@datetime")
# Bylines, most specific first: RDF's foaf:name, theme_username()'s class (7) and link title
# (6, 7; English sites), a name linked in the submitted line (Garland's "date — name"), the
# author wrappers custom themes name.
_AUTHORS = (
    ".//*[@rel='sioc:has_creator']//*[@property='foaf:name']",
    ".//*[contains(concat(' ', normalize-space(@typeof), ' '), ' sioc:UserAccount ')]",
    f".//*[{has_class('username')}]",
    ".//a[@title='View user profile.']",
    f".//*[{has_class('submitted')}]//a[not(contains(@href, 'comment'))]",
    " | ".join(f".//*[{has_class(c)}]" for c in ("comment-author", "commenter-name", "author", "user",
                                                  "name", "comment-name")),
)
_NOT_BYLINE = frozenset({"comment-parent", "comment-parent-author", "parent", "field-name-comment-body",
                         "field-comment-body", "user-signature", "signature"})
_SUBMITTED_BY = re.compile(r"\bby\s+(.+?)\s+on\b", re.I)  # "Submitted by X on <date>"
_UNVERIFIED_NAME = re.compile(r"([^\u2014\u2013|]+?)\s*\(not verified\)")  # "<date> — X (not verified)"
# The body: its field (Drupal 7; `field-comment-body` in some 6 themes), else the template's
# wrapper of it, else the comment itself (None), each without what a template prints around it.
_BODY_FIELDS = (f".//*[{has_class('field-name-comment-body')}]",
                ".//*[contains(concat(' ', normalize-space(@property), ' '), ' content:encoded ')]",
                f".//*[{has_class('field-comment-body')}]")
_CONTAINERS = (*(f".//*[{has_class(c)}]" for c in ("content", "comment-content", "comment-body",
                                                    "comment-text")), None)
_META = ("submitted", "links", "user-picture", "picture", "author", "user-signature", "signature",
         "rdf-meta", "comment-parent", "comment-parent-author", "parent", "new", "username", "permalink",
         "comment-header", "comment-footer", "comment-meta", "comment-info", "attribution", "meta",
         "element-invisible", "element-hidden", "comment-time", "commenter-name", "comment-permalink",
         "comment-edited", "comment-author", "user", "title", "indented", "comment")
_JUNK = (".//*[self::h1 or self::h2 or self::h3 or self::h4 or self::form or self::script or self::style"
         " or self::footer or self::header or self::noscript or " + " or ".join(map(has_class, _META)) + "]")
_SUBJECT = (".//*[self::h2 or self::h3 or self::h4][not(ancestor::*[contains(@class, 'field')])]"
            f" | .//*[{has_class('title')}] | .//*[@property='dc:title']")


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
        or the body classes every Drupal 7 theme prints for a node page; on a Drupal 6 page
        (no generator, no such classes), core's comment anchors: a thread is only shown under
        its node."""
        body = page.tree.find("body")
        classes = (body.get("class") or "").split() if body is not None else []
        if ("page-node" in classes and any(_NODE_PAGE.match(c) for c in classes)
                and not any(c in _NODE_FORMS for c in classes)):
            return True
        if _node(page):
            return True
        sig = page.signals
        return (not any(g.startswith("Drupal 7") for g in sig.generators) and "front" not in classes
                and any(_ANCHOR_ID.fullmatch(i) for i in sig.ids))

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
    thread_xpath = f"//*[@id='comments'] | {_ANCHORS_BOX}"

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
        return "html"  # Drupal renders its threads server-side: no comments is a real 0

    def parse(self, page: Page) -> list[Comment]:
        """Drupal 6/7 comments: ids from anchors/RDFa, parents from `sioc:reply_of`, else nesting.

        Replies sit in the `div.indented` that follows their parent, so nesting gives the
        parent within one page; the first replies on a later page have theirs on another
        page, which only the RDF module's `sioc:reply_of` names.
        """
        if (cached := page.memo.get("drupal7.comments")) is not None:
            return cached
        url, found = page.url, _comment_nodes(page)
        marks = {node for node, _ in found}
        by_node = {node: cid for node, cid in found}
        later: list[bool] = []  # is this a later page of the thread? (read once, if asked)
        d7 = any(g.startswith("Drupal 7") for g in page.signals.generators)
        out: list[Comment] = []
        last_at_level: dict[int, str] = {}
        for node, cid in found:
            level = len(_xp(f"ancestor::div[{has_class('indented')}]")(node))
            parent, known = _rdf_parent(node, marks)
            if not known:
                up = next((by_node[a] for a in node.iterancestors() if a in marks), None)
                if up is not None:  # a theme that nests replies inside their parent
                    parent, known = up, True
                else:  # no RDF module: trust nesting only when the parent is on this page
                    parent = last_at_level.get(level - 1) if level else None
                    if level == 0 and not later:
                        later.append(Drupal7Hints().page_number(page) > 0)
                    known = parent is not None or (level == 0 and not later[0])
            last_at_level = {k: v for k, v in last_at_level.items() if k < level} | {level: cid}
            out.append(Comment(
                comment_id=cid,
                parent_id=parent,
                author=_author(node, marks),
                published=next(filter(None, map(utc, _own(node, marks, _DATES, _NOT_BYLINE))), None),
                text=_text(node, marks),
                permalink=_permalink(node, marks, url, cid, d7),
                order=len(out),
                parent_known=known,
            ))
        page.memo["drupal7.comments"] = out
        return out


@lru_cache(maxsize=64)
def _xp(expr: str) -> etree.XPath:
    """Each expression compiled once: `el.xpath(str)` compiles it on every call (10,000
    comments run each rule 10,000 times)."""
    return etree.XPath(expr)


def _classes(el: HtmlElement) -> set[str]:
    return set((el.get("class") or "").split())


def _empty_anchor(el: HtmlElement) -> bool:
    return el.tag == "a" and not len(el) and not (el.text or "").strip() and el.get("href") is None


def _comment_nodes(page: Page) -> list[tuple[HtmlElement, str]]:
    """(element, id) of each comment, in document order: the element after each anchor core
    prints; on a page without such anchors, `div.comment` elements in `#comments` or with an
    RDF `about`, with an id from their permalink."""
    if (known := page.memo.get("drupal7.nodes")) is not None:
        return known
    found: list[tuple[HtmlElement, str]] = []
    seen: set[str] = set()
    for a in page.tree.iter("a"):
        if not (m := _ANCHOR_ID.fullmatch(a.get("id") or "")) or not _empty_anchor(a) or m.group(1) in seen:
            continue
        node = a.getnext()
        # `<a id="new">`, `<mark>`: more markers before the comment
        while node is not None and (node.tag == "mark" or not isinstance(node.tag, str)
                                    or _empty_anchor(node)):
            node = node.getnext()
        if node is not None and node.tag in _COMMENT_TAGS and "indented" not in _classes(node):
            seen.add(m.group(1))
            found.append((node, m.group(1)))
    if not found:
        for node in page.tree.xpath(_COMMENTS):
            if (cid := _comment_id(node)) is not None and cid not in seen:
                seen.add(cid)
                found.append((node, cid))
    page.memo["drupal7.nodes"] = found
    return found


def _comment_id(node: HtmlElement) -> str | None:
    refs = node.xpath("@about | .//a[contains(@class, 'permalink')]/@href")
    for ref in refs:
        if m := _COMMENT_REF.search(ref):
            return m.group(1)
    return None


def _stops(el: HtmlElement, marks: set[HtmlElement], boxes: frozenset[str]) -> bool:
    """Does `el` belong to another comment, a reply list, or one of `boxes` (by class; any
    `boxes` also stops at the RDF body field)?"""
    if el in marks:
        return True
    classes = _classes(el)
    if el.tag == "div" and "indented" in classes:
        return True
    return bool(boxes) and bool(classes & boxes or "content:encoded" in (el.get("property") or "").split())


def _own(node: HtmlElement, marks: set[HtmlElement], xpath: str,
         boxes: frozenset[str] = frozenset()) -> list:
    """Matches of xpath in this comment itself: not in a reply nested in it, nor in `boxes`."""
    out = []
    for hit in _xp(xpath)(node):
        el = hit.getparent() if isinstance(hit, str) else hit  # an attribute: its element
        while el is not None and el is not node and not _stops(el, marks, boxes):
            el = el.getparent()
        if el is node:
            out.append(hit)
    return out


def _rdf_parent(node: HtmlElement, marks: set[HtmlElement]) -> tuple[str | None, bool]:
    """(parent id, known): RDFa names the parent comment, or the node for top level."""
    resources = _own(node, marks, ".//*[@rel='sioc:reply_of']/@resource")
    if not resources:
        return None, False
    for res in resources:
        if m := _COMMENT_REF.search(res):
            return m.group(1), True
    return None, True


def _name(el: HtmlElement | str) -> str:
    text = el if isinstance(el, str) else el.text_content()
    return _NOT_VERIFIED.sub("", " ".join(text.split())).strip()


def _author(node: HtmlElement, marks: set[HtmlElement]) -> str | None:
    """The first name a rule finds (`Anonymous`: none); the "In reply to X" box and the body
    are not the comment's byline."""
    for xpath in _AUTHORS:
        for el in _own(node, marks, xpath, _NOT_BYLINE):
            if name := _name(el):
                return None if name == _ANONYMOUS else name
    for line in _own(node, marks, f".//*[{has_class('submitted')}]", _NOT_BYLINE):
        text = " ".join(line.text_content().split())
        if (m := _SUBMITTED_BY.search(text)) or (m := _UNVERIFIED_NAME.search(text)):
            name = _name(m.group(1))
            return None if not name or name == _ANONYMOUS else name
    return None


def _clean_text(el: HtmlElement) -> str:
    """block_text of `el` without what a comment template prints around the body, nor
    replies nested in it."""
    clone = el.__copy__()
    junk = _xp(_JUNK)(clone)
    for a in clone.iter("a"):  # a nested reply: its anchor and the element after it
        if _ANCHOR_ID.fullmatch(a.get("id") or "") and _empty_anchor(a) and (nxt := a.getnext()) is not None:
            junk.append(nxt)
    for dash in clone.iter("div"):  # Garland's signature: `<div class="clear-block"><div>—</div>sig</div>`
        if not len(dash) and (dash.text or "").strip() == "\u2014" and (box := dash.getparent()) is not clone:
            junk.append(box)
    for bad in junk:
        if bad.getparent() is not None:
            bad.drop_tree()
    return block_text(clone)


def _text(node: HtmlElement, marks: set[HtmlElement]) -> str:
    for xpath in _BODY_FIELDS:  # the body field alone
        if fields := _own(node, marks, xpath):
            items = [i for f in fields for i in _xp(f".//*[{has_class('field-item')}]")(f)] or fields
            if text := "\n".join(filter(None, map(block_text, items))):
                return text
    for xpath in _CONTAINERS:  # the template's wrapper of it, or the whole comment
        for el in _own(node, marks, xpath) if xpath else [node]:
            if text := _clean_text(el):
                return text
    # nothing but a subject (a theme that prints no body): the subject, the only text shown
    return next(filter(None, (" ".join(el.text_content().split()) for el in _own(node, marks, _SUBJECT))), "")


def _permalink(node: HtmlElement, marks: set[HtmlElement], url: str, cid: str, d7: bool) -> str:
    """The comment's own link as the site writes it (subdirectory installs, `?q=` URLs; Drupal
    6's `node/N#comment-N`), else Drupal 7's default path or the anchor on this page."""
    hrefs = [*_own(node, marks, f".//a[{has_class('permalink')}]/@href"), *filter(None, [node.get("about")])]
    for link in absolute(url, hrefs):
        if (m := _COMMENT_REF.search(link)) and m.group(1) == cid:
            return link
    hrefs = _own(node, marks, ".//a/@href")
    for link in absolute(url, hrefs):
        if (m := _OWN_PAGE.search(link)) and cid in m.groups():
            return link
    if d7:
        return f"{_origin(url)}/comment/{cid}"
    for href in hrefs:
        if href.strip().endswith(f"#comment-{cid}"):
            return join(url, href.strip())
    return url.partition("#")[0] + f"#comment-{cid}"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


PLATFORMS = (Platform("drupal7", Drupal7Hints(), Drupal7Thread()),)
