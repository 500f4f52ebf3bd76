"""WARC_* settings, parsed once: code and tests take the dataclass, never the settings."""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Scrapy is imported only where settings are read, not in worker processes
    from scrapy.settings import BaseSettings

# Defaults live here, not read off the class: slots turn class attributes into descriptors.
MAX_SIZE, PREFIX, GZIP_LEVEL = 1_000_000_000, "threadwarc", 6
INDEX_NAME = "threadwarc-index.sqlite3"  # the dedup index, in WARC_DIR unless WARC_DEDUP_INDEX
CDXJ_NAME = "index.cdxj"  # the CDXJ index of every WARC file in WARC_DIR, in WARC_DIR
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name_part(text: str, fallback: str) -> str:
    """A string made safe for a file name: no separators, no dots at the start."""
    cleaned = _UNSAFE_NAME.sub("-", text).strip(".-")[:64]
    return cleaned or fallback


@dataclass(frozen=True, slots=True)
class WarcConfig:
    directory: Path
    max_size: int = MAX_SIZE
    prefix: str = PREFIX
    gzip_level: int = GZIP_LEVEL
    hostname: str = field(default_factory=lambda: safe_name_part(socket.gethostname(), "host"))
    # warcinfo fields (name -> value), written first in every file
    info: tuple[tuple[str, str], ...] = ()
    dedup: bool = True  # revisit records for payloads already archived; conditional requests
    dedup_index: Path | None = None  # None: directory / INDEX_NAME
    cdxj: bool = True  # at the end of each crawl: the folder's CDXJ index brought up to date
    cdxj_name: str = CDXJ_NAME  # a file name in `directory` (pywb resolves its WARCs from there)
    wacz: bool = True  # at the end of each crawl: its WARC files packaged as one WACZ
    # the crawling process: with the hostname in each file's name, so that processes sharing a
    # crawl (and a folder) never pick the same name
    pid: int = field(default_factory=os.getpid)
    # a crawl shared through Redis (crawler/frontier.py): its payload digests are shared too
    redis_url: str = ""
    redis_digests: str = ""  # the hash's key, `<crawl>:digests`
    # REDIS_PARAMS (a password, ssl, timeouts) for the writer's connection; what pickles only
    redis_params: tuple[tuple[str, Any], ...] = ()

    @property
    def index_path(self) -> Path:
        return self.dedup_index or self.directory / INDEX_NAME

    @property
    def cdxj_path(self) -> Path:
        return self.directory / self.cdxj_name

    @classmethod
    def from_settings(cls, s: BaseSettings, info: dict[str, Any] | None = None) -> WarcConfig:
        from scrapy.exceptions import NotConfigured

        if not s.getbool("WARC_ENABLED"):
            raise NotConfigured("WARC_ENABLED is off")
        if not (directory := s.get("WARC_DIR")):
            raise NotConfigured("WARC_DIR must be set when WARC_ENABLED is on")
        if (size := s.getint("WARC_MAX_SIZE", MAX_SIZE)) <= 0:
            raise NotConfigured(f"WARC_MAX_SIZE must be > 0, got {size!r}")
        if not 0 <= (level := s.getint("WARC_GZIP_LEVEL", GZIP_LEVEL)) <= 9:
            raise NotConfigured(f"WARC_GZIP_LEVEL must be 0-9, got {level!r}")
        prefix = s.get("WARC_PREFIX") or PREFIX
        if safe_name_part(prefix, "") != prefix:
            raise NotConfigured(f"WARC_PREFIX may hold only letters, digits, '.', '_', '-': {prefix!r}")
        fields = tuple((k, str(v)) for k, v in (info or {}).items() if v not in (None, ""))
        index = None
        if raw := s.get("WARC_DEDUP_INDEX"):
            index = Path(raw).expanduser()
            if str(raw).endswith(("/", "\\")) or index.is_dir():  # a folder: the index goes in it
                index /= INDEX_NAME
        cdxj_name = s.get("WARC_CDXJ_FILE") or CDXJ_NAME
        # a name beside the WARCs, never a path; `.cdxj`, as pywb finds indexes in a folder
        if safe_name_part(cdxj_name, "") != cdxj_name or not cdxj_name.endswith(".cdxj"):
            raise ValueError(f"WARC_CDXJ_FILE must be a file name ending in .cdxj (letters, digits, "
                             f"'.', '_', '-'), in WARC_DIR: got {cdxj_name!r}")
        redis_url = str(s.get("REDIS_URL") or "")
        digests = f"{s.get('REDIS_CRAWL') or 'thread'}:digests" if redis_url else ""
        params = tuple(sorted((str(k), v) for k, v in (s.getdict("REDIS_PARAMS") if redis_url else {}).items()
                              if isinstance(v, str | int | float | bool | type(None))))
        return cls(Path(directory).expanduser(), size, prefix, level, info=fields,
                   dedup=s.getbool("WARC_DEDUP", True), dedup_index=index,
                   cdxj=s.getbool("WARC_CDXJ", True), cdxj_name=cdxj_name,
                   wacz=s.getbool("WARC_WACZ", True), redis_url=redis_url, redis_digests=digests,
                   redis_params=params)
