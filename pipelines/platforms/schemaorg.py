"""schema.org comment markup (JSON-LD, microdata) and pages whose thread only a script loads.

The crawl hints read links and ids from the markup (JSON-LD comments' `url`/`@id`, microdata
Comment scopes' `itemprop=url`); only the thread parser reads authors, times and texts, once
per page. Drupal 8+ core comments, schema.org markup with Drupal's own pager, are drupal8.py.
"""

from __future__ import annotations

import html
import re
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml.etree import ParserError
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
from .page import Page, schema_types

# Items whose type names a comment (both types contain "Comment"): the exact check is in Python,
# but only on these, not on every Person and ImageObject of a page of 10,000 comments.
_SCOPES = "//*[@itemscope][contains(@itemtype, 'Comment')]"
# Comment widgets whose thread a script fetches after the page loads: Disqus, Coral (Talk),
# Facebook, Vuukle, OpenWeb (Spot.IM), Viafoura, Hyvor, Commento, Remark42, giscus, utterances.
_EMBED = (
    "//*[@id='disqus_thread' or @id='coral_thread' or @id='coral_talk_stream' or @id='vuukle-comments'"
    " or @id='commento' or @id='remark42' or @id='hyvor-talk-view' or @data-spotim-module]"
    f" | //*[{has_class('fb-comments')} or {has_class('vuukle-comments')} or {has_class('giscus')}]"
    " | //*[name()='fb:comments' or name()='vf-conversations' or name()='hyvor-talk-comments']"
    " | //script[contains(@src, 'disqus.com/embed.js') or contains(@src, 'vuukle.com/')"
    " or contains(@src, 'launcher.spot.im') or contains(@src, 'giscus.app')"
    " or contains(@src, 'utteranc.es')]"
    " | //script[not(@src)][contains(., 'disqus_config') or contains(., 'disqus_shortname')"
    " or contains(., 'Coral.createStreamEmbed') or contains(., 'Coral.Talk.render')]"
)
_HTMLISH = re.compile(r"<(?:p|br|div|blockquote|a|em|strong|i|b|u|ul|ol|li|span|pre|code)\b[^<>]*>", re.I)
_ENTITY = re.compile(r"&(?:[a-z]+|#\d+|#x[0-9a-f]+);", re.I)
_FRAGMENT_ID = re.compile(r"(?:[\w.-]*?[-_])?(?:comments?|cmt|c|reply)[-_]?(\d+)", re.I)
_PATH_ID = re.compile(r"/comments?/(\d+)/?$", re.I)
_ID_KEYS = {"comment", "commentid", "comment_id", "replytocom"}
_REPLY_BOXES = {"children", "replies", "comment-replies", "indented", "comment-children"}
_TRAP_PATH = re.compile(
    r"(?:^|/)(?:login|logout|signin|sign-in|signup|sign-up|register)(?:/|$)"
    r"|/comments?/[^/]+/(?:reply|report|flag|vote|upvote|downvote|like|edit|delete)/?$"
    r"|^/(?:account|accounts|auth)(?:/|$)", re.I)
_TRAP_QUERY = {"replytocom", "replyto", "reply_to", "sort", "orderby", "destination", "returnto",
               "return_to", "return", "redirect_to"}
_COMMENT_TYPES = frozenset({"Comment", "UserComments"})
TOP, UNKNOWN = -1, -2  # structural parents of a comment that sits in no other comment
_BASE_HINTS = Hints()


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _ref(value: Any) -> str:
    """A JSON-LD reference as a string: "url", {"@id": "url"}, or the first of a list."""
    value = next(iter(_list(value)), None)
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url")
    return value.strip() if isinstance(value, str) else ""


def _clean(value: Any) -> str | None:
    text = " ".join(str(value).split()) if isinstance(value, str | int) else ""
    return text or None


def _fragment_id(fragment: str) -> str | None:
    if m := _FRAGMENT_ID.fullmatch(fragment):
        return m.group(1)
    return fragment if re.fullmatch(r"[\w.-]*\d[\w.-]*", fragment) else None


