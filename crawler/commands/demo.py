"""`threadwarc demo`: serve the demo site, crawl and archive it, print a summary.

The demo site (demosite/) is not part of the installed package: it runs from the source tree,
found as the folder of the closest scrapy.cfg (the project Scrapy found from the working
directory) or the folder above the crawler package (a checkout, or an editable install).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.conf import closest_scrapy_cfg
from warcio.archiveiterator import ArchiveIterator

import crawler
from crawler.cli import CommandMixin

if TYPE_CHECKING:
    import argparse

NO_DEMO_SITE = ("the demo site (demosite/) is not installed with threadwarc: run `threadwarc demo` "
                "in a clone of the threadwarc repository")


def demo_site_root() -> Path | None:
    """The source tree holding demosite/, or None for an installed copy without one."""
    candidates = [Path(cfg).parent] if (cfg := closest_scrapy_cfg()) else []
    candidates.append(Path(crawler.__file__).resolve().parents[1])
    return next((root for root in candidates if (root / "demosite" / "__main__.py").is_file()), None)


def import_demo_site(root: Path) -> None:
    """Makes `demosite` importable in this process only, from the source tree found."""
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))


def demo_platforms(root: Path | None) -> list[str] | None:
    """The demo site's renderers, read from its own table (None without a source tree)."""
    if root is None:
        return None
    import_demo_site(root)
    from demosite.renderers import RENDERERS

    return sorted(RENDERERS)


def start_demo_site(root: Path, *args: str) -> tuple[subprocess.Popen[bytes], str]:
    """`python -m demosite ARGS...` from the source tree, in a process of its own."""
    import_demo_site(root)
    from demosite.process import spawn

    try:
        return spawn(*args)
    except RuntimeError as exc:
        raise UsageError(str(exc)) from exc


