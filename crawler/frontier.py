"""One crawl shared by any number of `scrapy crawl thread` processes, on any machines, via Redis.

`-s REDIS_URL=redis://host:port/db` turns it on (`RedisFrontierAddon`, listed in ADDONS); without
it nothing changes. scrapy-redis does the sharing, under its own setting names: its scheduler
(a priority queue of serialized requests) and its duplicate filter (a set of fingerprints) live
in Redis, so a request any process finds is fetched once, by whichever process pops it. Keys are
namespaced per crawl: REDIS_CRAWL (default: the spider's name, `thread`) names `<crawl>:requests`
(SCHEDULER_QUEUE_KEY), `<crawl>:dupefilter` (SCHEDULER_DUPEFILTER_KEY), `<crawl>:start_urls`
(REDIS_START_URLS_KEY, where `threadwarc seed` and `redis-cli lpush` put new seeds), and ours:

- `<crawl>:leases:<worker>` (a hash): each request a worker popped and has not finished (its
  response not yet handled by the spider, its new requests not yet queued), put there in the same
  atomic step that pops it (a Lua script). `<crawl>:worker:<worker>` is the worker's heartbeat,
  a key that expires REDIS_WORKER_TIMEOUT seconds after its last beat; `<crawl>:workers` lists
  the workers. A survivor that finds a worker's heartbeat gone moves its leases back onto the
  queue (one Lua script, so two survivors never both do it): a killed process loses at most its
  requests in flight, and another process fetches them again.
- `<crawl>:hosts`: the crawl's scope, the hosts of every seed of every process; a worker that
  pops a request for a host it has not seen adopts them all.
- `<crawl>:slot:<host>`: per-site politeness across processes (`SharedSlotMiddleware`).
- `<crawl>:digests`: the payload digests every process archived (pipelines/archiving/dedup.py).

A worker closes (`finished`) once the whole crawl has been drained for MAX_IDLE_TIME_BEFORE_CLOSE
seconds: the queue and the start-URL list empty, no worker holding a lease (0: never, a fleet
member waiting for seeds). An idle worker looks again 50 ms after it went idle, backing off to
the heartbeat's tick: work another worker queued is popped at once, not at the next tick, and
a drained crawl closes MAX_IDLE_TIME_BEFORE_CLOSE after it drained, not up to two ticks later.
Redis unreachable at start: the crawl does not start (exit 2); lost while crawling: the process
stops (`redis_lost`, exit 4), its WARC files closed, its leases left in Redis for another
process or a restart.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections import deque
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from pipelines.archiving.config import safe_name_part

if TYPE_CHECKING:
    from collections.abc import Iterable

    from redis import Redis
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

LOST = "redis_lost"  # the finish reason of a worker that lost Redis mid-crawl
_CRAWL_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")
WORKER_TIMEOUT, MAX_IDLE = 30.0, 10.0
# A reply that takes longer than this (seconds) is a lost Redis (REDIS_PARAMS socket_timeout):
# well below REDIS_WORKER_TIMEOUT, and never retried (see `client_params`).
SOCKET_TIMEOUT = 10.0

# Pops the first ARGV[1] requests of the priority queue into the worker's lease hash, atomically:
# field = lease id (ARGV[2], ARGV[2] + 1, ...), value = "<score> <serialized request>" (what the
# reaper needs to re-queue it). Returns the requests, in queue order.
_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
local out = {}
for i = 1, #r, 2 do
  redis.call('ZREM', KEYS[1], r[i])
  redis.call('HSET', KEYS[2], tostring(tonumber(ARGV[2]) + (i - 1) / 2), r[i + 1] .. ' ' .. r[i])
  out[#out + 1] = r[i]
end
return out
"""
# Requests popped per round trip: each is leased at once, so a worker killed with some not yet
# handed to its engine loses none (the reaper re-queues them); a few, so that the other workers
# are not starved of a short queue. One round trip to Redis per page fewer, about.
PREFETCH = 4
# An idle worker's first look at the shared crawl (seconds), doubled at each look that finds
# nothing, up to the tick: prompt while the others are busy, a few calls a second when idle.
IDLE_POLL = 0.05
# Moves every lease of a hash back onto the queue and deletes the hash, the worker's heartbeat and
# its name. A reaper (ARGV[2] = '0') first checks the heartbeat itself, in the same atomic step: a
# worker that beat again since it was judged dead keeps its leases (-1). ARGV[2] = '1': the worker
# itself, signing off.
_REQUEUE = """
if ARGV[2] ~= '1' and redis.call('EXISTS', KEYS[4]) == 1 then return -1 end
local leases = redis.call('HGETALL', KEYS[2])
for i = 2, #leases, 2 do
  local v = leases[i]
  local sp = string.find(v, ' ', 1, true)
  redis.call('ZADD', KEYS[1], string.sub(v, 1, sp - 1), string.sub(v, sp + 1))
end
redis.call('DEL', KEYS[2], KEYS[4])
redis.call('SREM', KEYS[3], ARGV[1])
return #leases / 2
"""
# scrapy-redis's enqueue (the seen-set's SADD, then the queue's ZADD) in one atomic step: a worker
# killed, or Redis lost, between the two would leave a URL marked seen and never queued. ARGV[1]:
# the request's fingerprint ('': not filtered, dont_filter); ARGV[2] its score; ARGV[3] the request.
_ENQUEUE = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""
# Drained: nothing queued, no start URL waiting, no lease held by any worker (dead ones included).
_DRAINED = """
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
if redis.call('TYPE', KEYS[2]).ok == 'set' then
  if redis.call('SCARD', KEYS[2]) > 0 then return 0 end
elseif redis.call('LLEN', KEYS[2]) > 0 then return 0 end
for _, w in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('HLEN', ARGV[1] .. w) > 0 then return 0 end
end
return 1
"""
# Per-site slot: the next time a request to the site may leave, shared by every process (Redis's
# clock, microseconds). Returns how long this request waits; the slot moves on by the delay.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local at = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], string.format('%.0f', at + tonumber(ARGV[1])), 'PX', ARGV[2])
return at - now
"""


@dataclass(frozen=True, slots=True)
class FrontierConfig:
    url: str
    crawl: str
    queue_key: str
    start_key: str
    start_as_set: bool = False
    batch: int = 16  # start URLs taken at a time (REDIS_START_URLS_BATCH_SIZE)
    max_idle: float = MAX_IDLE  # MAX_IDLE_TIME_BEFORE_CLOSE: 0, never close
    worker_timeout: float = WORKER_TIMEOUT  # REDIS_WORKER_TIMEOUT: a silent worker is dead

    def key(self, *parts: str) -> str:
        return ":".join((self.crawl, *parts))

    @property
    def tick(self) -> float:
        """Heartbeat, lease release, start-URL and drain checks: this often (seconds)."""
        return max(0.1, min(1.0, self.worker_timeout / 5))

    @property
    def busy_seed_check(self) -> float:
        """A busy worker with room looks for pushed seeds this often (seconds); an idle one, at
        every tick."""
        return 5 * self.tick

    @classmethod
    def from_settings(cls, s: BaseSettings, spider_name: str = "thread") -> FrontierConfig:
        if not (url := s.get("REDIS_URL")):
            raise NotConfigured("REDIS_URL is not set")
        if s.getbool("REDIS_START_URLS_AS_ZSET"):
            raise NotConfigured("REDIS_START_URLS_AS_ZSET is not supported: push seeds to a list (the "
                                "default) or a set (REDIS_START_URLS_AS_SET)")
        crawl = crawl_name(s, spider_name)
        numbers = {}
        for name, default in (("MAX_IDLE_TIME_BEFORE_CLOSE", MAX_IDLE),
                              ("REDIS_WORKER_TIMEOUT", WORKER_TIMEOUT)):
            try:
                numbers[name] = float(s.get(name, default))
            except (TypeError, ValueError):
                raise NotConfigured(f"{name} takes a number of seconds, got {s.get(name)!r}") from None
            if numbers[name] < 0 or (name == "REDIS_WORKER_TIMEOUT" and numbers[name] < 1):
                raise NotConfigured(f"{name} must be {'>= 1' if name == 'REDIS_WORKER_TIMEOUT' else '>= 0'}, "
                                    f"got {s.get(name)!r}")
        queue_key = (s.get("SCHEDULER_QUEUE_KEY") or f"{crawl}:requests") % {"spider": spider_name}
        start_key = (s.get("REDIS_START_URLS_KEY") or f"{crawl}:start_urls") % {"name": spider_name}
        return cls(str(url), crawl, queue_key, start_key, s.getbool("REDIS_START_URLS_AS_SET"),
                   s.getint("REDIS_START_URLS_BATCH_SIZE", s.getint("CONCURRENT_REQUESTS", 16)),
                   numbers["MAX_IDLE_TIME_BEFORE_CLOSE"], numbers["REDIS_WORKER_TIMEOUT"])


def crawl_name(s: BaseSettings, spider_name: str) -> str:
    crawl = s.get("REDIS_CRAWL") or spider_name
    if not _CRAWL_NAME.fullmatch(crawl):
        raise NotConfigured(f"REDIS_CRAWL may hold only letters, digits, '.', '_', '-' (at most 100): "
                            f"{crawl!r}")
    return crawl


def client_params(s: BaseSettings) -> dict[str, Any]:
    """REDIS_PARAMS, over our defaults: scrapy-redis's default retries a command once after a
    timeout (`retry_on_timeout`), and redis-py resends it. A pop, a seen-set add or a start-URL
    take that did run but answered late would then run twice: a request or a URL lost. So no
    retry at all, and a timeout well below REDIS_WORKER_TIMEOUT: a slow Redis is a lost one (the
    worker stops, its leases wait in Redis). Each key the user set in REDIS_PARAMS wins."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return {"socket_timeout": SOCKET_TIMEOUT, "socket_connect_timeout": SOCKET_TIMEOUT,
            "retry_on_timeout": False, "retry": Retry(NoBackoff(), 0), **s.getdict("REDIS_PARAMS")}


