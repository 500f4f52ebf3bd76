"""A deterministic Drupal 7 news site with deep comment threads, served on loopback for tests."""

from __future__ import annotations

from crawler.demosite.content import build_site
from crawler.demosite.drupal7 import ground_truth
from crawler.demosite.server import DemoSite, serve

__all__ = ["DemoSite", "build_site", "ground_truth", "serve"]
