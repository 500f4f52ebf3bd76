"""Blogger (Blogspot) blogs: the Blog widget's comment markup in layouts, themes and classic templates.

Blogger renders a post's comments server-side in one of a few shapes, whatever the theme:

- threaded (2011 on, `data:post.commentHtml`): `div.comment-thread > ol > li.comment`, each
  with its `div.comment-block` (`cite.user`, `span.datetime` linking the permalink,
  `p.comment-content`) and its replies in `div.comment-replies`, which hold another
  `comment-thread`. The comment id is `c<ID>` on the `li` (as served) or on its
  `div.comment-block` (as the comments script leaves it in a saved page).
- the layouts' flat list: `dl#comments-block`, one `dt.comment-author` (id and `a name` `c<ID>`,
  "<author> said...") then `dd.comment-body` and `dd.comment-footer` (the timestamp link) per
  comment; the 2017 themes' flat list is `div.comment#c<ID>` with `.comment-author`,
  `.comment-body`, `.comment-footer` inside `#comments-block`.
- classic templates (`<$BlogCommentBody$>` tags, no widgets): one element per comment holding
  the body and a byline with the permalink and `<$BlogCommentAuthor$>`; found from the
  permalinks, only where each comment is one repeated element holding one permalink.

Every permalink is the post URL plus `?showComment=<epoch ms>#c<ID>`: the milliseconds are the
comment's exact time (UTC). Such a URL serves the whole post page again, so the crawl hints
list no permalinks to fetch and treat `showComment` links as traps (as `?m=1`, the mobile copy
of a page); `permalink_comment_id` still names the comment of a permalink that carries its
`#c<ID>`. What the markup does not say:

- threads deeper than Blogger's one level of replies are shown flat under their thread's
  first comment (the comments script's `parentId` names the real parent, the markup does
  not): a reply's parent is the comment it is nested in;
- the threaded layout renders at most 200 comments; the rest only a script loads from the
  comment feed (no HTML page has them). The flat layouts page by `?commentPage=N`;
- the commenter's name is the author's choice ("Anonymous" when none is given).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urldefrag, urlencode, urlsplit, urlunsplit

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

_SHOW = re.compile(r"[?&]showComment=(\d{10,14})(?:[&#]|$)")
_CID = re.compile(r"^c(\d+)$")
_FRAGMENT = re.compile(r"#c(\d+)$")
_POST_PATH = re.compile(r"^/\d{4}/\d{2}/[^/]+\.html$")
_STATIC_PATH = re.compile(r"^/p/[^/]+\.html$")
_PAGE_TYPE = re.compile(r"""['"]pageType['"]\s*:\s*['"](\w+)['"]""")
# The Blog widget's data context (`_WidgetManager._SetDataContext`): JavaScript string literals.
_CONTEXT_FIELD = r"""['"]{}['"]\s*:\s*'((?:[^'\\]|\\.)*)'"""
_JS_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[0-7]{1,3}|.)", re.S)
_TRAP_PATH = re.compile(r"^/(?:search(?:/|$)|feeds/(?:\d+/)?comments/|feeds/\d+/\d+/comments/"
                        r"|comment(?:-iframe)?\.g$|delete-comment\.g$)")
_TRAP_QUERY = {"showComment", "widgetType", "updated-max", "updated-min", "reverse-paginate"}
_SERVICE_HOSTS = ("blogger.com", "accounts.google.com")  # sign-in, comment forms, profiles, admin
# The name Blogger gives a commenter who left none, in the blog's language.
_ANONYMOUS = {"Anonymous", "Anónimo", "Anônimo", "Anonyme", "Anonym", "Anonimo", "Anoniem",
              "Anonimowy", "\u0410\u043d\u043e\u043d\u0438\u043c"}
