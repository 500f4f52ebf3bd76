"""The demo site in a thread on port 0, fetched with http.client, urllib and raw sockets."""

# ruff: noqa: RUF001  (typographic dashes, quotes and pager arrows are what is being tested)

from __future__ import annotations

import gzip
import http.client
import json
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import lxml.html
import pytest

from demosite import DemoSite, build_site, serve
from demosite.drupal7 import Drupal7, ground_truth

ROOT = Path(__file__).resolve().parents[2]
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def herald() -> Iterator[DemoSite]:
    with serve(slow_seconds=0.2) as site:
        yield site


@pytest.fixture(scope="module")
def truth(herald: DemoSite) -> dict[str, Any]:
    return herald.truth


@dataclass
class Fetched:
    status: int
    reason: str
    headers: Message
    body: bytes


def target(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def fetch(site: DemoSite, url: str, *, gzipped: bool = False) -> Fetched:
    conn = http.client.HTTPConnection(*site.server_address[:2], timeout=5)
    try:
        conn.request("GET", target(url), headers={"Accept-Encoding": "gzip" if gzipped else "identity"})
        resp = conn.getresponse()
        return Fetched(resp.status, resp.reason, resp.msg, resp.read())
    finally:
        conn.close()


def raw(site: DemoSite, url: str) -> tuple[bytes, bytes]:
    """Head and body exactly as they crossed the socket (the server closes after one request)."""
    with socket.create_connection(site.server_address[:2], timeout=5) as sock:
        sock.sendall(f"GET {target(url)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b"".join(iter(lambda: sock.recv(65536), b""))
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


def dechunk(body: bytes) -> list[bytes]:
    chunks = []
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        chunks.append(body[:size])
        assert body[size:size + 2] == b"\r\n"
        body = body[size + 2:]
        if size == 0:
            assert body == b""
            return chunks


def test_article_has_drupal_headers_and_head(herald: DemoSite, truth: dict[str, Any]) -> None:
    art = truth["articles"][0]
    r = fetch(herald, art["url"])
    assert (r.status, r.reason) == (200, "OK")
    assert r.headers.get_all("Set-Cookie")[0] == "has_js=1; path=/"
    assert len(r.headers.get_all("Set-Cookie")) == 2
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["Expires"] == "Sun, 19 Nov 1978 05:00:00 GMT"
    assert r.headers["X-Generator"] == "Drupal 7 (http://drupal.org)"
    assert r.headers["Server"]
    assert r.headers["Date"]
    assert r.headers["Last-Modified"]
    assert int(r.headers["Content-Length"]) == len(r.body)
    assert "Content-Encoding" not in r.headers
    html = r.body.decode()
    path = urlsplit(art["url"]).path
    assert f'<link rel="canonical" href="{path}" />' in html
    assert f'<link rel="shortlink" href="/node/{art["nid"]}" />' in html
    assert '<meta name="Generator" content="Drupal 7 (http://drupal.org)" />' in html
    assert f'class="html not-front not-logged-in one-sidebar sidebar-first page-node page-node- page-node-{art["nid"]} node-type-article"' in html  # noqa: E501
    assert f'<meta property="article:published_time" content="{art["published"]}" />' in html
    assert fetch(herald, f"{truth['base_url']}/node/{art['nid']}").body == r.body


def test_gzip_only_when_asked(herald: DemoSite, truth: dict[str, Any]) -> None:
    url = truth["special"]["gzip"]
    plain, packed = fetch(herald, url), fetch(herald, url, gzipped=True)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Vary"] == "Accept-Encoding"
    assert int(packed.headers["Content-Length"]) == len(packed.body) < len(plain.body)
    assert gzip.decompress(packed.body) == plain.body
    assert fetch(herald, url, gzipped=True).body == packed.body  # mtime=0: same bytes every time


@pytest.mark.parametrize("key", ["chunked", "rss"])
def test_chunked_responses(herald: DemoSite, truth: dict[str, Any], key: str) -> None:
    url = truth["special"]["chunked"] if key == "chunked" else truth["seeds"]["rss"]
    head, body = raw(herald, url)
    assert b"\r\nTransfer-Encoding: chunked" in head
    assert b"Content-Length" not in head
    chunks = dechunk(body)
    assert len(chunks) >= 3
    assert chunks[-1] == b""
    assert b"".join(chunks) == fetch(herald, url).body  # http.client de-chunks


def test_rss_feed_is_drupal_7_rss(herald: DemoSite, truth: dict[str, Any]) -> None:
    r = fetch(herald, truth["seeds"]["rss"])
    assert r.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    root = ET.fromstring(r.body)
    assert root.get("{http://www.w3.org/XML/1998/namespace}base") == truth["base_url"] + "/"
    items = root.findall("channel/item")
    by_url = {a["url"]: a for a in truth["articles"]}
    assert [i.findtext("link") for i in items] == sorted(by_url, key=lambda u: by_url[u]["published"],
                                                         reverse=True)
    first = items[-1]
    art = by_url[first.findtext("link")]
    assert first.findtext("guid") == f"{art['nid']} at {truth['base_url']}"
    assert first.findtext("{http://purl.org/dc/elements/1.1/}creator") == art["author"]
    assert first.findtext("pubDate") == "Wed, 07 Feb 2018 21:30:00 -0500"


def test_truncated_response_stops_halfway(herald: DemoSite, truth: dict[str, Any]) -> None:
    conn = http.client.HTTPConnection(*herald.server_address[:2], timeout=5)
    try:
        conn.request("GET", target(truth["special"]["truncated"]), headers={"Accept-Encoding": "gzip"})
        resp = conn.getresponse()
        assert resp.status == 200
        assert "Content-Encoding" not in resp.msg
        declared = int(resp.getheader("Content-Length"))
        with pytest.raises(http.client.IncompleteRead) as err:
            resp.read()
    finally:
        conn.close()
    assert len(err.value.partial) == declared // 2
    assert truth["special"]["truncated"] not in {a["url"] for a in truth["articles"]}


def test_error_pages(herald: DemoSite, truth: dict[str, Any]) -> None:
    gone = fetch(herald, truth["special"]["not_found"])
    assert (gone.status, gone.reason) == (404, "Not Found")
    assert b"Page not found" in gone.body
    assert fetch(herald, truth["base_url"] + "/no/such/page").status == 404
    head, body = raw(herald, truth["special"]["server_error"])
    assert head.startswith(b"HTTP/1.1 500 Service unavailable (with message)\r\n")
    assert b"The website encountered an unexpected error. Please try again later." in body


def test_slow_article_is_late_but_whole(herald: DemoSite, truth: dict[str, Any]) -> None:
    started = time.monotonic()
    r = fetch(herald, truth["special"]["slow"])
    assert time.monotonic() - started >= 0.2
    assert r.status == 200
    assert truth["special"]["slow"] in {a["url"] for a in truth["articles"]}


def test_legacy_charset_article(herald: DemoSite, truth: dict[str, Any]) -> None:
    r = fetch(herald, truth["special"]["legacy_charset"])
    assert r.headers["Content-Type"] == "text/html"
    assert b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1252" />' in r.body
    with pytest.raises(UnicodeDecodeError):
        r.body.decode("utf-8")
    text = r.body.decode("cp1252")
    for s in ("Zürich", "€", "“", "–", "é"):
        assert s in text
    art = next(a for a in truth["articles"] if a["url"] == truth["special"]["legacy_charset"])
    assert any("€" in c["text"] or "“" in c["text"] for c in art["comments"])


def test_robots_txt(herald: DemoSite, truth: dict[str, Any]) -> None:
    text = fetch(herald, truth["base_url"] + "/robots.txt").body.decode()
    assert "Crawl-delay" not in text
    assert f"Sitemap: {truth['base_url']}/sitemap.xml" in text
    rules = RobotFileParser()
    rules.parse(text.splitlines())
    base, art = truth["base_url"], truth["articles"][0]
    assert not rules.can_fetch("*", f"{base}/comment/reply/{art['nid']}/1001")
    assert not rules.can_fetch("*", f"{base}/calendar/2018-02")
    assert not rules.can_fetch("*", f"{base}/search/node?keys=x")
    assert rules.can_fetch("*", f"{base}/user/login?destination=node/{art['nid']}")  # a trap robots allow
    assert all(rules.can_fetch("*", u) for u in art["thread_pages"] + art["permalinks"])
    assert f"{base}/comment/reply/" in truth["robots_disallowed"]


def test_sitemap_index_lists_everything(herald: DemoSite, truth: dict[str, Any]) -> None:
    index = ET.fromstring(fetch(herald, truth["seeds"]["sitemap"]).body)
    chunks = [e.text or "" for e in index.iter(f"{SITEMAP_NS}loc")]
    assert chunks == [f"{truth['seeds']['sitemap']}?page=1", f"{truth['seeds']['sitemap']}?page=2"]
    locs = set()
    for url in chunks:
        urlset = ET.fromstring(fetch(herald, url).body)
        for u in urlset.iter(f"{SITEMAP_NS}url"):
            assert u.findtext(f"{SITEMAP_NS}lastmod")
            assert u.findtext(f"{SITEMAP_NS}priority")
            locs.add(u.findtext(f"{SITEMAP_NS}loc"))
    special = truth["special"]
    wanted = {a["url"] for a in truth["articles"]} | {special[k] for k in (
        "not_found", "server_error", "truncated", "pdf", "offsite_in_sitemap")}
    assert wanted <= locs
    assert urlsplit(special["offsite_in_sitemap"]).hostname == "localhost"
    assert fetch(herald, truth["seeds"]["sitemap"] + "?page=3").status == 404


def test_pdf(herald: DemoSite, truth: dict[str, Any]) -> None:
    r = fetch(herald, truth["special"]["pdf"], gzipped=True)
    assert r.headers["Content-Type"] == "application/pdf"
    assert "Content-Encoding" not in r.headers
    assert 60_000 <= len(r.body) <= 120_000
    assert r.body.startswith(b"%PDF-1.4\n")
    assert r.body.endswith(b"%%EOF\n")
    xref = int(r.body.rsplit(b"startxref\n", 1)[1].split()[0])
    assert r.body[xref:].startswith(b"xref\n0 6\n")
    assert target(truth["special"]["pdf"]).encode() in fetch(herald, truth["articles"][0]["url"]).body


def test_thread_pagination_like_drupal(herald: DemoSite, truth: dict[str, Any]) -> None:
    art = truth["articles"][0]
    pages = [fetch(herald, u).body for u in art["thread_pages"]]
    assert len(pages) >= 3
    assert fetch(herald, art["url"] + "?page=99").body == pages[-1]
    assert fetch(herald, art["url"] + "?sort=newest").body == pages[0]
    assert b"pager-first" not in pages[0]
    assert b'<li class="pager-current first">1</li>' in pages[0]
    assert b"pager-next" not in pages[-1]
    assert b"pager-last" not in pages[-1]
    path = urlsplit(art["url"]).path
    nxt = f'<li class="pager-next"><a title="Go to next page" href="{path}?page=1">next ›</a>'
    assert nxt.encode() in pages[0]
    late = next(c for c in art["comments"] if c["page"] == 2)
    assert fetch(herald, late["permalink"]).body == pages[2]
    assert b"pager" not in fetch(herald, truth["articles"][4]["url"]).body  # one page of comments


def parse_thread(html: str) -> list[dict[str, Any]]:
    """A plain reading of the markup, independent of the renderer."""
    rows = []
    for div in lxml.html.fromstring(html).xpath('//div[@typeof="sioc:Post sioct:Comment"]'):
        name = div.xpath('.//p[@class="commenter-name"]//*[@property="foaf:name"]')[0]
        author = name.text_content().removesuffix(" (not verified)")
        parent = div.xpath('.//span[@rel="sioc:reply_of"][starts-with(@resource, "/comment/")]/@resource')
        lines = []
        for el in div.xpath('.//div[@property="content:encoded"]/*'):
            prefix = "> " if el.tag == "blockquote" else ""
            lines.append(prefix + el.text_content())
        created = div.xpath('.//p[@class="comment-time"]/span/@content')[0]
        rows.append({
            "comment_id": div.get("about").split("#comment-")[1],
            "parent_id": parent[0].split("#comment-")[1] if parent else None,
            "author": None if author == "Anonymous" and name.tag == "span" else author,
            "published": datetime.fromisoformat(created).astimezone(timezone.utc).isoformat(),
            "text": "\n".join(lines),
            "nesting": len(div.xpath('ancestor::div[@class="indented"]')),
        })
    return rows


def test_ground_truth_matches_rendered_threads(herald: DemoSite, truth: dict[str, Any]) -> None:
    conn = http.client.HTTPConnection(*herald.server_address[:2], timeout=5)  # one keep-alive connection
    seen: dict[str, list[dict[str, Any]]] = {}
    try:
        for art in truth["articles"]:
            rows = []
            charset = "cp1252" if art["url"] == truth["special"]["legacy_charset"] else "utf-8"
            depths: dict[str, int] = {}
            for page, url in enumerate(art["thread_pages"]):
                conn.request("GET", target(url))
                synced = page == 0  # Drupal restarts $divs at 0 on every page
                for row in parse_thread(conn.getresponse().read().decode(charset)):
                    nesting = row.pop("nesting")
                    # depth comes from the reply_of chain: the parent always precedes, maybe on a past page
                    depth = depths[row["parent_id"]] + 1 if row["parent_id"] else 0
                    depths[row["comment_id"]] = depth
                    # div.indented nesting only tells depth from the first comment of a page as deep as
                    # its nesting; before that, each deeper comment opens a single div
                    assert nesting == depth if synced else min(depth, 1) <= nesting <= depth
                    synced = synced or nesting == depth
                    rows.append({**row, "depth": depth, "page": page, "position": len(rows),
                                 "permalink": f"{truth['base_url']}/comment/{row['comment_id']}"})
            seen[art["url"]] = rows
    finally:
        conn.close()
    for art in truth["articles"]:
        assert seen[art["url"]] == art["comments"]
        assert art["comment_count"] == len(art["comments"])
        assert art["permalinks"] == [c["permalink"] for c in art["comments"]]
    ids = [c["comment_id"] for a in truth["articles"] for c in a["comments"]]
    assert len(ids) == len(set(ids))
    json.dumps(truth)


def test_later_page_opens_one_indent_like_comment_prepare_thread(
        herald: DemoSite, truth: dict[str, Any]) -> None:
    checked = 0
    for art in truth["articles"]:
        by_id = {c["comment_id"]: c for c in art["comments"]}
        for page, url in enumerate(art["thread_pages"][1:], 1):
            first = next(c for c in art["comments"] if c["page"] == page)
            if first["depth"] < 2:
                continue
            doc = lxml.html.fromstring(fetch(herald, url).body)
            div = doc.xpath('//div[@typeof="sioc:Post sioct:Comment"]')[0]
            assert div.get("about") == f"/comment/{first['comment_id']}#comment-{first['comment_id']}"
            assert len(div.xpath('ancestor::div[@class="indented"]')) == 1
            assert div.getparent().get("class") == "indented"
            reply_of = div.xpath('.//span[@rel="sioc:reply_of"][starts-with(@resource, "/comment/")]'
                                 "/@resource")
            assert len(reply_of) == 1
            parent = by_id[reply_of[0].split("#comment-")[1]]
            assert parent["comment_id"] == first["parent_id"]
            assert parent["depth"] == first["depth"] - 1
            assert parent["page"] < page
            checked += 1
    assert checked >= 1


def test_first_article_has_every_oddity(herald: DemoSite, truth: dict[str, Any]) -> None:
    art = truth["articles"][0]
    comments, texts = art["comments"], "\n".join(c["text"] for c in art["comments"])
    assert len(comments) >= 130
    assert max(c["depth"] for c in comments) >= 6
    for s in ("🚀😀", "中文评论，测试。", "أعتقد", "אני מסכים", "https://example.com/", "Permalink", "reply",
              "cost < benefit & risk > 0"):
        assert s in texts
    assert any(line.startswith("> ") for line in texts.splitlines())
    assert any(c["author"] is None for c in comments)
    deleted = next(c for c in comments if c["text"] == "This comment has been deleted.")
    assert deleted["author"] is None
    assert any(c["parent_id"] == deleted["comment_id"] for c in comments)
    html = b"".join(fetch(herald, u).body for u in art["thread_pages"]).decode()
    assert html.count('<p class="comment-edited">Edited ') == 1
    assert "(not verified)</span>" in html
    assert "&lt; benefit &amp; risk" in html
    assert '<a href="https://example.com/reports/2018/eastern-syria-strikes" rel="nofollow">' in html
    counts = sorted(a["comment_count"] for a in truth["articles"][1:])
    assert counts[0] == 0
    assert counts[-1] <= 60
    assert all(c["published"].endswith("+00:00") for c in comments)
    assert art["published"] == "2018-02-07T21:30:00-05:00"


def test_traps_are_on_pages_and_answer(herald: DemoSite, truth: dict[str, Any]) -> None:
    pages = fetch(herald, truth["articles"][0]["url"]).body.decode()
    pages += fetch(herald, truth["base_url"] + "/calendar/2018-02").body.decode()
    for url in truth["traps"]:
        assert f'href="{target(url)}"' in pages or f'href="{target(url)}#' in pages, url
        assert fetch(herald, url).status == 200, url
    far = fetch(herald, truth["base_url"] + "/calendar/2031-12").body
    assert b'href="/calendar/2031-11"' in far
    assert b'href="/calendar/2032-01"' in far


def test_index_head_and_keep_alive(herald: DemoSite, truth: dict[str, Any]) -> None:
    with urllib.request.urlopen(truth["seeds"]["index"], timeout=5) as resp:
        index = resp.read().decode()
    assert 'class="html front not-logged-in' in index
    for art in truth["articles"]:
        path = urlsplit(art["url"]).path
        assert f'<h2><a href="{path}">' in index
        if art["comment_count"]:
            assert f'<a href="{path}#comments"' in index
    conn = http.client.HTTPConnection(*herald.server_address[:2], timeout=5)
    try:
        conn.request("HEAD", target(truth["articles"][1]["url"]))
        head = conn.getresponse()
        assert head.status == 200
        assert head.read() == b""
        conn.request("HEAD", target(truth["articles"][0]["url"]))
        head = conn.getresponse()
        assert head.read() == b""
        assert int(head.getheader("Content-Length")) > 50_000
        conn.request("GET", "/user/login?destination=node/1")
        assert conn.getresponse().read().count(b"Create new account") >= 1
    finally:
        conn.close()
    assert ("HEAD", f"127.0.0.1:{herald.server_address[1]}", target(truth["articles"][0]["url"])) \
        in herald.requests_seen


def test_builds_are_deterministic() -> None:
    assert build_site() == build_site()
    base = "http://127.0.0.1:8080"
    one, two = Drupal7(build_site(), base), Drupal7(build_site(), base)
    for table in ("exact", "fixed", "paged"):
        assert getattr(one, table) == getattr(two, table)
    assert json.dumps(ground_truth(build_site(), base)) == json.dumps(ground_truth(build_site(), base))
    assert build_site(seed=1) != build_site()


def test_bench_size_has_enough_pages() -> None:
    site = build_site(articles=16)
    truth = ground_truth(site, "http://127.0.0.1:8080")
    pages = sum(len(a["thread_pages"]) + len(a["permalinks"]) for a in truth["articles"])
    print(f"bench site (16 articles): {pages} crawlable thread pages")  # noqa: T201
    assert pages == site.page_count >= 2000
    index = Drupal7(site, "http://127.0.0.1:8080")
    assert b'<li class="pager-current last">2</li>' in index.lookup("/?page=1").body


def test_main_serves_until_sigterm(tmp_path: Path) -> None:
    out = tmp_path / "truth.json"
    cmd = [sys.executable, "-m", "demosite", "--port", "0", "--truth", str(out)]
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        base = line.removeprefix("Serving demo site at ").strip().rstrip("/")
        assert line == f"Serving demo site at {base}/\n"
        assert json.loads(out.read_text())["base_url"] == base
        with urllib.request.urlopen(base + "/robots.txt", timeout=5) as resp:
            assert resp.status == 200
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    done = subprocess.run([*cmd[:3], "--truth-only", "--port", "8123", "--truth", str(out)], cwd=ROOT,
                          capture_output=True, check=True)
    assert done.stdout == b""
    assert json.loads(out.read_text())["base_url"] == "http://127.0.0.1:8123"
