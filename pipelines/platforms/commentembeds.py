"""Comment services' server-rendered threads: the copy of the thread a plugin prints for
readers and crawlers without JavaScript, which the service's script replaces on load.

A page with such a service belongs to two platforms: the service, whose fallback holds the
comments, and the CMS around it (WordPress, Movable Type, a newsroom's own), which knows the
article, its thread pages and its traps. A platform here claims a page only when its fallback
holds comments; the crawl hints and the article's metadata are then the CMS's: the first
platform after these in the registry that recognises the page (WordPress, for the fallbacks
only WordPress plugins print, when none does). An embed whose thread a script loads (an empty
`div#disqus_thread`, IntenseDebate's `#IDCommentsPostTitle` wrapper, Echo/JS-Kit's
`js-kit-comments` or `echo-stream`) is left to the CMS's platform, which says `not_in_html`.

- Disqus, its "Disqus Comment System" WordPress plugin (2.x): `div#disqus_thread >
  div#dsq-content > ul#dsq-comments`, one `li#dsq-comment-N` per comment (comment_class()
  classes from 2.6x on), the author in `#dsq-author-user-N` (a link when the commenter gave a
  website; older versions also echo that URL as bare text before it, inside the `cite`), the
  text in `div#dsq-comment-message-N`, no time. Replies are in `ul.children`: the plugin's
  callback closes its `li` before the comment walker opens the replies' list, so the list is
  the next sibling of its parent's `li` (inside it when the callback leaves the `li` open).
  Pingbacks are `li.pingback` without an id. 2.11 renders from Disqus's API: N is Disqus's
  post id, with an anchor `div#comment-N` before each comment.
- Livefyre, the SEO bootstrap HTML its WordPress plugin (and other sites) print in
  `#lf_comment_stream`: v1 is `div#livefyre ... div#lf_comments > div.lf_comment_container
  #lf_comment_N[comment_id=N][reply_parent=M]`, the author `a.lf_comment_user_nick`, the text
  `div.lf_body`; its date label is empty, and the bootstrap JSON's times have no timezone.
  v3 is `article.fyre-comment-article`, `a.fyre-comment-username`, `div.fyre-comment`, replies
  inside the `div.fyre-comment-replies` of their parent; no ids, so one from the content.
- IntenseDebate, its WordPress plugin: `div#idc-container` (for the script) then
  `div#idc-noscript` around the theme's own comments template, so the comments are
  WordPress's, read by the WordPress parser.
- Echo (JS-Kit) prints no thread of its own: nothing here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import ClassVar
from urllib.parse import urldefrag

from lxml.html import HtmlElement

from .base import ArticleMeta, Comment, Hints, Platform, ThreadParser, block_text, has_class, utc
from .page import Page
from .wordpress import WordPressThread

_ANONYMOUS = "Anonymous"  # WordPress's get_comment_author() for a comment without a name
# -- Disqus
_DSQ_ROOTS = ("//*[@id='disqus_thread' or @id='dsq-content']"
              "[not(ancestor::*[@id='disqus_thread' or @id='dsq-content'])]")
_DSQ_MESSAGE = re.compile(r"^dsq-comment-message-(\d+)$")
# -- Livefyre
_LF_V1 = (f"//div[{has_class('lf_comment_container')}]"
          "[@comment_id or starts-with(@id, 'lf_comment_')]")
_LF_V1_ID = re.compile(r"^lf_comment_(\d+)$")
_LF_LEVEL = re.compile(r"^lf_level_(\d+)$")
_LF_V3 = f"//*[{has_class('fyre-comment-article')}]"
_LF_V3_JUNK = (f".//*[self::script or self::style or {has_class('fyre-comment-replies')}"
               f" or {has_class('fyre-comment-footer')}]")
# -- IntenseDebate: wp_list_comments() markup (wordpress.py's comment nodes) in its fallback
_IDC_NODES = (f"//*[@id='idc-noscript']//*[starts-with(@id, 'comment-') or starts-with(@id, 'li-comment-')]"
              f"[{has_class('comment')} or {has_class('pingback')} or {has_class('trackback')}]")
_WP_ID = re.compile(r"^(?:li-|div-)?comment-(\d+)$")
_WORDPRESS = WordPressThread()


def _words(el: HtmlElement | None) -> str | None:
    if el is None:
        return None
    return " ".join(el.text_content().split()) or None


def _page_url(page: Page) -> str:
    return urldefrag(page.url)[0]


@cache
def _later() -> tuple[Platform, ...]:
    """The registry's platforms after these: the CMSs a comment service sits in."""
    from . import PLATFORMS  # lazily: the registry imports this module

    last = max(i for i, p in enumerate(PLATFORMS) if isinstance(p.hints, EmbedHints))
    return PLATFORMS[last + 1 :]


