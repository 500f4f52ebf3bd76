"""The `thread` spider: articles, every page of their comment threads, every comment permalink."""

from __future__ import annotations

import itertools
import logging
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from lxml import etree
from scrapy import Request, Spider, signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.task import LoopingCall

from crawler import discovery
from crawler.requisites import DEFAULT_HOSTS, HostRule, css_requisites, page_requisites
from crawler.signals import fetch_failed
from crawler.state import StateConfig, ThreadState, Visit
from pipelines import platforms
from pipelines.archiving.records import ARCHIVE_ONLY
from pipelines.platforms import Page
from pipelines.platforms.base import absolute

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
_HREFS = etree.XPath("//a/@href", smart_strings=False)
_REQUISITE_LEVELS = 3  # page -> its requisites (1) -> a sheet's url()s and @imports (2) -> theirs (3)
_ARCHIVE_ONLY = {ARCHIVE_ONLY: True}  # permalinks: archived, their bodies not read
_SKIPPED_KEPT = 200_000  # trap and off-site URLs remembered, to count each once
# A path-relative href with nothing urljoin would change: no scheme, no dot segment, no
# backslash or whitespace, no `//`.
_RELATIVE = re.compile(r"[A-Za-z0-9_~%-][^:/?#\\\s]*(?:/[^/.?#\\\s][^/?#\\\s]*)*(?:[?#][^\\\s]*)?\Z")


class SeedError(ValueError):
    """No seed to crawl: `scrapy crawl` says so in one line and exits 2, before any request."""


def read_seeds(start_urls: str | None, seeds: str | None, log: Any) -> list[str]:
    """Seed URLs from `-a start_urls=A,B` and `-a seeds=FILE`; bad lines are logged and skipped."""
    candidates: list[tuple[str, str]] = []
    if start_urls:
        candidates += [("start_urls", u) for u in start_urls.split(",")]
    if seeds:
        try:
            lines = Path(seeds).read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError as exc:
            raise SeedError(f"cannot read seeds file {seeds}: not UTF-8 text ({exc.reason} at "
                            f"byte {exc.start})") from exc
        except OSError as exc:
            raise SeedError(f"cannot read seeds file {seeds}: {exc.strerror or exc}") from exc
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
    if not candidates:
        raise SeedError("no seeds: pass -a start_urls=URL[,URL...] or -a seeds=FILE"
                        + (f" ({seeds} holds no URL)" if seeds else ""))
    if not urls:
        raise SeedError(f"no usable seed: all {len(candidates)} given are malformed (not absolute "
                        "http(s) URLs, see above)")
    return list(dict.fromkeys(urls))


def _sniff(body: bytes) -> bytes:
    return body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")


