"""The corpus as stored (`pages/<id>.html.gz` + manifest.json) and as a WARC built from it.

The repository keeps the pages, not a generated archive: `warc(folder)` writes the corpus as
one WARC/1.1 file (a `response` per page, the manifest's URL, record id and charset, the
manifest's fetch date) into a folder the caller owns, usually a temporary one. The same pages
always give the same records.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = Path(__file__).resolve().parent


def manifest(corpus: Path = HERE) -> dict[str, Any]:
    return json.loads((corpus / "manifest.json").read_text())


def body(page: dict[str, Any], corpus: Path = HERE) -> bytes:
    return gzip.decompress((corpus / "pages" / f"{page['id']}.html.gz").read_bytes())


def write_page(page_id: str, html: bytes, corpus: Path = HERE) -> None:
    """Store one page (build.py): gzip without a timestamp, so a rebuild is byte-identical."""
    (corpus / "pages").mkdir(exist_ok=True)
    (corpus / "pages" / f"{page_id}.html.gz").write_bytes(gzip.compress(html, 9, mtime=0))


def pages(corpus: Path = HERE, only: set[str] | None = None) -> Iterator[tuple[dict[str, Any], bytes]]:
    for page in manifest(corpus)["pages"]:
        if not only or page["id"] in only:
            yield page, body(page, corpus)


def warc(folder: Path, corpus: Path = HERE) -> Path:
    """Write the corpus as `folder/corpus.warc.gz`; its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "corpus.warc.gz"
    date = manifest(corpus)["fetch_date"]
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        for page, html in pages(corpus):
            http = StatusAndHeaders("200 OK", [("Content-Type", f"text/html; charset={page['charset']}"),
                                               ("Content-Length", str(len(html)))], protocol="HTTP/1.1")
            rec = writer.create_warc_record(page["url"], "response", payload=io.BytesIO(html),
                                            length=len(html), http_headers=http,
                                            warc_headers_dict={"WARC-Date": date,
                                                               "WARC-Record-ID": page["warc_record_id"]})
            writer.write_record(rec)
    return path
