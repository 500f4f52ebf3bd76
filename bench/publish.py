"""Publishing throughput: `threadwarc publish` with 1 and 2 workers against bare trafilatura.

    python bench/publish.py [--runs 3] [--articles 16] [--baseline CHECKOUT]

Crawls the enlarged demo site once (one WARC file, and again rotated into many small files),
then, interleaved over --runs rounds:
  * bare `trafilatura.extract` over the HTML of the same WARC (decoded beforehand, one core,
    in this process): the article pages, the thread pages and every 10th permalink page;
  * `python -m crawler publish` with --workers 1 and --workers 2 (wall time, peak RSS of the
    largest process, from wait4);
  * publish of the rotated copy, to show that memory does not grow with the number of files;
  * with --baseline (another checkout, e.g. `git worktree add /tmp/before REV`): that code's
    publish of the same WARC, 1 and 2 workers, in the same rounds, and the ratios.
Docs are the 2xx HTML responses in the archive. Medians are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trafilatura
from w3lib.encoding import html_to_unicode
from warcio.archiveiterator import ArchiveIterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demosite.process import spawn as start_demo_site  # noqa: E402

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s", "LOG_LEVEL=WARNING"]


def crawl(base: str, out: Path, *extra: str) -> None:
    subprocess.run([sys.executable, "-m", "crawler", "crawl", "thread", "-a",
                    f"start_urls={base}sitemap.xml", *FAST, "-s", f"WARC_DIR={out}", *extra],
                   check=True, capture_output=True)


def html_pages(warc_dir: Path) -> list[tuple[str, str]]:
    pages = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                ctype = rec.http_headers.get_header("Content-Type") if rec.http_headers else ""
                if (rec.rec_type == "response" and rec.http_headers.get_statuscode() == "200"
                        and "html" in (ctype or "") and not rec.rec_headers.get_header("WARC-Truncated")):
                    body = rec.content_stream().read()
                    pages.append((rec.rec_headers.get_header("WARC-Target-URI"),
                                  html_to_unicode(ctype, body)[1]))
    return pages


def bare_trafilatura(warc_dir: Path) -> tuple[int, int, float]:
    """In a child process: the pages must not inflate this process's RSS, which every later
    child would inherit as its starting ru_maxrss."""
    out = subprocess.run([sys.executable, __file__, "--bare", str(warc_dir)], check=True,
                         capture_output=True, text=True).stdout.split()
    return int(out[0]), int(out[1]), float(out[2])


def _bare(warc_dir: Path) -> None:
    pages = html_pages(warc_dir)
    sample = [p for i, p in enumerate(pages) if "/comment/" not in p[0] or i % 10 == 0]
    t0 = time.perf_counter()
    for url, html in sample:
        trafilatura.extract(html, url=url, include_comments=False, with_metadata=True)
    print(len(pages), len(sample), time.perf_counter() - t0)


def publish(warc_dir: Path, out: Path, workers: int, code: Path | None = None) -> tuple[float, int]:
    """`code`: the checkout whose publish runs (its folder first on the import path)."""
    env = {**os.environ, "PYTHONPATH": str(code)} if code else None
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "crawler", "publish", str(warc_dir), "-o",
                             str(out), "--workers", str(workers), "-L", "WARNING"],
                            stdout=subprocess.DEVNULL, cwd=code, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"publish failed with {proc.returncode}")
    return wall, usage.ru_maxrss // 1024  # MB (Linux reports KB)


def main() -> None:
    from bench.harness import bytecode

    bytecode(ROOT)  # as an installed copy has them (bench/harness.py)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--articles", type=int, default=16)
    ap.add_argument("--bare", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--baseline", type=Path, help="another checkout to publish the same WARC with")
    args = ap.parse_args()
    if args.bare:
        _bare(args.bare)
        return
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as tmp_name:
        tmp = Path(tmp_name)
        server, base = start_demo_site("--articles", str(args.articles), "--slow-seconds", "0")
        try:
            crawl(base, tmp / "one")
            crawl(base, tmp / "many", "-s", "WARC_MAX_SIZE=2000000")
        finally:
            server.terminate()
            server.wait()
            if server.stdout:
                server.stdout.close()
        files = len(list((tmp / "many").glob("*.warc.gz")))
        docs = bare_trafilatura(tmp / "one")[0]
        size = sum(p.stat().st_size for p in (tmp / "one").iterdir()) / 1e6
        print(f"corpus: {docs} HTML responses, 1 file ({size:.1f} MB) and {files} files")
        rows: dict[str, list[tuple[float, float]]] = {}
        for i in range(args.runs):
            _, n, secs = bare_trafilatura(tmp / "one")
            rows.setdefault("bare trafilatura.extract (1 core)", []).append((n / secs, 0))
            for label, src, workers in (("publish, 1 worker", "one", 1),
                                        ("publish, 2 workers", "one", 2),
                                        (f"publish, 2 workers, {files} files", "many", 2)):
                wall, rss = publish(tmp / src, tmp / f"ds-{i}-{workers}-{src}", workers)
                rows.setdefault(label, []).append((docs / wall, rss))
                if args.baseline and src == "one":
                    wall, rss = publish(tmp / src, tmp / f"base-{i}-{workers}", workers, args.baseline)
                    rows.setdefault(f"baseline {label}", []).append((docs / wall, rss))
            print(f"run {i + 1}: " + ", ".join(f"{k}: {v[-1][0]:.0f} docs/s" for k, v in rows.items()),
                  flush=True)
    med = {k: (statistics.median(r for r, _ in v), statistics.median(m for _, m in v))
           for k, v in rows.items()}
    print(f"\nMedians of {args.runs} runs, {os.cpu_count()} cores")
    print(f"{'':38} {'docs/s':>8} {'peak RSS MB':>12}")
    for k, (rate, rss) in med.items():
        print(f"{k:38} {rate:8.0f} {rss if rss else '':>12}")
    bare = med["bare trafilatura.extract (1 core)"][0]
    one, two = med["publish, 1 worker"][0], med["publish, 2 workers"][0]
    print(f"\npublish per core vs bare trafilatura: {one / bare:.2f}x (1 worker), "
          f"{two / 2 / bare:.2f}x (2 workers)")
    print(f"2 workers vs 1: {two / one:.2f}x")
    print(f"peak RSS, 1 file vs {files} files: {med['publish, 2 workers'][1]} MB vs "
          f"{med[f'publish, 2 workers, {files} files'][1]} MB")
    if args.baseline:
        for label in ("publish, 1 worker", "publish, 2 workers"):
            print(f"{label}: this code / {args.baseline}: {med[label][0] / med['baseline ' + label][0]:.2f}x")


if __name__ == "__main__":
    main()
