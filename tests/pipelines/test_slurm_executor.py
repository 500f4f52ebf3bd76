"""DATASET_EXECUTOR=slurm: the datatrove engine's steps as Slurm job arrays, on a real one-node
Slurm cluster (slurmctld, slurmd and munge from apt, tests/slurm_cluster.py): the pool engine's
dataset, byte for byte; a task killed runs again; faults in one line, the old dataset kept and
nothing left queued."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CrawlResult, wait_for
from tests.pipelines.test_engine import files, publish
from tests.pipelines.test_ray_executor import dataset, live_processes
from tests.slurm_cluster import PARTITION, SHORT, SlurmCluster

NOISE = re.compile(r"\| (INFO|SUCCESS|DEBUG|WARNING) +\||Launching Slurm job|Stats:")  # datatrove's loguru


@pytest.fixture(scope="module")
def slurm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlurmCluster]:
    cluster = SlurmCluster.start(tmp_path_factory.mktemp("slurm"))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def pool_dataset(sitemap_crawl: CrawlResult, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    tmp = tmp_path_factory.mktemp("slurmpool")
    proc = publish(sitemap_crawl.warc_dir, tmp / "dataset", "pool", 2)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return dataset(tmp / "dataset")


def command(src: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "crawler", "publish", str(src), "-o", str(out), "--workers", "2",
            "-s", "DATASET_ENGINE=datatrove", "-s", "DATASET_EXECUTOR=slurm", "-L", "INFO", *extra]


def slurm_publish(src: Path, out: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(src, out, *extra), capture_output=True, text=True, cwd=out.parent, env=env,
                          timeout=600)


def queued(cluster: SlurmCluster) -> list[str]:
    """The jobs (array tasks) Slurm still has pending, running or completing."""
    proc = subprocess.run(["squeue", "-h", "-o", "%i %j %T"], capture_output=True, text=True, env=cluster.env,
                          check=True)
    return proc.stdout.split("\n")[:-1]


def task_processes(build_marker: str) -> list[int]:
    """The array tasks' processes running a publish task now (`launch_pickled_pipeline` of an
    executor in a build folder whose path holds `build_marker`)."""
    return [pid for pid, _, cmd in live_processes()
            if b"launch_pickled_pipeline" in cmd and build_marker.encode() in cmd and b"srun" not in cmd]


def test_a_slurm_cluster_publishes_the_pool_engines_bytes(sitemap_crawl, pool_dataset, slurm, tmp_path):
    """Inputs given relative to the publish's folder reach the tasks as absolute paths; the
    array runs DATASET_WORKERS tasks at a time; the job's logs go with the build folder. HF_TOKEN
    is not handed to the jobs: slurmctld keeps a job's environment in its state folder."""
    relative = Path(os.path.relpath(sitemap_crawl.warc_dir, tmp_path))
    token = "hf_slurmtestnotatoken0123456789"
    proc = slurm_publish(relative, tmp_path / "dataset", {**slurm.env, "HF_TOKEN": token})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"datatrove on Slurm: partition {PARTITION}: 1 node(s), 0/2/0/2 CPU(s)" in proc.stderr
    assert re.search(r"datatrove on Slurm: bodies and assembly: job \d+, 16 task\(s\) in 2 array task\(s\), "
                     r"2 at a time",
                     proc.stderr)
    assert dataset(tmp_path / "dataset") == pool_dataset
    noise = [line for line in proc.stderr.splitlines() if NOISE.search(line)]
    assert noise == [], noise[:5]
    assert queued(slurm) == []
    environments = list((slurm.folder / "state").rglob("environment"))
    assert environments, "slurmctld kept no job environment: nothing checked"
    kept = [f.read_bytes() for f in environments]
    assert all(b"SLURM_CONF=" in env and token.encode() not in env for env in kept)
    # no build folder left, no slurm_logs beside it: the job's logs were in the build folder
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dataset.lock", "dataset"]


