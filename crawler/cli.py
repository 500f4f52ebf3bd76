"""`threadwarc ...` = `scrapy ...` with threadwarc's settings, from any directory."""

from __future__ import annotations

import os


def main() -> None:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.cmdline import execute  # after the environment names our settings

    execute()
