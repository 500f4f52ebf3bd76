"""Crawl throughput on the enlarged demo site: without the WARC writer, with it, with the whole
end of a default crawl (CDXJ index and WACZ), and wget.

    python bench/crawl.py [--runs 5] [--articles 16] [--variants abdc] [--baseline CHECKOUT ...]

The variants run interleaved (a, b, d, c, a, b, d, c, ...) against one demo-site process on
loopback, so machine noise hits them alike; medians are printed.
  (a) the thread spider, WARC_ENABLED=False
  (b) the thread spider writing WARC files only (WARC_CDXJ=0 WARC_WACZ=0): what
      `wget --warc-file` does; b/a is the WARC writer's cost
  (d) the default crawl: WARC files, then the folder's CDXJ index and the crawl's WACZ
  (c) wget --recursive --warc-file
  with --baseline (once or more): (b) run by another checkout's code (`git archive REV | tar
  -x -C DIR`), in the same rounds.
`--variants ab` runs only those (more rounds in the same time for one ratio). Ratios are
printed two ways: of the medians, and the median of the per-round ratios (paired: the two runs
of a round saw the same machine), which moves less when the machine's speed drifts.
Pages/s counts HTTP responses. "crawl" is Scrapy's elapsed_time_seconds (spider open to
close), "wall" the whole command as a user waits for it: interpreter start-up, imports, the
writer's and packaging's end, interpreter exit. CPU seconds are user+sys of the command and all
its children (the WARC writer and WACZ processes included).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from harness import ROOT, Row, crawl, demo_site, interleave, measure, median, stat
from warcio.archiveiterator import ArchiveIterator

# wget follows every link; keep it off the same traps the spider avoids.
WGET_REJECT = r"/(user|calendar|search|comment/reply|node/add|filter)(/|\?|$)|[?&](sort|destination)="
WARC_ONLY = ("-s", "WARC_CDXJ=0", "-s", "WARC_WACZ=0")
NAMES = {"a": "(a) thread spider, no WARC", "b": "(b) thread spider + WARC writer",
         "d": "(d) default: WARC + CDXJ + WACZ", "c": "(c) wget --recursive --warc-file"}


def scrapy_run(base: str, *extra: str, tree: Path = ROOT) -> Row:
    with tempfile.TemporaryDirectory(prefix="bench-") as name:
        tmp = Path(name)
        row, log = crawl(base, tmp, tmp / "warc", *extra, tree=tree)
    if "WARC_ENABLED=False" not in extra:
        assert stat(log, "warc/records") == 2 * row["pages"] + stat(log, "warc/files")
    return row


def wget_run(base: str) -> Row:
    with tempfile.TemporaryDirectory(prefix="bench-") as name:
        tmp = Path(name)
        cmd = ["wget", "--recursive", "--level=inf", "--no-verbose", "--delete-after",
               "--no-host-directories", f"--reject-regex={WGET_REJECT}",
               f"--warc-file={tmp / 'wget'}", "--no-warc-keep-log", base]
        wall, cpu, _ = measure(cmd, tmp)
        with (tmp / "wget.warc.gz").open("rb") as fh:
            pages = sum(1 for r in ArchiveIterator(fh) if r.rec_type == "response")
    return {"pages": pages, "wall": wall, "crawl": wall, "cpu": cpu}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--articles", type=int, default=16)
    ap.add_argument("--variants", default="abdc", help="which of a, b, d, c to run (default: all)")
    ap.add_argument("--baseline", type=Path, action="append", default=[],
                    help="another checkout whose (b) runs in the same rounds (repeatable)")
    args = ap.parse_args()
    if not set(args.variants) <= set("abdc") or (args.baseline and "b" not in args.variants):
        ap.error("--variants takes letters of abdc (and b with --baseline)")
    with demo_site("--articles", str(args.articles)) as base:
        every = {"a": lambda _: scrapy_run(base, "-s", "WARC_ENABLED=False"),
                 "b": lambda _: scrapy_run(base, *WARC_ONLY),
                 "d": lambda _: scrapy_run(base),
                 "c": lambda _: wget_run(base)}
        variants = {key: run for key, run in every.items() if key in args.variants}
        for n, tree in enumerate(args.baseline, 1):
            NAMES[f"b{n}"] = f"(b) of {tree.name}"[:36]
            variants[f"b{n}"] = lambda _, tree=tree: scrapy_run(base, *WARC_ONLY, tree=tree.resolve())
        results = interleave(args.runs, variants)

    def med(key: str, field: str) -> float:
        return median(results[key], field)

    print(f"\nMedians of {args.runs} runs, {os.cpu_count()} cores, demo site --articles {args.articles}")
    print(f"{'variant':36} {'pages':>6} {'pages/s crawl':>14} {'pages/s wall':>13} {'crawl s':>8} "
          f"{'wall s':>7} {'CPU s':>6} {'to open':>8} {'close':>6} {'exit':>5}")
    rate = {}
    for key in results:
        pages = med(key, "pages")
        rate[key] = (pages / med(key, "crawl"), pages / med(key, "wall"))
        fixed = (f"{med(key, 'start'):8.2f} {med(key, 'close'):6.2f} {med(key, 'exit'):5.2f}" if key != "c"
                 else f"{'-':>8} {'-':>6} {'-':>5}")
        print(f"{NAMES[key]:36} {pages:6.0f} {rate[key][0]:14.0f} {rate[key][1]:13.0f} "
              f"{med(key, 'crawl'):8.2f} {med(key, 'wall'):7.2f} {med(key, 'cpu'):6.2f} {fixed}")
    print("to open: process start to \"Spider opened\"; close: \"Closing spider\" to the last log line "
          "(writer, CDXJ, WACZ, stats); exit: last log line to the process's exit")
    # per-round ratios too: the variants of one round ran side by side
    def paired(top: str, bottom: str, field: str) -> list[float]:
        """Pages/s of `top` over `bottom`, round by round (same pages: a ratio of times)."""
        return [y[field] / x[field] for x, y in zip(results[top], results[bottom], strict=True)]

    def compare(label: str, top: str, bottom: str) -> None:
        if top not in results or bottom not in results:
            return
        wall, crawl_ = paired(top, bottom, "wall"), paired(top, bottom, "crawl")
        print(f"{label}: {top}/{bottom} pages/s = {rate[top][0] / rate[bottom][0]:.3f} (crawl), "
              f"{rate[top][1] / rate[bottom][1]:.3f} (wall); median of per-round ratios "
              f"{statistics.median(crawl_):.3f} (crawl), {statistics.median(wall):.3f} (wall); "
              f"CPU {med(top, 'cpu') - med(bottom, 'cpu'):+.2f} s; per round (wall): "
              f"{', '.join(f'{r:.3f}' for r in wall)}")

    print()
    compare("WARC writer cost", "b", "a")
    compare("vs wget", "b", "c")
    compare("vs wget", "d", "c")
    for n, tree in enumerate(args.baseline, 1):
        key = f"b{n}"
        fixed = {k: med(k, "wall") - med(k, "crawl") for k in ("b", key)}
        print(f"(b) this code / {tree}: {rate['b'][1] / rate[key][1]:.3f} (wall), "
              f"{rate['b'][0] / rate[key][0]:.3f} (crawl); wall - crawl {fixed['b']:.2f} s vs "
              f"{fixed[key]:.2f} s")

if __name__ == "__main__":
    main()
