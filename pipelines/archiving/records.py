"""Pure WARC record construction: an Exchange in, warcio records out, no I/O."""

from __future__ import annotations

import http
import re
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from typing import Any
from urllib.parse import urldefrag, urlsplit

from warcio.recordbuilder import RecordBuilder
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders

WARC_VERSION = "1.1"
# Revisit profiles (WARC 1.1, section 6.7): warcio writes the first itself; the second it lacks.
IDENTICAL_PAYLOAD_DIGEST = RecordBuilder.REVISIT_PROFILE_1_1
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
# Request meta set by a conditional request (ConditionalRefetchMiddleware): (the URL it was
# made for, the Original its validators came from). A 304 to it refers to that Original.
REVALIDATES = "warc_revalidates"
# Request meta: archive the response whole, never as a revisit (set on the refetch of a page
# whose archived original could not be read back: the new record replaces it in the index).
ARCHIVE_IN_FULL = "warc_in_full"
# Request meta: the callback reads nothing of the body (the thread spider's comment permalinks,
# whose comments it reads on the thread pages); archived whole all the same, but only its head
# is decoded for the spider (crawler.middlewares.ArchiveOnlyMiddleware).
ARCHIVE_ONLY = "archive_only"
# Connection-level framing that was undone before we saw the body: stored renamed, the way
# Wayback/pywb mark original headers, so replay tools do not de-chunk a plain body again.
_FRAMING_HEADERS = {"transfer-encoding"}
_ORIG_PREFIX = "X-Archive-Orig-"
_UNSAFE_URI_CHARS = re.compile(r"[\x00-\x20\x7f<>\"{}|\\^`]")


def warc_date(moment: datetime | None = None) -> str:
    """WARC 1.1 date with microseconds, always UTC."""
    moment = datetime.now(timezone.utc) if moment is None else moment.astimezone(timezone.utc)
    # isoformat: a fifth of strftime's time, on the reactor once per exchange
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def target_uri(url: str) -> str:
    """The URI as sent on the wire: no fragment, nothing that could break a header line."""
    url = urldefrag(url)[0]
    return _UNSAFE_URI_CHARS.sub(lambda m: f"%{ord(m.group()):02X}", url)


def request_target(url: str) -> str:
    """The request-target of an HTTP/1.1 request line: path and query, never the fragment."""
    parts = urlsplit(target_uri(url))
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


Headers = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Original:
    """An archived `response` record that holds a payload, as a revisit names it; `file`
    (relative to the dedup index's folder), `offset` and `length` (its gzip member) say where
    it is, for reading it back."""

    digest: str  # WARC-Payload-Digest, "sha1:BASE32" as warcio writes it
    uri: str
    date: str
    record_id: str
    file: str = ""
    offset: int = 0
    length: int = 0


@dataclass(frozen=True, slots=True)
class Exchange:
    """One HTTP request and the response to it, as they crossed the wire."""

    url: str
    method: str
    request_headers: Headers
    request_body: bytes
    protocol: str
    status: int
    reason: str
    headers: Headers
    body: bytes
    ip: str | None = None
    date: str = ""
    truncated: str | None = None  # WARC-Truncated reason: "length", "disconnect", "time"
    not_modified: Original | None = None  # a 304 to a conditional request: what it confirms
    in_full: bool = False  # never a revisit (ARCHIVE_IN_FULL)

    @classmethod
    def from_scrapy(cls, request: Any, response: Any, *, date: str | None = None,
                    reason: str | None = None) -> Exchange:
        """Capture from `response_downloaded`: the body is still content-encoded there.
        `reason`: the phrase the server sent, when the download handler kept it."""
        return cls.from_capture(capture(request, response, reason=reason), date=date)

    @classmethod
    def from_capture(cls, c: Capture, *, date: str | None = None) -> Exchange:
        """The exchange `capture` took: decoded here, in the WARC writer's process."""
        (raw_url, method, req_raw, req_body, protocol, status, reason, resp_raw, body, ip, when,
         flags, revalidates, in_full) = c
        url = target_uri(raw_url)
        req_headers = _decode_headers(req_raw)
        if not any(name.lower() == "host" for name, _ in req_headers):
            req_headers.insert(0, ("Host", urlsplit(raw_url).netloc))
        return cls(
            url=url,
            method=method,
            request_headers=req_headers,
            request_body=req_body or b"",
            protocol=protocol or "HTTP/1.1",
            status=status,
            reason=reason if reason is not None else _reason(status),
            headers=_decode_headers(resp_raw),
            body=body,
            ip=ip,
            date=date or warc_date(datetime.fromtimestamp(when, timezone.utc)),
            truncated=truncation(flags),
            not_modified=revalidates[1] if revalidates and revalidates[0] == url else None,
            in_full=in_full,
        )

    def header(self, name: str) -> str | None:
        """The first value of a response header, any case."""
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)


