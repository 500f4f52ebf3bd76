from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

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
])
def test_a_time_the_page_does_not_state_exactly_is_left_empty(old, new):
    assert old in PAGE
    comments = parse(PAGE.replace(old, new))
    assert [c.comment_id for c in comments] == ["101", "102", "103"]
    assert comments[2].published is None
    assert comments[0].published == datetime(2024, 5, 6, 8, 0, tzinfo=timezone.utc)


def test_blocks_without_text_mean_no_comments_at_all():
    assert parse(PAGE.replace("<p>Traffic is better already.</p>", "")) == []


def test_a_page_without_comment_blocks_gives_nothing():
    assert parse("<html><body><div class='teaser' id='t-1'>x</div>"
                 "<div class='teaser' id='t-2'>y</div></body></html>") == []


def test_comments_status_says_why_there_are_no_rows():
    status = platforms.GENERIC.thread.comments_status
    assert status(page(PAGE)) == "html"
    # a comment section whose blocks are incomplete: maybe a thread, not one we can read
    assert status(page(PAGE.replace("<p>Traffic is better already.</p>", ""))) == "unparsed"
    assert status(page(PAGE.replace("c-comment", "c-note"))) == "none"
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


# --- trimmed real pages (tests/data/real/generic/SOURCES.md) ---------------------------------

REAL = Path(__file__).resolve().parents[2] / "data" / "real" / "generic"


def real(name: str, url: str = "https://news.example/2012/story") -> Page:
    found = Page.parse(url, (REAL / name).read_text(encoding="utf-8"))
    assert found is not None
    assert platforms.detect(found) is platforms.GENERIC
    return found


def rows(found: Page) -> list[tuple[str, str | None, str | None]]:
    return [(c.comment_id, c.parent_id, c.author) for c in platforms.GENERIC.thread.parse(found)]


def test_squarespace_journal_comments_with_the_author_in_a_signature_link():
    found = real("squarespace-R84.html")
    assert rows(found) == [("19105644", None, "Eve"), ("19106144", None, "The New Diplomat's Wife"),
                           ("19106205", None, "Kate @ Songs Kate Sang")]
    comments = platforms.GENERIC.thread.parse(found)
    assert [c.text for c in comments] == ["HOLY!", "we're expecting you in denmark in 2014 then!!!",
                                          "OH that church!"]
    assert comments[0].permalink == "https://news.example/2012/story#comment19105644"
    assert {c.confidence for c in comments} == {"low"}


def test_nested_replies_take_their_parent_from_the_enclosing_block():
    got = rows(real("sbnation-T49.html"))
    assert got[:5] == [("110930542", None, "Leiland Tanner"), ("110949971", "110930542", "sun-arc"),
                       ("111007045", "110930542", "Alex Laugan"), ("110933093", None, "phxpurple"),
                       ("111007128", "110933093", "Alex Laugan")]
    vine = platforms.GENERIC.thread.parse(real("vine-108.html"))
    assert len(vine) == 17
    assert vine[0].parent_id is None
    assert {c.parent_id for c in vine[1:]} <= {c.comment_id for c in vine}
    assert vine[0].author == "bytor104"
    assert vine[0].text.startswith("Mary, that is because")


def test_the_text_leaves_out_the_author_line_the_date_and_the_reply_links():
    comments = platforms.GENERIC.thread.parse(real("discussion-R218.html"))
    assert [c.author for c in comments] == ["rusticred", "IanCW", "Alishia Mason"]
    assert comments[0].text.startswith("Who needs small government Sandy has busted open")
    for c in comments:
        assert c.author not in c.text
        assert "Reply" not in c.text
        assert "Recommend" not in c.text


def test_permalinks_the_page_links_to_are_kept():
    comments = platforms.GENERIC.thread.parse(real("bbc-dna-191.html", "http://www.bbc.co.uk/news/education-18957712"))
    assert [c.author for c in comments] == ["Britainsnotpleased", "Dr G", "Anonymous Please"]
    assert comments[0].permalink == ("http://www.bbc.co.uk/news/education-18957712"
                                     "?postId=113162416#comment_113162416")