class ThreadSpider(Spider):
    """Focused: follows only what a platform says belongs to an article's thread."""

    name = "thread"

    def __init__(self, start_urls: str | None = None, seeds: str | None = None, *,
                 seedless: bool = False, **kwargs: Any):
        """`seedless`: a worker of a crawl shared through Redis (crawler/frontier.py) may start
        with no seed of its own: it takes the crawl's queued requests and pushed seeds."""
        super().__init__(**kwargs)
        self.seed_urls = [] if seedless and not (start_urls or seeds) else read_seeds(start_urls, seeds,
                                                                                    self.logger)
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
        self._skipped: set[str] = set()  # trap and off-site URLs counted so far
        # What earlier runs archived (crawler/state.py): None when THREAD_REVISIT is off.
        # Not `self.state`: Scrapy's SpiderState extension owns that name under JOBDIR.
        self.crawl_state: ThreadState | None = None
        self._flusher: LoopingCall | None = None
        # Page requisites (crawler/requisites.py): None when WARC_PAGE_REQUISITES is off.
        self._requisite_patterns: list[str] = list(DEFAULT_HOSTS)
        self.requisite_hosts: HostRule | None = HostRule(self.hosts, DEFAULT_HOSTS)
        self._requisites: set[str] = set()  # requested in this crawl (at most _SKIPPED_KEPT)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        if crawler.settings.get("REDIS_URL"):
            kwargs.setdefault("seedless", True)
        spider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        spider.max_thread_pages = s.getint("THREAD_MAX_THREAD_PAGES", spider.max_thread_pages)
        spider.max_index_pages = s.getint("THREAD_MAX_INDEX_PAGES", spider.max_index_pages)
        spider.discovery_depth = s.getint("THREAD_DISCOVERY_DEPTH", spider.discovery_depth)
        if s.getbool("WARC_PAGE_REQUISITES", True):
            spider._requisite_patterns = s.getlist("WARC_PAGE_REQUISITES_HOSTS", list(DEFAULT_HOSTS))
            spider.requisite_hosts = HostRule(spider.hosts, spider._requisite_patterns)
        else:
            spider.requisite_hosts = None
        try:
            cfg = StateConfig.from_settings(s)
        except NotConfigured as exc:
            spider.logger.info("No crawl state: %s", exc)
        else:
            spider.crawl_state = state = ThreadState(cfg)  # StateError: the crawl does not start
            spider.logger.info("Crawl state %s: %d articles known, revisited %s after their first "
                               "capture", cfg.path, state.articles(), cfg.describe())
            crawler.signals.connect(spider._state_opened, signal=signals.spider_opened)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        self.crawler.stats.set_value("thread/seeds", len(self.seed_urls))
        for url in self.seed_urls:
            yield self._seed(url)

    def _seed(self, url: str) -> Request:
        return Request(url, callback=self.parse_seed, errback=self.seed_failed, meta={_SEED: url, _DEPTH: 0})

    # -- a crawl shared through Redis (crawler/frontier.py) -------------------------------------

    def seed_request(self, url: str) -> Request:
        """A seed pushed to the shared crawl (`threadwarc seed`): crawled as one given here."""
        self.crawler.stats.inc_value("thread/seeds")
        self._found.setdefault(url, Counter())
        self.widen_scope([urlsplit(url).hostname or ""])
        return self._seed(url)

    def in_scope(self, url: str) -> bool:
        return self._in_scope(url)

    def widen_scope(self, hosts: Iterable[str]) -> None:
        """The shared crawl's scope: the hosts of every seed of every worker."""
        if not (new := {h for h in hosts if h} - self.hosts):
            return
        self.hosts |= new
        self.allowed_domains = sorted(h for h in self.hosts if h)  # Scrapy's offsite filter re-reads it
        self._scope.clear()
        if self.requisite_hosts is not None:
            self.requisite_hosts = HostRule(self.hosts, self._requisite_patterns)
        self.logger.info("Crawl scope widened to %s", ", ".join(sorted(new)))

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
        elif _VIA in response.meta:  # a page discovery found: a section, a feed, a sitemap
            self.crawler.stats.inc_value("thread/discovery_problems")
            self.logger.warning(
                "%s (found from %s) is not an HTML page, a feed or a sitemap (Content-Type %r): "
                "archived, nothing discovered from it", response.url, response.meta.get(_SEED),
                response.headers.get("Content-Type", b"").decode("latin-1"),
            )
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
            yield from self._article(page, hints, response, known=True)
            return
        self._count_skipped(hints, page)
        depth = response.meta.get(_DEPTH, 0)
        links = hints.article_links(page)
        found = None
        if not links:  # no platform lists articles here: the field's URL and card heuristics
            found = discovery.page_links(page.tree, page.url)
            links = found.articles
        self.logger.info("Index %s (%s): %d article links%s", response.url, hints.name, len(links),
                         f", {len(found.sections)} sections" if found and found.sections else "")
        yield from self._follow_articles(hints, links, self._via(response, "links"))
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
        yield from self._article(page, platforms.detect(page).hints, response)

    def _article(self, page: Page, hints: platforms.Hints, response: Response, *,
                 known: bool = False) -> Iterator[Request]:
        """`known`: the caller has already seen it is an article."""
        meta = response.meta
        if not known and not _is_article(hints, page):
            self.logger.info("No article found at %s (%s)", page.url, hints.name)
            return
        self.crawler.stats.inc_value("thread/articles")
        self.crawler.stats.inc_value(f"thread/platform/{hints.name}")
        self._count_skipped(hints, page)
        via = meta.get(_VIA, "seed")
        self.crawler.stats.inc_value(f"thread/articles_from/{via}")
        self._found.setdefault(meta.get(_SEED, page.url), Counter())[via] += 1
        pages, permalinks = hints.thread_pages(page), hints.permalinks(page)
        of: dict[str, Any] = {}  # the article, for the state's records of its pages
        if self.crawl_state is not None:
            if (visit := self._visit(hints.article_key(page), response)) is None:
                return  # known and not due: archived again (a seed, a new alias), not its thread
            of = {"article": visit.key}
            if visit.revisit:  # the pages it lists, those it had; only new permalinks
                pages = itertools.chain(pages, visit.thread_pages)
                permalinks = self._new_permalinks(permalinks)
        pages = self._bounded(pages, page.url)
        self._count_new_pages(of, pages)
        yield from self._follow(hints, pages, self.parse_thread_page, {"hops": 1, **of})
        yield from self._follow(hints, permalinks, self.parse_permalink, of, _ARCHIVE_ONLY)
        yield from self._page_requisites(page)

    def closed(self, reason: str) -> None:
        """One line per seed: how many articles came from its sitemaps, feeds and links."""
        for seed, found in self._found.items():
            self.logger.info("Seed %s: %d articles (%d from sitemaps, %d from feeds, %d from links, "
                             "%d seeds themselves)", seed, sum(found.values()), found["sitemap"],
                             found["feed"], found["links"], found["seed"])
        if self.crawl_state is not None:
            self._close_state()

    def parse_thread_page(self, response: Response, hops: int = 1, article: str | None = None
                          ) -> Iterator[Request]:
        """Platforms that link only the next page ("More", "next", "continue this thread")
        are walked page by page, at most THREAD_MAX_THREAD_PAGES hops from the article."""
        self.crawler.stats.inc_value("thread/thread_pages")
        visit = self._archived(response, article, "thread")
        if isinstance(response, HtmlResponse):
            page = Page.from_response(response)
            hints = platforms.detect(page).hints
            self._count_skipped(hints, page)
            of = {"article": article} if article else {}
            if hops < self.max_thread_pages:
                pages = self._bounded(hints.thread_pages(page), response.url, article=False)
                self._count_new_pages(of, pages)
                yield from self._follow(hints, pages, self.parse_thread_page, {"hops": hops + 1, **of})
            permalinks = hints.permalinks(page)
            if visit is not None and visit.revisit:
                permalinks = self._new_permalinks(permalinks)
            yield from self._follow(hints, permalinks, self.parse_permalink, of, _ARCHIVE_ONLY)
            yield from self._page_requisites(page)

    def parse_permalink(self, response: Response, article: str | None = None) -> Iterator[Request]:
        """Archived for its own URL; its content is a thread page we already follow."""
        self.crawler.stats.inc_value("thread/permalinks")
        self._archived(response, article, "permalink")
        return iter(())

    def parse_requisite(self, response: Response, level: int = 1) -> Iterator[Request]:
        """Archived; a stylesheet's url()s and @imports are fetched too, two levels deep."""
        self.crawler.stats.inc_value("thread/requisites")
        if level >= _REQUISITE_LEVELS or not _is_css(response):
            return
        try:
            text = response.body.decode(_css_charset(response), "replace")
        except LookupError:  # an unknown charset name
            text = response.body.decode("utf-8", "replace")
        yield from self._fetch_requisites(css_requisites(text, response.url), response.url, level + 1)

    def _page_requisites(self, page: Page) -> Iterator[Request]:
        if self.requisite_hosts is not None:
            yield from self._fetch_requisites(page_requisites(page), page.url, 1)

    def _fetch_requisites(self, urls: list[str], referrer: str, level: int) -> Iterator[Request]:
        """Each URL once per crawl, if its host is allowed (crawler/requisites.py); after the
        thread's pages (lower priority). Offsite for Scrapy's filter when on a CDN."""
        assert self.requisite_hosts is not None
        for url in urls:
            if url in self._requisites:
                continue
            if len(self._requisites) < _SKIPPED_KEPT:
                self._requisites.add(url)
            if not self.requisite_hosts.allows(url, referrer):
                self.crawler.stats.inc_value("thread/requisites_not_allowed")
                self.logger.debug("Requisite on a host not allowed (WARC_PAGE_REQUISITES_HOSTS): %s", url)
                continue
            yield Request(url, callback=self.parse_requisite, errback=self.requisite_failed,
                          cb_kwargs={"level": level}, priority=-1,
                          meta={"allow_offsite": True, "handle_httpstatus_list": _ERRORS},
                          headers={"Referer": referrer, "Accept": "*/*"})

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
            yield from self._follow_articles(platforms.GENERIC.hints, listing.urls,
                                             self._via(response, "sitemap"))

    def _from_feed(self, response: Response) -> Iterator[Request]:
        listing = discovery.read_feed(response.body, response.url)
        if listing.problem:
            self.crawler.stats.inc_value("thread/discovery_problems")
            self.logger.warning("Feed %s: %s", response.url, listing.problem)
        self.logger.info("Feed %s (%s): %d entries", response.url, listing.kind, len(listing.entries))
        yield from self._follow_articles(platforms.GENERIC.hints, listing.urls,
                                         self._via(response, "feed"))

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
        return (url for url in urls if not self._skip(hints, url))

    def _count_skipped(self, hints: platforms.Hints, page: Page) -> None:
        """Every trap and off-site link of a page whose links the spider reads (index,
        article and thread pages), not only those a platform offered it: what the crawl
        chose not to follow. Linear: one XPath, and each URL looked at once."""
        log = self.logger if self.logger.isEnabledFor(logging.DEBUG) else None
        for url in _links(page):
            if url not in self._skipped and (kind := self._skip_kind(hints, url)):
                self._note_skipped(url, kind, log)

    def _skip(self, hints: platforms.Hints, url: str) -> bool:
        """Off-site or a trap: not to be followed (and counted)."""
        if not (kind := self._skip_kind(hints, url)):
            return False
        if url not in self._skipped:
            self._note_skipped(url, kind, self.logger)
        return True

    def _skip_kind(self, hints: platforms.Hints, url: str) -> str | None:
        if not self._in_scope(url):
            return "offsite"
        return "traps" if hints.is_trap(url) else None  # the page's own platform knows its traps

    def _note_skipped(self, url: str, kind: str, log: Any) -> None:
        """Counted once per URL (`thread/offsite_skipped`, `thread/traps_skipped`) while at
        most _SKIPPED_KEPT are remembered (past that, once per page)."""
        if len(self._skipped) < _SKIPPED_KEPT:
            self._skipped.add(url)
        self.crawler.stats.inc_value(f"thread/{kind}_skipped")
        if log is not None:
            log.debug("%s, not followed: %s", "Off-site" if kind == "offsite" else "Trap", url)

    def _follow(self, hints: platforms.Hints, urls: Iterable[str], callback: Any,
                cb_kwargs: dict[str, Any] | None = None, meta: dict[str, Any] | None = None
                ) -> Iterator[Request]:
        for url in self._scoped(hints, urls):
            yield Request(url, callback=callback, errback=self.failed, cb_kwargs=cb_kwargs,
                          meta=meta)

    # -- crawl state: which articles earlier runs archived, which are due again ----------------

    def _follow_articles(self, hints: platforms.Hints, urls: Iterable[str], meta: dict[str, Any]
                         ) -> Iterator[Request]:
        """Article links: all of them, but those naming an article an earlier run archived
        that is not due again (THREAD_REVISIT_SCHEDULE), which are skipped and counted."""
        if (state := self.crawl_state) is None:
            yield from self._follow(hints, urls, self.parse_article, meta=meta)
            return
        scoped = list(self._scoped(hints, urls))
        known, now = state.by_urls(scoped), time.time()
        for url in scoped:
            if (k := known.get(url)) is not None and k.key not in state.visits and not (
                    due := state.due(k, now)):
                self._not_due(k.key, due, url)
                continue
            yield Request(url, callback=self.parse_article, errback=self.failed, meta=meta)

    def _not_due(self, key: str, due: bool | None, url: str) -> None:
        """due False: its next revisit is later; None: its schedule is done."""
        self.crawler.stats.inc_value("thread/revisit_done" if due is None else "thread/revisit_not_due")
        self.logger.debug("Known article %s %s: %s not followed", key,
                          "re-visited as often as the schedule says" if due is None else "not due yet",
                          url)

    def _visit(self, key: str, response: Response) -> Visit | None:
        """This run's visit of the article `key`: its first capture, a revisit when it is due,
        or None: known and not due (its page archived again, e.g. as a seed; thread not followed)."""
        assert self.crawl_state is not None
        state, now = self.crawl_state, time.time()
        urls = {*response.meta.get("redirect_urls", ()), response.url, key}
        if (visit := state.visits.get(key)) is None:
            known = state.by_key(key)
            if known is not None and not (due := state.due(known, now)):
                self._not_due(key, due, response.url)
                for url in urls:
                    state.fetched(url, key, "article", now)
                return None
            visit = state.begin(key, response.url, known, now)
            if visit.revisit:
                self.crawler.stats.inc_value("thread/articles_revisited")
                self.logger.debug("Re-visiting %s (revisit %d): %d thread pages known", key,
                                  visit.revisits, len(visit.thread_pages))
            else:
                self.crawler.stats.inc_value("thread/articles_new")
        state.headers(visit, _header(response, b"ETag"), _header(response, b"Last-Modified"))
        for url in urls:
            state.fetched(url, key, "article", now)
        return visit

    def _count_new_pages(self, of: dict[str, Any], pages: list[str]) -> None:
        """Of the thread pages a revisit requests, those earlier runs did not have."""
        if (state := self.crawl_state) and (visit := state.visits.get(of.get("article", ""))) and (
                visit.revisit):
            new = sum(url not in visit.had for url in pages)
            self.crawler.stats.inc_value("thread/revisit_new_thread_pages", new)

    def _new_permalinks(self, urls: Iterable[str]) -> list[str]:
        """Permalinks never archived before: a revisit fetches only those."""
        assert self.crawl_state is not None
        listed = list(urls)
        new = self.crawl_state.unseen(listed)
        self.crawler.stats.inc_value("thread/revisit_new_permalinks", len(new))
        self.crawler.stats.inc_value("thread/revisit_known_permalinks", len(listed) - len(new))
        return new

    def _archived(self, response: Response, article: str | None, kind: str) -> Visit | None:
        """Notes a thread page or permalink of `article` in the state; its visit, if any."""
        if article is None or self.crawl_state is None:
            return None
        self.crawl_state.fetched(_first_url(response), article, kind)
        return self.crawl_state.visits.get(article)

    def _state_opened(self, spider: Spider) -> None:
        assert self.crawl_state is not None
        self._flusher = LoopingCall(self._flush_state)
        self._flusher.start(self.crawl_state.cfg.flush_seconds, now=False)

    def _flush_state(self) -> None:
        """Every THREAD_STATE_FLUSH_SECONDS on the reactor: one short transaction (timed)."""
        assert self.crawl_state is not None
        began = time.perf_counter()
        articles, pages = self.crawl_state.flush()
        ms = round((time.perf_counter() - began) * 1000)
        stats = self.crawler.stats
        stats.inc_value("thread/state_rows_written", articles + pages)
        stats.inc_value("thread/state_flush_ms", ms)
        stats.max_value("thread/state_flush_max_ms", ms)
        stats.set_value("thread/state_write_errors", self.crawl_state.write_errors)
        stats.set_value("thread/state_read_errors", self.crawl_state.read_errors)
        if articles or pages:
            self.logger.debug("Crawl state: %d articles, %d pages committed in %d ms", articles,
                              pages, ms)

    def _close_state(self) -> None:
        assert self.crawl_state is not None
        if self._flusher is not None and self._flusher.running:
            self._flusher.stop()
        self._flush_state()
        self.crawl_state.close()
        get = self.crawler.stats.get_value
        self.logger.info(
            "Crawl state %s: %d new articles, %d re-visited (%d new thread pages, %d new "
            "permalinks, %d known permalinks not fetched again); links to known articles not "
            "followed: %d not due yet, %d whose schedule is done", self.crawl_state.cfg.path,
            get("thread/articles_new", 0), get("thread/articles_revisited", 0),
            get("thread/revisit_new_thread_pages", 0), get("thread/revisit_new_permalinks", 0),
            get("thread/revisit_known_permalinks", 0), get("thread/revisit_not_due", 0),
            get("thread/revisit_done", 0))

    # -- errors --------------------------------------------------------------------------------

    def seed_failed(self, failure: Failure) -> None:
        self.crawler.stats.inc_value("thread/seeds_failed")
        self.logger.error("Seed %s failed: %s", failure.request.url, _describe(failure))
        self._record(failure)

    def failed(self, failure: Failure) -> None:
        self.crawler.stats.inc_value("thread/fetch_failed")
        self.logger.warning("Fetching %s failed: %s", failure.request.url, _describe(failure))
        self._record(failure)

    def requisite_failed(self, failure: Failure) -> None:
        """A requisite that could not be fetched (robots.txt forbids it, the host is down) costs
        a DEBUG line, not a warning per page."""
        self.crawler.stats.inc_value("thread/requisites_failed")
        self.logger.debug("Requisite %s not fetched: %s", failure.request.url, _describe(failure))
        self._record(failure)

    def _record(self, failure: Failure) -> None:
        """A fetch with no response (an HTTP error response is archived as it is) goes into
        the archive as a `metadata` record, so what is missing is seen beside what is there."""
        if not failure.check(HttpError, IgnoreRequest):
            self.crawler.signals.send_catch_log(
                signal=fetch_failed, request=failure.request, error=_describe(failure))


