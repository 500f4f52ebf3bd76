"""An article's split is a function of where it sits on its site: the same in every publish,
whatever host, port or scheme the site was served under."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.publishing.config import parse_splits
from pipelines.publishing.splits import article_identity, split_for, split_of
from tests.conftest import run_crawl, start_demo_site
from tests.pipelines.publishing.test_publish import load, publish_cli

HALVES = "train=0.5,test=0.5"


@pytest.mark.parametrize("url", [
    "http://www.example.com/news/a?id=7",
    "https://example.com/news/a?id=7",
    "https://example.com:8443/news/a?id=7#comment-12",
    "http://user@mirror.example.org:80/news/a?id=7",
    "  HTTPS://EXAMPLE.COM/news/a?id=7  ",
])
def test_identity_is_path_and_query_only(url):
    assert article_identity(url) == "/news/a?id=7"


def test_identity_keeps_what_tells_articles_apart():
    assert article_identity("http://h/news/a") != article_identity("http://h/news/A")  # case-sensitive
    assert article_identity("http://h/item?id=1") != article_identity("http://h/item?id=2")
    assert article_identity("http://h") == article_identity("http://h/") == "/"


def test_split_follows_identity_not_host_or_port():
    splits = parse_splits(HALVES)
    urls = [f"{scheme}://{host}{port}/news/{i}" for i in range(200)
            for scheme, host, port in (("http", "127.0.0.1", ":41001"), ("https", "www.site.example", ""))]
    by_path: dict[str, set[str]] = {}
    for url in urls:
        row = {"canonical_url": url, "url": url}
        by_path.setdefault(article_identity(url), set()).add(split_for(row, splits))
    assert all(len(s) == 1 for s in by_path.values())
    assert {s for found in by_path.values() for s in found} == {"train", "test"}
    # the old key (the URL with host and port) scatters the same articles: what this fixes
    moved = sum(split_of(f"http://127.0.0.1:41001/news/{i}", splits) != split_of(
        f"http://127.0.0.1:41002/news/{i}", splits) for i in range(200))
    assert moved > 50


def _splits_by_path(dataset: Path, hf_home: Path) -> tuple[dict[str, str], dict[str, str]]:
    articles = load(dataset, "articles", hf_home)
    comments = load(dataset, "comments", hf_home)
    by_article = {a["article_id"]: article_identity(a["canonical_url"]) for a in articles}
    return ({article_identity(a["canonical_url"]): a["_split"] for a in articles},
            {f"{by_article[c['article_id']]}#{c['comment_id']}": c["_split"] for c in comments})


def test_the_same_site_on_two_ports_publishes_the_same_splits(tmp_path, hf_home):
    """The demo site served twice, each on a random port, crawled and published by the real
    command line: every article (and comment) is in the same split both times."""
    published = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        site = start_demo_site(tmp_path / run, "--slow-seconds", "0.1", "--articles", "12")
        try:
            crawl = run_crawl(tmp_path / run / "warc", "-a", f"start_urls={site.truth['seeds']['sitemap']}")
        finally:
            site.process.terminate()
            site.process.wait(timeout=10)
            site.process.stdout.close()
        assert crawl.returncode == 0, crawl.log[-3000:]
        out = tmp_path / run / "dataset"
        proc = publish_cli(crawl.warc_dir, "-o", out, "--splits", HALVES, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-2000:]
        published.append((site.base_url, _splits_by_path(out, hf_home)))
    (base_a, (articles_a, comments_a)), (base_b, (articles_b, comments_b)) = published
    assert base_a != base_b  # two ports: the article URLs (and ids) differ
    assert len(articles_a) == 12
    assert articles_a == articles_b
    assert comments_a == comments_b
    assert set(articles_a.values()) == {"train", "test"}  # a real test: both halves used
