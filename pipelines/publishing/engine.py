"""publish.py's steps on Hugging Face datatrove's executors (DATASET_ENGINE=datatrove): its local one,
its Ray one with DATASET_EXECUTOR=ray (cluster.py), its Slurm one with DATASET_EXECUTOR=slurm
(slurm.py).

Step 1, `Scan`: one datatrove task per byte range of a WARC file (or several small files),
publish.py's `_tasks`: each page read and analysed once (`_scan`), into a SQLite part whose
pages are tagged with a bucket, a hash of their article key (BUCKETS buckets, whatever the
number of tasks or workers).
Between the steps, in this process: what needs every part (revisits matched to their originals,
permalink pages no thread page had) is resolved on the parts' small index tables; those pages
are analysed by `Analyse` tasks on the same executor, into more parts.
Step 2, `Assemble`: one task per bucket: its pages from every part (in the order the pool
engine stages them), the article bodies (trafilatura), each article assembled; rows pickled
into the bucket's output, sorted by article key.
Then the buckets' rows are merged by key into one DatasetWriter: the same rows in the same
order as the pool engine writes them, so the same bytes whatever the workers and tasks.

datatrove's `logging_dir` (completions, per-task logs and stats) is inside the build folder and
removed with it; its loguru output goes to the task log files and to our log at DEBUG.

What each task needs is in files it reads by its rank (`tasks-NNNNN.pickle`, `jobs-NNNNN.pickle`,
`inputs.pickle`): a task submitted to the pool pickles only the executor and its step, the same
bytes (under 1 KB) whatever the number of tasks. datatrove changes process-wide state around a
task (every loguru handler removed, `DATATROVE_*` environment variables, `sys.stderr` redirected
by us): `_contained` gives each task a loguru core of its own and puts the rest back after it,
so a publish in this process leaves its host's logging and environment as they were.
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import os
import pickle
import shutil
import sqlite3
import threading
import time
import traceback
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path
from typing import Any

from loguru import logger as trove_logger
from loguru._logger import Core as LoguruCore

from pipelines.extraction import revisits
from pipelines.extraction.assemble import assemble
from pipelines.extraction.crawls import Crawl, crawls
from pipelines.extraction.pages import PageResult, Tally
from pipelines.extraction.warc import Capture, Source, WarcReadError

from .config import DatasetConfig
from .parquet import DatasetWriter
from .progress import Progress
from .publish import (
    _bodies,
    _index_range,
    _nothing_in,
    _pool,
    _revisit_pages,
    _revisited,
    _scan,
    _Staging,
    _start_preload,
    _task_bytes,
    _tasks,
    _work,
    check_articles,
    count_article,
    report_read_errors,
)

# datatrove's import resets loguru (`setup_default_logger`: every handler removed): on a core of
# its own, so that the host process keeps its handlers
_host_core, trove_logger._core = trove_logger._core, LoguruCore()
try:
    from datatrove.executor.local import LocalPipelineExecutor
    from datatrove.pipeline.base import PipelineStep
finally:
    trove_logger._core = _host_core

logger = logging.getLogger(__name__)
BUCKETS = 16  # step 2's tasks: article keys hashed into this many, whatever the workers
PAGES_PER_TASK = 64  # revisit and permalink pages analysed by one task
_Counts = dict[str, dict[str, int]]


def bucket_of(key: str) -> int:
    """A stable hash (not Python's salted `hash`): the same bucket in every process."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % BUCKETS


def build(build_dir: Path, sources: list[Source], cfg: DatasetConfig, tally: Tally,
          read_errors: list[WarcReadError]) -> tuple[_Counts, dict[str, Any]]:
    """publish.py's `_build` on datatrove: the same arguments, results and dataset bytes."""
    work = build_dir / ".datatrove"  # logging_dir and parts: in the build folder, never swapped in
    work.mkdir()
    progress = Progress(cfg.progress_interval)
    ray = False
    try:
        if cfg.executor == "ray":
            from . import cluster

            ray = cluster.connect(cfg)
        elif cfg.executor == "slurm":
            from . import slurm

            slurm.check(cfg, work)
        if cfg.executor != "local":  # tasks run on other nodes, in other folders: absolute paths
            sources = [replace(s, path=s.path.resolve()) for s in sources]
        return _run(work, build_dir, sources, cfg, tally, read_errors, progress)
    finally:
        progress.close()
        if ray:
            cluster.disconnect()
        shutil.rmtree(work, ignore_errors=True)


def _run(work: Path, build_dir: Path, sources: list[Source], cfg: DatasetConfig, tally: Tally,
         read_errors: list[WarcReadError], progress: Progress) -> tuple[_Counts, dict[str, Any]]:
    limits = (cfg.max_page_bytes, cfg.page_timeout)
    stats = tally.counts
    tasks = _tasks(sources, cfg.n_workers)
    logger.info("datatrove: step 1 (read and analyse) as %d task(s) on %d worker(s), step 2 "
                "(bodies and assembly) as %d bucket task(s)", len(tasks), cfg.n_workers, BUCKETS)
    scan = work / "scan"
    scan.mkdir()
    for rank, task in enumerate(tasks):  # each task reads its own: no submission holds them all
        _save(scan / f"tasks-{rank:05d}.pickle", task)
    seen: dict[int, Counter[str]] = {i: Counter() for i in range(len(sources))}  # records by type
    parts_left = Counter(number for task in tasks for number, *_ in task)
    progress.step("reading WARC files", sum(_task_bytes(t) for t in tasks), "B",
                  files=f"0/{len(parts_left)}", records=0, pages=0)

    def scanned(rank: int) -> None:
        part_tally, errors, counted = _load(scan / f"part-{rank:05d}.result")
        part_tally.log()
        tally.merge(part_tally)
        read_errors.extend(errors)
        for i, counts in counted.items():
            seen[i].update(counts)
        parts_left.subtract(number for number, *_ in tasks[rank])
        progress.set(files=f"{sum(1 for left in parts_left.values() if not left)}/{len(parts_left)}")
        progress.advance(_task_bytes(tasks[rank]), records=sum(map(Counter.total, counted.values())),
                         pages=part_tally.counts["extract/pages"])

    _execute(Scan(str(scan), limits), work / "logs-scan", len(tasks), cfg, on_done=scanned)
    parts = [scan / f"part-{rank:05d}.sqlite" for rank in range(len(tasks))]
    # What needs every part: the parts' index tables gathered (no page data), in task order
    index = _Staging(work / "index.sqlite")
    for part in parts:
        _absorb_index(index, part)
    if revisits.pending(index.db):
        local = {str(s.path): i for i, s in enumerate(sources)}
        found = _Jobs(work / "revisits")
        for path in _revisit_pages(_Dispatch(found), build_dir, sources, cfg, index, tally):
            seen[local[path]]["page"] += 1
        parts += _analyse(work, found, _revisited, limits, cfg, tally, index)
    _nothing_in(sources, seen, read_errors)
    deferred = index.count("deferred")
    unseen = _Jobs(work / "permalinks")
    for cap in index.unseen_deferred():
        unseen.put(cap)
        deferred -= 1
    parts += _analyse(work, unseen, _work, limits, cfg, tally, index)
    stats["extract/permalinks_skipped"] = deferred
    index.db.close()
    (work / "index.sqlite").unlink()
    report_read_errors(read_errors, stats, sources)
    crawl_of = crawls([s.path for s in sources])
    out = work / "buckets"
    out.mkdir()
    _save(out / "inputs.pickle", ([str(p) for p in parts], crawl_of))  # read by each bucket's task
    shared = rows = 0
    progress.step("article bodies and assembly", BUCKETS, " buckets", articles=0)

    def assembled(bucket: int) -> None:
        nonlocal shared, rows
        bucket_tally, bucket_shared, n = _load(out / f"bucket-{bucket:03d}.result")
        bucket_tally.log()
        tally.merge(bucket_tally)
        shared += bucket_shared
        rows += n
        progress.advance(1, articles=n)

    _execute(Assemble(str(out), limits), work / "logs-assemble", BUCKETS, cfg, preload=True,
             on_done=assembled)
    if shared:  # revisits of article pages: trafilatura once per payload
        stats["extract/bodies_shared"] = shared
    # every bucket is done: the parts are no longer needed (a bucket run again would need them)
    logger.debug("datatrove: parts %d bytes, buckets %d bytes on disk", _bytes(*parts),
                 _bytes(*out.glob("bucket-*.sqlite")))
    for folder in {part.parent for part in parts}:
        shutil.rmtree(folder)
    progress.step("writing the dataset", rows, " articles", comments=0)
    return _write(build_dir, out, cfg, stats, sources, crawl_of, progress)


def _bytes(*paths: Path) -> int:
    return sum(path.stat().st_size for path in paths)


def _write(build_dir: Path, out: Path, cfg: DatasetConfig, stats: Counter[str], sources: list[Source],
           crawl_of: dict[str, Crawl], progress: Progress) -> tuple[_Counts, dict[str, Any]]:
    """The buckets' rows merged by article key: the pool engine's order, one writer."""
    writer = DatasetWriter(build_dir, cfg.splits, shard_bytes=cfg.shard_bytes, exports=cfg.exports)
    dbs = [sqlite3.connect(out / f"bucket-{b:03d}.sqlite") for b in range(BUCKETS)]
    try:
        rows = heapq.merge(*(db.execute("SELECT key, pages, data, error FROM rows ORDER BY rowid")
                             for db in dbs), key=lambda row: row[0])
        for key, n_pages, data, error in rows:
            if error is not None:
                stats["extract/articles_failed"] += 1
                logger.warning("Could not assemble article %s from %d page(s)\n%s", key, n_pages,
                               error.rstrip())
                progress.advance(1)
                continue
            article, comments = pickle.loads(data)
            count_article(stats, article, comments)
            writer.add(key, article, comments)
            progress.advance(1, comments=len(comments))
        for db in dbs:
            db.close()
        shutil.rmtree(out)  # as the pool engine drops its staging before the last shards
        check_articles(stats, sources)
        counts = writer.close()
    except BaseException:
        writer.abort()
        raise
    finally:
        for db in dbs:
            db.close()
    named = sorted(set(crawl_of.values()), key=lambda c: c.rank)
    return counts, {**writer.summary(), "crawls": [c.id for c in named]}


class Scan(PipelineStep):
    """Step 1: task `rank` reads its byte range(s) and analyses each page once (publish.py's
    `_scan`), into `part-{rank}.sqlite` with each page's bucket noted."""

    name, type = "scan WARC ranges", "threadwarc"

    def __init__(self, folder: str, limits: tuple[int, float]) -> None:
        super().__init__()
        self.folder, self.limits = folder, limits  # its byte ranges: in `tasks-{rank}.pickle`

    def run(self, data: Any = None, rank: int = 0, world_size: int = 1) -> Any:
        part = Path(self.folder) / f"part-{rank:05d}.sqlite"
        part.unlink(missing_ok=True)  # a task run again (its worker killed) starts afresh
        _, tally, errors, counted = _scan(_load(part.with_name(f"tasks-{rank:05d}.pickle")), part,
                                          self.limits)
        _tag_buckets(part)
        self.stat_update("records", value=sum(sum(c.values()) for c in counted.values()))
        _save(part.with_suffix(".result"), (tally, errors, counted))
        return data


class Analyse(PipelineStep):
    """Pages found between the steps (revisits, permalink pages), analysed by the pool
    engine's worker function `task`, a slice of them per task, into a part each."""

    name, type = "analyse pages", "threadwarc"

    def __init__(self, folder: str, task: Callable[..., tuple[list[PageResult], Tally]],
                 limits: tuple[int, float]) -> None:
        super().__init__()
        self.folder, self.task, self.limits = folder, task, limits

    def run(self, data: Any = None, rank: int = 0, world_size: int = 1) -> Any:
        folder = Path(self.folder)
        part = folder / f"part-{rank:05d}.sqlite"
        part.unlink(missing_ok=True)
        results, tally = self.task(_load(folder / f"jobs-{rank:05d}.pickle"), self.limits)
        staging = _Staging(part)
        for result in results:
            staging.add(result)
        staging.db.commit()
        staging.db.close()
        _tag_buckets(part)
        self.stat_update("pages", value=len(results))
        _save(part.with_suffix(".result"), tally)
        return data


class Assemble(PipelineStep):
    """Step 2: bucket `rank`'s pages gathered from every part, in the parts' order; the bodies
    of its article pages (trafilatura); each article assembled; rows sorted by key. The parts
    and the crawls of the files are in `inputs.pickle`, read by each task."""

    name, type = "bodies and assembly", "threadwarc"

    def __init__(self, folder: str, limits: tuple[int, float]) -> None:
        super().__init__()
        self.folder, self.limits = folder, limits

    def run(self, data: Any = None, rank: int = 0, world_size: int = 1) -> Any:
        folder = Path(self.folder)
        parts, crawl_of = _load(folder / "inputs.pickle")
        staged = folder / f"staging-{rank:03d}.sqlite"
        out = folder / f"bucket-{rank:03d}.sqlite"
        for path in (staged, out):
            path.unlink(missing_ok=True)
        staging = _Staging(staged)
        for part in parts:
            _gather(staging, Path(part), rank)
        tally = Tally()
        shared = staging.count("todo")
        for job in staging.todo():
            found, job_tally = _bodies([job], self.limits)
            tally.merge(job_tally)
            for cap, fields in found:
                staging.add_body(cap, fields)
            shared -= 1
        db = sqlite3.connect(out)
        db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                         "CREATE TABLE rows (key TEXT, pages INTEGER, data BLOB, error TEXT);")
        n = 0
        for key, pages in staging.articles():
            try:
                row = (key, len(pages), pickle.dumps(assemble(key, pages, crawl_of), protocol=5), None)
            except Exception:  # noqa: BLE001 - one article: named by the merge, the rest go on
                row = (key, len(pages), None, traceback.format_exc())
            db.execute("INSERT INTO rows VALUES (?, ?, ?, ?)", row)
            n += 1
        db.commit()
        db.close()
        staging.db.close()
        staged.unlink()
        self.stat_update("articles", value=n)
        _save(out.with_suffix(".result"), (tally, shared, n))
        return data