def connect(s: BaseSettings, **overrides: Any) -> Redis:
    """A client as scrapy-redis makes them (REDIS_URL, REDIS_PARAMS over `client_params`), with
    `overrides` over both."""
    from scrapy_redis.connection import get_redis_from_settings

    own = BaseSettings(s.copy_to_dict())  # a copy that is not frozen (the crawler's settings are)
    own.set("REDIS_PARAMS", {**client_params(s), **overrides}, priority=1000)
    return get_redis_from_settings(own)


def redis_problem(s: BaseSettings) -> str | None:
    """Why a crawl with REDIS_URL cannot start (Redis unreachable, a bad setting), or None;
    said in one line before the crawl's first request."""
    if not s.get("REDIS_URL"):
        return None
    try:
        cfg = FrontierConfig.from_settings(s)
    except NotConfigured as exc:
        return str(exc)
    import redis

    try:
        client = connect(s, socket_connect_timeout=5, socket_timeout=5)  # REDIS_PARAMS: a password
        client.ping()
        client.close()
    except (redis.RedisError, ValueError) as exc:  # ValueError: a malformed URL
        return f"Redis at {safe_url(cfg.url)} is unreachable ({exc})"
    return None


def safe_url(url: str) -> str:
    """The URL without its password, for log lines."""
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username or ''}:***@{parts.hostname}{f':{parts.port}' if parts.port else ''}"
        return parts._replace(netloc=netloc).geturl()
    return url


