"""Publishing at scale: the demo generator's threads, 200k and 1M comments, end to end.

    python bench/dataset_scale.py [--sizes 200000,1000000] [--runs 3] [--keep DIR]

For each size:
  * WARC files written straight from the demo generator (demosite.content.build_site, rendered
    by the Drupal 7 renderer the demo server uses): one site per ~90k comments, host
    `newsK.example`, every article page and `?page=N` thread page as a response record (no
    permalink pages: a crawl archives those, and publish skips them: `permalinks_skipped`).
    Crawling 1M comments through the demo server would take hours of permalink fetches here;
    the pages are the server's bytes all the same;
  * the real `python -m crawler publish` on them (2 workers): wall time, comments/s, peak RSS
    of the largest process of the publish (wait4), output size and shards;
  * `datasets.load_dataset` of the published folder in a fresh HF_HOME, whole and streaming;
  * the writer stage alone, in a child process, against plain pyarrow writing the same table
    (`pa.Table.from_pylist` + `pq.write_table(..., compression="zstd")`, one file per config,
    the whole table in memory), interleaved over --runs rounds, medians. The rows are the
    published articles read back, with their comments (as publish hands them to the writer);
  * the writer stage's peak RSS fed those rows one article at a time (what publish does), and
    the most memory it had in use (Arrow on the system allocator, glibc trimmed: what the
    allocators keep after a free left out).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# the source tree, not bench/ (whose packaging.py would shadow the `packaging` datasets imports)
sys.path[:1] = [str(ROOT)] if Path(sys.path[0]).resolve() == ROOT / "bench" else [str(ROOT), sys.path[0]]

ARTICLES_PER_SITE, SCALE = 100, 5  # ~90k comments a site, ~1,900 per article, 50 a page
DATE = "2018-03-01T12:00:00Z"


def _warcs(folder: str, target: str) -> None:
    """Child (so the parent stays small: a child's peak RSS starts at its parent's, as Linux
    keeps ru_maxrss across fork and exec): the WARC files."""
    print(json.dumps(write_warcs(Path(folder), int(target))))


def hwm_mb() -> int:
    """This process's own peak RSS (VmHWM: not inherited across exec, unlike ru_maxrss)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def write_warcs(folder: Path, target: int) -> dict[str, int]:
    """Sites of the demo generator until `target` comments; returns what was written."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from demosite.content import build_site
    from demosite.drupal7 import Drupal7

    folder.mkdir(parents=True, exist_ok=True)
    total = pages = articles = 0
    k = 0
    while total < target:
        site = build_site(ARTICLES_PER_SITE, SCALE, seed=2018 + k)
        base = f"http://news{k}.example"
        rendered = Drupal7(site, base)
        path = folder / f"scale-{k:03d}.warc.gz"
        with path.open("wb") as fh:
            writer = WARCWriter(fh, gzip=True, warc_version="1.1")
            writer.write_record(writer.create_warcinfo_record(path.name, {
                "software": "demosite (bench/dataset_scale.py)", "robots": "obey",
                "isPartOf": "dataset-scale-bench", "seeds": f"{base}/sitemap.xml"}))
            for a in site.articles:
                if total >= target:
                    break
                for number, page in enumerate(rendered.paged[a.path]):
                    head = page.head.decode("latin-1").split("\r\n")
                    fields = [tuple(line.split(": ", 1)) for line in head if line]
                    http = StatusAndHeaders(page.status, fields, protocol="HTTP/1.1")
                    url = f"{base}{a.path}" + (f"?page={number}" if number else "")
                    writer.write_record(writer.create_warc_record(
                        url, "response", payload=BytesIO(page.body), length=len(page.body),
                        http_headers=http, warc_headers_dict={"WARC-Date": DATE}))
                    pages += 1
                total += len(a.comments)
                articles += 1
        del rendered, site
        k += 1
    size = sum(p.stat().st_size for p in folder.glob("*.warc.gz"))
    return {"comments": total, "articles": articles, "pages": pages, "files": k, "bytes": size}


def live_mb() -> int:
    """Memory in use now: RSS once glibc has handed back its free pages (malloc_trim). With
    ARROW_DEFAULT_MEMORY_POOL=system (set by the parent for this child) Arrow's buffers are
    glibc's too, so what an allocator keeps after a free does not count."""
    import ctypes

    ctypes.CDLL("libc.so.6").malloc_trim(0)
    status = Path("/proc/self/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")) // 1024


