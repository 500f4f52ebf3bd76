"""WARC files in, a Hugging Face dataset folder out: deterministic, parallel, atomic."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import itertools
import logging
import multiprocessing
import os
import pickle
import shutil
import signal
import sqlite3
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

from pipelines import platforms
from pipelines.extraction import revisits
from pipelines.extraction.assemble import assemble
from pipelines.extraction.crawls import crawls
from pipelines.extraction.pages import (
    NO_SIGNS,
    PageResult,
    Tally,
    analyse,
    body_fields,
    confirmed,
    extract_page,
    merge_fields,
    time_limit,
)
from pipelines.extraction.warc import (
    MIN_RANGE,
    UNFINISHED_SUFFIXES,
    Capture,
    HtmlDoc,
    IndexEntry,
    Source,
    WarcReadError,
    decode,
    find_warcs,
    iter_responses,
    read_html,
    split,
    unpack,
)

from . import target as target_folder
from .card import write_card
from .config import DatasetConfig
from .parquet import DatasetWriter
from .progress import Progress

logger = logging.getLogger(__name__)
# Pages per task in pass 2: one article page (trafilatura, ~100x a thread page) per task
# balances the workers; permalink pages are cheap and go in bigger chunks.
ARTICLE_CHUNK, PERMALINK_CHUNK = 1, 8
INDEX_BATCH = 1000  # records' index entries written to a worker's part at a time
MAX_FILES_PER_TASK = 256  # small WARC files read by one task (a SQLite part each cost ~10 ms)


class NothingToPublish(Exception):
    """No WARC file, no HTML page or no article in them: the existing dataset is left alone."""


@dataclass
class PublishReport:
    directory: Path
    warcs: list[Path]
    counts: dict[str, dict[str, int]]  # config -> split -> rows
    stats: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    crawl_dates: tuple[str, str] | None = None  # the first and last capture's UTC day


def publish(inputs: Iterable[str | Path], cfg: DatasetConfig, *,
            interrupted: Callable[[], int | None] | None = None) -> PublishReport:
    """Refuses before any work what cannot be published (no inputs, a target that is not
    ours); after the work, never replaces a dataset with one that has no articles.
    `interrupted`: a signal number if the publish was interrupted (the command's Ctrl-C and
    SIGTERM), asked just before the new dataset replaces the old: KeyboardInterrupt then."""
    inputs = list(inputs)
    warcs = find_warcs(inputs)
    if not warcs:
        raise NothingToPublish("no WARC files (*.warc, *.warc.gz, *.arc, *.arc.gz, *.wacz) in "
                               f"{', '.join(map(str, inputs))}")
    target = target_folder.resolve(cfg.directory)
    target_folder.check(target)
    tally = Tally()
    read_errors: list[WarcReadError] = []
    notes = _unfinished(warcs)
    with target_folder.build_folder(target) as build:
        logger.info("Publishing %d WARC file(s) to %s with %d worker(s), building in %s",
                    len(warcs), target, cfg.n_workers, build.name)
        unpacked = build / "unpacked"  # what .wacz files hold, WARCs gzipped whole: read here
        try:
            sources = unpack(warcs, unpacked, read_errors)
            if cfg.engine == "datatrove":  # the same steps on datatrove's executors
                from .engine import build as build_on_engine

                counts, summary = build_on_engine(build, sources, cfg, tally, read_errors)
            else:
                counts, summary = _build(build, sources, cfg, tally, read_errors)
        finally:
            shutil.rmtree(unpacked, ignore_errors=True)
        # the files read: not a WACZ packaging WARC files also given
        used = {s.input for s in sources} | {Path(str(e.path).split("#", 1)[0]) for e in read_errors}
        warcs = [p for p in warcs if p in used]
        write_card(build, cfg, counts, summary, warcs)
        target_folder.write_marker(build)
        if interrupted is not None and (signum := interrupted()) is not None:
            raise KeyboardInterrupt(f"signal {signum}, received during the publish")
        target_folder.swap_in(build, target)
    fetched = summary.get("fetched") or []
    dates = (f"{min(fetched):%Y-%m-%d}", f"{max(fetched):%Y-%m-%d}") if fetched else None
    return PublishReport(cfg.directory, warcs, counts, tally.counts, [*notes, *map(str, read_errors)],
                         dates)


def _unfinished(warcs: list[Path]) -> list[str]:
    """`.open` files: a crawl killed, or whose writer failed, before it closed them."""
    notes = []
    for path in warcs:
        if path.name.endswith(UNFINISHED_SUFFIXES):
            notes.append(f"{path}: an unfinished WARC file (its crawl was killed or its writer "
                         "failed); read up to its last complete record. To keep it as a WARC: "
                         "`truncate -s OFFSET` it at the offset its read error gives (if any), "
                         "then drop the .open suffix")
            logger.warning("%s", notes[-1])
    return notes


def _names(paths: list[Path], limit: int = 5) -> str:
    shown = ", ".join(p.name for p in paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def _source_names(sources: list[Source], limit: int = 5) -> str:
    shown = ", ".join(s.warc_file for s in sources[:limit])
    return shown + (f" and {len(sources) - limit} more" if len(sources) > limit else "")


def _nothing_in(sources: list[Source], seen: dict[int, Counter[str]],
                read_errors: list[WarcReadError]) -> None:
    """A WARNING line for each file that holds no HTML page, saying what it holds instead
    (files unreadable from their first byte have their error line already)."""
    unreadable = {str(e.path) for e in read_errors if e.offset == 0}
    for i, source in enumerate(sources):
        counts = seen[i]
        if counts["page"] or source.label in unreadable:
            continue
        held = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        logger.warning("%s: nothing to publish: no HTML page (2xx HTML response, HTML resource, "
                       "or revisit of one) among its %d record(s)%s", source.label,
                       sum(counts.values()), f" ({held})" if held else "")


def describe_failure(exc: BaseException, directory: object) -> str:
    """What went wrong, in one line a user can act on."""
    kept = f"{directory} is as it was"
    if isinstance(exc, NothingToPublish | target_folder.TargetError | FileNotFoundError):
        return f"{exc}; {kept}" if isinstance(exc, NothingToPublish) else str(exc)
    if isinstance(exc, BrokenProcessPool):  # a worker killed (out of memory?) or crashed
        return (f"an extraction worker died ({exc}); {kept}. Retry with --workers 1 or more "
                "memory.")
    if (isinstance(exc, sqlite3.Error) and "full" in str(exc)) or (
            isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)):
        return f"the disk is full ({exc}); {kept}. Free space beside it and publish again."
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}: {exc.filename or ''} ({type(exc).__name__}); {kept}"
    return f"{type(exc).__name__}: {exc}; {kept}"


class _Staging:
    """Page results on disk (SQLite), so memory does not grow with the archive."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        # scratch data: a publish that dies removes it, so no journal and no fsync (the schema
        # alone cost ~6 ms per part with them: most of the time of 2,000 small files)
        self.db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        self.db.executescript(
            # records are named by local path and offset: two inputs may share a file name
            "CREATE TABLE pages (key TEXT, path TEXT, offset INTEGER, data BLOB);"
            "CREATE TABLE seen (url TEXT PRIMARY KEY) WITHOUT ROWID;"
            "CREATE TABLE deferred (url TEXT, data BLOB);"
            # article pages waiting for their body, by the record their bytes are in (src)
            "CREATE TABLE todo (path TEXT, offset INTEGER, src TEXT, src_offset INTEGER, url TEXT,"
            " data BLOB);"
            "CREATE TABLE bodies (path TEXT, offset INTEGER, data BLOB,"
            " PRIMARY KEY (path, offset)) WITHOUT ROWID;"
            + revisits.SCHEMA  # responses and revisits: where each revisit's payload is
        )

    def add(self, r: PageResult) -> None:
        self.note_seen(r)
        cap = r.capture
        self.db.execute("INSERT INTO pages VALUES (?, ?, ?, ?)",
                        (r.key, cap.path, cap.offset, pickle.dumps(r, protocol=5)))
        if r.kind == "article" and r.article is None:  # its body: pass 2, over the workers
            job = _BodyJob(cap, r.thread_xpath, r.deep, r.confirm, r.meta)
            self.db.execute("INSERT INTO todo VALUES (?, ?, ?, ?, ?, ?)", (
                cap.path, cap.offset, *cap.source, cap.url, pickle.dumps(job, protocol=5)))

    def note_seen(self, r: PageResult) -> None:
        """The permalinks of the comments a page had: their own pages need not be read."""
        self.db.executemany("INSERT OR IGNORE INTO seen VALUES (?)",
                            [(_url_key(c.permalink),) for c in r.comments if c.permalink])

    def todo(self) -> Iterator[_BodyJob]:
        """One job per page and payload: the revisits of an article page (a conditional
        request answered 304 on every scheduled run) share their original's body."""
        rows = self.db.execute("SELECT data, min(rowid) FROM todo GROUP BY src, src_offset, url"
                               " ORDER BY min(rowid)")
        for data, _ in rows.fetchall():
            yield pickle.loads(data)

    def add_body(self, cap: Capture, fields: dict[str, Any] | None) -> None:
        """An article page's fields, for every capture of it with the same payload; None: it
        turned out to be no article."""
        self.db.execute("INSERT OR REPLACE INTO bodies SELECT path, offset, ? FROM todo"
                        " WHERE src = ? AND src_offset = ? AND url = ?",
                        (pickle.dumps(fields, protocol=5), *cap.source, cap.url))

    def defer(self, cap: Capture) -> None:
        self.db.execute("INSERT INTO deferred VALUES (?, ?)",
                        (_url_key(cap.url), pickle.dumps(cap, protocol=5)))

    def unseen_deferred(self) -> Iterator[Capture]:
        """Permalink pages of comments no thread page had (deleted since, or pages missing)."""
        rows = self.db.execute(
            "SELECT data FROM deferred d WHERE NOT EXISTS "
            "(SELECT 1 FROM seen s WHERE s.url = d.url) ORDER BY rowid"
        )
        for (data,) in rows.fetchall():
            yield pickle.loads(data)

    def absorb(self, part: Path) -> None:
        """Move a worker's part into the main staging database."""
        self.db.commit()  # no ATTACH inside a transaction
        self.db.execute("ATTACH DATABASE ? AS part", (str(part),))
        for table in ("pages", "deferred", "todo", "records"):
            self.db.execute(f"INSERT INTO {table} SELECT * FROM part.{table}")
        self.db.execute("INSERT OR IGNORE INTO seen SELECT * FROM part.seen")
        self.db.commit()
        self.db.execute("DETACH DATABASE part")
        part.unlink()

    def count_todo_bodies(self) -> int:
        """The article pages pass 2 reads (one per page and payload: see `todo`)."""
        return self.db.execute("SELECT count(*) FROM (SELECT 1 FROM todo GROUP BY src, src_offset, url)"
                               ).fetchone()[0]

    def count_articles(self) -> int:
        return self.db.execute("SELECT count(DISTINCT key) FROM pages").fetchone()[0]

    def count(self, table: str) -> int:
        return self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def articles(self) -> Iterator[tuple[str, list[PageResult]]]:
        """Each article's pages, its own page with its body; a page that turned out to be
        no article (pass 2 found no dated text where only that could tell) left out."""
        rows = self.db.execute(
            "SELECT p.key, p.data, b.data IS NOT NULL, b.data FROM pages p LEFT JOIN bodies b"
            " ON b.path = p.path AND b.offset = p.offset ORDER BY p.key, p.rowid")
        for key, group in itertools.groupby(rows, key=lambda row: row[0]):
            pages = []
            for _, data, has_body, body in group:
                page: PageResult = pickle.loads(data)
                if page.kind == "article" and has_body:
                    fields = pickle.loads(body)
                    if fields is None:
                        continue
                    page.article = fields
                pages.append(page)
            if pages:
                yield key, pages


