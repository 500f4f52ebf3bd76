"""Publishing never costs a user a good dataset or a file of their own, whatever goes wrong."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pipelines.publishing.test_publish import ARTICLE, load, publish_cli, write_warc


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def good(tmp_path: Path) -> Path:
    """A published dataset of one article, and the WARC it came from."""
    warc = tmp_path / "good.warc.gz"
    write_warc(warc, [("http://site.example/story", "text/html; charset=utf-8", ARTICLE)])
    proc = publish_cli(warc, "-o", tmp_path / "ds", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return tmp_path / "ds"


# what a script-rendered site serves: no text to extract
NOT_ARTICLE = (b"<html><head><title>Loading</title></head><body><div id=app></div>"
               b"<script>render()</script></body></html>")


def test_a_publish_with_no_article_leaves_the_dataset(good, tmp_path, hf_home):
    before = snapshot(good)
    empty = tmp_path / "menu-only.warc.gz"
    write_warc(empty, [("http://site.example/menu", "text/html", NOT_ARTICLE)])
    proc = publish_cli(empty, "-o", good, cwd=tmp_path)
    assert proc.returncode == 3  # nothing to publish (1: the publish failed)
    last = proc.stderr.strip().splitlines()[-1]
    assert "Nothing published: no article in 1 HTML page(s) of 1 WARC file(s): menu-only.warc.gz" in last
    assert f"{good} is as it was" in last
    assert "Traceback" not in proc.stderr
    assert snapshot(good) == before
    assert [r["url"] for r in load(good, "articles", hf_home)] == ["http://site.example/story"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".ds.tmp")]


def test_a_folder_with_the_users_files_is_never_replaced(tmp_path, good):
    mine = tmp_path / "mine"
    (mine / "articles").mkdir(parents=True)
    (mine / "README.md").write_text("# my notes\n")
    (mine / "articles" / "draft.md").write_text("a draft")
    proc = publish_cli(tmp_path / "good.warc.gz", "-o", mine, cwd=tmp_path)
    assert proc.returncode == 1
    assert "holds files threadwarc did not write (README.md, articles/draft.md)" in proc.stderr
    assert snapshot(mine) == {"README.md": b"# my notes\n", "articles/draft.md": b"a draft"}
    # a file of the user's put into one of our datasets is safe too
    (good / "articles" / "notes.txt").write_text("mine")
    proc = publish_cli(tmp_path / "good.warc.gz", "-o", good, cwd=tmp_path)
    assert proc.returncode == 1
    assert "(articles/notes.txt)" in proc.stderr
    assert (good / "articles" / "notes.txt").read_text() == "mine"


def test_datasets_carry_a_marker_and_older_ones_are_adopted(tmp_path, good):
    marker = good / ".threadwarc"
    assert '"software": "threadwarc"' in marker.read_text()
    listed = json.loads(marker.read_text())["files"]
    assert "README.md" in listed
    assert sorted(listed) == sorted(p for p in snapshot(good) if p != ".threadwarc")
    marker.unlink()  # as threadwarc 0.1.0 wrote them: README.md and the Parquet files only
    proc = publish_cli(tmp_path / "good.warc.gz", "-o", good, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert marker.exists()


def test_an_output_symlink_is_followed_to_its_target(tmp_path, good, hf_home):
    real = tmp_path / "volumes" / "ds-real"
    real.parent.mkdir()
    good.rename(real)
    link = tmp_path / "ds-link"
    link.symlink_to(real)
    proc = publish_cli(tmp_path / "good.warc.gz", "-o", link, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert link.is_symlink()
    assert link.resolve() == real
    assert load(link, "articles", hf_home)
    assert not [p for p in tmp_path.rglob(".*tmp-*")]
    # dangling: the dataset is created where the link points
    dangling = tmp_path / "later"
    dangling.symlink_to(tmp_path / "volumes" / "not-yet")
    proc = publish_cli(tmp_path / "good.warc.gz", "-o", dangling, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "volumes" / "not-yet" / "README.md").is_file()
    assert dangling.is_symlink()


def test_a_symlink_loop_is_refused_before_any_work(tmp_path, good):
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "loop")
    proc = publish_cli(tmp_path / "good.warc.gz", "-o", loop, cwd=tmp_path)
    assert proc.returncode == 1
    assert "cannot follow the symlink" in proc.stderr.strip().splitlines()[-1]
    assert "Publishing 1 WARC" not in proc.stderr  # refused before extraction started
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_published_folders_follow_the_umask(tmp_path, umask):
    warc = tmp_path / "good.warc.gz"
    write_warc(warc, [("http://site.example/story", "text/html; charset=utf-8", ARTICLE)])
    proc = subprocess.run(
        [sys.executable, "-c", f"import os, sys; os.umask({umask}); from crawler.cli import main;"
         "sys.argv = ['threadwarc', 'publish', 'good.warc.gz', '-o', 'ds']; main()"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for path in [tmp_path / "ds", *(tmp_path / "ds").rglob("*")]:
        expected = (0o777 if path.is_dir() else 0o666) & ~umask
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


def test_a_full_disk_fails_with_one_line_and_keeps_the_dataset(tmp_path, small_disk, hf_home):
    disk = small_disk(400 * 1024)
    warc = tmp_path / "good.warc.gz"
    write_warc(warc, [("http://site.example/story", "text/html; charset=utf-8", ARTICLE)])
    assert publish_cli(warc, "-o", disk / "ds", cwd=tmp_path).returncode == 0
    before = snapshot(disk / "ds")
    big = tmp_path / "big.warc.gz"  # incompressible text: more than the disk holds
    pages = [(f"http://site.example/s{i}", "text/html",
              ARTICLE.replace(b"A quiet story", os.urandom(30_000).hex().encode())) for i in range(12)]
    write_warc(big, pages)
    proc = publish_cli(big, "-o", disk / "ds", "--workers", "1", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert "Nothing published: the disk is full" in last, proc.stderr[-3000:]
    assert "ds is as it was" in last
    assert "Traceback" not in proc.stderr
    assert snapshot(disk / "ds") == before
    assert load(disk / "ds", "articles", hf_home)
    assert not [p for p in disk.iterdir() if p.name.startswith(".ds.tmp")]
