"""What a running crawl has done, said as it goes and kept beside its WARCs.

`ProgressLog`: one INFO line every THREAD_PROGRESS_INTERVAL seconds (and one at the end):
articles found and done, thread pages and permalinks fetched of queued, revisits, errors,
bytes archived. `RunReport`: each run's `<WARC_DIR>/<WARC_PREFIX>-<timestamp>-crawl.log` (one
line per fetch, as Heritrix's crawl.log) and `...-stats.json` (written once the crawl is over).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import re
import threading
import time
from collections import Counter, deque
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from crawler.signals import fetch_failed, warc_closed
from pipelines.archiving.atomic import write_text
from pipelines.archiving.config import WarcConfig

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from typing_extensions import Self

logger = logging.getLogger(__name__)

# How a request was found, from the thread spider's callbacks (crawler/spiders/thread.py).
_KINDS = {"parse_article": "article", "parse_thread_page": "thread", "parse_permalink": "permalink",
          "parse_robots": "discovery", "parse_requisite": "requisite"}
_UNSAFE = re.compile(r"[\x00-\x20\x7f]")  # a crawl.log field is one token on one line


def fetch_kind(request: Request) -> str:
    """seed, discovery (sections, index pages, feeds, sitemaps), article, thread, permalink,
    requisite (a stylesheet, script, image or font a page loads), robots (robots.txt for the
    robots rules), or other."""
    name = getattr(request.callback, "__name__", "")
    if name == "parse_seed":  # a seed, or a page found from one: its meta says how ("thread_via")
        return "discovery" if "thread_via" in request.meta else "seed"
    if kind := _KINDS.get(name):
        return kind
    return "robots" if request.meta.get("dont_obey_robotstxt") else "other"


def _reissue(request: Request) -> bool:
    """A retry or a redirect's next hop: the same fetch again, not a new one."""
    return "retry_times" in request.meta or "redirect_urls" in request.meta


def _first_url(request: Request) -> str:
    return (request.meta.get("redirect_urls") or [request.url])[0]


def _referer(request: Request) -> str | None:
    value = request.headers.get("Referer")
    return value.decode("latin-1") if value else None


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


