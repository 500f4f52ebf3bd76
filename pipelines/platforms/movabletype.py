"""Movable Type and TypePad (hosted Movable Type): the comment markup of their templates.

Both publish static entry pages from templates a blog may rewrite, so a thread's markup is
whatever template version the blog started from. The default ones, all read here:

- MT 4.2+/5 and TypePad since about 2008: one element per comment whose id is
  `comment-<id>` (`comment-6a00d8341c...` on TypePad, whose ids are 34-character "xids") and
  whose class says comment (`comment`, `comment-odd`), the body in `.comment-content`, the
  author in an hCard (`.vcard.author`) or a footer "Posted by: <a>Name</a> | <a
  href=#comment-id>date</a>" (`p.comment-footer`), or MT 4.0/4.1's "Name said:" header.
- MT 3.0/3.1: `div#c<id>` holding the body only, its footer `p.posted` ("Posted by: Name at
  date") right after it.
- TypePad classic and MT 2: an empty anchor `a#c<id>` (or `a name=`) followed by the body's
  paragraphs and the footer (`p.posted`, `span.comments-post`), siblings with no element
  around one comment; MT 2's `div.comments-body` wraps body and `span.comments-post`,
  sometimes with no id at all: such comments are numbered in page order (MT shows all of an
  entry's comments on its page, so the number names a comment as long as none is deleted).

Threads: MT 4.2+ lists replies flat, by date, marking a reply `comment-reply` and saying
"X replied to <a href=ENTRY#comment-<parent>>comment from Y</a>" in its byline; themes print
"in reply to"/"replying to" links of their own. A link to another comment's anchor in a
comment's byline or footer names its parent; a `comment-reply` without one has an unknown
parent. A comment element nested in another is its reply.

What the pages do not say: the time. Templates print the date as text, in the blog's format
and timezone (a blog setting no page states), so `published` is only the ISO 8601 time MT
4.2+ puts in `abbr.published`'s title (or a `<time datetime>`). Comments have no page of
their own: a permalink is the entry plus `#comment-<id>` (or the `#c<id>` anchor), TypePad's
`?cid=<xid>` links being the same entry page again. MT shows all comments on the entry's
page (MT 4.2+ templates page long threads with a script calling mt-comments.cgi: not
followed), TypePad pages them on `<entry>/comments/page/N/`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urldefrag, urlencode, urlsplit, urlunsplit

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from .base import ArticleMeta, Comment, Hints, Platform, ThreadParser, absolute, block_text, has_class, utc
from .page import Page


def _any(names: Iterable[str]) -> str:
    """XPath predicate: any of these class tokens."""
    return " or ".join(has_class(n) for n in names)


_CID = r"(\d+|6a[0-9a-f]{16,})"  # MT's numeric ids (zero-padded in some anchors); TypePad's xids
_ITEM_ID = re.compile(rf"^(?:comment[-_]?|c){_CID}$")
_FRAGMENT = re.compile(rf"#(?:comment[-_]?|c){_CID}$")
_CONTAINERS = {"div", "li", "article", "section", "dd", "td"}
# Class tokens of a comment's parts that are not its text: MT's and TypePad's footers,
# headers and bylines (where the author is), avatars, reply links. Comment bodies carry no
# classes of their own: MT and TypePad strip them from what commenters write.
_FOOTERS = frozenset({"comment-footer", "posted", "comment-posted", "comments-post", "comment-meta",
                      "comment-byline", "comment-info"})
_HEADERS = frozenset({"comment-header", "byline", "asset-meta", "comment-author", "commenter", "info"})
_JUNK = frozenset({"comment-avatar", "user-pic", "userpic", "avatar", "reply", "replytocomment",
                   "comment-reply-link", "comment-footer-experimental", "inreply", "comment-actions"})
_BODIES = ("comment-content", "comment-body", "comment-text", "comment-entry", "comments-body", "entry-body")
_DROP = etree.XPath(f".//*[self::script or self::style or self::form or self::noscript"
                    f" or {_any(_FOOTERS | _HEADERS | _JUNK)}]")
_FN = etree.XPath(f".//*[{has_class('fn')}]")
_NAMES = frozenset({"author", "comment-author", "commenter-name", "comment-name"})
_LINKS = etree.XPath(".//a[@href]")
_HAS_BLOCK = etree.XPath("boolean(.//p or .//div or .//blockquote or .//ul or .//ol or .//pre)")
_STOPS = {"h1", "h2", "h3", "h4", "form", "table"}  # an anchor's run of siblings never crosses these
# "Posted by:", "Comment #1 - Posted by:", "投稿者:", not the "11:40" of a time
_LABEL = re.compile(r"^[^:\uff1a]{0,39}[^:\uff1a\d\s]\s*[:\uff1a]\s*")
_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun"
_DASHES = "-\u2013\u2014"
_DATEISH = re.compile(rf"\s*\|\s*|\s+(?:at|on|@|[{_DASHES}])\s+(?=\d|(?:{_MONTHS})[a-z]*\b)")
_TRAILING = re.compile(rf"(?:\s+(?:at|on)|\s*[{_DASHES}|@\[])\s*$")
_SAID = re.compile(r"\s*(?:said|says|wrote|writes|a dit|a écrit|schrieb|hat geschrieben|escribió|dice"
                   r"|ha scritto|zei|schreef)?\s*[:\uff1a]\s*$", re.IGNORECASE)
_REPLYING = re.compile(r"(?:in reply to|replying to|replied to|reply to|\bre:)\s*(?:a\s+)?$", re.IGNORECASE)

# Detection. TypePad: its generator, its shared assets (static.typepad.com/.shared:..., or a
# custom domain's /.shared/), its comment form posting to /.services/comments.
_TP_ASSET = re.compile(r"^(?:https?:)?//static\.typepad\.(?:com|jp)/|^(?:(?:https?:)?//[^/]+)?/\.shared[:/]")
_TP_CONNECT = "/services/embed/tpc/"  # TypePad Connect: a thread a script loads
# MT: its generator, its static files (mt-static/) and CGIs (in forms, scripts, links), the
# body classes of MT 4+ default templates, the mt.js their "JavaScript" index template
# publishes (on the blog's own host), comment scripts moved to PHP (mt-comments.php).
_MT_ASSET = re.compile(r"/mt-static/|/mt(?:-[a-z-]+)?\.(?:cgi|fcgi|psgi)\b|/mt-comments\.php\b")
_MT_JS = re.compile(r"^(?:(?:https?:)?//([^/]+))?/(?:[^?#]*/)?mt\.js(?:$|\?)")
_MT_BODY = frozenset({"mt-entry-archive", "mt-page-archive", "mt-main-index", "mt-archive-index",
                      "mt-archive-listing", "mt-search-results", "mt-dynamic-error"})
_MT_ENTRY = frozenset({"mt-entry-archive", "mt-page-archive"})
_FORMS = etree.XPath("//form/@action", smart_strings=False)
_ENTRY_FORM = etree.XPath("boolean(//input[@name='entry_id' or @name='entry_xid'])")
_SECTION = etree.XPath("boolean(//*[@id='comments' or @id='all-comments' or @id='comments-content'"
                       " or @id='trackbacks' or @id='trackback'])")
# Comment markup that no rule read (not TypePad's hidden comment preview box)
_UNREAD = etree.XPath(
    f"boolean(//*[{_any(('comment-content', 'comment-body', 'comments-body', 'comment-footer'))}"
    f" or {_any(('comments-post', 'comment-posted'))}][not(ancestor-or-self::*[contains(@id, 'preview')])])")
_ENTRY_PATH = re.compile(r"/\d{4}/\d{2}/[^/]+\.(?:html?|php)$|/archives/\d+\.(?:html?|php)$")
_TP_PAGE = re.compile(r"^(.*)/comments/page/(\d+)/?$")
_ENTRY_LINKS = etree.XPath(
    f"//*[self::h1 or self::h2 or self::h3][{_any(('entry-header', 'asset-name', 'entry-title'))}]//a/@href",
    smart_strings=False)
_PAGER = etree.XPath("//a[contains(@href, '/comments/page/')]/@href", smart_strings=False)
# Every MT CGI (comment posting, TrackBack, search, sign-in, the admin) and TypePad's services
# (comment posting, sign-in, TrackBack, search).
_TRAP_PATH = re.compile(r"/mt(?:-[a-z-]+)?\.(?:cgi|fcgi|psgi)(?:/|$)|/cgi-bin/mt/|/\.services/"
                        r"|^/services/(?:trackback|signin|signout|comments?)(?:/|$)|^/t/trackback/")
_TRAP_QUERY = frozenset({"cid", "__mode"})  # TypePad's comment links: the entry again, once per comment
_XID = re.compile(r"^6a[0-9a-f]{16,}$")

# thread_xpath's pieces: an id or anchor name `c<digits>`, a comment footer
_C_ID, _C_NAME = (f"starts-with(@{a}, 'c') and string-length(@{a}) > 1"
                  f" and translate(substring(@{a}, 2), '0123456789', '') = ''" for a in ("id", "name"))
_FOOTED = _any(("posted", "comments-post", "comment-footer"))


def _classes(el: HtmlElement) -> set[str]:
    return set((el.get("class") or "").split())


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _same(a: str, b: str | None) -> bool:
    """One comment id, whether an anchor pads it with zeros (c000123) or not."""
    return b is not None and a.lstrip("0") == b.lstrip("0")


@dataclass(slots=True)
class _Item:
    """One comment as the markup delimits it: an element, or an anchor's run of siblings."""

    key: HtmlElement  # the comment's element, or its anchor
    cid: str | None
    anchor: str | None  # the id (or name) the page's own links point at
    run: list[HtmlElement] = field(default_factory=list)  # an anchor's siblings: body, footer
    after: HtmlElement | None = None  # MT 3: the footer that follows the comment's element
    parent: _Item | None = None  # the comment it is nested in


