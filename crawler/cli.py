"""`threadwarc ...`: threadwarc's command line, from any directory; Scrapy's runs every command.

`scrapy.cmdline.execute` parses and runs each command (ours: crawler/commands/ and the
`scrapy.commands` entry points of pyproject.toml). Around it, `main` answers what a threadwarc
user asks first: the list of threadwarc's commands (Scrapy's own, such as `shell`, `fetch` or
`settings`, still run but are not listed), `--version`, and one line with exit 2 for an
unknown command. `CommandMixin` gives each of our commands what Scrapy's parser does not:
help rendered as written, usage lines naming the program run, and one line with exit 2, no
traceback, for an unknown option, a setting of the wrong type or an unknown log level.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import re
import shutil
import sys
import textwrap
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from scrapy.commands import ScrapyHelpFormatter
from scrapy.exceptions import UsageError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scrapy.commands import ScrapyCommand
    from scrapy.settings import BaseSettings

DISTRIBUTION = "threadwarc"
# `threadwarc --version` names these after threadwarc (distribution names, as pip shows them)
DEPENDENCIES = ("scrapy", "warcio", "trafilatura", "pyarrow", "datasets", "huggingface-hub",
                "cdxj-indexer", "wacz")
# The listing's order: a crawl's life, then the rest by name
WORKFLOW = ("crawl", "seed", "publish", "demo", "warc-repair")
OUR_PACKAGES = ("crawler.", "pipelines.")
HELP_FLAGS, VERSION_FLAGS = {"-h", "--help"}, {"-V", "--version"}
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")  # named in errors (logging knows more)


def program() -> str:
    """How the user ran us, for usage and error lines: `threadwarc`, `python -m crawler` or `scrapy`."""
    arg0 = Path(sys.argv[0] if sys.argv else "scrapy")
    if arg0.name == "__main__.py" and arg0.parent.name == "crawler":
        return "python -m crawler"
    return "threadwarc" if arg0.name.startswith("threadwarc") else "scrapy"


def version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def version_text() -> str:
    """threadwarc's version and its main dependencies', as a bug report wants them."""
    rows = [("python", platform.python_version()), *((d, version(d)) for d in DEPENDENCIES)]
    width = max(len(name) for name, _ in rows)
    return "\n".join([f"{DISTRIBUTION} {version(DISTRIBUTION)}",
                      *(f"  {name:<{width}}  {v}" for name, v in rows)])


def command_name(argv: list[str]) -> str | None:
    """The command named in argv, by scrapy.cmdline's rule: the first argument not an option."""
    return next((arg for arg in argv[1:] if not arg.startswith("-")), None)


def commands(settings: BaseSettings) -> dict[str, ScrapyCommand]:
    """Every command `execute` would run: Scrapy's, the entry points', COMMANDS_MODULE's."""
    from scrapy.cmdline import _get_commands_dict  # the one place that knows; test_cli checks it
    from scrapy.utils.project import inside_project

    return _get_commands_dict(settings, inside_project())


def ours(cmds: dict[str, ScrapyCommand]) -> list[str]:
    """threadwarc's commands (not Scrapy's project tools), in the order a crawl uses them."""
    names = [name for name, cmd in cmds.items() if type(cmd).__module__.startswith(OUR_PACKAGES)]
    return sorted(names, key=lambda n: (WORKFLOW.index(n) if n in WORKFLOW else len(WORKFLOW), n))


