"""What every platform's renderer shares: one encoded response, HTML escaping, the content's
paragraphs as HTML, timestamps, the PDF and the other host name. Nothing here is any
platform's markup: that lives in the platform's own module."""

from __future__ import annotations

import gzip
import hashlib
import html
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime

from demosite.content import EST, Block

EPOCH = datetime(2018, 2, 1, tzinfo=timezone.utc)  # Last-Modified of files that never change


@dataclass(frozen=True, slots=True)
class Page:
    """One response encoded once; the server adds only Date, framing and Connection."""

    status: str  # "200 OK"
    head: bytes  # header lines, each ending in CRLF
    body: bytes
    gzipped: bytes | None  # None: always identity
    mode: str = ""  # "", "slow", "chunked" or "truncated"


def make_page(body: bytes, ctype: str = "text/html; charset=utf-8", modified: datetime = EPOCH,
              *, status: str = "200 OK", mode: str = "", etag: bool = True,
              extra: tuple[tuple[str, str], ...] = ()) -> Page:
    """A response as Apache sends it: an ETag and byte ranges unless the application behind it
    (etag=False) does not say; gzip when the client asks, except for PDFs and cut responses."""
    headers = [("Server", "Apache/2.4.29 (Ubuntu)"), ("Content-Type", ctype),
               ("Last-Modified", format_datetime(modified.astimezone(timezone.utc), usegmt=True))]
    if etag:
        headers += [("ETag", f'"{hashlib.md5(body).hexdigest()[:13]}"'), ("Accept-Ranges", "bytes")]
    gz = None if mode == "truncated" or ctype == "application/pdf" else gzip.compress(body, 6, mtime=0)
    headers += (*extra, *(("Vary", "Accept-Encoding"),) * bool(gz))
    return Page(status, "".join(f"{k}: {v}\r\n" for k, v in headers).encode("latin-1"), body, gz, mode)


def esc(s: str) -> str:
    """HTML-escaped text and attribute values, apostrophes as PHP's htmlspecialchars writes them."""
    return html.escape(s).replace("&#x27;", "&#039;")


def iso(dt: datetime) -> str:
    """ISO 8601 in the site's local time (EST), offset included."""
    return dt.astimezone(EST).isoformat()


def blocks_html(blocks: tuple[Block, ...], *, nofollow: bool) -> str:
    """Paragraphs and blockquotes as a filtered-HTML text format stores them."""
    rel = ' rel="nofollow"' * nofollow
    out = []
    for b in blocks:
        inner = "".join(html.escape(p, quote=False) if isinstance(p, str) else
                        f'<a href="{esc(p[1])}"{rel}>{html.escape(p[0], quote=False)}</a>' for p in b.parts)
        out.append(f"<blockquote><p>{inner}</p></blockquote>\n" if b.quote else f"<p>{inner}</p>\n")
    return "".join(out)


def other_host(base: str) -> str:
    """The same server under another host name: out of scope for a crawl of base."""
    if "127.0.0.1" in base:
        return base.replace("127.0.0.1", "localhost")
    return base.replace("localhost", "127.0.0.1")


def build_pdf(size: int = 90_000) -> bytes:
    """A one-page PDF with a correct xref table, padded with content-stream comments."""
    lines = [b"BT /F1 18 Tf 72 720 Td (Coalition Strike Report, February 2018) Tj ET"]
    lines += [b"BT /F1 9 Tf 72 %d Td (Table %d: sorties by day, revised figures) Tj ET" % (700 - 12 * i, i)
              for i in range(50)]
    lines += [b"% " + b"0123456789abcdef" * 4] * ((size - 4000) // 67)
    stream = b"\n".join(lines) + b"\n"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 6\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return bytes(out + b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref)
