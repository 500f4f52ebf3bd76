"""Reading WARC files from any tool: find the HTML responses, then read them one by one."""

from __future__ import annotations

import gzip
import logging
import os
import re
import shutil
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from w3lib.encoding import html_to_unicode
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import DecompressingBufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import (
    StatusAndHeaders,
    StatusAndHeadersParser,
    StatusAndHeadersParserException,
)

from pipelines.archiving.sink import OPEN_SUFFIX

from .encodings import BodyDecodeError, read_payload
from .encodings import install as _install_encodings

_install_encodings()  # br and zstd bodies, as other producers archive them
logger = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
WACZ_SUFFIX = ".wacz"  # a zip holding the WARC files as archive/*.warc.gz
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


class RecordCut(ValueError):
    """A record's WARC header ends before its blank line (the file or its gzip member ends
    there), or the next record starts inside it; or it states no usable Content-Length. Not an
    EOFError: warcio takes that for an empty record and goes on without a word."""


class WarcReadError(Exception):
    """A WARC file could not be read at `offset`: records before it were kept, and those from
    `resumed` on (the next record found after it; None: none, or the file could not be
    searched for one)."""

    def __init__(self, path: Path, offset: int, cause: BaseException | str,
                 resumed: int | None = None) -> None:
        if isinstance(cause, BaseException):
            cause = f"{type(cause).__name__}: {cause}"
        if len(cause) > 500:  # warcio quotes the line it could not read, whatever its length
            cause = cause[:500] + "..."
        super().__init__(path, offset, cause, resumed)  # args alone: it crosses processes
        self.path, self.offset, self.cause, self.resumed = path, offset, cause, resumed

    def __str__(self) -> str:
        then = f" (read on from the next record, at offset {self.resumed})" if self.resumed else ""
        return f"{self.path}: unreadable at offset {self.offset}: {self.cause}{then}"


@dataclass(frozen=True, slots=True)
class Capture:
    """Where one HTML page (a response or resource record) lives in the archive: enough to
    open the exact record."""

    warc_file: str  # file name, as published (no local directories; `x.wacz#archive/y.warc.gz`)
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
    rec_type: str  # response | resource | revisit
    record_id: str
    url: str
    date: str  # WARC-Date as written
    digest: str  # WARC-Payload-Digest as written
    status: str  # HTTP status code; "" without HTTP headers; "200" for a resource
    ctype: str | None
    truncated: bool
    profile: str = ""  # a revisit's WARC-Profile
    refers_to: str = ""  # WARC-Refers-To: the original's record id
    refers_uri: str = ""  # WARC-Refers-To-Target-URI
    refers_date: str = ""  # WARC-Refers-To-Date
    warc_file: str = ""  # the file's name as rows give it ("": the local file's name)


@dataclass(frozen=True, slots=True)
class Source:
    """One WARC file to read: an input, or a copy of what an input holds (a `.wacz`'s
    `archive/*.warc.gz`) or stands for (a `.warc.gz` gzipped whole, decompressed), made in a
    folder of the publish's own; with the names rows and messages give it."""

    path: Path  # the bytes read
    name: str = ""  # rows' warc_file: the input's file name (`x.wacz#archive/y.warc.gz`)
    shown: str = ""  # messages' name: the input's path (`#member` inside a .wacz)
    origin: Path | None = None  # the input it comes from (None: `path` itself)

    @property
    def input(self) -> Path:
        return self.origin or self.path

    @property
    def warc_file(self) -> str:
        return self.name or self.path.name

    @property
    def label(self) -> str:
        return self.shown or str(self.path)


def find_warcs(inputs: Iterable[str | Path]) -> list[Path]:
    """WARC and WACZ files named, or found (recursively) in directories named, unfinished
    `.open` ones included; sorted, no duplicates."""
    found: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            found += [p for p in item.rglob("*") if p.is_file()
                      and p.name.endswith((*WARC_SUFFIXES, WACZ_SUFFIX, *UNFINISHED_SUFFIXES))]
        elif item.is_file():
            found.append(item)
        else:
            raise FileNotFoundError(f"no such WARC file or directory: {item}")
    return sorted(set(found), key=lambda p: (p.name, str(p)))


