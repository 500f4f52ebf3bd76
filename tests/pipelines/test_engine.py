"""DATASET_ENGINE=datatrove: the same dataset, byte for byte, as the pool engine, whatever the
number of workers and tasks; a killed worker's tasks run again, or the publish fails and leaves
the old dataset as it was."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CrawlResult, DemoSite, run_crawl
from tests.pipelines.publishing.test_progress import (
    COMMENTED,
    run_on_a_terminal,
    warc,  # noqa: F401 - a fixture
)
from tests.pipelines.publishing.test_publish import ARTICLE, load, write_warc
from tests.pipelines.publishing.test_revisits import NAMES, archives  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parents[2]


def publish(src: Path, out: Path, engine: str, workers: int, *extra: str
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", "publish", str(src), "-o", str(out),
                           "--workers", str(workers), "-s", f"DATASET_ENGINE={engine}", "-L", "INFO",
                           *extra],
                          capture_output=True, text=True, cwd=out.parent, timeout=600)


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def publish_each(src: Path, tmp: Path, runs: list[tuple[str, str, int]],
                 stderr: dict[str, str] | None = None) -> dict[str, dict[str, bytes]]:
    """Each run publishes to the same folder (the card names it), then is moved aside."""
    target = tmp / "dataset"
    out = {}
    for name, engine, workers in runs:
        proc = publish(src, target, engine, workers)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert ("datatrove: step 1" in proc.stderr) == (engine == "datatrove")  # which one ran
        target.rename(tmp / name)
        out[name] = files(tmp / name)
        if stderr is not None:
            stderr[name] = proc.stderr
    return out


@pytest.fixture(scope="module")
def crawl(demo_site: DemoSite, tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    """The demo site's crawl in small files: step 1 runs as several tasks."""
    tmp = tmp_path_factory.mktemp("enginecrawl")
    result = run_crawl(tmp / "warc", "-a", f"start_urls={demo_site.truth['seeds']['sitemap']}",
                       "-s", "WARC_MAX_SIZE=100000")
    assert result.returncode == 0, result.log[-3000:]
    assert len(result.warcs) >= 4
    return result


def test_datatrove_publishes_the_pool_engines_bytes_with_any_workers(crawl, tmp_path, hf_home):
    stderr: dict[str, str] = {}
    out = publish_each(crawl.warc_dir, tmp_path, [("pool", "pool", 2), ("dt1", "datatrove", 1),
                                                   ("dt3", "datatrove", 3)], stderr)
    # datatrove's logging_dir and the parts live in the build folder, removed before the swap
    top = {rel.split("/", 1)[0] for rel in out["dt3"]}
    assert top == {"articles", "comments", "README.md", ".threadwarc"}  # the marker: a dataset of ours
    # and its loguru lines (task start, stats, completion) stay out of the user's terminal
    for name in ("dt1", "dt3"):
        noise = [line for line in stderr[name].splitlines()
                 if re.search(r"\| (INFO|SUCCESS|DEBUG) +\||tasks completed|PIPELINE|Launching", line)]
        assert noise == [], noise[:5]
    assert any(re.fullmatch(r"articles/train-00000-of-00001-[0-9a-f]{16}\.parquet", f) for f in out["pool"])
    assert "README.md" in out["pool"]
    for name in ("dt1", "dt3"):
        assert sorted(out[name]) == sorted(out["pool"]), name
        for rel, data in out["pool"].items():
            assert out[name][rel] == data, (name, rel)
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]  # no build folder left
    for config in ("articles", "comments"):  # and `datasets` reads the same rows
        assert load(tmp_path / "dt3", config, hf_home) == load(tmp_path / "pool", config, hf_home), config


