"""The fallback for markup no platform knows: one repeated kind of comment block, or nothing.

Real sites render their threads with their own templates, but nearly all of them name the
comment's element for what it is, and give it an id the page links to:
`<div id="comment-13244" class="comment">`, `<li id="tree_40747335" class="comment">`,
`<div id="c68260342" class="p-comment_Comment">`, `<div id="comment_item_110930542">`,
`<ul id="comment-19211427" class="comment">`. The comment's parts are named as well
(`comment-body`, `commentText_68260342`, `comment_inner_…`, `comment-meta`), so what makes
an element *the comment* rather than one of its parts is its name: the word "comment" (or
Kommentar, commentaire, comentario, ...) alone, or with an item word (`comment_item`,
`commentpost`, `single_comment`), or with a prefix of a few letters (`dna-comment`).

The page's comments are the most numerous such kind: one tag, one set of such class names,
one id prefix. A reply is a block of that kind inside another. Fields come from inside each
block (minus its replies): an author where an element says author/user/name or is a `cite`;
a time only when machine-readable with a timezone (`<time datetime>`, an ISO title, epoch
data attributes); the text from the element that says body/text/content/message, or the block
without its author, date, reply and vote parts.

What keeps this from inventing a thread: a kind needs two blocks (one when its id carries a
number), nearly all with text, not mostly link text (a "recent comments" list), none holding
the headline or a form, none inside navigation, asides, headers or footers. Rows are marked
`confidence=low`; blocks without an id get a stable id from their content ("h" + digest).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

from lxml.html import HtmlElement

from .base import Comment, Hints, Platform, ThreadParser, block_text, join, utc
from .page import Page

# "comment" in the languages our users crawl most; a word inside a class or id token
_ROOT = r"comment|kommentar|commentaire|comentario|comentário|commento|reactie|komentar|коммент|yorum"
_COMMENTY = re.compile(rf"(?:^|[\s_-])(?:{_ROOT})(?:$|[\s_-]|\d)", re.IGNORECASE)  # status only
_ROOT_IN = re.compile(_ROOT, re.IGNORECASE)
# what may stand beside the root word in the name of a whole comment (not of one of its parts)
_ITEM_WORDS = {"", "s", "item", "entry", "post", "single", "unit", "node", "li", "row", "view"}
_SEPARATORS = "-_ "
_NOT_PREFIXES = {"all", "top", "new", "old", "my", "no", "add", "hot", "pop", "few", "any", "big"}
_LAST_PART = re.compile(r"^(.*[-_])([A-Za-z0-9]+)$")
_TRAILING_DIGITS = re.compile(r"^(\D*?)(\d+)$")
_ITEM_TAGS = ("div", "li", "article", "section", "ul", "dl", "table")
_OUTSIDE = {"nav", "aside", "header", "footer", "form", "menu"}
_SIDEBAR = re.compile(r"sidebar|widget|recent|popular|most[-_]|related|teaser", re.IGNORECASE)
_BODY = re.compile(r"body|text|content|message|entry|copy|msg|txt|description", re.IGNORECASE)
_META = re.compile(
    r"author|avatar|meta|date|time|reply|vote|action|permalink|share|report|byline|rating|"
    r"like|flag|tools|links|username|user-name|user_name|posted|signature|footer|header|"
    r"title|info|bio|badge|pic|photo|count|number|button|controls|options|menu|edit|delete",
    re.IGNORECASE,
)
_AUTHOR = re.compile(r"author|username|user-name|user_name|nick|poster|commenter|\bfn\b|name|"
                     r"\bcite\b|byline|\buser\b|\bby\b", re.IGNORECASE)
_JUNK_TAGS = {"script", "style", "form", "time", "button", "noscript", "template", "select",
              "input", "textarea", "img", "svg", "iframe", "h1", "h2", "h3", "h4", "h5", "h6"}
_ID_CONTAINERS = ("//*[@id][contains(translate(@id, 'CDEKMNORT', 'cdekmnort'), 'comment') or "
                  "contains(translate(@id, 'CDEKMNORT', 'cdekmnort'), 'kommentar')]")
_PART_ID = re.compile(r"form|respond|count|link|button|nav|pag|rss|feed|policy|login|closed", re.IGNORECASE)
_SKIP_SUBTREES = {"form", "script", "style", "noscript", "template", "select", "textarea"}
_BY = re.compile(r"^(?:posted\s+by|written\s+by|comment\s+by|by|von|par|por|door|di)\s+", re.IGNORECASE)
_SAYS = re.compile(r"\s*(?:says|said|wrote|schreibt|schrieb|a écrit|dice|escribió|zegt)?\s*[:.,]*\s*$",
                   re.IGNORECASE)
_PROFILE = re.compile(r"/(?:users?|profiles?|members?|contributors?|people|authors?|commenters?|"
                      r"u|benutzer|utilisateur|usuario)(?:/|\.php|\?|$)|[?&](?:user|uid|member)(?:id)?=",
                      re.IGNORECASE)
_USER_NUMBER = re.compile(r"\s*\(\d+\)$")
_DIGITS = re.compile(r"\d{1,2}[:/.]\d{2}|\d{4}")  # a time or a year: a date line, not a name
_EPOCH = re.compile(r"^\d{10}(?:\d{3})?$")
_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")


@dataclass(frozen=True, slots=True)
class _Kind:
    tag: str
    classes: frozenset[str]
    id_prefix: str | None


@dataclass(frozen=True, slots=True)
class Found:
    """The page's repeated comment blocks and an XPath to prune them from the body."""

    comments: list[Comment]
    prune: str | None


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
        return repeated_blocks(page).comments


