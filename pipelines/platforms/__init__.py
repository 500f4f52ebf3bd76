"""Platform detection: the first platform that recognises a page handles it."""

from __future__ import annotations

from lxml.html import HtmlElement

from .base import Platform
from .drupal import Drupal7

PLATFORMS: tuple[Platform, ...] = (Drupal7(),)
GENERIC = Platform()


def detect(tree: HtmlElement, url: str) -> Platform:
    """The platform of a page; the generic fallback finds no comments rather than wrong ones."""
    for platform in PLATFORMS:
        if platform.detect(tree, url):
            return platform
    return GENERIC


__all__ = ["GENERIC", "PLATFORMS", "Platform", "detect"]