class MovableTypeHints(Hints):
    """An MT blog: entry pages with their whole thread, MT's CGIs as traps."""

    name = "movabletype"

    def detect(self, page: Page) -> bool:
        sig = page.signals
        if any("movable type" in g.lower() or "movabletype" in g.lower() for g in sig.generators):
            return True
        if sig.classes & _MT_BODY or any(_MT_ASSET.search(a) for a in sig.assets):
            return True
        host = urlsplit(page.url).hostname
        if any((m := _MT_JS.match(src)) and m.group(1) in (None, host) for src in sig.script_srcs):
            return True
        return any(_MT_ASSET.search(action) for action in _FORMS(page.tree))

    def is_article(self, page: Page) -> bool:
        """An entry (or page) archive: MT 4+'s body class, the comment form's entry id, the
        thread's section, or an entry archive's path (`/2012/11/basename.html`, MT 2/3's
        `/archives/000123.html`)."""
        body = page.tree.find("body")
        classes = set((body.get("class") or "").split()) if body is not None else set()
        if classes & _MT_ENTRY:
            return True
        if classes & _MT_BODY:
            return False  # an index, archive listing or search page
        if _ENTRY_FORM(page.tree) or _SECTION(page.tree):
            return True
        return bool(_ENTRY_PATH.search(urlsplit(page.url).path) or self.page_number(page))

    def article_links(self, page: Page) -> list[str]:
        """The entries an index lists, by their headings' links (two or more: an entry page's
        heading may link to the entry itself)."""
        own = urldefrag(page.url)[0]
        links = [u for u in dict.fromkeys(absolute(page.url, _ENTRY_LINKS(page.tree))) if u != own]
        return links if len(links) >= 2 else []

    def is_trap(self, url: str) -> bool:
        parts = urlsplit(url)
        if _TRAP_PATH.search(parts.path):
            return True
        return bool(parts.query) and any(k in _TRAP_QUERY for k, _ in parse_qsl(parts.query))

    def article_key(self, page: Page) -> str:
        return _without_query(self.canonical_url(page), _TRAP_QUERY)