# `data:commentPostedByMsg` after the name in the flat layouts' `dt` ("Ann said..."), in the
# languages most blogs use; otherwise the last word before the ellipsis is dropped.
_SAID = re.compile(r"\s*(?:said|dijo|disse|a dit|hat gesagt|ha detto|zei|sa|sagde|skrev|sanoi"
                   r"|napisał\(a\)|dedi|berkata|menulis)\s*(?:\.\.\.|…|:)\s*$", re.I)
_LAST_WORD = re.compile(r"\s+\S+\s*(?:\.\.\.|…)\s*$")
_ASSETS = ("blogger.com/static/", "blogger.com/dyn-css/", "blogger.com/rsd.g", "blogger.com/feeds/",
           "blogblog.com/")
# Class names and ids of Blogger's own widgets and templates (b:widget Blog1, the item controls
# Blogger adds for the blog's admin, the comment form iframe, classic templates' comment icon).
_CLASSES = {"blog-admin", "item-control", "blog-posts", "post-body", "blogger-comment-from-post",
            "blogger-comment-icon", "comment-thread", "blogComment"}
_IDS = {"Blog1", "comments-block", "comment-holder", "Blog1_comments-block-wrapper"}
_EMBEDS = {"disqus_thread", "fb-comments"}
_SECTION_IDS = {"comment-holder", "comments-block", "comment-editor", "comment-form"}
_SECTION_CLASSES = {"comments-content", "blogger-comment-from-post", "comment-thread"}
_COMMENT_FORM_LINK = "//a[contains(@href, 'blogger.com/comment.g?') or contains(@href, '/comment/fullpage/')]"
_JUNK = (".//*[self::script or self::style or self::noscript or self::form"
         f" or {has_class('item-control')} or {has_class('comment-actions')}"
         f" or {has_class('interaction-iframe-guide')}]")
_THREADED = f"//li[{has_class('comment')}][ancestor::*[{has_class('comment-thread')}]]"
_DL = f"//dl[@id='comments-block' or {has_class('comments-block')}]"
_FLAT = (f"//*[@id='comments-block']//div[{has_class('comment')}][starts-with(@id, 'c')]"
         f"[.//*[{has_class('comment-body')}]]")
_OWN = f".//cite[{has_class('user')}] | .//*[{has_class('comment-content')}] | .//a[@href]"
_IN_POST = f"ancestor::*[{has_class('post-body')} or {has_class('entry-content')}]"
_HEADINGS = ".//h1 | .//h2 | .//h3 | .//h4"
_POST = f"//*[{has_class('post')} or {has_class('hentry')}][not(ancestor::*[@id='comments'])]"


def _show_ms(href: str) -> int | None:
    m = _SHOW.search(href)
    return int(m.group(1)) if m else None


def _moment(ms: int | None) -> datetime | None:
    """`showComment`'s epoch milliseconds as UTC (Blogger began in 1999)."""
    if ms is None or not 915_148_800_000 <= ms < 4_102_444_800_000:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def _shape(el: HtmlElement) -> tuple[str, str | None, HtmlElement | None]:
    return el.tag, el.get("class"), el.getparent()


def _name(text: str | None) -> str | None:
    name = " ".join((text or "").split())
    return None if not name or name in _ANONYMOUS else name


def _unjs(value: str) -> str:
    """A JavaScript string literal's content, then its HTML entities (`\\46amp;` is `&amp;`)."""

    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        if code[0] in "xu" and len(code) > 1:
            return chr(int(code[1:], 16))
        if code[0] in "01234567":
            return chr(int(code, 8))
        return {"n": "\n", "t": "\t", "r": "\r"}.get(code, code)

    return html.unescape(_JS_ESCAPE.sub(one, value))


def _context(page: Page, field: str) -> str | None:
    """A field of the Blog widget's data context (`'title'`, `'pageName'`...), first found."""
    pattern = re.compile(_CONTEXT_FIELD.format(re.escape(field)))
    for script in page.signals.scripts:
        if "_SetDataContext" in script and (m := pattern.search(script)):
            return " ".join(_unjs(m.group(1)).split()) or None
    return None


