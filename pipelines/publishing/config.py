"""DATASET_* settings, parsed once."""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Scrapy is imported only where settings are read, not in worker processes
    from scrapy.settings import BaseSettings

SPLIT_NAMES = ("train", "validation", "test")
EXPORTS = ("jsonl", "threads")  # export.py: beside the Parquet, on request
# Defaults live here, not read off the class: slots turn class attributes into descriptors.
PAGE_TIMEOUT, MAX_PAGE_BYTES = 30.0, 20_000_000
SHARD_BYTES = 500_000_000  # `datasets`' own max_shard_size for push_to_hub: "500MB"
ENGINES = ("pool", "datatrove")  # who runs the extraction steps (publish.py, engine.py)
EXECUTORS = ("local", "ray", "slurm")  # where datatrove runs them (engine.py; cluster.py, slurm.py)
PROGRESS_INTERVAL = 30.0  # seconds between progress lines when stderr is not a terminal
_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_SBATCH_OPTION = re.compile(r"--([a-z][a-z0-9-]*)(?:=([^\s'\"\\`$;|&<>]+))?")  # one #SBATCH line each
# sbatch options the publish sets and relies on: the job's name (squeue and scancel find it by
# it), its array, its logs, its environment, its dependencies, its working folder; and those
# that would keep it from ever running or from being waited for
SBATCH_OURS = frozenset({"job-name", "array", "output", "error", "input", "open-mode", "export",
                         "export-file", "dependency", "kill-on-invalid-dep", "chdir", "wrap", "parsable",
                         "hold", "wait", "test-only", "no-requeue", "requeue"})
_SLURM_NAME = re.compile(r"[\w.,-]+")  # a partition (or a comma list of them)
_SLURM_TIME = re.compile(r"\d+(?:-\d+)?(?::\d+){0,2}|\d+-\d+(?::\d+)?")  # sbatch --time's forms
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", re.IGNORECASE)


def parse_size(name: str, value: object) -> int:
    """`500000000`, `500MB`, `512MiB`, `1.5GB` -> bytes (> 0); anything else is refused."""
    m = _SIZE.fullmatch(str(value))
    if m is None or m[2].lower() not in _UNITS or (size := int(float(m[1]) * _UNITS[m[2].lower()])) <= 0:
        raise ValueError(f"{name} must be a size in bytes > 0 (e.g. 500MB, 512MiB, 1000000), got {value!r}")
    return size


def parse_sbatch_args(text: str) -> tuple[tuple[str, str], ...]:
    """`--account=proj --qos=high --exclusive` -> (("account", "proj"), ("qos", "high"),
    ("exclusive", "")): each becomes one `#SBATCH` line of the job's script, so a value with
    spaces, quotes or shell characters is refused, not passed on."""
    pairs = []
    for part in text.split():
        if (m := _SBATCH_OPTION.fullmatch(part)) is None:
            raise ValueError(f"DATASET_SLURM_SBATCH_ARGS: {part!r} is not --option or --option=value "
                             "(no spaces, quotes or shell characters)")
        if m[1] in SBATCH_OURS:
            raise ValueError(f"DATASET_SLURM_SBATCH_ARGS: --{m[1]} is set by the publish itself (it names, "
                             "logs, exports and waits for its jobs); it cannot be given")
        pairs.append((m[1], m[2] or ""))
    return tuple(pairs)


def parse_splits(text: str) -> tuple[tuple[str, float], ...]:
    """`train=0.8,validation=0.1,test=0.1` -> ordered (name, ratio) pairs summing to 1."""
    pairs = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        try:
            ratio = float(value)
        except ValueError:
            raise ValueError(f"DATASET_SPLITS: {part!r} is not name=ratio") from None
        if name.strip() not in SPLIT_NAMES or not 0 <= ratio <= 1:
            raise ValueError(f"DATASET_SPLITS: {part!r}: names are {SPLIT_NAMES}, ratios 0..1")
        pairs.append((name.strip(), ratio))
    if not pairs or abs(sum(r for _, r in pairs) - 1) > 1e-6:
        raise ValueError(f"DATASET_SPLITS must give ratios summing to 1, got {text!r}")
    return tuple(pairs)


