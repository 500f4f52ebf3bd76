"""Rows to Parquet: one writer per config and split, explicit schemas, bounded buffers."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from .schema import SCHEMAS

BATCH_ROWS = 1000


def split_of(key: str, splits: tuple[tuple[str, float], ...]) -> str:
    """Thread-level and stable: the article URL's hash decides, for it and all its comments."""
    point = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") / 2**64
    total = 0.0
    for name, ratio in splits:
        total += ratio
        if point < total:
            return name
    return splits[-1][0]


def shard_name(split: str, digest: str | None = None) -> str:
    """`train-00000-of-00001-<digest>.parquet` once written: the content's digest in the name
    (as `datasets`' own push_to_hub once named shards) keeps `datasets`' cache honest. It keys
    a local dataset's cache on the folder's name and the card's relative file paths, not on
    the files: a dataset republished in place, or another one in a folder of the same name,
    would otherwise load from the cache of the first one loaded."""
    return f"{split}-00000-of-00001{'-' + digest if digest else ''}.parquet"


class DatasetWriter:
    def __init__(self, root: Path, splits: tuple[tuple[str, float], ...]) -> None:
        self.root, self.splits = root, splits
        self._writers: dict[tuple[str, str], pq.ParquetWriter] = {}
        self._buffers: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.counts: dict[str, dict[str, int]] = {c: {s: 0 for s, _ in splits} for c in SCHEMAS}
        self.nbytes: dict[str, dict[str, int]] = {c: {s: 0 for s, _ in splits} for c in SCHEMAS}
        self.hosts: Counter[str] = Counter()
        self.fetched: list[datetime] = []  # first and last fetch time

    def _note(self, article: dict[str, Any]) -> None:
        self.hosts[article["hostname"] or ""] += 1
        first = article.get("first_seen") or article["fetch_time"]  # any capture of its pages
        last = article.get("last_seen") or article["fetch_time"]
        if first is not None and last is not None:
            self.fetched = [min([first, *self.fetched[:1]]), max([last, *self.fetched[1:]])]

    def add(self, key: str, article: dict[str, Any], comments: list[dict[str, Any]]) -> None:
        split = split_of(key, self.splits)
        self._note(article)
        self._append("articles", split, [article])
        self._append("comments", split, comments)

    def _append(self, config: str, split: str, rows: list[dict[str, Any]]) -> None:
        buf = self._buffers.setdefault((config, split), [])
        buf.extend(rows)
        self.counts[config][split] += len(rows)
        if len(buf) >= BATCH_ROWS:
            self._flush(config, split)

    def _flush(self, config: str, split: str) -> None:
        rows = self._buffers.get((config, split)) or []
        writer = self._writers.get((config, split))
        if writer is None:
            (self.root / config).mkdir(parents=True, exist_ok=True)
            writer = pq.ParquetWriter(self.root / config / shard_name(split), SCHEMAS[config],
                                      compression="zstd")
            self._writers[(config, split)] = writer
        if rows:
            table = pa.Table.from_pylist(rows, schema=SCHEMAS[config])
            self.nbytes[config][split] += table.nbytes
            writer.write_table(table)
            rows.clear()

    def abort(self) -> None:
        """Give up (disk full, interrupted): close what is open without a word; the files go
        with the build folder."""
        for writer in self._writers.values():
            try:
                writer.close()
            except OSError:
                writer.is_open = False  # else its __del__ retries and prints a traceback
        self._writers.clear()

    def close(self) -> dict[str, dict[str, int]]:
        """Flush everything; splits with no rows get no file (and no entry in the card)."""
        for config in SCHEMAS:
            if not any(self.counts[config].values()):  # a config must have a file to load
                self._flush(config, self.splits[0][0])
                self.counts[config][self.splits[0][0]] = -1
            for split, _ in self.splits:
                if self.counts[config][split]:
                    self._flush(config, split)
        for (config, split), writer in self._writers.items():
            writer.close()
            path = self.root / config / shard_name(split)
            path.rename(path.with_name(shard_name(split, _digest(path))))
        return {c: {s: max(n, 0) for s, n in per.items() if n} for c, per in self.counts.items()}


def _digest(path: Path) -> str:
    """The first 16 hex digits of the file's SHA-256."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def shard_file(root: Path, config: str, split: str) -> str:
    """The published shard of a split, relative to the dataset's folder (for the card)."""
    [found] = sorted((root / config).glob(f"{split}-00000-of-00001-*.parquet"))
    return f"{config}/{found.name}"
