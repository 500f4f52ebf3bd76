"""Platforms, in the order they are tried: the first whose hints recognise a page handles it.

Each module in REGISTRY defines PLATFORMS, a tuple of `Platform`s (its crawl hints and its
thread parser), most specific first. A module that is missing or defines none is an error at
import, not a silently smaller registry.
"""

from __future__ import annotations

from importlib import import_module

from .base import ArticleMeta, Comment, Hints, Platform, ThreadParser
from .generic import GENERIC
from .page import Page

# Most specific first: a Discourse or WordPress page may also carry schema.org markup, and a
# Drupal 8 page is schema.org markup with Drupal's own pager and permalinks.
REGISTRY = ("discourse", "hackernews", "oldreddit", "forums", "commentembeds", "wordpress", "blogger",
            "movabletype", "drupal7", "drupal8", "schemaorg")


def _load() -> tuple[Platform, ...]:
    found: list[Platform] = []
    for name in REGISTRY:
        module = import_module(f"{__name__}.{name}")
        platforms = getattr(module, "PLATFORMS", None)
        if not platforms or not all(isinstance(p, Platform) for p in platforms):
            raise ImportError(f"{module.__name__} defines no PLATFORMS tuple of Platform")
        found.extend(platforms)
    return tuple(found)


PLATFORMS: tuple[Platform, ...] = _load()
BY_NAME = {p.name: p for p in (*PLATFORMS, GENERIC)}


def detect(page: Page) -> Platform:
    """The platform of a page; the generic fallback finds no comments rather than wrong ones."""
    if (known := page.memo.get("platform")) is not None:
        return known
    found = next((p for p in PLATFORMS if p.hints.detect(page)), GENERIC)
    page.memo["platform"] = found
    return found


def permalink_comment_id(url: str) -> str | None:
    """The comment a URL is the permalink of, by any platform's URL shape."""
    for platform in PLATFORMS:
        if (cid := platform.hints.permalink_comment_id(url)) is not None:
            return cid
    return None


__all__ = ["BY_NAME", "GENERIC", "PLATFORMS", "ArticleMeta", "Comment", "Hints", "Page", "Platform",
           "ThreadParser", "detect", "permalink_comment_id"]
