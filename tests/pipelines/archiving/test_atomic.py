"""A file replaced whole or not at all (the CDXJ index, the WACZ, a run's stats.json)."""

from __future__ import annotations

import pytest

from pipelines.archiving.atomic import replacing, write_text


def test_the_file_is_replaced_once_the_block_ends(tmp_path):
    path = tmp_path / "index.cdxj"
    path.write_text("old\n")
    with replacing(path) as part:
        part.write_text("new\n")
        assert path.read_text() == "old\n"  # a reader meanwhile sees the old file
    assert path.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.cdxj"]


def test_a_failed_block_leaves_the_old_file_and_no_part(tmp_path):
    path = tmp_path / "crawl.wacz"
    path.write_bytes(b"old")
    part = tmp_path / ".crawl.wacz.123.part"

    def write_half() -> None:
        with replacing(path, part) as given:
            given.write_bytes(b"half")
            raise RuntimeError("writer died")

    with pytest.raises(RuntimeError, match="writer died"):
        write_half()
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crawl.wacz"]


def test_a_block_that_wrote_nothing_fails_and_leaves_the_old_file(tmp_path):
    path = tmp_path / "stats.json"
    path.write_text("{}")
    with pytest.raises(FileNotFoundError), replacing(path):
        pass
    assert path.read_text() == "{}"


def test_write_text_writes_utf8_in_one_rename(tmp_path):
    path = tmp_path / "run-stats.json"
    write_text(path, '{"seed": "http://h/é"}\n')
    assert path.read_bytes() == '{"seed": "http://h/é"}\n'.encode()
    write_text(path, "{}\n", tmp_path / ".run-stats.json.tmp")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run-stats.json"]
    assert path.read_text() == "{}\n"
