"""`threadwarc seed URL...`: new seeds for a crawl shared through Redis, while its workers run.

The URLs go onto the crawl's start-URL key (scrapy-redis's REDIS_START_URLS_KEY, by default
`<crawl>:start_urls`), as `redis-cli rpush thread:start_urls URL` would put them; an idle worker
takes them within a second, a busy one within 5 seconds. Exit codes: 0 queued, 2 a usage error
(no REDIS_URL, no URL, a URL not absolute http(s), a bad setting) or Redis unreachable.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import NotConfigured, UsageError

from crawler.cli import CommandMixin

if TYPE_CHECKING:
    import argparse

NOT_QUEUED = 2


class Command(CommandMixin, ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}  # its one line is the output

    def syntax(self) -> str:
        return "URL [URL...] -s REDIS_URL=redis://HOST:PORT/DB [-s REDIS_CRAWL=NAME]"

    def short_desc(self) -> str:
        return "Add seeds to a crawl shared through Redis (its running workers take them)"

    def long_desc(self) -> str:
        return ("Queues the URLs as seeds of the crawl that the workers started with the same\n"
                "REDIS_URL (and REDIS_CRAWL, default: thread) share: a worker waiting for work takes\n"
                "them at once, and each is crawled as a seed given with -a start_urls (a URL the\n"
                "crawl has already fetched is not fetched again).")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if not args:
            raise UsageError("name at least one URL to queue", print_help=False)
        from crawler.frontier import absolute_http

        if bad := [u for u in args if not absolute_http(u)]:
            raise UsageError(f"not an absolute http(s) URL: {bad[0]!r}", print_help=False)
        if not self.settings.get("REDIS_URL"):
            raise UsageError("-s REDIS_URL=redis://HOST:PORT/DB names the crawl's Redis server",
                             print_help=False)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        from crawler.frontier import push_seeds, redis_problem, safe_url

        try:
            problem = redis_problem(self.settings)
        except NotConfigured as exc:
            problem = str(exc)
        if problem:
            print(f"seed: not queued: {problem}", file=sys.stderr)
            self.exitcode = NOT_QUEUED
            return
        import redis

        try:
            key, n = push_seeds(self.settings, dict.fromkeys(args))
        except redis.RedisError as exc:  # gone since it answered: still not queued, still exit 2
            print(f"seed: not queued: Redis at {safe_url(self.settings['REDIS_URL'])}: {exc}",
                  file=sys.stderr)
            self.exitcode = NOT_QUEUED
            return
        print(f"Queued {n} seed{'s' if n != 1 else ''} on {key}")
