"""Renders a content.Site as old Reddit (old.reddit.com, reddit's r2 templates): one subreddit,
every article a self post, its comments cut as r2's CommentBuilder cuts them (sort=old).

A thread page shows at most 200 comments and stops at depth 10: the rest hide behind "load
more comments" (a JavaScript POST naming the missing replies' ids) and "continue this thread"
(a GET link to the permalink page of the deepest comment shown). Deleted comments show as
[deleted], and deleted ones without replies not at all (r2's keep_item).
"""

# ruff: noqa: RUF001, RUF003  (r2's own en dash in "[–]")

from __future__ import annotations

import gzip
import heapq
import re
import unicodedata
from datetime import datetime, timezone
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from demosite.content import Article, Comment, Site
from demosite.toolkit import Page, blocks_html, esc

SUB = "DemoHerald"
MAX_COMMENTS = 200  # r2 builder: the comment limit of a thread page
MAX_DEPTH = 10  # r2 builder.MAX_RECURSION: depths 0-9 shown, then "continue this thread"
LINKS_PER_PAGE = 25
HTML, ATOM = "text/html; charset=UTF-8", "application/atom+xml; charset=UTF-8"
NOW = datetime(2018, 3, 1, tzinfo=timezone.utc)  # "… ago" is relative to this, not to the clock
ROBOTS_DISALLOW = ("/api", "/post", "/submit", "/goto", "/login", "/message/compose", f"/r/{SUB}/submit",
                   "/search", f"/r/{SUB}/search")
HEADERS = (("x-frame-options", "SAMEORIGIN"), ("x-content-type-options", "nosniff"),
           ("x-xss-protection", "1; mode=block"), ("cache-control", "max-age=0, must-revalidate"),
           ("Server", "snooserv"),
           ("Set-Cookie", "loid=00000000000d8s1k2q.2.1518061500000.Z0FBQUFBQmFlX; Max-Age=63071999; Path=/; "
                          "expires=Sat, 08-Feb-2020 03:45:00 GMT; secure"),
           ("Set-Cookie", "session_tracker=qkdpnhkbmdlqgfjmbh.0.1518061500000.Z0FBQUFBQmFlX; Path=/; "
                          "expires=Thu, 08-Feb-2018 05:45:00 GMT; secure"))
