"""WARC output written by a child process fed through a pipe.

Gzip and digests cost ~40% of a focused crawl on the reactor thread and a writer thread does no
better (GIL); a process costs ~2%. The child runs in its own session so a terminal Ctrl-C reaches
only the crawl, and it drains the pipe to EOF, so a crawl that dies still leaves closed files.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import pickle
import resource
import signal
import sqlite3
import subprocess
import sys
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from warcio.warcwriter import WARCWriter

from .config import WarcConfig
from .dedup import OPEN_SUFFIX, DigestIndex, SharedDigests, SharedIndexError
from .records import (
    SERVER_NOT_MODIFIED,
    WARC_VERSION,
    Capture,
    Exchange,
    FetchFailure,
    Original,
    build_pair,
    failure_record,
    revisit_record,
    warcinfo_record,
)

logger = logging.getLogger("pipelines.archiving.sink")  # also when run as __main__


@dataclass(slots=True)
class WriteSummary:
    records: int = 0
    bytes: int = 0
    files: list[str] = field(default_factory=list)
    error: str | None = None  # why the writer stopped early (disk full, folder not writable)
    revisits: int = 0  # revisit records, both profiles
    revisits_304: int = 0  # of which server-not-modified
    bytes_saved: int = 0  # stored bytes of the originals they name, less their own
    cpu: float = 0.0  # the writer process's CPU seconds (user + system), its start included
    undecodable: int = 0  # exchanges the writer could not read (logged each): not archived


class WriterFailed(Exception):
    """The writer process stopped: its files are closed up to their last complete record."""


def describe_os_error(exc: OSError, path: Path | None = None) -> str:
    """`No space left on device (ENOSPC): /archive/x.warc.gz.open`, one line."""
    name = errno.errorcode.get(exc.errno or 0, "")
    where = exc.filename if exc.filename is not None else path or ""
    return f"{exc.strerror or exc}{f' ({name})' if name else ''}{f': {where}' if where else ''}"


class WarcFiles:
    """Owns one open `.warc.gz.open` file at a time: warcinfo first, rotation by size; and,
    with `cfg.dedup`, the dedup index: a payload it names is written as a revisit."""

    def __init__(self, cfg: WarcConfig) -> None:
        self.cfg = cfg
        self.summary = WriteSummary()
        self._serial = 0
        self._fh: IO[bytes] | None = None
        self._path: Path | None = None
        self._key = ""  # the open file's name as the index knows it (relative to the index)
        self._index: DigestIndex | None = None
        self._dedup = cfg.dedup  # off for the rest of the run if the index fails
        self._size = 0  # bytes of the open file up to its last complete record
        self._buf = BytesIO()
        # gzip=False: warcio compresses at level 9; we compress each record ourselves at
        # cfg.gzip_level, still one gzip member per record as the WARC spec's annex asks.
        self._writer = WARCWriter(self._buf, gzip=False, warc_version=WARC_VERSION)

    def write_exchange(self, ex: Exchange | FetchFailure | Capture) -> None:
        if isinstance(ex, tuple):  # what the crawl's reactor sent: decoded here
            try:
                ex = Exchange.from_capture(ex)
            except Exception as exc:  # noqa: BLE001 - that exchange, not the writer and the crawl
                self.summary.undecodable += 1
                logger.error("WARC writer: an exchange for %r could not be read (%s: %s): not archived",
                             str(ex[0])[:200], type(exc).__name__, exc)
                return
        if isinstance(ex, FetchFailure):
            self._ensure_open()
            self._write(failure_record(ex, self._writer))
        else:
            self._write_pair(ex)
        if self._size >= self.cfg.max_size:  # no lseek per exchange: we count what we wrote
            self.close_file()

    def _write_pair(self, ex: Exchange) -> None:
        """Response (or revisit) then request; the index learns of the record once written."""
        response, request = build_pair(ex, self._writer)  # warcio digests the payload here
        self._ensure_open()
        index = self._open_index()
        if index is None or ex.method != "GET":
            self._write(response)
            self._write(request)
            return
        record_id = response.rec_headers.get_header("WARC-Record-ID")
        digest = response.rec_headers.get_header("WARC-Payload-Digest")
        original, replace = None, False
        if ex.not_modified is not None and ex.status == 304:
            original = ex.not_modified
            response = revisit_record(ex, self._writer, original, record_id=record_id,
                                      profile=SERVER_NOT_MODIFIED)
        elif ex.in_full:
            replace = True  # the indexed original could not be read back: this one replaces it
        elif ex.body and not ex.truncated:
            original = self._indexed(index, digest)
            if original is not None and not index.on_disk(original):
                original, replace = None, True  # its file was moved away: this one replaces it
            if original is not None:
                response = revisit_record(ex, self._writer, original, record_id=record_id)
        offset = self._size
        length = self._write(response)
        self._write(request)
        if original is not None:
            self.summary.revisits += 1
            self.summary.revisits_304 += ex.status == 304
            self.summary.bytes_saved += original.length - length
        elif ex.body and not ex.truncated:
            index.add_original(Original(digest, ex.url, ex.date, record_id, self._key, offset, length),
                               replace=replace)
        if ex.status == 200 and ex.body and not ex.truncated:
            index.add_url(ex.url, digest, ex.date, ex.header("ETag"), ex.header("Last-Modified"))
        if index.due:
            self._flush_index()

    def _open_index(self) -> DigestIndex | None:
        """Opened at the first exchange, once the WARC folder exists."""
        if self._index is None and self._dedup:
            try:
                shared = None
                if self.cfg.redis_url and self.cfg.redis_digests:  # a crawl shared through Redis
                    origin = f"{self.cfg.hostname}:{self.cfg.index_path.parent.resolve()}"
                    shared = SharedDigests(self.cfg.redis_url, self.cfg.redis_digests, origin,
                                           params=dict(self.cfg.redis_params))
                self._index = DigestIndex.writer(self.cfg.index_path, shared=shared)
            except (sqlite3.Error, OSError) as exc:
                self._index_failed("cannot be opened", exc)
        return self._index

    def _indexed(self, index: DigestIndex, digest: str) -> Original | None:
        try:
            return index.original(digest)
        except (sqlite3.Error, SharedIndexError) as exc:
            self._index_failed("cannot be read", exc)
            return None

    def _flush_index(self) -> None:
        """Rows reach the index only after the records they name are on disk."""
        if self._index is None:
            return
        if self._fh is not None:
            os.fsync(self._fh.fileno())
        try:
            self._index.flush()
        except (sqlite3.Error, SharedIndexError) as exc:
            self._index_failed("cannot be written", exc)

    def _index_failed(self, what: str, exc: Exception) -> None:
        """Dedup is an economy, never a reason to lose a page: full records from here on."""
        logger.warning("WARC dedup index %s %s (%s): writing full records from now on",
                       self.cfg.index_path, what, exc)
        self._dedup = False
        if self._index is not None:
            with contextlib.suppress(sqlite3.Error):
                self._index.close()
            self._index = None

    def close_index(self) -> None:
        self._flush_index()
        if self._index is not None:
            self._index.close()
            self._index = None

    def close_file(self) -> None:
        if self._fh is None or self._path is None:
            return
        fh, path, self._fh, self._path = self._fh, self._path, None, None
        try:
            os.fsync(fh.fileno())
        finally:
            fh.close()
        self._finish(path)
        self._flush_index()

    @property
    def open_path(self) -> Path | None:
        return self._path

    def abandon(self) -> None:
        """After a failed write: cut the open file back to its last complete record (cutting
        needs no free space) and close it under its final name, so what it holds is a valid
        WARC file; a file without one complete record is removed."""
        if self._fh is None or self._path is None:
            return
        fh, path, self._fh, self._path = self._fh, self._path, None, None
        try:
            os.ftruncate(fh.fileno(), self._size)
        finally:
            with contextlib.suppress(OSError):
                fh.close()
        if self._size:
            self._finish(path)
        else:
            path.unlink()
        self._flush_index()  # its rows name complete records only

    def _finish(self, path: Path) -> None:
        final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
        os.replace(path, final)
        self.summary.files.append(str(final))
        logger.info("WARC file closed: %s (%d bytes)", final, final.stat().st_size)

    def _ensure_open(self) -> None:
        if self._fh is not None:
            return
        self.cfg.directory.mkdir(parents=True, exist_ok=True)
        while True:
            self._serial += 1
            stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")[:17]
            name = f"{self.cfg.prefix}-{stamp}-{self._serial:05d}-{self.cfg.hostname}-{self.cfg.pid}.warc.gz"
            path = self.cfg.directory / (name + OPEN_SUFFIX)
            if (self.cfg.directory / name).exists():
                continue
            try:
                self._fh = path.open("xb", buffering=0)  # each record written whole, or cut back
            except FileExistsError:
                continue
            break
        self._path, self._size = path, 0
        self._key = os.path.relpath(self.cfg.directory / name, self.cfg.index_path.parent)
        self._write(warcinfo_record(self._writer, name, self.cfg.info))

    def _write(self, record: Any) -> int:
        assert self._fh is not None
        self._buf.seek(0)
        self._buf.truncate()
        self._writer.write_record(record)
        raw = self._buf.getvalue()
        gz = zlib.compressobj(self.cfg.gzip_level, zlib.DEFLATED, 31)
        data = gz.compress(raw) + gz.flush()
        view = memoryview(data)
        while view:  # a raw file may take part of it; ENOSPC raises, and abandon() cuts back
            view = view[self._fh.write(view) or 0:]
        self._size += len(data)
        self.summary.records += 1
        self.summary.bytes += len(data)
        return len(data)


def child_env() -> dict[str, str]:
    """The environment of a `python -m` child of ours (the WARC writer, py-wacz's process): it
    imports our modules from where this process did (a source tree, a scrapyd egg), not from
    whatever copy its own sys.path would find first."""
    root = str(Path(__file__).resolve().parents[2])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}


class WarcSink:
    """Parent side: `put` pickles an Exchange into the child's pipe; `close` waits for it."""

    def __init__(self, cfg: WarcConfig) -> None:
        self.cfg = cfg
        self._proc = subprocess.Popen(
            [sys.executable, "-m", __name__],
            env=child_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,  # Ctrl-C goes to the crawl; the writer drains and closes
        )
        assert self._proc.stdin is not None
        self._pipe = self._proc.stdin
        self._summary: WriteSummary | None = None
        with contextlib.suppress(OSError, AttributeError):  # Linux: room for ~1 MB of pages
            fcntl.fcntl(self._pipe.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
        self._send(cfg)

    @property
    def pid(self) -> int:
        return self._proc.pid

    def put(self, ex: Exchange | FetchFailure | Capture) -> None:
        """Raises WriterFailed, with the writer's own reason, once the writer has stopped."""
        self._send(ex)

    def _send(self, obj: Any) -> None:
        if self._summary is not None:
            raise WriterFailed(self._summary.error or "the WARC writer has stopped")
        try:
            self._pipe.write(pickle.dumps(obj, protocol=5))
            self._pipe.flush()
        except BrokenPipeError:
            summary = self.close()  # the writer has exited: this returns at once
            raise WriterFailed(summary.error or "the WARC writer stopped") from None

    def close(self) -> WriteSummary:
        """Closes the pipe and waits for the writer to close its files (blocking: call it
        from a thread when on the reactor). `error` says why if the writer stopped early."""
        if self._summary is not None:
            return self._summary
        try:
            out, _ = self._proc.communicate()  # closes the pipe: the child drains it and exits
        except BrokenPipeError:  # it had exited already
            out = self._proc.stdout.read() if self._proc.stdout else b""
            self._proc.wait()
        try:
            data = json.loads(out.decode() or "{}")
        except ValueError:
            data = {}
        error = data.get("error")
        if self._proc.returncode != 0 and not error:
            error = f"the WARC writer process died (exit code {self._proc.returncode})"
        self._summary = WriteSummary(data.get("records", 0), data.get("bytes", 0),
                                     data.get("files", []), error, data.get("revisits", 0),
                                     data.get("revisits_304", 0), data.get("bytes_saved", 0),
                                     data.get("cpu", 0.0), data.get("undecodable", 0))
        return self._summary


def _child_main(stdin: IO[bytes], stdout: IO[bytes]) -> int:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)  # the parent decides when we stop: by closing the pipe
    with contextlib.suppress(OSError):
        os.nice(5)  # the crawl first: the 1 MB pipe lets the writer catch up in its pauses
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
    )
    cfg: WarcConfig = pickle.load(stdin)
    files = WarcFiles(cfg)
    error = None
    try:
        while True:
            try:
                ex = pickle.load(stdin)
            except EOFError:
                break
            except pickle.UnpicklingError:
                logger.error("WARC writer: the crawl ended in the middle of a record; it is lost")
                break
            files.write_exchange(ex)
        files.close_file()
        files.close_index()
    except OSError as exc:  # disk full, folder gone or not writable: keep what is complete
        error = describe_os_error(exc, files.open_path)
        try:
            files.abandon()
        except OSError as again:
            error += f"; the open file could not be closed either: {describe_os_error(again)}"
    except BaseException:  # a bug, not the disk: still close what was written, then fail loudly
        with contextlib.suppress(OSError):
            files.abandon()
        raise
    s = files.summary
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report = {"records": s.records, "bytes": s.bytes, "files": s.files, "error": error,
              "revisits": s.revisits, "revisits_304": s.revisits_304, "bytes_saved": s.bytes_saved,
              "cpu": round(usage.ru_utime + usage.ru_stime, 3), "undecodable": s.undecodable}
    with contextlib.suppress(BrokenPipeError):  # the crawl is gone; the files are closed
        stdout.write(json.dumps(report).encode())
        stdout.flush()
    return 1 if error else 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.stdin.buffer, sys.stdout.buffer))
