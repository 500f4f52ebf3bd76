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
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from tests.conftest import CRAWL_ENV, ROOT, DemoSite, answer, crawl_command, run_crawl, serving, wait_for
from tests.redis_server import RedisServer, free_port
from tests.warc_utils import read_records, scrapy_stat, tool

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


def fetched(warc_dir: Path) -> int:
    """Lines of the run's crawl.log: one per fetch, written as it happens."""
    return sum(len(p.read_text().splitlines()) for p in warc_dir.glob("*-crawl.log"))


def explain(got: set[str], reference: set[str], *folders: Path) -> str:
    """What differs, and each worker's robots.txt fetches, rules counted and lines naming the
    URLs that differ (a crawl that fetched what robots.txt forbids says why)."""
    odd = sorted(got ^ reference)
    lines = [f"extra {sorted(got - reference)}, missing {sorted(reference - got)}"]
    for folder in folders:
        lines.append(f"-- {folder.name}")
        lines += [line for line in log_of(folder).splitlines()
                  if "robotstxt" in line or "offsite" in line or "Crawl scope" in line
                  or any(u in line for u in odd)]
        lines += [line for p in folder.glob("*-crawl.log") for line in p.read_text().splitlines()
                  if "/robots.txt" in line or any(u in line for u in odd)]
    return "\n".join(lines)


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
    # a site's shared slot 10 ms apart (~3 s for its ~320 pages): with none, one worker could
    # take nearly every page (~300 in 1.2 s) while the other waited for its next tick (0.4 s)
    polite = ("-s", "DOWNLOAD_DELAY=0.01")
    a = worker(redis_server, tmp_path / "a", "-a", seeds, *polite)
    b = worker(redis_server, tmp_path / "b", "-a", seeds, *polite)
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
    # the requests a callback yields go to Redis in one round trip (~15 a trip here), not each alone
    queued, trips = (sum(scrapy_stat(log_of(tmp_path / f), key) or 0 for f in ("a", "b"))
                     for key in ("scheduler/enqueued/redis", "redis/enqueue_round_trips"))
    assert queued > 5 * trips, (queued, trips)


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
        elif self.path.startswith(("/news/", "/extra")):
            body = f"<html><head><title>{self.path}</title></head><body><article><h1>{self.path}</h1>" \
                   f"<p>{'Text of the story. ' * 40}</p></article></body></html>"
        else:
            self.send_error(404)
            return
        answer(self, body.encode())

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def timed_site() -> Iterator[str]:
    TimedSite.arrivals.clear()
    with serving(TimedSite) as base:
        yield f"{base}/"


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
        got = set(partial + captures(tmp_path / "again"))
        assert got == reference, explain(got, reference, tmp_path / "first", tmp_path / "again")
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
    leases = client.hvals(f"thread:leases:{name}")
    held = {pickle.loads(v.split(b" ", 1)[1])["url"] for v in leases}  # a retry: a URL leased twice
    assert held, "the killed worker held no request: nothing to recover"
    assert finish(b) == 0, log_of(tmp_path / "b")[-3000:]
    assert re.search(rf"Worker \S+-{a.pid} of crawl 'thread' stopped beating: {len(leases)} requests",
                     log_of(tmp_path / "b"))
    wait_for("a's writer closing its files", lambda: not list((tmp_path / "a").glob("*.open")), b, timeout=60)
    by_b = captures(tmp_path / "b")
    # what was leased and is fetchable at all (robots.txt forbids the favicon: leased, then
    # refused by whichever worker pops it)
    fetchable = held & reference
    assert fetchable, held
    assert fetchable <= set(by_b)
    assert (scrapy_stat(log_of(tmp_path / "b"), "robotstxt/forbidden") or 0) >= len(held - reference)
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


# -- faults the review (bench/out/review-s19.md, part A) found -------------------------------------


NO_REQUISITES = ("-s", "WARC_PAGE_REQUISITES=False")


def joined_as(warc_dir: Path, proc: subprocess.Popen[str]) -> str:
    """The worker's name, once it has joined the crawl."""
    wait_for("joined", lambda: "Joined crawl 'thread'" in log_of(warc_dir), proc)
    [name] = re.findall(r"Joined crawl 'thread' at \S+ as worker (\S+) ", log_of(warc_dir))
    return name


