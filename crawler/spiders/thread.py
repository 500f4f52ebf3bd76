"""The `thread` spider: articles, every page of their comment threads, every comment permalink."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpError

from crawler import discovery
from crawler.signals import fetch_failed
from pipelines import platforms
from pipelines.platforms import Page

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure
    from typing_extensions import Self

_FEED_ROOTS = (b"<rss", b"<feed", b"<rdf:RDF")
_SITEMAP_ROOTS = (b"<urlset", b"<sitemapindex")
_MAX_SITEMAP_NESTING = 3  # sitemap indexes must not nest (sitemaps.org); some do, once
# Request meta: the seed a request comes from, how its article was found (sitemap, feed,
# links), how many discovery pages (sections, feeds, sitemaps) lie between it and the seed,
# and how deep in sitemap indexes it is.
_SEED, _VIA, _DEPTH, _SITEMAPS = "thread_seed", "thread_via", "thread_depth", "thread_sitemaps"
_ERRORS = list(range(400, 600))  # to the callback, not the errback (redirects still followed)


def read_seeds(start_urls: str | None, seeds: str | None, log: Any) -> list[str]:
    """Seed URLs from `-a start_urls=A,B` and `-a seeds=FILE`; bad lines are logged and skipped."""
    candidates: list[tuple[str, str]] = []
    if start_urls:
        candidates += [("start_urls", u) for u in start_urls.split(",")]
    if seeds:
        try:
            lines = Path(seeds).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"cannot read seeds file {seeds!r}: {exc}") from exc
        for number, line in enumerate(lines, 1):
            line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
            if line:
                candidates.append((f"{seeds}:{number}", line))
    urls: list[str] = []
    for origin, raw in candidates:
        url = raw.strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
            log.warning("Skipping seed %r (%s): not an absolute http(s) URL", raw, origin)
            continue
        urls.append(url)
    if not urls and not candidates:
        raise ValueError("no seeds: pass -a start_urls=URL[,URL...] or -a seeds=FILE")
    return list(dict.fromkeys(urls))


def _sniff(body: bytes) -> bytes:
    return body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")


class ThreadSpider(Spider):
    """Focused: follows only what a platform says belongs to an article's thread."""

    name = "thread"

    def __init__(self, start_urls: str | None = None, seeds: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.seed_urls = read_seeds(start_urls, seeds, self.logger)
        self.hosts = {urlsplit(u).hostname for u in self.seed_urls}
        self.allowed_domains = sorted(h for h in self.hosts if h)
        self.max_thread_pages = 500
        self.max_index_pages = 20
        # Thread pages already requested: every page of a Drupal thread lists all the others,
        # and 500 pages re-yielding 500 requests each is 250,000 requests to filter.
        self._thread_pages: set[str] = set()
        self._scope: dict[str, bool] = {}
        self.discovery_depth = 2
        self._robots_seen: set[str] = set()
        # per listing (its first page's URL): the article links its pages gave, to tell when
        # its pager stops listing anything new (200,000 links kept in all, then forgotten)
        self._listed: dict[str, set[str]] = {}
        self._listed_count = 0
        self._found: dict[str, Counter[str]] = {u: Counter() for u in self.seed_urls}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        spider.max_thread_pages = s.getint("THREAD_MAX_THREAD_PAGES", spider.max_thread_pages)
        spider.max_index_pages = s.getint("THREAD_MAX_INDEX_PAGES", spider.max_index_pages)
        spider.discovery_depth = s.getint("THREAD_DISCOVERY_DEPTH", spider.discovery_depth)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for url in self.seed_urls:
            yield Request(url, callback=self.parse_seed, errback=self.seed_failed,
                          meta={_SEED: url, _DEPTH: 0})

    # -- callbacks ---------------------------------------------------------------------------

    def parse_seed(self, response: Response, index_page: int = 0, listing: str | None = None
                   ) -> Iterator[Request]:
        """A seed (or a page found from one) may be an article, an index or section page, a
        feed or a sitemap (index): whatever it is, it is read as such."""
        body = response.body
        head = b"<urlset" if body[:2] == b"\x1f\x8b" else _sniff(body)  # .xml.gz: a sitemap
        while head.startswith((b"<?", b"<!--")):  # XML declaration, stylesheet PIs, comments
            end = b"?>" if head.startswith(b"<?") else b"-->"
            if (at := head.find(end)) < 0:
                break
            head = head[at + len(end) :].lstrip()
        if head.startswith(_SITEMAP_ROOTS):
            yield from self._from_sitemap(response)
        elif head.startswith(_FEED_ROOTS) or (head.startswith(b"{") and b"jsonfeed.org" in head):
            yield from self._from_feed(response)
        elif isinstance(response, HtmlResponse):
            yield from self._from_page(response, index_page, listing)
        else:
            self.crawler.stats.inc_value("thread/seeds_unusable")
            self.logger.warning(
                "Seed %s is not an HTML page, a feed or a sitemap (Content-Type %r): "
                "archived, nothing discovered from it",
                response.url, response.headers.get("Content-Type", b"").decode("latin-1"),
            )

    def _from_page(self, response: HtmlResponse, index_page: int, listing: str | None = None
                   ) -> Iterator[Request]:
        """`listing`: the first page of the listing this page continues (its pager's walk)."""
        page = Page.from_response(response)
        hints = platforms.detect(page).hints
        if _is_article(hints, page):
            yield from self._article(page, hints, response.meta, known=True)
            return
        depth = response.meta.get(_DEPTH, 0)
        links = hints.article_links(page)
        found = None
        if not links:  # no platform lists articles here: the field's URL and card heuristics
            found = discovery.page_links(page.tree, page.url)
            links = found.articles
        self.logger.info("Index %s (%s): %d article links%s", response.url, hints.name, len(links),
                         f", {len(found.sections)} sections" if found and found.sections else "")
        yield from self._follow(hints, links, self.parse_article, meta=self._via(response, "links"))
        if depth == 0:  # a seed that is an index: the site's robots.txt names its sitemaps
            yield from self._robots(response)
        if depth < self.discovery_depth:  # feeds the page names in its head
            feeds = discovery.feed_links(page.tree, page.url)
            yield from self._follow(hints, feeds, self.parse_seed,
                                    meta=self._via(response, "feed", depth + 1))
        listing = listing or response.url
        seen = self._listed.setdefault(listing, set()) if self._listed_count < 200_000 else set()
        fresh = [u for u in links if u not in seen]
        seen.update(fresh)
        self._listed_count += len(fresh)
        if index_page and not fresh:  # a pager with no end: a page listing nothing new ends it
            self.logger.debug("Index %s lists no new article: its further pages not followed",
                              response.url)
        elif index_page + 1 < self.max_index_pages:
            more = hints.index_pages(page) or (found.next_pages if found else [])
            for url in self._scoped(hints, more):
                yield Request(url, callback=self.parse_seed, errback=self.failed,
                              cb_kwargs={"index_page": index_page + 1, "listing": listing},
                              meta=self._via(response, "links", depth))
        if found and depth < self.discovery_depth:
            yield from self._follow(hints, found.sections, self.parse_seed,
                                    meta=self._via(response, "links", depth + 1))

    def _robots(self, response: Response) -> Iterator[Request]:
        """Once per site: its robots.txt, for the `Sitemap:` lines (as SitemapSpider does)."""
        parts = urlsplit(response.url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin in self._robots_seen:
            return
        self._robots_seen.add(origin)
        yield Request(origin + "/robots.txt", callback=self.parse_robots, errback=self.failed,
                      meta={**self._via(response, "sitemap", 1), "handle_httpstatus_list": _ERRORS})

    def parse_robots(self, response: Response) -> Iterator[Request]:
        if response.status != 200:  # no robots.txt is no failure: nothing named there
            return
        sitemaps = discovery.sitemaps_from_robots(response.body, response.url)
        self.logger.info("robots.txt %s: %d sitemaps", response.url, len(sitemaps))
        yield from self._follow(platforms.GENERIC.hints, sitemaps, self.parse_seed,
                                meta=self._via(response, "sitemap", 1))

    def parse_article(self, response: Response) -> Iterator[Request]:
        if not isinstance(response, HtmlResponse):
            self.logger.info("Not HTML, archived only: %s", response.url)
            return
        page = Page.from_response(response)
        yield from self._article(page, platforms.detect(page).hints, response.meta)

    def _article(self, page: Page, hints: platforms.Hints, meta: dict[str, Any], *,
                 known: bool = False) -> Iterator[Request]:
        """`known`: the caller has already seen it is an article."""
        if not known and not _is_article(hints, page):
            self.logger.info("No article found at %s (%s)", page.url, hints.name)
            return
        self.crawler.stats.inc_value("thread/articles")
        self.crawler.stats.inc_value(f"thread/platform/{hints.name}")
        via = meta.get(_VIA, "seed")
        self.crawler.stats.inc_value(f"thread/articles_from/{via}")
        self._found.setdefault(meta.get(_SEED, page.url), Counter())[via] += 1
        pages = self._bounded(hints.thread_pages(page), page.url)
        yield from self._follow(hints, pages, self.parse_thread_page, {"hops": 1})
        yield from self._follow(hints, hints.permalinks(page), self.parse_permalink)

    def closed(self, reason: str) -> None:
        """One line per seed: how many articles came from its sitemaps, feeds and links."""
        for seed, found in self._found.items():
            self.logger.info("Seed %s: %d articles (%d from sitemaps, %d from feeds, %d from links, "
                             "%d seeds themselves)", seed, sum(found.values()), found["sitemap"],
                             found["feed"], found["links"], found["seed"])

    def parse_thread_page(self, response: Response, hops: int = 1) -> Iterator[Request]:
        """Platforms that link only the next page ("More", "next", "continue this thread")
        are walked page by page, at most THREAD_MAX_THREAD_PAGES hops from the article."""
        self.crawler.stats.inc_value("thread/thread_pages")
        if isinstance(response, HtmlResponse):
            page = Page.from_response(response)
            hints = platforms.detect(page).hints
            if hops < self.max_thread_pages:
                pages = self._bounded(hints.thread_pages(page), response.url, article=False)
                yield from self._follow(hints, pages, self.parse_thread_page, {"hops": hops + 1})
            yield from self._follow(hints, hints.permalinks(page), self.parse_permalink)

    def parse_permalink(self, response: Response) -> Iterator[Request]:
        """Archived for its own URL; its content is a thread page we already follow."""
        self.crawler.stats.inc_value("thread/permalinks")
        return iter(())

    # -- discovery helpers ---------------------------------------------------------------------

    def _bounded(self, pages: Iterable[str], url: str, *, article: bool = True) -> list[str]:
        """At most THREAD_MAX_THREAD_PAGES of a (lazy) page list: a pager claiming 200,000
        pages costs no more than one that tells the truth. Said once per article."""
        taken = list(itertools.islice(pages, self.max_thread_pages + 1))
        if len(taken) > self.max_thread_pages:
            self.crawler.stats.inc_value("thread/thread_pages_capped")
            (self.logger.warning if article else self.logger.debug)(
                "%s lists more than %d comment pages (THREAD_MAX_THREAD_PAGES): following the "
                "first %d", url, self.max_thread_pages, self.max_thread_pages)
            del taken[self.max_thread_pages:]
        new = [u for u in taken if u not in self._thread_pages]
        self._thread_pages.update(new)
        return new

    def _from_sitemap(self, response: Response) -> Iterator[Request]:
        listing = discovery.read_sitemap(response.body, response.url)
        if listing.problem:
            self.crawler.stats.inc_value("thread/discovery_problems")
            self.logger.warning("Sitemap %s: %s", response.url, listing.problem)
        self.logger.info("Sitemap %s (%s): %d entries%s", response.url, listing.kind,
                         len(listing.entries), " (truncated)" if listing.truncated else "")
        nesting = response.meta.get(_SITEMAPS, 0)
        if listing.kind == "sitemapindex":
            if nesting >= _MAX_SITEMAP_NESTING:  # indexes must not nest; a loop of them
                self.logger.warning("Sitemap index %s is nested %d deep: not followed further",
                                    response.url, nesting)
                return
            meta = {**self._via(response, "sitemap"), _SITEMAPS: nesting + 1}
            yield from self._follow(platforms.GENERIC.hints, listing.urls, self.parse_seed, meta=meta)
        else:
            yield from self._follow(platforms.GENERIC.hints, listing.urls, self.parse_article,
                                    meta=self._via(response, "sitemap"))

    def _from_feed(self, response: Response) -> Iterator[Request]:
        listing = discovery.read_feed(response.body, response.url)
        if listing.problem:
            self.crawler.stats.inc_value("thread/discovery_problems")
            self.logger.warning("Feed %s: %s", response.url, listing.problem)
        self.logger.info("Feed %s (%s): %d entries", response.url, listing.kind, len(listing.entries))
        yield from self._follow(platforms.GENERIC.hints, listing.urls, self.parse_article,
                                meta=self._via(response, "feed"))

    @staticmethod
    def _via(response: Response, source: str, depth: int | None = None) -> dict[str, Any]:
        """What a request found on this response carries: its seed, how articles were found
        (sitemap, feed, links; the first way it was found counts), its discovery depth."""
        meta = response.meta
        return {_SEED: meta.get(_SEED, response.url), _VIA: source,
                _DEPTH: meta.get(_DEPTH, 0) if depth is None else depth}

    def _in_scope(self, url: str) -> bool:
        """The seeds' hosts and their subdomains, as Scrapy's allowed_domains matches;
        remembered per scheme and authority (a page's 10,000 links share a few)."""
        slash = url.find("/", url.find("//") + 2)
        authority = url if slash < 0 else url[:slash]
        if (known := self._scope.get(authority)) is not None:
            return known
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:  # "Invalid IPv6 URL" and the like, from a page's href
            host = ""
        inside = bool(host) and any(host == h or host.endswith("." + h) for h in self.hosts)
        if len(self._scope) < 10_000:
            self._scope[authority] = inside
        return inside

    def _scoped(self, hints: platforms.Hints, urls: Iterable[str]) -> Iterator[str]:
        stats = self.crawler.stats
        for url in urls:
            if not self._in_scope(url):
                stats.inc_value("thread/offsite_skipped")
                self.logger.debug("Off-site, not followed: %s", url)
            elif hints.is_trap(url):  # the page's own platform knows its traps
                stats.inc_value("thread/traps_skipped")
                self.logger.debug("Trap, not followed: %s", url)
            else:
                yield url

    def _follow(self, hints: platforms.Hints, urls: Iterable[str], callback: Any,
                cb_kwargs: dict[str, Any] | None = None, meta: dict[str, Any] | None = None
                ) -> Iterator[Request]:
        for url in self._scoped(hints, urls):
            yield Request(url, callback=callback, errback=self.failed, cb_kwargs=cb_kwargs,
                          meta=meta)

    # -- errors --------------------------------------------------------------------------------

    def seed_failed(self, failure: Failure) -> None:
        self.crawler.stats.inc_value("thread/seeds_failed")
        self.logger.error("Seed %s failed: %s", failure.request.url, _describe(failure))
        self._record(failure)

    def failed(self, failure: Failure) -> None:
        self.crawler.stats.inc_value("thread/fetch_failed")
        self.logger.warning("Fetching %s failed: %s", failure.request.url, _describe(failure))
        self._record(failure)

    def _record(self, failure: Failure) -> None:
        """A fetch with no response (an HTTP error response is archived as it is) goes into
        the archive as a `metadata` record, so what is missing is seen beside what is there."""
        if not failure.check(HttpError, IgnoreRequest):
            self.crawler.signals.send_catch_log(
                signal=fetch_failed, request=failure.request, error=_describe(failure))


def _is_article(hints: platforms.Hints, page: Page) -> bool:
    """The platform's hints say so, or the page does in machine-readable form (a custom
    theme the hints do not know must not lose its article)."""
    return hints.is_article(page) or page.article_evidence is not None


def _describe(failure: Failure) -> str:
    if failure.check(HttpError):
        response = failure.value.response
        return f"HTTP {response.status} (archived)"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"
