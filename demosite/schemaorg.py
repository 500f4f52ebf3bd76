"""Renders a content.Site as a news CMS that states its comments as schema.org data: a NewsArticle
JSON-LD with the whole comment tree, microdata on the visible comments, Disqus on two op-eds."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from demosite.content import (
    EST,
    OFFSITE_PATH,
    PDF_PATH,
    REPORT,
    STAFF,
    Article,
    Block,
    Comment,
    Site,
    slugify,
)
from demosite.toolkit import EPOCH, Page, blocks_html, build_pdf, esc, iso, make_page, other_host

SECTIONS = {"world": "World", "markets": "Markets"}
HEADERS = (("Cache-Control", "public, max-age=300"), ("X-Powered-By", "Newsroom/4.2"))
ROBOTS_DISALLOW = ("/account/", "/comments/", "/search")
SCHEMA = "https://schema.org"
OP_EDS = (  # title, section, staff index, body paragraphs: the two threads only Disqus shows
    ("Opinion: The Case for Slower Rate Cuts", "markets", 1, REPORT[1::2]),
    ("Letters: Readers Weigh In on the Baltic Storm", "world", 2, REPORT[::4]),
)


def disqus_articles(site: Site) -> tuple[Article, ...]:
    """Two op-eds published after the site's last article, their comments on Disqus."""
    last = site.articles[-1]
    return tuple(Article(last.nid + 101 + i, title, slugify(title), STAFF[staff],
                         last.published + timedelta(hours=5 + 7 * i), section,
                         tuple(Block((p,)) for p in paras))
                 for i, (title, section, staff, paras) in enumerate(OP_EDS))


def human(dt: datetime) -> str:
    local = dt.astimezone(EST)
    return f"{local:%b} {local.day}, {local:%Y} {local.hour % 12 or 12}:{local:%M} {local:%p}"


def utc_iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat()


def ld_json(data: dict[str, Any]) -> str:
    """PHP json_encode with JSON_HEX_TAG|JSON_HEX_AMP|JSON_HEX_APOS: safe inside <script>."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    for ch, code in (("/", "\\/"), ("<", "\\u003C"), (">", "\\u003E"), ("&", "\\u0026"), ("'", "\\u0027")):
        text = text.replace(ch, code)
    return text


def plain(blocks: tuple[Block, ...]) -> str:
    """The body as the CMS's html-to-text states it: blank lines between paragraphs, quotes "> "."""
    return "\n\n".join(b.text for b in blocks)


