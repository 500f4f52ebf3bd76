"""Placeholder: being written (issue 10). Detects nothing yet."""

from __future__ import annotations

from .base import Hints, Platform, ThreadParser
from .page import Page


class _NotYet(Hints):
    name = "movabletype"

    def detect(self, page: Page) -> bool:
        return False


PLATFORMS = (Platform("movabletype", _NotYet(), ThreadParser()),)
