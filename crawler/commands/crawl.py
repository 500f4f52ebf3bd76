"""`scrapy crawl`, with an exit code a scheduler can trust: non-zero when the archive failed.

Scrapy's own command exits 0 whatever happened once the crawl started. Exit codes:
0 the crawl finished (or was stopped) with its archive written; 1 it could not archive (the
WARC folder unusable, the writer failed) or its dataset could not be published.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawl

if TYPE_CHECKING:
    import argparse

    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


def failure(stats: StatsCollector) -> str | None:
    """Why a finished crawl should not count as a success, or None."""
    if stats.get_value("warc/failed"):
        return "the WARC writer failed (see the error above); the archive is incomplete"
    if stats.get_value("dataset/failed"):
        return "the dataset was not published (see the error above)"
    return None


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


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's usage errors
            return
        assert self.crawler_process is not None
        assert self.settings is not None
        if problem := warc_dir_problem(self.settings) or dataset_dir_problem(self.settings):
            logger.error("Not crawling: %s", problem)
            self.exitcode = 1
            return
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif crawler.stats is not None and (why := failure(crawler.stats)):
            logger.error("Crawl failed: %s", why)
            self.exitcode = 1