def publish(warcs: Path, out: Path) -> tuple[float, int, str]:
    """The real command line; (wall s, peak RSS MB of its largest process, its report)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "crawler", "publish", str(warcs), "-o", str(out),
                             "--workers", "2", "-L", "WARNING"], stdout=subprocess.PIPE, cwd=ROOT)
    report = proc.stdout.read().decode() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"publish failed: {report}")
    return wall, usage.ru_maxrss // 1024, report


def child(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=env,
                          check=False)
    if proc.returncode:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _load(dataset: str) -> None:
    """Child: load_dataset whole, then streaming, timed."""
    from datasets import load_dataset

    t0 = time.perf_counter()
    whole = load_dataset(dataset, "comments")
    rows = sum(len(whole[s]) for s in whole)
    t1 = time.perf_counter()
    streamed = load_dataset(dataset, "comments", streaming=True)
    count = sum(1 for s in streamed for _ in streamed[s])
    t2 = time.perf_counter()
    print(json.dumps({"rows": rows, "load_s": t1 - t0, "streamed": count, "stream_s": t2 - t1}))


def _threads(dataset: Path) -> list[tuple[dict, list[dict]]]:
    """The published articles read back with their comments: what publish gives the writer."""
    import pyarrow.parquet as pq

    out = []
    for path in sorted((dataset / "articles").glob("*.parquet")):
        for article in pq.read_table(path).to_pylist():
            flat = [{"article_id": article["article_id"], "article_url": article["canonical_url"], **c}
                    for c in article["comments"]]
            out.append((article, flat))
    return out


def _writer(dataset: str, runs: str) -> None:
    """Child: our writer stage and plain pyarrow on the same rows, interleaved, timed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipelines.publishing.config import DatasetConfig
    from pipelines.publishing.parquet import DatasetWriter
    from pipelines.publishing.schema import SCHEMAS

    threads = _threads(Path(dataset))
    splits = DatasetConfig(Path(dataset)).splits
    times: dict[str, list[float]] = {"threadwarc": [], "pyarrow": []}
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="bench-writer-", dir=Path(dataset).parent) as tmp:
        for i in range(int(runs)):
            out = Path(tmp) / f"ours-{i}"
            t0 = time.perf_counter()
            writer = DatasetWriter(out, splits)
            for article, comments in threads:
                writer.add(article["canonical_url"], article, comments)
            writer.close()
            times["threadwarc"].append(time.perf_counter() - t0)
            sizes["threadwarc"] = sum(p.stat().st_size for p in out.rglob("*.parquet"))
            shutil.rmtree(out)
            plain = Path(tmp) / f"plain-{i}"
            plain.mkdir()
            t0 = time.perf_counter()
            for config, schema in SCHEMAS.items():
                rows = ([a for a, _ in threads] if config == "articles"
                        else [c for _, cs in threads for c in cs])
                pq.write_table(pa.Table.from_pylist(rows, schema=schema), plain / f"{config}.parquet",
                               compression="zstd")
                del rows
            times["pyarrow"].append(time.perf_counter() - t0)
            sizes["pyarrow"] = sum(p.stat().st_size for p in plain.rglob("*.parquet"))
            shutil.rmtree(plain)
    print(json.dumps({"times": times, "sizes": sizes}))


def _writer_rss(dataset: str) -> None:
    """Child: the writer fed one article at a time from the Parquet (as publish feeds it)."""
    import pyarrow.parquet as pq

    from pipelines.publishing.config import DatasetConfig
    from pipelines.publishing.parquet import DatasetWriter

    before = hwm_mb()
    added = live_peak = 0
    with tempfile.TemporaryDirectory(prefix="bench-rss-", dir=Path(dataset).parent) as tmp:
        writer = DatasetWriter(Path(tmp) / "ds", DatasetConfig(Path(dataset)).splits)
        for path in sorted((Path(dataset) / "articles").glob("*.parquet")):
            for batch in pq.ParquetFile(path).iter_batches(batch_size=16):
                for article in batch.to_pylist():
                    flat = [{"article_id": article["article_id"], "article_url": article["canonical_url"],
                             **c} for c in article["comments"]]
                    writer.add(article["canonical_url"], article, flat)
                    added += 1
                    if added % 32 == 0:
                        live_peak = max(live_peak, live_mb())
        live_peak = max(live_peak, live_mb())
        writer.close()
    peak = hwm_mb()
    print(json.dumps({"before_mb": before, "peak_mb": peak, "live_mb": live_peak}))


