"""A crawl's WARC folder replayed by pywb as a web archive would: the demo site crawled twice into
one folder, indexed by the crawl (`index.cdxj`, WARC_CDXJ), served by a pywb process
(tests/replay/pywb_process.py).
`id_` replays give the archived bytes as the site sent them, compared with the live site's;
`mp_` gives the page pywb rewrote for replay, what its frame shows a reader."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import lxml.html
import pytest

from tests.conftest import DemoSite, run_crawl
from tests.replay.pywb_process import Capture, Pywb, Reply, get, read_index, running, write_config
from tests.warc_utils import read_records

# Every page is fetched again in the second crawl (no revisit schedule), so each is archived
# twice: in full, then as a revisit (a 304 answered to a conditional request, or a payload
# digest already archived).
EVERYTHING = ("-s", "THREAD_REVISIT=0")


@dataclass
class Archive:
    pywb: Pywb
    first: dict[str, list[Capture]]  # collection "first": the first crawl's files
    twice: dict[str, list[Capture]]  # collection "twice": both crawls' files
    warcs: list[Path]  # both crawls' files

    def capture(self, url: str, collection: str = "first", *, last: bool = False) -> Capture:
        captures = getattr(self, collection)[url]
        return captures[-1] if last else captures[0]


def article_under_test(site: DemoSite) -> dict[str, Any]:
    """The article with the most thread pages: ?page=1 and beyond, permalinks on each."""
    return max(site.truth["articles"], key=lambda a: len(a["thread_pages"]))


@pytest.fixture(scope="module")
def archive(demo_site: DemoSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    tmp = tmp_path_factory.mktemp("replay")
    warc_dir = tmp / "warc"
    seeds = "start_urls=" + ",".join((article_under_test(demo_site)["url"],
                                      demo_site.truth["special"]["not_found"]))
    root = tmp / "pywb"
    root.mkdir()
    indexes = [root / "first.cdxj", root / "twice.cdxj"]
    for index in indexes:  # the index each crawl leaves in its WARC_DIR (WARC_CDXJ), as it was
        result = run_crawl(warc_dir, *EVERYTHING, "-a", seeds)
        assert result.returncode == 0, result.log[-3000:]
        shutil.copyfile(warc_dir / "index.cdxj", index)
    first, twice = indexes
    write_config(root, {"first": (warc_dir, first), "twice": (warc_dir, twice)})
    with running(root) as pywb:
        yield Archive(pywb, read_index(first), read_index(twice), sorted(warc_dir.glob("*.warc.gz")))


def live(url: str) -> Reply:
    reply = get(url)
    assert reply.status == 200, (url, reply.status)
    return reply


def flat(text: str) -> str:
    return " ".join(text.split())


def page_text(reply: Reply) -> str:
    return flat(lxml.html.document_fromstring(reply.body).text_content())


def assert_shows(text: str, comment: dict[str, Any]) -> None:
    for line in comment["text"].split("\n"):
        assert flat(line.removeprefix("> ")) in text, (comment["comment_id"], line)


def replay_exactly(archive: Archive, url: str, capture: Capture) -> Reply:
    """The `id_` replay of a capture: the bytes the site sent, as it sends them now."""
    replayed = archive.pywb.replay("first", capture.timestamp, url, "id_")
    assert replayed.status == 200, (url, replayed.status, archive.pywb.log[-2000:])
    assert replayed.body == live(url).body, url
    return replayed


def test_article_page_replays_with_its_text_and_comments(demo_site, archive):
    article = article_under_test(demo_site)
    capture = archive.capture(article["url"])
    assert capture.fields["mime"] == "text/html"  # archived in full
    replay_exactly(archive, article["url"], capture)
    frame = archive.pywb.replay("first", capture.timestamp, article["url"])
    assert frame.status == 200
    assert article["url"] in frame.text  # the frame around the replay names the page it loads
    rewritten = archive.pywb.replay("first", capture.timestamp, article["url"], "mp_")
    assert rewritten.status == 200
    text = page_text(rewritten)
    for paragraph in article["body_text"].split("\n"):
        assert flat(paragraph) in text
    on_page = [c for c in article["comments"] if c["page"] == 0]
    assert on_page
    for comment in on_page:
        assert_shows(text, comment)


IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?(["']?)([^"')\s;]+)\1""")


def stylesheets(html: bytes, base: str) -> list[str]:
    """What the page loads as stylesheets: <link rel=stylesheet> and <style>'s @import."""
    doc = lxml.html.document_fromstring(html, base_url=base)
    doc.make_links_absolute(base, resolve_base_href=True)
    links = [link.get("href") for link in doc.iter("link")
             if "stylesheet" in (link.get("rel") or "").lower().split() and link.get("href")]
    imports = [urljoin(base, m.group(2)) for style in doc.iter("style")
               for m in IMPORT.finditer(style.text or "")]
    return links + imports


