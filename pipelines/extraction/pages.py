"""One archived HTML page in, what it says about its article and comments out."""

from __future__ import annotations

import contextlib
import logging
import signal
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urlsplit

from lxml import etree

from pipelines import platforms
from pipelines.platforms import ArticleMeta, Comment, Page
from pipelines.platforms.generic import repeated_blocks
from pipelines.platforms.titles import without_site

from .warc import Capture, HtmlDoc

logger = logging.getLogger(__name__)

KIND_RANK = {"article": 0, "thread": 1, "permalink": 2}
MAX_DEPTH = 2048  # libxml2's XML_PARSE_HUGE depth limit
# Would libxml2's default parser (trafilatura's) stop in this tree? It does at element depth 257.
_TOO_DEEP_FOR_DEFAULT = etree.XPath("boolean(" + "/*" * 257 + ")")
NO_SIGNS = "no-article-signs: no platform, no machine-readable article, no main text"


@dataclass(slots=True)
class PageResult:
    """Everything one analysis of a page found. An article page's `body` (trafilatura, the
    costly part) is added by a later step, which needs only `thread_xpath`."""

    capture: Capture
    key: str  # the article this page belongs to
    kind: str  # article | thread | permalink
    page: int
    platform: str
    comments_status: str
    comments: list[Comment] = field(default_factory=list)
    threaded: bool = True  # the platform's: is the thread order a depth-first walk?
    meta: ArticleMeta | None = None  # on the article's own page: what its markup states
    evidence: str | None = None  # why it is an article; None: the platform's hints alone
    # Only trafilatura can tell: a page no platform claims and with no machine-readable sign
    confirm: bool = False
    thread_xpath: str | None = None
    deep: bool = False  # deeper than trafilatura's parser reads: it gets our tree
    article: dict[str, Any] | None = None  # the article's fields, once its body is read


@dataclass
class Tally:
    """What a step counted and which records it could not use, returned with its results."""

    counts: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[Capture, str]] = field(default_factory=list)
    set_aside: list[tuple[Capture, str]] = field(default_factory=list)  # not articles, why
    bodiless: list[tuple[Capture, str]] = field(default_factory=list)  # articles kept without text

    def fail(self, cap: Capture, reason: str) -> None:
        self.counts["extract/pages_failed"] += 1
        self.failures.append((cap, reason))

    def not_article(self, cap: Capture, reason: str) -> None:
        self.counts["extract/pages_not_articles"] += 1
        self.counts[f"extract/not_articles/{reason.split(':')[0]}"] += 1
        self.set_aside.append((cap, reason))

    def no_body(self, cap: Capture, reason: str) -> None:
        self.counts["extract/bodies_failed"] += 1
        self.bodiless.append((cap, reason))

    def merge(self, other: Tally) -> None:
        self.counts.update(other.counts)
        self.failures += other.failures
        self.set_aside += other.set_aside
        self.bodiless += other.bodiless

    def log(self) -> None:
        for cap, reason in self.failures:
            logger.warning("Skipped %s@%d %s: %s", cap.warc_file, cap.offset, cap.url, reason)
        for cap, reason in self.bodiless:
            logger.warning("No body for %s@%d %s (%s): the article keeps its row, without text",
                           cap.warc_file, cap.offset, cap.url, reason)
        for cap, reason in self.set_aside:
            logger.info("Not an article: %s (%s)", cap.url, reason)
        self.failures.clear()
        self.set_aside.clear()
        self.bodiless.clear()


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


def analyse(doc: HtmlDoc, tally: Tally) -> PageResult | None:
    """The one analysis of a page: platform, kind, comments, what the markup says of the
    article. None when it is no article (counted and noted in `tally` with the reason).

    A page nested deeper than MAX_DEPTH keeps what came before that depth: logged with its
    record and counted as `extract/pages_cut_deep`."""
    cap = doc.capture
    url = cap.url
    page = Page.parse(url, doc.html)
    if page is None:
        tally.not_article(cap, "empty: no HTML document in it")
        return None
    platform = platforms.detect(page)
    hints, thread = platform.hints, platform.thread
    evidence = None
    claimed = platform is not platforms.GENERIC and hints.is_article(page)
    if not claimed:
        # Never drop an article: a page that says it is one keeps its row whatever the
        # platform's hints think (a custom theme, a layout the hints do not know).
        evidence = page.article_evidence
        if evidence is None and platform is not platforms.GENERIC and hints.article_links(page):
            # the platform sees an index here (it lists articles): not one itself
            tally.not_article(cap, f"{platform.name}: an index page")
            return None
    number = hints.page_number(page)
    key = hints.article_key(page)
    if hints.permalink_comment_id(url) is not None:
        kind = "permalink"
    else:
        # The article's own URL is its article page even where it shows the newest comments
        # page (WordPress' default); other pages after the first are thread pages.
        kind = "article" if number == 0 or urldefrag(url)[0] == key else "thread"
    # the platform's hints know no article here and the page states none: trafilatura decides,
    # as for a page no platform claims (an old theme's post must not vanish)
    unsure = evidence is None and not claimed
    if unsure:
        if kind != "article":
            tally.not_article(cap, "no-article-signs: no platform and no machine-readable article")
            return None
        if why := page.listing:  # a homepage's pager, a section: what the spider followed
            tally.not_article(cap, f"listing: {why}")
            return None
    if page.cut_deep:
        logger.warning("%s@%d %s is nested deeper than %d elements: the text past that depth "
                       "is cut", cap.warc_file, cap.offset, url, MAX_DEPTH)
        tally.counts["extract/pages_cut_deep"] += 1
    comments = thread.parse(page)
    status, prune = thread.comments_status(page), thread.thread_xpath
    if platform is platforms.GENERIC or (not comments and status in ("unparsed", "none")):
        # a theme or plugin the platform's parser does not know: its comment blocks, if the
        # page names one repeated kind of them (low confidence), and never in the body
        found = repeated_blocks(page)
        if found.comments and not comments:
            comments, status = found.comments, "html"
            tally.counts["extract/comments_generic_pages"] += platform is not platforms.GENERIC
        if found.prune:
            prune = f"{prune} | {found.prune}" if prune else found.prune
    if page.cut_deep and comments:
        # the parser stopped inside the page: the last comment read may be cut off mid-way,
        # and no row is better than a wrong one (those after it were never read)
        comments = comments[:-1]
    tally.counts["extract/pages"] += 1
    return PageResult(
        capture=cap, key=key, kind=kind, page=number, platform=platform.name,
        comments_status=status, comments=comments,
        threaded=thread.threaded,
        meta=_article_meta(page, thread) if kind == "article" else None,
        evidence=evidence,
        confirm=unsure,
        thread_xpath=prune,
        deep=kind == "article" and bool(_TOO_DEEP_FOR_DEFAULT(page.tree)),
    )


