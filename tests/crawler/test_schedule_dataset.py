"""The dataset follows the archive across scheduled runs: three runs into one WARC_DIR over a
site whose threads grow (and lose a comment) publish what one fresh crawl of the final site
publishes, plus the removed comment, kept and marked."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from demosite import build_site, serve
from demosite.content import Site, grown
from tests.conftest import run_crawl
from tests.pipelines.publishing.test_publish import load

SCHEDULE = "THREAD_REVISIT_SCHEDULE=0s,0s"  # every run re-visits every known thread


def without_a_comment(site: Site, article: int) -> tuple[Site, int]:
    """The site with one early reply-less comment of `article` deleted (not its newest: the
    thread's Last-Modified must not go back)."""
    a = site.articles[article]
    parents = {c.pid for c in a.comments}
    gone = next(c for c in a.comments[1:-1] if c.cid not in parents)
    articles = list(site.articles)
    articles[article] = replace(a, comments=tuple(c for c in a.comments if c.cid != gone.cid))
    return replace(site, articles=tuple(articles)), gone.cid


@dataclass
class Outcome:
    scheduled: list[dict[str, Any]]  # comments after run 3
    fresh: list[dict[str, Any]]  # comments of one crawl of the final site
    removed: int  # the comment deleted before run 2


def crawl(warc: Path, dataset: Path, seeds: list[str], *settings: str) -> None:
    args = [a for s in settings for a in ("-s", s)]
    result = run_crawl(warc, "-a", f"start_urls={','.join(seeds)}", "-s", f"DATASET_DIR={dataset}", *args)
    assert result.returncode == 0, result.log[-3000:]


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory, hf_home: Path) -> Iterator[Outcome]:
    tmp = tmp_path_factory.mktemp("schedule-dataset")
    site = build_site()
    server = serve("127.0.0.1", 0, site, slow_seconds=0)
    port = server.server_port
    seeds = list(server.truth["seeds"].values())
    try:
        crawl(tmp / "warc", tmp / "ds", seeds, SCHEDULE)  # run 1
        server.stop()
        shrunk, removed = without_a_comment(site, 1)
        site = grown(shrunk, (0, 1), 20)  # article 1 loses a comment and gains 20
        server = serve("127.0.0.1", port, site, slow_seconds=0)
        crawl(tmp / "warc", tmp / "ds", seeds, SCHEDULE)  # run 2
        server.stop()
        site = grown(site, (2,), 30)
        server = serve("127.0.0.1", port, site, slow_seconds=0)
        crawl(tmp / "warc", tmp / "ds", seeds, SCHEDULE)  # run 3
        crawl(tmp / "fresh-warc", tmp / "fresh-ds", seeds)  # one crawl of the final site
        yield Outcome(load(tmp / "ds", "comments", hf_home), load(tmp / "fresh-ds", "comments", hf_home),
                      removed)
    finally:
        server.stop()


def fields(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["article_url"], row["comment_id"], row["parent_id"], row["author"], row["text"],
            row["depth"], row["published"])


def test_three_runs_publish_what_one_fresh_crawl_of_the_final_site_does(outcome):
    kept = [r for r in outcome.scheduled if r["removed_at"] is None]
    assert sorted(map(fields, kept)) == sorted(map(fields, outcome.fresh))
    assert len({(r["article_url"], r["comment_id"]) for r in outcome.scheduled}) == len(outcome.scheduled)


def test_the_removed_comment_is_kept_and_marked(outcome):
    [gone] = [r for r in outcome.scheduled if r["removed_at"] is not None]
    assert gone["comment_id"] == str(outcome.removed)
    assert gone["first_seen"] <= gone["last_seen"] < gone["removed_at"]
    assert gone["comment_id"] not in {r["comment_id"] for r in outcome.fresh}


def test_rows_say_which_run_first_and_last_saw_them(outcome):
    crawls = {r["first_crawl"] for r in outcome.scheduled}
    assert len(crawls) == 3  # the old comments, run 2's and run 3's newcomers
    old = [r for r in outcome.scheduled if r["removed_at"] is None and r["first_crawl"] == min(crawls)]
    assert old
    assert {r["last_crawl"] for r in old} == {max(r["last_crawl"] for r in outcome.scheduled)}
