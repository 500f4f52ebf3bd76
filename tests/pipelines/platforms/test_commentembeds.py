"""Comment services' server-rendered threads on trimmed real pages (tests/data/real/commentembeds,
see SOURCES.md there): Disqus's and IntenseDebate's WordPress plugins, Livefyre's SEO bootstrap;
embeds whose thread a script loads, and other platforms' pages, are not claimed."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from pipelines import platforms
from pipelines.platforms import commentembeds, detect
from pipelines.platforms.page import Page

DATA = Path(__file__).resolve().parents[2] / "data" / "real" / "commentembeds"
DISQUS, LIVEFYRE, INTENSEDEBATE = commentembeds.PLATFORMS
OURS = {p.name for p in commentembeds.PLATFORMS}
R21 = "http://battellemedia.com/archives/2012/10/time-to-begin-again.php"
T165 = ("http://www.extremetech.com/mobile/134154-microsoft-commits-to-user-privacy-in-ie10-risks-"
        "advertiser-wrath-over-do-not-track-support")
T134 = "http://homebrewedchristianity.com/2012/08/06/diana-butler-bass-in-3-d/"
R833 = "http://www.geeksaresexy.net/2012/11/12/magic-school-bus-the-movie/"


def html(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def page(name_or_html: str, url: str) -> Page:
    text = html(name_or_html) if name_or_html.endswith(".html") else name_or_html
    found = Page.parse(url, text)
    assert found is not None
    return found


def rows(p: Page) -> list[tuple[str, str | None, bool, str | None]]:
    return [(c.comment_id, c.parent_id, c.parent_known, c.author) for c in detect(p).thread.parse(p)]


# -- Disqus -----------------------------------------------------------------------------------


def test_disqus_plugin_thread_with_replies_after_their_parent() -> None:
    """The old plugin closes each `li` before the replies' `ul.children`: parents from that."""
    p = page("disqus-R21.html", R21)
    assert detect(p) is DISQUS
    assert DISQUS.thread.comments_status(p) == "html"
    assert rows(p) == [
        ("31345", None, True, "artsyphotos"),
        ("31348", "31345", True, "johnbattelle"),
        ("31346", None, True, "datron"),
        ("31347", "31346", True, "johnbattelle"),
        ("31352", None, True, "Asha Dornfest"),  # not the URL the plugin echoes inside the cite
        ("31355", "31352", True, "johnbattelle"),
        ("31356", None, True, "Jim"),
        ("31362", "31356", True, "johnbattelle"),
    ]
    comments = DISQUS.thread.parse(p)
    assert [c.order for c in comments] == list(range(8))
    assert comments[7].text == "Appreciate all encouragement!!\nSent from my mobile"
    assert comments[3].text == "Thanks David. First steps are often the hardest!"
    assert comments[0].permalink == R21 + "#dsq-comment-31345"
    assert all(c.published is None for c in comments)  # the fallback prints no time


def test_disqus_replies_three_deep() -> None:
    p = page("disqus-T165.html", T165)
    assert detect(p) is DISQUS
    assert rows(p) == [
        ("103585", None, True, "h4rm0ny"),
        ("103603", "103585", True, "Joel Hruska"),
        ("103627", "103603", True, "h4rm0ny"),
        ("103608", None, True, "Jan-Willem Wisgerhof"),
        ("103611", None, True, "Ncrdrg"),
        ("103652", None, True, "intrimazz"),
        ("103688", "103652", True, "Joel Hruska"),
    ]
    assert DISQUS.thread.parse(p)[1].text == "Actually, yes we do.\n(I\u2019m not saying I agree)."


def test_disqus_replies_inside_their_parent() -> None:
    """Later plugin versions leave the `li` open: the replies' list is inside it."""
    closed, opened = "</li>\n\n    <ul class='children'>", "\n    <ul class='children'>"
    text = html("disqus-R21.html").replace(closed, opened)
    p = page(text, R21)
    assert p.tree.xpath("//li[@id='dsq-comment-31345']/ul/li/@id") == ["dsq-comment-31348"]
    assert [(cid, parent) for cid, parent, _, _ in rows(p)] == [
        ("31345", None), ("31348", "31345"), ("31346", None), ("31347", "31346"),
        ("31352", None), ("31355", "31352"), ("31356", None), ("31362", "31356")]


def test_disqus_anchor_names_the_permalink() -> None:
    """Plugin 2.11 puts `div#comment-N` before each comment: the page's own anchor."""
    item = '<li class="comment even thread-odd thread-alt depth-1" id="dsq-comment-31346">'
    text = html("disqus-R21.html").replace(item, '<div id="comment-31346"></div>' + item)
    comments = {c.comment_id: c for c in DISQUS.thread.parse(page(text, R21))}
    assert comments["31346"].permalink == R21 + "#comment-31346"
    assert comments["31345"].permalink == R21 + "#dsq-comment-31345"


