"""What the CDXJ index and the WACZ cost at the end of a crawl, as a fraction of the crawl.

    python bench/packaging.py [--runs 3] [--articles 16]

On the enlarged demo site (one demo-site process on loopback, as bench/crawl.py), per run:
(a) a crawl into a fresh folder with both on (the default), (b) the same crawl with WARC_CDXJ=0
WARC_WACZ=0, and (c) a second crawl into (a)'s folder (THREAD_REVISIT=0: every page again,
mostly revisits), whose index update merges into (a)'s index. Times: "crawl" is Scrapy's
elapsed_time_seconds (spider open to close, before the index and package are written), CDXJ
and WACZ their own timings from the crawl's stats (warc/cdxj_seconds, warc/wacz_seconds: the
WACZ's include finding the article pages and the py-wacz child process), "wall" the whole
command. The variants run interleaved (a, b, c, a, b, c, ...); medians are printed.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from harness import Row, crawl, demo_site, interleave, median, stat

OFF = ("-s", "WARC_CDXJ=0", "-s", "WARC_WACZ=0")


def packaged_crawl(base: str, cwd: Path, warc_dir: Path, *extra: str) -> Row:
    row, log = crawl(base, cwd, warc_dir, "-s", "THREAD_REVISIT=0", *extra)
    row["warc_bytes"] = stat(log, "warc/bytes")
    if not extra:
        row |= {"cdxj": stat(log, "warc/cdxj_seconds"), "records": stat(log, "warc/cdxj_records"),
                "wacz": stat(log, "warc/wacz_seconds"), "wacz_bytes": stat(log, "warc/wacz_bytes"),
                "wacz_pages": stat(log, "warc/wacz_pages")}
    return row


def describe(key: str, run: Row) -> str:
    return (f", CDXJ {run['cdxj']:.2f}s ({run['records']:.0f} records), WACZ {run['wacz']:.2f}s "
            f"({run['wacz_pages']:.0f} pages, {run['wacz_bytes']:.0f} B)" if "cdxj" in run else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--articles", type=int, default=16)
    args = ap.parse_args()
    with demo_site("--articles", str(args.articles)) as base, \
            tempfile.TemporaryDirectory(prefix="bench-packaging-") as name:
        tmp = Path(name)  # round i: (a) into on-i, (b) into off-i, (c) into on-i again
        rows = interleave(args.runs, {
            "on": lambda i: packaged_crawl(base, tmp, tmp / f"on-{i}"),
            "off": lambda i: packaged_crawl(base, tmp, tmp / f"off-{i}", *OFF),
            "again": lambda i: packaged_crawl(base, tmp, tmp / f"on-{i}")}, describe)

    def med(key: str, field: str) -> float:
        return median(rows[key], field)

    print(f"\nMedians of {args.runs} runs, {os.cpu_count()} cores, demo site --articles {args.articles}")
    print(f"{'crawl':36} {'pages':>6} {'crawl s':>8} {'CDXJ s':>7} {'WACZ s':>7} {'CDXJ/crawl':>11} "
          f"{'WACZ/crawl':>11} {'wall s':>7}")
    labels = {"on": "(a) fresh folder, both on", "off": "(b) WARC_CDXJ=0 WARC_WACZ=0",
              "again": "(c) 2nd crawl, same folder as (a)"}
    for key, label in labels.items():
        crawl_s = med(key, "crawl")
        if key == "off":
            print(f"{label:36} {med(key, 'pages'):6.0f} {crawl_s:8.2f} {'-':>7} {'-':>7} {'-':>11} "
                  f"{'-':>11} {med(key, 'wall'):7.2f}")
            continue
        cdxj, wacz = med(key, "cdxj"), med(key, "wacz")
        print(f"{label:36} {med(key, 'pages'):6.0f} {crawl_s:8.2f} {cdxj:7.2f} {wacz:7.2f} "
              f"{cdxj / crawl_s:11.1%} {wacz / crawl_s:11.1%} {med(key, 'wall'):7.2f}")
    print(f"\nwall (a)/(b): {med('on', 'wall') / med('off', 'wall'):.3f}; (a) adds "
          f"{med('on', 'wall') - med('off', 'wall'):.2f} s of wall time")
    for key in ("on", "again"):
        print(f"{labels[key]}: {med(key, 'records'):.0f} index records added, WACZ "
              f"{med(key, 'wacz_bytes'):.0f} B for {med(key, 'warc_bytes'):.0f} WARC bytes "
              f"({med(key, 'wacz_bytes') / med(key, 'warc_bytes'):.3f}x), {med(key, 'wacz_pages'):.0f} pages")


if __name__ == "__main__":
    main()
