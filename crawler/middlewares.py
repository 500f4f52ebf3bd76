"""Downloader middlewares, and one spider middleware (ResponseReleaseMiddleware)."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import sqlite3
import time
import zlib
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from scrapy import Request, Spider, signals
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured, StopDownload
from scrapy.http import TextResponse
from scrapy.http.headers import Headers
from scrapy.responsetypes import responsetypes
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from crawler.extensions import WarcWriterExtension
from crawler.signals import warc_closed
from pipelines.archiving.config import WarcConfig
from pipelines.archiving.dedup import DigestIndex, read_original
from pipelines.archiving.records import ARCHIVE_IN_FULL, ARCHIVE_ONLY, REVALIDATES, target_uri
from pipelines.archiving.repair import (
    Archived,
    JobRuns,
    Run,
    describe,
    repair_unfinished,
    wait_for_writer,
)

try:  # RetryAfterMiddleware pauses a site through these; without them it warns and does not
    from scrapy.core.downloader import Slot
    from scrapy.utils.asyncio import call_later
except ImportError:  # pragma: no cover - a Scrapy release that moved them
    Slot = call_later = None  # type: ignore[assignment,misc]

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings
    from typing_extensions import Self

logger = logging.getLogger(__name__)


class TruncateOversizeMiddleware:
    """Cuts a response at DOWNLOAD_MAXSIZE and keeps its head, where Scrapy would drop it whole.

    Scrapy cancels an oversized download and discards every byte; an archive wants what
    arrived, marked `WARC-Truncated: length`. Scrapy's own cut is switched off per request
    (`download_maxsize` meta = 0) and the limit is enforced on `bytes_received` instead.
    """

    def __init__(self, crawler: Crawler, maxsize: int) -> None:
        self.maxsize = maxsize
        self.stats = crawler.stats
        self._received: WeakKeyDictionary[Request, int] = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("WARC_KEEP_TRUNCATED", True):
            raise NotConfigured("WARC_KEEP_TRUNCATED is off")
        if (maxsize := s.getint("DOWNLOAD_MAXSIZE")) <= 0:
            raise NotConfigured(f"DOWNLOAD_MAXSIZE is {maxsize}: nothing to cut")
        mw = cls(crawler, maxsize)
        crawler.signals.connect(mw._bytes_received, signal=signals.bytes_received)
        return mw

    def process_request(self, request: Request) -> None:
        request.meta["download_maxsize"] = 0

    def process_response(self, request: Request, response: Response) -> Response:
        """The cap back in place before HttpCompressionMiddleware (590) decodes the body:
        a small gzip bomb must not inflate past DOWNLOAD_MAXSIZE."""
        request.meta["download_maxsize"] = self.maxsize
        return response

    def _bytes_received(self, data: bytes, request: Request, spider: Any) -> None:
        received = self._received.get(request, 0) + len(data)
        self._received[request] = received
        if received > self.maxsize:
            self.stats.inc_value("truncate/responses")
            logger.warning(
                "Cut %s at %d bytes (DOWNLOAD_MAXSIZE=%d); the head is kept",
                request.url, received, self.maxsize,
            )
            raise StopDownload(fail=False)


# -- Retry-After -----------------------------------------------------------------------------

_RETRY_AFTER_STATUSES = frozenset({429, 503})
_DELTA_SECONDS = re.compile(r"\d+(?:\.\d+)?")


def retry_after_seconds(value: bytes, date: bytes | None = None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After value: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).

    An HTTP-date is read against the response's own `Date` when it has one, so a server whose
    clock is off from ours still gets the wait it asked for; None when the value is unreadable.
    """
    text = value.decode("latin-1").strip()
    if _DELTA_SECONDS.fullmatch(text):
        return float(text)
    when = _http_date(text)
    if when is None:
        return None
    base = _http_date(date.decode("latin-1").strip()) if date else None
    start = base.timestamp() if base is not None else (time.time() if now is None else now)
    return max(0.0, when.timestamp() - start)


