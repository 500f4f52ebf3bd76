"""Placeholder: being written (issue 10). Detects nothing yet."""

from __future__ import annotations

from .base import Hints, Platform, ThreadParser
from .page import Page


class _NotYet(Hints):
    name = "blogger"

    def detect(self, page: Page) -> bool:
        return False


PLATFORMS = (Platform("blogger", _NotYet(), ThreadParser()),)
