"""Hacker News (news.ycombinator.com and its Arc clones): item pages, `table.comment-tree` rows."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urljoin, urlsplit

from lxml.html import HtmlElement

from .base import ArticleMeta, Comment, Hints, Platform, ThreadParser, absolute, block_text, has_class, utc
from .page import Page

_FAT = f"//table[{has_class('fatitem')}]//tr[{has_class('athing')}]"
_STORY_ROW = f"tr[{has_class('athing')}][td[{has_class('title')}]][not({has_class('comtr')})]"
_ID = re.compile(r"^\d+$")
_EPOCH = re.compile(r"^\d{9,11}$")
# What HN shows instead of a comment's text; the comment still holds its place in the tree.
_PLACEHOLDERS = {"[deleted]", "[flagged]", "[dead]"}
# Action and account URLs (path -> the query key each carries; None: any query).
_TRAPS = {"/vote": "id", "/hide": "id", "/fave": "id", "/flag": "id", "/reply": "id", "/edit": "id",
          "/delete-confirm": "id", "/context": "id", "/user": "id", "/threads": "id", "/submitted": "id",
          "/favorites": "id", "/from": "site", "/x": "fnid", "/r": "fnid", "/login": None,
          "/logout": None, "/submit": None, "/submitlink": None}


def _query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def _item_id(href: str) -> str | None:
    """The id of an `item?id=N` link (relative or absolute), else None."""
    path = urlsplit(href).path
    if path != "item" and not path.endswith("/item"):
        return None
    item = _query(href).get("id", "")
    return item if _ID.match(item) else None


def hn_time(title: str | None) -> datetime | None:
    """`span.age[title]`: "2024-02-02T16:06:38 1706889998" (UTC, then the epoch) or, before
    2024, the ISO part alone; HN states its times in UTC, so a missing offset means UTC."""
    if not title or not title.strip():
        return None
    iso, _, epoch = title.strip().partition(" ")
    if _EPOCH.match(epoch.strip()):
        return datetime.fromtimestamp(int(epoch), timezone.utc)
    if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?", iso):
        return datetime.fromisoformat(iso).replace(tzinfo=timezone.utc)
    return utc(iso)


def _story(page: Page) -> HtmlElement | None:
    """The story row of an item page (its `table.fatitem`); None on a comment's own page.
    Once per page (every hint asks), and no search on a page without `fatitem`."""
    if "hackernews.story" not in page.memo:
        rows = (page.tree.xpath(f"//table[{has_class('fatitem')}]//{_STORY_ROW}")
                if "fatitem" in page.signals.classes else [])
        page.memo["hackernews.story"] = rows[0] if rows else None
    return page.memo["hackernews.story"]


def _story_id(page: Page) -> str | None:
    if (story := _story(page)) is not None:
        return story.get("id") if _ID.match(story.get("id") or "") else None
    # a comment's own page names its story: "on: <a href="item?id=STORY">title</a>"
    for href in page.tree.xpath(f"{_FAT}//span[{has_class('onstory')}]//a/@href"):
        if found := _item_id(href):
            return found
    return None


def _focus(page: Page) -> str | None:
    """On a comment's own page, that comment's id: its replies' rows start at indent 0."""
    if _story(page) is not None:
        return None
    ids = [i for i in page.tree.xpath(f"{_FAT}/@id") if _ID.match(i)]
    return ids[0] if ids else None


def _subtext(story: HtmlElement) -> HtmlElement | None:
    """The story's subtext cell (points, submitter, age, comments): the row after its title row."""
    cells = story.xpath(f"following-sibling::tr[1]//td[{has_class('subtext')}]")
    return cells[0] if cells else None


def _name(users: list[HtmlElement]) -> str | None:
    return (" ".join(users[0].text_content().split()) or None) if users else None


