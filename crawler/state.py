"""Crawl state beside the archive: which articles were captured, when, and when each is due again.

One SQLite file (WAL, so two crawls can share it) holds, per article (its platform's
`article_key`): the URL last fetched, first capture, last fetch, revisits so far, the next due
time, the article page's ETag and Last-Modified, and the number of comment permalinks archived;
per URL fetched for an article (its own URLs, thread pages, permalinks): whose it is and when it
was last fetched. The spider asks it two things: is this article due again, and which of these
thread pages and permalinks are new. Writes are queued in memory and committed in one short
transaction every few seconds and at the end of the crawl, so a crash loses seconds, not a run.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

STATE_FILE = "threadwarc-state.sqlite3"
SCHEDULE = "1h,6h,1d,3d,7d"
# Defaults live here, not read off the class: slots turn class attributes into descriptors.
FLUSH_SECONDS, BUSY_SECONDS = 5.0, 5.0
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_INTERVAL = re.compile(r"(\d+(?:\.\d+)?)([smhdw]?)")
_VERSION = 1  # PRAGMA user_version of the schema below (split on ';': none in its comments)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    key TEXT PRIMARY KEY,          -- the platform's article_key (a URL)
    url TEXT NOT NULL,             -- the URL its article page was last fetched from
    first_seen REAL NOT NULL,      -- Unix time of its first capture: the schedule counts from it
    last_fetched REAL NOT NULL,
    revisits INTEGER NOT NULL,     -- re-visits so far (the first capture is not one)
    next_due REAL,                 -- when it is due again (NULL: never, its schedule is done)
    etag TEXT,                     -- of its article page, as last served
    last_modified TEXT,
    comment_count INTEGER NOT NULL DEFAULT 0  -- comment permalinks archived for it
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,
    key TEXT NOT NULL,             -- the article it belongs to
    kind TEXT NOT NULL,            -- 'article' (a URL naming the article), 'thread', 'permalink'
    last_fetched REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pages_by_key ON pages (key, kind);
"""
_UPSERT_ARTICLE = """
INSERT INTO articles (key, url, first_seen, last_fetched, revisits, next_due, etag, last_modified)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET
    url = excluded.url, first_seen = min(first_seen, excluded.first_seen),
    last_fetched = max(last_fetched, excluded.last_fetched),
    revisits = max(revisits, excluded.revisits),
    next_due = CASE WHEN excluded.revisits >= revisits THEN excluded.next_due ELSE next_due END,
    etag = excluded.etag, last_modified = excluded.last_modified
"""
_UPSERT_PAGE = """
INSERT INTO pages (url, key, kind, last_fetched) VALUES (?, ?, ?, ?)
ON CONFLICT (url) DO UPDATE SET
    key = excluded.key, last_fetched = max(last_fetched, excluded.last_fetched),
    kind = CASE WHEN kind = 'article' THEN kind ELSE excluded.kind END
"""
_COUNT = """
UPDATE articles SET comment_count =
    (SELECT count(*) FROM pages WHERE pages.key = articles.key AND kind = 'permalink')
WHERE key = ?
"""
_KNOWN = "SELECT key, url, first_seen, revisits, etag, last_modified, last_fetched FROM articles"
_CHUNK = 500  # host parameters per IN (...): well under SQLite's limit


def parse_schedule(text: str | Iterable[str]) -> tuple[float, ...]:
    """"1h,6h,1d,3d,7d" as seconds; "" is no revisit at all. Units s, m, h, d, w (none: s)."""
    items = text.split(",") if isinstance(text, str) else list(text)
    out: list[float] = []
    for item in (str(i).strip().lower() for i in items):
        if not item:
            continue
        if not (m := _INTERVAL.fullmatch(item)):
            raise ValueError(f"THREAD_REVISIT_SCHEDULE: {item!r} is not an interval such as 30m, 6h, 3d")
        out.append(float(m.group(1)) * _UNITS[m.group(2) or "s"])
    if out != sorted(out):
        raise ValueError(f"THREAD_REVISIT_SCHEDULE must not decrease: {','.join(items)!r}")
    return tuple(out)


def _interval(seconds: float) -> str:
    for unit in "dhm":
        if seconds and seconds % _UNITS[unit] == 0:
            return f"{seconds / _UNITS[unit]:g}{unit}"
    return f"{seconds:g}s"


