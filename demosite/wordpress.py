"""Renders a content.Site as WordPress 6 responses: Twenty Twenty-One theme, core comments.

Discussion settings of the imitated site: threaded comments 10 levels deep, paged comments with
10 top-level comments per page (WordPress pages by top-level comment, so a thread never spans
two pages), oldest comments first and the first page (the oldest) shown by default
(default_comments_page = "oldest"): the post URL is comment page 1, `comment-page-K/` page K.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

from demosite.content import EST, PDF_PATH, Article, Block, Comment, Site
from demosite.toolkit import Page, build_pdf, esc, make_page

PER_PAGE = 10  # comments_per_page: top-level comments (with all their replies) per page
MAX_DEPTH = 10  # thread_comments_depth: deeper replies are listed flat, after their parent
POSTS_PER_PAGE = 10
VERSION = "6.4.3"
PDF = "/wp-content/uploads/2018/02/report-2018.pdf"
SECTIONS = {"world": (2, "World"), "markets": (3, "Markets")}  # category term id, name
TAGLINE = "News and comment since 2018"


@dataclass(frozen=True, slots=True)
class Ping:
    """A pingback: listed among the comments, never a comment."""

    cid: int
    created: datetime
    source: str
    title: str


def nicename(name: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "-", name.lower()).strip("-")


def wp_date(dt: datetime) -> str:
    d = dt.astimezone(EST)
    return f"{d:%B} {d.day}, {d.year}"  # date_format "F j, Y"


def wp_time(dt: datetime) -> str:
    d = dt.astimezone(EST)
    return f"{d.hour % 12 or 12}:{d:%M} {'pm' if d.hour >= 12 else 'am'}"  # time_format "g:i a"


def iso(dt: datetime) -> str:
    return dt.astimezone(EST).isoformat()  # get_comment_time( 'c' ) in America/New_York


def avatar(key: str, size: int) -> str:
    h = hashlib.md5(key.encode()).hexdigest()
    src = f"https://secure.gravatar.com/avatar/{h}?s={{}}&#038;d=mm&#038;r=g"
    return (f"<img alt='' src='{src.format(size)}' srcset='{src.format(2 * size)} 2x' class='avatar "
            f"avatar-{size} photo' height='{size}' width='{size}' loading='lazy' decoding='async'/>")


class WordPress:
    """Every page of one site at one base URL, built up front; lookup() routes a request target."""

    def __init__(self, site: Site, base_url: str, *, per_page: int = PER_PAGE) -> None:
        self.site, self.base, self.per_page = site, base_url.rstrip("/"), per_page
        self.newest = sorted(site.articles, key=lambda a: a.published, reverse=True)
        self.paths = {a.path: a for a in (*site.articles, site.truncated)}
        self.kids: dict[int, list[Comment]] = {}
        for a in (*site.articles, site.truncated):
            for c in a.comments:
                self.kids.setdefault(c.pid or -a.nid, []).append(c)
        first = site.articles[0]
        tops = self.kids.get(-first.nid, [])
        last_cid = max(c.cid for a in (*site.articles, site.truncated) for c in a.comments)
        self.pings: dict[int, list[Ping]] = {}  # one pingback, among the first page's comments
        if tops:
            when = tops[min(9, len(tops) - 1)].created + timedelta(seconds=40)
            self.pings[first.nid] = [Ping(last_cid + 1, when, "https://blog.example.net/2018/02/08/weekly-links/",
                                          "Weekly links: Syria, oil and the euro")]
        self.page_no: dict[int, int] = {}  # cid -> the comment page (0-based) that lists it
        self.layout = {a.nid: self.paginate(a) for a in (*site.articles, site.truncated)}
        latest = sorted(((c, a) for a in site.articles for c in a.comments), key=lambda x: x[0].created)
        self.talk = "".join(  # the Recent Comments widget
            f'<li class="recentcomments"><span class="comment-author-link">{self.author_link(c)}</span> on '
            f'<a href="{self.url(a, self.page_no[c.cid])}#comment-{c.cid}">{esc(a.title)}</a></li>'
            for c, a in reversed(latest[-5:]))
        self.missing = self.not_found()
        self.pages: dict[str, Page] = {}  # path -> page; the query is ignored (as WordPress mostly does)
        for a in site.articles:
            for k in range(len(self.layout[a.nid])):
                self.pages[self.url(a, k)[len(self.base):]] = self.article(a, k)
            self.pages[a.path] = self.pages[a.path + "/comment-page-1/"] = self.redirect(self.url(a))
        t = site.truncated
        self.pages[t.path + "/"] = self.article(t, 0, "truncated")
        self.pages[site.gone.path + "/"] = self.not_found()
        self.pages[site.broken.path + "/"] = make_page(
            b"<!DOCTYPE html>\n<html dir='ltr'><head><meta name='robots' content='noindex, follow' />"
            b"<title>WordPress &rsaquo; Error</title></head><body id=\"error-page\"><div class=\"wp-die-"
            b"message\"><p>There has been a critical error on this website.</p></div></body></html>\n",
            status="500 Internal Server Error")
        self.listing("/", self.newest, "home blog hfeed", "")
        for sec, (tid, name) in SECTIONS.items():
            self.listing(f"/category/{sec}/", [a for a in self.newest if a.section == sec],
                         f"archive category category-{sec} category-{tid} hfeed",
                         f"Category: <span>{name}</span>")
        for u in {a.author for a in site.articles}:
            self.listing(f"/author/{nicename(u.name)}/", [a for a in self.newest if a.author == u],
                         f"archive author author-{nicename(u.name)} author-{u.uid} hfeed",
                         f'Author: <span class="vcard">{esc(u.name)}</span>')
        self.listing("/2018/02/", self.newest, "archive date hfeed", "Month: <span>February 2018</span>")
        self.pages["/wp-login.php"] = self.html_page(
            "Log In", "login", f'<form name="loginform" id="loginform" action="{self.base}/wp-login.php" '
            'method="post"><input type="text" name="log" id="user_login" /></form>')
        self.pages["/robots.txt"] = make_page(
            f"User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\nSitemap: {self.base}"
            "/wp-sitemap.xml\n".encode(), "text/plain; charset=utf-8")
        self.pages["/feed/"] = make_page(self.rss().encode(), "application/rss+xml; charset=UTF-8",
                                         self.newest[0].published)
        self.pages[PDF] = make_page(build_pdf(), "application/pdf")
        for name, xml in self.sitemaps().items():
            self.pages[name] = make_page(xml.encode(), "application/xml; charset=UTF-8")

    # --- layout -------------------------------------------------------------------------------

    def paginate(self, a: Article) -> list[list[Comment | Ping]]:
        """get_comment_pages_count() with threading: pages of top-level comments, pings included."""
        tops = sorted([*self.kids.get(-a.nid, []), *self.pings.get(a.nid, [])],
                      key=lambda c: (c.created, c.cid))
        pages = [tops[i:i + self.per_page] for i in range(0, len(tops), self.per_page)] or [[]]
        for k, page in enumerate(pages):
            todo = [c for c in page if isinstance(c, Comment)]
            while todo:
                self.page_no[(c := todo.pop()).cid] = k
                todo += self.kids.get(c.cid, [])
        return pages

    def url(self, a: Article, k: int = 0) -> str:
        """The post permalink, or comment page k+1 of it (page 1 is the post itself: "oldest")."""
        return f"{self.base}{a.path}/" + (f"comment-page-{k + 1}/" if k else "")

    def href(self, h: str) -> str:
        if h == PDF_PATH:
            return self.base + PDF
        return self.base + h + "/" if h in self.paths else h if "://" in h else self.base + h

    def blocks(self, blocks: tuple[Block, ...], *, ugc: bool) -> str:
        rel = ' rel="nofollow ugc"' * ugc
        out = []
        for b in blocks:
            inner = "".join(html.escape(p, quote=False) if isinstance(p, str) else
                            f'<a href="{esc(self.href(p[1]))}"{rel}>{html.escape(p[0], quote=False)}</a>'
                            for p in b.parts)
            out.append(f"<blockquote><p>{inner}</p></blockquote>\n" if b.quote else f"<p>{inner}</p>\n")
        return "".join(out)

    # --- comments -----------------------------------------------------------------------------

    def author_link(self, c: Comment) -> str:
        """get_comment_author_link(): some commenters left a website."""
        name = esc(c.name or "Anonymous")
        handle = nicename(c.name or "")
        site = (f"https://{handle}.example.net/" if c.uid and c.uid % 3 == 0 else
                f"https://www.example.org/~{handle}" if c.name and not c.uid and c.cid % 4 == 0 else "")
        return f'<a href="{site}" class="url" rel="ugc external nofollow">{name}</a>' if site else name

    def li(self, a: Article, c: Comment | Ping, level: int, parent: bool, alt: list[int], k: int) -> str:
        """Walker_Comment::html5_comment() (or ping() with short_ping) and comment_class()."""
        cls = ["pingback"] if isinstance(c, Ping) else ["comment"]
        if isinstance(c, Comment) and c.uid:
            cls += ["byuser", f"comment-author-{nicename(c.name or '')}"]
            cls += ["bypostauthor"] * (c.uid == a.author.uid)
        cls += ["odd", "alt"] if alt[0] % 2 else ["even"]
        if level == 1:
            cls += ["thread-odd", "thread-alt"] if alt[1] % 2 else ["thread-even"]
            alt[1] += 1
        alt[0] += 1
        cls += [f"depth-{level}"] + ["parent"] * parent
        if isinstance(c, Ping):
            return (f'\t\t<li id="comment-{c.cid}" class="{" ".join(cls)}">\n\t\t\t<div class="comment-body">'
                    f'\n\t\t\t\tPingback: <a href="{c.source}" class="url" rel="ugc external nofollow">'
                    f"{esc(c.title)}</a> \n\t\t\t</div>\n")
        page = self.url(a, k)
        name = esc(c.name or "Anonymous")
        reply = "" if level >= MAX_DEPTH else (  # get_comment_reply_link(): none at the max depth
            f"<div class=\"reply\"><a rel='nofollow' class='comment-reply-link' href='{page}?replytocom="
            f"{c.cid}#respond' data-commentid=\"{c.cid}\" data-postid=\"{a.nid}\" data-belowelement=\"div-"
            f"comment-{c.cid}\" data-respondelement=\"respond\" data-replyto=\"Reply to {name}\" "
            f"aria-label='Reply to {name}'>Reply</a></div>")
        return f"""		<li id="comment-{c.cid}" class="{" ".join(cls)}">
			<article id="div-comment-{c.cid}" class="comment-body">
				<footer class="comment-meta">
					<div class="comment-author vcard">
						{avatar(c.name or str(c.cid), 60)}						<b class="fn">{self.author_link(c)}</b> <span class="says">says:</span>					</div><!-- .comment-author -->

					<div class="comment-metadata">
						<a href="{page}#comment-{c.cid}"><time datetime="{iso(c.created)}">{wp_date(c.created)} at {wp_time(c.created)}</time></a>					</div><!-- .comment-metadata -->

									</footer><!-- .comment-meta -->

				<div class="comment-content">
					{self.blocks(c.blocks, ugc=True)}				</div><!-- .comment-content -->

				{reply}			</article><!-- .comment-body -->