def test_revisits_publish_the_same_bytes_on_datatrove(archives, tmp_path):  # noqa: F811
    """A deduplicated archive: revisits matched to originals across files, and in a file
    beside the one named, as the pool engine does."""
    _, dedup, n = archives
    for label, src, runs in (("both", dedup, [("dt2", "datatrove", 2), ("dt1", "datatrove", 1)]),
                             ("beside", dedup / NAMES[1], [("dt2", "datatrove", 2)])):
        folder = tmp_path / label
        folder.mkdir()
        out = publish_each(src, folder, [("pool", "pool", 2), *runs])
        for name, _, _ in runs:
            assert out[name] == out["pool"], (label, name)
    proc = publish(dedup, tmp_path / "again", "datatrove", 2)
    assert re.search(rf"\brevisits {n}\b", proc.stdout), proc.stdout


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def _publish_killing(src: Path, out: Path, kills: int) -> tuple[int, str, list[int], set[int]]:
    """Publishes with 2 workers on datatrove and SIGKILLs one worker of each of the first
    `kills` pools as soon as the publish logs their pids (read from its stderr: no timer)."""
    cmd = [sys.executable, "-m", "crawler", "publish", str(src), "-o", str(out), "--workers", "2",
           "-s", "DATASET_ENGINE=datatrove", "-L", "DEBUG"]
    killed: list[int] = []
    workers: set[int] = set()
    lines = []
    with subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          cwd=out.parent) as proc:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if m := re.search(r"datatrove workers: pids ([\d, ]+)", line):
                pids = [int(p) for p in m[1].split(",")]
                workers.update(pids)
                if len(killed) < kills:
                    assert pids[0] in _children(proc.pid)  # a worker of this publish, no one else's
                    os.kill(pids[0], signal.SIGKILL)
                    killed.append(pids[0])
        code = proc.wait(timeout=300)
    return code, "".join(lines), killed, workers


def test_a_killed_worker_is_retried_and_the_bytes_are_the_same(crawl, tmp_path):
    target = tmp_path / "ds"
    assert publish(crawl.warc_dir, target, "pool", 2).returncode == 0
    target.rename(tmp_path / "ref")
    code, log, killed, _ = _publish_killing(crawl.warc_dir, target, kills=1)
    assert code == 0, log[-3000:]
    assert len(killed) == 1
    assert "A datatrove worker died" in log
    assert "running its unfinished task(s) again" in log
    assert files(target) == files(tmp_path / "ref")


