"""`--export jsonl` (both configs again as gzipped JSON Lines, beside the Parquet) and
`--export threads` (each article with its comments nested as `replies`), read back with gzip,
json and pyarrow and compared with what `datasets` loads from the Parquet."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.json as paj
import pyarrow.parquet as pq
import pytest

from pipelines.publishing.export import thread_json
from pipelines.publishing.schema import ARTICLES_SCHEMA, SCHEMAS
from tests.conftest import CrawlResult
from tests.pipelines.publishing.test_card import warc_with_info
from tests.pipelines.publishing.test_publish import ARTICLE, load, publish_cli


@pytest.fixture(scope="module")
def published(sitemap_crawl: CrawlResult, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("exports")
    runs = {"plain": (), "exports": ("--export", "jsonl", "--export", "threads"),
            "again": ("--export", "jsonl"), "small": ("--export", "jsonl", "--shard-size", "8kB")}
    for name, extra in runs.items():
        proc = publish_cli(*sitemap_crawl.warcs, "-o", tmp / name, "--splits", "train=0.5,test=0.5", *extra,
                           cwd=tmp)
        assert proc.returncode == 0, proc.stderr[-2000:]
    return {name: tmp / name for name in runs}


def lines(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def as_json(value: Any) -> Any:
    """A Parquet value as the JSON Lines export writes it."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    return value


def test_exports_sit_beside_an_unchanged_dataset(published):
    plain = {p.relative_to(published["plain"]) for p in published["plain"].rglob("*") if p.is_file()}
    both = {p.relative_to(published["exports"]) for p in published["exports"].rglob("*") if p.is_file()}
    assert plain <= both
    for rel in plain - {Path("README.md"), Path(".threadwarc")}:  # the card and list name the exports
        assert (published["plain"] / rel).read_bytes() == (published["exports"] / rel).read_bytes()
    assert {p.parts[0] for p in both - plain} == {"jsonl", "threads"}
    card = (published["exports"] / "README.md").read_text()
    configs = re.search(r"\nconfigs:\n(.*?)\ndataset_info:", card, re.DOTALL)[1]
    assert "jsonl" not in configs  # `load_dataset` reads the Parquet
    assert "| jsonl/comments | train |" in card
    assert "zcat " in card


def test_jsonl_mirrors_every_parquet_shard_row_for_row(published):
    for config, schema in SCHEMAS.items():
        parquet = sorted((published["exports"] / config).iterdir())
        jsonl = sorted((published["exports"] / "jsonl" / config).iterdir())
        assert [p.name.split("-of-")[0] for p in jsonl] == [p.name.split("-of-")[0] for p in parquet]
        for pq_file, js_file in zip(parquet, jsonl, strict=True):
            assert js_file.name.endswith(".jsonl.gz")
            proc = subprocess.run(["gzip", "-t", str(js_file)], capture_output=True, text=True)
            assert proc.returncode == 0, proc.stderr
            rows = lines(js_file)
            assert all(list(r) == schema.names for r in rows)  # every column, schema order
            assert rows == [as_json(r) for r in pq.read_table(pq_file).to_pylist()]


def test_pyarrow_reads_the_jsonl_with_the_datasets_types(published, hf_home):
    """With the schema given, the JSON Lines are the Parquet's rows, types and all."""
    for config, schema in SCHEMAS.items():
        for path in sorted((published["exports"] / "jsonl" / config).iterdir()):
            table = paj.read_json(pa.input_stream(str(path), compression="gzip"),
                                  parse_options=paj.ParseOptions(explicit_schema=schema))
            twin = next((published["exports"] / config).glob(path.name.split("-of-")[0] + "-of-*"))
            assert table.equals(pq.read_table(twin))


def test_jsonl_shards_stay_within_the_limit_and_are_deterministic(published):
    small = sorted((published["small"] / "jsonl" / "comments").iterdir())
    assert len(small) > 2
    assert all(p.stat().st_size <= 8000 for p in small)
    assert sum(len(lines(p)) for p in small) == sum(
        pq.read_metadata(p).num_rows for p in (published["small"] / "comments").iterdir())
    for config in SCHEMAS:
        one = {p.name: p.read_bytes() for p in (published["exports"] / "jsonl" / config).iterdir()}
        again = {p.name: p.read_bytes() for p in (published["again"] / "jsonl" / config).iterdir()}
        assert one == again


Walked = list[tuple[dict[str, Any], str | None]]  # (comment, the id of the comment it is under)


