"""Revisit records (WARC 1.1, as warcio, pywb and Heritrix write them) read as the pages they
repeat: each is matched to the record holding its payload, so a deduplicated archive publishes
what the full one would."""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from .warc import HTML_TYPES, UNFINISHED_SUFFIXES, WARC_SUFFIXES, Capture, IndexEntry

# WARC 1.0/1.1 profile URIs end so (Heritrix's uri-agnostic variant included)
IDENTICAL, NOT_MODIFIED = "identical-payload-digest", "server-not-modified"
MAX_HOPS = 8  # a revisit of a revisit of ...: followed this far

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS records (path TEXT, offset INTEGER, length INTEGER, rec_type TEXT,"
    " record_id TEXT, url TEXT, date TEXT, raw_date TEXT, digest TEXT, status TEXT, ctype TEXT,"
    " truncated INTEGER, profile TEXT, refers_to TEXT, refers_uri TEXT, refers_date TEXT,"
    " publish INTEGER, warc_file TEXT);"
)
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS records_id ON records (record_id);"
    "CREATE INDEX IF NOT EXISTS records_url ON records (url, date);"
    "CREATE INDEX IF NOT EXISTS records_digest ON records (digest);"
)


class Rec(NamedTuple):
    path: str
    offset: int
    length: int
    rec_type: str
    record_id: str
    url: str
    date: str  # normalised: comparable as text
    raw_date: str
    digest: str  # normalised
    status: str
    ctype: str | None
    truncated: int
    profile: str
    refers_to: str
    refers_uri: str
    refers_date: str  # normalised
    publish: int
    warc_file: str  # as rows name the file

    @property
    def name(self) -> str:
        return self.warc_file or Path(self.path).name

    @property
    def where(self) -> str:
        return f"{self.name}@{self.offset} {self.url}"


def norm_date(text: str) -> str:
    """A WARC date (seconds or finer, `Z` or an offset) as UTC with microseconds, so dates
    written at different precisions compare as text; kept as written when it is no date."""
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def norm_digest(text: str) -> str:
    """`algo:value` with the algorithm in lower case and the value in base32, as warcio and
    Heritrix write it (a base16 value is converted)."""
    algo, sep, value = text.strip().partition(":")
    if not sep:
        return text.strip()
    value = value.strip()
    if len(value) in (40, 64, 128):
        try:
            value = base64.b32encode(bytes.fromhex(value)).decode("ascii")
        except ValueError:
            pass
    return f"{algo.strip().lower()}:{value.upper()}"


def is_html(ctype: str | None) -> bool:
    return (ctype or "text/html").split(";")[0].strip().lower() in HTML_TYPES


def wanted(e: IndexEntry) -> bool:
    """A revisit that may be an HTML page: its own status and type say nothing against it
    (a 304 usually states no type: its original decides)."""
    status_ok = e.status == "" or e.status[:1] == "2" or e.status == "304"
    return e.rec_type == "revisit" and not e.truncated and status_ok and (
        e.ctype is None or is_html(e.ctype))


def store(db: sqlite3.Connection, entries: Iterable[IndexEntry], *, publish: bool) -> None:
    """Responses and resources that can be an original (2xx) and every revisit; `publish`: these revisits
    are pages of the inputs (else they only lead to an original)."""
    db.executemany(
        "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(e.path, e.offset, e.length, e.rec_type, e.record_id, e.url, norm_date(e.date), e.date,
          norm_digest(e.digest), e.status, e.ctype, int(e.truncated), e.profile, e.refers_to,
          e.refers_uri, norm_date(e.refers_date) if e.refers_date else "",
          int(publish and wanted(e)), e.warc_file or Path(e.path).name)
         for e in entries if e.rec_type == "revisit" or e.status[:1] == "2"])


def pending(db: sqlite3.Connection) -> int:
    return db.execute("SELECT count(*) FROM records WHERE publish = 1").fetchone()[0]


TO_PUBLISH, RETRY = 1, 2  # `publish` of a revisit to publish; of one left unresolved once


