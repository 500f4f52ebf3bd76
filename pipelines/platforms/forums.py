"""Forum thread pages: vBulletin 3/4/5, phpBB 2/3 (prosilver and most styles built on it,
subsilver2, phpBB 2's subSilver), XenForo 1/2, Invision Community 4 (and IP.Board 3), SMF 1.1/2
and Vanilla 2, as the engines' default templates print a thread (most styles keep their marks).

A thread page lists posts in time order. The thread's opening post is the article; every other
post on the page, and every post on the thread's later pages, is a comment. What the markup says
and what it does not:

- A post's id is the number in its element's id (`post_message_N`, `pN`, `post-N`, `elComment_N`,
  `msg_N`, `Comment_N`); that is the comment id, and the post's own link (the "#N" counter, the
  date or subject link: vB `showpost.php?p=N`, phpBB `viewtopic.php?p=N#pN`, XenForo
  `threads/t.1/post-N` or `posts/N/`, IPB `?do=findComment&comment=N`, SMF `topic=T.msgN#msgN`,
  Vanilla `discussion/comment/N`) its permalink, session ids (`s=`, `sid=`, `PHPSESSID`) cut.
- Which post opens the thread: the counter where the engine prints one ("#1"; SMF marks every
  other post "Reply #N"; Vanilla prints the opening post apart), else the first post of the
  thread's first page (the pager's current page, else the URL: `page=`, `start=`, `page-N`).
- Replies are flat. A reply's parent is known only when it quotes exactly one post and the quote
  names it (XenForo `data-source="post: N"` and `goto/post?id=N`, vB's "Originally Posted by"
  link `showthread.php?p=N`, phpBB 3.2+ `blockquote cite="...p=N"`, IPB
  `data-ipsquote-contentcommentid`, SMF's quote header `msgN`, Vanilla's embed link
  `discussion/comment/N`); quoting the opening post, or nothing, is top level. A quote that
  names no post (phpBB 3.0, "[quote=name]") says nothing: top level.
- Times: XenForo (epoch `data-time`), IPB and Vanilla (`<time datetime>` with an offset) and
  phpBB 3.3 (`<time datetime>`) state them; vBulletin, phpBB before 3.3, SMF and old XenForo 1
  posts (`span.DateTime` with a local title) print local text only: None.
- Text: the post body without the signature, buttons, "Click to expand..." and "Code: Select
  all" links; quotes are kept as "> " lines with their "X said:"/"X wrote:" line.
- Detection: the engine's marks (XenForo's `html#XF`, vBulletin's generator or assets, phpBB's
  `body#phpbb` or post markup, IPB's `ipsComment`, SMF's `smf_scripturl`, Vanilla's
  `ItemComment`) and then its posts, or its own mark on a page without posts (a forum listing:
  its threads are article links). A post without text (an embedded video alone) is skipped.
- Thread pages: the pager's links of the same thread, the gaps between them filled from the
  numbers in two of them (phpBB's `start=` steps, `page=N`, `page-N`, `/pN`); every page of the
  thread, lazily. Permalinks: each post's own link. Traps: posting, quoting, reporting, login,
  search, member lists and profiles, print and alternative views, sort orders.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import islice
from typing import ClassVar
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from lxml import etree
from lxml.html import HtmlElement

from . import titles as titles_of
from .base import (
    ArticleMeta,
    Comment,
    Hints,
    Platform,
    Signals,
    ThreadParser,
    absolute,
    block_text,
    document_base,
    has_class,
    join,
    utc,
)
from .page import Page

_c = has_class  # (short: the XPaths below name many classes)
_NUMBER = re.compile(r"#\s*(\d+)")
_SESSION = re.compile(r"^[0-9a-f]{32}$", re.I)
# "Page 3 of 5", "Seite 3 von 5", "Page 3 sur 5", "Pagina 3 di 5", "3 / 5"
_PAGE_OF = re.compile(r"(\d+)\s*(?:of|von|sur|de|di|van|af|av|z|из|/)\s*(\d+)", re.I)
# a name's text, without the badges and buttons some styles put beside it ("OP")
_NAME_TEXT = etree.XPath(".//text()[not(ancestor::button or ancestor::script or ancestor::style)]")
_CANONICAL = etree.XPath("//link[translate(@rel, 'CANONIL', 'canonil')='canonical']/@href")


def _clean(text: str | None) -> str | None:
    return " ".join((text or "").split()) or None


def _epoch(value: str | None) -> datetime | None:
    value = (value or "").strip()
    if value.isdigit() and 9 <= len(value) <= 11:
        return datetime.fromtimestamp(int(value), timezone.utc)
    return None


def _join(base: str, ref: str) -> str:
    """base.join, for hrefs as forums write them: one no URL parser accepts gives the base."""
    try:
        return join(base, ref)
    except ValueError:
        return base


def _base(page: Page) -> str:
    """What the page's relative links resolve against (forum engines print a `<base href>`)."""
    if "forums.base" not in page.memo:
        page.memo["forums.base"] = document_base(page)
    return page.memo["forums.base"]


def _query_without(query: str, drop: Callable[[str, str], bool]) -> str:
    """A query without the pieces `drop(key, value)` names, the rest as written (`&` or SMF's
    `;` between them, keys without values kept bare)."""
    pieces = re.split(r"([&;])", query)
    kept: list[str] = []
    for piece in pieces[::2]:
        key, _, value = piece.partition("=")
        if piece and not drop(key, value):
            kept.append(piece)
    sep = ";" if ";" in query and "&" not in query else "&"
    return sep.join(kept)


def _session(key: str, value: str) -> bool:
    return key == "PHPSESSID" or (key in ("sid", "s") and bool(_SESSION.match(value)))


def without_session(url: str) -> str:
    """A forum URL without its session id (phpBB `sid`, vBulletin `s`, SMF `PHPSESSID`): every
    visitor gets another, for the same page."""
    parts = urlsplit(url)
    if not parts.query and "PHPSESSID" not in parts.path:
        return url
    path = re.sub(r"[;&]?PHPSESSID=[0-9a-zA-Z]+", "", parts.path)
    query = _query_without(parts.query, _session)
    return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))


@dataclass(slots=True)
class Post:
    """One post of the page: its id, its element, its body, its number in the thread if shown."""

    pid: str
    element: HtmlElement
    body: HtmlElement
    number: int | None = None
    opening: bool = False  # the engine marks it as the thread's opening post
    mark: str | None = None  # the anchor naming it, where it is no element id