def _ref_id(ref: str) -> str | None:
    """The comment id a URL or JSON-LD @id names: #comment-12, ?commentId=12, /comments/12."""
    ref = ref.strip()
    if not ref or ref.startswith("_:"):
        return None
    parts = urlsplit(ref)
    if parts.fragment and (found := _fragment_id(parts.fragment)):
        return found
    for key, value in parse_qsl(parts.query):
        if key.lower() in _ID_KEYS and re.fullmatch(r"[\w-]*\d[\w-]*", value.strip()):
            return value.strip()
    m = _PATH_ID.search(parts.path)
    return m.group(1) if m else None


def _plain(text: Any) -> str:
    """A JSON-LD `text`: HTML when it has tags, else plain text with "> " quote lines."""
    if not isinstance(text, str) or not text.strip():
        return ""
    if _HTMLISH.search(text):
        try:
            return block_text(lxml.html.fragment_fromstring(text, create_parent="div"))
        except ParserError:
            return ""
    if _ENTITY.search(text):
        text = html.unescape(text)
    lines = (" ".join(line.split()) for line in text.splitlines())
    lines = ("> " + line[1:].strip() if line.startswith(">") else line for line in lines)
    return "\n".join(line for line in lines if line and line != "> ")


def _resolve(ref: Any, keys: dict[str, str], tops: set[str], url: str) -> tuple[str | None, bool]:
    """(parent id, known) for a parentItem: a comment of this page, the article, or an id."""
    if not (ref := _ref(ref)):
        return None, False
    target = urljoin(url, ref)
    if target in keys:
        return keys[target], True
    if target in tops:
        return None, True
    if found := _ref_id(ref):
        return found, True
    return None, target.split("#")[0] in tops


def _permalink(ref: Any, page: Page) -> str | None:
    """The comment's own URL when it is a page of its own, not an anchor on this one."""
    if not isinstance(ref, str) or ref.startswith("_:"):
        return None
    if ref.startswith("#") or ref.startswith(page.url.partition("#")[0] + "#"):
        return None  # an anchor on this page (most comments' url): no parsing needed
    target = next(absolute(page.url, [ref]), None)
    if target is None:
        return None
    parts = urlsplit(target)
    return None if (parts.path.rstrip("/"), parts.query) in _same_page(page) else target


def anchor(el: HtmlElement) -> str | None:
    """An empty `<a id="comment-12"></a>` right before the comment, as Drupal and others emit."""
    prev = el.getprevious()
    return prev.get("id") if prev is not None and prev.tag == "a" and not len(prev) else None


def embedded(page: Page) -> bool:
    """Is there a comment widget whose thread a script loads?"""
    if "schemaorg.embed" not in page.memo:
        page.memo["schemaorg.embed"] = bool(page.tree.xpath(_EMBED))
    return page.memo["schemaorg.embed"]


def _page_urls(page: Page) -> set[str]:
    """The URLs this page goes by: its own and its canonical one."""
    if "schemaorg.urls" not in page.memo:
        canonical = _BASE_HINTS.canonical_url(page)  # no platform's: the page's own
        page.memo["schemaorg.urls"] = {urljoin(page.url, canonical), page.url.split("#")[0]}
    return page.memo["schemaorg.urls"]


def _same_page(page: Page) -> set[tuple[str, str]]:
    """(path, query) of the URLs this page goes by: a link there is an anchor on this page."""
    if "schemaorg.same" not in page.memo:
        page.memo["schemaorg.same"] = {(urlsplit(u).path.rstrip("/"), urlsplit(u).query)
                                       for u in _page_urls(page)}
    return page.memo["schemaorg.same"]


def _is_comment(node: dict[str, Any]) -> bool:
    return bool(schema_types(node.get("@type")) & _COMMENT_TYPES)


# -- JSON-LD: the thread's structure (ids, parents, URLs), shared by hints and parser -------------


