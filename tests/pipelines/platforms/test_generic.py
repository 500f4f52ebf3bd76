from __future__ import annotations

from datetime import datetime, timezone

import lxml.html
import pytest

from pipelines import platforms
from pipelines.platforms import Page

PAGE = """<html><head><title>Local news</title></head><body>
<article><h1>Bridge reopens</h1><p>The bridge reopened on Monday after repairs.</p></article>
<section id="responses">
 <div class="c-comment" id="c-101">
   <span class="c-author">Ana</span> <time datetime="2024-05-06T10:00:00+02:00">May 6</time>
   <div class="c-body"><p>Finally!</p><p>Took long enough.</p></div>
   <a class="c-reply" href="?reply=101">Reply</a>
   <div class="c-comment" id="c-102">
     <span class="c-author">Ben</span> <time datetime="2024-05-06T09:30:00Z">May 6</time>
     <div class="c-body"><blockquote>Finally!</blockquote><p>Agreed.</p></div>
   </div>
 </div>
 <div class="c-comment" id="c-103">
   <span class="c-author">Cy</span> <time datetime="2024-05-07T08:00:00-04:00">May 7</time>
   <div class="c-body"><p>Traffic is better already.</p></div>
 </div>
</section></body></html>"""


def page(html: str) -> Page:
    return Page("http://local.example/bridge", lxml.html.document_fromstring(html))


def parse(html: str):
    found = page(html)
    platform = platforms.detect(found)
    assert platform is platforms.GENERIC
    return platform.thread.parse(found)


def test_repeated_complete_blocks_become_low_confidence_comments():
    comments = parse(PAGE)
    assert [(c.comment_id, c.parent_id, c.author) for c in comments] == [
        ("101", None, "Ana"), ("102", "101", "Ben"), ("103", None, "Cy"),
    ]
    assert comments[0].text == "Finally!\nTook long enough."
    assert comments[1].text == "> Finally!\nAgreed."
    assert comments[2].published == datetime(2024, 5, 7, 12, 0, tzinfo=timezone.utc)
    assert {c.confidence for c in comments} == {"low"}


@pytest.mark.parametrize(("old", "new"), [
    ('<time datetime="2024-05-07T08:00:00-04:00">', "<time>"),  # no machine-readable time
    ('datetime="2024-05-07T08:00:00-04:00"', 'datetime="2024-05-07T08:00"'),  # no timezone
    ('<p>Traffic is better already.</p>', ""),  # no text
])
def test_one_incomplete_block_means_no_comments_at_all(old, new):
    assert old in PAGE
    assert parse(PAGE.replace(old, new)) == []


def test_a_page_without_comment_blocks_gives_nothing():
    assert parse("<html><body><div class='teaser' id='t-1'>x</div>"
                 "<div class='teaser' id='t-2'>y</div></body></html>") == []


def test_comments_status_says_why_there_are_no_rows():
    status = platforms.GENERIC.thread.comments_status
    assert status(page(PAGE)) == "html"
    # a comment section whose blocks are incomplete: maybe a thread, not one we can read
    assert status(page(PAGE.replace("<p>Traffic is better already.</p>", ""))) == "unparsed"
    assert status(page("<html><body><article><h1>Bridge</h1><p>Text.</p></article></body></html>")) == "none"


def test_an_article_whose_body_class_says_comment_keeps_its_row_and_text():
    """A real site's `<body class="... f_comment_nofollow_on">`: the comment thread's XPath must not
    take the whole page with it, and the page's own article sign is kept as its evidence."""
    from pipelines.extraction.pages import Tally, extract_page
    from pipelines.extraction.warc import Capture, HtmlDoc

    story = " ".join(["The council approved the harbour plan after a long night of debate."] * 8)
    html = ('<html><head><meta property="og:type" content="article"><title>Harbour plan | Example</title>'
            '</head><body class="page f_comment_nofollow_on"><h1>Harbour plan approved</h1>'
            f"<p>{story}</p><p>{story}</p></body></html>")
    cap = Capture("x.warc.gz", "x.warc.gz", 0, 1, "<urn:uuid:1>", "https://example.com/news/harbour-plan",
                  "2024-05-01T00:00:00Z")
    tally = Tally()
    result = extract_page(HtmlDoc(cap, html, "utf-8"), tally)
    assert result is not None, tally.set_aside
    assert (result.evidence, result.confirm) == ("og:type=article", False)
    assert "harbour plan" in result.article["text"]
    assert result.article["title"] == "Harbour plan approved"
