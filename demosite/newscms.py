"""Renders a content.Site as an in-house news CMS that no platform knows, to test discovery from
a homepage seed: an archivist seeds `/` and nothing else.

What a crawler has to find on its own, as on real custom news sites:
- the homepage shows the newest listed articles only, as cards (three card layouts), and
  links what an archivist does not want fetched: tag, author, login, search, about, contact
  and privacy pages, social links to other hosts, and an endless "More stories" pager;
- the section pages (`/world/`, `/markets/`, from the navigation) list every listed article
  of their section as cards, with a `?page=N` pager and an Atom feed named in their <head>;
- the newest article is too fresh for the listings (they are served from a cache built
  before it): only the RSS feed (named only in the homepage's <head>) and the sitemaps
  have it; the oldest is archived, off every listing and feed: only the plain sitemap has it;
- robots.txt is the only place naming the sitemap index (there is no /sitemap.xml), which
  points to a Google News sitemap (the newest articles) and a plain one per month (all).

Articles live at dated slug URLs (`/2018/02/07/slug`), state themselves as JSON-LD
NewsArticle and Open Graph, and title their pages "Headline | Site Name". Their comments are
generic schema.org microdata (Comment items nested in their parents, `time[datetime]` with
offset, `#comment-N` permalinks on the article itself), every comment on the article page:
the schema.org platform reads that markup, and it follows no comment pager.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs, quote

from demosite.assets import png
from demosite.content import EST, OFFSITE_PATH, PDF_PATH, Article, Block, Comment, Site
from demosite.toolkit import EPOCH, Page, blocks_html, build_pdf, esc, iso, make_page, other_host

SECTIONS = {"world": "World", "markets": "Markets"}
TAGS = {"world": ("Diplomacy", "Conflict", "Weather"), "markets": ("Energy", "Central Banks", "Currencies")}
HOME_CARDS = 2  # a small site: most listed articles are on section pages only
CARDS_PER_PAGE = 2  # section pages: small, so that the six-article site has a ?page=2
FEED_ITEMS = 5
NEWS_ITEMS = 3  # the Google News sitemap: the newest articles only
SCHEMA = "https://schema.org"
MEDIA_PDF = "/media/2018/02/coalition-strike-report.pdf"
MIRROR_PATH = "/2018/02/09/offsite-mirror"  # OFFSITE_PATH in this site's URL shape
HEADERS = (("Cache-Control", "public, max-age=60"), ("X-Cache", "HIT"))
ROBOTS_DISALLOW = ("/login", "/account/", "/search", "/comments/")
FOLLOW = ("https://twitter.com/demoherald", "https://www.facebook.com/demoherald")
STATIC = {"/about": ("About us", "The Demo Herald is an independent newsroom."),
          "/contact": ("Contact", "Write to the newsroom at news@demoherald.test."),
          "/privacy": ("Privacy policy", "We keep the logs of this site for seven days.")}
SEARCH_LINK = "/search?q=ceasefire"
TRENDING = ("Diplomacy", "Energy")  # tag links on the homepage
HTML = "text/html; charset=utf-8"
AP_MONTHS = ("Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")


def human(dt: datetime) -> str:
    """AP style, as the newsroom writes it: "Feb. 7, 2018, 9:30 p.m. ET"."""
    local = dt.astimezone(EST)
    minute = f":{local.minute:02d}" if local.minute else ""
    return (f"{AP_MONTHS[local.month - 1]} {local.day}, {local.year}, {local.hour % 12 or 12}{minute} "
            f"{'a.m.' if local.hour < 12 else 'p.m.'} ET")


def slug(name: str) -> str:
    return "-".join(name.lower().replace(".", "").split())


def tag_of(a: Article) -> str:
    return TAGS[a.section][a.nid % len(TAGS[a.section])]


def ld_json(data: dict[str, Any]) -> str:
    """JSON that cannot close its <script>."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


