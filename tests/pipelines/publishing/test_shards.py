"""Shards of at most DATASET_SHARD_SIZE, named as `datasets` expects, zstd row groups that
`datasets` reads whole or streaming."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from pipelines.publishing.parquet import ROW_GROUP_ROWS, DatasetWriter
from pipelines.publishing.schema import SCHEMAS
from tests.conftest import CrawlResult
from tests.pipelines.publishing.test_publish import load, publish_cli

LIMIT = 30_000
SHARD = re.compile(r"(?P<split>train|validation|test)-(?P<i>\d{5})-of-(?P<n>\d{5})-[0-9a-f]{16}\.parquet")


@pytest.fixture(scope="module")
def published(sitemap_crawl: CrawlResult, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The crawl published whole (500 MB shards: one per split) and in 30 kB shards."""
    tmp = tmp_path_factory.mktemp("shards")
    out = {}
    for name, extra in (("whole", ()), ("small", ("--shard-size", "30kB"))):
        out[name] = tmp / name
        proc = publish_cli(*sitemap_crawl.warcs, "-o", out[name], "--splits", "train=0.5,test=0.5", *extra,
                           cwd=tmp)
        assert proc.returncode == 0, proc.stderr[-2000:]
    return out


def shards(dataset: Path, config: str) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for path in sorted((dataset / config).iterdir()):
        m = SHARD.fullmatch(path.name)
        assert m, path.name
        found.setdefault(m["split"], []).append(path)
    return found


def test_small_shard_size_cuts_every_split_into_named_shards(published):
    for config in SCHEMAS:
        per_split = shards(published["small"], config)
        assert set(per_split) == {"train", "test"}
        assert sum(len(paths) for paths in per_split.values()) > len(per_split)  # some split is cut
        for paths in per_split.values():
            names = [SHARD.fullmatch(p.name) for p in paths]
            assert [int(m["i"]) for m in names] == list(range(len(paths)))
            assert {int(m["n"]) for m in names} == {len(paths)}
            for path in paths:
                assert path.stat().st_size <= LIMIT, path
        whole = shards(published["whole"], config)
        assert {s: len(p) for s, p in whole.items()} == {"train": 1, "test": 1}


def test_shards_are_zstd_row_groups_of_the_schema(published):
    for config, schema in SCHEMAS.items():
        rows = 0
        for paths in shards(published["small"], config).values():
            for path in paths:
                meta = pq.ParquetFile(path).metadata
                assert pq.read_schema(path).equals(schema)
                for g in range(meta.num_row_groups):
                    group = meta.row_group(g)
                    assert 0 < group.num_rows <= ROW_GROUP_ROWS
                    assert {group.column(c).compression for c in range(group.num_columns)} == {"ZSTD"}
                    rows += group.num_rows
        assert rows == sum(pq.read_metadata(p).num_rows
                           for paths in shards(published["whole"], config).values() for p in paths)


def test_datasets_loads_the_same_rows_whole_and_streaming(published, hf_home):
    for config, key in (("articles", "article_id"), ("comments", "comment_id")):
        whole = sorted(load(published["whole"], config, hf_home), key=lambda r: r[key])
        small = sorted(load(published["small"], config, hf_home), key=lambda r: r[key])
        assert small == whole
        streamed = stream(published["small"], config, hf_home)
        assert sorted(streamed, key=lambda r: r[key]) == whole


def stream(dataset: Path, config: str, hf_home: Path) -> list[dict[str, Any]]:
    """`load_dataset(..., streaming=True)` over every split, as a user iterates it."""
    code = (
        "import json; from datasets import load_dataset\n"
        f"d = load_dataset({str(dataset)!r}, {config!r}, streaming=True)\n"
        "print(json.dumps([dict(r, _split=s) for s in d for r in d[s]], default=str))\n"
    )
    env = {**os.environ, "HF_HOME": str(hf_home), "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
           "HF_DATASETS_DISABLE_PROGRESS_BARS": "1"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_the_card_lists_every_shard(published):
    card = (published["small"] / "README.md").read_text()
    for config in SCHEMAS:
        for paths in shards(published["small"], config).values():
            for path in paths:
                assert f"    - {config}/{path.name}\n" in card


@pytest.mark.parametrize("bad", ["lots", "-5MB", "0", "12XB"])
def test_a_bad_shard_size_is_a_usage_error(sitemap_crawl, tmp_path, bad):
    proc = publish_cli(*sitemap_crawl.warcs, "-o", tmp_path / "ds", f"--shard-size={bad}", cwd=tmp_path)
    assert proc.returncode == 2
    assert "DATASET_SHARD_SIZE must be a size in bytes > 0" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "ds").exists()