def test_slurm_faults_are_one_line_and_keep_the_old_dataset(sitemap_crawl, slurm, tmp_path):
    out = tmp_path / "dataset"
    first = slurm_publish(sitemap_crawl.warc_dir, out, slurm.env, "-s", "DATASET_EXECUTOR=local")
    assert first.returncode == 0, first.stderr[-3000:]
    before = files(out)

    def fails(env: dict[str, str], *extra: str) -> str:
        proc = slurm_publish(sitemap_crawl.warc_dir, out, env, *extra)
        assert proc.returncode == 1, proc.stderr[-3000:]
        assert "Traceback" not in proc.stderr
        assert files(out) == before
        assert queued(slurm) == []
        last = proc.stderr.strip().splitlines()[-1]
        assert re.search(r"ERROR: Nothing published: .*is as it was", last), last
        return last

    assert ("DATASET_EXECUTOR=slurm: no partition gpu (DATASET_SLURM_PARTITION); the cluster has: "
            f"{PARTITION}, {SHORT}" in fails(slurm.env, "-s", "DATASET_SLURM_PARTITION=gpu"))
    # a job that can never start (10 minutes asked of a partition that allows 1) is not waited
    # for: one line with Slurm's reason, the job cancelled
    never = fails(slurm.env, "-s", f"DATASET_SLURM_PARTITION={SHORT}", "-s", "DATASET_SLURM_TIME=10")
    assert re.search(r"datatrove on Slurm: job \d+_\S+ cannot start: Slurm says PartitionTimeLimit",
                     never), never
    # sbatch refuses what no node has: its own error above, ours in one line
    assert re.search(r"datatrove on Slurm: sbatch could not submit the job for scan WARC ranges \(exit 1\)",
                     fails(slurm.env, "-s", "DATASET_SLURM_SBATCH_ARGS=--mem-per-cpu=900000G"))
    # a controller nobody runs: sinfo says so, in one line
    elsewhere = tmp_path / "elsewhere.conf"
    elsewhere.write_text(re.sub(r"SlurmctldPort=\d+", "SlurmctldPort=1", slurm.conf.read_text()))
    nobody = fails({**slurm.env, "SLURM_CONF": str(elsewhere)})
    assert "DATASET_EXECUTOR=slurm: no Slurm controller answers" in nobody
    # options that would write shell into the job's script are refused before anything runs
    refused = slurm_publish(sitemap_crawl.warc_dir, out, slurm.env,
                            "-s", "DATASET_SLURM_SBATCH_ARGS=--comment=$(touch /tmp/owned)")
    assert refused.returncode == 2
    assert ("DATASET_SLURM_SBATCH_ARGS: '--comment=$(touch' is not --option or --option=value"
            in refused.stderr)
    # options the publish relies on (squeue and scancel find its jobs by their name) are its own
    renamed = slurm_publish(sitemap_crawl.warc_dir, out, slurm.env,
                            "-s", "DATASET_SLURM_SBATCH_ARGS=--time=5 --job-name=mine")
    assert renamed.returncode == 2
    assert "DATASET_SLURM_SBATCH_ARGS: --job-name is set by the publish itself" in renamed.stderr
    assert files(out) == before
    # a DATASET_DIR whose path the job's script could not hold unquoted: refused before sbatch
    spaced = tmp_path / "with space"
    spaced.mkdir()
    proc = slurm_publish(sitemap_crawl.warc_dir, spaced / "dataset", slurm.env)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "has spaces, quotes or shell characters in its path" in proc.stderr.strip().splitlines()[-1]
    assert not (spaced / "dataset").exists()
    assert queued(slurm) == []


def _kill_one_mid_task(marker: str) -> int | None:
    """SIGKILL to a task's process caught mid-task: stopped first, then its command line read
    again (a stopped process cannot finish in between); one already gone is let go."""
    for pid in task_processes(marker):
        try:
            os.kill(pid, signal.SIGSTOP)
            if b"launch_pickled_pipeline" in (Path("/proc") / str(pid) / "cmdline").read_bytes():
                os.kill(pid, signal.SIGKILL)
                return pid
            os.kill(pid, signal.SIGCONT)
        except (ProcessLookupError, FileNotFoundError):
            continue
    return None


def test_a_task_whose_process_is_killed_runs_again(sitemap_crawl, pool_dataset, slurm, tmp_path):
    """The OOM killer's case: a task's process dies mid-task; its array task fails, the rest of
    the job runs on, and the ranks it left incomplete run again as a new job, logged. The
    dataset is the pool engine's bytes."""
    out = tmp_path / "dataset"
    err = tmp_path / "publish.log"
    with err.open("w") as log:
        proc = subprocess.Popen(command(sitemap_crawl.warc_dir, out), stderr=log, cwd=tmp_path, env=slurm.env)
    killed = None
    while killed is None and proc.poll() is None:
        killed = _kill_one_mid_task(str(tmp_path))
        if killed is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.005)  # polls the tasks' processes while the publish runs
    assert proc.wait(timeout=600) == 0, err.read_text()[-3000:]
    assert killed is not None, "no task was caught running"
    text = err.read_text()
    again = r"datatrove on Slurm: [\w ]+: task\(s\) \d+ did not complete in job \d+; running them again"
    assert re.search(again, text), text[-3000:]
    assert dataset(out) == pool_dataset
    assert queued(slurm) == []


