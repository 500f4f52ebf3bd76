"""WordPress comments: wp_list_comments() markup (HTML5 and HTML4 walkers, theme callbacks) and
what themes printed before it (Kubrick's loop, Thesis, themes of their own).

A comment is the element whose id is `comment-N`: the core walkers' `li#comment-N` (with
`div#div-comment-N` inside), Twenty Twelve-style callbacks' `li#li-comment-N` around
`article#comment-N`, Thesis's `dt#comment-N` and the `dd` after it (`div#comment-body-N`),
plugins' `div#comment-N` (Epoch). Its classes come from comment_class(), or, in themes older
than WordPress 2.7 (Kubrick's `<li class="alt" id="comment-N">`), from nothing: then the list
it is in says comments (`ol.commentlist`, `dl.comment_list`). Replies nest in `.children`
(`ul`, `ol` or Thesis's `dl`). What the parts are, whatever the theme calls them:

- the text is what comment_text() prints, paragraphs from wpautop() that never have a class
  (kses strips commenters' classes); everything else in the comment is the theme's (name,
  date, permalink, "Reply", avatar, number, rating), so it is dropped from the text;
- the name is hCard's `.fn`, get_comment_author_link()'s `a.url`, an element whose class says
  author or name (`span.comment_author`, `span.commentauthor`, `span.authorname`), Kubrick's
  `cite`, else the words before "says"/the date in the meta line ("by Jane on May 4, 2009");
- pingbacks and trackbacks (class `pingback`/`trackback`, or core's "[…] excerpt […]" text in
  themes without comment_class()) are not comments.

A theme that loops over the comments itself without comment-N ids (`div.coms#com_N`, a `dl`
of dt/dd pairs linking `#N`) is read by the shape of its list (`_theme_loop`), strictly: a run
of alike siblings in an element whose id says comment(s), every one with an id, paragraphs and
a name, else nothing; its comments are marked `confidence=low`.

Two things the markup does not say outright:

- Replies deeper than the thread_comments_depth setting are listed after their parent at its
  level, not nested. The core walkers mark a comment with replies `parent`, so a `parent`
  without nested replies is followed by its first reply; which of the following comments are
  further replies and which are siblings cannot be told, so those get parent_known=False.
- WordPress pages a thread by top-level comment (a thread never spans two pages): page K is
  `post/comment-page-K/` (or `?cpage=K`); page 1 or the last page is the post URL itself,
  depending on default_comments_page, so the page number comes from the comment pager.

Permalinks (get_comment_link()) are the page listing the comment plus `#comment-N`: there is
no page of its own to fetch. Disqus's server-rendered fallback in WordPress pages
(`#dsq-comments`) is `commentembeds`'s, tried before this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice, takewhile
from typing import Any
from urllib.parse import parse_qsl, urldefrag, urlencode, urlsplit, urlunsplit

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
from .page import ARTICLE_TYPES, Page, schema_types

_CPAGE = re.compile(r"/comment-page-(\d+)(/?)$")
_LAST_INT = re.compile(r"(\d+)\D*$")
_ANONYMOUS = "Anonymous"  # get_comment_author() for a comment without a name
_TRAP_PATH = re.compile(r"(?:^|/)(?:wp-login\.php|wp-signup\.php|wp-comments-post\.php|xmlrpc\.php"
                        r"|wp-admin(?:/|$)|trackback/?$)")
_TRAP_QUERY = {"replytocom", "unapproved", "moderation-hash", "like_comment"}
_NAV = (f"//*[@id='comments' or {has_class('comment-navigation')} or {has_class('comments-pagination')}"
        " or @id='comment-nav-above' or @id='comment-nav-below']")
# A comment's elements, by id: `comment-N` (the core walkers, Kubrick and most callbacks),
# `li-comment-N` (Twenty Twelve-style callbacks: li#li-comment-N around article#comment-N),
# `div-comment-N` (the core walkers' inner div), `comment-body-N` (Thesis: dt#comment-N, then a
# dd holding div#comment-body-N). Anchors (`a#comment-N`) and inline marks are no comments.
_ID = re.compile(r"^(?:li-|div-)?comment-(?:body-)?(\d+)$")
_IDS = etree.XPath("//*[starts-with(@id, 'comment-') or starts-with(@id, 'li-comment-')"
                   " or starts-with(@id, 'div-comment-')]")
_INLINE = frozenset({"a", "abbr", "b", "br", "button", "cite", "code", "em", "font", "i", "img", "input",
                     "label", "q", "small", "span", "strong", "sub", "sup", "textarea", "time", "u"})
# comment_class(): `comment` (or the type), `byuser`, `comment-author-{nicename}`, `bypostauthor`,
# `odd`/`even`, `thread-odd`..., `depth-N`, `parent`
_TYPE_CLASSES = frozenset({"comment", "pingback", "trackback", "byuser", "bypostauthor"})
_CLASS_PREFIXES = ("depth-", "thread-", "comment-author-")
_WORD = re.compile(r"[-_]+")
# What comment_text() prints: wpautop'd paragraphs, quotes, lists, code; never with a class
# (kses strips classes from commenters' markup). Anything else in a comment is the theme's.
_TEXT_BLOCKS = frozenset({"p", "blockquote", "pre", "ul", "ol", "table"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_DROP_TAGS = _HEADINGS | {"script", "style", "form", "noscript", "template", "button", "select", "textarea",
                          "input", "iframe", "svg", "time"}
# Words of a theme's class names (split at - and _) for a comment's parts that are not its text.
_META_WORDS = frozenset({
    "meta", "metadata", "commentmetadata", "author", "authorname", "commentauthor", "fn", "vcard",
    "avatar", "gravatar", "photo", "date", "time", "datetime", "timestamp", "posted", "says", "said",
    "reply", "respond", "edit", "permalink", "number", "num", "counter", "count", "rating", "ratings",
    "vote", "votes", "voting", "like", "likes", "share", "sharing", "sharedaddy", "report", "flag",
    "actions", "action", "tools", "toolbar", "buttons", "button", "footer", "header", "head", "info",
    "citation", "awaiting", "moderation", "user", "username", "name", "nick", "commenter", "badge",
    "bubble", "signature",
})
# Class words of the element holding the commenter's name (after .fn and core's a.url)
_AUTHOR_WORDS = frozenset({"author", "authorname", "commentauthor", "commenter", "name", "username", "user",
                           "nick", "nickname", "poster"})
# Class words of what is neither the name nor the text: left out when the name is read from the
# comment's meta line ("by Jane on May 4, 2009 at 9:15 pm | Reply")
_NOT_NAME_WORDS = frozenset({"date", "time", "datetime", "timestamp", "number", "num", "counter", "count",
                             "reply", "respond", "edit", "avatar", "gravatar", "rating", "ratings", "vote",
                             "votes", "like", "likes", "share", "sharing", "report", "awaiting", "moderation",
                             "permalink"})
# ... of the parts of a meta line (a paragraph holding one is the theme's, not the commenter's)
_LINE_WORDS = frozenset({"meta", "metadata", "commentmetadata", "author", "authorname", "commentauthor", "fn",
                         "date", "time", "datetime", "timestamp", "says", "posted", "permalink", "reply"})
# A theme's own comment loop (_theme_loop)
_SECTIONS = etree.XPath("//*[contains(translate(@id, 'COMENT', 'coment'), 'comment')]"
                        "[not(self::form or self::textarea or self::input or self::a)][not(ancestor::form)]")
_ITEM_TAGS = frozenset({"div", "li", "dt", "article", "section", "table"})
_ALTERNATING = frozenset({"alt", "odd", "even"})
_LOOP_ID = re.compile(r"[A-Za-z_-]*?(\d+)")
_CONTENT_WORD = re.compile(r"(?:comment|comm|com|cmt)?(content|text|txt|entry|body)")
_CONTENT_RANK = {"content": 0, "text": 1, "txt": 1, "entry": 2, "body": 3}
_LABEL = re.compile(r"^\W*(?:reply|reply to this comment|permalink|link|edit|report|quote|like|"
                    r"antworten|répondre|responder|rispondi|beantwoorden)\W*$", re.IGNORECASE)
_REPLY_CLASSES = frozenset({"comment-reply-link", "comment-reply-login"})
# A pingback's text as core writes it: "[…] the excerpt […]"
_PINGBACK_TEXT = re.compile(r"^\[(?:…|\.\.\.)\].*\[(?:…|\.\.\.)\]$", re.DOTALL)
# The name in a meta line: "Posted by Jane on May 4", "Jane says:", "Jane —", "3. Jane - May 4, 2009"
_NUMBERED = re.compile(r"^[#(]?\d+[.)]?\s+(?=\D)")
_BY = re.compile(r"^(?:(?:posted|written|submitted|comment(?:ed)?|left|added)\s+)?by\s+", re.IGNORECASE)
_SAYS = re.compile(r"\s+(?:says|said|wrote|writes|reply|replied|replies|responded)\b", re.IGNORECASE)
_SEPARATOR = r"\s*[|—–:»·]|\s+-"  # noqa: RUF001
_DAY = (r"(?:\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun|today"
        r"|yesterday)[a-z]*\b)")
_DATED = re.compile(rf"(?:\s+(?:on|at|@)|{_SEPARATOR}|,)\s+(?={_DAY})", re.IGNORECASE)
_SEPARATED = re.compile(rf"{_SEPARATOR}(?:\s|$)")
_NOT_A_NAME = re.compile(  # a time, a year, a date, a link
    rf"\d{{1,2}}:\d{{2}}|\b(?:19|20)\d{{2}}\b|^{_DAY}\.?\s+\d|^(?:reply|permalink|says?)$", re.IGNORECASE)
_NAME_MAX = 80
# The post itself (single.php's `article#post-N` or an HTML4 theme's `div.post#post-N`).
_POST = f"//*[starts-with(@id, 'post-')][self::article or {has_class('hentry')} or {has_class('post')}]"
# The post's author as the theme's byline shows it (the_author(), the user's display name, which
# WordPress also puts on that user's comments): hCard `.author .fn` (Twenty Ten to Twenty
# Seventeen, Underscores and the themes built on it), `.byline a` (Twenty Nineteen to Twenty-One),
# the block themes' post author name, Genesis's entry author, a rel="author" link. Each tried in
# order, inside the post first.
_BYLINES = (
    f".//*[{has_class('author')}]//*[{has_class('fn')}]",
    f".//*[{has_class('author')}][{has_class('fn')}]",
    f".//*[{has_class('byline')}]//a",
    f".//*[{has_class('wp-block-post-author-name')}]",
    f".//*[{has_class('entry-author-name')}]",
    ".//a[@rel='author']",
)
# Not the post's: the thread, the sidebar (#secondary in most themes) and its widgets.
_OUTSIDE = f"[not(ancestor-or-self::*[@id='comments' or @id='secondary' or {has_class('widget')}])]"
# A comment section: the list wp_list_comments() fills (themes print it only when there are
# comments), the form comment_form() prints while comments are open (#respond even when
# only logged-in users may comment, and around Jetpack's comment iframe).
_LIST_CLASSES = {"commentlist", "comment-list"}
_THREAD = " or ".join(has_class(c) for c in ("comments-area", "commentlist", "comment-list", "comment_list"))
_FORM_IDS = {"respond", "commentform"}
_FORM_GATE = frozenset({"respond", "commentform", "comments", "comment"})  # textarea#comment: core's
_COMMENT_FORM = etree.XPath("//form[contains(@action, 'wp-comments-post.php')]")
_POST_ID = etree.XPath("//form//input[@name='comment_post_ID']")
_SEPARATORS = (" - ", " | ", " – ", " — ", " » ", " · ", " :: ", " : ")  # noqa: RUF001


def _cpage(url: str) -> int | None:
    parts = urlsplit(url)
    if m := _CPAGE.search(parts.path):
        return int(m.group(1))
    return next((int(v) for k, v in parse_qsl(parts.query) if k == "cpage" and v.isdigit()), None)


def _post_url(url: str) -> str:
    """The post a thread page belongs to: comment paging and fragment removed."""
    parts = urlsplit(urldefrag(url)[0])
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "cpage"]
    return urlunsplit(parts._replace(path=_CPAGE.sub(r"\2", parts.path), query=urlencode(query)))


def _with_cpage(post: str, n: int, *, query: bool) -> str:
    parts = urlsplit(post)
    if query:
        return urlunsplit(parts._replace(query=urlencode([*parse_qsl(parts.query), ("cpage", str(n))])))
    slash = parts.path.endswith("/")
    path = parts.path.rstrip("/") + f"/comment-page-{n}" + "/" * slash
    return urlunsplit(parts._replace(path=path))


def _classes(el: HtmlElement) -> set[str]:
    return set((el.get("class") or "").split())


def _words(el: HtmlElement) -> set[str]:
    """The words of an element's class names: `comment-meta commentmetadata` is
    {comment, meta, commentmetadata}."""
    return {w for token in (el.get("class") or "").lower().split() for w in _WORD.split(token) if w}


def _comment_classed(el: HtmlElement) -> bool:
    return any(t in _TYPE_CLASSES or t.startswith(_CLASS_PREFIXES) for t in (el.get("class") or "").split())


def _in_comments(el: HtmlElement) -> bool:
    """A pre-2.7 theme's comment (no comment_class()): listed in an element that says so
    (`ol.commentlist`, `div#comments`, `dl.comment_list`, `div.epoch-comments`)."""
    for anc in islice(el.iterancestors(), 2):
        if "comment" in f"{anc.get('id') or ''} {anc.get('class') or ''}".lower():
            return True
    return False


@dataclass(slots=True)
class _Unit:
    """One comment's elements: its outermost element (`root`), what it spans (`members`: the
    root, and a dt's dd), its own elements in document order (its replies left out) and the
    replies' outermost elements met inside it (`replies`)."""

    cid: str
    root: HtmlElement
    members: list[HtmlElement]
    nested: str | None  # the comment it is nested in
    own: list[HtmlElement] = field(default_factory=list)
    replies: list[HtmlElement] = field(default_factory=list)
    fragment: str = ""  # the id its permalinks name: `comment-N`

    def __post_init__(self) -> None:
        self.fragment = self.fragment or f"comment-{self.cid}"