def _links(page: Page) -> Iterator[str]:
    """The page's links as absolute URLs. Path-relative ones (`item?id=1`, a comment's
    five links on Hacker News) are joined to the page's folder by hand: urljoin for each is
    most of the time counting them takes."""
    parts = urlsplit(page.url)
    folder = f"{parts.scheme}://{parts.netloc}{parts.path[: parts.path.rfind('/') + 1] or '/'}"
    others = []
    for href in dict.fromkeys(_HREFS(page.tree)):
        if _RELATIVE.match(href):
            yield folder + href.partition("#")[0]
        else:
            others.append(href)
    yield from absolute(page.url, others)


def _is_css(response: Response) -> bool:
    ctype = (_header(response, b"Content-Type") or "").lower()
    return ctype.startswith("text/css") or (not ctype and urlsplit(response.url).path.endswith(".css"))


def _css_charset(response: Response) -> str:
    ctype = _header(response, b"Content-Type") or ""
    m = re.search(r"charset=[\"']?([\w.:-]+)", ctype, re.IGNORECASE)
    if m is None and (m := re.match(rb'@charset "([\w.:-]+)";', response.body[:100])) is not None:
        return m.group(1).decode("ascii")
    return m.group(1) if m else "utf-8"


def _is_article(hints: platforms.Hints, page: Page) -> bool:
    """The platform's hints say so, or the page does in machine-readable form (a custom
    theme the hints do not know must not lose its article)."""
    return hints.is_article(page) or page.article_evidence is not None


def _first_url(response: Response) -> str:
    """The URL as requested, before any redirect: what a page listed."""
    return (response.meta.get("redirect_urls") or [response.url])[0]


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _describe(failure: Failure) -> str:
    if failure.check(HttpError):
        response = failure.value.response
        return f"HTTP {response.status} (archived)"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"
