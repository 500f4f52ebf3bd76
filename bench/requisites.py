"""Page requisites on vs off: what fetching stylesheets, scripts, images and fonts costs.

    python bench/requisites.py [--runs 3] [--articles 16]

The enlarged demo site crawled with WARC_PAGE_REQUISITES on (the default) and off, interleaved
against one demo-site process; medians of requests, WARC bytes, crawl time (Scrapy's
elapsed_time_seconds) and wall time. The demo's Drupal pages load 10 requisites (3 stylesheets,
2 scripts, 3 images, a GIF and a font) that every page shares.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.crawl import SCRAPY_FAST, measure, start_demo_site, stat  # noqa: E402
from bench.schedule import opt_stat  # noqa: E402


def crawl(base: str, tmp: Path, on: bool) -> dict[str, float]:
    cmd = [sys.executable, "-m", "crawler", "crawl", "thread",
           "-a", f"start_urls={base}sitemap.xml,{base}", *SCRAPY_FAST,
           "-s", f"WARC_DIR={tmp / 'warc'}", "-s", f"WARC_PAGE_REQUISITES={on}"]
    wall, cpu, log = measure(cmd, tmp)
    return {"requests": stat(log, "downloader/request_count"),
            "requisites": opt_stat(log, "thread/requisites"),
            "bytes": stat(log, "warc/bytes"), "crawl": stat(log, "elapsed_time_seconds"),
            "wall": wall, "cpu": cpu}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--articles", type=int, default=16)
    args = ap.parse_args()
    runs: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    server, base = start_demo_site("--articles", str(args.articles), "--slow-seconds", "0")
    try:
        for i in range(args.runs):
            for on in (True, False):
                with tempfile.TemporaryDirectory(prefix="bench-requisites-") as name:
                    run = crawl(base, Path(name), on)
                runs[on].append(run)
                print(f"run {i + 1} requisites {'on' if on else 'off'}: {run['requests']:.0f} requests, "
                      f"{run['bytes']:.0f} WARC bytes, crawl {run['crawl']:.2f}s, wall {run['wall']:.2f}s",
                      flush=True)
    finally:
        server.terminate()
        server.wait()
        if server.stdout:
            server.stdout.close()

    def med(on: bool, field: str) -> float:
        return statistics.median(r[field] for r in runs[on])

    print(f"\nMedians of {args.runs} runs, demo site --articles {args.articles}")
    print(f"{'variant':24} {'requests':>9} {'requisites':>11} {'WARC bytes':>11} {'crawl s':>8} "
          f"{'wall s':>7} {'CPU s':>6}")
    for on, label in ((True, "requisites on (default)"), (False, "WARC_PAGE_REQUISITES=False")):
        print(f"{label:24} {med(on, 'requests'):9.0f} {med(on, 'requisites'):11.0f} {med(on, 'bytes'):11.0f} "
              f"{med(on, 'crawl'):8.2f} {med(on, 'wall'):7.2f} {med(on, 'cpu'):6.2f}")
    extra = med(True, "requests") - med(False, "requests")
    print(f"on/off: +{extra:.0f} requests ({extra / med(False, 'requests'):.2%}), bytes "
          f"x{med(True, 'bytes') / med(False, 'bytes'):.3f}, "
          f"crawl time x{med(True, 'crawl') / med(False, 'crawl'):.3f}, "
          f"wall x{med(True, 'wall') / med(False, 'wall'):.3f}")


if __name__ == "__main__":
    main()