@dataclass(frozen=True, slots=True)
class StateConfig:
    path: Path
    # k-th revisit no earlier than first capture + schedule[k]; then never
    schedule: tuple[float, ...] = parse_schedule(SCHEDULE)
    flush_seconds: float = FLUSH_SECONDS
    busy_seconds: float = BUSY_SECONDS  # how long a write waits for another crawl's transaction
    # With JOBDIR: when the job's first run started. An article fetched since then is this
    # job's own visit, cut short by a kill or a stop: carried on when the job resumes, never
    # taken for an earlier run's capture that is not due.
    job_started: float | None = None

    @classmethod
    def from_settings(cls, s: BaseSettings) -> StateConfig:
        from scrapy.exceptions import NotConfigured

        if not s.getbool("THREAD_REVISIT", True):
            raise NotConfigured("THREAD_REVISIT is off: every article is crawled as new")
        if path := s.get("THREAD_STATE"):
            where = Path(path).expanduser()
        elif s.getbool("WARC_ENABLED") and s.get("WARC_DIR"):
            where = Path(s.get("WARC_DIR")).expanduser() / STATE_FILE
        else:
            raise NotConfigured("no archive to keep the crawl state beside (WARC_ENABLED is off) "
                                "and THREAD_STATE is not set")
        schedule = parse_schedule(s.get("THREAD_REVISIT_SCHEDULE", SCHEDULE))
        if (flush := s.getfloat("THREAD_STATE_FLUSH_SECONDS", FLUSH_SECONDS)) <= 0:
            raise ValueError(f"THREAD_STATE_FLUSH_SECONDS must be > 0, got {flush!r}")
        job_started = None
        if jobdir := s.get("JOBDIR"):
            from pipelines.archiving.repair import JobRuns

            runs = JobRuns(Path(jobdir).expanduser()).read()
            job_started = runs[0].started if runs else time.time()
        return cls(where, schedule, flush, job_started=job_started)

    def describe(self) -> str:
        if not self.schedule:
            return "never (THREAD_REVISIT_SCHEDULE is empty)"
        return ", ".join(_interval(s) for s in self.schedule)

    def due_at(self, first_seen: float, revisits: int) -> float | None:
        """When the next revisit is due; None once the schedule is done."""
        return first_seen + self.schedule[revisits] if revisits < len(self.schedule) else None


@dataclass(frozen=True, slots=True)
class Known:
    """An article captured by an earlier run (or earlier in this one, once written)."""

    key: str
    url: str
    first_seen: float
    revisits: int
    etag: str | None
    last_modified: str | None
    last_fetched: float = 0.0


@dataclass(slots=True)
class Visit:
    """This run's capture of one article: its first, or one of its revisits."""

    key: str
    url: str
    first_seen: float
    revisits: int
    fetched: float
    etag: str | None = None
    last_modified: str | None = None
    thread_pages: list[str] = field(default_factory=list)  # stored by earlier runs
    had: frozenset[str] = frozenset()  # the same and the article's own URLs, to look up

    @property
    def revisit(self) -> bool:
        return self.revisits > 0


class StateError(ValueError):
    """The state file cannot be opened or is not ours."""