def unpack(inputs: list[Path], folder: Path, errors: list[WarcReadError]) -> list[Source]:
    """The WARC files to read for these inputs: most are read where they are; a `.wacz`'s
    `archive/` WARCs and a `.warc.gz` gzipped whole (one gzip stream, not one member per
    record: warcio reads no further than its first record) are copied into `folder` first,
    a MiB at a time. A WACZ member with the name and bytes of a WARC file also given is read
    once (a crawl's folder holds its WARC files and the WACZ packaging them). An input that
    cannot be unpacked adds a WarcReadError."""
    sources: list[Source] = []
    given = _Given([p for p in inputs if not p.name.lower().endswith(WACZ_SUFFIX)])
    for i, path in enumerate(inputs):
        if path.name.lower().endswith(WACZ_SUFFIX):
            sources += _wacz_members(path, folder / f"{i:05d}", errors, given)
        elif whole_gzip(path):
            sources.append(_gunzipped(Source(path), folder / f"{i:05d}", errors))
        else:
            sources.append(Source(path))
    return sources


_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_name(name: str, fallback: str) -> str:
    """A file name made of a member's name: no separators, no dot-files, bounded."""
    safe = _SAFE.sub("_", name).lstrip(".")[:120]
    return safe or fallback


def printable(text: str) -> str:
    """A name from the input (a zip member's) as a log line may show it."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


class _Given:
    """The WARC files given beside WACZ files, to know a WACZ member that is one of them: same
    name, same size, and for a stored member (a WACZ stores its WARCs as they are) the same
    first and last MiB, else the same CRC-32. Cheap: a crawl's folder is all of them."""

    SAMPLE = 1 << 20

    def __init__(self, paths: list[Path]) -> None:
        self.by_key: dict[tuple[str, int], list[Path]] = {}
        for p in paths:
            self.by_key.setdefault((p.name, p.stat().st_size), []).append(p)

    def same(self, zip_path: Path, member: zipfile.ZipInfo) -> Path | None:
        for p in self.by_key.get((PurePosixPath(member.filename).name, member.file_size), []):
            if self._equal(zip_path, member, p):
                return p
        return None

    def _equal(self, zip_path: Path, member: zipfile.ZipInfo, local: Path) -> bool:
        if member.compress_type != zipfile.ZIP_STORED:
            crc = 0
            with local.open("rb") as fh:
                while block := fh.read(1 << 20):
                    crc = zlib.crc32(block, crc)
            return crc == member.CRC
        with zip_path.open("rb") as zf, local.open("rb") as fh:
            zf.seek(member.header_offset)
            header = zf.read(zipfile.sizeFileHeader)
            if len(header) < zipfile.sizeFileHeader:
                return False
            *_, name_len, extra_len = struct.unpack(zipfile.structFileHeader, header)
            start = member.header_offset + zipfile.sizeFileHeader + name_len + extra_len
            size = member.file_size
            for at in sorted({0, max(0, size - self.SAMPLE)}):
                zf.seek(start + at)
                fh.seek(at)
                n = min(self.SAMPLE, size - at)
                if zf.read(n) != fh.read(n):
                    return False
        return True


def _wacz_members(path: Path, dest: Path, errors: list[WarcReadError], given: _Given
                  ) -> list[Source]:
    """A WACZ's `archive/` WARC files, copied out of the zip (names made safe: a member's name
    never becomes a path), but for those also given as files."""
    out: list[Source] = []
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        errors.append(WarcReadError(path, 0, f"not a WACZ file (no zip archive): {exc}"))
        return out
    with zf:
        members = sorted((m for m in zf.infolist() if not m.is_dir()
                          and m.filename.startswith("archive/")
                          and m.filename.lower().endswith((*WARC_SUFFIXES, *UNFINISHED_SUFFIXES))),
                         key=lambda m: m.filename)
        if not members:
            errors.append(WarcReadError(path, 0, "a WACZ file with no archive/*.warc.gz in it"))
        dest.mkdir(parents=True, exist_ok=True)
        used: set[str] = set()
        for j, member in enumerate(members):
            shown = printable(member.filename)
            source = Source(Path(), f"{path.name}#{shown}", f"{path}#{shown}", path)
            if (twin := given.same(path, member)) is not None:
                logger.info("%s: the same file as %s, read once", source.label, twin)
                continue
            name = _safe_name(PurePosixPath(member.filename).name, f"member-{j}.warc.gz")
            if name in used:
                name = f"{j:05d}-{name}"
            used.add(name)
            copy = dest / name
            try:
                with zf.open(member) as src, copy.open("wb") as fh:
                    shutil.copyfileobj(src, fh, 1 << 20)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
                errors.append(WarcReadError(Path(source.label), 0, f"not readable from the zip: {exc}"))
                copy.unlink(missing_ok=True)
                continue
            source = Source(copy, source.name, source.shown, path)
            out.append(_gunzipped(source, dest / f"whole-{j:05d}", errors) if whole_gzip(copy)
                       else source)
    return out