@dataclass(frozen=True, slots=True)
class _BodyJob:
    """What pass 2 needs to read an article page's body: no second analysis of the page."""

    capture: Capture
    thread_xpath: str | None
    deep: bool
    confirm: bool
    meta: Any


class _Feeder:
    """Hands work to the pool in chunks as it is found, staging results in order; at most a
    few chunks per worker are in flight, so memory stays flat."""

    def __init__(self, pool: ProcessPoolExecutor, cfg: DatasetConfig, staging: _Staging,
                 tally: Tally, chunk_size: int, task: Any, progress: Progress | None = None) -> None:
        self.pool, self.staging, self.tally, self.chunk_size = pool, staging, tally, chunk_size
        self.task, self.progress = task, progress
        self.limits = (cfg.max_page_bytes, cfg.page_timeout)
        self.max_in_flight = 4 * cfg.n_workers
        self.chunk: list[Any] = []
        self.in_flight: deque[Future[Any]] = deque()

    def put(self, item: Any) -> None:
        self.chunk.append(item)
        if len(self.chunk) >= self.chunk_size:
            self._submit()

    def _submit(self) -> None:
        if self.chunk:
            self.in_flight.append(self.pool.submit(self.task, self.chunk, self.limits))
            self.chunk = []
        while self.in_flight and (len(self.in_flight) > self.max_in_flight
                                  or self.in_flight[0].done()):
            self._collect(self.in_flight.popleft())

    def drain(self) -> None:
        self._submit()
        while self.in_flight:
            self._collect(self.in_flight.popleft())

    def _collect(self, future: Future[Any]) -> None:
        results, tally = future.result()
        tally.log()
        self.tally.merge(tally)
        for item in results:
            if isinstance(item, PageResult):
                self.staging.add(item)
            else:
                self.staging.add_body(*item)
        if self.progress is not None:
            self.progress.advance(len(results))