def test_article_stylesheets_replay_as_archived(demo_site, archive):
    """Page requisites (WARC_PAGE_REQUISITES): the stylesheets the archived article loads."""
    article = article_under_test(demo_site)
    capture = archive.capture(article["url"])
    page = replay_exactly(archive, article["url"], capture)
    sheets = stylesheets(page.body, article["url"])
    assert sheets, "the archived article page loads no stylesheet (<link rel=stylesheet>, @import)"
    assert sorted(sheets) == sorted(demo_site.truth["requisites"]["stylesheets"])
    for css in sheets:
        replayed = archive.pywb.replay("first", capture.timestamp, css, "id_")
        assert replayed.status == 200, (css, replayed.status)
        assert replayed.body == live(css).body, css


def test_every_fetched_requisite_replays_as_archived(demo_site, archive):
    """Scripts, images, imported sheets and what the sheets load (a font, backgrounds), replayed
    at the article's capture as a browser asks for them."""
    article = article_under_test(demo_site)
    capture = archive.capture(article["url"])
    requisites = demo_site.truth["requisites"]["fetched"]
    assert requisites
    for url in requisites:
        replayed = archive.pywb.replay("first", capture.timestamp, url, "id_")
        assert replayed.status == 200, (url, replayed.status)
        assert replayed.body == live(url).body, url


def test_replayed_article_loads_its_stylesheets_from_the_archive(demo_site, archive):
    """What a browser does with the rewritten page: each stylesheet comes from pywb, styled."""
    article = article_under_test(demo_site)
    capture = archive.capture(article["url"])
    rewritten = archive.pywb.replay("first", capture.timestamp, article["url"], "mp_")
    assert rewritten.status == 200
    replay_page = archive.pywb.url("first", capture.timestamp, article["url"], "mp_")
    sheets = stylesheets(rewritten.body, replay_page)
    assert len(sheets) == len(demo_site.truth["requisites"]["stylesheets"])
    for css in sheets:
        assert css.startswith(archive.pywb.base_url + "/first/"), css  # rewritten into the archive
        replayed = get(css)
        assert replayed.status == 200, (css, replayed.status)
        assert replayed.headers.get_content_type() == "text/css", css


def comment_anchors(reply: Reply) -> set[str]:
    return set(lxml.html.document_fromstring(reply.body).xpath("//a[starts-with(@id, 'comment-')]/@id"))


def test_thread_page_replays_its_own_comments(demo_site, archive):
    article = article_under_test(demo_site)
    url = article["thread_pages"][1]
    assert url.endswith("?page=1")
    replayed = replay_exactly(archive, url, archive.capture(url))
    on_page = [c for c in article["comments"] if c["page"] == 1]
    assert comment_anchors(replayed) == {f"comment-{c['comment_id']}" for c in on_page}
    text = page_text(replayed)
    for comment in on_page:
        assert_shows(text, comment)


def test_comment_permalink_replays_through_the_revisit_it_was_archived_as(demo_site, archive):
    """A permalink shows a thread page the crawl archived already: a revisit naming that page
    (WARC-Refers-To-Target-URI), which pywb must follow to another URL's record."""
    article = article_under_test(demo_site)
    comment = next(c for c in article["comments"] if c["page"] == 1)
    url = comment["permalink"]
    assert url in article["permalinks"]
    capture = archive.capture(url)
    assert capture.fields["mime"] == "warc/revisit"
    replayed = replay_exactly(archive, url, capture)
    assert_shows(page_text(replayed), comment)


def memento(reply: Reply) -> str:
    """The 14-digit timestamp of the capture pywb replayed (its Memento-Datetime)."""
    when = parsedate_to_datetime(reply.headers["Memento-Datetime"]).astimezone(timezone.utc)
    return when.strftime("%Y%m%d%H%M%S")


def test_revalidated_article_replays_its_original_payload(demo_site, archive):
    """The second crawl's capture of the article is a revisit (the site answered 304 Not Modified)
    whose payload is the first crawl's. pywb 2.10 replays a 3xx revisit as archived, an empty
    304 (warcserver/resource/resolvingloader.py), so the crawl's index leaves 304 revisits out:
    asked for at the revisit's time, pywb gives the page from its original capture."""
    article = article_under_test(demo_site)
    [revisit] = [r for r in read_records(archive.warcs) if r.url == article["url"] and r.type == "revisit"]
    assert revisit.statusline.startswith("304")
    when = re.sub(r"\D", "", revisit.headers["WARC-Date"])[:14]
    [original] = archive.twice[article["url"]]  # the index holds the original capture only
    assert original.fields["mime"] == "text/html"
    assert when > original.timestamp
    replayed = archive.pywb.replay("twice", when, article["url"], "id_")
    assert replayed.status == 200, (replayed.status, replayed.body[:200])
    assert memento(replayed) == original.timestamp
    assert replayed.body == live(article["url"]).body


def test_deduplicated_error_page_replays_its_original_payload(demo_site, archive):
    """A page without validators is fetched in full again and archived as an identical-payload
    revisit: pywb finds the original through the index."""
    url = demo_site.truth["special"]["not_found"]
    capture = archive.capture(url, "twice", last=True)
    assert capture.fields["mime"] == "warc/revisit"
    assert capture.fields["status"] == "404"
    replayed = archive.pywb.replay("twice", capture.timestamp, url, "id_")
    assert memento(replayed) == capture.timestamp
    assert replayed.status == 404
    assert replayed.body
    assert replayed.body == get(url).body
