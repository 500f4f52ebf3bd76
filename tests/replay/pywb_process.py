"""pywb as a web archive runs it: a process of its own on 127.0.0.1, from its own virtualenv
(the Makefile's $(VENV)/pywb, tests/pywb-requirements.txt), over collections of WARC folders
indexed with cdxj-indexer; or recording the live (loopback) web into a collection of its own."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

SERVE = Path(__file__).with_name("serve_pywb.py")
START_SECONDS = 60  # loading pywb's templates and rules takes ~1 s here; CI machines are slower


def pywb_venv() -> Path:
    """$(VENV)/pywb beside the interpreter running the tests (THREADWARC_PYWB_VENV overrides)."""
    return Path(os.environ.get("THREADWARC_PYWB_VENV") or Path(sys.executable).parent.parent / "pywb")


def pywb_bin(name: str) -> Path:
    path = pywb_venv() / "bin" / name
    if not path.exists():
        raise RuntimeError(f"pywb is not installed ({path} is missing): `make pywb` installs it "
                           "from tests/pywb-requirements.txt")
    return path


@dataclass(frozen=True)
class Capture:
    url: str
    timestamp: str  # 14 digits, as pywb's URLs take it
    fields: dict[str, str]  # the CDXJ line's JSON: mime, status, digest, filename...


def read_index(index: Path) -> dict[str, list[Capture]]:
    """Each URL's captures in the index, oldest first."""
    out: dict[str, list[Capture]] = {}
    for line in index.read_text().splitlines():
        _, timestamp, data = line.split(" ", 2)
        fields = json.loads(data)
        out.setdefault(fields["url"], []).append(Capture(fields["url"], timestamp, fields))
    return {url: sorted(caps, key=lambda c: c.timestamp) for url, caps in out.items()}


def write_config(root: Path, collections: dict[str, tuple[Path, Path]] | None = None, *,
                 record: bool = False) -> Path:
    """ROOT/config.yaml: each collection's WARC folder and index (archive_paths, index_paths);
    `record` adds what `wayback --record` does (a `live` collection as the recorder's source).
    Collections made with wb-manager (ROOT/collections/NAME) need no entry."""
    config: dict[str, object] = {"collections": {
        name: {"archive_paths": str(folder) + "/", "index_paths": str(index)}
        for name, (folder, index) in (collections or {}).items()}}
    if record:
        config["collections"]["live"] = "$live"  # type: ignore[index]
        config["recorder"] = {"source_coll": "live"}
    root.mkdir(parents=True, exist_ok=True)
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def wb_manager(root: Path, *args: str) -> None:
    proc = subprocess.run([str(pywb_bin("wb-manager")), *args], capture_output=True, text=True, cwd=root,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes  # as sent, then gzip-decoded when the sender said so

    @property
    def text(self) -> str:
        return self.body.decode(self.headers.get_content_charset() or "utf-8")


def get(url: str, timeout: float = 60, **headers: str) -> Reply:
    """One GET as a browser's first visit makes it (no cache), over a fresh connection."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", url[url.index("/", len(parts.scheme) + 3):], headers=headers)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.headers.get("Content-Encoding", "").lower() == "gzip":
        body = gzip.decompress(body)
    return Reply(response.status, response.headers, body)


@dataclass
class Pywb:
    root: Path
    process: subprocess.Popen[bytes]
    base_url: str

    @property
    def log(self) -> str:
        return (self.root / "pywb.log").read_text(errors="replace")

    def url(self, collection: str, timestamp: str, url: str, mode: str = "") -> str:
        """The replay URL: `id_` for the archived bytes as they were sent, `mp_` for the page
        rewritten to replay (what the frame at mode "" loads)."""
        return f"{self.base_url}/{collection}/{timestamp}{mode}/{url}"

    def replay(self, collection: str, timestamp: str, url: str, mode: str = "", **headers: str) -> Reply:
        return get(self.url(collection, timestamp, url, mode), **headers)

    def stop(self) -> int:
        """SIGTERM and wait: the exit status (0: stopped cleanly, its WARCs closed)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        return self.process.returncode


def start(root: Path) -> Pywb:
    """pywb over ROOT/config.yaml, once it has answered its home page (it prints its port when
    listening, so the request waits in the socket's queue until pywb serves it)."""
    with (root / "pywb.log").open("wb") as log:
        proc = subprocess.Popen([str(pywb_bin("python")), "-I", str(SERVE), str(root)],
                                stdout=subprocess.PIPE, stderr=log, cwd=root)
    assert proc.stdout is not None
    ready = select.select([proc.stdout], [], [], START_SECONDS)[0]
    line = proc.stdout.readline() if ready else b""
    server = Pywb(root, proc, "")
    if not line.startswith(b"pywb listening on "):
        server.stop()
        raise RuntimeError(f"pywb did not start (said {line!r}):\n{server.log[-3000:]}")
    server.base_url = f"http://127.0.0.1:{int(line.rsplit(b' ', 1)[1])}"
    try:
        status = get(server.base_url + "/", timeout=START_SECONDS).status
    except OSError as exc:
        status = exc
    if status != 200:
        server.stop()
        raise RuntimeError(f"pywb's home page answered {status}:\n{server.log[-3000:]}")
    return server


@contextmanager
def running(root: Path) -> Iterator[Pywb]:
    server = start(root)
    try:
        yield server
    finally:
        code = server.stop()
        assert code == 0, f"pywb exited {code}:\n{server.log[-3000:]}"
