"""Serves the pre-rendered demo site over HTTP/1.1 keep-alive, framing every response by hand."""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import sys
import threading
from collections import deque
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any

from demosite.content import Site, build_site
from demosite.renderers import renderer
from demosite.toolkit import Page

logger = logging.getLogger(__name__)


def accepts_gzip(header: str) -> bool:
    """Accept-Encoding names gzip (or *) without q=0."""
    for item in header.lower().split(","):
        coding, _, params = item.partition(";")
        if coding.strip() in ("gzip", "x-gzip", "*"):
            return re.fullmatch(r"\s*q\s*=\s*0(\.0*)?\s*", params) is None
    return False


# Header fields a 304 repeats from the 200 it stands for (RFC 9110 section 15.4.5).
_NOT_MODIFIED_FIELDS = {b"server", b"etag", b"last-modified", b"cache-control", b"expires", b"vary",
                        b"content-location"}


def _fields(head: bytes) -> list[tuple[bytes, bytes]]:
    pairs = (line.partition(b":") for line in head.split(b"\r\n") if line)
    return [(name.strip(), value.strip()) for name, _, value in pairs]


def not_modified(page: Page, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """A conditional GET the page's own validators satisfy (RFC 9110 section 13.2.2):
    If-None-Match (weak comparison) wins over If-Modified-Since; only whole 200 pages."""
    if not page.status.startswith("200") or page.mode == "truncated":
        return False
    fields = {name.lower(): value for name, value in _fields(page.head)}
    if if_none_match is not None:
        etag = fields.get(b"etag", b"").decode("latin-1").removeprefix("W/")
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return bool(etag) and (etag in tags or "*" in tags)
    if not if_modified_since or not (modified := fields.get(b"last-modified")):
        return False
    try:
        return parsedate_to_datetime(modified.decode("latin-1")) <= parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):  # an unreadable date is ignored, as servers do
        return False


def chunked(payload: bytes, parts: int = 4) -> bytes:
    size = max(1, -(-len(payload) // parts))
    out = [b"%x\r\n%s\r\n" % (len(c), c) for c in (payload[i:i + size] for i in range(0, len(payload), size))]
    return b"".join(out) + b"0\r\n\r\n"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 60  # idle keep-alive connections give their thread back
    server: DemoSite

    def setup(self) -> None:
        super().setup()
        self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: thousands of requests a second would drown the test output."""

    def do_GET(self) -> None:
        self.respond(with_body=True)

    def do_HEAD(self) -> None:
        self.respond(with_body=False)

    def respond(self, *, with_body: bool) -> None:
        srv = self.server
        srv.requests_seen.append((self.command, self.headers.get("Host", ""), self.path))
        page = srv.renderer.lookup(self.path)
        if page.mode == "slow":
            srv.stopping.wait(srv.slow_seconds)
        if not_modified(page, self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")):
            srv.not_modified += 1
            kept = b"".join(b"%s: %s\r\n" % (k, v) for k, v in _fields(page.head)
                            if k.lower() in _NOT_MODIFIED_FIELDS)
            self.wfile.write(b"HTTP/1.1 304 Not Modified\r\nDate: %s\r\n%s%s" % (
                formatdate(usegmt=True).encode(), kept,
                b"Connection: close\r\n\r\n" if self.close_connection else b"\r\n"))
            return
        gz = page.gzipped is not None and accepts_gzip(self.headers.get("Accept-Encoding", ""))
        payload = page.gzipped if gz and page.gzipped is not None else page.body
        head = [b"HTTP/1.1 %s\r\nDate: %s\r\n" % (page.status.encode(), formatdate(usegmt=True).encode()),
                page.head, b"Content-Encoding: gzip\r\n" * gz]
        if page.mode == "chunked" and self.request_version != "HTTP/1.0":
            head.append(b"Transfer-Encoding: chunked\r\n")
            payload = chunked(payload)
        else:
            head.append(b"Content-Length: %d\r\n" % len(payload))
        if page.mode == "truncated":  # promise the whole body, send half, hang up
            payload, self.close_connection = payload[: len(payload) // 2], True
        head.append(b"Connection: close\r\n\r\n" if self.close_connection else b"\r\n")
        self.wfile.write(b"".join(head) + payload * with_body)


class DemoSite(ThreadingHTTPServer):
    """The demo site on a loopback port; every page is rendered before the first request."""

    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0, site: Site | None = None,
                 slow_seconds: float = 1.0, platform: str = "drupal7") -> None:
        super().__init__((host, port), Handler)
        self.site = site or build_site()
        self.base_url = f"http://{host}:{self.server_address[1]}"
        self.renderer = renderer(platform)(self.site, self.base_url)
        self.slow_seconds = slow_seconds
        self.stopping = threading.Event()
        self.connections: set[socket.socket] = set()
        self.requests_seen: deque[tuple[str, str, str]] = deque(maxlen=1_000_000)  # (method, Host, target)
        self.not_modified = 0  # 304s sent
        self._thread: threading.Thread | None = None

    def server_bind(self) -> None:
        TCPServer.server_bind(self)  # HTTPServer's would do a reverse DNS lookup
        self.server_name, self.server_port = self.server_address[:2]

    @property
    def truth(self) -> dict[str, Any]:
        return self.renderer.truth()

    def start(self) -> DemoSite:
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), name="demosite", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops the accept loop, wakes slow responses and hangs up on idle keep-alive clients."""
        self.stopping.set()
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        for conn in list(self.connections):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self.server_close()

    def __exit__(self, *args: object) -> None:
        self.stop()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Called inside socketserver's except block; clients hanging up are routine."""
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            logger.debug("Client %s went away", client_address)
        else:
            logger.error("Error serving %s", client_address, exc_info=exc)


def serve(host: str = "127.0.0.1", port: int = 0, site: Site | None = None,
          slow_seconds: float = 1.0, platform: str = "drupal7") -> DemoSite:
    """Starts the site in a background thread; stop() (or leaving a with block) ends it."""
    return DemoSite(host, port, site, slow_seconds, platform).start()