class TypePadHints(MovableTypeHints):
    """TypePad: MT's markup, hosted; threads of more than a page on `<entry>/comments/page/N/`."""

    name = "typepad"

    def detect(self, page: Page) -> bool:
        sig = page.signals
        if any("typepad" in g.lower() for g in sig.generators):
            return True
        if any(_TP_ASSET.search(a) for a in sig.assets):
            return True
        return any(action.rstrip("/").endswith("/.services/comments") for action in _FORMS(page.tree))

    def thread_pages(self, page: Page) -> Iterable[str]:
        """The entry and its comment pages up to the highest the pager links, but this one."""
        entry = self.article_key(page)
        stem = entry.removesuffix(".html").rstrip("/")
        last = 0
        for u in absolute(page.url, _PAGER(page.tree)):
            if (m := _TP_PAGE.match(u)) and m.group(1) == stem:
                last = max(last, min(int(m.group(2)), 1_000_000))
        if not last:
            return []
        current = self.page_number(page) + 1
        return (entry if n == 1 else f"{stem}/comments/page/{n}/"  # lazily: the spider bounds it
                for n in range(1, last + 1) if n != current)

    def permalink_comment_id(self, url: str) -> str | None:
        """`entry.html?cid=<xid>`: TypePad's link to one comment (the entry page again)."""
        query = urlsplit(url).query
        return next((v for k, v in parse_qsl(query) if k == "cid" and _XID.match(v)), None) if query else None

    def article_key(self, page: Page) -> str:
        url = super().article_key(page)
        parts = urlsplit(url)
        if m := _TP_PAGE.match(parts.path):
            return urlunsplit(parts._replace(path=m.group(1) + ".html", query=""))
        return url

    def page_number(self, page: Page) -> int:
        m = _TP_PAGE.match(urlsplit(page.url).path)
        return max(int(m.group(2)) - 1, 0) if m else 0


