"""The datatrove engine's steps on a Ray cluster (DATASET_EXECUTOR=ray, DATASET_RAY_ADDRESS).

engine.py runs the same two steps, with the same tasks and buckets, on datatrove's
`RayPipelineExecutor` instead of its local one: each task a Ray task (datatrove's placement
group and actor per task, its completion markers, its resubmission of a task whose node
died), `DATASET_WORKERS` tasks at a time. Whatever runs where, the dataset is the same bytes:
the tasks write their parts and buckets under the build folder, and this process merges them
in key order as with the local executor.

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


class RayExecutor(RayPipelineExecutor):
    """datatrove's Ray executor; each task contained as on the local one (engine._contained)."""

    def _run_for_rank(self, rank: int, local_rank: int = 0, node_rank: int = -1) -> Any:
        from .engine import _contained

        with _contained():
            return super()._run_for_rank(rank, local_rank, node_rank)


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
    resources = ray.cluster_resources()
    logger.info("datatrove on Ray %s: %d node(s), %d CPU(s)", cfg.ray_address or "(local, ours)",
                sum(1 for n in ray.nodes() if n.get("Alive")), int(resources.get("CPU", 0)))
    return True


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
                               logging_dir=str(logging_dir), skip_completed=True,
                               cpus_per_task=1, mem_per_cpu_gb=0,  # no memory reserved: bounded anyway
                               # a task whose process died inside its actor is never reported by
                               # datatrove's executor: only this deadline ends the wait for it
                               time=int(cfg.ray_task_timeout) or None)
        try:
            executor.run()
        except Exception as exc:  # datatrove's Ray bookkeeping raises anything
            raise RuntimeError(f"datatrove on Ray: {step.name} failed ({type(exc).__name__}: {exc}; "
                               "the tasks' logs are in /tmp/ray_logs on their nodes)") from exc
    if left := executor.get_incomplete_ranks(range(tasks)):
        raise RuntimeError(f"datatrove on Ray: task(s) {left} of {step.name} did not complete "
                           "(their logs are in /tmp/ray_logs on their nodes)")
    for rank in range(tasks):
        on_done(rank)
