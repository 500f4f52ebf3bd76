"""At the end of each crawl: the folder's CDXJ index (checked against cdxj-indexer's command line)
and the crawl's WACZ (checked by `wacz validate`, opened as a zip): real crawls of the demo site."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipelines.archiving.packaging import not_modified_revisit
from tests.conftest import CrawlResult, DemoSite, run_crawl
from tests.warc_utils import Rec, read_records, scrapy_stat, tool

# Every crawl fetches every page it finds (no revisit schedule), so the second crawl's article
# pages are 304 revisits of the first's.
EVERYTHING = ("-s", "THREAD_REVISIT=0")
KILLED = "threadwarc-20200101000000000-00001-killed.warc.gz"  # a run killed before the first


@dataclass
class Crawl:
    result: CrawlResult
    files: list[Path]  # the WARC files this crawl wrote
    waczs: list[Path]  # the WACZ files it wrote

    @property
    def log(self) -> str:
        return self.result.log

    def wacz(self) -> Path:
        [path] = self.waczs
        return path

    def stats(self) -> dict[str, Any]:
        [path] = (p for p in self.result.warc_dir.glob("*-stats.json")
                  if json.loads(p.read_text())["warc_files"] == sorted(f.name for f in self.files))
        return json.loads(path.read_text())["scrapy_stats"]


def crawl_into(warc_dir: Path, site: DemoSite, *args: str, code: int = 0) -> Crawl:
    before = set(warc_dir.glob("*")) if warc_dir.is_dir() else set()
    result = run_crawl(warc_dir, "-s", "WARC_WACZ=True",  # the default; tests/conftest.py turns it off
                       "-a", "start_urls=" + ",".join(site.truth["seeds"].values()),
                       *EVERYTHING, *args)
    assert result.returncode == code, result.log[-3000:]
    new = set(warc_dir.glob("*")) - before
    return Crawl(result, sorted(p for p in new if p.name.endswith(".warc.gz") and p.name != KILLED),
                 sorted(p for p in new if p.suffix == ".wacz"))


def cli_lines(files: list[Path]) -> list[str]:
    """cdxj-indexer's lines, but the 304 revisits, which the index leaves out for replay."""
    done = tool("cdxj-indexer", *map(str, files))
    assert done.returncode == 0, done.stderr[-2000:]
    return [line for line in done.stdout.splitlines() if not not_modified_revisit(line)]


def fields(line: str) -> dict[str, str]:
    return json.loads(line.split(" ", 2)[2])


def pages_of(wacz: Path) -> list[dict[str, str]]:
    with zipfile.ZipFile(wacz) as z:
        return [json.loads(line) for line in z.read("pages/pages.jsonl").decode().splitlines()]


@pytest.fixture(scope="module")
def folder(demo_site: DemoSite, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Crawl]:
    """Crawl 1; then a killed run's `.open` file (crawl 1's file, cut inside its last record)
    appears; crawl 2 into the same folder repairs it at its start and indexes it at its end."""
    warc_dir = tmp_path_factory.mktemp("packaging") / "warc"
    one = crawl_into(warc_dir, demo_site)
    data = one.files[0].read_bytes()
    (warc_dir / f"{KILLED}.open").write_bytes(data[: len(data) - 100])
    two = crawl_into(warc_dir, demo_site)
    return {"one": one, "two": two}


def test_the_index_is_cdxj_indexers_index_of_every_warc_in_the_folder(folder):
    warc_dir = folder["one"].result.warc_dir
    warcs = sorted(warc_dir.glob("*.warc.gz"))
    assert [p.name for p in warcs] == sorted([KILLED, *(f.name for c in folder.values() for f in c.files)])
    lines = (warc_dir / "index.cdxj").read_text().splitlines()
    assert sorted(lines) == sorted(cli_lines(warcs))  # both runs and the repaired file, merged
    assert lines == sorted(lines)
    assert {fields(line)["filename"] for line in lines} == {p.name for p in warcs}
    killed = [line for line in lines if fields(line)["filename"] == KILLED]
    assert killed == sorted(cli_lines([warc_dir / KILLED]))
    revisits = [line for line in lines if fields(line)["mime"] == "warc/revisit"]
    assert {"200", "404"} <= {fields(line)["status"] for line in revisits}  # identical payloads
    assert "304" not in {fields(line)["status"] for line in revisits}  # left out (replay)


def test_each_crawl_logs_and_counts_its_index_and_package(folder):
    for crawl in folder.values():
        records = scrapy_stat(crawl.log, "warc/cdxj_records")
        files = [*crawl.files, *([crawl.result.warc_dir / KILLED] if crawl is folder["two"] else [])]
        assert records == len(cli_lines(files))  # its own files, and the repaired one
        assert re.search(rf"INFO: CDXJ index: {records} records of {len(files)} WARC file\(s\) in "
                         r"[\d.]+ s \(\d+ 304 revisits left out", crawl.log)
        assert re.search(rf"INFO: WACZ: {re.escape(str(crawl.wacz()))}, 6 article page\(s\), "
                         rf"{len(crawl.files)} WARC file\(s\), {crawl.wacz().stat().st_size} bytes in "
                         r"[\d.]+ s", crawl.log)
        stats = crawl.stats()
        assert stats["warc/wacz_pages"] == 6
        assert stats["warc/cdxj_records"] == records
        assert "warc/packaging_failed" not in stats
        assert not re.search(r"(CDXJ index|WACZ) not written", crawl.log)


