"""The datatrove engine's steps on a Slurm cluster (DATASET_EXECUTOR=slurm).

Each step is one job array, submitted with `sbatch` by datatrove's `SlurmPipelineExecutor`: its
launch script (`srun launch_pickled_pipeline executor.pik`), `ranks_to_run.json`, per-task logs,
stats and completion markers. The ranks are shared out over `DATASET_WORKERS` array tasks
(datatrove's `tasks_per_job`: each runs its share one after the other), so each worker's
interpreter starts once per step, not once per rank (16 buckets on 2 workers: 8.6 s against
25 s for the demo crawl's publish on a one-node Slurm).
datatrove's executor only submits; this process then waits for the job: each rank's completion
marker (`on_done` here, in rank order) and `squeue` for the job's end. The ranks a job left
incomplete (a task killed by the OOM killer or its time limit, a node lost) run once more as a
new job, as datatrove reruns a job with `skip_completed`; a rank that fails again fails the
publish in one line (the task's last log line), with the old dataset untouched. An interrupted
or failed publish `scancel`s its job: nothing is left queued or running.

As on Ray (cluster.py), every node must see the build folder (beside DATASET_DIR) and the WARC
files at the same paths, and this Python environment (the tasks run its `launch_pickled_pipeline`).
The tasks get this process's environment (`sbatch --export=ALL`) less its credentials
(HF_TOKEN and any variable named like a token, secret, password or key: `SECRET`), which
slurmctld would keep in its state folder. The dataset is the same bytes as
with the local executor: the tasks write parts and buckets, this process merges them.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from loguru import logger as trove_logger
from loguru._logger import Core as LoguruCore

from .config import DatasetConfig

_host_core, trove_logger._core = trove_logger._core, LoguruCore()  # as engine.py imports datatrove
try:
    from datatrove.executor.slurm import SlurmPipelineExecutor
    from datatrove.pipeline.base import PipelineStep
finally:
    trove_logger._core = _host_core

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5  # between looks at the completion markers and the queue
QUEUE_FAILURES = 60  # squeue failing this many times in a row fails the publish
QUEUE_PATIENCE = 600.0  # or failing (or hanging: 120 s a call) for this many seconds in a row
# Why squeue says a task is pending, when waiting will not change it: the publish fails, its
# job cancelled, rather than waiting for ever (a partition whose MaxTime is below
# DATASET_SLURM_TIME, a constraint no node has, a hold, a task whose launch failed and was held)
NEVER_STARTS = re.compile(r"PartitionTimeLimit|PartitionNodeLimit|BadConstraints|JobHeld|"
                          r"DependencyNeverSatisfied|Invalid(Account|QOS)|MaxWallDurationPerJobLimit|"
                          r"launch failed requeued held", re.IGNORECASE)
# The last line of a traceback (`ValueError: ...`), in a task's log: the error that stopped it
_ERROR_LINE = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Exit|Interrupt)\b.*")
IN_TASK = "THREADWARC_SLURM_TASK"  # set by the job's script: `run` is then one array task's
# sbatch --export=ALL hands the job this environment, and slurmctld keeps it in its state
# folder: credentials the tasks never need (they read local files) are left out of it
SECRET = re.compile(r"TOKEN|SECRET|PASSW|CREDENTIAL|_KEY$|^REDIS_URL$", re.IGNORECASE)


class SlurmExecutor(SlurmPipelineExecutor):
    """datatrove's Slurm executor, whose `run` in this process submits the job array and waits
    for it (datatrove's only submits); in an array task it is datatrove's own."""

    def __init__(self, *args: Any, sbatch_args: tuple[tuple[str, str], ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, sbatch_args=dict(sbatch_args), **kwargs)
        self.submitted: list[str] = []  # job ids, every attempt's

    def get_sbatch_args(self, max_array: int = 1) -> dict:
        """datatrove's `#SBATCH` options less those we were not given: no partition or time
        (the cluster's defaults), no `--mem-per-cpu` (datatrove's 2G default is refused by a
        node that declares less memory; DATASET_SLURM_SBATCH_ARGS can ask for it), no `--qos`."""
        args = super().get_sbatch_args(max_array)
        for key, value in (("partition", self.partition), ("time", self.time)):
            if not value and key not in self._sbatch_args:  # given in DATASET_SLURM_SBATCH_ARGS: kept
                args.pop(key, None)
        if "mem-per-cpu" not in self._sbatch_args:
            args.pop("mem-per-cpu", None)
        return args

    def launch_merge_stats(self) -> None:
        """Not submitted: this process merges the tasks' results itself, and a job that waits on
        `afterok` for a failed array would stay queued for ever."""

    def run(self, on_done: Callable[[int], None] = lambda rank: None) -> None:  # type: ignore[override]
        if os.environ.get(IN_TASK):
            super().run()  # one array task: datatrove's, its rank from SLURM_ARRAY_TASK_ID
            return
        from .engine import _contained

        step = self.pipeline[0].name
        following = 0  # the next rank for on_done
        logs = Path(self.logging_dir.path)
        try:
            for attempt in (1, 2):
                if not (incomplete := self.get_incomplete_ranks(range(self.tasks))):
                    break
                if attempt == 2:
                    logger.warning("datatrove on Slurm: %s: task(s) %s did not complete in job %s; "
                                   "running them again", step, _ranks(incomplete), self.submitted[-1])
                self.job_id = None  # a new job, depending on nothing
                self.slurm_logs_folder = str(logs / f"slurm_logs-{attempt}")
                try:
                    # its loguru lines (the job launched) to our log at DEBUG
                    with _contained(), _without_secrets():
                        self.launch_job()
                except (OSError, subprocess.CalledProcessError) as exc:
                    raise RuntimeError(f"sbatch could not submit the job for {step} ({_exit(exc)}): "
                                       "its error is above") from None
                self.submitted.append(str(self.job_id))
                logger.info("datatrove on Slurm: %s: job %s, %d task(s) in %d array task(s), %d at a time",
                            step, self.job_id, len(incomplete),
                            math.ceil(len(incomplete) / self.tasks_per_job), self.workers)
                while True:
                    active = self._active()
                    while following < self.tasks and self.is_rank_completed(following):
                        on_done(following)
                        following += 1
                    if not active:
                        break
                    time.sleep(POLL_SECONDS)  # noqa: TID251 (Slurm's queue has no event to wait on)
            if left := self.get_incomplete_ranks(range(self.tasks)):
                raise RuntimeError(f"task {left[0]} of {step} did not complete twice (jobs "
                                   f"{', '.join(self.submitted)}): {self._last_line(left[0])}")
        except BaseException:
            self.cancel()
            raise
        while following < self.tasks:
            on_done(following)
            following += 1

    def _active(self) -> bool:
        """Whether any task of this publish's jobs is still queued or running (squeue shows
        pending, running and completing ones; a requeued task is pending again). A task pending
        for a reason that waiting does not clear (NEVER_STARTS) fails the publish."""
        why, since = "", time.monotonic()
        for _ in range(QUEUE_FAILURES):
            try:
                proc = subprocess.run(["squeue", "-h", "-n", self.job_name, "-o", "%i %T %r"],
                                      capture_output=True, text=True, timeout=120)
            except subprocess.TimeoutExpired:
                why = "no answer in 120 s"
            else:
                if proc.returncode == 0:
                    rows = [[*line.split(None, 2), "", ""][:3] for line in proc.stdout.splitlines()
                            if line.strip()]
                    for task, state, reason in rows:
                        if state == "PENDING" and NEVER_STARTS.search(reason):
                            raise RuntimeError(f"job {task} cannot start: Slurm says {reason} (squeue)")
                    return bool(rows)
                why = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
            logger.debug("squeue failed: %s", why)
            if time.monotonic() - since > QUEUE_PATIENCE:
                break
            time.sleep(POLL_SECONDS)  # noqa: TID251 (a busy controller: asked again)
        raise RuntimeError(f"squeue failed for {time.monotonic() - since:.0f} s ({why})")

    def cancel(self) -> None:
        """This publish's jobs, whatever is left of them: by their name, this publish's own (an
        interrupt while sbatch ran may have left one it never heard of), and by their ids."""
        subprocess.run(["scancel", "-n", self.job_name], capture_output=True, check=False)
        if self.submitted:
            subprocess.run(["scancel", *self.submitted], capture_output=True, check=False)

    def _last_line(self, rank: int) -> str:
        """The last line a rank's task wrote, from its second job's log (slurm_logs-2/ID_INDEX.out;
        the index is its place in that job's ranks_to_run.json)."""
        try:
            ranks = [int(r) for r in Path(self.logging_dir.path, "ranks_to_run.json").read_text()
                     .strip("[]\n").split(",")]
            index = ranks.index(rank) // self.tasks_per_job  # the array task that ran it
            array, offset = index % self.max_array_size, index // self.max_array_size
            found = sorted(Path(self.slurm_logs_folder).glob(f"*_{array}.out"),
                           key=lambda p: int(p.name.split("_")[0]))
            text = found[offset].read_text(errors="replace")
        except (OSError, ValueError, IndexError):
            return "its log is not readable here"
        return telling_line(text)


def telling_line(log: str) -> str:
    """What stopped a task, from its job log: the last error line of a traceback (the task
    raised), else the last line (srun's `task 0: Killed` for a task killed); never `set -x`'s
    echo of the script."""
    lines = [line.strip() for line in log.splitlines() if line.strip() and not line.startswith("+")]
    errors = [line for line in lines if _ERROR_LINE.match(line)]
    return (errors or lines or ["its log is empty"])[-1]


@contextlib.contextmanager
def _without_secrets() -> Iterator[None]:
    """os.environ without HF_TOKEN and its kind while sbatch runs (it inherits ours)."""
    held = {key: os.environ.pop(key) for key in list(os.environ) if SECRET.search(key)}
    if held:
        logger.debug("datatrove on Slurm: not passed to the job: %s", ", ".join(sorted(held)))
    try:
        yield
    finally:
        os.environ.update(held)


def _ranks(ranks: list[int]) -> str:
    return ", ".join(map(str, ranks[:10])) + (f" and {len(ranks) - 10} more" if len(ranks) > 10 else "")


def _exit(exc: BaseException) -> str:
    if isinstance(exc, subprocess.CalledProcessError):
        return f"exit {exc.returncode}"
    return str(exc)


def check(cfg: DatasetConfig, work: Path) -> None:
    """sbatch, squeue and scancel on PATH, a controller that answers, the partition known, a
    build folder (`work`) whose path the job's script can hold unquoted: one line if not. Logs
    the cluster's size."""
    where = str(work.resolve())
    if shlex.quote(where) != where:  # datatrove writes it bare into #SBATCH --output and srun's line
        raise RuntimeError(f"DATASET_EXECUTOR=slurm: the build folder {where!r} (beside DATASET_DIR) has "
                           "spaces, quotes or shell characters in its path, which the job's script "
                           "cannot hold: publish to a DATASET_DIR whose path has none")
    if missing := [c for c in ("sbatch", "squeue", "scancel", "sinfo") if shutil.which(c) is None]:
        raise RuntimeError(f"DATASET_EXECUTOR=slurm: {', '.join(missing)} not found on PATH "
                           "(run the publish where Slurm's commands are, e.g. a login node)")
    proc = subprocess.run(["sinfo", "-h", "-o", "%P %D %C"], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        why = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
        raise RuntimeError(f"DATASET_EXECUTOR=slurm: no Slurm controller answers ({why})")
    rows = [line.split() for line in proc.stdout.splitlines() if line.strip()]
    partitions = {row[0].rstrip("*"): row for row in rows}
    default = next((row[0].rstrip("*") for row in rows if row[0].endswith("*")), "")
    wanted = cfg.slurm_partition.split(",") if cfg.slurm_partition else [default]
    if unknown := [p for p in wanted if p not in partitions]:
        named = ", ".join(sorted(partitions)) or "none"
        raise RuntimeError(f"DATASET_EXECUTOR=slurm: no partition {', '.join(unknown) or '(default)'} "
                           f"(DATASET_SLURM_PARTITION); the cluster has: {named}")
    for name in wanted:
        _, nodes, cpus = partitions[name]
        logger.info("datatrove on Slurm: partition %s: %s node(s), %s CPU(s) (allocated/idle/other/"
                    "total)", name, nodes, cpus)


def execute(step: PipelineStep, logging_dir: Path, tasks: int, cfg: DatasetConfig,
            on_done: Callable[[int], None]) -> None:
    """The step's `tasks` ranks as one Slurm job array; `on_done(rank)` here, in rank order, as
    they complete (a rank that never did fails the publish: the old dataset stays)."""
    python = Path(sys.executable).parent  # this environment's launch_pickled_pipeline, on every node
    workers = min(cfg.n_workers, tasks)
    executor = SlurmExecutor(
        [step], tasks=tasks, time=cfg.slurm_time, partition=cfg.slurm_partition,
        workers=workers, cpus_per_task=1, qos="", tasks_per_job=math.ceil(tasks / workers),
        job_name=f"threadwarc-{step.name.lower().replace(' ', '-')}-{uuid.uuid4().hex[:12]}",
        env_command=f"export {IN_TASK}=1 PATH={shlex.quote(str(python))}:\"$PATH\"",
        sbatch_args=cfg.slurm_sbatch_args, logging_dir=str(logging_dir), skip_completed=True,
        mail_user=None)
    try:
        executor.run(on_done)
    except RuntimeError as exc:
        raise RuntimeError(f"datatrove on Slurm: {exc}") from None
