"""`scrapy crawl`, with an exit code a scheduler can trust.

Scrapy's own command exits 0 whatever happened once the crawl started. This one exits:

====  =======================================================================================
code  meaning
====  =======================================================================================
0     finished: the crawl ran to its end and its archive is written (and its dataset
      published, when DATASET_DIR asks for one)
1     archive or publish failed: WARC_DIR or DATASET_DIR unusable (said before the first
      request), the WARC writer failed (disk full, ...), the CDXJ index or the WACZ at the
      end could not be written, or the end-of-crawl publish failed
2     not started: a usage, seed or configuration error (seeds file missing or unreadable,
      no seeds, every seed malformed, a bad setting, an unknown spider, the Redis server of
      REDIS_URL unreachable); no request was made
3     nothing archived (no response at all) or every seed failed (unreachable, an HTTP
      error, or none of an HTML page, a feed or a sitemap). A worker of a crawl shared
      through Redis that got no request to fetch is not a failure: 0
4     ended early: stopped before its end (Ctrl-C or SIGTERM: `shutdown`; a CLOSESPIDER_*
      limit; Redis lost mid-crawl: `redis_lost`; any finish reason but `finished`); what it
      archived is whole and valid
====  =======================================================================================

When several apply, the lowest non-zero code wins (1, then 3, then 4). The last line of the
log says why; each run's stats JSON beside the WARCs holds the code and its meaning.
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError
from twisted.internet.defer import Deferred

from crawler.cli import CommandMixin

if TYPE_CHECKING:
    import argparse

    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

FINISHED, ARCHIVE_FAILED, NOT_STARTED, NOTHING_ARCHIVED, ENDED_EARLY = 0, 1, 2, 3, 4
EXIT_CODES = {
    FINISHED: "finished",
    ARCHIVE_FAILED: "archive or publish failed",
    NOT_STARTED: "not started: usage, seed or configuration error",
    NOTHING_ARCHIVED: "nothing archived or every seed failed",
    ENDED_EARLY: "ended early",
}


def outcome(stats: dict[str, Any]) -> tuple[int, str]:
    """The exit code of a crawl that started, from its stats, and why in words."""
    if stats.get("warc/failed"):
        return ARCHIVE_FAILED, "the WARC writer failed (see the error above); the archive is incomplete"
    if stats.get("warc/packaging_failed"):
        return ARCHIVE_FAILED, ("the CDXJ index or the WACZ was not written (see the error above); "
                                "the WARC files are whole")
    if stats.get("dataset/failed"):
        return ARCHIVE_FAILED, "the dataset was not published (see the error above)"
    if stats.get("dataset/not_pushed"):
        return ARCHIVE_FAILED, ("the dataset was published locally, not pushed to the Hub (see the "
                                "error above)")
    if (reason := stats.get("finish_reason")) == "redis_lost":
        return ENDED_EARLY, ("Redis was lost mid-crawl; the archive holds what was fetched, and a "
                             "restart resumes from the shared queue")
    if not stats.get("downloader/response_count") and not (stats.get("redis/worker")
                                                             and reason == "finished"):
        return NOTHING_ARCHIVED, "nothing archived: not one response was received"
    seeds = stats.get("thread/seeds", 0)
    failed = stats.get("thread/seeds_failed", 0) + stats.get("thread/seeds_unusable", 0)
    if seeds and failed >= seeds:
        return NOTHING_ARCHIVED, (f"every seed failed ({stats.get('thread/seeds_failed', 0)} "
                                  f"unreachable or an HTTP error, {stats.get('thread/seeds_unusable', 0)}"
                                  " none of an HTML page, a feed or a sitemap)")
    if reason != "finished":
        return ENDED_EARLY, f"stopped before its end ({reason}); the archive holds what was fetched"
    return FINISHED, "finished"


def warc_dir_problem(s: BaseSettings) -> str | None:
    """Why the WARC folder cannot be written (checked before the first request), or None."""
    if not (s.getbool("WARC_ENABLED") and (directory := s.get("WARC_DIR"))):
        return None
    path = Path(directory).expanduser()
    if path.exists() and not path.is_dir():
        return f"WARC_DIR={directory} exists and is not a folder"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"WARC_DIR={directory} cannot be created: {exc.strerror or exc}"
    if not os.access(path, os.W_OK | os.X_OK):
        return f"WARC_DIR={directory} is not writable"
    return None


def dataset_dir_problem(s: BaseSettings) -> str | None:
    """A DATASET_DIR the crawl could not publish to is refused before the crawl, not after."""
    from pipelines.publishing import target  # no pyarrow: the checks only

    if not (s.getbool("DATASET_ENABLED") and s.getbool("WARC_ENABLED") and s.get("DATASET_DIR")):
        return None
    try:
        target.check(target.resolve(Path(s.get("DATASET_DIR")).expanduser()))
    except target.TargetError as exc:
        return f"DATASET_DIR: {exc}"
    return None


def bootstrap_error(started: Any, caught: list[BaseException]) -> BaseException | None:
    """What stopped the crawl from starting (the spider or a component could not be built),
    taken from the task or Deferred `crawl()` returned: taken, it is logged by us, once,
    rather than by asyncio as "Task exception was never retrieved" with its traceback."""
    if caught:
        return caught[0]
    if isinstance(started, asyncio.Future) and started.done() and not started.cancelled():
        return started.exception()
    return None


HELP = """\
Fetches the seeds, the articles found from them, every page of their comment
threads and every comment permalink, and archives each exchange to WARC 1.1
files (with a CDXJ index, a WACZ and a report of the run); with DATASET_DIR,
publishes the crawl as a dataset once it ends.

