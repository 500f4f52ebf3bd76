"""`scrapy warc-repair DIR_OR_FILE...`: close the `.open` WARC files a killed crawl left.

Registered as an entry point (`scrapy.commands` in pyproject.toml), not in crawler/commands/:
Scrapy names the commands of COMMANDS_MODULE after their modules, and a module cannot be
named `warc-repair`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.cli import CommandMixin
from pipelines.archiving.config import CDXJ_NAME
from pipelines.archiving.packaging import update_index
from pipelines.archiving.repair import UNFINISHED, open_elsewhere, repair_file, repair_unfinished

if TYPE_CHECKING:
    import argparse

    from pipelines.archiving.repair import Repair


class Command(CommandMixin, ScrapyCommand):
    requires_project = False
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}  # noqa: RUF012 - Scrapy's own class attribute

    def syntax(self) -> str:
        return "DIR_OR_FILE [...]"

    def short_desc(self) -> str:
        return "Cut unfinished .open WARC files to their last complete record and close them"

    def long_desc(self) -> str:
        return (
            "A crawl killed outright (SIGKILL, power cut) leaves its WARC file named *.warc.gz.open, "
            "perhaps ending in part of a record. Each one named, or found directly in a folder "
            "named, is cut back to its last complete record and renamed without .open (one with "
            "no complete record is removed). Files a running process holds open are left alone. "
            "A folder's CDXJ index (index.cdxj, written by crawls) is updated to cover the files closed. "
            "A crawl (`crawl thread`) does this by itself in its WARC_DIR when it starts."
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args:
            raise UsageError("name at least one folder or .open WARC file")
        repairs: list[Repair] = []
        for arg in map(Path, args):
            if arg.is_dir():
                repairs += repair_unfinished(arg)
            elif arg.is_file() and arg.name.endswith(UNFINISHED):
                if arg in open_elsewhere([arg]):
                    raise UsageError(f"{arg} is open in a running process: is its crawl still running?")
                repairs.append(repair_file(arg))
            else:
                raise UsageError(f"not a folder or an unfinished (.open) WARC file: {arg}")
        for repair in repairs:
            print(repair)
        if not repairs:
            print("No unfinished WARC files.")
        for folder in dict.fromkeys(r.path.parent for r in repairs if r.outcome == "closed"):
            if (folder / CDXJ_NAME).exists():  # a crawl's index: make it cover the closed files
                report = update_index(folder)
                print(f"{report.path}: {report.added_records} records of {len(report.added_files)} "
                      f"file(s) added, {report.records} in all")
        if any(r.outcome not in ("closed", "removed") for r in repairs):
            self.exitcode = 1