def _http_date(text: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class RetryAfterConfig:
    max_wait: float = 600.0  # THREAD_RETRY_AFTER_MAX: a longer Retry-After is capped
    min_delay: float = 1.0  # AUTOTHROTTLE_START_DELAY: the least delay after a pause
    max_delay: float = 30.0  # AUTOTHROTTLE_MAX_DELAY: the most delay after a pause

    @classmethod
    def from_settings(cls, s: BaseSettings) -> RetryAfterConfig:
        if (cap := s.getfloat("THREAD_RETRY_AFTER_MAX", cls.max_wait)) <= 0:
            raise NotConfigured(f"THREAD_RETRY_AFTER_MAX is {cap!r}: Retry-After is not waited for")
        return cls(cap, s.getfloat("AUTOTHROTTLE_START_DELAY", cls.min_delay),
                   s.getfloat("AUTOTHROTTLE_MAX_DELAY", cls.max_delay))


class RetryAfterMiddleware:
    """Honours Retry-After on a 429 or 503: the whole site (download slot) waits, then goes slower.

    RetryMiddleware retries 429/503 at once; a site that asked for two minutes gets the retry,
    and every other request to it, a second later. This pauses the response's download slot:
    no request to that site starts before the wait is over, the retry included. The pause is
    set at `response_downloaded`, because the downloader starts the slot's next request before
    any `process_response` runs. It uses the slot's private `lastseen` and `latercall` and the
    downloader's `_process_queue`: a Scrapy release without them disables it with a warning.
    """

    def __init__(self, crawler: Crawler, cfg: RetryAfterConfig) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.cfg = cfg
        self._downloader: Any = None  # set at spider_opened when its private parts are there

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        mw = cls(crawler, RetryAfterConfig.from_settings(crawler.settings))
        crawler.signals.connect(mw._opened, signal=signals.spider_opened)
        crawler.signals.connect(mw._downloaded, signal=signals.response_downloaded)
        return mw

    def _opened(self, spider: Any) -> None:
        downloader = getattr(self.crawler.engine, "downloader", None)
        missing = [name for name, ok in (
            ("scrapy.utils.asyncio.call_later", call_later is not None),
            ("Downloader.slots", isinstance(getattr(downloader, "slots", None), dict)),
            ("Downloader._process_queue", callable(getattr(downloader, "_process_queue", None))),
            *((f"Slot.{a}", hasattr(Slot, a)) for a in ("delay", "lastseen", "latercall")),
        ) if not ok]
        if missing:
            logger.warning("Retry-After is not honoured: this Scrapy has no %s", ", ".join(missing))
            return
        self._downloader = downloader

    def _downloaded(self, response: Response, request: Request, spider: Any) -> None:
        if response.status not in _RETRY_AFTER_STATUSES or self._downloader is None:
            return
        if not (value := response.headers.get(b"Retry-After")):
            return
        wait = retry_after_seconds(value, response.headers.get(b"Date"))
        if wait is None:
            self.stats.inc_value("retry_after/unreadable")
            logger.warning("Unreadable Retry-After %r from %s", value, response.url)
            return
        if wait > self.cfg.max_wait:
            self.stats.inc_value("retry_after/capped")
            logger.warning("%s: Retry-After asks for %g s, capped at THREAD_RETRY_AFTER_MAX=%g",
                           response.url, wait, self.cfg.max_wait)
            wait = self.cfg.max_wait
        key = request.meta.get("download_slot")  # set by the downloader, as AutoThrottle reads it
        slot = self._downloader.slots.get(key)
        if wait <= 0 or slot is None:
            return
        self._pause(slot, wait)
        self.stats.inc_value("retry_after/pauses")
        logger.info("Retry-After: pausing %s for %.1f s (HTTP %d from %s); then %.1f s between "
                    "requests", key, wait, response.status, response.url, slot.delay)

    def _pause(self, slot: Slot, wait: float) -> None:
        """No request from the slot before `wait` is over: `latercall` holds the queue (whatever
        the randomised delay), a future `lastseen` counts the delay from the end of the pause."""
        until = monotonic() + wait  # the downloader's clock
        slot.lastseen = max(slot.lastseen, until)
        slot.delay = max(slot.delay, min(self.cfg.max_delay, max(2 * slot.delay, self.cfg.min_delay)))
        if slot.latercall:
            slot.latercall.cancel()
        slot.latercall = call_later(slot.lastseen - monotonic(), self._resume, slot)

    def _resume(self, slot: Slot) -> None:
        slot.latercall = None
        self._downloader._process_queue(slot)


# -- bytes in flight -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BytesInFlightConfig:
    budget: int = 256 * 1024 * 1024  # WARC_MAX_BYTES_IN_FLIGHT
    maxsize: int = 0  # DOWNLOAD_MAXSIZE: the most one response can bring (0: no limit)

    @classmethod
    def from_settings(cls, s: BaseSettings) -> BytesInFlightConfig:
        if (budget := s.getint("WARC_MAX_BYTES_IN_FLIGHT", cls.budget)) < 0:
            raise NotConfigured(f"WARC_MAX_BYTES_IN_FLIGHT must be >= 0, got {budget!r}")
        if budget == 0:
            raise NotConfigured("WARC_MAX_BYTES_IN_FLIGHT is 0: bytes in flight are not bounded")
        return cls(budget, max(0, s.getint("DOWNLOAD_MAXSIZE")))


class _OverBudget(StopDownload):
    """Raised at headers_received: the body would not fit; nothing of it is archived."""

    def __init__(self, expected: int) -> None:
        super().__init__(fail=True)
        self.expected = expected


class BytesInFlightMiddleware:
    """Bounds the bytes held by downloads in flight, so memory stays flat however many huge
    responses arrive at once, and loses nothing: a body that does not fit is never cut.

    A download counts from the moment it is let through until it leaves the downloader, after
    `response_downloaded`, when the WARC writer has taken the body: its announced
    Content-Length (at most DOWNLOAD_MAXSIZE) or the bytes received so far, whichever is more.
    New requests wait here, first come first served, while the count is over the budget; with
    nothing in flight one always goes, so a page larger than the budget still runs (alone).
    A download whose headers announce a body that does not fit next to the others is stopped
    before its body (no response, nothing archived) and requeued with its size reserved; it is
    let through when that much is free and never stopped again. A body of unknown length
    (chunked) is never stopped: it counts as it arrives and holds the requests behind it.
    """

    def __init__(self, crawler: Crawler, cfg: BytesInFlightConfig) -> None:
        self.stats = crawler.stats
        self.cfg = cfg
        self._flight: WeakKeyDictionary[Request, int] = WeakKeyDictionary()  # let through: bytes
        self._received: WeakKeyDictionary[Request, int] = WeakKeyDictionary()
        self._reserved: WeakKeyDictionary[Request, int] = WeakKeyDictionary()  # requeued: size
        self._waiting: deque[tuple[Request, int, Deferred[None]]] = deque()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        mw = cls(crawler, BytesInFlightConfig.from_settings(crawler.settings))
        crawler.signals.connect(mw._headers_received, signal=signals.headers_received)
        crawler.signals.connect(mw._bytes_received, signal=signals.bytes_received)
        crawler.signals.connect(mw._left, signal=signals.request_left_downloader)
        return mw

    def in_flight(self) -> int:
        return sum(self._flight.values())

    def _fits(self, needed: int) -> bool:
        return not self._flight or self.in_flight() + needed <= self.cfg.budget

    async def process_request(self, request: Request) -> None:
        needed = self._reserved.get(request, 0)
        if not self._waiting and self._fits(needed):
            self._flight[request] = needed
            return
        self.stats.inc_value("bytes_in_flight/held")
        admitted: Deferred[None] = Deferred()
        self._waiting.append((request, needed, admitted))
        try:
            await maybe_deferred_to_future(admitted)  # _wake() lets it through
        except BaseException:  # cancelled (the crawl is closing): neither waiting nor in flight
            self._waiting = deque(w for w in self._waiting if w[0] is not request)
            self._release(request)
            raise

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        self._release(request)
        if not isinstance(exception, _OverBudget):
            return None
        retry = request.replace(dont_filter=True)
        self._reserved[retry] = exception.expected
        self.stats.inc_value("bytes_in_flight/requeued")
        logger.debug("Requeued %s: its %d bytes wait for room in WARC_MAX_BYTES_IN_FLIGHT=%d",
                     request.url, exception.expected, self.cfg.budget)
        return retry

    def _headers_received(self, headers: Any, body_length: Any, request: Request,
                          spider: Any) -> None:
        if request not in self._flight or not isinstance(body_length, int) or body_length < 0:
            return  # not ours, or a body of unknown length: counted as it arrives
        expected = min(body_length, self.cfg.maxsize) if self.cfg.maxsize else body_length
        others = self.in_flight() - self._flight[request]
        if (request not in self._reserved and len(self._flight) > 1
                and others + expected > self.cfg.budget):
            logger.debug("Stopped %s before its body: %d bytes do not fit next to the %d in "
                         "flight", request.url, expected, others)
            raise _OverBudget(expected)  # StopDownload(fail=True): no response, no record
        self._flight[request] = max(self._flight[request], expected)
        self.stats.max_value("bytes_in_flight/max", self.in_flight())

    def _bytes_received(self, data: bytes, request: Request, spider: Any) -> None:
        if (counted := self._flight.get(request)) is None:
            return
        received = self._received.get(request, 0) + len(data)
        self._received[request] = received
        if received > counted:
            self._flight[request] = received
            self.stats.max_value("bytes_in_flight/max", self.in_flight())

    def _left(self, request: Request, spider: Any) -> None:
        """After response_downloaded: the WARC writer has taken the body."""
        self._release(request)

    def _release(self, request: Request) -> None:
        self._received.pop(request, None)
        if self._flight.pop(request, None) is not None:
            self._wake()

    def _wake(self) -> None:
        while self._waiting:
            request, needed, admitted = self._waiting[0]
            if not admitted.called and not self._fits(needed):
                return
            self._waiting.popleft()
            if not admitted.called:
                self._flight[request] = needed
                admitted.callback(None)


# -- spider middleware -----------------------------------------------------------------------


class ResponseReleaseMiddleware:
    """Spider middleware: a response is freed as soon as its callback is done with it.

    Scrapy's Selector and the TextResponse caching it refer to each other, so a page whose
    `.selector` was read is freed only by the cyclic GC, which runs by count of objects, not
    bytes: huge pages make few objects, and their bodies, decoded text and trees pile up. The
    cached selector is dropped once the callback's output is consumed (outermost middleware),
    which breaks the cycle. A Scrapy release that renames the cache only makes this a no-op.
    """

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]
                                          ) -> AsyncIterator[Any]:
        try:
            async for out in result:
                yield out
        finally:
            _drop_selector(response)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        try:
            yield from result
        finally:
            _drop_selector(response)