class EmbedHints(Hints):
    """A comment service's hints: detection by its fallback's markup, the crawl by the page's
    own platform (its article, thread pages, permalinks and traps)."""

    # the platform to crawl the page as when no other recognises it (None: generic)
    cms: ClassVar[str | None] = None

    def found(self, page: Page) -> bool:
        """Does the page hold this service's rendered comments? (cheap: no parse)"""
        raise NotImplementedError

    def detect(self, page: Page) -> bool:
        key = f"{self.name}.detected"
        if (known := page.memo.get(key)) is None:
            known = page.memo[key] = self.found(page)
        return known

    def underlying(self, page: Page) -> Platform:
        """The platform of the page around the service's thread."""
        key = f"{self.name}.underlying"
        if (known := page.memo.get(key)) is None:
            from . import BY_NAME, GENERIC  # lazily: the registry imports this module

            fallback = BY_NAME[self.cms] if self.cms else GENERIC
            known = page.memo[key] = next((p for p in _later() if p.hints.detect(page)), fallback)
        return known

    def is_article(self, page: Page) -> bool:
        # services print their thread on one article's page (WordPress: comments_template())
        return self.detect(page) or self.underlying(page).hints.is_article(page)

    def article_links(self, page: Page) -> list[str]:
        return self.underlying(page).hints.article_links(page)

    def index_pages(self, page: Page) -> list[str]:
        return self.underlying(page).hints.index_pages(page)

    def thread_pages(self, page: Page) -> Iterable[str]:
        return self.underlying(page).hints.thread_pages(page)

    def permalinks(self, page: Page) -> list[str]:
        return self.underlying(page).hints.permalinks(page)

    def is_trap(self, url: str) -> bool:
        """Without the page, which CMS a URL belongs to is unknown: a trap on any of them."""
        return any(p.hints.is_trap(url) for p in _later())

    def permalink_comment_id(self, url: str) -> str | None:
        return next((cid for p in _later() if (cid := p.hints.permalink_comment_id(url)) is not None), None)

    def article_key(self, page: Page) -> str:
        return self.underlying(page).hints.article_key(page)

    def page_number(self, page: Page) -> int:
        return self.underlying(page).hints.page_number(page)


class EmbedThread(ThreadParser):
    """A service's comments; the article as the page's own platform states it."""

    def __init__(self, hints: EmbedHints) -> None:
        self.hints = hints

    def article(self, page: Page) -> ArticleMeta:
        return self.hints.underlying(page).thread.article(page)

    def comments_status(self, page: Page) -> str:
        if self.parse(page):
            return "html"
        return self.hints.underlying(page).thread.comments_status(page)

    def parse(self, page: Page) -> list[Comment]:
        key = f"{self.hints.name}.comments"
        if (cached := page.memo.get(key)) is None:
            cached = page.memo[key] = self.read(page) if self.hints.detect(page) else []
        return cached

    def read(self, page: Page) -> list[Comment]:
        raise NotImplementedError


# -- Disqus ----------------------------------------------------------------------------------


class DisqusHints(EmbedHints):
    name = "disqus"
    cms = "wordpress"  # the fallback is the WordPress plugin's

    def found(self, page: Page) -> bool:
        ids = page.signals.ids
        return ("disqus_thread" in ids or "dsq-content" in ids) and any(
            i.startswith("dsq-comment-message-") for i in ids)


class DisqusThread(EmbedThread):
    thread_xpath = f"//*[@id='disqus_thread' or @id='dsq-content'] | //a[{has_class('dsq-brlink')}]"

    def read(self, page: Page) -> list[Comment]:
        """Comments by their message's id; parents from the `ul.children` they sit in."""
        url = _page_url(page)
        out: list[Comment] = []
        for root in page.tree.xpath(_DSQ_ROOTS):
            ids = {i: el for el in root.iter() if (i := el.get("id"))}
            messages = [(m.group(1), el) for i, el in ids.items() if (m := _DSQ_MESSAGE.match(i))]
            items = {ids.get(f"dsq-comment-{cid}", el): cid for cid, el in messages}
            for cid, message in messages:
                parent, known = self._parent(ids.get(f"dsq-comment-{cid}", message), items, root)
                author = _words(ids.get(f"dsq-author-user-{cid}"))
                anchor = f"comment-{cid}" if f"comment-{cid}" in ids else f"dsq-comment-{cid}"
                out.append(Comment(
                    comment_id=cid, parent_id=parent, parent_known=known,
                    author=None if author == _ANONYMOUS else author,
                    published=None,  # the fallback prints no time
                    text=block_text(message),
                    permalink=f"{url}#{anchor}",
                    order=len(out),
                ))
        return out

    @staticmethod
    def _parent(item: HtmlElement, items: dict[HtmlElement, str], root: HtmlElement
                ) -> tuple[str | None, bool]:
        """The comment whose `li` holds this one, or whose `li` the replies' list follows."""
        for up in item.iterancestors():
            if up is root:
                return None, True
            if up in items:
                return items[up], True
            if "children" in (up.get("class") or "").split() and up.getparent() not in items:
                before = next((s for s in up.itersiblings(preceding=True) if s in items), None)
                return (items[before], True) if before is not None else (None, False)
        return None, True


# -- Livefyre --------------------------------------------------------------------------------


