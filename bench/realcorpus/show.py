"""Print one corpus page's HTML as archived, or its labels:
`python bench/realcorpus/show.py ID [--labels]`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

HERE = Path(__file__).resolve().parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("id")
    ap.add_argument("--labels", action="store_true", help="print the page's labels as JSON instead")
    args = ap.parse_args()
    if args.labels:
        labels = json.loads((HERE / "labels.json").read_text())
        print(json.dumps(labels[args.id], indent=1, ensure_ascii=False))
        return 0
    pages = {p["warc_record_id"]: p for p in json.loads((HERE / "manifest.json").read_text())["pages"]}
    with (HERE / "corpus.warc.gz").open("rb") as fh:
        for rec in ArchiveIterator(fh):
            page = pages.get(rec.rec_headers.get_header("WARC-Record-ID"))
            if rec.rec_type == "response" and page and page["id"] == args.id:
                sys.stdout.buffer.write(rec.content_stream().read())
                return 0
    print(f"no page {args.id!r} in the corpus", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
