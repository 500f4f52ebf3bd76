"""Crawl the demo site end to end and read the archive back with real tools."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import re
import select
import signal
import subprocess
import sys
import urllib.request
from base64 import b32encode
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from protego import Protego

from tests.conftest import CrawlResult, DemoSite, run_crawl
from tests.warc_utils import Rec, captures_by_url, read_records, responses_by_url, scrapy_stat, tool

UNREACHABLE = "http://127.0.0.1:9/unreachable-seed"


@pytest.fixture(scope="module")
def crawl(demo_site: DemoSite, tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    tmp = tmp_path_factory.mktemp("crawl")
    seeds = tmp / "seeds.txt"
    seeds.write_text(
        "# demo site: index page, feed and sitemap index\n"
        f"{demo_site.truth['seeds']['index']}\n"
        f"{demo_site.truth['seeds']['rss']}\n"
        "\n"
        f"{demo_site.truth['seeds']['sitemap']}   \n"
        "not a url at all\n"
        f"{UNREACHABLE}\n"
        f"{demo_site.truth['special']['pdf']}\n"
    )
    result = run_crawl(tmp / "warc", "-a", f"seeds={seeds}")
    assert result.returncode == 0, result.log[-3000:]
    return result


@pytest.fixture(scope="module")
def records(crawl: CrawlResult) -> list[Rec]:
    return read_records(crawl.warcs)


@pytest.fixture(scope="module")
def by_url(records: list[Rec]) -> dict[str, Rec]:
    return captures_by_url(records)


def test_every_file_passes_warcio_check(crawl):
    assert crawl.warcs
    assert not list(crawl.warc_dir.glob("*.open"))
    result = tool("warcio", "check", "-v", *map(str, crawl.warcs))
    assert result.returncode == 0, result.stdout[-2000:]
    assert "digest pass" in result.stdout
    assert "fail" not in result.stdout


def test_indexers_index_every_record(crawl, records):
    index = tool("warcio", "index", "-f", "warc-type,warc-target-uri", *map(str, crawl.warcs))
    assert index.returncode == 0
    assert len(index.stdout.splitlines()) == len(records)
    cdxj = tool("cdxj-indexer", *map(str, crawl.warcs))
    assert cdxj.returncode == 0, cdxj.stderr
    indexed = {re.search(r'"url": "([^"]+)"', line).group(1) for line in cdxj.stdout.splitlines()}
    assert {r.url for r in records if r.type == "response"} <= indexed


def test_every_exchange_is_archived_once(crawl, records):
    # a payload archived before (a permalink page repeating its thread page) is a revisit
    responses = [r for r in records if r.type in ("response", "revisit")]
    requests = [r for r in records if r.type == "request"]
    assert len(responses) == len(requests) == scrapy_stat(crawl.log, "downloader/response_count")
    ids = {r.headers["WARC-Record-ID"] for r in responses}
    assert {r.headers["WARC-Concurrent-To"] for r in requests} == ids
    assert scrapy_stat(crawl.log, "warc/records") == len(records)
    # the writer process's own CPU, for the log and the benches (its imports alone take some)
    m = re.search(rf"WARC output closed \(finished\): {len(records)} records, .* \(writer: ([\d.]+) CPU s\)",
                  crawl.log)
    assert m
    assert 0 < float(m[1]) < 60
    stat = re.search(r"'warc/writer_cpu_seconds': ([\d.]+)", crawl.log)  # Scrapy's stats, the same
    assert stat
    assert abs(float(stat[1]) - float(m[1])) < 0.01  # the line rounds to 2 places


def test_articles_thread_pages_and_permalinks_are_archived(demo_site, by_url):
    for article in demo_site.truth["articles"]:
        expected = {article["url"], *article["thread_pages"], *article["permalinks"]}
        missing = sorted(u for u in expected if u not in by_url)
        assert not missing, f"{article['url']}: {missing[:5]}"
        assert all(by_url[u].status == 200 for u in expected)
    big = max(demo_site.truth["articles"], key=lambda a: a["comment_count"])
    assert big["comment_count"] >= 120
    assert len(big["thread_pages"]) >= 3


def test_traps_robots_and_offsite_links_are_not_fetched(demo_site, by_url):
    truth = demo_site.truth
    host = urlsplit(truth["base_url"]).netloc
    with urllib.request.urlopen(truth["base_url"] + "/robots.txt", timeout=10) as served:
        robots = Protego.parse(served.read().decode())
    for url in by_url:
        parts = urlsplit(url)
        assert parts.netloc == host, f"off-site fetch: {url}"
        assert not re.match(r"/(comment/reply|user|search|calendar)(/|$)", parts.path), url
        assert "sort=" not in parts.query, url
        assert "destination=" not in parts.query, url
        assert robots.can_fetch(url, "threadwarc") or url.endswith("/robots.txt"), url
    assert any(url.startswith(truth["base_url"] + "/themes/") for url in by_url)  # Allow: /themes/*.css
    assert truth["special"]["offsite_in_sitemap"] not in by_url
    for trap in truth["traps"]:
        assert trap not in by_url


def test_page_requisites_are_archived_once_each(demo_site, crawl, records, by_url):
    """Stylesheets (linked, @imported in <style>, @imported by a sheet), scripts, images and the
    font of a sheet's @font-face; not what robots.txt forbids, not another host's script."""
    wanted = demo_site.truth["requisites"]
    for url in wanted["fetched"]:
        assert url in by_url, url
        assert by_url[url].status == 200, url
    fetched = [r.url for r in records if r.type == "request"]
    for url in wanted["fetched"]:
        assert fetched.count(url) == 1, url  # once per crawl, though every page names them
    for url in wanted["robots_forbidden"] + wanted["other_host"]:
        assert url not in fetched, url
    assert scrapy_stat(crawl.log, "thread/requisites") == len(wanted["fetched"])
    assert scrapy_stat(crawl.log, "thread/requisites_not_allowed") == len(wanted["other_host"])
    assert scrapy_stat(crawl.log, "robotstxt/forbidden") >= len(wanted["robots_forbidden"])


def test_payload_is_stored_as_served(demo_site, by_url):
    url = demo_site.truth["special"]["gzip"]
    rec = by_url[url]
    assert dict(rec.http_headers)["Content-Encoding"] == "gzip"
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                 headers={"Accept-Encoding": "gzip, deflate"})
    served = conn.getresponse().read()
    conn.close()
    assert rec.payload == served
    assert served[:2] == b"\x1f\x8b"
    digest = "sha1:" + b32encode(hashlib.sha1(served).digest()).decode()
    assert rec.headers["WARC-Payload-Digest"] == digest
    assert b"</html>" in gzip.decompress(rec.payload)


def test_status_line_headers_and_cookies(demo_site, by_url):
    rec = by_url[demo_site.truth["seeds"]["index"]]
    cookies = [v for k, v in rec.http_headers if k.lower() == "set-cookie"]
    assert len(cookies) == 2
    assert rec.headers["WARC-IP-Address"] == "127.0.0.1"
    assert rec.status == 200


def test_error_responses_are_archived(demo_site, by_url):
    special = demo_site.truth["special"]
    assert by_url[special["not_found"]].status == 404
    assert by_url[special["server_error"]].status == 500
    # status lines as the server sent them, Drupal's own reason phrase included
    for url, line in ((special["server_error"], "500 Service unavailable (with message)"),
                      (special["not_found"], "404 Not Found")):
        assert by_url[url].statusline == line


def test_chunked_response_is_stored_dechunked_without_the_header(demo_site, by_url):
    rec = by_url[demo_site.truth["special"]["chunked"]]
    names = [k.lower() for k, _ in rec.http_headers]
    assert "transfer-encoding" not in names
    body = gzip.decompress(rec.payload) if rec.payload[:2] == b"\x1f\x8b" else rec.payload
    assert body.rstrip().endswith(b"</html>")


def test_truncated_response_is_kept_and_marked(demo_site, by_url, crawl):
    rec = by_url[demo_site.truth["special"]["truncated"]]
    assert rec.headers["WARC-Truncated"] == "disconnect"
    assert 0 < len(rec.payload) < int(dict(rec.http_headers)["Content-Length"])
    assert "WARC-Truncated" not in by_url[demo_site.truth["seeds"]["index"]].headers


def test_legacy_charset_and_slow_pages_are_archived(demo_site, by_url):
    special = demo_site.truth["special"]
    legacy = by_url[special["legacy_charset"]]
    body = gzip.decompress(legacy.payload) if legacy.payload[:2] == b"\x1f\x8b" else legacy.payload
    assert b"charset=windows-1252" in body
    assert by_url[special["slow"]].status == 200


def test_warcinfo_describes_file_and_crawl(crawl):
    for path in crawl.warcs:
        first = read_records([path])[0]
        assert first.type == "warcinfo"
        assert first.headers["WARC-Filename"] == path.name
        fields = dict(
            line.split(": ", 1) for line in first.payload.decode().splitlines() if ": " in line
        )
        assert fields["format"] == "WARC File Format 1.1"
        assert fields["conformsTo"].endswith("warc-1.1/")
        assert fields["software"].startswith("threadwarc/")
        assert "Scrapy/" in fields["software"]
        assert "warcio/" in fields["software"]
        assert fields["robots"] == "obey"
        assert "DEPTH_LIMIT=" in fields["crawl-settings"]
        assert re.fullmatch(r"threadwarc-\d{17}-\d{5}-[A-Za-z0-9._-]+\.warc\.gz", path.name)


def test_bad_seeds_are_logged_and_the_crawl_goes_on(demo_site, crawl, by_url):
    assert "Skipping seed 'not a url at all'" in crawl.log
    assert re.search(rf"Seed {re.escape(UNREACHABLE)} failed: .*(Connection|refused)", crawl.log)
    pdf = demo_site.truth["special"]["pdf"]
    assert f"Seed {pdf} is not an HTML page, a feed or a sitemap" in crawl.log
    assert by_url[pdf].payload.startswith(b"%PDF")


def test_redirects_are_archived_and_followed(demo_site, tmp_path):
    article = demo_site.truth["articles"][1]
    old = demo_site.url(f"/story/{article['nid']}")
    result = run_crawl(tmp_path / "warc", "-a", f"start_urls={old}")
    assert result.returncode == 0, result.log[-2000:]
    by_url = responses_by_url(read_records(result.warcs))
    assert by_url[old].status == 301
    assert dict(by_url[old].http_headers)["Location"] == article["url"]
    assert by_url[article["url"]].status == 200
    assert set(article["permalinks"]) <= set(captures_by_url(read_records(result.warcs)))


def test_requests_offer_only_encodings_warc_readers_decode(records):
    for rec in records:
        if rec.type == "request":
            assert dict(rec.http_headers)["Accept-Encoding"] == "gzip, deflate"


def test_robots_txt_is_archived(demo_site, by_url):
    assert by_url[demo_site.url("/robots.txt")].status == 200


def test_rotation_gives_several_valid_files(demo_site, tmp_path):
    result = run_crawl(tmp_path / "warc", "-a", f"start_urls={demo_site.truth['seeds']['rss']}",
                       "-s", "WARC_MAX_SIZE=40000")
    assert result.returncode == 0, result.log[-2000:]
    assert len(result.warcs) >= 3
    assert not list((tmp_path / "warc").glob("*.open"))
    check = tool("warcio", "check", *map(str, result.warcs))
    assert check.returncode == 0, check.stdout
    serials = [int(p.name.split("-")[2]) for p in result.warcs]
    assert sorted(serials) == list(range(1, len(serials) + 1))
    for path in result.warcs:
        assert read_records([path])[0].type == "warcinfo"
    records = read_records(result.warcs)
    assert scrapy_stat(result.log, "warc/records") == len(records)
    assert scrapy_stat(result.log, "warc/files") == len(result.warcs)


def test_download_maxsize_keeps_the_head_marked_truncated(demo_site, tmp_path):
    pdf = demo_site.truth["special"]["pdf"]
    result = run_crawl(tmp_path / "warc", "-a", f"start_urls={pdf}", "-s", "DOWNLOAD_MAXSIZE=10000")
    assert result.returncode == 3, result.log[-2000:]  # archived, but its only seed is no HTML page
    rec = responses_by_url(read_records(result.warcs))[pdf]
    assert rec.headers["WARC-Truncated"] == "length"
    assert rec.payload.startswith(b"%PDF")
    assert 10000 < len(rec.payload) < int(dict(rec.http_headers)["Content-Length"])


def test_works_from_any_directory(demo_site, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_crawl(elsewhere / "out", "-a", f"start_urls={demo_site.truth['special']['pdf']}",
                       cwd=elsewhere)
    assert result.returncode == 3, result.log[-2000:]  # a PDF seed: archived, no HTML page
    assert len(result.warcs) == 1
    assert Path(result.warcs[0]).parent == elsewhere / "out"


def _start_slow_crawl(demo_site: DemoSite, warc_dir: Path) -> subprocess.Popen[str]:
    """A crawl paced at 20 pages/s so that a signal always lands mid-crawl."""
    cmd = [sys.executable, "-m", "crawler", "crawl", "thread",
           "-a", f"start_urls={demo_site.truth['seeds']['sitemap']}",
           "-s", f"WARC_DIR={warc_dir}", "-s", "AUTOTHROTTLE_ENABLED=False",
           "-s", "DOWNLOAD_DELAY=0.05", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
           "-s", "LOG_LEVEL=DEBUG"]
    # its own process group, like a job in a terminal: Ctrl-C signals the whole group
    return subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, cwd=warc_dir.parent,
                            start_new_session=True)


def _read_until(proc: subprocess.Popen[str], pattern: str) -> tuple[str, re.Match[str]]:
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if m := re.search(pattern, line):
            return "".join(seen), m
    raise AssertionError("".join(seen)[-3000:])


def test_ctrl_c_closes_every_file_and_loses_no_record(demo_site, tmp_path):
    warc_dir = tmp_path / "warc"
    proc = _start_slow_crawl(demo_site, warc_dir)
    head, _ = _read_until(proc, r"Crawled \(200\) <GET [^>]*/comment/\d+>")
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does
    tail = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 4  # ended early: whole files, but not a finished crawl
    log = head + tail
    assert "'finish_reason': 'shutdown'" in log
    assert not list(warc_dir.glob("*.open"))
    warcs = sorted(warc_dir.glob("*.warc.gz"))
    assert tool("warcio", "check", *map(str, warcs)).returncode == 0
    records = read_records(warcs)
    responses = [r for r in records if r.type in ("response", "revisit")]
    assert len(responses) == scrapy_stat(log, "downloader/response_count")
    assert len(responses) < 100  # stopped early, not finished


def test_killed_crawl_still_leaves_closed_files(demo_site, tmp_path):
    warc_dir = tmp_path / "warc"
    proc = _start_slow_crawl(demo_site, warc_dir)
    _, writer = _read_until(proc, r"WARC writer process (\d+)")
    log, _ = _read_until(proc, r"Crawled \(200\) <GET [^>]*/comment/\d+>")
    # The writer is in its own session: it outlives the crawl and sees EOF on its pipe.
    pidfd = os.pidfd_open(int(writer.group(1)))
    proc.kill()
    proc.wait(timeout=30)
    proc.stderr.close()
    try:
        ready, _, _ = select.select([pidfd], [], [], 60)  # readable when the writer exits
    finally:
        os.close(pidfd)
    assert ready, "the WARC writer did not exit after the crawl was killed"
    assert not list(warc_dir.glob("*.open"))
    warcs = sorted(warc_dir.glob("*.warc.gz"))
    assert tool("warcio", "check", *map(str, warcs)).returncode == 0
    crawled = set(re.findall(r"Crawled \(\d+\) <GET ([^>]+)>", log))
    archived = set(captures_by_url(read_records(warcs)))
    assert crawled <= archived
