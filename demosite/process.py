"""The demo site in a process of its own, as the demo, the tests and the benchmarks run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the source tree that holds demosite/


def spawn(*args: str) -> tuple[subprocess.Popen[bytes], str]:
    """`python -m demosite --port 0 ARGS...`, importable from any working directory (the
    source tree goes first on its PYTHONPATH); returns the process and its base URL once it
    listens (it prints its address first thing)."""
    path = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))
    env = {**os.environ, "PYTHONPATH": path}
    proc = subprocess.Popen(
        [sys.executable, "-m", "demosite", "--port", "0", *args], stdout=subprocess.PIPE, env=env
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    if not line.startswith("Serving demo site at "):
        proc.kill()
        proc.wait()
        proc.stdout.close()
        raise RuntimeError(f"the demo site did not start: {line!r}")
    return proc, line.rsplit(" ", 1)[1].strip()