def test_a_malformed_pushed_seed_costs_that_seed_only(redis_server, timed_site, tmp_path):
    """`http://[::1` makes urlsplit raise: skipped with one line, its batch-mate crawled, and the
    worker keeps beating and closes as usual (the ticker used to die: no heartbeat, never closed)."""
    w = worker(redis_server, tmp_path / "w", "-s", "MAX_IDLE_TIME_BEFORE_CLOSE=2.5")
    name = joined_as(tmp_path / "w", w)
    client = redis_server.client()
    client.rpush("thread:start_urls", "http://[::1", timed_site)  # one batch
    wait_for("the bad seed named", lambda: "http://[::1" in log_of(tmp_path / "w"), w)
    beat = client.get(f"thread:worker:{name}")
    wait_for("a heartbeat after it", lambda: client.get(f"thread:worker:{name}") not in (beat, None), w)
    assert finish(w, timeout=60) == 0, log_of(tmp_path / "w")[-3000:]
    log = log_of(tmp_path / "w")
    named = [line for line in log.splitlines() if "http://[::1" in line]
    assert len(named) == 1
    assert " WARNING: " in named[0]
    assert "skipped" in named[0]
    assert "Traceback" not in log
    assert captures(tmp_path / "w")[timed_site] == 1  # its batch-mate
    assert_closed_and_valid(tmp_path / "w")


def test_a_worker_reaped_while_alive_registers_again(redis_server, tmp_path):
    """What a reaper does to a worker it wrongly judged dead (heartbeat gone, name removed): the
    worker is back in `<crawl>:workers` at its next beat, so its later leases are recovered."""
    w = worker(redis_server, tmp_path / "w", "-s", "MAX_IDLE_TIME_BEFORE_CLOSE=0")
    name = joined_as(tmp_path / "w", w)
    client = redis_server.client()
    with client.pipeline() as pipe:
        pipe.srem("thread:workers", name)
        pipe.delete(f"thread:worker:{name}")
        pipe.execute()
    wait_for("registered again", lambda: client.sismember("thread:workers", name), w, timeout=15)
    assert client.exists(f"thread:worker:{name}")
    w.send_signal(signal.SIGTERM)
    assert finish(w, timeout=60) == 3  # stopped (SIGTERM) having fetched nothing
    assert not client.sismember("thread:workers", name)  # signed off
    assert not client.exists(f"thread:worker:{name}")


def test_the_reaper_spares_a_worker_whose_heartbeat_is_back(redis_server):
    """The requeue script itself checks the heartbeat (a worker may beat between a reaper's look
    and its requeue); with the heartbeat gone it requeues; the worker itself always may."""
    from crawler.frontier import _REQUEUE

    client = redis_server.client()
    requeue = client.register_script(_REQUEUE)
    keys = ["c:requests", "c:leases:w1", "c:workers", "c:worker:w1"]
    client.hset("c:leases:w1", "1", b"-0 request-one")
    client.sadd("c:workers", "w1")
    client.set("c:worker:w1", "alive", px=60_000)
    assert requeue(keys=keys, args=["w1", "0"]) == -1
    assert client.hlen("c:leases:w1") == 1
    assert client.zcard("c:requests") == 0
    assert client.sismember("c:workers", "w1")
    client.delete("c:worker:w1")
    assert requeue(keys=keys, args=["w1", "0"]) == 1
    assert client.zrange("c:requests", 0, -1, withscores=True) == [(b"request-one", 0.0)]
    assert not client.exists("c:leases:w1")
    client.hset("c:leases:w1", "2", b"-1 request-two")
    client.set("c:worker:w1", "alive", px=60_000)
    assert requeue(keys=keys, args=["w1", "1"]) == 1  # signing off: its own heartbeat goes too
    assert not client.exists("c:worker:w1")


