"""The writer's memory is bounded by PENDING_BYTES of Arrow data whatever the number of splits
or the input's size: the fullest row-group buffer writes what it has once all hold more."""

from __future__ import annotations

import pyarrow.parquet as pq

from pipelines.publishing import parquet
from pipelines.publishing.parquet import DatasetWriter
from tests.pipelines.publishing.test_shards import thread

SPLITS = (("train", 0.6), ("validation", 0.2), ("test", 0.2))


def feed(root, articles: int = 90, per: int = 120) -> tuple[int, dict]:
    """The most Arrow data pending at once while writing, and the counts written."""
    writer = DatasetWriter(root, SPLITS)
    most = 0
    for i in range(articles):
        article, comments = thread(i, per)
        writer.add(article["canonical_url"], article, comments)
        most = max(most, sum(s.pending_bytes for s in writer.shards.values()))
    return most, writer.close()


def test_pending_row_groups_stay_within_the_budget(tmp_path, monkeypatch):
    unbounded, _ = feed(tmp_path / "free")
    budget = unbounded // 4
    monkeypatch.setattr(parquet, "PENDING_BYTES", budget)
    most, counts = feed(tmp_path / "bounded")
    assert most <= budget < unbounded
    assert sum(counts["comments"].values()) == 90 * 120
    files = sorted((tmp_path / "bounded").rglob("*.parquet"))
    ids = sorted(r for p in files if p.parent.name == "comments"
                 for r in pq.read_table(p, columns=["comment_id"]).column(0).to_pylist())
    assert ids == sorted(str(100_000 * i + k) for i in range(90) for k in range(120))
    # smaller row groups (other bytes, so other digests in the names), the same rows in order
    free = sorted((tmp_path / "free").rglob("*.parquet"))
    assert [p.relative_to(tmp_path / "free").parent for p in free] == [
        p.relative_to(tmp_path / "bounded").parent for p in files]
    for a, b in zip(files, free, strict=True):
        assert a.name.rsplit("-", 1)[0] == b.name.rsplit("-", 1)[0]
        assert pq.read_table(a).to_pylist() == pq.read_table(b).to_pylist()
    assert sum(pq.ParquetFile(p).metadata.num_row_groups for p in files) > sum(
        pq.ParquetFile(p).metadata.num_row_groups for p in free)