"""  # noqa: E501

    def comments(self, a: Article, k: int) -> str:
        """comments.php of Twenty Twenty-One: wp_list_comments(), the_comments_pagination(), the form."""
        out: list[str] = []
        alt = [0, 0]

        def walk(c: Comment | Ping, level: int) -> None:  # Walker_Comment::display_element()
            kids = self.kids.get(c.cid, []) if isinstance(c, Comment) else []
            out.append(self.li(a, c, level, bool(kids), alt, k))
            if kids and level < MAX_DEPTH:
                out.append('<ol class="children">\n')
                for kid in kids:
                    walk(kid, level + 1)
                out.append("</ol><!-- .children -->\n")
            out.append("</li><!-- #comment-## -->\n")
            for kid in kids if level >= MAX_DEPTH else ():  # at the max depth: listed after it
                walk(kid, level)

        for c in self.layout[a.nid][k]:
            walk(c, 1)
        n = len(a.comments) + len(self.pings.get(a.nid, []))
        head = (f'\t<h2 class="comments-title">{n} comment{"s" * (n != 1)}</h2><!-- .comments-title -->\n'
                f'\t<ol class="comment-list">\n{"".join(out)}\t</ol><!-- .comment-list -->\n') if n else ""
        return f"""<div id="comments" class="comments-area default-max-width show-avatars">
{head}{self.pagination(a, k)}	<div id="respond" class="comment-respond">
		<h2 id="reply-title" class="comment-reply-title">Leave a comment <small><a rel="nofollow" id="cancel-comment-reply-link" href="{a.path}/#respond" style="display:none;">Cancel reply</a></small></h2><form action="{self.base}/wp-comments-post.php" method="post" id="commentform" class="comment-form" novalidate><p class="comment-notes"><span id="email-notes">Your email address will not be published.</span></p><p class="comment-form-comment"><label for="comment">Comment</label> <textarea id="comment" name="comment" cols="45" rows="5" maxlength="65525" required></textarea></p><p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Post Comment" /> <input type='hidden' name='comment_post_ID' value='{a.nid}' id='comment_post_ID' /><input type='hidden' name='comment_parent' id='comment_parent' value='0' /></p></form>
	</div><!-- #respond -->