@pytest.mark.parametrize("html", [
    # a "recent comments" list: links to other posts, in a sidebar
    """<html><body><h1>Story</h1><p>Body.</p><div class="sidebar"><ul>
       <li class="comment" id="comment-1"><a href="/a">Ann on Story A</a></li>
       <li class="comment" id="comment-2"><a href="/b">Bo on Story B</a></li></ul></div></body></html>""",
    # the same list outside a sidebar: link text only
    """<html><body><h1>Story</h1><p>Body.</p><ul>
       <li class="comment" id="comment-1"><a href="/a">Ann on Story A</a></li>
       <li class="comment" id="comment-2"><a href="/b">Bo on Story B</a></li></ul></body></html>""",
    # parts of one comment are not comments: a lone body with a number
    """<html><body><h1>Story</h1><div class="comment-body" id="comment-body-1">Hi</div>
       <div class="comment-body" id="comment-body-2">Yo</div></body></html>""",
    # an article list whose wrapper says comments (`all_comments`, `comments-list`)
    """<html><body><div class="all_comments"><p>a</p></div><div class="all_comments"><p>b</p></div>
       <div class="comments-list"><p>c</p></div><div class="comments-list"><p>d</p></div></body></html>""",
])
def test_what_only_looks_like_a_thread_gives_nothing(html):
    assert parse(html) == []


def test_a_known_platform_page_whose_theme_its_parser_misses_gets_the_blocks_and_keeps_them_out_of_the_body():
    from pipelines.extraction.pages import Tally, extract_page
    from pipelines.extraction.warc import Capture, HtmlDoc

    story = " ".join(["The council approved the harbour plan after a long night of debate."] * 8)
    thread = (REAL / "squarespace-R84.html").read_text(encoding="utf-8")
    thread = thread.split("<body>")[1].split("</body>")[0]
    html = ('<html><head><meta name="generator" content="WordPress 3.4">'
            '<meta property="og:type" content="article">'
            '<title>Harbour plan</title></head><body><article id="post-7" class="post hentry">'
            f"<h1>Harbour plan approved</h1><p>{story}</p></article>{thread}</body></html>")
    cap = Capture("x.warc.gz", "x.warc.gz", 0, 1, "<urn:uuid:2>", "https://example.com/2012/10/harbour-plan/",
                  "2012-10-20T00:00:00Z")
    tally = Tally()
    result = extract_page(HtmlDoc(cap, html, "utf-8"), tally)
    assert result is not None
    assert result.platform == "wordpress"
    assert [c.author for c in result.comments] == ["Eve", "The New Diplomat's Wife", "Kate @ Songs Kate Sang"]
    assert result.comments_status == "html"
    assert tally.counts["extract/comments_generic_pages"] == 1
    assert "harbour plan" in result.article["text"]
    assert "denmark" not in result.article["text"]


def test_unnamed_blocks_repeated_in_a_container_whose_id_names_the_comments():
    comments = platforms.GENERIC.thread.parse(real("unnamed-R433.html",
                                                   "http://www.videocopilot.net/tutorials/alien_surface/"))
    assert [c.author for c in comments] == ["john", "MArk", "Mike"]
    assert comments[0].text == "how to save that ??\npls give me a link of video editor tnx.. :DD"
    assert comments[1].text.startswith("Abdrew your google chrom ad")
    assert all(c.published is None and c.parent_id is None for c in comments)  # "10/12/2012": no zone
    assert len({c.comment_id for c in comments}) == 3


def test_unnamed_blocks_need_a_container_that_names_the_comments():
    html = (REAL / "unnamed-R433.html").read_text(encoding="utf-8").replace("comments_displayed", "stream")
    found = Page.parse("http://www.videocopilot.net/tutorials/alien_surface/", html)
    assert platforms.GENERIC.thread.parse(found) == []
