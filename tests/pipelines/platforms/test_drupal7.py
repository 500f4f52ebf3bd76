"""Drupal 7 in a custom theme: no Bartik wrappers, the node page known by its body classes."""

from __future__ import annotations

from datetime import datetime, timezone

from pipelines.extraction.pages import Tally, extract_page
from pipelines.extraction.warc import Capture, HtmlDoc
from pipelines.platforms import Page, detect

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