def test_redis_params_defaults_never_retry_and_the_users_keys_win(tmp_path):
    """redis-py resends a command that timed out when retries are on (scrapy-redis's default):
    a pop or a seen-set add that did run would run twice. The addon's defaults: no retry, 10 s."""
    code = ("import json, sys; from scrapy.utils.reactor import install_reactor; "
            "install_reactor('twisted.internet.asyncioreactor.AsyncioSelectorReactor'); "
            "from scrapy.utils.project import get_project_settings; "
            "from scrapy.crawler import Crawler; from crawler.spiders.thread import ThreadSpider; "
            "from crawler.frontier import connect; "
            "s = get_project_settings(); s.set('REDIS_URL', 'redis://127.0.0.1:1/0', 'cmdline'); "
            "s.set('REDIS_PARAMS', sys.argv[1], 'cmdline'); "
            "c = Crawler(ThreadSpider, s); c._apply_settings(); "
            "conn = connect(c.settings).connection_pool.make_connection(); "
            "print(json.dumps([conn.retry.get_retries(), conn.socket_timeout, conn.password]))")
    out = []
    for params in ('{}', '{"socket_timeout": 2, "password": "secret"}'):
        run = subprocess.run([sys.executable, "-c", code, params], capture_output=True, text=True, cwd=ROOT,
                             env={**CRAWL_ENV, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}, timeout=60)
        assert run.returncode == 0, run.stderr[-2000:]
        out.append(run.stdout.split("\n")[-2])
    assert out == ["[0, 10.0, null]", '[0, 2, "secret"]']


def test_a_stalled_redis_is_a_lost_one_not_a_command_sent_twice(redis_server, tmp_path):
    """A reply later than the socket timeout: one line, the worker stops cleanly (exit 4), as for
    a Redis that went away; the command is not sent again (with scrapy-redis's retry the resent
    one would succeed here, and a pop or seen-set add that had run would run twice)."""
    w = worker(redis_server, tmp_path / "w", "-s", "MAX_IDLE_TIME_BEFORE_CLOSE=0",
               "-s", 'REDIS_PARAMS={"socket_timeout": 1}')
    joined_as(tmp_path / "w", w)
    redis_server.client().execute_command("DEBUG", "SLEEP", "1.6")  # its tick (0.4 s) waits > 1 s
    assert finish(w, timeout=60) == 4, log_of(tmp_path / "w")[-3000:]
    log = log_of(tmp_path / "w")
    lost = [line for line in log.splitlines() if " ERROR: Redis at " in line]
    assert len(lost) == 1
    assert "lost (Timeout" in lost[0]
    assert "Traceback" not in log
    assert_closed_and_valid(tmp_path / "w")


def client_commands(monitor_log: Path) -> Counter[tuple[str, str]]:
    """(command, key) -> how many times a client (not a Lua script) sent it, from MONITOR."""
    seen: Counter[tuple[str, str]] = Counter()
    for line in monitor_log.read_text(errors="replace").splitlines():
        if m := re.match(r'[\d.]+ \[\d+ ([^\]]+)\] "(\w+)"(?: "([^"]*)")?', line):
            if m[1] != "lua":
                seen[(m[2].upper(), m[3] or "")] += 1
    return seen


def test_each_request_is_queued_in_one_atomic_step(redis_server, timed_site, tmp_path):
    """scrapy-redis queues a request in two calls (SADD the seen-set, then ZADD the queue): a
    worker killed between them leaves the URL seen and never queued. Here one Lua script does
    both: no client ever sends SADD to the seen-set or ZADD to the queue."""
    monitor_log = tmp_path / "monitor.log"
    with monitor_log.open("w") as out:
        monitor = subprocess.Popen(["redis-cli", "-p", str(redis_server.port), "monitor"], stdout=out,
                                   stderr=subprocess.STDOUT, text=True)
    STARTED.append(monitor)
    wait_for("MONITOR on", lambda: monitor_log.read_text().startswith("OK"), monitor)
    w = worker(redis_server, tmp_path / "w", "-a", f"start_urls={timed_site}", *NO_REQUISITES)
    assert finish(w) == 0, log_of(tmp_path / "w")[-3000:]
    monitor.terminate()
    monitor.wait(timeout=10)
    sent = client_commands(monitor_log)
    assert len(captures(tmp_path / "w")) >= STORIES + 1
    assert sent[("SADD", "thread:dupefilter")] == 0
    assert sent[("ZADD", "thread:requests")] == 0
    scripted = sum(n for (cmd, _), n in sent.items() if cmd in ("EVALSHA", "EVAL"))
    assert scripted >= 2 * (STORIES + 1)  # per page: its pop, and the enqueue of each link


