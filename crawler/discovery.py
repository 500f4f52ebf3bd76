"""Finding articles on a site no platform knows: robots.txt, sitemaps, feeds, index pages.

Pure functions over bytes and parsed trees, no network, nothing raised for bad input: a
listing that cannot be read comes back with a `problem` to log. Every result is bounded (bytes
read, entries returned, links examined), whatever the page claims or weighs.

Libraries do the reading: Scrapy's `sitemap_urls_from_robots`, `Sitemap` (the lazy,
entity-safe iterparse SitemapSpider uses) and `gunzip(max_size=)`; lxml for feeds (no entity
expansion, no network); courlan's URL filters (`is_navigation_page`, `is_not_crawlable`,
`type_filter`, `extension_filter`, `lang_filter`) to reject links that are no articles. Not
courlan's `check_url`, which rejects hosts without a dot (localhost, 127.0.0.1:8080), nor its
`clean_url`, which rewrites URLs (path re-quoted, query sorted): an archive keeps URLs as linked.
JSON-LD is read here, not with extruct, whose loader lets one broken script abort the page.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, NamedTuple
from urllib.parse import SplitResult, parse_qsl, urljoin, urlsplit

from courlan import is_navigation_page, is_not_crawlable, lang_filter
from courlan.filters import extension_filter, type_filter
from lxml import etree
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from pipelines.platforms.base import absolute

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # sitemaps.org: 50 MB uncompressed, 50,000 URLs per file
MAX_SITEMAP_ENTRIES = 50_000
MAX_FEED_BYTES = 10 * 1024 * 1024
MAX_FEED_ENTRIES = 10_000
MAX_ROBOTS_BYTES = 500 * 1024  # what Google reads of a robots.txt (RFC 9309 asks for >= 500 KiB)
MAX_ROBOTS_SITEMAPS = 100
MAX_LINKS = 20_000  # <a> elements examined on one index page
MAX_ARTICLES = 2_000  # article candidates returned from one index page
MAX_SECTIONS = 200
MAX_NEXT_PAGES = 100

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml",
                        "application/feed+json", "application/json"})


class Entry(NamedTuple):
    """One URL a sitemap or feed lists, with what it says about it (strings as written)."""

    url: str
    date: str | None = None  # news:publication_date or lastmod; pubDate, published, updated
    title: str | None = None  # news:title; the feed item's title


@dataclass(frozen=True)
class Listing:
    """A sitemap or feed as read. `kind`: urlset, sitemapindex (sitemaps); rss, rdf, atom,
    json (feeds); None when nothing usable was found. `truncated`: there was more than was
    read (entries or bytes over the limit). `problem`: what to log, when something was wrong."""

    kind: str | None
    entries: list[Entry] = field(default_factory=list)
    truncated: bool = False
    problem: str | None = None

    @property
    def urls(self) -> list[str]:
        return [entry.url for entry in self.entries]


SitemapResult = Listing
FeedResult = Listing


@dataclass(frozen=True)
class Links:
    """Links of an index page. `articles`: candidate article URLs; `sections`: section and
    category pages to look for more; `next_pages`: further pages of this very listing, rel=next
    first then by page number (the caller bounds them). `truncated`: a cap was reached."""

    articles: list[str]
    sections: list[str]
    next_pages: list[str]
    truncated: bool = False


# -- robots.txt and sitemaps ---------------------------------------------------------------------


def sitemaps_from_robots(body: bytes, base_url: str, *,
                         max_sitemaps: int = MAX_ROBOTS_SITEMAPS) -> list[str]:
    """The `Sitemap:` URLs of a robots.txt, absolute, deduplicated, at most `max_sitemaps`
    (of the first 500 KiB, as Google reads)."""
    found = sitemap_urls_from_robots(body[:MAX_ROBOTS_BYTES], base_url=None)  # absolute() joins,
    return list(islice(absolute(base_url, found), max_sitemaps))  # and skips bad ones (IPv6)


class _Sitemap(Sitemap):
    """Scrapy's parser, also keeping the Google News fields it drops: it reads only the direct
    children of <url>, and <news:publication_date>/<news:title> sit inside <news:news>. Pinned by
    tests: if Scrapy renames the hook, only the news fields are lost."""

    __slots__ = ()

    def _process_sitemap_element(self, elem: etree._Element) -> dict[str, Any] | None:
        news: dict[str, str] = {}
        for child in elem:
            if self._get_tag_name(child) == "news":
                for item in child:
                    name = self._get_tag_name(item)
                    if name in ("publication_date", "title") and item.text and item.text.strip():
                        news.setdefault(f"news_{name}", " ".join(item.text.split()))
        found = super()._process_sitemap_element(elem)
        if found is not None:
            found.update(news)
        return found


def read_sitemap(body: bytes, url: str, *, max_entries: int = MAX_SITEMAP_ENTRIES,
                 max_bytes: int = MAX_SITEMAP_BYTES, alternates: bool = False) -> Listing:
    """A sitemap (`urlset`) or sitemap index, plain or gzipped, Google News fields included.
    Locs are made absolute against `url` (relative and padded ones happen); at most
    `max_entries` are returned. A gzip body expanding past `max_bytes` is refused (Scrapy's
    gunzip stops there); a plain one is read up to `max_bytes`. Entities are never expanded
    (Scrapy's parser: resolve_entities=False, libxml2's size limits). `alternates`: also the
    <xhtml:link rel="alternate"> URLs (other languages), as SitemapSpider's option."""
    body, truncated, problem = _unpack(body, max_bytes)
    if body is None:
        return Listing(None, problem=problem)
    entries: list[Entry] = []
    kind = None
    try:
        sitemap = _Sitemap(body)
        kind = sitemap.type
        if kind not in ("urlset", "sitemapindex"):
            return Listing(None, problem=f"not a sitemap: the root element is <{kind or '?'}>")
        seen: set[str] = set()
        for item in sitemap:
            date = item.get("news_publication_date") or item.get("lastmod") or None
            title = item.get("news_title")
            hrefs = [item["loc"], *(item.get("alternate", ()) if alternates else ())]
            for loc in absolute(url, hrefs):
                if loc in seen:
                    continue
                if len(entries) == max_entries:
                    return Listing(kind, entries, True,
                                   f"more than {max_entries} entries: read the first {max_entries}")
                seen.add(loc)
                entries.append(Entry(loc, date, title))
    except StopIteration:  # no element at all
        return Listing(None, problem="not XML: no root element")
    except etree.XMLSyntaxError as exc:  # Scrapy's iterparse recovers from most, not all
        if not entries:
            return Listing(None, problem=f"unreadable XML: {exc}")
        return Listing(kind, entries, True, f"XML broken after {len(entries)} entries: {exc}")
    return Listing(kind, entries, truncated, problem)