# What the reactor hands the WARC writer per exchange: references and plain values, nothing
# decoded or formatted (Exchange.from_capture does that in the writer's process). Building an
# Exchange on the reactor and pickling the dataclass cost ~4x as much reactor time.
Capture = tuple[Any, ...]


def capture(request: Any, response: Any, *, reason: str | None = None) -> Capture:
    """`response_downloaded`'s request and response, as Exchange.from_capture reads them."""
    status = response.status
    return (request.url, request.method, dict.copy(request.headers), request.body, response.protocol,
            status, reason, dict.copy(response.headers), response.body,
            str(response.ip_address) if response.ip_address else None, time.time(),
            tuple(response.flags or ()), request.meta.get(REVALIDATES) if status == 304 else None,
            bool(request.meta.get(ARCHIVE_IN_FULL)))


def truncation(flags: Iterable[str]) -> str | None:
    """WARC-Truncated for Scrapy's response flags: cut at DOWNLOAD_MAXSIZE, or connection lost."""
    return "length" if "download_stopped" in flags else "disconnect" if "dataloss" in flags else None


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """A fetch that gave no response after its retries (timeout, reset, DNS): what an
    archivist needs to see what is missing, kept as a `metadata` record."""

    url: str
    method: str
    error: str  # "TimeoutError: Getting ... took longer than 60.0 seconds."
    attempts: int
    date: str = ""

    @classmethod
    def from_scrapy(cls, request: Any, error: str, *, date: str | None = None) -> FetchFailure:
        return cls(target_uri(request.url), request.method, error,
                   int(request.meta.get("retry_times", 0)) + 1, date or warc_date())


def failure_record(f: FetchFailure, b: RecordBuilder, *, record_id: str | None = None
                   ) -> ArcWarcRecord:
    """application/warc-fields: the method, the error and how many attempts were made."""
    fields = (("fetch-method", f.method), ("fetch-error", f.error), ("fetch-attempts", str(f.attempts)))
    body = "".join(f"{k}: {_one_line(v)}\r\n" for k, v in fields).encode("utf-8")
    extra = {"WARC-Record-ID": record_id or new_record_id(), "WARC-Date": f.date}
    return b.create_warc_record(
        f.url, "metadata", payload=BytesIO(body), length=len(body),
        warc_content_type="application/warc-fields", warc_headers_dict=extra,
    )


def _reason(status: int) -> str:
    """The standard phrase, for when the server's own was not kept."""
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


_NOT_ARCHIVED = {b"Proxy-Authorization"}  # the proxy's secret, never sent to the site


