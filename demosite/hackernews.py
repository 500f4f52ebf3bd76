"""Renders a content.Site as Hacker News (news.ycombinator.com, 2023+ markup) responses.

Every article is a text post ("Ask HN" style, one also carries a link), so its body is the
story's `div.toptext`. Long threads go on over `item?id=N&p=2` pages, split between top-level
comment trees the way HN paginates; every comment has its own `item?id=ID` page.
"""

# ruff: noqa: RUF001  (the toggle's en dash is HN's own)

from __future__ import annotations

import gzip
import html
import re
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs, quote

from demosite.content import Article, Block, Comment, Site
from demosite.toolkit import Page, esc

PER_PAGE = 100  # a page closes at the first top-level comment after this many (HN: a few hundred)
NEWS_PER_PAGE = 30
LINK_POST = 1  # index of the article submitted with a URL as well as text
LINK_URL = "https://example.com/markets/oil-inventories-third-week"
ROBOTS = ("/x?", "/r?", "/vote?", "/reply?", "/submitted?", "/submitlink?", "/threads?")
LOGIN = """<html lang="en" op="login"><head><meta name="viewport" content="width=device-width, initial-scale=1.0"></head><body><b>Login</b><br><br>
<form action="login" method="post"><input type="hidden" name="goto" value="news"><table border="0"><tr><td>username:</td><td><input type="text" name="acct" size="20" autocorrect="off" spellcheck="false" autocapitalize="off"></td></tr><tr><td>password:</td><td><input type="password" name="pw" size="20"></td></tr></table><br>
<input type="submit" value="login"></form><a href="forgot">Forgot your password?</a><br><br></body></html>
"""  # noqa: E501 - logged out, every action (vote, reply, hide, ...) answers with it
HEADERS = (("Server", "nginx"), ("Cache-Control", "private; max-age=0"), ("X-Frame-Options", "DENY"),
           ("X-Content-Type-Options", "nosniff"), ("X-XSS-Protection", "1; mode=block"),
           ("Referrer-Policy", "origin"), ("Vary", "Accept-Encoding"))


def hn_page(body: str, ctype: str = "text/html; charset=utf-8", *, status: str = "200 OK",
            mode: str = "") -> Page:
    raw = body.encode()
    head = "".join(f"{k}: {v}\r\n" for k, v in (("Content-Type", ctype), *HEADERS))
    return Page(status, head.encode("latin-1"), raw, gzip.compress(raw, 6, mtime=0), mode)


def hn_text(blocks: tuple[Block, ...], paths: dict[str, int]) -> str:
    """HN's stored HTML: `&#x27;`/`&#x2F;` escapes, paragraphs opened by `<p>` and never closed."""
    def e(s: str) -> str:
        return html.escape(s).replace("/", "&#x2F;")

    def part(p: str | tuple[str, str]) -> str:
        if isinstance(p, str):
            return e(p)
        href = f"item?id={paths[p[1]]}" if p[1] in paths else p[1]
        return f'<a href="{esc(href)}" rel="nofollow">{e(p[0])}</a>'

    return "<p>".join("".join(map(part, b.parts)) if not b.quote else e(b.text) for b in blocks)


def title_time(dt: datetime) -> str:
    """`span.age[title]`: UTC without an offset, then the epoch."""
    u = dt.astimezone(timezone.utc)
    return f"{u:%Y-%m-%dT%H:%M:%S} {int(u.timestamp())}"


def age(dt: datetime) -> str:
    u = dt.astimezone(timezone.utc)
    return f"on {u:%b} {u.day}, {u.year}"


def split_pages(thread: list[Comment]) -> list[list[Comment]]:
    pages: list[list[Comment]] = [[]]
    for c in thread:
        if c.depth == 0 and len(pages[-1]) >= PER_PAGE:
            pages.append([])
        pages[-1].append(c)
    return pages


