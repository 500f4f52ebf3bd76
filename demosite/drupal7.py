"""Renders a content.Site as Drupal 7 (Bartik theme, RDF module) responses, each encoded once."""

# ruff: noqa: RUF001  (the pager arrows are Drupal's own)

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs

from demosite import assets
from demosite.content import (
    COMMENTS_PER_PAGE,
    EST,
    OFFSITE_PATH,
    PDF_PATH,
    Article,
    Comment,
    Site,
)
from demosite.toolkit import EPOCH, Page, blocks_html, build_pdf, esc, iso, make_page, other_host

NODES_PER_PAGE = 10  # Drupal 7 default_nodes_main
SECTIONS = {"world": (1, "World"), "markets": (2, "Markets")}  # taxonomy term id, name
SEARCH_LINK = "/search/node?keys=coalition"
ROBOTS_DISALLOW = (  # Drupal 7's robots.txt, plus the calendar
    *(f"/{d}/" for d in ("includes", "misc", "modules", "profiles", "scripts", "themes")),
    *(f"/{f}" for f in ("CHANGELOG.txt", "cron.php", "INSTALL.mysql.txt", "INSTALL.pgsql.txt",
                        "INSTALL.sqlite.txt", "install.php", "INSTALL.txt", "LICENSE.txt",
                        "MAINTAINERS.txt", "update.php", "UPGRADE.txt", "xmlrpc.php")),
    *(f"/{q}{p}/" for q in ("", "?q=") for p in ("admin", "comment/reply", "filter/tips", "node/add",
                                                "search", "user/register", "user/password",
                                                "user/login", "user/logout")),
    "/calendar/",
)
ROBOTS_ALLOW = tuple(f"/{d}/*.{x}" for d in ("misc", "modules", "profiles", "themes")
                     for x in ("css$", "css?", "js$", "js?", "gif", "jpg", "jpeg", "png"))
DRUPAL_HEADERS = (
    ("Expires", "Sun, 19 Nov 1978 05:00:00 GMT"), ("Cache-Control", "no-cache, must-revalidate"),
    ("X-Content-Type-Options", "nosniff"), ("Content-Language", "en"), ("X-Frame-Options", "SAMEORIGIN"),
    ("X-Generator", "Drupal 7 (http://drupal.org)"), ("Set-Cookie", "has_js=1; path=/"),
    ("Set-Cookie", "SESS6f1c0f3c2b9a8e7d=Jq2yB7mK0pX9vL4sR8tW1n; expires=Sat, 03-Mar-2018 17:00:00 GMT; "
                   "Max-Age=2000000; path=/; HttpOnly"),
)


def drupal_page(body: bytes, ctype: str = "text/html; charset=utf-8", modified: datetime = EPOCH,
                *, status: str = "200 OK", mode: str = "", extra: tuple[tuple[str, str], ...] = ()) -> Page:
    """A response from Drupal's index.php: its no-cache headers and session cookie, no ETag
    (robots.txt and files are static, served by Apache: toolkit.make_page)."""
    return make_page(body, ctype, modified, status=status, mode=mode, etag=False,
                     extra=(*DRUPAL_HEADERS, *extra))


def medium(dt: datetime) -> str:
    """Drupal's "medium" date format."""
    return dt.astimezone(EST).strftime("%a, %m/%d/%Y - %H:%M")


def subject(c: Comment) -> str:
    """Drupal 7 comment subject: the body's first 29 characters, cut at a word boundary."""
    s = " ".join(b.text.removeprefix("> ") if b.quote else b.text for b in c.blocks)
    m = re.match(r"(.{1,29})[\s.,;:!?]", s) if len(s) > 29 else None
    return m.group(1) if m else s[:29]


def username(uid: int, name: str | None) -> str:
    rdf = 'xml:lang="" typeof="sioc:UserAccount" property="foaf:name" datatype=""'
    if uid:
        return (f'<a href="/user/{uid}" title="View user profile." class="username" xml:lang="" '
                f'about="/user/{uid}" typeof="sioc:UserAccount" property="foaf:name" datatype="">'
                f"{esc(name or '')}</a>")
    return f'<span class="username" {rdf}>{esc(name or "Anonymous")} (not verified)</span>'


