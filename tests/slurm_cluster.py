"""A real one-node Slurm cluster of the test's own (Debian's slurmctld, slurmd and munge), on
free loopback ports, its configuration, state, spool, logs and munge key in a tmp folder.

`SlurmCluster.start(folder)` returns once `sinfo` shows its node idle; `env` is the environment
its commands need (SLURM_CONF); `stop()` ends the daemons (SIGTERM, then their exit awaited).
The daemons run as the user running the tests (root in CI).
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import wait_for
from tests.redis_server import free_port

DAEMONS = ("munged", "mungekey", "slurmctld", "slurmd")
NODE = "twnode"  # slurmd -N: whatever this machine's hostname is
PARTITION = "batch"
SHORT = "short"  # the same node, MaxTime=1 (minute): a job asking for more stays pending for ever


def _binary(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found is None:
        raise AssertionError(f"{name} is not installed: apt-get install slurmd slurmctld slurm-client munge "
                             "(.ci/run does)")
    return found


@dataclass
class SlurmCluster:
    folder: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def conf(self) -> Path:
        return self.folder / "slurm.conf"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "SLURM_CONF": str(self.conf)}

    @classmethod
    def start(cls, folder: Path, timeout: float = 60) -> SlurmCluster:
        cluster = cls(folder)
        try:
            cluster._start(timeout)
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _start(self, timeout: float) -> None:
        f = self.folder
        for sub in ("state", "spool", "log"):
            (f / sub).mkdir(parents=True, exist_ok=True)
        f.chmod(0o700)  # munged refuses a key in a folder others can write to
        (f / "munge.key").unlink(missing_ok=True)  # a new key for each start
        subprocess.run([_binary("mungekey"), "--create", f"--keyfile={f / 'munge.key'}"], check=True,
                       capture_output=True)
        socket_path = f / "munge.sock"
        user = getpass.getuser()
        host = socket.gethostname().split(".")[0]
        self.conf.write_text("\n".join([
            "ClusterName=threadwarc-test",
            f"SlurmctldHost={host}(127.0.0.1)",
            f"SlurmUser={user}", f"SlurmdUser={user}",
            "AuthType=auth/munge", "CredType=cred/munge", f"AuthInfo=socket={socket_path}",
            f"StateSaveLocation={f / 'state'}", f"SlurmdSpoolDir={f / 'spool'}",
            f"SlurmctldPidFile={f / 'slurmctld.pid'}", f"SlurmdPidFile={f / 'slurmd.pid'}",
            f"SlurmctldLogFile={f / 'log' / 'slurmctld.log'}", f"SlurmdLogFile={f / 'log' / 'slurmd.log'}",
            f"SlurmctldPort={free_port()}", f"SlurmdPort={free_port()}",
            "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none", "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/none", "MpiDefault=none", "ReturnToService=2",
            "SelectType=select/cons_tres", "SelectTypeParameters=CR_CPU",
            "SchedulerParameters=sched_min_interval=0,batch_sched_delay=0",
            f"NodeName={NODE} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN",
            f"PartitionName={PARTITION} Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
            f"PartitionName={SHORT} Nodes=ALL MaxTime=1 State=UP", ""]))
        self._spawn(_binary("munged"), "--foreground", "--force", f"--socket={socket_path}",
                    f"--key-file={f / 'munge.key'}", f"--log-file={f / 'log' / 'munged.log'}",
                    f"--pid-file={f / 'munged.pid'}", f"--seed-file={f / 'munged.seed'}")
        wait_for("munged's socket", socket_path.exists, self.processes[-1], timeout)
        self._spawn(_binary("slurmctld"), "-D", "-c", "-f", str(self.conf))  # -c: no old jobs
        self._spawn(_binary("slurmd"), "-D", "-N", NODE, "-f", str(self.conf))
        wait_for("the Slurm node idle", self._idle, self.processes[-1], timeout)

    def _spawn(self, *cmd: str) -> None:
        log = (self.folder / "log" / f"{Path(cmd[0]).name}.out").open("wb")
        with log:
            self.processes.append(subprocess.Popen(cmd, stdout=log, stderr=log, env=self.env,
                                                   start_new_session=True))

    def _idle(self) -> bool:
        """The node idle (one line per partition it is in)."""
        proc = subprocess.run(["sinfo", "-h", "-N", "-o", "%t"], capture_output=True, text=True, env=self.env)
        states = proc.stdout.split()
        return bool(states) and all(state == "idle" for state in states)

    def log(self, name: str) -> str:
        path = self.folder / "log" / name
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.processes:  # a job left behind would outlive slurmd (slurmstepd)
            subprocess.run(["scancel", "--full", "-u", getpass.getuser()], capture_output=True, env=self.env,
                           check=False)
        for proc in reversed(self.processes):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.processes):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
        self.processes.clear()
