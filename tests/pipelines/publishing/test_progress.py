"""A publish says how far it has got (a bar on a terminal, log lines elsewhere) and ends with a
summary in words; every counter the code keeps is explained."""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from pipelines.publishing.progress import explain
from tests.pipelines.publishing.test_publish import ARTICLE, publish_cli, write_warc

ROOT = Path(__file__).resolve().parents[3]
COMMENTED = (b"<html lang='en'><head><title>Council votes</title></head><body><article><h1>Council "
             b"votes</h1>" + b"<p>The council met on Tuesday to vote on the new budget.</p>" * 4
             + b"</article><section class='comments'>"
             + b"".join(b"<div class='comment' id='c%d'><span class='author'>Reader %d</span>"
                        b"<p>Comment number %d says something about the budget.</p></div>" % (i, i, i)
                        for i in range(3))
             + b"</section></body></html>")


@pytest.fixture(scope="module")
def warc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("progress") / "small.warc.gz"
    write_warc(path, [
        ("http://site.example/a", "text/html; charset=utf-8", ARTICLE),
        ("http://site.example/b", "text/html; charset=utf-8", COMMENTED),
        ("http://site.example/empty", "text/html", b""),
        ("http://site.example/style.css", "text/css", b"body { color: black }"),
    ])
    return path


def test_the_summary_says_what_was_read_set_aside_and_published(warc, tmp_path):
    proc = publish_cli(warc, "-o", tmp_path / "ds", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "  read: 3 HTML captures\n" in out, out  # the stylesheet is no HTML page
    assert "1 page not an article (empty 1)" in out, out
    assert re.search(r"  published: 2 articles with \d+ comments?; their threads: ", out), out
    assert "other counters" not in out
    # and by name, for scripts
    assert re.search(r"  counters: .*captures 3, .*pages_not_articles 1", out), out


def counters_in_code() -> set[str]:
    """Every `extract/...` counter name the code increments (f-string families by prefix)."""
    names = set()
    for path in [*ROOT.glob("pipelines/**/*.py"), *ROOT.glob("crawler/**/*.py")]:
        for name in re.findall(r"""["']extract/([a-z_]+/?)""", path.read_text()):
            names.add(name)
    return names


def test_every_counter_the_code_keeps_is_explained_in_words_and_in_the_readme():
    names = counters_in_code()
    assert {"captures", "pages", "permalinks_skipped", "comments_status/"} <= names  # the scan works
    stats = {f"extract/{n}{'x' if n.endswith('/') else ''}": 7 for n in names}
    lines = explain(stats)
    assert not [line for line in lines if line.startswith("other counters")], lines
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### The publish summary"):]
    missing = [n for n in names if f"`{n.rstrip('/')}" not in section]
    assert not missing, f"counters not explained in README.md: {missing}"


def test_an_unknown_counter_is_shown_not_hidden():
    lines = explain({"extract/captures": 1, "extract/something_new": 2})
    assert lines[-1] == "other counters: something_new 2"


def test_progress_lines_when_stderr_is_not_a_terminal(warc, tmp_path):
    proc = publish_cli(warc, "-o", tmp_path / "ds", "-s", "DATASET_PROGRESS_INTERVAL=0.000001",
                       cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [line for line in proc.stderr.splitlines() if "Publish progress: " in line]
    assert any(re.search(r"reading WARC files: [\d.]+ \w+ of [\d.]+ \w+ \(100%\); files 1/1, "
                         r"records \d+, pages 2", line) for line in lines), lines
    assert any("article bodies: 2 of 2 articles (100%)" in line for line in lines), lines
    assert any(re.search(r"writing the dataset: 2 of 2 articles \(100%\); comments \d+", line)
               for line in lines), lines
    assert "\r" not in proc.stderr  # no bar drawn into a log file


def test_no_progress_lines_at_the_default_interval_for_a_short_publish(warc, tmp_path):
    proc = publish_cli(warc, "-o", tmp_path / "ds", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Publish progress" not in proc.stderr


def run_on_a_terminal(*args: object, cwd: Path) -> tuple[int, str, str]:
    """The publish command with stderr on a real pseudo-terminal (120 columns)."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    with subprocess.Popen([sys.executable, "-m", "crawler", "publish", *map(str, args)],
                          stdout=subprocess.PIPE, stderr=follower, cwd=cwd) as proc:
        os.close(follower)
        chunks = []
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        out = proc.stdout.read()
        code = proc.wait(timeout=600)
    os.close(leader)
    return code, out.decode(), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize("interval", ["30", "0"])
def test_a_progress_bar_on_a_terminal(warc, tmp_path, interval):
    code, out, err = run_on_a_terminal(warc, "-o", tmp_path / "ds", "-s",
                                       f"DATASET_PROGRESS_INTERVAL={interval}", cwd=tmp_path)
    assert code == 0, err[-2000:]
    assert "published: 2 articles" in out
    assert "Publish progress" not in err  # a bar, not lines
    bars = [step for step in ("reading WARC files:", "article bodies:", "writing the dataset:")
            if re.search(re.escape(step) + r"\s+\d+%\|", err)]
    if interval == "0":
        assert bars == [], err  # off
    else:
        assert bars == ["reading WARC files:", "article bodies:", "writing the dataset:"], err
        assert "files 0/1" in err  # the step's counters beside the bar
        assert "INFO: Publishing 1 WARC file(s)" in err  # log lines still show, above the bar