def item_list(items: list[tuple[str, str]]) -> str:
    """<li>s with Drupal's first/last classes."""
    return "".join(f'<li class="{c}{" first" * (k == 0)}{" last" * (k == len(items) - 1)}">{x}</li>'
                   for k, (c, x) in enumerate(items))


def pager(path: str, current: int, total: int) -> str:
    """theme_pager(): nine page links around the current one, 0-based ?page=N."""
    if total <= 1:
        return ""

    def a(title: str, p: int, text: str) -> str:
        return f'<a title="{title}" href="{path}{f"?page={p}" if p else ""}">{text}</a>'

    items = [("pager-first", a("Go to first page", 0, "« first")),
             ("pager-previous", a("Go to previous page", current - 1, "‹ previous"))] * (current > 0)
    cur = current + 1
    first, last = cur - 4, cur + 4
    if last > total:
        first, last = first + total - last, total
    if first <= 0:
        first, last = 1, last + 1 - first
    items += [("pager-ellipsis", "…")] * (first > 1)
    items += [("pager-current", str(i)) if i == cur else ("pager-item", a(f"Go to page {i}", i - 1, str(i)))
              for i in range(first, min(last, total) + 1)]
    items += [("pager-ellipsis", "…")] * (last < total)
    items += [("pager-next", a("Go to next page", current + 1, "next ›")),
              ("pager-last", a("Go to last page", total - 1, "last »"))] * (cur < total)
    return f'<h2 class="element-invisible">Pages</h2><div class="item-list"><ul class="pager">{item_list(items)}</ul></div>'  # noqa: E501


def body_classes(internal: str) -> str:
    """Drupal 7 body classes; page-* from the internal path (node/5: page-node page-node- page-node-5)."""
    out, prefix = ["html", "front" if internal == "node" else "not-front", "not-logged-in", "one-sidebar",
                   "sidebar-first"], "page"
    for arg in internal.split("/"):
        if arg.isdigit():
            out += [f"{prefix}-", f"{prefix}-{arg}"]
        else:
            prefix = f"{prefix}-{arg.replace('-', '')}"
            out.append(prefix)
    return " ".join(out)