class Engine:
    """One engine's templates: where its posts, their parts and its pager are. Subclasses set
    the XPaths and override what their markup needs."""

    name: ClassVar[str]
    # a post's author (display name), first that gives one; relative to the post element
    authors: ClassVar[tuple[str, ...]] = ()
    # machine-readable times of a post (attribute values), outside its body
    times: ClassVar[str] = ""
    # the post's own link (permalink), relative to the post element
    links: ClassVar[tuple[str, ...]] = ()
    # the post's number in the thread ("#3"), relative to the post element
    counter: ClassVar[str] = ""
    # inside a body: what is no post text (buttons, "Click to expand...", signatures)
    junk: ClassVar[str] = ".//script | .//style | .//noscript"
    # inside a body: quote containers that are not <blockquote> (made blockquotes for block_text)
    quote_boxes: ClassVar[str] = ""
    # inside a body: wrappers of the whole text that are no quotes (vBulletin 4's blockquote,
    # phpBB 2's span)
    unwrap: ClassVar[str] = ""
    # inside a body: attributes or links naming the post a quote is of
    quote_sources: ClassVar[str] = ""
    pager: ClassVar[str] = ""  # links of the thread's pager
    current: ClassVar[str] = ""  # the pager's current page (its text is the number)
    total: ClassVar[str] = ""  # the thread's number of pages ("Page 3 of 58", data-last)
    listing: ClassVar[str] = ""  # thread links on a forum's listing page
    trap_paths: ClassVar[re.Pattern[str] | None] = None
    trap_keys: ClassVar[frozenset[str]] = frozenset()
    trap_values: ClassVar[tuple[tuple[str, re.Pattern[str]], ...]] = ()  # (key, value pattern)

    def __init__(self) -> None:
        self._authors = [etree.XPath(x) for x in self.authors]
        self._times = etree.XPath(self.times) if self.times else None
        self._links = [etree.XPath(x) for x in self.links]
        self._counter = etree.XPath(self.counter) if self.counter else None
        self._junk = etree.XPath(self.junk)
        self._quote_boxes = etree.XPath(self.quote_boxes) if self.quote_boxes else None
        self._unwrap = etree.XPath(self.unwrap) if self.unwrap else None
        self._quote_sources = etree.XPath(self.quote_sources) if self.quote_sources else None
        self._pager = etree.XPath(self.pager) if self.pager else None
        self._current = etree.XPath(self.current) if self.current else None
        self._total = etree.XPath(self.total) if self.total else None
        self._listing = etree.XPath(self.listing) if self.listing else None

    # -- detection and posts ------------------------------------------------------------------

    def sign(self, sig: Signals) -> bool:
        """A necessary condition, from the page's signals alone."""
        raise NotImplementedError

    def find_posts(self, page: Page) -> list[Post]:
        """The page's posts in document order, each with its body (posts without are skipped)."""
        raise NotImplementedError

    def confirm(self, page: Page) -> bool:
        """The engine's own mark on a page without posts (a listing, a search, a login)."""
        return False

    # -- one post -----------------------------------------------------------------------------

    def author(self, post: Post) -> str | None:
        for xpath in self._authors:
            for found in xpath(post.element):
                name = _clean(found if isinstance(found, str) else "".join(_NAME_TEXT(found)))
                if name:
                    return name
        return None

    def published(self, post: Post) -> datetime | None:
        if self._times is None:
            return None
        for value in self._times(post.element):
            if moment := _epoch(value) or utc(value):
                return moment
        return None

    def number(self, post: Post, first_page: bool) -> int | None:
        if post.number is not None or self._counter is None:
            return post.number
        for found in self._counter(post.element):
            text = found if isinstance(found, str) else found.text_content()
            m = _NUMBER.search(text) or (re.fullmatch(r"\s*(\d+)\s*", text) if text else None)
            if m:
                return int(m.group(1))
        return None

    def permalink(self, page: Page, post: Post) -> str:
        base = _base(page)
        for xpath in self._links:
            for href in xpath(post.element):
                if href.strip() and not href.startswith(("javascript:", "#")):
                    return without_session(_join(base, href.strip()))
                if href.startswith("#") and len(href) > 1:
                    return page.url.partition("#")[0] + href
        return f"{page.url.partition('#')[0]}#{self.anchor(post)}"

    def anchor(self, post: Post) -> str:
        return post.mark or post.element.get("id") or post.pid

    def text(self, post: Post) -> str:
        clone = post.body.__copy__()
        for junk in self._junk(clone):
            if junk.getparent() is not None:
                junk.drop_tree()
        if self._unwrap is not None:
            for box in self._unwrap(clone):
                box.tag = "div"
        if self._quote_boxes is not None:
            for box in self._quote_boxes(clone):
                box.tag = "blockquote"
        # containers block_text does not know (table cells: vBulletin 3's and phpBB 2's quotes)
        for el in clone.iter("aside", "details", "summary", "section", "header", "footer", "cite",
                             "td", "th"):
            el.tag = "div"
        for br in clone.iter("hr"):
            br.tag = "br"
        # BBCode's [color]/[size]/[font] spans over several lines: their breaks are lines too
        for el in clone.iter("span", "font", "center", "small", "big"):
            if el.find(".//br") is not None:
                el.tag = "div"
        return block_text(clone)

    def quoted(self, post: Post) -> set[str]:
        """Post ids the post's quotes name."""
        if self._quote_sources is None:
            return set()
        found: set[str] = set()
        for value in self._quote_sources(post.body):
            if m := self.quote_id(str(value)):
                found.add(m)
        return found

    def quote_id(self, value: str) -> str | None:
        m = re.search(r"(?:goto/post\?id=|[?&;]p=|post:\s*|#post-?|/posts/|\.msg|#msg|/comment/)(\d+)", value)
        return m.group(1) if m else (value.strip() if value.strip().isdigit() else None)

    # -- URLs -------------------------------------------------------------------------------

    def post_of(self, url: str) -> str | None:
        """The post a permalink URL names, from the URL alone."""
        return None

    def is_trap(self, url: str) -> bool:
        parts = urlsplit(url)
        if self.trap_paths is not None and self.trap_paths.search(parts.path):
            return True
        for key, value in parse_qsl(parts.query.replace(";", "&"), keep_blank_values=True):
            if key in self.trap_keys:
                return True
            if any(k == key and rx.search(value) for k, rx in self.trap_values):
                return True
        return False

    def pager_links(self, page: Page) -> list[tuple[int, str]]:
        """(page number, URL) of the pager's numbered links, same host, no traps."""
        if self._pager is None:
            return []
        out: list[tuple[int, str]] = []
        base, host = _base(page), urlsplit(page.url).hostname
        for a in self._pager(page.tree):
            number = (a.text_content() or "").strip()
            href = (a.get("href") or "").strip()
            if not number.isdigit() or not href or href.startswith(("#", "javascript:")):
                continue
            url = without_session(_join(base, href)).partition("#")[0]
            if urlsplit(url).hostname == host and not self.is_trap(url):
                out.append((int(number), url))
        return out

    def current_page(self, page: Page) -> int | None:
        """The pager's current page (1-based), if it shows one."""
        if self._current is None:
            return None
        for found in self._current(page.tree):
            text = found if isinstance(found, str) else found.text_content()
            text = (text or "").strip()
            if text.isdigit():
                return int(text)
            if m := _PAGE_OF.search(text):  # "Page 3 of 5"
                return int(m.group(1))
        return None

    def total_pages(self, page: Page) -> int | None:
        """How many pages the thread has, where the pager says more than its last link."""
        if self._total is None:
            return None
        for found in self._total(page.tree):
            text = (found if isinstance(found, str) else found.text_content()).strip()
            if text.isdigit():
                return int(text)
            if m := _PAGE_OF.search(text):
                return int(m.group(2))
        return None

    def url_page(self, url: str) -> int | None:
        """The page a thread URL names (1-based), if it names one."""
        return None

    page_keys: ClassVar[frozenset[str]] = frozenset()  # query keys naming a page or a post
    page_path: ClassVar[re.Pattern[str] | None] = None  # a path's page part, cut

    def thread_url(self, url: str) -> str:
        """The thread's URL: this one without its page (and post) part."""
        parts = urlsplit(without_session(url))
        path = self.page_path.sub("", parts.path) if self.page_path is not None else parts.path
        query = parts.query
        if self.page_keys:
            query = _query_without(query, lambda k, _: k in self.page_keys)
        if self.page_path is not None:  # vBulletin 4's `showthread.php?123-title/page2`
            query = self.page_path.sub("", query)
        return urlunsplit((parts.scheme, parts.netloc, path, query, ""))

    def listing_links(self, page: Page) -> list[str]:
        if self._listing is None:
            return []
        found = absolute(_base(page), self._listing(page.tree))
        return list(dict.fromkeys(without_session(u) for u in found))