def main() -> None:
    from bench.harness import bytecode

    bytecode(ROOT)  # as an installed copy has them (bench/harness.py)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="200000,1000000", help="comments, comma-separated")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="work here and keep it (default: a temporary folder)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        {"warcs": _warcs, "load": _load, "writer": _writer, "writer_rss": _writer_rss}[args.child[0]](
            *args.child[1:])
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    results = []
    try:
        for target in map(int, args.sizes.split(",")):
            here = work / f"{target}"
            t0 = time.perf_counter()
            made = child("--child", "warcs", str(here / "warc"), str(target))
            gen = time.perf_counter() - t0
            print(f"\n== {made['comments']:,} comments, {made['articles']:,} articles, {made['pages']:,} "
                  f"thread pages in {made['files']} WARC files ({made['bytes'] / 1e6:.0f} MB), "
                  f"written in {gen:.0f} s", flush=True)
            wall, rss, report = publish(here / "warc", here / "dataset")
            print(report.rstrip())
            files = sorted(p for p in (here / "dataset").rglob("*.parquet"))
            size = sum(p.stat().st_size for p in files)
            print(f"publish: {wall:.1f} s, {made['comments'] / wall:,.0f} comments/s, peak RSS {rss} MB, "
                  f"{len(files)} Parquet files, {size / 1e6:.1f} MB", flush=True)
            env = {**os.environ, "HF_HOME": str(here / "hf_home"), "HF_HUB_OFFLINE": "1",
                   "HF_DATASETS_OFFLINE": "1", "HF_DATASETS_DISABLE_PROGRESS_BARS": "1"}
            loaded = child("--child", "load", str(here / "dataset"), env=env)
            print(f"load_dataset(comments): {loaded['rows']:,} rows in {loaded['load_s']:.1f} s; "
                  f"streaming: {loaded['streamed']:,} rows in {loaded['stream_s']:.1f} s", flush=True)
            stage = child("--child", "writer", str(here / "dataset"), str(args.runs))
            times, sizes = stage["times"], stage["sizes"]
            ours, plain = statistics.median(times["threadwarc"]), statistics.median(times["pyarrow"])
            pairs = zip(times["threadwarc"], times["pyarrow"], strict=True)
            print(f"writer stage (medians of {args.runs}): threadwarc {ours:.1f} s "
                  f"({made['comments'] / ours:,.0f} comments/s, {sizes['threadwarc'] / 1e6:.1f} MB), "
                  f"plain pyarrow {plain:.1f} s ({sizes['pyarrow'] / 1e6:.1f} MB): {ours / plain:.2f}x "
                  f"(runs: {', '.join(f'{a:.1f}/{b:.1f}' for a, b in pairs)})", flush=True)
            mem = child("--child", "writer_rss", str(here / "dataset"))
            live = child("--child", "writer_rss", str(here / "dataset"),
                         env={**os.environ, "ARROW_DEFAULT_MEMORY_POOL": "system"})
            print(f"writer stage fed one article at a time: peak RSS {mem['peak_mb']} MB "
                  f"({mem['before_mb']} MB before the first row); in use at most {live['live_mb']} MB "
                  "(system allocator, trimmed)", flush=True)
            results.append((made["comments"], wall, rss, size, loaded, ours, plain, mem["peak_mb"],
                            live["live_mb"]))
            if not args.keep:
                shutil.rmtree(here / "warc")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n{'comments':>10} {'publish s':>9} {'comments/s':>10} {'peak RSS MB':>11} {'output MB':>9} "
          f"{'load s':>6} {'stream s':>8} {'writer s':>8} {'pyarrow s':>9} {'ratio':>5} "
          f"{'writer RSS MB':>13} {'in use MB':>9}")
    for n, wall, rss, size, loaded, ours, plain, wrss, wlive in results:
        print(f"{n:>10,} {wall:>9.1f} {n / wall:>10,.0f} {rss:>11} {size / 1e6:>9.1f} "
              f"{loaded['load_s']:>6.1f} {loaded['stream_s']:>8.1f} {ours:>8.1f} {plain:>9.1f} "
              f"{ours / plain:>5.2f} {wrss:>13} {wlive:>9}")


if __name__ == "__main__":
    main()