class ThreadState:
    """The SQLite store: reads when asked, writes batched (`flush`)."""

    def __init__(self, cfg: StateConfig) -> None:
        self.cfg = cfg
        try:
            cfg.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(cfg.path, isolation_level=None, timeout=cfg.busy_seconds)
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")  # WAL: a killed process loses no commit
            self.db.execute("PRAGMA cache_size = -16384")  # 16 MiB: link lookups stay in memory
            with self._transaction():
                version = self.db.execute("PRAGMA user_version").fetchone()[0]
                if version not in (0, _VERSION):
                    raise StateError(f"schema version {version}, this threadwarc knows {_VERSION}")
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {_VERSION}")
        except (OSError, sqlite3.Error, StateError) as exc:
            raise StateError(f"cannot open the crawl state {cfg.path}: {exc} (move it away, point "
                             "THREAD_STATE elsewhere, or set THREAD_REVISIT=0)") from exc
        self.visits: dict[str, Visit] = {}  # this run's, by key
        self._dirty: set[str] = set()  # visits to write
        self._pages: dict[str, tuple[str, str, float]] = {}  # url -> (key, kind, time), to write
        self.write_errors = 0
        self.read_errors = 0

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)

    # -- reads ---------------------------------------------------------------------------------

    def _rows(self, sql: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
        """A read that fails (I/O error, a lock held past the busy timeout) answers "nothing
        known": the crawl fetches more than it needs, never less. Said once, counted."""
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            self.read_errors += 1
            if self.read_errors == 1:
                logger.error("Crawl state %s cannot be read (%s): what it cannot tell is fetched "
                             "as new", self.cfg.path, exc)
            return []

    def articles(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def by_urls(self, urls: Sequence[str]) -> dict[str, Known]:
        """The known articles these URLs (article links) name, by URL; one query per 500."""
        out: dict[str, Known] = {}
        for at in range(0, len(urls), _CHUNK):
            chunk = urls[at : at + _CHUNK]
            rows = self._rows(
                "SELECT p.url, a.key, a.url, a.first_seen, a.revisits, a.etag, a.last_modified, "
                "a.last_fetched "
                "FROM pages p JOIN articles a ON a.key = p.key "
                f"WHERE p.kind = 'article' AND p.url IN ({','.join('?' * len(chunk))})", chunk)
            out.update((row[0], Known(*row[1:])) for row in rows)
        return out

    def by_key(self, key: str) -> Known | None:
        rows = self._rows(_KNOWN + " WHERE key = ?", (key,))
        return Known(*rows[0]) if rows else None

    def unseen(self, urls: Sequence[str]) -> list[str]:
        """Those of `urls` never archived for any article (in order)."""
        seen = {u for u in urls if u in self._pages}
        for at in range(0, len(urls), _CHUNK):
            chunk = urls[at : at + _CHUNK]
            seen.update(row[0] for row in self._rows(
                f"SELECT url FROM pages WHERE url IN ({','.join('?' * len(chunk))})", chunk))
        return [u for u in urls if u not in seen]

    def _this_job(self, known: Known) -> bool:
        return self.cfg.job_started is not None and known.last_fetched >= self.cfg.job_started

    def due(self, known: Known, now: float) -> bool | None:
        """True: due now; False: not yet; None: never again (its schedule is done)."""
        if self._this_job(known):
            return True  # this job's own visit, resumed
        at = self.cfg.due_at(known.first_seen, known.revisits)
        return None if at is None else at <= now

    # -- this run ------------------------------------------------------------------------------

    def begin(self, key: str, url: str, known: Known | None, now: float) -> Visit:
        """This run captures the article: the first time (known None) or again."""
        if known is None:
            visit = Visit(key, url, now, 0, now)
        elif self._this_job(known) and known.revisits == 0:
            visit = Visit(key, url, known.first_seen, 0, now)  # the job's first capture, resumed
        else:
            rows = self._rows("SELECT url, kind FROM pages WHERE key = ? AND kind != 'permalink'",
                              (key,))
            pages = [u for u, kind in rows if kind == "thread"]
            revisits = known.revisits if self._this_job(known) else known.revisits + 1
            visit = Visit(key, url, known.first_seen, revisits, now, known.etag,
                          known.last_modified, pages, frozenset(u for u, _ in rows))
        self.visits[key] = visit
        self._dirty.add(key)
        return visit

    def headers(self, visit: Visit, etag: str | None, last_modified: str | None) -> None:
        visit.etag, visit.last_modified = etag, last_modified
        self._dirty.add(visit.key)

    def fetched(self, url: str, key: str, kind: str, now: float | None = None) -> None:
        """A URL of this article was archived: remembered at the next flush."""
        self._pages[url] = (key, kind, time.time() if now is None else now)
        if key in self.visits:
            self._dirty.add(key)

    # -- writes --------------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        return len(self._pages) + len(self._dirty)

    def flush(self) -> tuple[int, int]:
        """Writes what this run learnt since the last flush in one transaction; on failure it
        is kept for the next try (logged, counted). Returns the (article, page) rows written."""
        if not self._pages and not self._dirty:
            return 0, 0
        dirty = [self.visits[k] for k in self._dirty]
        pages = [(url, *row) for url, row in self._pages.items()]
        try:
            with self._transaction():
                self.db.executemany(_UPSERT_ARTICLE, [
                    (v.key, v.url, v.first_seen, v.fetched, v.revisits,
                     self.cfg.due_at(v.first_seen, v.revisits), v.etag, v.last_modified)
                    for v in dirty])
                self.db.executemany(_UPSERT_PAGE, pages)
                self.db.executemany(_COUNT, [(v.key,) for v in dirty])
        except sqlite3.Error as exc:
            self.write_errors += 1
            logger.error("Crawl state %s: %d updates not written yet (%s): tried again later",
                         self.cfg.path, len(dirty) + len(pages), exc)
            return 0, 0
        self._dirty.clear()
        self._pages.clear()
        return len(dirty), len(pages)

    def close(self) -> None:
        self.flush()
        if self.pending:
            logger.error("Crawl state %s: %d updates lost: the next run fetches those pages again",
                         self.cfg.path, self.pending)
        self.db.close()


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT: takes the write lock up front (waiting up to the busy
    timeout for another crawl's), so no upgrade from reader to writer can deadlock."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, *_: object) -> None:
        self.db.execute("ROLLBACK" if kind else "COMMIT")
