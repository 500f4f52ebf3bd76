"""Deeply nested markup (unclosed <div>s, old forums' <font> chains) loses nothing it need not."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections import Counter
from io import BytesIO
from pathlib import Path

import lxml.html
import pyarrow.parquet as pq
import pytest
from lxml import etree
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipelines.extraction.pages import Tally, add_body, analyse, extract_page
from pipelines.extraction.warc import Capture, HtmlDoc
from pipelines.platforms.base import block_text
from tests.hostile import STORY, deep_body, drupal_comment, drupal_page

BEFORE = "Before the nesting, the story begins."
DEEP = "DEEP TEXT: the end of the story, past the nesting."
COMMENT = "A comment after the deep markup."


def font_body(depth: int) -> str:
    """An old forum post: a <font> opened per quote level, never closed."""
    return f"<p>{BEFORE}</p>" + "<font size='2' color='#333'>" * depth + f"<p>{DEEP}</p>"


PAGES = {  # path: (body, comment id)
    "/node/1": (deep_body(300), 11),
    "/node/2": (font_body(300), 12),
    "/node/3": (deep_body(3000), 13),
    "/node/4": (font_body(3000), 14),
}
URL = "http://site.example{}".format


def page(path: str) -> bytes:
    body, cid = PAGES[path]
    return drupal_page(f"A story in deep markup {path}", body + STORY, drupal_comment(cid, COMMENT))


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str],
                                                                  dict[str, int], Path]:
    """The pages published by the real command line, and each one's WARC offset."""
    tmp = tmp_path_factory.mktemp("deep")
    offsets = {}
    with (tmp / "deep.warc.gz").open("wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        for path in PAGES:
            body = page(path)
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                    protocol="HTTP/1.1")
            offsets[path] = fh.tell()
            writer.write_record(writer.create_warc_record(
                URL(path), "response", payload=BytesIO(body), length=len(body), http_headers=http))
    proc = subprocess.run(
        [sys.executable, "-m", "crawler", "publish", str(tmp / "deep.warc.gz"), "-o", str(tmp / "ds")],
        capture_output=True, text=True, cwd=tmp, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc, offsets, tmp / "ds"


def rows(dataset: Path, config: str) -> list[dict]:
    return [r for f in sorted((dataset / config).glob("*.parquet")) for r in pq.read_table(f).to_pylist()]


@pytest.mark.parametrize("path", ["/node/1", "/node/2"])
def test_depth_300_reaches_the_body_and_the_comment(published, path):
    proc, _, dataset = published
    article = next(r for r in rows(dataset, "articles") if r["canonical_url"] == URL(path))
    assert article["text"].split("\n")[:3] == [BEFORE, DEEP, "Paragraph 0 of a story about a "
                                               "harbour, its ferries and its people."]
    assert [(c["comment_id"], c["text"]) for c in rows(dataset, "comments")
            if c["article_url"] == URL(path)] == [(str(PAGES[path][1]), COMMENT)]
    assert f"{URL(path)} is nested deeper" not in proc.stderr


@pytest.mark.parametrize("path", ["/node/3", "/node/4"])
def test_depth_3000_is_named_and_keeps_what_was_read(published, path):
    proc, offsets, dataset = published
    warning = (f"deep.warc.gz@{offsets[path]} {URL(path)} is nested deeper than 2048 elements: "
               "the text past that depth is cut")
    assert proc.stderr.count(warning) == 1, proc.stderr[-3000:]  # once, not once per pass
    assert "pages_cut_deep 2" in proc.stdout, proc.stdout
    article = next(r for r in rows(dataset, "articles") if r["canonical_url"] == URL(path))
    assert article["text"].split("\n")[-1] == BEFORE  # what came before the cut
    assert DEEP not in article["text"]
    assert article["comment_count"] == 0  # the thread is past the cut


def doc(path: str) -> HtmlDoc:
    cap = Capture("deep.warc.gz", "deep.warc.gz", 123, 1, "<urn:uuid:1>", URL(path),
                  "2024-05-01T00:00:00Z")
    return HtmlDoc(cap, page(path).decode(), "utf-8")


def test_a_cut_page_is_counted_once(caplog):
    """Analysed once (pass 1 reports the cut); its body (pass 2) does not report it again."""
    tally = Tally()
    with caplog.at_level(logging.WARNING, logger="pipelines.extraction.pages"):
        first = analyse(doc("/node/3"), tally)  # pass 1
        assert (first.kind, first.article, first.deep) == ("article", None, True)
        assert tally.counts["extract/pages_cut_deep"] == 1
        assert add_body(doc("/node/3"), first, tally)  # pass 2
        assert extract_page(doc("/node/1"), tally).comments  # deep, not cut
    assert first.article["text"].split("\n")[-1] == BEFORE
    assert tally.counts == Counter({"extract/pages_cut_deep": 1, "extract/pages": 2})
    assert [r.getMessage() for r in caplog.records] == [
        f"deep.warc.gz@123 {URL('/node/3')} is nested deeper than 2048 elements: the text past "
        "that depth is cut"]


def test_block_text_walks_any_depth():
    root = lxml.html.Element("div")  # built, not parsed: deeper than any parser goes
    el = etree.SubElement(root, "blockquote")
    el.text, el.tail = "level 0", "after the quote"
    for i in range(1, 10_000):  # Python would recurse ~1000 deep
        el = etree.SubElement(el, "div" if i % 2 else "p")
        el.text, el.tail = f"level {i}", f"after {i}"
    etree.SubElement(el, "span").text = " and inline"
    assert block_text(root).split("\n") == (
        [f"> level {i}" for i in range(9_999)] + ["> level 9999 and inline"]
        + [f"> after {i}" for i in reversed(range(1, 10_000))] + ["after the quote"])


def test_a_comment_the_cut_falls_in_gives_no_row():
    """Three comments, the third nested past the parser's depth: two whole rows, no third
    row with half its text (nor an empty one)."""
    deep = drupal_comment(23, "placeholder").replace(
        "<p>placeholder</p>", "<p>The start of a long reply.</p>" + "<div>" * 3000 + "<p>Its end.</p>")
    body = drupal_page("A thread cut short", STORY,
                       drupal_comment(21, "One.") + drupal_comment(22, "Two.") + deep)
    cap = Capture("cut.warc.gz", "cut.warc.gz", 0, 1, "<urn:uuid:2>", URL("/node/9"),
                  "2024-05-01T00:00:00Z")
    tally = Tally()
    result = extract_page(HtmlDoc(cap, body.decode(), "utf-8"), tally)
    assert [(c.comment_id, c.text) for c in result.comments] == [("21", "One."), ("22", "Two.")]
    assert tally.counts["extract/pages_cut_deep"] == 1
