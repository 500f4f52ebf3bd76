"""A crawl shared through a real redis-server (crawler/frontier.py): real `threadwarc crawl`
processes on the demo site, their WARCs read back; Redis and workers killed for real."""

from __future__ import annotations

import http.server
import itertools
import os
import pickle
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from tests.conftest import CRAWL_ENV, ROOT, DemoSite, crawl_command, run_crawl
from tests.redis_server import RedisServer, free_port
from tests.warc_utils import read_records, tool

# A worker closes 1 s after the whole crawl is drained; a worker silent for 2 s is dead.
FAST = ("-s", "MAX_IDLE_TIME_BEFORE_CLOSE=1", "-s", "REDIS_WORKER_TIMEOUT=2", "-s", "THREAD_REVISIT=0",
        "-s", "WARC_CDXJ=False")
NAME = re.compile(r"threadwarc-\d{17}-\d{5}-[A-Za-z0-9._-]+-(\d+)\.warc\.gz")


STARTED: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def no_worker_left() -> Iterator[None]:
    """A test that fails half-way leaves no crawl running."""
    yield
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer.start_new(tmp_path / "redis")
    yield server
    server.kill()


@pytest.fixture(scope="module")
def reference(demo_site: DemoSite, tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """What one process without Redis archives from the demo site's index."""
    run = run_crawl(tmp_path_factory.mktemp("one") / "warc", "-a", f"start_urls={demo_site.url('/')}",
                    "-s", "THREAD_REVISIT=0", "-s", "WARC_CDXJ=False")
    assert run.returncode == 0, run.log[-3000:]
    return set(captures(run.warc_dir))


def captures(*folders: Path) -> Counter[str]:
    """URL -> how many responses (or revisits) the folders' WARC files hold for it."""
    recs = read_records([p for f in folders for p in sorted(f.glob("*.warc.gz"))])
    return Counter(r.url for r in recs if r.type in ("response", "revisit") and r.url)


def worker(server: RedisServer | str, warc_dir: Path, *args: str) -> subprocess.Popen[str]:
    """`threadwarc crawl thread -s REDIS_URL=...` in the background, its log in a file."""
    url = server if isinstance(server, str) else server.url
    warc_dir.mkdir(parents=True, exist_ok=True)
    with (warc_dir.parent / f"{warc_dir.name}.log").open("w") as log:  # the child keeps its own
        proc = subprocess.Popen(crawl_command(warc_dir, "-s", f"REDIS_URL={url}", *FAST, *args),
                                stdout=log, stderr=log, text=True, cwd=warc_dir.parent, env=CRAWL_ENV)
    STARTED.append(proc)
    return proc


def seed(url: str, *urls: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", "seed", *urls, "-s", f"REDIS_URL={url}"],
                          capture_output=True, text=True, cwd=cwd, env=CRAWL_ENV, timeout=60)


def log_of(warc_dir: Path) -> str:
    return (warc_dir.parent / f"{warc_dir.name}.log").read_text()


def finish(proc: subprocess.Popen[str], timeout: float = 120) -> int:
    return proc.wait(timeout=timeout)


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


def fetched(warc_dir: Path) -> int:
    """Lines of the run's crawl.log: one per fetch, written as it happens."""
    return sum(len(p.read_text().splitlines()) for p in warc_dir.glob("*-crawl.log"))


def assert_closed_and_valid(*folders: Path) -> None:
    for folder in folders:
        assert not list(folder.glob("*.open")), f"{folder}: a WARC file left open"
        for path in folder.glob("*.warc.gz"):
            check = tool("warcio", "check", str(path))
            assert check.returncode == 0, check.stdout + check.stderr


def assert_each_once(counts: Counter[str], reference: set[str]) -> None:
    """Every page the one-process crawl archived, and nothing else; each once, but robots.txt
    (each process reads it) and pages the demo site answers 500 (each attempt archived)."""
    assert set(counts) == reference
    twice = {u for u, n in counts.items() if n > 1 and not u.endswith("/robots.txt")}
    assert twice <= {u for u in twice if "live-updates" in u}, twice  # the demo site's 500 page


def test_two_workers_share_one_crawl_each_page_once(demo_site, reference, redis_server, tmp_path):
    seeds = f"start_urls={demo_site.url('/')}"
    a = worker(redis_server, tmp_path / "a", "-a", seeds)
    b = worker(redis_server, tmp_path / "b", "-a", seeds)
    assert (finish(a), finish(b)) == (0, 0), log_of(tmp_path / "a")[-3000:] + log_of(tmp_path / "b")[-3000:]
    mine, theirs = captures(tmp_path / "a"), captures(tmp_path / "b")
    assert_each_once(mine + theirs, reference)
    assert min(len(mine), len(theirs)) > len(reference) // 10  # both did a share of the work
    assert (mine + theirs)[demo_site.url("/")] == 1  # the seed both were given: fetched once
    pids = {int(m[1]) for f in ("a", "b") for p in (tmp_path / f).glob("*.warc.gz")
            if (m := NAME.fullmatch(p.name))}
    assert pids == {a.pid, b.pid}
    assert_closed_and_valid(tmp_path / "a", tmp_path / "b")
    client = redis_server.client()
    assert client.zcard("thread:requests") == 0
    assert not client.keys("thread:leases:*")  # both signed off, nothing held
    assert client.hlen("thread:digests") > 0  # the payloads they archived, shared


def test_seed_command_and_lpush_feed_an_idle_fleet(demo_site, redis_server, tmp_path):
    idle = ("-s", "MAX_IDLE_TIME_BEFORE_CLOSE=2.5")
    a, b = worker(redis_server, tmp_path / "a", *idle), worker(redis_server, tmp_path / "b", *idle)
    for proc, name in ((a, "a"), (b, "b")):  # no seeds of their own: they join and wait
        wait_for("joined", lambda n=name: "Joined crawl 'thread'" in log_of(tmp_path / n), proc)
    sitemap = demo_site.truth["seeds"]["sitemap"]
    seeded = seed(redis_server.url, sitemap, cwd=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    assert seeded.stdout.strip() == "Queued 1 seed on thread:start_urls"
    extra = demo_site.url("/?via=lpush")
    pushed = subprocess.run(["redis-cli", "-p", str(redis_server.port), "lpush", "thread:start_urls", extra],
                            capture_output=True, text=True, timeout=30)
    assert pushed.returncode == 0, pushed.stderr
    assert (finish(a), finish(b)) == (0, 0), log_of(tmp_path / "a")[-3000:]
    got = captures(tmp_path / "a") + captures(tmp_path / "b")
    assert got[sitemap] == 1
    assert got[extra] == 1
    assert len(got) > 50  # the sitemap's articles and their threads, not the seeds alone
    assert_closed_and_valid(tmp_path / "a", tmp_path / "b")


STORIES = 14


class TimedSite(http.server.BaseHTTPRequestHandler):
    """A front page linking STORIES dated stories; the server notes when each request arrives:
    what a site sees of the crawl's politeness, whoever sends."""

    arrivals: ClassVar[list[tuple[float, str]]] = []

    def do_GET(self) -> None:
        TimedSite.arrivals.append((time.monotonic(), self.path))
        if self.path == "/":
            links = "".join(f'<li><a href="/news/2024-03-{i:02d}/story-number-{i}">Story {i}</a></li>'
                            for i in range(1, STORIES + 1))
            body = f"<html><head><title>News</title></head><body><ul>{links}</ul></body></html>"
        elif self.path.startswith("/news/"):
            body = f"<html><head><title>{self.path}</title></head><body><article><h1>{self.path}</h1>" \
                   f"<p>{'Text of the story. ' * 40}</p></article></body></html>"
        else:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def timed_site() -> Iterator[str]:
    TimedSite.arrivals.clear()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), TimedSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_politeness_holds_across_processes(redis_server, timed_site, tmp_path):
    polite = ("-a", f"start_urls={timed_site}", "-s", "DOWNLOAD_DELAY=0.3",
              "-s", "RANDOMIZE_DOWNLOAD_DELAY=False",
              "-s", "WARC_PAGE_REQUISITES=False", "-s", "CONCURRENT_REQUESTS=2")
    a, b = worker(redis_server, tmp_path / "a", *polite), worker(redis_server, tmp_path / "b", *polite)
    assert (finish(a), finish(b)) == (0, 0), log_of(tmp_path / "a")[-3000:]
    got = captures(tmp_path / "a") + captures(tmp_path / "b")
    assert {u for u in got if "/news/" in u} == {f"{timed_site}news/2024-03-{i:02d}/story-number-{i}"
                                                 for i in range(1, STORIES + 1)}
    assert min(len(captures(tmp_path / f)) for f in ("a", "b")) >= 3  # both fetched a share
    times = sorted(t for t, _ in TimedSite.arrivals)
    assert len(times) >= STORIES + 1
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) > 0.25, gaps  # 0.3 s between any two requests to the site, whoever sent them


