"""schema.org comment markup (JSON-LD, microdata), script-only comment embeds, Drupal 8+ core comments."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml.etree import ParserError
from lxml.html import HtmlElement

from .base import Comment, Platform, absolute, block_text, has_class, signals, utc

_LD = ("//script[translate(normalize-space(@type), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
       "'abcdefghijklmnopqrstuvwxyz')='application/ld+json']")
_SCOPES = "//*[@itemscope][@itemtype]"
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
TOP, UNKNOWN = -1, -2  # structural parents of a comment that sits in no other comment


def _types(value: Any) -> set[str]:
    """schema.org type names, whatever the prefix: "Comment", "schema:Comment", "https://schema.org/Comment"."""
    values = value if isinstance(value, list) else str(value or "").split()
    return {re.split(r"[/:#]", str(v).rstrip("/"))[-1] for v in values}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _walk(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from _walk(value)
    elif isinstance(data, list):
        for value in data:
            yield from _walk(value)


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


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class SchemaOrgPlatform(Platform):
    """Comments a news CMS states as schema.org data; pages whose thread only a script loads."""

    name = "schemaorg"
    thread_xpath = (
        "//*[@id='comments'] | //*[@id='disqus_thread'] | //*[@itemscope]"
        "[contains(@itemtype, 'schema.org/Comment') or contains(@itemtype, 'schema.org/UserComments')]"
    )

    def detect(self, tree: HtmlElement, url: str) -> bool:
        if self._scopes(tree) or tree.xpath(_EMBED):
            return True
        return any(_types(n.get("@type")) & {"Comment", "UserComments", "ItemList"} or "comment" in n
                   or "commentCount" in n for n in self._nodes(tree))

    def is_article(self, tree: HtmlElement, url: str) -> bool:
        if self._scopes(tree) or tree.xpath(_EMBED):
            return True
        nodes = self._nodes(tree)
        if any("comment" in n or "commentCount" in n for n in nodes if not self._is_comment(n)):
            return True
        return tree.xpath("string(//meta[@property='og:type']/@content)").strip() == "article"

    def article_links(self, tree: HtmlElement, url: str) -> list[str]:
        hrefs: list[str] = []
        for node in self._nodes(tree):
            if "ItemList" in _types(node.get("@type")):
                for item in _list(node.get("itemListElement")):
                    ref = item.get("url") or item.get("item") if isinstance(item, dict) else item
                    ref = ref.get("url") or ref.get("@id") if isinstance(ref, dict) else ref
                    hrefs += [ref] if isinstance(ref, str) else []
        hrefs += tree.xpath("//*[@itemscope][contains(@itemtype, 'Article') or contains(@itemtype, "
                            "'Posting')]//a[@itemprop='url' or ancestor::*[@itemprop='headline']]/@href")
        return list(dict.fromkeys(absolute(url, hrefs)))

    def index_pages(self, tree: HtmlElement, url: str) -> list[str]:
        return list(dict.fromkeys(absolute(url, tree.xpath("//link[@rel='next']/@href"))))

    def permalinks(self, tree: HtmlElement, url: str) -> list[str]:
        found = (c.permalink for c in self.parse(tree, url) if c.permalink)
        return [u for u in dict.fromkeys(found) if not self.is_trap(u)]

    def permalink_comment_id(self, url: str) -> str | None:
        parts = urlsplit(url)
        return _ref_id(urlunsplit(parts._replace(fragment="")))

    def is_trap(self, url: str) -> bool:
        parts = urlsplit(url)
        return bool(_TRAP_PATH.search(parts.path)) or any(
            k.lower() in _TRAP_QUERY for k, _ in parse_qsl(parts.query, keep_blank_values=True))

    def published(self, tree: HtmlElement, url: str) -> datetime | None:
        for node in self._nodes(tree):
            if "datePublished" in node and ("comment" in node or "commentCount" in node):
                if found := utc(_clean(node["datePublished"])):
                    return found
        return super().published(tree, url)

    def comments_status(self, tree: HtmlElement, url: str) -> str:
        if self.parse(tree, url):
            return "html"
        if tree.xpath(_EMBED):
            return "not_in_html"
        counts = [n["commentCount"] for n in self._nodes(tree) if "commentCount" in n]
        counts += tree.xpath("//*[@itemprop='commentCount']/@content | //*[@itemprop='commentCount']/text()")
        counts = [int(c) for c in counts if str(c).strip().isdigit()]
        if counts:  # the page states how many there are, and shows none
            return "not_in_html" if max(counts) > 0 else "html"
        return "unknown_platform"

    def parse(self, tree: HtmlElement, url: str) -> list[Comment]:
        """JSON-LD when it lists comments (it is what the site states), else microdata; never both."""
        return self._from_jsonld(tree, url) or self._from_microdata(tree, url)

    # -- JSON-LD -----------------------------------------------------------------------------

    @staticmethod
    def _nodes(tree: HtmlElement) -> list[dict[str, Any]]:
        nodes: list[dict[str, Any]] = []
        for script in tree.xpath(_LD):
            text = re.sub(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$", "", script.text or "")
            try:
                nodes += _walk(json.loads(text, strict=False))
            except (ValueError, RecursionError):
                continue
        return nodes

    @staticmethod
    def _is_comment(node: dict[str, Any]) -> bool:
        return bool(_types(node.get("@type")) & {"Comment", "UserComments"})

    def _from_jsonld(self, tree: HtmlElement, url: str) -> list[Comment]:
        nodes = self._nodes(tree)
        full = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str) and len(n) > 2}
        roots = [n for n in nodes if "comment" in n and not self._is_comment(n)]
        page = {urljoin(url, self.canonical_url(tree, url)), url.split("#")[0]}
        mine = [r for r in roots if page & {urljoin(url, _ref(r.get(k))).split("#")[0]
                                            for k in ("url", "@id", "mainEntityOfPage")}]
        found: list[tuple[dict[str, Any], int]] = []  # comment node, index of its parent (or TOP)
        reached: set[int] = set()

        def deref(child: Any) -> dict[str, Any] | None:
            """A comment, or a {"@id": ...} reference to one defined elsewhere in the graph."""
            if not isinstance(child, dict):
                return None
            ref = child.get("@id")
            return full.get(ref) if isinstance(ref, str) and len(child) <= 2 else child

        def visit(node: dict[str, Any], parent: int, keep: bool = True) -> None:
            if id(node) in reached:
                return
            reached.add(id(node))
            if keep:
                found.append((node, parent))
            here = len(found) - 1
            for child in filter(None, map(deref, _list(node.get("comment")))):
                visit(child, here, keep)

        for root in roots:  # several articles with threads: only the one this page is about
            keep = len(roots) == 1 or any(root is m for m in mine)
            for child in filter(None, map(deref, _list(root.get("comment")))):
                visit(child, TOP, keep)
        for node in nodes:  # a flat @graph: comments that name their parent themselves
            if self._is_comment(node) and len(node) > 2:
                visit(node, UNKNOWN)
        keys: dict[str, str] = {}
        ids = [self._ld_id(n) for n, _ in found]
        for (node, _), cid in zip(found, ids, strict=True):
            for ref in (node.get("@id"), node.get("url")):
                if isinstance(ref, str) and cid:
                    keys[urljoin(url, ref)] = cid
        tops = page | {urljoin(url, _ref(r.get(k))) for r in roots for k in ("@id", "url") if _ref(r.get(k))}
        seen: set[str] = set()
        out: list[Comment] = []
        for (node, parent), cid in zip(found, ids, strict=True):
            if cid is None or cid in seen:
                continue
            seen.add(cid)
            ref = node.get("parentItem") or node.get("parent")
            if ref is None and parent == UNKNOWN and node.get("about"):
                ref = node["about"]
            if ref is not None:
                pid, known = self._resolve(ref, keys, tops, url)
            elif parent >= 0:
                pid = ids[parent]
                known = pid is not None
            else:
                pid, known = None, parent == TOP
            out.append(Comment(
                comment_id=cid, parent_id=pid, parent_known=known,
                author=self._ld_name(node.get("author") or node.get("creator")),
                published=utc(_clean(next(
                    (node[k] for k in ("dateCreated", "datePublished", "commentTime") if node.get(k)), ""))),
                text=_plain(node.get("text") or node.get("commentText")),
                permalink=self._permalink(node.get("url") or node.get("@id"), url, page),
                order=len(out),
            ))
        return out

    @staticmethod
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

    @staticmethod
    def _ld_name(value: Any) -> str | None:
        value = next(iter(_list(value)), None)
        if isinstance(value, dict):
            value = next(iter(_list(value.get("name"))), None)
        return _clean(value)

    @staticmethod
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

    @staticmethod
    def _permalink(ref: Any, url: str, page: set[str]) -> str | None:
        """The comment's own URL when it is a page of its own, not an anchor on this one."""
        if not isinstance(ref, str) or ref.startswith("_:"):
            return None
        target = next(absolute(url, [ref]), None)
        same = {(urlsplit(p).path.rstrip("/"), urlsplit(p).query) for p in page}
        if target is None or (urlsplit(target).path.rstrip("/"), urlsplit(target).query) in same:
            return None
        return target

    # -- microdata -----------------------------------------------------------------------------

    @staticmethod
    def _scopes(tree: HtmlElement) -> list[HtmlElement]:
        return [s for s in tree.xpath(_SCOPES) if _types(s.get("itemtype")) & {"Comment", "UserComments"}]

    @staticmethod
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

    @staticmethod
    def _href(el: HtmlElement, url: str) -> str:
        """A URL property: href, itemid of a nested item, or content."""
        ref = el.get("href") or (el.get("itemid") if "itemscope" in el.attrib else None) or el.get("content")
        return urljoin(url, ref.strip()) if ref else ""

    @staticmethod
    def _text(el: HtmlElement) -> str:
        """A text property; `<a itemprop="author">Name</a>` is read for its name, as sites mean it."""
        if el.get("content") is not None:
            return el.get("content", "")
        return el.get("datetime") or el.text_content() if el.tag == "time" else el.text_content()

    def _from_microdata(self, tree: HtmlElement, url: str) -> list[Comment]:
        scopes = self._scopes(tree)
        index = {s: i for i, s in enumerate(scopes)}
        props = [self._props(s) for s in scopes]
        ids, keys = [], {}
        for scope, p in zip(scopes, props, strict=True):
            refs = [urljoin(url, scope.get("itemid", ""))] * bool(scope.get("itemid"))
            refs += [self._href(e, url) for e in p.get("url", [])]
            refs += [urljoin(url, "#" + a) for a in (scope.get("id"), self._anchor(scope)) if a]
            ident = next((_clean(self._text(e)) for e in p.get("identifier", [])), None)
            cid = ident or next(filter(None, map(_ref_id, refs)), None)
            ids.append(cid)
            keys |= {r: cid for r in refs if r and cid}
        page = {urljoin(url, self.canonical_url(tree, url)), url.split("#")[0]}
        out: list[Comment] = []
        seen: set[str] = set()
        for scope, p, cid in zip(scopes, props, ids, strict=True):
            if cid is None or cid in seen:
                continue
            seen.add(cid)
            up = next((a for a in scope.iterancestors() if a in index), None)
            if refs := p.get("parentItem"):
                pid, known = self._resolve(self._href(refs[0], url), keys, page, url)
            elif up is not None:
                pid = ids[index[up]]
                known = pid is not None
            else:  # a reply list outside the parent's item: the parent is not stated
                boxes = {c for a in scope.iterancestors() for c in (a.get("class") or "").split()}
                pid, known = None, not boxes & _REPLY_BOXES
            author = next(iter(p.get("author", []) + p.get("creator", [])), None)
            if author is not None and "itemscope" in author.attrib:
                author = next(iter(self._props(author).get("name", [])), None)
            when = next(iter(p.get("dateCreated", []) + p.get("commentTime", [])
                             + p.get("datePublished", [])), None)
            texts = p.get("text", []) + p.get("commentText", [])
            out.append(Comment(
                comment_id=cid, parent_id=pid, parent_known=known,
                author=_clean(self._text(author)) if author is not None else None,
                published=utc(_clean(self._text(when))) if when is not None else None,
                text="\n".join(filter(None, (
                    _plain(t.get("content")) if t.tag == "meta" else block_text(t) for t in texts))),
                permalink=next(filter(None, (self._permalink(self._href(e, url), url, page)
                                             for e in p.get("url", []))), None),
                order=len(out),
            ))
        return out

    @staticmethod
    def _anchor(el: HtmlElement) -> str | None:
        """An empty `<a id="comment-12"></a>` right before the comment, as Drupal and others emit."""
        prev = el.getprevious()
        return prev.get("id") if prev is not None and prev.tag == "a" and not len(prev) else None


