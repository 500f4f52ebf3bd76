"""What the crawl benchmarks share: the demo site in its own process, the crawl command line,
timing a command (wall and CPU, children included), reading Scrapy's stats from its log, and
variants run interleaved (a, b, c, a, b, c, ...) so that machine noise hits them alike."""

from __future__ import annotations

import compileall
import contextlib
import functools
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from demosite.process import spawn  # noqa: E402

# AutoThrottle off and 16 requests at once: the crawl as fast as the machine allows; log lines
# stamped with milliseconds since the logging module was imported (the process's first ~50 ms)
SCRAPY_FAST = ("-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS=16",
               "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "LOG_LEVEL=INFO",
               "-s", "LOG_FORMAT=%(relativeCreated)d [%(name)s] %(levelname)s: %(message)s")
_STAMP = re.compile(r"^(\d+) \[", re.MULTILINE)
Row = dict[str, float]


@contextlib.contextmanager
def demo_site(*args: str) -> Iterator[str]:
    """`python -m demosite ARGS` in a process of its own (not slowed); yields its base URL."""
    server, base = spawn(*args, "--slow-seconds", "0")
    try:
        yield base
    finally:
        server.terminate()
        server.wait()
        if server.stdout:
            server.stdout.close()


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the command and all its children) and its stderr."""
    cpu0, t0 = children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    wall, cpu = time.perf_counter() - t0, children_cpu() - cpu0
    if proc.returncode not in (0, 8):  # wget exits 8 when some responses were 4xx/5xx
        raise RuntimeError(f"{cmd[:4]} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return wall, cpu, proc.stderr


def stat(log: str, key: str) -> float:
    m = re.search(rf"'{re.escape(key)}': ([\d.]+)", log)
    if not m:
        raise RuntimeError(f"no {key} in the crawl log")
    return float(m.group(1))


def opt_stat(log: str, key: str) -> float:
    """A stat Scrapy leaves out when it never counted (e.g. warc/revisits on a first crawl)."""
    return stat(log, key) if re.search(rf"'{re.escape(key)}': ", log) else 0.0


@functools.cache
def bytecode(tree: Path) -> None:
    """`tree`'s modules compiled before any timed run, as an installed copy has them: with
    PYTHONDONTWRITEBYTECODE set (this project's machines set it) each crawl, and its WARC writer,
    would otherwise compile them again at start-up (~0.2 s each), a cost no user's install pays."""
    for package in ("crawler", "pipelines", "demosite"):
        if not compileall.compile_dir(tree / package, quiet=1):
            raise RuntimeError(f"{tree / package} does not compile")


def crawl(base: str, cwd: Path, warc_dir: Path, *extra: str, tree: Path = ROOT) -> tuple[Row, str]:
    """`python -m crawler crawl thread` of the demo site from its sitemap and front page (the
    code of `tree`: this checkout or another one); the common figures and the log."""
    bytecode(tree)
    cmd = [sys.executable, "-m", "crawler", "crawl", "thread",
           "-a", f"start_urls={base}sitemap.xml,{base}", *SCRAPY_FAST, "-s", f"WARC_DIR={warc_dir}", *extra]
    # `tree`'s packages first, not the editable install's (python -m runs from cwd, a temp folder)
    path = os.pathsep.join(filter(None, (str(tree), os.environ.get("PYTHONPATH"))))
    env = {**os.environ, "PYTHONPATH": path}
    wall, cpu, log = measure(cmd, cwd, env)
    return {"pages": stat(log, "downloader/response_count"),
            "requests": stat(log, "downloader/request_count"),
            "crawl": stat(log, "elapsed_time_seconds"), "wall": wall, "cpu": cpu} | phases(log, wall), log


def phases(log: str, wall: float) -> Row:
    """Where the wall time goes besides the crawl: up to "Spider opened" (interpreter,
    imports, settings, components), from "Closing spider" to the last log line (writer,
    index, WACZ, stats) and from there to the process's exit (interpreter teardown)."""
    def at(text: str) -> float:
        m = re.search(rf"^(\d+) \[[^]]*\] \w+: {re.escape(text)}", log, re.MULTILINE)
        if not m:
            raise RuntimeError(f"no {text!r} line in the crawl log")
        return int(m.group(1)) / 1000
    last = max(int(t) for t in _STAMP.findall(log)) / 1000
    return {"start": at("Spider opened"), "close": last - at("Closing spider"), "exit": wall - last}


def interleave(runs: int, variants: dict[str, Callable[[int], Row]],
               describe: Callable[[str, Row], str] | None = None) -> dict[str, list[Row]]:
    """Each variant once per round (called with the round's number), in order, for `runs`
    rounds; a line per run as it ends."""
    rows: dict[str, list[Row]] = {key: [] for key in variants}
    for i in range(runs):
        for key, run in variants.items():
            row = run(i)
            rows[key].append(row)
            said = describe(key, row) if describe else ""
            print(f"run {i + 1} {key}: {row.get('pages', 0):.0f} pages, crawl {row.get('crawl', 0):.2f}s, "
                  f"wall {row.get('wall', 0):.2f}s, cpu {row.get('cpu', 0):.2f}s{said}", flush=True)
    return rows


def median(rows: list[Row], field: str) -> float:
    return statistics.median(r[field] for r in rows)