class SchemaOrg:
    """Every page of the site at one base URL, rendered once; lookup() routes a request target."""

    def __init__(self, site: Site, base_url: str) -> None:
        self.site, self.base = site, base_url.rstrip("/")
        self.op_eds = disqus_articles(site)
        self.listed = sorted((*site.articles, *self.op_eds), key=lambda a: a.published, reverse=True)
        self.pages: dict[str, Page] = {}
        for a in site.articles:
            self.pages[a.path] = self.article(a)
        for a in self.op_eds:
            self.pages[a.path] = self.article(a, disqus=True)
        self.pages[site.truncated.path] = self.article(site.truncated, mode="truncated")
        self.pages["/"] = self.index()
        self.pages["/feed.xml"] = make_page(self.feed().encode(), "application/atom+xml; charset=utf-8",
                                            self.listed[0].modified, extra=HEADERS)
        self.pages["/sitemap.xml"] = make_page(self.sitemap().encode(), "application/xml; charset=utf-8",
                                               extra=HEADERS)
        self.pages["/robots.txt"] = make_page(self.robots().encode(), "text/plain")
        self.pages[PDF_PATH] = make_page(build_pdf(), "application/pdf")
        self.pages[OFFSITE_PATH] = self.html_page("Mirror", "<p>Another host name's copy.</p>")
        self.pages["/account/login"] = self.login = self.html_page(
            "Sign in", '<form class="sign-in" action="/account/login" method="post"><input type="email" '
            'name="email"><input type="password" name="password"><button>Sign in</button></form>')
        self.pages[site.broken.path] = self.html_page(
            "Something went wrong", "<p>We could not load this page. Please try again later.</p>",
            status="500 Internal Server Error")
        self.missing = self.html_page("Page not found", "<p>The page you requested does not exist.</p>",
                                      status="404 Not Found")

    def lookup(self, target: str) -> Page:
        path = target.partition("?")[0].partition("#")[0]
        if (page := self.pages.get(target) or self.pages.get(path)) is not None:
            return page  # an article answers whatever its query: ?sort=, ?replyto=
        if path.startswith(("/account/", "/comments/")):
            return self.login
        return self.missing

    # --- pages --------------------------------------------------------------------------------

    def html(self, title: str, body: str, *, head: str = "", kind: str = "website",
             charset: str = "utf-8", cls: str = "page") -> str:
        name = esc(self.site.name)
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="{charset}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title) + " | " if title else ""}{name}</title>
<meta property="og:site_name" content="{name}">
<meta property="og:type" content="{kind}">
<link rel="alternate" type="application/atom+xml" title="{name}" href="{self.base}/feed.xml">
<link rel="stylesheet" href="/static/css/herald.css?v=4.2">
{head}</head>
<body class="{cls}">
<header class="masthead"><a class="brand" href="/" rel="home">{name}</a>
<nav class="primary" aria-label="Sections"><ul><li><a href="/">Latest</a></li></ul></nav>
<a class="sign-in" href="/account/login" rel="nofollow">Sign in</a></header>
<main id="main">
{body}
</main>
<footer class="site-footer"><p>© 2018 {name} · <a href="/feed.xml">Feed</a> · <a href="/sitemap.xml">Sitemap</a></p></footer>
</body>
</html>
"""  # noqa: E501

    def html_page(self, title: str, body: str, status: str = "200 OK") -> Page:
        return make_page(self.html(title, f'<h1 class="page-title">{esc(title)}</h1>\n{body}').encode(),
                         status=status, extra=HEADERS)

    def index(self) -> Page:
        items = [{"@type": "ListItem", "position": i, "url": self.base + a.path}
                 for i, a in enumerate(self.listed, 1)]
        teasers = "".join(
            f'<li class="teaser"><h2 class="teaser-title"><a href="{a.path}">{esc(a.title)}</a></h2>\n'
            f'<p class="teaser-meta"><time datetime="{iso(a.published)}">{human(a.published)}</time> · '
            f'<a href="{a.path}#comments">{len(a.comments) if a.comments else "Join the"} comments</a></p>\n'
            f"{blocks_html(a.blocks[:1], nofollow=False)}</li>\n" for a in self.listed)
        head = (f'<link rel="canonical" href="{self.base}/">\n<script type="application/ld+json">'
                f'{ld_json({"@context": SCHEMA, "@type": "ItemList", "itemListElement": items})}</script>\n')
        body = f'<h1 class="page-title">Latest news</h1>\n<ul class="teasers">\n{teasers}</ul>'
        return make_page(self.html("", body, head=head, cls="page front").encode(),
                         modified=self.listed[0].modified, extra=HEADERS)

    def article(self, a: Article, *, disqus: bool = False, mode: str = "") -> Page:
        url = self.base + a.path
        data: dict[str, Any] = {
            "@type": "NewsArticle", "@id": f"{url}#article", "mainEntityOfPage": {"@id": url},
            "headline": a.title, "datePublished": iso(a.published), "dateModified": iso(a.modified),
            "author": {"@type": "Person", "name": a.author.name},
            "publisher": {"@id": f"{self.base}/#publisher"}, "articleSection": SECTIONS[a.section],
        }
        if not disqus:  # one theme lists replies flat, each naming its parent; the others nest them
            data["commentCount"] = len(a.comments)
            flat = a.role == "chunked"
            kids = self.children(a)
            data["comment"] = ([self.ld_comment(url, c, {}, flat=True) for c in a.thread()] if flat else
                               [self.ld_comment(url, c, kids) for c in kids.get(None, [])])
            data = {k: v for k, v in data.items() if v != []}
        graph = {"@context": SCHEMA, "@graph": [
            {"@type": "WebPage", "@id": url, "url": url, "name": a.title,
             "isPartOf": {"@id": f"{self.base}/#website"}},
            data,
            {"@type": "NewsMediaOrganization", "@id": f"{self.base}/#publisher", "name": self.site.name,
             "url": f"{self.base}/"},
        ]}
        head = (f'<link rel="canonical" href="{url}">\n<meta property="og:title" content="{esc(a.title)}">\n'
                f'<meta property="og:url" content="{url}">\n<meta property="article:published_time" '
                f'content="{iso(a.published)}">\n<meta property="article:section" content='
                f'"{SECTIONS[a.section]}">\n<meta name="author" content="{esc(a.author.name)}">\n'
                f'<script type="application/ld+json">{ld_json(graph)}</script>\n')
        story = f"""<header class="story-header"><p class="kicker">{SECTIONS[a.section]}</p>
