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
children (WARC writers); "server CPU" that of the demo site and redis-server over the same run;
"machine busy" the share of all cores' time not idle (/proc/stat) over the run: near 100%, the
machine, not the frontier, sets the speed. The Redis database is emptied before each Redis run.
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


def process_cpu(pid: int) -> float:
    """user+sys seconds of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot (idle and iowait are not busy)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(values) - values[3] - values[4], sum(values)


def responses(log: str) -> int:
    m = re.search(r"'downloader/response_count': (\d+)", log)
    return int(m.group(1)) if m else 0


def run(variant: str, seeds: str, tmp: Path, redis: RedisServer, servers: list[int]) -> dict[str, float]:
    workers = 2 if variant == "c" else 1
    extra = ["-s", f"REDIS_URL={redis.url}", *REDIS] if variant != "a" else []
    if extra:
        redis.client().flushdb()
    shutil.rmtree(tmp / "w", ignore_errors=True)
    (busy0, total0), server0 = machine_ticks(), sum(process_cpu(pid) for pid in servers)
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
    (busy1, total1), server1 = machine_ticks(), sum(process_cpu(pid) for pid in servers)
    for p, log in zip(procs, logs, strict=True):
        if p.returncode != 0:
            raise RuntimeError(f"{NAMES[variant]}: exit {p.returncode}\n{log[-3000:]}")
    pages = [responses(log) for log in logs]
    return {"pages": sum(pages), "wall": wall, "cpu": cpu, "share": min(pages) / max(sum(pages), 1),
            "server": server1 - server0, "busy": (busy1 - busy0) / max(total1 - total0, 1)}


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
        assert redis.process is not None
        servers = [site.pid, redis.process.pid]
        try:
            seeds = f"{base}sitemap.xml,{base}"
            results: dict[str, list[dict[str, float]]] = {k: [] for k in NAMES}
            for i in range(args.runs):
                for key in NAMES:
                    results[key].append(r := run(key, seeds, tmp, redis, servers))
                    print(f"run {i + 1} {key}: {r['pages']:.0f} pages in {r['wall']:.2f} s "
                          f"({r['pages'] / r['wall']:.0f}/s, CPU {r['cpu']:.2f} s, server CPU "
                          f"{r['server']:.2f} s, machine busy {r['busy']:.0%})", flush=True)
        finally:
            site.terminate()
            site.wait(timeout=10)
            redis.kill()

    def med(key: str, field: str) -> float:
        return statistics.median(r[field] for r in results[key])

    print(f"\nMedians of {args.runs} runs, {os.cpu_count()} cores, demo site --articles {args.articles}")
    print(f"{'variant':30} {'pages':>6} {'pages/s':>8} {'wall s':>7} {'CPU s':>6} {'server CPU s':>12} "
          f"{'machine busy':>12}")
    rate = {}
    for key, name in NAMES.items():
        rate[key] = statistics.median(r["pages"] / r["wall"] for r in results[key])
        print(f"{name:30} {med(key, 'pages'):6.0f} {rate[key]:8.1f} {med(key, 'wall'):7.2f} "
              f"{med(key, 'cpu'):6.2f} {med(key, 'server'):12.2f} {med(key, 'busy'):12.0%}")
    rounds = [c["pages"] / c["wall"] / (b["pages"] / b["wall"])
              for b, c in zip(results["b"], results["c"], strict=True)]
    print(f"\n2 processes / 1 process (both on Redis): {rate['c'] / rate['b']:.2f}x pages/s, median of the "
          f"per-round ratios {statistics.median(rounds):.2f}x (per round: "
          f"{', '.join(f'{r:.2f}' for r in rounds)}); the smaller worker's share "
          f"{statistics.median(r['share'] for r in results['c']):.0%}")
    # what the machine allows: all its cores busy at one Redis process's CPU per page
    def machine_per_page(r: dict[str, float]) -> float:
        return r["busy"] * r["wall"] / r["pages"]

    cost = statistics.median(machine_per_page(c) / machine_per_page(b)
                             for b, c in zip(results["b"], results["c"], strict=True))
    print(f"ceiling on this machine: every core busy at one Redis process's machine time per page "
          f"(servers and writers included) is 1 / {med('b', 'busy'):.0%} = {1 / med('b', 'busy'):.2f}x "
          f"one process; 2 processes took {cost:.2f}x its machine time per page")
    print(f"2 processes on Redis / 1 process without: {rate['c'] / rate['a']:.2f}x; "
          f"Redis frontier cost for one process: {rate['b'] / rate['a']:.3f}x")


if __name__ == "__main__":
    main()