def _without_query(url: str, keys: frozenset[str]) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in keys]
    return urlunsplit(parts._replace(query=urlencode(query)))


class MovableTypeThread(ThreadParser):
    # The thread's wrappers (MT 4+'s div#comments, TypePad's #all-comments), each comment's
    # element, MT 3's footers after them, and the siblings after MT 2's and TypePad
    # classic's comment anchors (when a comment footer follows: not a footnote's anchor).
    thread_xpath = (
        "//div[@id='comments'] | //*[@id='all-comments' or @id='comments-content']"
        f" | //*[{has_class('comments-body')} or {has_class('comments-content')}]"
        " | //*[self::div or self::li or self::article]"
        "[starts-with(@id, 'comment-') or starts-with(@id, 'comment_')]"
        f" | //*[self::div or self::li or self::article][{_C_ID}]"
        f"[following-sibling::*[1][{_FOOTED}] or .//*[{_FOOTED}]]"
        f" | //*[self::div or self::li or self::article][{_C_ID}]/following-sibling::*[1][{_FOOTED}]"
        f" | //a[({_C_ID}) or ({_C_NAME})][following-sibling::*[{_FOOTED}]]/following-sibling::*"
    )
    threaded = False  # listed flat, by date: replies name their parent

    def article(self, page: Page) -> ArticleMeta:
        """The entry's hAtom byline (MT 4+, TypePad): author and ISO time, outside the thread."""
        meta = super().article(page)
        outside = "[not(ancestor::*[@id='comments' or @id='all-comments'])]"
        entries = page.tree.xpath(f"//*[{has_class('hentry')} or {has_class('entry-asset')}]{outside}")
        if entries:
            times = entries[0].xpath(f".//abbr[{has_class('published')}]/@title"
                                     f" | .//time[{has_class('published')}]/@datetime")
            meta.published = next(filter(None, map(utc, times)), None) or meta.published
            names = entries[0].xpath(f".//*[{has_class('vcard')}][{has_class('author')}]")
            meta.author = (_clean(names[0].text_content()) or None) if names else None
        return meta

    def comments_status(self, page: Page) -> str:
        """`not_in_html` for TypePad Connect and other script-loaded threads; `html` when the
        comments were read, or the page has a thread section or comment form and no comment;
        `unparsed` when it shows comment markup no rule here read."""
        if self.parse(page):
            return "html"
        sig = page.signals
        if (any(_TP_CONNECT in s for s in sig.script_srcs) or "disqus_thread" in sig.ids
                or "fb-comments" in sig.classes):
            return "not_in_html"
        if _UNREAD(page.tree):
            return "unparsed"
        return "html" if _SECTION(page.tree) or _ENTRY_FORM(page.tree) else "none"

    def parse(self, page: Page) -> list[Comment]:
        """Each comment's element or anchor run, in document order; one without text, or with
        neither an author nor a footer or byline, is none."""
        if (cached := page.memo.get("movabletype.comments")) is not None:
            return cached
        items = _items(page.tree)
        keys = {it.key for it in items if not it.run}
        base = urldefrag(page.url)[0]
        ids = {it.cid.lstrip("0"): it.cid for it in items if it.cid}
        out: list[Comment] = []
        for it in items:
            own = _own(it, keys)
            body, meta = _parts(it, own, keys)
            text = block_text(body)
            author = _author(it, own, meta)
            if not text or not (author or meta):
                continue
            parent, known = _parent(it, meta, body, ids)
            out.append(Comment(
                comment_id=it.cid or str(len(out) + 1),
                parent_id=parent,
                author=author,
                published=next(filter(None, map(utc, _times(own))), None),
                text=text,
                permalink=f"{base}#{it.anchor}" if it.anchor else None,
                order=len(out),
                parent_known=known,
            ))
        page.memo["movabletype.comments"] = out
        return out


