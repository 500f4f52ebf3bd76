"""Which crawl wrote each WARC file: what a row's `first_crawl`/`last_crawl` name, and the order
in which captures of a page are newer or older."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .revisits import norm_date
from .warc import READ_ERRORS, archive_iterator

# threadwarc's file names (pipelines/archiving/sink.py): PREFIX-STAMP17-SERIAL5-HOST.warc.gz
_OUR_NAME = re.compile(
    r"^(?P<prefix>.+)-(?P<stamp>\d{17})-(?P<serial>\d{5})-(?P<host>[A-Za-z0-9._-]+?)"
    r"\.warc(?:\.gz)?(?:\.open)?$")
_SUFFIX = re.compile(r"\.(warc|arc)(\.gz)?(\.open)?$")
CRAWL_ID_FIELD = "crawl-id"  # a warcinfo field naming the crawl, where the writer states one
MAX_WARCINFO = 1 << 16


@dataclass(frozen=True, slots=True)
class Crawl:
    id: str
    rank: int  # 0: the crawl that started first


def crawls(warcs: list[Path]) -> dict[str, Crawl]:
    """Each file's crawl, by local path. The `crawl-id` field of the file's warcinfo where it
    has one. Else, for threadwarc's own names, the run: a run numbers its files from 00001, so
    a file belongs to the latest 00001 file before it with the same prefix and host in its
    folder, and the run is named `PREFIX-STAMP-HOST` after that file. Else the file alone (its
    name without `.warc.gz`). Crawls are ranked by their first record's WARC-Date."""
    first = {p: _first_record(p) for p in warcs}
    ids: dict[Path, str] = {}
    runs: dict[tuple[Path, str, str], list[tuple[str, int, Path]]] = {}
    for path, (_, stated) in first.items():
        if stated:
            ids[path] = stated
        elif m := _OUR_NAME.match(path.name):
            runs.setdefault((path.parent, m["prefix"], m["host"]), []).append(
                (m["stamp"], int(m["serial"]), path))
        else:
            ids[path] = _SUFFIX.sub("", path.name) or path.name
    for (_, prefix, host), files in runs.items():
        current = None
        for stamp, serial, path in sorted(files, key=lambda f: (f[0], f[1], str(f[2]))):
            if serial == 1 or current is None:
                current = f"{prefix}-{stamp}-{host}"
            ids[path] = current
    start: dict[str, str] = {}
    for path, crawl in ids.items():
        date = first[path][0]
        start[crawl] = min(start.get(crawl, date), date)
    order = sorted(start, key=lambda c: (start[c], c))
    rank = {c: i for i, c in enumerate(order)}
    return {str(p): Crawl(c, rank[c]) for p, c in ids.items()}


def _first_record(path: Path) -> tuple[str, str | None]:
    """The WARC-Date of a file's first record, and the crawl its warcinfo names if it does."""
    try:
        with path.open("rb") as fh:
            rec = next(iter(archive_iterator(fh)))
            date = norm_date(rec.rec_headers.get_header("WARC-Date") or "")
            if rec.rec_type != "warcinfo":
                return date, None
            block = rec.content_stream().read(MAX_WARCINFO).decode("utf-8", "replace")
    except (*READ_ERRORS, StopIteration):
        return "", None
    for line in block.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == CRAWL_ID_FIELD and value.strip():
            return date, value.strip()
    return date, None