def test_seeds_pushed_to_a_busy_fleet_are_taken_while_it_is_busy(redis_server, timed_site, tmp_path):
    """A worker with work keeps reading the start-URL key (every 5 ticks), not only once the whole
    shared queue is empty, which for a long-running fleet may be never."""
    polite = ("-a", f"start_urls={timed_site}", "-s", "DOWNLOAD_DELAY=0.6", *NO_REQUISITES,
              "-s", "RANDOMIZE_DOWNLOAD_DELAY=False", "-s", "CONCURRENT_REQUESTS=2")
    w = worker(redis_server, tmp_path / "w", *polite)

    def stories() -> int:
        return sum(1 for _, path in list(TimedSite.arrivals) if path.startswith("/news/"))

    wait_for("the first story", lambda: stories() >= 1, w)
    extra = f"{timed_site}extra"
    redis_server.client().rpush("thread:start_urls", extra)
    wait_for("the pushed seed taken", lambda: "1 seeds taken from thread:" in log_of(tmp_path / "w"), w)
    assert stories() < STORIES  # taken while stories were still to fetch (0.6 s apart: 8 s of work)
    assert finish(w) == 0, log_of(tmp_path / "w")[-3000:]
    assert captures(tmp_path / "w")[extra] == 1


def test_a_drained_crawl_closes_after_max_idle_not_at_the_next_tick(redis_server, timed_site, tmp_path):
    """The idle worker looks at the shared crawl by itself (50 ms, backing off): it closes
    MAX_IDLE_TIME_BEFORE_CLOSE after the crawl drained. Before, the drain was seen at a tick and
    the close waited for the next one: "drained for 1.0 s" at least, with ticks 1 s apart."""
    w = worker(redis_server, tmp_path / "w", "-a", f"start_urls={timed_site}", *NO_REQUISITES,
               "-s", "REDIS_WORKER_TIMEOUT=5", "-s", "MAX_IDLE_TIME_BEFORE_CLOSE=0.2")
    assert finish(w) == 0, log_of(tmp_path / "w")[-3000:]
    drained = re.search(r"Crawl 'thread' drained for ([\d.]+) s", log_of(tmp_path / "w"))
    assert drained, log_of(tmp_path / "w")[-3000:]
    assert 0.2 <= float(drained.group(1)) < 0.9  # ticks (REDIS_WORKER_TIMEOUT / 5) are 1.0 s apart
    assert sum(1 for _, path in TimedSite.arrivals if path.startswith("/news/")) == STORIES


def test_requests_no_worker_can_read_are_dropped_once_each(redis_server, timed_site, tmp_path):
    """Entries on the shared queue that do not unpickle (cut short: EOFError; naming a module this
    worker lacks: ModuleNotFoundError; not a request: TypeError) cost themselves only: one line
    each, their lease dropped, and the crawl drains and closes (they used to circulate forever)."""
    client = redis_server.client()
    bad = {b"": "EOFError", b"cno_such_module_in_threadwarc\nThing\n.": "ModuleNotFoundError",
           pickle.dumps(1): "TypeError"}
    client.zadd("thread:requests", dict.fromkeys(bad, 0))
    w = worker(redis_server, tmp_path / "w", "-a", f"start_urls={timed_site}", *NO_REQUISITES)
    assert finish(w) == 0, log_of(tmp_path / "w")[-3000:]
    log = log_of(tmp_path / "w")
    dropped = [line for line in log.splitlines() if "cannot be read here" in line]
    errors = sorted(next(e for e in bad.values() if f"({e}:" in line) for line in dropped)
    assert errors == sorted(bad.values())
    assert "no_such_module_in_threadwarc" in "".join(dropped)  # named
    assert "Traceback" not in log
    assert client.zcard("thread:requests") == 0
    assert not client.keys("thread:leases:*")
    assert len(captures(tmp_path / "w")) >= STORIES + 1


