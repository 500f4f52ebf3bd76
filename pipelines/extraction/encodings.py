"""A record's payload as a browser would read it: de-chunked, then content-decoded, with memory
bounded by what is read, whatever the body claims.

Producers store bodies as received: `Transfer-Encoding: chunked` kept (wget, warcio's capture,
pywb's recorder), `Content-Encoding` gzip, deflate (zlib-wrapped or raw, as servers send it),
`br` and `zstd` (Browsertrix, pywb, wget). warcio's `content_stream()` decodes these, but a
block at a time with no bound on the output (a 16 KiB block of brotli or zstd can decode to
gigabytes: 200 MB of zeros is 329 bytes of brotli) and a chunk at a time, however large the
chunk claims to be. `payload_stream()` reads the same codings, each step giving at most the
bytes asked for. Like warcio (and browsers), a body whose first bytes do not decode is taken as
not encoded (servers mislabel), and an unknown coding is passed through; a body that stops
decoding part-way raises BodyDecodeError.

`install()` also gives warcio itself the `br` and `zstd` adapters it calls (`decompress`,
`unused_data`, `flush`) over `brotli.Decompressor` and `zstd.ZstdDecompressor` (warcio's own
`br` entry expects the old `brotlipy` binding and fails with Google's `brotli`, the one Scrapy
installs: `AttributeError: ... 'unused_data' is read-only`). Registered on import of
pipelines.extraction.warc.
"""

from __future__ import annotations

import zlib
from typing import Any, Protocol

from warcio.bufferedreaders import BufferedReader

BLOCK = 1 << 16  # compressed bytes read at a time
ALIASES = {"x-gzip": "gzip", "x-deflate": "deflate"}
CHUNK_LINE = 1024  # a chunk-size line (with extensions) longer than this is no chunk-size line


class BodyDecodeError(ValueError):
    """A body that decoded for a while, then did not: its page is incomplete."""


class Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


class _Brotli:
    """warcio's decompressor interface over Google's `brotli`."""

    def __init__(self) -> None:
        import brotli

        self._d = brotli.Decompressor()
        self.unused_data = b""  # brotli has one stream per body: nothing follows it

    def decompress(self, data: bytes) -> bytes:
        return self._d.process(data)

    def flush(self) -> bytes:
        return b""


class _Zstd:
    """warcio's decompressor interface over `zstd.ZstdDecompressor`."""

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


# -- bounded decoding ------------------------------------------------------------------------


class _Step(Protocol):
    """One decompressor: `step(data, limit)` returns at most `limit` bytes; `pending` says
    whether it has more output without more input; `done` whether its stream ended."""

    pending: bool
    done: bool

    def step(self, data: bytes, limit: int) -> bytes: ...


