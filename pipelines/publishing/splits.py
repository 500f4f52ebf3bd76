"""Which split an article goes to: a function of where it sits on its site, nothing else.

An article's identity is its canonical URL's path and query: no scheme, no host, no port, no
fragment (and so no `www.` question). The same article therefore lands in the same split in
every publish: served over http or https, from `www.example.com` or `example.com`, from a
demo server on a random port, after the site moved to a new domain, or from two mirrors of it.
Articles of two sites that share a path (`/?p=123` on two WordPress blogs) share a split,
which a hash split does not mind; copies of one syndicated story at the same path cannot leak
from train into test. The platforms' own article ids are in these paths (`item?id=N` on
Hacker News, `/comments/<id>/` on Reddit, `/t/<slug>/<id>` on Discourse, `node/N` or an alias
on Drupal), so they decide where a platform has one.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit


def article_identity(url: str) -> str:
    """`http://www.example.com:8080/news/a?id=1#c2` -> `/news/a?id=1`."""
    parts = urlsplit(url.strip())
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def split_of(key: str, splits: tuple[tuple[str, float], ...]) -> str:
    """The first 8 bytes of sha256(key) as a point in [0, 1), placed on the splits' ratios."""
    point = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") / 2**64
    total = 0.0
    for name, ratio in splits:
        total += ratio
        if point < total:
            return name
    return splits[-1][0]


def split_for(article: dict[str, Any], splits: tuple[tuple[str, float], ...]) -> str:
    """Thread-level: the article and all its comments go to its split."""
    return split_of(article_identity(article["canonical_url"] or article["url"] or ""), splits)