def _gunzipped(source: Source, dest: Path, errors: list[WarcReadError]) -> Source:
    """A WARC gzipped whole, decompressed into `dest`: its records' offsets are then offsets in
    the decompressed bytes (`zcat FILE | tail -c +OFFSET+1` starts at the record)."""
    name = source.path.name.removesuffix(OPEN_SUFFIX).removesuffix(".gz")
    name = _safe_name(name if name.endswith((".warc", ".arc")) else name + ".warc", "whole.warc")
    dest.mkdir(parents=True, exist_ok=True)
    copy = dest / name
    with gzip.open(source.path, "rb") as src, copy.open("wb") as fh:
        try:
            shutil.copyfileobj(src, fh, 1 << 20)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            errors.append(WarcReadError(Path(source.label), fh.tell(), (
                f"the gzip stream stops there ({type(exc).__name__}: {exc}); offset in the "
                "decompressed file, the records before it are read")))
        size = fh.tell()
    logger.warning("%s is gzipped whole, not one gzip member per record: read through a "
                   "decompressed copy (%d bytes), by one worker; its rows' warc_offset are "
                   "offsets in the decompressed file", source.label, size)
    return Source(copy, source.warc_file, source.label, source.input)


def whole_gzip(path: Path) -> bool:
    """Is this a gzip file whose first member is not exactly its first record (gzipped whole,
    or in blocks of some size)? warcio reads one gzip member per record, never further."""
    with path.open("rb") as fh:
        if fh.read(2) != b"\x1f\x8b":
            return False
        fh.seek(0)
        member = zlib.decompressobj(31)
        head, end, produced = b"", None, 0
        while not member.eof:
            data = member.unconsumed_tail or fh.read(1 << 16)
            if not data:
                return False  # cut short: read as it is, and the reader says where
            try:
                out = member.decompress(data, 1 << 20)
            except zlib.error:
                return False  # corrupt: likewise
            if end is None:
                head += out
                if (end := _first_record_end(head)) is None:
                    if len(head) > MAX_HEADER_BYTES:
                        return False
                    continue
                if end < 0:
                    return False  # no record at all: the reader says what it is
                out, produced = head, 0
            # past its record, a record's own member holds nothing but blank lines
            if produced + len(out) > end and out[max(0, end - produced):].strip(b"\r\n"):
                return True
            produced += len(out)
        if end is None or produced >= end:
            return False
        # the member ends inside the record: blocks of some size, unless a record starts
        # right after it (then the first record is only cut short, and the reader says so)
        nxt = fh.tell() - len(member.unused_data)
        return nxt < os.fstat(fh.fileno()).st_size and _next_member(fh, nxt) != nxt


_CONTENT_LENGTH = re.compile(rb"(?im)^content-length[ \t]*:[ \t]*(\d+)[ \t]*\r?$")
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


def _first_record_end(head: bytes) -> int | None:
    """Where the first record of these decompressed bytes ends, once its header is in them
    (None: not yet; -1: they start with no WARC or ARC record)."""
    text = head.lstrip(b"\r\n")
    lead = len(head) - len(text)
    if text.startswith(b"WARC/"):
        if not (blank := _BLANK_LINE.search(text)):
            return None
        m = _CONTENT_LENGTH.search(text, 0, blank.start() + 2)
        return lead + blank.end() + int(m.group(1)) if m else lead + blank.end()
    if (eol := text.find(b"\n")) < 0:
        return None
    fields = text[:eol].split()
    if len(fields) >= 5 and fields[-1].isdigit() and b"://" in fields[0]:  # ARC: URL IP DATE TYPE LENGTH
        return lead + eol + 1 + int(fields[-1])
    return -1


