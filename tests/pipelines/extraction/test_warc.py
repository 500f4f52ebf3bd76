from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipelines.extraction.warc import iter_responses, split


def make_warc(path: Path, n: int) -> None:
    """The same bytes every run: fixed record ids and dates (random ids made the corruption
    test below pass or fail by chance, 1-3% of runs)."""
    def fixed(i: int) -> dict[str, str]:
        return {"WARC-Record-ID": f"<urn:uuid:00000000-0000-4000-8000-{i:012d}>",
                "WARC-Date": "2026-01-01T00:00:00Z"}

    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=path.name.endswith(".gz"), warc_version="1.1")
        for i in range(n):
            # incompressible-ish bodies so the file gets big enough to split
            body = (f"<html><body><p>page {i}</p>".encode() + bytes(range(256)) * 40 + b"</body></html>")
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                f"http://s.example/p/{i}", "response", payload=BytesIO(body), length=len(body),
                http_headers=http, warc_headers_dict=fixed(2 * i)))
            req = StatusAndHeaders("GET /p HTTP/1.1", [("Host", "s.example")], is_http_request=True)
            writer.write_record(writer.create_warc_record(f"http://s.example/p/{i}", "request",
                                                          http_headers=req,
                                                          warc_headers_dict=fixed(2 * i + 1)))


@pytest.mark.parametrize("name", ["many.warc.gz", "many.warc"])
def test_byte_ranges_partition_the_records(tmp_path, name):
    path = tmp_path / name
    make_warc(path, 300)
    whole = [(c.offset, c.url, body) for c, body, _ in iter_responses(path, [])]
    ranges = split(path, workers=2, min_range=20_000)
    if name.endswith(".gz"):
        assert len(ranges) > 3
    else:
        assert ranges == [(0, None)]  # no member boundaries to find in a plain file
    errors: list = []
    parts = [(c.offset, c.url, body) for a, b in ranges
             for c, body, _ in iter_responses(path, errors, start=a, end=b)]
    assert not errors
    assert parts == whole
    assert len(whole) == 300
    with path.open("rb") as fh:  # every offset opens its own record
        for offset, url, _ in whole[::37]:
            fh.seek(offset)
            rec = next(iter(ArchiveIterator(fh)))
            assert rec.rec_headers.get_header("WARC-Target-URI") == url


def test_a_corrupt_record_costs_that_record_whatever_the_split(tmp_path):
    path = tmp_path / "many.warc.gz"
    make_warc(path, 300)
    whole = [c.offset for c, _, _ in iter_responses(path, [])]
    victim = whole[150]
    data = bytearray(path.read_bytes())
    data[victim + 40: victim + 60] = b"\x00" * 20  # inside the deflate stream of one member
    path.write_bytes(bytes(data))
    results = []
    for ranges in ([(0, None)], split(path, workers=2, min_range=20_000),
                   split(path, workers=8, min_range=20_000)):
        errors: list = []
        kept = [c.offset for a, b in ranges for c, _, _ in iter_responses(path, errors, start=a, end=b)]
        assert [e.offset for e in errors] == [victim]
        results.append(kept)
    assert results[0] == results[1] == results[2] == [o for o in whole if o != victim]
