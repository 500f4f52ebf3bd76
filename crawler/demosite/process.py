"""The demo site in a process of its own, as the demo, the tests and the benchmarks run it."""

from __future__ import annotations

import subprocess
import sys


def spawn(*args: str) -> tuple[subprocess.Popen[bytes], str]:
    """`python -m crawler.demosite --port 0 ARGS...`; returns the process and its base URL
    once it listens (it prints its address first thing)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.demosite", "--port", "0", *args], stdout=subprocess.PIPE
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    if not line.startswith("Serving demo site at "):
        proc.kill()
        proc.wait()
        proc.stdout.close()
        raise RuntimeError(f"the demo site did not start: {line!r}")
    return proc, line.rsplit(" ", 1)[1].strip()
