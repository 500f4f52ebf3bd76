"""Renders a content.Site as Discourse serves it to crawlers: topics, topic lists, feed, sitemap.

Each article is a topic: post 1 is the article, its comments follow as posts 2..n in thread
order, 20 posts a page. The crawler view shows no reply-to relation; a reply shows its parent
only when it quotes it, so the truth holds the parents (and depths) a parser can know.
"""

# ruff: noqa: RUF001  (the pager arrows are Discourse's own)

from __future__ import annotations

import gzip
import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from demosite.content import Article, Block, Comment, Site
from demosite.toolkit import Page, esc

POSTS_PER_PAGE = 20  # TopicView.chunk_size
GENERATOR = "Discourse 3.2.1 - https://github.com/discourse/discourse version 9c1b4e0c2e8f3d6a"
CATEGORIES = {"world": (5, "World", "0088CC"), "markets": (6, "Markets", "F7941D")}
EMOJI = {"🚀": "rocket", "😀": "grinning_face"}  # cooked replaces unicode emoji with images
ROBOTS_DISALLOW = ("/admin/", "/auth/", "/email/", "/session", "/user-api-key", "/badges", "/u/",
                   "/my", "/search", "/g")
ROBOTS_WILDCARD = ("/assets/browser-update*.js", "/*?api_key*", "/*?*api_key*", "/tag/*/l",
                   "/t/*/*.rss", "/c/*.rss")
HEADERS = (("X-Frame-Options", "SAMEORIGIN"), ("X-Content-Type-Options", "nosniff"),
           ("Referrer-Policy", "strict-origin-when-cross-origin"), ("Cache-Control", "no-cache, no-store"))


def page(body: bytes, ctype: str = "text/html; charset=utf-8", modified: datetime | None = None, *,
         status: str = "200 OK", route: str = "") -> Page:
    """nginx in front of Rails: gzip when asked, Last-Modified on topics."""
    headers = [("Server", "nginx"), ("Content-Type", ctype), *HEADERS, ("Vary", "Accept-Encoding")]
    if modified:
        headers.append(("Last-Modified", format_datetime(modified.astimezone(timezone.utc), usegmt=True)))
    headers += [("X-Discourse-Route", route)] * bool(route)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers).encode("latin-1")
    return Page(status, head, body, gzip.compress(body, 6, mtime=0))


