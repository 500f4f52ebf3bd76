"""robots.txt is obeyed for every request, also for the ones that reach a host while its
robots.txt is still being fetched: several seeds on one site, a resumed or shared queue, a
page's requisites on a CDN. Scrapy 2.19's RobotsTxtMiddleware gave the rules to the first
waiting request only and let the others through (crawler/middlewares.py)."""

from __future__ import annotations

import http.server
import time
from collections.abc import Iterator

import pytest

from tests.conftest import answer, run_crawl, serving
from tests.warc_utils import read_records, scrapy_stat

PAGES = 8


class SlowRobotsSite(http.server.BaseHTTPRequestHandler):
    """Pages under /public/ and /private/; robots.txt forbids /private/ and is slow to come."""

    fetched: list[str] = []  # noqa: RUF012 - the class is the server's shared state

    def do_GET(self) -> None:
        SlowRobotsSite.fetched.append(self.path)
        if self.path == "/robots.txt":
            # a site slow to answer: the seeds' requests all wait for its rules meanwhile
            time.sleep(0.5)  # noqa: TID251 - the server's latency, not the test's synchronisation
            body, ctype = b"User-agent: *\nDisallow: /private/\n", "text/plain"
        elif self.path.startswith(("/public/", "/private/")):
            body = f"<html><head><title>{self.path}</title></head><body><p>{self.path}</p></body></html>"
            body, ctype = body.encode(), "text/html; charset=utf-8"
        else:
            self.send_error(404)
            return
        answer(self, body, ctype)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def slow_robots_site() -> Iterator[str]:
    SlowRobotsSite.fetched = []
    with serving(SlowRobotsSite) as base:
        yield base


def test_every_request_waiting_for_robots_txt_gets_its_rules(slow_robots_site, tmp_path):
    seeds = [f"{slow_robots_site}/{kind}/{i}" for i in range(PAGES) for kind in ("private", "public")]
    run = run_crawl(tmp_path / "warc", "-a", f"start_urls={','.join(seeds)}",
                    "-s", "CONCURRENT_REQUESTS=16", "-s", "WARC_PAGE_REQUISITES=False")
    archived = {r.url for r in read_records(sorted(run.warc_dir.glob("*.warc.gz"))) if r.type == "response"}
    assert not [u for u in archived if "/private/" in u], sorted(archived)
    assert not [p for p in SlowRobotsSite.fetched if p.startswith("/private/")]
    assert {f"{slow_robots_site}/public/{i}" for i in range(PAGES)} <= archived
    assert scrapy_stat(run.log, "robotstxt/forbidden") == PAGES
    assert scrapy_stat(run.log, "robotstxt/request_count") == 1
