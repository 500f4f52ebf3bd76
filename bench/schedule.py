"""Scheduled crawls into one WARC_DIR: what dedup and the revisit state save, and what they cost.

    python bench/schedule.py [--runs 3] [--articles 16]

(1) The enlarged demo site crawled twice into one WARC_DIR, dedup on (THREAD_REVISIT=0, so the
    second crawl fetches every page again and only dedup decides what is written): WARC bytes of
    crawl 1 and crawl 2, and crawl 2 as a share of a full crawl (WARC_DEDUP=0).
(1b) The same with the crawl state on (the default) and every thread due for its revisit
    (THREAD_REVISIT_SCHEDULE=0s,0s): what a scheduled second crawl of an unchanged site writes.
(2) First-crawl throughput, dedup on vs WARC_DEDUP=0 (the crawls of (1), interleaved on one
    demo-site process): pages/s over Scrapy's elapsed_time_seconds and over wall time.
(3) Three scheduled runs (THREAD_REVISIT_SCHEDULE=0s,0s) while ~10% of the threads gain comments
    between runs: requests and WARC bytes per run, revisit state + dedup vs dedup only
    (THREAD_REVISIT=0). The site is served in this process so that it can grow, on one port
    (article keys are URLs, port included).
Medians over --runs are printed.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from harness import Row, crawl, demo_site, interleave, median, opt_stat, stat  # puts the tree on sys.path

from demosite import build_site, serve
from demosite.content import grown

LATE = 60  # comments each growing thread gains between scheduled runs
SCHEDULE = {"state+dedup": ("-s", "THREAD_REVISIT_SCHEDULE=0s,0s"),
            "dedup only": ("-s", "THREAD_REVISIT=0")}


def scheduled_crawl(base: str, cwd: Path, warc_dir: Path, *extra: str) -> Row:
    row, log = crawl(base, cwd, warc_dir, *extra)
    return row | {"bytes": stat(log, "warc/bytes"), "revisits": opt_stat(log, "warc/revisits"),
                  "304": opt_stat(log, "warc/revisits_304")}


def schedule(articles: int, tmp: Path, extra: tuple[str, ...]) -> list[dict[str, float]]:
    """Three runs into one WARC_DIR; every 10th thread grows before runs 2 and 3."""
    sites = [build_site(articles, 1)]
    grow = range(0, articles, 10)
    sites += [grown(sites[0], grow, LATE)]
    sites += [grown(sites[1], grow, LATE)]
    rows, port = [], 0
    for site in sites:
        server = serve("127.0.0.1", port, site, slow_seconds=0)
        port = server.server_port
        try:
            rows.append(scheduled_crawl(f"http://127.0.0.1:{port}/", tmp, tmp / "warc", *extra))
        finally:
            server.stop()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--articles", type=int, default=16)
    args = ap.parse_args()
    every, due = ("-s", "THREAD_REVISIT=0"), ("-s", "THREAD_REVISIT_SCHEDULE=0s,0s")
    off = (*every, "-s", "WARC_DEDUP=0")
    with demo_site("--articles", str(args.articles)) as base, \
            tempfile.TemporaryDirectory(prefix="bench-schedule-") as name:
        tmp = Path(name)  # round i: "again" crawls into "on"'s folder, "state2" into "state1"'s
        pair = interleave(args.runs, {
            key: lambda i, f=folder, x=extra: scheduled_crawl(base, tmp, tmp / f"{f}-{i}", *x)
            for key, folder, extra in (("on", "on", every), ("off", "off", off), ("again", "on", every),
                                       ("state1", "state", due), ("state2", "state", due))},
            lambda _, run: f", {run['bytes']:.0f} WARC bytes")
    sched: dict[str, list[list[dict[str, float]]]] = {mode: [] for mode in SCHEDULE}
    for i in range(args.runs):
        for mode, extra in SCHEDULE.items():
            with tempfile.TemporaryDirectory(prefix="bench-schedule-") as name:
                rows = schedule(args.articles, Path(name), extra)
            sched[mode].append(rows)
            print(f"run {i + 1} {mode}: " + ", ".join(
                f"{r['requests']:.0f} requests/{r['bytes']:.0f} B" for r in rows), flush=True)

    def med(key: str, field: str) -> float:
        return median(pair[key], field)

    print(f"\nMedians of {args.runs} runs, demo site --articles {args.articles}")
    print("\n(1) Two crawls into one WARC_DIR, THREAD_REVISIT=0 (every page fetched twice)")
    print(f"{'crawl':40} {'pages':>6} {'WARC bytes':>11} {'revisits':>9} {'of them 304':>12}")
    labels = {"on": "crawl 1, dedup on (fresh folder)", "again": "crawl 2, dedup on (same folder)",
              "off": "full crawl, WARC_DEDUP=0"}
    for key, label in labels.items():
        print(f"{label:40} {med(key, 'pages'):6.0f} {med(key, 'bytes'):11.0f} "
              f"{med(key, 'revisits'):9.0f} {med(key, '304'):12.0f}")
    print(f"crawl 2 = {med('again', 'bytes') / med('off', 'bytes'):.1%} of a full crawl's bytes, "
          f"{med('again', 'bytes') / med('on', 'bytes'):.1%} of crawl 1's "
          f"(crawl 1 = {med('on', 'bytes') / med('off', 'bytes'):.1%} of a full crawl)")

    print("\n(1b) Two crawls into one WARC_DIR with the crawl state on (the default), every thread due"
          " for its revisit (THREAD_REVISIT_SCHEDULE=0s,0s), nothing changed")
    print(f"{'crawl':40} {'requests':>9} {'WARC bytes':>11} {'revisits':>9} {'of them 304':>12} "
          f"{'crawl s':>8}")
    for key, label in (("state1", "crawl 1 (fresh folder)"), ("state2", "crawl 2 (same folder, all due)")):
        print(f"{label:40} {med(key, 'requests'):9.0f} {med(key, 'bytes'):11.0f} "
              f"{med(key, 'revisits'):9.0f} {med(key, '304'):12.0f} {med(key, 'crawl'):8.2f}")
    print(f"crawl 2 = {med('state2', 'bytes') / med('state1', 'bytes'):.1%} of crawl 1's bytes, "
          f"{med('state2', 'bytes') / med('off', 'bytes'):.1%} of a full crawl's")

    print("\n(2) First crawl, dedup on vs off (interleaved)")
    print(f"{'variant':28} {'pages':>6} {'crawl s':>8} {'pages/s crawl':>14} {'pages/s wall':>13} "
          f"{'CPU s':>6}")
    rate = {}
    for key, label in (("on", "dedup on (default)"), ("off", "WARC_DEDUP=0")):
        pages = med(key, "pages")
        rate[key] = (pages / med(key, "crawl"), pages / med(key, "wall"))
        print(f"{label:28} {pages:6.0f} {med(key, 'crawl'):8.2f} {rate[key][0]:14.0f} {rate[key][1]:13.0f} "
              f"{med(key, 'cpu'):6.2f}")
    print(f"throughput on/off: {rate['on'][0] / rate['off'][0]:.3f} (crawl), "
          f"{rate['on'][1] / rate['off'][1]:.3f} (wall)")

    grow = len(range(0, args.articles, 10))
    print(f"\n(3) Three scheduled runs into one WARC_DIR; {grow} of {args.articles} threads gain "
          f"{LATE} comments before runs 2 and 3")
    print(f"{'mode':14} {'run':>3} {'requests':>9} {'WARC bytes':>11} {'revisits':>9} {'of them 304':>12} "
          f"{'crawl s':>8}")
    for mode, runs in sched.items():
        for n in range(3):
            def m(field: str, n: int = n, runs: list[list[dict[str, float]]] = runs) -> float:
                return statistics.median(r[n][field] for r in runs)
            print(f"{mode:14} {n + 1:3} {m('requests'):9.0f} {m('bytes'):11.0f} {m('revisits'):9.0f} "
                  f"{m('304'):12.0f} {m('crawl'):8.2f}")


if __name__ == "__main__":
    main()
