"""Our capped header parser (pipelines/extraction/warc.py) is warcio's parser made faster: for
any header block it must give what warcio's gives (status line, protocol, headers, length
read, where the stream is left) or raise what warcio raises."""

from __future__ import annotations

import random
from io import BytesIO

import pytest
from warcio.recordloader import ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeadersParser

from pipelines.extraction.warc import HTTP_VERSIONS, RecordCut, _CappedParser

LINES = [
    b"Content-Type: text/html; charset=utf-8\r\n", b"Set-Cookie: a=1\r\n", b"Set-Cookie: b=2\r\n",
    b"X-Empty:\r\n", b"X-Spaces :  padded value  \r\n", b"X-Tab\t: tabbed\r\n",
    b"   continued on this line\r\n", b"\tand with a tab\r\n", b"no colon on this line\r\n",
    b"Location: /caf\xc3\xa9\r\n", b"Location: /caf\xe9\r\n", b"X-Bare-LF: yes\n",
    b"X-Colons: a:b:c\r\n", b": no name\r\n", b"X-NBSP: \xa0\r\n", b"\xa0\r\n", b"  \r\n",
    b"X-Unicode-Space: v\x1c\r\n", b"  X-Indented: with a colon\r\n", b"Content-Length: 12\r\n",
    b"WARC-Type: response\r\n",
]
STATUS = [b"HTTP/1.1 200 OK\r\n", b"HTTP/1.0 404 Not Found\r\n", b"HTTP/2 200\r\n", b"http/1.1 301 Moved\r\n",
          b"HTTP/1.1 200 D\xe9j\xe0 vu\r\n", b"\r\n", b"", b"ICY 200 OK\r\n", b"HTTP/1.1\r\n"]

REQUESTS = [b"GET /node/1?page=2 HTTP/1.1\r\n", b"POST /comment/reply HTTP/1.0\r\n", b"get / HTTP/1.1\r\n",
            b"BREW /pot HTTP/1.1\r\n", b"\r\n", b""]


def both(block: bytes, status: bytes | None = None, kind: str = "response") -> tuple[object, object]:
    """(warcio's result, ours) for a response's or a request's HTTP header: each the parsed
    fields and the stream's position, or the exception's type and text."""
    loader = ArcWarcRecordLoader()
    if kind == "response":
        pair = (StatusAndHeadersParser(["HTTP/1.0", "HTTP/1.1", *HTTP_VERSIONS]),
                _CappedParser(loader.http_parser, "HTTP", HTTP_VERSIONS))
    else:  # warcio's request parser (its verbs, verify as the loader sets it)
        pair = (StatusAndHeadersParser(loader.http_req_parser.statuslist, loader.http_req_parser.verify),
                _CappedParser(loader.http_req_parser, "HTTP"))
    results = []
    for parser in pair:
        stream = BytesIO(block)
        try:
            got = parser.parse(stream, status)
            results.append((got.statusline, got.protocol, got.headers, got.total_len, stream.tell()))
        except Exception as exc:  # noqa: BLE001 - compared, not swallowed
            results.append((type(exc).__name__, str(exc)))
    return results[0], results[1]


@pytest.mark.parametrize("seed", range(40))
def test_random_header_blocks_parse_as_warcio_parses_them(seed):
    rng = random.Random(seed)
    for _ in range(50):
        block = rng.choice(STATUS) + b"".join(rng.choices(LINES, k=rng.randrange(0, 9)))
        block += rng.choice([b"\r\n", b"\n", b"", b"\r\n<html>body\r\n"])
        theirs, ours = both(block)
        assert ours == theirs, block
        given = rng.choice(STATUS[:5])  # the status line read by the caller (warcio's ARC/WARC detection)
        theirs, ours = both(block.partition(b"\n")[2], given)
        assert ours == theirs, (given, block)
        request = rng.choice(REQUESTS) + block.partition(b"\n")[2]
        theirs, ours = both(request, kind="request")
        assert ours == theirs, request


def test_a_real_response_header_is_read_alike():
    block = (b"HTTP/1.1 200 OK\r\nDate: Tue, 01 Dec 2026 10:00:00 GMT\r\nContent-Type: text/html\r\n"
             b"Set-Cookie: SESS=1; path=/\r\nContent-Encoding: gzip\r\n\r\n\x1f\x8b...")
    theirs, ours = both(block)
    assert ours == theirs
    assert ours[2][-1] == ("Content-Encoding", "gzip")
    assert ours[4] == block.index(b"\x1f")


def test_a_warc_header_that_starts_blank_is_cut_short():
    """A gzip member (or file) that starts with a blank line: warcio gives an empty header; ours
    says what is wrong with it (no Content-Length), as for any WARC header missing one."""
    parser = _CappedParser(ArcWarcRecordLoader().warc_parser, "WARC")
    with pytest.raises(RecordCut, match=r"its WARC header states no Content-Length \('none'\)"):
        parser.parse(BytesIO(b"\r\nWARC/1.1\r\nWARC-Type: response\r\nContent-Length: 0\r\n\r\n"))


def test_a_warc_header_parses_as_warcio_parses_it():
    block = (b"WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: http://site.example/caf\xc3\xa9\r\n"
             b"WARC-Date: 2026-12-01T10:00:00Z\r\nContent-Length: 12\r\n\r\nHTTP/1.1 200")
    ours = _CappedParser(ArcWarcRecordLoader().warc_parser, "WARC").parse(stream := BytesIO(block))
    theirs = ArcWarcRecordLoader().warc_parser.parse(BytesIO(block))
    assert (ours.protocol, ours.statusline, ours.headers, ours.total_len) == (
        theirs.protocol, theirs.statusline, theirs.headers, theirs.total_len)
    assert stream.read() == b"HTTP/1.1 200"
