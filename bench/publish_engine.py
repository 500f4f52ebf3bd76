"""Publishing on the pool engine and on datatrove (DATASET_ENGINE), 1 and 2 workers each.

    python bench/publish_engine.py [--runs 5] [--articles 48] [--ray] [--slurm]

Crawls the enlarged demo site once (one WARC file), then, interleaved over --runs rounds:
  * bare `trafilatura.extract` (one core, a child process, HTML decoded beforehand) over the
    article pages alone: the pages the published articles were read from;
  * `python -m crawler publish` with DATASET_ENGINE=pool and =datatrove, --workers 1 and 2
    (wall time: interpreter start-up included);
  * with --ray, also datatrove with DATASET_EXECUTOR=ray on 2 workers: a Ray the publish
    starts for itself on this machine (Ray's start-up and per-task placement included);
  * with --slurm, also datatrove with DATASET_EXECUTOR=slurm on 2 workers: a one-node Slurm
    cluster of the bench's own (tests/slurm_cluster.py: slurmctld, slurmd and munge from apt),
    each task an array task (Slurm's scheduling and each task's interpreter start included).
Prints medians: docs/s (docs: the HTML captures publish reads, 2xx responses and revisits),
the 2-worker/1-worker ratio of each engine, articles/s per core against bare trafilatura's
articles/s, whether the two engines wrote the same bytes, and one datatrove publish's step
timings (its DEBUG lines).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pyarrow.parquet as pq  # noqa: E402
import trafilatura  # noqa: E402

from bench.publish import crawl, html_pages  # noqa: E402
from demosite.process import spawn as start_demo_site  # noqa: E402

ENGINES = ("pool", "datatrove")


def publish(warc_dir: Path, out: Path, engine: str, workers: int, level: str = "WARNING", *extra: str,
            env: dict[str, str] | None = None) -> tuple[float, str, str]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "crawler", "publish", str(warc_dir), "-o", str(out),
                           "--workers", str(workers), "-s", f"DATASET_ENGINE={engine}", "-L", level, *extra],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"publish failed with {proc.returncode}: {proc.stderr[-2000:]}")
    return wall, proc.stderr, proc.stdout


def article_urls(dataset: Path) -> set[str]:
    return {u for p in (dataset / "articles").glob("*.parquet")
            for u in pq.read_table(p, columns=["url"]).column(0).to_pylist()}


def bare(warc_dir: Path, urls_file: Path) -> tuple[int, float]:
    """In a child process, as bench/publish.py does: (article pages, seconds)."""
    out = subprocess.run([sys.executable, __file__, "--bare", str(warc_dir), str(urls_file)],
                         check=True, capture_output=True, text=True).stdout.split()
    return int(out[0]), float(out[1])


def _bare(warc_dir: Path, urls_file: Path) -> None:
    urls = set(urls_file.read_text().split())
    pages = [(u, html) for u, html in html_pages(warc_dir) if u in urls]
    t0 = time.perf_counter()
    for url, html in pages:
        trafilatura.extract(html, url=url, include_comments=False, with_metadata=True)
    print(len(pages), time.perf_counter() - t0)


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def main() -> None:
    from bench.harness import bytecode

    bytecode(ROOT)  # as an installed copy has them (bench/harness.py)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--articles", type=int, default=48)
    ap.add_argument("--ray", action="store_true", help="also datatrove on a Ray of its own, 2 workers")
    ap.add_argument("--slurm", action="store_true", help="also datatrove on a one-node Slurm, 2 workers")
    ap.add_argument("--bare", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.bare:
        _bare(*args.bare)
        return
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp_name, contextlib.ExitStack() as stack:
        tmp = Path(tmp_name)
        slurm_env = None
        if args.slurm:
            from tests.slurm_cluster import SlurmCluster

            cluster = SlurmCluster.start(tmp / "slurm")
            stack.callback(cluster.stop)
            slurm_env = cluster.env
        server, base = start_demo_site("--articles", str(args.articles), "--slow-seconds", "0")
        try:
            crawl(base, tmp / "one")
        finally:
            server.terminate()
            server.wait()
            if server.stdout:
                server.stdout.close()
        # the same folder for every publish: the card names it
        _, _, summary = publish(tmp / "one", tmp / "ds", "pool", 2)
        # docs: the HTML captures publish reads (2xx responses and revisits of them)
        docs = int(re.search(r"read: ([\d,]+) HTML captures", summary)[1].replace(",", ""))
        reference = files(tmp / "ds")
        urls = article_urls(tmp / "ds")
        (tmp / "urls.txt").write_text("\n".join(sorted(urls)))
        n_articles = len(urls)
        size = sum(p.stat().st_size for p in (tmp / "one").glob("*.warc.gz")) / 1e6
        print(f"corpus: {docs} HTML responses, {n_articles} articles, 1 file ({size:.1f} MB); "
              f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}", flush=True)
        rates: dict[str, list[float]] = {}
        same = True
        for i in range(args.runs):
            n, secs = bare(tmp / "one", tmp / "urls.txt")
            rates.setdefault("bare", []).append(n / secs)
            for engine in ENGINES:
                for workers in (1, 2):
                    wall, _, _ = publish(tmp / "one", tmp / "ds", engine, workers)
                    rates.setdefault(f"{engine} {workers}", []).append(wall)
                    same &= files(tmp / "ds") == reference
            if args.ray:
                wall, _, _ = publish(tmp / "one", tmp / "ds", "datatrove", 2, "WARNING",
                                     "-s", "DATASET_EXECUTOR=ray")
                rates.setdefault("ray 2", []).append(wall)
                same &= files(tmp / "ds") == reference
            if args.slurm:
                wall, _, _ = publish(tmp / "one", tmp / "ds", "datatrove", 2, "WARNING",
                                     "-s", "DATASET_EXECUTOR=slurm", env=slurm_env)
                rates.setdefault("slurm 2", []).append(wall)
                same &= files(tmp / "ds") == reference
            print(f"run {i + 1}: bare {rates['bare'][-1]:.1f} articles/s; " + ", ".join(
                f"{k} {docs / v[-1]:.0f} docs/s" for k, v in rates.items() if k != "bare"), flush=True)
        _, log, _ = publish(tmp / "one", tmp / "ds", "datatrove", 2, level="DEBUG")
    bare_rate = statistics.median(rates["bare"])
    print(f"\nMedians of {args.runs} interleaved runs")
    print(f"{'':22} {'wall s':>7} {'docs/s':>7} {'articles/s/core':>16} {'vs bare':>8}")
    print(f"{'bare trafilatura':22} {'':>7} {'':>7} {bare_rate:16.1f} {1:8.2f}")
    med = {k: statistics.median(v) for k, v in rates.items() if k != "bare"}
    for key, wall in med.items():
        workers = int(key.split()[1])
        per_core = n_articles / wall / workers
        print(f"{key + ' worker(s)':22} {wall:7.2f} {docs / wall:7.0f} {per_core:16.1f} "
              f"{per_core / bare_rate:8.2f}")
    for engine in ENGINES:
        print(f"{engine}: 2 workers / 1 worker = {med[f'{engine} 1'] / med[f'{engine} 2']:.2f}x")
    print(f"datatrove / pool, 2 workers: {med['pool 2'] / med['datatrove 2']:.2f}x (speed)")
    if args.ray:
        print(f"datatrove on Ray / pool, 2 workers: {med['pool 2'] / med['ray 2']:.2f}x (speed)")
    if args.slurm:
        print(f"datatrove on Slurm / pool, 2 workers: {med['pool 2'] / med['slurm 2']:.2f}x (speed)")
    print(f"every publish wrote the reference bytes: {same}")
    print("one datatrove publish, 2 workers, its steps:")
    for line in log.splitlines():
        if m := re.search(r"datatrove: (.+ task\(s\) in [\d.]+ s)", line):
            print(f"  {m[1]}")


if __name__ == "__main__":
    main()