class RedisFrontierAddon:
    """With REDIS_URL: scrapy-redis's scheduler and duplicate filter (through ours), the shared
    politeness slot and the crawl's key names; without it, nothing."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._frontier: Frontier | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REDIS_URL"):
            return
        spider = getattr(self.crawler.spidercls, "name", None) or "thread"
        crawl = crawl_name(settings, spider)
        settings.set("REDIS_CRAWL", crawl, "addon")
        settings.set("SCHEDULER", f"{__name__}.RedisScheduler", "addon")
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", "addon")
        # one worker that ends must not flush the queue and seen-set the others still use
        settings.set("SCHEDULER_PERSIST", True, "addon")
        for name, value in (("SCHEDULER_QUEUE_KEY", f"{crawl}:requests"),
                            ("SCHEDULER_DUPEFILTER_KEY", f"{crawl}:dupefilter"),
                            ("REDIS_START_URLS_KEY", f"{crawl}:start_urls")):
            if settings.get(name) is None:
                settings.set(name, value, "addon")
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", SharedSlotMiddleware, 955)
        # what scrapy-redis's own components connect with too (its dupefilter, its queue)
        settings.set("REDIS_PARAMS", client_params(settings),
                     max(settings.getpriority("REDIS_PARAMS") or 0, SETTINGS_PRIORITIES["addon"]))

    @property
    def frontier(self) -> Frontier:
        """The crawl's shared Redis state, made at first use."""
        if self._frontier is None:
            self._frontier = Frontier(self.crawler)
        return self._frontier


def frontier_of(crawler: Crawler) -> Frontier:
    addon = crawler.get_addon(RedisFrontierAddon)
    if addon is None:
        raise NotConfigured(f"{RedisFrontierAddon.__name__} is not in ADDONS")
    return addon.frontier


