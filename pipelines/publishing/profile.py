"""What the card says of the rows: counted as they are written, per site and split, in O(sites)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class SiteSplit:
    articles: int = 0
    comments: int = 0
    first_published: datetime | None = None  # the articles' `published` range
    last_published: datetime | None = None
    deepest: int | None = None  # the largest comment `depth` (0: only top-level comments)
    depth_unknown: int = 0  # comments whose depth is null (parent unknown or not archived)
    languages: Counter[str] = field(default_factory=Counter)  # of articles
    platforms: Counter[str] = field(default_factory=Counter)  # of articles
    statuses: Counter[str] = field(default_factory=Counter)  # comments_status of articles

    def add(self, article: dict[str, Any], comments: list[dict[str, Any]]) -> None:
        self.articles += 1
        self.comments += len(comments)
        if (when := article.get("published")) is not None:
            self.first_published = min(when, self.first_published or when)
            self.last_published = max(when, self.last_published or when)
        for c in comments:
            if (depth := c.get("depth")) is None:
                self.depth_unknown += 1
            elif self.deepest is None or depth > self.deepest:
                self.deepest = depth
        self.languages[article.get("language") or "unknown"] += 1
        self.platforms[article.get("platform") or "unknown"] += 1
        self.statuses[article.get("comments_status") or "unknown"] += 1

    def merge(self, other: SiteSplit) -> None:
        self.articles += other.articles
        self.comments += other.comments
        for when in filter(None, (other.first_published, other.last_published)):
            self.first_published = min(when, self.first_published or when)
            self.last_published = max(when, self.last_published or when)
        if other.deepest is not None:
            self.deepest = max(other.deepest, self.deepest if self.deepest is not None else -1)
        self.depth_unknown += other.depth_unknown
        self.languages.update(other.languages)
        self.platforms.update(other.platforms)
        self.statuses.update(other.statuses)


@dataclass(slots=True)
class Profile:
    """(site, split) -> SiteSplit; sites by the articles' `hostname`."""

    cells: dict[tuple[str, str], SiteSplit] = field(default_factory=dict)

    def add(self, split: str, article: dict[str, Any], comments: list[dict[str, Any]]) -> None:
        host = article.get("hostname") or ""
        self.cells.setdefault((host, split), SiteSplit()).add(article, comments)

    def total(self) -> SiteSplit:
        out = SiteSplit()
        for cell in self.cells.values():
            out.merge(cell)
        return out

    def sites(self) -> list[str]:
        return sorted({host for host, _ in self.cells})
