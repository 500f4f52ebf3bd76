"""Bodies stored as other producers store them, as received: every `Content-Encoding` browsers
send (gzip, deflate zlib-wrapped or raw, br, zstd), several at once, chunked on top."""

from __future__ import annotations

import gzip
import subprocess
import sys
import zlib
from io import BytesIO
from pathlib import Path

import brotli
import pyarrow.parquet as pq
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from demosite.server import chunked
from tests.conftest import CRAWL_ENV

try:
    from compression import zstd  # Python 3.14
except ImportError:
    from backports import zstd

ROOT = Path(__file__).resolve().parents[3]


def raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)  # no zlib header: what some servers send
    return c.compress(data) + c.flush()


# name: (Content-Encoding header, encoder, chunked)
ENCODERS = {
    "br": ("br", brotli.compress, False),
    "zstd": ("zstd", zstd.compress, False),
    "gzip": ("gzip", gzip.compress, False),
    "deflate": ("deflate", zlib.compress, False),
    "rawdeflate": ("deflate", raw_deflate, False),
    "xgzip": ("x-gzip", gzip.compress, False),
    "gzipbr": ("gzip, br", lambda b: brotli.compress(gzip.compress(b)), False),
    "zstdchunked": ("zstd", zstd.compress, True),
    "brchunked": ("br", brotli.compress, True),
}


def page(coding: str) -> bytes:
    story = f"The {coding} story: the council approved the harbour plan after a long debate. " * 12
    return (f"<html><head><meta property='og:type' content='article'><title>Harbour {coding}</title>"
            f"</head><body><h1>Harbour plan, {coding} edition</h1><p>{story}</p></body></html>").encode()


def write_warc(path: Path, codings: list[str]) -> None:
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        for coding in codings:
            header, encode, is_chunked = ENCODERS[coding]
            body = encode(page(coding))
            fields = [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", header)]
            if is_chunked:
                body, fields = chunked(body, 5), [*fields, ("Transfer-Encoding", "chunked")]
            headers = StatusAndHeaders("200 OK", fields, protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(f"http://news.example/2024/{coding}-story", "response",
                                                payload=BytesIO(body), length=len(body),
                                                http_headers=headers))


@pytest.mark.parametrize("coding", [c for c in ENCODERS if c != "gzip"])
def test_a_body_the_producer_stored_compressed_publishes(coding, tmp_path):
    warc = tmp_path / "other-tool.warc.gz"
    write_warc(warc, [coding, "gzip"])  # the record after it must not be lost either
    proc = subprocess.run([sys.executable, "-m", "crawler", "publish", str(warc), "-o", str(tmp_path / "ds"),
                           "--workers", "1"], capture_output=True, text=True, cwd=ROOT, env=CRAWL_ENV,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    shards = sorted((tmp_path / "ds" / "articles").glob("*.parquet"))
    rows = [r for f in shards for r in pq.read_table(f).to_pylist()]
    texts = {r["url"].rsplit("/", 1)[1]: r["text"] for r in rows}
    assert set(texts) == {f"{coding}-story", "gzip-story"}
    assert f"The {coding} story: the council approved" in texts[f"{coding}-story"]
    assert "The gzip story" in texts["gzip-story"]