</div><!-- #comments -->
"""  # noqa: E501

    def pagination(self, a: Article, k: int) -> str:
        """paginate_links() as Twenty Twenty-One calls it: "Page N", mid_size 0, end_size 1."""
        total, cur = len(self.layout[a.nid]), k + 1
        if total < 2:
            return ""

        def link(n: int) -> str:  # paginate_comments_links() links page 1 as comment-page-1 too
            return f"{self.base}{a.path}/comment-page-{n}/#comments"

        items, dots = [], False
        if cur > 1:
            items.append(f'<a class="prev page-numbers" href="{link(cur - 1)}">&larr; '
                         '<span class="nav-prev-text">Older comments</span></a>')
        for n in range(1, total + 1):
            if n == cur:
                items.append(f'<span aria-current="page" class="page-numbers current">Page {n}</span>')
                dots = True
            elif n in (1, total):
                items.append(f'<a class="page-numbers" href="{link(n)}">Page {n}</a>')
                dots = True
            elif dots:
                items.append('<span class="page-numbers dots">&hellip;</span>')
                dots = False
        if cur < total:
            items.append(f'<a class="next page-numbers" href="{link(cur + 1)}">'
                         '<span class="nav-next-text">Newer comments</span> &rarr;</a>')
        return ('\t<nav class="navigation comments-pagination" aria-label="Comments">\n\t\t<h2 class='
                '"screen-reader-text">Comments navigation</h2>\n\t\t<div class="nav-links">'
                + "\n".join(items) + "</div>\n\t</nav>\n")

    # --- pages --------------------------------------------------------------------------------

    def entry(self, a: Article, *, single: bool) -> str:
        sec, name = a.section, SECTIONS[a.section][1]
        title = (f'<h1 class="entry-title">{esc(a.title)}</h1>' if single else
                 f'<h2 class="entry-title default-max-width"><a href="{self.url(a)}">{esc(a.title)}</a></h2>')
        body = self.blocks(a.blocks if single else a.blocks[:1], ugc=False)
        return f"""<article id="post-{a.nid}" class="post-{a.nid} post type-post status-publish format-standard hentry category-{sec} entry">
	<header class="entry-header{" alignwide" * single}">
		{title}
	</header><!-- .entry-header -->
	<div class="entry-content">
		{body}	</div><!-- .entry-content -->
	<footer class="entry-footer default-max-width">
		<div class="posted-by"><span class="posted-on">Published <time class="entry-date published updated" datetime="{iso(a.published)}">{wp_date(a.published)}</time></span><span class="byline">By <a href="{self.base}/author/{nicename(a.author.name)}/" rel="author">{esc(a.author.name)}</a></span></div><div class="post-taxonomies"><span class="cat-links">Categorized as <a href="{self.base}/category/{sec}/" rel="category tag">{name}</a> </span></div>
	</footer><!-- .entry-footer -->