def _numbered(el: HtmlElement, prefix: str) -> str | None:
    value = el.get("id") or ""
    return value[len(prefix):] if value.startswith(prefix) and value[len(prefix):].isdigit() else None


# ============================================================================ XenForo 1 and 2


class XenForo(Engine):
    """XenForo 2 (`article.message--post[data-content=post-N]`, `div.bbWrapper`) and XenForo 1
    (`ol#messageList > li.message#post-N`, `blockquote.messageText`)."""

    name = "xenforo"
    authors = ("@data-author", f".//*[{_c('message-name')}]", f".//*[{_c('userText')}]//*[{_c('username')}]")
    times = (f".//*[{_c('message-attribution')} or {_c('message-date')} or {_c('messageMeta')}]"
             "//*[@data-time]/@data-time"
             f" | .//*[{_c('message-attribution')}]//time/@datetime")
    links = (f".//*[{_c('message-attribution-main')}]/@href",
             f".//*[{_c('message-attribution')}]"
             "//a[contains(@href, '/post-') or contains(@href, 'posts/')]/@href",
             f".//a[{_c('datePermalink')}]/@href", f".//a[{_c('postNumber')}]/@href")
    counter = (f"(.//*[{_c('message-attribution-opposite')}]//a | .//*[{_c('message-permalink')}]//a"
               f" | .//a[{_c('postNumber')}])[normalize-space()]")
    junk = (".//script | .//style | .//noscript"
            f" | .//*[{_c('bbCodeBlock-expandLink')} or {_c('js-selectToQuoteEnd')}"
            f" or {_c('quoteExpand')} or {_c('messageTextEndMarker')}"
            f" or {_c('bbCodeBlock-sourceJump')}][not(normalize-space(translate(., '↑', '')))]"
            f" | .//*[{_c('bbCodeBlock-expandLink')} or {_c('quoteExpand')}]")
    # XenForo 1 (attribution, then the quote) and 2.0 (`div.bbCodeBlock--quote`; a blockquote since 2.1)
    quote_boxes = f".//div[{_c('bbCodeQuote')} or {_c('bbCodeBlock--quote')}]"
    quote_sources = (f".//*[{_c('bbCodeQuote')} or {_c('bbCodeBlock--quote')}]/@data-source"
                     f" | .//*[{_c('bbCodeBlock--quote')} or {_c('bbCodeQuote')}]"
                     f"//a[{_c('bbCodeBlock-sourceJump')} or {_c('AttributionLink')}]/@href")
    pager = (f"//*[{_c('pageNav')} or {_c('PageNav')}]//a[normalize-space()]")
    current = (f"(//*[{_c('pageNav-page--current')}] | //*[{_c('PageNav')}]/@data-page"
               f" | //*[{_c('PageNav')}]//a[{_c('currentPage')}])")
    total = f"//*[{_c('PageNav')}]/@data-last"
    listing = (f"//*[{_c('structItem-title')}]//a[contains(@href, 'threads/')]"
               "[not(contains(@href, '/unread'))]/@href"
               f" | //*[{_c('discussionListItem')}]//h3[{_c('title')}]//a[contains(@href, 'threads/')]/@href")
    trap_paths = re.compile(
        r"/(?:login|logout|register|lost-password|search|members|account|conversations|help|misc|online"
        r"|whats-new|find-new|recent-activity|goto|inline-mod|attachments|watched|tags)(?:/|$)"
        r"|/threads/[^/]+/(?:reply|add-reply|watch|draft|preview|poll|reply-bans|unread|latest|post-thread"
        r"|threadmarks|reader|quick-close|approve|edit|move|delete)(?:/|$)"
        r"|/posts/\d+/(?:quote|report|like|react|reactions|likes|edit|delete|ip|history|share|bookmark|warn|permalink)"
        r"|/forums/[^/]+/post-thread")
    trap_keys = frozenset({"order", "direction", "_xfToken", "_xfRequestUri", "prefix_id", "last_days"})

    _POSTS2 = etree.XPath(f"//article[{_c('message--post')}][@data-content or starts-with(@id, 'js-post-')]")
    _POSTS1 = etree.XPath(f"//li[starts-with(@id, 'post-')][{_c('message')}]"
                          f"[not(ancestor::li[{_c('message')}])]")
    _BODY2 = etree.XPath(f"(.//*[{_c('message-userContent')} or {_c('message-body')}]"
                         f"//div[{_c('bbWrapper')}])[1]")
    _BODY1 = etree.XPath(f"(.//*[{_c('messageContent')}]//blockquote[{_c('messageText')}])[1]")
    _POST_URL = re.compile(r"/posts/(\d+)/?$|/threads/[^/]+/post-(\d+)/?$")
    _PAGE_URL = re.compile(r"/page-(\d+)/?$")

    def sign(self, sig: Signals) -> bool:
        return bool(sig.ids & {"XF", "XenForo"} or "message--post" in sig.classes
                    or {"messageList", "messageText"} <= sig.classes
                    or any("xenforo" in a.lower() or "/js/xf/" in a for a in sig.assets))

    def confirm(self, page: Page) -> bool:
        return bool(page.signals.ids & {"XF", "XenForo"})

    def find_posts(self, page: Page) -> list[Post]:
        out: list[Post] = []
        for el in self._POSTS2(page.tree):
            pid = (el.get("data-content") or "").removeprefix("post-") or _numbered(el, "js-post-")
            body = self._BODY2(el)
            if pid and pid.isdigit() and body:
                out.append(Post(pid, el, body[0]))
        if out:
            return out
        for el in self._POSTS1(page.tree):
            pid, body = _numbered(el, "post-"), self._BODY1(el)
            if pid and body:
                out.append(Post(pid, el, body[0]))
        return out

    def anchor(self, post: Post) -> str:
        return f"post-{post.pid}"

    def post_of(self, url: str) -> str | None:
        m = self._POST_URL.search(urlsplit(url).path)
        return (m.group(1) or m.group(2)) if m else None

    def url_page(self, url: str) -> int | None:
        m = self._PAGE_URL.search(urlsplit(url).path)
        return int(m.group(1)) if m else None

    page_path = re.compile(r"(?<=/)(?:page-\d+|post-\d+|unread|latest)/?$")


# ============================================================================ vBulletin 3, 4, 5


