"""DATASET_EXECUTOR=ray: the datatrove engine's steps as Ray tasks, on a real Ray cluster that
`ray start --head` runs on loopback (its own HOME and temp folder), and on a Ray the publish
starts for itself: the pool engine's dataset, byte for byte; faults in one line."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CrawlResult, wait_for
from tests.pipelines.publishing.test_publish import _wait_gone
from tests.pipelines.test_engine import files, publish
from tests.redis_server import free_port

RAY = Path(sys.executable).with_name("ray")
NOISE = re.compile(r"\| (INFO|SUCCESS|DEBUG|WARNING) +\||Stats:|gcs_client")  # datatrove's, Ray's


def dataset(root: Path) -> dict[str, bytes]:
    """Its files; the card's loading lines name the folder: named alike here."""
    return {name: data.replace(str(root).encode(), b"DATASET") for name, data in files(root).items()}


def live_processes() -> Iterator[tuple[int, int, bytes]]:
    """(pid, parent pid, command line) of each live process."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes()
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        yield int(proc.name), ppid, cmd


def ray_processes(marker: str) -> dict[int, str]:
    """pid -> command line of the live processes that name `marker` (a Ray temp folder): its
    GCS server, raylet and agents. Its workers rename themselves (`ray::...`) and are not seen
    here; the raylet ends them when it ends."""
    return {pid: cmd.replace(b"\0", b" ").decode(errors="replace") for pid, _, cmd in live_processes()
            if marker.encode() in cmd}


@pytest.fixture(scope="module")
def ray_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A HOME of the module's own (Ray keeps its token in ~/.ray) and a short temp folder
    (Ray's socket paths must fit in 107 bytes)."""
    temp = tempfile.mkdtemp(prefix="ray-", dir="/tmp")
    yield {**os.environ, "HOME": str(tmp_path_factory.mktemp("rayhome")), "RAY_TMPDIR": temp,
           "RAY_USAGE_STATS_ENABLED": "0"}
    assert not ray_processes(temp), "Ray processes outlived the tests"
    subprocess.run(["rm", "-rf", temp], check=False)


