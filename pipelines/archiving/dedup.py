"""The dedup index: where each archived payload is, and each URL's latest validators.

SQLite in WAL mode, beside the WARCs by default (`<WARC_DIR>/threadwarc-index.sqlite3`), so a
second crawl into the folder deduplicates against the first. Two small tables: `payloads`
(payload digest -> the response record that holds it: URI, date, record id, file, offset,
length) and `urls` (URL -> digest of its latest complete 200 and that response's ETag /
Last-Modified, for conditional requests).

Crash safety: the WARC writer process is the only writer of a crawl; it adds rows only for
records already written whole, and commits them after an fsync of the WARC file, so a crash
loses index rows (those pages are archived in full again next time), never a record that a
revisit names. Two crawls may share the index: SQLite's locks and a busy timeout; a digest
both archive at once keeps the first original (`ON CONFLICT DO NOTHING`), the other's full
record is merely a second copy. The crawl process reads it for conditional requests: one
indexed SELECT per request, never a write.

A crawl shared through Redis (crawler/frontier.py) shares its payloads too (`SharedDigests`, the
hash `<crawl>:digests`, written at the same flushes): a payload any process archived is written
as a revisit by the others, naming the original's record (URI, date, record id), wherever its
file is. The `urls` table, and with it conditional requests, stays local: answering a 304 needs
the original's bytes, so only originals in this folder's WARC files are revalidated.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
import zlib
from base64 import b32encode
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

from .records import Original

if TYPE_CHECKING:
    from collections.abc import Mapping

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"  # the writer's name for a file it has not closed yet (sink.OPEN_SUFFIX)
FLUSH_ROWS, FLUSH_SECONDS = 512, 1.0  # the writer commits its new rows this often

_SCHEMA = """
CREATE TABLE IF NOT EXISTS payloads (
    digest TEXT PRIMARY KEY,    -- WARC-Payload-Digest as warcio writes it: sha1:BASE32
    uri TEXT NOT NULL,          -- WARC-Target-URI of the record that holds the payload
    date TEXT NOT NULL,         -- its WARC-Date
    record_id TEXT NOT NULL,    -- its WARC-Record-ID
    file TEXT NOT NULL,         -- its WARC file, relative to this index's folder
    offset INTEGER NOT NULL,    -- where its gzip member starts in the file
    length INTEGER NOT NULL     -- the member's length in bytes
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS urls (
    uri TEXT PRIMARY KEY,       -- WARC-Target-URI of a complete 200 response
    digest TEXT NOT NULL,       -- its payload (payloads.digest)
    date TEXT NOT NULL,         -- WARC-Date of that capture: the latest wins
    etag TEXT,                  -- its ETag and Last-Modified, as the server sent them
    last_modified TEXT
) WITHOUT ROWID;
"""
_SELECT_ORIGINAL = "SELECT digest, uri, date, record_id, file, offset, length FROM payloads"
_SELECT_VALIDATORS = (
    "SELECT u.etag, u.last_modified, p.digest, p.uri, p.date, p.record_id, p.file, p.offset, "
    "p.length FROM urls u JOIN payloads p ON p.digest = u.digest WHERE u.uri = ?"
)


def payload_digest(payload: bytes) -> str:
    """WARC-Payload-Digest as warcio computes it."""
    return "sha1:" + b32encode(hashlib.sha1(payload).digest()).decode("ascii")


@dataclass(frozen=True, slots=True)
class Validators:
    """What a conditional request for a URL sends, and the archived response it revalidates."""

    etag: str | None
    last_modified: str | None
    original: Original


class SharedIndexError(Exception):
    """The shared digests (Redis) could not be read or written."""


class SharedDigests:
    """Payload digest -> the record that holds it, for every process of a crawl shared through
    Redis: one hash, the first original of a payload kept (HSETNX) unless it is replaced.
    `origin` names this writer's folder (host and index folder): an original from elsewhere
    is trusted to be there (it cannot be looked at), one from here is looked for on disk.
    `params`: the crawl's REDIS_PARAMS (a password, ssl, db), over short timeouts and no retry
    (a timed-out HSETNX resent is harmless, but a stalled writer is not)."""

    def __init__(self, url: str, key: str, origin: str, params: Mapping[str, Any] | None = None) -> None:
        import redis  # only in a shared crawl
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self._errors = (redis.RedisError,)
        own = {k: v for k, v in (params or {}).items() if k not in ("redis_cls", "url")}
        self._redis = redis.Redis.from_url(url, **{"socket_timeout": 10, "socket_connect_timeout": 5,
                                                   "retry": Retry(NoBackoff(), 0), **own})
        self.key, self.origin = key, origin
        self._pending: dict[str, tuple[str, bool]] = {}

    def original(self, digest: str) -> tuple[Original, bool] | None:
        """The original and whether it is in this folder."""
        try:
            raw = self._redis.hget(self.key, digest)
        except self._errors as exc:
            raise SharedIndexError(f"Redis {self.key}: {exc}") from exc
        if raw is None:
            return None
        try:
            fields = json.loads(raw)
            original = Original(digest, *fields[:6])
            return original, fields[6] == self.origin
        except (ValueError, TypeError, IndexError):
            logger.warning("Shared digest %s in %s is not an original's record: ignored", digest, self.key)
            return None

    def add(self, original: Original, *, replace: bool) -> None:
        value = json.dumps([original.uri, original.date, original.record_id, original.file,
                            original.offset, original.length, self.origin])
        self._pending[original.digest] = (value, replace)

    def flush(self) -> None:
        if not self._pending:
            return
        try:
            with self._redis.pipeline(transaction=False) as pipe:
                for digest, (value, replace) in self._pending.items():
                    (pipe.hset if replace else pipe.hsetnx)(self.key, digest, value)
                pipe.execute()
        except self._errors as exc:
            raise SharedIndexError(f"Redis {self.key}: {exc}") from exc
        self._pending.clear()

    def close(self) -> None:
        self._redis.close()


class DigestIndex:
    """One connection to the index. `writer()` in the WARC writer process; `reader()` in the
    crawl (query only). `shared`: the crawl's digests in Redis, looked up after this folder's."""

    def __init__(self, path: Path, conn: sqlite3.Connection, shared: SharedDigests | None = None) -> None:
        self.path = path
        self.folder = path.parent
        self._conn = conn
        self.shared = shared
        self._elsewhere: set[str] = set()  # digests whose original is in another folder (shared)
        self._originals: dict[str, tuple[Original, bool]] = {}  # not committed yet: (row, replace)
        self._urls: dict[str, tuple[str, str, str | None, str | None]] = {}
        self._flushed = time.monotonic()
        self._present: set[str] = set()  # files seen on disk (a file is not expected to come back)

    @classmethod
    def writer(cls, path: Path, busy_timeout: float = 60.0, shared: SharedDigests | None = None
               ) -> DigestIndex:
        """Creates the index (and its folder) if needed; raises sqlite3.Error or OSError."""
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints; we fsync WARCs
            conn.executescript(_SCHEMA)
        except BaseException:
            conn.close()
            raise
        return cls(path, conn, shared)

    @classmethod
    def reader(cls, path: Path, busy_timeout: float = 1.0) -> DigestIndex | None:
        """None while no crawl has written the index; never creates it."""
        if not path.is_file():
            return None
        uri = path.resolve().as_uri()
        try:  # read-write (WAL readers write its shared-memory file), but never writing rows
            conn = sqlite3.connect(f"{uri}?mode=rw", uri=True, timeout=busy_timeout, isolation_level=None)
        except sqlite3.OperationalError:  # a folder we may only read
            conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=busy_timeout, isolation_level=None)
        conn.execute("PRAGMA query_only=ON")
        return cls(path, conn)

    def close(self) -> None:
        self._conn.close()
        if self.shared is not None:
            self.shared.close()

    # -- lookups -------------------------------------------------------------------------------

    def original(self, digest: str) -> Original | None:
        """The record holding this payload: this run's rows first, then committed ones."""
        if (pending := self._originals.get(digest)) is not None:
            return pending[0]
        row = self._conn.execute(_SELECT_ORIGINAL + " WHERE digest = ?", (digest,)).fetchone()
        if row or self.shared is None:
            return Original(*row) if row else None
        if (found := self.shared.original(digest)) is None:
            return None
        original, here = found
        if not here:
            self._elsewhere.add(digest)
        return original

    def validators(self, uri: str) -> Validators | None:
        """The URL's latest complete 200, when it had an ETag or a Last-Modified."""
        row = self._conn.execute(_SELECT_VALIDATORS, (uri,)).fetchone()
        if row is None or not (row[0] or row[1]):
            return None
        return Validators(row[0], row[1], Original(*row[2:]))

    def on_disk(self, original: Original) -> bool:
        """Its WARC file is still there, closed or still open (a moved or deleted file cannot
        be referred to). One in another folder of a shared crawl is trusted to be there."""
        if original.digest in self._elsewhere or original.file in self._present:
            return True
        path = self.folder / original.file
        if any(p.is_file() for p in (path.with_name(path.name + OPEN_SUFFIX), path)):
            self._present.add(original.file)
            return True
        return False

    # -- the writer's side ---------------------------------------------------------------------

    def add_original(self, original: Original, *, replace: bool = False) -> None:
        """After its record is in the file. `replace`: the indexed one's file is gone."""
        self._originals[original.digest] = (original, replace)
        if self.shared is not None:
            self.shared.add(original, replace=replace)

    def add_url(self, uri: str, digest: str, date: str, etag: str | None,
                last_modified: str | None) -> None:
        self._urls[uri] = (digest, date, etag, last_modified)

    @property
    def due(self) -> bool:
        pending = len(self._originals) + len(self._urls)
        return pending >= FLUSH_ROWS or (pending > 0 and time.monotonic() - self._flushed >= FLUSH_SECONDS)

    def flush(self) -> int:
        """Commits the rows added since the last flush, in one short transaction (the caller
        has fsynced the WARC file they name); returns how many."""
        self._flushed = time.monotonic()
        if not self._originals and not self._urls:
            return 0
        keep = [o for o, replace in self._originals.values() if not replace]
        replace = [o for o, again in self._originals.values() if again]
        urls = [(uri, *row) for uri, row in self._urls.items()]
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            columns = "(digest, uri, date, record_id, file, offset, length) VALUES (?, ?, ?, ?, ?, ?, ?)"
            conn.executemany(f"INSERT INTO payloads {columns} ON CONFLICT(digest) DO NOTHING",
                             [_row(o) for o in keep])
            conn.executemany(f"INSERT OR REPLACE INTO payloads {columns}", [_row(o) for o in replace])
            conn.executemany(
                "INSERT INTO urls (uri, digest, date, etag, last_modified) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(uri) DO UPDATE SET digest = excluded.digest, date = excluded.date, "
                "etag = excluded.etag, last_modified = excluded.last_modified "
                "WHERE excluded.date >= urls.date", urls)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        n = len(self._originals) + len(self._urls)
        self._originals.clear()
        self._urls.clear()
        if self.shared is not None:  # after the local rows: both name records already on disk
            self.shared.flush()
        return n


def _row(o: Original) -> tuple[str, str, str, str, str, int, int]:
    return (o.digest, o.uri, o.date, o.record_id, o.file, o.offset, o.length)


def read_original(folder: Path, original: Original) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, HTTP headers and payload (as stored: still content-encoded) of an archived
    response, read at its offset; `folder` is the index's. Raises OSError when its file is
    gone, ValueError when what is there is not that record."""
    path = folder / original.file
    for candidate in (path.with_name(path.name + OPEN_SUFFIX), path):  # a writer renames in between
        try:
            with candidate.open("rb") as fh:
                fh.seek(original.offset)
                data = fh.read(original.length)
            break
        except FileNotFoundError:
            continue
    else:
        raise FileNotFoundError(f"{path} (holding {original.record_id}) is gone")
    try:
        record = next(iter(ArchiveIterator(BytesIO(data))))
        found = record.rec_headers.get_header("WARC-Record-ID")
        http = record.http_headers
        payload = record.raw_stream.read()
    except (ArchiveLoadFailed, StatusAndHeadersParserException, StopIteration, EOFError,
            zlib.error) as exc:
        raise ValueError(f"{path}@{original.offset}: no WARC record there ({exc})") from exc
    if found != original.record_id or http is None:
        raise ValueError(f"{path}@{original.offset}: {found} there, not {original.record_id}")
    if payload_digest(payload) != original.digest:
        raise ValueError(f"{path}@{original.offset}: {found}'s payload does not match its digest")
    return int(http.get_statuscode()), list(http.headers), payload
