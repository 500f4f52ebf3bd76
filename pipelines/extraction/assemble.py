"""All captured pages of one article in, one article row and its comment rows out."""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urldefrag, urlsplit

from pipelines.platforms.base import Comment

from .crawls import Crawl
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


def assemble(key: str, pages: list[PageResult], crawls: Mapping[str, Crawl] | None = None,
             ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """`crawls`: each page's crawl by WARC path (none: one crawl). A comment's fields come from
    the newest crawl that showed it (within a crawl: its lowest page, the article page, the
    latest fetch); one that a later capture of its page no longer shows is kept, marked."""
    def crawl_of(page: PageResult) -> Crawl:
        return crawls.get(page.capture.path, NO_CRAWL) if crawls else NO_CRAWL

    pages = sorted(pages, key=page_order)
    aid = article_id(key)
    when = [warc_time(p.capture.fetch_time) for p in pages]
    by_crawl: dict[int, dict[str, tuple[Comment, PageResult]]] = {}
    shown: dict[str, list[int]] = {}  # comment id -> the pages (indexes) that show it
    for i, page in enumerate(pages):
        seen = by_crawl.setdefault(crawl_of(page).rank, {})
        for comment in page.comments:
            seen.setdefault(comment.comment_id, (comment, page))
            shown.setdefault(comment.comment_id, []).append(i)
    # As read: page by page (a page's comments together), in document order; the newest
    # crawl's reading, with what only older crawls showed where they showed it
    ordered = _merge([sorted(by_crawl[r].values(), key=_read_key)
                      for r in sorted(by_crawl, reverse=True)])
    if pages[0].threaded:  # position: the depth-first walk, continuation pages under their anchor
        ordered = _walk(ordered)
    depths = _depths({c.comment_id: c for c, _ in ordered})
    later = _later_captures(pages, when)
    comments = []
    for position, (c, page) in enumerate(ordered):
        showing = shown[c.comment_id]
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
            **_seen([when[i] for i in showing], [crawl_of(pages[i]) for i in showing]),
            "removed_at": _removed_at(showing, pages, when, later),
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
        **_seen(when, [crawl_of(p) for p in pages]),
        "comments": comments,
        **provenance(source),
    }
    flat = [{"article_id": aid, "article_url": key, **c} for c in comments]
    return article, flat


NO_CRAWL = Crawl("", 0)


def _read_key(cp: tuple[Comment, PageResult]) -> tuple[Any, ...]:
    return (cp[1].page, cp[1].capture.url, cp[0].order, cp[0].comment_id)


def _merge(sequences: list[list[tuple[Comment, PageResult]]]) -> list[tuple[Comment, PageResult]]:
    """One reading order from several crawls' (newest first): the newest crawl's order, and
    each comment only older crawls showed right after the comment it followed there."""
    if len(sequences) == 1:
        return sequences[0]
    followers: dict[str | None, list[tuple[Comment, PageResult]]] = {}
    placed: set[str] = set()
    for seq in sequences:
        anchor: str | None = None
        for item in seq:
            cid = item[0].comment_id
            if cid not in placed:
                placed.add(cid)
                followers.setdefault(anchor, []).append(item)
            anchor = cid

    def emit(items: list[tuple[Comment, PageResult]]) -> Iterator[tuple[Comment, PageResult]]:
        # the follower in the newest crawl's reading goes last: what older crawls had between
        # the anchor and it comes first
        return iter(items[1:] + items[:1])

    out: list[tuple[Comment, PageResult]] = []
    stack = [emit(followers.get(None, []))]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
            continue
        out.append(item)
        if kids := followers.get(item[0].comment_id):
            stack.append(emit(kids))
    return out


def _seen(times: list[datetime | None], crawls: list[Crawl]) -> dict[str, Any]:
    """When and in which crawls something was first and last seen."""
    known = [t for t in times if t is not None]
    first = min(crawls, key=lambda c: c.rank)
    last = max(crawls, key=lambda c: c.rank)
    return {
        "first_seen": min(known, default=None),
        "last_seen": max(known, default=None),
        "first_crawl": first.id or None,
        "last_crawl": last.id or None,
    }


def _later_captures(pages: list[PageResult], when: list[datetime | None]) -> dict[str, list[datetime]]:
    """Per page URL, the fetch times of its captures whose thread was read (the HTML held it):
    a comment missing from one of them after it was last seen was removed."""
    out: dict[str, list[datetime]] = {}
    for page, t in zip(pages, when, strict=True):
        if t is not None and page.kind != "permalink" and page.comments_status == "html":
            out.setdefault(_page_url(page), []).append(t)
    for times in out.values():
        times.sort()
    return out


def _removed_at(showing: list[int], pages: list[PageResult], when: list[datetime | None],
                later: dict[str, list[datetime]]) -> datetime | None:
    """The first capture of the page a comment was last seen on, after that, that no longer
    shows it; None if there is none (still there, or that page was not fetched again)."""
    last = max((when[i] for i in showing if when[i] is not None), default=None)
    if last is None:
        return None
    found = []
    for url in {_page_url(pages[i]) for i in showing if when[i] == last}:
        times = later.get(url, [])
        if (k := bisect.bisect_right(times, last)) < len(times):
            found.append(times[k])
    return min(found, default=None)


def _page_url(page: PageResult) -> str:
    return urldefrag(page.capture.url)[0]


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
