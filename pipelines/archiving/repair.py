"""After a kill: `.open` WARC files closed, and what a crawl job's runs archived, read back.

The writer appends one record per gzip member and renames its file when it closes it; a writer
killed outright (SIGKILL, power cut, out of memory) leaves `NAME.warc.gz.open`, possibly ending
in part of a record. `repair_unfinished` cuts such a file back to its last complete record (its
gzip member read to the end, CRC included; in an uncompressed WARC, the CRLF CRLF after it) and
drops `.open` from its name; files a running process holds open are left alone.

A crawl job (Scrapy's JOBDIR) can be stopped and resumed; `JobRuns` keeps its runs and the WARC
files each wrote, so a run that was killed is known at the next start, and `Archived` reads back
what the job archived, for the crawl to answer those pages from the archive (crawler/middlewares.py,
ResumeFromArchiveMiddleware).
"""

from __future__ import annotations

import json
import logging
import os
import select
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

from .dedup import DigestIndex, read_original
from .records import SERVER_NOT_MODIFIED
from .sink import OPEN_SUFFIX

logger = logging.getLogger(__name__)

UNFINISHED = (f".warc.gz{OPEN_SUFFIX}", f".warc{OPEN_SUFFIX}")
WRITER_MODULE = "pipelines.archiving.sink"  # how the writer process is started (python -m ...)
_CLOCK_SLACK = 2.0  # seconds: file and process times are this coarse on some systems
# What one record that is not what it should be raises (an OSError is the disk's, and passes).
_RECORD_ERRORS = (ArchiveLoadFailed, StatusAndHeadersParserException, EOFError, zlib.error,
                  ValueError)


@dataclass(frozen=True, slots=True)
class Record:
    """One complete record: where it starts and ends in its file, what it is."""

    offset: int
    end: int
    type: str
    uri: str | None
    digest: str | None = None  # WARC-Payload-Digest


@dataclass(frozen=True, slots=True)
class Repair:
    """What became of one `.open` file."""

    path: Path  # the `.open` file
    outcome: str  # "closed", "removed" (no complete record), "in use", "name taken", "failed"
    records: int = 0  # complete records kept
    kept: int = 0  # bytes kept
    dropped: int = 0  # bytes cut off the end
    detail: str = ""  # why a file was left alone

    @property
    def final(self) -> Path:
        return final_name(self.path)

    def __str__(self) -> str:
        if self.outcome == "closed":
            return (f"{self.path.name}: {self.records} complete records kept ({self.kept} bytes), "
                    f"{self.dropped} bytes cut, closed as {self.final.name}")
        if self.outcome == "removed":
            return f"{self.path.name}: removed, no complete record in its {self.dropped} bytes"
        return f"{self.path.name}: left as it is ({self.outcome}{': ' + self.detail if self.detail else ''})"


def complete_records(path: Path) -> Iterator[Record]:
    """The records of a WARC file, in order, up to the first one that is not whole (a file
    cut short) or cannot be read; never raises for what the file holds."""
    with path.open("rb") as fh:
        it = ArchiveIterator(fh)
        try:
            for rec in it:
                if not rec.rec_type:  # a header cut short parses as an empty record
                    return
                it.read_to_end()
                decompressor = it.reader.decompressor if it.reader else None
                if decompressor is not None and not decompressor.eof:  # gzip member cut short
                    return
                offset, end = it.get_record_offset(), it.offset  # end: past its blank lines
                if decompressor is None and end - offset - it.get_record_length() < 4:
                    return  # an uncompressed record's closing CRLF CRLF cut short
                headers = rec.rec_headers
                yield Record(offset, end, rec.rec_type,
                             headers.get_header("WARC-Target-URI"),
                             headers.get_header("WARC-Payload-Digest"))
        except OSError:  # the disk's error, not the file's: nothing may be cut on it
            raise
        except Exception:  # a header cut short makes warcio raise almost anything (even
            # AttributeError on a missing WARC-Target-URI): what came before is kept
            logger.debug("%s: unreadable after its complete records", path, exc_info=True)


def final_name(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(OPEN_SUFFIX))


def repair_file(path: Path) -> Repair:
    """Cuts an unfinished WARC file back to its last complete record and drops `.open` from
    its name (a file with no complete record is removed). Idempotent on what it leaves."""
    final = final_name(path)
    if final.exists():
        return Repair(path, "name taken", detail=f"{final.name} exists")
    size = path.stat().st_size
    records, end = 0, 0
    for rec in complete_records(path):
        records, end = records + 1, rec.end
    if records == 0:
        path.unlink()
        return Repair(path, "removed", dropped=size)
    if end < size:
        with path.open("r+b") as fh:
            fh.truncate(end)
            os.fsync(fh.fileno())
    os.replace(path, final)
    return Repair(path, "closed", records, end, size - end)