class HackerNews:
    """Every page of one site at one base URL, built up front; lookup() routes a request target."""

    def __init__(self, site: Site, base_url: str) -> None:
        self.site, self.base = site, base_url.rstrip("/")
        self.newest = sorted(site.articles, key=lambda a: a.published, reverse=True)
        self.paths = {a.path: a.nid for a in site.articles}
        self.story_of: dict[int, Article] = {}
        self.pages: dict[int, list[list[Comment]]] = {}
        self.exact: dict[str, Page] = {}
        self.items: dict[int, list[Page]] = {}  # item id -> its pages (p=1, p=2, ...)
        for a in site.articles:
            self.pages[a.nid] = split_pages(a.thread())
            self.items[a.nid] = [self.story(a, p) for p in range(len(self.pages[a.nid]))]
            kids: dict[int | None, list[Comment]] = {}
            for c in a.thread():
                kids.setdefault(c.pid, []).append(c)
            for c in a.comments:
                self.items[c.cid] = [self.comment_page(a, c, kids)]
        count = max(1, -(-len(self.newest) // NEWS_PER_PAGE))
        for p in range(count):
            page = self.news(p, count)
            for path in ("/", "/news"):
                self.exact[path + f"?p={p + 1}" * bool(p)] = page
        self.exact["/rss"] = hn_page(self.rss(), "application/rss+xml; charset=utf-8")
        self.exact["/robots.txt"] = hn_page("User-Agent: *\n" + "".join(f"Disallow: {p}\n" for p in ROBOTS)
                                            + "Crawl-delay: 30\n", "text/plain; charset=utf-8")
        self.login = hn_page(LOGIN)

    def lookup(self, target: str) -> Page:
        path, _, query = target.partition("?")
        if (page := self.exact.get(target)) is not None:
            return page
        args = {k: v[0] for k, v in parse_qs(query).items()}
        if path == "/item":
            pages = self.items.get(int(args["id"])) if args.get("id", "").isdigit() else None
            if pages is None:
                return hn_page("No such item.")
            p = int(args["p"]) if args.get("p", "").isdigit() else 1
            return pages[min(max(p, 1), len(pages)) - 1]
        if path in ("/login", "/vote", "/reply", "/hide", "/fave", "/flag", "/context", "/user", "/from"):
            return self.login  # logged out: every action asks for a login first
        return hn_page("Unknown.", status="404 Not Found")

    def truth(self) -> dict[str, Any]:
        base, first = self.base, self.site.articles[0]
        articles = []
        for a in self.site.articles:
            pages = self.pages[a.nid]
            placed = [(c, p) for p, cs in enumerate(pages) for c in cs]
            articles.append({
                "nid": a.nid, "url": f"{base}/item?id={a.nid}", "title": a.title, "author": a.author.name,
                "published": a.published.astimezone(timezone.utc).isoformat(), "body_text": a.body_text,
                "comment_count": len(a.comments),
                "thread_pages": [f"{base}/item?id={a.nid}" + f"&p={p}" * (p > 1)
                                 for p in range(1, len(pages) + 1)],
                "permalinks": [f"{base}/item?id={c.cid}" for c, _ in placed],
                "comments": [{
                    "comment_id": str(c.cid), "parent_id": str(c.pid) if c.pid else None, "author": c.name,
                    "published": c.created.astimezone(timezone.utc).isoformat(), "text": c.text,
                    "permalink": f"{base}/item?id={c.cid}", "depth": c.depth, "position": pos, "page": p,
                } for pos, (c, p) in enumerate(placed)],
            })
        c = first.thread()[1]
        goto = quote(f"item?id={first.nid}", safe="")
        return {
            "base_url": base,
            "articles": articles,
            "special": {"gzip": f"{base}/item?id={first.nid}",
                        **{a.role: f"{base}/item?id={a.nid}" for a in self.site.articles if a.role in
                           ("chunked", "slow")}},
            "traps": [base + t for t in (
                f"/vote?id={first.nid}&how=up&goto={goto}", f"/vote?id={c.cid}&how=up&goto={goto}",
                f"/hide?id={first.nid}&goto={goto}", f"/fave?id={first.nid}&auth={self.auth(first.nid)}",
                f"/reply?id={c.cid}&goto={goto}%23{c.cid}", f"/login?goto={goto}",
                f"/user?id={quote(first.author.name)}", f"/context?id={c.cid}",
                "/from?site=example.com")],
            "robots_disallowed": [base + p for p in ROBOTS],
            "seeds": {"index": f"{base}/news", "rss": f"{base}/rss"},
        }

    # --- HTML pages ---------------------------------------------------------------------------

    def html(self, title: str, content: str, goto: str, op: str = "item") -> str:
        """HN's page shell: the orange bar, `table#hnmain`, the footer links and the search box."""
        name, g = esc(self.site.name), quote(goto, safe="")
        return f"""<html lang="en" op="{op}"><head><meta name="referrer" content="origin"><meta name="viewport" content="width=device-width, initial-scale=1.0"><link rel="stylesheet" type="text/css" href="news.css?J16btoAd8hqdkSoIdLSk">
        <link rel="icon" href="y18.svg">
                  <link rel="alternate" type="application/rss+xml" title="RSS" href="rss">
        <title>{esc(title) + " | " if title else ""}{name}</title></head><body><center><table id="hnmain" border="0" cellpadding="0" cellspacing="0" width="85%" bgcolor="#f6f6ef">
        <tr><td bgcolor="#ff6600"><table border="0" cellpadding="0" cellspacing="0" width="100%" style="padding:2px"><tr><td style="width:18px;padding-right:4px"><a href="{self.base}"><img src="y18.svg" width="18" height="18" style="border:1px white solid; display:block"></a></td>
                  <td style="line-height:12pt; height:10px;"><span class="pagetop"><b class="hnname"><a href="news">{name}</a></b>
                            <a href="newest">new</a> | <a href="front">past</a> | <a href="newcomments">comments</a> | <a href="ask">ask</a> | <a href="show">show</a> | <a href="jobs">jobs</a> | <a href="submit" rel="nofollow">submit</a>            </span></td><td style="text-align:right;padding-right:4px;"><span class="pagetop">
                              <a href="login?goto={g}">login</a>
                          </span></td>
              </tr></table></td></tr>
<tr id="pagespace" title="{esc(title)}" style="height:10px"></tr>{content}<tr><td><img src="s.gif" height="10" width="0"><table width="100%" cellspacing="0" cellpadding="1"><tr><td bgcolor="#ff6600"></td></tr></table><br>
<center><span class="yclinks"><a href="newsguidelines.html">Guidelines</a> | <a href="newsfaq.html">FAQ</a> | <a href="lists">Lists</a> | <a href="https://github.com/HackerNews/API">API</a> | <a href="security.html">Security</a> | <a href="https://www.ycombinator.com/legal/">Legal</a> | <a href="https://www.ycombinator.com/apply/">Apply to YC</a> | <a href="mailto:hn@ycombinator.com">Contact</a></span><br><br>
<form method="get" action="//hn.algolia.com/">Search: <input type="text" name="q" size="17" autocorrect="off" spellcheck="false" autocapitalize="off" autocomplete="off"></form></center></td></tr></table></center></body><script type="text/javascript" src="hn.js?J16btoAd8hqdkSoIdLSk"></script></html>
"""  # noqa: E501

    @staticmethod
    def auth(item: int) -> str:
        return f"{item * 2654435761 % 2**64:016x}"  # stands in for HN's per-user hmac

    def subtext(self, a: Article, goto: str) -> str:
        n, g = len(a.comments), quote(goto, safe="")
        count = f"{n}&nbsp;comment{'s' * (n != 1)}" if n else "discuss"
        return f"""<td class="subtext"><span class="subline">
          <span class="score" id="score_{a.nid}">{n * 3 + 7} points</span> by <a href="user?id={quote(a.author.name)}" class="hnuser">{esc(a.author.name)}</a> <span class="age" title="{title_time(a.published)}"><a href="item?id={a.nid}">{age(a.published)}</a></span> <span id="unv_{a.nid}"></span> | <a href="hide?id={a.nid}&amp;goto={g}">hide</a> | <a href="https://hn.algolia.com/?query={quote(a.title)}&amp;type=story&amp;dateRange=all&amp;sort=byDate&amp;storyText=false&amp;prefix&amp;page=0" class="hnpast">past</a> | <a href="fave?id={a.nid}&amp;auth={self.auth(a.nid)}">favorite</a> | <a href="item?id={a.nid}">{count}</a>        </span>
              </td>"""  # noqa: E501

    def athing(self, a: Article, goto: str, rank: str = "") -> str:
        if a is self.site.articles[LINK_POST]:
            title = (f'<a href="{LINK_URL}">{esc(a.title)}</a><span class="sitebit comhead"> (<a href='
                     '"from?site=example.com"><span class="sitestr">example.com</span></a>)</span>')
        else:
            title = f'<a href="item?id={a.nid}">{esc(a.title)}</a>'
        return f"""<tr class="athing submission" id="{a.nid}">
      <td align="right" valign="top" class="title"><span class="rank">{rank}</span></td>      <td valign="top" class="votelinks"><center><a id="up_{a.nid}" href="vote?id={a.nid}&amp;how=up&amp;goto={quote(goto, safe="")}"><div class="votearrow" title="upvote"></div></a></center></td><td class="title"><span class="titleline">{title}</span></td></tr>"""  # noqa: E501

    def story(self, a: Article, page: int) -> Page:
        goto = f"item?id={a.nid}" + f"&p={page + 1}" * bool(page)
        pages = self.pages[a.nid]
        more = (f'<br><center><a href="item?id={a.nid}&amp;p={page + 2}" class="morelink" rel="next">More</a>'
                "</center>") if page + 1 < len(pages) else ""
        tree = self.tree(a, pages[page], goto, base_depth=0) if a.comments else ""
        content = f"""<tr><td><table class="fatitem" border="0">
        {self.athing(a, goto)}<tr><td colspan="2"></td>{self.subtext(a, goto)}</tr>
      <tr style="height:2px"></tr><tr><td colspan="2"></td><td><div class="toptext">{hn_text(a.blocks, self.paths)}</div></td></tr>        <tr style="height:10px"></tr>{self.form(a.nid, goto, "add comment")}
  </table><br>
{tree}{more}<br><br>
</td></tr>
"""  # noqa: E501
        return hn_page(self.html(a.title, content, goto),
                       mode={"slow": "slow", "chunked": "chunked"}.get(a.role, ""))

    def form(self, parent: int, goto: str, label: str) -> str:
        return f"""<tr><td colspan="2"></td><td>
          <form action="comment" method="post"><input type="hidden" name="parent" value="{parent}"><input type="hidden" name="goto" value="{esc(goto)}"><input type="hidden" name="hmac" value="{self.auth(parent)}"><textarea name="text" rows="8" cols="80" wrap="virtual"></textarea><br><br>
          <input type="submit" value="{label}"></form>
      </td></tr>"""  # noqa: E501

    def tree(self, a: Article, cs: list[Comment], goto: str, *, base_depth: int) -> str:
        """`table.comment-tree`: flat rows; depth is `td.ind[indent]` and a 40px-per-level spacer."""
        sizes: dict[int, int] = {}
        for c in reversed(cs):
            sizes[c.cid] = 1 + sum(sizes.get(k.cid, 0) for k in cs if k.pid == c.cid)
        rows, root = [], cs[0]
        for c in cs:
            root = c if c.depth == base_depth else root
            sibs = [k for k in cs if k.pid == c.pid and k.depth == c.depth]
            at = sibs.index(c)
            navs = [("root", root.cid)] if c.depth - base_depth >= 2 else []
            navs += [("parent", c.pid)] if c.pid is not None else []
            navs += [("prev", sibs[at - 1].cid)] if at > 0 else []
            navs += [("next", sibs[at + 1].cid)] if at + 1 < len(sibs) else []
            rows.append(self.comment(c, c.depth - base_depth, goto, navs, sizes[c.cid]))
        return f'<table border="0" class="comment-tree">\n            {"".join(rows)}\n  </table>\n'

    def comment(self, c: Comment, indent: int, goto: str, navs: list[tuple[str, int | None]], n: int) -> str:
        g = quote(goto, safe="")
        user = f'<a href="user?id={quote(c.name)}" class="hnuser">{esc(c.name)}</a> ' if c.name else ""
        links = "".join(f' | <a href="#{t}" class="clicky" aria-hidden="true">{name}</a>' for name, t in navs)
        return f"""<tr class="athing comtr" id="{c.cid}"><td><table border="0">  <tr>    <td class="ind" indent="{indent}"><img src="s.gif" height="1" width="{indent * 40}"></td><td valign="top" class="votelinks">
      <center><a id="up_{c.cid}" href="vote?id={c.cid}&amp;how=up&amp;goto={g}"><div class="votearrow" title="upvote"></div></a></center>    </td><td class="default"><div style="margin-top:2px; margin-bottom:-10px;"><span class="comhead">
          {user}<span class="age" title="{title_time(c.created)}"><a href="item?id={c.cid}">{age(c.created)}</a></span> <span id="unv_{c.cid}"></span>          <span class="navs">
            {links} <a class="togg clicky" id="{c.cid}" n="{n}" href="javascript:void(0)">[–]</a><span class="onstory"></span>          </span>
                  </span></div><br><div class="comment">
                  <div class="commtext {"c5a" if not c.uid else "c00"}">{hn_text(c.blocks, self.paths)}</div>
              <div class="reply">        <p><font size="1">
                      <u><a href="reply?id={c.cid}&amp;goto={g}%23{c.cid}" rel="nofollow">reply</a></u>
                  </font>
      </p></div></div></td></tr>
        </table></td></tr>
"""  # noqa: E501

    def comment_page(self, a: Article, c: Comment, kids: dict[int | None, list[Comment]]) -> Page:
        """A comment's own page: the comment in `table.fatitem` ("on: story"), its replies below."""
        goto, sub = f"item?id={c.cid}", []
        stack = list(reversed(kids.get(c.cid, [])))
        while stack:
            sub.append(k := stack.pop())
            stack.extend(reversed(kids.get(k.cid, [])))
        user = f'<a href="user?id={quote(c.name)}" class="hnuser">{esc(c.name)}</a> ' if c.name else ""
        tree = self.tree(a, sub, goto, base_depth=c.depth + 1) if sub else ""
        content = f"""<tr><td><table class="fatitem" border="0">
        <tr class="athing" id="{c.cid}">
      <td class="ind"></td><td valign="top" class="votelinks"><center><a id="up_{c.cid}" href="vote?id={c.cid}&amp;how=up&amp;goto={quote(goto, safe="")}"><div class="votearrow" title="upvote"></div></a></center></td><td class="default"><div style="margin-top:2px; margin-bottom:-10px;"><span class="comhead">
          {user}<span class="age" title="{title_time(c.created)}"><a href="item?id={c.cid}">{age(c.created)}</a></span> <span id="unv_{c.cid}"></span>          <span class="navs">
             | <a href="item?id={c.pid or a.nid}">parent</a> | <a href="context?id={c.cid}" rel="nofollow">context</a> | <a href="fave?id={c.cid}&amp;auth={self.auth(c.cid)}">favorite</a> <span class="onstory">| on: <a href="item?id={a.nid}">{esc(a.title)}</a></span>
          </span>
                  </span></div><br><div class="comment">
                  <div class="commtext c00">{hn_text(c.blocks, self.paths)}</div>
              <div class="reply"></div></div></td></tr>
        <tr style="height:10px"></tr>{self.form(c.cid, goto, "reply")}
  </table><br><br>
{tree}<br><br>
</td></tr>
"""  # noqa: E501
        return hn_page(self.html(re.sub(r"\s+", " ", c.text)[:80], content, goto))

    def news(self, page: int, count: int) -> Page:
        goto = "news" + f"?p={page + 1}" * bool(page)
        rows = "".join(f"""{self.athing(a, goto, f"{page * NEWS_PER_PAGE + i + 1}.")}
<tr><td colspan="2"></td>{self.subtext(a, goto)}</tr>
      <tr class="spacer" style="height:5px"></tr>
""" for i, a in enumerate(self.newest[page * NEWS_PER_PAGE:][:NEWS_PER_PAGE]))
        more = f"""<tr class="morespace" style="height:10px"></tr><tr><td colspan="2"></td><td class="title"><a href="?p={page + 2}" class="morelink" rel="next">More</a></td></tr>"""  # noqa: E501
        content = f"""<tr id="bigbox"><td><table border="0" cellpadding="0" cellspacing="0">
{rows}{more if page + 1 < count else ""}
</table>
</td></tr>
"""
        return hn_page(self.html("", content, goto, "news"))

    def rss(self) -> str:
        items = "".join(
            f"<item><title>{esc(a.title)}</title><link>"
            f"{LINK_URL if a is self.site.articles[LINK_POST] else f'{self.base}/item?id={a.nid}'}</link>"
            f"<pubDate>{format_datetime(a.published.astimezone(timezone.utc))}</pubDate><comments>"
            f"{self.base}/item?id={a.nid}</comments><description><![CDATA[<a href=\"{self.base}/item?id="
            f'{a.nid}">Comments</a>]]></description></item>' for a in self.newest[:NEWS_PER_PAGE])
        return (f'<rss version="2.0"><channel><title>{esc(self.site.name)}</title><link>{self.base}/</link>'
                f"<description>Links for the intellectually curious, ranked by readers.</description>{items}"
                "</channel></rss>")
