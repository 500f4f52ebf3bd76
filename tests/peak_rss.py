"""`python tests/peak_rss.py OUT MODULE ARGS...`: `python -m MODULE ARGS...`, writing its peak RSS
(bytes) to OUT when it exits.

Read inside the process: its own high-water mark (VmHWM: this exec's memory only) and its
reaped children's. Not wait4()'s ru_maxrss: Linux keeps a process's maxrss across exec, so a
child spawned by pytest reports at least pytest's own size, which hides what the crawl grew.
"""

from __future__ import annotations

import atexit
import os
import resource
import runpy
import sys
from pathlib import Path


def main() -> None:
    out, module, *args = sys.argv[1:]

    def write() -> None:
        status = Path("/proc/self/status").read_text()
        hwm = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        Path(out).write_text(str(max(hwm, children) * 1024))  # KiB on Linux

    atexit.register(write)
    sys.path[0] = os.getcwd()  # as `python -m` has it, not this script's folder (tests/)
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