def test_start_urls_as_zset_is_refused_at_start(redis_server, demo_site, tmp_path):
    """scrapy-redis's REDIS_START_URLS_AS_ZSET is not supported: one line, exit 2 (it used to run
    into WRONGTYPE and stop every worker as if Redis were lost)."""
    redis_server.client().zadd("thread:start_urls", {demo_site.url("/"): 1})
    w = worker(redis_server, tmp_path / "w", "-s", "REDIS_START_URLS_AS_ZSET=True")
    assert finish(w) == 2
    errors = [line for line in log_of(tmp_path / "w").splitlines() if " ERROR: " in line]
    assert len(errors) == 1
    assert "Not crawling: REDIS_START_URLS_AS_ZSET is not supported" in errors[0]
    seeded = subprocess.run([sys.executable, "-m", "crawler", "seed", demo_site.url("/"), "-s",
                             f"REDIS_URL={redis_server.url}", "-s", "REDIS_START_URLS_AS_ZSET=True"],
                            capture_output=True, text=True, cwd=tmp_path, env=CRAWL_ENV, timeout=60)
    assert seeded.returncode == 2
    assert seeded.stderr.startswith("seed: not queued: REDIS_START_URLS_AS_ZSET is not supported")


def test_a_password_in_redis_params_is_used_at_start_and_by_seed(timed_site, tmp_path):
    """REDIS_PARAMS (scrapy-redis's way to give a password) is used by the start-up check and
    `threadwarc seed` too, not only by scrapy-redis's own components."""
    server = RedisServer.start_new(tmp_path / "redis", password="s3cret-pw")
    try:
        auth = ("-s", 'REDIS_PARAMS={"password": "s3cret-pw"}')
        seeded = subprocess.run([sys.executable, "-m", "crawler", "seed", timed_site, "-s",
                                 f"REDIS_URL={server.url}", *auth],
                                capture_output=True, text=True, cwd=tmp_path, env=CRAWL_ENV, timeout=60)
        assert seeded.returncode == 0, seeded.stderr
        w = worker(server, tmp_path / "w", *auth, *NO_REQUISITES)
        assert finish(w) == 0, log_of(tmp_path / "w")[-3000:]
        assert "s3cret-pw" not in log_of(tmp_path / "w")
        assert len(captures(tmp_path / "w")) >= STORIES + 1
        # the WARC writer's shared digests connect with the password too (no full-records fallback)
        assert "writing full records" not in log_of(tmp_path / "w")
        import redis

        assert redis.Redis.from_url(server.url, password="s3cret-pw").hlen("thread:digests") > 0
    finally:
        server.kill()


def test_shared_digests_use_the_crawls_redis_params(tmp_path):
    from pipelines.archiving.dedup import SharedDigests
    from pipelines.archiving.records import Original

    server = RedisServer.start_new(tmp_path / "redis", password="s3cret-pw")
    try:
        mine = SharedDigests(server.url, "thread:digests", "here", params={"password": "s3cret-pw"})
        original = Original("sha1:ABC", "http://example.test/", "2024-01-01T00:00:00Z", "<urn:uuid:1>",
                            "a.warc.gz", 0, 10)
        mine.add(original, replace=False)
        mine.flush()
        assert mine.original("sha1:ABC") == (original, True)
        mine.close()
    finally:
        server.kill()


def test_requests_queued_on_redis_name_their_callbacks_as_scrapy_does():
    """The queue's callback lookup (crawler.frontier._callbacks) gives Request.to_dict what
    Scrapy's own lookup in the whole spider gives; a callback that is no method of the spider
    is left to Scrapy (which refuses it)."""
    from scrapy import Request

    from crawler.frontier import _callbacks
    from crawler.spiders.thread import ThreadSpider

    spider = ThreadSpider(start_urls="http://site.example/")
    for callback, errback in ((spider.parse_requisite, spider.requisite_failed), (spider.parse_seed, None),
                              (None, None)):
        request = Request("http://site.example/a", callback=callback, errback=errback, cb_kwargs={"level": 2})
        assert request.to_dict(spider=_callbacks(request, spider)) == request.to_dict(spider=spider)
    foreign = Request("http://site.example/b", callback=lambda response: None)
    assert _callbacks(foreign, spider) is spider
    with pytest.raises(ValueError, match="is not an instance method"):
        foreign.to_dict(spider=_callbacks(foreign, spider))
