"""Every platform's demo site, crawled by the real spider and published by the real
publisher, gives back its ground truth (bench/accuracy.py prints the same scores)."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

import pyarrow.parquet as pq
import pytest

from demosite.renderers import RENDERERS
from tests.conftest import run_crawl, start_demo_site


@pytest.mark.parametrize("platform", sorted(RENDERERS))
def test_crawl_and_publish_recover_the_threads(platform, tmp_path):
    site = start_demo_site(tmp_path, "--platform", platform, "--slow-seconds", "0")
    try:
        crawl = run_crawl(tmp_path / "warc", "-a", "start_urls=" + ",".join(site.truth["seeds"].values()))
    finally:
        site.process.terminate()
        site.process.wait(timeout=10)
        site.process.stdout.close()
    assert crawl.returncode == 0, crawl.log[-2000:]
    out = subprocess.run([sys.executable, "-m", "crawler", "publish", str(tmp_path / "warc"), "-o",
                          str(tmp_path / "ds")], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    articles = {r["canonical_url"]: r for f in (tmp_path / "ds" / "articles").glob("*.parquet")
                for r in pq.read_table(f).to_pylist()}
    got = {(r["article_url"], r["comment_id"]): r for f in (tmp_path / "ds" / "comments").glob("*.parquet")
           for r in pq.read_table(f).to_pylist()}
    want = {(a["url"], c["comment_id"]): c for a in site.truth["articles"] for c in a["comments"]}
    assert set(got) == set(want)  # comment precision and recall 1.0
    parents = sum(got[k]["parent_id"] == c["parent_id"] for k, c in want.items())
    assert parents >= 0.98 * len(want)
    for key, c in want.items():
        row = got[key]
        assert (row["author"], row["text"]) == (c["author"], c["text"]), key
        assert row["published"] == datetime.fromisoformat(c["published"]), key
    positions = sum(got[k]["position"] == c["position"] for k, c in want.items())
    assert positions >= 0.98 * len(want)
    for a in site.truth["articles"]:
        row = articles[a["url"]]
        assert row["comments_status"] == a.get("comments_status", "html")
        assert row["comment_count"] == a["comment_count"]
        for line in {ln.removeprefix("> ") for c in a["comments"] for ln in c["text"].split("\n")}:
            if len(line) > 25 and line not in a["body_text"]:
                assert line not in (row["text"] or ""), (a["url"], line)  # no comment leaks