def help_text(settings: BaseSettings, cmds: dict[str, ScrapyCommand]) -> str:
    prog = program()
    width = min(shutil.get_terminal_size().columns, 100) - 2
    names = ours(cmds)
    column = max(map(len, names)) + 4
    listing = "\n".join(textwrap.fill(cmds[name].short_desc(), width, subsequent_indent=" " * column,
                                      initial_indent=f"  {name:<{column - 2}}") for name in names)
    summary = metadata.metadata(DISTRIBUTION)["Summary"] if version(DISTRIBUTION) != "not installed" else ""
    return f"""\
{DISTRIBUTION} {version(DISTRIBUTION)}
{textwrap.fill(summary, width)}

Usage: {prog} <command> [options] [args]

Commands:
{listing}

Crawl (the spider is `thread`):
  -a start_urls=URL[,URL...]  seeds: articles, sections, feeds, sitemaps
  -a seeds=FILE               seeds from a file, one URL per line
  -s WARC_DIR=DIR             where the WARC files go (default: {settings.get("WARC_DIR") or "none"})
  -s DATASET_DIR=DIR          publish a dataset there once the crawl ends
  -s REDIS_URL=redis://H:P/D  one crawl shared by every process given the same
                              Redis (`seed` adds seeds to it while it runs)
  -s NAME=VALUE               any other setting (README.md, crawler/settings.py)

  {prog} crawl thread -a start_urls=https://news.example/ -s WARC_DIR=warc/news
  {prog} publish warc/news -o datasets/news

Options:
  -h, --help     this help; `{prog} <command> -h` for a command's
  -V, --version  threadwarc's version and its main dependencies'

{textwrap.fill("Scrapy's own commands (shell, fetch, settings, ...) still run, unlisted; "
               "`scrapy -h` in the project folder lists them.", width)}
"""


def emit(text: str) -> None:
    """Print to stdout; a reader that went away (`| head`) ends nothing in a traceback."""
    try:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's own advice


def usage_error(message: str) -> NoReturn:
    prog = program()
    sys.stderr.write(f"{prog}: error: {message}\nRun `{prog} --help` for the commands.\n")
    sys.exit(2)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.cmdline import execute  # after the environment names our settings
    from scrapy.utils.project import get_project_settings

    argv = list(sys.argv if argv is None else argv)
    name, flags = command_name(argv), set(argv[1:])
    if name is None and VERSION_FLAGS & flags and not HELP_FLAGS & flags:
        emit(version_text())
        sys.exit(0)
    settings = get_project_settings()
    if name is None:
        if flags and not HELP_FLAGS & flags:
            usage_error(f"unrecognized option {argv[1]} (options go after the command)")
        emit(help_text(settings, commands(settings)))
        sys.exit(0)
    if name not in commands(settings):
        usage_error(f"unknown command {name!r}" + (" (options go after the command)"
                                                    if argv.index(name) > 1 else ""))
    execute(argv)  # its own settings, as `scrapy` reads them


class HelpFormatter(ScrapyHelpFormatter):
    """Scrapy's look (underlined headings), text as written. Scrapy's formatter title-cases and
    underlines any help line ending in ':' (a wrapped "(default: x)" becomes a heading) and
    joins description lines; this one touches headings only and keeps the lines written."""

    def __init__(self, prog: str, **kwargs: Any) -> None:
        super().__init__(prog, **kwargs)
        self._headings: set[str] = set()

    def start_section(self, heading: str | None) -> None:
        if heading:
            self._headings.add(heading)
        super().start_section(heading)

    def format_part_strings(self, part_strings: list[str]) -> list[str]:
        parts = []
        for part in part_strings:
            heading = part.strip().removesuffix(":")
            if part.startswith("usage: ") and self._headings:  # a full help; an error keeps "usage: "
                parts.append("Usage\n=====\n  " + part.removeprefix("usage: "))
            elif part.endswith(":\n") and "\n" not in part[:-1] and heading in self._headings:
                title = heading[:1].upper() + heading[1:]
                parts.append(f"{title}\n{('-' if title == 'Global Options' else '=') * len(title)}\n")
            else:
                parts.append(part)
        return parts

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        """Paragraphs (lines not indented) filled to the width; indented lines (a table's rows,
        an example) kept as written, a long row wrapped under its second column (the text after
        its first two spaces), a line indented to that column taken as the row's own."""
        blocks: list[tuple[str, int | None]] = []  # (text, second column of a row or None)
        for line in text.strip("\n").splitlines():
            lead = len(line) - len(line.lstrip())
            prev, column = blocks[-1] if blocks else ("", None)
            if line.strip() and prev.strip() and (
                    (lead == 0 and not prev[:1].isspace() and not prev.endswith(":"))
                    or (lead and lead == column)):
                blocks[-1] = (f"{prev} {line.strip()}", column)
            else:
                row = re.match(r"\s+\S.*?\s{2,}(?=\S)", line)
                blocks.append((line.rstrip(), row.end() if row else None))
        lines = []
        for line, column in blocks:
            lead = line[:len(line) - len(line.lstrip())]
            lines.extend(textwrap.wrap(line.strip(), width, initial_indent=indent + lead,
                                       subsequent_indent=indent + " " * (column or len(lead)),
                                       break_on_hyphens=False) or [""])
        return "\n".join(lines)