ARROWS = """<div class="midcol unvoted" ><div class="arrow up login-required access-required" data-event-action="upvote" role="button" aria-label="upvote" tabindex="0" ></div>{score}<div class="arrow down login-required access-required" data-event-action="downvote" role="button" aria-label="downvote" tabindex="0" ></div></div>"""  # noqa: E501
THING = """<div class=" thing id-t1_{first} {kind}   " id="thing_t1_{first}" onclick="click_thing(this)" data-fullname="t1_{first}" data-type="{kind}"><p class="parent"></p><div class="entry unvoted">{body}</div><div class="clearleft"></div></div><div class="clearleft"></div>"""  # noqa: E501
MORE = """<span class="morecomments"><a style="font-size: smaller; font-weight: bold" class="button" id="more_t1_{first}" href="javascript:void(0)" onclick="return morechildren(this, 't3_{pid}', 'old', '{ids}', {depth})">load more comments<span class="gray">&nbsp;({count} {replies})</span></a></span>"""  # noqa: E501
COMMENT = """<div class=" thing id-t1_{cid} noncollapsed  {deleted} comment " id="thing_t1_{cid}" onclick="click_thing(this)" data-fullname="t1_{cid}" data-type="comment" data-gildings="0" data-subreddit="{sub}" data-subreddit-prefixed="r/{sub}" data-subreddit-fullname="t5_3k2cq" data-subreddit-type="public"{author} data-replies="{replies}" data-permalink="{perma}" ><p class="parent">{anchor}</p>{arrows}<div class="entry unvoted"><p class="tagline"><a href="javascript:void(0)" class="expand" onclick="return togglecomment(this)">[–]</a>{who}{time}{edited}&nbsp;<a href="javascript:void(0)" class="numchildren" onclick="return togglecomment(this)">({replies} {children})</a></p><form action="#" class="usertext warn-on-unload" onsubmit="return post_form(this, 'editusertext')" id="form-t1_{cid}{x}"><input type="hidden" name="thing_id" value="t1_{cid}"/><div class="usertext-body may-blank-within md-container " ><div class="md">{body}</div>
</div></form><ul class="flat-list buttons">{buttons}</ul><div class="reportform report-t1_{cid}"></div></div><div class="child" >{child}</div><div class="clearleft"></div></div><div class="clearleft"></div>"""  # noqa: E501
BUTTONS = """<li class="first"><a href="{base}{perma}" data-event-action="permalink" class="bylink" rel="nofollow" >permalink</a></li><li><a href="javascript:void(0)" data-comment="{perma}" data-media="www.redditmedia.com" data-link="{post}" data-root="{root}" data-title="{title}" class="embed-comment">embed</a></li><li class="comment-save-button save-button login-required"><a href="javascript:void(0)">save</a></li>{parent}<li class="report-button login-required"><a href="javascript:void(0)" class="reportbtn access-required" data-event-action="report">report</a></li><li class="give-gold-button"><a href="{base}/gold?goldtype=gift&amp;months=1&amp;thing=t1_{cid}" title="give reddit gold in appreciation of this post." class="give-gold login-required access-required gold-give-gold" data-event-action="gild" data-event-detail="comment" >give gold</a></li><li class="reply-button login-required"><a class="access-required" href="javascript:void(0)" data-event-action="comment" onclick="return reply(this)">reply</a></li>"""  # noqa: E501
LINK = """<div class=" thing id-t3_{pid} {zebra} link self" id="thing_t3_{pid}" onclick="click_thing(this)" data-fullname="t3_{pid}" data-type="link" data-gildings="0" data-author="{author}" data-author-fullname="t2_{uid}" data-subreddit="{sub}" data-subreddit-prefixed="r/{sub}" data-subreddit-fullname="t5_3k2cq" data-subreddit-type="public" data-timestamp="{ms}" data-url="{path}" data-permalink="{path}" data-domain="self.{sub}" data-rank="{rank}" data-comments-count="{n}" data-score="{score}" data-promoted="false" data-nsfw="false" data-spoiler="false" data-oc="false" data-num-crossposts="0" data-context="{context}" ><p class="parent"></p><span class="rank">{rank}</span>{arrows}<div class="entry unvoted"><div class="top-matter"><p class="title"><a class="title may-blank " data-event-action="title" href="{path}" tabindex="1" >{title}</a>&#32;<span class="domain">(<a href="/r/{sub}/">self.{sub}</a>)</span></p><p class="tagline ">submitted&#32;{time}&#32;by&#32;<a href="{base}/user/{author}" class="author may-blank id-t2_{uid}" >{author}</a><span class="userattrs"></span>{to}</p><ul class="flat-list buttons"><li class="first"><a href="{base}{path}" data-event-action="comments" class="bylink comments may-blank" rel="nofollow" >{comments}</a></li><li class="share"><a class="post-sharing-button" href="javascript: void 0;" role="button">share</a></li><li class="link-save-button save-button login-required"><a href="#">save</a></li><li><form action="/post/hide" method="post" class="state-button hide-button"><span><a href="javascript:void(0)" data-event-action="hide" onclick="change_state(this, 'hide', hide_thing);">hide</a></span></form></li><li class="report-button login-required"><a href="javascript:void(0)" class="reportbtn access-required" data-event-action="report">report</a></li></ul><div class="reportform report-t3_{pid}"></div></div>{expando}</div><div class="child" ></div><div class="clearleft"></div></div><div class="clearleft"></div>"""  # noqa: E501
EXPANDO = """<div class="expando " ><form action="#" class="usertext warn-on-unload" onsubmit="return post_form(this, 'editusertext')" id="form-t3_{pid}5hc"><input type="hidden" name="thing_id" value="t3_{pid}"/><div class="usertext-body may-blank-within md-container " ><div class="md">{body}</div>
</div></form></div>"""  # noqa: E501
AREA = """<div class='commentarea' ><div class="panestack-title"><span class="title">all {n} comments</span></div><div class="menuarea"><div class="spacer"><span class="dropdown-title lightdrop">sorted by: </span><div class="dropdown lightdrop" onclick="open_menu(this)"><span class="selected">old</span></div><div class="drop-choices lightdrop">{sorts}</div></div></div>{info}<div class="sitetable nestedlisting" id="siteTable_t3_{pid}">{comments}</div></div>"""  # noqa: E501
INFOBAR = """<div class="infobar">you are viewing a single comment's thread.<p><a href="{url}">view the rest of the comments</a>&nbsp;&#8594;</p></div>"""  # noqa: E501
SHELL = """<!doctype html><html xmlns="http://www.w3.org/1999/xhtml" lang="en" xml:lang="en"><head><title>{title}</title><meta name="keywords" content=" reddit, reddit.com, vote, comment, submit " /><meta name="referrer" content="always"><meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />{head}<meta property="og:site_name" content="reddit"><meta name="viewport" content="width=1024"><link rel="stylesheet" href="//www.redditstatic.com/reddit.Fl2Gx_1y9p8.css" type="text/css" media="all"><script type="text/javascript" id="config">r.setup({{"ajax_domain": "old.reddit.com", "logged": false, "cur_domain": "reddit.com", "renderstyle": "html", "post_site": "{sub}"}});</script></head><body class="{body_class} loggedout" ><div id="header" role="banner"><a tabindex="1" href="#content" id="jumpToContent">jump to content</a><div id="sr-header-area"><div class="width-clip"><div class="sr-list"><ul class="flat-list sr-bar hover" ><li ><a href="{base}/r/popular/" class="choice" >popular</a></li><li ><span class="separator">-</span><a href="{base}/r/all/" class="choice" >all</a></li></ul></div></div></div><div id="header-bottom-left"><a href="/" id="header-img" class="default-header" title="">reddit.com</a>&nbsp;<span class="hover pagename redditname"><a href="{base}/r/{sub}/">{sub}</a></span><ul class="tabmenu " >{tabs}</ul></div><div id="header-bottom-right"><span class="user">Want to join?&#32;<a href="{base}/login" class="login-required login-link">Log in or sign up</a>&#32;in seconds.</span></div></div><div class="side"><div class="spacer"><form action="{base}/r/{sub}/search" id="search" role="search"><input type="text" name="q" placeholder="search" /><input type="checkbox" name="restrict_sr" /></form></div><div class="spacer"><div class="sidebox submit submit-text"><div class="morelink"><a href="{base}/r/{sub}/submit?selftext=true" class="login-required access-required" data-event-action="submit" >Submit a new text post</a></div></div></div><div class="spacer"><div class="titlebox"><h1 class="hover redditname"><a href="{base}/r/{sub}/" class="hover" >{sub}</a></h1><div class="usertext-body may-blank-within md-container"><div class="md"><p>{site}, discussed.</p></div></div><a href="{base}/message/compose?to=%2Fr%2F{sub}" class="access-required" data-event-action="message" >message the moderators</a></div></div></div><a name="content"></a><div class="content" role="main">{content}</div><div class="footer-parent"><div class="footer rounded"><div class="bottommenu">Use of this site constitutes acceptance of our User Agreement and Privacy Policy. &copy; 2018 reddit inc. All rights reserved.</div></div></div></body></html>
"""  # noqa: E501
LOGIN = """<form id="login-form" method="post" action="/post/login" class="form-v2"><input type="text" name="user" /><input type="password" name="passwd" /><button type="submit">log in</button></form>"""  # noqa: E501
ENTRY = """<entry><author><name>/u/{author}</name><uri>{base}/user/{author}</uri></author><category term="{sub}" label="r/{sub}"/><content type="html">{content}</content><id>t3_{pid}</id><link href="{base}{path}" /><updated>{when}</updated><published>{when}</published><title>{title}</title></entry>"""  # noqa: E501
FEED = """<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><category term="{sub}" label="r/{sub}"/><updated>{when}</updated><id>/r/{sub}/.rss</id><link rel="self" href="{base}/r/{sub}/.rss" type="application/atom+xml" /><link rel="alternate" href="{base}/r/{sub}/" type="text/html" /><title>{sub}</title>{entries}</feed>
"""  # noqa: E501