def slug(title: str) -> str:
    """Slug.for: ASCII, lower case, apostrophes dropped, other runs of symbols as one dash."""
    ascii_ = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", re.sub(r"['’]", "", ascii_)).strip("-") or "topic"


def username(name: str | None, cid: int = 0) -> str:
    """Usernames have no spaces; an erased account becomes anonNNNNNNNN."""
    return re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") if name else f"anon{cid * 7919 % 10**8:08d}"


def z(dt: datetime) -> str:
    return f"{dt.astimezone(timezone.utc):%Y-%m-%dT%H:%M:%SZ}"


def long(dt: datetime) -> str:
    """`l created_at, format: :long` as the crawler view shows it (server time, UTC)."""
    u = dt.astimezone(timezone.utc)
    return f"{u:%B} {u.day}, {u.year}, {(u.hour % 12) or 12:2d}:{u:%M}{'am' if u.hour < 12 else 'pm'}"


def emoji_text(s: str) -> str:
    return "".join(f":{EMOJI[ch]}:" if ch in EMOJI else ch for ch in s)


def emoji_html(s: str) -> str:
    return "".join(f'<img src="/images/emoji/twitter/{EMOJI[ch]}.png?v=12" title=":{EMOJI[ch]}:" '
                   f'class="emoji" alt=":{EMOJI[ch]}:" loading="lazy" width="20" height="20">'
                   if ch in EMOJI else ch for ch in s)


@dataclass(frozen=True, slots=True)
class Quote:
    """`[quote="user, post:N, topic:T"]` as cooked: an aside naming the post it quotes."""

    user: str
    post: int
    topic: int | None  # None: written by hand without the topic
    block: Block
    title: str = ""  # the quoted topic's title when it is another topic


@dataclass(slots=True)
class Topic:
    a: Article
    path: str
    posts: list[Comment]  # thread order: post number = index + 2
    number: dict[int, int]  # cid -> post number
    quotes: dict[int, list[Quote]]

    @property
    def page_count(self) -> int:
        return -(-(len(self.posts) + 1) // POSTS_PER_PAGE)


class Discourse:
    """Every page of one site at one base URL, built up front; lookup() routes a request target."""

    topics_per_page = 30  # SiteSetting.topic_page_size

    def __init__(self, site: Site, base_url: str) -> None:
        self.site, self.base = site, base_url.rstrip("/")
        self.host = urlsplit(self.base).netloc
        self.newest = sorted(site.articles, key=lambda a: a.modified, reverse=True)
        self.topics: dict[str, Topic] = {}
        for a in site.articles:
            posts = a.thread()
            self.topics[f"/t/{slug(a.title)}/{a.nid}"] = Topic(
                a, f"/t/{slug(a.title)}/{a.nid}", posts, {c.cid: i + 2 for i, c in enumerate(posts)}, {})
        self.by_nid = {t.a.nid: t for t in self.topics.values()}
        self.links = {t.a.path: self.base + t.path for t in self.topics.values()}  # pasted article URLs
        for t in self.topics.values():
            t.quotes = {c.cid: self.quotes(t, c) for c in t.posts}
        self.paged: dict[str, list[Page]] = {}
        self.fixed: dict[str, Page] = {}
        self._cache: dict[str, Page] = {}
        for path, t in self.topics.items():
            self.paged[path] = [self.topic_page(t, p) for p in range(1, t.page_count + 1)]
            for n in range(1, len(t.posts) + 2):  # /t/slug/id/N: the view of post N alone
                self.fixed[f"{path}/{n}"] = self.topic_page(t, (n - 1) // POSTS_PER_PAGE + 1, only=n)
        count = max(1, -(-len(self.newest) // self.topics_per_page))
        self.paged["/latest"] = self.paged["/"] = [self.listing(p, count) for p in range(count)]
        for path, title in (("/login", "Log In"), ("/signup", "Sign Up")):
            self.fixed[path] = self.html_page(title, f'<h2>{title}</h2><form action="/session" method="post">'
                                              '<input type="text" name="login"></form>', "session/new")
        users = {username(t.a.author.name) for t in self.topics.values()}
        for name in sorted(users | {username(c.name, c.cid) for t in self.topics.values() for c in t.posts}):
            self.fixed[f"/u/{name}"] = self.html_page(name, f'<div class="user-crawler"><h2 class="username">'
                                                      f"{name}</h2></div>", "users/show")
        for a in site.articles:
            self.fixed[f"/raw/{a.nid}"] = page("\n\n".join(b.text for b in a.blocks).encode(),
                                               "text/plain; charset=utf-8", route="posts/markdown_num")
        for gone in (site.gone, site.broken):
            self.fixed[f"/t/{slug(gone.title)}/{gone.nid}"] = self.not_found() if gone is site.gone else page(
                b"<html><body><h1>Oops</h1><p>The software powering this discussion forum encountered an "
                b"unexpected problem.</p></body></html>", status="500 Internal Server Error")
        self.fixed["/robots.txt"] = page(self.robots().encode(), "text/plain; charset=utf-8")
        self.fixed["/latest.rss"] = page(self.rss().encode(), "application/rss+xml; charset=utf-8",
                                         self.newest[0].modified, route="list/latest_feed")
        for name, xml in self.sitemaps().items():
            self.fixed[f"/{name}"] = page(xml.encode(), "application/xml; charset=utf-8")

    def truth(self) -> dict[str, Any]:
        base, articles = self.base, []
        for t in self.topics.values():
            url, known, depth = base + t.path, {}, {}
            for c in t.posts:  # thread order: a quoted parent always comes first
                p, k = known[c.cid] = self.parent(t, c)
                depth[t.number[c.cid]] = None if not k else 0 if p is None else (
                    None if depth[p] is None else depth[p] + 1)
            articles.append({
                "nid": t.a.nid, "url": url, "title": t.a.title, "author": username(t.a.author.name),
                "published": t.a.published.astimezone(timezone.utc).isoformat(),
                "body_text": t.a.body_text, "comment_count": len(t.posts),
                "thread_pages": [url] + [f"{url}?page={p}" for p in range(2, t.page_count + 1)],
                "permalinks": [f"{url}/{n}" for n in range(2, len(t.posts) + 2)],
                "comments": [{
                    "comment_id": str(n), "parent_id": str(known[c.cid][0]) if known[c.cid][0] else None,
                    "author": username(c.name, c.cid),
                    "published": c.created.astimezone(timezone.utc).isoformat(),
                    "text": self.text(t, c), "permalink": f"{url}/{n}", "depth": depth[n], "position": n - 2,
                    "page": (n - 1) // POSTS_PER_PAGE,
                } for c in t.posts for n in [t.number[c.cid]]],
            })
        first = next(iter(self.topics.values()))
        op = username(first.a.author.name)
        return {
            "base_url": base,
            "articles": articles,
            "special": {"not_found": f"{base}/t/{slug(self.site.gone.title)}/{self.site.gone.nid}",
                        "server_error": f"{base}/t/{slug(self.site.broken.title)}/{self.site.broken.nid}",
                        "gzip": base + first.path},
            "traps": [base + p for p in ("/login", "/signup", f"/u/{op}", f"/raw/{first.a.nid}",
                                         f"{first.path}?print=true", "/latest?order=posts",
                                         "/latest?order=views", "/latest?order=activity")],
            "robots_disallowed": [base + p for p in ROBOTS_DISALLOW],
            "seeds": {"index": base + "/latest", "rss": base + "/latest.rss",
                      "sitemap": base + "/sitemap.xml"},
        }

    def lookup(self, target: str) -> Page:
        path, _, query = target.partition("?")
        q = parse_qs(query)
        if path in self.topics and "print" in q:
            return self.cached(target, lambda: self.print_view(self.topics[path]))
        if (pages := self.paged.get(path)) is not None:
            n = q.get("page", [""])[0]
            if path in self.topics:  # 1-based; past the end is a 404
                n = int(n) if n.isdigit() else 1
                return pages[max(n, 1) - 1] if n <= len(pages) else self.cached(target, self.not_found)
            return pages[min(int(n) if n.isdigit() else 0, len(pages) - 1)]
        if (found := self.fixed.get(path)) is not None:
            return found
        return self.cached(target, self.not_found)

    def cached(self, target: str, make: Any) -> Page:
        if (found := self._cache.get(target)) is None:
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[target] = found = make()
        return found

    # --- content --------------------------------------------------------------------------------

    def quotes(self, t: Topic, c: Comment) -> list[Quote]:
        """Who quotes what: most replies quote their parent, some top-level posts the article;
        the first article adds quotes of two posts, of another topic and without a topic."""
        parent = next((p for p in t.posts if p.cid == c.pid), None)
        op = Quote(username(t.a.author.name), 1, t.a.nid, t.a.blocks[0])
        out = [Quote(username(parent.name, parent.cid), t.number[parent.cid], t.a.nid, plain(parent))] if (
            parent and c.cid % 4) else [op] if not parent and c.cid % 3 == 0 else []
        if t.a is not self.site.articles[0]:
            return out
        i = c.cid - min(x.cid for x in t.a.comments)
        if i == 15:  # another topic's first post: no parent of this one
            other = self.site.articles[min(4, len(self.site.articles) - 1)]
            out.append(Quote(username(other.author.name), 1, other.nid, other.blocks[0], other.title))
        elif i == 20 and t.number[c.cid] > 2:  # two posts of this topic: which one does it answer?
            first = t.posts[0]
            out = [op, Quote(username(first.name, first.cid), 2, t.a.nid, plain(first))]
        elif i == 45:  # written by hand, no topic: the post may be in any topic
            out = [Quote(q.user, q.post, None, q.block) for q in out or [op]]
        return out

    def parent(self, t: Topic, c: Comment) -> tuple[int | None, bool]:
        """What the page says: one quoted post of this topic is the parent (post 1: top level)."""
        qs = t.quotes[c.cid]
        same = {q.post for q in qs if q.topic == t.a.nid}
        if any(q.topic is None for q in qs) or len(same) != 1:
            return None, False
        p = same.pop()
        return (None, True) if p == 1 else (p, True)

    def text(self, t: Topic, c: Comment) -> str:
        return "\n".join([emoji_text("> " + q.block.text) for q in t.quotes[c.cid]] + [emoji_text(c.text)])

    def cooked(self, blocks: tuple[Block, ...], quotes: list[Quote] = ()) -> str:
        out = []
        for q in quotes:
            where = f' data-topic="{q.topic}"' if q.topic else ""
            link = "" if not q.title else (f' <a href="{self.base}/t/{slug(q.title)}/{q.topic}/{q.post}">'
                                           f"{esc(q.title)}</a>")
            out.append(f'<aside class="quote{" no-group" * (not q.title)}" data-username="{q.user}" '
                       f'data-post="{q.post}"{where}>\n<div class="title">\n'
                       '<div class="quote-controls"></div>\n'
                       f'<img alt="" width="24" height="24" src="{self.base}/user_avatar/{self.host}/'
                       f'{q.user.lower()}/48/{q.post}_2.png" class="avatar"> {q.user}:{link}</div>\n'
                       f"<blockquote>\n<p>{self.inline(q.block)}</p>\n</blockquote>\n</aside>\n")
        for b in blocks:
            inner = self.inline(b)
            out.append(f"<blockquote>\n<p>{inner}</p>\n</blockquote>\n" if b.quote else f"<p>{inner}</p>\n")
        return "".join(out)

    def inline(self, b: Block) -> str:
        return "".join(emoji_html(html.escape(p, quote=False)) if isinstance(p, str) else
                       f'<a href="{esc(self.links.get(p[1], p[1]))}" rel="noopener nofollow ugc">'
                       f"{html.escape(p[0], quote=False)}</a>" for p in b.parts)

    # --- HTML pages -----------------------------------------------------------------------------

    def html(self, title: str, content: str, *, head: str = "", canonical: str = "") -> str:
        """The crawler layout (layouts/crawler.html.erb) around a view."""
        name = esc(self.site.name)
        canon = f'<link rel="canonical" href="{canonical}" />\n' if canonical else ""
        return f"""<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>{esc(title) + " - " if title else ""}{name}</title>
    <meta name="generator" content="{GENERATOR}">
<link rel="icon" type="image/png" href="{self.base}/uploads/default/optimized/1X/favicon_2_32x32.png">
<meta name="viewport" content="width=device-width, initial-scale=1.0, minimum-scale=1.0, viewport-fit=cover">
{canon}<link rel="search" type="application/opensearchdescription+xml" href="{self.base}/opensearch.xml" title="{name} Search">
<link href="/stylesheets/common_5f1ea2e4f6d7.css?__ws={self.host}" media="all" rel="stylesheet" data-target="common"  />
<meta property="og:site_name" content="{name}" />
{head}  </head>
  <body class="crawler ">
    <header>
  <a href="/">{name}</a>
  <span class="header-buttons"><a href="/signup" class="btn btn-primary sign-up-button">Sign Up</a> <a href="/login" class="btn btn-primary login-button">Log In</a></span>
</header>

    <div id="main-outlet" class="wrap" role="main">
{content}
    </div>
    <footer class="container wrap">
  <nav class='crawler-nav'>
    <ul>
      <li itemscope itemtype='http://schema.org/SiteNavigationElement'><span itemprop='name'><a href='/' itemprop="url">Home </a></span></li>
      <li itemscope itemtype='http://schema.org/SiteNavigationElement'><span itemprop='name'><a href='/categories' itemprop="url">Categories </a></span></li>
      <li itemscope itemtype='http://schema.org/SiteNavigationElement'><span itemprop='name'><a href='/guidelines' itemprop="url">Guidelines </a></span></li>
    </ul>
  </nav>
  <p class='powered-by-link'>Powered by <a href="https://www.discourse.org">Discourse</a>, best viewed with JavaScript enabled</p>
</footer>
  </body>
</html>
"""  # noqa: E501

    def html_page(self, title: str, content: str, route: str, status: str = "200 OK") -> Page:
        return page(self.html(title, content).encode(), status=status, route=route)

    def not_found(self) -> Page:
        return self.html_page("Page Not Found", '<div class="page-not-found"><h1 class="title">Oops! That '
                              "page doesn’t exist or is private.</h1></div>", "exceptions/not_found",
                              "404 Not Found")

    def post(self, t: Topic, n: int) -> str:
        """One post of topics/show.html.erb; post 1 is the DiscussionForumPosting, others Comments."""
        c = t.posts[n - 2] if n > 1 else None
        name = c.name if c else t.a.author.name
        user, created = username(name, c.cid if c else 0), c.created if c else t.a.published
        modified = (c.edited or c.created) if c else t.a.published
        likes = (c.cid if c else t.a.nid) * 31 % 7
        scope = " itemprop='comment' itemscope itemtype='http://schema.org/Comment'" if c else ""
        body = self.cooked(c.blocks, t.quotes[c.cid]) if c else self.cooked(t.a.blocks)
        full = f"({esc(name)})" if name and name != user else ""
        entity = "" if c else f'\n    <link itemprop="mainEntityOfPage" href="{self.base}{t.path}">\n'
        return f"""          <div id='post_{n}'{scope} class='topic-body crawler-post'>
            <div class='crawler-post-meta'>
              <span class="creator" itemprop="author" itemscope itemtype="http://schema.org/Person">
                <a itemprop="url" rel='nofollow' href='{self.base}/u/{user}'><span itemprop='name'>{user}</span></a>
                {full}
              </span>
{entity}
              <span class="crawler-post-infos">
                  <time {"itemprop='datePublished' " * bool(c)}datetime='{z(created)}' class='post-time'>
                    {long(created)}
                  </time>
                  <meta itemprop='dateModified' content='{z(modified)}'>
              <span itemprop='position'>{n}</span>
              </span>
            </div>
            <div class='post' itemprop='text'>
              {body}
            </div>

            <div itemprop="interactionStatistic" itemscope itemtype="http://schema.org/InteractionCounter">
              <meta itemprop="interactionType" content="http://schema.org/LikeAction"/>
              <meta itemprop="userInteractionCount" content="{likes}" />
              <span class='post-likes'>{f"{likes} Like{'s' * (likes != 1)}" if likes else ""}</span>
            </div>
          </div>
"""  # noqa: E501

    def topic_page(self, t: Topic, p: int, *, only: int = 0, numbers: range | None = None) -> Page:
        """Page p of a topic; with `only`, the view of one post (canonical: the page holding it)."""
        a, url, total = t.a, self.base + t.path, len(t.posts) + 1
        cat_id, cat, color = CATEGORIES[a.section]
        numbers = numbers or (range(only, only + 1) if only else
                              range((p - 1) * POSTS_PER_PAGE + 1, min(p * POSTS_PER_PAGE, total) + 1))
        canonical = url + f"?page={p}" * (p > 1)
        prev = (t.path + f"?page={p - 1}" * (p > 2)) if p > 1 and not only else ""
        nxt = f"{t.path}?page={p + 1}" if p < t.page_count and not only else ""
        published = a.published.astimezone(timezone.utc).isoformat()
        head = f"""<link rel="alternate nofollow" type="application/rss+xml" title="RSS feed of &#39;{esc(a.title)}&#39;" href="{url}.rss" />
<meta property="og:type" content="website" />
<meta property="og:url" content="{canonical}" />
<meta property="og:title" content="{esc(a.title)}" />
<meta property="og:description" content="{esc(a.blocks[0].text[:200])}" />
<meta property="og:article:section" content="{cat}" />
<meta property="article:published_time" content="{published}" />
{rel_links(prev, nxt)}"""  # noqa: E501
        op = username(a.author.name)
        author = "" if 1 in numbers else (
            "<div itemprop='author' itemscope itemtype=\"http://schema.org/Person\">"
            f"<meta itemprop='name' content='{op}'><link itemprop='url' href='{self.base}/u/{op}'></div>\n")
        if only:
            tail = f'<p><a href="{t.path}{f"?page={p}" * (p > 1)}#post_{only}">Show post in topic</a></p>\n'
        else:
            others = [x for x in self.newest if x is not a][:5]
            tail = pager(prev, nxt, "topic-body crawler-post") + f"""<div class="crawler-topic-tools"><a href="{t.path}?print=true" rel="nofollow">Print</a> <a href="/raw/{a.nid}" rel="nofollow">Raw</a></div>
<div id="related-topics" class="more-topics__list " role="complementary"><h3 id="related-topics-title" class="more-topics__list-title">Related topics</h3>
{self.table(others, with_pages=False)}</div>
"""  # noqa: E501
        content = f"""<div id="topic-title">
    <h1>
      <a href="{t.path}">{esc(a.title)}</a>
    </h1>
      <div class="topic-category" itemscope itemtype="http://schema.org/BreadcrumbList">
          <span itemprop="itemListElement" itemscope itemtype="http://schema.org/ListItem">
            <a href="/c/{a.section}/{cat_id}" class="badge-wrapper bullet" itemprop="item">
              <span class='badge-category-bg' style='background-color: #{color}'></span>
              <span class='badge-category clear-badge'><span class='category-name' itemprop='name'>{cat}</span></span>
            </a>
            <meta itemprop="position" content="1" />
          </span>
      </div>
  </div>

    <div itemscope itemtype='http://schema.org/DiscussionForumPosting'>
      <meta itemprop='headline' content='{esc(a.title)}'>
      <link itemprop='url' href='{url}'>
      <meta itemprop='datePublished' content='{z(a.published)}'>
      <meta itemprop='articleSection' content='{cat}'>
      <meta itemprop='keywords' content=''>
      <div itemprop='publisher' itemscope itemtype="http://schema.org/Organization">
        <meta itemprop='name' content='{esc(self.site.name)}'>
      </div>
{author}{"".join(self.post(t, n) for n in numbers)}    </div>
{tail}"""  # noqa: E501
        text = self.html(f"{a.title} - {cat}", content, head=head, canonical=canonical)
        return page(text.encode(), modified=a.modified, route="topics/show")

    def print_view(self, t: Topic) -> Page:
        """`?print=true`: the whole topic on one page, a trap for a crawler that follows it."""
        return self.topic_page(t, 1, numbers=range(1, len(t.posts) + 2))

    def table(self, arts: list[Article], *, with_pages: bool = True) -> str:
        """list/list.erb's topic table; ListHelper#page_links links the last pages of long topics."""
        rows = []
        for i, a in enumerate(arts):
            t = self.by_nid[a.nid]
            cat_id, cat, color = CATEGORIES[a.section]
            first = max(t.page_count - 11, 2)
            links = "" if not with_pages or t.page_count < 2 else (
                '<span class="page-links">('
                + "".join(f" <a href='{t.path}?page={n}'>{n}</a> " for n in range(first, t.page_count + 1))
                + ")</span>")
            posters = dict.fromkeys([username(a.author.name),
                                     *(username(c.name, c.cid) for c in t.posts[:4])])
            day = a.modified.astimezone(timezone.utc)
            rows.append(f"""        <tr class="topic-list-item">
          <td class="main-link" itemprop='itemListElement' itemscope itemtype='http://schema.org/ListItem'>
            <meta itemprop='position' content='{i + 1}'>
            <span class="link-top-line">
              <a itemprop='url' href='{self.base}{t.path}' class='title raw-link raw-topic-link'>{esc(a.title)}</a>
              {links}
            </span>
            <div class="link-bottom-line">
              <a href='/c/{a.section}/{cat_id}' class='badge-wrapper bullet'><span class='badge-category-bg' style='background-color: #{color}'></span><span class='badge-category clear-badge'><span class='category-name'>{cat}</span></span></a>
            </div>
          </td>
          <td class="posters">{"".join(f'<a href="{self.base}/u/{u}"><img width="25" height="25" src="{self.base}/user_avatar/{self.host}/{u.lower()}/50/1_2.png" class="avatar" title="{u}"></a>' for u in posters)}</td>
          <td class="replies"><span class='posts' title='posts'>{len(t.posts)}</span></td>
          <td class="views"><span class='views' title='views'>{len(t.posts) * 37 + 101}</span></td>
          <td>{day:%B} {day.day}</td>
        </tr>
""")  # noqa: E501
        sort = "".join(f'<th class="{k}"><a href="/latest?order={k}" rel="nofollow">{k.title()}</a></th>'
                       for k in ("posts", "views", "activity"))
        return f"""<div class='topic-list-container' itemscope itemtype='http://schema.org/ItemList'>
<meta itemprop='itemListOrder' content='http://schema.org/ItemListOrderDescending'>
<table class='topic-list'>
<thead><tr><th>Topic</th><th></th>{sort}</tr></thead>
<tbody>
{"".join(rows)}</tbody>
</table>
</div>
"""

    def listing(self, p: int, count: int) -> Page:
        """`/latest?page=N` (0-based), newest activity first."""
        arts = self.newest[p * self.topics_per_page:][:self.topics_per_page]
        nxt = f"/latest?page={p + 1}" if p + 1 < count else ""
        prev = (f"/latest?page={p - 1}" if p > 1 else "/latest") if p else ""
        head = (f'<link rel="alternate" type="application/rss+xml" title="Latest posts" '
                f'href="{self.base}/latest.rss" />\n{rel_links("", nxt)}')
        text = self.html("Latest topics", self.table(arts) + pager(prev, nxt, "navigation"), head=head,
                         canonical=f"{self.base}/latest" + f"?page={p}" * bool(p))
        return page(text.encode(), route="list/latest")

    # --- feeds, sitemaps, robots.txt ----------------------------------------------------------

    def rss(self) -> str:
        items = "".join(f"""      <item>
        <title>{esc(a.title)}</title>
        <dc:creator><![CDATA[{username(a.author.name)}]]></dc:creator>
        <category>{CATEGORIES[a.section][1]}</category>
        <description><![CDATA[{self.cooked(a.blocks[:1])}<p><small>{len(a.comments) + 1} posts</small></p> <p><a href="{self.base}{t.path}">Read full topic</a></p>]]></description>
        <link>{self.base}{t.path}</link>
        <pubDate>{format_datetime(a.published.astimezone(timezone.utc))}</pubDate>
        <discourse:topicPinned>No</discourse:topicPinned>
        <discourse:topicClosed>No</discourse:topicClosed>
        <discourse:topicArchived>No</discourse:topicArchived>
        <guid isPermaLink="false">{self.host}-topic-{a.nid}</guid>
        <source url="{self.base}{t.path}.rss">{esc(a.title)}</source>
      </item>
""" for a in self.newest[:self.topics_per_page] for t in [self.by_nid[a.nid]])  # noqa: E501
        return f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:discourse="http://www.discourse.org/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>{esc(self.site.name)} - Latest topics</title>
    <link>{self.base}/latest</link>
    <description>Latest topics</description>
    <atom:link href="{self.base}/latest.rss" rel="self" type="application/rss+xml" />
{items}  </channel>
</rss>
"""

    def sitemaps(self) -> dict[str, str]:
        """SitemapController: an index, topics with their ?page=N (and two that are gone), recent ones."""
        ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'

        def urls(arts: list[Article]) -> str:
            out = []
            for a in arts:
                t = self.by_nid.get(a.nid)
                path, count = (t.path, t.page_count) if t else (f"/t/{slug(a.title)}/{a.nid}", 1)
                out += [f"<url><loc>{self.base}{path}{f'?page={n}' * (n > 1)}</loc><lastmod>{z(a.modified)}"
                        "</lastmod></url>\n" for n in range(1, count + 1)]
            return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {ns}>\n{"".join(out)}</urlset>\n'

        maps = {"sitemap_1.xml": urls([*self.site.articles, self.site.gone, self.site.broken]),
                "sitemap_recent.xml": urls(self.newest[:3])}
        last = z(self.newest[0].modified)
        index = "".join(f"<sitemap><loc>{self.base}/{n}</loc><lastmod>{last}</lastmod></sitemap>\n"
                        for n in maps)
        return {"sitemap.xml": f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex {ns}>\n{index}'
                               "</sitemapindex>\n", **maps}

    def robots(self) -> str:
        rules = "".join(f"Disallow: {p}\n" for p in (*ROBOTS_DISALLOW, *ROBOTS_WILDCARD))
        return ("# See http://www.robotstxt.org/robotstxt.html for documentation on how to use the robots.txt"
                f" file\n#\nUser-agent: *\n{rules}\n\nSitemap: {self.base}/sitemap.xml\n")


def rel_links(prev: str, nxt: str) -> str:
    return "".join(f'<link rel="{rel}" href="{url}">\n' for rel, url in (("prev", prev), ("next", nxt))
                   if url)


def pager(prev: str, nxt: str, cls: str) -> str:
    """The crawler view's pager: previous and next page only."""
    if not (prev or nxt):
        return ""
    span = "<span itemprop='name'>"
    links = [f'{span}<a href="{prev}" rel="prev" itemprop="url">← previous page</a></span>\n' * bool(prev),
             f'{span}<b><a href="{nxt}" rel="next" itemprop="url">next page →</a></b></span>\n' * bool(nxt)]
    return ("<div role='navigation' itemscope itemtype='http://schema.org/SiteNavigationElement' "
            f'class="{cls}">\n{"".join(links)}</div>\n')


def plain(c: Comment) -> Block:
    """What a reply quotes of its parent: the first paragraph that is not itself a quote."""
    return next((b for b in c.blocks if not b.quote), c.blocks[0])

