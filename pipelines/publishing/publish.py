"""WARC files in, a Hugging Face dataset folder out: deterministic, parallel, atomic."""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import pickle
import shutil
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipelines import platforms
from pipelines.extraction.assemble import assemble
from pipelines.extraction.pages import PageResult, extract_page, time_limit
from pipelines.extraction.warc import Capture, WarcReadError, find_warcs, read_html, scan

from .card import write_card
from .config import DatasetConfig
from .parquet import DatasetWriter

logger = logging.getLogger(__name__)
CHUNK = 16  # pages per task: enough to amortise the round trip, small enough to balance


class NothingToPublish(Exception):
    """No WARC file, or no HTML response in them: the existing dataset is left alone."""


@dataclass
class PublishReport:
    directory: Path
    warcs: list[Path]
    counts: dict[str, dict[str, int]]  # config -> split -> rows
    stats: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


def publish(inputs: Iterable[str | Path], cfg: DatasetConfig) -> PublishReport:
    warcs = find_warcs(inputs)
    if not warcs:
        raise NothingToPublish(f"no WARC files (*.warc, *.warc.gz) in {', '.join(map(str, inputs))}")
    stats: Counter[str] = Counter()
    read_errors: list[WarcReadError] = []
    captures = [c for path in warcs for c in scan(path, read_errors)]
    for err in read_errors:
        stats["extract/warc_errors"] += 1
        logger.error("%s; the records before it are published", err)
    if not captures:
        raise NothingToPublish(f"no HTML responses in {len(warcs)} WARC file(s)")
    stats["extract/captures"] = len(captures)
    cfg.directory.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{cfg.directory.name}.tmp-", dir=cfg.directory.parent))
    try:
        counts, summary = _build(build, captures, cfg, stats)
        write_card(build, cfg, counts, summary, warcs)
        _swap_in(build, cfg.directory)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return PublishReport(cfg.directory, warcs, counts, stats, [str(e) for e in read_errors])


def _build(build: Path, captures: list[Capture], cfg: DatasetConfig, stats: Counter[str]
           ) -> tuple[dict[str, dict[str, int]], dict[str, Any]]:
    staging = sqlite3.connect(build / "staging.sqlite")
    staging.execute("CREATE TABLE pages (key TEXT, data BLOB)")
    # Permalink pages repeat a thread page; read one only for a comment no thread page had.
    direct, deferred = [], []
    for cap in captures:
        (deferred if _permalink_id(cap.url) else direct).append(cap)
    seen: set[tuple[str | None, str]] = set()
    ctx = multiprocessing.get_context("spawn")  # no fork of a process running a reactor
    with ProcessPoolExecutor(cfg.n_workers, mp_context=ctx) as pool:
        for results in _run(pool, direct, cfg, stats):
            _stage(staging, results, seen)
        missing = [c for c in deferred if (urlsplit(c.url).hostname, _permalink_id(c.url)) not in seen]
        stats["extract/permalinks_skipped"] = len(deferred) - len(missing)
        for results in _run(pool, missing, cfg, stats):
            _stage(staging, results, seen)
    staging.commit()
    writer = DatasetWriter(build, cfg.splits)
    rows = staging.execute("SELECT key, data FROM pages ORDER BY key")
    for key, group in itertools.groupby(rows, key=lambda row: row[0]):
        pages = [pickle.loads(data) for _, data in group]
        article, comments = assemble(key, pages)
        stats["extract/articles"] += 1
        stats["extract/comments"] += len(comments)
        if article["text"] is None:
            stats["extract/articles_without_body"] += 1
        writer.add(key, article, comments)
    staging.close()
    (build / "staging.sqlite").unlink()
    counts = writer.close()
    return counts, {"hosts": writer.hosts, "fetched": writer.fetched, "nbytes": writer.nbytes}


def _permalink_id(url: str) -> str | None:
    for platform in platforms.PLATFORMS:
        if (cid := platform.permalink_comment_id(url)) is not None:
            return cid
    return None


def _stage(db: sqlite3.Connection, results: list[PageResult], seen: set[tuple[str | None, str]]) -> None:
    for r in results:
        host = urlsplit(r.capture.url).hostname
        seen.update((host, c.comment_id) for c in r.comments)
        db.execute("INSERT INTO pages VALUES (?, ?)", (r.key, pickle.dumps(r, protocol=5)))


def _run(pool: ProcessPoolExecutor, captures: list[Capture], cfg: DatasetConfig,
         stats: Counter[str]) -> Iterator[list[PageResult]]:
    chunks = [captures[i:i + CHUNK] for i in range(0, len(captures), CHUNK)]
    jobs = pool.map(_work, chunks, itertools.repeat((cfg.max_page_bytes, cfg.page_timeout)))
    for results, failures, counts in jobs:
        stats.update(counts)
        for cap, reason in failures:
            logger.warning("Skipped %s@%d %s: %s", cap.warc_file, cap.offset, cap.url, reason)
        yield results


def _work(chunk: list[Capture], limits: tuple[int, float]
          ) -> tuple[list[PageResult], list[tuple[Capture, str]], Counter[str]]:
    """Worker process: a broken page costs that page, never the chunk."""
    max_bytes, timeout = limits
    results: list[PageResult] = []
    failures: list[tuple[Capture, str]] = []
    counts: Counter[str] = Counter()
    for item in read_html(chunk, max_bytes):
        if isinstance(item, tuple):
            counts["extract/pages_failed"] += 1
            failures.append(item)
            continue
        try:
            with time_limit(timeout):
                result = extract_page(item)
        except Exception as exc:  # noqa: BLE001 - the per-record boundary: count, log, go on
            counts["extract/pages_failed"] += 1
            failures.append((item.capture, f"{type(exc).__name__}: {exc}"))
            continue
        counts["extract/pages"] += 1
        if result is None:
            counts["extract/pages_empty"] += 1
        else:
            results.append(result)
    return results, failures, counts


def _swap_in(build: Path, target: Path) -> None:
    """Replace `target` with `build` so a reader sees the old dataset or the new one."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{build.name.rsplit('-', 1)[-1]}")
        target.rename(old)
    try:
        build.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