<h1 class="headline">{esc(a.title)}</h1>
<p class="byline">By <span class="author">{esc(a.author.name)}</span> · <time class="published" datetime="{iso(a.published)}">{human(a.published)}</time></p></header>
<article class="story" id="story-{a.nid}">
<div class="story-body">
{blocks_html(a.blocks, nofollow=False)}</div>
</article>
{self.disqus(a) if disqus else self.comments(a)}"""  # noqa: E501
        legacy = a.role == "legacy"
        text = self.html(a.title, story, head=head, kind="article", cls=f"page article section-{a.section}",
                         charset="windows-1252" if legacy else "utf-8")
        return make_page(text.encode("cp1252", "xmlcharrefreplace") if legacy else text.encode(),
                         "text/html" if legacy else "text/html; charset=utf-8", a.modified,
                         mode=mode or {"slow": "slow", "chunked": "chunked"}.get(a.role, ""),
                         extra=(*HEADERS, ("Link", f'<{url}>; rel="canonical"')))

    @staticmethod
    def children(a: Article) -> dict[int | None, list[Comment]]:
        kids: dict[int | None, list[Comment]] = {}
        for c in a.comments:  # cid order: siblings oldest first, as a.thread() walks them
            kids.setdefault(c.pid, []).append(c)
        return kids

    def ld_comment(self, url: str, c: Comment, kids: dict[int | None, list[Comment]], *,
                   flat: bool = False) -> dict[str, Any]:
        me = f"{url}#comment-{c.cid}"
        node: dict[str, Any] = {"@type": "Comment", "@id": me, "url": me, "dateCreated": iso(c.created)}
        if c.edited:
            node["dateModified"] = iso(c.edited)
        if c.name:
            node["author"] = {"@type": "Person", "name": c.name}
        node["text"] = plain(c.blocks)
        if flat:
            node["parentItem"] = {"@id": f"{url}#comment-{c.pid}" if c.pid else f"{url}#article"}
        elif c.cid in kids:
            node["comment"] = [self.ld_comment(url, k, kids) for k in kids[c.cid]]
        return node

    def comment(self, a: Article, c: Comment, kids: dict[int | None, list[Comment]]) -> str:
        """One comment and its replies, nested inside it, with schema.org microdata."""
        if c.name:
            who = (f'<span class="comment-author" itemprop="author" itemscope itemtype="{SCHEMA}/Person">'
                   f'<span itemprop="name">{esc(c.name)}</span></span>'
                   + ' <span class="badge">guest</span>' * (not c.uid))
        else:
            who = '<span class="comment-author anonymous">Anonymous</span>'
        edited = c.edited and f' <span class="comment-edited" title="{human(c.edited)}">(edited)</span>'
        replies = "".join(self.comment(a, k, kids) for k in kids.get(c.cid, []))
        replies = replies and f'<ol class="comment-replies">\n{replies}</ol>\n'
        return f"""<li class="comment depth-{c.depth}" id="comment-{c.cid}" itemscope itemtype="{SCHEMA}/Comment"><link itemprop="url" href="{self.base}{a.path}#comment-{c.cid}">
<div class="comment-meta">{who} <a class="comment-time" href="#comment-{c.cid}"><time itemprop="dateCreated" datetime="{iso(c.created)}">{human(c.created)}</time></a>{edited or ""}</div>
<div class="comment-body" itemprop="text">{blocks_html(c.blocks, nofollow=True)}</div>
<div class="comment-actions"><a class="reply" href="{a.path}?replyto={c.cid}#respond" rel="nofollow">Reply</a> <a class="report" href="/comments/{c.cid}/report" rel="nofollow">Report</a></div>
{replies}</li>
"""  # noqa: E501

    def comments(self, a: Article) -> str:
        kids, n, back = self.children(a), len(a.comments), quote(a.path, safe="")
        thread = "".join(self.comment(a, c, kids) for c in kids.get(None, []))
        thread = f"""<p class="comment-sort">Sort by <a href="{a.path}?sort=newest" rel="nofollow">newest</a> | <a href="{a.path}?sort=oldest" rel="nofollow">oldest</a></p>
<ol class="comment-list">
{thread}</ol>
""" if n else '<p class="no-comments">No comments yet.</p>\n'  # noqa: E501
        return f"""<section id="comments" class="comments" aria-label="Comments">
<h2 class="comments-title">{n} comment{"s" * (n != 1)}</h2>
{thread}<div id="respond" class="comment-respond"><p><a href="/account/login?return={back}%23respond" rel="nofollow">Sign in</a> to join the conversation.</p></div>
</section>
"""  # noqa: E501

    def disqus(self, a: Article) -> str:
        return f"""<section id="comments" class="comments comments-disqus" aria-label="Comments">
