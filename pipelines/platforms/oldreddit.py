"""Old Reddit (old.reddit.com and other sites on reddit's r2 code): a post and its comment tree.

r2 renders every comment as a `div.thing.comment` (`data-fullname="t1_<id>"`) whose replies
sit in its `div.child`, so nesting gives the parent. A thread page shows at most a few hundred
comments and ten levels: deeper replies are behind "continue this thread", a GET link to the
permalink page of the last comment shown; missing siblings are behind "load more comments", a
JavaScript POST whose `onclick` names their ids, each of which has a permalink page too.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from lxml import etree
from lxml.html import HtmlElement

from .base import ArticleMeta, Comment, Hints, Platform, ThreadParser, absolute, block_text, has_class, utc
from .page import Page

# /r/SUB/comments/POSTID/slug/ and a comment's /r/SUB/comments/POSTID/slug/COMMENTID/
_THREAD = re.compile(
    r"^(?P<post>(?:/r/[^/]+)?/comments/[a-z0-9]+)(?:/(?P<slug>[^/]*)(?:/(?P<cid>[a-z0-9]+))?)?/?$"
)
_FULLNAME = re.compile(r"^(?:thing_)?t1_([a-z0-9]+)$")
_MORE = re.compile(r"morechildren\(\s*this\s*,\s*'t3_[a-z0-9]+'\s*,\s*'[^']*'\s*,\s*'([a-z0-9_,\s]+)'")
_DELETED = {"[deleted]", "[removed]"}
# Forms, accounts, messages, awards and the API, anywhere; under /r/: the other listings and
# sort orders of the same posts, the subreddit's search, wiki and about pages.
_TRAP_PATH = re.compile(
    r"^/(?:login|logout|register|submit|prefs|password|api|post/\w+|message/(?:compose|messages|inbox)"
    r"|user|u)(?:/|$)"
    r"|^/r/[^/]+/(?:submit|search|about|wiki|user|new|rising|controversial|top|gilded|random)(?:/|$)"
)
_TRAP_QUERY = {"sort", "context", "depth", "t", "limit", "feature"}
_COMMENT = (f"div[{has_class('thing')}][{has_class('comment')}]"
            f"[not({has_class('morechildren')} or {has_class('morerecursion')})]")
_AREA = f"//div[{has_class('commentarea')}]"
_LINK = f"div[{has_class('thing')}][{has_class('link')}]"
_SELF = f"{_LINK}[.//div[{has_class('expando')}]//div[{has_class('md')}]]"
_TIME = f"p[{has_class('tagline')}]/time[not({has_class('edited-timestamp')})]/@datetime"
_BUTTONS = f"./ul[{has_class('buttons')}]"
_BASE = Hints()  # the canonical URL when no link names the post
# compiled once: a thread page has hundreds of comments
_COMMENTS_IN = etree.XPath(f".//{_COMMENT}")
_ENTRY = etree.XPath(f"./div[{has_class('entry')}]")
_PERMALINK = etree.XPath(f"@data-permalink | ./div[{has_class('entry')}]/ul[{has_class('buttons')}]"
                         "//a[@data-event-action='permalink']/@href")
_MD = etree.XPath(f"./form//div[{has_class('usertext-body')}]/div[{has_class('md')}]")
_DATES = etree.XPath(f"./{_TIME}")
_AUTHOR = etree.XPath(f"./p[{has_class('tagline')}]/a[{has_class('author')}]/text()")
# the post's title line and tagline: in its entry's div.top-matter (older r2: in the entry)
_TOP = f"(./div[{has_class('entry')}] | ./div[{has_class('entry')}]/div[{has_class('top-matter')}])"
_POST_TITLE = etree.XPath(f"{_TOP}/p[{has_class('title')}]/a[{has_class('title')}]")
_POST_AUTHOR = etree.XPath(f"{_TOP}/p[{has_class('tagline')}]/a[{has_class('author')}]/text()")


def _thread_parts(url: str) -> tuple[str, str | None] | None:
    """(the post's URL, the comment id or None) of a thread or comment permalink URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not (m := _THREAD.match(parts.path)):
        return None
    post = m["post"] + "/" + (f"{m['slug']}/" if m["slug"] else "")
    return urlunsplit((parts.scheme, parts.netloc, post, "", "")), m["cid"]


def _post(page: Page) -> HtmlElement | None:
    """The post's own thing (t3_), outside the comment area."""
    if "oldreddit.post" not in page.memo:
        posts = page.tree.xpath(f"//{_LINK}[starts-with(@data-fullname, 't3_')]"
                                f"[not(ancestor::div[{has_class('commentarea')}])]")
        page.memo["oldreddit.post"] = posts[0] if posts else None
    return page.memo["oldreddit.post"]


def _area(page: Page) -> HtmlElement | None:
    """The comment area (`div.commentarea`), or None on a listing page."""
    if "oldreddit.area" not in page.memo:
        areas = page.tree.xpath(_AREA)
        page.memo["oldreddit.area"] = areas[0] if areas else None
    return page.memo["oldreddit.area"]


def _article_key(page: Page) -> str:
    """The post's permalink: r2 puts it on the post's thing; the canonical link names
    www.reddit.com even on old.reddit.com, so it only comes second."""
    tree, url = page.tree, page.url
    post = _post(page)
    own = post.xpath(f"@data-permalink | .//a[{has_class('comments')}]/@href") if post is not None else []
    hrefs = [*own, *tree.xpath("//link[@rel='canonical']/@href"), url]
    for u in absolute(url, hrefs):
        if parts := _thread_parts(u):
            return parts[0]
    return _BASE.article_key(page)


def _page_number(page: Page) -> int:
    """0 for the thread page, 1 for a single comment's thread (a continuation)."""
    parts = _thread_parts(page.url)
    if parts and parts[1]:
        return 1
    return int(bool(page.tree.xpath(f"{_AREA}/div[{has_class('infobar')}][contains(., 'single comment')]")))


def _author(node: HtmlElement, names: list[str]) -> str | None:
    """The username r2 shows in a thing's tagline, else its data-author; None when deleted."""
    name = names[0].strip() if names else (node.get("data-author") or "").strip()
    return None if not name or name in _DELETED else name


class OldRedditHints(Hints):
    name = "oldreddit"

    def detect(self, page: Page) -> bool:
        tree, sig = page.tree, page.signals  # a necessary condition first: no full-page XPath on other sites
        if not ({"sitetable", "thing"} <= sig.classes or "header-img" in sig.ids):
            return False
        if tree.xpath(f"//div[{has_class('sitetable')}]/div[{has_class('thing')}]"
                      "[starts-with(@data-fullname, 't3_') or starts-with(@data-fullname, 't1_')]"):
            return True  # r2's listing markup, whoever runs it
        return bool(tree.xpath("//*[@id='header-img'][contains(., 'reddit')]")) and bool(
            tree.xpath(f"//body[{has_class('listing-page')} or {has_class('comments-page')}]"))

    def is_article(self, page: Page) -> bool:
        return _post(page) is not None and _area(page) is not None

    def article_links(self, page: Page) -> list[str]:
        tree, url = page.tree, page.url
        hrefs = tree.xpath(f"//{_LINK}/@data-permalink | //{_LINK}//a[{has_class('comments')}]/@href")
        found = (_thread_parts(u) for u in absolute(url, hrefs))
        return list(dict.fromkeys(p[0] for p in found if p and p[1] is None))

    def index_pages(self, page: Page) -> list[str]:
        hrefs = page.tree.xpath(f"//span[{has_class('next-button')}]/a/@href")
        return list(dict.fromkeys(absolute(page.url, hrefs)))

    def thread_pages(self, page: Page) -> list[str]:
        """The GET pages behind this page's cuts: "continue this thread" links, and the
        permalink page of each comment "load more comments" would fetch by POST."""
        tree, url = page.tree, page.url
        key = _article_key(page)
        deep = tree.xpath(f"{_AREA}//span[{has_class('deepthread')}]/a/@href"
                          f" | {_AREA}//div[{has_class('morerecursion')}]//a/@href")
        ids = [p[1] for p in map(_thread_parts, absolute(url, deep)) if p and p[1]]
        for onclick in tree.xpath(f"{_AREA}//a[contains(@onclick, 'morechildren(')]/@onclick"):
            if m := _MORE.search(onclick):
                ids += [i.strip() for i in m[1].split(",") if i.strip() and i.strip() != "_"]
        return [f"{key}{cid}/" for cid in dict.fromkeys(ids)]

    def permalinks(self, page: Page) -> list[str]:
        """On a single comment's page the spider follows permalinks only: its own cuts."""
        return self.thread_pages(page) if _page_number(page) else []

    def is_trap(self, url: str) -> bool:
        parts = urlsplit(url)
        if _TRAP_PATH.match(parts.path):
            return True
        if parts.path.startswith("/gold") and "goldtype=" in parts.query:
            return True
        reddit_path = parts.path.startswith("/r/") or _THREAD.match(parts.path) is not None
        keys = {k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
        return reddit_path and bool(keys & _TRAP_QUERY)

    def permalink_comment_id(self, url: str) -> str | None:
        """None: a comment's permalink page is no copy of a thread page but the only page of
        its subtree's deeper or cut replies, so it is read in full like a thread page."""
        return None

    def article_key(self, page: Page) -> str:
        return _article_key(page)

    def page_number(self, page: Page) -> int:
        return _page_number(page)


class OldRedditThread(ThreadParser):
    # The thread, and the chrome trafilatura would mix into a short self text: the header, the
    # sidebar, the footer and, around a self post's text, its title line, score and buttons (a
    # link post keeps them: its title is all there is).
    thread_xpath = (
        f"{_AREA} | //div[@id='header'] | //div[{has_class('side')}] | //div[{has_class('footer-parent')}]"
        f" | //{_SELF}/*[not({has_class('entry')})]"
        f" | //{_SELF}/div[{has_class('entry')}]/*[not({has_class('expando')})]"
    )

    def comments_status(self, page: Page) -> str:
        """r2 renders the thread server-side (only "load more" needs script): a page with a
        comment area has its thread in the HTML, one without (a listing) has none."""
        return "html" if _area(page) is not None else "none"

    def article(self, page: Page) -> ArticleMeta:
        """The post's title link (the `<title>` adds " : subreddit"), its submitter as
        comments name theirs, and its submission time."""
        meta = super().article(page)
        post = _post(page)
        if post is None:
            return meta
        titles = [" ".join(a.text_content().split()) for a in _POST_TITLE(post)]
        meta.title = next(filter(None, titles), None) or meta.title
        meta.author = _author(post, _POST_AUTHOR(post))
        dates = post.xpath(f".//{_TIME}")
        if found := next(filter(None, map(utc, dates)), None):
            meta.published = found
        else:
            ms = post.get("data-timestamp", "")
            meta.published = datetime.fromtimestamp(int(ms) / 1000, timezone.utc) if ms.isdigit() else None
        return meta

    def parse(self, page: Page) -> list[Comment]:
        """Parents from nesting; the top comment of a single comment's page names its parent
        in its "parent" button, which r2 leaves out for a top-level comment (its embed button
        then says `data-root="true"`) and for a deleted parent (then the parent is unknown)."""
        if (cached := page.memo.get("oldreddit.comments")) is not None:
            return cached
        area = _area(page)
        if area is None:
            return []
        url = page.url
        single, key = _page_number(page) > 0, _article_key(page)
        ids: dict[HtmlElement, str | None] = {}
        out: list[Comment] = []
        for order, node in enumerate(_COMMENTS_IN(area)):
            ids[node] = cid = self._id(node)
            if cid is None:  # r2 gives a deleted comment no id: its replies' parent is unknown
                continue
            entry = next(iter(_ENTRY(node)), node)
            up = next((a for a in node.iterancestors("div") if a in ids), None)  # earlier in document order
            if up is not None:
                parent, known = ids[up], ids[up] is not None
            elif not single:
                parent, known = None, True
            else:  # r2's embed button says whether the comment is top level (`data-root`)
                parent = self._parent_button(entry, url)
                roots = entry.xpath(f"{_BUTTONS}//a[{has_class('embed-comment')}]/@data-root")
                known = parent is not None or roots[:1] == ["true"]
            permalink = next((f"{p[0]}{p[1]}/" for p in map(_thread_parts, absolute(url, _PERMALINK(node)))
                              if p and p[1] == cid), f"{key}{cid}/")
            mds = _MD(entry)
            out.append(Comment(
                comment_id=cid,
                parent_id=parent,
                author=_author(node, _AUTHOR(entry)),
                published=next(filter(None, map(utc, _DATES(entry))), None),
                text=block_text(mds[0]) if mds else "",
                permalink=permalink,
                order=order,
                parent_known=known,
            ))
        page.memo["oldreddit.comments"] = out
        return out

    @staticmethod
    def _id(node: HtmlElement) -> str | None:
        for value in (node.get("data-fullname"), node.get("id")):
            if value and (m := _FULLNAME.match(value)):
                return m[1]
        names = node.xpath(f"./p[{has_class('parent')}]/a/@name")
        return names[0] if names and re.fullmatch(r"[a-z0-9]+", names[0]) else None

    @staticmethod
    def _parent_button(entry: HtmlElement, url: str) -> str | None:
        for href in entry.xpath(f"{_BUTTONS}//a[@data-event-action='parent']/@href"):
            if re.fullmatch(r"#[a-z0-9]+", href.strip()):
                return href.strip()[1:]
            if (parts := next(map(_thread_parts, absolute(url, [href])), None)) and parts[1]:
                return parts[1]
        return None


PLATFORMS = (Platform("oldreddit", OldRedditHints(), OldRedditThread()),)