GENERIC = Platform("generic", GenericHints(), GenericThread())


def repeated_blocks(page: Page) -> Found:
    """The page's comments as the most numerous kind of comment-named block (memoised)."""
    if (known := page.memo.get("generic.found")) is not None:
        return known
    page.memo["generic.found"] = found = _find(page)
    return found


def _find(page: Page) -> Found:
    nothing = Found([], None)
    groups: dict[_Kind, list[HtmlElement]] = defaultdict(list)
    for el in page.tree.iter(*_ITEM_TAGS):
        kind = _kind(el)
        if kind is not None:
            groups[kind].append(el)
    ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), _depth(kv[1][0])))
    for kind, blocks in ranked:
        blocks = [el for el in blocks if _placed(el)]
        if not blocks or (len(blocks) < 2 and kind.id_prefix is None):
            continue
        comments = _read(page, kind, blocks)
        if comments is None:
            continue  # this kind is no thread: a lesser kind may be
        return Found(comments, _prune_xpath(kind, blocks)) if comments else nothing
    return _unnamed_blocks(page) or nothing


def _unnamed_blocks(page: Page) -> Found | None:
    """Comments in blocks with no name of their own (`<div style=...>`), repeated as the
    children of a container whose id names the comments (`<div id="comments_displayed">`):
    the most numerous kind of child, three or more, each with text; its first bold name the
    author. Only ids: a class says a style as often as what the element holds."""
    for box in page.tree.xpath(_ID_CONTAINERS):
        if not _placed(box) or _item_name(box.get("id") or "") or _PART_ID.search(box.get("id") or ""):
            continue
        groups: dict[tuple[str, str], list[HtmlElement]] = defaultdict(list)
        for child in box:
            if isinstance(child.tag, str) and child.tag in ("div", "li", "dl", "table", "article"):
                groups[(child.tag, child.get("class") or "")].append(child)
        for (tag, _), blocks in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            if len(blocks) < 3:
                break
            comments = _read(page, _Kind(tag, frozenset(), None), blocks, bold_author=True)
            if comments:
                return Found(comments, f"//*[@id='{box.get('id')}']" if "'" not in box.get("id") else None)
    return None


def _kind(el: HtmlElement) -> _Kind | None:
    """The kind of a block named as a whole comment; None for anything else."""
    classes = frozenset(t for t in (el.get("class") or "").split() if _item_name(t))
    prefix = None
    ident = el.get("id") or ""
    if ident and (split := _id_split(ident)) is not None:
        prefix = split[0]
        if not classes and not _item_name(prefix):
            return None
    elif not classes:
        return None
    return _Kind(el.tag, classes, prefix)