class _Zlib:
    """gzip (members one after another, as `gzip -c a b` makes), zlib-wrapped deflate or raw
    deflate (`deflate` is sent both ways: the first bytes tell which)."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self.wbits = 31 if coding == "gzip" else 15
        self._d = zlib.decompressobj(self.wbits)
        self._tail = b""
        self._started = False
        self.pending = self.done = False

    def step(self, data: bytes, limit: int) -> bytes:
        data = self._tail + data
        try:
            out = self._d.decompress(data, limit)
        except zlib.error:
            if self.coding != "deflate" or self._started or self.wbits < 0:
                raise
            self.wbits, self._d = -15, zlib.decompressobj(-15)  # raw deflate, no zlib header
            out = self._d.decompress(data, limit)
        self._started = True
        self._tail = self._d.unconsumed_tail
        if self._d.eof:
            rest = self._d.unused_data
            if self.coding == "gzip" and rest[:2] == b"\x1f\x8b":  # another member follows
                self._d, self._tail = zlib.decompressobj(31), rest
            else:
                self.done = True  # what follows the stream is ignored, as browsers do
                self._tail = b""
        self.pending = bool(self._tail)
        return out


class _BrotliStep:
    def __init__(self) -> None:
        import brotli

        self._d = brotli.Decompressor()
        self.pending = self.done = False

    def step(self, data: bytes, limit: int) -> bytes:
        if self.done:  # bytes after the stream: ignored, as browsers do
            return b""
        out = self._d.process(data, output_buffer_limit=limit)  # data is b"" while pending
        self.pending = not self._d.can_accept_more_data()
        self.done = self._d.is_finished()
        return out


_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class _ZstdStep:
    def __init__(self) -> None:
        self._d: Any = _zstd_module().ZstdDecompressor()
        self.pending = self.done = False

    def step(self, data: bytes, limit: int) -> bytes:
        if self.done:
            return b""
        if self._d.eof:  # a body of several frames: one decompressor per frame
            data = self._d.unused_data + data
            if not data:
                return b""
            if not data.startswith(_ZSTD_MAGIC):
                self.done = True  # bytes after the last frame: ignored
                return b""
            self._d = _zstd_module().ZstdDecompressor()
        out = self._d.decompress(data, max_length=limit)
        self.pending = (not self._d.eof and not self._d.needs_input) or (
            self._d.eof and bool(self._d.unused_data))
        return out


def _decompressor(coding: str) -> _Step | None:
    coding = ALIASES.get(coding, coding)
    if coding in ("gzip", "deflate"):
        return _Zlib(coding)
    try:
        if coding == "br":
            return _BrotliStep()
        if coding == "zstd":
            return _ZstdStep()
    except ImportError:
        return None
    return None  # identity, or a coding nobody decodes ("utf-8", "none"): as is


class _Decoded:
    """`inner` decoded through one coding, at most `n` bytes per read. A body whose first
    block does not decode is passed through as stored (mislabelled, as warcio and browsers
    take it); one that stops decoding later raises BodyDecodeError."""

    def __init__(self, inner: Readable, coding: str, d: _Step) -> None:
        self.inner, self.coding, self.d = inner, coding, d
        self.raw = False  # the body turned out not to be encoded
        self.fed = False  # a block went in without error
        self.eof = False
        self.decoded = 0
        self._buf = b""

    def read(self, n: int = -1, /) -> bytes:
        if n < 0:
            raise ValueError("read a bounded number of bytes")
        while not self._buf and not self.eof:
            if self.raw:
                return self.inner.read(n)
            data = b"" if self.d.pending else self.inner.read(BLOCK)
            if not data and not self.d.pending:
                self.eof = True
                break
            self._buf = self._step(data, n)
            self.decoded += len(self._buf)
            self.eof = self.d.done and not self.d.pending
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def _step(self, data: bytes, n: int) -> bytes:
        try:
            out = self.d.step(data, n)
        except Exception as exc:  # zlib.error, brotli.error, ZstdError: each means this
            if not self.fed and not _signed(self.coding, data):  # no such coding: as stored
                self.raw = True
                return data
            raise BodyDecodeError(f"Content-Encoding {self.coding}: the body stops decoding after "
                                  f"{self.decoded} bytes ({type(exc).__name__}: {exc})") from exc
        self.fed = True
        return out


def _signed(coding: str, data: bytes) -> bool:
    """Do these first bytes say they are this coding (so an error in them is a corrupt body,
    not a mislabelled one)? gzip and zstd have a magic number, zlib a checked header."""
    if coding == "gzip":
        return data[:2] == b"\x1f\x8b"
    if coding == "zstd":
        return data[:4] == _ZSTD_MAGIC
    if coding == "deflate":
        return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
    return False  # brotli has no signature: a first block that fails is taken as not encoded


class _Prefixed:
    """`head`, then `inner`."""

    def __init__(self, head: bytes, inner: Any) -> None:
        self.head, self.inner = head, inner

    def read(self, n: int = -1, /) -> bytes:
        if self.head:
            out, self.head = self.head[:n], self.head[n:]
            return out
        return self.inner.read(n)


class _Dechunked:
    """A chunked body's data, read a piece at a time however large a chunk says it is. Like
    warcio, a body whose first line is no chunk size was stored de-chunked: read as is; data
    after a bad chunk-size line later on is no chunk: the body ends there."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.left = 0  # bytes of the current chunk still to read
        self.started = False
        self.passthrough = False
        self.eof = False

    def read(self, n: int = -1, /) -> bytes:
        if n < 0:
            raise ValueError("read a bounded number of bytes")
        while not self.eof:
            if self.passthrough:
                return self.raw.read(n)
            if self.left:
                data = self.raw.read(min(n, self.left))
                if not data:  # cut short: what there is
                    self.eof = True
                    break
                self.left -= len(data)
                if not self.left:
                    self.raw.readline(CHUNK_LINE)  # the CRLF after the chunk's data
                return data
            line = self.raw.readline(CHUNK_LINE)
            size = _chunk_size(line)
            if size is None and not self.started:  # stored de-chunked
                self.raw, self.passthrough = _Prefixed(line, self.raw), True
                continue
            self.started = True
            if not size:  # the last chunk, or no chunk at all
                self.eof = True
                break
            self.left = size
        return b""


def _chunk_size(line: bytes) -> int | None:
    text = line.split(b";", 1)[0].strip()
    if not line.endswith(b"\n") or not text:
        return None
    try:
        return int(text, 16)
    except ValueError:
        return None


def codings(http: Any) -> tuple[bool, list[str]]:
    """Is the body chunked, and its codings in the order to undo them (the last applied
    first): Transfer-Encoding codings other than chunked, then Content-Encoding's."""
    def tokens(name: str) -> list[str]:
        values = [v for k, v in http.headers if k.lower() == name]
        return [t.strip().lower() for v in values for t in v.split(",") if t.strip()]

    transfer = tokens("transfer-encoding")
    chunked = "chunked" in transfer
    applied = tokens("content-encoding") + [t for t in transfer if t != "chunked"]
    return chunked, [c for c in reversed(applied) if c != "identity"]


def payload_stream(rec: Any) -> Readable:
    """The record's payload, decoded: a `resource` record's block as it is, a response's body
    de-chunked and content-decoded."""
    stream: Readable = rec.raw_stream
    http = rec.http_headers
    if http is None or rec.rec_type not in ("response", "revisit"):
        return stream
    chunked, todo = codings(http)
    if chunked:
        stream = _Dechunked(stream)
    for coding in todo:
        d = _decompressor(coding)
        if d is not None:
            stream = _Decoded(stream, ALIASES.get(coding, coding), d)
    return stream


def read_payload(rec: Any, limit: int) -> bytes:
    """Up to `limit` bytes of the decoded payload (memory: about `limit`, whatever the body)."""
    stream, parts, got = payload_stream(rec), [], 0
    while got < limit and (data := stream.read(min(limit - got, 1 << 20))):
        parts.append(data)
        got += len(data)
    return b"".join(parts)
