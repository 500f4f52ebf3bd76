"""One archived HTML page in, what it says about its article and comments out."""

from __future__ import annotations

import contextlib
import logging
import signal
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag

import lxml.html
from lxml import etree

from pipelines import platforms
from pipelines.platforms.base import Comment

from .warc import Capture, HtmlDoc

logger = logging.getLogger(__name__)

KIND_RANK = {"article": 0, "thread": 1, "permalink": 2}
# huge_tree: libxml2 stops at a nesting depth of 256 without it (2048 with it) and drops the
# rest of the page, comments included; its other limits guard sizes DATASET_MAX_PAGE_BYTES caps.
_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, default_doctype=False,
                               huge_tree=True)
MAX_DEPTH = 2048  # libxml2's XML_PARSE_HUGE depth limit
# Would libxml2's default parser (trafilatura's) stop in this tree? It does at element depth 257.
_TOO_DEEP_FOR_DEFAULT = etree.XPath("boolean(" + "/*" * 257 + ")")


@dataclass(slots=True)
class PageResult:
    capture: Capture
    key: str  # the article this page belongs to
    kind: str  # article | thread | permalink
    page: int
    platform: str
    comments_status: str
    comments: list[Comment] = field(default_factory=list)
    threaded: bool = True  # the platform's: is the thread order a depth-first walk?
    article: dict[str, Any] | None = None  # trafilatura's fields, on the article's own page


class PageTimeout(Exception):
    """A page took longer than DATASET_PAGE_TIMEOUT to extract."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """SIGALRM-based: extraction runs in worker processes' main threads."""
    if seconds <= 0:
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise PageTimeout(f"extraction took more than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def extract_page(doc: HtmlDoc, *, with_article: bool = True,
                 counts: Counter[str] | None = None) -> PageResult | None:
    """None when the page is no article (or not HTML lxml can read). `with_article=False`
    skips trafilatura (the costly part), for a caller that schedules it separately.

    A page nested deeper than MAX_DEPTH keeps what came before that depth: logged with its
    record and counted in `counts` as `extract/pages_cut_deep` (an article page's once, with
    its article)."""
    url = doc.capture.url
    tree = lxml.html.document_fromstring(doc.html.encode("utf-8"), parser=_PARSER)
    if tree is None:
        return None
    cut_deep = any("Excessive depth" in e.message for e in _PARSER.error_log)
    platform = platforms.detect(tree, url)
    page = platform.page_number(tree, url)
    key = platform.article_key(tree, url)
    if platform.permalink_comment_id(url) is not None:
        kind = "permalink"
    else:
        # The article's own URL is its article page even where it shows the newest comments
        # page (WordPress' default); other pages after the first are thread pages.
        kind = "article" if page == 0 or urldefrag(url)[0] == key else "thread"
    if cut_deep and (with_article or kind != "article"):
        cap = doc.capture
        logger.warning("%s@%d %s is nested deeper than %d elements: the text past that depth "
                       "is cut", cap.warc_file, cap.offset, url, MAX_DEPTH)
        if counts is not None:
            counts["extract/pages_cut_deep"] += 1
    result = PageResult(
        capture=doc.capture,
        key=key,
        kind=kind,
        page=page,
        platform=platform.name,
        comments_status=platform.comments_status(tree, url),
        threaded=platform.threaded,
    )
    if platform is not platforms.GENERIC and not platform.is_article(tree, url):
        return None  # an index, a login form, a profile: not an article of this platform
    result.comments = platform.parse(tree, url)
    if cut_deep and result.comments:
        # the parser stopped inside the page: the last comment read may be cut off mid-way,
        # and no row is better than a wrong one (those after it were never read)
        result.comments = result.comments[:-1]
    if kind == "article" and with_article:
        result.article = article_fields(doc, platform, tree)
        if result.article is None and platform is platforms.GENERIC:
            return None  # trafilatura found no main text: not an article
    return result


def article_fields(doc: HtmlDoc, platform: platforms.Platform, tree: Any) -> dict[str, Any] | None:
    """trafilatura, told the fetch date (so "today" never leaks in) and where the thread is."""
    import trafilatura  # ~1 s to import: only in the processes that extract

    cap = doc.capture
    # trafilatura parses the string with its own parser, after repairs (control characters,
    # `<html/>`) our tree lacks; it would cut a page nested deeper than 256: give it our tree
    # (it copies it) for those.
    source = tree if _TOO_DEEP_FOR_DEFAULT(tree) else doc.html
    extracted = trafilatura.bare_extraction(
        source,
        url=cap.url,
        include_comments=False,
        with_metadata=True,
        deduplicate=False,  # repeated boilerplate across pages must not blank a body
        date_extraction_params={"max_date": cap.fetch_time[:10], "original_date": True,
                                "extensive_search": True, "outputformat": "%Y-%m-%d"},
        prune_xpath=platform.thread_xpath or None,
    )
    if extracted is None:
        return None
    fields = extracted.as_dict()
    return {
        "title": fields.get("title"),
        "author": fields.get("author"),
        "date": fields.get("date"),
        "published": platform.published(tree, cap.url),
        "site_name": platform.site_name(tree, cap.url) or fields.get("sitename"),
        "language": fields.get("language") or tree.get("lang") or tree.get("xml:lang") or None,
        "description": fields.get("description"),
        "text": fields.get("text") or "",
    }
