"""How far a publish has got, and what its counters mean.

`Progress`: on a terminal, a tqdm bar per step (reading the WARC files, the articles' bodies,
writing the dataset) with files, records and articles; elsewhere (cron, CI, a pipe) a log line
every `DATASET_PROGRESS_INTERVAL` seconds. `explain`: the final summary, one line per subject,
in words (the counters' names are in README.md's "What the publish summary says").
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

logger = logging.getLogger(__name__)


class Progress:
    """Steps in order: `step(name, total, unit)`, then `advance(n, **counts)`; `close()` at the end.

    `interval` 0 shows nothing; on a terminal (stderr) a bar, else a line at most every
    `interval` seconds, and one when a step that took longer than that ends."""

    def __init__(self, interval: float, *, stream: Any = None, clock: Any = time.monotonic) -> None:
        self.interval = interval
        self.stream = stream or sys.stderr
        self.clock = clock
        self.tty = bool(interval) and _isatty(self.stream)
        self.name, self.total, self.unit, self.done = "", 0, "", 0
        self.counts: dict[str, Any] = {}
        self._shown = -1  # `done` when the last line was logged
        self.started = self.last = clock()
        self._bar: Any = None
        self._stack = ExitStack()

    def step(self, name: str, total: int, unit: str, **counts: int | str) -> None:
        self._end_step()
        self.name, self.total, self.unit, self.done = name, total, unit, 0
        self.counts = dict(counts)
        self.started = self.last = self.clock()
        if self.tty and total:
            from tqdm import tqdm

            self._stack.enter_context(_log_above_bar(self.stream))
            scaled = unit == "B"
            known = _columns(self.stream) > 0  # a terminal of no width (a bare pty): 80 columns
            self._bar = tqdm(total=total, desc=name, unit=unit, unit_scale=scaled, unit_divisor=1024,
                             file=self.stream, dynamic_ncols=known, ncols=None if known else 80,
                             leave=False)
            self._bar.set_postfix_str(self._postfix(), refresh=False)

    def advance(self, n: int = 0, **counts: int) -> None:
        """`n` more of the step's unit done; `counts` are added to the step's other counters."""
        self.done += n
        for key, value in counts.items():
            self.counts[key] = self.counts.get(key, 0) + value
        if self._bar is not None:
            self._bar.set_postfix_str(self._postfix(), refresh=False)
            self._bar.update(n)
        elif self.interval and not self.tty and self.clock() - self.last >= self.interval:
            self._line()

    def set(self, **counts: int | str) -> None:
        """Counters that are not sums (e.g. files finished of files)."""
        self.counts.update(counts)

    def close(self) -> None:
        self._end_step()
        self._stack.close()

    def _end_step(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif (self.name and self.interval and not self.tty and self._shown != self.done
              and self.clock() - self.started >= self.interval):
            self._line()  # a long step says it ended
        self._stack.close()
        self._stack = ExitStack()
        self.name, self._shown = "", -1

    def _postfix(self) -> str:
        return ", ".join(f"{key.replace('_', ' ')} {value:,}" if isinstance(value, int) else
                         f"{key.replace('_', ' ')} {value}" for key, value in self.counts.items())

    def _line(self) -> None:
        self.last, self._shown = self.clock(), self.done
        if self.unit == "B":
            done = f"{_size(self.done)} of {_size(self.total)}"
        else:
            done = f"{self.done:,} of {self.total:,} {self.unit.strip()}"
        pct = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
        more = f"; {self._postfix()}" if self.counts else ""
        logger.info("Publish progress: %s: %s%s%s", self.name, done, pct, more)


class _AboveBar(logging.Handler):
    """A console handler's lines, printed above the bar (tqdm.write) with the handler's own
    level, filters and format (tqdm's logging_redirect_tqdm keeps only the format)."""

    def __init__(self, handler: logging.StreamHandler) -> None:  # type: ignore[type-arg]
        super().__init__(handler.level)
        self.setFormatter(handler.formatter)
        self.filters = list(handler.filters)
        self.stream = handler.stream

    def emit(self, record: logging.LogRecord) -> None:
        from tqdm import tqdm

        try:
            tqdm.write(self.format(record), file=self.stream)
        except Exception:  # noqa: BLE001 - logging's own contract: report, never raise
            self.handleError(record)


@contextmanager
def _log_above_bar(stream: Any) -> Iterator[None]:
    root = logging.getLogger()
    swapped = [(h, _AboveBar(h)) for h in root.handlers
               if type(h) is logging.StreamHandler and getattr(h, "stream", None) is stream]
    for old, new in swapped:
        root.removeHandler(old)
        root.addHandler(new)
    try:
        yield
    finally:
        for old, new in swapped:
            root.removeHandler(new)
            root.addHandler(old)


def _columns(stream: Any) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return 0


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed, or not a file
        return False


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


# The summary: each counter (extract/<name>) in words. The order is the order of the lines.
def explain(stats: Counter[str] | dict[str, int]) -> list[str]:
    """The publish's counters as sentences a reader understands; counters this function does
    not know are listed last, by name, so none is hidden."""
    c = Counter({k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("extract/")})
    used: set[str] = set()

    def n(key: str) -> int:
        used.add(key)
        return c[key]

    def plural(count: int, word: str) -> str:
        return f"{count:,} {word}{'' if count == 1 else 's'}"

    lines = []
    read = f"read: {plural(n('captures'), 'HTML capture')}"
    if n("revisits"):
        read += f" ({n('revisits'):,} of them revisits, read from the payload they repeat)"
    extra = []
    if n("revisits_unresolved"):
        extra.append(f"{plural(c['revisits_unresolved'], 'revisit')} left out: the record they repeat "
                     "is not in these files or beside them")
    if n("revisits_not_html"):
        extra.append(f"{plural(c['revisits_not_html'], 'revisit')} of non-HTML records skipped")
    if n("warc_errors"):
        extra.append(f"{plural(c['warc_errors'], 'read error')} (each named above, with file and offset)")
    lines.append("; ".join([read, *extra]))

    reasons = sorted(((k.split("/", 1)[1], v) for k, v in c.items() if k.startswith("not_articles/")),
                     key=lambda kv: (-kv[1], kv[0]))
    used.update(f"not_articles/{r}" for r, _ in reasons)
    analysed = f"analysed: {plural(n('pages'), 'page')} (articles and their thread pages)"
    if n("pages_not_articles"):
        why = ", ".join(f"{_REASONS.get(r, f'{r} index pages')} {v:,}" for r, v in reasons)
        analysed += f"; {plural(c['pages_not_articles'], 'page')} not an article ({why})"
    if n("pages_failed"):
        analysed += f"; {plural(c['pages_failed'], 'page')} unreadable (each named above)"
    if n("pages_cut_deep"):
        analysed += f"; {plural(c['pages_cut_deep'], 'page')} nested too deep, read up to that depth"
    if n("comments_generic_pages"):
        analysed += (f"; {plural(c['comments_generic_pages'], 'page')} with comments read by the "
                     "generic parser (confidence low)")
    lines.append(analysed)

    if n("permalinks_skipped"):
        lines.append(f"skipped: {plural(c['permalinks_skipped'], 'comment permalink page')}, "
                     "their comments read on a thread page already")
    articles = f"published: {plural(n('articles'), 'article')} with {plural(n('comments'), 'comment')}"
    notes = []
    if n("articles_without_body"):
        notes.append(f"{c['articles_without_body']:,} without body text")
    if n("bodies_failed"):
        notes.append(f"{c['bodies_failed']:,} whose body extraction failed (kept, text null)")
    if n("bodies_shared"):
        notes.append(f"{c['bodies_shared']:,} article page captures sharing a body read once")
    if n("articles_failed"):
        notes.append(f"{c['articles_failed']:,} could not be assembled (named above)")
    if notes:
        articles += f" ({'; '.join(notes)})"
    statuses = sorted((k.split("/", 1)[1], v) for k, v in c.items() if k.startswith("comments_status/"))
    used.update(f"comments_status/{s}" for s, _ in statuses)
    if statuses:
        articles += "; their threads: " + ", ".join(f"{_STATUSES.get(s, s)} {v:,}" for s, v in statuses)
    lines.append(articles)
    if rest := sorted((k, v) for k, v in c.items() if k not in used and v):
        lines.append("other counters: " + ", ".join(f"{k} {v:,}" for k, v in rest))
    return lines


_REASONS = {  # the part of a "not an article" reason before its colon (else a platform's name)
    "empty": "empty", "listing": "listings (a pager, a section)",
    "no-article-signs": "no platform and no article markup",
}
_STATUSES = {  # comments_status (README: "comments_status")
    "html": "in the page (html)", "not_in_html": "loaded by a script (not_in_html)",
    "unparsed": "not read (unparsed)", "none": "no comment section (none)",
}