_Part = tuple[int, Source, int, int | None]  # (source number, source, start, end)


def _tasks(sources: list[Source], workers: int) -> list[list[_Part]]:
    """Pass 1's tasks, in file order: byte ranges of big `.warc.gz` files one per task, small
    files several per task (up to MIN_RANGE bytes), still ~4 tasks per worker."""
    parts = [(i, s, a, b) for i, s in enumerate(sources) for a, b in split(s.path, workers)]
    small = sum(1 for _, s, a, b in parts if (a, b) == (0, None))
    per_task = max(1, min(MAX_FILES_PER_TASK, small // (4 * workers)))
    tasks: list[list[_Part]] = []
    batch: list[_Part] = []
    size = 0
    for part in parts:
        whole = (part[2], part[3]) == (0, None)
        nbytes = part[1].path.stat().st_size if whole else MIN_RANGE
        if batch and (not whole or len(batch) >= per_task or size + nbytes > MIN_RANGE):
            tasks.append(batch)
            batch, size = [], 0
        if not whole:
            tasks.append([part])
            continue
        batch.append(part)
        size += nbytes
    if batch:
        tasks.append(batch)
    return tasks


def _build(build: Path, sources: list[Source], cfg: DatasetConfig, tally: Tally,
           read_errors: list[WarcReadError]) -> tuple[dict[str, dict[str, int]], dict[str, Any]]:
    staging = _Staging(build / "staging.sqlite")
    seen: dict[int, Counter[str]] = {i: Counter() for i in range(len(sources))}  # records by type
    progress = Progress(cfg.progress_interval)
    try:
        with _pool(cfg.n_workers) as pool:
            _run_steps(pool, build, sources, cfg, staging, tally, read_errors, seen, progress)
        return _write(build, sources, cfg, staging, tally, read_errors, progress)
    finally:
        progress.close()


def _run_steps(pool: ProcessPoolExecutor, build: Path, sources: list[Source], cfg: DatasetConfig,
               staging: _Staging, tally: Tally, read_errors: list[WarcReadError],
               seen: dict[int, Counter[str]], progress: Progress) -> None:
    limits = (cfg.max_page_bytes, cfg.page_timeout)
    stats = tally.counts
    # Pass 1: each worker reads a byte range of a file (or several small files) and
    # analyses each page once, into its own SQLite part; permalink pages are only noted.
    tasks = _tasks(sources, cfg.n_workers)
    jobs = [pool.submit(_scan, task, build / f"part-{i:05d}.sqlite", limits)
            for i, task in enumerate(tasks)]
    logger.debug("Extraction workers: pids %s",
                 ", ".join(map(str, sorted(getattr(pool, "_processes", None) or {}))))
    # pyarrow imports pandas (~0.5 s) on its first table; do it while the workers work
    _start_preload("pandas")
    parts_left = Counter(number for task in tasks for number, *_ in task)
    progress.step("reading WARC files", sum(_task_bytes(t) for t in tasks), "B",
                  files=f"0/{len(parts_left)}", records=0, pages=0)
    for task, job in zip(tasks, jobs, strict=True):
        part, part_tally, errors, counted = job.result()
        part_tally.log()
        tally.merge(part_tally)
        read_errors.extend(errors)
        for i, counts in counted.items():
            seen[i].update(counts)
        staging.absorb(part)
        parts_left.subtract(number for number, *_ in task)
        progress.set(files=f"{sum(1 for left in parts_left.values() if not left)}/{len(parts_left)}")
        progress.advance(_task_bytes(task), records=sum(map(Counter.total, counted.values())),
                         pages=part_tally.counts["extract/pages"])
    # Revisits: each read as the page it repeats, from its original's payload (in the
    # inputs, or in WARC files beside them), analysed like the pages of pass 1.
    if revisits.pending(staging.db):
        local = {str(s.path): i for i, s in enumerate(sources)}
        for path in _revisit_pages(pool, build, sources, cfg, staging, tally):
            seen[local[path]]["page"] += 1
    _nothing_in(sources, seen, read_errors)
    # Pass 2: the articles' bodies (trafilatura), one page per task so the workers share
    # them evenly; then the permalink pages, which repeat a thread page: only those of a
    # comment no thread page had (deleted since, or its thread page not in the archive).
    bodies = _Feeder(pool, cfg, staging, tally, ARTICLE_CHUNK, _bodies, progress)
    shared = staging.count("todo")
    progress.step("article bodies", staging.count_todo_bodies(), " articles")
    for job in staging.todo():
        bodies.put(job)
        shared -= 1
    if shared:  # revisits of article pages: trafilatura once per payload
        stats["extract/bodies_shared"] = shared
    permalinks = _Feeder(pool, cfg, staging, tally, PERMALINK_CHUNK, _work)
    deferred = staging.count("deferred")
    for cap in staging.unseen_deferred():
        permalinks.put(cap)
        deferred -= 1
    bodies.drain()
    permalinks.drain()
    stats["extract/permalinks_skipped"] = deferred


def _task_bytes(task: list[_Part]) -> int:
    return sum((s.path.stat().st_size if end is None else end) - start for _, s, start, end in task)


def _write(build: Path, sources: list[Source], cfg: DatasetConfig, staging: _Staging, tally: Tally,
           read_errors: list[WarcReadError], progress: Progress,
           ) -> tuple[dict[str, dict[str, int]], dict[str, Any]]:
    stats = tally.counts
    report_read_errors(read_errors, stats, sources)
    crawl_of = crawls([s.path for s in sources])
    writer = DatasetWriter(build, cfg.splits, shard_bytes=cfg.shard_bytes, exports=cfg.exports)
    progress.step("writing the dataset", staging.count_articles(), " articles", comments=0)
    try:
        for key, pages in staging.articles():
            try:
                article, comments = assemble(key, pages, crawl_of)
            except Exception:
                stats["extract/articles_failed"] += 1
                logger.warning("Could not assemble article %s from %d page(s)", key, len(pages),
                               exc_info=True)
                continue
            count_article(stats, article, comments)
            writer.add(key, article, comments)
            progress.advance(1, comments=len(comments))
        staging.db.close()
        (build / "staging.sqlite").unlink()
        check_articles(stats, sources)
        counts = writer.close()
    except BaseException:
        writer.abort()
        raise
    named = sorted({c for c in crawl_of.values()}, key=lambda c: c.rank)
    return counts, {**writer.summary(), "crawls": [c.id for c in named]}


def report_read_errors(read_errors: list[WarcReadError], stats: Counter[str], sources: list[Source]) -> None:
    """Each place a file could not be read past, in file order, one ERROR line each; then
    NothingToPublish if not one HTML page was read."""
    read_errors.sort(key=lambda e: (str(e.path), e.offset))
    for err in read_errors:
        stats["extract/warc_errors"] += 1
        logger.error("%s; %s", err, "the records before and after it are published" if err.resumed
                     else "the records before it are published")
    if not stats["extract/captures"]:
        raise NothingToPublish(f"no HTML page (response, resource or revisit record) in "
                               f"{len(sources)} WARC file(s): {_source_names(sources)}")


def count_article(stats: Counter[str], article: dict[str, Any], comments: list[dict[str, Any]]) -> None:
    stats["extract/articles"] += 1
    stats["extract/comments"] += len(comments)
    stats[f"extract/comments_status/{article['comments_status']}"] += 1
    if article["text"] is None:
        stats["extract/articles_without_body"] += 1


def check_articles(stats: Counter[str], sources: list[Source]) -> None:
    """An empty dataset must never replace a good one."""
    if not stats["extract/articles"]:
        raise NothingToPublish(
            f"no article in {stats['extract/captures']} HTML page(s) of {len(sources)} WARC "
            f"file(s): {_source_names(sources)} ({stats['extract/pages_not_articles']} not "
            f"articles, {stats['extract/pages_failed']} failed)")


def _revisit_pages(pool: ProcessPoolExecutor, build: Path, sources: list[Source],
                   cfg: DatasetConfig, staging: _Staging, tally: Tally) -> list[str]:
    """Revisits resolved and staged as pages (returns the local files they are in); those left
    unresolved each named at INFO, and counted with the first few named in one WARNING."""
    stats = tally.counts
    feeder = _Feeder(pool, cfg, staging, tally, PERMALINK_CHUNK, _revisited)
    unresolved: list[tuple[revisits.Rec, str]] = []  # the first few, to name them
    pages: list[str] = []
    missing = _stage_revisits(revisits.resolve(staging.db), feeder, staging, stats, unresolved,
                              pages, final=False)
    if missing:
        beside = revisits.siblings(revisits.folders(staging.db), [s.path for s in sources])
        if beside:
            # a crawl's later files named alone: its earlier ones, beside them, hold the originals
            logger.info("Looking for the originals of %d revisit(s) in %d WARC file(s) beside "
                        "them: %s", missing, len(beside), _names(beside))
            jobs = [pool.submit(_index_range, path, a, b, build / f"beside-{i:05d}.sqlite")
                    for i, (path, a, b) in enumerate(
                        (path, a, b) for path in beside for a, b in split(path, cfg.n_workers))]
            for job in jobs:
                part, errors = job.result()
                for err in errors:  # not an input: its reader's error does not fail the publish
                    logger.warning("%s (read for revisits' originals only)", err)
                staging.absorb(part)
        # again: with the files beside them, or to name each one left unresolved
        unresolved.clear()
        missing = _stage_revisits(revisits.resolve(staging.db, revisits.RETRY), feeder, staging,
                                  stats, unresolved, pages, final=True)
    feeder.drain()
    if missing:
        stats["extract/revisits_unresolved"] = missing
        shown = "; ".join(f"{rev.where} ({why})" for rev, why in unresolved)
        more = f"; and {missing - len(unresolved)} more" if missing > len(unresolved) else ""
        logger.warning("%d revisit record(s) not published, their original payload not found: "
                       "%s%s", missing, shown, more)
    return pages


def _not_found(rev: revisits.Rec, why: str) -> None:
    logger.info("Revisit not published: %s (%s)", rev.where, why)


def _stage_revisits(found: Iterable[tuple[revisits.Rec, Capture | None, str | None]],
                    feeder: _Feeder, staging: _Staging, stats: Counter[str],
                    unresolved: list[tuple[revisits.Rec, str]], pages: list[str], *,
                    final: bool) -> int:
    """Pages of resolved revisits to the workers (permalink pages set aside, as in pass 1),
    their files added to `pages`; returns how many were not resolved (`final`: each named)."""
    missing = 0
    for rev, cap, why in found:
        if why is not None:
            missing += 1
            if len(unresolved) < 5:
                unresolved.append((rev, why))
            if final:
                _not_found(rev, why)
        elif cap is None:
            stats["extract/revisits_not_html"] += 1
        else:
            pages.append(rev.path)
            stats["extract/captures"] += 1
            stats["extract/revisits"] += 1
            if platforms.permalink_comment_id(cap.url) is not None:
                staging.defer(cap)  # read only for a comment no thread page had
            else:
                feeder.put(cap)
    return missing


def _index_range(path: Path, start: int, end: int | None, part: Path
                 ) -> tuple[Path, list[WarcReadError]]:
    """Worker: one byte range of a WARC file that is no input, read for its records' index only."""
    staging = _Staging(part)
    errors: list[WarcReadError] = []
    entries: list[IndexEntry] = []
    for _ in iter_responses(path, errors, start=start, end=end, body_for=lambda url: False,
                            index=entries.append):
        if len(entries) >= INDEX_BATCH:
            revisits.store(staging.db, entries, publish=False)
            entries.clear()
    revisits.store(staging.db, entries, publish=False)
    staging.db.commit()
    staging.db.close()
    return part, errors


def _scan(task: list[_Part], part: Path, limits: tuple[int, float]
          ) -> tuple[Path, Tally, list[WarcReadError], dict[int, Counter[str]]]:
    """Worker: a byte range of one WARC file, or several small files, read once, each page
    analysed once, into a SQLite part; with the records of each file counted by type."""
    max_bytes, timeout = limits
    staging = _Staging(part)
    tally = Tally()
    errors: list[WarcReadError] = []
    entries: list[IndexEntry] = []
    counted: dict[int, Counter[str]] = {}
    for number, source, start, end in task:
        seen = counted.setdefault(number, Counter())
        responses = iter_responses(source, errors, start=start, end=end, max_bytes=max_bytes,
                                   body_for=lambda url: platforms.permalink_comment_id(url) is None,
                                   index=entries.append, seen=seen)
        for cap, body, ctype in responses:
            if len(entries) >= INDEX_BATCH:
                revisits.store(staging.db, entries, publish=True)
                entries.clear()
            tally.counts["extract/captures"] += 1
            if body is None:
                staging.defer(cap)
            elif isinstance(body, str):  # its transfer or content coding did not decode
                tally.fail(cap, body)
            elif len(body) > max_bytes:
                tally.fail(cap, f"page larger than {max_bytes} bytes decoded")
            else:
                for result in _analysed([decode(cap, body, ctype)], timeout, tally, analyse):
                    staging.add(result)
    revisits.store(staging.db, entries, publish=True)
    staging.db.commit()
    staging.db.close()
    return part, tally, errors, counted


def _analysed(docs: Iterable[HtmlDoc | tuple[Capture, str]], timeout: float, tally: Tally,
              step: Callable[[HtmlDoc, Tally], PageResult | None]) -> Iterator[PageResult]:
    """A broken page costs that page: counted, reported with its WARC file and offset."""
    for item in docs:
        if isinstance(item, tuple):
            tally.fail(*item)
            continue
        try:
            with time_limit(timeout):
                result = step(item, tally)
        except Exception as exc:  # noqa: BLE001 - the per-record boundary: count, log, go on
            tally.fail(item.capture, f"{type(exc).__name__}: {exc}")
            continue
        if result is not None:
            yield result


def _start_preload(module: str) -> None:
    """`_preload` in a thread that never takes Ctrl-C or SIGTERM. The kernel hands a signal
    for the process to any thread not blocking it; one that lands here wakes no wait of the
    main thread, and Python runs its handler only when the main thread next runs Python code
    (after a long wait: a late interrupt). Blocked here, it goes to the main thread."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        threading.Thread(target=_preload, args=(module,), daemon=True).start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _preload(module: str) -> None:
    with contextlib.suppress(ImportError):
        import_module(module)


@contextlib.contextmanager
def _pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """Workers that never outlive the publish: killed when it fails or is interrupted (a
    SIGTERM or Ctrl-C must not wait for a 30 s page), and by the kernel if it is killed."""
    context = _mp_context()
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init,
                               initargs=(os.getpid(),))
    try:
        if context.get_start_method() == "fork":
            # every worker forks on the first task: with SIGINT blocked, so that a Ctrl-C
            # while one forks (in a library's at-fork hook, filelock's, before the worker
            # ignores SIGINT) stays the parent's, not a traceback in the child
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                pool.submit(os.getpid)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        yield pool
    except BaseException:
        procs = list((getattr(pool, "_processes", None) or {}).values())
        for proc in procs or multiprocessing.active_children():
            with contextlib.suppress(OSError, ValueError):
                proc.kill()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


_PR_SET_PDEATHSIG = 1


def _worker_init(parent: int) -> None:
    """Linux: the kernel kills this worker when the publish dies (SIGKILL included); one
    that finds its parent already gone exits at once."""
    # Ctrl-C is the parent's: it stops the workers (first thing: a Ctrl-C while this worker
    # starts must not print its traceback)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C pending since the fork: dropped
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def _mp_context() -> multiprocessing.context.BaseContext:
    """Fork when this process has no other thread (the `publish` command): workers start at
    once with trafilatura already imported. Spawn otherwise (publishing at the end of a crawl
    runs in a thread beside the reactor, and forking a threaded process can deadlock). fsspec's
    idle IO thread (any datatrove DataFolder starts it) does not count: fsspec resets it in a
    forked child."""
    others = [t for t in threading.enumerate()
              if t is not threading.main_thread() and t.name != "fsspecIO"]
    if (threading.current_thread() is threading.main_thread() and not others
            and "fork" in multiprocessing.get_all_start_methods()):
        import trafilatura  # noqa: F401  - imported once here, inherited by every worker

        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _url_key(url: str) -> str:
    """Permalinks compared as a browser would: no fragment, scheme and host in lower case."""
    parts = urlsplit(urldefrag(url)[0])
    return parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()


def _work(chunk: list[Capture], limits: tuple[int, float]) -> tuple[list[PageResult], Tally]:
    """Worker: pages read by offset (the permalink pages pass 1 set aside), analysed whole."""
    max_bytes, timeout = limits
    tally = Tally()
    results = list(_analysed(read_html(chunk, max_bytes), timeout, tally, extract_page))
    return results, tally


def _revisited(chunk: list[Capture], limits: tuple[int, float]) -> tuple[list[PageResult], Tally]:
    """Worker: revisits' pages, read from their originals' records, analysed as in pass 1."""
    max_bytes, timeout = limits
    tally = Tally()
    return list(_analysed(read_html(chunk, max_bytes), timeout, tally, analyse)), tally


def _bodies(chunk: list[_BodyJob], limits: tuple[int, float]
            ) -> tuple[list[tuple[Capture, dict[str, Any] | None]], Tally]:
    """Worker: the bodies of article pages analysed in pass 1 (trafilatura only)."""
    max_bytes, timeout = limits
    tally = Tally()
    jobs = {(job.capture.path, job.capture.offset): job for job in chunk}
    out: list[tuple[Capture, dict[str, Any] | None]] = []
    for doc in read_html([job.capture for job in chunk], max_bytes):
        if isinstance(doc, tuple):  # unreadable now: a page that needed its body goes
            cap, reason = doc
            if jobs[(cap.path, cap.offset)].confirm:
                tally.fail(cap, reason)
                out.append((cap, None))
            else:
                tally.no_body(cap, reason)
            continue
        job = jobs[(doc.capture.path, doc.capture.offset)]
        try:
            with time_limit(timeout):
                fields = body_fields(doc, job.thread_xpath, deep=job.deep)
        except Exception as exc:  # noqa: BLE001 - the per-record boundary: count, log, go on
            reason = f"{type(exc).__name__}: {exc}"
            if job.confirm:  # only its body could have made it an article
                tally.fail(doc.capture, reason)
                out.append((doc.capture, None))
                continue
            tally.no_body(doc.capture, reason)
            fields = None
        if job.confirm and not confirmed(fields, doc.capture.url):
            tally.not_article(doc.capture, NO_SIGNS)
            out.append((doc.capture, None))
        else:
            out.append((doc.capture, merge_fields(job.meta, fields)))
    return out, tally
