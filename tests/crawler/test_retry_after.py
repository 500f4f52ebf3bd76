"""Retry-After is honoured: a 429/503 pauses the whole site, then the site is crawled slower.

Timing is read from the server's own arrival times (time.monotonic() in this process).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from socketserver import TCPServer
from typing import Any

import pytest

from crawler.middlewares import retry_after_seconds
from tests.conftest import run_crawl
from tests.hostile import Seen
from tests.warc_utils import captures_by_url, read_records, scrapy_stat

# One request every 0.5 s, not randomised: the request after the 429 starts well after its
# response came back (with no delay at all, Scrapy 2.19 starts every queued request of a slot at
# once, whatever its concurrency). The other tests keep the default jitter (±50%).
PACED = ("-s", "DOWNLOAD_DELAY=0.5", "-s", "DOWNLOAD_DELAY_JITTER=0")


@pytest.mark.parametrize(("value", "date", "seconds"), [
    (b"120", None, 120.0),
    (b" 0 ", None, 0.0),
    (b"Wed, 21 Oct 2015 07:28:30 GMT", b"Wed, 21 Oct 2015 07:28:00 GMT", 30.0),  # server's Date
    (b"Wed, 21 Oct 2015 07:28:30 GMT", None, 5.0),  # no Date: our clock (now=07:28:25)
    (b"Wed, 21 Oct 2015 07:28:00 GMT", b"Wed, 21 Oct 2015 07:29:00 GMT", 0.0),  # past: no wait
    (b"soon", None, None),
    (b"-5", None, None),
])
def test_retry_after_values(value, date, seconds):
    assert retry_after_seconds(value, date, now=1445412505.0) == seconds


def after(seen: list[Seen], t0: float) -> list[Seen]:
    return [s for s in seen if s.at >= t0]


def test_a_429_pauses_the_whole_site_for_retry_after(hostile, tmp_path):
    t0 = time.monotonic()
    limited = hostile.url("/retry-after/floor?seconds=2")
    others = [hostile.url(f"/comment/91{i}") for i in range(3)]
    result = run_crawl(tmp_path / "warc", "-a", f"start_urls={','.join([limited, *others])}",
                       *PACED)
    assert result.returncode == 0, result.log[-3000:]

    refused, retried = after(hostile.requests_for("/retry-after/floor"), t0)
    later = [s for s in after(hostile.requests_for("/comment/91"), t0) if s.at > refused.at]
    assert len(later) == 3  # the seeds after it in the queue, held by the pause
    for seen in [retried, *later]:
        assert seen.at - refused.at >= 2.0, (seen.path, seen.at - refused.at)
    # afterwards the site is crawled slower: the slot delay went from 0.5 s to 1 s
    resumed = sorted(s.at for s in [retried, *later])
    assert min(b - a for a, b in pairwise(resumed)) >= 0.95

    assert re.search(r"Retry-After: pausing 127\.0\.0\.1 for 2\.0 s \(HTTP 429", result.log)
    assert scrapy_stat(result.log, "retry_after/pauses") == 1
    by_url = captures_by_url(read_records(result.warcs))
    assert by_url[limited].status == 200  # the retry's response, archived after the 429's
    assert all(by_url[u].status == 200 for u in others)


def test_a_503_with_retry_after_pauses_too(hostile, tmp_path):
    t0 = time.monotonic()
    url = hostile.url("/retry-after/unavailable?seconds=2&status=503")
    result = run_crawl(tmp_path / "warc", "-a", f"start_urls={url}")
    assert result.returncode == 0, result.log[-3000:]
    refused, retried = after(hostile.requests_for("/retry-after/unavailable"), t0)
    assert retried.at - refused.at >= 2.0
    assert "Retry-After: pausing 127.0.0.1 for 2.0 s (HTTP 503" in result.log
    assert scrapy_stat(result.log, "retry_after/pauses") == 1


def test_a_long_retry_after_is_capped_and_the_cap_logged(hostile, tmp_path):
    t0 = time.monotonic()
    url = hostile.url("/retry-after/capped?seconds=3600")
    result = run_crawl(tmp_path / "warc", "-a", f"start_urls={url}",
                       "-s", "THREAD_RETRY_AFTER_MAX=1")
    assert result.returncode == 0, result.log[-3000:]
    refused, retried = after(hostile.requests_for("/retry-after/capped"), t0)
    # the cap, then at most the raised delay (1 s, randomised up to 1.5 s), not an hour
    assert 1.0 <= retried.at - refused.at < 5.0
    assert "asks for 3600 s, capped at THREAD_RETRY_AFTER_MAX=1" in result.log
    assert "Retry-After: pausing 127.0.0.1 for 1.0 s (HTTP 429" in result.log


class _DatedServer(ThreadingHTTPServer):
    """Answers the first request for a path 429 with `Retry-After: <HTTP-date 2 s after Date>`."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _DatedHandler)
        self.seen: list[Seen] = []
        self.refused: set[str] = set()

    def server_bind(self) -> None:
        TCPServer.server_bind(self)  # no reverse DNS lookup

    def url(self, target: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{target}"


class _DatedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _DatedServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        self.server.seen.append(Seen(time.monotonic(), self.path))
        now = time.time()
        first = self.path.startswith("/dated") and self.path not in self.server.refused
        self.server.refused.add(self.path)
        body = b"<html><body><p>Come back later</p></body></html>" if first else (
            b"<html><body><p>Here it is.</p></body></html>")
        self.send_response_only(429 if first else 200)
        self.send_header("Date", formatdate(now, usegmt=True))
        if first:
            self.send_header("Retry-After", formatdate(now + 2, usegmt=True))
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def dated() -> Iterator[_DatedServer]:
    server = _DatedServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_an_http_date_retry_after_is_honoured(dated, tmp_path):
    url = dated.url("/dated/page")
    result = run_crawl(tmp_path / "warc", "-a", f"start_urls={url}")
    assert result.returncode == 0, result.log[-3000:]
    refused, retried = [s for s in dated.seen if s.path == "/dated/page"]
    # 2 s after the server's own Date, whatever our clock says (the date has 1 s resolution)
    assert retried.at - refused.at >= 2.0
    assert "Retry-After: pausing 127.0.0.1 for 2.0 s (HTTP 429" in result.log
    assert captures_by_url(read_records(result.warcs))[url].status == 200