def _ld_id(node: dict[str, Any]) -> str | None:
    ident = next(iter(_list(node.get("identifier"))), None)
    if isinstance(ident, dict):
        ident = ident.get("value") or ident.get("@value")
    if isinstance(ident, str | int) and not isinstance(ident, bool) and str(ident).strip():
        ident = str(ident).strip()
        return _ref_id(ident) if re.match(r"(?:https?:)?/|#", ident) else ident
    for ref in (node.get("url"), node.get("@id")):
        if isinstance(ref, str) and (found := _ref_id(ref)):
            return found
    return None


def _ld_name(value: Any) -> str | None:
    value = next(iter(_list(value)), None)
    if isinstance(value, dict):
        value = next(iter(_list(value.get("name"))), None)
    return _clean(value)


class _LdThread:
    """The page's JSON-LD comments: each node with its structural parent and id. The URLs
    parents are resolved against (`keys`, `tops`) only the parser asks for."""

    __slots__ = ("found", "ids", "roots", "url", "urls")

    def __init__(self, page: Page) -> None:
        url, nodes, urls = page.url, page.jsonld, _page_urls(page)
        self.url, self.urls = url, urls
        full = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str) and len(n) > 2}
        self.roots = roots = [n for n in nodes if "comment" in n and not _is_comment(n)]
        mine = [r for r in roots if urls & {urljoin(url, _ref(r.get(k))).split("#")[0]
                                            for k in ("url", "@id", "mainEntityOfPage")}]
        found: list[tuple[dict[str, Any], int]] = []  # comment node, index of its parent (or TOP)
        reached: set[int] = set()

        def deref(child: Any) -> dict[str, Any] | None:
            """A comment, or a {"@id": ...} reference to one defined elsewhere in the graph."""
            if not isinstance(child, dict):
                return None
            ref = child.get("@id")
            return full.get(ref) if isinstance(ref, str) and len(child) <= 2 else child

        def replies(node: dict[str, Any]) -> list[dict[str, Any]]:
            return list(filter(None, map(deref, _list(node.get("comment")))))

        def visit(start: list[tuple[dict[str, Any], int]], keep: bool) -> None:
            """Depth first, children in order, on a stack of our own (threads nest deep); a
            node reached twice (a reply listed under two parents) is read once."""
            stack = start[::-1]
            while stack:
                node, parent = stack.pop()
                if id(node) in reached:
                    continue
                reached.add(id(node))
                if keep:
                    found.append((node, parent))
                here = len(found) - 1
                stack += [(child, here) for child in reversed(replies(node))]

        for root in roots:  # several articles with threads: only the one this page is about
            keep = len(roots) == 1 or any(root is m for m in mine)
            visit([(child, TOP) for child in replies(root)], keep)
        for node in nodes:  # a flat @graph: comments that name their parent themselves
            if _is_comment(node) and len(node) > 2:
                visit([(node, UNKNOWN)], True)
        self.found = found
        self.ids = [_ld_id(n) for n, _ in found]

    def keys(self) -> dict[str, str]:
        """The comments' @id and url, absolute: a parentItem naming one of them."""
        keys: dict[str, str] = {}
        for (node, _), cid in zip(self.found, self.ids, strict=True):
            for ref in (node.get("@id"), node.get("url")):
                if isinstance(ref, str) and cid:
                    keys[urljoin(self.url, ref)] = cid
        return keys

    def tops(self) -> set[str]:
        """The page's and its articles' URLs: a parentItem naming one is a top-level comment."""
        return self.urls | {urljoin(self.url, _ref(r.get(k))) for r in self.roots for k in ("@id", "url")
                            if _ref(r.get(k))}

    def comments(self) -> list[tuple[dict[str, Any], int, str]]:
        """(node, structural parent, id) of each comment read, first of each id."""
        seen: set[str] = set()
        out = []
        for (node, parent), cid in zip(self.found, self.ids, strict=True):
            if cid is not None and cid not in seen:
                seen.add(cid)
                out.append((node, parent, cid))
        return out