def _without(url: str, keys: Iterable[str]) -> str:
    parts = urlsplit(urldefrag(url)[0])
    drop = set(keys)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in drop]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _comment_page(url: str) -> int | None:
    for k, v in parse_qsl(urlsplit(url).query):
        if k == "commentPage" and v.isdigit() and v.isascii():
            return int(v[:6])
    return None


class BloggerHints(Hints):
    name = "blogger"

    def detect(self, page: Page) -> bool:
        """The generator Blogger writes, else Blogger's own assets together with its widgets'
        or templates' class names (a page that only shows a Blogspot image is no Blogger page)."""
        sig = page.signals
        if any(g.strip().lower() == "blogger" for g in sig.generators):
            return True
        if not any(any(a in u for a in _ASSETS) for u in sig.assets):
            return False
        return bool(sig.classes & _CLASSES or sig.ids & _IDS
                    or any("_WidgetManager._Init" in s for s in sig.scripts))

    def is_article(self, page: Page) -> bool:
        """The Blog widget's page type (`item` for a post, `static_page` for a page), the 2017
        themes' `item-view` body, or a post's or page's URL shape."""
        for script in page.signals.scripts:
            if "pageType" in script and (m := _PAGE_TYPE.search(script)):
                return m.group(1) in ("item", "static_page")
        body = page.tree.find("body")
        classes = set((body.get("class") or "").split()) if body is not None else set()
        if classes & {"item-view", "static-view"}:
            return True
        if classes & {"feed-view", "error-view"}:
            return False
        path = urlsplit(page.url).path
        return bool(_POST_PATH.match(path) or _STATIC_PATH.match(path))

    def article_links(self, page: Page) -> list[str]:
        hrefs = page.tree.xpath(f"{_POST}//*[{has_class('post-title')} or {has_class('entry-title')}]"
                                "//a/@href")
        own = urldefrag(page.url)[0]
        return [u for u in dict.fromkeys(absolute(page.url, hrefs))
                if u != own and _POST_PATH.match(urlsplit(u).path) and not self.is_trap(u)]

    def thread_pages(self, page: Page) -> Iterator[str]:
        """The flat layouts' comment pages (`?commentPage=N`, 1-based) this page links to, and
        those its pager leaves out between them; not this page again."""
        if "paging-control-container" not in page.signals.classes:
            return iter(())
        post, linked = self.article_key(page), {}
        for u in absolute(page.url, page.tree.xpath(
                f"//*[{has_class('paging-control-container')}]//a/@href")):
            if (n := _comment_page(u)) and _without(u, ["commentPage"]) == post:
                linked.setdefault(n, u)
        if not linked:
            return iter(())
        current = self.page_number(page) + 1
        parts = urlsplit(post)
        return (linked.get(n) or urlunsplit(parts._replace(
                    query=urlencode([*parse_qsl(parts.query), ("commentPage", str(n))])))
                for n in range(1, max(linked) + 1) if n != current)

    def is_trap(self, url: str) -> bool:
        """Blogger's service pages (sign-in, comment forms, delete links, profiles), comment
        feeds, `/search` (label and date listings: `?updated-max=` walks back without end,
        and Blogger's robots.txt disallows /search), the archive widget's toggles, and
        copies of a post page: `?showComment=` permalinks and `?m=1` mobile views."""
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
        except ValueError:
            return False
        if any(host == h or host.endswith("." + h) for h in _SERVICE_HOSTS):
            return True
        if _TRAP_PATH.match(parts.path):
            return True
        return bool(parts.query) and any(k in _TRAP_QUERY or (k == "m" and v in ("0", "1"))
                                         for k, v in parse_qsl(parts.query, keep_blank_values=True))

    def permalink_comment_id(self, url: str) -> str | None:
        """The `c<ID>` of a `?showComment=<ms>#c<ID>` permalink (without its fragment such a
        URL names a time, not a comment)."""
        m = _FRAGMENT.search(url)
        return m.group(1) if m and _SHOW.search(url.partition("#")[0]) else None

    def article_key(self, page: Page) -> str:
        return _without(self.canonical_url(page), ("showComment", "commentPage", "m"))

    def page_number(self, page: Page) -> int:
        n = _comment_page(page.url)
        return max(n - 1, 0) if n else 0