def _item_name(token: str) -> bool:
    """`comment`, `comments`, `comment_item`, `commentpost`, `dna-comment`, `p-comment_Comment`;
    not `comment-body`, `commentText_`, `comment_inner_`, `comments-list`, `recentcomments`."""
    low = token.lower()
    if not _ROOT_IN.search(low):
        return False
    head, _, tail = _ROOT_IN.sub("\0", low).partition("\0")
    rest = tail.replace("\0", "").strip(_SEPARATORS)
    head = head.strip(_SEPARATORS)
    return rest.strip("0123456789-_") in _ITEM_WORDS and len(head) <= 3 and head not in _NOT_PREFIXES


def _id_split(ident: str) -> tuple[str, str] | None:
    """(prefix, variable part) of an id that numbers its block: `comment-13244`, `c68260342`,
    `comment-5023c5aeeab8`, `aol-comments-BNXnLg`; None for a name (`comments`, `comment-form`)."""
    if m := _LAST_PART.match(ident):
        prefix, var = m.groups()
        if any(ch.isdigit() for ch in var) or (
                _ROOT_IN.search(prefix) and var != var.lower() and var != var.upper()):
            return prefix, var
    if m := _TRAILING_DIGITS.match(ident):
        return m.group(1), m.group(2)
    return None


def _depth(el: HtmlElement) -> int:
    return sum(1 for _ in el.iterancestors())


def _placed(el: HtmlElement) -> bool:
    """Not in navigation, a sidebar, a header, a footer or a form; holds no headline."""
    for a in el.iterancestors():
        if a.tag in _OUTSIDE or _SIDEBAR.search(a.get("class") or "") or _SIDEBAR.search(a.get("id") or ""):
            return False
    return next(el.iter("h1"), None) is None


def _read(page: Page, kind: _Kind, blocks: list[HtmlElement], *, bold_author: bool = False
          ) -> list[Comment] | None:
    """The blocks as comments; None when they do not look like a thread at all."""
    members = set(blocks)
    rows: list[tuple[HtmlElement, str, str | None, datetime | None, str | None, str | None]] = []
    collapsed: dict[HtmlElement, str] = {}  # blocks without text (hidden, deleted) that have an id
    link_heavy = empty = 0
    for el in blocks:
        ident = el.get("id") or ""
        var = _id_split(ident)[1] if kind.id_prefix is not None and ident else None
        own = list(_own(el, members))
        text, links = _text(el, own, members)
        if not text:
            empty += 1
            if var is not None:
                collapsed[el] = var
            continue
        if links * 2 > len(text):
            link_heavy += 1
        author = _author(own) or (_bold_name(own) if bold_author else None)
        if bold_author:  # nothing names the name and date lines: they lead the block
            text = _without_heading_lines(text, author)
            if not text:
                empty += 1
                continue
        rows.append((el, text, author, _time(own), var, _permalink(page.url, own, ident)))
    if not rows or empty * 4 > len(blocks) or link_heavy * 2 > len(rows):
        return None
    ids = [r[4] for r in rows if r[4] is not None]
    if len(set(ids)) != len(ids):
        return None  # the "ids" repeat: not one block per comment
    by_el: dict[HtmlElement, str] = dict(collapsed)  # a reply to a collapsed comment names it
    taken = set(ids)
    out: list[Comment] = []
    for order, (el, text, author, when, var, link) in enumerate(rows):
        cid = var or "h" + hashlib.sha1(f"{author}\n{text}".encode()).hexdigest()[:12]
        if var is None and cid in taken:
            cid = f"{cid}-{order}"
        taken.add(cid)
        by_el[el] = cid
        parent = next((a for a in el.iterancestors() if a in members), None)
        out.append(Comment(
            comment_id=cid,
            parent_id=by_el.get(parent) if parent is not None else None,
            author=author,
            published=when,
            text=text,
            permalink=link,
            order=order,
            parent_known=parent is None or parent in by_el,
            confidence="low",
        ))
    return out


def _own(el: HtmlElement, members: set[HtmlElement]) -> Iterator[HtmlElement]:
    """The block's descendants in document order, without nested blocks (replies) and what
    no comment says (forms: a rating or reply box, scripts)."""
    stack = [iter(el)]
    while stack:
        for child in stack[-1]:
            if not isinstance(child.tag, str) or child in members or child.tag in _SKIP_SUBTREES:
                continue
            yield child
            stack.append(iter(child))
            break
        else:
            stack.pop()


