"""A hostile web site on 127.0.0.1: every page that has broken threadwarc is a route here.

One server, one route per hostile page, kept for every issue that finds another. It runs in
a thread of the test process (crawls are real subprocesses that fetch from it) and records
each request with its arrival time, so tests assert what a crawler did, not what it logged.

Routes (all GET):
  /article                   a plain Drupal 7 article with two comments (the good baseline)
  /not-an-article            2xx HTML with no article in it (a script-rendered shell)
  /pager/N                   a Drupal 7 article whose comment pager claims N+1 pages ("last »"
                             -> ?page=N); every ?page=K answers with the same pager
  /permalinks?n=N            a Drupal 7 article with N comments on one page, each with a
                             permalink /comment/ID (which answers 200 with a small page)
  /deep?depth=N              an article whose body nests N unclosed <div>s, with text and a
                             comment past the nesting
  /retry-after/NAME?seconds=S&status=429
                             the first request for NAME answers STATUS with `Retry-After: S`,
                             later ones a small article
  /huge/NAME?bytes=N         an HTML page of N bytes, streamed in 64 KiB writes
  /reset                     the connection is closed before any response byte
  /hang                      never answers (until the server stops)
  /comment/ID                a small page (what a permalink of /permalinks leads to)
"""

from __future__ import annotations

import contextlib
import html
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

GENERATOR = '<meta name="Generator" content="Drupal 7 (http://drupal.org)" />'


@dataclass
class Seen:
    """One request as the server saw it."""

    at: float  # time.monotonic() on arrival
    path: str  # request target


def drupal_comment(cid: int, text: str, *, author: str = "reader") -> str:
    """Drupal 7 core comment markup (RDF module), as Bartik renders it."""
    me = f"/comment/{cid}#comment-{cid}"
    return (
        f'<a id="comment-{cid}"></a><div class="comment clearfix" about="{me}" '
        f'typeof="sioc:Post sioct:Comment"><div class="submitted"><span rel="sioc:has_creator">'
        f'<span class="username" property="foaf:name">{html.escape(author)}</span></span>'
        f'<span property="dc:date dc:created" content="2018-02-08T10:00:00-05:00"></span>'
        f'<a href="{me}" class="permalink" rel="bookmark">Permalink</a></div>'
        f'<div class="content"><span rel="sioc:reply_of" resource="/article" '
        f'class="rdf-meta element-hidden"></span><div class="field field-name-comment-body">'
        f'<div class="field-items"><div class="field-item even"><p>{html.escape(text)}</p>'
        "</div></div></div></div></div>\n"
    )


def drupal_page(title: str, body: str, comments: str = "", pager: str = "") -> bytes:
    """A Drupal 7 node page: generator tag, node div, #comments wrapper."""
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{html.escape(title)} | Hostile Herald</title>"
        f"{GENERATOR}</head><body class='html not-front page-node'><div id='page'>"
        f"<h1 class='title'>{html.escape(title)}</h1>"
        f"<div id='node-1' class='node node-article clearfix'><div class='content'>{body}</div></div>"
        f"<div id='comments' class='comment-wrapper'>{comments}{pager}</div>"
        "</div></body></html>"
    ).encode()


def pager_html(path: str, current: int, last: int) -> str:
    """Drupal's theme_pager() around `current`, with "last »" pointing at page `last`."""
    items = [f'<li class="pager-item"><a href="{path}?page={p}">{p + 1}</a></li>'
             for p in range(max(0, current - 4), min(last, current + 4) + 1) if p != current]
    items.insert(0, f'<li class="pager-current">{current + 1}</li>')
    items.append(f'<li class="pager-last last"><a href="{path}?page={last}">last »</a></li>')
    return f'<div class="item-list"><ul class="pager">{"".join(items)}</ul></div>'


