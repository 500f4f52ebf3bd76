"""`scrapy publish WARC_FILE_OR_DIR... -o DATASET_DIR`: WARCs (any tool's) to a dataset.

Exit codes, in line with `scrapy crawl`'s (crawler/commands/crawl.py):

====  =======================================================================================
code  meaning
====  =======================================================================================
0     published: every input read to its end (and pushed, with --push-to-hub)
1     nothing published, the publish failed: an input missing, `-o` a folder that is not a
      dataset (or another publish's), the disk full, a worker killed; the dataset as it was
2     not started: a usage or configuration error (no input named, no `-o`, a bad `--splits`,
      `--workers`, `--push-to-hub` name or DATASET_* setting), before any work
3     nothing to publish: no WARC file in the inputs, or no HTML page, or no article in them
      (each file without a page named in a WARNING); the dataset as it was
4     published, but some input could not be read whole: a file or record unreadable from
      some offset (named, with the offset), an unfinished `.open` file
5     published locally, not pushed to the Hub (no token, refused, unreachable: one line)
130   interrupted by Ctrl-C; 143: by SIGTERM (the dataset as it was)
====  =======================================================================================
"""

from __future__ import annotations

import logging
import signal
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import NotConfigured, UsageError
from scrapy.utils.log import configure_logging

from crawler.cli import CommandMixin, workers
from pipelines.publishing.config import DatasetConfig, parse_splits
from pipelines.publishing.progress import explain

if TYPE_CHECKING:
    import argparse

    from pipelines.publishing.publish import PublishReport

PUBLISHED, FAILED, NOTHING_TO_PUBLISH, PUBLISHED_WITH_LOSSES, PUSH_FAILED = 0, 1, 3, 4, 5


def print_report(report: PublishReport) -> None:
    print(f"Published {report.directory} from {len(report.warcs)} WARC file(s):")
    for config, splits in report.counts.items():
        print(f"  {config}: " + ", ".join(f"{s} {n}" for s, n in splits.items()))
    for line in explain(report.stats):
        print(f"  {line}")
    # the same, by name, for scripts (each name explained in README.md, "The publish summary")
    stats = {k.split("/", 1)[1]: v for k, v in sorted(report.stats.items())}
    print("  counters: " + ", ".join(f"{k} {v}" for k, v in stats.items()))
    for error in report.errors:
        print(f"  ERROR {error}")