class Frontier:
    """What a worker shares with the others: one Redis client, its worker name, whether Redis
    was lost (then nobody here calls Redis again, and the crawl is closing)."""

    def __init__(self, crawler: Crawler) -> None:
        import redis

        self.crawler = crawler
        self.cfg = FrontierConfig.from_settings(crawler.settings,
                                                getattr(crawler.spidercls, "name", "thread"))
        self.server = connect(crawler.settings)
        self.errors: tuple[type[BaseException], ...] = (redis.RedisError,)
        host = safe_name_part(os.uname().nodename, "host")
        self.worker = f"{host}-{os.getpid()}"
        self.lost = False
        self.pop = self.server.register_script(_POP)
        self.requeue = self.server.register_script(_REQUEUE)
        self.drained = self.server.register_script(_DRAINED)
        self.enqueue = self.server.register_script(_ENQUEUE)
        self.reserve = self.server.register_script(_RESERVE)

    def lose(self, exc: BaseException) -> None:
        """Redis is gone: one line, and the crawl closes (its WARC files too)."""
        if self.lost:
            return
        self.lost = True
        self.crawler.stats.set_value("redis/lost", 1)
        logger.error("Redis at %s lost (%s): stopping; this worker's requests in flight stay "
                     "leased in Redis, for another worker or a restart to fetch again",
                     safe_url(self.cfg.url), exc)
        from scrapy.utils.defer import deferred_from_coro

        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            d = deferred_from_coro(engine.close_spider_async(reason=LOST))
            d.addErrback(lambda f: logger.error("Closing after Redis was lost: %s", f.getErrorMessage()))


def _callbacks(request: Request, spider: Any) -> Any:
    """What `Request.to_dict` looks the callback and errback up in, by name: an object holding
    only those two of the spider's methods. Scrapy's lookup runs `inspect.getmembers` on what it
    is given, every attribute of the spider, for each request queued. The spider itself when
    either is not a method of the spider under its own name (Scrapy's lookup then decides)."""
    found = {}
    for fn in (request.callback, request.errback):
        if fn is None or isinstance(fn, str):
            continue
        name = getattr(fn, "__name__", "")
        if getattr(getattr(spider, name, None), "__func__", None) is not getattr(fn, "__func__", fn):
            return spider
        found[name] = getattr(spider, name)
    return SimpleNamespace(**found)