class Command(CommandMixin, ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[--platform NAME] [--warc-dir DIR] [--dataset-dir DIR] [options]"

    def short_desc(self) -> str:
        return "Serve the demo site (from the source tree), crawl and archive it, then print a summary"

    def long_desc(self) -> str:
        return (
            "Serves the bundled demo site (news articles and their comment threads, in the markup "
            "of the platform chosen) on 127.0.0.1, crawls it as `crawl thread` does, publishes the "
            "dataset, and prints what was archived and what `datasets.load_dataset` reads back. "
            "The demo site runs from the source tree (a clone of the repository): it is not "
            "installed with threadwarc."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--warc-dir", default="warc/demo", metavar="DIR",
                            help="the WARCs go to a new folder run-<UTC time>/ in it (default: %(default)s)")
        parser.add_argument("--dataset-dir", default="datasets/demo", metavar="DIR",
                            help="the dataset folder, rewritten (default: %(default)s)")
        self.demo_root = demo_site_root()
        platforms = demo_platforms(self.demo_root)
        parser.add_argument("--platform", default="drupal7", choices=platforms, metavar="NAME",
                            help="which platform's markup the demo site uses"
                            + (f": {', '.join(platforms)}" if platforms else "") + " (default: %(default)s)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if args:
            raise UsageError(f"demo takes no arguments, got: {' '.join(args)}", print_help=False)
        if self.demo_root is None:
            raise UsageError(NO_DEMO_SITE)
        if not opts.loglevel and not opts.nolog:  # a summary, not a crawl log, unless asked
            self.settings.set("LOG_LEVEL", "WARNING", priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.crawler_process is not None
        assert self.settings is not None
        assert self.demo_root is not None  # process_options said so otherwise
        # a folder of its own per demo run: the demo site is served on a new port each time,
        # so it is a new site, and a dataset follows every WARC in its WARC_DIR
        warc_dir = Path(opts.warc_dir) / time.strftime("run-%Y%m%dT%H%M%SZ", time.gmtime())
        self.settings.set("WARC_DIR", str(warc_dir), priority="cmdline")
        self.settings.set("DATASET_DIR", opts.dataset_dir, priority="cmdline")
        with tempfile.TemporaryDirectory() as tmp:
            truth_file = Path(tmp) / "truth.json"
            server, base = start_demo_site(self.demo_root, "--platform", opts.platform, "--truth",
                                           str(truth_file))
            seeds = ",".join(json.loads(truth_file.read_text(encoding="utf-8"))["seeds"].values())
        try:
            print(f"Demo site ({opts.platform}) at {base}; crawling it into {warc_dir}/ ...",
                  flush=True)
            crawler = self.crawler_process.create_crawler("thread")
            self.crawler_process.crawl(crawler, start_urls=seeds)
            self.crawler_process.start()
        finally:
            server.terminate()
            server.wait(timeout=10)
            if server.stdout:
                server.stdout.close()
        stats = crawler.stats.get_stats() if crawler.stats else {}
        # here, not at import: Scrapy imports every command's module for every command line, and
        # the extension's imports (the HTTP handler's) cost `publish` ~0.2 s of start-up
        from crawler.extensions import WarcWriterExtension

        writer = next((e for e in crawler.extensions.middlewares
                       if isinstance(e, WarcWriterExtension)), None) if crawler.extensions else None
        self._summary(stats, [Path(f) for f in (writer.files if writer else [])])
        self._dataset_summary(Path(opts.dataset_dir))

    def _summary(self, stats: dict, warcs: list[Path]) -> None:
        kinds: Counter[str] = Counter()
        statuses: Counter[int] = Counter()
        for path in warcs:
            with path.open("rb") as fh:
                for rec in ArchiveIterator(fh):
                    kinds[rec.rec_type] += 1
                    # a revisit keeps its response's status line (its payload is elsewhere)
                    if rec.rec_type in ("response", "revisit") and rec.http_headers:
                        statuses[int(rec.http_headers.get_statuscode())] += 1
        print("\nCrawl")
        print(f"  articles:       {stats.get('thread/articles', 0)}")
        print(f"  thread pages:   {stats.get('thread/thread_pages', 0)}")
        print(f"  permalinks:     {stats.get('thread/permalinks', 0)}")
        print(f"  traps skipped:  {stats.get('thread/traps_skipped', 0)} links "
              f"(off-site: {stats.get('thread/offsite_skipped', 0)})")
        print(f"  finish reason:  {stats.get('finish_reason')}")
        print("Archive")
        for path in warcs:
            print(f"  {path} ({path.stat().st_size:,} bytes)")
        print(f"  records:        {dict(sorted(kinds.items()))}")
        print(f"  HTTP statuses:  {dict(sorted(statuses.items()))} (responses and revisits)")
        print(f"  truncated:      {stats.get('warc/truncated', 0)}")

    def _dataset_summary(self, directory: Path) -> None:
        """What a researcher sees: the published folder read back with `datasets`."""
        from datasets import load_dataset
        from datasets.utils.logging import disable_progress_bar

        disable_progress_bar()
        articles = load_dataset(str(directory), "articles")
        comments = load_dataset(str(directory), "comments")
        rows = [r for split in comments.values() for r in split]
        print(f"Dataset {directory}/ (datasets.load_dataset)")
        for name, dd in (("articles", articles), ("comments", comments)):
            print(f"  {name + ':':15} " + ", ".join(f"{s} {len(d)}" for s, d in dd.items()))
        if not rows:
            return
        deepest = max(rows, key=lambda r: r["depth"] if r["depth"] is not None else -1)
        busiest = max((r for split in articles.values() for r in split),
                      key=lambda r: r["comment_count"])
        print(f"  busiest thread: {busiest['comment_count']} comments on {busiest['title']!r}")
        print(f"  deepest reply:  depth {deepest['depth']} (comment {deepest['comment_id']})")
        by_id = {(r["article_id"], r["comment_id"]): r for r in rows}
        sample = next(r for r in sorted(rows, key=lambda r: (r["article_id"], r["position"]))
                      if r["parent_id"] and len(r["text"]) > 40)
        parent = by_id[(sample["article_id"], sample["parent_id"])]
        print("  a reply and its parent:")
        for label, r in (("parent", parent), ("reply", sample)):
            text = r["text"].replace("\n", " / ")
            print(f"    {label:6} #{r['comment_id']} by {r['author'] or 'anonymous'}, "
                  f"{r['published']:%Y-%m-%d %H:%M} UTC, depth {r['depth']}: {text[:90]}")
