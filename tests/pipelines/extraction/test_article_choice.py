"""Which pages become article rows when the platform's hints do not know the page: an old
theme's post (no body classes, no og:type, no JSON-LD: 10 of 24 real 2012 WordPress pages of
the corpus were dropped) is an article; a page on which the platform lists articles is not."""

from __future__ import annotations

from pipelines.extraction.pages import Tally, extract_page
from pipelines.extraction.warc import Capture, HtmlDoc

HEAD = ('<head><meta name="generator" content="WordPress 3.3.1" /><title>Old blog</title>'
        '<link rel="stylesheet" href="http://old.example/wp-content/themes/classic/style.css" /></head>')
TEXT = " ".join(["We drove up the coast road on Sunday and stopped at every bakery on the way."] * 10)


def run(url: str, body: str) -> tuple[object, Tally]:
    cap = Capture("c.warc.gz", "c.warc.gz", 0, 1, "<urn:uuid:1>", url, "2012-06-01T00:00:00Z")
    tally = Tally()
    return extract_page(HtmlDoc(cap, f"<html>{HEAD}<body>{body}</body></html>", "utf-8"), tally), tally


def test_an_old_themes_post_is_an_article():
    result, tally = run("http://old.example/2012/05/coast-road/",
                        f'<div id="content"><div class="item"><h2>The coast road</h2><div class="text">'
                        f"<p>{TEXT}</p><p>{TEXT}</p></div></div></div>")
    assert result is not None, tally.set_aside
    assert result.platform == "wordpress"
    assert "bakery" in result.article["text"]


def test_a_page_listing_the_platforms_posts_is_an_index():
    posts = "".join(
        f'<div class="post" id="post-{i}"><h2><a href="http://old.example/2012/05/post-{i}/"'
        f' rel="bookmark">Post {i}</a></h2><div class="entry"><p>{TEXT}</p></div></div>'
        for i in range(5))
    result, tally = run("http://old.example/travel-stories/", posts)
    assert result is None
    assert [reason for _, reason in tally.set_aside] == ["wordpress: an index page"]
