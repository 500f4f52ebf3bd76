"""Download handlers: Scrapy's HTTP/1.1 handler, also keeping the status line's reason phrase.

Scrapy's Response has a status code but no reason phrase; an archive should hold the status
line as sent (Drupal answers `500 Service unavailable (with message)`). This reuses Scrapy's
own (private) agent and only reads `txresponse.phrase` when the body is done; if a Scrapy
release moves that code, the handler falls back to Scrapy's behaviour and the WARC writer to
the standard phrase (`reason_phrase()` returns None).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from scrapy.core.downloader.handlers import http11
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.utils.defer import maybe_deferred_to_future

if TYPE_CHECKING:
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)
_REASONS: WeakKeyDictionary[Any, str] = WeakKeyDictionary()
_Agent = getattr(http11, "_ScrapyAgent", None)
_wrap = getattr(http11, "wrap_twisted_exceptions", None)


def reason_phrase(response: Response) -> str | None:
    """The reason phrase the server sent for this response, if the handler saw it."""
    return _REASONS.get(response)


if _Agent is not None:

    class _ReasonKeepingAgent(_Agent):  # type: ignore[misc,valid-type]
        def _cb_bodydone(self, result: Any, url: str) -> Response:
            response = super()._cb_bodydone(result, url)
            phrase = getattr(result.get("txresponse"), "phrase", None)
            if isinstance(phrase, bytes):
                _REASONS[response] = phrase.decode("latin-1")
            return response


class ReasonKeepingHTTP11DownloadHandler(HTTP11DownloadHandler):
    async def download_request(self, request: Request) -> Response:
        if _Agent is None or _wrap is None:
            return await super().download_request(request)
        agent = _ReasonKeepingAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=self._default_maxsize,
            warnsize=self._default_warnsize,
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        with _wrap():
            return await maybe_deferred_to_future(agent.download_request(request))