@pytest.fixture(scope="module")
def ray_cluster(ray_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`ray start --head --block` on loopback; its address. SIGTERM to its process group ends it."""
    port = free_port()
    log = tmp_path_factory.mktemp("raycluster") / "head.log"
    # a token in HOME: `ray start` then asks every client for it (Ray's token authentication)
    subprocess.run([str(RAY), "get-auth-token", "--generate"], env=ray_env, capture_output=True, check=True,
                   timeout=120)
    with log.open("w") as out:
        proc = subprocess.Popen([str(RAY), "start", "--head", f"--port={port}", "--num-cpus=2",
                                 "--include-dashboard=false", "--disable-usage-stats",
                                 f"--temp-dir={ray_env['RAY_TMPDIR']}", "--block"],
                                stdout=out, stderr=out, env=ray_env, start_new_session=True)
    try:
        wait_for("ray start: 'Ray runtime started'", lambda: "Ray runtime started" in log.read_text(), proc,
                 timeout=120)  # its own word, not a fixed time
        yield f"127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        _wait_gone(list(ray_processes(ray_env["RAY_TMPDIR"])), 60)  # on their pidfds


@pytest.fixture(scope="module")
def pool_dataset(sitemap_crawl: CrawlResult, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    tmp = tmp_path_factory.mktemp("raypool")
    proc = publish(sitemap_crawl.warc_dir, tmp / "dataset", "pool", 2)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return dataset(tmp / "dataset")


def ray_publish(src: Path, out: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", "publish", str(src), "-o", str(out),
                           "--workers", "2", "-s", "DATASET_ENGINE=datatrove", "-s", "DATASET_EXECUTOR=ray",
                           "-L", "INFO", *extra],
                          capture_output=True, text=True, cwd=out.parent, env=env, timeout=600)


def test_a_ray_cluster_publishes_the_pool_engines_bytes(sitemap_crawl, pool_dataset, ray_cluster, ray_env,
                                                        tmp_path):
    """A client whose HOME holds the cluster's token (as `ray start` wrote it) joins without
    RAY_AUTH_MODE set: the publish sets token mode, as `ray start` does. Inputs given relative
    to the publish's folder reach the tasks as absolute paths."""
    assert (Path(ray_env["HOME"]) / ".ray" / "auth_token").is_file()
    env = {k: v for k, v in ray_env.items() if k != "RAY_AUTH_MODE"}
    # a relative WARC path: the cluster's workers run in folders of their own
    relative = Path(os.path.relpath(sitemap_crawl.warc_dir, tmp_path))
    proc = ray_publish(relative, tmp_path / "dataset", env, "-s", f"DATASET_RAY_ADDRESS={ray_cluster}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"datatrove on Ray {ray_cluster}: 1 node(s), 2 CPU(s)" in proc.stderr
    assert "step 2 (bodies and assembly) as 16 bucket task(s)" in proc.stderr
    assert dataset(tmp_path / "dataset") == pool_dataset
    noise = [line for line in proc.stderr.splitlines() if NOISE.search(line)]
    assert noise == [], noise[:5]


def test_a_ray_of_its_own_publishes_the_same_bytes_and_is_stopped_after(sitemap_crawl, pool_dataset, ray_env,
                                                                       tmp_path):
    temp = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # this publish's Ray only
    try:
        proc = ray_publish(sitemap_crawl.warc_dir, tmp_path / "dataset", {**ray_env, "RAY_TMPDIR": temp})
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "datatrove on Ray (local, ours): 1 node(s), 2 CPU(s)" in proc.stderr
        assert dataset(tmp_path / "dataset") == pool_dataset
        token = Path(ray_env["HOME"]) / ".ray" / "auth_token"  # Ray writes it 0644
        assert token.stat().st_mode & 0o777 == 0o600
        assert not ray_processes(temp), "the publish left its Ray running"
    finally:
        subprocess.run(["rm", "-rf", temp], check=False)


def test_ray_faults_are_one_line_and_keep_the_old_dataset(sitemap_crawl, pool_dataset, ray_env, tmp_path):
    out = tmp_path / "dataset"
    refused = ray_publish(sitemap_crawl.warc_dir, out, ray_env, "-s", "DATASET_ENGINE=pool")
    assert refused.returncode == 2
    assert ("DATASET_EXECUTOR=ray runs the datatrove engine's steps: set DATASET_ENGINE=datatrove"
            in refused.stderr)
    first = ray_publish(sitemap_crawl.warc_dir, out, ray_env, "-s", "DATASET_EXECUTOR=local")
    assert first.returncode == 0, first.stderr[-3000:]
    before = files(out)
    nobody = ray_publish(sitemap_crawl.warc_dir, out, ray_env,
                         "-s", f"DATASET_RAY_ADDRESS=127.0.0.1:{free_port()}")
    assert nobody.returncode == 1
    last = nobody.stderr.strip().splitlines()[-1]
    assert re.search(r"ERROR: Nothing published: .*no Ray cluster answers at 127\.0\.0\.1:\d+ .*is as it was",
                     last), last
    assert "Traceback" not in nobody.stderr
    assert files(out) == before
    bad = ray_publish(sitemap_crawl.warc_dir, out, ray_env, "-s", "DATASET_RAY_ADDRESS=not an address")
    assert bad.returncode == 1
    assert "DATASET_RAY_ADDRESS must be HOST:PORT, ray://HOST:PORT or auto" in bad.stderr
    assert files(out) == before


def test_sigterm_on_ray_stops_the_publish_as_without_it(sitemap_crawl, pool_dataset, ray_env, tmp_path):
    """ray.init installs its own SIGTERM handler (sys.exit, and a stack dump from Ray's core):
    the command's is put back, so SIGTERM is an interrupted publish, exit 143, one line."""
    out = tmp_path / "dataset"
    first = ray_publish(sitemap_crawl.warc_dir, out, ray_env, "-s", "DATASET_EXECUTOR=local")
    assert first.returncode == 0, first.stderr[-3000:]
    before = files(out)
    temp = tempfile.mkdtemp(prefix="ray-", dir="/tmp")
    try:
        proc = subprocess.Popen([sys.executable, "-m", "crawler", "publish", str(sitemap_crawl.warc_dir),
                                 "-o", str(out), "--workers", "2", "-s", "DATASET_ENGINE=datatrove",
                                 "-s", "DATASET_EXECUTOR=ray", "-L", "INFO"],
                                stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                                env={**ray_env, "RAY_TMPDIR": temp})
        assert proc.stderr is not None
        for line in proc.stderr:  # Ray is up and its handlers installed once this is logged
            if "datatrove on Ray (local, ours)" in line:
                break
        proc.send_signal(signal.SIGTERM)
        err = proc.stderr.read()
        proc.stderr.close()
        assert proc.wait(timeout=120) == 128 + signal.SIGTERM, err[-3000:]
        last = err.strip().splitlines()[-1]
        assert re.search(r"Interrupted \(SIGTERM\): nothing published; .*dataset is as it was", last), last
        assert "SIGTERM received" not in err  # Ray's core's stack dump
        assert files(out) == before
        _wait_gone(list(ray_processes(temp)), 60)
        assert not ray_processes(temp), "the publish left its Ray running"
    finally:
        subprocess.run(["rm", "-rf", temp], check=False)


def _task_processes(raylets: set[int]) -> list[int]:
    """The raylets' workers running a publish task now (their title: `ray::threadwarc-task`)."""
    return [pid for pid, ppid, cmd in live_processes()
            if ppid in raylets and cmd.startswith(b"ray::threadwarc-task")]


def _kill_one_mid_task(raylets: set[int]) -> int | None:
    """SIGKILL to a worker caught mid-task: stopped first, then its title read again (a stopped
    process cannot finish its task in between); one that was already done is let go."""
    for pid in _task_processes(raylets):
        try:
            os.kill(pid, signal.SIGSTOP)
            if (Path("/proc") / str(pid) / "cmdline").read_bytes().startswith(b"ray::threadwarc-task"):
                os.kill(pid, signal.SIGKILL)
                return pid
            os.kill(pid, signal.SIGCONT)
        except (ProcessLookupError, FileNotFoundError):
            continue
    return None


def test_a_task_whose_process_is_killed_runs_again(sitemap_crawl, pool_dataset, ray_cluster, ray_env,
                                                    tmp_path):
    """The OOM killer's case: a task's process dies mid-task. Ray reports it
    (WorkerCrashedError), the rank runs again in another process, logged, and the dataset is
    the pool engine's bytes. (datatrove's own Ray executor ran each task in a process pool
    inside an actor and never heard of that death: the publish waited for it forever.)"""
    raylets = {pid for pid, cmd in ray_processes(ray_env["RAY_TMPDIR"]).items() if "/raylet " in cmd}
    assert raylets, ray_processes(ray_env["RAY_TMPDIR"])
    out = tmp_path / "dataset"
    err = tmp_path / "publish.log"
    with err.open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "crawler", "publish", str(sitemap_crawl.warc_dir),
                                 "-o", str(out), "--workers", "2", "-s", "DATASET_ENGINE=datatrove",
                                 "-s", "DATASET_EXECUTOR=ray", "-s", f"DATASET_RAY_ADDRESS={ray_cluster}",
                                 "-L", "INFO"], stderr=log, cwd=tmp_path, env=ray_env)
    killed = None
    while killed is None and proc.poll() is None:
        killed = _kill_one_mid_task(raylets)
        if killed is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.005)  # polls the tasks' titles while the publish runs
    assert proc.wait(timeout=600) == 0, err.read_text()[-3000:]
    assert killed is not None, "no task was caught running"
    text = err.read_text()
    again = r"datatrove on Ray: task \d+ of .*: its process died \(\w+\); running it again \(1 of 3\)"
    assert re.search(again, text), text[-3000:]
    assert dataset(out) == pool_dataset