<h2 class="comments-title">Comments</h2>
<div id="disqus_thread"></div>
<script>
var disqus_config = function () {{ this.page.url = "{self.base}{a.path}"; this.page.identifier = "article-{a.nid}"; }};
(function () {{ var d = document, s = d.createElement("script"); s.src = "https://demo-herald.disqus.com/embed.js";
  s.setAttribute("data-timestamp", +new Date()); (d.head || d.body).appendChild(s); }})();
</script>
<noscript>Please enable JavaScript to view the <a href="https://disqus.com/?ref_noscript" rel="nofollow">comments powered by Disqus.</a></noscript>
</section>
"""  # noqa: E501

    # --- feed, sitemap, robots.txt, truth -----------------------------------------------------

    def feed(self) -> str:
        entries = "".join(f"""<entry>
  <title>{esc(a.title)}</title>
  <link rel="alternate" type="text/html" href="{self.base}{a.path}"/>
  <id>{self.base}{a.path}</id>
  <published>{iso(a.published)}</published>
  <updated>{iso(a.modified)}</updated>
  <author><name>{esc(a.author.name)}</name></author>
  <category term="{a.section}" label="{SECTIONS[a.section]}"/>
  <summary type="html">{esc(blocks_html(a.blocks[:1], nofollow=False))}</summary>
</entry>
""" for a in self.listed)
        return ('<?xml version="1.0" encoding="utf-8"?>\n'
                '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">\n'
                f"<title>{esc(self.site.name)}</title>\n<link rel=\"self\" href=\"{self.base}/feed.xml\"/>\n"
                f'<link rel="alternate" type="text/html" href="{self.base}/"/>\n<id>{self.base}/</id>\n'
                f"<updated>{iso(self.listed[0].modified)}</updated>\n{entries}</feed>\n")

    def sitemap(self) -> str:
        s = self.site
        locs = [(self.base + a.path, a.modified) for a in (*s.articles, *self.op_eds)]
        locs += [(self.base + a.path, a.published) for a in (s.gone, s.broken, s.truncated)]
        locs += [(self.base + PDF_PATH, EPOCH), (other_host(self.base) + OFFSITE_PATH, EPOCH)]
        urls = "".join(f"<url><loc>{esc(loc)}</loc><lastmod>{mod.astimezone(timezone.utc):%Y-%m-%dT%H:%M:%SZ}"
                       "</lastmod></url>\n" for loc, mod in locs)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/'
                f'sitemap/0.9">\n{urls}</urlset>\n')

    def robots(self) -> str:
        return ("User-agent: *\n" + "".join(f"Disallow: {p}\n" for p in ROBOTS_DISALLOW)
                + f"\nSitemap: {self.base}/sitemap.xml\n")

    def truth(self) -> dict[str, Any]:
        base, s = self.base, self.site

        def entry(a: Article) -> dict[str, Any]:
            return {
                "nid": a.nid, "url": base + a.path, "title": a.title, "author": a.author.name,
                "published": iso(a.published), "body_text": a.body_text, "comment_count": len(a.comments),
                "thread_pages": [base + a.path], "permalinks": [],
                "comments": [{
                    "comment_id": str(c.cid), "parent_id": str(c.pid) if c.pid else None, "author": c.name,
                    "published": utc_iso(c.created), "text": c.text, "permalink": None, "depth": c.depth,
                    "position": pos, "page": 0,
                } for pos, c in enumerate(a.thread())],
            }

        first, role = s.articles[0], {a.role: base + a.path for a in s.articles}
        return {
            "base_url": base,
            "articles": [entry(a) for a in s.articles]
                        + [entry(a) | {"comments_status": "not_in_html"} for a in self.op_eds],
            "special": {
                "not_found": base + s.gone.path, "server_error": base + s.broken.path,
                "slow": role["slow"], "legacy_charset": role["legacy"], "gzip": base + first.path,
                "chunked": role["chunked"], "truncated": base + s.truncated.path, "pdf": base + PDF_PATH,
                "offsite_in_sitemap": other_host(base) + OFFSITE_PATH,
                "disqus": [base + a.path for a in self.op_eds],
            },
            "traps": [base + first.path + "?sort=newest", base + first.path + "?sort=oldest",
                      f"{base}{first.path}?replyto={first.thread()[0].cid}",
                      f"{base}/comments/{first.thread()[0].cid}/report", f"{base}/account/login",
                      f"{base}/account/login?return={quote(first.path, safe='')}%23respond"],
            "robots_disallowed": [base + p for p in ROBOTS_DISALLOW],
            "seeds": {"index": base + "/", "feed": base + "/feed.xml", "sitemap": base + "/sitemap.xml"},
        }