def test_a_worker_killed_twice_fails_the_publish_and_keeps_the_old_dataset(crawl, tmp_path):
    target = tmp_path / "ds"
    assert publish(crawl.warc_dir, target, "pool", 2).returncode == 0
    before = files(target)
    code, log, killed, workers = _publish_killing(crawl.warc_dir, target, kills=2)
    assert code != 0, log[-3000:]
    assert len(killed) == 2
    assert f"{target} is as it was" in log
    assert files(target) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ds.tmp")] == []
    alive = [pid for pid in workers if Path(f"/proc/{pid}").exists()
             and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"]
    assert alive == []  # no worker outlives the publish


def test_bucket_hash_is_stable_across_processes():
    """Buckets come from a fixed hash, not Python's salted `hash()`."""
    code = "from pipelines.publishing.engine import bucket_of; print(bucket_of('http://a.test/x'))"
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(seen) == 1


def _pickled(stderr: str) -> int:
    """What the publish pickled to submit one step-1 task to its pool (logged at DEBUG)."""
    found = re.findall(r"datatrove: scan WARC ranges: (\d+) bytes pickled per task submitted", stderr)
    assert found, stderr[-3000:]
    return int(found[0])


def test_many_small_warcs_publish_the_pool_engines_bytes_and_each_task_pickles_the_same(tmp_path):
    """300 WARC files: what each task needs is in its own file, so what the publish pickles to
    submit a task does not grow with the number of tasks and files (it held all of them)."""
    src = tmp_path / "src"
    src.mkdir()
    for i in range(300):
        page = (ARTICLE.replace(b"quiet", b"quiet %d" % i) if i % 2 else
                COMMENTED.replace(b"Council", b"Council %d" % i))
        write_warc(src / f"small-{i:03d}.warc.gz", [(f"http://site.example/{i}", "text/html", page)])
    few = tmp_path / "three"
    few.mkdir()
    for i in range(3):
        (few / f"small-{i:03d}.warc.gz").write_bytes((src / f"small-{i:03d}.warc.gz").read_bytes())
    runs = {}
    target = tmp_path / "dataset"  # one folder (the card names it), moved aside after each run
    for name, folder, engine in (("pool", src, "pool"), ("dt", src, "datatrove"), ("few", few, "datatrove")):
        proc = publish(folder, target, engine, 2, "-L", "DEBUG")
        assert proc.returncode == 0, proc.stderr[-3000:]
        target.rename(tmp_path / name)
        runs[name] = proc
    assert "published: 300 articles" in runs["pool"].stdout
    assert files(tmp_path / "dt") == files(tmp_path / "pool")
    many_tasks = re.search(r"step 1 \(read and analyse\) as (\d+) task", runs["dt"].stderr)
    few_tasks = re.search(r"step 1 \(read and analyse\) as (\d+) task", runs["few"].stderr)
    assert (int(many_tasks[1]), int(few_tasks[1])) == (9, 3)  # several tasks, a pool each time
    assert _pickled(runs["dt"].stderr) == _pickled(runs["few"].stderr)


def test_a_publish_in_this_process_leaves_its_environment_stderr_and_loguru_as_they_were(warc, tmp_path):  # noqa: F811
    """One worker on the main thread runs datatrove's tasks in the publishing process: its
    DATATROVE_* variables, its stderr redirect and its loguru reset (every handler removed, at
    its import and at each task) must not outlive them; a handler added before still works."""
    code = (
        "import json, os, sys\n"
        "from pathlib import Path\n"
        "from loguru import logger\n"
        "seen = []\n"
        "logger.add(lambda m: seen.append(m.record['message']), level='DEBUG')\n"
        "env, stderr = dict(os.environ), sys.stderr\n"
        "from pipelines.publishing.config import DatasetConfig\n"
        "from pipelines.publishing.publish import publish\n"
        "report = publish([sys.argv[1]], DatasetConfig(Path(sys.argv[2]), workers=1, engine='datatrove'))\n"
        "logger.info('after the publish')\n"
        "print(json.dumps({'articles': report.stats['extract/articles'], 'env': dict(os.environ) == env,\n"
        "                  'new': sorted(set(os.environ) - set(env)), 'stderr': sys.stderr is stderr,\n"
        "                  'seen': seen}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(warc), str(tmp_path / "ds")], capture_output=True,
                          text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.splitlines()[-1])
    assert out["articles"] == 2  # it did publish, with datatrove's tasks in this process
    assert out["new"] == []
    assert out["env"] is True
    assert out["stderr"] is True
    assert out["seen"] == ["after the publish"]  # still there, and no datatrove line reached it


def test_progress_lines_on_datatrove_when_stderr_is_not_a_terminal(warc, tmp_path):  # noqa: F811
    proc = publish(warc, tmp_path / "ds", "datatrove", 2, "-s", "DATASET_PROGRESS_INTERVAL=0.000001")
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [line for line in proc.stderr.splitlines() if "Publish progress: " in line]
    assert any(re.search(r"reading WARC files: [\d.]+ \w+ of [\d.]+ \w+ \(100%\); files 1/1, "
                         r"records \d+, pages 2", line) for line in lines), lines
    assert any("article bodies and assembly: 16 of 16 buckets (100%); articles 2" in line
               for line in lines), lines
    assert any(re.search(r"writing the dataset: 2 of 2 articles \(100%\); comments \d+", line)
               for line in lines), lines
    assert "\r" not in proc.stderr  # no bar drawn into a log file


def test_progress_bars_on_datatrove_on_a_terminal(warc, tmp_path):  # noqa: F811
    code, out, err = run_on_a_terminal(warc, "-o", tmp_path / "ds", "--workers", "1", "-s",
                                       "DATASET_ENGINE=datatrove", cwd=tmp_path)
    assert code == 0, err[-2000:]
    assert "published: 2 articles" in out
    bars = [step for step in ("reading WARC files:", "article bodies and assembly:", "writing the dataset:")
            if re.search(re.escape(step) + r"\s+\d+%\|", err)]
    assert bars == ["reading WARC files:", "article bodies and assembly:", "writing the dataset:"], err
