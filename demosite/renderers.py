"""The demo site's content rendered as each platform renders it: one module per platform.

A renderer is a class built with (site, base_url) that has `lookup(target) -> Page` (every
request target the server answers) and `truth() -> dict` (the ground truth, same schema for
every platform: see drupal7.ground_truth; newscms adds `discovery`, what a crawl seeded with
its homepage must find and may fetch).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

RENDERERS = {
    "drupal7": "demosite.drupal7:Drupal7",
    "wordpress": "demosite.wordpress:WordPress",
    "discourse": "demosite.discourse:Discourse",
    "hackernews": "demosite.hackernews:HackerNews",
    "oldreddit": "demosite.oldreddit:OldReddit",
    "schemaorg": "demosite.schemaorg:SchemaOrg",
    "newscms": "demosite.newscms:NewsCms",
}


def renderer(name: str) -> Any:
    """The renderer class of a platform, imported on first use."""
    try:
        module, _, cls = RENDERERS[name].partition(":")
    except KeyError:
        raise ValueError(f"unknown demo platform {name!r}; known: {sorted(RENDERERS)}") from None
    return getattr(import_module(module), cls)