def _names(el: HtmlElement) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _text(el: HtmlElement, own: list[HtmlElement], members: set[HtmlElement]) -> tuple[str, int]:
    """The comment's text (and how much of it is link text): from the element named as its
    body, else the block without its parts named as metadata. Replies are left out."""
    body = next((d for d in own if _BODY.search(_names(d)) and not _META.search(_names(d))
                 and d.text_content().strip()), None)
    source = body if body is not None else el
    clone = source.__copy__()
    drop = []
    for orig, copy in zip(source.iter(), clone.iter(), strict=True):
        tag = orig.tag if isinstance(orig.tag, str) else ""
        if orig is source or not tag:
            continue
        if orig in members or tag in _JUNK_TAGS or (tag == "cite" and body is None) or (
                _META.search(_names(orig)) and not _BODY.search(_names(orig))):
            drop.append(copy)
    dropped = set(drop)
    for d in drop:
        if not any(a in dropped for a in d.iterancestors()):
            d.drop_tree()
    text = block_text(clone)
    links = sum(len(" ".join(a.text_content().split())) for a in clone.iter("a"))
    return text, links


def _author(own: list[HtmlElement]) -> str | None:
    """The name an author-named element shows (its first link or bold part when it says
    more, as "by NAME on DATE" does), else a link to a user's profile."""
    for d in own:
        prop = d.get("itemprop") or ""
        named = prop in ("author", "creator") or d.tag == "cite" or bool(_AUTHOR.search(_names(d)))
        if not named or (_BODY.search(d.get("class") or "") and d.tag != "cite"):
            continue
        inner = d.xpath(".//*[@itemprop='name']")
        if name := _name((inner[0] if inner else d).text_content()):
            return name
        for part in d.iter("a", "strong", "b", "span"):
            if part is not d and (name := _name(part.text_content())):
                return name
    for d in own:
        if d.tag == "a" and _PROFILE.search(d.get("href") or "") and (name := _name(d.text_content())):
            return name
    return None


def _without_heading_lines(text: str, author: str | None) -> str:
    """The text without its first lines that are the author's name or a date alone."""
    lines = text.split("\n")
    while lines and (lines[0] == author or (_DIGITS.search(lines[0]) and len(lines[0].split()) <= 4
                                             and not any(ch.isalpha() for ch in lines[0][:1]))):
        lines.pop(0)
    return "\n".join(lines)


def _bold_name(own: list[HtmlElement]) -> str | None:
    """The block's first bold text, when it reads as a name (unnamed blocks)."""
    first = next((d for d in own if d.tag in ("b", "strong", "cite")), None)
    return _name(first.text_content()) if first is not None else None


def _name(text: str) -> str | None:
    """A name as shown, without "by" before it, "says:" after it, or a "(12345)" user number."""
    name = _SAYS.sub("", _BY.sub("", " ".join(text.split()))).strip()
    name = _USER_NUMBER.sub("", name)
    if _BY.match(name + " ") or not 0 < len(name) <= 80 or len(name.split()) > 6 or _DIGITS.search(name):
        return None
    return name


def _time(own: list[HtmlElement]) -> datetime | None:
    for d in own:
        for attr in ("datetime", "content", "title", "data-timestamp", "data-time", "data-utime",
                     "data-date"):
            value = (d.get(attr) or "").strip()
            if not value:
                continue
            if _EPOCH.match(value) and attr.startswith("data-"):
                seconds = int(value) / (1000 if len(value) == 13 else 1)
                return datetime.fromtimestamp(seconds, timezone.utc)
            if _ISO.match(value) and (moment := utc(value)) is not None:
                return moment
    return None


def _permalink(url: str, own: list[HtmlElement], ident: str) -> str | None:
    if not ident:
        return None
    for d in own:
        href = d.get("href") if d.tag == "a" else None
        if href and href.partition("#")[2] == ident:
            return join(url, href)
    return join(url, "#" + ident)


def _prune_xpath(kind: _Kind, blocks: list[HtmlElement]) -> str:
    """The blocks' kind as an XPath (the body must never hold them)."""
    tests = [f"contains(concat(' ', normalize-space(@class), ' '), ' {c} ')" for c in sorted(kind.classes)]
    if kind.id_prefix is not None:
        tests.append(f"starts-with(@id, '{kind.id_prefix}')" if "'" not in kind.id_prefix else "@id")
    return f"//{kind.tag}[{' and '.join(tests)}][not(.//h1)]"