def _tag_buckets(part: Path) -> None:
    """Each page's bucket, and its body job's (the page's): step 2 selects by them."""
    db = sqlite3.connect(part)
    db.create_function("bucket", 1, bucket_of, deterministic=True)
    db.executescript(
        "CREATE TABLE pages_bucket (rid INTEGER PRIMARY KEY, b INTEGER);"
        "INSERT INTO pages_bucket SELECT rowid, bucket(key) FROM pages;"
        "CREATE INDEX pages_b ON pages_bucket (b);"
        "CREATE INDEX pages_at ON pages (path, offset);"
        "CREATE TABLE todo_bucket (rid INTEGER PRIMARY KEY, b INTEGER);"
        "INSERT INTO todo_bucket SELECT t.rowid, bucket(p.key) FROM todo t"
        " JOIN pages p ON p.path = t.path AND p.offset = t.offset;"
        "CREATE INDEX todo_b ON todo_bucket (b);")
    db.commit()
    db.close()


def _gather(staging: _Staging, part: Path, bucket: int) -> None:
    """One part's pages and body jobs of this bucket, appended in the part's order."""
    staging.db.commit()  # no ATTACH inside a transaction
    staging.db.execute("ATTACH DATABASE ? AS part", (str(part),))
    for table in ("pages", "todo"):
        staging.db.execute(f"INSERT INTO {table} SELECT t.* FROM part.{table} t JOIN part.{table}_bucket x"
                           f" ON x.rid = t.rowid WHERE x.b = ? ORDER BY t.rowid", (bucket,))
    staging.db.commit()
    staging.db.execute("DETACH DATABASE part")