</article><!-- #post-{a.nid} -->
"""  # noqa: E501

    def article(self, a: Article, k: int, mode: str = "") -> Page:
        url, b = self.url(a, k), self.base
        canonical = url + "#comments" if k else url  # wp_get_canonical_url(): get_comments_pagenum_link()
        head = f"""<link rel="alternate" type="application/rss+xml" title="{esc(self.site.name)} &raquo; {esc(a.title)} Comments Feed" href="{self.url(a)}feed/" />
<script src='{b}/wp-includes/js/comment-reply.min.js?ver={VERSION}' id='comment-reply-js' async data-wp-strategy='async'></script>
<link rel="alternate" type="application/json" href="{b}/wp-json/wp/v2/posts/{a.nid}" />
<link rel="canonical" href="{canonical}" />
<link rel='shortlink' href='{b}/?p={a.nid}' />
"""  # noqa: E501
        i = self.newest.index(a) if a in self.newest else len(self.newest)
        around = (("previous", "prev", self.newest[i + 1] if i + 1 < len(self.newest) else None),
                  ("next", "next", self.newest[i - 1] if i else None))
        nav = "".join(f'<div class="nav-{d}"><a href="{self.url(o)}" rel="{r}"><p class="meta-nav">'
                      f'{d.title()} post</p><p class="post-title">{esc(o.title)}</p></a></div>'
                      for d, r, o in around if o)
        main = (self.entry(a, single=True) + self.comments(a, k) + '<nav class="navigation post-navigation"'
                ' aria-label="Posts"><h2 class="screen-reader-text">Post navigation</h2>'
                f'<div class="nav-links">{nav}</div></nav>\n')
        legacy = a.role == "legacy"  # an old install whose blog_charset is still windows-1252
        charset = "windows-1252" if legacy else "UTF-8"
        text = self.html(f"{esc(a.title)} &#8211; {esc(self.site.name)}", main,
                         f"post-template-default single single-post postid-{a.nid} single-format-standard "
                         "singular", head=head, charset=charset)
        return make_page(text.encode("cp1252", "xmlcharrefreplace") if legacy else text.encode(),
                         f"text/html; charset={charset}", a.modified,
                         mode=mode or {"slow": "slow", "chunked": "chunked"}.get(a.role, ""),
                         extra=(("Link", f'<{b}/wp-json/>; rel="https://api.w.org/"'),
                                ("Link", f"<{b}/?p={a.nid}>; rel=shortlink")))

    def listing(self, path: str, arts: list[Article], body_class: str, title: str) -> None:
        count, name = max(1, -(-len(arts) // POSTS_PER_PAGE)), re.sub(r"<[^>]+>", "", title)
        for p in range(1, count + 1):
            def href(n: int) -> str:
                return f"{self.base}{path}" + f"page/{n}/" * (n > 1)

            nums = "".join(f'<span aria-current="page" class="page-numbers current">{n}</span>' if n == p
                           else f'<a class="page-numbers" href="{href(n)}">{n}</a>'
                           for n in range(1, count + 1))
            if p < count:
                nums += f'<a class="next page-numbers" href="{href(p + 1)}">Older posts</a>'
            main = "".join(self.entry(a, single=False)
                           for a in arts[(p - 1) * POSTS_PER_PAGE:][:POSTS_PER_PAGE])
            if title:
                main = f'<header class="page-header alignwide"><h1 class="page-title">{title}</h1>' \
                    f"</header>{main}"
            if count > 1:
                main += ('<nav class="navigation pagination" aria-label="Posts"><h2 class="screen-reader-'
                         f'text">Posts navigation</h2><div class="nav-links">{nums}</div></nav>')
            site = esc(self.site.name)
            full = f"{name} &#8211; {site}" if name else f"{site} &#8211; {TAGLINE}"
            self.pages[path + f"page/{p}/" * (p > 1)] = self.html_page(
                full, body_class + f" paged paged-{p}" * (p > 1), main)

    def html_page(self, title: str, body_class: str, main: str, status: str = "200 OK") -> Page:
        return make_page(self.html(title, main, body_class).encode(), "text/html; charset=UTF-8",
                         status=status)

    def not_found(self) -> Page:
        return self.html_page(f"Page not found &#8211; {esc(self.site.name)}", "error404",
                              '<header class="page-header alignwide"><h1 class="page-title">Nothing here</h1>'
                              "</header><p>It looks like nothing was found at this location.</p>",
                              "404 Not Found")

    def redirect(self, location: str) -> Page:
        return make_page(b"", "text/html; charset=UTF-8", status="301 Moved Permanently",
                         extra=(("X-Redirect-By", "WordPress"), ("Location", location)))

    def html(self, title: str, main: str, body_class: str, *, head: str = "", charset: str = "UTF-8") -> str:
        """header.php + footer.php of Twenty Twenty-One, with the default widgets."""
        b, name = self.base, esc(self.site.name)
        recent = "".join(f'<li><a href="{self.url(a)}">{esc(a.title)}</a></li>' for a in self.newest[:5])
        cats = "".join(f'<li class="cat-item cat-item-{t}"><a href="{b}/category/{s}/">{n}</a></li>'
                       for s, (t, n) in SECTIONS.items())
        return f"""<!doctype html>
