"""All captured pages of one article in, one article row and its comment rows out."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from pipelines.platforms.base import Comment

from .pages import KIND_RANK, PageResult


def article_id(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def warc_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        return None


def provenance(page: PageResult) -> dict[str, Any]:
    cap = page.capture
    return {
        "warc_file": cap.warc_file,
        "warc_offset": cap.offset,
        "warc_length": cap.length,
        "warc_record_id": cap.record_id,
        "fetch_time": warc_time(cap.fetch_time),
    }


def page_order(page: PageResult) -> tuple[Any, ...]:
    """Thread order first; of two captures of one page, the later one (more comments)."""
    cap = page.capture
    return (page.page, KIND_RANK[page.kind], _neg(cap.fetch_time), cap.warc_file, cap.offset)


def _neg(text: str) -> tuple[int, ...]:
    return tuple(-ord(ch) for ch in text)


def assemble(key: str, pages: list[PageResult]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    pages = sorted(pages, key=page_order)
    aid = article_id(key)
    seen: dict[str, tuple[Comment, PageResult]] = {}
    for page in pages:
        for comment in page.comments:
            seen.setdefault(comment.comment_id, (comment, page))
    # As read: page by page (a page's comments together), in document order
    ordered = sorted(seen.values(), key=lambda cp: (cp[1].page, cp[1].capture.url, cp[0].order))
    if pages[0].threaded:  # position: the depth-first walk, continuation pages under their anchor
        ordered = _walk(ordered)
    depths = _depths({c.comment_id: c for c, _ in ordered})
    comments = []
    for position, (c, page) in enumerate(ordered):
        comments.append({
            "comment_id": c.comment_id,
            "parent_id": c.parent_id,
            "author": clean(c.author),
            "author_name": clean(c.author_name),
            "published": c.published,
            "text": clean(c.text),
            "permalink": c.permalink,
            "depth": depths[c.comment_id],
            "position": position,
            "page": page.page,
            "page_url": page.capture.url,
            "confidence": c.confidence,
            **provenance(page),
        })
    main = next((p for p in sorted(pages, key=_main_order) if p.article is not None), None)
    fields = main.article if main and main.article else {}
    source = main or pages[0]
    article = {
        "article_id": aid,
        "url": main.capture.url if main else key,  # the page the body was read from
        "canonical_url": key,  # what all pages of the thread share; comments' article_url
        "title": clean(fields.get("title")),
        "author": clean(fields.get("author")),
        "author_name": clean(fields.get("author_name")),
        "published": fields.get("published"),
        "date": fields.get("date"),
        "site_name": fields.get("site_name"),
        "hostname": urlsplit(key).hostname,
        "language": fields.get("language"),
        "description": fields.get("description"),
        "text": clean(fields.get("text")) if main else None,
        "platform": source.platform,
        "comments_status": _status(pages),
        "comment_count": len(comments),
        "thread_pages": len({p.page for p in pages if p.kind != "permalink"}),
        "comments": comments,
        **provenance(source),
    }
    flat = [{"article_id": aid, "article_url": key, **c} for c in comments]
    return article, flat


def _main_order(page: PageResult) -> tuple[Any, ...]:
    cap = page.capture
    return (KIND_RANK[page.kind], page.page, _neg(cap.fetch_time), cap.warc_file, cap.offset)


# What the article's pages say of its thread, the most telling first: any page with the thread
# in its HTML makes comment_count real (0 included); else a script loads it; else a page may
# hold one no parser reads; else there is no comment section at all.
STATUSES = ("html", "not_in_html", "unparsed", "none")


def _status(pages: list[PageResult]) -> str:
    statuses = {p.comments_status for p in pages}
    return next((s for s in STATUSES if s in statuses), "unparsed")


def _walk(ordered: list[tuple[Comment, PageResult]]) -> list[tuple[Comment, PageResult]]:
    """Depth-first, children in the order they were read. A reply whose parent the page did
    not name stays where it was read (it follows the comment read before it); one whose
    parent is missing from the archive starts a walk of its own."""
    ids = {c.comment_id for c, _ in ordered}
    children: dict[str | None, list[tuple[Comment, PageResult]]] = {}
    previous: str | None = None
    for item in ordered:
        c = item[0]
        parent = c.parent_id if c.parent_id in ids else None
        if parent is None and not c.parent_known:
            parent = previous
        children.setdefault(parent, []).append(item)
        previous = c.comment_id
    out: list[tuple[Comment, PageResult]] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        item = stack.pop()
        out.append(item)
        stack.extend(reversed(children.get(item[0].comment_id, [])))
    placed = {c.comment_id for c, _ in out}
    return out + [item for item in ordered if item[0].comment_id not in placed]  # cycles


def _depths(by_id: dict[str, Comment]) -> dict[str, int | None]:
    """Depth from the parent chain; None where a link of the chain is missing from the archive
    or the page did not name it (or the chain loops, which only broken markup makes)."""
    depths: dict[str, int | None] = {}
    for start in by_id:
        chain: list[str] = []
        cid = start
        while cid not in depths:  # walk up to a comment of known depth...
            if cid in chain:  # ...unless it loops,
                base: int | None = None
                break
            chain.append(cid)
            parent = by_id[cid].parent_id
            if parent is None:  # ...reaches a top-level comment (known or not),
                base = -1 if by_id[cid].parent_known else None
                break
            if parent not in by_id:  # ...or a parent that is not in the archive
                base = None
                break
            cid = parent
        else:
            base = depths[cid]
        for item in reversed(chain):
            base = None if base is None else base + 1
            depths.setdefault(item, base)
    return depths


def clean(text: str | None) -> str | None:
    """Strings Parquet can store: lone surrogates (from JSON-LD escapes) replaced."""
    if text is None:
        return None
    return text.encode("utf-8", "replace").decode("utf-8")