def _units(tree: HtmlElement) -> dict[str, _Unit]:
    """The page's comments by id, in document order, each with its own elements."""
    groups: dict[str, list[HtmlElement]] = {}
    for el in _IDS(tree):
        if el.tag not in _INLINE and (m := _ID.match(el.get("id") or "")):
            groups.setdefault(m.group(1), []).append(el)
    units: dict[str, _Unit] = {}
    owner: dict[HtmlElement, str] = {}
    for cid, els in groups.items():
        root = els[0]  # document order: the outermost (li#comment-N before div#div-comment-N)
        members = [root]
        if root.tag == "dt":  # Thesis and others: the text is in the dd(s) after the dt
            for sib in root.itersiblings():
                if sib.tag != "dd":
                    break
                members.append(sib)
        ancestors = list(root.iterancestors())
        if any(a.tag == "form" for a in ancestors):
            continue  # the comment form's own fields
        nested = next((owner[a] for a in ancestors if a in owner), None)
        classed = any(_comment_classed(e) for e in (*els, *members[1:]))
        if nested is None and not (classed or _in_comments(root)):
            continue
        units[cid] = _Unit(cid, root, members, nested)
        owner.update(dict.fromkeys((*els, *members), cid))
    for unit in units.values():
        stack = list(reversed(unit.members))
        while stack:
            el = stack.pop()
            unit.own.append(el)
            for child in reversed(el):
                if not isinstance(child.tag, str):
                    continue
                if owner.get(child, unit.cid) != unit.cid:
                    unit.replies.append(child)
                else:
                    stack.append(child)
    return units