<html lang="en-US" >
<head>
	<meta charset="{charset}" />
	<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{title}</title>
<meta name='robots' content='max-image-preview:large' />
<link rel="alternate" type="application/rss+xml" title="{name} &raquo; Feed" href="{b}/feed/" />
<link rel="alternate" type="application/rss+xml" title="{name} &raquo; Comments Feed" href="{b}/comments/feed/" />
<link rel='stylesheet' id='twenty-twenty-one-style-css' href='{b}/wp-content/themes/twentytwentyone/style.css?ver=2.1' media='all' />
{head}<link rel="https://api.w.org/" href="{b}/wp-json/" /><link rel="EditURI" type="application/rsd+xml" title="RSD" href="{b}/xmlrpc.php?rsd" />
<meta name="generator" content="WordPress {VERSION}" />
</head>

<body class="{body_class} wp-embed-responsive is-light-theme no-js has-main-navigation">
<div id="page" class="site">
	<a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header id="masthead" class="site-header has-title-and-tagline has-menu">
<div class="site-branding"><p class="site-title"><a href="{b}/" rel="home">{name}</a></p><p class="site-description">{TAGLINE}</p></div>
<nav id="site-navigation" class="primary-navigation" aria-label="Primary menu"><div class="primary-menu-container"><ul id="primary-menu-list" class="menu-wrapper"><li class="menu-item"><a href="{b}/">Home</a></li>{cats.replace("cat-item", "menu-item")}</ul></div></nav>
</header><!-- #masthead -->
	<div id="content" class="site-content">
		<div id="primary" class="content-area">
			<main id="main" class="site-main">
{main}			</main><!-- #main -->
		</div><!-- #primary -->
	</div><!-- #content -->
	<aside class="widget-area">
		<section id="search-2" class="widget widget_search"><form role="search" method="get" class="search-form" action="{b}/"><label for="search-form-1">Search&hellip;</label><input type="search" id="search-form-1" class="search-field" value="" name="s" /><input type="submit" class="search-submit" value="Search" /></form></section>
		<section id="recent-posts-2" class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><nav aria-label="Recent Posts"><ul>{recent}</ul></nav></section>
		<section id="recent-comments-2" class="widget widget_recent_comments"><h2 class="widget-title">Recent Comments</h2><nav aria-label="Recent Comments"><ul id="recentcomments">{self.talk}</ul></nav></section>
		<section id="archives-2" class="widget widget_archive"><h2 class="widget-title">Archives</h2><nav aria-label="Archives"><ul><li><a href='{b}/2018/02/'>February 2018</a></li></ul></nav></section>
		<section id="categories-2" class="widget widget_categories"><h2 class="widget-title">Categories</h2><nav aria-label="Categories"><ul>{cats}</ul></nav></section>
		<section id="meta-2" class="widget widget_meta"><h2 class="widget-title">Meta</h2><nav aria-label="Meta"><ul><li><a href="{b}/wp-login.php">Log in</a></li><li><a href="{b}/feed/">Entries feed</a></li><li><a href="{b}/comments/feed/">Comments feed</a></li><li><a href="https://wordpress.org/">WordPress.org</a></li></ul></nav></section>
	</aside><!-- .widget-area -->
	<footer id="colophon" class="site-footer"><div class="site-info"><div class="site-name"><a href="{b}/">{name}</a></div><div class="powered-by">Proudly powered by <a href="https://wordpress.org/">WordPress</a>.</div></div></footer>