class LivefyreHints(EmbedHints):
    name = "livefyre"

    def found(self, page: Page) -> bool:
        classes = page.signals.classes
        return ("lf_comment_container" in classes and "lf_body" in classes) or (
            "fyre-comment-article" in classes and "fyre-comment" in classes)


class LivefyreThread(EmbedThread):
    # (and the plugin's own list of pingbacks, `#lf_pings`, after the stream)
    thread_xpath = (f"//*[@id='livefyre' or @id='lf_comment_stream' or @id='lf_pings'"
                    f" or {has_class('fyre-comment-stream')}] | //*[{has_class('fyre-comment-article')}]")

    def read(self, page: Page) -> list[Comment]:
        return self._v1(page) or self._v3(page)

    def _v1(self, page: Page) -> list[Comment]:
        """Ids and reply-to from the containers' attributes, else from nesting."""
        url = _page_url(page)
        nodes: dict[HtmlElement, str] = {}
        for el in page.tree.xpath(_LF_V1):
            m = _LF_V1_ID.match(el.get("id") or "")
            if cid := (el.get("comment_id") or "").strip() or (m.group(1) if m else ""):
                nodes.setdefault(el, cid)
        out: list[Comment] = []
        for el, cid in nodes.items():
            nested = next((nodes[a] for a in el.iterancestors() if a in nodes), None)
            parent = (el.get("reply_parent") or "").strip() or nested
            level = next((int(m.group(1)) for c in (el.get("class") or "").split()
                          if (m := _LF_LEVEL.match(c))), 1)
            known = parent is not None or level <= 1
            bodies = self._own(el, nodes, f".//*[{has_class('lf_body')}]")
            if not bodies:
                continue
            out.append(Comment(
                comment_id=cid, parent_id=parent, parent_known=known,
                author=_words(next(iter(self._own(el, nodes, f".//*[{has_class('lf_comment_user_nick')}]")),
                                   None)),
                published=None,  # an empty label: the script fills it in
                text=block_text(bodies[0]),
                permalink=f"{url}#{el.get('id')}" if el.get("id") else None,
                order=len(out),
            ))
        return out

    def _v3(self, page: Page) -> list[Comment]:
        """Replies nest in their parent's article; ids from the content (the markup has none)."""
        nodes = page.tree.xpath(_LF_V3)
        members = set(nodes)
        cids: dict[HtmlElement, str] = {}
        out: list[Comment] = []
        for el in nodes:
            texts = self._own(el, members, f".//*[{has_class('fyre-comment')}]")
            if not texts:
                continue
            body = texts[0].__copy__()
            for junk in body.xpath(_LF_V3_JUNK):
                junk.drop_tree()
            text = block_text(body)
            author = _words(next(iter(self._own(el, members, f".//*[{has_class('fyre-comment-username')}]")),
                                 None))
            cid = "h" + hashlib.sha1(f"{author}\n{text}".encode()).hexdigest()[:12]
            if cid in cids.values():
                cid = f"{cid}-{len(out)}"
            cids[el] = cid
            up = next((a for a in el.iterancestors() if a in members), None)
            out.append(Comment(
                comment_id=cid,
                parent_id=cids.get(up) if up is not None else None,
                parent_known=up is None or up in cids,
                author=author,
                published=self._time(el, members),
                text=text,
                permalink=None,  # the service's own permalinks are made by its script
                order=len(out),
            ))
        return out

    @staticmethod
    def _own(el: HtmlElement, members: set[HtmlElement] | dict[HtmlElement, str], xpath: str
             ) -> list[HtmlElement]:
        """Matches inside this comment, not inside its replies."""
        return [e for e in el.xpath(xpath)
                if next((a for a in e.iterancestors() if a in members), None) is el]

    def _time(self, el: HtmlElement, members: set[HtmlElement]) -> datetime | None:
        for t in self._own(el, members, f".//time[{has_class('fyre-comment-date')}][@datetime]"):
            if when := utc(t.get("datetime")):
                return when
        return None


# -- IntenseDebate ---------------------------------------------------------------------------


class IntenseDebateHints(EmbedHints):
    name = "intensedebate"
    cms = "wordpress"  # #idc-noscript is the WordPress plugin's

    def found(self, page: Page) -> bool:
        return "idc-noscript" in page.signals.ids and bool(page.tree.xpath(_IDC_NODES))


class IntenseDebateThread(EmbedThread):
    thread_xpath = "//*[@id='idc-noscript' or @id='idc-container']"

    def read(self, page: Page) -> list[Comment]:
        """WordPress's comments, those in the plugin's fallback."""
        inside = {m.group(1) for el in page.tree.xpath(_IDC_NODES) if (m := _WP_ID.match(el.get("id") or ""))}
        # (not those WordPress's parser reads no text from: a theme it misreads)
        return [c for c in _WORDPRESS.parse(page) if c.comment_id in inside and c.text]


def _platform(hints: EmbedHints, thread: type[EmbedThread]) -> Platform:
    return Platform(hints.name, hints, thread(hints))


PLATFORMS = (
    _platform(DisqusHints(), DisqusThread),
    _platform(LivefyreHints(), LivefyreThread),
    _platform(IntenseDebateHints(), IntenseDebateThread),
)