# What every page loads (head, header, end of body): a stylesheet with a url() to the logo's
# sprite, a script, the icon and the logo.
ASSETS = {
    "/assets/app.3f9c2e1.css": make_page(b":root { --ink: #111; }\nbody { font: 16px/1.5 Georgia, serif; }\n"
                                         b".logo img { background: url(logo.svg) no-repeat; }\n", "text/css"),
    "/assets/app.3f9c2e1.js": make_page(b"document.documentElement.className += ' js';\n",
                                        "application/javascript"),
    "/assets/favicon.png": make_page(png((180, 20, 40)), "image/png"),
    "/assets/logo.svg": make_page(b'<svg xmlns="http://www.w3.org/2000/svg" width="180" height="32">'
                                  b'<rect width="180" height="32" fill="#b41428"/></svg>', "image/svg+xml"),
}


class NewsCms:
    """Every page of the site at one base URL, rendered once; lookup() routes a request target."""

    def __init__(self, site: Site, base_url: str) -> None:
        self.site, self.base = site, base_url.rstrip("/")
        newest = sorted(site.articles, key=lambda a: a.published, reverse=True)
        self.fresh, self.archived = newest[0], newest[-1]
        self.listed = [a for a in newest if a not in (self.fresh, self.archived)]
        self.home = self.listed[:HOME_CARDS]
        self.fed = [a for a in newest if a is not self.archived][:FEED_ITEMS]
        self.news = newest[:NEWS_ITEMS]
        every = (*site.articles, site.gone, site.broken, site.truncated)
        self.links = {a.path: self.path(a) for a in every} | {PDF_PATH: MEDIA_PDF, OFFSITE_PATH: MIRROR_PATH}
        self.pages: dict[str, Page] = {}
        for a in site.articles:
            self.pages[self.path(a)] = self.article(a)
        self.pages[self.path(site.truncated)] = self.article(site.truncated, mode="truncated")
        self.pages[self.path(site.broken)] = self.html_page(
            "Something went wrong", "<p>Our systems are having a problem. Please try again shortly.</p>",
            status="500 Internal Server Error")
        self.missing = self.html_page("Page not found", "<p>We could not find that page.</p>",
                                      status="404 Not Found")
        self.pages["/"] = self.homepage()
        self.sections: dict[str, list[Page]] = {}
        for sec in SECTIONS:
            arts = [a for a in self.listed if a.section == sec]
            count = max(1, -(-len(arts) // CARDS_PER_PAGE))
            self.sections[sec] = [self.section_page(sec, arts[p * CARDS_PER_PAGE:][:CARDS_PER_PAGE], p + 1,
                                                    count) for p in range(count)]
            self.pages[f"/{sec}"] = self.redirect(f"/{sec}/")
            self.pages[f"/{sec}/feed.atom"] = make_page(
                self.atom(sec, [a for a in self.fed if a.section == sec]).encode(),
                "application/atom+xml; charset=utf-8", self.fed[0].published, extra=HEADERS)
            for t in TAGS[sec]:
                self.pages[f"/tag/{slug(t)}"] = self.listing(
                    t, [a for a in self.listed if a.section == sec and tag_of(a) == t])
        for u in dict.fromkeys(a.author for a in site.articles):  # no hash order
            self.pages[f"/author/{slug(u.name)}"] = self.listing(
                u.name, [a for a in self.listed if a.author == u], kicker="Reporter")
        self.pages["/feeds/latest.rss"] = make_page(self.rss().encode(), "application/rss+xml; charset=utf-8",
                                                    self.fed[0].published, extra=HEADERS)
        self.pages["/robots.txt"] = make_page(self.robots().encode(), "text/plain; charset=utf-8")
        for path, xml in self.sitemaps().items():
            self.pages[path] = make_page(xml.encode(), "application/xml; charset=utf-8", extra=HEADERS)
        self.pages[MEDIA_PDF] = make_page(build_pdf(), "application/pdf")
        self.pages.update(ASSETS)  # the page requisites every page loads
        self.pages[MIRROR_PATH] = self.html_page("Mirror", "<p>Another host name's copy.</p>")
        for path, (title, text) in STATIC.items():
            self.pages[path] = self.html_page(title, f"<p>{esc(text)}</p>")
        self.login = self.html_page("Sign in", '<form class="sign-in" action="/login" method="post"><input '
                                    'type="email" name="email"><input type="password" name="password">'
                                    "<button>Sign in</button></form>")

    @staticmethod
    def path(a: Article) -> str:
        return f"/{a.published.astimezone(EST):%Y/%m/%d}/{a.slug}"

    def lookup(self, target: str) -> Page:
        path, _, query = target.partition("#")[0].partition("?")
        if (page := self.pages.get(path)) is not None:
            return page  # an article answers whatever its query: ?sort=, ?replyto=, ?utm_source=
        if path.strip("/") in self.sections:
            pages = self.sections[path.strip("/")]
            number = parse_qs(query).get("page", ["1"])[0]
            ok = number.isdigit() and 1 <= int(number) <= len(pages)
            return pages[int(number) - 1] if ok else self.missing
        if path.startswith("/page/") and path[6:].isdigit() and int(path[6:]) >= 1:
            return self.more(int(path[6:]))
        if path == "/search":
            q = esc(parse_qs(query).get("q", [""])[0])
            return self.html_page("Search", f'<form action="/search" method="get"><input name="q" '
                                  f'value="{q}"></form><p>No results for “{q}”.</p>')
        if path.startswith(("/login", "/account/", "/comments/")):
            return self.login
        return self.missing

    # --- pages --------------------------------------------------------------------------------

    def html(self, title: str, main: str, *, head: str = "", cls: str = "", charset: str = "utf-8") -> str:
        name = esc(self.site.name)
        nav = "".join(f'<li><a href="/{sec}/">{label}</a></li>' for sec, label in SECTIONS.items())
        return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="{charset}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title) + " | " if title else ""}{name}</title>
<meta property="og:site_name" content="{name}">
<link rel="icon" href="/assets/favicon.png">
<link rel="stylesheet" href="/assets/app.3f9c2e1.css">
{head}</head>
<body class="{cls}">
<a class="skip" href="#content">Skip to content</a>
<header class="topbar">
<a class="logo" href="/"><img src="/assets/logo.svg" alt="{name}" width="180" height="32"></a>
<nav class="sections" aria-label="Sections"><ul>{nav}</ul></nav>
<form class="search" action="/search" method="get" role="search"><input type="search" name="q" placeholder="Search"></form>
<a class="account" href="/login">Sign in</a>
</header>
<main id="content">
{main}
</main>
<footer class="bottom">
<ul class="follow"><li><a href="{FOLLOW[0]}">Twitter</a></li><li><a href="{FOLLOW[1]}">Facebook</a></li></ul>
<ul class="legal"><li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li><li><a href="/privacy">Privacy</a></li></ul>
<p>© 2018 {name}</p>
</footer>
<script src="/assets/app.3f9c2e1.js" defer></script>
</body>
</html>
"""  # noqa: E501

    def html_page(self, title: str, body: str, status: str = "200 OK") -> Page:
        return make_page(self.html(title, f"<h1>{esc(title)}</h1>\n{body}", cls="page").encode(), HTML,
                         status=status, extra=HEADERS)

    def redirect(self, location: str) -> Page:
        return make_page(b"", HTML, status="301 Moved Permanently",
                         extra=(*HEADERS, ("Location", self.base + location)))

    def card(self, a: Article) -> str:
        """Three layouts, as a front page mixes them; each article keeps one everywhere."""
        href, title, when = self.path(a), esc(a.title), iso(a.published)
        teaser = esc(a.blocks[0].text)
        meta = (f'<p class="card-meta"><a class="card-author" href="/author/{slug(a.author.name)}">'
                f'{esc(a.author.name)}</a> · <time datetime="{when}">{human(a.published)}</time></p>')
        layout = a.nid % 3
        if layout == 0:  # the heading inside the link
            head = f'<a class="card-link" href="{href}"><h2 class="card-title">{title}</h2></a>'
        elif layout == 1:  # the link inside the heading
            head = f'<h3 class="card-title"><a href="{href}">{title}</a></h3>'
        else:  # an image link and a heading link
            head = (f'<a class="card-media" href="{href}" tabindex="-1"><img src="/media/thumbs/{a.nid}.jpg" '
                    f'alt="" width="320" height="180"></a>\n<h2 class="card-title"><a href="{href}">{title}'
                    "</a></h2>")
        return (f'<article class="card card--{a.section}">\n{head}\n{meta}\n<p class="card-teaser">{teaser}'
                f'</p>\n<a class="card-comments" href="{href}#comments">{len(a.comments)} comments</a>\n'
                "</article>\n")

    def homepage(self) -> Page:
        url = self.base + "/"
        shares = "".join(f'<li><a href="{esc(u)}" rel="noopener" target="_blank">{n}</a></li>' for n, u in (
            ("Share on Twitter", f"https://twitter.com/intent/tweet?url={quote(url, safe='')}"),
            ("Share on Facebook", f"https://www.facebook.com/sharer/sharer.php?u={quote(url, safe='')}")))
        trending = "".join(f'<li><a href="/tag/{slug(t)}">{t}</a></li>' for t in TRENDING)
        data = {"@context": SCHEMA, "@graph": [
            {"@type": "WebSite", "@id": f"{url}#website", "url": url, "name": self.site.name,
             "potentialAction": {"@type": "SearchAction", "target": f"{url}search?q={{search_term_string}}",
                                 "query-input": "required name=search_term_string"}},
            {"@type": "NewsMediaOrganization", "@id": f"{url}#org", "name": self.site.name, "url": url,
             "sameAs": list(FOLLOW)}]}
        head = (f'<link rel="canonical" href="{url}">\n<meta property="og:type" content="website">\n'
                f'<meta property="og:title" content="{esc(self.site.name)}">\n'
                f'<link rel="alternate" type="application/rss+xml" title="{esc(self.site.name)}: Latest" '
                f'href="/feeds/latest.rss">\n<script type="application/ld+json">{ld_json(data)}</script>\n')
        main = f"""<section class="front" aria-label="Top stories">
{"".join(self.card(a) for a in self.home)}</section>
<aside class="trending"><h2>Trending</h2><ul>{trending}<li><a href="{SEARCH_LINK}">Ceasefire talks</a></li></ul></aside>
<aside class="share"><h2>Share this page</h2><ul>{shares}</ul></aside>
<nav class="more" aria-label="More stories"><a href="/page/2">More stories</a></nav>"""  # noqa: E501
        return make_page(self.html("", main, head=head, cls="front-page").encode(), HTML,
                         self.home[0].modified if self.home else EPOCH, extra=HEADERS)

    def more(self, number: int) -> Page:
        """`/page/N`: the listed articles after the homepage's, then an empty page, forever:
        "More stories" is always linked (a pager with no end)."""
        arts = self.listed[HOME_CARDS:][(number - 2) * HOME_CARDS:][:HOME_CARDS] if number > 1 else self.home
        cards = "".join(self.card(a) for a in arts) or '<p class="empty">No more stories.</p>'
        main = (f'<h1>More stories</h1>\n<section class="stream">\n{cards}</section>\n'
                f'<nav class="more"><a href="/page/{number + 1}">More stories</a></nav>')
        return make_page(self.html(f"More stories, page {number}", main, cls="stream-page").encode(), HTML,
                         extra=HEADERS)

    def section_page(self, sec: str, arts: list[Article], number: int, count: int) -> Page:
        def at(n: int) -> str:
            return f"/{sec}/" + f"?page={n}" * (n > 1)

        links = [f'<link rel="prev" href="{at(number - 1)}">'] * (number > 1)
        links += [f'<link rel="next" href="{at(number + 1)}">'] * (number < count)
        head = (f'<link rel="canonical" href="{self.base}{at(number)}">\n<meta property="og:type" content='
                f'"website">\n<meta property="og:title" content="{SECTIONS[sec]}">\n{"".join(links)}\n<link '
                f'rel="alternate" type="application/atom+xml" title="{SECTIONS[sec]}" '
                f'href="/{sec}/feed.atom">\n')
        pager = "".join(f'<li class="current"><span>{n}</span></li>' if n == number else
                        f'<li><a href="{at(n)}">{n}</a></li>' for n in range(1, count + 1))
        pager = (f'<li><a href="{at(number - 1)}" rel="prev">Newer</a></li>' * (number > 1) + pager
                 + f'<li><a href="{at(number + 1)}" rel="next">Older</a></li>' * (number < count))
        main = (f'<h1 class="section-title">{SECTIONS[sec]}</h1>\n<section class="stream">\n'
                f'{"".join(self.card(a) for a in arts)}</section>\n'
                + f'<nav class="pagination" aria-label="Pages"><ol>{pager}</ol></nav>' * (count > 1))
        title = SECTIONS[sec] + f" (page {number})" * (number > 1)
        return make_page(self.html(title, main, head=head, cls=f"section-page section-{sec}").encode(), HTML,
                         extra=HEADERS)

    def listing(self, title: str, arts: list[Article], kicker: str = "Topic") -> Page:
        """Tag and author pages: cards too, and nothing an archivist needs."""
        main = (f'<p class="kicker">{kicker}</p><h1>{esc(title)}</h1>\n<section class="stream">\n'
                f'{"".join(self.card(a) for a in arts)}</section>')
        return make_page(self.html(title, main, cls="listing-page").encode(), HTML, extra=HEADERS)

    def body(self, blocks: tuple[Block, ...], *, nofollow: bool) -> str:
        """Paragraphs with their links pointing where this site keeps the article or file."""
        relinked = tuple(replace(b, parts=tuple(
            p if isinstance(p, str) else (p[0], self.links.get(p[1], p[1])) for p in b.parts))
            for b in blocks)
        return blocks_html(relinked, nofollow=nofollow)

    def article(self, a: Article, *, mode: str = "") -> Page:
        path = self.path(a)
        url = self.base + path
        data = {"@context": SCHEMA, "@type": "NewsArticle",
                "mainEntityOfPage": {"@type": "WebPage", "@id": url},
                "headline": a.title, "datePublished": iso(a.published), "dateModified": iso(a.modified),
                "author": [{"@type": "Person", "name": a.author.name,
                            "url": f"{self.base}/author/{slug(a.author.name)}"}],
                "articleSection": SECTIONS[a.section], "commentCount": len(a.comments),
                "publisher": {"@type": "NewsMediaOrganization", "name": self.site.name,
                              "url": self.base + "/"}}
        head = (f'<link rel="canonical" href="{url}">\n<meta name="description" content="'
                f'{esc(a.blocks[0].text)}">\n<meta property="og:type" content="article">\n<meta property='
                f'"og:title" content="{esc(a.title)}">\n<meta property="og:url" content="{url}">\n<meta '
                f'property="article:published_time" content="{iso(a.published)}">\n<script type='
                f'"application/ld+json">{ld_json(data)}</script>\n')
        shares = "".join(f'<li><a href="{esc(u)}" rel="noopener" target="_blank">{n}</a></li>' for n, u in (
            ("Twitter", f"https://twitter.com/intent/tweet?url={quote(url, safe='')}&text={quote(a.title)}"),
            ("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={quote(url, safe='')}"),
            ("Email", f"mailto:?subject={quote(a.title)}&body={quote(url, safe='')}")))
        tag = tag_of(a)
        main = f"""<article class="story" id="story-{a.nid}">
<header class="story-head">
<p class="kicker"><a href="/{a.section}/">{SECTIONS[a.section]}</a></p>
<h1 class="story-title">{esc(a.title)}</h1>
<p class="byline">By <a rel="author" href="/author/{slug(a.author.name)}">{esc(a.author.name)}</a></p>
<p class="dateline"><time datetime="{iso(a.published)}">{human(a.published)}</time></p>
</header>
<div class="story-body">
{self.body(a.blocks, nofollow=False)}</div>
<footer class="story-foot"><ul class="tags"><li><a href="/tag/{slug(tag)}">{tag}</a></li></ul>
<ul class="share">{shares}</ul></footer>
</article>
{self.comments(a)}"""
        legacy = a.role == "legacy"  # an old template still declaring windows-1252, in <meta> only
        text = self.html(a.title, main, head=head, cls=f"story-page section-{a.section}",
                         charset="windows-1252" if legacy else "utf-8")
        return make_page(text.encode("cp1252", "xmlcharrefreplace") if legacy else text.encode(),
                         "text/html" if legacy else HTML, a.modified,
                         mode=mode or {"slow": "slow", "chunked": "chunked"}.get(a.role, ""), extra=HEADERS)

    def comment(self, a: Article, c: Comment, kids: dict[int | None, list[Comment]]) -> str:
        """One comment as schema.org microdata, its replies nested inside it."""
        path, me = self.path(a), f"comment-{c.cid}"
        who = (f'<span class="cmt-author" itemprop="author" itemscope itemtype="{SCHEMA}/Person"><span '
               f'itemprop="name">{esc(c.name)}</span></span>' if c.name else
               '<span class="cmt-author cmt-author--anon">Anonymous</span>')
        edited = f' <span class="cmt-edited" title="{human(c.edited)}">(edited)</span>' if c.edited else ""
        replies = "".join(self.comment(a, k, kids) for k in kids.get(c.cid, []))
        replies = replies and f'<div class="cmt-replies">\n{replies}</div>\n'
        return f"""<div class="cmt" id="{me}" itemscope itemtype="{SCHEMA}/Comment">
<link itemprop="url" href="{path}#{me}">
<div class="cmt-head">{who} <a class="cmt-time" href="{path}#{me}"><time itemprop="dateCreated" datetime="{iso(c.created)}">{human(c.created)}</time></a>{edited}</div>
<div class="cmt-text" itemprop="text">{self.body(c.blocks, nofollow=True)}</div>
<div class="cmt-tools"><a href="{path}?replyto={c.cid}#reply" rel="nofollow">Reply</a> <a href="/comments/{c.cid}/report" rel="nofollow">Report</a></div>
{replies}</div>
"""  # noqa: E501

    def comments(self, a: Article) -> str:
        kids: dict[int | None, list[Comment]] = {}
        for c in a.comments:  # cid order: siblings oldest first, as a.thread() walks them
            kids.setdefault(c.pid, []).append(c)
        n, path = len(a.comments), self.path(a)
        thread = "".join(self.comment(a, c, kids) for c in kids.get(None, []))
        sort = (f'<p class="cmt-sort">Sort: <a href="{path}?sort=newest" rel="nofollow">Newest</a> · '
                f'<a href="{path}?sort=oldest" rel="nofollow">Oldest</a></p>\n') if n else ""
        return (f'<section class="discussion" id="comments" aria-label="Comments">\n<h2>{n} comment'
                f'{"s" * (n != 1)}</h2>\n{sort}<div class="thread">\n{thread}</div>\n<div id="reply" '
                f'class="cmt-form"><a href="/login?next={quote(path, safe="")}%23reply" rel="nofollow">'
                "Sign in</a> to comment.</div>\n</section>\n")

    # --- feeds, sitemaps, robots.txt ------------------------------------------------------------

    def rss(self) -> str:
        items = "".join(f"""<item><title>{esc(a.title)}</title><link>{self.base}{self.path(a)}</link>
<guid isPermaLink="true">{self.base}{self.path(a)}</guid><pubDate>{format_datetime(a.published)}</pubDate>
<dc:creator>{esc(a.author.name)}</dc:creator><category>{SECTIONS[a.section]}</category>
<description>{esc(a.blocks[0].text)}</description></item>
""" for a in self.fed)
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/'
                f'elements/1.1/">\n<channel><title>{esc(self.site.name)}: Latest</title><link>{self.base}/'
                f"</link><description>The latest stories</description><language>en-us</language>\n{items}"
                "</channel>\n</rss>\n")

    def atom(self, sec: str, arts: list[Article]) -> str:
        entries = "".join(f"""<entry><title>{esc(a.title)}</title><link rel="alternate" href="{self.base}{self.path(a)}"/>
<id>{self.base}{self.path(a)}</id><published>{iso(a.published)}</published><updated>{iso(a.modified)}</updated>
<author><name>{esc(a.author.name)}</name></author><summary>{esc(a.blocks[0].text)}</summary></entry>
""" for a in arts)  # noqa: E501
        updated = iso(arts[0].modified) if arts else iso(EPOCH)
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n<title>'
                f'{esc(self.site.name)}: {SECTIONS[sec]}</title>\n<link rel="self" href="{self.base}/{sec}/'
                f'feed.atom"/>\n<link rel="alternate" href="{self.base}/{sec}/"/>\n<id>{self.base}/{sec}/'
                "</id>\n"
                f"<updated>{updated}</updated>\n{entries}</feed>\n")

    def sitemaps(self) -> dict[str, str]:
        """The index, the Google News sitemap and one plain sitemap per month."""
        s, ns = self.site, 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'

        def w3c(dt: datetime) -> str:
            return f"{dt.astimezone(timezone.utc):%Y-%m-%dT%H:%M:%SZ}"

        news = "".join(f"""<url><loc>{self.base}{self.path(a)}</loc><news:news><news:publication><news:name>{esc(s.name)}</news:name><news:language>en</news:language></news:publication><news:publication_date>{iso(a.published)}</news:publication_date><news:title>{esc(a.title)}</news:title></news:news></url>
""" for a in self.news)  # noqa: E501
        out = {"/sitemaps/news.xml": f'<urlset {ns} xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
                                     f"\n{news}</urlset>"}
        locs = [(self.base + self.path(a), a.published, a.modified) for a in s.articles]
        locs += [(self.base + self.path(a), a.published, a.published)
                 for a in (s.gone, s.broken, s.truncated)]
        locs += [(self.base + MEDIA_PDF, EPOCH, EPOCH), (other_host(self.base) + MIRROR_PATH, EPOCH, EPOCH)]
        months: dict[str, list[tuple[str, datetime]]] = {}
        for loc, published, mod in locs:  # by month of publication, as the CMS files them
            path = f"/sitemaps/articles-{published.astimezone(timezone.utc):%Y-%m}.xml"
            months.setdefault(path, []).append((loc, mod))
        for path, entries in sorted(months.items()):
            urls = "".join(f"<url><loc>{esc(loc)}</loc><lastmod>{w3c(mod)}</lastmod></url>\n"
                           for loc, mod in entries)
            out[path] = f"<urlset {ns}>\n{urls}</urlset>"
        index = "".join(f"<sitemap><loc>{self.base}{path}</loc></sitemap>\n" for path in out)
        return {path: f'<?xml version="1.0" encoding="UTF-8"?>\n{xml}\n' for path, xml in
                (("/sitemap-index.xml", f"<sitemapindex {ns}>\n{index}</sitemapindex>"), *out.items())}

    def robots(self) -> str:
        return ("# robots.txt for demoherald\nUser-agent: *\n"
                + "".join(f"Disallow: {p}\n" for p in ROBOTS_DISALLOW)
                + f"\nSitemap: {self.base}/sitemap-index.xml\n")

    # --- truth --------------------------------------------------------------------------------

    def truth(self) -> dict[str, Any]:
        """The schema of the other platforms' truths, seeded with the homepage only, and what a
        discovery test needs: which article is found where, and which pages are discovery pages."""
        base, s = self.base, self.site

        def entry(a: Article) -> dict[str, Any]:
            return {
                "nid": a.nid, "url": base + self.path(a), "title": a.title, "author": a.author.name,
                "published": iso(a.published), "body_text": a.body_text, "comment_count": len(a.comments),
                "thread_pages": [base + self.path(a)], "permalinks": [],  # #comment-N: on the article page
                "comments": [{
                    "comment_id": str(c.cid), "parent_id": str(c.pid) if c.pid else None, "author": c.name,
                    "published": c.created.astimezone(timezone.utc).isoformat(), "text": c.text,
                    "permalink": None, "depth": c.depth, "position": pos, "page": 0,
                } for pos, c in enumerate(a.thread())],
            }

        def urls(arts: list[Article]) -> list[str]:
            return [base + self.path(a) for a in arts]

        first, role = s.articles[0], {a.role: base + self.path(a) for a in s.articles}
        fp, on_home = self.path(first), set(self.home)
        unwanted = [*(f"/tag/{slug(t)}" for t in TRENDING), SEARCH_LINK, "/login", *STATIC,
                    *dict.fromkeys(f"/author/{slug(a.author.name)}" for a in self.home)]
        # "More stories" is the homepage's own pager: older stories on /page/2, and the first
        # page listing nothing new (/page/3) ends the walk; /page/4 on is never needed
        pages = ["/", "/page/2", "/page/3", "/robots.txt", "/feeds/latest.rss", *self.sitemaps()]
        for sec, listing in self.sections.items():
            pages += [f"/{sec}/" + f"?page={n}" * (n > 1) for n in range(1, len(listing) + 1)]
            pages.append(f"/{sec}/feed.atom")
        return {
            "base_url": base,
            "articles": [entry(a) for a in s.articles],
            "special": {
                "not_found": base + self.path(s.gone), "server_error": base + self.path(s.broken),
                "slow": role["slow"], "legacy_charset": role["legacy"], "gzip": base + fp,
                "chunked": role["chunked"], "truncated": base + self.path(s.truncated),
                "pdf": base + MEDIA_PDF,
                "offsite_in_sitemap": other_host(base) + MIRROR_PATH,
            },
            "traps": [base + t for t in (
                *unwanted, "/page/4", f"/tag/{slug(tag_of(first))}", f"{fp}?sort=newest",
                f"{fp}?replyto={first.thread()[0].cid}", f"/comments/{first.thread()[0].cid}/report",
                f"/login?next={quote(fp, safe='')}%23reply")],
            "robots_disallowed": [base + p for p in ROBOTS_DISALLOW],
            "seeds": {"index": base + "/"},
            "requisites": {"fetched": [base + p for p in ASSETS]},
            "discovery": {
                "article_urls": urls(list(s.articles)),
                "pages": [base + p for p in pages],  # homepage, sections and their pagers, robots.txt,
                # the sitemaps and the feeds: all a crawl needs to fetch besides articles and threads
                "on_homepage": urls(self.home),
                "sections_only": urls([a for a in self.listed if a not in on_home]),
                "feed_and_sitemap_only": urls([self.fresh]),
                "sitemap_only": urls([self.archived]),
                "homepage_unwanted": [base + t for t in unwanted],  # same host; traps has them too
                "sitemap_extras": [base + self.path(a) for a in (s.gone, s.broken, s.truncated)]
                + [base + MEDIA_PDF, other_host(base) + MIRROR_PATH],  # listed, not articles
                "offsite_links": [*FOLLOW, "https://twitter.com/intent/tweet",
                                  "https://www.facebook.com/sharer/sharer.php"],
            },
        }
