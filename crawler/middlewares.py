"""Downloader middlewares."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.exceptions import NotConfigured, StopDownload

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from typing_extensions import Self

logger = logging.getLogger(__name__)


class TruncateOversizeMiddleware:
    """Cuts a response at DOWNLOAD_MAXSIZE and keeps its head, where Scrapy would drop it whole.

    Scrapy cancels an oversized download and discards every byte; an archive wants what
    arrived, marked `WARC-Truncated: length`. Scrapy's own cut is switched off per request
    (`download_maxsize` meta = 0) and the limit is enforced on `bytes_received` instead.
    """

    def __init__(self, crawler: Crawler, maxsize: int) -> None:
        self.maxsize = maxsize
        self.stats = crawler.stats
        self._received: WeakKeyDictionary[Request, int] = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("WARC_KEEP_TRUNCATED", True):
            raise NotConfigured("WARC_KEEP_TRUNCATED is off")
        if (maxsize := s.getint("DOWNLOAD_MAXSIZE")) <= 0:
            raise NotConfigured(f"DOWNLOAD_MAXSIZE is {maxsize}: nothing to cut")
        mw = cls(crawler, maxsize)
        crawler.signals.connect(mw._bytes_received, signal=signals.bytes_received)
        return mw

    def process_request(self, request: Request) -> None:
        request.meta["download_maxsize"] = 0

    def process_response(self, request: Request, response: Response) -> Response:
        """The cap back in place before HttpCompressionMiddleware (590) decodes the body:
        a small gzip bomb must not inflate past DOWNLOAD_MAXSIZE."""
        request.meta["download_maxsize"] = self.maxsize
        return response

    def _bytes_received(self, data: bytes, request: Request, spider: Any) -> None:
        received = self._received.get(request, 0) + len(data)
        self._received[request] = received
        if received > self.maxsize:
            self.stats.inc_value("truncate/responses")
            logger.warning(
                "Cut %s at %d bytes (DOWNLOAD_MAXSIZE=%d); the head is kept",
                request.url, received, self.maxsize,
            )
            raise StopDownload(fail=False)