STORY = "".join(f"<p>Paragraph {i} of a story about a harbour, its ferries and its people.</p>"
                for i in range(6))


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.base_url = f"http://127.0.0.1:{self.server_address[1]}"
        self.seen: list[Seen] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._answered: set[str] = set()  # retry-after names already refused once
        self._thread: threading.Thread | None = None

    def server_bind(self) -> None:
        TCPServer.server_bind(self)  # no reverse DNS lookup

    def url(self, target: str) -> str:
        return self.base_url + target

    def requests_for(self, prefix: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path.startswith(prefix)]

    def note(self, path: str) -> None:
        with self._lock:
            self.seen.append(Seen(time.monotonic(), path))

    def first_time(self, name: str) -> bool:
        with self._lock:
            new = name not in self._answered
            self._answered.add(name)
            return new

    def start(self) -> HostileServer:
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True,
                                        name="hostile")
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Crawlers hanging up on huge or hung responses are routine here."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HostileServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        self.server.note(self.path)
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        for prefix, route in ROUTES.items():
            if parts.path == prefix or (prefix.endswith("/") and parts.path.startswith(prefix)):
                route(self, parts.path, query)
                return
        self.send_body(b"<html><body><p>Not found</p></body></html>", status=404)

    def send_body(self, body: bytes, *, status: int = 200, ctype: str = "text/html; charset=utf-8",
                  headers: tuple[tuple[str, str], ...] = ()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(ConnectionError):
            self.wfile.write(body)


Route = Callable[[_Handler, str, dict[str, str]], None]


def _article(h: _Handler, path: str, q: dict[str, str]) -> None:
    comments = drupal_comment(101, "First!") + drupal_comment(102, "A second opinion.")
    h.send_body(drupal_page("A harbour story", STORY, comments))


def _not_an_article(h: _Handler, path: str, q: dict[str, str]) -> None:
    h.send_body(b"<!DOCTYPE html><html><head><title>Loading</title></head><body><div id='app'>"
                b"</div><script>render()</script></body></html>")


def _pager(h: _Handler, path: str, q: dict[str, str]) -> None:
    last, page = int(path.rsplit("/", 1)[1] or "200000"), int(q.get("page", "0"))
    comments = drupal_comment(1000 + page, f"Comment on page {page}.")
    h.send_body(drupal_page("A story with a pager that lies", STORY, comments,
                            pager_html(path, page, last)))


def _permalinks(h: _Handler, path: str, q: dict[str, str]) -> None:
    n = int(q.get("n", "10000"))
    comments = "".join(drupal_comment(5000 + i, f"Comment number {i} says something.")
                       for i in range(n))
    h.send_body(drupal_page("A story with ten thousand comments", STORY, comments))


def deep_body(depth: int) -> str:
    return ("<p>Before the nesting, the story begins.</p>" + "<div>" * depth
            + "<p>DEEP TEXT: the end of the story, past the nesting.</p>")


def _deep(h: _Handler, path: str, q: dict[str, str]) -> None:
    depth = int(q.get("depth", "3000"))
    h.send_body(drupal_page("A story in deep markup", deep_body(depth) + STORY,
                            drupal_comment(77, "A comment after the deep markup.")))


def _retry_after(h: _Handler, path: str, q: dict[str, str]) -> None:
    if h.server.first_time(path):
        h.send_body(b"<html><body>Slow down</body></html>", status=int(q.get("status", "429")),
                    headers=(("Retry-After", q.get("seconds", "2")),))
    else:
        h.send_body(drupal_page(f"Story {path}", STORY))


def _huge(h: _Handler, path: str, q: dict[str, str]) -> None:
    size = int(q.get("bytes", str(8 << 20)))
    head = b"<!DOCTYPE html><html><head><title>Huge</title></head><body><p>"
    chunk = (b"All work and no play makes a huge page. " * 1640)[: 64 * 1024]
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", str(size))
    h.end_headers()
    with contextlib.suppress(ConnectionError):
        h.wfile.write(head)
        left = size - len(head)
        while left > 0:
            piece = chunk[:left]
            h.wfile.write(piece)
            left -= len(piece)


def _reset(h: _Handler, path: str, q: dict[str, str]) -> None:
    with contextlib.suppress(OSError):
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    h.close_connection = True


def _hang(h: _Handler, path: str, q: dict[str, str]) -> None:
    h.server.stopping.wait(600)
    h.close_connection = True


def _comment(h: _Handler, path: str, q: dict[str, str]) -> None:
    h.send_body(b"<html><body><p>A comment's own page.</p></body></html>")


# -- discovery bombs: sitemaps, feeds and index pages that must cost bounded time and memory --

SITEMAP_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                    for i in range(1, 10)) + "]>\n")
_GZIP_BOMB: list[bytes] = []