def open_elsewhere(paths: Iterable[Path]) -> dict[Path, int]:
    """Which of these files a running process holds open (a writer still at work: a crawl
    running into the same folder, or a killed crawl's writer finishing its queue), and its pid.
    Read from /proc; where there is none, nothing is known to be open."""
    wanted = {os.path.realpath(p): p for p in paths}
    held: dict[Path, int] = {}
    proc = Path("/proc")
    if not wanted or not proc.is_dir():
        return held
    for pid_dir in proc.iterdir():
        if not pid_dir.name.isdigit() or int(pid_dir.name) == os.getpid():
            continue
        try:
            fds = list((pid_dir / "fd").iterdir())
        except OSError:  # gone, or another user's
            continue
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target in wanted:
                held[wanted[target]] = int(pid_dir.name)
    return held


def repair_unfinished(directory: Path) -> list[Repair]:
    """Repairs every unfinished WARC file directly in `directory` that no process holds open."""
    try:
        unfinished = sorted(p for p in directory.iterdir() if p.name.endswith(UNFINISHED) and p.is_file())
    except OSError:  # no such folder yet, or not readable: the writer says so when it opens it
        return []
    held = open_elsewhere(unfinished)
    done = []
    for path in unfinished:
        if path in held:
            done.append(Repair(path, "in use", detail=f"open in process {held[path]}"))
            continue
        try:
            done.append(repair_file(path))
        except OSError as exc:
            done.append(Repair(path, "failed", detail=str(exc)))
    return done


def describe(repairs: list[Repair], limit: int = 10) -> str:
    """One line for the log: each file, what was kept and what was cut."""
    shown = "; ".join(map(str, repairs[:limit]))
    return shown + (f"; and {len(repairs) - limit} more" if len(repairs) > limit else "")


