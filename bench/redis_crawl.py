"""One crawl process against two sharing one Redis frontier, on the enlarged demo site.

    python bench/redis_crawl.py [--runs 5] [--articles 16]

Variants, interleaved (a, b, c, a, b, c, ...) against one demo-site process and one
redis-server on loopback, so machine noise hits them alike; medians printed:
  a  one process, Scrapy's own scheduler (no Redis)
  b  one process, REDIS_URL (the shared frontier with one worker)
  c  two processes, REDIS_URL, the same seeds (they split the crawl)
Pages/s counts HTTP responses over the wall time from the first process's start to the last
one's exit (start-up, Redis round trips and the drained wait included:
MAX_IDLE_TIME_BEFORE_CLOSE=0.5). CPU seconds: user+sys of the crawl processes and their
children. The Redis database is emptied before each Redis run.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demosite.process import spawn  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS=16",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "LOG_LEVEL=INFO", "-s", "WARC_WACZ=False",
        "-s", "THREAD_REVISIT=0"]
REDIS = ["-s", "MAX_IDLE_TIME_BEFORE_CLOSE=0.5", "-s", "REDIS_WORKER_TIMEOUT=2.5"]
NAMES = {"a": "1 process, no Redis", "b": "1 process, Redis frontier", "c": "2 processes, Redis frontier"}


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def responses(log: str) -> int:
    m = re.search(r"'downloader/response_count': (\d+)", log)
    return int(m.group(1)) if m else 0


def run(variant: str, seeds: str, tmp: Path, redis: RedisServer) -> dict[str, float]:
    workers = 2 if variant == "c" else 1
    extra = ["-s", f"REDIS_URL={redis.url}", *REDIS] if variant != "a" else []
    if extra:
        redis.client().flushdb()
    shutil.rmtree(tmp / "w", ignore_errors=True)
    cpu0, t0 = children_cpu(), time.perf_counter()
    (tmp / "w").mkdir()
    procs = []
    for i in range(workers):  # logs to files: two pipes read one after the other could fill up
        with (tmp / "w" / f"{i}.log").open("w") as log:
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "crawler", "crawl", "thread", "-a", f"start_urls={seeds}", *FAST,
                 *extra, "-s", f"WARC_DIR={tmp / 'w' / str(i)}"], cwd=tmp, stdout=log, stderr=log))
    for p in procs:
        p.wait()
    logs = [(tmp / "w" / f"{i}.log").read_text() for i in range(workers)]
    wall, cpu = time.perf_counter() - t0, children_cpu() - cpu0
    for p, log in zip(procs, logs, strict=True):
        if p.returncode != 0:
            raise RuntimeError(f"{NAMES[variant]}: exit {p.returncode}\n{log[-3000:]}")
    pages = [responses(log) for log in logs]
    return {"pages": sum(pages), "wall": wall, "cpu": cpu, "share": min(pages) / max(sum(pages), 1)}


def main() -> None:
    from bench.harness import bytecode

    bytecode(ROOT)  # as an installed copy has them (bench/harness.py)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--articles", type=int, default=16)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        redis = RedisServer.start_new(tmp / "redis")
        site, base = spawn("--articles", str(args.articles), "--slow-seconds", "0")
        try:
            seeds = f"{base}sitemap.xml,{base}"
            results: dict[str, list[dict[str, float]]] = {k: [] for k in NAMES}
            for i in range(args.runs):
                for key in NAMES:
                    results[key].append(r := run(key, seeds, tmp, redis))
                    print(f"run {i + 1} {key}: {r['pages']:.0f} pages in {r['wall']:.2f} s "
                          f"({r['pages'] / r['wall']:.0f}/s, CPU {r['cpu']:.2f} s)", flush=True)
        finally:
            site.terminate()
            site.wait(timeout=10)
            redis.kill()

    def med(key: str, field: str) -> float:
        return statistics.median(r[field] for r in results[key])

    print(f"\nMedians of {args.runs} runs, {os.cpu_count()} cores, demo site --articles {args.articles}")
    print(f"{'variant':30} {'pages':>6} {'pages/s':>8} {'wall s':>7} {'CPU s':>6}")
    rate = {}
    for key, name in NAMES.items():
        rate[key] = statistics.median(r["pages"] / r["wall"] for r in results[key])
        print(f"{name:30} {med(key, 'pages'):6.0f} {rate[key]:8.1f} {med(key, 'wall'):7.2f} "
              f"{med(key, 'cpu'):6.2f}")
    rounds = [c["pages"] / c["wall"] / (b["pages"] / b["wall"])
              for b, c in zip(results["b"], results["c"], strict=True)]
    print(f"\n2 processes / 1 process (both on Redis): {rate['c'] / rate['b']:.2f}x pages/s "
          f"(per round: {', '.join(f'{r:.2f}' for r in rounds)}); the smaller worker's share "
          f"{statistics.median(r['share'] for r in results['c']):.0%}")
    print(f"2 processes on Redis / 1 process without: {rate['c'] / rate['a']:.2f}x; "
          f"Redis frontier cost for one process: {rate['b'] / rate['a']:.3f}x")


if __name__ == "__main__":
    main()