def _drop_selector(response: Response) -> None:
    if getattr(response, "_cached_selector", None) is not None:
        response._cached_selector = None  # type: ignore[attr-defined]


class OffsiteRedirectMiddleware(OffsiteMiddleware):
    """Scrapy's offsite filter, saying which redirect left the crawl's sites: the redirect
    is archived as it came, the page it points to is not fetched, and an archivist reading the
    log sees where the site sent the crawler (Scrapy logs offsite requests once per domain, at
    DEBUG). The robots.txt that RobotsTxtMiddleware asks for a host passes: Scrapy's filter
    dropped it for a requisite's CDN host, and that host's rules were then never obeyed."""

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if _robots_middlewares_own(request):
            # for the host of a request this filter let through (an allowed CDN's requisite):
            # filtered, its host's rules would never be read and everything on it allowed
            return
        if request.meta.get("allow_offsite") and (redirects := request.meta.get("redirect_urls")):
            # a requisite (allowed off the crawl's hosts) that redirected: its target must be
            # a requisite host too, or any CDN could send the crawler to any host and port
            rule = getattr(self.crawler.spider, "requisite_hosts", None)
            if rule is not None and not rule.allows(request.url, redirects[0]):
                self.stats.inc_value("thread/offsite_redirects")
                logger.info("Redirect from %s leaves the requisite hosts (WARC_PAGE_REQUISITES_HOSTS), "
                            "not followed: %s", redirects[0], request.url)
                raise IgnoreRequest(f"Redirected requisite off the allowed hosts: {request.url}")
        try:
            super().process_request(request)
        except IgnoreRequest:
            if redirects := request.meta.get("redirect_urls"):
                self.stats.inc_value("thread/offsite_redirects")
                logger.info("Redirect from %s leaves the crawl's sites, not followed: %s",
                            redirects[0], request.url)
            raise


