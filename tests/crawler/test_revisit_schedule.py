"""Threads that keep growing: scheduled crawls into one WARC_DIR re-visit known threads on
their schedule, fetch only what changed, and stop when the schedule is done.

The demo site is served here (demosite.serve, a real HTTP server on 127.0.0.1) so that its
threads can grow between runs the way real ones do: the old comments stay, new ones come
later (a later Last-Modified), some of them replies landing on earlier thread pages. The
site keeps its port from run to run: article keys are URLs, port included."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from demosite import build_site, serve
from demosite.content import grown
from tests.conftest import CRAWL_ENV, Run, crawl_command, crawl_folder, crawls_at_once, run_crawl
from tests.warc_utils import scrapy_stat

STATE = "threadwarc-state.sqlite3"
GROWN = (0, 2)  # the articles whose threads gain comments between run 2 and run 3
LATE = 60  # comments each of them gains


def crawl(warc_dir: Path, seeds: list[str], *settings: str) -> Run:
    args = [a for s in settings for a in ("-s", s)]
    return crawl_folder(warc_dir, "-a", f"start_urls={','.join(seeds)}", *args)


def thread_urls(truth: dict[str, Any]) -> tuple[set[str], set[str], set[str]]:
    """(article URLs, their other thread pages, comment permalinks) of a site's truth."""
    arts = truth["articles"]
    return ({a["url"] for a in arts}, {p for a in arts for p in a["thread_pages"][1:]},
            {p for a in arts for p in a["permalinks"]})


