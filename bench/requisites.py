"""Page requisites on vs off: what fetching stylesheets, scripts, images and fonts costs.

    python bench/requisites.py [--runs 3] [--articles 16]

The enlarged demo site crawled with WARC_PAGE_REQUISITES on (the default) and off, interleaved
against one demo-site process; medians of requests, WARC bytes, crawl time (Scrapy's
elapsed_time_seconds) and wall time. The demo's Drupal pages load 10 requisites (3 stylesheets,
2 scripts, 3 images, a GIF and a font) that every page shares.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from harness import Row, crawl, demo_site, interleave, median, opt_stat, stat

SETTING = {"on": "True", "off": "False"}


def requisites_crawl(base: str, on: str) -> Row:
    with tempfile.TemporaryDirectory(prefix="bench-requisites-") as name:
        tmp = Path(name)
        row, log = crawl(base, tmp, tmp / "warc", "-s", f"WARC_PAGE_REQUISITES={SETTING[on]}")
    return row | {"requisites": opt_stat(log, "thread/requisites"), "bytes": stat(log, "warc/bytes")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--articles", type=int, default=16)
    args = ap.parse_args()
    with demo_site("--articles", str(args.articles)) as base:
        runs = interleave(args.runs, {on: lambda _, on=on: requisites_crawl(base, on) for on in SETTING},
                          lambda _, run: f", {run['requests']:.0f} requests, {run['bytes']:.0f} WARC bytes")

    def med(on: str, field: str) -> float:
        return median(runs[on], field)

    print(f"\nMedians of {args.runs} runs, demo site --articles {args.articles}")
    print(f"{'variant':24} {'requests':>9} {'requisites':>11} {'WARC bytes':>11} {'crawl s':>8} "
          f"{'wall s':>7} {'CPU s':>6}")
    for on, label in (("on", "requisites on (default)"), ("off", "WARC_PAGE_REQUISITES=False")):
        print(f"{label:24} {med(on, 'requests'):9.0f} {med(on, 'requisites'):11.0f} {med(on, 'bytes'):11.0f} "
              f"{med(on, 'crawl'):8.2f} {med(on, 'wall'):7.2f} {med(on, 'cpu'):6.2f}")
    extra = med("on", "requests") - med("off", "requests")
    print(f"on/off: +{extra:.0f} requests ({extra / med('off', 'requests'):.2%}), bytes "
          f"x{med('on', 'bytes') / med('off', 'bytes'):.3f}, "
          f"crawl time x{med('on', 'crawl') / med('off', 'crawl'):.3f}, "
          f"wall x{med('on', 'wall') / med('off', 'wall'):.3f}")


if __name__ == "__main__":
    main()