def test_disqus_anonymous_is_no_author() -> None:
    text = html("disqus-R21.html").replace('<span id="dsq-author-user-31356">Jim</span>',
                                           '<span id="dsq-author-user-31356">Anonymous</span>')
    comments = {c.comment_id: c for c in DISQUS.thread.parse(page(text, R21))}
    assert comments["31356"].author is None
    assert comments["31362"].author == "johnbattelle"


def test_disqus_thread_is_pruned_from_the_body() -> None:
    p = page("disqus-R21.html", R21)
    pruned = p.tree.xpath(DISQUS.thread.thread_xpath)
    assert [el.get("id") for el in pruned] == ["disqus_thread", "dsq-content"]
    assert not any("Simon &" in el.text_content() for el in p.tree.xpath("//article"))


def test_disqus_page_is_crawled_as_its_wordpress_post() -> None:
    """Crawl hints and article metadata are the underlying platform's (WordPress here)."""
    wordpress = platforms.BY_NAME["wordpress"]
    cpage = R21 + "?cpage=2"
    pager = f'<div class="navigation"><a href="{cpage}#comments">Older comments</a></div>'
    text = html("disqus-R21.html").replace("</section>", pager + "</section>")
    p = page(text, R21)
    assert detect(p) is DISQUS
    assert DISQUS.hints.underlying(p) is wordpress
    assert DISQUS.hints.is_article(p)
    assert list(DISQUS.hints.thread_pages(p)) == [cpage] == list(wordpress.hints.thread_pages(p))
    on_page_2 = page(text, cpage)
    assert DISQUS.hints.article_key(on_page_2) == R21
    assert DISQUS.thread.article(p) == wordpress.thread.article(p)
    assert DISQUS.thread.article(p).title == "Time To Begin, Again"
    assert DISQUS.hints.is_trap("http://battellemedia.com/wp-login.php")
    assert DISQUS.hints.is_trap(R21 + "?replytocom=31345#respond")
    assert not DISQUS.hints.is_trap(cpage)
    assert DISQUS.hints.permalink_comment_id(R21) is None


def test_disqus_without_rendered_comments_is_left_to_the_page_platform() -> None:
    """An empty `ul#dsq-comments`, or only `div#disqus_thread` for the script (Movable Type)."""
    text = html("disqus-R21.html")
    start, end = text.index('<li class="comment even thread-even'), text.index("            </ul>\n\n\n")
    empty = page(text[:start] + text[end:], R21)
    assert not DISQUS.hints.detect(empty)
    assert detect(empty).name == "wordpress"
    assert detect(empty).thread.comments_status(empty) == "not_in_html"
    script = page("negative-disqus-script-R265.html",
                  "http://blog.tmcnet.com/blog/tom-keating/microsoft/how-to-setup-a-wi-fi-hotspot-in-windows-8.asp")
    assert script.tree.xpath("//div[@id='disqus_thread']")
    assert detect(script).name not in OURS
    assert detect(script).thread.comments_status(script) == "not_in_html"
    assert detect(script).thread.parse(script) == []


# -- Livefyre ---------------------------------------------------------------------------------


def test_livefyre_seo_bootstrap() -> None:
    p = page("livefyre-T134.html", T134)
    assert detect(p) is LIVEFYRE
    assert LIVEFYRE.thread.comments_status(p) == "html"
    assert LIVEFYRE.hints.underlying(p) is platforms.BY_NAME["wordpress"]
    [c] = LIVEFYRE.thread.parse(p)
    assert (c.comment_id, c.parent_id, c.parent_known, c.author, c.published, c.permalink) == (
        "33776880", None, True, "baroo", None, T134 + "#lf_comment_33776880")
    assert c.text.startswith("Hi Bo - As always a brilliant podcast :o) I was wondering")
    assert c.text.endswith("which I confess I haven't read ....")
    assert "6 pts" not in c.text
    assert "flag" not in c.text
    pruned = {el.get("id") for el in p.tree.xpath(LIVEFYRE.thread.thread_xpath)}
    assert pruned == {"lf_comment_stream", "livefyre", "lf_pings"}  # the plugin's pingbacks too


def test_livefyre_reply_names_its_parent() -> None:
    text = html("livefyre-T134.html")
    start = text.index('<div class="lf_comment_container lf_level_1"')
    end = text.index("</div>\n        <div id=\"lf_social_comments\">")
    reply = (text[start:end].replace('lf_level_1" id="lf_comment_33776880" reply_parent=""',
                                     'lf_level_2" id="lf_comment_33790001" reply_parent="33776880"')
             .replace('comment_id="33776880"', 'comment_id="33790001"')
             .replace(">baroo<", ">tripp<"))
    orphan = reply.replace('reply_parent="33776880"', 'reply_parent=""').replace("33790001", "33790002")
    p = page(text[:end] + reply + orphan + text[end:], T134)
    assert rows(p) == [("33776880", None, True, "baroo"), ("33790001", "33776880", True, "tripp"),
                       ("33790002", None, False, "tripp")]  # a level-2 reply naming no parent