def _theme_loop(tree: HtmlElement) -> dict[str, _Unit]:
    """Comments a theme printed with a loop of its own and no comment-N ids (themes written
    before wp_list_comments()): in an element whose id says comment(s), the longest run of
    sibling elements alike (one tag and class; a dt with its dd), each with an id (its own,
    `com_N`, or an in-page link's, `#N`), comment_text()'s paragraphs and a commenter's name.
    Any item without one of them and the run is no thread."""
    best: dict[str, _Unit] = {}
    for section in _SECTIONS(tree):
        if _ID.match(section.get("id") or ""):
            continue
        for box in (section, *(c for c in section if c.tag in ("dl", "ol", "ul", "div"))):
            runs: dict[tuple[str, frozenset[str]], list[HtmlElement]] = {}
            for child in box:
                if isinstance(child.tag, str) and child.tag in _ITEM_TAGS:
                    key = (child.tag, frozenset(_classes(child) - _ALTERNATING))
                    runs.setdefault(key, []).append(child)
            for items in runs.values():
                if len(items) >= 2 and len(items) > len(best) and (units := _loop_units(items)):
                    best = units
    return best


def _loop_units(items: list[HtmlElement]) -> dict[str, _Unit] | None:
    units: dict[str, _Unit] = {}
    for item in items:
        members = [item]
        if item.tag == "dt":
            members += list(takewhile(lambda sib: sib.tag == "dd", item.itersiblings()))
        own = [el for member in members for el in member.iter() if isinstance(el.tag, str)]
        ids = [item.get("id") or ""] + [
            (a.get("href") or "")[1:] if (a.get("href") or "").startswith("#") else (a.get("name") or "")
            for a in own if a.tag == "a"]
        fragment, cid = next(((f, m.group(1)) for f in ids if (m := _LOOP_ID.fullmatch(f))), ("", ""))
        if not cid or cid in units:
            return None
        unit = _Unit(cid, item, members, None, own, [], fragment)
        if not any(_text_block(el) for el in own) or _commenter(unit)[1] is None:
            return None
        units[cid] = unit
    return units


