"""DATASET_* settings, parsed once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Scrapy is imported only where settings are read, not in worker processes
    from scrapy.settings import BaseSettings

SPLIT_NAMES = ("train", "validation", "test")
# Defaults live here, not read off the class: slots turn class attributes into descriptors.
PAGE_TIMEOUT, MAX_PAGE_BYTES, LICENSE = 30.0, 20_000_000, "other"


def parse_splits(text: str) -> tuple[tuple[str, float], ...]:
    """`train=0.8,validation=0.1,test=0.1` -> ordered (name, ratio) pairs summing to 1."""
    pairs = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        try:
            ratio = float(value)
        except ValueError:
            raise ValueError(f"DATASET_SPLITS: {part!r} is not name=ratio") from None
        if name.strip() not in SPLIT_NAMES or not 0 <= ratio <= 1:
            raise ValueError(f"DATASET_SPLITS: {part!r}: names are {SPLIT_NAMES}, ratios 0..1")
        pairs.append((name.strip(), ratio))
    if not pairs or abs(sum(r for _, r in pairs) - 1) > 1e-6:
        raise ValueError(f"DATASET_SPLITS must give ratios summing to 1, got {text!r}")
    return tuple(pairs)


@dataclass(frozen=True, slots=True)
class DatasetConfig:
    directory: Path
    splits: tuple[tuple[str, float], ...] = (("train", 0.8), ("validation", 0.1), ("test", 0.1))
    workers: int = 0  # 0: one per core
    page_timeout: float = PAGE_TIMEOUT
    max_page_bytes: int = MAX_PAGE_BYTES
    license: str = LICENSE
    pretty_name: str = ""

    @property
    def n_workers(self) -> int:
        return self.workers or max(1, len(os.sched_getaffinity(0)))

    @classmethod
    def from_settings(cls, s: BaseSettings, directory: str | Path | None = None) -> DatasetConfig:
        from scrapy.exceptions import NotConfigured

        if not s.getbool("DATASET_ENABLED", True):
            raise NotConfigured("DATASET_ENABLED is off")
        if not (directory := directory or s.get("DATASET_DIR")):
            raise NotConfigured("DATASET_DIR is not set: the crawl only archives")
        try:
            splits = parse_splits(s.get("DATASET_SPLITS") or "train=0.8,validation=0.1,test=0.1")
        except ValueError as exc:
            raise NotConfigured(str(exc)) from exc
        if (workers := s.getint("DATASET_WORKERS", 0)) < 0:
            raise NotConfigured(f"DATASET_WORKERS must be >= 0, got {workers}")
        return cls(
            Path(directory).expanduser(), splits, workers,
            s.getfloat("DATASET_PAGE_TIMEOUT", PAGE_TIMEOUT),
            s.getint("DATASET_MAX_PAGE_BYTES", MAX_PAGE_BYTES),
            s.get("DATASET_LICENSE") or LICENSE,
            s.get("DATASET_PRETTY_NAME") or "",
        )