def _robots_middlewares_own(request: Request) -> bool:
    """RobotsTxtMiddleware's request for a host's /robots.txt, as it makes it: not a redirect
    (a robots.txt redirected elsewhere is filtered as any request is: a site must not send the
    crawler to any host and port it names) and no query string."""
    if not request.meta.get("dont_obey_robotstxt") or request.meta.get("redirect_urls"):
        return False  # every other request: no URL parsing
    parts = urlparse_cached(request)
    return parts.path == "/robots.txt" and not parts.query


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's, with every request that waits for a host's robots.txt given its rules.

    Scrapy 2.19 awaits the host's pending Deferred with `maybe_deferred_to_future`, whose
    callback returns None: the first waiting request gets the parser and each later one gets
    None, which allows everything. So the requests that arrive while a host's robots.txt is
    being fetched (several seeds on one site, a resumed or shared queue, a page's requisites on
    a CDN) went unchecked. Here each waiter gets a Deferred of its own, fired with the result
    that is passed on down the chain."""

    async def robot_parser(self, request: Request) -> Any:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):  # unknown host (super fetches it), or its rules
            return await super().robot_parser(request)
        mine: Deferred[Any] = Deferred()

        def hand_on(result: Any) -> Any:
            mine.callback(result)
            return result  # the next waiter's too

        pending.addCallback(hand_on)
        return await maybe_deferred_to_future(mine)


# -- conditional re-fetch --------------------------------------------------------------------

_VALIDATORS = (b"If-None-Match", b"If-Modified-Since")
NOT_MODIFIED = "not_modified"  # response flag: a 304 answered with the archived response
DONT_REVALIDATE = "dont_revalidate"  # request meta: never conditional


class ConditionalRefetchMiddleware:
    """A page archived before is asked for only if it changed, and the spider still reads it.

    A URL whose latest complete 200 in the dedup index (pipelines/archiving/dedup.py, any
    earlier crawl into the folder) had an ETag or a Last-Modified is requested with
    If-None-Match / If-Modified-Since: one indexed SQLite read per request. The WARC writer
    archives a 304 as a `revisit` (server-not-modified) that names the archived response; here
    the 304 is replaced by that response, read back from its WARC file at its offset, so the
    spider parses the page and follows its links as if it had come again (flag
    `not_modified`). The replacement never passes `response_downloaded`: it is not archived
    twice. At 800: DownloaderStats (850) counts the 304, HttpCompressionMiddleware (590)
    decodes the stored body. An archived response that cannot be read back costs one more
    request, unconditional.
    """

    def __init__(self, crawler: Crawler, cfg: WarcConfig) -> None:
        self.stats = crawler.stats
        self.path = cfg.index_path
        self._index: DigestIndex | None = None
        self._looked = False  # for the index once, at the first request: a first crawl into
        # the folder has none, and what it indexes as it goes it has just fetched anyway
        self._unreadable: set[str] = set()  # WARC files already reported

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        cfg = WarcConfig.from_settings(crawler.settings)  # NotConfigured when WARC is off
        if not cfg.dedup:
            raise NotConfigured("WARC_DEDUP is off")
        mw = cls(crawler, cfg)
        crawler.signals.connect(mw._closed, signal=signals.spider_closed)
        return mw

    def process_request(self, request: Request) -> None:
        url = target_uri(request.url)
        if (mine := request.meta.get(REVALIDATES)) is not None:
            if mine[0] == url:
                return  # ours, again (a retry)
            _unvalidate(request)  # carried over to a redirect's target: another URL's validators
        if (request.method != "GET" or request.meta.get(DONT_REVALIDATE)
                or request.meta.get(ARCHIVE_IN_FULL) or any(name in request.headers for name in _VALIDATORS)):
            return
        if (index := self._reader()) is None:
            return
        try:
            found = index.validators(url)
        except sqlite3.Error as exc:
            self._give_up(exc)
            return
        if found is None or not index.on_disk(found.original):
            return
        if found.etag:
            request.headers[b"If-None-Match"] = found.etag
        if found.last_modified:
            request.headers[b"If-Modified-Since"] = found.last_modified
        request.meta[REVALIDATES] = (url, found.original)
        self.stats.inc_value("warc/revalidations")

    async def process_response(self, request: Request, response: Response) -> Response | Request:
        mine = request.meta.get(REVALIDATES)
        if response.status != 304 or mine is None or mine[0] != target_uri(request.url):
            return response
        try:
            status, stored, body = await asyncio.to_thread(read_original, self.path.parent, mine[1])
        except (OSError, ValueError) as exc:
            self.stats.inc_value("warc/revalidations_unreadable")
            if mine[1].file not in self._unreadable:  # once per file; the pages at DEBUG
                self._unreadable.add(mine[1].file)
                logger.warning("%s: 304 Not Modified, but the archived response cannot be read back "
                               "(%s): its pages from that file are fetched and archived again in "
                               "full", request.url, exc)
            logger.debug("Fetching %s again in full: %s", request.url, exc)
            again = request.replace(dont_filter=True, meta={**request.meta, ARCHIVE_IN_FULL: True})
            _unvalidate(again)
            return again
        self.stats.inc_value("warc/not_modified")
        headers = Headers([(k, v) for k, v in stored if not k.lower().startswith("x-archive-orig-")])
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return cls(url=request.url, status=status, headers=headers, body=body, request=request,
                   flags=[*response.flags, NOT_MODIFIED], protocol=response.protocol,
                   ip_address=response.ip_address)

    def _reader(self) -> DigestIndex | None:
        if not self._looked:
            self._looked = True
            try:
                self._index = DigestIndex.reader(self.path)
            except sqlite3.Error as exc:
                self._give_up(exc)
        return self._index

    def _give_up(self, exc: sqlite3.Error) -> None:
        """Said once: the crawl goes on with plain requests."""
        if "no such table" in str(exc):  # another crawl, started with us, is creating it
            logger.info("Dedup index %s is being created by another crawl: no conditional "
                        "requests in this one", self.path)
        else:
            logger.warning("Dedup index %s cannot be read (%s): no conditional requests from now "
                           "on", self.path, exc)
        self._closed()

    def _closed(self, spider: Any = None) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None


def _unvalidate(request: Request) -> None:
    for name in _VALIDATORS:
        request.headers.pop(name, None)
    request.meta.pop(REVALIDATES, None)


# -- pages archived, not read ----------------------------------------------------------------

ARCHIVE_ONLY_FLAG = "archive_only"  # response flag: its body is the decoded head only
# Decoded bytes kept: Scrapy's MetaRefreshMiddleware reads the first 4,096 characters, which
# 16 KiB holds in any encoding (<= 4 bytes a character)
HEAD_BYTES = 16_384
_WBITS = {b"gzip": 31, b"x-gzip": 31, b"deflate": 15}  # zlib's: gzip header; zlib header


class ArchiveOnlyMiddleware:
    """A 2xx response to a request flagged ARCHIVE_ONLY reaches the spider with only the head of
    its body decoded, HEAD_BYTES of it: enough for a meta refresh to be followed, no more.

    The WARC writer has taken the body as sent, whole, at `response_downloaded`. On a thread
    site most fetches are comment permalinks, each a full page the spider does not read; Scrapy
    would gunzip each one whole (HttpCompressionMiddleware) and decode it all to text to look
    for a meta refresh in its first 4,096 characters (MetaRefreshMiddleware): ~8% of a crawl's
    CPU. Bodies in an encoding other than one gzip or deflate layer (br, zstd, several), and
    any that does not inflate, are left to Scrapy as they are. At 595: after RedirectMiddleware
    (600) and before HttpCompressionMiddleware (590) in the responses' order. DOWNLOAD_MAXSIZE
    and DOWNLOAD_WARNSIZE do not apply to what is decoded here: never more than HEAD_BYTES.
    """

    def process_response(self, request: Request, response: Response) -> Response:
        if (not request.meta.get(ARCHIVE_ONLY) or not 200 <= response.status < 300
                or request.method == "HEAD"):
            return response
        codings = [c.strip().lower() for v in response.headers.getlist(b"Content-Encoding")
                   for c in v.split(b",") if c.strip()]
        body = response.body
        if not codings:
            if len(body) <= HEAD_BYTES:
                return response
            head = body[:HEAD_BYTES]
        elif len(codings) == 1 and (wbits := _WBITS.get(codings[0])) is not None:
            head = _inflate_head(body, wbits)
            if head is None and codings[0] == b"deflate":  # raw deflate, as some servers send
                head = _inflate_head(body, -15)
            if head is None:
                return response  # Scrapy's middleware says what is wrong with it
        else:
            return response
        # in place, as HttpCompressionMiddleware does: the WARC writer copied them at
        # `response_downloaded` (a copy here costs as much as the inflating)
        response.headers.pop(b"Content-Encoding", None)
        cls = responsetypes.from_args(headers=response.headers, url=response.url, body=head)
        # a text response's encoding read again from the head (replace() would copy the old
        # one, inferring it from the whole body when nothing declares it), as Scrapy's does
        text = {"encoding": None} if issubclass(cls, TextResponse) else {}
        return response.replace(cls=cls, body=head, flags=[*response.flags, ARCHIVE_ONLY_FLAG], **text)


def _inflate_head(body: bytes, wbits: int) -> bytes | None:
    try:
        return zlib.decompressobj(wbits).decompress(body, HEAD_BYTES)
    except zlib.error:
        return None


# -- exact resume (JOBDIR) -------------------------------------------------------------------

ARCHIVED = "archived"  # response flag: read back from this job's WARC files, not downloaded
_WRITER_WAIT = 300.0  # seconds a killed crawl's writer is given to finish its queue


class ResumeFromArchiveMiddleware:
    """With JOBDIR, a crawl killed outright resumes with every page archived once, none lost.

    Scrapy saves its request queue only when a crawl closes: after a SIGKILL, a power cut or a
    second Ctrl-C, the next run finds no queue and stops at once, or a stale one and fetches
    again what was fetched. So when the job's last run did not close, its queue and seen
    requests are dropped, the crawl starts again from its seeds, and every URL the job has
    archived (in the WARC files its runs wrote, read at start) is answered from its record,
    flag `archived`, with no download and no new record: its callback runs again and finds
    the same links (a URL archived once per attempt, retried on errors, gets them in turn).
    Only what was never archived, or what a killed writer lost, is fetched. The job's runs,
    and the files each wrote, are kept in JOBDIR/warc-runs.jsonl.
    At 890, by Scrapy's HTTP cache (900): after DownloaderStats (850), which counts a page read
    back as a request and a response; before HttpCompressionMiddleware decodes its body.
    """

    def __init__(self, crawler: Crawler, cfg: WarcConfig, jobdir: Path) -> None:
        self.stats = crawler.stats
        self.jobdir = jobdir
        self.job = JobRuns(jobdir)
        self.index = cfg.index_path if cfg.dedup else None  # finds a revisit's payload
        self.archive = Archived()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not (jobdir := crawler.settings.get("JOBDIR")):
            raise NotConfigured("JOBDIR is not set: there is no crawl to resume")
        cfg = WarcConfig.from_settings(crawler.settings)  # NotConfigured when WARC is off
        if (writer := crawler.get_extension(WarcWriterExtension)) is None:
            raise NotConfigured("the WARC writer is not enabled: nothing to resume from")
        mw = cls(crawler, cfg, Path(jobdir))
        started = time.time()
        runs = mw.job.read()
        if not runs[-1].closed if runs else mw._scrapy_state_unsaved():
            mw._after_kill(runs[-1] if runs else None)
        finished = max((i for i, r in enumerate(runs) if r.reason == "finished"), default=-1)
        if any(not r.closed for r in runs[finished + 1:]):  # a run since was killed
            mw._read_archive(runs)
        mw.job.start(cfg.directory, writer.sink.pid, started)
        crawler.signals.connect(mw._warc_closed, signal=warc_closed)
        return mw

    def _scrapy_state_unsaved(self) -> bool:
        """A job from before the runs file: Scrapy wrote its seen requests but never closed."""
        return (self.jobdir / "requests.seen").exists() and not (
            self.jobdir / "requests.queue" / "active.json").exists()

    def _after_kill(self, killed: Run | None) -> None:
        if killed is not None:
            if not wait_for_writer(killed.writer_pid, killed.started, _WRITER_WAIT):
                logger.warning("The killed run's WARC writer (pid %d) is still writing after %d s; "
                               "going on without it", killed.writer_pid, _WRITER_WAIT)
            if repairs := repair_unfinished(killed.directory):  # those its writer was still on
                logger.warning("%d unfinished WARC file(s) in %s from the killed run (%s)",
                               len(repairs), killed.directory, describe(repairs))
        for name in ("requests.queue", "requests.seen"):  # Scrapy's scheduler and dupefilter
            path = self.jobdir / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
        self.stats.set_value("resume/after_kill", 1)
        logger.warning(
            "JOBDIR %s: the last run was killed before it could save its request queue; "
            "starting again from the seeds, with %s", self.jobdir,
            "the pages this job archived read back from its WARC files, not fetched again"
            if killed else "every page fetched again (which WARC files are this job's is not "
            "known: it began before JOBDIR/warc-runs.jsonl was kept)")

    def _read_archive(self, runs: list[Run]) -> None:
        began = time.monotonic()
        files = {p: p.stat().st_mtime for run in runs for p in run.written()}
        self.archive = Archived.read(sorted(files, key=files.__getitem__))  # in the order written
        self.stats.set_value("resume/archived_urls", len(self.archive.records))
        logger.info("JOBDIR %s: %d URL(s) archived by this job in %d WARC file(s) (read in %.1f s) "
                    "are answered from the archive", self.jobdir, len(self.archive.records),
                    self.archive.files, time.monotonic() - began)

    async def process_request(self, request: Request) -> Response | None:
        archived = self.archive.records
        if not archived or request.method != "GET":
            return None
        if not (records := archived.get(uri := target_uri(request.url))):
            return None
        where = records.pop(0)  # a retry gets the next attempt's record, then the network
        if not records:
            del archived[uri]
        try:
            status, stored, body = await asyncio.to_thread(self.archive.response, where, self.index)
        except (OSError, ValueError) as exc:
            self.stats.inc_value("resume/unreadable")
            logger.warning("%s: archived by this job, but not readable back (%s): fetching it again",
                           request.url, exc)
            return None
        self.stats.inc_value("resume/from_archive")
        headers = Headers([(k, v) for k, v in stored if not k.lower().startswith("x-archive-orig-")])
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return cls(url=request.url, status=status, headers=headers, body=body, request=request,
                   flags=[ARCHIVED])

    def _warc_closed(self, files: list[str], reason: str) -> None:
        """The run closed: Scrapy has saved its queue, the writer its files."""
        self.job.close(files, reason)