def _text_blocks(unit: _Unit, meta: set[HtmlElement]) -> list[HtmlElement]:
    """The comment's paragraphs as comment_text() prints them (outermost only), not the
    theme's: classless, and holding no part of the meta line."""
    found: set[HtmlElement] = set()
    out = []
    for el in unit.own:
        if el.tag in _TEXT_BLOCKS and not el.get("class") and el not in unit.members:
            if any(a in found for a in el.iterancestors()):
                continue
            if any(d in meta for d in el.iter()):
                continue
            found.add(el)
            out.append(el)
    return out


def _text_block(el: HtmlElement) -> bool:
    return el.tag in _TEXT_BLOCKS and not el.get("class")


def _meta_line(el: HtmlElement) -> bool:
    """A classless paragraph of the theme's: it holds a date or a part named as the meta line's."""
    return any(d.tag == "time" or _words(d) & _LINE_WORDS for d in el.iterdescendants())


def _lowest_common(els: list[HtmlElement]) -> HtmlElement:
    chain = [els[0], *els[0].iterancestors()]
    depth = {el: k for k, el in enumerate(chain)}
    best = 0
    for el in els[1:]:
        for up in (el, *el.iterancestors()):
            if up in depth:
                best = max(best, depth[up])
                break
    return chain[best]