class VBulletin(Engine):
    """vBulletin 3 (`table#postN` > `div#post_message_N`), 4 (`li#post_N.postcontainer` >
    `blockquote.postcontent`) and 5 (`li.b-post[data-node-id]` > `.js-post__content-text`)."""

    name = "vbulletin"
    authors = (f".//*[{_c('bigusername')}]", f".//*[{_c('username_container')}]//*[{_c('username')}]",
               f".//*[{_c('username')}][not(ancestor::*[starts-with(@id, 'post_message_')])]",
               f".//*[@itemprop='author']//*[{_c('author')}]//a",
               f".//*[{_c('b-userinfo__details')}]//*[{_c('author')}]")
    times = ".//time[@datetime][not(ancestor::*[starts-with(@id, 'post_message_')])]/@datetime"
    links = (".//a[starts-with(@id, 'postcount')]/@href", f".//a[{_c('postcounter')}]/@href",
             f".//a[{_c('b-post__count')}]/@href")
    counter = (".//a[starts-with(@id, 'postcount')]/@name"
               " | .//a[starts-with(@id, 'postcount')][normalize-space()]"
               f" | .//a[{_c('postcounter')}] | .//a[{_c('b-post__count')}]")
    junk = (".//script | .//style | .//noscript"
            f" | .//*[{_c('bbcode_quote_container')}] | .//*[{_c('postbit-bbcode-quote-icon')}]"
            f" | .//*[{_c('bbcode_postedby')}]//a")  # the "View Post" link
    # vBulletin 3: "Quote:" then a table (td.alt2) holding "Originally Posted by" and the text
    quote_boxes = (f".//div[div[{_c('smallfont')}][contains(normalize-space(.), ':')]][table]"
                   f" | .//div[{_c('bbcode_quote')}]")
    unwrap = f".//blockquote[{_c('postcontent')}]"
    quote_sources = (".//a[contains(@href, 'showthread.php') and contains(@href, 'p=')]/@href"
                     f" | .//*[{_c('bbcode_postedby')}]//a/@href")
    pager = (f"//*[{_c('pagenav')} or {_c('pagination')} or {_c('js-pagenav')}]"
             "//a[normalize-space()][not(ancestor::*[@id='postlist' or @id='posts'])]")
    current = (f"(//*[{_c('pagenav')}]//td[{_c('alt2')}]//strong"
               f" | //*[{_c('pagination')}]//*[{_c('selected')}]"
               f" | //*[{_c('js-pagenav')}]//a[{_c('js-pagenav-current-button')}]"
               f" | //*[{_c('pagenav')}]//td[{_c('vbmenu_control')}])")
    total = (f"//*[{_c('pagenav')}]//td[{_c('vbmenu_control')}]"
             f" | //*[{_c('pagination')}]//a[{_c('popupctrl')}]")
    listing = ("//a[starts-with(@id, 'thread_title_')]/@href"
               f" | //a[{_c('topic-title')}][contains(@href, '/')]/@href")
    trap_paths = re.compile(
        r"(?:^|/)(?:newreply|newthread|editpost|report|sendmessage|private|login|register|search|member|memberlist"
        r"|printthread|misc|profile|usercp|subscription|calendar|online|faq|external|ajax|attachment|announcement"
        r"|showgroups|moderator|postings|threadrate|poll|inlinemod|payments|group|album|blog)\.php"
        r"|/(?:member|login|register|search|privatemessage|new-content|lostpw|help|activity|settings|auth)(?:/|$)")
    trap_keys = frozenset({"goto", "sort", "order", "highlight", "do"})
    trap_values = (("mode", re.compile(r"threaded|hybrid")),)

    page_keys = frozenset({"page", "p", "pp", "postcount"})
    page_path = re.compile(r"/page\d+/?$")

    _MESSAGES = etree.XPath("//*[starts-with(@id, 'post_message_')]")
    _VB5 = etree.XPath(f"//li[{_c('b-post')}][@data-node-id]")
    _VB5_BODY = etree.XPath(f"(.//*[{_c('js-post__content-text')}])[1]")
    _POST_URL = re.compile(r"(?:showpost|showthread)\.php")

    def sign(self, sig: Signals) -> bool:
        return bool(any("vBulletin" in g for g in sig.generators)
                    or any("vbulletin" in a.lower() for a in sig.assets)
                    or {"b-post", "js-post__content-text"} <= sig.classes)

    def confirm(self, page: Page) -> bool:
        sig = page.signals
        return any("vBulletin" in g for g in sig.generators) or "vbulletin_html" in sig.ids

    def find_posts(self, page: Page) -> list[Post]:
        out: list[Post] = []
        seen: set[str] = set()
        for body in self._MESSAGES(page.tree):
            pid = _numbered(body, "post_message_")
            if not pid or pid in seen:
                continue
            ids = (f"post{pid}", f"post_{pid}")
            box = next((a for a in body.iterancestors() if a.get("id") in ids), None)
            if box is None:
                box = next((a for a in body.iterancestors("table", "li")), body)
            seen.add(pid)
            out.append(Post(pid, box, body))
        if out:
            return out
        for el in self._VB5(page.tree):
            pid, body = (el.get("data-node-id") or "").strip(), self._VB5_BODY(el)
            if pid.isdigit() and body and pid not in seen:
                seen.add(pid)
                out.append(Post(pid, el, body[0]))
        return out

    def anchor(self, post: Post) -> str:
        return f"post{post.pid}"

    def quote_id(self, value: str) -> str | None:
        m = re.search(r"[?&;]p=(\d+)|#post(\d+)", value)
        return (m.group(1) or m.group(2)) if m else None

    def post_of(self, url: str) -> str | None:
        parts = urlsplit(url)
        # showthread.php?p=N, showpost.php?p=N; vB 4/5 friendly URLs: /threads/123-title?p=N
        if self._POST_URL.search(parts.path) or re.search(r"/\d+-[^/]*/?$", parts.path):
            value = dict(parse_qsl(parts.query)).get("p", "")
            if value.isdigit():
                return value
        m = re.search(r"-post(\d+)\.html$", parts.path)  # vBSEO's post URLs
        return m.group(1) if m else None

    def url_page(self, url: str) -> int | None:
        parts = urlsplit(url)
        value = dict(parse_qsl(parts.query)).get("page", "")
        if value.isdigit():
            return int(value)
        m = re.search(r"/page(\d+)/?$", parts.path) or re.search(r"^[^=&]*/page(\d+)$", parts.query)
        return int(m.group(1)) if m else None


# ============================================================================ phpBB 2 and 3


