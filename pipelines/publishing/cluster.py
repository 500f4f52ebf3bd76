"""The datatrove engine's steps on a Ray cluster (DATASET_EXECUTOR=ray, DATASET_RAY_ADDRESS).

engine.py runs the same two steps, with the same tasks and buckets, on Ray instead of
datatrove's local executor: each rank one plain Ray task (`_task`) that runs datatrove's
`_run_for_rank` (its per-task log, stats and completion marker), `DATASET_WORKERS` tasks at a
time. datatrove's own `RayPipelineExecutor.run` is not used: it makes a placement group, an actor
and a process pool for every task (~1 s each), and a task whose pool process dies (the OOM
killer) is never reported, so the publish would wait for it forever. A plain task's process
that dies is Ray's `WorkerCrashedError` here: the rank runs again (at most `RETRIES` times, each
logged); a task that raised fails the publish with its error in the one line.

Whatever runs where, the dataset is the same bytes: the tasks write their parts and buckets
under the build folder, and this process merges them in key order as with the local executor.
So every node must see the build folder (beside DATASET_DIR) and the WARC files at the same
paths: a shared file system (NFS, Lustre, a cloud file store mounted on each node). With no
address, a Ray of this process's own is started on this machine for the publish and stopped
after it (`DATASET_WORKERS` CPUs): the cluster code path, tested on one machine.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from loguru import logger as trove_logger
from loguru._logger import Core as LoguruCore

from .config import DatasetConfig

_host_core, trove_logger._core = trove_logger._core, LoguruCore()  # as engine.py imports datatrove
try:
    from datatrove.executor.ray import RayPipelineExecutor
    from datatrove.pipeline.base import PipelineStep
finally:
    trove_logger._core = _host_core

logger = logging.getLogger(__name__)


RETRIES = 3  # runs of a rank after its process died, before the publish gives up


def _died() -> tuple[type[BaseException], ...]:
    """Ray's errors for a task whose process or node died (the OOM killer, a lost node): the
    ones worth running the task again for."""
    from ray import exceptions as ex

    return (ex.WorkerCrashedError, ex.OutOfMemoryError, ex.NodeDiedError, ex.LocalRayletDiedError)


class RayExecutor(RayPipelineExecutor):
    """datatrove's Ray executor (ranks, logging_dir, per-task logs, stats, completion markers),
    its ranks run as plain Ray tasks by `run`; each task contained as on the local one."""

    def _run_for_rank(self, rank: int, local_rank: int = 0, node_rank: int = -1) -> Any:
        from .engine import _contained

        with _contained():
            return super()._run_for_rank(rank, local_rank, node_rank)

    def run(self, on_done: Callable[[int], None] = lambda rank: None) -> None:  # type: ignore[override]
        """The incomplete ranks, `self.workers` at a time; `on_done(rank)` here in rank order as
        they complete (a rank is complete when its task returned and its completion marker is
        seen here). A rank whose process or node died runs again (at most RETRIES times); one
        that raised, or was not done `self.time` seconds after its submission, fails the run
        (RuntimeError, one line)."""
        import ray
        from ray.exceptions import RayError, RayTaskError

        step = self.pipeline[0].name
        ranks = deque(self.get_incomplete_ranks(range(self.world_size)))
        done = set(range(self.world_size)) - set(ranks)
        self.save_executor_as_json()
        remote = ray.remote(_task).options(num_cpus=self.cpus_per_task, max_retries=0, name=TASK_NAME)
        this = ray.put(self)
        running: dict[Any, tuple[int, float]] = {}  # task -> (rank, submitted)
        runs: dict[int, int] = {}
        following = 0  # the next rank for on_done

        def fill() -> None:  # the free slots
            while ranks and len(running) < self.workers:
                rank = ranks.popleft()
                runs[rank] = runs.get(rank, 0) + 1
                running[remote.remote(this, rank)] = (rank, time.monotonic())

        try:
            fill()
            while running:
                finished, _ = ray.wait(list(running), num_returns=1, timeout=1.0)
                for task in finished:
                    rank, _ = running.pop(task)
                    try:
                        ray.get(task)  # ready: its result (None) or its error, at once
                    except RayTaskError as exc:  # the task raised: its own error, not Ray's wrapping
                        raise RuntimeError(f"task {rank} of {step} failed: {_one_line(exc.cause or exc)}"
                                           ) from None
                    except _died() as exc:
                        if runs[rank] > RETRIES:
                            raise RuntimeError(f"task {rank} of {step}: its process died {runs[rank]} "
                                               f"times ({type(exc).__name__})") from None
                        logger.warning("datatrove on Ray: task %d of %s: its process died (%s); "
                                       "running it again (%d of %d)", rank, step, type(exc).__name__,
                                       runs[rank], RETRIES)
                        ranks.append(rank)
                        continue
                    except RayError as exc:  # Ray could not run it (unschedulable, auth, store full)
                        raise RuntimeError(f"task {rank} of {step}: {_one_line(exc)}") from None
                    if not self.is_rank_completed(rank):
                        raise RuntimeError(f"task {rank} of {step} returned but its completion marker "
                                           f"is not in {self.logging_dir.path} here (is the build folder "
                                           "on a file system every node shares?)")
                    done.add(rank)
                fill()  # the freed slots first, then the merge
                while following in done:
                    on_done(following)
                    following += 1
                if self.time:
                    for task, (rank, submitted) in list(running.items()):
                        if time.monotonic() - submitted > self.time and not ray.wait([task], timeout=0)[0]:
                            raise RuntimeError(f"task {rank} of {step} was not done {self.time} s after "
                                               "its submission (DATASET_RAY_TASK_TIMEOUT)")
        finally:
            for task in running:  # a failed or interrupted run leaves nothing running
                ray.cancel(task, force=True)
        while following < self.world_size:
            on_done(following)
            following += 1


def _one_line(exc: BaseException) -> str:
    """Its class and the last line of its text (where a traceback's text ends: the message)."""
    return f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[-1]}"


