"""Drupal 7 in a custom theme: no Bartik wrappers, the node page known by its body classes."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from pipelines.extraction.pages import Tally, extract_page
from pipelines.extraction.warc import Capture, HtmlDoc
from pipelines.platforms import BY_NAME, Page, detect

URL = "https://www.zeitung.example/politik/ausschuss-vertagt-entscheidung"

# As a real Drupal 7 site with its own theme prints a node page: template_preprocess_html's
# body classes, the generator meta, the theme's own wrappers (no div.node#node-N), and core
# comment.tpl.php markup for the thread.
CUSTOM = """<!DOCTYPE html>
<html lang="de" dir="ltr"><head>
<meta name="Generator" content="Drupal 7 (http://drupal.org)" />
<link rel="canonical" href="/politik/ausschuss-vertagt-entscheidung" />
<meta property="og:title" content="Ausschuss vertagt &quot;Grundsatzentscheidung&quot;" />
<meta property="article:published_time" content="2019-03-14T09:30:00+01:00" />
<title>Ausschuss vertagt „Grundsatzentscheidung“ | Zeitung.example</title>
</head>
<body class="html not-front not-logged-in one-sidebar page-node page-node-
 page-node-21664 node-type-article i18n-de">
<div id="wrapper"><header class="site-header"><a href="/">Zeitung</a></header>
<main class="content-main">
 <div class="story">
  <h1 class="story-title">Ausschuss vertagt „Grundsatzentscheidung“</h1>
  <div class="story-meta">14.03.2019 - 09:30 | Von Petra Beispiel</div>
  <div class="story-text"><p>Der Ausschuss hat die Entscheidung über den Haushalt erneut vertagt.
  Die Fraktionen konnten sich in der Sitzung am Mittwoch nicht auf einen gemeinsamen Entwurf
  einigen, wie die Vorsitzende nach der Sitzung mitteilte.</p>
  <p>Eine neue Sitzung ist für April geplant. Bis dahin sollen die Arbeitsgruppen weiter beraten
  und einen Kompromissvorschlag für die strittigen Posten vorlegen.</p></div>
 </div>
 <div id="comments" class="comment-list">
  <h2 class="title">Kommentare</h2>
  <a id="comment-90211"></a>
  <div class="comment comment-by-anonymous clearfix" about="/comment/90211#comment-90211"
   typeof="sioc:Post sioct:Comment">
   <div class="submitted"><span class="username">Leser42 (not verified)</span> am 14.03.2019
    <span property="dc:date dc:created" content="2019-03-14T11:02:00+01:00"></span></div>
   <div class="content"><div class="field field-name-comment-body"><div class="field-items">
    <div class="field-item even" property="content:encoded"><p>Wieder vertagt. Typisch.</p></div>
   </div></div></div>
   <ul class="links"><li><a href="/comment/90211#comment-90211" class="permalink">Permalink</a></li></ul>
  </div>
  <div class="indented">
   <a id="comment-90215"></a>
   <div class="comment clearfix" about="/comment/90215#comment-90215" typeof="sioc:Post sioct:Comment">
    <span rel="sioc:reply_of" resource="/comment/90211#comment-90211" class="rdf-meta element-hidden"></span>
    <div class="submitted"><span class="username">Mara</span>
     <span property="dc:date dc:created" content="2019-03-14T12:15:00+01:00"></span></div>
    <div class="content"><div class="field field-name-comment-body"><div class="field-items">
     <div class="field-item even"><p>Im April wird es auch nicht besser.</p></div></div></div></div>
    <ul class="links"><li><a href="/comment/90215#comment-90215" class="permalink">Permalink</a></li></ul>
   </div>
  </div>
 </div>
