"""Content encodings warcio cannot decode by itself: brotli (`br`) and zstandard (`zstd`).

Other producers archive what browsers were sent: Browsertrix, pywb's recorder and wget keep
`Content-Encoding: br` (and now `zstd`) bodies as received. warcio decodes a body through
`BufferedReader.DECOMPRESSORS`, keyed by content coding; its own `br` entry expects the
`brotlipy` binding (a `decompress` method and a settable `unused_data`), and with Google's
`brotli` package, the one Scrapy installs, it fails with `AttributeError: 'brotli.Decompressor'
object attribute 'unused_data' is read-only`, costing the rest of the file. These adapters give
warcio the interface it calls (`decompress`, `unused_data`, `flush`) over `brotli.Decompressor`
and `zstd.ZstdDecompressor` (`compression.zstd` from Python 3.14, `backports.zstd` before, both
Scrapy dependencies). Registered once, on import of pipelines.extraction.warc.
"""

from __future__ import annotations

from typing import Any

from warcio.bufferedreaders import BufferedReader


class _Brotli:
    def __init__(self) -> None:
        import brotli

        self._d = brotli.Decompressor()
        self.unused_data = b""  # brotli has one stream per body: nothing follows it

    def decompress(self, data: bytes) -> bytes:
        return self._d.process(data)

    def flush(self) -> bytes:
        return b""


class _Zstd:
    def __init__(self) -> None:
        self._d: Any = _zstd_module().ZstdDecompressor()
        self.unused_data = b""

    def decompress(self, data: bytes) -> bytes:
        if self._d.eof:  # a body of several frames: one decompressor per frame
            self._d = _zstd_module().ZstdDecompressor()
        return self._d.decompress(data)

    def flush(self) -> bytes:
        return b""


def _zstd_module() -> Any:
    try:
        from compression import zstd  # Python 3.14
    except ImportError:
        from backports import zstd
    return zstd


def install() -> None:
    """Register the adapters with warcio (idempotent); a binding that is missing is skipped,
    and warcio then reports such a body as it does any coding it does not know."""
    try:
        import brotli  # noqa: F401

        BufferedReader.DECOMPRESSORS["br"] = _Brotli
    except ImportError:
        pass
    try:
        _zstd_module()
        BufferedReader.DECOMPRESSORS["zstd"] = _Zstd
    except ImportError:
        pass