def flatten(tree: list[dict[str, Any]], parent: str | None, out: Walked) -> None:
    for node in tree:
        out.append((node, parent))
        flatten(node["replies"], node["comment_id"], out)


def test_thread_view_nests_each_articles_comments(published, hf_home):
    articles = {a["article_id"]: a for a in load(published["plain"], "articles", hf_home)}
    files = sorted((published["exports"] / "threads").iterdir())
    assert [p.name.split("-of-")[0] for p in files] == sorted(
        p.name.split("-of-")[0] for p in (published["plain"] / "articles").iterdir())
    seen = set()
    for path in files:
        split = path.name.split("-", 1)[0]
        for thread in lines(path):
            row = articles[thread["article_id"]]
            seen.add(thread["article_id"])
            assert row["_split"] == split
            assert list(thread) == ARTICLES_SCHEMA.names  # comments in its place, as a tree
            assert thread["title"] == row["title"]
            walked: Walked = []
            flatten(thread["comments"], None, walked)
            # drupal7 threads are in depth-first order: the tree walked is the thread order
            assert [n["comment_id"] for n, _ in walked] == [c["comment_id"] for c in row["comments"]]
            assert all(n["parent_id"] == parent for n, parent in walked)
            assert len(walked) == row["comment_count"]
    assert seen == set(articles)


def test_thread_tree_keeps_every_comment(tmp_path):
    """Unknown and missing parents at the top, a loop of parents broken, no comment lost or
    doubled, and a chain deeper than json's recursion limit written without recursion."""
    comments = [{"comment_id": "1", "parent_id": None}, {"comment_id": "2", "parent_id": "1"},
                {"comment_id": "3", "parent_id": "gone"}, {"comment_id": "4", "parent_id": "5"},
                {"comment_id": "5", "parent_id": "4"}, {"comment_id": "6", "parent_id": "6"},
                {"comment_id": "7", "parent_id": "2"}]
    tree = json.loads(thread_json({"article_id": "a", "comments": comments}))
    walked: Walked = []
    flatten(tree["comments"], None, walked)
    assert [n["comment_id"] for n, _ in walked] == ["1", "2", "7", "3", "6", "4", "5"]
    assert [n["comment_id"] for n in tree["comments"]] == ["1", "3", "6", "4"]
    deep = [{"comment_id": str(i), "parent_id": str(i - 1) if i else None} for i in range(3000)]
    text = thread_json({"article_id": "d", "comments": deep})
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)  # json.loads recurses: a reader of deep trees needs this too
    try:
        node = json.loads(text)["comments"][0]
    finally:
        sys.setrecursionlimit(limit)
    depth = 0
    while node["replies"]:
        [node] = node["replies"]
        depth += 1
    assert depth == 2999


def test_a_dataset_without_comments_exports_an_empty_file(tmp_path, hf_home):
    warc = tmp_path / "a.warc.gz"
    warc_with_info(warc, {"software": "test"}, [("http://site.example/story", ARTICLE)])
    proc = publish_cli(warc, "-o", tmp_path / "ds", "--format", "jsonl", "--export", "threads", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    [empty] = (tmp_path / "ds" / "jsonl" / "comments").iterdir()
    assert gzip.decompress(empty.read_bytes()) == b""
    [article] = [t for p in (tmp_path / "ds" / "threads").iterdir() for t in lines(p)]
    assert article["comments"] == []
    [parquet] = (tmp_path / "ds" / "comments").iterdir()
    assert pq.read_metadata(parquet).num_rows == 0
    assert len(load(tmp_path / "ds", "articles", hf_home)) == 1


@pytest.mark.parametrize("bad", ["xml", "parquet"])
def test_an_unknown_export_is_a_usage_error(tmp_path, bad):
    warc = tmp_path / "a.warc.gz"
    warc_with_info(warc, {"software": "test"}, [("http://site.example/story", ARTICLE)])
    proc = publish_cli(warc, "-o", tmp_path / "ds", "-s", f"DATASET_EXPORTS=jsonl,{bad}", cwd=tmp_path)
    assert proc.returncode == 2
    assert f"DATASET_EXPORTS: {bad!r} unknown; exports are jsonl, threads" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_line_is_a_line_to_every_reader():
    """Line separators inside texts are escaped: str.splitlines() sees one line per row."""
    text = "one\u2028two\x85three\u2029four\nfive\r"
    line = thread_json({"article_id": "a", "text": text, "comments": [{"comment_id": "1", "text": text}]})
    assert len(line.splitlines()) == 1
    parsed = json.loads(line)
    assert parsed["text"] == text
    assert parsed["comments"][0]["text"] == text