def _path(root: HtmlElement, el: HtmlElement) -> list[int] | None:
    """Child indices from `root` down to `el` (None when `el` is not inside `root`)."""
    chain = []
    for up in el.iterancestors():  # first whether it is inside: an index is O(siblings)
        chain.append(el)
        if up is root:
            return [node.getparent().index(node) for node in reversed(chain)]
        el = up
    return None


def _name(text: str) -> str | None:
    """The commenter's name in a meta line or an author element's text, or None: what comes
    before "says", before the date ("on May 4", " - 4 May 2009"), else before a separator."""
    text = _BY.sub("", _NUMBERED.sub("", " ".join(text.split()), count=1), count=1)
    if ends := [m.start() for m in (_SAYS.search(text), _DATED.search(text)) if m]:
        text = text[: min(ends)]
    elif m := _SEPARATED.search(text):
        text = text[: m.start()]
    text = text.strip(" ,;:|-—–·»")  # noqa: RUF001
    if not text or len(text) > _NAME_MAX or _NOT_A_NAME.search(text) or not any(c.isalnum() for c in text):
        return None
    return text


def _commenter(unit: _Unit) -> tuple[HtmlElement | None, str | None]:
    """The commenter's name and the element showing it: hCard's `.fn` (the core walkers),
    get_comment_author_link()'s `a.url`, an element whose class says author or name
    (`span.comment_author`, `span.commentauthor`, `span.authorname`), Kubrick's `cite`;
    else the name in the meta line ("by Jane on ...", "Jane says:", "Posted by Jane")."""
    members = set(unit.members)
    own = [el for el in unit.own if el not in members]
    tiers = (
        [el for el in own if "fn" in _classes(el)],
        [el for el in own if el.tag == "a" and "url" in _classes(el)],
        [el for el in own if _words(el) & _AUTHOR_WORDS and el.tag != "img"],
        [el for el in own if el.tag == "cite" and not any(  # not one a commenter wrote
            _text_block(a) and not _meta_line(a) for a in el.iterancestors())],
    )
    for tier in tiers:
        for el in tier:
            if any(_text_block(d) for d in el.iterdescendants()):
                continue  # a wrapper of the text, whatever its name
            if name := _name(el.text_content()):
                return el, (None if name == _ANONYMOUS else name)
    name = _meta_name(unit)
    return None, (None if name == _ANONYMOUS else name)


def _meta_name(unit: _Unit) -> str | None:
    """The name in the text the comment shows besides its paragraphs, date, number and links."""
    own, members, parts = set(unit.own), set(unit.members), []
    skip = {el for el in unit.own if el not in members and (
        (_text_block(el) and not _meta_line(el)) or (el.tag in _DROP_TAGS and el.tag not in _HEADINGS)
        or _words(el) & _NOT_NAME_WORDS or _permalinks(el, unit) or _LABEL.match(el.text_content()))}
    for member in unit.members:
        stack: list[tuple[HtmlElement, bool]] = [(member, False)]
        while stack:
            el, done = stack.pop()
            if done:
                parts.append(el.tail or "")
                continue
            if el is not member:
                stack.append((el, True))
            if el in skip or el not in own:
                continue
            parts.append(el.text or "")
            stack.extend((child, False) for child in reversed(el) if isinstance(child.tag, str))
    return _name(" ".join(parts))


def _permalinks(el: HtmlElement, unit: _Unit) -> bool:
    return el.tag == "a" and (el.get("href") or "").strip().endswith(f"#{unit.fragment}")


def _comment_text(unit: _Unit, author_el: HtmlElement | None) -> str:
    """The comment's paragraphs (comment_text() wraps every comment in them), from their
    lowest common element, less everything else the theme put there: the meta line, links,
    headings, numbers. A comment without any: the element whose class says content, text,
    entry or body (else the comment's own), less its meta line."""
    marks = {el for el in unit.own if el.tag == "time" or _words(el) & _META_WORDS or _permalinks(el, unit)
             or (el.tag == "a" and _classes(el) & _REPLY_CLASSES)}
    # what makes a paragraph the theme's: the name, the date, the permalink, a reply link
    line = {el for el in marks if el.tag in ("time", "a") or _words(el) & _LINE_WORDS}
    if author_el is not None:
        marks.add(author_el)
        line.add(author_el)
    blocks = _text_blocks(unit, line)
    if blocks:
        body = _lowest_common(blocks)
        if body not in set(unit.own):  # spread over a dt and its dd: the dd's
            for member in reversed(unit.members):
                if inside := [b for b in blocks if member in b.iterancestors()]:
                    blocks, body = inside, _lowest_common(inside)
                    break
        return _paragraphs(body, blocks, unit, marks)
    members = set(unit.members)
    ranked = []
    for k, el in enumerate(unit.own):
        words = _words(el)
        if el in members or words & _META_WORDS or el.tag in _INLINE:
            continue
        if ranks := [_CONTENT_RANK[m.group(1)] for w in words if (m := _CONTENT_WORD.fullmatch(w))]:
            ranked.append((min(ranks), k, el))
    if ranked:
        body = min(ranked)[2]
    elif unit.root.tag == "dt":
        body = unit.members[-1]
    else:  # the innermost element with the comment's id: div#div-comment-N in li#comment-N
        body = [el for el in unit.own if el.tag not in _INLINE and _ID.match(el.get("id") or "")][-1]
    drop = [*unit.replies, *(el for el in unit.own if el is not body and (
        el.tag in _DROP_TAGS or el in marks or (el.get("class") and _LABEL.match(el.text_content()))))]
    if author_el is not None:  # the meta line around the name
        up = author_el
        while (parent := up.getparent()) is not None and parent is not body:
            up = parent
        drop.append(up)
    return block_text(_without(body, drop))