class PhpBB(Engine):
    """phpBB 3 (`div.post#pN` > `div.postbody` > `div.content`; prosilver, subsilver2-based and
    most third-party styles) and phpBB 2 (subSilver: `span.name > a[name=N]`, `span.postbody`)."""

    name = "phpbb"
    authors = (f".//*[{_c('author')}]//a[{_c('username')} or {_c('username-coloured')}]",
               f".//*[{_c('postprofile')}]//a[{_c('username')} or {_c('username-coloured')}]",
               f".//*[starts-with(@id, 'profile')]//a[{_c('username')} or {_c('username-coloured')}]",
               f".//*[{_c('author')}]//strong", f".//*[{_c('postprofile')}]/dt/a[normalize-space()]",
               f".//*[{_c('postprofile')}]//*[{_c('username')}]",
               f".//span[{_c('name')}]//b", f".//span[{_c('name')}]//strong", f".//b[{_c('postauthor')}]",
               f".//a[{_c('username')} or {_c('username-coloured')}][not(ancestor::div[{_c('content')}])]")
    times = f".//*[{_c('author')}]//time/@datetime"
    links = (f".//*[{_c('author')}]//a[contains(@href, 'p=') or contains(@href, '#p')]/@href",
             ".//a[contains(@href, 'viewtopic.php') and contains(@href, 'p=')]"
             f"[not(ancestor::div[{_c('content')}])]/@href",
             ".//h3//a[starts-with(@href, '#p')]/@href")
    junk = (".//script | .//style | .//noscript"
            f" | .//*[{_c('codebox')}]/*[self::dt or self::p] | .//*[{_c('signature')}]"
            f" | .//*[{_c('post-buttons')}] | .//span[@class='gensmall']")  # (phpBB 2's "Last edited by")
    # phpBB 2: a table, "X wrote:" row then td.quote; subsilver2: div.quotetitle, div.quotecontent
    quote_boxes = f".//table[.//td[@class='quote']] | .//div[{_c('quotetitle')} or {_c('quotecontent')}]"
    unwrap = f".//span[{_c('postbody')}]"
    quote_sources = ".//blockquote/@cite | .//blockquote/div/cite//a[contains(@href, 'p=')]/@href"
    pager = f"//*[{_c('pagination')}]//a[normalize-space()] | //span[{_c('nav')}]//a[normalize-space()]"
    # 3.1+: the active item; 3.0: "Page <strong>2</strong> of <strong>10</strong>" (the first of
    # two strongs in a row: not "<strong>247</strong> posts"); phpBB 2: "Goto page <b>2</b>"
    current = (f"(//*[{_c('pagination')}]//li[{_c('active')}]/span"
               f" | //*[{_c('pagination')}]//strong[following-sibling::*[1][self::strong]]"
               f" | //span[{_c('nav')}]/b)")
    total = f"//*[{_c('pagination')}]//a[strong] | //*[{_c('pagination')}]//*[{_c('dropdown-trigger')}]"
    listing = f"//a[{_c('topictitle')}]/@href"
    trap_paths = re.compile(
        r"(?:^|/)(?:posting|ucp|memberlist|search|report|mcp|viewonline|faq|feed|privmsg|profile|login|groupcp"
        r"|download/file)\.php")
    trap_keys = frozenset({"sd", "sk", "st", "hilit", "highlight", "watch", "unwatch", "bookmark", "postdays",
                           "postorder", "e"})
    trap_values = (("view", re.compile(r"print|next|previous|unread|viewpoll")),)

    page_keys = frozenset({"start", "view", "hilit"})

    _POSTS3 = etree.XPath(
        "//*[self::div or self::a][starts-with(@id, 'p') and string-length(@id) > 1"
        " and translate(substring(@id, 2), '0123456789', '') = '']")
    _HAS_BODY = etree.XPath(f"boolean(.//div[{_c('postbody')}])")
    # subsilver2 (phpBB 3.0's table style): `<a name="pN">` in the author's row, `div.postbody` below
    _POSTS_SUBSILVER = etree.XPath("//a[starts-with(@name, 'p') and string-length(@name) > 1"
                                   " and translate(substring(@name, 2), '0123456789', '') = ''][not(@href)]")
    _NEXT_BODY = etree.XPath(f"following::div[{_c('postbody')}][1]")
    _BODY3 = etree.XPath(f"(.//div[{_c('postbody')}]//div[{_c('content')}]"
                         f" | .//div[starts-with(@id, 'post_content')]//div[{_c('content')}])[1]")
    _POSTS2 = etree.XPath(f"//span[{_c('name')}]/a[@name and translate(@name, '0123456789', '') = '']")

    def sign(self, sig: Signals) -> bool:
        return bool("phpbb" in sig.ids or {"postbody", "postprofile"} <= sig.classes
                    or {"postbody", "postauthor"} <= sig.classes
                    or "topictitle" in sig.classes
                    or ({"postbody", "postdetails"} <= sig.classes and "forumline" in sig.classes)
                    or any("phpbb" in a.lower() for a in sig.assets))

    def confirm(self, page: Page) -> bool:
        return "phpbb" in page.signals.ids or bool(page.tree.xpath(
            "//a[contains(@href, 'phpbb.com')][contains(translate(., 'PHB', 'phb'), 'phpbb')]"
            f" | //a[{_c('topictitle')}][contains(@href, 'viewtopic')]"))

    def find_posts(self, page: Page) -> list[Post]:
        out: list[Post] = []
        seen: set[str] = set()
        for mark in self._POSTS3(page.tree):
            pid = mark.get("id")[1:]
            if pid in seen:
                continue
            # the post: the mark itself, or (an anchor) its nearest ancestor holding a postbody
            near = [mark] if mark.tag == "div" else list(islice(mark.iterancestors(), 3))
            box = next((el for el in near if self._HAS_BODY(el)), None)
            if box is None:
                continue
            body = self._BODY3(box)
            if body:
                seen.add(pid)
                out.append(Post(pid, box, body[0]))
        if out:
            return out
        return self._subsilver2(page) or self._phpbb2(page)

    def _subsilver2(self, page: Page) -> list[Post]:
        """Each post two table rows: the anchor and author's, then the profile's and text's."""
        out: list[Post] = []
        marks = self._POSTS_SUBSILVER(page.tree)
        for k, mark in enumerate(marks):
            row = next(mark.iterancestors("tr"), None)
            body = self._NEXT_BODY(mark)
            later = marks[k + 1] if k + 1 < len(marks) else None
            if row is None or not body or (later is not None and body[0] in later.xpath("following::div")):
                continue
            out.append(Post(mark.get("name")[1:], row, body[0], mark=mark.get("name")))
        return out

    def _phpbb2(self, page: Page) -> list[Post]:
        """subSilver: each post is a table row; its anchor `<a name="N">` is in the author's cell
        and the first `span.postbody` after it is the text (a second one is the signature)."""
        out: list[Post] = []
        for anchor in self._POSTS2(page.tree):
            row = next(anchor.iterancestors("tr"), None)
            if row is None:
                continue
            bodies = row.xpath(f".//*[{_c('postbody')}]")
            if bodies:
                # a quote closes the span and opens another after its table: the cell is the text
                cell = bodies[0] if bodies[0].tag == "td" else bodies[0].getparent()
                body = cell if cell is not None and cell.tag == "td" else bodies[0]
                out.append(Post(anchor.get("name"), row, body, mark=anchor.get("name")))
        return out

    def text(self, post: Post) -> str:
        """phpBB 2 prints the signature in the post's text after a line of underscores."""
        text = super().text(post)
        if post.element.tag == "tr":  # (subsilver2 prints it in a second div.postbody)
            text = re.split(r"(?m)^_{10,}$", text, maxsplit=1)[0].rstrip()
        return text

    def anchor(self, post: Post) -> str:
        return post.mark or (f"p{post.pid}" if post.element.tag != "tr" else post.pid)

    def author(self, post: Post) -> str | None:
        name = super().author(post)
        return name.removeprefix("by ").strip() if name else None

    def quote_id(self, value: str) -> str | None:
        m = re.search(r"[?&;]p=(\d+)|#p(\d+)", value)
        return (m.group(1) or m.group(2)) if m else None

    def post_of(self, url: str) -> str | None:
        parts = urlsplit(url)
        if parts.path.endswith("viewtopic.php"):
            value = dict(parse_qsl(parts.query)).get("p", "")
            return value if value.isdigit() else None
        m = re.search(r"/post(\d+)\.html$", parts.path)  # phpBB SEO's post URLs
        return m.group(1) if m else None

    def url_page(self, url: str) -> int | None:
        parts = urlsplit(url)
        if not parts.path.endswith("viewtopic.php"):
            return None
        query = dict(parse_qsl(parts.query))
        if "p" in query and "start" not in query:
            return None  # a post's URL: the page holding it
        return 1 if query.get("start", "0") in ("", "0") else None


# ============================================================================ Invision Community