def _ld_thread(page: Page) -> _LdThread:
    if "schemaorg.ld" not in page.memo:
        page.memo["schemaorg.ld"] = _LdThread(page)
    return page.memo["schemaorg.ld"]


# -- microdata: the thread's structure, shared by hints and parser -------------------------------


def _scopes(page: Page) -> list[HtmlElement]:
    """The page's Comment and UserComments items, in document order."""
    if "schemaorg.scopes" not in page.memo:
        page.memo["schemaorg.scopes"] = [s for s in page.tree.xpath(_SCOPES)
                                         if schema_types(s.get("itemtype")) & _COMMENT_TYPES]
    return page.memo["schemaorg.scopes"]


def _props(scope: HtmlElement) -> dict[str, list[HtmlElement]]:
    """The item's own properties: nested items keep theirs."""
    props: dict[str, list[HtmlElement]] = {}
    stack = list(scope.iterchildren())[::-1]
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str):
            continue
        for name in (el.get("itemprop") or "").split():
            props.setdefault(name, []).append(el)
        if "itemscope" not in el.attrib:
            stack += list(el.iterchildren())[::-1]
    return props


def _href(el: HtmlElement, url: str) -> str:
    """A URL property: href, itemid of a nested item, or content."""
    ref = el.get("href") or (el.get("itemid") if "itemscope" in el.attrib else None) or el.get("content")
    return join(url, ref.strip()) if ref else ""


def _text(el: HtmlElement) -> str:
    """A text property; `<a itemprop="author">Name</a>` is read for its name, as sites mean it."""
    if el.get("content") is not None:
        return el.get("content", "")
    return el.get("datetime") or el.text_content() if el.tag == "time" else el.text_content()


def _when(el: HtmlElement) -> str:
    """A date property: `content`, else `datetime` (which themes also put on a `<span>`), else
    the text."""
    if el.get("content") is not None:
        return el.get("content", "")
    return el.get("datetime") or el.text_content()


def _inner_id(scope: HtmlElement) -> str | None:
    """A comment id on an element of the item's own (not a nested item's): a comment-like
    `id` (`comment-12`, `c12`) or a number."""
    stack = list(scope.iterchildren())[::-1]
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str):
            continue
        ident = (el.get("id") or "").strip()
        if ident and (ident.isdecimal() or _FRAGMENT_ID.fullmatch(ident)):
            return _fragment_id(ident)
        if "itemscope" not in el.attrib:
            stack += list(el.iterchildren())[::-1]
    return None


class _MdThread:
    """The page's microdata comments: each scope with its own properties and id."""

    __slots__ = ("ids", "keys", "props", "scopes")

    def __init__(self, page: Page) -> None:
        url = page.url
        self.scopes = _scopes(page)
        self.props = [_props(s) for s in self.scopes]
        self.ids: list[str | None] = []
        self.keys: dict[str, str] = {}
        for scope, p in zip(self.scopes, self.props, strict=True):
            refs = [urljoin(url, scope.get("itemid", ""))] * bool(scope.get("itemid"))
            refs += [_href(e, url) for e in p.get("url", [])]
            refs += [urljoin(url, "#" + a) for a in (scope.get("id"), anchor(scope)) if a]
            ident = next((_clean(_text(e)) for e in p.get("identifier", [])), None)
            cid = ident or next(filter(None, map(_ref_id, refs)), None)
            # UserComments' replyToUrl (`?replytocom=N`: a reply to this comment), else the id
            # of the item's own wrapper inside it (`<div itemscope><div id="209193">`)
            cid = cid or next(filter(None, (_ref_id(_href(e, url)) for e in p.get("replyToUrl", []))),
                              None) or _inner_id(scope)
            self.ids.append(cid)
            self.keys |= {r: cid for r in refs if r and cid}

    def comments(self) -> list[tuple[HtmlElement, dict[str, list[HtmlElement]], str]]:
        """(scope, its properties, id) of each comment read, first of each id."""
        seen: set[str] = set()
        out = []
        for scope, p, cid in zip(self.scopes, self.props, self.ids, strict=True):
            if cid is not None and cid not in seen:
                seen.add(cid)
                out.append((scope, p, cid))
        return out