class RedisScheduler:
    """scrapy-redis's scheduler (queue, duplicate filter, persistence), its requests popped
    under a lease; plus the worker's heartbeat, the reaping of dead workers' leases, start URLs
    pushed to Redis, the crawl's shared scope, and when to close."""

    def __init__(self, crawler: Crawler, inner: Any, frontier: Frontier) -> None:
        self.crawler, self.inner, self.frontier, self.cfg = crawler, inner, frontier, frontier.cfg
        self.stats = crawler.stats
        self.spider: Spider | None = None
        self._leases: dict[Request, str] = {}
        self._popped: deque[tuple[str, bytes]] = deque()  # (lease, request): leased, not yet handed out
        # requests queued here, not yet sent: (request, fingerprint, score, serialized), one
        # pipelined round trip for all of them at the reactor's next turn (see enqueue_request)
        self._unsent: list[tuple[Request, str, int, bytes]] = []
        self._unsent_fps: set[str] = set()
        self._send_call: Any = None
        self._serial = 0
        self._leasing = False
        self._atomic = False  # enqueue through _ENQUEUE (scrapy-redis's dupefilter and PriorityQueue)
        self._ticker: Any = None
        self._idle_call: Any = None  # the next look of an idle worker (_poll_idle)
        self._idle_wait = IDLE_POLL
        self._drained_since: float | None = None
        self._reaped_at = 0.0
        self._seeds_checked = 0.0
        self._tick_errors: set[str] = set()
        self._hosts_refreshed: set[str] = set()
        self._leases_key = self.cfg.key("leases", frontier.worker)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        from scrapy_redis.scheduler import Scheduler

        sched = cls(crawler, Scheduler.from_crawler(crawler), frontier_of(crawler))
        crawler.signals.connect(sched._idle, signal=signals.spider_idle)
        return sched

    def __len__(self) -> int:
        if self.frontier.lost:
            return 0
        return len(self._popped) + len(self._unsent) + self._call(len, self.inner, default=0)

    # -- Scrapy's scheduler interface ----------------------------------------------------------

    def open(self, spider: Spider) -> None:
        from scrapy_redis.dupefilter import RFPDupeFilter
        from scrapy_redis.queue import PriorityQueue
        from twisted.internet.task import LoopingCall

        self.spider = spider
        self.inner.open(spider)
        self._leasing = type(self.inner.queue) is PriorityQueue
        df = self.inner.df
        self._atomic = self._leasing and type(df).request_seen is RFPDupeFilter.request_seen and \
            isinstance(getattr(df, "key", None), str)
        if not self._leasing:
            logger.warning("SCHEDULER_QUEUE_CLASS %s is not scrapy-redis's PriorityQueue: requests are "
                           "popped without a lease (a killed worker loses its requests in flight)",
                           type(self.inner.queue).__name__)
        s, cfg, me = self.frontier.server, self.cfg, self.frontier.worker
        try:
            with s.pipeline() as pipe:
                pipe.sadd(cfg.key("workers"), me)
                pipe.set(cfg.key("worker", me), str(time.time()), px=int(cfg.worker_timeout * 1000))
                if hosts := sorted(h for h in getattr(spider, "hosts", ()) if h):
                    pipe.sadd(cfg.key("hosts"), *hosts)
                pipe.execute()
            self._adopt_hosts()
        except self.frontier.errors as exc:
            self.frontier.lose(exc)
            return
        self.stats.set_value("redis/worker", me)
        logger.info("Joined crawl %r at %s as worker %s (queue %s, start URLs %s)", cfg.crawl,
                    safe_url(cfg.url), me, cfg.queue_key, cfg.start_key)
        self._ticker = LoopingCall(self._tick)
        self._ticker.start(cfg.tick, now=False).addErrback(
            lambda f: logger.error("Redis frontier tick failed: %s", f.getTraceback()))

    def close(self, reason: str) -> None:
        if self._ticker is not None and self._ticker.running:
            self._ticker.stop()
        if self._idle_call is not None and self._idle_call.active():
            self._idle_call.cancel()
        if self.frontier.lost:
            return
        try:
            self._release()
            if self.frontier.lost:  # the requests it had not sent were lost with it
                return
            n = self.frontier.requeue(keys=[self.cfg.queue_key, self._leases_key, self.cfg.key("workers"),
                                            self.cfg.key("worker", self.frontier.worker)],
                                      args=[self.frontier.worker, "1"])
            self.inner.close(reason)
        except self.frontier.errors as exc:
            logger.warning("Redis at %s: could not sign off (%s); the other workers will after "
                           "REDIS_WORKER_TIMEOUT", safe_url(self.cfg.url), exc)
            return
        if n:
            logger.info("%d requests not finished here put back on the shared queue", n)

    def has_pending_requests(self) -> bool:
        return not self.frontier.lost and (
            bool(self._popped) or bool(self._unsent)
            or self._call(self.inner.has_pending_requests, default=False))

    def enqueue_request(self, request: Request) -> bool:
        """Queued on Redis in one atomic step each (_ENQUEUE), but sent together: the requests a
        callback yields go in one pipelined round trip at the reactor's next turn, not one round
        trip each (a round trip waits on a redis-server that shares the crawl's cores). One seen
        in this batch already is refused here; one Redis had seen (another worker's, an earlier
        batch's) is refused when the batch is sent: `request_dropped` then, as Scrapy would have.
        Unsent requests are sent before anything that reads the queue or gives up a lease (a
        worker killed with some unsent keeps the lease of the page that found them: the page is
        fetched again, by another worker, and finds them again)."""
        if self.frontier.lost:
            self.stats.inc_value("redis/requests_lost")
            return False
        if not self._atomic:
            return self._call(self.inner.enqueue_request, request, default=False)
        df, queue = self.inner.df, self.inner.queue
        fingerprint = "" if request.dont_filter else df.request_fingerprint(request)
        if fingerprint and fingerprint in self._unsent_fps:
            df.log(request, self.spider)
            return False
        # (scrapy-redis's _encode_request, the callbacks found without inspect.getmembers on the
        # spider: ~0.15 ms a request); before anything is marked seen
        data = queue.serializer.dumps(request.to_dict(spider=_callbacks(request, self.spider)))
        self._unsent.append((request, fingerprint, -request.priority, data))
        if fingerprint:
            self._unsent_fps.add(fingerprint)
        if self._send_call is None:
            from twisted.internet import reactor

            self._send_call = reactor.callLater(0, self._send)
        return True

    def _send(self) -> None:
        """The unsent requests, in one pipelined round trip; never raises (a lost Redis is lost)."""
        if self._send_call is not None:
            if self._send_call.active():
                self._send_call.cancel()
            self._send_call = None
        unsent, self._unsent, self._unsent_fps = self._unsent, [], set()
        if not unsent:
            return
        if self.frontier.lost:
            self.stats.inc_value("redis/requests_lost", len(unsent))
            return
        df, queue_key = self.inner.df, self.inner.queue.key
        try:
            with self.frontier.server.pipeline(transaction=False) as pipe:
                for _, fingerprint, score, data in unsent:
                    self.frontier.enqueue(keys=[df.key, queue_key], args=[fingerprint, score, data],
                                          client=pipe)
                added = pipe.execute()
            self.stats.inc_value("redis/enqueue_round_trips")
        except self.frontier.errors as exc:
            self.stats.inc_value("redis/requests_lost", len(unsent))
            self.frontier.lose(exc)
            return
        for (request, *_), ok in zip(unsent, added, strict=True):
            if ok:
                self.stats.inc_value("scheduler/enqueued/redis")
            else:  # seen by Redis: refused, as scrapy-redis's enqueue_request would have
                df.log(request, self.spider)
                self.crawler.signals.send_catch_log(signal=signals.request_dropped, request=request,
                                                    spider=self.spider)

    def next_request(self) -> Request | None:
        if self.frontier.lost:
            return None
        if not self._leasing:
            return self._call(self.inner.next_request, default=None)
        if not self._popped:
            self._send()  # what this worker found first: the queue is read in priority order
            if self.frontier.lost:
                return None
            first = self._serial + 1
            try:
                popped = self.frontier.pop(keys=[self.cfg.queue_key, self._leases_key],
                                           args=[PREFETCH, first])
            except self.frontier.errors as exc:
                self.frontier.lose(exc)
                return None
            self._serial += len(popped)
            self._popped.extend((str(first + i), data) for i, data in enumerate(popped))
        if not self._popped:
            return None
        lease, data = self._popped.popleft()
        try:
            request = self.inner.queue._decode_request(data)
        except Exception as exc:  # noqa: BLE001 - unpickling raises EOFError, ImportError, anything
            self.stats.inc_value("redis/requests_undecodable")
            logger.error("Request %r... on the shared queue %s cannot be read here (%s: %s): dropped. "
                         "Are all workers running the same threadwarc?", bytes(data[:80]),
                         self.cfg.queue_key, type(exc).__name__, exc)
            self._call(self.frontier.server.hdel, self._leases_key, lease, default=None)
            return None
        self._leases[request] = lease
        self.stats.inc_value("scheduler/dequeued/redis")
        self._in_scope(request)
        return request

    # -- helpers ------------------------------------------------------------------------------

    def _call(self, fn: Any, *args: Any, default: Any) -> Any:
        try:
            return fn(*args)
        except self.frontier.errors as exc:
            self.frontier.lose(exc)
            return default

    def _in_scope(self, request: Request) -> None:
        """A request another worker found, on a host of a seed this one has not seen: the
        crawl's scope (every seed's host) is read again, once per such host."""
        spider = self.spider
        if (request.meta.get("allow_offsite") or not hasattr(spider, "in_scope")
                or spider.in_scope(request.url)):
            return
        host = urlsplit(request.url).hostname or ""
        if host not in self._hosts_refreshed:
            self._hosts_refreshed.add(host)
            self._call(self._adopt_hosts, default=None)

    def _adopt_hosts(self) -> None:
        hosts = {h.decode() if isinstance(h, bytes) else h
                 for h in self.frontier.server.smembers(self.cfg.key("hosts"))}
        if widen := getattr(self.spider, "widen_scope", None):
            widen(hosts)

    def _release(self) -> None:
        """Leases of requests the engine is done with (their responses handled, the requests
        they yielded queued) are dropped; the engine's own in-progress set says which. The
        requests they yielded are sent first."""
        self._send()
        if self.frontier.lost:
            return
        slot = getattr(self.crawler.engine, "_slot", None)
        inprogress = getattr(slot, "inprogress", ())
        done = [req for req in self._leases if req not in inprogress]
        if done:
            self.frontier.server.hdel(self._leases_key, *(self._leases.pop(req) for req in done))

    def _tick(self) -> None:
        """Never raises: an exception would stop the LoopingCall, and with it the heartbeat."""
        if self.frontier.lost or self.spider is None:
            return
        try:
            self._beat()
        except self.frontier.errors as exc:
            self.frontier.lose(exc)
        except Exception as exc:
            self.stats.inc_value("redis/tick_errors")
            if (what := f"{type(exc).__name__}: {exc}") not in self._tick_errors:  # once each
                self._tick_errors.add(what)
                logger.exception("Redis frontier: a tick failed (%s); the next runs as usual", what)

    def _beat(self) -> None:
        cfg, me = self.cfg, self.frontier.worker
        with self.frontier.server.pipeline(transaction=False) as pipe:
            pipe.set(cfg.key("worker", me), str(time.time()), px=int(cfg.worker_timeout * 1000))
            pipe.sadd(cfg.key("workers"), me)  # back in the list if another worker reaped this one
            pipe.execute()
        self._release()
        now = time.monotonic()
        if now - self._reaped_at >= cfg.worker_timeout / 4:
            self._reaped_at = now
            self._reap()
        engine = self.crawler.engine
        if engine is None or engine.spider is None:
            return
        if not engine.spider_is_idle():  # busy here, or requests queued (by anyone)
            self._drained_since = None
            if now - self._seeds_checked >= cfg.busy_seed_check:  # seeds pushed to a busy fleet
                self._seeds_checked = now  # (onto the shared queue: they take no room here)
                self._take_start_urls()
            if not engine.needs_backout():
                self._wake()  # room here: pop what the others queued, now
            return
        if self._take_start_urls():
            self._drained_since = None
            return
        if (left := self._drain_left(now)) is not None and left <= 0:
            self._wake()  # the idle check closes the spider

    def _drained(self) -> bool:
        """The whole crawl drained: nothing queued, no start URL waiting, no lease held (_DRAINED)."""
        cfg = self.cfg
        return bool(self.frontier.drained(keys=[cfg.queue_key, cfg.start_key, cfg.key("workers")],
                                          args=[cfg.key("leases", "")]))

    def _drain_left(self, now: float) -> float | None:
        """Whether the crawl is drained, noting since when: the seconds left before this worker
        may close (<= 0: now); None when it is not drained, or the worker never closes."""
        if not self._drained():
            self._drained_since = None
            return None
        self._drained_since = self._drained_since or now
        return self.cfg.max_idle - (now - self._drained_since) if self.cfg.max_idle else None

    def _poll_idle(self) -> None:
        """An idle worker's look at the shared crawl (from the idle signal, then again by itself
        until there is work): leases of finished requests given up, so the others see the crawl
        drained; work queued by another worker popped now; a crawl drained for
        MAX_IDLE_TIME_BEFORE_CLOSE closed now. The next look after IDLE_POLL, doubled each time
        (up to the tick), or when the drain time runs out. Never raises."""
        from twisted.internet import reactor

        self._idle_call = None
        engine, cfg = self.crawler.engine, self.cfg
        if (self.frontier.lost or engine is None or engine.spider is None
                or getattr(getattr(engine, "_slot", None), "closing", None) is not None):
            return
        try:
            self._release()
            if self.frontier.lost:
                return
            if not engine.spider_is_idle():  # requests on the shared queue (or here): pop them
                self._wake()
                return
            if (left := self._drain_left(time.monotonic())) is not None and left <= 0:
                self._wake()  # the idle check closes the spider
                return
        except self.frontier.errors as exc:
            self.frontier.lose(exc)
            return
        except Exception:  # a bug: the tick still looks, as before this poll existed
            logger.exception("Redis frontier: an idle worker's look failed; it looks again at the tick")
            return
        self._idle_wait = min(self._idle_wait * 2, cfg.tick)
        self._idle_call = reactor.callLater(self._idle_wait if left is None else min(self._idle_wait, left),
                                            self._poll_idle)

    def _wake(self) -> None:
        """The engine pops again now, not at its next 5 s heartbeat."""
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and getattr(slot, "closing", None) is None:
            slot.nextcall.schedule()

    def _reap(self) -> None:
        """Workers whose heartbeat expired: their leases back onto the queue."""
        s, cfg = self.frontier.server, self.cfg
        for raw in s.smembers(cfg.key("workers")):
            worker = raw.decode() if isinstance(raw, bytes) else raw
            if worker == self.frontier.worker:
                continue
            n = self.frontier.requeue(keys=[cfg.queue_key, cfg.key("leases", worker), cfg.key("workers"),
                                            cfg.key("worker", worker)], args=[worker, "0"])
            if n < 0:  # alive: its heartbeat is there (the script looks, atomically)
                continue
            self.stats.inc_value("redis/requests_recovered", n)
            logger.warning("Worker %s of crawl %r stopped beating: %d requests it held put back on "
                           "the queue", worker, cfg.crawl, n)

    def _take_start_urls(self) -> int:
        """Start URLs pushed to the crawl (`threadwarc seed`, `redis-cli lpush`), as scrapy-redis's
        RedisSpider reads them: a URL, or JSON with a "url" key (and "meta")."""
        s, cfg = self.frontier.server, self.cfg
        if cfg.start_as_set:
            datas = s.spop(cfg.start_key, cfg.batch) or []
        else:
            with s.pipeline() as pipe:
                pipe.lrange(cfg.start_key, 0, cfg.batch - 1)
                pipe.ltrim(cfg.start_key, cfg.batch, -1)
                datas, _ = pipe.execute()
        requests = []
        for data in datas:
            try:
                if (request := self._start_request(data)) is not None:
                    requests.append(request)
            except Exception as exc:  # noqa: BLE001 - one bad entry costs that entry, not the batch
                logger.warning("Start URL entry %r in %s cannot be crawled (%s: %s): skipped",
                               _text(data)[:200], cfg.start_key, type(exc).__name__, exc)
        if not requests:
            return 0
        if hosts := sorted({urlsplit(r.url).hostname or "" for r in requests} - {""}):
            s.sadd(cfg.key("hosts"), *hosts)
            if widen := getattr(self.spider, "widen_scope", None):
                widen(hosts)
        engine = self.crawler.engine
        for request in requests:
            engine.crawl(request)
        self.stats.inc_value("redis/start_urls", len(requests))
        logger.info("%d seeds taken from %s", len(requests), cfg.start_key)
        return len(requests)

    def _start_request(self, data: bytes | str) -> Request | None:
        text = _text(data)
        meta: dict[str, Any] = {}
        if text.lstrip().startswith("{"):
            try:
                parsed = json.loads(text)
                url, meta = str(parsed["url"]), dict(parsed.get("meta") or {})
            except (ValueError, KeyError, TypeError) as exc:
                logger.warning("Start URL entry %r in %s is not JSON with a \"url\": skipped (%s)",
                               text[:200], self.cfg.start_key, exc)
                return None
        else:
            url = text.strip()
        if not absolute_http(url):
            logger.warning("Start URL %r in %s is not an absolute http(s) URL: skipped", url[:200],
                           self.cfg.start_key)
            return None
        if make := getattr(self.spider, "seed_request", None):
            request = make(url)
            request.meta.update(meta)
            return request
        return Request(url, meta=meta)

    def _idle(self, spider: Spider) -> None:
        """Scrapy's idle check: a worker stays open while the shared crawl has work (here or
        at another worker), and MAX_IDLE_TIME_BEFORE_CLOSE seconds after it is drained."""
        if self.frontier.lost:
            return
        if self._idle_call is None:  # gone idle: look again soon, not at the next tick
            from twisted.internet import reactor

            self._idle_wait = IDLE_POLL
            self._idle_call = reactor.callLater(IDLE_POLL, self._poll_idle)
        cfg = self.cfg
        since = self._drained_since
        if not cfg.max_idle or since is None or time.monotonic() - since < cfg.max_idle:
            raise DontCloseSpider
        try:  # once more, now: seeds pushed since the last tick are not left behind
            self._release()
            if self.frontier.lost:
                return
            drained = self._drained()
        except self.frontier.errors as exc:
            self.frontier.lose(exc)
            return
        if not drained:
            self._drained_since = None
            raise DontCloseSpider
        logger.info("Crawl %r drained for %.1f s (MAX_IDLE_TIME_BEFORE_CLOSE): this worker closes",
                    cfg.crawl, time.monotonic() - self._drained_since)