def test_each_crawl_has_a_wacz_of_its_own_warcs_that_validates(folder):
    for crawl in folder.values():
        wacz = crawl.wacz()
        stamp = re.match(r"threadwarc-(\d{17})-00001-(.+)\.warc\.gz$", crawl.files[0].name)
        assert stamp is not None
        assert wacz.name == f"threadwarc-{stamp[1]}-{stamp[2]}.wacz"
        check = tool("wacz", "validate", "-f", str(wacz))
        assert check.returncode == 0, check.stdout + check.stderr
        assert "Validation succeeded, the passed WACZ is valid" in check.stdout
        with zipfile.ZipFile(wacz) as z:
            names = z.namelist()
            archived = sorted(n for n in names if n.startswith("archive/"))
            assert archived == [f"archive/{f.name}" for f in crawl.files]
            assert {"indexes/index.cdx.gz", "indexes/index.idx", "pages/pages.jsonl",
                    "datapackage.json", "datapackage-digest.json"} <= set(names)
            for f in crawl.files:
                assert z.read(f"archive/{f.name}") == f.read_bytes()


def test_the_datapackage_names_every_file_with_its_digest(folder):
    for crawl in folder.values():
        with zipfile.ZipFile(crawl.wacz()) as z:
            package = json.loads(z.read("datapackage.json"))
            digest = json.loads(z.read("datapackage-digest.json"))
            assert digest["hash"] == "sha256:" + hashlib.sha256(z.read("datapackage.json")).hexdigest()
            listed = {res["path"]: res for res in package["resources"]}
            assert set(listed) == set(z.namelist()) - {"datapackage.json", "datapackage-digest.json"}
            for path, res in listed.items():
                data = z.read(path)
                assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
                assert res["bytes"] == len(data)
            assert package["title"] == crawl.wacz().stem


def capture(records: list[Rec], url: str) -> Rec:
    return next(r for r in records if r.url == url and r.type in ("response", "revisit"))


def test_pages_are_the_sites_articles_with_their_headlines(folder, demo_site):
    truth = {a["url"]: a["title"] for a in demo_site.truth["articles"]}
    for crawl in folder.values():
        header, *pages = pages_of(crawl.wacz())
        assert header == {"format": "json-pages-1.0", "id": "pages", "title": "Articles"}
        assert {p["url"]: p["title"] for p in pages} == truth
        assert len(pages) == len(truth)
        records = read_records(crawl.files)
        for page in pages:
            rec = capture(records, page["url"])
            assert page["id"] in rec.headers["WARC-Record-ID"]
            assert page["ts"] == rec.headers["WARC-Date"][:23] + "Z"
    second = read_records(folder["two"].files)
    kinds = {capture(second, url).statusline for url in truth}
    assert kinds == {"304 Not Modified"}  # crawl 2's titles come from crawl 1's records


def test_settings_off_write_neither(tmp_path, demo_site):
    crawl = crawl_into(tmp_path / "warc", demo_site, "-s", "WARC_CDXJ=0", "-s", "WARC_WACZ=0")
    names = {p.name for p in (tmp_path / "warc").iterdir()}
    assert not {n for n in names if "cdxj" in n or n.endswith((".wacz", ".part"))}
    assert "CDXJ index" not in crawl.log
    assert "WACZ" not in crawl.log


def test_a_crawl_that_ends_early_is_indexed_and_packaged(tmp_path, demo_site):
    crawl = crawl_into(tmp_path / "warc", demo_site, "-s", "CLOSESPIDER_PAGECOUNT=20", code=4)
    lines = (tmp_path / "warc" / "index.cdxj").read_text().splitlines()
    assert sorted(lines) == sorted(cli_lines(crawl.files))
    check = tool("wacz", "validate", "-f", str(crawl.wacz()))
    assert check.returncode == 0, check.stdout + check.stderr
    _, *pages = pages_of(crawl.wacz())
    truth = {a["url"] for a in demo_site.truth["articles"]}
    assert {p["url"] for p in pages} <= truth


def test_an_index_that_cannot_be_written_is_one_error_and_exit_1(tmp_path, demo_site):
    """The index's name is taken by a folder: one ERROR, exit 1 (archive failed), the WARC
    files whole, the WACZ written all the same."""
    (tmp_path / "warc" / "index.cdxj").mkdir(parents=True)
    crawl = crawl_into(tmp_path / "warc", demo_site, code=1)
    errors = [line.split(" ERROR: ", 1)[1] for line in crawl.log.splitlines() if " ERROR: " in line
              and "Gave up retrying" not in line]
    index = tmp_path / "warc" / "index.cdxj"
    assert errors[0] == (f"CDXJ index not written: Is a directory (EISDIR): {index} (the WARC files "
                         "are whole; the next crawl into the folder indexes them)")
    assert len(errors) == 2  # and the exit code's line
    assert errors[1].startswith("Crawl failed: ")
    assert crawl.stats()["warc/packaging_failed"] == 1
    check = tool("warcio", "check", *map(str, crawl.files))
    assert check.returncode == 0, check.stdout
    assert tool("wacz", "validate", "-f", str(crawl.wacz())).returncode == 0


def test_a_cdxj_file_setting_that_is_a_path_is_refused_before_the_crawl(tmp_path, demo_site):
    result = run_crawl(tmp_path / "warc", "-a", f"start_urls={demo_site.truth['seeds']['rss']}",
                       "-s", "WARC_CDXJ_FILE=../elsewhere.cdxj")
    assert result.returncode == 2, result.log[-3000:]
    assert result.log.strip().splitlines()[-1].endswith(
        "ERROR: Not crawling: the crawl could not start: ValueError: WARC_CDXJ_FILE must be a file "
        "name ending in .cdxj (letters, digits, '.', '_', '-'), in WARC_DIR: got '../elsewhere.cdxj' "
        "(the traceback: -L DEBUG)")
