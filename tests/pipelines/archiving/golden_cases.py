"""The exchanges behind the golden files. `python -m tests.pipelines.archiving.golden_cases`
rewrites them; review the diff before committing."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from warcio.warcwriter import WARCWriter

from pipelines.archiving.records import WARC_VERSION, Exchange, build_pair

GOLDEN = Path(__file__).with_name("golden")

BODY = "<html><body><p>Ünïcode &amp; <a href='/comment/7#comment-7'>x</a></p></body></html>"
# gzip of BODY, fixed bytes: gzip.compress() headers differ between Python versions
BODY_GZ = bytes.fromhex(
    "1f8b0800000000000203b3c928c9cdb1b349ca4fa9b4b329b03b3c27eff0fae4fc945405b5c4dc026b059b44"
    "858ca2d4345b75fde4fcdcdcd4bc127d7365284bd75cddaec2463fd1ce46bf00882126e8838d0300ab983b6d"
    "55000000"
)
GZIPPED_EXCHANGE = Exchange(
    url="http://127.0.0.1:8080/news/2018-02-08/story?page=2",
    method="GET",
    request_headers=[
        ("Host", "127.0.0.1:8080"),
        ("Accept-Encoding", "gzip, deflate"),
        ("User-Agent", "threadwarc-test"),
    ],
    request_body=b"",
    protocol="HTTP/1.1",
    status=200,
    reason="OK",
    headers=[
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Encoding", "gzip"),
        ("Set-Cookie", "has_js=1; path=/"),
        ("Set-Cookie", "SESSabc=def; path=/; HttpOnly"),
        ("Transfer-Encoding", "chunked"),
    ],
    body=BODY_GZ,
    ip="127.0.0.1",
    date="2018-02-08T03:49:00.123456Z",
    truncated="length",
)
RESPONSE_ID = "<urn:uuid:00000000-0000-4000-8000-000000000001>"
REQUEST_ID = "<urn:uuid:00000000-0000-4000-8000-000000000002>"


def render_pair(ex: Exchange) -> bytes:
    buf = BytesIO()
    writer = WARCWriter(buf, gzip=False, warc_version=WARC_VERSION)
    for record in build_pair(ex, writer, record_id=RESPONSE_ID, request_id=REQUEST_ID):
        writer.write_record(record)
    return buf.getvalue()


if __name__ == "__main__":
    GOLDEN.mkdir(exist_ok=True)
    (GOLDEN / "gzipped-pair.golden").write_bytes(render_pair(GZIPPED_EXCHANGE))