class ProgressLog:
    """A line an archivist reads while a long crawl runs, where Scrapy says "Crawled N pages,
    scraped 0 items": queued and fetched are counted per kind of page; an article is done once
    every thread page and permalink found from it has been fetched (or has failed)."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler, self.stats, self.interval = crawler, crawler.stats, interval
        self.queued: Counter[str] = Counter()  # enqueued (after the duplicate filter)
        self.done: Counter[str] = Counter()  # a final response, or a fetch that failed
        self.errors = 0
        self.responses = self.payload_bytes = self._responses_before = 0
        self._owner: dict[str, str] = {}  # thread page URL -> its article's URL
        self._pending: dict[str, str] = {}  # thread page or permalink queued -> its article
        self._open: Counter[str] = Counter()  # article -> its thread pages and permalinks pending
        self._last: tuple[Request, str, bool] | None = None  # the request just scheduled
        self.task: Any = None
        self._started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = crawler.settings.getfloat("THREAD_PROGRESS_INTERVAL", 60.0)
        if interval < 0:
            raise ValueError(f"THREAD_PROGRESS_INTERVAL must be a number of seconds >= 0 "
                             f"(0: no progress line), got {interval!r}")
        if not interval:
            raise NotConfigured("THREAD_PROGRESS_INTERVAL is 0")
        ext = cls(crawler, interval)
        for handler, signal in ((ext._opened, signals.spider_opened),
                                (ext._closed, signals.spider_closed),
                                (ext._scheduled, signals.request_scheduled),
                                (ext._dropped, signals.request_dropped),
                                (ext._received, signals.response_received),
                                (ext._downloaded, signals.response_downloaded),
                                (ext._failed, fetch_failed)):
            crawler.signals.connect(handler, signal=signal)
        return ext

    def _opened(self) -> None:
        self._started = time.monotonic()
        self.task = create_looping_call(self.log)
        self.task.start(self.interval, now=False)

    def _closed(self, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        self.log(f"at the end ({reason})", final=True)

    # -- counting ---------------------------------------------------------------------------

    def _scheduled(self, request: Request) -> None:
        if _reissue(request):
            return
        kind = fetch_kind(request)
        self.queued[kind] += 1
        tracked = False
        url = request.url
        if kind in ("thread", "permalink") and (referer := _referer(request)) and url not in self._pending:
            article = self._owner.get(referer, referer)  # a thread page's links: its article's
            if kind == "thread":
                self._owner[url] = article
            self._pending[url] = article
            self._open[article] += 1
            tracked = True
        self._last = (request, kind, tracked)

    def _dropped(self, request: Request) -> None:
        """Sent right after request_scheduled when the scheduler refuses a request (seen); or
        later, by the Redis frontier, when Redis says it was seen (another worker's)."""
        if _reissue(request):  # a redirect to a page already fetched: this fetch is over
            self._finished(request)
        elif self._last and self._last[0] is request:
            _, kind, tracked = self._last
            self.queued[kind] -= 1
            if tracked:
                self._settle(self._pending.pop(request.url))
        else:  # refused after other requests were scheduled: counted as _scheduled did
            self.queued[fetch_kind(request)] -= 1
            if (article := self._pending.pop(request.url, None)) is not None:
                self._settle(article)

    def _received(self, response: Response, request: Request) -> None:
        kind = self._finished(request)
        if response.status >= 400 and kind != "robots":  # no robots.txt is no error
            self.errors += 1

    def _failed(self, request: Request, error: str) -> None:
        self._finished(request)
        self.errors += 1

    def _downloaded(self, response: Response, request: Request) -> None:
        self.responses += 1
        self.payload_bytes += len(response.body)

    def _finished(self, request: Request) -> str:
        kind = fetch_kind(request)
        self.done[kind] += 1
        if (article := self._pending.pop(_first_url(request), None)) is not None:
            self._settle(article)
        return kind

    def _settle(self, article: str) -> None:
        self._open[article] -= 1
        if self._open[article] <= 0:
            del self._open[article]

    # -- the line ---------------------------------------------------------------------------

    def line(self, *, final: bool = False) -> str:
        """`final`: the rate over the whole crawl, else over the last interval."""
        get = self.stats.get_value
        found = get("thread/articles", 0)
        other = sum(n for kind, n in self.done.items() if kind not in ("thread", "permalink", "requisite"))
        if final:
            rate = self.responses * 60 / max(time.monotonic() - self._started, 1e-3)
        else:
            rate = (self.responses - self._responses_before) * 60 / self.interval
        self._responses_before = self.responses
        return (
            f"articles {found:,} found, {max(found - len(self._open), 0):,} done | "
            f"thread pages {self.done['thread']:,}/{self.queued['thread']:,} | "
            f"permalinks {self.done['permalink']:,}/{self.queued['permalink']:,} | "
            f"requisites {self.done['requisite']:,} | other pages {other:,} | "
            f"revisits {get('warc/revisits', 0):,} | "
            f"errors {self.errors:,} | skipped {get('thread/traps_skipped', 0):,} traps, "
            f"{get('thread/offsite_skipped', 0):,} off-site | archived {self.responses:,} "
            f"responses, {_mb(self.payload_bytes)} ({rate:,.0f}/min)"
        )

    def log(self, when: str = "", *, final: bool = False) -> None:
        logger.info("Progress%s: %s", f" {when}" if when else "", self.line(final=final))


def _iso_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _field(value: str | None) -> str:
    """One token of a crawl.log line: never a space or a line break (percent-encoded)."""
    return _UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", value) if value else "-"


def _failure_status(error: str) -> int:
    """Heritrix's fetch status codes for a fetch with no response: -1 DNS lookup failed,
    -2 connection failed, -3 connection broken, -4 timed out, -5 anything else."""
    name = error.split(":", 1)[0]
    for marker, code in (("DNS", -1), ("Refused", -2), ("ConnectError", -2), ("Timeout", -4),
                         ("TimedOut", -4), ("Lost", -3), ("Failed", -3), ("Never", -3), ("Done", -3)):
        if marker in name:
            return code
    return -5


class _CrawlLog:
    """crawl.log lines written by a thread of their own: the payload digest (sha1, as the
    WARC record's WARC-Payload-Digest) is computed there, off the reactor (hashlib lets go
    of the GIL). The thread wakes every BATCH_SECONDS for the lines that came meanwhile, not
    once per fetch: a wake-up per line cost the crawl ~6,000 context switches and ~0.5 s of
    CPU per 2,000 pages (GIL hand-overs with the reactor). A write error stops the log, said
    once, never the crawl."""

    BATCH_SECONDS = 0.25

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh = path.open("x", encoding="utf-8", newline="\n")
        # append/popleft are thread-safe; an Event in the line is sync()'s marker
        self.items: deque[tuple[str, int, int, bytes | None, str] | threading.Event] = deque()
        self.wake = threading.Event()
        self.closing = False
        self.lines = 0
        self.error: str | None = None
        self.thread = threading.Thread(target=self._run, name="crawl-log", daemon=True)
        self.thread.start()

    def put(self, when: str, status: int, size: int, body: bytes | None, rest: str) -> None:
        self.items.append((when, status, size, body, rest))

    def _run(self) -> None:
        while True:
            self.wake.wait(self.BATCH_SECONDS)
            self.wake.clear()
            closing = self.closing
            self._drain()  # after close(): what was put before it, to the last line
            if closing:
                break
        try:
            self.fh.close()
        except OSError as exc:
            self.error = self.error or f"{self.path}: {exc.strerror or exc}"

    def _drain(self) -> None:
        wrote = False
        while self.items:
            item = self.items.popleft()
            if isinstance(item, threading.Event):  # sync(): what came before it is written
                self._flush(wrote)
                wrote = False
                item.set()
                continue
            when, status, size, body, rest = item
            if self.error:
                continue  # keep draining: the bodies must not pile up
            digest = "-" if body is None else "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()
            try:
                self.fh.write(f"{when} {status:5d} {size:10d} {digest} {rest}\n")
                self.lines += 1
                wrote = True
            except OSError as exc:
                self._stopped(exc)
        self._flush(wrote)

    def _flush(self, wrote: bool) -> None:
        if wrote and not self.error:
            try:
                self.fh.flush()
            except OSError as exc:
                self._stopped(exc)

    def _stopped(self, exc: OSError) -> None:
        self.error = f"{self.path}: {exc.strerror or exc}"
        logger.error("Crawl log stopped: %s (the crawl and its WARCs go on)", self.error)

    def sync(self) -> None:
        """Returns once every line put so far is in the file (blocking: from a thread when on
        the reactor); the WACZ's page list reads the log before the crawl closes it."""
        done = threading.Event()
        self.items.append(done)
        self.wake.set()
        while not done.wait(1) and self.thread.is_alive():
            pass

    def close(self) -> None:
        self.closing = True
        self.wake.set()
        self.thread.join()


class RunReport:
    """Beside each run's WARCs: its crawl log, one line per fetch (Heritrix's crawl.log:
    time, status, size, payload digest, URL, how it was found, referer, MIME type,
    annotations), and its stats as JSON, written once the crawl is over, the exit code
    `scrapy crawl` gives included."""

    def __init__(self, crawler: Crawler, cfg: WarcConfig) -> None:
        self.crawler, self.stats, self.cfg = crawler, crawler.stats, cfg
        self.stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")[:17]
        self.log: _CrawlLog | None = None
        self.by_kind: Counter[str] = Counter()  # responses archived, per kind
        self.http_errors: Counter[str] = Counter()  # final responses >= 400, by status
        self.fetch_errors: Counter[str] = Counter()  # no response after retries, by error
        self.payload_bytes = 0
        self.warc_files: list[str] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("THREAD_REPORT_ENABLED", True):
            raise NotConfigured("THREAD_REPORT_ENABLED is off")
        ext = cls(crawler, WarcConfig.from_settings(crawler.settings))  # NotConfigured without WARCs
        for handler, signal in ((ext._opened, signals.spider_opened),
                                (ext._downloaded, signals.response_downloaded),
                                (ext._received, signals.response_received),
                                (ext._failed, fetch_failed),
                                (ext._warcs, warc_closed),
                                (ext._stopped, signals.engine_stopped)):
            crawler.signals.connect(handler, signal=signal)
        return ext

    def path(self, suffix: str) -> Path:
        return self.cfg.directory / f"{self.cfg.prefix}-{self.stamp}-{suffix}"

    def _opened(self) -> None:
        try:
            self.cfg.directory.mkdir(parents=True, exist_ok=True)
            while self.path("crawl.log").exists() or self.path("stats.json").exists():
                self.stamp = str(int(self.stamp) + 1)  # another run started in the same ms
            self.log = _CrawlLog(self.path("crawl.log"))
        except OSError as exc:
            logger.error("No crawl log: %s: %s (the crawl goes on)", self.path("crawl.log"),
                         exc.strerror or exc)
            return
        logger.info("Crawl log: %s", self.log.path)

    def _rest(self, request: Request, kind: str, mime: str | None, notes: list[str]) -> str:
        redirects = request.meta.get("redirect_urls")
        referer = redirects[-1] if redirects else _referer(request)
        if redirects:
            notes.insert(0, "redirect")
        if retries := request.meta.get("retry_times"):
            notes.append(f"retry:{retries}")
        return " ".join((_field(request.url), kind, _field(referer), _field(mime),
                         _field(",".join(notes))))

    def _downloaded(self, response: Response, request: Request) -> None:
        kind = fetch_kind(request)
        self.by_kind[kind] += 1
        self.payload_bytes += len(response.body)
        if self.log is None:
            return
        ctype = response.headers.get("Content-Type")
        mime = ctype.decode("latin-1").split(";", 1)[0].strip().lower() if ctype else None
        flags = response.flags or ()
        notes = (["truncated:length"] if "download_stopped" in flags
                 else ["truncated:disconnect"] if "dataloss" in flags else [])
        body = None if response.status == 304 else response.body  # no payload: no digest
        self.log.put(_iso_now(), response.status, len(response.body), body,
                     self._rest(request, kind, mime, notes))

    def _received(self, response: Response, request: Request) -> None:
        if response.status >= 400 and fetch_kind(request) != "robots":
            self.http_errors[str(response.status)] += 1

    def _failed(self, request: Request, error: str) -> None:
        name = error.split(":", 1)[0].strip() or "error"
        self.fetch_errors[name] += 1
        if self.log is not None:
            self.log.put(_iso_now(), _failure_status(error), 0, None,
                         self._rest(request, fetch_kind(request), None, [name]))

    def _warcs(self, files: list[str], reason: str) -> None:
        self.warc_files = list(files)

    async def _stopped(self) -> None:
        """After the spider has closed and the stats are final (publishing included)."""
        if self.log is not None:
            await asyncio.to_thread(self.log.close)
        report = self.report()
        target = self.path("stats.json")
        try:
            await asyncio.to_thread(write_text, target,  # a scheduler reads all of it or nothing
                                    json.dumps(report, indent=2, default=_json_value) + "\n")
        except OSError as exc:
            logger.error("Run stats not written: %s: %s", target, exc.strerror or exc)
            return
        logger.info("Run stats: %s (exit code %d: %s)", target, report["exit_code"],
                    report["exit_meaning"])

    def report(self) -> dict[str, Any]:
        from crawler.commands.crawl import EXIT_CODES, outcome  # the exit code's one definition

        stats = self.stats.get_stats()
        get = stats.get
        code, why = outcome(stats)
        statuses = {key.rsplit("/", 1)[1]: n for key, n in sorted(stats.items())
                    if key.startswith("downloader/response_status_count/")}
        dataset = None
        if self.crawler.settings.get("DATASET_DIR") and self.crawler.settings.getbool("DATASET_ENABLED"):
            dataset = {"directory": self.crawler.settings.get("DATASET_DIR"),
                       "published": bool(get("extract/articles")) and not get("dataset/failed"),
                       "articles": get("extract/articles", 0), "comments": get("extract/comments", 0),
                       **{k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("dataset/")}}
        start, end = get("start_time"), get("finish_time")
        return {
            "spider": self.crawler.spidercls.name if self.crawler.spidercls else None,
            "start_time": start, "finish_time": end,
            "elapsed_seconds": get("elapsed_time_seconds"),
            "finish_reason": get("finish_reason"),
            "exit_code": code, "exit_meaning": EXIT_CODES[code], "exit_reason": why,
            "warc_dir": str(self.cfg.directory.resolve()),
            "warc_files": [Path(f).name for f in self.warc_files],
            "crawl_log": self.log.path.name if self.log else None,
            "crawl_log_lines": self.log.lines if self.log else 0,
            "pages": get("downloader/response_count", 0),
            "pages_by_kind": dict(sorted(self.by_kind.items())),
            "requests": get("downloader/request_count", 0),
            "bytes": {"received": get("downloader/response_bytes", 0),
                      "payload": self.payload_bytes, "warc": get("warc/bytes", 0)},
            "records": get("warc/records", 0),
            "revisits": get("warc/revisits", 0),
            "not_modified": get("downloader/response_status_count/304", 0),
            "status_counts": statuses,
            "errors": {
                "http": dict(sorted(self.http_errors.items())),
                "fetch": dict(sorted(self.fetch_errors.items())),
                "robots_forbidden": get("robotstxt/forbidden", 0),
                "retries": get("retry/count", 0),
                "truncated": get("warc/truncated", 0),
                "seeds_failed": get("thread/seeds_failed", 0),
                "seeds_unusable": get("thread/seeds_unusable", 0),
                "discovery_problems": get("thread/discovery_problems", 0),
                "offsite_redirects": get("thread/offsite_redirects", 0),
            },
            "seeds": get("thread/seeds", 0),
            "articles": get("thread/articles", 0),
            "thread_pages": get("thread/thread_pages", 0),
            "permalinks": get("thread/permalinks", 0),
            "requisites": {"fetched": get("thread/requisites", 0),
                           "failed": get("thread/requisites_failed", 0),
                           "not_allowed": get("thread/requisites_not_allowed", 0)},
            "traps_skipped": get("thread/traps_skipped", 0),
            "offsite_skipped": get("thread/offsite_skipped", 0),
            "dataset": dataset,
            "scrapy_stats": dict(sorted(stats.items())),
        }


def _json_value(value: Any) -> Any:
    """Scrapy's stats hold datetimes (start_time, finish_time): ISO 8601, UTC."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return str(value)
