"""Crawls into one WARC folder: the second revalidates (304 revisits), deduplicates by payload
digest (identical-payload revisits) and still walks the whole site; the files read back."""

from __future__ import annotations

import http.client
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from pipelines.archiving.config import INDEX_NAME
from pipelines.archiving.dedup import DigestIndex, read_original
from pipelines.archiving.records import IDENTICAL_PAYLOAD_DIGEST, SERVER_NOT_MODIFIED
from tests.conftest import DemoSite, Run, crawl_command, crawl_folder, crawls_at_once
from tests.warc_utils import Rec, read_records, scrapy_stat, tool

# Every crawl fetches every page it finds, known or not (no revisit schedule: THREAD_REVISIT=0),
# so what a second crawl saves is this module's doing alone.
EVERYTHING = ("-s", "THREAD_REVISIT=0")


def crawl_into(warc_dir: Path, *args: str) -> Run:
    return crawl_folder(warc_dir, *EVERYTHING, *args)


def seeds(site: DemoSite) -> str:
    return "start_urls=" + ",".join(site.truth["seeds"].values())


def revisits(records: list[Rec], profile: str) -> list[Rec]:
    return [r for r in records if r.type == "revisit" and r.headers["WARC-Profile"] == profile]


def assert_every_revisit_resolves(records: list[Rec]) -> None:
    """Each revisit names, by record id, a response of the folder with its payload."""
    ids = {r.headers["WARC-Record-ID"]: r for r in records}
    for rev in (r for r in records if r.type == "revisit"):
        original = ids[rev.headers["WARC-Refers-To"]]
        assert original.type == "response", rev.url
        assert original.headers["WARC-Payload-Digest"] == rev.headers["WARC-Payload-Digest"]
        assert original.url == rev.headers["WARC-Refers-To-Target-URI"]
        assert original.headers["WARC-Date"] == rev.headers["WARC-Refers-To-Date"]