def _paragraphs(body: HtmlElement, blocks: list[HtmlElement], unit: _Unit, marks: set[HtmlElement]) -> str:
    """The paragraphs under `body`: its other children and loose words dropped (all the
    theme's), and inside the paragraphs what a theme or plugin adds (a report link)."""
    keep, between = set(blocks), set()
    for block in blocks:  # the elements from the body down to each paragraph (none: one paragraph)
        for up in block.iterancestors() if block is not body else ():
            if up in between:
                break
            between.add(up)
            if up is body:
                break
    drop = [*unit.replies]
    for el in between:
        drop += [child for child in el
                 if isinstance(child.tag, str) and child not in keep and child not in between]
    for block in blocks:
        drop += [el for el in block.iterdescendants() if el in marks or el.tag in _DROP_TAGS
                 or (el.get("class") and _LABEL.match(el.text_content()))]
    return block_text(_without(body, drop, loose=between))


def _without(body: HtmlElement, drop: list[HtmlElement], loose: Iterable[HtmlElement] = ()) -> HtmlElement:
    """A copy of `body` without the elements in `drop` (and without the words directly in the
    elements in `loose`): the page's tree stays as it is for the other readers."""
    copy = body.__copy__()
    paths = [path for el in drop if (path := _path(body, el))]
    nodes = []
    for path in paths:
        node = copy
        for i in path:
            node = node[i]
        nodes.append(node)
    for el in loose:
        node = copy
        for i in _path(body, el) or []:
            node = node[i]
        node.text = None
        for child in node:
            child.tail = None
    for node in nodes:
        if node.getparent() is not None:
            node.drop_tree()
    return copy


def _permalink(unit: _Unit, url: str) -> str:
    for el in unit.own:
        if _permalinks(el, unit):
            return join(url, (el.get("href") or "").strip())
    return f"{urldefrag(url)[0]}#{unit.fragment}"


def _title(page: Page) -> str | None:
    """The post's title: the Article's JSON-LD headline (Yoast, Rank Math), the theme's
    `h1.entry-title` (the_title()), else Open Graph's; never `<title>` ("Post - Site")."""
    for node in page.jsonld:
        if schema_types(node.get("@type")) & ARTICLE_TYPES and isinstance(node.get("headline"), str):
            if headline := " ".join(node["headline"].split()):
                return _unsuffixed(page, headline)
    for h1 in page.tree.xpath(f"//h1[{has_class('entry-title')}]{_OUTSIDE}"):
        if text := " ".join(h1.text_content().split()):
            return text
    return _unsuffixed(page, page.headline)


def _site_name(page: Page) -> str | None:
    names = page.tree.xpath(f"//*[{has_class('site-title')}]")
    return " ".join(names[0].text_content().split()) if names else None


def _unsuffixed(page: Page, title: str | None) -> str | None:
    """SEO plugins' titles end in " - Site Name" (the %sep% %sitename% of their title format)."""
    for name in filter(None, (page.meta.get("og:site_name"), _site_name(page))):
        for sep in _SEPARATORS:
            if title and title.endswith(sep + name) and len(title) > len(sep + name):
                return title[: -len(sep + name)].strip()
    return title


def _author(page: Page) -> str | None:
    """The byline inside the post, the Article's JSON-LD author, a byline elsewhere in the
    page (themes printing it in the entry header outside the post), `<meta name="author">`."""
    posts = page.tree.xpath(_POST)
    return ((_byline(posts[0]) if posts else None) or _ld_author(page) or _byline(page.tree)
            or page.meta.get("author"))


def _byline(scope: HtmlElement) -> str | None:
    for xpath in _BYLINES:
        for el in scope.xpath(xpath + _OUTSIDE):
            if name := " ".join(el.text_content().split()):
                return name
    return None