class Command(CommandMixin, ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "WARC_FILE_OR_DIR [...] -o DATASET_DIR [options]"

    def short_desc(self) -> str:
        return "Extract articles and comment threads from WARC files into a HF dataset folder"

    def long_desc(self) -> str:
        return (
            "Reads the WARC files named (or found in the folders named: .warc, .warc.gz, .arc, "
            ".arc.gz, .wacz; any crawler's), extracts each article and its comment threads, and "
            "writes a Hugging Face dataset folder (configs articles and comments, Parquet, and a "
            "card, README.md) that datasets.load_dataset reads. The folder is replaced in one step: "
            "a publish that fails leaves it as it was. With --push-to-hub the folder is then "
            "uploaded to a Hub dataset repository as one commit, tagged (HF_TOKEN or the stored login)."
        )

    def epilog(self) -> str:
        return ("Exit codes: 0 published; 1 the publish failed; 2 a usage or configuration error; "
                "3 nothing to publish; 4 published but some input could not be read whole; "
                "5 published locally, not pushed to the Hub; 130/143 interrupted (Ctrl-C/SIGTERM). "
                "The table is in README.md.")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", metavar="DATASET_DIR",
                            help="the dataset folder to write, replaced in one step (default: the "
                                 "DATASET_DIR setting)")
        parser.add_argument("--workers", type=workers, metavar="N",
                            help="extraction processes (default: DATASET_WORKERS, 0: one per core)")
        parser.add_argument("--splits", metavar="NAME=RATIO,...",
                            help="the splits and their shares (default: train=0.8,validation=0.1,test=0.1)")
        parser.add_argument("--shard-size", metavar="SIZE",
                            help="Parquet shards of at most this size, e.g. 500MB (default: "
                                 "DATASET_SHARD_SIZE, 500MB)")
        parser.add_argument("--export", "--format", action="append", choices=("jsonl", "threads"),
                            metavar="FORMAT", dest="export",
                            help="also write jsonl/ (both configs as JSON lines) or threads/ (each "
                                 "article with its comments nested as replies); repeatable "
                                 "(default: DATASET_EXPORTS)")
        parser.add_argument("--push-to-hub", metavar="OWNER/NAME",
                            help="then upload the dataset to this Hub dataset repository (default: the "
                                 "DATASET_HUB_REPO setting)")
        parser.add_argument("--private", action="store_true",
                            help="create the Hub repository private (an existing one keeps its visibility)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        configure_logging(self.settings)  # no crawler process here to do it
        if not args:
            raise UsageError("name at least one WARC file or directory")
        if not (out := opts.output or self.settings.get("DATASET_DIR")):
            raise UsageError("-o DATASET_DIR is required")
        from pipelines.publishing.hub import PushFailed, check_repo_id

        repo_id = opts.push_to_hub or self.settings.get("DATASET_HUB_REPO") or None
        if repo_id:
            try:
                check_repo_id(repo_id)
            except PushFailed as exc:
                raise UsageError(str(exc), print_help=False) from exc
            self.settings.set("DATASET_HUB_REPO", repo_id, priority="cmdline")
        if opts.workers is not None:
            self.settings.set("DATASET_WORKERS", opts.workers, priority="cmdline")
        if opts.splits:
            try:
                parse_splits(opts.splits)
            except ValueError as exc:
                raise UsageError(str(exc)) from exc
            self.settings.set("DATASET_SPLITS", opts.splits, priority="cmdline")
        if opts.shard_size:
            self.settings.set("DATASET_SHARD_SIZE", opts.shard_size, priority="cmdline")
        if opts.export:
            self.settings.set("DATASET_EXPORTS", ",".join(dict.fromkeys(opts.export)), priority="cmdline")
        self.settings.set("DATASET_ENABLED", True, priority="cmdline")
        try:
            cfg = DatasetConfig.from_settings(self.settings, out)
        except NotConfigured as exc:  # a bad DATASET_* setting: not started (exit 2), one line
            raise UsageError(str(exc), print_help=False) from exc
        # pyarrow and the extraction stack load here, not for every scrapy command
        from pipelines.publishing.publish import NothingToPublish, describe_failure, publish

        log = logging.getLogger(__name__)
        interrupts = Interrupts()
        previous = {sig: signal.signal(sig, interrupts.handle)  # Ctrl-C; timeout, docker stop, systemd
                    for sig in (signal.SIGINT, signal.SIGTERM)
                    if signal.getsignal(sig) is not signal.SIG_IGN}  # `nohup`, a shell's `&` job: kept
        try:
            report = publish(args, cfg, interrupted=interrupts.received)
        except KeyboardInterrupt as exc:
            sig = interrupts.received() or (signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)
            log.error("Interrupted (%s): nothing published; %s is as it was",
                      "SIGTERM" if sig == signal.SIGTERM else "Ctrl-C", cfg.directory)
            self.exitcode = 128 + sig
            return
        except Exception as exc:
            log.error("Nothing published: %s", describe_failure(exc, cfg.directory))
            log.debug("Publish failed", exc_info=True)
            self.exitcode = NOTHING_TO_PUBLISH if isinstance(exc, NothingToPublish) else FAILED
            return
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        print_report(report)
        # published, but some WARC file was unreadable past some offset (or unfinished)
        self.exitcode = PUBLISHED_WITH_LOSSES if report.errors else PUBLISHED
        if repo_id:
            self.exitcode = push_to_hub(report, repo_id, private=opts.private) or self.exitcode


def push_to_hub(report: PublishReport, repo_id: str, *, private: bool) -> int | None:
    """PUSH_FAILED with one line, or None once the dataset is on the Hub."""
    from pipelines.publishing.hub import PushFailed, commit_message, push

    log = logging.getLogger(__name__)
    message = commit_message(report.counts, report.crawl_dates)
    try:
        pushed = push(report.directory, repo_id, private=private, message=message)
    except PushFailed as exc:
        log.error("Not pushed to the Hub: %s", exc)
        return PUSH_FAILED
    if pushed.changed:
        print(f"Pushed to {pushed.url} (tag {pushed.tag})")
    else:
        print(f"{repo_id}: this version ({pushed.tag}) is already on the Hub, nothing pushed")
    return None


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: the half-built dataset is removed, the old one kept."""


class Interrupts:
    """Ctrl-C and SIGTERM raise in the main thread, as Python's own Ctrl-C does, and are also
    remembered: Python swallows an exception raised in a `__del__` or a weakref callback
    ("Exception ignored in ..."), and a signal that lands there would let the publish run on
    and replace the dataset. publish() asks `received()` before it swaps the new one in."""

    def __init__(self) -> None:
        self.signals: list[int] = []

    def handle(self, signum: int, frame: object) -> None:
        self.signals.append(signum)
        raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt

    def received(self) -> int | None:
        return self.signals[0] if self.signals else None
