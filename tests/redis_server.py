"""A real redis-server of the test's own, on a free loopback port, its files in a tmp folder.

`RedisServer.start(folder)` returns once the server answers PING; `kill()` ends it at once
(SIGKILL: Redis lost mid-crawl), `stop()` saves (with persistence) and ends it; `start()` again
on the same folder and port brings it back with what it had saved. `password`: the server asks
for it (requirepass). DEBUG is allowed from loopback (`DEBUG SLEEP`: a stalled server).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RedisServer:
    folder: Path
    port: int
    persist: bool = False  # append-only file, fsynced at each write: a restart keeps the crawl
    password: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=10, password=self.password)

    @classmethod
    def start_new(cls, folder: Path, *, persist: bool = False, password: str | None = None) -> RedisServer:
        folder.mkdir(parents=True, exist_ok=True)
        server = cls(folder, free_port(), persist, password)
        server.start()
        return server

    def start(self, timeout: float = 15) -> None:
        persistence = (["--appendonly", "yes", "--appendfsync", "always"] if self.persist
                       else ["--appendonly", "no"])
        auth = ["--requirepass", self.password] if self.password else []
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             *persistence, *auth, "--enable-debug-command", "local",
             "--dir", str(self.folder), "--logfile", str(self.folder / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1,
                             socket_connect_timeout=1, password=self.password)
        while True:  # wait on the server's own answer, not a fixed time
            try:
                client.ping()
                break
            except (redis.ConnectionError, redis.BusyLoadingError, redis.TimeoutError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server on port {self.port} did not start: "
                                       f"{(self.folder / 'redis.log').read_text()[-2000:]}") from None
                client.close()
                try:
                    self.process.wait(timeout=0.05)  # the server's exit ends the wait early
                except subprocess.TimeoutExpired:
                    pass
        client.close()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
