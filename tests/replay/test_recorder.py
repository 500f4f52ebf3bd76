"""Another producer's WARCs: pywb's recorder (`wayback --record`) archives demo pages as a reader's
browser asks for them through it, then `scrapy publish` reads pywb's WARC into a dataset that
the real `datasets` library loads with the articles' text and their comments."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DemoSite
from tests.pipelines.publishing.test_publish import load, publish_cli
from tests.replay.pywb_process import get, running, wb_manager, write_config
from tests.warc_utils import Rec, read_records

BROWSER = {"Accept-Encoding": "gzip, deflate, br", "Accept": "text/html,*/*;q=0.8"}


@dataclass
class Recording:
    articles: list[dict[str, Any]]  # the demo site's truth for the articles recorded
    urls: list[str]  # every page recorded
    warcs: list[Path]  # what pywb wrote
    exit_code: int  # pywb's, after SIGTERM


@pytest.fixture(scope="module")
def recording(demo_site: DemoSite, tmp_path_factory: pytest.TempPathFactory) -> Recording:
    """The article with the most thread pages (every ?page=N) and the smallest one with comments,
    recorded through pywb's rewriting replay (`mp_`, what its frame loads)."""
    truth = demo_site.truth["articles"]
    articles = [max(truth, key=lambda a: len(a["thread_pages"])),
                min((a for a in truth if a["comment_count"]), key=lambda a: a["comment_count"])]
    urls = [u for a in articles for u in a["thread_pages"]]
    root = tmp_path_factory.mktemp("recorder") / "pywb"
    write_config(root, record=True)
    wb_manager(root, "init", "rec")
    with running(root) as pywb:
        for url in urls:
            reply = get(f"{pywb.base_url}/rec/record/mp_/{url}", **BROWSER)
            assert reply.status == 200, (url, reply.status, pywb.log[-2000:])
        code = pywb.stop()  # writes what it queued and closes its files
    return Recording(articles, urls, sorted((root / "collections" / "rec" / "archive").iterdir()), code)


def test_pywb_records_each_page_as_the_site_sent_it(recording):
    assert recording.exit_code == 0
    assert [p.suffix for p in recording.warcs] == [".gz"]
    responses: dict[str, Rec] = {r.url: r for r in read_records(recording.warcs) if r.type == "response"}
    assert sorted(responses) == sorted(recording.urls)
    for url, rec in responses.items():
        assert ("Content-Encoding", "gzip") in rec.http_headers, url  # as a browser is sent it
        assert gzip.decompress(rec.payload) == get(url).body, url


def test_publish_reads_pywbs_warc(demo_site, recording, tmp_path, hf_home):
    out = publish_cli(*recording.warcs, "-o", tmp_path / "dataset", cwd=tmp_path)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    articles = {r["canonical_url"]: r for r in load(tmp_path / "dataset", "articles", hf_home)}
    assert sorted(articles) == sorted(a["url"] for a in recording.articles)
    for a in recording.articles:
        row = articles[a["url"]]
        assert row["title"] == a["title"]
        assert row["comment_count"] == a["comment_count"]
        assert row["comments_status"] == "html"
        for paragraph in a["body_text"].split("\n"):
            assert paragraph in row["text"], (a["url"], paragraph)
    fields = ("comment_id", "parent_id", "author", "text", "depth", "position", "permalink")
    published = sorted((c["article_url"], *(c[f] for f in fields))
                       for c in load(tmp_path / "dataset", "comments", hf_home))
    expected = sorted((a["url"], *(c[f] for f in fields)) for a in recording.articles for c in a["comments"])
    assert len(published) == sum(a["comment_count"] for a in recording.articles) > 150
    assert published == expected