def wait_for_writer(pid: int, started_by: float, timeout: float) -> bool:
    """Waits for a killed crawl's WARC writer, still writing what its crawl had queued, to exit
    (the writer drains its pipe and closes its files once its crawl is gone). `started_by`:
    the writer started no later than this (its run's start), so a process that reuses its pid
    is not waited for. True once it has exited, or is not that writer; False after `timeout`
    seconds. Linux (/proc, pidfd); elsewhere nothing is waited for."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        began = _process_start(pid)
    except (OSError, ValueError, IndexError):  # gone (or no /proc: nothing to wait on)
        return True
    if WRITER_MODULE.encode() not in cmdline or began > started_by + _CLOCK_SLACK:
        return True
    try:
        fd = os.pidfd_open(pid)
    except (OSError, AttributeError):  # gone already; or no pidfd (Linux < 5.3)
        return not Path(f"/proc/{pid}").exists()
    try:
        return bool(select.select([fd], [], [], timeout)[0])  # readable once it has exited
    finally:
        os.close(fd)


def _process_start(pid: int) -> float:
    """When a process started (Unix time), from /proc: boot time plus its start in ticks."""
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                if line.startswith("btime "))
    return boot + int(stat[19]) / os.sysconf("SC_CLK_TCK")  # field 22 of stat(5)


# -- a crawl job's runs (Scrapy's JOBDIR) ---------------------------------------------------------

RUNS_FILE = "warc-runs.jsonl"
WARC_NAMES = (".warc.gz", ".warc")


@dataclass(frozen=True, slots=True)
class Run:
    """One run of a job: when it started, where it wrote, and whether it closed (a run that
    did not was killed: SIGKILL, power cut, a second Ctrl-C)."""

    started: float
    directory: Path
    writer_pid: int
    closed: bool = False
    reason: str = ""
    files: tuple[Path, ...] = ()

    def written(self) -> list[Path]:
        """The WARC files this run wrote: its own list when it closed; else the WARC files in its
        folder written since it started (which, in a folder shared with another crawl running
        at the same time, may include that crawl's)."""
        if self.closed:
            return [p for p in self.files if p.is_file()]
        if not self.directory.is_dir():
            return []
        since = self.started - _CLOCK_SLACK
        return sorted(p for p in self.directory.iterdir()
                      if p.name.endswith(WARC_NAMES) and p.is_file() and p.stat().st_mtime >= since)


class JobRuns:
    """The runs of one crawl job, one JSON line per start and per close, appended and synced: at
    the next start, a run with no close line is known to have been killed."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / RUNS_FILE

    def read(self) -> list[Run]:
        runs: list[Run] = []
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return runs
        for line in filter(None, lines):
            try:
                event = json.loads(line)
                if event["event"] == "start":
                    runs.append(Run(float(event["time"]), Path(event["directory"]), int(event["writer_pid"])))
                elif event["event"] == "closed" and runs:
                    runs[-1] = replace(runs[-1], closed=True, reason=str(event["reason"]),
                                       files=tuple(Path(f) for f in event["files"]))
            except (ValueError, KeyError, TypeError):  # a line cut short by a kill
                logger.debug("%s: skipping unreadable line %r", self.path, line[:200])
        return runs

    def start(self, directory: Path, writer_pid: int, started: float) -> None:
        self._append({"event": "start", "time": started, "directory": str(directory.resolve()),
                      "writer_pid": writer_pid})

    def close(self, files: Iterable[str], reason: str) -> None:
        self._append({"event": "closed", "reason": reason,
                      "files": [str(Path(f).resolve()) for f in files]})

    def _append(self, event: dict[str, object]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+b") as fh:
            fh.seek(max(fh.seek(0, os.SEEK_END) - 1, 0))
            cut_short = fh.read(1) not in (b"", b"\n")  # a kill in the middle of the last line
            fh.write(b"\n" * cut_short + json.dumps(event).encode() + b"\n")
            fh.flush()
            os.fsync(fh.fileno())


Where = tuple[Path, int]  # a record's file and offset
Response = tuple[int, list[tuple[str, str]], bytes]  # status, HTTP headers, payload as stored


@dataclass(slots=True)
class Archived:
    """What a job's WARC files hold: each URI's `response` and `revisit` records in the order
    they were written (a URI retried on errors has one per attempt), and where each payload
    is held in full (a revisit's original, even one whose dedup index row a kill lost)."""

    records: dict[str, list[Where]] = field(default_factory=dict)
    payloads: dict[str, Where] = field(default_factory=dict)
    files: int = 0

    @classmethod
    def read(cls, paths: Iterable[Path]) -> Archived:
        found = cls()
        for path in paths:
            found.files += 1
            for rec in complete_records(path):
                if rec.uri and rec.type in ("response", "revisit"):
                    found.records.setdefault(rec.uri, []).append((path, rec.offset))
                if rec.type == "response" and rec.digest:
                    found.payloads.setdefault(rec.digest, (path, rec.offset))
        return found

    def response(self, where: Where, index: Path | None) -> Response:
        """The archived response at `where`, as the crawl saw it: a revisit's payload is its
        original's (from these files, else from the dedup index at `index`), and a 304 revisit
        (server-not-modified) gives the original response whole. Raises OSError or ValueError
        when it cannot be read back."""
        rec_type, profile, digest, response = _read(*where)
        if rec_type == "response":
            return response
        if (held := self.payloads.get(digest)) is not None:
            original = _read(*held)[3]
        else:
            original = _indexed_original(index, digest, where)
        if profile == SERVER_NOT_MODIFIED:
            return original
        return response[0], response[1], original[2]


def _read(path: Path, offset: int) -> tuple[str, str | None, str, Response]:
    with path.open("rb") as fh:
        fh.seek(offset)
        try:
            rec = next(iter(ArchiveIterator(fh)))
            http = rec.http_headers
            payload = rec.raw_stream.read()
        except (StopIteration, *_RECORD_ERRORS) as exc:
            raise ValueError(f"{path}@{offset}: no WARC record there ({exc})") from exc
    if http is None or rec.rec_type not in ("response", "revisit"):
        raise ValueError(f"{path}@{offset}: not an HTTP response ({rec.rec_type})")
    headers = rec.rec_headers
    return (rec.rec_type, headers.get_header("WARC-Profile"),
            headers.get_header("WARC-Payload-Digest") or "",
            (int(http.get_statuscode()), list(http.headers), payload))


def _indexed_original(index: Path | None, digest: str, where: Where) -> Response:
    db = DigestIndex.reader(index) if index is not None and digest else None
    if db is None:
        raise ValueError(f"{where[0]}@{where[1]}: a revisit whose original is not found")
    try:
        original = db.original(digest)
    except sqlite3.Error as exc:
        raise ValueError(f"{where[0]}@{where[1]}: dedup index unreadable ({exc})") from exc
    finally:
        db.close()
    if original is None:
        raise ValueError(f"{where[0]}@{where[1]}: a revisit whose original {digest} is not found")
    return read_original(db.folder, original)
