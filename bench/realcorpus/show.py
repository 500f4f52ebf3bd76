"""Print one corpus page's HTML as archived, or its labels:
`python bench/realcorpus/show.py ID [--labels]`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import corpus as stored  # bench/realcorpus/corpus.py, beside this file

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
    for _page, html in stored.pages(only={args.id}):
        sys.stdout.buffer.write(html)
        return 0
    print(f"no page {args.id!r} in the corpus", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