# -- the writer alone, on rows of the shape publish gives it --------------------------------

T0 = datetime(2024, 5, 1, tzinfo=timezone.utc)


def thread(i: int, n: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An article of `n` comments as assemble() makes it (values vary: they must compress)."""
    url = f"http://news{i % 3}.example/2024/05/story-{i}"
    comments = []
    for k in range(n):
        comments.append({
            "comment_id": str(100_000 * i + k), "parent_id": str(100_000 * i + k - 1) if k % 4 else None,
            "author": f"user{(i * 7 + k) % 97}", "author_name": None, "published": T0 + timedelta(minutes=k),
            "text": f"Comment {k} on story {i}: " + " ".join(f"w{(i * k + j) % 1013}" for j in range(40)),
            "permalink": f"{url}#comment-{k}", "depth": k % 4, "position": k, "page": k // 50,
            "page_url": url + (f"?page={k // 50}" if k >= 50 else ""), "confidence": "high",
            "first_seen": T0, "last_seen": T0, "removed_at": None, "first_crawl": "c1", "last_crawl": "c1",
            "warc_file": "x.warc.gz", "warc_offset": 1000 * k, "warc_length": 900,
            "warc_record_id": f"<urn:{i}:{k}>", "fetch_time": T0,
        })
    article = {
        "article_id": f"{i:016x}", "url": url, "canonical_url": url, "title": f"Story {i}", "author": "ed",
        "author_name": None, "published": T0, "date": "2024-05-01", "site_name": "News",
        "hostname": url.split("/")[2],
        "language": "en", "description": None, "text": f"Body of story {i}. " * 50, "platform": "wordpress",
        "comments_status": "html", "comment_count": n, "thread_pages": 1 + n // 50, "first_seen": T0,
        "last_seen": T0, "first_crawl": "c1", "last_crawl": "c1", "comments": comments,
        "warc_file": "x.warc.gz", "warc_offset": 0, "warc_length": 5000, "warc_record_id": f"<urn:{i}>",
        "fetch_time": T0,
    }
    return article, [{"article_id": article["article_id"], "article_url": url, **c} for c in comments]


def write(root: Path, limit: int, articles: int = 120, per: int = 150) -> dict[str, dict[str, int]]:
    writer = DatasetWriter(root, (("train", 0.8), ("test", 0.2)), shard_bytes=limit)
    for i in range(articles):
        article, comments = thread(i, per)
        writer.add(article["canonical_url"], article, comments)
    return writer.close()


def test_writer_shards_stay_within_the_limit_and_are_deterministic(tmp_path):
    limit = 200_000
    counts = write(tmp_path / "a", limit)
    assert sum(counts["comments"].values()) == 120 * 150
    files = sorted((tmp_path / "a").rglob("*.parquet"))
    assert len(files) > 4
    for path in files:
        assert path.stat().st_size <= limit, (path.name, path.stat().st_size)
        assert pq.ParquetFile(path).metadata.num_row_groups >= 1
    assert max(pq.ParquetFile(p).metadata.num_row_groups for p in files) > 1  # row groups < shards
    write(tmp_path / "b", limit)
    assert [p.read_bytes() for p in files] == [
        (tmp_path / "b" / p.relative_to(tmp_path / "a")).read_bytes() for p in files]
    rows = [r for p in files if p.parent.name == "comments" for r in pq.read_table(p).to_pylist()]
    assert sorted(r["comment_id"] for r in rows) == sorted(
        str(100_000 * i + k) for i in range(120) for k in range(150))