class Invision(Engine):
    """Invision Community 4 (`article#elComment_N.ipsComment`, `[data-role=commentContent]`) and
    IP.Board 3 (`div.post_block#post_id_N`, `div.post.entry-content`)."""

    name = "invision"
    authors = (f".//aside//*[{_c('cAuthorPane_author')}]//strong",
               f".//*[{_c('cAuthorPane_author')}]//strong",
               f".//*[{_c('cAuthorPane_author')}]",
               f".//*[{_c('author')}][{_c('vcard')}]", ".//*[@itemprop='creator']//*[@itemprop='name']")
    times = (f".//*[{_c('ipsComment_meta')}]//time/@datetime"
             f" | .//abbr[{_c('published')}]/@title")
    links = (".//a[contains(@href, 'do=findComment')]/@href", ".//a[@rel='bookmark']/@href")
    junk = (".//script | .//style | .//noscript | .//*[@data-excludequote]"
            f" | .//*[{_c('ipsQuote_citation')}]//a[{_c('ipsQuote_contentLink')}]")
    quote_sources = (".//blockquote/@data-ipsquote-contentcommentid"
                     " | .//blockquote//a[contains(@href, 'findComment')]/@href")
    pager = (f"//ul[{_c('ipsPagination')}]//a[normalize-space()]"
             f" | //*[{_c('pagination')}]//a[normalize-space()]")
    current = (f"(//ul[{_c('ipsPagination')}]//li[{_c('ipsPagination_active')}]"
               f" | //*[{_c('pagination')}]//li[{_c('active')}])")
    total = f"//ul[{_c('ipsPagination')}]/@data-pages"
    listing = (f"//*[{_c('ipsDataItem_title')}]//a[contains(@href, '/topic/')]/@href"
               " | //a[contains(@href, 'showtopic=')][@title]/@href")
    trap_paths = re.compile(r"/(?:login|register|search|profile|messenger|notifications|settings|lostpassword"
                            r"|submit|discover|followed|staff|online)(?:/|$)")
    trap_keys = frozenset({"sortby", "sortdirection", "csrfKey"})
    trap_values = (("do", re.compile(r"^(?!findComment$).+")), ("app", re.compile(r"^(?:core|members)$")))

    page_keys = frozenset({"page", "do", "comment", "st"})
    page_path = re.compile(r"(?<=/)page/\d+/?$")

    _POSTS4 = etree.XPath(f"//article[starts-with(@id, 'elComment_')][{_c('ipsComment')}]")
    _BODY4 = etree.XPath(f"(.//*[@data-role='commentContent'] | .//*[{_c('cPost_contentWrap')}]"
                         f"/*[{_c('ipsType_richText')}])[1]")
    _POSTS3 = etree.XPath(f"//div[starts-with(@id, 'post_id_')][{_c('post_block')}]")
    _BODY3 = etree.XPath(f"(.//div[{_c('post')}][{_c('entry-content')}])[1]")

    def sign(self, sig: Signals) -> bool:
        return bool({"ipsComment", "cPost"} <= sig.classes or {"post_block", "entry-content"} <= sig.classes
                    or any("ips.setString" in s or "ipb.vars" in s for s in sig.scripts[:40]))

    def confirm(self, page: Page) -> bool:
        return bool(page.tree.xpath("//body[@data-pageapp='forums']"
                                    " | //a[contains(@href, 'invisioncommunity.com')]"
                                    " | //a[contains(@href, 'invisionpower.com')]"))

    def find_posts(self, page: Page) -> list[Post]:
        out = [Post(pid, el, body[0]) for el in self._POSTS4(page.tree)
               if (pid := _numbered(el, "elComment_")) and (body := self._BODY4(el))]
        if out:
            return out
        return [Post(pid, el, body[0]) for el in self._POSTS3(page.tree)
                if (pid := _numbered(el, "post_id_")) and (body := self._BODY3(el))]

    def anchor(self, post: Post) -> str:
        return f"comment-{post.pid}" if post.element.tag == "article" else f"entry{post.pid}"

    def post_of(self, url: str) -> str | None:
        query = dict(parse_qsl(urlsplit(url).query))
        value = query.get("comment", "") if query.get("do") == "findComment" else ""
        return value if value.isdigit() else None

    def url_page(self, url: str) -> int | None:
        parts = urlsplit(url)
        m = re.search(r"/page/(\d+)/?$", parts.path)
        if m:
            return int(m.group(1))
        value = dict(parse_qsl(parts.query)).get("page", "")
        return int(value) if value.isdigit() else None


# ============================================================================ Simple Machines Forum


class SMF(Engine):
    """SMF 2 (`div.post_wrapper` / `div#msgN`, `div.inner#msg_N`) and SMF 1.1 (the Core
    theme's table rows: `#subject_N`, then `div.post`)."""

    name = "smf"
    authors = (f".//*[{_c('poster')}]//h4//a", f".//*[{_c('poster')}]//h4",
               ".//a[starts-with(@title, 'View the profile of')]", ".//td[1]//b[1]")
    links = (".//*[starts-with(@id, 'subject_')]//a/@href",
             f".//*[{_c('keyinfo')}]//a[contains(@href, 'msg')]/@href")
    junk = (".//script | .//style | .//noscript"
            f" | .//*[{_c('codeheader')}]//a | .//*[{_c('quotefooter')}]")
    quote_boxes = f".//div[{_c('quote')}] | .//div[{_c('quoteheader')}] | .//div[{_c('topslice_quote')}]"
    quote_sources = f".//*[{_c('quoteheader')}]//a/@href | .//blockquote//cite//a/@href"
    pager = (f"//*[{_c('pagelinks')} or {_c('pagesection')}]//a[{_c('navPages')}]"
             " | //td[@class='middletext']//a[@class='navPages']")
    current = (f"(//*[{_c('pagelinks')}]//*[{_c('current_page')}]"
               f" | //*[{_c('pagelinks')} or {_c('pagesection')}]//strong"
               " | //td[@class='middletext']//b[normalize-space() != '']"
               "[translate(., '0123456789[]', '') = ''])")
    listing = "//span[starts-with(@id, 'msg_')]/a[contains(@href, 'topic')]/@href"
    trap_values = (("action", re.compile(
        r"^(?:post|post2|login|login2|logout|register|register2|search|search2|profile|pm|printpage|reporttm"
        r"|emailuser|markasread|notify|notifyboard|quotefast|who|help|stats|calendar|unread|unreadreplies"
        r"|recent|mlist|reminder|sendtopic|deletemsg|lock|sticky|removetopic2|splittopics|mergetopics|dlattach)")),)
    trap_keys = frozenset({"wap", "wap2", "imode", "prev_next"})

    def thread_url(self, url: str) -> str:
        url = without_session(url).partition("#")[0]
        return re.sub(r"((?:[?&;]topic=|/topic,)\d+)\.(?:\d+|msg\d+|new)", r"\1.0", url)

    _SUBJECTS = etree.XPath("//*[starts-with(@id, 'subject_')]")
    _BODIES = etree.XPath("//div[starts-with(@id, 'msg_')]")
    _HAS_POSTER = etree.XPath(f"boolean(.//*[{_c('poster')}])")
    _REPLY = re.compile(r"#\s*(\d+)")
    _INFO = etree.XPath(f".//*[starts-with(@id, 'subject_')]/following-sibling::*[{_c('smalltext')}]"
                        f" | .//*[{_c('keyinfo')}]//*[{_c('smalltext')}]"
                        f" | .//*[{_c('postinfo')}]//*[{_c('smalltext')}]")

    def sign(self, sig: Signals) -> bool:
        return any("smf_scripturl" in s or "smf_theme_url" in s or "smf_charset" in s for s in sig.scripts)

    def confirm(self, page: Page) -> bool:
        return self.sign(page.signals)

    def find_posts(self, page: Page) -> list[Post]:
        out: list[Post] = []
        seen: set[str] = set()
        bodies = {el.get("id"): el for el in self._BODIES(page.tree)}
        for subject in self._SUBJECTS(page.tree):
            pid = _numbered(subject, "subject_")
            if not pid or pid in seen:
                continue
            inner = bodies.get(f"msg_{pid}")
            if inner is not None:  # SMF 2: the nearest element holding the poster and the text
                box = next((a for a in islice(inner.iterancestors(), 6) if self._HAS_POSTER(a)), None)
                body = inner
            else:  # SMF 1.1: the row that holds the poster's profile link and the subject
                box = next((a for a in subject.iterancestors("tr")
                            if a.xpath("boolean(.//a[contains(@href, 'action=profile')] | .//td/b)")
                            and a.xpath(f"boolean(.//div[{_c('post')}])")), None)
                found = subject.xpath(f"following::div[{_c('post')}][1]")
                inside = bool(found) and box is not None and any(x is box for x in found[0].iterancestors())
                body = found[0] if inside else None
            if box is None or body is None:
                continue
            seen.add(pid)
            out.append(Post(pid, box, body))
        return out

    def number(self, post: Post, first_page: bool) -> int | None:
        """SMF marks replies "Reply #N" (N from 1) beside the subject, not the opening post."""
        for el in self._INFO(post.element):
            text = el.text_content()
            if m := self._REPLY.search(text):
                return int(m.group(1)) + 1
            if _clean(text):
                return 1 if first_page else None
        return None

    def anchor(self, post: Post) -> str:
        return f"msg{post.pid}"

    def post_of(self, url: str) -> str | None:
        m = re.search(r"(?:[?&;]topic=|/topic,)\d+\.msg(\d+)", url)
        return m.group(1) if m else None

    def url_page(self, url: str) -> int | None:
        m = re.search(r"(?:[?&;]topic=|/topic,)\d+\.(\d+)", url)
        return 1 if m and m.group(1) == "0" else None