def resolve(db: sqlite3.Connection, state: int = TO_PUBLISH, batch: int = 1000,
            ) -> Iterator[tuple[Rec, Capture | None, str | None]]:
    """Each revisit to publish (`publish = state`), in the order read, matched to its
    original: (revisit, its page, None); (revisit, None, None) when the original is no HTML
    page (a 304 of an image); (revisit, None, why) when it is not found, the revisit then
    marked `publish = state + 1`. Read in batches: memory does not grow with the archive."""
    db.executescript(_INDEXES)
    last = 0
    while rows := db.execute("SELECT rowid, * FROM records WHERE publish = ? AND rowid > ?"
                             " ORDER BY rowid LIMIT ?", (state, last, batch)).fetchall():
        for rowid, *fields in rows:
            last, rev = rowid, Rec(*fields)
            original, why = _follow(db, rev)
            if original is None:
                db.execute("UPDATE records SET publish = ? WHERE rowid = ?", (state + 1, rowid))
                yield rev, None, why
            elif not is_html(rev.ctype if rev.ctype is not None else original.ctype):
                yield rev, None, None
            else:
                yield rev, Capture(rev.name, rev.path, rev.offset, rev.length,
                                   rev.record_id, rev.url, rev.raw_date, original.path,
                                   original.offset), None


def folders(db: sqlite3.Connection, state: int = RETRY) -> list[Path]:
    """The folders of the files holding revisits left unresolved."""
    return sorted({Path(path).parent for (path,) in db.execute(
        "SELECT DISTINCT path FROM records WHERE publish = ?", (state,)).fetchall()})


def _follow(db: sqlite3.Connection, rev: Rec) -> tuple[Rec | None, str]:
    """The response whose payload `rev` repeats, through revisits of revisits."""
    seen = {(rev.path, rev.offset)}
    current = rev
    for _ in range(MAX_HOPS):
        found = next((r for r in _candidates(db, current) if (r.path, r.offset) not in seen), None)
        if found is None:
            return None, _missing(current)
        if found.rec_type != "revisit":  # a response, or a resource (a page stored as it is)
            if found.truncated:
                return None, f"its original {found.where} is truncated"
            return found, ""
        seen.add((found.path, found.offset))
        current = found
    return None, f"more than {MAX_HOPS} revisits lead to it"


def _missing(rev: Rec) -> str:
    if not rev.profile.endswith((IDENTICAL, NOT_MODIFIED)) and not (
            rev.refers_to or rev.refers_uri):
        return f"profile {rev.profile or '(none)'} and nothing it refers to"
    what = rev.refers_to or " ".join(filter(None, (rev.refers_uri, rev.refers_date))) or rev.digest
    return f"no original {what or 'named'} in the archive"


_SELECT = "SELECT * FROM records WHERE "
# responses first; then the earliest, then by file and offset: the same inputs, the same pick
_ORDER = " ORDER BY rec_type = 'revisit', date, path, offset LIMIT 4"


def _candidates(db: sqlite3.Connection, rev: Rec) -> Iterator[Rec]:
    """Where the original may be, the surest way first: its record id; its URL and date (as
    written, then to the second); for identical payloads, the payload digest (the same URL
    first); for a 304, the newest earlier capture of the URL."""
    def query(where: str, args: tuple[object, ...], order: str = _ORDER) -> Iterator[Rec]:
        for row in db.execute(_SELECT + where + order, args).fetchall():
            yield Rec(*row)

    if rev.refers_to:
        yield from query("record_id = ?", (rev.refers_to,))
    if rev.refers_uri and rev.refers_date:
        yield from query("url = ? AND date = ?", (rev.refers_uri, rev.refers_date))
        yield from query("url = ? AND substr(date, 1, 19) = ?", (rev.refers_uri, rev.refers_date[:19]))
    uri = rev.refers_uri or rev.url
    if rev.profile.endswith(IDENTICAL) and rev.digest:
        yield from query("digest = ? AND rec_type != 'revisit'", (rev.digest, uri),
                         " ORDER BY url != ?, date, path, offset LIMIT 4")
    if rev.profile.endswith(NOT_MODIFIED):
        yield from query("url = ? AND rec_type != 'revisit' AND date <= ?", (uri, rev.date),
                         " ORDER BY date DESC, path, offset LIMIT 4")


def siblings(dirs: Iterable[Path], inputs: Iterable[Path]) -> list[Path]:
    """WARC files in these folders that were not inputs: where a crawl's earlier files (holding
    the originals) are, when only its later ones were named."""
    named = {p.resolve() for p in inputs}
    found = {p for d in dirs for p in d.iterdir()
             if p.is_file() and p.name.endswith((*WARC_SUFFIXES, *UNFINISHED_SUFFIXES))
             and p.resolve() not in named}
    return sorted(found, key=lambda p: (p.name, str(p)))