def to36(n: int) -> str:
    digits = ""
    while n:
        n, r = divmod(n, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[r] + digits
    return digits or "0"


def title_to_url(title: str, max_length: int = 50) -> str:
    """r2 utils.title_to_url, after unicode_title_to_ascii's transliteration."""
    t = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    t = re.sub(r"_+", "_", re.sub(r"\W+", "", re.sub(r"\s+", "_", t))).strip("_").lower()
    if len(t) > max_length:
        t = t[:max_length]
        t = t[: t.rfind("_")] if t.rfind("_") > 0 else t
    return t or "_"


def username(name: str) -> str:
    """Reddit names are letters, digits, - and _ only."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_")


def ago(dt: datetime) -> str:
    for unit, secs in (("month", 2592000), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if (n := int((NOW - dt).total_seconds() // secs)) >= 1:
            return f"{n} {unit}{'s' * (n != 1)} ago"
    return "just now"


def stamp(dt: datetime, cls: str = "live-timestamp", text: str = "") -> str:
    """utils.html timestamp(): the title in reddit's long format, the ISO datetime in UTC."""
    u = dt.astimezone(timezone.utc)
    return (f'<time title="{u:%a %b} {u.day} {u:%H:%M:%S %Y} UTC" datetime="{u.isoformat()}" class="{cls}">'
            f"{text or ago(dt)}</time>")


def page(body: str, ctype: str = HTML, *, status: str = "200 OK", mode: str = "") -> Page:
    raw = body.encode()
    head = [("Content-Type", ctype), *HEADERS, ("Vary", "accept-encoding")]
    return Page(status, "".join(f"{k}: {v}\r\n" for k, v in head).encode("latin-1"), raw,
                gzip.compress(raw, 6, mtime=0), mode)


def scores(score: int, tag: str = "span", unit: bool = True) -> str:
    """The three scores r2 prints (the stylesheet shows the one matching the reader's vote)."""
    out = []
    for cls, v in (("dislikes", score - 1), ("unvoted", score), ("likes", score + 1)):
        text = f"{v} point{'s' * (v != 1)}" if unit else str(v)
        out.append(f'<{tag} class="score {cls}" title="{v}">{text}</{tag}>')
    return "".join(out)


class OldReddit:
    """Every page a crawl needs is built up front; other comment permalinks on demand."""

    def __init__(self, site: Site, base_url: str) -> None:
        self.site, self.base = site, base_url.rstrip("/")
        arts = (*site.articles, site.gone, site.broken)
        self.pid = {a.nid: to36(int("7vw000", 36) + (a.nid - 611000) * 7) for a in arts}
        self.path = {a.nid: f"/r/{SUB}/comments/{self.pid[a.nid]}/{title_to_url(a.title)}/" for a in arts}
        self.by_pid = {self.pid[a.nid]: a for a in site.articles}
        self.newest = sorted(site.articles, key=lambda a: a.published, reverse=True)
        self.byc: dict[int, Comment] = {c.cid: c for a in site.articles for c in a.comments}
        self.id_cid = {self.cid36(cid): cid for cid in self.byc}
        self.nid_of = {c.cid: a.nid for a in site.articles for c in a.comments}
        self.kids: dict[tuple[int, int | None], list[Comment]] = {}
        for a in site.articles:
            for c in a.comments:
                self.kids.setdefault((a.nid, c.pid), []).append(c)
        self.ndesc: dict[int, int] = {}  # r2's num_children: all descendants
        for a in site.articles:
            for c in sorted(a.comments, key=lambda c: -c.depth):
                self.ndesc[c.cid] = sum(1 + self.ndesc[k.cid] for k in self.kids.get((a.nid, c.cid), []))
        self.hidden = {cid for cid, c in self.byc.items() if c.name is None and not self.ndesc[cid]}
        self.pages: dict[str, Page] = {"/robots.txt": page(self.robots(), "text/plain; charset=UTF-8")}
        self.views: dict[int, list[tuple[list[int], list[str]]]] = {}
        for a in site.articles:
            html, order, links = self.thread(a, None)
            mode = a.role if a.role in ("slow", "chunked") else ""
            self.pages[self.path[a.nid]] = page(html, mode=mode)
            self.views[a.nid] = views = [(order, links)]
            todo, seen = list(links), set()
            while todo:  # the pages those link to, and theirs
                if (url := todo.pop(0)) in seen:
                    continue
                seen.add(url)
                html, order, more = self.thread(a, self.byc[self.id_cid[url.rstrip("/").rsplit("/", 1)[1]]])
                self.pages[url.removeprefix(self.base)] = page(html)
                views.append((order, more))
                todo += more
        count = max(1, -(-len(self.newest) // LINKS_PER_PAGE))
        for p in range(count):
            self.pages[self.listing_target(p)] = page(self.listing(p, count))
        self.pages[f"/r/{SUB}/.rss"] = page(self.feed(), ATOM, mode="chunked")
        self.pages[self.path[site.gone.nid]] = self.error("404 Not Found", "page not found")
        self.pages[self.path[site.broken.nid]] = self.error("503 Service Unavailable",
                                                            "all of our servers are busy right now")
        self._cache: dict[str, Page] = {}

    @staticmethod
    def cid36(cid: int) -> str:
        return to36(int("du0a000", 36) + cid * 29)

    def listing_target(self, p: int) -> str:
        last = self.newest[p * LINKS_PER_PAGE - 1]
        return f"/r/{SUB}/" + f"?count={p * LINKS_PER_PAGE}&after=t3_{self.pid[last.nid]}" * bool(p)

    def lookup(self, target: str) -> Page:
        path = target.partition("?")[0]
        if (hit := self.pages.get(target) or self._cache.get(target)) is not None:
            return hit
        m = re.fullmatch(rf"/r/{SUB}/comments/(\w+)(?:/[^/]*)?(?:/(\w+))?/?", path)
        if m and (a := self.by_pid.get(m[1])) is not None:
            if not m[2]:  # any slug, any ?sort=: the thread
                return self.pages[self.path[a.nid]]
            cid = self.id_cid.get(m[2], 0)
            if self.nid_of.get(cid) == a.nid and cid not in self.hidden:
                key = f"{self.path[a.nid]}{m[2]}/"
                return self.pages.get(key) or self._remember(target, page(self.thread(a, self.byc[cid])[0]))
        if path in (f"/r/{SUB}/", f"/r/{SUB}", "/"):  # the front page: the one subreddit's listing
            return self.pages[self.listing_target(0)]
        if re.fullmatch(r"/(login|register|submit|gold|message/compose/?|r/\w+/submit|user/[\w-]+/?)", path):
            return self._remember(target, page(self.shell("reddit.com: log in", LOGIN, "login-page")))
        return self._remember(target, self.error("404 Not Found", "page not found"))

    def _remember(self, target: str, p: Page) -> Page:
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[target] = p
        return p

    # --- r2's CommentBuilder and the templates ----------------------------------------------

    def thread(self, a: Article, focus: Comment | None) -> tuple[str, list[int], list[str]]:
        """The page of a thread (focus None) or of one comment's subtree: html, the comments in
        document order, and the GET pages of what was cut (continuations, load-more ids)."""
        off, top = (focus.depth if focus else 0), self.kids.get((a.nid, None), [])
        heap = [c.cid for c in ([focus] if focus else top) if c.cid not in self.hidden]
        heapq.heapify(heap)
        shown: set[int] = set()
        while heap and len(shown) < MAX_COMMENTS:  # sort=old: the oldest candidate first
            c = self.byc[heapq.heappop(heap)]
            shown.add(c.cid)
            if c.depth - off + 1 < MAX_DEPTH:
                for k in self.kids.get((a.nid, c.cid), []):
                    if k.cid not in self.hidden:
                        heapq.heappush(heap, k.cid)
        order: list[int] = []
        links: list[str] = []
        url = self.base + self.path[a.nid]

        def more(ids: list[int], depth: int) -> str:
            links.extend(f"{url}{self.cid36(i)}/" for i in ids)
            count = sum(1 + self.ndesc[i] for i in ids)
            first = self.cid36(ids[0])
            body = MORE.format(first=first, pid=self.pid[a.nid], ids=",".join(map(self.cid36, ids)),
                               depth=depth, count=count, replies="replies" if count != 1 else "reply")
            return THING.format(first=first, kind="morechildren", body=body)

        def render(c: Comment) -> str:
            order.append(c.cid)
            kids = [k for k in self.kids.get((a.nid, c.cid), []) if k.cid not in self.hidden]
            inner = "".join(render(k) for k in kids if k.cid in shown)
            if c.depth - off == MAX_DEPTH - 1 and kids:
                links.append(f"{url}{self.cid36(c.cid)}/")
                href = f"{self.path[a.nid]}{self.cid36(c.cid)}/"
                body = f'<span class="deepthread"><a href="{href}">continue this thread</a></span>'
                inner += THING.format(first="_", kind="morerecursion", body=body)
            elif missing := [k.cid for k in kids if k.cid not in shown]:
                inner += more(missing, c.depth - off + 1)
            return self.comment(a, c, c is focus, len(kids), inner)

        html = "".join(render(c) for c in ([focus] if focus else [c for c in top if c.cid in shown]))
        if not focus and (missing := [c.cid for c in top if c.cid not in shown and c.cid not in self.hidden]):
            html += more(missing, 0)
        return self.thread_html(a, focus, html), order, links

    def comment(self, a: Article, c: Comment, focus: bool, replies: int, inner: str) -> str:
        """comment.html in comment_skeleton.html in printable.html, seen logged out."""
        cid, post, deleted = self.cid36(c.cid), self.path[a.nid], c.name is None
        parent, score, uid = self.byc.get(c.pid or 0), (c.cid * 7) % 23 + 1, to36(c.uid * 977 + 1000)
        up = ""  # r2 links no parent of a top-level comment, nor a deleted one
        if parent is not None and parent.name is not None:
            href = f"{self.base}{post}{self.cid36(parent.cid)}/" if focus else f"#{self.cid36(parent.cid)}"
            up = f'<li><a href="{href}" data-event-action="parent" class="bylink" rel="nofollow" >parent</a></li>'  # noqa: E501
        if deleted:
            who, author, buttons, body = "<em>[deleted]</em>&#32;", "", "", "<p>[deleted]</p>\n"
        else:
            name = username(c.name or "")
            who = (f'<a href="{self.base}/user/{name}" class="author may-blank id-t2_{uid}" >{esc(name)}</a>'
                   f'<span class="userattrs"></span>&#32;{scores(score)}&#32;')
            author = f' data-author="{name}" data-author-fullname="t2_{uid}"'
            body = blocks_html(c.blocks, nofollow=False)
            buttons = BUTTONS.format(base=self.base, perma=post + cid + "/", post=post, parent=up, cid=cid,
                                     root=str(not c.pid).lower(), title=esc(a.title))
        return COMMENT.format(
            cid=cid, deleted="deleted" * deleted, sub=SUB, author=author, replies=replies,
            perma=f"{post}{cid}/",
            anchor="" if deleted else f'<a name="{cid}" ></a>', arrows=ARROWS.format(score=""), who=who,
            time=stamp(c.created), edited=stamp(c.edited, "edited-timestamp", "*") if c.edited else "",
            children="child" if replies == 1 else "children", x=f"{score:x}", body=body, buttons=buttons,
            child=f'<div id="siteTable_t1_{cid}" class="sitetable listing">{inner}</div>' if inner else "")

    def link(self, a: Article, rank: int | None) -> str:
        """link.html: the self post, expanded on its comments page, a row in a listing."""
        pid, path, n, score = self.pid[a.nid], self.path[a.nid], len(self.visible(a)), 40 + a.nid % 300
        to = f'&#32;to&#32;<a href="{self.base}/r/{SUB}/" class="subreddit hover may-blank">r/{SUB}</a>'
        return LINK.format(
            pid=pid, zebra="odd" if (rank or 1) % 2 else "even", author=username(a.author.name), sub=SUB,
            uid=to36(a.author.uid * 977 + 1000), ms=int(a.published.timestamp() * 1000), path=path,
            rank=rank or "", n=n, score=score, context="listing" if rank else "comments",
            arrows=ARROWS.format(score=scores(score, "div", unit=False)),
            title=esc(a.title), time=stamp(a.published), base=self.base, to=to if rank else "",
            comments=f"{n} comments" if n > 1 else f"{n} comment" if n else "comment",
            expando="" if rank else EXPANDO.format(pid=pid, body=blocks_html(a.blocks, nofollow=False)))

    def thread_html(self, a: Article, focus: Comment | None, comments: str) -> str:
        pid, url = self.pid[a.nid], self.base + self.path[a.nid]
        sorts = "".join(f'<a href="{url}?sort={k}" class="choice" >{v}</a>' for k, v in (
            ("confidence", "best"), ("top", "top"), ("new", "new"), ("controversial", "controversial"),
            ("qa", "q&amp;a")))
        area = AREA.format(n=len(self.visible(a)), sorts=sorts, info=INFOBAR.format(url=url) if focus else "",
                           pid=pid, comments=comments)
        content = f'<div class="sitetable linklisting" id="siteTable_t3_{pid}">{self.link(a, None)}</div>'
        head = (f'<link rel="canonical" href="{url}" /><meta property="og:title" content="{esc(a.title)}">'
                f'<meta property="og:url" content="{url}"><link rel="alternate" type="application/atom+xml" '
                f'title="RSS" href="{url}.rss" />')
        tabs = f'<li class="selected"><a href="{url}" class="choice" >comments</a></li>'
        kind = "listing-page comments-page single-page"
        return self.shell(f"{a.title} : {SUB}", content + area, kind, head, tabs)

    def listing(self, p: int, count: int) -> str:
        arts = self.newest[p * LINKS_PER_PAGE:][:LINKS_PER_PAGE]
        rows = "".join(self.link(a, p * LINKS_PER_PAGE + i + 1) for i, a in enumerate(arts))
        nav = (f'<span class="prev-button"><a href="{self.base}/r/{SUB}/?count={p * LINKS_PER_PAGE + 1}&amp;'
               f'before=t3_{self.pid[arts[0].nid]}" rel="nofollow prev">&lsaquo; prev</a></span>') * bool(p)
        if p + 1 < count:
            nav += (f'<span class="next-button"><a href="{self.base}{esc(self.listing_target(p + 1))}" rel='
                    '"nofollow next" >next &rsaquo;</a></span>')
        sub = f"{self.base}/r/{SUB}/"
        tabs = "".join(f'<li{" class=selected" * (t == "hot")}><a href="{sub}{t}/" class="choice" >{t}</a>'
                       "</li>" for t in ("hot", "new", "rising", "controversial", "top"))
        tabs = tabs.replace("/hot/", "/")
        head = (f'<link rel="canonical" href="{sub}" /><link rel="alternate" type="application/atom+xml" '
                f'title="RSS" href="{sub}.rss" />')
        content = (f'<div class="sitetable linklisting" id="siteTable">{rows}<div class="nav-buttons">'
                   f'<span class="nextprev">view more:&#32;{nav}</span></div></div>')
        return self.shell(SUB, content, "listing-page hot-page", head, tabs)

    def shell(self, title: str, content: str, body_class: str, head: str = "", tabs: str = "") -> str:
        """reddit.html: the header, the subreddit's sidebar, the content, the footer."""
        return SHELL.format(title=esc(title), head=head, sub=SUB, body_class=body_class, base=self.base,
                            tabs=tabs, site=esc(self.site.name), content=content)

    def error(self, status: str, message: str) -> Page:
        return page(self.shell(f"reddit.com: {message}", f'<p id="noresults" class="error">{message}</p>',
                               "error-page"), status=status)

    def feed(self) -> str:
        """/r/SUB/.rss: reddit's Atom feed of the newest posts (removed ones linger in it)."""
        entries = "".join(ENTRY.format(
            author=username(a.author.name), base=self.base, sub=SUB, pid=self.pid[a.nid],
            path=self.path[a.nid],
            content=xml_escape(blocks_html(a.blocks[:1], nofollow=False)), title=xml_escape(a.title),
            when=a.published.astimezone(timezone.utc).isoformat(),
        ) for a in (*self.newest[:LINKS_PER_PAGE], self.site.gone, self.site.broken))
        return FEED.format(sub=SUB, base=self.base, entries=entries,
                           when=self.newest[0].published.astimezone(timezone.utc).isoformat())

    def robots(self) -> str:
        return ("User-Agent: bender\nDisallow: /my_shiny_metal_ass\n\nUser-Agent: Gort\nDisallow: /earth\n\n"
                "User-Agent: *\n" + "".join(f"Disallow: {p}\n" for p in ROBOTS_DISALLOW) + "Allow: /\n")

    # --- ground truth -------------------------------------------------------------------------

    def visible(self, a: Article) -> list[Comment]:
        return [c for c in a.comments if c.cid not in self.hidden]

    def truth(self) -> dict[str, Any]:
        """Page 0 is the thread page; comments first read on a continuation or permalink page are
        page 1. Positions follow the fully expanded thread (depth first, oldest reply first), as
        a reader who opened every "continue this thread" link sees it."""
        base, articles = self.base, []
        for a in self.site.articles:
            views, url = self.views[a.nid], base + self.path[a.nid]
            first: dict[int, tuple[int, int]] = {}
            for k, (order, _) in enumerate(views):
                for i, cid in enumerate(order):
                    first[cid] = min(first.get(cid, (9, 0)), (min(k, 1), i))
            ranked = [c.cid for c in a.thread() if c.cid in first]  # the expanded thread, in order
            level1 = views[0][1]
            articles.append({
                "nid": a.nid, "url": url, "title": a.title, "author": username(a.author.name),
                "published": a.published.astimezone(timezone.utc).isoformat(), "body_text": a.body_text,
                "comment_count": len(self.visible(a)), "thread_pages": [url, *dict.fromkeys(level1)],
                "permalinks": list(dict.fromkeys(u for _, m in views[1:] for u in m if u not in level1)),
                "comments": [{
                    "comment_id": self.cid36(cid), "parent_id": self.cid36(c.pid) if c.pid else None,
                    "author": username(c.name) if c.name else None,
                    "published": c.created.astimezone(timezone.utc).isoformat(),
                    "text": c.text if c.name else "[deleted]", "permalink": f"{url}{self.cid36(cid)}/",
                    "depth": c.depth, "position": pos, "page": first[cid][0],
                } for pos, cid in enumerate(ranked) if (c := self.byc[cid])],
            })
        head, c0 = self.site.articles[0], self.site.articles[0].comments[0]
        url, role = base + self.path[head.nid], {a.role: base + self.path[a.nid] for a in self.site.articles}
        return {
            "base_url": base,
            "articles": articles,
            "special": {"not_found": base + self.path[self.site.gone.nid], "slow": role["slow"],
                        "server_error": base + self.path[self.site.broken.nid], "chunked": role["chunked"],
                        "gzip": url},
            "traps": [url + "?sort=new", url + "?sort=confidence", f"{base}/login", f"{base}/r/{SUB}/search",
                      f"{base}/r/{SUB}/submit?selftext=true", f"{base}/user/{username(c0.name or '')}",
                      f"{base}/gold?goldtype=gift&months=1&thing=t1_{self.cid36(c0.cid)}",
                      f"{base}/message/compose?to=%2Fr%2F{SUB}", f"{base}/r/{SUB}/new/",
                      f"{base}/r/{SUB}/top/"],
            "robots_disallowed": [base + p for p in ROBOTS_DISALLOW],
            "seeds": {"index": f"{base}/r/{SUB}/", "rss": f"{base}/r/{SUB}/.rss"},
        }
