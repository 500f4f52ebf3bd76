"""WordPress core comments: wp_list_comments() markup (HTML5 and HTML4 walkers, theme callbacks).

A comment is the element whose id is `comment-N` (`li-comment-N` in Twenty Twelve-style
callbacks) and whose classes come from comment_class(); replies nest in `.children`. Two
things the markup does not say outright:

- Replies deeper than the thread_comments_depth setting are listed after their parent at its
  level, not nested. The core walkers mark a comment with replies `parent`, so a `parent`
  without nested replies is followed by its first reply; which of the following comments are
  further replies and which are siblings cannot be told, so those get parent_known=False.
- WordPress pages a thread by top-level comment (a thread never spans two pages): page K is
  `post/comment-page-K/` (or `?cpage=K`); page 1 or the last page is the post URL itself,
  depending on default_comments_page, so the page number comes from the comment pager.

Permalinks (get_comment_link()) are the page listing the comment plus `#comment-N`: there is
no page of its own to fetch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit, urlunsplit

from lxml.html import HtmlElement

from .base import ArticleMeta, Comment, Hints, Platform, ThreadParser, absolute, block_text, has_class, utc
from .page import ARTICLE_TYPES, Page, schema_types

_ID = re.compile(r"^(?:li-|div-)?comment-(\d+)$")
_CPAGE = re.compile(r"/comment-page-(\d+)(/?)$")
_LAST_INT = re.compile(r"(\d+)\D*$")
_ANONYMOUS = "Anonymous"  # get_comment_author() for a comment without a name
_TRAP_PATH = re.compile(r"(?:^|/)(?:wp-login\.php|wp-signup\.php|wp-comments-post\.php|xmlrpc\.php"
                        r"|wp-admin(?:/|$)|trackback/?$)")
_TRAP_QUERY = {"replytocom", "unapproved", "moderation-hash", "like_comment"}
_PING = f"{has_class('pingback')} or {has_class('trackback')}"
_NODES = (f"//*[starts-with(@id, 'comment-') or starts-with(@id, 'li-comment-')]"
          f"[{has_class('comment')} or {_PING}][not(ancestor::form)]")
_NAV = (f"//*[@id='comments' or {has_class('comment-navigation')} or {has_class('comments-pagination')}"
        " or @id='comment-nav-above' or @id='comment-nav-below']")
_REPLY = f".//a[{has_class('comment-reply-link')} or {has_class('comment-reply-login')}]"
_META = " or ".join(has_class(c) for c in ("comment-author", "comment-meta", "commentmetadata",
                                           "comment-metadata", "reply", "comment-awaiting-moderation"))
_JUNK = (f".//*[self::script or self::style or self::form or {has_class('comment-likes')}"
         f" or {has_class('sharedaddy')} or {has_class('reply')}]")
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
_FORM_IDS = {"respond", "commentform"}
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


def _owner(el: HtmlElement) -> str | None:
    """The comment an element belongs to: its nearest ancestor with a comment id."""
    for anc in el.iterancestors():
        if m := _ID.match(anc.get("id") or ""):
            return m.group(1)
    return None


def _classes(el: HtmlElement) -> set[str]:
    return set((el.get("class") or "").split())


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
        return len(posts) == 1 and bool(tree.xpath("//*[@id='comments' or @id='respond']"))

    def article_links(self, page: Page) -> list[str]:
        posts = f"//*[starts-with(@id, 'post-') or {has_class('hentry')}]"
        hrefs = page.tree.xpath(f"{posts}//*[{has_class('entry-title')}]//a/@href")
        # classic themes: the post's heading links to it with rel=bookmark, no entry-title
        hrefs += page.tree.xpath(f"{posts}//*[self::h1 or self::h2 or self::h3]/a[@rel='bookmark']/@href")
        return list(dict.fromkeys(absolute(page.url, hrefs)))

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
    thread_xpath = "//*[@id='comments']"

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
        nodes: dict[str, HtmlElement] = {}
        for el in page.tree.xpath(_NODES):
            if (m := _ID.match(el.get("id") or "")) and m.group(1) not in nodes:
                nodes[m.group(1)] = el  # Twenty Twelve: li#li-comment-N holds article#comment-N
        cid_of = {el: cid for cid, el in nodes.items()}
        nested: dict[str, str | None] = {}
        for cid, el in nodes.items():
            nested[cid] = next((cid_of[a] for a in el.iterancestors() if a in cid_of), None)
        parents, known = self._flattened(nodes, nested)
        out: list[Comment] = []
        for order, (cid, el) in enumerate(nodes.items()):
            if _classes(el) & {"pingback", "trackback"}:
                continue
            out.append(Comment(
                comment_id=cid,
                parent_id=parents[cid] if known[cid] else None,
                author=self._author(el, cid),
                published=next(filter(None, (utc(t.get("datetime")) for t in
                                             self._own(el, cid, ".//time[@datetime]"))), None),
                text=self._text(el, cid),
                permalink=self._permalink(el, cid, url),
                order=order,
                parent_known=known[cid],
            ))
        page.memo["wordpress.comments"] = out
        return out

    @staticmethod
    def _own(el: HtmlElement, cid: str, xpath: str) -> list[HtmlElement]:
        """Matches inside this comment but not inside its replies."""
        return [e for e in el.xpath(xpath) if _owner(e) == cid]

    def _flattened(self, nodes: dict[str, HtmlElement], nested: dict[str, str | None]
                   ) -> tuple[dict[str, str | None], dict[str, bool]]:
        """(parent, known) per comment: nesting, corrected for replies listed flat at max depth."""
        parents, known = dict(nested), dict.fromkeys(nodes, True)
        with_kids = set(nested.values())
        runs: dict[HtmlElement | None, list[str]] = {}
        for cid, el in nodes.items():
            runs.setdefault(el.getparent(), []).append(cid)
        if any("parent" in _classes(el) for el in nodes.values()):  # core walkers mark it
            for run in runs.values():
                flat = False
                for prev, cid in zip([None, *run], run, strict=False):
                    if prev is not None and "parent" in _classes(nodes[prev]) and prev not in with_kids:
                        parents[cid], flat = prev, True
                    elif flat:
                        parents[cid], known[cid] = None, False
            return parents, known
        # Theme callbacks without `parent`: the level without reply links is the maximum depth.
        level: dict[str, int] = {}
        for cid in nodes:  # document order: a parent comes before its replies
            level[cid] = 0 if nested[cid] is None else level[nested[cid]] + 1
        replying = {level[cid] for cid, el in nodes.items() if self._own(el, cid, _REPLY)}
        if replying:
            deepest = max(replying) + 1
            for run in runs.values():
                for cid in run[1:]:
                    if level[cid] == deepest:
                        parents[cid], known[cid] = None, False
        return parents, known

    def _author(self, el: HtmlElement, cid: str) -> str | None:
        names = self._own(el, cid, f".//*[{has_class('fn')}]")
        name = " ".join(names[0].text_content().split()) if names else ""
        return None if not name or name == _ANONYMOUS else name

    def _text(self, el: HtmlElement, cid: str) -> str:
        content = self._own(el, cid, f".//*[{has_class('comment-content')}]")
        if content:
            body = content[0].__copy__()
        else:  # HTML4 walker: comment_text() sits beside the author and date in div.comment-body
            body = next(iter(el.xpath(f"*[@id='div-comment-{cid}']")), el).__copy__()
            for junk in body.xpath(f".//*[{_META}] | .//*[starts-with(@id, 'comment-') or "
                                   f"{has_class('children')}]"):
                junk.drop_tree()
        for junk in body.xpath(_JUNK):
            junk.drop_tree()
        return block_text(body)

    def _permalink(self, el: HtmlElement, cid: str, url: str) -> str:
        for a in self._own(el, cid, ".//a[@href]"):
            if a.get("href", "").strip().endswith(f"#comment-{cid}"):
                return urljoin(url, a.get("href").strip())
        return f"{urldefrag(url)[0]}#comment-{cid}"


PLATFORMS = (Platform("wordpress", WordPressHints(), WordPressThread()),)