def split(path: Path, workers: int, min_range: int | None = None) -> list[tuple[int, int | None]]:
    """Byte ranges of one file that workers can read apart: a `.warc.gz` is one gzip member
    per record, so a range starts at the first member at or after its offset (ARC files,
    whose records are not found that way, and plain files are read whole)."""
    size, min_range = path.stat().st_size, min_range or MIN_RANGE
    if not path.name.endswith(".warc.gz") or size < 2 * min_range:
        return [(0, None)]
    step = min(max(size // (4 * workers), min_range), MAX_RANGE)
    cuts = list(range(0, size, step))
    return [(a, b) for a, b in zip(cuts, [*cuts[1:], None], strict=True)]


MIN_RANGE, MAX_RANGE = 4 * 1024 * 1024, 256 * 1024 * 1024


def iter_responses(
    path: Path | Source, errors: list[WarcReadError], *, start: int = 0, end: int | None = None,
    body_for: Callable[[str], bool] = lambda url: True, max_bytes: int = 20_000_000,
    index: Callable[[IndexEntry], None] | None = None, seen: Counter[str] | None = None,
) -> Iterator[tuple[Capture, bytes | str | None, str | None]]:
    """(capture, decoded payload, Content-Type) of each HTML page starting in [start, end) of
    one file: a 2xx HTML `response`, or an HTML `resource` (a page stored without its HTTP
    exchange). The payload only where `body_for(url)`, cut at `max_bytes + 1`; a str saying
    why when it does not decode; None when not read. `index` is handed every response,
    resource and revisit record of an http(s) URL in that range, kept or not: what revisits
    are resolved with. `seen` counts the records read by type (`page`: the pages yielded).

    A broken record adds a WarcReadError to `errors`; reading goes on at the next record:
    the next gzip member of a `.warc.gz`, the next `WARC/1.x` header of a `.warc`; an ARC
    file stops there.
    """
    src = path if isinstance(path, Source) else Source(path)
    path, label = src.path, Path(src.label)
    if start == 0 and (problem := _not_an_archive(path)) is not None:
        errors.append(WarcReadError(label, 0, ValueError(problem)))
        return
    with path.open("rb") as fh:
        gzipped = fh.read(2) == b"\x1f\x8b"
        base = start if start == 0 else _next_member(fh, start)
        if base is None or (end is not None and base >= end):
            return
        plain_warc = not gzipped and not path.name.lower().removesuffix(OPEN_SUFFIX).endswith(".arc")
        offset: int | None = base
        while offset is not None and (end is None or offset < end):
            fh.seek(offset)
            try:
                yield from _records(fh, src, offset, end, body_for, max_bytes, index, seen)
                return
            except _Broken as broken:
                # carry on at the next record, so what is kept does not depend on where the
                # file was split between workers
                at, cause = broken.offset, broken.cause
                if gzipped:
                    offset = _next_member(fh, at + 1)
                    fh.seek(at)
                    if fh.read(2) == b"\x1f\x8b":  # a member's start: is the member itself bad?
                        cause = _member_problem(fh, at, offset) or cause
                elif plain_warc:
                    at = _skip_blank(fh, at)
                    offset = _next_record_start(fh, at + 1)
                else:
                    offset = None
                errors.append(WarcReadError(label, at, cause, offset))


class _Broken(Exception):
    def __init__(self, offset: int, cause: BaseException) -> None:
        super().__init__(offset, cause)
        self.offset, self.cause = offset, cause


def _page_type(rec: Any) -> str | None:
    """The Content-Type of a record that may be a page: a 2xx response's, or a resource's own
    (a resource is a page stored without its HTTP exchange: its type is the WARC
    Content-Type, and it states one). None: no page."""
    headers, http = rec.rec_headers, rec.http_headers
    if headers.get_header("WARC-Truncated"):  # a partial page: no output
        return None
    if rec.rec_type == "resource":
        return headers.get_header("Content-Type") or None
    if rec.rec_type != "response" or http is None or (http.get_statuscode() or "")[:1] != "2":
        return None
    return http.get_header("Content-Type") or "text/html"


def _records(
    fh: BinaryIO, src: Source, offset: int, end: int | None, body_for: Callable[[str], bool],
    max_bytes: int, index: Callable[[IndexEntry], None] | None = None,
    seen: Counter[str] | None = None,
) -> Iterator[tuple[Capture, bytes | str | None, str | None]]:
    it = archive_iterator(fh, requests=False)
    floor = offset  # where a resync may start: past the last record read, whatever warcio says
    last: int | None = None  # where the last record read starts
    try:
        for rec in it:
            if rec.rec_type is None:  # what warcio makes of a record header cut off mid-way
                raise EOFError("a record header is cut short")
            headers = rec.rec_headers
            url = (headers.get_header("WARC-Target-URI") or "").strip("<>")
            ctype = _page_type(rec)
            keep = ctype is not None and ctype.split(";")[0].strip().lower() in HTML_TYPES and (
                url.startswith(("http://", "https://")))
            body: bytes | str | None = None
            if keep and body_for(url):
                try:
                    body = read_payload(rec, max_bytes + 1)
                except BodyDecodeError as exc:
                    body = str(exc)
            it.read_to_end(rec)
            offset = it.get_record_offset()  # absolute: warcio counts from fh.tell()
            if end is not None and offset >= end:
                return  # the next range's first record
            if missing := getattr(rec.raw_stream, "limit", 0):  # warcio stops quietly at EOF
                raise EOFError(f"record cut short, {missing} bytes of its block missing")
            if seen is not None:
                seen[rec.rec_type] += 1
            if index is not None and rec.rec_type in ("response", "resource", "revisit") and (
                    url.startswith(("http://", "https://"))):
                index(_entry(rec, src, offset, it.get_record_length(), url, _ctype(rec)))
            if keep:
                if seen is not None:
                    seen["page"] += 1
                cap = Capture(src.warc_file, str(src.path), offset, it.get_record_length(),
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


def _ctype(rec: Any) -> str | None:
    """The payload's Content-Type: the HTTP header's, a resource's own."""
    if rec.http_headers is not None:
        return rec.http_headers.get_header("Content-Type")
    return rec.rec_headers.get_header("Content-Type") if rec.rec_type == "resource" else None


def _entry(rec: Any, src: Source, offset: int, length: int, url: str, ctype: str | None
           ) -> IndexEntry:
    h, http = rec.rec_headers, rec.http_headers
    status = "200" if rec.rec_type == "resource" else (
        (http.get_statuscode() or "") if http is not None else "")
    return IndexEntry(
        str(src.path), offset, length, rec.rec_type, h.get_header("WARC-Record-ID") or "", url,
        h.get_header("WARC-Date") or "", h.get_header("WARC-Payload-Digest") or "",
        status, ctype, bool(h.get_header("WARC-Truncated")),
        h.get_header("WARC-Profile") or "", (h.get_header("WARC-Refers-To") or "").strip(),
        (h.get_header("WARC-Refers-To-Target-URI") or "").strip().strip("<>"),
        (h.get_header("WARC-Refers-To-Date") or "").strip(), src.warc_file,
    )


# HTTP/2 and HTTP/3 status lines, as browser-based tools write them (warcio knows 1.0 and 1.1)
HTTP_VERSIONS = ("HTTP/2", "HTTP/3")


def archive_iterator(fh: BinaryIO, *, requests: bool = True) -> ArchiveIterator:
    """warcio's iterator (ARC records as WARC), reading no line longer than MAX_HEADER_BYTES
    outside a record's block (warcio reads a header line whole, so memory followed the file),
    and raising RecordCut for a WARC header that is cut short (warcio skips it silently, or
    reads the next record's header as the rest of it). `requests=False`: a request record's
    HTTP header is not parsed (its `http_headers` is None; publishing never reads one, and
    they are a quarter of a crawl's header blocks)."""
    it = ArchiveIterator(fh, arc2warc=True)
    it.reader = _CappedReader(it.fh, block_size=it.reader.block_size)  # lines between records
    loader = it.loader
    loader.warc_parser = _CappedParser(loader.warc_parser, "WARC")
    loader.http_parser = _CappedParser(loader.http_parser, "HTTP", HTTP_VERSIONS)
    loader.http_req_parser = _CappedParser(loader.http_req_parser, "HTTP")
    if not requests:
        http_headers = loader.load_http_headers

        def load_http_headers(rec_type: str, uri: str, stream: Any, length: int) -> Any:
            return None if rec_type == "request" else http_headers(rec_type, uri, stream, length)

        loader.load_http_headers = load_http_headers
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
    """warcio's status-and-headers parser, raising HeaderTooLarge past MAX_HEADER_BYTES; for
    WARC headers, RecordCut where the header is cut short or states no Content-Length."""

    def __init__(self, like: StatusAndHeadersParser, what: str, more: tuple[str, ...] = ()) -> None:
        super().__init__([*like.statuslist, *more], like.verify)
        self.what = what

    def parse(self, stream: Any, full_statusline: bytes | None = None) -> StatusAndHeaders:
        """warcio's `parse`, line for line the same result (its status line check, continuation
        lines, each line decoded as UTF-8 or else ISO-8859-1), in one pass over lines read
        with the cap: warcio's own, behind a per-line wrapper, was a third of a publish. Each
        line is read with `readline(left + 1)`: warcio's readline(n) can stop short of n and of
        the line's end, and the rest of a long line then comes as lines of its own, still
        counted in `left`."""
        # the WARC header is read from _CappedReader itself: its base's readline, one call less
        readline = (partial(DecompressingBufferedReader.readline, stream) if type(stream) is _CappedReader
                    else stream.readline)
        left = MAX_HEADER_BYTES - len(full_statusline or b"")
        if full_statusline is None:
            full_statusline = readline(left + 1)
            left -= len(full_statusline)
            if left < 0:
                raise HeaderTooLarge(f"{self.what} header larger than {MAX_HEADER_BYTES} bytes")
        text = _decoded(full_statusline)
        total = len(text)
        status = text.rstrip()
        if total == 0:
            raise EOFError()
        if not status:  # a blank line: warcio's empty header (for a WARC header, checked below)
            return self._checked(StatusAndHeaders(status, [], protocol="", total_len=total), "")
        if self.verify:
            protocol_status = self.split_prefix(status, self.statuslist)
            if not protocol_status:
                raise StatusAndHeadersParserException(
                    f"Expected Status Line starting with {self.statuslist} - Found: {status}", text)
        else:
            protocol_status = status.split(" ", 1)
        warc, cut = self.what == "WARC", ""
        headers: list[tuple[str, str]] = []
        name, value, started = "", None, False
        while True:  # up to a line that is blank once stripped, or the end
            line = readline(left + 1)
            left -= len(line)
            if left < 0:
                raise HeaderTooLarge(f"{self.what} header larger than {MAX_HEADER_BYTES} bytes")
            if warc and not cut:
                if not line:
                    cut = "its WARC header is cut short: the file (or its gzip member) ends in it"
                elif _VERSION_LINE.search(line):  # the next record's first line, glued on
                    cut = "its WARC header is cut short: the next record starts inside it"
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                text = line.decode("iso-8859-1")
            total += len(text)
            text = text.rstrip()
            if started and text[:1] in (" ", "\t"):  # a continuation line
                if value is not None:
                    value += text
                continue
            if value is not None:
                headers.append((name, value))
            if not text:
                break
            started = True
            name, colon, rest = text.partition(":")
            name, value = (name.rstrip(" \t"), rest.lstrip()) if colon else (name, None)
        parsed = StatusAndHeaders(protocol_status[1].strip() if len(protocol_status) > 1 else "", [],
                                  protocol=protocol_status[0], total_len=total)
        parsed.headers = headers  # already str: warcio's constructor would convert each again
        return self._checked(parsed, cut)

    def _checked(self, parsed: StatusAndHeaders, cut: str) -> StatusAndHeaders:
        """A WARC header: `cut` (where it was seen cut short), a field that must be there once
        found twice, no Content-Length: RecordCut."""
        if self.what != "WARC":
            return parsed
        headers = parsed.headers
        if cut:
            raise RecordCut(cut)
        names = [name.lower() for name, _ in headers]
        if any(names.count(n) > 1 for n in _ONCE):  # a second record's header in the first's
            raise RecordCut("its WARC header is cut short: the next record starts inside it")
        length = (parsed.get_header("Content-Length") or "").strip()
        if not length.isdigit():
            raise RecordCut(f"its WARC header states no Content-Length ({length or 'none'!r})")
        return parsed


def _decoded(line: bytes | str) -> str:
    """warcio's `decode_header`: UTF-8, else ISO-8859-1 (a str as it is)."""
    if isinstance(line, str):
        return line
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("iso-8859-1")


_VERSION_LINE = re.compile(rb"WARC/(?:1\.[01]|0\.1[78])\r?\n$")
_ONCE = ("warc-type", "warc-record-id", "content-length")  # fields a WARC header has once


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
    return _member_problem(fh, start, stop) is not None


def _member_problem(fh: BinaryIO, start: int, stop: int | None) -> str | None:
    """What is wrong with the gzip member at `start`, read up to `stop` (the next member, or
    the end of the file): cut short, or corrupt; None when it is whole."""
    size = os.fstat(fh.fileno()).st_size
    stop = size if stop is None else stop
    fh.seek(start)
    member = zlib.decompressobj(31)
    left = stop - start
    try:
        while left > 0 and not member.eof and (chunk := fh.read(min(left, 1 << 20))):
            left -= len(chunk)
            while chunk and not member.eof:  # output bounded: a bomb costs time, not memory
                member.decompress(chunk, 1 << 20)
                chunk = member.unconsumed_tail
    except zlib.error as exc:
        return f"its gzip member is corrupt (zlib: {exc})"
    if member.eof:
        return None
    after = "the end of the file" if stop >= size else f"the next record at offset {stop}"
    return f"its gzip member is cut short: it never ends before {after}"


def _next_member(fh: BinaryIO, pos: int) -> int | None:
    """Offset of the first gzip member at or after `pos` that holds a WARC (or ARC) record."""
    while True:
        fh.seek(pos)
        block = fh.read(1 << 16)
        if len(block) < 3:
            return None
        at = block.find(b"\x1f\x8b\x08")
        while at != -1:
            fh.seek(pos + at)
            try:
                head = zlib.decompressobj(31).decompress(fh.read(8192), 512)
            except zlib.error:
                head = b""
            if head.startswith(b"WARC/") or _ARC_LINE.match(head):
                return pos + at
            at = block.find(b"\x1f\x8b\x08", at + 1)
        pos += len(block) - 2


# an ARC v1 record's first line: URL IP-address 14-digit-date content-type length
_ARC_LINE = re.compile(rb"[a-z][a-z0-9+.-]*:\S* \S+ \d{14} \S+ \d+\n", re.IGNORECASE)
# a WARC record's first line and, before its header's end, its type
_RECORD_START = re.compile(rb"WARC/(?:1\.[01]|0\.1[78])\r?\n")
_WARC_TYPE = re.compile(rb"(?im)^WARC-Type[ \t]*:")


def _next_record_start(fh: BinaryIO, pos: int) -> int | None:
    """Offset of the first `WARC/1.x` record header at or after `pos` in a plain `.warc`
    (a version line followed by a WARC-Type field): where reading resumes after a bad record."""
    while True:
        fh.seek(pos)
        block = fh.read(1 << 20)
        if len(block) < 10:
            return None
        for m in _RECORD_START.finditer(block):
            fh.seek(pos + m.start())
            head = fh.read(8192)
            end = _BLANK_LINE.search(head)
            if _WARC_TYPE.search(head, 0, end.start() if end else len(head)):
                return pos + m.start()
        if len(block) < 1 << 20:
            return None
        pos += len(block) - 16


def _skip_blank(fh: BinaryIO, pos: int) -> int:
    """`pos`, past the blank lines a plain file has between records."""
    fh.seek(pos)
    head = fh.read(64)
    return pos + len(head) - len(head.lstrip(b"\r\n"))


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
    if head.startswith(b"PK\x03\x04"):
        return "not a WARC file: a zip file (a WACZ must be named *.wacz)"
    return f"not a WARC file: it starts with {head[:24]!r}"


@dataclass(frozen=True, slots=True)
class HtmlDoc:
    capture: Capture
    html: str
    encoding: str


def read_html(captures: list[Capture], max_bytes: int) -> Iterator[HtmlDoc | tuple[Capture, str]]:
    """Each capture's page decoded to text (transfer and content codings, then charset: HTTP
    header, BOM/meta, detection). A page that cannot be read comes back as (capture, reason)."""
    by_path: dict[str, list[Capture]] = {}
    for c in captures:  # a revisit's page is read from its original's record
        by_path.setdefault(c.source[0], []).append(c)
    for path, group in by_path.items():
        with open(path, "rb") as fh:
            for cap in group:
                try:
                    fh.seek(cap.source[1])
                    rec = next(iter(archive_iterator(fh)))
                    body = read_payload(rec, max_bytes + 1)
                except BodyDecodeError as exc:
                    yield cap, str(exc)
                    continue
                except (*READ_ERRORS, StopIteration) as exc:
                    yield cap, f"unreadable record: {type(exc).__name__}: {exc}"
                    continue
                if len(body) > max_bytes:
                    yield cap, f"page larger than {max_bytes} bytes decoded"
                    continue
                yield decode(cap, body, _ctype(rec))
