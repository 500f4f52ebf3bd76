"""Comment permalinks are archived whole but not read: the spider gets only the head of their
bodies decoded (crawler.middlewares.ArchiveOnlyMiddleware), enough for a meta refresh."""

from __future__ import annotations

import gzip
import zlib

import pytest
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler

from crawler.middlewares import HEAD_BYTES, ArchiveOnlyMiddleware
from pipelines.archiving.records import ARCHIVE_ONLY
from tests.warc_utils import read_records, scrapy_stat

PAGE = (b'<html><head><meta http-equiv="refresh" content="0; url=/node/1#comment-5"></head><body>'
        + b"<p>comment</p>" * 20_000 + b"</body></html>")


def through_scrapy(request: Request, response: Response) -> Response | Request:
    """The responses' order in a crawl: ours (595), Scrapy's HttpCompression (590) and
    MetaRefresh (580) middlewares, real ones built for a crawler with our settings."""
    crawler = get_crawler(settings_dict={"METAREFRESH_ENABLED": True})
    out: Response | Request = ArchiveOnlyMiddleware().process_response(request, response)
    for mw in (HttpCompressionMiddleware.from_crawler(crawler), MetaRefreshMiddleware.from_crawler(crawler)):
        assert isinstance(out, Response)
        out = mw.process_response(request, out)
    return out


@pytest.mark.parametrize(("coding", "encode"), [
    (b"gzip", lambda b: gzip.compress(b)),
    (b" X-Gzip ", lambda b: gzip.compress(b)),
    (b"deflate", zlib.compress),
    (b"deflate", lambda b: zlib.compress(b, wbits=-15)),  # raw deflate, as some servers send it
    (None, lambda b: b),
])
def test_a_permalink_is_decoded_only_as_far_as_its_meta_refresh(coding, encode):
    request = Request("http://h/comment/5", meta={ARCHIVE_ONLY: True})
    headers = {"Content-Type": "text/html"} | ({"Content-Encoding": coding} if coding else {})
    def response() -> Response:
        return Response(request.url, status=200, body=encode(PAGE), headers=headers, request=request)

    head = ArchiveOnlyMiddleware().process_response(request, response())
    assert isinstance(head, HtmlResponse)
    assert head.body == PAGE[:HEAD_BYTES]
    assert b"Content-Encoding" not in head.headers
    # its meta refresh is followed all the same
    follow = through_scrapy(request, response())
    assert isinstance(follow, Request)
    assert follow.url == "http://h/node/1#comment-5"


@pytest.mark.parametrize(("meta", "status", "coding", "body"), [
    ({}, 200, b"gzip", gzip.compress(PAGE)),  # a page the spider reads: whole
    ({ARCHIVE_ONLY: True}, 404, b"gzip", gzip.compress(PAGE)),  # an error page: whole, as before
    ({ARCHIVE_ONLY: True}, 200, b"br", b"\x0b"),  # an encoding we do not inflate: Scrapy's to do
    ({ARCHIVE_ONLY: True}, 200, b"gzip, gzip", gzip.compress(gzip.compress(PAGE))),  # two layers
    ({ARCHIVE_ONLY: True}, 200, b"gzip", b"not gzip at all"),  # Scrapy says what is wrong with it
])
def test_other_responses_are_left_to_scrapy(meta, status, coding, body):
    request = Request("http://h/comment/5", meta=meta)
    response = Response(request.url, status=status, body=body, request=request,
                        headers={"Content-Type": "text/html", "Content-Encoding": coding})
    assert ArchiveOnlyMiddleware().process_response(request, response) is response


def test_a_short_plain_body_and_a_head_request_are_left_as_they_are():
    short = Request("http://h/comment/5", meta={ARCHIVE_ONLY: True})
    plain = HtmlResponse(short.url, status=200, body=b"<html><p>short</p></html>", request=short)
    assert ArchiveOnlyMiddleware().process_response(short, plain) is plain
    head = Request("http://h/comment/5", method="HEAD", meta={ARCHIVE_ONLY: True})
    empty = Response(head.url, status=200, body=b"", request=head, headers={"Content-Encoding": "gzip"})
    assert ArchiveOnlyMiddleware().process_response(head, empty) is empty
    assert empty.headers[b"Content-Encoding"] == b"gzip"


def test_permalinks_are_archived_whole_and_not_inflated_in_a_crawl(sitemap_crawl):
    """The demo site serves gzip: every permalink is archived (in full, or as a revisit of the
    same payload archived in full), and Scrapy inflated the other responses only (its
    httpcompression/response_count)."""
    kinds = {}
    for log in sitemap_crawl.warc_dir.glob("*-crawl.log"):
        for line in log.read_text().splitlines():
            fields = line.split()
            kinds[fields[4]] = fields[5]
    records = read_records(sitemap_crawl.warcs)
    gzipped = [r for r in records if r.type in ("response", "revisit")
               and dict((k.lower(), v) for k, v in r.http_headers).get("content-encoding") == "gzip"]
    permalinks = [r for r in gzipped if kinds.get(r.url) == "permalink" and r.status == 200]
    assert len(permalinks) > 50
    whole = {r.headers["WARC-Payload-Digest"]: r for r in gzipped if r.type == "response"}
    for r in permalinks:
        stored = r if r.type == "response" else whole[r.headers["WARC-Payload-Digest"]]
        page = gzip.decompress(stored.payload)
        assert len(page) > HEAD_BYTES
        assert page.rstrip().endswith(b"</html>")
    assert scrapy_stat(sitemap_crawl.log, "httpcompression/response_count") == len(gzipped) - len(permalinks)