def _items(root: HtmlElement) -> list[_Item]:
    """Every comment's element or anchor run, in document order."""
    found: list[_Item] = []
    anchors: list[tuple[HtmlElement, str, str]] = []
    order: dict[HtmlElement, int] = {}
    # what holds a page heading or a form is no comment (a layout's div#c1, the form's box)
    holders = {a for el in root.iter("h1", "h2", "form") for a in el.iterancestors()}
    for el in root.iter():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        order[el] = len(order)
        ident = el.get("id") or ""
        if tag == "a":
            if m := _ITEM_ID.match(name := ident or el.get("name") or ""):
                anchors.append((el, m.group(1), name))
        elif tag in _CONTAINERS and ((m := _ITEM_ID.match(ident)) or "comments-body" in _classes(el)):
            if el not in holders:
                found.append(_Item(el, m.group(1), ident) if m else _Item(el, None, None))
    elements = _nest(found)
    found = list(elements.values())
    marks = set(elements) | {a for a, _, _ in anchors}
    for anchor, cid, name in anchors:
        # MT 2: an anchor inside or right before its comments-body; MT 3.3, TypePad: an
        # anchor right before the comment's element, which has the id too
        owner = next((elements[a] for a in anchor.iterancestors() if a in elements), None)
        if owner is None and (nxt := anchor.getnext()) is not None and nxt in elements:
            owner = elements[nxt]
        if owner is not None:
            if owner.cid is None:
                owner.cid, owner.anchor = cid, name
        elif run := _run(anchor, marks):
            found.append(_Item(anchor, cid, name, run=run))
    for item in found:  # MT 3: div#c<id> is the body, the p.posted after it its footer
        nxt = item.key.getnext()
        if (not item.run and nxt is not None and _classes(nxt) & _FOOTERS
                and not any(_classes(d) & _FOOTERS for d in _descendants(item.key, marks))):
            item.after = nxt
    found.sort(key=lambda it: order.get(it.key, 0))
    return found


def _nest(found: list[_Item]) -> dict[HtmlElement, _Item]:
    """The comment elements by element, each nested one knowing its parent. An element inside
    another is a reply, unless one of them is MT 2's comments-body (inside or around the
    comment's own element: the one with the id is the comment), or the outer one is a `c<n>`
    holding comments (a layout's column, div#c1, not a comment)."""
    elements = {it.key: it for it in found}
    dropped: set[HtmlElement] = set()
    for item in found:
        up = next((elements[a] for a in item.key.iterancestors() if a in elements), None)
        if up is None or item.key in dropped:
            continue
        if item.cid is None:
            dropped.add(item.key)
        elif up.cid is None or not (up.anchor or "").startswith("comment"):
            dropped.add(up.key)
        else:
            item.parent = up
    for item in found:
        if item.parent is not None and item.parent.key in dropped:
            item.parent = None
    return {el: it for el, it in elements.items() if el not in dropped}