def _absorb_index(index: _Staging, part: Path) -> None:
    """A part's records (for revisits), permalink pages set aside and comment permalinks seen:
    small rows, no page data."""
    index.db.commit()
    index.db.execute("ATTACH DATABASE ? AS part", (str(part),))
    for table in ("deferred", "records"):
        index.db.execute(f"INSERT INTO {table} SELECT * FROM part.{table} ORDER BY rowid")
    index.db.execute("INSERT OR IGNORE INTO seen SELECT * FROM part.seen")
    index.db.commit()
    index.db.execute("DETACH DATABASE part")


class _Jobs:
    """Pages for `Analyse` tasks, written to disk PAGES_PER_TASK at a time as they are found
    (memory does not grow with their number); task `rank` reads file `rank`."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.chunk, self.tasks = folder, [], 0

    def put(self, cap: Capture) -> None:
        self.chunk.append(cap)
        if len(self.chunk) >= PAGES_PER_TASK:
            self.flush()

    def flush(self) -> None:
        if self.chunk:
            self.folder.mkdir(exist_ok=True)
            _save(self.folder / f"jobs-{self.tasks:05d}.pickle", self.chunk)
            self.chunk, self.tasks = [], self.tasks + 1


class _Dispatch:
    """What publish.py's `_revisit_pages` hands its pool: the revisits' pages (`_revisited`)
    are kept, in order, for `Analyse` tasks; the index of files beside the inputs is read here."""

    def __init__(self, jobs: _Jobs) -> None:
        self.jobs = jobs

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        done: Future[Any] = Future()
        if fn is _revisited:
            for cap in args[0]:
                self.jobs.put(cap)
            done.set_result(([], Tally()))
        else:
            assert fn is _index_range, fn  # the only other task it submits
            done.set_result(fn(*args))
        return done


def _analyse(work: Path, jobs: _Jobs, task: Callable[..., Any], limits: tuple[int, float],
             cfg: DatasetConfig, tally: Tally, index: _Staging) -> list[Path]:
    """The pages in `jobs` analysed by `Analyse` tasks; their comments' permalinks noted as
    seen. Returns their parts, in order."""
    jobs.flush()
    if not jobs.tasks:
        return []
    folder = jobs.folder
    _execute(Analyse(str(folder), task, limits), work / f"logs-{folder.name}", jobs.tasks, cfg)
    parts = []
    for rank in range(jobs.tasks):
        part = folder / f"part-{rank:05d}.sqlite"
        part_tally: Tally = _load(part.with_suffix(".result"))
        part_tally.log()
        tally.merge(part_tally)
        index.db.commit()
        index.db.execute("ATTACH DATABASE ? AS part", (str(part),))
        index.db.execute("INSERT OR IGNORE INTO seen SELECT * FROM part.seen")
        index.db.commit()
        index.db.execute("DETACH DATABASE part")
        parts.append(part)
    return parts


class Executor(LocalPipelineExecutor):
    """datatrove's local executor (its ranks, `logging_dir`, per-task logs and stats, completion
    markers, `skip_completed`), running the ranks on publish.py's process pool: a worker killed
    breaks that pool at once (BrokenProcessPool), where datatrove's `multiprocess` Pool would
    wait forever for the rank the dead worker held. The unfinished ranks are then run once more,
    the completed ones skipped, as datatrove reruns a job; a second death fails the publish."""

    def __init__(self, *args: Any, preload: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.preload = preload

    def run(self, on_done: Callable[[int], None] = lambda rank: None) -> None:
        """`on_done(rank)` in this process as each task completes, in rank order (a task a
        dead worker's pool had completed: after the rerun); never pickled with the tasks."""
        done: set[int] = set()
        for attempt in (1, 2):
            ranks = self.get_incomplete_ranks(range(self.tasks))
            try:
                self._run_ranks(ranks, on_done, done)
                break
            except BrokenProcessPool as exc:
                if attempt == 2:
                    raise
                logger.warning("A datatrove worker died (%s); running its unfinished task(s) again",
                               exc)
        if left := self.get_incomplete_ranks(range(self.tasks)):
            raise RuntimeError(f"datatrove tasks {left} did not complete")
        for rank in range(self.tasks):
            if rank not in done:
                on_done(rank)

    def _run_for_rank(self, rank: int, local_rank: int = 0, node_rank: int = -1) -> Any:
        """datatrove's, contained (`_contained`): its stderr lines (a failed task's traceback
        too: the publish reports the failure) to our log at DEBUG; all of them are in the
        task's log file as well."""
        with _contained():
            return super()._run_for_rank(rank, local_rank, node_rank)

    def _run_ranks(self, ranks: list[int], on_done: Callable[[int], None], done: set[int]) -> None:
        if not ranks:
            return
        if self.workers == 1 and threading.current_thread() is threading.main_thread():
            for rank in ranks:  # in this process (SIGALRM page timeouts need the main thread)
                self._run_for_rank(rank, 1)
                done.add(rank)
                on_done(rank)
            return
        with _pool(min(self.workers, len(ranks))) as pool:
            jobs = [pool.submit(self._run_for_rank, rank, 1) for rank in ranks]
            logger.debug("datatrove workers: pids %s",
                         ", ".join(map(str, sorted(getattr(pool, "_processes", None) or {}))))
            logger.debug("datatrove: %s: %d bytes pickled per task submitted", self.pipeline[0].name,
                         len(pickle.dumps((self._run_for_rank, ranks[0], 1))))
            if self.preload:  # pyarrow imports pandas (~0.5 s) for the writer: while workers work
                _start_preload("pandas")
            for rank, job in zip(ranks, jobs, strict=True):
                job.result()
                done.add(rank)
                on_done(rank)


def _execute(step: PipelineStep, logging_dir: Path, tasks: int, cfg: DatasetConfig, *,
             preload: bool = False, on_done: Callable[[int], None] = lambda rank: None) -> None:
    # local_rank 1 (not 0) in _run_ranks: a task's loguru logs go to its file in logging_dir,
    # only errors to stderr
    started = time.perf_counter()
    if cfg.executor == "ray":
        from .cluster import execute

        execute(step, logging_dir, tasks, cfg, on_done)
    elif cfg.executor == "slurm":
        from .slurm import execute as on_slurm

        on_slurm(step, logging_dir, tasks, cfg, on_done)
    else:
        Executor([step], tasks=tasks, workers=min(cfg.n_workers, tasks), logging_dir=str(logging_dir),
                 skip_completed=True, preload=preload).run(on_done)
    logger.debug("datatrove: %s: %d task(s) in %.2f s", step.name, tasks, time.perf_counter() - started)


class _DebugLines:
    """A stream for datatrove's task logger: each line to our log at DEBUG."""

    def write(self, text: str) -> int:
        if text.strip():
            logger.debug("datatrove: %s", text.rstrip())
        return len(text)

    def flush(self) -> None:
        pass


def _to_logging(message: Any) -> None:
    record = message.record
    logger.debug("datatrove: %s", record["message"])


@contextlib.contextmanager
def _contained() -> Iterator[None]:
    """One datatrove task's process-wide changes undone after it: loguru on a core of its own
    (datatrove's task logger removes every handler, then adds its own: the host's are never
    touched, and see none of its lines), its `DATATROVE_*` environment variables, sys.stderr
    (its stderr sink: our log at DEBUG)."""
    env = {key: value for key, value in os.environ.items() if key.startswith("DATATROVE_")}
    host, trove_logger._core = trove_logger._core, LoguruCore()
    trove_logger.add(_to_logging, level="DEBUG", format="{message}")  # lines before its own
    try:
        with contextlib.redirect_stderr(_DebugLines()):
            yield
    finally:
        trove_logger._core = host
        for key in [key for key in os.environ if key.startswith("DATATROVE_") and key not in env]:
            del os.environ[key]
        os.environ.update(env)


def _save(path: Path, obj: Any) -> None:
    """Written whole, then renamed: a task killed midway leaves no result that looks done."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_bytes(pickle.dumps(obj, protocol=5))
    tmp.rename(path)


def _load(path: Path) -> Any:
    return pickle.loads(path.read_bytes())