class HackerNewsHints(Hints):
    name = "hackernews"

    def detect(self, page: Page) -> bool:
        sig = page.signals  # a necessary condition first: no full-page XPath on other sites
        if not ("hnmain" in sig.ids or {"pagetop", "hnname"} <= sig.classes or (
                "athing" in sig.classes and any(a.startswith("news.css") for a in sig.assets))):
            return False
        return bool(page.tree.xpath(
            f"//table[@id='hnmain'] | //span[{has_class('pagetop')}]/b[{has_class('hnname')}]"
            f" | //link[@rel='stylesheet'][starts-with(@href, 'news.css')]"
            f"[//tr[{has_class('athing')}]]"
        ))

    def is_article(self, page: Page) -> bool:
        # A comment's own page repeats part of a thread its story's pages hold: not an article.
        return _story(page) is not None

    def article_links(self, page: Page) -> list[str]:
        # The item page holds the thread (the title may link off-site): by the row's id.
        tree = page.tree
        ids = tree.xpath(f"//{_STORY_ROW}[not(ancestor::table[{has_class('fatitem')}])]/@id")
        ids += [_story_id(page) or ""] if tree.xpath(_FAT) else []
        return list(dict.fromkeys(urljoin(page.url, f"item?id={i}") for i in ids if _ID.match(i)))

    def index_pages(self, page: Page) -> list[str]:
        if page.tree.xpath(_FAT):
            return []
        hrefs = page.tree.xpath(f"//a[{has_class('morelink')}]/@href")
        return [u for u in dict.fromkeys(absolute(page.url, hrefs)) if not self.is_trap(u)]

    def thread_pages(self, page: Page) -> list[str]:
        # HN links only the next page ("More", `item?id=N&p=2`): each page names the one after it.
        sid = _story_id(page)
        if sid is None or _story(page) is None:
            return []
        pages = [self.article_key(page)]
        for url in absolute(page.url, page.tree.xpath(f"//a[{has_class('morelink')}]/@href")):
            if _item_id(url) == sid and not self.is_trap(url):
                pages.append(url)
        return list(dict.fromkeys(pages))

    def permalinks(self, page: Page) -> list[str]:
        # One pass: `//tr[comtr]//span...` is quadratic in libxml2 (node-set merges).
        hrefs = page.tree.xpath(
            f"//span[{has_class('age')}][ancestor::span[{has_class('comhead')}]]/a/@href")
        return [u for u in dict.fromkeys(absolute(page.url, hrefs)) if _item_id(u)]

    def is_trap(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.path not in _TRAPS:
            return False
        key = _TRAPS[parts.path]
        return key is None or key in _query(url)

    def article_key(self, page: Page) -> str:
        sid = _story_id(page) or _item_id(page.url)
        return urljoin(page.url, f"item?id={sid}") if sid else super().article_key(page)

    def page_number(self, page: Page) -> int:
        number = _query(page.url).get("p", "")
        return int(number) - 1 if number.isdigit() and int(number) > 0 and _story(page) is not None else 0


class HackerNewsThread(ThreadParser):
    # The thread, and the chrome the table layout would mix into the story's text: the top
    # bar, the subtext and form rows, the footer; the title row too, unless it is all there is
    # (a link post without text).
    thread_xpath = (
        f"//table[{has_class('comment-tree')}] | //span[{has_class('pagetop')}]"
        f" | //table[{has_class('fatitem')}]//tr[not(.//div[{has_class('toptext')}])]"
        f"[//div[{has_class('toptext')}] or not({has_class('athing')})]"
        f" | //span[{has_class('sitebit')}] | //span[{has_class('yclinks')}] | //form"
        f" | //a[{has_class('morelink')}]"
    )

    def article(self, page: Page) -> ArticleMeta:
        """The story's title link (the `<title>` adds " | Hacker News"), its submitter (the
        `.hnuser` of its subtext, as comments name theirs), its age, and the site's name."""
        meta = super().article(page)
        names = page.tree.xpath(f"//b[{has_class('hnname')}]//a")
        meta.site_name = (" ".join(names[0].text_content().split()) or None) if names else None
        if (story := _story(page)) is None:
            return meta
        links = (story.xpath(f".//span[{has_class('titleline')}]/a")  # 2022+
                 or story.xpath(f".//a[{has_class('titlelink')} or {has_class('storylink')}]")
                 or story.xpath(f"./td[{has_class('title')}][last()]/a"))  # before classes
        meta.title = next(filter(None, (" ".join(a.text_content().split()) for a in links)),
                          None) or meta.title
        subtext = _subtext(story)
        if subtext is None:
            return meta
        meta.author = _name(subtext.xpath(f".//a[{has_class('hnuser')}]"))
        ages = subtext.xpath(f".//span[{has_class('age')}]/@title")
        meta.published = next(filter(None, map(hn_time, ages)), None)
        return meta

    def comments_status(self, page: Page) -> str:
        return "html"  # HN renders every thread server-side

    def parse(self, page: Page) -> list[Comment]:
        """Rows are flat: the parent comes from the row's "parent" link, else from indentation
        (the last row one level up on this page); a continuation page's first replies whose
        parent is on an earlier page and which name none are `parent_known=False`."""
        tree, url = page.tree, page.url
        story, focus = _story_id(page), _focus(page)
        out: list[Comment] = []
        at_level: dict[int, str] = {}
        rows = tree.xpath(f"//table[{has_class('comment-tree')}]//tr[{has_class('athing')}]"
                          f" | //tr[{has_class('athing')}][{has_class('comtr')}]")
        if focus is not None:  # a comment's own page: the comment itself, then its replies
            rows = tree.xpath(_FAT)[:1] + rows
        for order, row in enumerate(rows):
            cid = row.get("id") or ""
            if not _ID.match(cid):
                continue
            head = row.xpath(f".//span[{has_class('comhead')}]")
            if not head:
                continue
            indent = -1 if cid == focus else self._indent(row)
            parent, known = self._parent_link(head[0]), True
            if parent == story:
                parent = None
            elif parent is None and indent is None:
                known = False
            elif parent is None and indent == 0:
                parent = focus
            elif parent is None and indent is not None and indent > 0:
                parent = at_level.get(indent - 1)
                known = parent is not None
            if indent is not None:
                at_level[indent] = cid
                for deeper in [k for k in at_level if k > indent]:
                    del at_level[deeper]
            ages = head[0].xpath(f".//span[{has_class('age')}]")
            hrefs = ages[0].xpath("./a/@href") if ages else []
            links = [u for u in absolute(url, hrefs) if _item_id(u) == cid]
            out.append(Comment(
                comment_id=cid,
                parent_id=parent,
                author=_name(head[0].xpath(f".//a[{has_class('hnuser')}]")),
                published=hn_time(ages[0].get("title")) if ages else None,
                text=self._text(row),
                permalink=links[0] if links else urljoin(url, f"item?id={cid}"),
                order=order,
                parent_known=known,
            ))
        return out

    @staticmethod
    def _indent(row: HtmlElement) -> int | None:
        """Depth: `td.ind[indent]` (2020+), else the spacer image, 40 pixels a level."""
        ind = row.xpath(f".//td[{has_class('ind')}]")
        if not ind:
            return None
        if (value := ind[0].get("indent") or "").isdigit():
            return int(value)
        widths = ind[0].xpath("./img/@width")
        return int(widths[0]) // 40 if widths and widths[0].isdigit() else None

    @staticmethod
    def _parent_link(head: HtmlElement) -> str | None:
        """The "parent" nav link: `#ID` in a thread, `item?id=ID` on a comment's own page."""
        for link in head.xpath(".//a[normalize-space()='parent']"):
            href = (link.get("href") or "").strip()
            if href.startswith("#") and _ID.match(href[1:]):
                return href[1:]
            if found := _item_id(href):
                return found
        return None

    @staticmethod
    def _text(row: HtmlElement) -> str:
        bodies = row.xpath(f".//*[{has_class('commtext')}]") or row.xpath(f".//div[{has_class('comment')}]")
        if not bodies:
            return ""
        clone = bodies[0].__copy__()
        for junk in clone.xpath(f".//*[{has_class('reply')}] | .//a[starts-with(@href, 'reply?')]"):
            junk.drop_tree()
        text = block_text(clone)
        return "" if text in _PLACEHOLDERS else text


PLATFORMS = (Platform("hackernews", HackerNewsHints(), HackerNewsThread()),)