def _md_thread(page: Page) -> _MdThread:
    if "schemaorg.md" not in page.memo:
        page.memo["schemaorg.md"] = _MdThread(page)
    return page.memo["schemaorg.md"]


# -- crawl hints ----------------------------------------------------------------------------------


class SchemaOrgHints(Hints):
    """Pages that state their comments as schema.org data, or whose thread a script loads."""

    name = "schemaorg"

    def detect(self, page: Page) -> bool:
        if _scopes(page) or embedded(page):
            return True
        return any(schema_types(n.get("@type")) & {"Comment", "UserComments", "ItemList"} or "comment" in n
                   or "commentCount" in n for n in page.jsonld)

    def is_article(self, page: Page) -> bool:
        if _scopes(page) or embedded(page):
            return True
        if any("comment" in n or "commentCount" in n for n in page.jsonld if not _is_comment(n)):
            return True
        return page.meta.get("og:type") == "article"

    def article_links(self, page: Page) -> list[str]:
        hrefs: list[str] = []
        for node in page.jsonld:
            if "ItemList" in schema_types(node.get("@type")):
                for item in _list(node.get("itemListElement")):
                    ref = item.get("url") or item.get("item") if isinstance(item, dict) else item
                    ref = ref.get("url") or ref.get("@id") if isinstance(ref, dict) else ref
                    hrefs += [ref] if isinstance(ref, str) else []
        hrefs += page.tree.xpath(
            "//*[@itemscope][contains(@itemtype, 'Article') or contains(@itemtype, 'Posting')]"
            "//a[@itemprop='url' or ancestor::*[@itemprop='headline']]/@href")
        return list(dict.fromkeys(absolute(page.url, hrefs)))

    def index_pages(self, page: Page) -> list[str]:
        hrefs = [href for rel, href in page.signals.links if rel == "next"]
        return list(dict.fromkeys(absolute(page.url, hrefs)))

    def permalinks(self, page: Page) -> list[str]:
        """The comments' own URLs, as the parser would give them (JSON-LD when it lists
        comments, else microdata), from their `url`/`@id` alone: no text is read."""
        if ld := _ld_thread(page).comments():
            found = (_permalink(node.get("url") or node.get("@id"), page) for node, _, _ in ld)
        else:
            found = (next(filter(None, (_permalink(_href(e, page.url), page) for e in p.get("url", []))),
                          None) for _, p, _ in _md_thread(page).comments())
        return [u for u in dict.fromkeys(filter(None, found)) if not self.is_trap(u)]

    def permalink_comment_id(self, url: str) -> str | None:
        parts = urlsplit(url)
        return _ref_id(urlunsplit(parts._replace(fragment="")))

    def is_trap(self, url: str) -> bool:
        parts = urlsplit(url)
        return bool(_TRAP_PATH.search(parts.path)) or any(
            k.lower() in _TRAP_QUERY for k, _ in parse_qsl(parts.query, keep_blank_values=True))


# -- thread parser --------------------------------------------------------------------------------