# Livefyre v3's stream markup, by its documented classes (`fyre-comment-article`,
# `fyre-comment-username`, `fyre-comment`, `fyre-comment-replies`): no corpus page has it.
V3 = """<html><head><title>Story</title></head><body><h1>Story</h1><p>The story.</p>
<div id="livefyre"><div class="fyre-comment-stream"><div class="fyre-stream-content">
<article class="fyre-comment-article"><div class="fyre-comment-wrapper">
 <header class="fyre-comment-head"><a class="fyre-comment-username">BlueDream</a>
  <span class="fyre-comment-user-rating" style="display: none;">5pts</span>
  <time class="fyre-comment-date" datetime="2014-12-19T21:05:00.000Z">2 hours ago</time></header>
 <section class="fyre-comment-body">
  <div class="fyre-comment"><p>how do we get these shoes?</p></div></section>
 <footer class="fyre-comment-footer"></footer></div>
 <div class="fyre-comment-replies fyre-comment-container fyre-comment-replies-indent">
  <article class="fyre-comment-article"><div class="fyre-comment-wrapper">
   <header class="fyre-comment-head"><a class="fyre-comment-username">SeanWestonn</a></header>
   <section class="fyre-comment-body"><div class="fyre-comment"><p>raffle, I think</p></div></section>
  </div><div class="fyre-comment-replies fyre-comment-container"></div></article>
 </div>
</article>
<article class="fyre-comment-article"><div class="fyre-comment-wrapper">
 <header class="fyre-comment-head"><a class="fyre-comment-username">Aus_B3</a></header>
 <section class="fyre-comment-body"><div class="fyre-comment"><p>Columbia 4s next year</p></div></section>
</div><div class="fyre-comment-replies fyre-comment-container"></div></article>
</div></div></div></body></html>"""


def test_livefyre_v3_stream() -> None:
    p = page(V3, "https://news.example/story")
    assert detect(p) is LIVEFYRE
    comments = LIVEFYRE.thread.parse(p)
    assert [(c.author, c.text) for c in comments] == [
        ("BlueDream", "how do we get these shoes?"), ("SeanWestonn", "raffle, I think"),
        ("Aus_B3", "Columbia 4s next year")]
    first, reply, last = comments
    assert (reply.parent_id, reply.parent_known, last.parent_id) == (first.comment_id, True, None)
    assert first.comment_id.startswith("h")
    assert len({c.comment_id for c in comments}) == 3
    assert first.published == datetime(2014, 12, 19, 21, 5, tzinfo=timezone.utc)
    assert reply.published is None


# -- IntenseDebate ----------------------------------------------------------------------------


def test_intensedebate_fallback_is_the_themes_wordpress_comments() -> None:
    p = page("intensedebate-R833.html", R833)
    assert detect(p) is INTENSEDEBATE
    assert INTENSEDEBATE.hints.underlying(p) is platforms.BY_NAME["wordpress"]  # the plugin's
    comments = INTENSEDEBATE.thread.parse(p)
    assert [(c.comment_id, c.parent_id, c.author, c.published, c.permalink) for c in comments] == [
        ("485000", None, "Francisca", datetime(2012, 11, 12, 15, 7, 30, tzinfo=timezone.utc),
         R833 + "#comment-485000"),
        ("485007", None, "sonofbattles89", datetime(2012, 11, 12, 15, 25, 51, tzinfo=timezone.utc),
         R833 + "#comment-485007"),
    ]
    assert comments[0].text == (
        "Mine was the sapce one, when the School Bus mimicked the USS enterprise :)\n"
        "I'm a star wars fan though I'd loved a death star/millenium falcon reference")
    pruned = [el.get("id") for el in p.tree.xpath(INTENSEDEBATE.thread.thread_xpath)]
    assert pruned == ["idc-container", "idc-noscript"]


def test_intensedebate_without_comments_is_not_claimed() -> None:
    text = html("intensedebate-R833.html")
    start, end = text.index('<ol class="commentlist">'), text.index("</ol>") + len("</ol>")
    p = page(text[:start] + text[end:], R833)
    assert p.tree.xpath("//*[@id='idc-noscript']")
    assert not INTENSEDEBATE.hints.detect(p)
    assert detect(p).name not in OURS


# -- other pages ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "url"), [
    ("negative-wordpress-102.html", "http://randfishkin.com/blog/81/dangerous-hubris-startup-world"),
    ("negative-blogger-R59.html", "http://howaboutorange.blogspot.com/2012/10/print-your-own-halloween-mask.html"),
    ("negative-drupal-T21.html", "http://www.zerohedge.com/news/why-fate-global-equity-rally-may-rest-hands-soybeans"),
    ("negative-echo-script-R2.html",
     "http://globaleconomicanalysis.blogspot.com/2012/10/new-definition-of-sustainable-is-six.html"),
])
def test_other_platforms_pages_are_not_claimed(name: str, url: str) -> None:
    p = page(name, url)
    assert not any(platform.hints.detect(p) for platform in commentembeds.PLATFORMS)
    assert detect(p).name not in OURS
    assert all(platform.thread.parse(p) == [] for platform in commentembeds.PLATFORMS)