def _run(anchor: HtmlElement, marks: set[HtmlElement]) -> list[HtmlElement]:
    """The siblings after a comment anchor, through its footer; none when something else
    (another comment, a heading, a form) comes before a footer."""
    run: list[HtmlElement] = []
    for sib in anchor.itersiblings():
        if not isinstance(sib.tag, str):
            continue
        if sib.tag in _STOPS or any(d in marks for d in sib.iter()):
            return []
        run.append(sib)
        if _classes(sib) & _FOOTERS:
            return run
    return []


def _descendants(el: HtmlElement, keys: set[HtmlElement]) -> list[HtmlElement]:
    """The element's descendants in document order, not entering the comments in `keys`
    (replies nested in it): each element of a thread is visited for one comment only."""
    out: list[HtmlElement] = []
    stack = [iter(el)]
    while stack:
        for child in stack[-1]:
            if isinstance(child.tag, str) and child not in keys:
                out.append(child)
                stack.append(iter(child))
                break
        else:
            stack.pop()
    return out


def _own(it: _Item, keys: set[HtmlElement]) -> list[HtmlElement]:
    """Every element the comment is made of, in document order, its replies left out."""
    if it.run:
        return [d for el in it.run for d in el.iter() if isinstance(d.tag, str)]
    own = _descendants(it.key, keys)
    return own + list(it.after.iter()) if it.after is not None else own


def _copy(el: HtmlElement, keys: set[HtmlElement]) -> HtmlElement:
    """A copy of the element without the comments in `keys` (their tails kept), with the
    attributes the text and reply rules read."""
    def clone(src: HtmlElement) -> HtmlElement:
        try:
            new = lxml.html.Element(src.tag)
        except ValueError:  # a namespaced tag (fb:like, g:plusone)
            new = lxml.html.Element("span")
        for name in ("class", "href"):
            if (value := src.get(name)) is not None:
                new.set(name, value)
        new.text = src.text
        return new

    def tail(into: HtmlElement, text: str | None) -> None:
        if not text:
            return
        if len(into):
            into[-1].tail = (into[-1].tail or "") + text
        else:
            into.text = (into.text or "") + text

    top = clone(el)
    stack = [(iter(el), top)]
    while stack:
        children, into = stack[-1]
        for child in children:
            if not isinstance(child.tag, str) or child in keys:
                tail(into, child.tail)
                continue
            copy = clone(child)
            into.append(copy)
            copy.tail = child.tail
            stack.append((iter(child), copy))
            break
        else:
            stack.pop()
    return top


def _parts(it: _Item, own: list[HtmlElement], keys: set[HtmlElement]
           ) -> tuple[HtmlElement, list[HtmlElement]]:
    """(a copy of the comment's body, its footers and headers)."""
    if it.run:
        meta = [el for el in it.run if _classes(el) & _FOOTERS]
        body = lxml.html.Element("div")
        body.text = it.key.tail
        for el in it.run:
            if el not in meta:
                body.append(_copy(el, keys))
    else:
        meta = [el for el in own if _classes(el) & (_FOOTERS | _HEADERS)]
        source = next((el for el in own if _classes(el).intersection(_BODIES)), it.key)
        body = _copy(source, keys)
    body.tail = None
    for junk in _DROP(body):
        junk.drop_tree()
    # TypePad wraps each body in a span: block_text reads an inline element's paragraphs as
    # one line, so the wrapper goes (its paragraphs stay)
    for wrapper in [s for s in body.iter("span", "font") if _HAS_BLOCK(s)]:
        wrapper.drop_tag()
    return body, meta


def _times(own: list[HtmlElement]) -> Iterator[str]:
    """Machine-readable times: MT 4.2+'s abbr.published title, `<time datetime>`, microdata."""
    for el in own:
        if el.tag == "abbr" and "published" in _classes(el):
            yield el.get("title") or ""
        elif el.tag == "time":
            yield el.get("datetime") or ""
        elif el.get("itemprop") in ("dateCreated", "datePublished"):
            yield el.get("content") or el.get("datetime") or ""


