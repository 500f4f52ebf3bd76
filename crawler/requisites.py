"""Page requisites: what a browser loads to show an archived page as it looked.

Stylesheets, scripts, images, icons and fonts that an article or thread page references, and
the `url()`s and `@import`s of its stylesheets (inline and fetched), so that a replay tool
(pywb, ReplayWeb.page) shows the page styled. They are archived, never followed further: a
requisite's own links are not read, and a stylesheet's are read two levels deep (a sheet, the
sheets it imports).

Which hosts (`WARC_PAGE_REQUISITES_HOSTS`): a requisite is fetched when its host is

- the referring page's host, a host of the crawl (a seed's host or a subdomain of one), or a
  host under the same registrable domain as the page (`static.example.co.uk` for
  `www.example.co.uk`, by the public suffix list bundled with tldextract: no network);
- or matches a pattern of the allow-list: `cdn.example.net` (that host) or `*.example.net`
  (that domain and its subdomains). The default lists the shared CDNs sites load their
  libraries, fonts and images from.

Everything else (ads, trackers, other sites' images) is left out and counted. robots.txt is
obeyed for requisites as for pages (Scrapy's RobotsTxtMiddleware, per host).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from urllib.parse import urlsplit

import tldextract
from lxml import etree

from pipelines.platforms import Page
from pipelines.platforms.base import document_base, join

# The allow-list's default: public CDNs of libraries and fonts, and the image/asset CDNs of the
# platforms threadwarc parses (WordPress.com's i0-i3.wp.com/s0.wp.com, Blogger's blogspot and
# googleusercontent images, Disqus' assets, commenters' Gravatar avatars).
DEFAULT_HOSTS = (
    "ajax.googleapis.com", "fonts.googleapis.com", "fonts.gstatic.com", "cdnjs.cloudflare.com",
    "cdn.jsdelivr.net", "unpkg.com", "code.jquery.com", "*.bootstrapcdn.com", "use.fontawesome.com",
    "*.cloudfront.net", "*.akamaized.net", "*.fastly.net", "*.wp.com", "*.bp.blogspot.com",
    "*.googleusercontent.com", "*.disquscdn.com", "use.typekit.net", "*.gravatar.com",
)
# <link rel=...> tokens whose href a browser loads to show the page.
_LINK_RELS = frozenset({"stylesheet", "icon", "apple-touch-icon", "apple-touch-icon-precomposed",
                        "mask-icon", "preload", "modulepreload"})
_PRELOAD_AS = frozenset({"", "style", "script", "font", "image"})
_LINKS = etree.XPath("//link[@href]")
_SRCS = etree.XPath("//script/@src | //img/@src | //input[@type='image']/@src | //video/@poster"
                    " | //body/@background | //table/@background | //td/@background"
                    " | //image/@href", smart_strings=False)
_SRCSETS = etree.XPath("//img/@srcset | //picture/source/@srcset", smart_strings=False)
_STYLE_TEXT = etree.XPath("//style/text()", smart_strings=False)
_STYLE_ATTRS = etree.XPath("//@style", smart_strings=False)
# url(...) with or without quotes, and @import "..." (the url() form is matched by the first)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]+))\s*\)"""
                      r"""|@import\s+(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_SKIP = ("data:", "javascript:", "about:", "blob:", "#", "mailto:")
MAX_PER_PAGE = 500  # requisites taken from one page or stylesheet
MAX_CSS_CHARS = 2_000_000  # of a stylesheet read for url()s
_extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)  # bundled snapshot only


def page_requisites(page: Page) -> list[str]:
    """The absolute http(s) URLs the page loads to display, in document order, each once."""
    base = document_base(page)
    refs: list[str] = []
    for link in _LINKS(page.tree):
        rels = set((link.get("rel") or "").lower().split())
        if not rels & _LINK_RELS and "shortcut" not in rels:
            continue
        if rels & {"preload", "modulepreload"} and (link.get("as") or "").lower() not in _PRELOAD_AS:
            continue  # preloaded documents, fetches, videos: not what a page needs to show
        refs.append(link.get("href") or "")
    refs += _SRCS(page.tree)
    for srcset in _SRCSETS(page.tree):
        refs += srcset_urls(srcset)
    for css in (*_STYLE_TEXT(page.tree), *_STYLE_ATTRS(page.tree)):
        refs += css_refs(css)
    return _absolute(base, refs)


def css_requisites(text: str, url: str) -> list[str]:
    """The url()s and @imports of a stylesheet served at url, absolute, each once."""
    return _absolute(url, css_refs(text[:MAX_CSS_CHARS]))


def css_refs(text: str) -> Iterator[str]:
    for m in _CSS_URL.finditer(text):
        yield next(g for g in m.groups() if g is not None)


def srcset_urls(srcset: str) -> Iterator[str]:
    """Each candidate's URL of an srcset, as the HTML standard splits it: a URL runs to the next
    whitespace (a comma inside it is part of it, a comma at its end ends the candidate), its
    descriptors to the next comma."""
    pos, end = 0, len(srcset)
    while pos < end:
        while pos < end and (srcset[pos].isspace() or srcset[pos] == ","):
            pos += 1
        start = pos
        while pos < end and not srcset[pos].isspace():
            pos += 1
        url = srcset[start:pos]
        if url.endswith(","):
            url = url.rstrip(",")
        else:  # descriptors ("2x", "480w") up to the comma ending the candidate
            while pos < end and srcset[pos] != ",":
                pos += 1
        if url:
            yield url


def _absolute(base: str, refs: Iterable[str]) -> list[str]:
    out: dict[str, None] = {}
    for ref in refs:
        ref = ref.strip()
        if not ref or ref.lower().startswith(_SKIP) or "\n" in ref:
            continue
        try:
            url = join(base, ref).partition("#")[0]
            scheme = urlsplit(url).scheme
        except ValueError:  # "Invalid IPv6 URL" and the like
            continue
        if scheme in ("http", "https"):
            out[url] = None
            if len(out) >= MAX_PER_PAGE:
                break
    return list(out)


class HostRule:
    """The allow-list rule of the module docstring, for one crawl."""

    def __init__(self, crawl_hosts: Iterable[str], patterns: Iterable[str]) -> None:
        self.crawl_hosts = tuple(h.lower() for h in crawl_hosts if h)
        pats = [p.strip().lower() for p in patterns if p.strip()]
        self.exact = frozenset(p for p in pats if not p.startswith("*."))
        self.suffixes = tuple(p[1:] for p in pats if p.startswith("*."))  # ".example.net"

    def allows(self, url: str, page_url: str) -> bool:
        try:
            host, page_host = urlsplit(url).hostname or "", urlsplit(page_url).hostname or ""
        except ValueError:
            return False
        if not host:
            return False
        if host == page_host or any(host == h or host.endswith("." + h) for h in self.crawl_hosts):
            return True
        if host in self.exact or any(host.endswith(s) or host == s[1:] for s in self.suffixes):
            return True
        domain = registrable_domain(host)
        return bool(domain) and domain == registrable_domain(page_host)


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """`example.co.uk` for `static.example.co.uk`; '' for an IP address or a bare suffix."""
    return _extract(host).top_domain_under_public_suffix