TASK_NAME = "threadwarc-task"  # the tasks' name in Ray (and their processes' title: ray::...)


def _task(executor: RayExecutor, rank: int) -> None:
    """One rank, in a Ray worker's process: its log to datatrove's task file (local_rank 1)."""
    executor._run_for_rank(rank, 1)


def connect(cfg: DatasetConfig) -> bool:
    """Joins the cluster at DATASET_RAY_ADDRESS, or starts a Ray of our own on this machine;
    True if this process started it (and stops it: `disconnect`). One line if it cannot."""
    if cfg.ray_address:
        _reachable(cfg.ray_address)
        if "RAY_AUTH_MODE" not in os.environ and (
                os.environ.get("RAY_AUTH_TOKEN") or os.environ.get("RAY_AUTH_TOKEN_PATH")
                or (Path.home() / ".ray" / "auth_token").is_file()):
            # a cluster `ray start`ed with a token (Ray's default) refuses a client without it,
            # and Ray's client sends one only in token mode, read when Ray is imported: as
            # `ray start` decides
            os.environ["RAY_AUTH_MODE"] = "token"
    import ray

    if ray.is_initialized():  # the host process joined a cluster itself
        return False
    quiet: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                             "configure_logging": False}
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if cfg.ray_address:
            ray.init(address=cfg.ray_address, **quiet)
        else:  # "local": not whatever RAY_ADDRESS names
            ray.init(address="local", num_cpus=cfg.n_workers, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = f"the Ray cluster at {cfg.ray_address}" if cfg.ray_address else "a local Ray"
        raise RuntimeError(f"DATASET_EXECUTOR=ray: could not join {where}: {exc}") from None
    finally:  # ray.init sets its own (SIGTERM: sys.exit): the command's are the ones that count
        for sig, handler in handlers.items():
            if handler is not None:
                signal.signal(sig, handler)
    if not os.environ.get("RAY_AUTH_TOKEN_PATH"):  # a file of the user's own choice: theirs to set
        _owner_only(Path.home() / ".ray" / "auth_token")
    resources = ray.cluster_resources()
    logger.info("datatrove on Ray %s: %d node(s), %d CPU(s)", cfg.ray_address or "(local, ours)",
                sum(1 for n in ray.nodes() if n.get("Alive")), int(resources.get("CPU", 0)))
    return True


def _owner_only(token: Path) -> None:
    """Ray writes its default token file (`ray.init` for a Ray of our own, `ray start`, `ray
    get-auth-token --generate`) readable by every user of the machine, and whoever reads it can
    run code on the cluster: made readable by its owner only, when that is us. (Ray writes it
    0644 first: other users can read it until this runs.)"""
    try:
        st = token.stat()
        if st.st_uid == os.getuid() and st.st_mode & 0o077:
            token.chmod(0o600)
            logger.info("Ray's token file %s made readable by its owner only (was %o)", token,
                        st.st_mode & 0o777)
    except OSError:  # none (a cluster without tokens), or not ours to change
        pass


def _reachable(address: str, timeout: float = 10.0) -> None:
    """Ray waits (for minutes) on an address where no cluster answers: a TCP connect first."""
    if address == "auto":  # the cluster this machine's `ray start` joined: Ray knows, or says so
        return
    parts = urlsplit(address if "://" in address else f"ray://{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if not host or not port:
        raise RuntimeError(f"DATASET_RAY_ADDRESS must be HOST:PORT, ray://HOST:PORT or auto, "
                           f"got {address!r}")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise RuntimeError(f"DATASET_EXECUTOR=ray: no Ray cluster answers at {address} "
                           f"({exc.strerror or exc})") from None


def disconnect() -> None:
    import ray

    ray.shutdown()


def execute(step: PipelineStep, logging_dir: Path, tasks: int, cfg: DatasetConfig,
            on_done: Callable[[int], None]) -> None:
    """The step's `tasks` ranks on Ray; then `on_done(rank)` here, in rank order, once all
    completed (a rank that never did fails the publish: the old dataset stays)."""
    from .engine import _contained

    with _contained():  # its loguru lines (tasks launched, stats) to our log at DEBUG
        executor = RayExecutor([step], tasks=tasks, workers=min(cfg.n_workers, tasks),
                               logging_dir=str(logging_dir), skip_completed=True, cpus_per_task=1,
                               mem_per_cpu_gb=0, time=cfg.ray_task_timeout or None)
    try:  # each rank's completion marker is checked as its task returns
        executor.run(on_done)
    except RuntimeError as exc:
        raise RuntimeError(f"datatrove on Ray: {exc}") from None