def gzip_bomb(size: int = 200 << 20) -> bytes:
    """A sitemap header and `size` bytes of whitespace, gzipped: ~200 KB on the wire."""
    if not _GZIP_BOMB:
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
        parts = [packer.compress(f"<urlset {SITEMAP_NS}>".encode())]
        block = b" " * (1 << 20)
        parts += [packer.compress(block) for _ in range(size >> 20)]
        _GZIP_BOMB.append(b"".join([*parts, packer.flush()]))
    return _GZIP_BOMB[0]


def _bombs(h: _Handler, path: str, q: dict[str, str]) -> None:
    name = path.removeprefix("/bombs/")
    xml = "application/xml"
    if name == "sitemap.xml.gz":
        h.send_body(gzip_bomb(), ctype="application/x-gzip")
    elif name == "laughs-sitemap.xml":
        h.send_body((LAUGHS + f"<urlset {SITEMAP_NS}><url><loc>{h.server.url('/article')}&lol9;</loc>"
                     "</url></urlset>").encode(), ctype=xml)
    elif name == "laughs-feed.rss":
        h.send_body((LAUGHS + "<rss><channel><item><title>&lol9;</title><link>"
                     f"{h.server.url('/article')}</link></item></channel></rss>").encode(), ctype=xml)
    elif name == "many-sitemap.xml":  # 100,000 entries, all on a host the crawl does not cover
        entries = "".join(f"<url><loc>http://elsewhere.invalid/story/{i}</loc></url>" for i in range(100_000))
        h.send_body(f"<urlset {SITEMAP_NS}>{entries}</urlset>".encode(), ctype=xml)
    elif name == "huge-sitemap.xml":  # 60 MB, the sitemaps.org limit is 50 MB
        pad = "<!-- " + "x" * (1 << 20) + " -->"
        h.send_body((f"<urlset {SITEMAP_NS}>" + pad * 60 + "</urlset>").encode(), ctype=xml)
    elif name.startswith("index"):  # a sitemap index naming itself and a next index, forever
        n = int(q.get("n", "0"))
        locs = (h.server.url(f"/bombs/index?n={n}"), h.server.url(f"/bombs/index?n={n + 1}"))
        h.send_body((f"<sitemapindex {SITEMAP_NS}>"
                     + "".join(f"<sitemap><loc>{html.escape(u)}</loc></sitemap>" for u in locs)
                     + "</sitemapindex>").encode(), ctype=xml)
    elif name == "links":  # an index page of 10,000 dated story links
        links = "".join(f'<li><a href="/bombs/story/2024/05/06/story-number-{i}-of-many">Story {i}</a>'
                        f"</li>" for i in range(int(q.get("n", "10000"))))
        h.send_body(f"<html><body><h1>All stories</h1><ul>{links}</ul></body></html>".encode())
    elif name == "leave":  # a redirect to another host
        target = h.server.url("/bombs/offsite-target").replace("127.0.0.1", "localhost")
        h.send_body(b"", status=302, headers=(("Location", target),))
    else:
        h.send_body(b"<html><body><p>Not found</p></body></html>", status=404)


ROUTES: dict[str, Route] = {
    "/bombs/": _bombs,
    "/article": _article,
    "/not-an-article": _not_an_article,
    "/pager/": _pager,
    "/permalinks": _permalinks,
    "/deep": _deep,
    "/retry-after/": _retry_after,
    "/huge/": _huge,
    "/reset": _reset,
    "/hang": _hang,
    "/comment/": _comment,
}


@contextlib.contextmanager
def hostile_server() -> Iterator[HostileServer]:
    server = HostileServer().start()
    try:
        yield server
    finally:
        server.stop()