def _unpack(body: bytes, max_bytes: int) -> tuple[bytes | None, bool, str | None]:
    """(body, cut, problem): gunzipped when gzip; cut to max_bytes when longer; None when a gzip
    body is broken or expands past max_bytes."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=max_bytes)
        except ValueError:  # Scrapy's _DecompressionMaxSizeExceeded
            return None, True, f"gzip body expands past {max_bytes} bytes: not read"
        except (OSError, EOFError, struct.error) as exc:
            return None, False, f"broken gzip body: {exc}"
    if len(body) > max_bytes:  # cut after a tag: the text of the last element read is whole
        end = body.rfind(b">", 0, max_bytes) + 1 or max_bytes
        return body[:end], True, f"body of {len(body)} bytes: read the first {max_bytes}"
    return body, False, None


# -- feeds ---------------------------------------------------------------------------------------

_FEED_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True,
                               remove_comments=True, remove_pis=True, collect_ids=False)
_XML_FEED_KINDS = {"rss": "rss", "RDF": "rdf", "feed": "atom"}
_COMMENTS = re.compile(r"\bcomments\b")


def feed_links(tree: etree._Element, url: str) -> list[str]:
    """Feeds the page announces (`<link rel="alternate" type="application/rss+xml">` and Atom,
    RDF, JSON Feed), absolute, in document order. Comment feeds (URL with "comments", as
    trafilatura skips them) and `application/json` links not named a feed (WordPress announces
    its REST API that way) are left out."""
    root = tree.getroottree().getroot()
    hrefs = []
    for link in root.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").partition(";")[0].strip().lower()
        href = link.get("href") or ""
        if "alternate" not in rels or kind not in FEED_TYPES or _COMMENTS.search(href):
            continue
        if kind == "application/json" and "feed" not in (href + (link.get("title") or "")).lower():
            continue
        hrefs.append(href)
    return list(absolute(_document_base(root, url), hrefs))


def read_feed(body: bytes, url: str, *, max_entries: int = MAX_FEED_ENTRIES,
              max_bytes: int = MAX_FEED_BYTES) -> Listing:
    """Entry links of an RSS 2.0, RSS 1.0 (RDF), Atom or JSON Feed document, in feed order,
    absolute (Atom's xml:base honoured), deduplicated, at most `max_entries`. An item's link is
    its feedburner:origLink, else <link> (Atom: rel=alternate), else a permalink <guid> or
    rdf:about; a JSON Feed item's `url`, else an http(s) `id`."""
    body, truncated, problem = _unpack(body, max_bytes)
    if body is None:
        return Listing(None, problem=problem)
    if body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        if truncated:
            return Listing(None, truncated=True, problem=f"JSON feed over {max_bytes} bytes: not read")
        return _read_json_feed(body, url, max_entries)
    try:
        root = etree.fromstring(body, parser=_FEED_PARSER, base_url=url)
    except (etree.XMLSyntaxError, ValueError) as exc:
        return Listing(None, problem=f"unreadable XML: {exc}")
    if root is None:
        return Listing(None, problem="unreadable XML: no root element")
    kind = _XML_FEED_KINDS.get(etree.QName(root).localname)
    if kind is None:
        return Listing(None, problem=f"not a feed: the root element is <{etree.QName(root).localname}>")
    found = (_xml_entry(item, url) for item in root.iter("{*}item", "{*}entry"))
    return _listing(kind, found, url, max_entries, truncated, problem)


def _join(base: str, ref: str) -> str | None:
    """urljoin, None for what no browser would follow (`http://[::1/x`: "Invalid IPv6 URL")."""
    try:
        return urljoin(base, ref)
    except ValueError:
        return None


def _xml_entry(item: etree._Element, url: str) -> Entry | None:
    origin = link = guid = date = title = None
    for child in item:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        text = (child.text or "").strip()
        if name == "origLink" and text:  # FeedBurner: <link> is its redirector
            origin = _join(child.base or url, text)
        elif name == "link" and link is None:
            if child.get("href") is not None:  # Atom
                if child.get("rel", "alternate") == "alternate":
                    link = _join(child.base or url, child.get("href", "").strip())
            elif text:
                link = _join(child.base or url, text)
        elif name == "guid" and child.get("isPermaLink", "true") != "false" and "://" in text:
            guid = text
        elif name in ("pubDate", "date", "published", "updated") and text and date is None:
            date = text
        elif name == "title" and text and title is None:
            title = " ".join(text.split())
    link = origin or link or guid or item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
    return Entry(link, date, title) if link else None


def _read_json_feed(body: bytes, url: str, max_entries: int) -> Listing:
    try:
        feed = json.loads(body)
    except (ValueError, RecursionError) as exc:
        return Listing(None, problem=f"unreadable JSON: {exc}")
    items = feed.get("items") if isinstance(feed, dict) else None
    if not isinstance(items, list):
        return Listing(None, problem="not a JSON Feed: no items list")

    def entries() -> Iterator[Entry | None]:
        for item in items:
            if not isinstance(item, dict):
                continue
            link = item.get("url")
            if not isinstance(link, str) or not link.strip():
                ident = item.get("id")
                link = ident if isinstance(ident, str) and "://" in ident else None
            date = item.get("date_published") or item.get("date_modified")
            title = item.get("title")
            yield Entry(link, date if isinstance(date, str) else None,
                        title if isinstance(title, str) else None) if link else None

    return _listing("json", entries(), url, max_entries, False, None)


def _listing(kind: str, found: Iterable[Entry | None], base: str, max_entries: int, truncated: bool,
             problem: str | None) -> Listing:
    """Entries made absolute against `base`, http(s) only, first of each URL, at most
    max_entries."""
    entries: list[Entry] = []
    seen: set[str] = set()
    for entry in found:
        if entry is None:
            continue
        loc = next(absolute(base, [entry.url]), None)
        if loc is None or loc in seen:
            continue
        if len(entries) == max_entries:
            return Listing(kind, entries, True, f"more than {max_entries} entries: read the first "
                           f"{max_entries}")
        seen.add(loc)
        entries.append(entry._replace(url=loc))
    return Listing(kind, entries, truncated, problem)


# -- index pages ---------------------------------------------------------------------------------

_HEADINGS = frozenset({"h1", "h2", "h3", "h4"})
_MENU_CLASS = re.compile(r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|menubar)(?:$|[\s_-])", re.I)
# a date, then a segment with a letter: /2018/02/03/slug, /2018/02/slug, /2018-02-03-slug
_DATE_PATH = re.compile(r"/(?:199\d|20[0-3]\d)[/-](?:0?[1-9]|1[0-2])(?:[/-](?:0?[1-9]|[12]\d|3[01]))?"
                        r"[/-](?=[^/]*[^\W\d_])")
# an id of 5+ digits (4 is a year: /euro-2024) before or after a slug, or alone
_ID_SLUG = re.compile(r"^\d{5,}[-_][^\W\d_]|[^\W\d_][^/]*[-_.]\d{5,}$|^\d{5,}$")
_WORD = re.compile(r"[^\W\d_]{2,}")
_PAGE_EXT = re.compile(r"\.(?:s?html?|php\d?|aspx?|jsp|cfm)$", re.I)
# Pages that are not content wherever they sit: the first path segment, or a whole slug.
_NOT_CONTENT = re.compile(
    r"^(?:about|contact|imprint|impressum|privacy|terms|tos|legal|cookies?|gdpr|accessibility|"
    r"help|faq|support|sitemap|search|login|log-in|logout|signin|sign-in|signup|sign-up|register|"
    r"account|my-account|profile|subscribe|subscriptions?|newsletters?|advertis\w*|careers|jobs|"
    r"shop|store|donate|feedback|wp-login\.php|wp-admin|cart|checkout)(?:$|[-_./])", re.I)
_TRAP_SEGMENT = re.compile(r"/(?:tags?|authors?|users?|profiles?|members?|archives?|page|paged|"
                           r"search|calendar|feeds?|rss|amp|print|share|comments?)(?:/|$)", re.I)
_NO_FOLLOW_QUERY = frozenset({"q", "s", "query", "search", "replytocom", "share", "print",
                              "action", "redirect", "redirect_to", "sort", "orderby", "order"})
_PAGE_QUERY = frozenset({"page", "paged", "pg", "pagenum"})
_PAGE_PATH = re.compile(r"^(.*?)/page/(\d+)/?$")
_CONTEXT_DEPTH = 12  # ancestors looked at per link (libxml2 nests up to 2048 with huge_tree)


class _Shape(NamedTuple):
    """What a URL's path says about the page it names."""

    strong: bool  # a date or an id with a slug: articles, whatever links them
    slug: bool  # a long hyphenated slug (4 words or more)
    leaf: bool  # anything but a short word path: a slug, digits, a page extension, deep
    short: bool  # 1 to 3 plain segments: a section shape
    navigation: bool  # courlan: a navigation or site-structure page, no article


def page_links(tree: etree._Element, url: str, *, max_articles: int = MAX_ARTICLES,
               max_links: int = MAX_LINKS, language: str | None = None) -> Links:
    """Candidate articles, sections and next pages linked from an index page (homepage,
    section) of a site no platform knows. Only links to this host or its subdomains (`www.`
    aside); absolute, without fragments, in document order, each once. One pass over the first
    `max_links` <a> elements, each looking at most _CONTEXT_DEPTH ancestors up.

    An article is a link whose path has a date (/2018/02/03/slug, /2018-02-03-slug) or an id
    with a slug (/12345-headline, /headline-12345.html), or a long slug (4+ words) outside the
    site's nav/footer, or any slug-like path in a card: inside or around an h1-h4, the first
    link of an <article>, or in a small container with a <time datetime>. A section is a short
    path (1-3 plain segments) linked from a nav, menu or page header, or from a heading, or a
    top-level segment under which two article candidates sit. Rejected: courlan's navigation
    pages (tags, authors, pages) and not-crawlable ones (login, contact), feeds and file types
    that are not pages, /about, /privacy, /terms, /search and the like, searches and reply
    links in the query (?q=, ?s=, ?replytocom=). `language`: courlan's lang_filter on paths."""
    root = tree.getroottree().getroot()
    base = _document_base(root, url)
    page = next(absolute(url, [url]), url)
    site = _site(urlsplit(page).hostname or "")
    here_key, here_number = _listing_key(urlsplit(page))
    timed = _time_containers(root)
    small: dict[etree._Element, bool] = {}
    first_links: dict[etree._Element, etree._Element | None] = {}
    resolved: dict[str, tuple[str, SplitResult] | None] = {}  # href: (URL, its parts), None: not followed
    articles: dict[str, None] = {}
    sections: dict[str, int] = {}
    singles: dict[str, int] = {}  # one-segment paths: sections if articles sit under them
    verdicts: dict[str, _Shape | None] = {}  # None: rejected
    rel_next = dict.fromkeys(
        link for el in root.iter("link") if "next" in (el.get("rel") or "").lower().split()
        if (found := _resolve(base, el.get("href") or "", site)) and (link := found[0]) != page)
    numbered: dict[str, int] = {}
    truncated = False
    for position, a in enumerate(root.iter("a")):
        if position == max_links:
            truncated = True
            break
        href = a.get("href")
        if not href:
            continue
        if (found := resolved.get(href, ())) == ():
            found = resolved[href] = _resolve(base, href, site)
        if found is None or found[0] == page:
            continue
        link, parts = found
        if "next" in (a.get("rel") or "").lower().split():
            rel_next[link] = None
            continue
        key, number = _listing_key(parts)
        if number is not None:
            if key == here_key and number > (here_number or 0):
                numbered.setdefault(link, number)
            continue
        if link in articles:
            continue
        if (shape := verdicts.get(link, False)) is False:
            shape = verdicts[link] = None if _rejected(link, parts, language) else _shape(parts)
        if shape is None:
            continue
        heading, nav, footer, card = _context(a, timed, small, first_links)
        if not shape.navigation and (shape.strong or (shape.slug and (card or not (nav or footer)))
                                     or (card and shape.leaf)):
            if len(articles) < max_articles:
                articles[link] = None
                sections.pop(link, None)
            else:
                truncated = True
        elif shape.short and not _TRAP_SEGMENT.search(parts.path):
            if nav or heading:
                sections.setdefault(link, position)
            elif parts.path.strip("/").count("/") == 0 and not parts.query:
                singles.setdefault(link, position)
    tops: dict[str, int] = {}
    for link in articles:
        top = urlsplit(link).path.strip("/").partition("/")[0]
        tops[top] = tops.get(top, 0) + 1
    for link, position in singles.items():
        if tops.get(urlsplit(link).path.strip("/"), 0) >= 2:
            sections.setdefault(link, position)
    ordered = sorted((p, u) for u, p in sections.items() if u not in articles)
    pages = [*rel_next, *sorted(numbered, key=numbered.__getitem__)]
    return Links(list(articles), [u for _, u in ordered][:MAX_SECTIONS],
                 list(dict.fromkeys(pages))[:MAX_NEXT_PAGES], truncated or len(ordered) > MAX_SECTIONS)


def _document_base(root: etree._Element, url: str) -> str:
    """The URL relative links resolve against: <base href> when the page sets one."""
    base = root.find("head/base[@href]")
    if base is None:
        return url
    return next(absolute(url, [base.get("href", "")]), url)


def _site(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


def _resolve(base: str, href: str, site: str) -> tuple[str, SplitResult] | None:
    """(absolute URL, its parts) when on this site (host or subdomain), else None."""
    link = next(absolute(base, [href]), None)
    if link is None:
        return None
    try:
        parts = urlsplit(link)
        host = parts.hostname or ""
    except ValueError:
        return None
    return (link, parts) if host == site or host.endswith("." + site) else None


def _listing_key(parts: SplitResult) -> tuple[tuple[str, str], int | None]:
    """(the listing a URL pages through, its page number or None): /world/page/3 and
    /world?page=3 are page 3 of /world."""
    path, query = parts.path, parse_qsl(parts.query, keep_blank_values=True)
    number = None
    if (m := _PAGE_PATH.match(path)) and len(m.group(2)) < 10:
        path, number = m.group(1) or "/", int(m.group(2))
    rest = []
    for name, value in query:
        if name.lower() in _PAGE_QUERY and value.isdecimal() and value.isascii() and len(value) < 10:
            number = int(value)
        else:
            rest.append(f"{name}={value}")
    return (path.rstrip("/") or "/", "&".join(rest)), number


def _rejected(link: str, parts: SplitResult, language: str | None) -> bool:
    """Neither an article nor a section: service pages, files, feeds, searches."""
    path = parts.path
    first = path.lstrip("/").partition("/")[0]
    if (_NOT_CONTENT.match(first) and len(_WORD.findall(first)) < 4) or is_not_crawlable(link):
        return True
    if not extension_filter(path) or path.lower().endswith((".xml", ".txt", ".rss", ".atom")):
        return True
    if parts.query and any(name.lower() in _NO_FOLLOW_QUERY
                           for name, _ in parse_qsl(parts.query, keep_blank_values=True)):
        return True
    return language is not None and not lang_filter(link, language)


def _shape(parts: SplitResult) -> _Shape:
    path = parts.path
    # courlan on the path alone: ?p=123 is a WordPress post id, not the page courlan takes it for
    bare = f"{parts.scheme}://{parts.netloc}{path}"
    segments = [s for s in path.split("/") if s]
    archive = bool(segments) and all(s.isdigit() and len(s) <= 4 for s in segments)  # /2018/02/03/
    navigation = archive or is_navigation_page(bare) or not type_filter(bare)
    last = segments[-1] if segments else ""
    stem = _PAGE_EXT.sub("", last)
    words = len(_WORD.findall(stem)) if ("-" in stem or "_" in stem) else (1 if stem else 0)
    dated = bool(_DATE_PATH.search(path))
    strong = dated or (len(stem) <= 300 and bool(_ID_SLUG.search(stem))  # backtracks on long stems
                       and (len(segments) >= 2 or not stem.isdigit()))
    slug = words >= 4
    leaf = strong or slug or len(segments) >= 4 or any(c in stem for c in "-_") or bool(
        re.search(r"\d", stem)) or stem != last
    short = 1 <= len(segments) <= 3 and not leaf
    return _Shape(strong, slug, leaf, short, navigation)


def _time_containers(root: etree._Element, limit: int = 2_000) -> set[etree._Element]:
    """The parent, grandparent and great-grandparent of each <time datetime> (the first
    `limit`): a link whose nearest such container holds at most 3 distinct links sits in a
    dated card."""
    found: set[etree._Element] = set()
    for time in islice((t for t in root.iter("time") if t.get("datetime")), limit):
        found.update(islice(time.iterancestors(), 3))
    return found


def _context(a: etree._Element, timed: set[etree._Element], small: dict[etree._Element, bool],
             first_links: dict[etree._Element, etree._Element | None]) -> tuple[bool, bool, bool, bool]:
    """(in a heading, in the site's nav/menu/header, in a footer, in a card) for one link."""
    heading = next(a.iter(*_HEADINGS), None) is not None
    nav = header = footer = dated = False
    timing = True
    article = None
    for depth, ancestor in enumerate(a.iterancestors()):
        if depth == _CONTEXT_DEPTH:
            break
        tag = ancestor.tag
        role = ancestor.get("role") or ""
        if tag in _HEADINGS:
            heading = True
        elif tag == "article" and article is None:
            article = ancestor
        elif tag == "nav" or role == "navigation" or _MENU_CLASS.search(ancestor.get("class") or ""):
            nav = True
        elif tag == "header" or role == "banner":
            header = True
        elif tag == "footer" or role == "contentinfo":
            footer = True
        if depth < 3 and timing and ancestor in timed:  # the nearest container shared with a time
            if (few := small.get(ancestor)) is None:
                few = small[ancestor] = len({x.get("href") for x in islice(ancestor.iter("a"), 8)}) <= 3
            dated, timing = few, False
    first = False
    if article is not None:
        if article not in first_links:
            first_links[article] = next((x for x in article.iter("a") if x.get("href")), None)
        first = first_links[article] is a
    nav = nav or (header and article is None)  # an <article>'s own <header> is no site header
    card = heading or first or dated
    return heading, nav, footer, card
