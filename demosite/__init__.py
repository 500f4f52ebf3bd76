"""A deterministic news site with deep comment threads, rendered as each platform renders it and
served on loopback for the demo, the tests and the benchmarks. Not part of the installed package:
it runs from the source tree (`python -m demosite`)."""

from __future__ import annotations

from demosite.content import build_site
from demosite.server import DemoSite, serve

__all__ = ["DemoSite", "build_site", "serve"]