@dataclass(frozen=True, slots=True)
class DatasetConfig:
    directory: Path
    splits: tuple[tuple[str, float], ...] = (("train", 0.8), ("validation", 0.1), ("test", 0.1))
    workers: int = 0  # 0: one per core
    page_timeout: float = PAGE_TIMEOUT
    max_page_bytes: int = MAX_PAGE_BYTES
    license: str = ""  # unset: the card says so, and its YAML says `license: unknown`
    pretty_name: str = ""
    shard_bytes: int = SHARD_BYTES  # the most a shard file may hold on disk
    exports: tuple[str, ...] = ()  # of EXPORTS, in that order
    contact: str = ""  # who answers questions and takedown requests (the card's)
    hub_repo: str = ""  # OWNER/NAME on the Hugging Face Hub, for the card's loading lines
    engine: str = "pool"  # of ENGINES
    progress_interval: float = PROGRESS_INTERVAL  # 0: no progress bar or lines
    executor: str = "local"  # of EXECUTORS (the datatrove engine's)
    ray_address: str = ""  # DATASET_EXECUTOR=ray: a cluster's address; "": a Ray of our own
    ray_task_timeout: float = 3600.0  # DATASET_EXECUTOR=ray: seconds a task may take (0: no limit)
    slurm_partition: str = ""  # DATASET_EXECUTOR=slurm: "": the cluster's default partition
    slurm_time: str = ""  # DATASET_EXECUTOR=slurm: each task's time limit; "": the partition's
    slurm_sbatch_args: tuple[tuple[str, str], ...] = ()  # DATASET_EXECUTOR=slurm: more #SBATCH options

    @property
    def n_workers(self) -> int:
        return self.workers or max(1, len(os.sched_getaffinity(0)))

    @classmethod
    def from_settings(cls, s: BaseSettings, directory: str | Path | None = None) -> DatasetConfig:
        from scrapy.exceptions import NotConfigured

        if not s.getbool("DATASET_ENABLED", True):
            raise NotConfigured("DATASET_ENABLED is off")
        if not (directory := directory or s.get("DATASET_DIR")):
            raise NotConfigured("DATASET_DIR is not set: the crawl only archives")
        try:
            splits = parse_splits(s.get("DATASET_SPLITS") or "train=0.8,validation=0.1,test=0.1")
        except ValueError as exc:
            raise NotConfigured(str(exc)) from exc
        if (workers := s.getint("DATASET_WORKERS", 0)) < 0:
            raise NotConfigured(f"DATASET_WORKERS must be >= 0, got {workers}")
        try:
            shard_bytes = parse_size("DATASET_SHARD_SIZE", s.get("DATASET_SHARD_SIZE") or SHARD_BYTES)
        except ValueError as exc:
            raise NotConfigured(str(exc)) from exc
        asked = [e.strip().lower() for e in s.getlist("DATASET_EXPORTS") if e.strip()]
        if unknown := [e for e in asked if e not in EXPORTS]:
            raise NotConfigured(f"DATASET_EXPORTS: {', '.join(map(repr, unknown))} unknown; "
                                f"exports are {', '.join(EXPORTS)}")
        if hub_repo := (s.get("DATASET_HUB_REPO") or "").strip():
            _check_repo_id(hub_repo)
        if (engine := (s.get("DATASET_ENGINE") or "pool").strip().lower()) not in ENGINES:
            raise NotConfigured(f"DATASET_ENGINE must be one of {', '.join(ENGINES)}, got {engine!r}")
        if (executor := (s.get("DATASET_EXECUTOR") or "local").strip().lower()) not in EXECUTORS:
            raise NotConfigured(f"DATASET_EXECUTOR must be one of {', '.join(EXECUTORS)}, got {executor!r}")
        if executor != "local" and engine != "datatrove":
            raise NotConfigured(f"DATASET_EXECUTOR={executor} runs the datatrove engine's steps: set "
                                "DATASET_ENGINE=datatrove too")
        if executor == "ray" and importlib.util.find_spec("ray") is None:
            raise NotConfigured("DATASET_EXECUTOR=ray needs Ray: pip install 'threadwarc[ray]'")
        if (ray_timeout := s.getfloat("DATASET_RAY_TASK_TIMEOUT", 3600.0)) < 0:
            raise NotConfigured(f"DATASET_RAY_TASK_TIMEOUT must be >= 0 seconds, got {ray_timeout}")
        partition = (s.get("DATASET_SLURM_PARTITION") or "").strip()
        if partition and not _SLURM_NAME.fullmatch(partition):
            raise NotConfigured(f"DATASET_SLURM_PARTITION must be a partition name, got {partition!r}")
        slurm_time = (s.get("DATASET_SLURM_TIME") or "").strip()
        if slurm_time and not _SLURM_TIME.fullmatch(slurm_time):
            raise NotConfigured("DATASET_SLURM_TIME must be a Slurm time limit (MINUTES, HH:MM:SS, "
                                f"D-HH:MM...), got {slurm_time!r}")
        try:
            sbatch_args = parse_sbatch_args(s.get("DATASET_SLURM_SBATCH_ARGS") or "")
        except ValueError as exc:
            raise NotConfigured(str(exc)) from None
        if (progress := s.getfloat("DATASET_PROGRESS_INTERVAL", PROGRESS_INTERVAL)) < 0:
            raise NotConfigured(f"DATASET_PROGRESS_INTERVAL must be >= 0 seconds, got {progress}")
        return cls(
            Path(directory).expanduser(), splits, workers,
            s.getfloat("DATASET_PAGE_TIMEOUT", PAGE_TIMEOUT),
            s.getint("DATASET_MAX_PAGE_BYTES", MAX_PAGE_BYTES),
            (s.get("DATASET_LICENSE") or "").strip(),
            s.get("DATASET_PRETTY_NAME") or "",
            shard_bytes, tuple(e for e in EXPORTS if e in asked),
            (s.get("DATASET_CONTACT") or "").strip(),
            hub_repo, engine, progress, executor, (s.get("DATASET_RAY_ADDRESS") or "").strip(),
            ray_timeout, partition, slurm_time, sbatch_args,
        )


def _check_repo_id(repo: str) -> None:
    """OWNER/NAME as the Hub accepts it (huggingface_hub's own rules), else NotConfigured."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id
    from scrapy.exceptions import NotConfigured

    try:
        validate_repo_id(repo)
    except HFValidationError as exc:
        raise NotConfigured(f"DATASET_HUB_REPO: {exc}") from None
    if repo.count("/") != 1:
        raise NotConfigured(f"DATASET_HUB_REPO must be OWNER/NAME, got {repo!r}")