def _text(raw: bytes) -> str:
    """Header bytes as text for warcio, which writes non-ASCII back percent-encoded as UTF-8:
    UTF-8 bytes (a `Location: /café`) come back as the same bytes escaped; other octets are
    read as ISO-8859-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _decode_headers(headers: Any) -> Headers:
    """Every value of every header, in the order received."""
    # dict.items: Scrapy's Headers (or capture's plain copy of one) holds every value in a
    # list; Headers.items() would re-normalise
    raw = [(name, v) for name, values in dict.items(headers) if name not in _NOT_ARCHIVED for v in values]
    # One decode for the whole set (per exchange, in the writer's process): parsed header lines hold no
    # LF, and a block that is valid UTF-8 is valid UTF-8 in each of its LF-separated pieces;
    # a block that is not (a Latin-1 octet somewhere) is decoded piece by piece, as _text does.
    try:
        text = b"\n".join(b"\n".join(pair) for pair in raw).decode("utf-8")
    except UnicodeDecodeError:
        return [(_text(name), _text(v)) for name, v in raw]
    parts = text.split("\n")
    if len(parts) != 2 * len(raw):  # a LF inside a name or value after all: no shortcut
        return [(_text(name), _text(v)) for name, v in raw]
    return list(zip(parts[::2], parts[1::2], strict=True))


def _stored_headers(headers: Iterable[tuple[str, str]]) -> Headers:
    return [
        (_ORIG_PREFIX + name if name.lower() in _FRAMING_HEADERS else name, value)
        for name, value in headers
    ]


def response_record(ex: Exchange, b: RecordBuilder, *, record_id: str) -> ArcWarcRecord:
    http_headers = StatusAndHeaders(
        f"{ex.status} {ex.reason}".rstrip(), _stored_headers(ex.headers), protocol=ex.protocol
    )
    extra = {"WARC-Record-ID": record_id, "WARC-Date": ex.date}
    if ex.ip:
        extra["WARC-IP-Address"] = ex.ip
    if ex.truncated:
        extra["WARC-Truncated"] = ex.truncated
    return b.create_warc_record(
        ex.url, "response", payload=BytesIO(ex.body), length=len(ex.body),
        http_headers=http_headers, warc_headers_dict=extra,
    )


def revisit_record(ex: Exchange, b: RecordBuilder, original: Original, *, record_id: str,
                   profile: str = IDENTICAL_PAYLOAD_DIGEST) -> ArcWarcRecord:
    """The response's status line and headers, no payload: it is `original`'s. warcio's own
    revisit, whose WARC 1.1 profile is identical-payload-digest; a 304 gets server-not-modified
    and the digest of the payload it confirms."""
    http_headers = StatusAndHeaders(
        f"{ex.status} {ex.reason}".rstrip(), _stored_headers(ex.headers), protocol=ex.protocol
    )
    extra = {"WARC-Record-ID": record_id, "WARC-Date": ex.date}
    if ex.ip:
        extra["WARC-IP-Address"] = ex.ip
    extra["WARC-Refers-To"] = original.record_id
    record = b.create_revisit_record(ex.url, original.digest, original.uri, original.date,
                                     http_headers=http_headers, warc_headers_dict=extra)
    if profile != IDENTICAL_PAYLOAD_DIGEST:
        record.rec_headers.replace_header("WARC-Profile", profile)
    return record


def request_record(
    ex: Exchange, b: RecordBuilder, *, record_id: str, concurrent_to: str
) -> ArcWarcRecord:
    http_headers = StatusAndHeaders(
        f"{ex.method} {request_target(ex.url)} HTTP/1.1", list(ex.request_headers),
        is_http_request=True,
    )
    extra = {"WARC-Record-ID": record_id, "WARC-Date": ex.date, "WARC-Concurrent-To": concurrent_to}
    return b.create_warc_record(
        ex.url, "request", payload=BytesIO(ex.request_body), length=len(ex.request_body),
        http_headers=http_headers, warc_headers_dict=extra,
    )


def build_pair(
    ex: Exchange, b: RecordBuilder, *, record_id: str | None = None, request_id: str | None = None
) -> tuple[ArcWarcRecord, ArcWarcRecord]:
    """The response record and the request record that names it with WARC-Concurrent-To."""
    response = response_record(ex, b, record_id=record_id or new_record_id())
    rid = response.rec_headers.get_header("WARC-Record-ID")
    return response, request_record(ex, b, record_id=request_id or new_record_id(), concurrent_to=rid)


def warcinfo_record(
    b: RecordBuilder, filename: str, info: Iterable[tuple[str, str]], *,
    record_id: str | None = None, date: str | None = None,
) -> ArcWarcRecord:
    """application/warc-fields describing the file, its software and the crawl."""
    body = "".join(f"{k}: {_one_line(v)}\r\n" for k, v in info).encode("utf-8")
    extra = {
        "WARC-Record-ID": record_id or new_record_id(),
        "WARC-Date": date or warc_date(),
        "WARC-Filename": filename,
    }
    return b.create_warc_record(
        "", "warcinfo", payload=BytesIO(body), length=len(body),
        warc_content_type="application/warc-fields", warc_headers_dict=extra,
    )


def _one_line(value: str) -> str:
    return " ".join(str(value).split())