def test_redis_down_at_start_is_one_line_exit_2(demo_site, tmp_path):
    down = f"redis://127.0.0.1:{free_port()}/0"
    proc = worker(down, tmp_path / "w", "-a", f"start_urls={demo_site.url('/')}")
    assert finish(proc) == 2
    log = log_of(tmp_path / "w")
    errors = [line for line in log.splitlines() if " ERROR: " in line]
    assert len(errors) == 1
    assert f"Not crawling: Redis at {down} is unreachable" in errors[0]
    assert "Traceback" not in log
    seeded = seed(down, demo_site.url("/"), cwd=tmp_path)
    assert seeded.returncode == 2
    assert seeded.stderr.startswith(f"seed: not queued: Redis at {down} is unreachable"), seeded.stderr


def test_redis_lost_mid_crawl_stops_cleanly_and_a_restart_resumes(demo_site, reference, tmp_path):
    server = RedisServer.start_new(tmp_path / "redis", persist=True)
    try:
        slow = ("-s", "CONCURRENT_REQUESTS=2")
        first = worker(server, tmp_path / "first", "-a", f"start_urls={demo_site.url('/')}", *slow)
        wait_for("40 fetches", lambda: fetched(tmp_path / "first") >= 40, first)
        server.kill()
        assert finish(first, timeout=60) == 4
        log = log_of(tmp_path / "first")
        assert "Traceback" not in log
        assert len(re.findall(r"ERROR: Redis at redis://127\.0\.0\.1:\d+/0 lost", log)) == 1
        assert "Crawl ended early: Redis was lost mid-crawl" in log
        assert_closed_and_valid(tmp_path / "first")
        partial = captures(tmp_path / "first")
        assert len(partial) < len(reference)
        server.start()  # the same folder: the crawl's queue, seen-set and leases are back
        again = worker(server, tmp_path / "again")  # no seeds: it resumes the shared queue
        assert finish(again) == 0, log_of(tmp_path / "again")[-3000:]
        assert set(partial + captures(tmp_path / "again")) == reference
        assert_closed_and_valid(tmp_path / "again")
    finally:
        server.kill()


