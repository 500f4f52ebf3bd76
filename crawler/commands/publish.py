"""`scrapy publish WARC_FILE_OR_DIR... -o DATASET_DIR`: WARCs (any tool's) to a dataset."""

from __future__ import annotations

import logging
import signal
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.log import configure_logging

from pipelines.publishing.config import DatasetConfig, parse_splits

if TYPE_CHECKING:
    import argparse

    from pipelines.publishing.publish import PublishReport


def print_report(report: PublishReport) -> None:
    print(f"Published {report.directory} from {len(report.warcs)} WARC file(s):")
    for config, splits in report.counts.items():
        print(f"  {config}: " + ", ".join(f"{s} {n}" for s, n in splits.items()))
    stats = {k.split("/", 1)[1]: v for k, v in sorted(report.stats.items())}
    print("  " + ", ".join(f"{k} {v}" for k, v in stats.items()))
    for error in report.errors:
        print(f"  ERROR {error}")


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "WARC_FILE_OR_DIR [...] -o DATASET_DIR"

    def short_desc(self) -> str:
        return "Extract articles and comment threads from WARC files into a HF dataset folder"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", metavar="DATASET_DIR", help="dataset folder to (re)write")
        parser.add_argument("--workers", type=int, help="extraction processes (default: one per core)")
        parser.add_argument("--splits", help="e.g. train=0.8,validation=0.1,test=0.1")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        configure_logging(self.settings)  # no crawler process here to do it
        if not args:
            raise UsageError("name at least one WARC file or directory")
        if not (out := opts.output or self.settings.get("DATASET_DIR")):
            raise UsageError("-o DATASET_DIR is required")
        if opts.workers is not None:
            self.settings.set("DATASET_WORKERS", opts.workers, priority="cmdline")
        if opts.splits:
            try:
                parse_splits(opts.splits)
            except ValueError as exc:
                raise UsageError(str(exc)) from exc
            self.settings.set("DATASET_SPLITS", opts.splits, priority="cmdline")
        self.settings.set("DATASET_ENABLED", True, priority="cmdline")
        cfg = DatasetConfig.from_settings(self.settings, out)
        # pyarrow and the extraction stack load here, not for every scrapy command
        from pipelines.publishing.publish import describe_failure, publish

        log = logging.getLogger(__name__)
        previous = signal.signal(signal.SIGTERM, _terminated)  # timeout, docker stop, systemd
        try:
            report = publish(args, cfg)
        except KeyboardInterrupt as exc:
            log.error("Interrupted (%s): nothing published; %s is as it was",
                      "SIGTERM" if isinstance(exc, Terminated) else "Ctrl-C", cfg.directory)
            self.exitcode = 128 + (signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)
            return
        except Exception as exc:
            log.error("Nothing published: %s", describe_failure(exc, cfg.directory))
            log.debug("Publish failed", exc_info=True)
            self.exitcode = 1
            return
        finally:
            signal.signal(signal.SIGTERM, previous)
        print_report(report)
        if report.errors:
            self.exitcode = 2  # published, but some WARC file was unreadable past some offset


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: the half-built dataset is removed, the old one kept."""


def _terminated(signum: int, frame: object) -> None:
    raise Terminated