def test_a_task_past_its_timeout_fails_the_publish_in_one_line(sitemap_crawl, ray_cluster, ray_env, tmp_path):
    """DATASET_RAY_TASK_TIMEOUT counts from a task's submission: at 10 ms the tasks that run
    beside another (step 2 has 16 on 2 workers; each loads its inputs from disk) cannot be done
    in time. The publish fails in one line with the old dataset kept, and no task is left
    running on the cluster."""
    out = tmp_path / "dataset"
    first = ray_publish(sitemap_crawl.warc_dir, out, ray_env, "-s", "DATASET_EXECUTOR=local")
    assert first.returncode == 0, first.stderr[-3000:]
    before = files(out)
    raylets = {pid for pid, cmd in ray_processes(ray_env["RAY_TMPDIR"]).items() if "/raylet " in cmd}
    late = ray_publish(sitemap_crawl.warc_dir, out, ray_env, "-s", f"DATASET_RAY_ADDRESS={ray_cluster}",
                       "-s", "DATASET_RAY_TASK_TIMEOUT=0.01")
    assert late.returncode == 1, late.stderr[-3000:]
    last = late.stderr.strip().splitlines()[-1]
    assert re.search(r"ERROR: Nothing published: .*datatrove on Ray: task \d+ of [\w ]+ was not done "
                     r"0\.01 s after its submission \(DATASET_RAY_TASK_TIMEOUT\).*is as it was", last), last
    assert "Traceback" not in late.stderr
    assert files(out) == before
    _wait_gone(_task_processes(raylets), 60)  # cancelled, or ended with the publish: none left running
    assert not _task_processes(raylets)
