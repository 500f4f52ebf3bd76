"""Reading WARCs back the way other tools do."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

BIN = Path(sys.executable).parent


@dataclass
class Rec:
    file: str
    offset: int
    type: str
    url: str | None
    headers: dict[str, str]
    status: int | None
    http_headers: list[tuple[str, str]]
    payload: bytes  # as stored (content-encoded)
    statusline: str = ""


def read_records(paths: list[Path]) -> list[Rec]:
    out = []
    for path in paths:
        with path.open("rb") as fh:
            it = ArchiveIterator(fh)
            for rec in it:
                http = rec.http_headers
                status = (int(http.get_statuscode()) if http and rec.rec_type in ("response", "revisit")
                          else None)
                payload = rec.raw_stream.read()  # before get_record_offset(), which skips the rest
                out.append(Rec(
                    path.name, it.get_record_offset(), rec.rec_type,
                    rec.rec_headers.get_header("WARC-Target-URI"),
                    dict(rec.rec_headers.headers), status,
                    list(http.headers) if http else [],
                    payload,
                    http.statusline if http else "",
                ))
    return out


def responses_by_url(records: list[Rec]) -> dict[str, Rec]:
    return {r.url: r for r in records if r.type == "response" and r.url}


def captures_by_url(records: list[Rec]) -> dict[str, Rec]:
    """Every URL fetched: full responses and revisits (a payload already archived, or a 304)."""
    return {r.url: r for r in records if r.type in ("response", "revisit") and r.url}


def tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / name), *args], capture_output=True, text=True, timeout=120)


def scrapy_stat(log: str, key: str) -> int | None:
    m = re.search(rf"'{re.escape(key)}': (\d+)", log)
    return int(m.group(1)) if m else None
