"""Reading WARC files from any tool: find the HTML responses, then read them one by one."""

from __future__ import annotations

import logging
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from w3lib.encoding import html_to_unicode
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import DecompressingBufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser

from pipelines.archiving.sink import OPEN_SUFFIX

from .encodings import install as _install_encodings

_install_encodings()  # br and zstd bodies, as other producers archive them
logger = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
# What a crawl that was killed, or whose writer failed, leaves: read to the last whole record.
UNFINISHED_SUFFIXES = (f".warc{OPEN_SUFFIX}", f".warc.gz{OPEN_SUFFIX}")
HTML_TYPES = ("text/html", "application/xhtml+xml")
# A record's WARC header, its HTTP header and the lines after it are each read up to this many
# bytes, as a page is up to DATASET_MAX_PAGE_BYTES: warcio reads a line whole, however long.
MAX_HEADER_BYTES = 1 << 20
# What a broken file raises while being read: bad gzip, cut short, not a WARC at all.
READ_ERRORS = (ArchiveLoadFailed, zlib.error, EOFError, OSError, ValueError)


class HeaderTooLarge(ValueError):
    """A record's WARC or HTTP header, or a line after it, is over MAX_HEADER_BYTES."""


class WarcReadError(Exception):
    """A WARC file could not be read to its end; records before `offset` were kept."""

    def __init__(self, path: Path, offset: int, cause: BaseException | str) -> None:
        if isinstance(cause, BaseException):
            cause = f"{type(cause).__name__}: {cause}"
        if len(cause) > 500:  # warcio quotes the line it could not read, whatever its length
            cause = cause[:500] + "..."
        super().__init__(path, offset, cause)  # args alone: it crosses process boundaries
        self.path, self.offset, self.cause = path, offset, cause

    def __str__(self) -> str:
        return f"{self.path}: unreadable at offset {self.offset}: {self.cause}"


@dataclass(frozen=True, slots=True)
class Capture:
    """Where one HTML response lives in the archive: enough to open the exact record."""

    warc_file: str  # file name, as published (no local directories)
    path: str  # local path, for reading only
    offset: int
    length: int
    record_id: str
    url: str
    fetch_time: str  # WARC-Date
    # A revisit's payload is in another record (its original): where to read it. Empty for a
    # response, whose payload is its own.
    payload_path: str = ""
    payload_offset: int = 0

    @property
    def source(self) -> tuple[str, int]:
        """The file and offset of the record holding the page's bytes."""
        return (self.payload_path, self.payload_offset) if self.payload_path else (self.path, self.offset)


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """A response or revisit record as a revisit's original is looked up: ids, URL, date,
    payload digest, and what a revisit says of the record it repeats."""

    path: str
    offset: int
    length: int
    rec_type: str  # response | revisit
    record_id: str
    url: str
    date: str  # WARC-Date as written
    digest: str  # WARC-Payload-Digest as written
    status: str  # HTTP status code; "" without HTTP headers
    ctype: str | None
    truncated: bool
    profile: str = ""  # a revisit's WARC-Profile
    refers_to: str = ""  # WARC-Refers-To: the original's record id
    refers_uri: str = ""  # WARC-Refers-To-Target-URI
    refers_date: str = ""  # WARC-Refers-To-Date


def find_warcs(inputs: Iterable[str | Path]) -> list[Path]:
    """WARC files named, or found (recursively) in directories named, unfinished `.open`
    ones included; sorted, no duplicates."""
    found: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            found += [p for p in item.rglob("*") if p.is_file()
                      and p.name.endswith((*WARC_SUFFIXES, *UNFINISHED_SUFFIXES))]
        elif item.is_file():
            found.append(item)
        else:
            raise FileNotFoundError(f"no such WARC file or directory: {item}")
    return sorted(set(found), key=lambda p: (p.name, str(p)))