def test_sigkill_worker_its_requests_in_flight_are_fetched_by_another(demo_site, reference, redis_server,
                                                                       tmp_path):
    seeds = ("-a", f"start_urls={demo_site.url('/')}", "-s", "CONCURRENT_REQUESTS=4")
    a, b = worker(redis_server, tmp_path / "a", *seeds), worker(redis_server, tmp_path / "b", *seeds)
    wait_for("a's first fetches", lambda: fetched(tmp_path / "a") >= 20, a)  # of ~320: mid-crawl
    os.kill(a.pid, signal.SIGKILL)
    client = redis_server.client()
    [name] = re.findall(r"Joined crawl 'thread' at \S+ as worker (\S+) ", log_of(tmp_path / "a"))
    assert name.endswith(f"-{a.pid}")
    assert a.wait(timeout=30) == -signal.SIGKILL
    held = {pickle.loads(v.split(b" ", 1)[1])["url"] for v in client.hvals(f"thread:leases:{name}")}
    assert held, "the killed worker held no request: nothing to recover"
    assert finish(b) == 0, log_of(tmp_path / "b")[-3000:]
    assert re.search(rf"Worker \S+-{a.pid} of crawl 'thread' stopped beating: {len(held)} requests",
                     log_of(tmp_path / "b"))
    wait_for("a's writer closing its files", lambda: not list((tmp_path / "a").glob("*.open")), b, timeout=60)
    by_b = captures(tmp_path / "b")
    assert held <= set(by_b)
    assert set(captures(tmp_path / "a") + by_b) == reference
    assert_closed_and_valid(tmp_path / "a", tmp_path / "b")


def test_without_redis_url_nothing_changes(demo_site, tmp_path):
    """The addon is listed for every crawl; with no REDIS_URL no Redis class is loaded."""
    code = ("import sys; from scrapy.utils.reactor import install_reactor; "
            "install_reactor('twisted.internet.asyncioreactor.AsyncioSelectorReactor'); "
            "from scrapy.utils.project import get_project_settings; "
            "from scrapy.crawler import Crawler; from crawler.spiders.thread import ThreadSpider; "
            "c = Crawler(ThreadSpider, get_project_settings()); c._apply_settings(); "
            "print(c.settings['SCHEDULER'], c.settings['DUPEFILTER_CLASS'], 'redis' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**CRAWL_ENV, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}, timeout=60)
    expected = ["scrapy.core.scheduler.Scheduler", "scrapy.dupefilters.RFPDupeFilter", "False"]
    assert out.stdout.split() == expected, out.stderr[-2000:]
