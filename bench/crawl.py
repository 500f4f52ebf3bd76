"""Crawl throughput on the enlarged demo site: without the WARC writer, with it, and wget.

    python bench/crawl.py [--runs 3] [--articles 16]

The three variants run interleaved (a, b, c, a, b, c, ...) against one demo-site process on
loopback, so machine noise hits them alike; medians are printed. Pages/s counts HTTP
responses; "crawl" time is Scrapy's own elapsed_time_seconds (spider open to close), "wall"
includes interpreter start-up. CPU seconds are user+sys of the crawl and all its children
(the WARC writer process included).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demosite.process import spawn as start_demo_site  # noqa: E402

SCRAPY_FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS=16",
               "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "LOG_LEVEL=INFO"]
# wget follows every link; keep it off the same traps the spider avoids.
WGET_REJECT = r"/(user|calendar|search|comment/reply|node/add|filter)(/|\?|$)|[?&](sort|destination)="


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def measure(cmd: list[str], cwd: Path) -> tuple[float, float, str]:
    cpu0, t0 = children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, children_cpu() - cpu0
    if proc.returncode not in (0, 8):  # wget exits 8 when some responses were 4xx/5xx
        raise RuntimeError(f"{cmd[:4]} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return wall, cpu, proc.stderr


def stat(log: str, key: str) -> float:
    m = re.search(rf"'{re.escape(key)}': ([\d.]+)", log)
    if not m:
        raise RuntimeError(f"no {key} in the crawl log")
    return float(m.group(1))


def scrapy_run(base: str, tmp: Path, warc: bool) -> dict[str, float]:
    cmd = [sys.executable, "-m", "crawler", "crawl", "thread",
           "-a", f"start_urls={base}sitemap.xml,{base}", *SCRAPY_FAST,
           "-s", f"WARC_ENABLED={warc}", "-s", f"WARC_DIR={tmp / 'warc'}"]
    wall, cpu, log = measure(cmd, tmp)
    pages = stat(log, "downloader/response_count")
    crawl = stat(log, "elapsed_time_seconds")
    if warc:
        assert stat(log, "warc/records") == 2 * pages + stat(log, "warc/files")
    return {"pages": pages, "wall": wall, "crawl": crawl, "cpu": cpu}


def wget_run(base: str, tmp: Path) -> dict[str, float]:
    cmd = ["wget", "--recursive", "--level=inf", "--no-verbose", "--delete-after",
           "--no-host-directories", f"--reject-regex={WGET_REJECT}",
           f"--warc-file={tmp / 'wget'}", "--no-warc-keep-log", base]
    wall, cpu, _ = measure(cmd, tmp)
    with (tmp / "wget.warc.gz").open("rb") as fh:
        pages = sum(1 for r in ArchiveIterator(fh) if r.rec_type == "response")
    return {"pages": pages, "wall": wall, "crawl": wall, "cpu": cpu}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--articles", type=int, default=16)
    args = ap.parse_args()
    server, base = start_demo_site("--articles", str(args.articles), "--slow-seconds", "0")
    results: dict[str, list[dict[str, float]]] = {"a": [], "b": [], "c": []}
    try:
        for i in range(args.runs):
            for key in results:
                with tempfile.TemporaryDirectory(prefix="bench-") as tmp_name:
                    tmp = Path(tmp_name)
                    run = (wget_run(base, tmp) if key == "c"
                           else scrapy_run(base, tmp, warc=key == "b"))
                results[key].append(run)
                print(f"run {i + 1} {key}: {run['pages']:.0f} pages, crawl {run['crawl']:.2f}s, "
                      f"wall {run['wall']:.2f}s, cpu {run['cpu']:.2f}s", flush=True)
    finally:
        server.terminate()
        server.wait()
        if server.stdout:
            server.stdout.close()

    def med(key: str, field: str) -> float:
        return statistics.median(r[field] for r in results[key])

    names = {"a": "(a) thread spider, no WARC", "b": "(b) thread spider + WARC writer",
             "c": "(c) wget --recursive --warc-file"}
    print(f"\nMedians of {args.runs} runs, {os.cpu_count()} cores, demo site --articles {args.articles}")
    print(f"{'variant':36} {'pages':>6} {'pages/s crawl':>14} {'pages/s wall':>13} {'CPU s':>6}")
    rate = {}
    for key, name in names.items():
        pages = med(key, "pages")
        rate[key] = (pages / med(key, "crawl"), pages / med(key, "wall"))
        print(f"{name:36} {pages:6.0f} {rate[key][0]:14.0f} {rate[key][1]:13.0f} {med(key, 'cpu'):6.2f}")
    print(f"\nWARC writer cost: b/a = {rate['b'][0] / rate['a'][0]:.2f} (crawl), "
          f"{rate['b'][1] / rate['a'][1]:.2f} (wall)")
    print(f"vs wget: b/c = {rate['b'][0] / rate['c'][0]:.2f} (crawl), "
          f"{rate['b'][1] / rate['c'][1]:.2f} (wall)")


if __name__ == "__main__":
    main()
