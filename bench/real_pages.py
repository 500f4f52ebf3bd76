
"""Publish the real-page corpus (bench/realcorpus/) as a user would and score the dataset.

Run:  python bench/real_pages.py [--workers N] [--keep DIR] [--jsonl FILE]

`scrapy publish CORPUS.warc.gz -o DIR` (the real command, in a subprocess, on the WARC that
bench/realcorpus/corpus.py builds from the stored pages in a temporary folder),
then `datasets.load_dataset(DIR, "articles")`: each article row is mapped back to its corpus
page by `warc_record_id`, and its `comments` and `text` are scored against labels.json with
bench/realcorpus/score.py's measures (see that file's docstring for every column):
articles found, comment precision/recall/F1, parent/author/time/text accuracy, body leaks,
comments invented on pages without a thread. The table goes in bench/README.md.

`python bench/realcorpus/score.py` runs the same scoring on `extract_page` per record (no
publish, no dataset: the development loop); the two should agree.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "bench" / "realcorpus"
sys.path.insert(0, str(CORPUS))

import corpus as stored  # noqa: E402  (bench/realcorpus/corpus.py)
import score  # noqa: E402  (bench/realcorpus/score.py)


def publish(warc: Path, out: Path, workers: int) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "crawler", "publish", str(warc), "-o", str(out),
                    "--workers", str(workers), "-L", "WARNING"], cwd=ROOT, check=True)
    return time.perf_counter() - t0


def load_articles(out: Path) -> dict[str, dict]:
    """Article rows of every split, by the WARC record they came from."""
    import datasets

    datasets.disable_progress_bars()
    rows: dict[str, dict] = {}
    loaded = datasets.load_dataset(str(out), "articles")
    for split in loaded.values():
        for row in split:
            rows[row["warc_record_id"]] = row
    return rows


def ours_of(row: dict | None) -> score.Ours:
    if row is None:
        return score.Ours(False)
    comments = [SimpleNamespace(**c) for c in row["comments"] or []]
    return score.Ours(True, row["platform"], "article", row["comments_status"], row["text"], comments)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="publish here (kept) instead of a temporary folder")
    ap.add_argument("--jsonl", type=Path, help="write one JSON line per page here")
    args = ap.parse_args()
    manifest = json.loads((CORPUS / "manifest.json").read_text())
    labels = json.loads((CORPUS / "labels.json").read_text())
    with tempfile.TemporaryDirectory(prefix="real-pages-") as tmp:
        out = args.keep or Path(tmp) / "dataset"
        wall = publish(stored.warc(Path(tmp) / "warc"), out, args.workers)
        rows = load_articles(out)
    scored = [score.score_page(page, labels[page["id"]], ours_of(rows.get(page["warc_record_id"])))
              for page in manifest["pages"]]
    if args.jsonl:
        with args.jsonl.open("w") as fh:
            for r in scored:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(score.table(scored))
    print(f"\n{len(manifest['pages'])} corpus pages published in {wall:.1f} s ({args.workers} workers), "
          f"{len(rows)} article rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
