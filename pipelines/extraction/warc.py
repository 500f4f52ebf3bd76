"""Reading WARC files from any tool: find the HTML responses, then read them one by one."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from w3lib.encoding import html_to_unicode
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

logger = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
HTML_TYPES = ("text/html", "application/xhtml+xml")
# What a broken file raises while being read: bad gzip, cut short, not a WARC at all.
READ_ERRORS = (ArchiveLoadFailed, zlib.error, EOFError, OSError, ValueError)


class WarcReadError(Exception):
    """A WARC file could not be read to its end; records before `offset` were kept."""

    def __init__(self, path: Path, offset: int, cause: BaseException) -> None:
        super().__init__(f"{path}: unreadable at offset {offset}: {type(cause).__name__}: {cause}")
        self.path, self.offset = path, offset


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


def find_warcs(inputs: Iterable[str | Path]) -> list[Path]:
    """WARC files named, or found (recursively) in directories named; sorted, no duplicates."""
    found: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            found += [p for p in item.rglob("*") if p.is_file() and p.name.endswith(WARC_SUFFIXES)]
        elif item.is_file():
            found.append(item)
        else:
            raise FileNotFoundError(f"no such WARC file or directory: {item}")
    return sorted(set(found), key=lambda p: (p.name, str(p)))


def scan(path: Path, errors: list[WarcReadError]) -> Iterator[Capture]:
    """The 2xx HTML responses of one file, without decoding their payloads.

    A file that breaks off yields what came before and adds a WarcReadError to `errors`.
    """
    offset = 0
    if (problem := _not_an_archive(path)) is not None:
        errors.append(WarcReadError(path, 0, ValueError(problem)))
        return
    with path.open("rb") as fh:
        it = ArchiveIterator(fh, arc2warc=True)
        try:
            for rec in it:
                headers = rec.rec_headers
                keep = (
                    rec.rec_type == "response"
                    and not headers.get_header("WARC-Truncated")  # a partial page: no output
                    and rec.http_headers is not None
                    and (rec.http_headers.get_statuscode() or "")[:1] == "2"
                    and (rec.http_headers.get_header("Content-Type") or "text/html")
                    .split(";")[0].strip().lower() in HTML_TYPES
                )
                url = headers.get_header("WARC-Target-URI") or ""
                date = headers.get_header("WARC-Date") or ""
                rid = headers.get_header("WARC-Record-ID") or ""
                it.read_to_end(rec)
                offset = it.get_record_offset()
                if missing := getattr(rec.raw_stream, "limit", 0):  # warcio stops quietly at EOF
                    raise EOFError(f"record cut short, {missing} bytes of its block missing")
                if keep and url.startswith(("http://", "https://")):
                    yield Capture(path.name, str(path), offset, it.get_record_length(), rid,
                                  url.strip("<>"), date)
                offset += it.get_record_length()
        except READ_ERRORS as exc:
            errors.append(WarcReadError(path, max(offset, 0), exc))


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
    for c in captures:
        by_path.setdefault(c.path, []).append(c)
    for path, group in by_path.items():
        with open(path, "rb") as fh:
            for cap in group:
                try:
                    fh.seek(cap.offset)
                    rec = next(iter(ArchiveIterator(fh, arc2warc=True)))
                    body = rec.content_stream().read(max_bytes + 1)
                except (*READ_ERRORS, StopIteration) as exc:
                    yield cap, f"unreadable record: {type(exc).__name__}: {exc}"
                    continue
                if len(body) > max_bytes:
                    yield cap, f"page larger than {max_bytes} bytes decoded"
                    continue
                ctype = rec.http_headers.get_header("Content-Type") if rec.http_headers else None
                encoding, text = html_to_unicode(ctype, body)
                yield HtmlDoc(cap, text, encoding)
