from __future__ import annotations

import gzip
import hashlib
from base64 import b32encode
from io import BytesIO

import pytest
from warcio.archiveiterator import ArchiveIterator

from pipelines.archiving.records import request_target, target_uri

from .golden_cases import BODY, BODY_GZ, GOLDEN, GZIPPED_EXCHANGE, RESPONSE_ID, render_pair


def test_pair_matches_golden_bytes():
    assert render_pair(GZIPPED_EXCHANGE) == (GOLDEN / "gzipped-pair.golden").read_bytes()


def test_golden_pair_reads_back_with_warcio():
    records, bodies = [], []
    for record in ArchiveIterator(BytesIO(render_pair(GZIPPED_EXCHANGE)), check_digests=True):
        records.append(record)
        bodies.append(record.content_stream().read())  # warcio decodes gzip for readers
    response, request = records
    assert response.rec_type == "response"
    assert request.rec_type == "request"
    assert request.rec_headers.get_header("WARC-Concurrent-To") == RESPONSE_ID
    assert response.rec_headers.get_header("WARC-Truncated") == "length"
    # stored as received: still gzip, both cookies, the chunked framing renamed
    assert [v for k, v in response.http_headers.headers if k == "Set-Cookie"] == [
        "has_js=1; path=/", "SESSabc=def; path=/; HttpOnly",
    ]
    assert response.http_headers.get_header("Transfer-Encoding") is None
    assert response.http_headers.get_header("X-Archive-Orig-Transfer-Encoding") == "chunked"
    assert bodies == [BODY.encode(), b""]


def test_payload_digest_is_over_the_encoded_entity():
    response, _ = ArchiveIterator(BytesIO(render_pair(GZIPPED_EXCHANGE)))
    expected = "sha1:" + b32encode(hashlib.sha1(GZIPPED_EXCHANGE.body).digest()).decode()
    assert response.rec_headers.get_header("WARC-Payload-Digest") == expected


def test_request_line_keeps_query_and_drops_fragment():
    assert request_target("http://h/comment/5?x=1&page=2#comment-5") == "/comment/5?x=1&page=2"
    assert request_target("http://h") == "/"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://h/a#frag", "http://h/a"),
        ("http://h/a b\r\nWARC-Type: revisit", "http://h/a%20b%0D%0AWARC-Type:%20revisit"),
        ("http://h/<x>", "http://h/%3Cx%3E"),
    ],
)
def test_target_uri_cannot_break_a_header_line(url, expected):
    assert target_uri(url) == expected


def test_gzip_body_is_not_decoded_when_stored():
    raw = render_pair(GZIPPED_EXCHANGE)
    assert gzip.decompress(BODY_GZ) == BODY.encode()
    assert BODY_GZ in raw


def test_a_capture_crosses_the_pipe_and_decodes_as_the_exchange_it_was():
    """The reactor sends `capture`'s raw values; the writer decodes them (Exchange.from_capture)."""
    import pickle

    from scrapy.http import Request, Response

    from pipelines.archiving.records import REVALIDATES, Exchange, Original, capture

    original = Original("sha1:X", "http://h/a", "2026-01-01T00:00:00Z", "<urn:uuid:1>")
    request = Request("http://h/a b#frag", headers={"Accept": "text/html", "Proxy-Authorization": "secret"},
                      meta={REVALIDATES: ("http://h/a%20b", original)})
    response = Response("http://h/a b", status=304, body=b"", flags=["download_stopped"],
                        headers={"Set-Cookie": [b"a=1", b"b=2"], "X-Name": b"caf\xe9"})
    raw = capture(request, response, reason="Not Modified")
    request.headers["Accept"] = "changed later"  # by a middleware after the signal: not archived
    ex = Exchange.from_capture(pickle.loads(pickle.dumps(raw, protocol=5)))
    assert ex.url == "http://h/a%20b"
    assert ex.request_headers == [("Host", "h"), ("Accept", "text/html")]  # no proxy secret
    assert ex.headers == [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-Name", "café")]
    assert (ex.status, ex.reason, ex.truncated, ex.not_modified) == (304, "Not Modified", "length", original)
    # the WARC-Date is the moment of the capture, not of the writer's decoding
    epoch = Exchange.from_capture((*raw[:10], 0.0, *raw[11:]))
    assert epoch.date == "1970-01-01T00:00:00.000000Z"
    assert Exchange.from_scrapy(request, response).not_modified == original


def test_a_capture_the_writer_cannot_read_costs_that_exchange_only(tmp_path, caplog):
    """Decoding moved into the writer's process: a capture it cannot read is logged and
    counted there, and the writer goes on (before, the reactor's signal handler caught it)."""
    import logging

    from scrapy.http import Request, Response

    from pipelines.archiving.config import WarcConfig
    from pipelines.archiving.records import capture
    from pipelines.archiving.sink import WarcFiles

    request = Request("http://h/ok")
    good = capture(request, Response(request.url, status=200, body=b"ok", request=request))
    broken = (*good[:5], "not a status", good[6], 12345, *good[8:])  # headers not a mapping
    files = WarcFiles(WarcConfig(tmp_path))
    with caplog.at_level(logging.ERROR, logger="pipelines.archiving.sink"):
        files.write_exchange(broken)
        files.write_exchange(good)
    files.close_file()
    files.close_index()
    assert files.summary.undecodable == 1
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        "WARC writer: an exchange for 'http://h/ok' could not be read"]
    [path] = files.summary.files
    with open(path, "rb") as fh:
        written = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(fh)]
    assert written[1:] == [("response", "http://h/ok"), ("request", "http://h/ok")]