</div><!-- #page -->
</body>
</html>
"""  # noqa: E501

    # --- feeds, sitemaps ----------------------------------------------------------------------

    def rss(self) -> str:
        def gmt(dt: datetime) -> str:
            return format_datetime(dt.astimezone(timezone.utc))

        items = "".join(f"""	<item>
		<title>{esc(a.title)}</title>
		<link>{self.url(a)}</link>
		<comments>{self.url(a)}#comments</comments>
		<dc:creator><![CDATA[{a.author.name}]]></dc:creator>
		<pubDate>{gmt(a.published)}</pubDate>
		<category><![CDATA[{SECTIONS[a.section][1]}]]></category>
		<guid isPermaLink="false">{self.base}/?p={a.nid}</guid>
		<description><![CDATA[{a.blocks[0].text} [&#8230;]]]></description>
		<wfw:commentRss>{self.url(a)}feed/</wfw:commentRss>
		<slash:comments>{len(a.comments)}</slash:comments>
	</item>
""" for a in self.newest[:POSTS_PER_PAGE])
        return f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
	>

<channel>
	<title>{esc(self.site.name)}</title>
	<atom:link href="{self.base}/feed/" rel="self" type="application/rss+xml" />
	<link>{self.base}</link>
	<description>{TAGLINE}</description>
	<lastBuildDate>{gmt(max(a.modified for a in self.newest))}</lastBuildDate>
	<language>en-US</language>
	<generator>https://wordpress.org/?v={VERSION}</generator>
{items}	</channel>
</rss>
"""

    def sitemaps(self) -> dict[str, str]:
        """WordPress core sitemaps (5.5+); the posts list still holds three since-broken posts."""
        def doc(xsl: str, root: str, body: str) -> str:
            return (f'<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet type="text/xsl" href="'
                    f'{self.base}/{xsl}" ?>\n<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"{body}</{root}>\n")

        s, b = self.site, self.base
        authors = sorted({a.author for a in s.articles}, key=lambda u: u.uid)
        lists: dict[str, list[tuple[str, datetime | None]]] = {
            "/wp-sitemap-posts-post-1.xml": [(self.url(a), a.modified)
                                             for a in (*s.articles, s.gone, s.broken, s.truncated)],
            "/wp-sitemap-taxonomies-category-1.xml": [(f"{b}/category/{sec}/", None) for sec in SECTIONS],
            "/wp-sitemap-users-1.xml": [(f"{b}/author/{nicename(u.name)}/", None) for u in authors],
        }
        out = {"/wp-sitemap.xml": doc("wp-sitemap-index.xsl", "sitemapindex", "".join(
            f"<sitemap><loc>{b}{name}</loc></sitemap>" for name in lists))}
        for name, urls in lists.items():
            out[name] = doc("wp-sitemap.xsl", "urlset", "".join(
                f"<url><loc>{loc}</loc>"
                + (f"<lastmod>{mod.astimezone(timezone.utc).isoformat()}</lastmod>" if mod else "")
                + "</url>" for loc, mod in urls))
        return out

    # --- routing and truth --------------------------------------------------------------------

    def lookup(self, target: str) -> Page:
        path, _, query = target.partition("?")
        if (page := self.pages.get(path)) is not None:
            return page
        if path == "/" and (m := re.search(r"(?:^|&)p=(\d+)", query)):  # the shortlink
            if a := next((a for a in self.site.articles if a.nid == int(m[1])), None):
                return self.redirect(self.url(a))
        return self.missing

    def truth(self) -> dict[str, Any]:
        """What a perfect crawl and extraction of this site yields (same schema as drupal7's)."""
        arts, page = [], self.page_no
        for a in self.site.articles:
            arts.append({
                "post_id": a.nid, "url": self.url(a), "title": a.title, "author": a.author.name,
                "published": iso(a.published), "body_text": a.body_text, "comment_count": len(a.comments),
                "thread_pages": [self.url(a, k) for k in range(len(self.layout[a.nid]))],
                "permalinks": [],  # get_comment_link() is a fragment of a thread page: nothing more to fetch
                "comments": [{
                    "comment_id": str(c.cid), "parent_id": str(c.pid) if c.pid else None, "author": c.name,
                    "published": c.created.astimezone(timezone.utc).isoformat(), "text": c.text,
                    "permalink": f"{self.url(a, page[c.cid])}#comment-{c.cid}", "depth": c.depth,
                    "position": pos, "page": page[c.cid],
                } for pos, c in enumerate(a.thread())],
            })
        first, role = self.site.articles[0], {a.role: self.url(a) for a in self.site.articles}
        on = [next(c for c in page if isinstance(c, Comment)) for page in self.layout[first.nid][:2]]
        s = self.site
        return {
            "base_url": self.base,
            "articles": arts,
            "special": {
                "not_found": self.url(s.gone), "server_error": self.url(s.broken),
                "truncated": self.url(s.truncated),
                "slow": role["slow"], "legacy_charset": role["legacy"], "chunked": role["chunked"],
                "gzip": self.url(first), "pdf": self.base + PDF,
            },
            "traps": [f"{self.url(first, k)}?replytocom={c.cid}" for k, c in enumerate(on)]
            + [f"{self.base}/wp-login.php"],
            "robots_disallowed": [f"{self.base}/wp-admin/"],
            "seeds": {"index": f"{self.base}/", "rss": f"{self.base}/feed/",
                      "sitemap": f"{self.base}/wp-sitemap.xml"},
        }