def split(path: Path, workers: int, min_range: int | None = None) -> list[tuple[int, int | None]]:
    """Byte ranges of one file that workers can read apart: a `.warc.gz` is one gzip member
    per record, so a range starts at the first member at or after its offset (ARC files,
    whose records are not found that way, are read whole)."""
    size, min_range = path.stat().st_size, min_range or MIN_RANGE
    if not path.name.endswith(".warc.gz") or size < 2 * min_range:
        return [(0, None)]
    step = min(max(size // (4 * workers), min_range), MAX_RANGE)
    cuts = list(range(0, size, step))
    return [(a, b) for a, b in zip(cuts, [*cuts[1:], None], strict=True)]


MIN_RANGE, MAX_RANGE = 4 * 1024 * 1024, 256 * 1024 * 1024


def iter_responses(
    path: Path, errors: list[WarcReadError], *, start: int = 0, end: int | None = None,
    body_for: Callable[[str], bool] = lambda url: True, max_bytes: int = 20_000_000,
    index: Callable[[IndexEntry], None] | None = None,
) -> Iterator[tuple[Capture, bytes | None, str | None]]:
    """(capture, decoded payload, Content-Type) of each 2xx HTML response starting in
    [start, end) of one file; the payload only where `body_for(url)`, None past `max_bytes`.
    `index` is handed every response and revisit record of an http(s) URL in that range,
    kept or not: what revisits are resolved with.

    A broken record adds a WarcReadError to `errors`; reading goes on at the next record
    of a `.warc.gz` (one gzip member each), or stops in other files.
    """
    if start == 0 and (problem := _not_an_archive(path)) is not None:
        errors.append(WarcReadError(path, 0, ValueError(problem)))
        return
    with path.open("rb") as fh:
        base = start if start == 0 else _next_member(fh, start)
        if base is None or (end is not None and base >= end):
            return
        resync = path.name.endswith(".warc.gz")  # one gzip member per record: findable
        offset: int | None = base
        while offset is not None and (end is None or offset < end):
            fh.seek(offset)
            try:
                yield from _records(fh, path, offset, end, body_for, max_bytes, index)
                return
            except _Broken as broken:
                errors.append(WarcReadError(path, broken.offset, broken.cause))
                # carry on at the next record, so what is kept does not depend on where the
                # file was split between workers
                offset = _next_member(fh, broken.offset + 1) if resync else None


class _Broken(Exception):
    def __init__(self, offset: int, cause: BaseException) -> None:
        super().__init__(offset, cause)
        self.offset, self.cause = offset, cause


def _records(
    fh: BinaryIO, path: Path, offset: int, end: int | None, body_for: Callable[[str], bool],
    max_bytes: int, index: Callable[[IndexEntry], None] | None = None,
) -> Iterator[tuple[Capture, bytes | None, str | None]]:
    it = archive_iterator(fh)
    floor = offset  # where a resync may start: past the last record read, whatever warcio says
    last: int | None = None  # where the last record read starts
    try:
        for rec in it:
            if rec.rec_type is None:  # what warcio makes of a record header cut off mid-way
                raise EOFError("a record header is cut short")
            headers, http = rec.rec_headers, rec.http_headers
            ctype = http.get_header("Content-Type") if http is not None else None
            keep = (
                rec.rec_type == "response"
                and not headers.get_header("WARC-Truncated")  # a partial page: no output
                and http is not None
                and (http.get_statuscode() or "")[:1] == "2"
                and (ctype or "text/html").split(";")[0].strip().lower() in HTML_TYPES
            )
            url = (headers.get_header("WARC-Target-URI") or "").strip("<>")
            keep = keep and url.startswith(("http://", "https://"))
            body = rec.content_stream().read(max_bytes + 1) if keep and body_for(url) else None
            it.read_to_end(rec)
            offset = it.get_record_offset()  # absolute: warcio counts from fh.tell()
            if end is not None and offset >= end:
                return  # the next range's first record
            if missing := getattr(rec.raw_stream, "limit", 0):  # warcio stops quietly at EOF
                raise EOFError(f"record cut short, {missing} bytes of its block missing")
            if index is not None and rec.rec_type in ("response", "revisit") and url.startswith(
                    ("http://", "https://")):
                index(_entry(rec, path, offset, it.get_record_length(), url, ctype))
            if keep:
                cap = Capture(path.name, str(path), offset, it.get_record_length(),
                              headers.get_header("WARC-Record-ID") or "", url,
                              headers.get_header("WARC-Date") or "")
                yield cap, body, ctype
            floor, last = offset + 1, offset
            offset += it.get_record_length()
        if end is None and (tail := _tail(fh, offset)):
            # warcio ends quietly where a cut left only part of a record (or of its gzip header)
            raise EOFError(f"{tail} bytes at the end are not a whole record: the file is cut short")
        if end is None and last is not None and _member_cut(fh, last, offset):
            # ...or in the last record's gzip trailer: its data is whole, the file is not
            raise _Broken(last, EOFError("the last record's gzip member is cut short: the file "
                                         "is cut short"))
    except _Broken:
        raise
    except Exception as exc:
        # a record's gzip member with bytes after the record makes warcio's length wrong, even
        # negative: resyncing there would read the same record again, forever
        raise _Broken(max(offset, floor), exc) from exc


def _entry(rec: Any, path: Path, offset: int, length: int, url: str, ctype: str | None) -> IndexEntry:
    h, http = rec.rec_headers, rec.http_headers
    return IndexEntry(
        str(path), offset, length, rec.rec_type, h.get_header("WARC-Record-ID") or "", url,
        h.get_header("WARC-Date") or "", h.get_header("WARC-Payload-Digest") or "",
        (http.get_statuscode() or "") if http is not None else "", ctype,
        bool(h.get_header("WARC-Truncated")),
        h.get_header("WARC-Profile") or "", (h.get_header("WARC-Refers-To") or "").strip(),
        (h.get_header("WARC-Refers-To-Target-URI") or "").strip().strip("<>"),
        (h.get_header("WARC-Refers-To-Date") or "").strip(),
    )


def archive_iterator(fh: BinaryIO) -> ArchiveIterator:
    """warcio's iterator (ARC records as WARC), reading no line longer than MAX_HEADER_BYTES
    outside a record's block: warcio reads a header line whole, so memory followed the file."""
    it = ArchiveIterator(fh, arc2warc=True)
    it.reader = _CappedReader(it.fh, block_size=it.reader.block_size)  # lines between records
    loader = it.loader
    loader.warc_parser = _CappedParser(loader.warc_parser, "WARC")
    loader.http_parser = _CappedParser(loader.http_parser, "HTTP")
    loader.http_req_parser = _CappedParser(loader.http_req_parser, "HTTP")
    return it


class _CappedReader(DecompressingBufferedReader):
    """warcio's reader, whose unbounded readline() (blank lines after a record, and in a
    `.warc` the next record's first line) reads MAX_HEADER_BYTES at most."""

    def readline(self, length: int | None = None) -> bytes:
        if length is not None:
            return super().readline(length)
        line = super().readline(MAX_HEADER_BYTES + 1)
        if len(line) > MAX_HEADER_BYTES:
            raise HeaderTooLarge(f"a line longer than {MAX_HEADER_BYTES} bytes after the record")
        return line


class _CappedParser(StatusAndHeadersParser):
    """warcio's status-and-headers parser, raising HeaderTooLarge past MAX_HEADER_BYTES."""

    def __init__(self, like: StatusAndHeadersParser, what: str) -> None:
        super().__init__(like.statuslist, like.verify)
        self.what = what

    def parse(self, stream: Any, full_statusline: bytes | None = None) -> StatusAndHeaders:
        left = MAX_HEADER_BYTES - len(full_statusline or b"")
        return super().parse(_CappedLines(stream, left, self.what), full_statusline)


class _CappedLines:
    """The lines of a stream, `left` bytes of them at most."""

    def __init__(self, stream: Any, left: int, what: str) -> None:
        self.stream, self.left, self.what = stream, left, what

    def readline(self, length: int | None = None) -> bytes:
        # warcio's readline(n) can stop short of n and of the line's end: the rest of a long
        # line then comes as lines of its own, still counted here
        line = self.stream.readline(self.left + 1 if length is None else min(length, self.left + 1))
        self.left -= len(line)
        if self.left < 0:
            raise HeaderTooLarge(f"{self.what} header larger than {MAX_HEADER_BYTES} bytes")
        return line


def _tail(fh: BinaryIO, offset: int) -> int:
    """Bytes after the last whole record, blank padding aside."""
    size = os.fstat(fh.fileno()).st_size
    if size <= offset:
        return 0
    fh.seek(offset)
    rest = fh.read(min(size - offset, 1 << 16))
    return 0 if not rest.strip(b"\r\n\x00 ") and size - offset <= len(rest) else size - offset


def _member_cut(fh: BinaryIO, start: int, stop: int) -> bool:
    """Is the gzip member at `start` (ending at `stop`) missing its end? zlib hands over all
    the data of a member cut in its 8-byte trailer without a word."""
    fh.seek(start)
    if fh.read(2) != b"\x1f\x8b":
        return False
    fh.seek(start)
    member = zlib.decompressobj(31)
    left = stop - start
    while left > 0 and not member.eof and (chunk := fh.read(min(left, 1 << 20))):
        left -= len(chunk)
        while chunk and not member.eof:  # output bounded: a bomb costs time, not memory
            member.decompress(chunk, 1 << 20)
            chunk = member.unconsumed_tail
    return not member.eof


def _next_member(fh: BinaryIO, pos: int) -> int | None:
    """Offset of the first gzip member at or after `pos` that holds a WARC record."""
    while True:
        fh.seek(pos)
        block = fh.read(1 << 16)
        if len(block) < 3:
            return None
        at = block.find(b"\x1f\x8b\x08")
        while at != -1:
            fh.seek(pos + at)
            try:
                head = zlib.decompressobj(31).decompress(fh.read(8192), 8)
            except zlib.error:
                head = b""
            if head.startswith(b"WARC/"):
                return pos + at
            at = block.find(b"\x1f\x8b\x08", at + 1)
        pos += len(block) - 2


def decode(cap: Capture, body: bytes, ctype: str | None) -> HtmlDoc:
    """Charset: HTTP header, then BOM/meta, then detection (w3lib, as browsers do)."""
    encoding, text = html_to_unicode(ctype, body)
    return HtmlDoc(cap, text, encoding)


def _not_an_archive(path: Path) -> str | None:
    """Why a file is no WARC/ARC at all (it must start with a record), or None."""
    with path.open("rb") as fh:
        head = fh.read(64)
        if head[:2] == b"\x1f\x8b":
            fh.seek(0)
            try:
                head = zlib.decompressobj(31).decompress(fh.read(4096), 64)
            except zlib.error as exc:
                return f"not a WARC file: bad gzip data ({exc})"
    if head.lstrip(b"\r\n").startswith((b"WARC/", b"filedesc://")):
        return None
    return f"not a WARC file: it starts with {head[:24]!r}"


@dataclass(frozen=True, slots=True)
class HtmlDoc:
    capture: Capture
    html: str
    encoding: str


def read_html(captures: list[Capture], max_bytes: int) -> Iterator[HtmlDoc | tuple[Capture, str]]:
    """Each capture's page decoded to text (content-encoding, then charset: HTTP header,
    BOM/meta, detection). A page that cannot be read comes back as (capture, reason)."""
    by_path: dict[str, list[Capture]] = {}
    for c in captures:  # a revisit's page is read from its original's record
        by_path.setdefault(c.source[0], []).append(c)
    for path, group in by_path.items():
        with open(path, "rb") as fh:
            for cap in group:
                try:
                    fh.seek(cap.source[1])
                    rec = next(iter(archive_iterator(fh)))
                    body = rec.content_stream().read(max_bytes + 1)
                except (*READ_ERRORS, StopIteration) as exc:
                    yield cap, f"unreadable record: {type(exc).__name__}: {exc}"
                    continue
                if len(body) > max_bytes:
                    yield cap, f"page larger than {max_bytes} bytes decoded"
                    continue
                ctype = rec.http_headers.get_header("Content-Type") if rec.http_headers else None
                yield decode(cap, body, ctype)