class Drupal7:
    """Every page of one site at one base URL, built up front; lookup() routes a request target."""

    def __init__(self, site: Site, base_url: str) -> None:
        self.site, self.base = site, base_url.rstrip("/")
        self.nodes = {a.nid: a for a in (*site.articles, site.truncated)}
        self.threads = {nid: a.thread() for nid, a in self.nodes.items()}
        self.alias = {f"node/{nid}": a.path for nid, a in self.nodes.items()}
        self.newest = sorted(site.articles, key=lambda a: a.published, reverse=True)
        self.exact: dict[str, Page] = {}  # full target, query included
        self.paged: dict[str, list[Page]] = {}  # path -> pages chosen by ?page=N
        self.fixed: dict[str, Page] = {}  # path, any query
        self._cache: dict[str, Page] = {}  # on-demand pages (traps, 404s), bounded
        for a in site.articles:
            pages = [self.article(a, p) for p in range(a.page_count)]
            self.paged[a.path] = self.paged[f"/node/{a.nid}"] = pages
            # the redirect module's answer to an old path: 301 to the current alias
            self.fixed[f"/story/{a.nid}"] = drupal_page(
                b"", status="301 Moved Permanently", extra=(("Location", self.base + a.path),))
            for pos, c in enumerate(self.threads[a.nid]):  # comment_permalink(): the page holding it
                self.fixed[f"/comment/{c.cid}"] = pages[pos // COMMENTS_PER_PAGE]
        t = site.truncated
        self.fixed[t.path] = self.fixed[f"/node/{t.nid}"] = cut = self.article(t, 0, "truncated")
        self.fixed.update({f"/comment/{c.cid}": cut for c in t.comments})
        self.paged["/"] = self.paged["/node"] = self.listing(self.newest, "/", "", "node")
        for sec, (tid, name) in SECTIONS.items():
            self.paged[f"/section/{sec}"] = self.listing([a for a in self.newest if a.section == sec],
                                                         f"/section/{sec}", name, f"taxonomy/term/{tid}")
        for path in ("/user", "/user/login", "/user/register", "/user/password"):
            self.fixed[path] = self.html_page("User account", '<form action="/user/login" method="post" '
                                              'id="user-login"><input type="text" name="name" /></form>'
                                              '<a href="/user/register">Create new account</a>', path[1:])
        for u in site.users:
            self.fixed[f"/user/{u.uid}"] = self.html_page(u.name, f'<div class="profile" about="/user/'
                                                          f'{u.uid}"><dl><dt>Member for</dt><dd>2 years '
                                                          "3 months</dd></dl></div>", f"user/{u.uid}")
        self.fixed[site.gone.path] = self.not_found(site.gone.path)
        self.fixed[site.broken.path] = drupal_page(
            f'<!DOCTYPE html>\n<html><head><title>Error | {esc(site.name)}</title></head><body class="'
            'maintenance-page in-maintenance no-sidebars"><h1 class="title" id="page-title">Error</h1>\n'
            "The website encountered an unexpected error. Please try again later.</body></html>\n".encode(),
            status="500 Service unavailable (with message)")  # _drupal_log_error() on a fatal error
        self.fixed[OFFSITE_PATH] = self.html_page("Mirror", "<p>Another host name's copy.</p>", "mirror")
        self.fixed["/robots.txt"] = make_page(self.robots().encode(), "text/plain")
        self.fixed["/rss.xml"] = drupal_page(self.rss().encode(), "application/rss+xml; charset=utf-8",
                                           self.newest[0].published, mode="chunked")
        self.fixed[PDF_PATH] = make_page(build_pdf(), "application/pdf")
        self.fixed.update(assets.pages())
        for i, xml in enumerate(self.sitemaps()):
            self.exact["/sitemap.xml" + f"?page={i}" * bool(i)] = drupal_page(xml.encode(), "text/xml")

    def truth(self) -> dict[str, Any]:
        return ground_truth(self.site, self.base)

    def lookup(self, target: str) -> Page:
        path, _, query = target.partition("?")
        if (page := self.exact.get(target)) is not None:
            return page
        if (pages := self.paged.get(path)) is not None:  # pager_find_page(): (int) $_GET['page'], clamped
            m = re.search(r"(?:^|&)page=(\d+)", query)
            return pages[min(int(m.group(1)) if m else 0, len(pages) - 1)]
        if (page := self.fixed.get(path) or self._cache.get(target)) is not None:
            return page
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[target] = page = self.dynamic(path, query, target)
        return page

    def dynamic(self, path: str, query: str, target: str) -> Page:
        """Pages a crawler can generate without end: calendars, reply forms, searches, 404s."""
        if (m := re.fullmatch(r"/calendar/(\d{4})-(\d\d)", path)) and 1 <= int(m[2]) <= 12:
            return self.calendar(int(m[1]), int(m[2]))
        if (m := re.fullmatch(r"/comment/reply/(\d+)(/\d+)?", path)) and int(m[1]) in self.nodes:
            return self.html_page("Add new comment", f'<form class="comment-form" action="/comment/reply/'
                                  f'{m[1]}" method="post" id="comment-form"><textarea name="comment_body">'
                                  '</textarea><input type="submit" value="Save" /></form>', path[1:])
        if path.startswith("/search/"):
            keys = esc(parse_qs(query).get("keys", [""])[0])
            return self.html_page("Search", f'<form action="/search/node" method="post" id="search-form">'
                                  f'<input type="text" name="keys" value="{keys}" /></form>'
                                  "<h2>Your search yielded no results</h2>", "search/node")
        return self.not_found(target)

    def calendar(self, year: int, month: int) -> Page:
        """Every month links to the previous and the next one, forever."""
        prev, nxt = divmod(year * 12 + month - 2, 12), divmod(year * 12 + month, 12)
        arts = [a for a in self.newest if (a.published.year, a.published.month) == (year, month)]
        rows = "".join(f'<li><a href="{a.path}">{esc(a.title)}</a></li>' for a in arts) or "<li>None.</li>"
        nav = item_list([(f"date-{d}", f'<a href="/calendar/{y:04d}-{m + 1:02d}" title="Navigate to {d} '
                          f'month" rel="nofollow">{t}</a>') for d, (y, m), t in
                         (("prev", prev, "« Prev"), ("next", nxt, "Next »"))])
        body = f'<div class="view view-calendar"><ul class="pager">{nav}</ul><ul>{rows}</ul></div>'
        return self.html_page(f"{datetime(2000, month, 1):%B} {year}", body, f"calendar/{year}-{month}")

    # --- HTML pages ---------------------------------------------------------------------------

    def html(self, title: str, content: str, internal: str, *, head: str = "", charset: str = "utf-8") -> str:
        """Bartik's html.tpl.php + page.tpl.php around the content."""
        path = "/" if internal == "node" else self.alias.get(internal, "/" + internal)
        settings = json.dumps({"basePath": "/", "pathPrefix": "", "ajaxPageState": {
            "theme": "bartik", "theme_token": hashlib.md5(internal.encode()).hexdigest()[:22]}},
            separators=(",", ":")).replace("/", "\\/")
        menu = item_list([(f"menu-{218 + i}" + " active" * (href == path), f'<a href="{href}">{label}</a>')
                          for i, (href, label) in enumerate((("/", "Home"), ("/section/world", "World"),
                                                              ("/section/markets", "Markets")))])
        popular = "".join(f'<li><a href="{a.path}">{esc(a.title)}</a></li>'
                          for a in sorted(self.site.articles, key=lambda a: -len(a.comments))[:5])
        name, extra = esc(self.site.name), " node-type-article" * (internal in self.alias)
        return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML+RDFa 1.0//EN"
  "http://www.w3.org/MarkUp/DTD/xhtml-rdfa-1.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" version="XHTML+RDFa 1.0" dir="ltr"
  xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/terms/"
  xmlns:foaf="http://xmlns.com/foaf/0.1/" xmlns:og="http://ogp.me/ns#"
  xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#" xmlns:sioc="http://rdfs.org/sioc/ns#"
  xmlns:sioct="http://rdfs.org/sioc/types#" xmlns:skos="http://www.w3.org/2004/02/skos/core#"
  xmlns:xsd="http://www.w3.org/2001/XMLSchema#">

<head profile="http://www.w3.org/1999/xhtml/vocab">
  <meta http-equiv="Content-Type" content="text/html; charset={charset}" />
<link rel="shortcut icon" href="{self.base}/misc/favicon.ico" type="image/vnd.microsoft.icon" />
<meta name="Generator" content="Drupal 7 (http://drupal.org)" />
{head}<link rel="alternate" type="application/rss+xml" title="{name} RSS" href="{self.base}/rss.xml" />
  <title>{esc(title) + " | " if title else ""}{name}</title>
  {assets.head(self.base)}  <script type="text/javascript">
<!--//--><![CDATA[//><!--
jQuery.extend(Drupal.settings, {settings});
//--><!]]>
</script>
</head>
<body class="{body_classes(internal)}{extra}" >
  <div id="skip-link"><a href="#main-content" class="element-invisible element-focusable">Skip to main content</a></div>
  <div id="page-wrapper"><div id="page">
  <div id="header" class="without-secondary-menu"><div class="section clearfix">
    {assets.logo()}<div id="name-and-slogan"><div id="site-name"><strong><a href="/" title="Home" rel="home"><span>{name}</span></a></strong></div></div>
    <div id="main-menu" class="navigation"><h2 class="element-invisible">Main menu</h2><ul id="main-menu-links" class="links clearfix">{menu}</ul></div>
  </div></div>
  <div id="main-wrapper" class="clearfix"><div id="main" class="clearfix">
    <div id="sidebar-first" class="column sidebar"><div class="section"><div class="region region-sidebar-first">
<div id="block-search-form" class="block block-search"><div class="content">
<form action="{path}" method="post" id="search-block-form" accept-charset="UTF-8"><div class="container-inline"><input type="text" name="search_block_form" class="form-text" /><input type="submit" name="op" value="Search" class="form-submit" /></div></form>
<a href="{SEARCH_LINK}" class="search-popular">Popular searches</a></div></div>
<div id="block-user-login" class="block block-user"><h2>User login</h2><div class="content">
<form action="{path}?destination={internal}" method="post" id="user-login-form" accept-charset="UTF-8"><div><input type="text" name="name" class="form-text required" /><input type="password" name="pass" class="form-text required" />
<div class="item-list"><ul><li class="first"><a href="/user/register" title="Create a new user account.">Create new account</a></li>
<li class="last"><a href="/user/password" title="Request new password via e-mail.">Request new password</a></li></ul></div>
<input type="submit" name="op" value="Log in" class="form-submit" /></div></form>
<p class="login-link"><a href="/user/login?destination={internal}">Log in</a></p></div></div>
<div id="block-views-popular-block" class="block block-views"><h2>Popular</h2><div class="content"><div class="item-list"><ul>{popular}</ul></div></div></div>
<div id="block-views-archive-block" class="block block-views"><h2>Archive</h2><div class="content"><div class="item-list"><ul><li class="first last"><a href="/calendar/2018-02">February 2018</a> ({len(self.site.articles)})</li></ul></div></div></div>
    </div></div></div>
    <div id="content" class="column"><div class="section">
      <a id="main-content"></a>
      {f'<h1 class="title" id="page-title">{esc(title)}</h1>' if title else ""}
      <div class="region region-content"><div id="block-system-main" class="block block-system"><div class="content">
{content}</div></div></div>
    </div></div>
  </div></div>
  <div id="footer-wrapper"><div class="section"><div id="footer" class="clearfix"><div class="region region-footer">
    <div id="block-system-powered-by" class="block block-system"><div class="content"><span>Powered by <a href="https://www.drupal.org">Drupal</a></span></div></div>
  </div></div></div></div>
  </div></div>
</body>
</html>
"""  # noqa: E501

    def html_page(self, title: str, content: str, internal: str, status: str = "200 OK") -> Page:
        return drupal_page(self.html(title, content, internal).encode(), status=status)

    def not_found(self, target: str) -> Page:
        internal = re.sub(r"[^\w/-]", "", target.partition("?")[0]).strip("/") or "node"
        return self.html_page("Page not found", f'The requested page "{esc(target)}" could not be found.',
                              internal, "404 Not Found")

    def node(self, a: Article, *, teaser: bool) -> str:
        """Bartik's node.tpl.php for an article, left open for the comments."""
        n, title, forbidden = len(a.comments), esc(a.title), (
            f'<span><a href="/user/login?destination=node/{a.nid}%23comment-form">Log in</a> or <a href="/'
            f'user/register?destination=node/{a.nid}%23comment-form">register</a> to post comments</span>')
        if teaser:
            links = [("node-readmore", f'<a href="{a.path}" rel="tag" title="{title}">Read more<span class='
                      f'"element-invisible"> about {title}</span></a>')]
            links += [("comment-comments", f'<a href="{a.path}#comments" title="Jump to the first comment of '
                       f'this posting.">{n} comment{"s" * (n != 1)}</a>')] * bool(n)
            links += [("comment_forbidden", forbidden)]
        else:
            links = [("comment-add", f'<a href="/comment/reply/{a.nid}#comment-form" title="Share your '
                      'thoughts and opinions related to this posting.">Add new comment</a>')]
        tags = "" if teaser else (
            '<div class="field field-name-field-tags field-type-taxonomy-term-reference field-label-above">'
            '<div class="field-label">Tags:&nbsp;</div><div class="field-items"><div class="field-item even" '
            f'rel="dc:subject"><a href="/section/{a.section}" typeof="skos:Concept" property="rdfs:label '
            f'skos:prefLabel" datatype="">{SECTIONS[a.section][1]}</a></div></div></div>')
        body = blocks_html(a.blocks[:1] if teaser else a.blocks, nofollow=False)
        return f"""<div id="node-{a.nid}" class="node node-article node-promoted{" node-teaser" * teaser} clearfix" about="{a.path}" typeof="sioc:Item foaf:Document">
{f'  <h2><a href="{a.path}">{title}</a></h2>' * teaser}
  <span property="dc:title" content="{title}" class="rdf-meta element-hidden"></span><span property="sioc:num_replies" content="{n}" datatype="xsd:integer" class="rdf-meta element-hidden"></span>
  <div class="meta submitted">
    <span property="dc:date dc:created" content="{iso(a.published)}" datatype="xsd:dateTime" rel="sioc:has_creator">Submitted by {username(a.author.uid, a.author.name)} on {medium(a.published)}</span>
  </div>
  <div class="content clearfix">
    <div class="field field-name-body field-type-text-with-summary field-label-hidden"><div class="field-items"><div class="field-item even" property="content:encoded">{body}</div></div></div>{tags}
  </div>
  <div class="link-wrapper"><ul class="links inline">{item_list(links)}</ul></div>
"""  # noqa: E501

    def comment(self, a: Article, c: Comment, parent: Comment | None, zebra: str) -> str:
        """Bartik's comment.tpl.php, with the parent author and "In reply to" of the imitated site."""
        cls = "comment" + " comment-by-anonymous" * (not c.uid)
        cls += " comment-by-node-author" * (c.uid == a.author.uid)
        me, dest = f"/comment/{c.cid}#comment-{c.cid}", f"node/{a.nid}%23comment-form"
        parent_p = reply_of = in_reply = ""
        if parent:
            up, pname = f"/comment/{parent.cid}#comment-{parent.cid}", esc(parent.name or "Anonymous")
            parent_p = f'\n      <p class="comment-parent-author"><a href="{up}">{pname}</a></p>'
            reply_of = f'<span rel="sioc:reply_of" resource="{up}" class="rdf-meta element-hidden"></span>'
            in_reply = f'<div class="comment-parent">In reply to <a href="{up}">by {pname}</a></div>'
        edited = f'\n      <p class="comment-edited">Edited {medium(c.edited)}</p>' if c.edited else ""
        link = (("comment-reply", f'<a href="/comment/reply/{a.nid}/{c.cid}">reply</a>') if c.reply_link else
                ("comment_forbidden", f'<span><a href="/user/login?destination={dest}">Log in</a> or <a '
                 f'href="/user/register?destination={dest}">register</a> to post comments</span>'))
        return f"""<a id="comment-{c.cid}"></a>
<div class="{cls} {zebra} clearfix" about="{me}" typeof="sioc:Post sioct:Comment">
  <div class="attribution">
    <div class="submitted">
      <p class="commenter-name"><span rel="sioc:has_creator">{username(c.uid, c.name)}</span></p>{parent_p}
      <p class="comment-time"><span property="dc:date dc:created" content="{iso(c.created)}" datatype="xsd:dateTime">{medium(c.created)}</span></p>{edited}
      <p class="comment-permalink"><a href="{me}" class="permalink" rel="bookmark">Permalink</a></p>
    </div>
  </div>
  <div class="comment-text">
    <div class="comment-arrow"></div>
    <h3 property="dc:title" datatype=""><a href="{me}" class="permalink" rel="bookmark">{esc(subject(c))}</a></h3>
    <div class="content">
      <span rel="sioc:reply_of" resource="{a.path}" class="rdf-meta element-hidden"></span>{reply_of}<div class="field field-name-comment-body field-type-text-long field-label-hidden"><div class="field-items"><div class="field-item even" property="content:encoded">{blocks_html(c.blocks, nofollow=True)}</div></div></div>{in_reply}
    </div>
    <ul class="links inline">{item_list([link])}</ul>
  </div>
</div>
"""  # noqa: E501

    def comments(self, a: Article, page: int) -> str:
        """One thread page, indented exactly as comment_prepare_thread() and comment_view() do it.

        $divs restarts at 0 on every page, and a comment deeper than $divs opens ONE div.indented
        however much deeper it is, so on a later page nesting understates depth until it resyncs.
        """
        by_cid, out, divs = {c.cid: c for c in a.comments}, [], 0
        for i, c in enumerate(self.threads[a.nid][page * COMMENTS_PER_PAGE:][:COMMENTS_PER_PAGE]):
            if c.depth > divs:
                out.append('<div class="indented">')
                divs += 1
            else:
                out.append("</div>" * (divs - c.depth))
                divs = c.depth
            out.append(self.comment(a, c, by_cid.get(c.pid or 0), "odd" if i % 2 == 0 else "even"))
        return (f'<div id="comments" class="comment-wrapper">\n  <h2 class="title">Comments</h2>\n  <div '
                f'class="comment-sort">Sort by: <a href="{a.path}?sort=newest">Newest</a> | <a href="{a.path}'
                f'?sort=oldest">Oldest</a></div>\n{"".join(out)}{"</div>" * divs}'
                f"{pager(a.path, page, a.page_count)}</div>\n")

    def article(self, a: Article, page: int, mode: str = "") -> Page:
        head = (f'<link rel="canonical" href="{a.path}" />\n<link rel="shortlink" href="/node/{a.nid}" />\n'
                f'<meta property="og:type" content="article" />\n<meta property="og:url" content="{self.base}'
                f'{a.path}" />\n<meta property="og:title" content="{esc(a.title)}" />\n<meta property='
                f'"article:published_time" content="{iso(a.published)}" />\n')
        content = self.node(a, teaser=False) + (self.comments(a, page) if a.comments else "") + "</div>\n"
        legacy = a.role == "legacy"
        text = self.html(a.title, content, f"node/{a.nid}", head=head,
                         charset="windows-1252" if legacy else "utf-8")
        return drupal_page(text.encode("cp1252", "xmlcharrefreplace") if legacy else text.encode(),
                         "text/html" if legacy else "text/html; charset=utf-8",
                         a.modified,
                         mode=mode or {"slow": "slow", "chunked": "chunked"}.get(a.role, ""),
                         extra=(("Link", f'<{a.path}>; rel="canonical",</node/{a.nid}>; rel="shortlink"'),))

    def listing(self, arts: list[Article], path: str, title: str, internal: str) -> list[Page]:
        count = max(1, -(-len(arts) // NODES_PER_PAGE))
        return [self.html_page(title, "".join(self.node(a, teaser=True) + "</div>\n" for a in
                                              arts[p * NODES_PER_PAGE:][:NODES_PER_PAGE])
                               + pager(path, p, count), internal) for p in range(count)]

    # --- feeds, sitemaps, robots.txt ----------------------------------------------------------

    def rss(self) -> str:
        items = "".join(f"""<item>
    <title>{esc(a.title)}</title>
    <link>{self.base}{a.path}</link>
    <description>{esc(blocks_html(a.blocks[:1], nofollow=False))}</description>
    <comments>{self.base}{a.path}#comments</comments>
    <category domain="{self.base}/section/{a.section}">{SECTIONS[a.section][1]}</category>
    <pubDate>{format_datetime(a.published)}</pubDate>
    <dc:creator>{esc(a.author.name)}</dc:creator>
    <guid isPermaLink="false">{a.nid} at {self.base}</guid>
  </item>
""" for a in self.newest[:NODES_PER_PAGE])
        return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xml:base="{self.base}/" '
                f'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n <title>{esc(self.site.name)}'
                f"</title>\n <link>{self.base}/</link>\n <description></description>\n <language>en"
                f"</language>\n  {items}</channel>\n</rss>\n")

    def sitemaps(self) -> list[str]:
        """xmlsitemap: an index, then chunks of <url>s (the articles; then the broken and the odd)."""
        s, ns = self.site, 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'

        def w3c(dt: datetime) -> str:
            return f"{dt.astimezone(timezone.utc):%Y-%m-%dT%H:%MZ}"

        chunks = [
            [(f"{self.base}/", s.articles[-1].published, "daily", "1.0"),
             *((f"{self.base}{a.path}", a.modified, "hourly", "0.5") for a in s.articles)],
            [(f"{self.base}{a.path}", a.published, "daily", "0.5") for a in (s.gone, s.broken, s.truncated)]
            + [(f"{self.base}{PDF_PATH}", EPOCH, "yearly", "0.3"),
               (f"{other_host(self.base)}{OFFSITE_PATH}", EPOCH, "yearly", "0.3")],
        ]
        index = f"<sitemapindex {ns}>" + "".join(
            f"<sitemap><loc>{self.base}/sitemap.xml?page={i}</loc>"
            f"<lastmod>{w3c(max(u[1] for u in c))}</lastmod></sitemap>" for i, c in enumerate(chunks, 1))
        index += "</sitemapindex>"
        urlsets = [f"<urlset {ns}>" + "".join(
            f"<url><loc>{esc(loc)}</loc><lastmod>{w3c(mod)}</lastmod>"
            f"<changefreq>{freq}</changefreq><priority>{prio}</priority></url>" for loc, mod, freq, prio in c)
            + "</urlset>" for c in chunks]
        return [f'<?xml version="1.0" encoding="UTF-8"?>\n{x}\n' for x in (index, *urlsets)]

    def robots(self) -> str:
        return ("#\n# robots.txt\n#\n# This file is to prevent the crawling and indexing of certain parts\n"
                "# of your site by web crawlers and spiders run by sites like Yahoo!\n# and Google.\n\n"
                "User-agent: *\n# CSS, JS, Images\n" + "".join(f"Allow: {p}\n" for p in ROBOTS_ALLOW)
                + "# Paths\n" + "".join(f"Disallow: {p}\n" for p in ROBOTS_DISALLOW)
                + f"\nSitemap: {self.base}/sitemap.xml\n")


def ground_truth(site: Site, base_url: str) -> dict[str, Any]:
    """What a perfect crawl and extraction of the site at base_url yields (JSON-serialisable)."""
    base = base_url.rstrip("/")
    articles = [{
        "nid": a.nid, "url": base + a.path, "title": a.title, "author": a.author.name,
        "published": iso(a.published), "body_text": a.body_text, "comment_count": len(a.comments),
        "thread_pages": [base + a.path] + [f"{base}{a.path}?page={p}" for p in range(1, a.page_count)],
        "permalinks": [f"{base}/comment/{c.cid}" for c in a.thread()],
        "comments": [{
            "comment_id": str(c.cid), "parent_id": str(c.pid) if c.pid else None, "author": c.name,
            "published": c.created.astimezone(timezone.utc).isoformat(), "text": c.text,
            "permalink": f"{base}/comment/{c.cid}", "depth": c.depth, "position": pos,
            "page": pos // COMMENTS_PER_PAGE,
        } for pos, c in enumerate(a.thread())],
    } for a in site.articles]
    first, role = site.articles[0], {a.role: base + a.path for a in site.articles}
    reply = next(c for c in first.thread() if c.reply_link)  # one on the first thread page
    return {
        "base_url": base,
        "articles": articles,
        "special": {
            "not_found": base + site.gone.path, "server_error": base + site.broken.path,
            "slow": role["slow"], "legacy_charset": role["legacy"], "gzip": base + first.path,
            "chunked": role["chunked"], "truncated": base + site.truncated.path, "pdf": base + PDF_PATH,
            "offsite_in_sitemap": other_host(base) + OFFSITE_PATH,
        },
        "traps": [base + t for t in (
            f"{first.path}?sort=newest", f"{first.path}?sort=oldest", "/calendar/2018-02",
            "/calendar/2018-03",
            f"/comment/reply/{first.nid}", f"/comment/reply/{first.nid}/{reply.cid}",
            f"/user/login?destination=node/{first.nid}%23comment-form",
            f"/user/register?destination=node/{first.nid}%23comment-form",
            f"/user/login?destination=node/{first.nid}", SEARCH_LINK)],
        "robots_disallowed": [base + p for p in ROBOTS_DISALLOW],
        "robots_allowed": [base + p for p in ROBOTS_ALLOW],
        "seeds": {"index": base + "/", "rss": base + "/rss.xml", "sitemap": base + "/sitemap.xml"},
        "requisites": assets.truth(base),
    }