# -- Drupal 8+ core comment markup ---------------------------------------------------------------

_CORE_REF = re.compile(r"(?:^comment-|/comment/)(\d+)(?:$|[/#?])")
_D8_TRAP_PATH = re.compile(
    r"^/(?:[a-z]{2}(?:-[a-z]+)?/)?(?:comment/reply|comment/\d+/(?:edit|delete|approve)|user|node/add"
    r"|search|filter/tips|admin|contact)(?:/|$)")
_D8_TRAP_QUERY = {"destination", "sort", "order", "keys"}
_NOT_VERIFIED = re.compile(r"\s*\(not verified\)\s*$")
_PARENT_BOX = (f"{has_class('parent')} or {has_class('comment__parent')} or {has_class('comment-parent')}"
               f" or {has_class('visually-hidden')} or {has_class('sr-only')}")
_CREATED = ".//*[@property='schema:dateCreated']/@content | .//time/@datetime"
_BODY = f"{has_class('field--name-comment-body')} or @property='schema:text'"


def _page_of(url: str) -> int:
    value = dict(parse_qsl(urlsplit(url).query)).get("page", "")
    return int(value) if value.isdigit() else 0


def _with_page(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    query += [("page", str(page))] if page else []
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


class Drupal8Platform(SchemaOrgPlatform):
    """Drupal 8-11 core comments (Classy, Bartik, Olivero and their sub-themes)."""

    name = "drupal8"
    _COMMENTS = f"//*[@data-comment-user-id or {has_class('js-comment')}]"
    _SECTION = (f"//section[{has_class('comment-wrapper')} or {has_class('field--type-comment')}"
                " or @data-drupal-selector='comments']")
    thread_xpath = f"{_SECTION} | //*[@id='comments'] | //*[@id='disqus_thread'] | {_COMMENTS}"

    def detect(self, tree: HtmlElement, url: str) -> bool:
        sig = signals(tree)  # the generator and scripts of one shared pass over the page
        for generator in sig.generators:
            if m := re.match(r"\s*Drupal (\d+)", generator):
                return int(m.group(1)) >= 8
        if any("jQuery.extend(Drupal.settings" in text for text in sig.scripts):
            return False  # Drupal 7
        return bool(tree.xpath("//script[@data-drupal-selector='drupal-settings-json']"
                               " | (//*[@data-drupal-selector])[1]"))

    def is_article(self, tree: HtmlElement, url: str) -> bool:
        return bool(tree.xpath(
            f"{self._COMMENTS} | {self._SECTION} | //link[@rel='shortlink'][contains(@href, '/node/')]"
            f" | //article[@data-history-node-id or {has_class('node--view-mode-full')}]"
        )) or super().is_article(tree, url)

    def article_links(self, tree: HtmlElement, url: str) -> list[str]:
        hrefs = tree.xpath(f"//article[{has_class('node--view-mode-teaser')}]//h2//a/@href"
                           f" | //*[{has_class('views-row')}]//a[@rel='bookmark']/@href")
        return list(dict.fromkeys([*absolute(url, hrefs), *super().article_links(tree, url)]))

    def index_pages(self, tree: HtmlElement, url: str) -> list[str]:
        thread = set(tree.xpath(f"({self._SECTION})//a/@href"))
        hrefs = [h for h in tree.xpath(f"//li[{has_class('pager__item--next')}]/a/@href") if h not in thread]
        return list(dict.fromkeys([*absolute(url, hrefs), *super().index_pages(tree, url)]))

    def thread_pages(self, tree: HtmlElement, url: str) -> Iterable[str]:
        pager = f"{has_class('pager')} or {has_class('pager__items')}"
        hrefs = tree.xpath(f"({self._SECTION})//*[{pager}]//a/@href")
        links = [u for u in absolute(url, hrefs) if not self.is_trap(u)]
        if not links:
            return []
        return (_with_page(links[0], p) for p in range(max(map(_page_of, links)) + 1))  # lazily

    def permalinks(self, tree: HtmlElement, url: str) -> list[str]:
        return [c.permalink for c in self.parse(tree, url) if c.permalink]

    def permalink_comment_id(self, url: str) -> str | None:
        m = re.fullmatch(r"(?:/[a-z]{2}(?:-[a-z]+)?)?/comment/(\d+)/?", urlsplit(url).path)
        return m.group(1) if m else None

    def is_trap(self, url: str) -> bool:
        parts = urlsplit(url)
        return (bool(_D8_TRAP_PATH.match(parts.path)) or super().is_trap(url)
                or any(k in _D8_TRAP_QUERY for k, _ in parse_qsl(parts.query, keep_blank_values=True)))

    def article_key(self, tree: HtmlElement, url: str) -> str:
        return _with_page(self.canonical_url(tree, url), 0)

    def page_number(self, tree: HtmlElement, url: str) -> int:
        current = tree.xpath(f"({self._SECTION})//li[{has_class('pager__item')}][{has_class('is-active')}]")
        if current and (m := re.search(r"\d+", current[0].text_content())):
            return int(m.group()) - 1
        return _page_of(url)

    def comments_status(self, tree: HtmlElement, url: str) -> str:
        if tree.xpath(self._COMMENTS) or (tree.xpath(self._SECTION) and not tree.xpath(_EMBED)):
            return "html"  # the comment field, with or without comments yet
        status = super().comments_status(tree, url)  # JSON-LD, an embed, or a script-loaded thread
        return "not_in_html" if status == "unknown_platform" and self.is_article(tree, url) else status

    def parse(self, tree: HtmlElement, url: str) -> list[Comment]:
        """Ids from `id="comment-N"` (or the anchor before it), parents from "In reply to", else
        from `div.indented` nesting when the parent is on this page."""
        nodes = tree.xpath(self._COMMENTS)
        if not nodes:
            return super().parse(tree, url)
        marks = set(nodes)
        page, origin = self.page_number(tree, url), _origin(url)
        parents = [self._core_parent(n, marks) for n in nodes]
        shown = any(parents)  # the theme prints "In reply to": a comment without it is top level
        out: list[Comment] = []
        last_at_level: dict[int, str] = {}
        for node, stated in zip(nodes, parents, strict=True):
            cid = self._core_id(node, marks)
            if cid is None:
                continue
            level = len(node.xpath(f"ancestor::div[{has_class('indented')}]"))
            parent, known = stated, True
            if parent is None and level:
                parent = last_at_level.get(level - 1)
                known = parent is not None
            elif parent is None:
                known = page == 0 or shown
            last_at_level = {k: v for k, v in last_at_level.items() if k < level} | {level: cid}
            if parent == cid:
                continue
            out.append(Comment(
                comment_id=cid, parent_id=parent, parent_known=known,
                author=self._core_author(node, marks),
                published=next(filter(None, map(utc, self._own(node, marks, _CREATED))), None),
                text=self._core_text(node, marks),
                permalink=f"{origin}/comment/{cid}",
                order=len(out),
            ))
        return out

    @staticmethod
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

    def _core_id(self, node: HtmlElement, marks: set[HtmlElement]) -> str | None:
        refs = [node.get("id") or "", self._anchor(node) or "", node.get("about") or ""]
        refs += self._own(node, marks, ".//a[@rel='bookmark' or contains(@class, 'permalink')]/@href")
        return next((m.group(1) for r in refs if (m := _CORE_REF.search(r))), None)

    @staticmethod
    def _core_parent(node: HtmlElement, marks: set[HtmlElement]) -> str | None:
        own = node.get("id") or ""
        for href in node.xpath(f".//*[{_PARENT_BOX}]//a/@href"):
            holder = next(a for a in href.getparent().iterancestors() if a is node or a in marks)
            if holder is node and (m := _CORE_REF.search(href)) and f"comment-{m.group(1)}" != own:
                return m.group(1)
        return None

    def _core_author(self, node: HtmlElement, marks: set[HtmlElement]) -> str | None:
        for xpath in (".//*[@rel='schema:author']//*[@property='schema:name']",
                      f".//*[{has_class('comment__author')}]", f".//*[{has_class('username')}]",
                      f".//*[{has_class('comment__submitted')}]/*[1]"):
            for el in self._own(node, marks, xpath):
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


DRUPAL8 = Drupal8Platform()
PLATFORM = SchemaOrgPlatform()
EXTRA_PLATFORMS = (DRUPAL8,)  # for the registry: more specific than PLATFORM, check it first