class BloggerThread(ThreadParser):
    # the layouts' `#comments`, the threaded holder, the flat list, classic templates' blocks
    thread_xpath = ("//*[@id='comments' or @id='comment-holder' or @id='comments-block'"
                    f" or {has_class('blogComments')}]")

    def article(self, page: Page) -> ArticleMeta:
        """The post's title, byline and `abbr.published` time as the Blog widget prints them;
        the blog's title from the widget's data context."""
        meta = super().article(page)
        tree = page.tree
        titles = tree.xpath(f"{_POST}//*[{has_class('post-title')}][self::h1 or self::h2 or self::h3]")
        title = " ".join(titles[0].text_content().split()) if titles else ""
        meta.title = _context(page, "pageName") or title or meta.title
        names = tree.xpath(f"{_POST}//*[{has_class('post-author')}]//*[{has_class('fn')}]"
                           f" | {_POST}//*[{has_class('post-author')}]//*[{has_class('g-profile')}]")
        meta.author = next(filter(None, (_name(n.text_content()) for n in names)), None)
        times = tree.xpath(f"{_POST}//abbr[{has_class('published')}]/@title"
                           f" | {_POST}//time[{has_class('published')}]/@datetime"
                           f" | {_POST}//*[{has_class('timestamp-link')}]//abbr/@title")
        meta.published = next(filter(None, map(utc, times)), None) or meta.published
        header = tree.xpath(f"//*[{has_class('Header')} or @id='header']//h1")
        meta.site_name = (page.meta.get("og:site_name") or _context(page, "title")
                          or (" ".join(header[0].text_content().split()) if header else None))
        return meta

    def comments_status(self, page: Page) -> str:
        """`html` when the comments, their list or Blogger's comment form (the embedded
        iframe, or the link to blogger.com's form) are in the page; `not_in_html` when a comment
        service replaced them; `unparsed` when comment permalinks are there but no layout read
        them; `none` otherwise (comments off: `#comments` then holds at most backlinks)."""
        sig = page.signals
        if self.parse(page):
            return "html"
        if sig.ids & _EMBEDS or sig.classes & _EMBEDS:
            return "not_in_html"
        if page.tree.xpath("//a[contains(@href, 'showComment=')][ancestor::*[@id='comments']]"):
            return "unparsed"
        if sig.ids & _SECTION_IDS or sig.classes & _SECTION_CLASSES or page.tree.xpath(_COMMENT_FORM_LINK):
            return "html"
        return "none"

    def parse(self, page: Page) -> list[Comment]:
        """The first layout that reads: threaded, the flat lists, then classic templates."""
        if (cached := page.memo.get("blogger.comments")) is not None:
            return cached
        sig = page.signals
        found: list[Comment] = []
        if "comment-thread" in sig.classes:
            found = self._threaded(page)
        if not found and "comments-block" in sig.ids | sig.classes:
            found = self._dl(page) or self._flat(page)
        if not found:
            found = self._classic(page)
        page.memo["blogger.comments"] = found
        return found

    # -- layouts ----------------------------------------------------------------------------

    def _threaded(self, page: Page) -> list[Comment]:
        nodes: dict[HtmlElement, str] = {}
        seen: set[str] = set()
        for li in page.tree.xpath(_THREADED):
            block = next(iter(li.xpath(f"*[{has_class('comment-block')}]")), None)
            ids = [li.get("id") or "", block.get("id") or "" if block is not None else ""]
            cid = next((m.group(1) for i in ids if (m := _CID.match(i))), None)
            if cid is None and block is not None:
                refs = block.xpath(".//a/@href")
                cid = next((m.group(1) for h in refs if (m := _FRAGMENT.search(h))), None)
            if cid is not None and cid not in seen:
                nodes[li] = cid
                seen.add(cid)
        out: list[Comment] = []
        for order, (li, cid) in enumerate(nodes.items()):
            parent = next((nodes[a] for a in li.iterancestors("li") if a in nodes), None)
            block = next(iter(li.xpath(f"*[{has_class('comment-block')}]")), li)
            own = [e for e in block.xpath(_OWN) if self._owner(e, nodes) is li]
            cites = [e for e in own if e.tag == "cite"]
            bodies = [e for e in own if e.tag != "cite" and e.tag != "a"]
            links = [e.get("href", "") for e in own if e.tag == "a"]
            if not bodies:
                continue
            out.append(self._comment(page, cid, parent, _name(cites[0].text_content()) if cites else None,
                                     bodies[0], links, order))
        return out

    def _dl(self, page: Page) -> list[Comment]:
        """`dt` then its `dd`s, per comment, in each comments-block list."""
        out: list[Comment] = []
        seen: set[str] = set()
        for dl in page.tree.xpath(_DL):
            groups: list[list[HtmlElement]] = []
            for child in dl.iterchildren("dt", "dd"):
                if child.tag == "dt":
                    groups.append([child])
                elif groups:
                    groups[-1].append(child)
            for dt, *dds in groups:
                links = [h for el in (dt, *dds) for h in el.xpath(".//a/@href")]
                cid = next((m.group(1) for i in [dt.get("id") or "", *dt.xpath(".//a/@name")]
                            if (m := _CID.match(i))), None)
                cid = cid or next((m.group(1) for h in links if (m := _FRAGMENT.search(h))), None)
                body = next((dd for dd in dds if any(c.startswith("comment-body")
                                                     for c in (dd.get("class") or "").split())), None)
                body = body if body is not None else next(
                    (dd for dd in dds if not {"comment-footer", "comment-timestamp"}
                     & set((dd.get("class") or "").split())), None)
                if cid is None or body is None or cid in seen:
                    continue
                seen.add(cid)
                out.append(self._comment(page, cid, None, self._said(dt), body, links, len(out)))
        return out

    def _flat(self, page: Page) -> list[Comment]:
        """The 2017 themes' `div.comment#c<ID>` list."""
        out: list[Comment] = []
        for el in page.tree.xpath(_FLAT):
            if not (m := _CID.match(el.get("id") or "")):
                continue
            authors = el.xpath(f".//*[{has_class('comment-author')}]")
            body = el.xpath(f".//*[{has_class('comment-body')}]")[0]
            out.append(self._comment(page, m.group(1), None, self._said(authors[0]) if authors else None,
                                     body, el.xpath(".//a/@href"), len(out)))
        return out

    def _classic(self, page: Page) -> list[Comment]:
        """Classic templates: the element around a permalink that holds no other comment's
        permalink is its comment; the comments are the largest set of such elements sharing
        one tag, class and parent (a post quoting a comment's link is left aside), each with a
        byline (the child holding the permalink) and a body besides it. Otherwise none."""
        anchors: list[tuple[str, HtmlElement]] = []
        for a in page.tree.iter("a"):
            href = a.get("href") or ""
            if "showComment=" in href and (m := _FRAGMENT.search(href)) and _show_ms(href) is not None:
                anchors.append((m.group(1), a))
        anchors = [(cid, a) for cid, a in anchors if not a.xpath(_IN_POST)]  # a post quoting one
        holders: dict[HtmlElement, set[str]] = {}
        for cid, a in anchors:
            for anc in a.iterancestors():
                ids = holders.setdefault(anc, set())
                if len(ids) > 1:
                    break  # and so are all further up
                ids.add(cid)
        found: dict[HtmlElement, tuple[str, HtmlElement]] = {}  # container: (id, its permalink)
        for cid, a in anchors:
            top = None
            for anc in a.iterancestors():
                if holders[anc] != {cid}:
                    break
                top = anc
            if top is not None and top.getparent() is not None:  # a lone permalink climbs to <html>
                found.setdefault(top, (cid, a))
        shapes = Counter(map(_shape, found))
        ranked = shapes.most_common(2)
        if not ranked or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
            return []  # no repeated element per comment, or two kinds as many: ambiguous
        shape = ranked[0][0]
        containers = {el: ca for el, ca in found.items() if _shape(el) == shape}
        if len({cid for cid, _ in containers.values()}) != len(containers) or any(
                el.xpath(_HEADINGS) for el in containers):
            return []  # a comment in two elements, or an element holding a post
        out: list[Comment] = []
        for el, (cid, a) in containers.items():
            byline = next(x for x in [a, *a.iterancestors()] if x.getparent() is el)
            if byline is a or byline.tag not in ("div", "p", "span", "small", "dd", "footer"):
                return []
            body = el.__copy__()
            body[list(el).index(byline)].drop_tree()
            for junk in body.xpath(".//a[@name]"):
                junk.drop_tree()
            names = [x for x in byline.xpath(".//a[@href]") if x is not a and (
                "nofollow" in (x.get("rel") or "") or "/profile/" in (x.get("href") or ""))]
            comment = self._comment(page, cid, None, _name(names[0].text_content()) if names else None,
                                    body, [a.get("href", "")], len(out))
            if not comment.text:
                return []
            out.append(comment)
        return out

    # -- fields -------------------------------------------------------------------------------

    @staticmethod
    def _owner(el: HtmlElement, nodes: dict[HtmlElement, str]) -> HtmlElement | None:
        return next((a for a in el.iterancestors("li") if a in nodes), None)

    @staticmethod
    def _comment(page: Page, cid: str, parent: str | None, author: str | None, body: HtmlElement,
                 links: list[str], order: int) -> Comment:
        """Time and permalink from the comment's `showComment` link (the first naming it)."""
        link = next((h for h in links if _show_ms(h) is not None and h.strip().endswith(f"#c{cid}")),
                    next((h for h in links if _show_ms(h) is not None), None))
        text = body.__copy__()
        for junk in text.xpath(_JUNK):
            junk.drop_tree()
        return Comment(
            comment_id=cid,
            parent_id=parent,
            author=author,
            published=_moment(_show_ms(link)) if link else None,
            text=block_text(text),
            permalink=join(page.url, link.strip()) if link else f"{urldefrag(page.url)[0]}#c{cid}",
            order=order,
        )

    @staticmethod
    def _said(el: HtmlElement) -> str | None:
        """The commenter in "<name> said...": a poster/user element, the name's link, the
        avatar's title where the text starts with it, else the text without the message."""
        for xpath in (f".//*[{has_class('comment-poster')}]", f".//cite[{has_class('user')}]"):
            if found := el.xpath(xpath):
                return _name(found[0].text_content())
        clone = el.__copy__()
        for junk in clone.xpath(".//script | .//noscript | .//a[@name]"
                                f" | .//*[{has_class('avatar-image-container')}]"):
            junk.drop_tree()
        for a in clone.xpath(".//a[@href]"):
            href = a.get("href") or ""
            if "showComment=" not in href and not href.startswith("#") and (name := _name(a.text_content())):
                return name
        text = " ".join(clone.text_content().split())
        for title in el.xpath(f".//*[{has_class('avatar-image-container')}]//img/@title"):
            if (title := " ".join(title.split())) and text.startswith(title):
                return _name(title)
        said = _SAID.sub("", text)
        return _name(said if said != text else _LAST_WORD.sub("", text))


PLATFORMS = (Platform("blogger", BloggerHints(), BloggerThread()),)