Seeds (spider arguments, -a NAME=VALUE; one of them at least):
  -a start_urls=URL[,URL...]  articles, section pages, feeds, sitemaps
  -a seeds=FILE               the same, one URL per line (# comments)

Settings (-s NAME=VALUE), the main ones:
  -s WARC_DIR=DIR             where the WARC files, index, WACZ and run
                              report go (default: warc); a later crawl
                              into it revisits the threads it holds
  -s DATASET_DIR=DIR          publish a Hugging Face dataset folder there
                              once the crawl ends (default: none)
  -s JOBDIR=DIR               stop (Ctrl-C) and resume the crawl later
  -s CLOSESPIDER_TIMEOUT=N    stop after N seconds
  -s CLOSESPIDER_PAGECOUNT=N  stop after N pages
  -s REDIS_URL=redis://H:P/D  share the crawl with every process started
                              with the same REDIS_URL (README.md, "A crawl
                              shared by many processes")
All of them: README.md and crawler/settings.py.
"""
EPILOG = ("Exit codes: " + "; ".join(f"{code} {meaning}" for code, meaning in EXIT_CODES.items())
          + '. The last log line says why; the table is in README.md, "Exit codes".')


class Command(CommandMixin, ScrapyCrawl):
    def syntax(self) -> str:
        return "thread (-a start_urls=URL[,URL...] | -a seeds=FILE) [options]"

    def short_desc(self) -> str:
        return "Crawl articles and their comment threads from seeds into WARC files"

    def long_desc(self) -> str:
        return HELP

    def epilog(self) -> str:
        return EPILOG

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if len(args) != 1:  # a usage error (exit 2) in one line, before the crawl's log begins
            raise UsageError(("one spider at a time, not " + " ".join(args) if args else "name the spider")
                             + ": `crawl thread -a start_urls=URL`", print_help=False)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.crawler_process is not None
        assert self.settings is not None
        if problem := warc_dir_problem(self.settings) or dataset_dir_problem(self.settings):
            logger.error("Not crawling: %s", problem)
            self.exitcode = ARCHIVE_FAILED
            return
        from crawler.frontier import redis_problem  # redis is imported only with REDIS_URL

        if problem := redis_problem(self.settings):
            logger.error("Not crawling: %s", problem)
            self.exitcode = NOT_STARTED
            return
        try:
            crawler = self._create_crawler(args[0])
        except KeyError as exc:  # Scrapy's "Spider not found: NAME"
            logger.error("Not crawling: %s", exc.args[0] if exc.args else exc)
            self.exitcode = NOT_STARTED
            return
        caught: list[BaseException] = []
        started = self.crawler_process.crawl(crawler, **opts.spargs)
        if isinstance(started, Deferred):  # CrawlerProcess (a non-asyncio reactor)
            def keep(failure: Failure) -> None:
                caught.append(failure.value)
            started.addErrback(keep)
        # Everything imported so far lives as long as the process: frozen, so that no collection
        # walks it again (~0.7 s of a 2,000-page crawl's CPU), nor the interpreter's teardown at
        # exit (~0.5 s); objects still go when their last reference does.
        gc.freeze()
        atexit.register(gc.freeze)
        self.crawler_process.start()
        if error := bootstrap_error(started, caught):
            self._not_started(error)
        elif self.crawler_process.bootstrap_failed or crawler.stats is None:
            logger.error("Not crawling: the crawl could not start (see above)")
            self.exitcode = NOT_STARTED
        else:
            self.exitcode, why = outcome(crawler.stats.get_stats())
            if self.exitcode:
                logger.error("%s: %s (exit code %d)", "Crawl ended early" if self.exitcode == ENDED_EARLY
                             else "Crawl failed", why, self.exitcode)

    def _not_started(self, error: BaseException) -> None:
        """One line, whatever went wrong; the traceback only at DEBUG (`-L DEBUG`)."""
        from crawler.spiders.thread import SeedError  # not on every `scrapy` command's import

        self.exitcode = NOT_STARTED
        if isinstance(error, SeedError):
            logger.error("Not crawling: %s", error)
        else:
            logger.error("Not crawling: the crawl could not start: %s: %s (the traceback: -L DEBUG)",
                         type(error).__name__, error)
        logger.debug("The crawl could not start", exc_info=error)
