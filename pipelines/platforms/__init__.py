"""Platform detection: the first platform that recognises a page handles it."""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from lxml.html import HtmlElement

from .base import Platform
from .generic import Generic

# Most specific first: a Discourse or WordPress page may also carry schema.org markup.
# Each module defines PLATFORM, an instance of its Platform subclass, and may define
# EXTRA_PLATFORMS, checked just before it (schemaorg: Drupal 8+ core comments).
_MODULES = ("discourse", "hackernews", "oldreddit", "wordpress", "drupal", "schemaorg")


def _load() -> tuple[Platform, ...]:
    found = []
    for name in _MODULES:
        if find_spec(f"{__name__}.{name}") is not None:  # while platforms are being added
            module = import_module(f"{__name__}.{name}")
            found.extend(getattr(module, "EXTRA_PLATFORMS", ()))
            found.append(module.PLATFORM)
    return tuple(found)


PLATFORMS: tuple[Platform, ...] = _load()
GENERIC = Generic()  # last resort: unambiguous repeated comment blocks, else nothing


def detect(tree: HtmlElement, url: str) -> Platform:
    """The platform of a page; the generic fallback finds no comments rather than wrong ones."""
    for platform in PLATFORMS:
        if platform.detect(tree, url):
            return platform
    return GENERIC


__all__ = ["GENERIC", "PLATFORMS", "Platform", "detect"]