def _text(data: bytes | str) -> str:
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def absolute_http(url: str) -> bool:
    """An absolute http(s) URL with a host, no whitespace; False for what urlsplit refuses
    (`http://[::1`)."""
    try:
        parts = urlsplit(url)
        return (parts.scheme in ("http", "https") and bool(parts.hostname)
                and not any(c.isspace() for c in url))
    except ValueError:
        return False


class SharedSlotMiddleware:
    """Per-site politeness that holds across processes: before a request to a site leaves,
    it takes the site's next free time from Redis (`<crawl>:slot:<site>`, moved on by the
    site's delay in one Lua step on Redis's clock) and waits until then, off the reactor's
    back (a timer). The delay is the one this process's downloader slot has for the site:
    DOWNLOAD_DELAY, or AutoThrottle's current one. N processes together then send a site no
    more than one process would; with no delay (0), no Redis call at all."""

    def __init__(self, crawler: Crawler, frontier: Frontier) -> None:
        self.crawler, self.frontier = crawler, frontier
        s = crawler.settings
        start = s.getfloat("AUTOTHROTTLE_START_DELAY") if s.getbool("AUTOTHROTTLE_ENABLED") else 0.0
        self.default_delay = max(s.getfloat("DOWNLOAD_DELAY"), start)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("REDIS_URL is not set")
        return cls(crawler, frontier_of(crawler))

    def _delay(self, request: Request) -> tuple[str, float]:
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        return key, (slot.delay if slot is not None else self.default_delay)

    async def process_request(self, request: Request) -> None:
        if self.frontier.lost:
            return
        key, delay = self._delay(request)
        if delay <= 0:
            return
        ttl = int(max(delay * 1000 * 10, 60_000))
        try:
            wait_us = self.frontier.reserve(keys=[self.frontier.cfg.key("slot", key)],
                                            args=[int(delay * 1_000_000), ttl])
        except self.frontier.errors as exc:
            self.frontier.lose(exc)
            return
        if wait_us > 0:
            from scrapy.utils.defer import maybe_deferred_to_future
            from twisted.internet import reactor
            from twisted.internet.task import deferLater

            self.stats.inc_value("redis/slot_waits")
            await maybe_deferred_to_future(deferLater(reactor, wait_us / 1_000_000, lambda: None))


def push_seeds(s: BaseSettings, urls: Iterable[str], spider_name: str = "thread") -> tuple[str, int]:
    """`threadwarc seed`: URLs onto the crawl's start-URL key; (the key, how many)."""
    cfg = FrontierConfig.from_settings(s, spider_name)
    client = connect(s)
    urls = list(urls)
    if cfg.start_as_set:
        client.sadd(cfg.start_key, *urls)
    else:
        client.rpush(cfg.start_key, *urls)
    return cfg.start_key, len(urls)