def state_rows(path: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


@dataclass
class Schedule:
    before: dict[str, Any]  # the site's truth for runs 1 and 2
    after: dict[str, Any]  # after its threads grew: runs 3 and 4
    runs: list[Run]
    first_seen: dict[str, float]  # per article key, after run 1
    after_run1: list[tuple[Any, ...]]  # (key, revisits, next_due - first_seen) after run 1
    thread_pages_run1: set[str]  # the thread pages the state holds after run 1
    state: Path


@pytest.fixture(scope="module")
def schedule(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Schedule]:
    """Run 1 and 2 (default schedule: first revisit after 1h) on the site; its threads grow;
    runs 3 and 4 with THREAD_REVISIT_SCHEDULE=0s: due at once, once."""
    tmp = tmp_path_factory.mktemp("schedule")
    warc_dir = tmp / "warc"
    site = build_site()
    server = serve("127.0.0.1", 0, site, slow_seconds=0)
    port, before = server.server_port, server.truth
    seeds = list(before["seeds"].values())
    try:
        runs = [crawl(warc_dir, seeds)]
        state = warc_dir / STATE
        first_seen = dict(state_rows(state, "SELECT key, first_seen FROM articles"))
        rows = state_rows(state, "SELECT key, revisits, next_due - first_seen FROM articles")
        pages = {u for (u,) in state_rows(state, "SELECT url FROM pages WHERE kind = 'thread'")}
        runs.append(crawl(warc_dir, seeds))
        server.stop()
        server = serve("127.0.0.1", port, grown(site, GROWN, LATE), slow_seconds=0)
        after = server.truth
        runs += [crawl(warc_dir, seeds, "THREAD_REVISIT_SCHEDULE=0s") for _ in range(2)]
        yield Schedule(before, after, runs, first_seen, rows, pages, state)
    finally:
        server.stop()


def test_the_first_run_archives_every_thread_and_remembers_it(schedule):
    run = schedule.runs[0]
    articles, pages, permalinks = thread_urls(schedule.before)
    missing = (articles | pages | permalinks) - run.fetched
    assert not missing, sorted(missing)[:5]
    keys = {k for k, _, _ in schedule.after_run1}
    assert articles <= keys
    assert run.stat("thread/articles_new") == len(keys)
    # first revisit 1h after the first capture
    assert {(r, d) for _, r, d in schedule.after_run1} == {(0, 3600.0)}
    assert schedule.thread_pages_run1 == pages


def test_a_known_article_that_is_not_due_is_not_fetched_again(schedule):
    run = schedule.runs[1]
    articles, pages, permalinks = thread_urls(schedule.before)
    assert not run.fetched & (articles | pages | permalinks)
    assert run.stat("thread/articles") == 0
    assert run.stat("thread/revisit_not_due") >= len(articles)  # each link to one, counted
    assert run.stat("downloader/response_count") < 20  # the discovery pages only
    assert "links to known articles not followed: " in run.log


def test_a_due_thread_is_fetched_again_with_only_its_new_permalinks(schedule):
    run = schedule.runs[2]
    _, _, old_permalinks = thread_urls(schedule.before)
    articles, pages, permalinks = thread_urls(schedule.after)
    new = permalinks - old_permalinks
    assert len(new) == LATE * len(GROWN)
    fetched = run.fetched
    assert articles <= fetched
    assert pages <= fetched  # every thread page, the new ones with them
    assert fetched & permalinks == new  # no permalink archived before is asked again
    assert run.stat("thread/articles_revisited") == len(schedule.first_seen)
    assert run.stat("thread/revisit_new_permalinks") == len(new)
    new_pages = pages - schedule.thread_pages_run1
    assert len(new_pages) == 2  # the big thread's 5th page and the small one's 2nd
    assert run.stat("thread/revisit_new_thread_pages") == len(new_pages)


def test_a_thread_whose_schedule_is_done_is_never_fetched_again(schedule):
    run = schedule.runs[3]
    articles, pages, permalinks = thread_urls(schedule.after)
    assert not run.fetched & (articles | pages | permalinks)
    assert run.stat("thread/revisit_done") >= len(articles)
    assert run.stat("thread/revisit_not_due") == 0


def test_the_state_after_the_schedule(schedule):
    rows = state_rows(schedule.state, "SELECT key, first_seen, revisits, next_due FROM articles")
    assert {k: f for k, f, _, _ in rows} == schedule.first_seen  # counted from the first capture
    assert {(r, d) for _, _, r, d in rows} == {(1, None)}
    truth = {a["url"]: a for a in schedule.after["articles"]}
    counts = dict(state_rows(schedule.state, "SELECT key, comment_count FROM articles"))
    assert {k: counts[k] for k in truth} == {k: a["comment_count"] for k, a in truth.items()}
    check = state_rows(schedule.state, "PRAGMA integrity_check")
    assert check == [("ok",)]


def test_revisit_off_crawls_every_article_as_new(schedule):
    """THREAD_REVISIT=0: the state is neither read nor written."""
    warc_dir = schedule.state.parent  # the site of runs 3 and 4 still serves them
    articles, pages, _ = thread_urls(schedule.after)
    untouched = schedule.state.stat().st_mtime_ns
    off = crawl(warc_dir, list(schedule.after["seeds"].values()), "THREAD_REVISIT=0")
    assert (articles | pages) <= off.fetched
    assert "No crawl state: THREAD_REVISIT is off" in off.log
    assert schedule.state.stat().st_mtime_ns == untouched


def test_a_bad_schedule_stops_the_crawl_before_it_starts(tmp_path):
    result = run_crawl(tmp_path / "warc", "-a", "start_urls=http://127.0.0.1:9/",
                       "-s", "THREAD_REVISIT_SCHEDULE=1h,soon")
    assert result.returncode == 2
    errors = [line for line in result.log.splitlines() if " ERROR: " in line]
    assert len(errors) == 1
    assert "THREAD_REVISIT_SCHEDULE: 'soon' is not an interval" in errors[0]


def test_two_crawls_share_one_state(tmp_path):
    """Two crawls at once, one state file (THREAD_STATE: not in their WARC_DIRs): both finish,
    no write is lost to the other's lock."""
    server = serve("127.0.0.1", 0, build_site(), slow_seconds=0)
    state = tmp_path / "shared.sqlite3"
    seeds = ",".join(server.truth["seeds"].values())
    try:
        codes, logs = crawls_at_once(tmp_path, *(
            crawl_command(tmp_path / f"warc{i}", "-a", f"start_urls={seeds}",
                          "-s", f"THREAD_STATE={state}", "-s", "THREAD_STATE_FLUSH_SECONDS=0.05")
            for i in range(2)), timeout=120)
        truth = server.truth
    finally:
        server.stop()
    assert codes == [0, 0], logs[0][-2000:] + logs[1][-2000:]
    for log in logs:
        assert "not written yet" not in log
        assert scrapy_stat(log, "thread/state_write_errors") == 0
    articles, pages, permalinks = thread_urls(truth)
    keys = {k for (k,) in state_rows(state, "SELECT key FROM articles")}
    assert articles <= keys
    stored = {u for (u,) in state_rows(state, "SELECT url FROM pages WHERE kind != 'article'")}
    assert (pages | permalinks) <= stored
    assert not list(tmp_path.glob(f"warc*/{STATE}"))


def test_a_killed_crawl_keeps_what_it_committed(tmp_path):
    """SIGKILL after a flush: the state holds what was committed and is a sound database."""
    server = serve("127.0.0.1", 0, build_site(), slow_seconds=60)  # one article never comes
    warc_dir = tmp_path / "warc"
    cmd = crawl_command(warc_dir, "-a", f"start_urls={server.truth['seeds']['index']}",
                        "-s", "THREAD_STATE_FLUSH_SECONDS=0.1", "-s", "LOG_LEVEL=DEBUG")
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=CRAWL_ENV,
                            start_new_session=True)
    try:
        assert proc.stderr is not None
        committed = 0  # pages
        for line in proc.stderr:  # the crawl waits on the slow article: no end before the kill
            if m := re.search(r"Crawl state: \d+ articles, (\d+) pages committed", line):
                committed += int(m.group(1))
                if committed >= 100:
                    break
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stderr.close()
    finally:
        server.stop()
    assert committed >= 100
    state = warc_dir / STATE
    assert state_rows(state, "PRAGMA integrity_check") == [("ok",)]
    (pages,), = state_rows(state, "SELECT count(*) FROM pages")
    assert pages >= committed  # more, if one more flush came before the kill
    orphans = state_rows(state, "SELECT count(*) FROM pages WHERE key NOT IN (SELECT key FROM articles)")
    assert orphans == [(0,)]  # an article's row is committed with its first pages
