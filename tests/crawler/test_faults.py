"""A crawl whose archive fails says so: exit code, one line, and every complete record kept."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

from tests.conftest import DemoSite, run_crawl
from tests.crawler.test_thread_crawl import _read_until, _start_slow_crawl
from tests.pipelines.publishing.test_publish import load, publish_cli
from tests.warc_utils import read_records, scrapy_stat, tool


def test_a_full_disk_stops_the_crawl_and_keeps_a_valid_archive(demo_site: DemoSite, tmp_path,
                                                                small_disk, hf_home):
    disk = small_disk(256 * 1024)
    result = run_crawl(disk / "warc", "-a", f"start_urls={demo_site.truth['seeds']['sitemap']}",
                       cwd=tmp_path)
    assert result.returncode == 1, result.log[-3000:]
    errors = [line for line in result.log.splitlines() if " ERROR: " in line]
    assert any(re.search(r"WARC writer failed: No space left on device \(ENOSPC\): .*\.warc\.gz\.open",
                         line) for line in errors), errors
    assert "Crawl failed: the WARC writer failed" in errors[-1]
    assert "'finish_reason': 'warc_writer_failed'" in result.log
    assert "Traceback" not in result.log, result.log[-3000:]
    assert not list((disk / "warc").glob("*.open"))  # cut back to its last record and closed
    warcs = sorted((disk / "warc").glob("*.warc.gz"))
    assert warcs
    check = tool("warcio", "check", *map(str, warcs))
    assert check.returncode == 0, check.stdout[-2000:]
    assert len(read_records(warcs)) > 10
    out = publish_cli(disk / "warc", "-o", tmp_path / "ds", cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert load(tmp_path / "ds", "articles", hf_home)


def test_a_warc_folder_that_cannot_be_written_stops_the_crawl_before_it_starts(demo_site, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the WARC folder should be")
    result = run_crawl(blocker, "-a", f"start_urls={demo_site.truth['seeds']['sitemap']}")
    assert result.returncode == 1
    assert result.log.strip().splitlines()[-1].endswith(
        f"ERROR: Not crawling: WARC_DIR={blocker} exists and is not a folder")
    assert scrapy_stat(result.log, "downloader/response_count") is None  # not one request


def test_files_left_open_by_a_killed_crawl_are_named_and_published(demo_site, tmp_path, hf_home):
    warc_dir = tmp_path / "warc"
    proc = _start_slow_crawl(demo_site, warc_dir)
    _, writer = _read_until(proc, r"WARC writer process (\d+)")
    _read_until(proc, r"Crawled \(200\) <GET [^>]*/comment/\d+>")
    os.kill(int(writer.group(1)), signal.SIGKILL)  # both at once: nothing closes the file
    proc.kill()
    proc.wait(timeout=30)
    proc.stderr.close()
    unfinished = sorted(warc_dir.glob("*.warc.gz.open"))
    assert len(unfinished) == 1
    assert not list(warc_dir.glob("*.warc.gz"))
    out = publish_cli(warc_dir, "-o", tmp_path / "ds", cwd=tmp_path)
    assert out.returncode == 4, out.stderr[-2000:]  # published, with a warning
    assert f"{unfinished[0]}: an unfinished WARC file" in out.stderr
    assert f"ERROR {unfinished[0]}: an unfinished WARC file" in out.stdout
    assert load(tmp_path / "ds", "articles", hf_home)
    # the recipe it prints: cut at the offset of the read error, if any, and drop ".open"
    kept = unfinished[0].with_name(unfinished[0].name.removesuffix(".open"))
    data = unfinished[0].read_bytes()
    if m := re.search(re.escape(unfinished[0].name) + r": unreadable at offset (\d+)", out.stderr):
        data = data[: int(m.group(1))]
    kept.write_bytes(data)
    assert tool("warcio", "check", str(kept)).returncode == 0
    kept.unlink()
    # the next crawl into the folder says what it found
    again = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "thread", "-a", "start_urls=http://127.0.0.1:9/",
         "-s", f"WARC_DIR={warc_dir}"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert re.search(r"1 unfinished WARC file\(s\) in .* from a crawl that was killed \("
                     + re.escape(unfinished[0].name), again.stderr)


def test_fetches_that_fail_are_recorded_beside_the_archive(hostile, tmp_path):
    seeds = [hostile.url(p) for p in ("/article", "/reset", "/hang")]
    result = run_crawl(tmp_path / "warc", "-a", f"start_urls={','.join(seeds)}",
                       "-s", "DOWNLOAD_TIMEOUT=1", "-s", "RETRY_TIMES=1")
    assert result.returncode == 0, result.log[-3000:]
    records = read_records(result.warcs)
    failures = {r.url: r for r in records if r.type == "metadata"}
    assert set(failures) == {hostile.url("/reset"), hostile.url("/hang")}
    for url, rec in failures.items():
        assert rec.headers["Content-Type"] == "application/warc-fields"
        fields = dict(line.split(": ", 1) for line in rec.payload.decode().splitlines())
        assert fields["fetch-method"] == "GET"
        assert fields["fetch-attempts"] == "2"  # the first try and RETRY_TIMES=1
        expected = "TimeoutError" if url.endswith("/hang") else "Connection"
        assert expected in fields["fetch-error"], fields
    assert scrapy_stat(result.log, "warc/fetch_failures") == 2
    assert {r.url for r in records if r.type == "response"} >= {hostile.url("/article")}
    assert tool("warcio", "check", *map(str, result.warcs)).returncode == 0
    cdxj = tool("cdxj-indexer", *map(str, result.warcs))
    assert cdxj.returncode == 0, cdxj.stderr


def test_a_crawl_whose_pages_stop_extracting_keeps_the_dataset(hostile, tmp_path, hf_home):
    from tests.pipelines.publishing.test_publish import ARTICLE, write_warc

    old = tmp_path / "old.warc.gz"
    write_warc(old, [("http://site.example/story", "text/html; charset=utf-8", ARTICLE)])
    assert publish_cli(old, "-o", tmp_path / "ds", cwd=tmp_path).returncode == 0
    before = {p: p.read_bytes() for p in (tmp_path / "ds").rglob("*") if p.is_file()}
    result = run_crawl(tmp_path / "warc", "-a", f"start_urls={hostile.url('/not-an-article')}",
                       "-s", f"DATASET_DIR={tmp_path / 'ds'}")
    assert result.returncode == 1, result.log[-3000:]
    assert re.search(r"ERROR: Dataset not published: no article in 1 HTML page\(s\) of 1 WARC file",
                     result.log)
    assert "Crawl failed: the dataset was not published" in result.log
    assert {p: p.read_bytes() for p in (tmp_path / "ds").rglob("*") if p.is_file()} == before
    assert [r["url"] for r in load(tmp_path / "ds", "articles", hf_home)] == ["http://site.example/story"]


def test_a_dataset_dir_that_cannot_be_replaced_stops_the_crawl_before_it_starts(demo_site, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    result = run_crawl(tmp_path / "warc", "-a", f"start_urls={demo_site.truth['seeds']['sitemap']}",
                       "-s", f"DATASET_DIR={mine}")
    assert result.returncode == 1
    assert result.log.strip().splitlines()[-1].endswith(
        f"ERROR: Not crawling: DATASET_DIR: {mine} holds files threadwarc did not write "
        "(thesis.tex); it is not replaced: move them away or choose another -o / DATASET_DIR")
    assert scrapy_stat(result.log, "downloader/response_count") is None
    assert (mine / "thesis.tex").read_text() == "years of work"