</main></div></body></html>"""


def test_a_custom_theme_node_page_is_an_article_with_its_comments():
    found = Page.parse(URL, CUSTOM)
    platform = detect(found)
    assert platform.name == "drupal7"
    assert platform.hints.is_article(found)  # body classes, no node wrapper
    cap = Capture("d7.warc.gz", "d7.warc.gz", 0, 1, "<urn:uuid:1>", URL, "2019-03-15T00:00:00Z")
    tally = Tally()
    result = extract_page(HtmlDoc(cap, CUSTOM, "utf-8"), tally)
    assert result is not None, tally.set_aside
    assert (result.kind, result.comments_status) == ("article", "html")
    assert [(c.comment_id, c.parent_id, c.author) for c in result.comments] == [
        ("90211", None, "Leser42"), ("90215", "90211", "Mara")]
    assert result.comments[1].published == datetime(2019, 3, 14, 11, 15, tzinfo=timezone.utc)
    assert result.article["title"] == 'Ausschuss vertagt "Grundsatzentscheidung"'  # og:title
    assert "Kompromissvorschlag" in result.article["text"]
    assert "Typisch" not in result.article["text"]  # the thread stays out of the body
    assert result.article["published"] == datetime(2019, 3, 14, 8, 30, tzinfo=timezone.utc)


def test_other_drupal_7_pages_stay_out():
    for classes in ("html front page-node", "html not-front page-node page-node-edit page-node-21664",
                    "html not-front page-taxonomy page-taxonomy-term page-taxonomy-term-5"):
        html = CUSTOM.replace(CUSTOM[CUSTOM.index('<body class="'):CUSTOM.index(">", CUSTOM.index("<body"))],
                              f'<body class="{classes}"')
        html = html.replace("article:published_time", "x")
        found = Page.parse(URL, html)
        assert detect(found).name == "drupal7"
        assert not detect(found).hints.is_article(found), classes


# --- trimmed real pages (tests/data/real/drupal/SOURCES.md) ---------------------------------------

REAL = Path(__file__).parents[2] / "data" / "real" / "drupal"
DRUPAL7 = BY_NAME["drupal7"]


def real(name: str, url: str) -> Page:
    found = Page.parse(url, (REAL / name).read_text(encoding="utf-8"))
    assert found is not None
    return found


AC = "http://www.androidcentral.com/htc-and-verizon-hooking-nov-13-nyc"
ZH = "http://www.zerohedge.com/news/why-fate-global-equity-rally-may-rest-hands-soybeans"
NS = "http://www.newstatesman.com/nelson-jones/2012/11/tom-watson-danger-fuelling-new-paedophile-panic"


@pytest.mark.parametrize(("name", "url", "want"), [
    # Drupal 6, own theme: div.comment with comment-header/-body/-footer, the name in p.user
    ("androidcentral-R342.html", AC, [
        ("493093", None, "mtmjr90", "Do we know for sure this is Android related as opposed to 8X?"),
        ("493101", "493093", "thejuiceman236", "Well I guess they could talk about the HTC 8X here as well"),
        ("493106", "493101", "mtmjr90", "Yeah, true. But I know WPCentral has gotten invitations to"),
        ("493104", "493093", "rawkerdude", "That hint of a big red droid eye in the lower right-hand"),
        ("493105", "493104", "mtmjr90", "I guess that does reek of Droid branding..."),
        ("493095", None, "romma", "It is a special announcement that Ice Cream Sandwich is coming")]),
    # Drupal 6, own theme: no `comment` class at all (div.non_toggle_area), the name in <b><a>
    ("zerohedge-T21.html", ZH, [
        ("2691543", None, "malikai", "Here's how it looks to us today.\nhttps://www.quantsig.net/img/"),
        ("2691572", "2691543", "Skateboarder", "You mean in the hands of Monsanto..."),
        ("2691578", "2691572", "Abraxas", "Beware! Do not mention the name of the\xa0Evil One\xa0aloud."),
        ("2691546", None, "Young", "Soon children - SOON!")]),
    # Drupal 6, Garland's "date — name" submitted line, the body loose in the comment (no
    # .content), an anonymous name "(not verified)" without a link, an empty subject h3
    ("newstatesman-R700.html", NS, [
        ("264780", None, "Caroline Crampton", "Comments on this article are now closed."),
        ("264770", None, "Pentangelis", "I have absolutely no time for Mr. Watson and his entirely"),
        ("264764", None, "Barrie J", "There will be no 'witch hunt', if there has been inappropriate"),
        ("264769", "264764", "Sam Gisoad", "Operation Ore wasn't a cover-up, 1,800 people were")]),
])
def test_drupal6_custom_themes_are_read_from_cores_comment_anchors(name, url, want):
    found = real(name, url)
    assert detect(found).name == "drupal7"  # `jQuery.extend(Drupal.settings`, no generator
    assert DRUPAL7.hints.is_article(found)
    comments = DRUPAL7.thread.parse(found)
    assert [(c.comment_id, c.parent_id, c.author) for c in comments] == [w[:3] for w in want]
    for c, (_, _, _, start) in zip(comments, want, strict=True):
        assert c.text.startswith(start), (c.comment_id, c.text)
        assert c.parent_known
        assert c.published is None  # "Nov 06 2012 | 1:23 pm", "Fri, 2012-11-09 17:18": no zone
        # Drupal 6 has no /comment/N page: the node page's anchor
        assert c.permalink == f"{url}#comment-{c.comment_id}"
    texts = "\n".join(c.text for c in comments)
    for chrome in ("says:", "Posted on", "Reply", "register", "picture", "not verified", "2012"):
        assert chrome not in texts


def test_drupal6_comments_stay_out_of_the_article_body():
    html = (REAL / "newstatesman-R700.html").read_text(encoding="utf-8")
    cap = Capture("ns.warc.gz", "ns.warc.gz", 0, 1, "<urn:uuid:2>", NS, "2013-01-01T00:00:00Z")
    result = extract_page(HtmlDoc(cap, html, "utf-8"), Tally())
    assert result is not None
    assert len(result.comments) == 4
    assert "between listening sympathetically" in result.article["text"]
    assert "Operation Ore" not in result.article["text"]


def test_drupal7_custom_theme_with_the_name_in_the_subject_slot():
    """aclu.org: the username where Bartik prints the subject, a `field-comment-body` body, the
    date in the links; "Anonymous" is no name."""
    url = "https://www.aclu.org/blog/privacy-technology/internet-privacy/facebook-tracking-me-even-though-im-not-facebook"
    found = real("aclu-drupal7.html", url)
    assert detect(found).name == "drupal7"
    comments = DRUPAL7.thread.parse(found)
    assert [(c.comment_id, c.parent_id, c.author, c.permalink) for c in comments] == [
        ("223379", None, None, "https://www.aclu.org/comment/223379"),
        ("223395", None, "Lars", "https://www.aclu.org/comment/223395"),
        ("223421", None, None, "https://www.aclu.org/comment/223421"),
        ("223672", "223421", None, "https://www.aclu.org/comment/223672"),
        ("223424", None, "Ed B. -Netherlands", "https://www.aclu.org/comment/223424"),
    ]
    assert comments[1].text == "Couldn\u2019t I just bloc facebook in my private filer (squid filter)?"
    assert comments[2].text == ("This was the most elightening piece on Facebook Ive seen of late.\n"
                                "Hate their format, so don't use it.")
    assert all("Anonymous" not in c.text and "reply" not in c.text for c in comments)


def test_a_drupal_page_without_comments_has_none():
    url = ("http://www.whitehouse.gov/blog/2012/07/21/wall-street-reform-two-years-later-reforming-system-and"
           "-protecting-american-consumer")
    found = real("negative-whitehouse-15.html", url)
    assert detect(found).name == "drupal7"
    assert DRUPAL7.thread.parse(found) == []
    assert DRUPAL7.thread.comments_status(found) == "html"


# Drupal 6's core comment.tpl.php as Garland-derived themes print it: the subject (a link to the
# comment's anchor) in h3, "Submitted by X on <date>", the body in .content with Garland's
# signature box after it, an anonymous reply with an empty body.
GARLAND = """<html><head>
<script type="text/javascript">jQuery.extend(Drupal.settings, {"basePath":"/"});</script></head>
<body class="not-front page-node node-type-story"><div id="node-12" class="node"><h2>Ferry fares</h2>
<div class="content"><p>The ferry company raised its fares again.</p></div></div>
<div id="comments"><a id="comment-5"></a>
<div class="comment comment-published odd"><div class="clear-block">
 <span class="submitted">Submitted by <a href="/user/3" title="View user profile.">ola</a>
  on Mon, 04/02/2012 - 10:15.</span>
 <h3><a href="/node/12#comment-5" class="active">A subject of its own</a></h3>
 <div class="content"><p>The body, which says something else.</p>
  <div class="clear-block"><div>—</div>Ola from Bergen</div></div></div>
 <div class="links"><ul class="links"><li class="comment_reply"><a href="/comment/reply/12/5">reply</a></li>
 </ul></div>
</div>
<div class="indented"><a id="comment-6"></a>
<div class="comment comment-published even"><div class="clear-block">
 <span class="submitted">Submitted by Guest (not verified) on Mon, 04/02/2012 - 11:00.</span>
 <h3><a href="/node/12#comment-6" class="active">Re: A subject</a></h3>
 <div class="content"></div></div></div></div>
</div></body></html>"""


def test_drupal6_subjects_are_not_texts():
    found = Page.parse("https://ferry.example/node/12?page=0", GARLAND)
    comments = DRUPAL7.thread.parse(found)
    assert [(c.comment_id, c.parent_id, c.author, c.text, c.permalink) for c in comments] == [
        ("5", None, "ola", "The body, which says something else.", "https://ferry.example/node/12#comment-5"),
        ("6", "5", "Guest", "Re: A subject", "https://ferry.example/node/12#comment-6"),  # no body: subject
    ]
