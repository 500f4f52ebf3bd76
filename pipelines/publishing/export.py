"""Other shapes of the same rows, beside the Parquet dataset (DATASET_EXPORTS, `--export`).

`jsonl`: both configs again as gzipped JSON Lines, in the same layout under `jsonl/`:
`jsonl/{config}/{split}-{i:05d}-of-{n:05d}-{digest}.jsonl.gz`, the same rows in the same
order and splits, one JSON object per line, every column in schema order, timestamps as ISO
8601 with `+00:00`. For `zcat | jq`, DuckDB, Spark, other languages. Beside the Parquet rather
than instead of it: `datasets` reads JSON Lines through pyarrow's JSON reader, which infers
types before casting to the card's, so a string column whose values all look like dates comes
back changed (`date`: `2018-02-20` as `2018-02-20 00:00:00`). The card's configs stay the
Parquet files, the exact rows for `load_dataset`.

`threads`: `threads/{split}-...jsonl.gz`: per line, one article (the `articles` columns) whose
`comments` are a tree: the top-level comments, each with its `replies`, nested by `parent_id`,
in thread order. A comment whose parent is unknown or not in the archive is at the top of the
tree, its `parent_id` and `depth` saying which. Not a `datasets` config: a tree of any depth has
no fixed Arrow type (read it with `gzip` + `json`).

Files are gzip members written with a fixed header (no name, no time): the same rows always
give the same bytes. A shard is cut before the sync-flushed block that would take it over the
size limit, so every shard but one holding a single line larger than it stays within it.
"""

from __future__ import annotations

import contextlib
import json
import struct
import zlib
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from .parquet import Shards

GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no flags, mtime 0, OS unknown
LEVEL = 6
CHUNK_BYTES = 1 << 20  # JSON text compressed, and sync-flushed, at a time


def _default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# What str.splitlines() breaks lines at besides \n and the controls json escapes: escaped too,
# so a line is a line to every reader (they can only occur inside JSON strings)
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def dumps(obj: Any) -> str:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_default)
    return text.translate(_LINE_BREAKS)


class _GzipFile:
    """One gzip member, written block by block so its size is known before each block."""

    def __init__(self, path: Path) -> None:
        self.fh: IO[bytes] = path.open("wb")
        self.fh.write(GZIP_HEADER)
        self.size = len(GZIP_HEADER)
        self.lines = 0
        self.crc = self.length = 0
        self.deflate = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)

    def trial(self, data: bytes) -> tuple[Any, bytes]:
        """What writing `data` would add (the compressor as it would be after it)."""
        c = self.deflate.copy()
        return c, c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)

    def commit(self, data: bytes, state: Any, out: bytes, lines: int) -> None:
        self.fh.write(out)
        self.deflate, self.size = state, self.size + len(out)
        self.crc = zlib.crc32(data, self.crc)
        self.length += len(data)
        self.lines += lines

    def close(self) -> None:
        self.fh.write(self.deflate.flush(zlib.Z_FINISH))
        self.fh.write(struct.pack("<II", self.crc, self.length & 0xFFFFFFFF))
        self.fh.close()


TRAILER = 2 + 8  # the final empty block and CRC32 + ISIZE


class JsonlShards(Shards):
    """A config's rows of one split as gzipped JSON Lines shards."""

    ext = "jsonl.gz"

    def __init__(self, folder: Path, split: str, schema: pa.Schema, limit: int) -> None:
        super().__init__(folder, split, schema, limit)
        self.file: _GzipFile | None = None
        self.chunk = max(1, min(CHUNK_BYTES, limit // 4))

    def write(self, table: pa.Table) -> None:
        self.nbytes += table.nbytes
        self.write_lines([dumps(r) for r in table.to_pylist()])

    def write_lines(self, lines: list[str]) -> None:
        batch: list[bytes] = []
        size = 0
        for line in lines:
            data = line.encode("utf-8") + b"\n"
            if batch and size + len(data) > self.chunk:
                self._put(batch)
                batch, size = [], 0
            batch.append(data)
            size += len(data)
        if batch:
            self._put(batch)

    def _put(self, lines: list[bytes]) -> None:
        """Lines into the open shard, or as many as fit and the rest into the next one."""
        if self.file is None:
            self.file = _GzipFile(self._new_part())
        data = b"".join(lines)
        state, out = self.file.trial(data)
        if self.file.lines and self.file.size + len(out) + TRAILER > self.limit:
            if len(lines) > 1:  # cut between lines: the first half may still fit
                self._put(lines[:len(lines) // 2])
                self._put(lines[len(lines) // 2:])
                return
            self.file.close()
            self.file = _GzipFile(self._new_part())
            state, out = self.file.trial(data)
        self.file.commit(data, state, out, len(lines))

    def finish(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None

    def abort(self) -> None:
        if self.file is not None:
            with contextlib.suppress(OSError):
                self.file.fh.close()
            self.file = None

    def _new_empty(self) -> None:
        _GzipFile(self._new_part()).close()


class ThreadShards(JsonlShards):
    """threads/: each article with its comments nested as `replies`."""

    def write(self, table: pa.Table) -> None:
        self.write_lines([thread_json(a) for a in table.to_pylist()])


def thread_json(article: dict[str, Any]) -> str:
    """The article's JSON with `comments` as a tree of `replies`, built without recursion
    (a chain of 10,000 replies is a tree 10,000 deep: `json.dumps` would overflow the stack)."""
    comments = article.get("comments") or []
    ids = {c["comment_id"] for c in comments}
    children: dict[str | None, list[dict[str, Any]]] = {}
    for c in comments:  # thread order is kept among siblings
        parent = c.get("parent_id")
        children.setdefault(parent if parent in ids and parent != c["comment_id"] else None, []).append(c)
    keys = list(article)
    at = keys.index("comments") if "comments" in keys else len(keys)
    before = dumps({k: article[k] for k in keys[:at]})[:-1]  # `{...` without its `}`
    after = dumps({k: article[k] for k in keys[at + 1:]})[1:]  # `...}` without its `{`
    out = [before, "," if len(before) > 1 else "", '"comments":[']
    seen: set[str] = set()

    def roots() -> Iterator[dict[str, Any]]:
        yield from children.get(None, [])
        yield from (c for c in comments if c["comment_id"] not in seen)  # in a loop of parents

    # a stack of iterators over sibling lists: a comment is written as its fields and
    # `"replies":[`, closed by `]}` when its replies' iterator runs out (the last one closes
    # the article's `comments` and the article)
    stack: list[Iterator[dict[str, Any]]] = [roots()]
    first = [True]
    while stack:
        c = next(stack[-1], None)
        if c is None:
            stack.pop()
            first.pop()
            out.append(("]," + after if len(after) > 1 else "]}") if not stack else "]}")
            continue
        if c["comment_id"] in seen:  # a duplicate id: written once
            continue
        seen.add(c["comment_id"])
        out.append(("" if first[-1] else ",") + dumps(c)[:-1] + ',"replies":[')
        first[-1] = False
        stack.append(iter(children.get(c["comment_id"], [])))
        first.append(True)
    return "".join(out)
