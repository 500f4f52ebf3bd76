"""Scrapy extensions: the WARC writer, the dataset publisher, AutoThrottle for revalidating crawls."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.extensions.throttle import AutoThrottle

from crawler.handlers import reason_phrase
from crawler.signals import fetch_failed, warc_closed
from pipelines.archiving.config import WarcConfig
from pipelines.archiving.packaging import WaczProcess
from pipelines.archiving.records import Capture, FetchFailure, capture, truncation
from pipelines.archiving.repair import describe, repair_unfinished
from pipelines.archiving.sink import WarcSink, WriterFailed, WriteSummary
from pipelines.publishing.config import DatasetConfig

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy.core.downloader import Slot
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from typing_extensions import Self

logger = logging.getLogger(__name__)

# Settings that shape what a crawl captured; they go into every warcinfo record.
_RECORDED_SETTINGS = (
    "ROBOTSTXT_OBEY", "AUTOTHROTTLE_ENABLED", "AUTOTHROTTLE_TARGET_CONCURRENCY",
    "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY",
    "DEPTH_LIMIT", "DOWNLOAD_MAXSIZE", "DOWNLOAD_TIMEOUT", "CLOSESPIDER_PAGECOUNT",
)


def warcinfo_fields(crawler: Crawler) -> dict[str, Any]:
    """What a web archivist expects to read in warcinfo (Heritrix's field names)."""
    s = crawler.settings
    # the seeds (Scrapy builds the extensions after the spider), for the dataset card to name
    seeds = [re.sub(r"[\x00-\x20\x7f]", "", u) for u in getattr(crawler.spider, "seed_urls", None) or []]
    return {
        "seeds": " ".join(seeds[:100]) + (" ..." if len(seeds) > 100 else ""),
        "seed-count": str(len(seeds)),
        "software": f"threadwarc/{version('threadwarc')} (Scrapy/{version('scrapy')}; "
        f"warcio/{version('warcio')})",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "hostname": socket.gethostname(),
        "operator": s.get("WARC_OPERATOR"),
        "description": s.get("WARC_DESCRIPTION"),
        "isPartOf": s.get("WARC_IS_PART_OF") or (crawler.spidercls.name if crawler.spidercls else ""),
        "robots": "obey" if s.getbool("ROBOTSTXT_OBEY") else "ignore",
        "http-header-user-agent": s.get("USER_AGENT"),
        "http-header-from": s.get("WARC_OPERATOR_CONTACT"),
        "http-header-policy": "HTTP headers as parsed by Twisted: connection headers "
        "(Connection, Keep-Alive, Transfer-Encoding) are not stored; chunked bodies are "
        "stored de-chunked; content encodings are kept; status lines as sent",
        "crawl-settings": "; ".join(f"{k}={s.get(k)}" for k in _RECORDED_SETTINGS),
    }


class WarcWriterExtension:
    """Archives each exchange before any middleware rewrites it."""

    def __init__(self, crawler: Crawler, cfg: WarcConfig) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.cfg = cfg
        self.sink = WarcSink(cfg)  # a process: a writer thread fights the crawl for the GIL
        # py-wacz's process, started now: its ~0.7 s of start-up is not waited for at the end
        self.wacz = WaczProcess() if cfg.wacz else None
        self.files: list[str] = []  # what this crawl wrote, once closed
        self.failed = False
        self._closing: asyncio.Future[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = cls(crawler, WarcConfig.from_settings(crawler.settings, warcinfo_fields(crawler)))
        crawler.signals.connect(ext._downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(ext._closed, signal=signals.spider_closed)
        crawler.signals.connect(ext._fetch_failed, signal=fetch_failed)
        logger.info("WARC writer process %d writing to %s", ext.sink.pid, ext.cfg.directory.resolve())
        if ext.cfg.dedup:
            logger.info("Deduplicating against %s (WARC_DEDUP_INDEX; WARC_DEDUP=0: full records)",
                        ext.cfg.index_path.resolve())
        # `.open` files a killed crawl left: cut to their last complete record, then closed
        if repairs := repair_unfinished(ext.cfg.directory):
            logger.warning("%d unfinished WARC file(s) in %s from a crawl that was killed (%s)",
                           len(repairs), ext.cfg.directory, describe(repairs))
        return ext

    def _downloaded(self, response: Response, request: Request, spider: Any) -> None:
        if self.failed:
            return
        # raw: decoded and formatted in the writer's process, not on the reactor
        if self._put(capture(request, response, reason=reason_phrase(response))):
            self.stats.inc_value("warc/exchanges")
            if truncation(response.flags or ()):
                self.stats.inc_value("warc/truncated")

    def _fetch_failed(self, request: Request, error: str) -> None:
        """No response to archive: a metadata record says what is missing and why."""
        if not self.failed and self._put(FetchFailure.from_scrapy(request, error)):
            self.stats.inc_value("warc/fetch_failures")

    def _put(self, item: Capture | FetchFailure) -> bool:
        """Pickled into the writer's pipe, no I/O; False once the writer has failed."""
        try:
            self.sink.put(item)
        except WriterFailed as exc:
            self._report_failure(str(exc), "; closing the spider (records written so far are "
                                 "kept in closed files)")
            assert self.crawler.engine is not None
            self._closing = asyncio.ensure_future(
                self.crawler.engine.close_spider_async(reason="warc_writer_failed"))
            return False
        return True

    def _report_failure(self, cause: str, then: str = "") -> None:
        """A crawl that cannot archive is a failed crawl: said once, in one line."""
        self.failed = True
        self.stats.set_value("warc/failed", 1)
        logger.error("WARC writer failed: %s%s", cause, then)

    async def _closed(self, spider: Any, reason: str) -> None:
        try:
            summary = await asyncio.to_thread(self.sink.close)
            await self._close(summary, reason)
        finally:
            await self._wacz_unused()

    async def _wacz_unused(self) -> None:
        """py-wacz's process, when no WACZ was written after all (the crawl failed, no files, the
        WACZ failed before it ran): it exits. Once used, it has exited already."""
        if self.wacz is not None:
            wacz, self.wacz = self.wacz, None
            await asyncio.to_thread(wacz.close)

    async def _close(self, summary: WriteSummary, reason: str) -> None:
        if summary.error and not self.failed:  # it failed on the last records, or at closing
            self._report_failure(summary.error)
        self.files = summary.files
        self.stats.set_value("warc/records", summary.records)
        self.stats.set_value("warc/bytes", summary.bytes)
        self.stats.set_value("warc/files", len(summary.files))
        self.stats.set_value("warc/writer_cpu_seconds", summary.cpu)
        if summary.undecodable:
            self.stats.set_value("warc/exchanges_unreadable", summary.undecodable)
        if self.cfg.dedup:
            self.stats.set_value("warc/revisits", summary.revisits)
            self.stats.set_value("warc/revisits_304", summary.revisits_304)
            self.stats.set_value("warc/revisit_bytes_saved", summary.bytes_saved)
        logger.info(
            "WARC output closed (%s): %d records, %d bytes in %d file(s) under %s (writer: %.2f CPU s)",
            reason, summary.records, summary.bytes, len(summary.files),
            self.cfg.directory.resolve(), summary.cpu,
        )
        if summary.files and (self.cfg.cdxj or self.cfg.wacz):
            if self.failed:  # the disk is full or the folder not writable: a copy would fail too
                logger.warning("CDXJ index and WACZ not written: the WARC writer failed (the next "
                               "crawl into %s indexes these files)", self.cfg.directory)
            else:  # the folder's index and this crawl's package, beside its WARC files
                from pathlib import Path

                from crawler.progress import RunReport
                from pipelines.archiving.packaging import package_run  # cdxj-indexer: at the end only

                log = next((ext.log for ext in self.crawler.extensions.middlewares
                            if isinstance(ext, RunReport) and ext.log is not None), None)
                if log is not None:  # its last lines written (a thread writes it in batches)
                    await asyncio.to_thread(log.sync)
                crawl_log = log.path if log is not None else None
                files = [Path(f) for f in summary.files]
                # py-wacz's process, used up by package_run (if it fails before, closed below)
                stats = await asyncio.to_thread(package_run, self.cfg, files, crawl_log, self.wacz)
                for key, value in stats.items():
                    self.stats.set_value(key, value)
        await self._wacz_unused()  # before the publish the signal starts
        await self.crawler.signals.send_catch_log_async(
            signal=warc_closed, files=summary.files, reason=reason
        )


class DatasetPublisherExtension:
    """Publishes the whole archive, every WARC file in WARC_DIR (this crawl's and earlier
    crawls'), once the writer has closed this crawl's: the dataset follows the archive."""

    def __init__(self, crawler: Crawler, cfg: DatasetConfig, archive: Path) -> None:
        self.stats, self.cfg, self.archive = crawler.stats, cfg, archive

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("WARC_ENABLED"):
            raise NotConfigured("WARC_ENABLED is off: there is nothing to publish from")
        cfg = DatasetConfig.from_settings(crawler.settings)
        ext = cls(crawler, cfg, WarcConfig.from_settings(crawler.settings).directory)
        crawler.signals.connect(ext._publish, signal=warc_closed)
        return ext

    async def _publish(self, files: list[str], reason: str) -> None:
        from pipelines.publishing.publish import describe_failure, publish  # heavy imports

        if not files:
            logger.warning("No WARC files written: nothing to publish to %s", self.cfg.directory)
            return
        if reason != "finished":  # a half crawl must not replace a whole dataset
            logger.warning(
                "Crawl ended early (%s): %s not published; publish the archive with "
                "`scrapy publish %s -o %s` if you want it", reason, self.cfg.directory,
                self.archive, self.cfg.directory,
            )
            return
        try:  # the whole archive: earlier crawls' captures of the same threads merge with ours
            report = await asyncio.to_thread(publish, [self.archive], self.cfg)
        except Exception as exc:
            self.stats.set_value("dataset/failed", 1)
            logger.error("Dataset not published: %s", describe_failure(exc, self.cfg.directory))
            logger.debug("Publish failed", exc_info=True)
            return
        for key, value in report.stats.items():
            self.stats.set_value(key, value)
        for error in report.errors:
            logger.error("%s", error)
        logger.info(
            "Published %s from %d WARC file(s) in %s (%d of this crawl): %s", report.directory,
            len(report.warcs), self.archive, len(files),
            "; ".join(f"{c} " + ", ".join(f"{s} {n}" for s, n in per.items())
                      for c, per in report.counts.items()),
        )
        if self.cfg.hub_repo:  # DATASET_HUB_REPO: the end-of-crawl publish is pushed too
            from pipelines.publishing.hub import PushFailed, commit_message, push

            try:
                pushed = await asyncio.to_thread(push, report.directory, self.cfg.hub_repo,
                                                 message=commit_message(report.counts, report.crawl_dates))
            except PushFailed as exc:
                self.stats.set_value("dataset/not_pushed", 1)
                logger.error("Not pushed to the Hub: %s", exc)
            else:
                logger.info("Pushed to %s (tag %s)%s", pushed.url, pushed.tag,
                            "" if pushed.changed else ": this version was already there")


class RevalidatingAutoThrottle(AutoThrottle):
    """Scrapy's AutoThrottle, counting a 304 Not Modified as an answer like a 200.

    AutoThrottle lets a response other than 200 raise a site's delay but never lower it (error
    pages are small and fast). A revalidating crawl gets almost nothing but 304s, so its delay
    stayed at AUTOTHROTTLE_START_DELAY: one request a second, whatever the server's latency.
    A 304 is the server's normal answer to a conditional request, not an error page.
    """

    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)