def test_a_task_killed_twice_fails_the_publish_in_one_line(sitemap_crawl, slurm, tmp_path):
    """Every task's process killed as soon as it is seen: the rerun fails too, and the publish
    fails in one line naming the task, with the old dataset kept and nothing left queued."""
    out = tmp_path / "dataset"
    first = slurm_publish(sitemap_crawl.warc_dir, out, slurm.env, "-s", "DATASET_EXECUTOR=local")
    assert first.returncode == 0, first.stderr[-3000:]
    before = files(out)
    err = tmp_path / "publish.log"
    with err.open("w") as log:
        proc = subprocess.Popen(command(sitemap_crawl.warc_dir, out), stderr=log, cwd=tmp_path, env=slurm.env)
    killed = 0
    while proc.poll() is None:
        for pid in task_processes(str(tmp_path)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                killed += 1
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.005)
    text = err.read_text()
    assert proc.returncode == 1, text[-3000:]
    assert killed >= 2
    last = text.strip().splitlines()[-1]
    assert re.search(r"ERROR: Nothing published: .*datatrove on Slurm: task \d+ of scan WARC ranges did not "
                     r"complete twice \(jobs \d+, \d+\): .+is as it was", last), last
    assert "Traceback" not in text
    assert files(out) == before
    assert queued(slurm) == []


def test_sigterm_cancels_the_slurm_job(sitemap_crawl, slurm, tmp_path):
    """SIGTERM while a step's job runs: exit 143 in one line, the old dataset kept, and the job
    scancelled: nothing of it left pending or running on the cluster."""
    out = tmp_path / "dataset"
    first = slurm_publish(sitemap_crawl.warc_dir, out, slurm.env, "-s", "DATASET_EXECUTOR=local")
    assert first.returncode == 0, first.stderr[-3000:]
    before = files(out)
    proc = subprocess.Popen(command(sitemap_crawl.warc_dir, out), stderr=subprocess.PIPE, text=True,
                            cwd=tmp_path, env=slurm.env)
    assert proc.stderr is not None
    for line in proc.stderr:
        if re.search(r"datatrove on Slurm: bodies and assembly: job \d+", line):
            break
    assert queued(slurm), "the job was not seen queued or running"
    proc.send_signal(signal.SIGTERM)
    rest = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 128 + signal.SIGTERM, rest[-3000:]
    last = rest.strip().splitlines()[-1]
    assert re.search(r"Interrupted \(SIGTERM\): nothing published; .*dataset is as it was", last), last
    assert files(out) == before
    wait_for("the job gone from the queue", lambda: queued(slurm) == [], slurm.processes[-1], timeout=60)


def test_sbatch_args_time_and_partition_are_kept(tmp_path):
    """--time and --partition given in DATASET_SLURM_SBATCH_ARGS reach the job's #SBATCH lines
    (only the empty DATASET_SLURM_TIME/PARTITION are left out); --mem-per-cpu only when asked."""
    from datatrove.pipeline.base import PipelineStep

    from pipelines.publishing.slurm import SlurmExecutor

    class Nothing(PipelineStep):
        name = "nothing"

        def run(self, data=None, rank=0, world_size=1):
            yield from ()

    def sbatch(**kwargs: object) -> dict:
        executor = SlurmExecutor([Nothing()], tasks=2, workers=1, logging_dir=str(tmp_path / "logs"),
                                 job_name="threadwarc-test", qos="", **kwargs)
        return executor.get_sbatch_args(1)

    given = sbatch(time="", partition="", sbatch_args=(("time", "01:00:00"), ("partition", "gpu")))
    assert (given["time"], given["partition"]) == ("01:00:00", "gpu")
    assert "mem-per-cpu" not in given
    bare = sbatch(time="", partition="")
    assert not {"time", "partition", "mem-per-cpu"} & set(bare)
    assert sbatch(time="30", partition="batch")["time"] == "30"
    assert sbatch(time="", partition="", sbatch_args=(("mem-per-cpu", "1G"),))["mem-per-cpu"] == "1G"


def test_the_line_that_says_why_a_task_stopped():
    """From a task's job log: the error its traceback ends with, not srun's line after it; srun's
    line when there is nothing else (a task killed); never the script's `set -x` echo."""
    from pipelines.publishing.slurm import telling_line

    raised = "\n".join(["+ export THREADWARC_SLURM_TASK=1", "2026-12-03 | INFO | Launching pipeline",
                        "Traceback (most recent call last):", '  File "x.py", line 1, in <module>',
                        "ValueError: boom in rank 3", "srun: error: twnode: task 0: Exited with exit code 1"])
    assert telling_line(raised) == "ValueError: boom in rank 3"
    killed = "+ srun -l launch_pickled_pipeline x\n2026-12-03 | INFO | Launching pipeline\n" \
             "srun: error: twnode: task 0: Killed\n"
    assert telling_line(killed) == "srun: error: twnode: task 0: Killed"
    assert telling_line("+ set -x\n\n") == "its log is empty"
    assert telling_line("OSError: [Errno 28] No space left on device\n") == \
        "OSError: [Errno 28] No space left on device"
