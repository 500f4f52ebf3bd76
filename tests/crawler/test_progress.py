"""Progress lines, the run's stats JSON and crawl log beside its WARCs (crawler/progress.py),
and the trap and off-site counters, from real crawls of the demo site."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import CRAWL_ENV, CrawlResult, DemoSite, crawl_command, run_crawl
from tests.warc_utils import Rec, read_records, scrapy_stat

STAMP = r"threadwarc-(\d{17})-"
N = r"[\d,]+"  # thousands separated by commas
PROGRESS = re.compile(
    rf"INFO: Progress(?P<when>[^:]*): articles (?P<found>{N}) found, (?P<done>{N}) done \| "
    rf"thread pages (?P<thread_done>{N})/(?P<thread_queued>{N}) \| "
    rf"permalinks (?P<perma_done>{N})/(?P<perma_queued>{N}) \| requisites (?P<requisites>{N}) \| "
    rf"other pages (?P<other>{N}) \| "
    rf"revisits (?P<revisits>{N}) \| errors (?P<errors>{N}) \| skipped (?P<traps>{N}) traps, "
    rf"(?P<offsite>{N}) off-site \| archived (?P<responses>{N}) responses, [\d,.]+ MB \({N}/min\)$")


def numbers(m: re.Match[str]) -> dict[str, int]:
    return {k: int(v.replace(",", "")) for k, v in m.groupdict().items() if k != "when"}


@pytest.fixture(scope="module")
def crawl(demo_site: DemoSite, tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    tmp = tmp_path_factory.mktemp("progress")
    seeds = demo_site.truth["seeds"]
    result = run_crawl(tmp / "warc", "-a", f"start_urls={seeds['index']},{seeds['rss']},{seeds['sitemap']}",
                       "-s", "LOG_LEVEL=DEBUG")
    assert result.returncode == 0, result.log[-3000:]
    return result


@pytest.fixture(scope="module")
def records(crawl: CrawlResult) -> list[Rec]:
    return read_records(crawl.warcs)


def report_files(warc_dir: Path) -> tuple[dict, list[list[str]]]:
    [stats] = warc_dir.glob("*-stats.json")
    [log] = warc_dir.glob("*-crawl.log")
    assert re.fullmatch(STAMP + "stats.json", stats.name)
    assert stats.name.removesuffix("stats.json") == log.name.removesuffix("crawl.log")  # one run
    return json.loads(stats.read_text()), [line.split(" ") for line in log.read_text().splitlines()]


def fetches(records: list[Rec]) -> list[Rec]:
    """What the crawl log has a line for: each response (as a response or a revisit record)
    and each fetch with no response (a metadata record)."""
    return [r for r in records if r.type in ("response", "revisit", "metadata")]


def columns(lines: list[list[str]]) -> list[list[str]]:
    """crawl.log lines pad status and size to columns (as Heritrix does): the fields alone."""
    return [[field for field in line if field] for line in lines]


def test_the_crawl_log_has_one_line_per_fetch_as_the_warc_has(crawl, records, demo_site):
    _, lines = report_files(crawl.warc_dir)
    rows = columns(lines)
    assert len(rows) == len(fetches(records)) > 300
    assert all(len(row) == 9 for row in rows)
    times = [row[0] for row in rows]
    assert times == sorted(times)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", t) for t in times)
    http = [row for row in rows if int(row[1]) > 0]
    logged = Counter((url, int(status), digest) for _, status, _, digest, url, *_ in http)
    archived = Counter((r.url, int(r.statusline.split()[0]), r.headers["WARC-Payload-Digest"])
                       for r in records if r.type in ("response", "revisit"))
    assert logged == archived  # the digest: sha1 of the payload, as the WARC record's
    sizes = Counter((url, int(size)) for _, _, size, _, url, *_ in http)
    assert not Counter((r.url, len(r.payload)) for r in records if r.type == "response") - sizes
    failed = {r.url for r in records if r.type == "metadata"}
    assert {url for _, status, _, _, url, *_ in rows if int(status) < 0} == failed


def test_the_crawl_log_says_how_each_page_was_found(crawl, demo_site):
    _, lines = report_files(crawl.warc_dir)
    by_kind: dict[str, set[str]] = {}
    for _, _, _, _, url, kind, *_ in columns(lines):
        by_kind.setdefault(kind, set()).add(url)
    truth = demo_site.truth
    assert by_kind["seed"] == set(truth["seeds"].values())
    assert by_kind["robots"] == {demo_site.url("/robots.txt")}
    assert by_kind["thread"] == {p for a in truth["articles"] for p in a["thread_pages"][1:]}
    assert by_kind["permalink"] >= {p for a in truth["articles"] for p in a["permalinks"]}
    assert by_kind["article"] >= {a["url"] for a in truth["articles"]}
    referers = {url: ref for _, _, _, _, url, kind, ref, *_ in columns(lines) if kind == "thread"}
    assert set(referers.values()) <= by_kind["article"]  # every page of a Drupal thread: from its article


def test_the_stats_json_adds_up_with_the_warc(crawl, records, demo_site):
    stats, lines = report_files(crawl.warc_dir)
    assert (stats["exit_code"], stats["exit_meaning"], stats["finish_reason"]) == (0, "finished", "finished")
    assert stats["records"] == len(records) == scrapy_stat(crawl.log, "warc/records")
    responses = [r for r in records if r.type in ("response", "revisit")]
    assert stats["pages"] == len(responses) == sum(stats["pages_by_kind"].values())
    assert sum(stats["status_counts"].values()) == stats["pages"]
    assert stats["revisits"] == len([r for r in records if r.type == "revisit"])
    assert stats["crawl_log_lines"] == len(lines)
    assert stats["warc_files"] == [p.name for p in crawl.warcs]
    assert stats["bytes"]["warc"] == sum(p.stat().st_size for p in crawl.warcs)
    assert stats["articles"] == scrapy_stat(crawl.log, "thread/articles")
    assert stats["seeds"] == 3
    assert stats["errors"]["http"] == {"404": 1, "500": 1}  # the demo's 404 and 500 (retried twice)
    assert stats["errors"]["retries"] == 2
    assert stats["dataset"] is None


def test_traps_and_off_site_links_are_counted_once_and_never_fetched(crawl, demo_site):
    _, lines = report_files(crawl.warc_dir)
    fetched = {url for _, _, _, _, url, *_ in columns(lines)}
    traps = re.findall(r"DEBUG: Trap, not followed: (\S+)", crawl.log)
    offsite = re.findall(r"DEBUG: Off-site, not followed: (\S+)", crawl.log)
    assert len(traps) == len(set(traps)) == scrapy_stat(crawl.log, "thread/traps_skipped")
    assert len(offsite) == len(set(offsite)) == scrapy_stat(crawl.log, "thread/offsite_skipped")
    # every trap the demo site sets, but the calendar's next month: linked from the calendar only
    assert set(demo_site.truth["traps"]) - set(traps) == {demo_site.url("/calendar/2018-03")}
    assert len(traps) > 50  # reply links and author profiles of every comment too
    assert demo_site.truth["special"]["offsite_in_sitemap"] in offsite
    assert not (set(traps) | set(offsite)) & fetched


def test_the_last_progress_line_adds_up(crawl):
    final = [m for line in crawl.log.splitlines() if (m := PROGRESS.search(line)) and "at the end" in line]
    assert len(final) == 1
    assert final[0]["when"] == " at the end (finished)"
    p = numbers(final[0])
    assert p["found"] == p["done"] == scrapy_stat(crawl.log, "thread/articles")
    assert p["thread_done"] == p["thread_queued"] == scrapy_stat(crawl.log, "thread/thread_pages")
    assert p["perma_done"] == p["perma_queued"] == scrapy_stat(crawl.log, "thread/permalinks")
    assert p["requisites"] == scrapy_stat(crawl.log, "thread/requisites") > 0
    assert p["responses"] == scrapy_stat(crawl.log, "downloader/response_count")
    assert p["errors"] == 2  # the 404 and the 500
    assert p["traps"] == scrapy_stat(crawl.log, "thread/traps_skipped")


def test_progress_lines_come_while_it_runs_and_ctrl_c_exits_4(demo_site, tmp_path):
    warc_dir = tmp_path / "warc"
    cmd = crawl_command(warc_dir, "-a", f"start_urls={demo_site.truth['seeds']['sitemap']}",
                        "-s", "THREAD_PROGRESS_INTERVAL=0.5", "-s", "DOWNLOAD_DELAY=0.05",
                        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=CRAWL_ENV)
    assert proc.stderr is not None
    seen, lines = [], []
    for line in proc.stderr:
        seen.append(line)
        if m := PROGRESS.search(line.rstrip("\n")):
            lines.append(m)
            # until one shows more pages than the first: two lines 0.5 s apart can show the same
            # count while the demo site's slow page (0.5 s) is the one request in flight
            if numbers(m)["responses"] > numbers(lines[0])["responses"] or len(lines) == 20:
                break
    assert len(lines) >= 2, "".join(seen)[-3000:]
    proc.send_signal(signal.SIGINT)  # Ctrl-C
    rest = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 4
    first, last = (numbers(m)["responses"] for m in (lines[0], lines[-1]))
    assert first < last  # it moves, while the crawl runs
    assert all(m["when"] == "" for m in lines)
    log = "".join(seen) + rest
    assert "INFO: Progress at the end (shutdown): " in log
    assert log.strip().splitlines()[-1].endswith(
        "ERROR: Crawl ended early: stopped before its end (shutdown); the archive holds what was "
        "fetched (exit code 4)")
    stats, crawl_log = report_files(warc_dir)
    assert (stats["exit_code"], stats["finish_reason"]) == (4, "shutdown")
    assert len(crawl_log) == len(fetches(read_records(sorted(warc_dir.glob("*.warc.gz")))))