def _ld_author(page: Page) -> str | None:
    """The Article's author in JSON-LD: a name, a Person, or a Person's @id in the @graph."""
    named: dict[str, str] = {}
    for node in page.jsonld:
        if isinstance(node.get("@id"), str) and isinstance(node.get("name"), str):
            named.setdefault(node["@id"], node["name"])
    for node in page.jsonld:
        if not schema_types(node.get("@type")) & ARTICLE_TYPES:
            continue
        authors: Any = node.get("author")
        for author in authors if isinstance(authors, list) else [authors]:
            name = author if isinstance(author, str) else (
                (author.get("name") or named.get(author.get("@id"))) if isinstance(author, dict) else None)
            if isinstance(name, str) and (name := " ".join(name.split())):
                return name
    return None


class WordPressHints(Hints):
    name = "wordpress"

    def detect(self, page: Page) -> bool:
        tree, url = page.tree, page.url
        sig = page.signals  # the generator, links and scripts of one shared pass
        if any(g.strip().lower().startswith("wordpress") for g in sig.generators):
            return True
        if any(rel == "https://api.w.org/" for rel, _ in sig.links):
            return True
        # core's comment form posts to wp-comments-post.php (on whatever host serves the theme)
        if sig.ids & _FORM_GATE and _COMMENT_FORM(tree):
            return True
        # the hrefs as written ("wp-content/x.css" is relative), or the page's own path
        if not any("wp-content/" in a or "wp-includes/" in a for a in (*sig.assets, url)):
            return False
        host = urlsplit(url).hostname
        assets = tree.xpath("//link[@rel='stylesheet']/@href | //script/@src")
        return any(("/wp-content/" in u or "/wp-includes/" in u) and urlsplit(u).hostname == host
                   for u in absolute(url, assets))

    def is_article(self, page: Page) -> bool:
        tree = page.tree
        body = set(tree.xpath("string(//body/@class)").split())
        if "single" in body or ("page" in body and any(c.startswith("page-id-") for c in body)):
            return True
        if body & {"home", "blog", "archive", "search", "error404"}:
            return False
        posts = tree.xpath("//article[starts-with(@id, 'post-')]"
                           f" | //div[starts-with(@id, 'post-')][{has_class('hentry')}]")
        if len(posts) == 1 and tree.xpath("//*[@id='comments' or @id='respond']"):
            return True
        # a theme without those classes: the comment form names the post it comments on, and
        # comments_template() is only shown on a single post or page
        return bool(_POST_ID(tree))

    def article_links(self, page: Page) -> list[str]:
        posts = f"//*[starts-with(@id, 'post-') or {has_class('hentry')}]"
        hrefs = page.tree.xpath(f"{posts}//*[{has_class('entry-title')}]//a/@href")
        # classic themes: the post's heading links to it with rel=bookmark, no entry-title
        hrefs += page.tree.xpath(f"{posts}//*[self::h1 or self::h2 or self::h3]/a[@rel='bookmark']/@href")
        this = {_post_url(page.url), self.article_key(page)}  # a post's heading links to itself
        return [u for u in dict.fromkeys(absolute(page.url, hrefs)) if _post_url(u) not in this]

    def index_pages(self, page: Page) -> list[str]:
        hrefs = page.tree.xpath(
            f"//*[{has_class('pagination')} or {has_class('posts-navigation')}"
            f" or {has_class('paging-navigation')}][not(ancestor-or-self::*[@id='comments'])]"
            f"//a[{has_class('next')} or parent::*[{has_class('nav-previous')}]]/@href")
        return [u for u in dict.fromkeys(absolute(page.url, hrefs)) if not self.is_trap(u)]

    def thread_pages(self, page: Page) -> Iterable[str]:
        """Every comment page this page links to (the pager, comment permalinks), and those
        the pager leaves out between them; not this page again."""
        post, linked, query = self.article_key(page), {}, False
        for u in absolute(page.url, page.tree.xpath("//a/@href")):
            n = _cpage(u)
            if n is not None and 0 < n <= 10_000 and _post_url(u) == post and not self.is_trap(u):
                linked.setdefault(n, u)
                query |= "cpage=" in urlsplit(u).query
        if not linked:
            return []
        current = self.page_number(page) + 1
        return (linked.get(n) or _with_cpage(post, n, query=query)  # lazily: the spider bounds it
                for n in range(1, max(*linked, current) + 1) if n != current)

    def is_trap(self, url: str) -> bool:
        parts = urlsplit(url)
        return bool(_TRAP_PATH.search(parts.path)) or any(
            k in _TRAP_QUERY for k, _ in parse_qsl(parts.query, keep_blank_values=True))

    def article_key(self, page: Page) -> str:
        return _post_url(self.canonical_url(page))

    def page_number(self, page: Page) -> int:
        tree, url = page.tree, page.url
        for el in tree.xpath(f"{_NAV}//*[{has_class('page-numbers')}][{has_class('current')}]"):
            if m := _LAST_INT.search(el.text_content()):
                return max(int(m.group(1)) - 1, 0)
        if (n := _cpage(url)) is not None:
            return max(n - 1, 0)
        post = _post_url(url)
        for rel, wrapper, link in ((-1, "nav-previous", "prev"), (1, "nav-next", "next")):
            hrefs = f"{_NAV}//*[{has_class(wrapper)}]//a/@href | {_NAV}//a[{has_class(link)}]/@href"
            for u in absolute(url, tree.xpath(hrefs)):
                if _post_url(u) == post and (n := _cpage(u) or (1 if rel < 0 else None)):
                    return max(n - rel - 1, 0)  # "older comments" is the page before this one
        return 0


