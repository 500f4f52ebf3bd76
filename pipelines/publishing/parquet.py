"""Rows to shard files: one sequence of shards per config and split, explicit schemas, memory
bounded by a row group per sequence whatever the dataset's size.

Shards are named as `datasets` names the shards it pushes, `{split}-{i:05d}-of-{n:05d}`, plus
the file's content digest: `train-00000-of-00003-<16 hex>.parquet`. A shard holds at most
`shard_bytes` on disk (DATASET_SHARD_SIZE: whole row groups; one row group larger than that
alone is the only excess). Parquet row groups hold up to ROW_GROUP_ROWS rows or about
ROW_GROUP_BYTES of Arrow data, whichever comes first: a streaming reader holds one at a time.
All sequences together hold at most PENDING_BYTES of Arrow data waiting for their row group:
past that, the fullest writes what it has as a smaller row group (so memory does not grow
with the number of splits, nor with the input as more of them fill).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import math
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from .config import SHARD_BYTES
from .profile import Profile
from .schema import SCHEMAS, statistics_columns
from .splits import split_for, split_of  # noqa: F401  - split_of: the hash, for tests and tools

if TYPE_CHECKING:
    from .config import DatasetConfig

logger = logging.getLogger(__name__)

BATCH_ROWS = 1000  # Python rows (an article counts its comments too) turned into Arrow at once
ROW_GROUP_ROWS = 100_000
ROW_GROUP_BYTES = 32 * 2**20  # of Arrow data: ~8 MB on disk for prose, less for repetitive text
PENDING_BYTES = 64 * 2**20  # Arrow data waiting in all sequences together
EXTENSIONS = {"parquet": "parquet", "jsonl": "jsonl.gz"}


def shard_name(split: str, index: int = 0, total: int = 1, digest: str | None = None,
               ext: str = "parquet") -> str:
    """`train-00000-of-00001-<digest>.parquet` once written: the content's digest in the name
    (as `datasets`' own push_to_hub once named shards) keeps `datasets`' cache honest. It keys
    a local dataset's cache on the folder's name and the card's relative file paths, not on
    the files: a dataset republished in place, or another one in a folder of the same name,
    would otherwise load from the cache of the first one loaded."""
    return f"{split}-{index:05d}-of-{total:05d}{'-' + digest if digest else ''}.{ext}"


class Shards:
    """One config's shards of one split, written in order; subclasses write a format."""

    ext = "parquet"

    def __init__(self, folder: Path, split: str, schema: pa.Schema, limit: int) -> None:
        self.folder, self.split, self.schema, self.limit = folder, split, schema, limit
        self.parts: list[Path] = []  # written (or being written), under temporary names
        self.nbytes = 0  # Arrow bytes written: `datasets`' num_bytes

    def _new_part(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f".{self.split}-{len(self.parts):05d}.{self.ext}.part"
        self.parts.append(path)
        return path

    def write(self, table: pa.Table) -> None:
        """Rows of this schema (or, for an export, of the config it mirrors)."""
        raise NotImplementedError

    def finish(self) -> None:
        """Write what is buffered and close the open file."""
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError

    def close(self) -> list[str]:
        """Final names: `{split}-{i}-of-{n}-{digest}.{ext}`, each file's own digest."""
        self.finish()
        if not self.parts:  # a config with no row at all still needs a file to load
            self._new_empty()
        names = []
        for i, part in enumerate(self.parts):
            name = shard_name(self.split, i, len(self.parts), _digest(part), self.ext)
            part.rename(self.folder / name)
            names.append(name)
        return names

    def _new_empty(self) -> None:
        raise NotImplementedError


class ParquetShards(Shards):
    """zstd Parquet; rows gathered as Arrow until a row group's worth, then written whole."""

    def __init__(self, folder: Path, split: str, schema: pa.Schema, limit: int) -> None:
        super().__init__(folder, split, schema, limit)
        self.group_bytes = min(ROW_GROUP_BYTES, max(1, limit // 2))
        self.pending: list[pa.Table] = []
        self.pending_rows = self.pending_bytes = 0
        self.sink: pa.NativeFile | None = None
        self.writer: pq.ParquetWriter | None = None
        self.groups = 0  # row groups in the open file
        self.ratio: float | None = None  # bytes on disk per Arrow byte: the worst seen, x1.25
        self.statistics = statistics_columns(schema)
        # a file's bytes besides its row groups: the footer (schema, then ~120 bytes per column
        # chunk); measured on an empty file, then learnt from each closed file
        self.footer_base, columns = _empty_size(schema, tuple(self.statistics))
        self.footer_per_group = 192 * columns

    def write(self, table: pa.Table) -> None:
        self.pending.append(table)
        self.pending_rows += table.num_rows
        self.pending_bytes += table.nbytes
        if self.pending_rows >= ROW_GROUP_ROWS or self.pending_bytes >= self.group_bytes:
            self._drain(final=False)

    def _drain(self, *, final: bool) -> None:
        """Whole row groups out of what is pending (all of it when final)."""
        if not self.pending_rows:
            return
        table = pa.concat_tables(self.pending) if len(self.pending) > 1 else self.pending[0]
        per_row = max(table.nbytes, 1) / table.num_rows
        size = max(1, min(ROW_GROUP_ROWS, math.floor(self.group_bytes / per_row)))
        start = 0
        while table.num_rows - start >= size or (final and start < table.num_rows):
            self._write_group(table.slice(start, size))
            start += size
        rest = table.slice(start)
        self.pending = [rest] if rest.num_rows else []
        self.pending_rows, self.pending_bytes = rest.num_rows, rest.nbytes if rest.num_rows else 0

    def _write_group(self, table: pa.Table) -> None:
        planned = table.nbytes * (self.ratio or 1.0)  # before the first group: uncompressed
        if self.writer is not None and self.groups and (
                self.sink.tell() + planned + self._footer(self.groups + 1) > self.limit):
            self._close_file()
        if self.writer is None:
            self.sink = pa.OSFile(str(self._new_part()), "wb")
            self.writer = pq.ParquetWriter(self.sink, self.schema, compression="zstd",
                                           write_statistics=self.statistics)
            self.groups = 0
        before = self.sink.tell()
        self.writer.write_table(table, row_group_size=table.num_rows)
        self.groups += 1
        self.nbytes += table.nbytes
        if table.nbytes:
            seen = 1.25 * (self.sink.tell() - before) / table.nbytes
            self.ratio = max(seen, self.ratio or 0.0)

    def _footer(self, groups: int) -> float:
        return self.footer_base + groups * self.footer_per_group

    def _close_file(self) -> None:
        assert self.writer is not None and self.sink is not None  # noqa: PT018 - one state
        body = self.sink.tell()
        self.writer.close()
        self.footer_per_group = max(self.footer_per_group, math.ceil(
            (self.sink.tell() - body - self.footer_base) / max(self.groups, 1)))
        self.sink.close()
        self.writer = self.sink = None

    def write_pending(self) -> None:
        """What is pending as row groups now (the last one smaller)."""
        self._drain(final=True)

    def finish(self) -> None:
        self._drain(final=True)
        if self.writer is not None:
            self._close_file()

    def abort(self) -> None:
        """Close without a word: the files go with the build folder."""
        if self.writer is not None:
            try:
                self.writer.close()
            except (OSError, pa.ArrowException):
                self.writer.is_open = False  # else its __del__ retries and prints a traceback
        if self.sink is not None:
            with contextlib.suppress(OSError, pa.ArrowException):
                self.sink.close()
        self.writer = self.sink = None

    def _new_empty(self) -> None:
        """No row group at all (`datasets` reads one of 0 rows as a batch size of 0)."""
        pq.ParquetWriter(str(self._new_part()), self.schema, compression="zstd",
                         write_statistics=self.statistics).close()


@functools.cache
def _empty_size(schema: pa.Schema, statistics: tuple[str, ...]) -> tuple[int, int]:
    """(bytes, Parquet columns) of a file of this schema with no row."""
    sink = pa.BufferOutputStream()
    pq.write_table(schema.empty_table(), sink, compression="zstd", write_statistics=list(statistics))
    buf = sink.getvalue()
    return buf.size, pq.ParquetFile(pa.BufferReader(buf)).metadata.num_columns


class DatasetWriter:
    """Articles with their comments in, every config's shards out, split by article identity;
    and the exports asked for (export.py), fed the same Arrow tables."""

    def __init__(self, root: Path, splits: tuple[tuple[str, float], ...], *,
                 shard_bytes: int = SHARD_BYTES, exports: tuple[str, ...] = ()) -> None:
        self.root, self.splits = root, splits
        self.shards: dict[tuple[str, str], ParquetShards] = {
            (c, s): ParquetShards(root / c, s, schema, shard_bytes)
            for c, schema in SCHEMAS.items() for s, _ in splits}
        self.exports: dict[tuple[str, str], list[Shards]] = {key: [] for key in self.shards}
        if exports:
            from .export import JsonlShards, ThreadShards

            for (c, s), shards in self.exports.items():
                if "jsonl" in exports:
                    shards.append(JsonlShards(root / "jsonl" / c, s, SCHEMAS[c], shard_bytes))
                if "threads" in exports and c == "articles":
                    shards.append(ThreadShards(root / "threads", s, SCHEMAS[c], shard_bytes))
        self._buffers: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._weights: Counter[tuple[str, str]] = Counter()
        self.counts: dict[str, dict[str, int]] = {c: {s: 0 for s, _ in splits} for c in SCHEMAS}
        self.hosts: Counter[str] = Counter()
        self.fetched: list[datetime] = []  # first and last fetch time
        self.profile = Profile()
        self.files: dict[str, dict[str, list[str]]] = {}  # folder -> split -> relative paths

    @classmethod
    def for_config(cls, root: Path, cfg: DatasetConfig) -> DatasetWriter:
        return cls(root, cfg.splits, shard_bytes=cfg.shard_bytes, exports=cfg.exports)

    @property
    def nbytes(self) -> dict[str, dict[str, int]]:
        """Arrow bytes per config and split (with what is still buffered: 0 until close)."""
        return {c: {s: self.shards[(c, s)].nbytes for s, _ in self.splits} for c in SCHEMAS}

    def _note(self, article: dict[str, Any]) -> None:
        self.hosts[article["hostname"] or ""] += 1
        first = article.get("first_seen") or article["fetch_time"]  # any capture of its pages
        last = article.get("last_seen") or article["fetch_time"]
        if first is not None and last is not None:
            self.fetched = [min([first, *self.fetched[:1]]), max([last, *self.fetched[1:]])]

    def add(self, key: str, article: dict[str, Any], comments: list[dict[str, Any]]) -> None:
        """`key` (the staging key, the canonical URL) names the article in logs only: the
        split is the article's identity on its site (splits.py), not its URL with host and
        port."""
        split = split_for(article, self.splits)
        self._note(article)
        self.profile.add(split, article, comments)
        self._append("articles", split, [article], 1 + len(comments))
        self._append("comments", split, comments, len(comments))

    def _append(self, config: str, split: str, rows: list[dict[str, Any]], weight: int) -> None:
        if not rows:
            return
        buf = self._buffers.setdefault((config, split), [])
        buf.extend(rows)
        self.counts[config][split] += len(rows)
        self._weights[(config, split)] += weight
        if self._weights[(config, split)] >= BATCH_ROWS:
            self._flush(config, split)

    def _flush(self, config: str, split: str) -> None:
        if rows := self._buffers.get((config, split)):
            table = pa.Table.from_pylist(rows, schema=SCHEMAS[config])  # the types, checked once
            for shards in (self.shards[(config, split)], *self.exports[(config, split)]):
                shards.write(table)
            rows.clear()
            self._bound_pending()
        self._weights[(config, split)] = 0

    def _bound_pending(self) -> None:
        """The fullest sequences write what they hold until all hold <= PENDING_BYTES."""
        while sum(s.pending_bytes for s in self.shards.values()) > PENDING_BYTES:
            max(self.shards.values(), key=lambda s: s.pending_bytes).write_pending()

    def abort(self) -> None:
        """Give up (disk full, interrupted): close what is open without a word; the files go
        with the build folder."""
        for key, shards in self.shards.items():
            for each in (shards, *self.exports[key]):
                each.abort()

    def close(self) -> dict[str, dict[str, int]]:
        """Flush everything; splits with no rows get no file (and no entry in the card), but
        a config with no row at all gets an empty file in the first split, to load."""
        for config in SCHEMAS:
            for split, _ in self.splits:
                self._flush(config, split)
                written = self.counts[config][split] or (
                    split == self.splits[0][0] and not any(self.counts[config].values()))
                for shards in (self.shards[(config, split)], *self.exports[(config, split)]):
                    if not written:
                        shards.abort()
                        continue
                    folder = shards.folder.relative_to(self.root).as_posix()
                    names = [f"{folder}/{n}" for n in shards.close()]
                    self.files.setdefault(folder, {})[split] = names
        return {c: {s: n for s, n in per.items() if s in self.files.get(c, {})}
                for c, per in self.counts.items()}

    def summary(self) -> dict[str, Any]:
        """What the card needs of the rows (after close)."""
        return {"hosts": self.hosts, "fetched": self.fetched, "nbytes": self.nbytes,
                "profile": self.profile, "files": self.files}


def _digest(path: Path) -> str:
    """The first 16 hex digits of the file's SHA-256."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def shard_files(root: Path, config: str, split: str) -> list[str]:
    """The published shards of a split, relative to the dataset's folder, in order."""
    found = [p for ext in EXTENSIONS.values()
             for p in (root / config).glob(f"{split}-[0-9][0-9][0-9][0-9][0-9]-of-*.{ext}")]
    return [f"{config}/{p.name}" for p in sorted(found, key=lambda p: p.name)]


def shard_file(root: Path, config: str, split: str) -> str:
    """The first shard of a split (for callers that knew datasets of one shard per split)."""
    return shard_files(root, config, split)[0]
