"""What the WARC files say of the crawls that wrote them: their warcinfo records, for the card.

A warcinfo record (`application/warc-fields`) is the archive's own description: the software
that wrote it, the robots policy, the operator, what the crawl is part of, and (threadwarc
since issue 13, Browsertrix and others) the seeds. Only its first record is read per file.
"""

from __future__ import annotations

import logging
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from pipelines.extraction.crawls import crawls
from pipelines.extraction.warc import READ_ERRORS, archive_iterator

logger = logging.getLogger(__name__)

MAX_WARCINFO = 1 << 16
# warcinfo field names (lower case) the card shows, and the names producers give them
FIELDS = {
    "software": ("software",),
    "robots": ("robots", "robots-policy", "robotspolicy"),
    "operator": ("operator",),
    "is_part_of": ("ispartof",),
    "description": ("description",),
    "user_agent": ("http-header-user-agent", "user-agent"),
    "seeds": ("seeds", "seed", "seedurls", "seed-urls", "start-urls"),
    "seed_count": ("seed-count",),  # when `seeds` lists only the first ones
    "crawl_id": ("crawl-id",),
}


@dataclass
class CrawlInfo:
    """One crawl: the files it wrote among the inputs, and its first file's warcinfo."""

    id: str
    files: list[str] = field(default_factory=list)
    info: dict[str, str] = field(default_factory=dict)  # FIELDS keys -> values as stated

    @property
    def seeds(self) -> list[str]:
        return self.info.get("seeds", "").split()

    @property
    def seed_count(self) -> int:
        stated = self.info.get("seed_count", "")
        return max(int(stated) if stated.isdigit() else 0, len(self.seeds))


def describe(warcs: list[Path]) -> list[CrawlInfo]:
    """The crawls of these inputs (WARC and WACZ files), in the order of their names; files
    of one crawl (rotated files of a run) grouped as the rows' `first_crawl` names them."""
    plain = [p for p in warcs if not p.name.lower().endswith(".wacz")]
    ids = crawls(plain) if plain else {}
    out: dict[str, CrawlInfo] = {}
    for path in sorted(warcs, key=lambda p: (p.name, str(p))):
        if path.name.lower().endswith(".wacz"):
            for member, info in _wacz_infos(path):
                crawl = info.get("crawl_id") or f"{path.name}#{member}"
                _add(out, crawl, f"{path.name}#{member}", info)
        else:
            crawl = ids[str(path)].id if str(path) in ids else path.name
            _add(out, crawl, path.name, _file_info(path))
    return list(out.values())


def _add(out: dict[str, CrawlInfo], crawl: str, name: str, info: dict[str, str]) -> None:
    entry = out.setdefault(crawl, CrawlInfo(crawl))
    entry.files.append(name)
    for key, value in info.items():
        entry.info.setdefault(key, value)


def _file_info(path: Path) -> dict[str, str]:
    try:
        with path.open("rb") as fh:
            return _first_warcinfo(fh)
    except READ_ERRORS as exc:
        logger.debug("No warcinfo read from %s: %s", path, exc)
        return {}


def _wacz_infos(path: Path) -> list[tuple[str, dict[str, str]]]:
    out = []
    try:
        with zipfile.ZipFile(path) as z:
            for member in sorted(n for n in z.namelist()
                                 if n.startswith("archive/") and n.endswith((".warc", ".warc.gz"))):
                with z.open(member) as fh:
                    out.append((member, _first_warcinfo(fh)))
    except (*READ_ERRORS, zipfile.BadZipFile) as exc:
        logger.debug("No warcinfo read from %s: %s", path, exc)
    return out


def _first_warcinfo(fh: BinaryIO) -> dict[str, str]:
    try:
        rec = next(iter(archive_iterator(fh)))
    except StopIteration:
        return {}
    if rec.rec_type != "warcinfo":
        return {}
    return parse_fields(rec.content_stream().read(MAX_WARCINFO).decode("utf-8", "replace"))


def parse_fields(block: str) -> dict[str, str]:
    """`name: value` lines (application/warc-fields) -> the FIELDS the card shows."""
    names = {alias: key for key, aliases in FIELDS.items() for alias in aliases}
    out: dict[str, str] = {}
    for line in block.splitlines():
        name, sep, value = line.partition(":")
        if sep and (key := names.get(name.strip().lower())) and value.strip():
            out.setdefault(key, value.strip())
    return out