# ============================================================================ Vanilla


class Vanilla(Engine):
    """Vanilla 2 (`div.ItemDiscussion#Discussion_N` opens the thread on its first page,
    `li.ItemComment#Comment_N` are the comments; `div.Message.userContent`)."""

    name = "vanilla"
    authors = (f".//*[{_c('Author')}]//a[{_c('Username')}]", f".//a[{_c('Username')}]")
    times = f".//*[{_c('DateCreated')}]//time/@datetime"
    links = (f".//*[{_c('DateCreated')}]//a[{_c('Permalink')}]/@href", f".//a[{_c('Permalink')}]/@href")
    junk = (".//script | .//style | .//noscript"
            f" | .//*[{_c('Reactions')} or {_c('Signature')} or {_c('UserSignature')}]")
    quote_boxes = f".//div[{_c('Quote')}] | .//div[{_c('UserQuote')}]"
    quote_sources = (f".//blockquote//a[contains(@href, '/discussion/comment/')]/@href"
                     f" | .//*[{_c('embedExternal')} or {_c('embedText')}]"
                     "//a[contains(@href, '/discussion/comment/')]/@href")
    pager = f"//*[{_c('Pager')}]//a[normalize-space()]"
    current = f"(//*[{_c('Pager')}]//a[{_c('Highlight')}] | //*[{_c('Pager')}]//a[@aria-current='page'])"
    listing = f"//*[{_c('Item')}]//*[{_c('Title')}]//a[contains(@href, '/discussion/')]/@href"
    trap_paths = re.compile(
        r"/(?:entry|profile|messages|search|post|dashboard|activity|sso|plugin|vanilla/post)(?:/|$)"
        r"|/discussion/(?:bookmark|dismissannouncement|embed|delete|announce|sink|close|flag)(?:/|$)")
    trap_keys = frozenset({"TransientKey", "Sort", "sort", "Target"})

    page_path = re.compile(r"/p\d+/?$")

    _OPENING = etree.XPath(f"//div[starts-with(@id, 'Discussion_')][{_c('ItemDiscussion')}]")
    _COMMENTS = etree.XPath(f"//li[starts-with(@id, 'Comment_')][{_c('ItemComment')}]")
    _BODY = etree.XPath(f"(.//div[{_c('Message')}])[1]")

    def sign(self, sig: Signals) -> bool:
        return bool(({"ItemComment", "ItemDiscussion"} & sig.classes and "Message" in sig.classes)
                    or any("/applications/vanilla/" in a for a in sig.assets))

    def confirm(self, page: Page) -> bool:
        return bool(page.tree.xpath(f"//body[contains(@id, 'vanilla_')] | //body[{_c('Vanilla')}]"))

    def find_posts(self, page: Page) -> list[Post]:
        out: list[Post] = []
        seen: set[str] = set()
        for opening in self._OPENING(page.tree)[:1]:
            if (pid := _numbered(opening, "Discussion_")) and (body := self._BODY(opening)):
                seen.add(f"d{pid}")
                out.append(Post(pid, opening, body[0], 1, True))
        for el in self._COMMENTS(page.tree):
            pid = _numbered(el, "Comment_")
            # Q&A's accepted answers repeat a comment above the list: the first copy counts
            if pid and pid not in seen and (body := self._BODY(el)):
                seen.add(pid)
                out.append(Post(pid, el, body[0]))
        return out

    def anchor(self, post: Post) -> str:
        return post.element.get("id") or post.pid

    def post_of(self, url: str) -> str | None:
        m = re.search(r"/discussion/comment/(\d+)", urlsplit(url).path)
        return m.group(1) if m else None

    def url_page(self, url: str) -> int | None:
        m = re.search(r"/discussion/\d+(?:/[^/]*)?/p(\d+)/?$", urlsplit(url).path)
        return int(m.group(1)) if m else None


# ============================================================================ hints and parser


def _posts(engine: Engine, page: Page) -> list[Post]:
    """The page's posts, the thread's opening post marked. Once per page."""
    key = f"forums.{engine.name}.posts"
    if (known := page.memo.get(key)) is not None:
        return known
    posts = engine.find_posts(page) if engine.sign(page.signals) else []
    if posts:
        first_page = _page_of(engine, page) == 1
        for post in posts:
            post.number = engine.number(post, first_page)
        head = posts[0]
        if not head.opening:
            shown = [p.number for p in posts if p.number is not None]
            # the counter says; without counters, the first post of the thread's first page
            head.opening = head.number == 1 if shown else first_page
    page.memo[key] = posts
    return posts


def _page_of(engine: Engine, page: Page) -> int | None:
    """Which page of the thread this is (1-based): the pager's current page, else the URL's (a
    thread's URL without a page is its first page); None for a post's URL the pager leaves open."""
    key = f"forums.{engine.name}.page"
    if key not in page.memo:
        number = (engine.current_page(page) or engine.url_page(page.url)
                  or engine.url_page(_canonical(page) or ""))
        if number is None and engine.post_of(page.url) is None:
            number = 1
        page.memo[key] = number
    return page.memo[key]


def _canonical(page: Page) -> str | None:
    """The canonical link, resolved against the page's <base href>, if on the page's host."""
    for href in _CANONICAL(page.tree):
        url = _join(_base(page), href.strip())
        if urlsplit(url).hostname == urlsplit(page.url).hostname:
            return url
    return None