def _article_meta(page: Page, thread: platforms.ThreadParser) -> ArticleMeta:
    """What the platform states of the article, its title without the site's name."""
    meta = thread.article(page)
    meta.site_names = page.site_names
    meta.title = without_site(meta.title, page.site_names)
    return meta


def add_body(doc: HtmlDoc, result: PageResult, tally: Tally) -> bool:
    """trafilatura's body and metadata for an article page analysed before. False when the
    page turns out to be no article: one that needed trafilatura to confirm it and did not
    get a dated, titled text from it."""
    fields = body_fields(doc, result.thread_xpath, deep=result.deep)
    if result.confirm and not confirmed(fields, doc.capture.url):
        tally.not_article(doc.capture, NO_SIGNS)
        return False
    result.article = merge_fields(result.meta, fields)
    return True


def confirmed(fields: dict[str, Any] | None, url: str) -> bool:
    """A page no platform claims and with no article sign is an article when trafilatura
    finds main text in it, unless it is the site's front page or calls itself a website
    (og:type) without a date: index and section pages, not stories."""
    if not fields or not fields.get("text"):
        return False
    if urlsplit(url).path in ("", "/"):
        return False
    return not (fields.get("pagetype") == "website" and not fields.get("date"))


def merge_fields(meta: ArticleMeta | None, fields: dict[str, Any] | None) -> dict[str, Any]:
    """The platform's and the markup's statements first, trafilatura's for what they leave."""
    meta = meta or ArticleMeta()
    got = fields or {}
    return {
        "title": meta.title or without_site(got.get("title"), meta.site_names),
        "author": meta.author or got.get("author"),
        "author_name": meta.author_name,
        "date": got.get("date") or (meta.published.date().isoformat() if meta.published else None),
        "published": meta.published,
        "site_name": meta.site_name or got.get("sitename"),
        "language": got.get("language") or meta.language,
        "description": got.get("description"),
        "text": (fields.get("text") or "") if fields else None,  # None: trafilatura failed
    }


def extract_page(doc: HtmlDoc, tally: Tally | None = None) -> PageResult | None:
    """Analysis and, for an article page, its body: both steps for one page."""
    tally = tally if tally is not None else Tally()
    result = analyse(doc, tally)
    if result is not None and result.kind == "article" and not add_body(doc, result, tally):
        return None
    return result


def body_fields(doc: HtmlDoc, thread_xpath: str | None, *, deep: bool = False
                ) -> dict[str, Any] | None:
    """trafilatura, told the fetch date (so "today" never leaks in) and where the thread is."""
    import trafilatura  # ~1 s to import: only in the processes that extract

    cap = doc.capture
    source: Any = doc.html
    # trafilatura parses the string with its own parser, after repairs (control characters,
    # `<html/>`) our tree lacks; it would cut a page nested deeper than 256: give it our tree
    # (it copies it) for those, the one case where a page is parsed twice.
    if deep and (page := Page.parse(cap.url, doc.html)) is not None:
        source = page.tree
    def extract(prune: str | None) -> Any:
        return trafilatura.bare_extraction(
            source,
            url=cap.url,
            include_comments=False,
            with_metadata=True,
            deduplicate=False,  # repeated boilerplate across pages must not blank a body
            date_extraction_params={"max_date": cap.fetch_time[:10], "original_date": True,
                                    "extensive_search": True, "outputformat": "%Y-%m-%d"},
            prune_xpath=prune,
        )

    extracted = extract(thread_xpath or None)
    if thread_xpath and (extracted is None or not extracted.text):
        # the thread's XPath took the body with it (a wrapper whose class says "comment"):
        # better the body with its thread than no body
        logger.info("%s: no text once the comment thread is pruned: read without pruning", cap.url)
        extracted = extract(None)
    if extracted is None:
        return None
    fields = extracted.as_dict()
    return {
        "title": fields.get("title"),
        "author": fields.get("author"),
        "date": fields.get("date"),
        "sitename": fields.get("sitename"),
        "language": fields.get("language"),
        "description": fields.get("description"),
        "pagetype": fields.get("pagetype"),
        "text": fields.get("text") or "",
    }