def _author(it: _Item, own: list[HtmlElement], meta: list[HtmlElement]) -> str | None:
    """The hCard's name, an author element, the footer's "Posted by", the header's "said:"."""
    cards: list[HtmlElement] = []
    named: list[HtmlElement] = []
    for el in own:
        classes = _classes(el)
        if "vcard" in classes:
            cards += [el] if "author" in classes else _FN(el)
        elif el.get("itemprop") == "author":
            cards.append(el)
        if classes & _NAMES:
            named.append(el)
    for hit in (*cards, *named):
        if (name := _SAID.sub("", _clean(hit.text_content()))) and len(name) <= 100:
            return name
    for footer in (m for m in meta if _classes(m) & _FOOTERS):
        if name := _posted_by(footer, it.cid):
            return name
    for header in (m for m in meta if "comment-header" in _classes(m)):
        if name := _said(header, it.cid):
            return name
    return None


def _author_link(footer: HtmlElement, cid: str | None) -> tuple[str | None, HtmlElement | None]:
    """(the name the author's link shows, or the first link that is the comment's own
    permalink or another comment's: where the date or a reply begins)."""
    for a in _LINKS(footer):
        href = (a.get("href") or "").strip()
        if (href.startswith(("#", "javascript:")) or _FRAGMENT.search(href)
                or (cid and f"cid={cid}" in href) or (cid and href.partition("#")[2].endswith(cid))):
            return None, a
        if text := _clean(a.text_content()):
            return text, None
    return None, None


def _posted_by(footer: HtmlElement, cid: str | None) -> str | None:
    """"Posted by: <a>Name</a> | <a>date</a>", "Posted by: Name at date" and the like; None
    for a footer with neither a label nor a separator (a date alone)."""
    name, date_link = _author_link(footer, cid)
    if name:
        return name
    text = _clean(" ".join(_texts_before(footer, date_link)))
    labelled = _LABEL.match(text)
    if labelled:
        text = text[labelled.end():]
    if split := _DATEISH.search(text):
        text = text[:split.start()]
    elif not labelled and date_link is None:
        return None
    return _TRAILING.sub("", text).strip() or None


def _texts_before(root: HtmlElement, stop: HtmlElement | None) -> list[str]:
    """The element's text in document order, up to `stop`."""
    out = [root.text or ""]
    stack: list[tuple[Iterator[HtmlElement], str]] = [(iter(root), "")]
    while stack:
        children, tail = stack[-1]
        for child in children:
            if child is stop:
                return out
            if isinstance(child.tag, str) and child.tag not in ("script", "style"):
                out.append(child.text or "")
                stack.append((iter(child), child.tail or ""))
                break
            out.append(child.tail or "")
        else:
            stack.pop()
            out.append(tail)
    return out


def _said(header: HtmlElement, cid: str | None) -> str | None:
    """MT 4.0/4.1's "Name said:" (the author's link, or the name as text)."""
    name, _ = _author_link(header, cid)
    if name:
        return name
    text = _clean(header.text_content())
    return (_SAID.sub("", text).strip() or None) if _SAID.search(text) else None


def _parent(it: _Item, meta: list[HtmlElement], body: HtmlElement, ids: dict[str, str]
            ) -> tuple[str | None, bool]:
    """(parent id, known): a link to another comment's anchor in the byline or footer, or
    opening the text after "in reply to" (or as "@name"); else the comment this one is
    nested in. A `comment-reply` naming no parent has an unknown one."""
    for el in meta:
        for a in _LINKS(el):
            if (m := _FRAGMENT.search((a.get("href") or "").strip())) and not _same(m.group(1), it.cid):
                return ids.get(m.group(1).lstrip("0"), m.group(1)), True
    for a in _LINKS(body):
        m = _FRAGMENT.search((a.get("href") or "").strip())
        if not m or _same(m.group(1), it.cid) or m.group(1).lstrip("0") not in ids:
            continue
        prev = a.getprevious()
        before = prev.tail if prev is not None else a.getparent().text
        if _REPLYING.search(before or "") or _clean(a.text_content()).startswith("@"):
            return ids[m.group(1).lstrip("0")], True
    if it.parent is not None and it.parent.cid:
        return it.parent.cid, True
    return None, "comment-reply" not in _classes(it.key)


PLATFORMS = (
    Platform("typepad", TypePadHints(), MovableTypeThread()),
    Platform("movabletype", MovableTypeHints(), MovableTypeThread()),
)