class SchemaOrgThread(ThreadParser):
    """Comments a news CMS states as schema.org data: JSON-LD when it lists comments (it is what
    the site states), else microdata; never both."""

    thread_xpath = (
        "//*[@id='comments'] | //*[@id='disqus_thread'] | //*[@itemscope]"
        "[contains(@itemtype, 'schema.org/Comment') or contains(@itemtype, 'schema.org/UserComments')]"
    )
    memo_key: ClassVar[str] = "schemaorg.comments"  # a subclass parsing other markup keeps its own

    def comments_status(self, page: Page) -> str:
        if self.parse(page):
            return "html"
        if embedded(page):
            return "not_in_html"
        if _scopes(page) or _ld_thread(page).found:
            return "unparsed"  # comment markup, none of it with an id to file it under
        counts = [n["commentCount"] for n in page.jsonld if "commentCount" in n]
        counts += page.tree.xpath("//*[@itemprop='commentCount']/@content"
                                  " | //*[@itemprop='commentCount']/text()")
        counts = [int(c) for c in counts if str(c).strip().isdigit()]
        if counts:  # the page states how many there are, and shows none
            return "not_in_html" if max(counts) > 0 else "html"
        return "none"

    def parse(self, page: Page) -> list[Comment]:
        """The page's comments, read once per page whoever asks (status, extraction)."""
        if (known := page.memo.get(self.memo_key)) is not None:
            return known
        page.memo[self.memo_key] = found = self._parse(page)
        return found

    def _parse(self, page: Page) -> list[Comment]:
        return self._from_jsonld(page) or self._from_microdata(page)

    def article(self, page: Page) -> ArticleMeta:
        meta = super().article(page)
        for node in page.jsonld:  # the node that carries the thread is the article
            if "datePublished" in node and ("comment" in node or "commentCount" in node):
                if found := utc(_clean(node["datePublished"])):
                    meta.published = found
                    break
        return meta

    @staticmethod
    def _from_jsonld(page: Page) -> list[Comment]:
        url, thread = page.url, _ld_thread(page)
        keys, tops = thread.keys(), thread.tops()
        out: list[Comment] = []
        for node, parent, cid in thread.comments():
            ref = node.get("parentItem") or node.get("parent")
            if ref is None and parent == UNKNOWN and node.get("about"):
                ref = node["about"]
            if ref is not None:
                pid, known = _resolve(ref, keys, tops, url)
            elif parent >= 0:
                pid = thread.ids[parent]
                known = pid is not None
            else:
                pid, known = None, parent == TOP
            out.append(Comment(
                comment_id=cid, parent_id=pid, parent_known=known,
                author=_ld_name(node.get("author") or node.get("creator")),
                published=utc(_clean(next(
                    (node[k] for k in ("dateCreated", "datePublished", "commentTime") if node.get(k)), ""))),
                text=_plain(node.get("text") or node.get("commentText")),
                permalink=_permalink(node.get("url") or node.get("@id"), page),
                order=len(out),
            ))
        return out

    @staticmethod
    def _from_microdata(page: Page) -> list[Comment]:
        url, urls, thread = page.url, _page_urls(page), _md_thread(page)
        index = {s: i for i, s in enumerate(thread.scopes)}
        out: list[Comment] = []
        for scope, p, cid in thread.comments():
            up = next((a for a in scope.iterancestors() if a in index), None)
            if refs := p.get("parentItem"):
                pid, known = _resolve(_href(refs[0], url), thread.keys, urls, url)
            elif up is not None:
                pid = thread.ids[index[up]]
                known = pid is not None
            else:  # a reply list outside the parent's item: the parent is not stated
                boxes = {c for a in scope.iterancestors() for c in (a.get("class") or "").split()}
                pid, known = None, not boxes & _REPLY_BOXES
            author = next(iter(p.get("author", []) + p.get("creator", [])), None)
            if author is not None and "itemscope" in author.attrib and (inner := _props(author)):
                # a Person item: its name (`<cite itemprop="author" itemscope>Name</cite>`,
                # an item with no properties, is its text)
                author = next(iter(inner.get("name", [])), None)
            when = next(iter(p.get("dateCreated", []) + p.get("commentTime", [])
                             + p.get("datePublished", [])), None)
            texts = p.get("text", []) + p.get("commentText", [])
            out.append(Comment(
                comment_id=cid, parent_id=pid, parent_known=known,
                author=_clean(_text(author)) if author is not None else None,
                published=utc(_clean(_when(when))) if when is not None else None,
                text="\n".join(filter(None, (
                    _plain(t.get("content")) if t.tag == "meta" else block_text(t) for t in texts))),
                permalink=next(filter(None, (_permalink(_href(e, url), page)
                                             for e in p.get("url", []))), None),
                order=len(out),
            ))
        return out


PLATFORMS = (Platform("schemaorg", SchemaOrgHints(), SchemaOrgThread()),)