class CommandMixin:
    """What every threadwarc command shares (first among its bases): help rendered as
    written, usage naming the program run, and a usage error (one line, exit 2) for an
    unknown option, a -s value Scrapy could not read as its setting's type, or an unknown
    log level, instead of an option silently ignored or a traceback later."""

    settings: BaseSettings | None

    def epilog(self) -> str:
        """Help text after the options (none by default)."""
        return ""

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)  # type: ignore[misc]
        adopt(parser, self.epilog())

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        refuse_unknown_options(args)
        check_settings(self.settings, opts.set)
        super().process_options(args, opts)  # type: ignore[misc]
        if isinstance(level := self.settings.get("LOG_LEVEL"), str):  # -L or -s LOG_LEVEL
            self.settings.set("LOG_LEVEL", log_level(level, "-L " if opts.loglevel else "LOG_LEVEL="),
                              priority=self.settings.getpriority("LOG_LEVEL") or "cmdline")


def adopt(parser: argparse.ArgumentParser, epilog: str = "") -> None:
    """Our formatter and program name on the parser scrapy.cmdline made for a command."""
    prog = program()
    parser.formatter_class = HelpFormatter
    if parser.usage and parser.usage.startswith("scrapy "):
        parser.usage = prog + parser.usage.removeprefix("scrapy")
        parser.prog = f"{prog} {parser.usage.split()[len(prog.split())]}"
    parser.epilog = epilog or None


def refuse_unknown_options(args: Iterable[str]) -> None:
    """scrapy.cmdline parses with `parse_known_args`: an option no command knows reaches the
    command as an argument (`crawl thread --bogus`: "more than one spider"), or nowhere."""
    if unknown := [arg for arg in args if arg.startswith("-") and arg != "-"]:
        raise UsageError(f"unrecognized option{'s' if len(unknown) > 1 else ''}: {' '.join(unknown)}",
                         print_help=False)


def check_settings(settings: BaseSettings, pairs: list[str]) -> None:
    """Each `-s NAME=VALUE` of one of Scrapy's settings read as Scrapy reads it (its default's
    type: a number, a boolean), now: later, a bad value ends in a traceback, or in "the crawl
    could not start: ValueError: ..." without the setting's name. threadwarc's own settings
    (WARC_*, DATASET_*, THREAD_*) are checked where they are read, with their names."""
    from scrapy.settings import BaseSettings, default_settings
    from scrapy.utils.conf import arglist_to_dict

    try:
        given = BaseSettings(arglist_to_dict(pairs))
    except ValueError:
        return  # Scrapy's own message follows: "Invalid -s value, use -s NAME=VALUE"
    for name, value in given.items():
        default = getattr(default_settings, name, None) if name.isupper() else None
        if isinstance(default, bool):
            read, kind = given.getbool, "a boolean (True/False, true/false, 1/0)"
        elif isinstance(default, int | float):  # an int setting may be read as a float
            read, kind = given.getfloat, "a number"
        else:
            continue
        try:
            read(name)
        except ValueError:
            raise UsageError(f"-s {name}={value}: {name} takes {kind} (default: {settings.get(name)!r})",
                             print_help=False) from None


def log_level(level: str, where: str) -> str:
    """A log level name, in any case (`-L debug`); anything else is a usage error, where
    Scrapy's logging setup would end in a traceback."""
    if isinstance(logging.getLevelName(level.upper()), int):  # a name logging knows
        return level.upper()
    raise UsageError(f"{where}{level}: not a log level (one of {', '.join(LOG_LEVELS)})",
                     print_help=False)


def workers(value: str) -> int:
    """argparse `type=` for a number of processes: 0 (one per core) or more; `-3` or `x` is a
    usage error, not a traceback from the pool."""
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"a number of processes, 0 (one per core) or more, not {value!r}")
    return number