@pytest.fixture(scope="module")
def folder(demo_site: DemoSite, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Crawl 1 and 2 with dedup on (the default), then crawl 3 with WARC_DEDUP=0, one folder."""
    warc_dir = tmp_path_factory.mktemp("dedup") / "warc"
    one = crawl_into(warc_dir, "-a", seeds(demo_site))
    two = crawl_into(warc_dir, "-a", seeds(demo_site))
    off = crawl_into(warc_dir, "-a", seeds(demo_site), "-s", "WARC_DEDUP=0")
    return {"one": one, "two": two, "off": off}


def test_second_crawl_revalidates_and_archives_304s_as_revisits(folder):
    two = folder["two"]
    not_modified = revisits(two.records, SERVER_NOT_MODIFIED)
    assert len(not_modified) > 250
    assert two.stat("downloader/response_status_count/304") == len(not_modified)
    assert two.stat("warc/revisits_304") == len(not_modified)
    assert two.stat("warc/not_modified") == len(not_modified)  # answered from the archive
    for rev in not_modified:
        assert rev.statusline == "304 Not Modified"
        assert rev.payload == b""
    conditional = [r for r in two.records if r.type == "request" and any(
        k in ("If-None-Match", "If-Modified-Since") for k, _ in r.http_headers)]
    assert len(conditional) == two.stat("warc/revalidations") >= len(not_modified)


def test_second_crawl_deduplicates_what_has_no_validators_by_digest(demo_site, folder):
    identical = revisits(folder["two"].records, IDENTICAL_PAYLOAD_DIGEST)
    special = demo_site.truth["special"]
    statuses = {r.url: r.statusline for r in identical}
    assert statuses[special["not_found"]] == "404 Not Found"  # error pages are not revalidated
    assert statuses[special["server_error"]].startswith("500 ")
    assert folder["two"].stat("warc/revisits") == len(identical) + folder["two"].stat("warc/revisits_304")


def test_every_revisit_names_an_archived_response(folder):
    assert_every_revisit_resolves([r for c in folder.values() for r in c.records])


def test_second_crawl_walks_the_whole_site_and_costs_a_fraction(folder, capsys):
    one, two, off = folder["one"], folder["two"], folder["off"]
    urls = [{r.url for r in c.records if r.type == "request"} for c in (one, two, off)]
    assert urls[0] == urls[1] == urls[2]  # a 304 page's links are followed from the archived page
    for key in ("thread/articles", "thread/thread_pages", "thread/permalinks"):
        assert one.stat(key) == two.stat(key) == off.stat(key) > 0, key
    sizes = [c.stat("warc/bytes") for c in (one, two, off)]
    assert sizes == [sum(p.stat().st_size for p in c.files) for c in (one, two, off)]
    with capsys.disabled():
        print(f"\nWARC bytes: crawl 1 {sizes[0]}, crawl 2 {sizes[1]} ({sizes[1] / sizes[0]:.0%}), "  # noqa: T201
              f"dedup off {sizes[2]} (crawl 2: {sizes[1] / sizes[2]:.0%} of it)")
    assert sizes[1] < sizes[0] < sizes[2] / 3  # crawl 1: permalinks repeat thread pages
    assert sizes[1] < sizes[2] / 5


def test_first_crawl_deduplicates_within_itself(demo_site, folder):
    one = folder["one"].records
    kinds = {r.url: r.type for r in one if r.type in ("response", "revisit")}
    permalinks = [u for a in demo_site.truth["articles"] for u in a["permalinks"]]
    assert sum(kinds[u] == "revisit" for u in permalinks) >= len(permalinks) - 10
    assert revisits(one, SERVER_NOT_MODIFIED) == []  # nothing archived before it


def test_dedup_off_writes_full_records_and_asks_unconditionally(folder):
    off = folder["off"]
    assert {r.type for r in off.records} == {"warcinfo", "response", "request"}
    assert off.stat("downloader/response_status_count/304") == 0
    assert "If-Modified-Since" not in {k for r in off.records for k, _ in r.http_headers}
    assert scrapy_stat(off.log, "warc/revisits") is None


def test_warcio_and_cdxj_indexer_read_the_folder(folder):
    files = [str(p) for c in folder.values() for p in c.files]
    check = tool("warcio", "check", "-v", *files)
    assert check.returncode == 0, check.stdout[-2000:]
    assert "digest present but not checked (revisit)" in check.stdout
    cdxj = tool("cdxj-indexer", *files)
    assert cdxj.returncode == 0, cdxj.stderr[-2000:]
    entries = [json.loads(line.split(" ", 2)[2]) for line in cdxj.stdout.splitlines()]
    records = [r for c in folder.values() for r in c.records if r.type in ("response", "revisit")]
    assert len(entries) == len(records)
    assert sum(e["mime"] == "warc/revisit" and e["status"] == "304" for e in entries) == (
        folder["two"].stat("warc/revisits_304"))


def small_article(site: DemoSite) -> dict[str, Any]:
    """The article with the fewest comments, five at least: a crawl of a few pages."""
    return min((a for a in site.truth["articles"] if a["comment_count"] >= 5),
               key=lambda a: a["comment_count"])


def test_an_archived_page_that_cannot_be_read_back_is_fetched_again_in_full(demo_site, tmp_path):
    article = small_article(demo_site)
    pages = {article["url"], *article["thread_pages"], *article["permalinks"]}
    first = crawl_into(tmp_path / "warc", "-a", f"start_urls={article['url']}")
    for path in first.files:
        path.write_bytes(b"")  # there, but no longer holding what the index says
    second = crawl_into(tmp_path / "warc", "-a", f"start_urls={article['url']}")
    unreadable = second.stat("warc/revalidations_unreadable")
    assert unreadable == second.stat("downloader/response_status_count/304") > len(pages)  # + robots
    assert second.log.count("cannot be read back") == len(first.files)  # said once per file
    records = second.records
    assert {r.url for r in records if r.type == "response"} >= pages  # whole again
    assert [r.statusline for r in records if r.type == "revisit"] == ["304 Not Modified"] * unreadable
    index = DigestIndex.reader(tmp_path / "warc" / INDEX_NAME)  # mended: it names the new records
    assert index is not None
    try:
        for url in pages:
            found = index.validators(url)
            assert found is not None
            assert read_original(tmp_path / "warc", found.original)[0] == 200
            assert found.original.file in {p.name for p in second.files}
    finally:
        index.close()


def test_autothrottle_lets_304s_bring_the_delay_down(demo_site, tmp_path):
    """Scrapy's AutoThrottle lowers a site's delay only on a 200: a revalidating crawl (all 304s)
    kept AUTOTHROTTLE_START_DELAY, one request a second whatever the server's latency."""
    article = small_article(demo_site)
    throttle = ("-a", f"start_urls={article['url']}", "-s", "AUTOTHROTTLE_ENABLED=True",
                "-s", "AUTOTHROTTLE_START_DELAY=0.5", "-s", "AUTOTHROTTLE_DEBUG=True")
    crawl_into(tmp_path / "warc", *throttle)
    second = crawl_into(tmp_path / "warc", *throttle)
    assert second.stat("warc/revisits_304") == second.stat("downloader/response_count") > 5
    delays = [int(d) for d in re.findall(r"delay:\s*(\d+) ms", second.log)]
    assert len(delays) == second.stat("downloader/response_count")
    assert min(delays) < 50  # halved on each answer from 500 ms; loopback latency is ~1 ms


def test_the_index_can_be_moved_and_shared_by_two_folders(demo_site, tmp_path):
    article = small_article(demo_site)
    index = tmp_path / "shared" / "dedup.sqlite3"
    args = ("-a", f"start_urls={article['url']}", "-s", f"WARC_DEDUP_INDEX={index}")
    crawl_into(tmp_path / "a", *args)
    b = crawl_into(tmp_path / "b", *args)
    assert index.is_file()
    assert not (tmp_path / "a" / INDEX_NAME).exists()
    assert not (tmp_path / "b" / INDEX_NAME).exists()
    assert b.stat("warc/revisits_304") == b.stat("downloader/response_count") > 5  # robots.txt too
    assert_every_revisit_resolves(read_records(sorted((tmp_path / "a").glob("*.warc.gz"))) + b.records)


def test_two_crawls_at_once_share_the_folder_and_its_index(demo_site, tmp_path):
    warc_dir = tmp_path / "warc"
    cmd = crawl_command(warc_dir, *EVERYTHING, "-a", seeds(demo_site))
    codes, logs = crawls_at_once(tmp_path, cmd, cmd)
    assert codes == [0, 0], logs[0][-2000:] + logs[1][-2000:]
    warned = [line for log in logs for line in log.splitlines()
              if "dedup index" in line.lower() and "WARNING" in line]
    assert not warned, warned
    records = read_records(sorted(warc_dir.glob("*.warc.gz")))
    assert_every_revisit_resolves(records)
    assert sum(scrapy_stat(log, "warc/revisits") or 0 for log in logs) == sum(
        r.type == "revisit" for r in records)


def test_the_demo_site_answers_conditional_requests(demo_site):
    """What the crawls above rely on: validators honoured as RFC 9110 says."""
    parts = urlsplit(demo_site.url("/robots.txt"))

    def get(**headers: str) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            conn.request("GET", parts.path, headers=headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    status, headers, body = get()
    assert status == 200
    assert body
    etag, modified = headers["ETag"], headers["Last-Modified"]
    status, headers, body = get(**{"If-None-Match": f'"x", W/{etag}'})
    assert (status, body, headers["ETag"]) == (304, b"", etag)
    assert get(**{"If-None-Match": '"x"', "If-Modified-Since": modified})[0] == 200  # ETag decides
    assert get(**{"If-Modified-Since": modified})[0] == 304
    assert get(**{"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"})[0] == 200
    assert get(**{"If-Modified-Since": "not a date"})[0] == 200
