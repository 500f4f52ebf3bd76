"""Real parts only: the demo site runs as its own process on 127.0.0.1, crawls run the real
`threadwarc crawl` command line, and WARCs are read back with warcio and cdxj-indexer."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from demosite.process import spawn
from tests.hostile import HostileServer, hostile_server
from tests.warc_utils import Rec, read_records, scrapy_stat

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class DemoSite:
    base_url: str
    truth: dict[str, Any]
    process: subprocess.Popen[bytes]

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path


def start_demo_site(tmp: Path, *args: str) -> DemoSite:
    truth_file = tmp / "truth.json"
    proc, base_url = spawn("--truth", str(truth_file), *args)
    return DemoSite(base_url, json.loads(truth_file.read_text()), proc)


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    site = start_demo_site(tmp_path_factory.mktemp("demo"), "--slow-seconds", "0.5")
    yield site
    site.process.terminate()
    site.process.wait(timeout=10)
    site.process.stdout.close()


@pytest.fixture(scope="session")
def hostile() -> Iterator[HostileServer]:
    """The hostile site (tests/hostile.py): one route per page that has broken us."""
    with hostile_server() as server:
        yield server


@pytest.fixture(scope="session")
def hf_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean HF_HOME for `datasets`, so no user cache or config takes part."""
    return tmp_path_factory.mktemp("hf_home")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[int], Path]]:
    """A real, tiny filesystem (tmpfs) to fill up: `small_disk(bytes)` returns its mount point.
    Needs mount rights (root, as in CI); elsewhere the test is skipped, saying why."""
    mounted: list[Path] = []

    def make(size: int) -> Path:
        point = tmp_path / f"disk{len(mounted)}"
        point.mkdir()
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs",
                               str(point)], capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs to fill up here: {proc.stderr.strip()}")
        mounted.append(point)
        return point

    yield make
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], check=False)


@dataclass
class CrawlResult:
    returncode: int
    log: str
    warc_dir: Path

    @property
    def warcs(self) -> list[Path]:
        return sorted(self.warc_dir.glob("*.warc.gz"))


def crawl_command(warc_dir: Path, *args: str) -> list[str]:
    """`threadwarc crawl thread ...` as a user runs it, fast settings for loopback."""
    return [
        sys.executable, "-m", "crawler", "crawl", "thread",
        "-s", f"WARC_DIR={warc_dir}",
        "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s", "LOG_LEVEL=INFO",
        # each crawl's WACZ (a copy of its WARCs, ~1.5 s a crawl) is tested where it is the
        # subject (tests/crawler/test_packaging_crawl.py sets it back on); the CDXJ index stays on
        "-s", "WARC_WACZ=False",
        *args,
    ]


CRAWL_ENV = {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"}


def run_crawl(warc_dir: Path, *args: str, cwd: Path | None = None, timeout: float = 300) -> CrawlResult:
    proc = subprocess.run(crawl_command(warc_dir, *args), capture_output=True, text=True,
                          cwd=cwd or warc_dir.parent, timeout=timeout, env=CRAWL_ENV)
    return CrawlResult(proc.returncode, proc.stderr, warc_dir)


@pytest.fixture(scope="session")
def sitemap_crawl(demo_site: DemoSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrawlResult]:
    """The demo site crawled from its sitemap, published at its end into `dataset` beside its
    WARC_DIR: one crawl for every module that only reads it (checked when the session ends)."""
    tmp = tmp_path_factory.mktemp("sitemapcrawl")
    result = run_crawl(tmp / "warc", "-a", f"start_urls={demo_site.truth['seeds']['sitemap']}",
                       "-s", f"DATASET_DIR={tmp / 'dataset'}")
    assert result.returncode == 0, result.log[-3000:]
    before = files_of(tmp)
    yield result
    assert files_of(tmp) == before, "a test changed the shared crawl's files"


def files_of(folder: Path) -> dict[Path, tuple[int, int]]:
    """Size and mtime of each file below `folder`."""
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def crawls_at_once(cwd: Path, *commands: list[str], timeout: float = 300) -> tuple[list[int], list[str]]:
    """Crawls (crawl_command's) run side by side, each to its end: exit codes and logs."""
    procs = [subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, cwd=cwd, env=CRAWL_ENV)
             for cmd in commands]
    logs = [p.communicate(timeout=timeout)[1] for p in procs]
    return [p.returncode for p in procs], logs


@dataclass
class Run:
    """One of several crawls into one WARC_DIR: its result and the WARC files it added."""
    result: CrawlResult
    files: list[Path]

    @property
    def log(self) -> str:
        return self.result.log

    @property
    def records(self) -> list[Rec]:
        return read_records(self.files)

    @property
    def fetched(self) -> set[str]:
        """URLs this run received a response for (archived in full or as a revisit)."""
        return {r.url for r in self.records if r.type in ("response", "revisit") and r.url}

    def stat(self, key: str) -> int:
        return scrapy_stat(self.log, key) or 0


def crawl_folder(warc_dir: Path, *args: str) -> Run:
    """run_crawl into a WARC_DIR earlier crawls may have filled; it must succeed."""
    before = set(warc_dir.glob("*.warc.gz"))
    result = run_crawl(warc_dir, *args)
    assert result.returncode == 0, result.log[-3000:]
    return Run(result, sorted(set(warc_dir.glob("*.warc.gz")) - before))


@dataclass
class MeasuredCrawl(CrawlResult):
    peak_rss: int  # bytes: the crawl process's high-water mark (and its children's)


def measured_crawl(warc_dir: Path, *args: str) -> MeasuredCrawl:
    """run_crawl's command line, its peak RSS measured inside it (tests/peak_rss.py)."""
    warc_dir.parent.mkdir(parents=True, exist_ok=True)
    log_path = warc_dir.parent / f"{warc_dir.name}.log"
    rss_path = warc_dir.parent / f"{warc_dir.name}.rss"
    python, _, module, *rest = crawl_command(warc_dir, *args)
    cmd = [python, str(Path(__file__).with_name("peak_rss.py")), str(rss_path), module, *rest]
    with log_path.open("w") as log:  # a file, not a pipe: nobody reads while we wait
        proc = subprocess.run(cmd, stdout=log, stderr=log, cwd=warc_dir.parent, env=CRAWL_ENV,
                              check=False)
    peak = int(rss_path.read_text()) if rss_path.exists() else 0
    return MeasuredCrawl(proc.returncode, log_path.read_text(), warc_dir, peak)


def wait_for(what: str, check: object, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    """Until check() holds: each try waits on the process's exit for 50 ms (no blind sleep)."""
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen (worker exit code {proc.poll()})")
        try:
            proc.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            pass


@contextlib.contextmanager
def serving(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """A site of the test's own on loopback, each request answered by `handler` in a thread;
    its base URL (no trailing slash)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def answer(handler: http.server.BaseHTTPRequestHandler, body: bytes,
           content_type: str = "text/html; charset=utf-8") -> None:
    """A 200 with `body`, its Content-Type and Content-Length."""
    handler.send_response(200)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