def _template(links: dict[int, str]) -> Callable[[int], str] | None:
    """A page's URL from its number, drawn from two numbered links whose URLs differ in one
    number (`page=3`, `page-3`, `/p3`, phpBB's `start=50` stepping by the posts per page)."""
    numbered = sorted((n, u) for n, u in links.items() if n > 1)
    if len(numbered) < 2:
        return None
    (a, ua), (b, ub) = numbered[0], numbered[-1]
    ta, tb = re.split(r"(\d+)", ua), re.split(r"(\d+)", ub)
    if len(ta) != len(tb):
        return None
    diffs = [i for i, (x, y) in enumerate(zip(ta, tb, strict=True)) if x != y]
    if len(diffs) != 1 or diffs[0] % 2 == 0:  # one number (odd pieces are the numbers)
        return None
    i = diffs[0]
    va, vb = int(ta[i]), int(tb[i])
    if (vb - va) % (b - a):
        return None
    step = (vb - va) // (b - a)
    return lambda n: "".join([*ta[:i], str(va + (n - a) * step), *ta[i + 1:]])


class ForumHints(Hints):
    """Crawl hints of one engine's thread pages."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.name = engine.name  # type: ignore[misc]  (per instance: one class, six engines)

    def detect(self, page: Page) -> bool:
        if not self.engine.sign(page.signals):
            return False
        return bool(_posts(self.engine, page)) or self.engine.confirm(page)

    def is_article(self, page: Page) -> bool:
        return bool(_posts(self.engine, page))

    def article_links(self, page: Page) -> list[str]:
        if _posts(self.engine, page):
            return []
        return self.engine.listing_links(page)

    def thread_pages(self, page: Page) -> Iterator[str]:
        """Every other page of the thread, in order, lazily: the pager's links, the pages between
        them from their URLs' pattern (a pager shows a window: 1 2 3 ... 58)."""
        if not _posts(self.engine, page):
            return
        links = dict(sorted(self.engine.pager_links(page)))
        if not links:
            return
        links.setdefault(1, self.article_key(page))
        here, make = _page_of(self.engine, page), _template(links)
        last = max(max(links), self.engine.total_pages(page) or 0)
        for n in range(1, last + 1):
            url = links.get(n) or (make(n) if make is not None else None)
            if url and n != here and url != page.url:
                yield url

    def permalinks(self, page: Page) -> list[str]:
        """Each reply's own URL, where it has one (not the page's URL with an anchor)."""
        here = page.url.partition("#")[0]
        posts = _posts(self.engine, page)
        links = (self.engine.permalink(page, p).partition("#")[0] for p in posts if not p.opening)
        return [u for u in dict.fromkeys(links) if u != here and self.engine.post_of(u) is not None]

    def is_trap(self, url: str) -> bool:
        return self.engine.is_trap(url)

    def permalink_comment_id(self, url: str) -> str | None:
        return self.engine.post_of(url)

    def page_number(self, page: Page) -> int:
        number = _page_of(self.engine, page) if _posts(self.engine, page) else None
        return max(number - 1, 0) if number else 0

    def article_key(self, page: Page) -> str:
        """The thread's first page: its pager's "1", else (on the first page) the canonical or
        the URL, else the URL without its page part."""
        ones = [u for n, u in self.engine.pager_links(page) if n == 1]
        if ones:
            return ones[0]
        return self.engine.thread_url(_canonical(page) or page.url)


class ForumThread(ThreadParser):
    """The replies of a thread page (the opening post is the article)."""

    threaded = False  # posts in time order; a reply only points back at the post it quotes

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def thread_xpath(self) -> str:  # type: ignore[override]  (per engine)
        return _PRUNE[self.engine.name]

    def comments_status(self, page: Page) -> str:
        return "html" if _posts(self.engine, page) else "none"

    def article(self, page: Page) -> ArticleMeta:
        meta = super().article(page)
        posts = _posts(self.engine, page)
        opening = posts[0] if posts and posts[0].opening else None
        if opening is not None:
            meta.author = self.engine.author(opening)
            meta.published = meta.published or self.engine.published(opening)
        meta.title = meta.title or titles_of.headline(page)
        return meta

    def parse(self, page: Page) -> list[Comment]:
        posts = _posts(self.engine, page)
        if not posts:
            return []
        opening = posts[0].pid if posts[0].opening else None
        out: list[Comment] = []
        for order, post in enumerate(posts):
            if post.opening:
                continue
            text = self.engine.text(post)
            if not text:
                continue  # an embed alone (a video): nothing to keep
            quoted = self.engine.quoted(post) - {post.pid}
            parent = next(iter(quoted)) if len(quoted) == 1 else None
            if parent is not None and parent == opening:
                parent = None
            out.append(Comment(
                comment_id=post.pid,
                parent_id=parent,
                author=self.engine.author(post),
                published=self.engine.published(post),
                text=text,
                permalink=self.engine.permalink(page, post),
                order=order,
            ))
        return out


# What is pruned from the article's body: every post but the opening one, and the posts' frames.
_PRUNE = {
    "xenforo": (f"(//article[{_c('message--post')}])[position() > 1]"
                f" | (//li[starts-with(@id, 'post-')][{_c('message')}])[position() > 1]"
                f" | //*[{_c('message-signature')} or {_c('signature')} or {_c('message-footer')}"
                f" or {_c('pageNav')} or {_c('PageNav')}]"),
    "vbulletin": ("(//*[starts-with(@id, 'post_message_')])[position() > 1]"
                  "/ancestor::*[starts-with(@id, 'post')][1]"
                  f" | (//li[{_c('b-post')}][@data-node-id])[position() > 1]"
                  f" | //*[{_c('signature')} or {_c('post-signature')} or {_c('pagenav')}"
                  f" or {_c('pagination')}]"),
    "phpbb": ("(//div[starts-with(@id, 'p') and string-length(@id) > 1"
              " and translate(substring(@id, 2), '0123456789', '') = '']"
              f"[.//div[{_c('postbody')}]]"
              f" | //div[{_c('post')}][a[starts-with(@id, 'p')]])[position() > 1]"
              f" | (//span[{_c('name')}]/a[@name])[position() > 1]/ancestor::tr[1]"
              f" | //*[{_c('signature')} or {_c('pagination')} or {_c('postprofile')}]"),
    "invision": ("(//article[starts-with(@id, 'elComment_')])[position() > 1]"
                 " | (//div[starts-with(@id, 'post_id_')])[position() > 1]"
                 f" | //*[{_c('cSignature')} or {_c('ipsPagination')} or {_c('cAuthorPane')}]"),
    "smf": ("(//div[starts-with(@id, 'msg_')][not(contains(substring-after(@id, 'msg_'), '_'))])"
            "[position() > 1]"
            f"/ancestor::*[.//*[{_c('poster')}]][1]"
            " | (//*[starts-with(@id, 'subject_')])[position() > 1]"
            "/ancestor::td[contains(@class, 'windowbg')][1]"
            f" | //*[{_c('signature')} or {_c('pagelinks')}]"),
    "vanilla": (f"//ul[{_c('Comments')}] | //li[{_c('ItemComment')}]"
                f" | //*[{_c('Signature')} or {_c('UserSignature')} or {_c('Pager')}]"),
}

ENGINES = (XenForo(), VBulletin(), PhpBB(), Invision(), SMF(), Vanilla())
PLATFORMS = tuple(Platform(e.name, ForumHints(e), ForumThread(e)) for e in ENGINES)
