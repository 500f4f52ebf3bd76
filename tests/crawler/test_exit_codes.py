"""Exit codes a scheduler can use (crawler/commands/crawl.py): real crawls, both entry points.

0 finished; 1 archive or publish failed; 2 not started (usage, seed, configuration);
3 nothing archived or every seed failed; 4 ended early.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CRAWL_ENV, ROOT, DemoSite, crawl_command
from tests.warc_utils import BIN, scrapy_stat

ENTRY_POINTS = {
    # `scrapy crawl` inside the repository (scrapy.cfg), `threadwarc crawl` from anywhere
    "scrapy": lambda warc_dir: [str(BIN / "scrapy"), *crawl_command(warc_dir)[3:]],
    "threadwarc": lambda warc_dir: [str(BIN / "threadwarc"), *crawl_command(warc_dir)[3:]],
}


def crawl(tmp_path: Path, *args: str, entry: str = "threadwarc", warc_dir: Path | None = None
          ) -> subprocess.CompletedProcess[str]:
    warc_dir = warc_dir or tmp_path / "warc"
    cwd = ROOT if entry == "scrapy" else tmp_path
    return subprocess.run([*ENTRY_POINTS[entry](warc_dir), *args], capture_output=True, text=True,
                          cwd=cwd, env=CRAWL_ENV, timeout=120)


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on: bound by us, then let go."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def last_line(proc: subprocess.CompletedProcess[str]) -> str:
    return proc.stderr.strip().splitlines()[-1]


def errors(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in proc.stderr.splitlines() if " ERROR: " in line]


def run_stats(warc_dir: Path) -> dict:
    [path] = warc_dir.glob("*-stats.json")
    return json.loads(path.read_text())


def assert_not_started(proc: subprocess.CompletedProcess[str], message: str) -> None:
    """Exit 2, one error line (the last), no traceback, not one request."""
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert errors(proc) == [last_line(proc)]
    assert last_line(proc).endswith(f"ERROR: Not crawling: {message}"), last_line(proc)
    assert "Traceback" not in proc.stderr
    assert "Task exception was never retrieved" not in proc.stderr
    assert scrapy_stat(proc.stderr, "downloader/request_count") is None


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_a_missing_seeds_file_is_one_line_and_exit_2(tmp_path, entry):
    proc = crawl(tmp_path, "-a", f"seeds={tmp_path}/nonexistent.txt", entry=entry)
    assert_not_started(proc, f"cannot read seeds file {tmp_path}/nonexistent.txt: "
                             "No such file or directory")


def test_the_traceback_of_a_seed_error_is_at_debug_only(tmp_path):
    proc = crawl(tmp_path, "-a", f"seeds={tmp_path}", "-L", "DEBUG")
    assert proc.returncode == 2
    assert f"ERROR: Not crawling: cannot read seeds file {tmp_path}: Is a directory" in proc.stderr
    assert "Traceback" in proc.stderr
    assert "DEBUG: The crawl could not start" in proc.stderr


@pytest.mark.parametrize(("lines", "message"), [
    ("not a url\nftp://example.org/file\nhttp:///no-host\n",
     "no usable seed: all 3 given are malformed (not absolute http(s) URLs, see above)"),
    ("# only comments\n\n   \n",
     "no seeds: pass -a start_urls=URL[,URL...] or -a seeds=FILE ({seeds} holds no URL)"),
    (b"\xff\xfe http://example.org/\n",
     "cannot read seeds file {seeds}: not UTF-8 text (invalid start byte at byte 0)"),
], ids=["all-malformed", "no-url", "not-utf8"])
def test_seeds_that_give_nothing_to_crawl_exit_2(tmp_path, lines, message):
    seeds = tmp_path / "seeds.txt"
    if isinstance(lines, bytes):
        seeds.write_bytes(lines)
    else:
        seeds.write_text(lines)
    proc = crawl(tmp_path, "-a", f"seeds={seeds}")
    assert_not_started(proc, message.format(seeds=seeds))
    if "malformed" in message:  # each bad line was named before
        assert len(re.findall(r"WARNING: Skipping seed .*: not an absolute http\(s\) URL", proc.stderr)) == 3


def test_a_bad_setting_is_one_line_and_exit_2(tmp_path, demo_site: DemoSite):
    proc = crawl(tmp_path, "-a", f"start_urls={demo_site.truth['seeds']['rss']}",
                 "-s", "THREAD_PROGRESS_INTERVAL=-1")
    assert_not_started(proc, "the crawl could not start: ValueError: THREAD_PROGRESS_INTERVAL must "
                             "be a number of seconds >= 0 (0: no progress line), got -1.0 (the "
                             "traceback: -L DEBUG)")


def test_an_unknown_spider_is_one_line_and_exit_2(tmp_path):
    proc = subprocess.run([str(BIN / "threadwarc"), "crawl", "nosuchspider",
                           "-s", f"WARC_DIR={tmp_path / 'warc'}"],
                          capture_output=True, text=True, cwd=tmp_path, env=CRAWL_ENV, timeout=60)
    assert_not_started(proc, "Spider not found: nosuchspider")


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_an_unreachable_host_exits_3(tmp_path, entry):
    proc = crawl(tmp_path, "-a", f"start_urls=http://127.0.0.1:{closed_port()}/", "-s", "RETRY_TIMES=0",
                 entry=entry)
    assert proc.returncode == 3, proc.stderr[-3000:]
    assert last_line(proc).endswith(
        "ERROR: Crawl failed: nothing archived: not one response was received (exit code 3)")
    # no trace of ours (Scrapy's RobotsTxtMiddleware logs one for the robots.txt it could not get)
    assert "crawler/commands/" not in proc.stderr
    assert "crawler/spiders/" not in proc.stderr
    stats = run_stats(tmp_path / "warc")
    assert (stats["exit_code"], stats["exit_meaning"]) == (3, "nothing archived or every seed failed")
    assert stats["pages"] == 0
    assert stats["errors"]["fetch"] == {"DownloadConnectionRefusedError": 1}  # the seed's
    [line] = next((tmp_path / "warc").glob("*-crawl.log")).read_text().splitlines()
    _, status, size, digest, _url, how, referer, mime, notes = line.split()
    assert (status, size, digest, how, referer, mime) == ("-2", "0", "-", "seed", "-", "-")  # -2: Heritrix's
    assert notes == "DownloadConnectionRefusedError"  # "connection failed"


def test_every_seed_failing_exits_3_though_robots_txt_was_archived(tmp_path, demo_site):
    special = demo_site.truth["special"]
    proc = crawl(tmp_path, "-a", f"start_urls={special['not_found']},{special['pdf']}")
    assert proc.returncode == 3, proc.stderr[-3000:]
    assert last_line(proc).endswith(
        "ERROR: Crawl failed: every seed failed (1 unreachable or an HTTP error, 1 none of an "
        "HTML page, a feed or a sitemap) (exit code 3)")
    stats = run_stats(tmp_path / "warc")
    assert stats["pages"] == 3  # robots.txt, the 404 and the PDF: archived all the same
    assert stats["exit_code"] == 3


def test_one_good_seed_among_failed_ones_exits_0(tmp_path, demo_site):
    special = demo_site.truth["special"]
    proc = crawl(tmp_path, "-a", f"start_urls={special['not_found']},http://127.0.0.1:{closed_port()}/,"
                 f"{demo_site.truth['seeds']['rss']}", "-s", "RETRY_TIMES=0")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert scrapy_stat(proc.stderr, "thread/seeds_failed") == 2
    assert run_stats(tmp_path / "warc")["exit_code"] == 0


@pytest.fixture
def read_only_dir(tmp_path: Path):
    """A folder this process cannot write: a read-only tmpfs as root (root writes through
    permission bits), mode 0555 otherwise."""
    point = tmp_path / "ro"
    point.mkdir()
    mounted = False
    if os.geteuid() == 0:
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(point)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"root, and cannot mount a read-only tmpfs here: {proc.stderr.strip()}")
        mounted = True
    else:
        point.chmod(0o555)
    yield point
    if mounted:
        subprocess.run(["umount", "-l", str(point)], check=False)
    else:
        point.chmod(0o755)


def test_a_warc_dir_that_is_not_writable_exits_1(tmp_path, demo_site, read_only_dir):
    proc = crawl(tmp_path, "-a", f"start_urls={demo_site.truth['seeds']['rss']}", warc_dir=read_only_dir)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert errors(proc) == [last_line(proc)]
    assert last_line(proc).endswith(f"ERROR: Not crawling: WARC_DIR={read_only_dir} is not writable")
    assert scrapy_stat(proc.stderr, "downloader/request_count") is None


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_a_good_crawl_exits_0(tmp_path, demo_site, entry):
    article = min((a for a in demo_site.truth["articles"] if a["permalinks"]),
                  key=lambda a: len(a["permalinks"]))  # a short thread
    proc = crawl(tmp_path, "-a", f"start_urls={article['url']}", entry=entry)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not errors(proc)
    stats = run_stats(tmp_path / "warc")
    assert (stats["exit_code"], stats["finish_reason"]) == (0, "finished")
    assert stats["articles"] == 1
    assert stats["permalinks"] == len(article["permalinks"])


def test_a_crawl_stopped_by_a_limit_exits_4(tmp_path, demo_site):
    proc = crawl(tmp_path, "-a", f"start_urls={demo_site.truth['seeds']['rss']}",
                 "-s", "CLOSESPIDER_PAGECOUNT=10")
    assert proc.returncode == 4, proc.stderr[-3000:]
    assert last_line(proc).endswith(
        "ERROR: Crawl ended early: stopped before its end (closespider_pagecount); the archive "
        "holds what was fetched (exit code 4)")
    stats = run_stats(tmp_path / "warc")
    assert (stats["exit_code"], stats["exit_meaning"]) == (4, "ended early")
    assert stats["finish_reason"] == "closespider_pagecount"