class WordPressThread(ThreadParser):
    # the theme's section, else the list (Kubrick's h3#comments is only the list's heading)
    thread_xpath = f"//*[@id='comments' or @id='commentlist' or {_THREAD}]"

    def article(self, page: Page) -> ArticleMeta:
        """The post's title and byline as the theme prints them, its entry date, the site title."""
        meta = super().article(page)
        meta.title = _title(page)
        meta.author = _author(page)
        values = page.tree.xpath(
            f"//*[starts-with(@id, 'post-')]//time[{has_class('published')} or {has_class('entry-date')}]"
            "[not(ancestor::*[@id='comments'])]/@datetime")
        meta.published = next(filter(None, map(utc, values)), None) or meta.published
        meta.site_name = _site_name(page) or meta.site_name
        return meta

    def comments_status(self, page: Page) -> str:
        """`html` when comments, the comment list or the comment form are in the page (a
        thread of 0 is then a real 0); `none` when comments are closed and there are none:
        Twenty Fourteen and later themes then leave #comments out, older ones print it empty
        or with only a "Comments are closed." notice."""
        sig = page.signals
        if "disqus_thread" in sig.ids or "fb-comments" in sig.classes:
            return "not_in_html"  # a comment service replaced the theme's comments template
        if "wpdcom" in sig.ids:
            return "unparsed"  # wpDiscuz: server-rendered, markup of its own
        if self.parse(page) or sig.classes & _LIST_CLASSES or sig.ids & _FORM_IDS:
            return "html"
        return "none"

    def parse(self, page: Page) -> list[Comment]:
        """Ids from the comment ids, parents from nesting (and from the flat run after a
        `parent` at the maximum depth), fields from each comment's own markup."""
        if (cached := page.memo.get("wordpress.comments")) is not None:
            return cached
        url = page.url
        units = _units(page.tree)
        confidence = "high"
        if not units and (units := _theme_loop(page.tree)):
            confidence = "low"  # a theme's own markup, read by its shape
        parents, known = self._flattened(units)
        out: list[Comment] = []
        for order, (cid, unit) in enumerate(units.items()):
            if _classes(unit.root) & {"pingback", "trackback"}:
                continue
            author_el, author = _commenter(unit)
            text = _comment_text(unit, author_el)
            if _PINGBACK_TEXT.match(text):
                continue  # a pre-2.7 theme lists pingbacks as comments, without their class
            out.append(Comment(
                comment_id=cid,
                parent_id=parents[cid] if known[cid] else None,
                author=author,
                published=next(filter(None, (utc(el.get("datetime")) for el in unit.own
                                             if el.tag == "time")), None),
                text=text,
                permalink=_permalink(unit, url),
                order=order,
                parent_known=known[cid],
                confidence=confidence,
            ))
        page.memo["wordpress.comments"] = out
        return out

    @staticmethod
    def _flattened(units: dict[str, _Unit]) -> tuple[dict[str, str | None], dict[str, bool]]:
        """(parent, known) per comment: nesting, corrected for replies listed flat at max depth."""
        parents = {cid: unit.nested for cid, unit in units.items()}
        known = dict.fromkeys(units, True)
        with_kids = set(parents.values())
        runs: dict[HtmlElement | None, list[str]] = {}
        for cid, unit in units.items():
            runs.setdefault(unit.root.getparent(), []).append(cid)
        if any("parent" in _classes(unit.root) for unit in units.values()):  # core walkers mark it
            for run in runs.values():
                flat = False
                for prev, cid in zip([None, *run], run, strict=False):
                    if prev is not None and "parent" in _classes(units[prev].root) and prev not in with_kids:
                        parents[cid], flat = prev, True
                    elif flat:
                        parents[cid], known[cid] = None, False
            return parents, known
        # Theme callbacks without `parent`: the level without reply links is the maximum depth.
        level: dict[str, int] = {}
        for cid, unit in units.items():  # document order: a parent comes before its replies
            level[cid] = 0 if unit.nested is None else level[unit.nested] + 1
        replying = {level[cid] for cid, unit in units.items()
                    if any(el.tag == "a" and _classes(el) & _REPLY_CLASSES for el in unit.own)}
        if replying:
            deepest = max(replying) + 1
            for run in runs.values():
                for cid in run[1:]:
                    if level[cid] == deepest:
                        parents[cid], known[cid] = None, False
        return parents, known


PLATFORMS = (Platform("wordpress", WordPressHints(), WordPressThread()),)
