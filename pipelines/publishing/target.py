"""The dataset folder: which one may be replaced, and replacing it so no reader sees half of it.

A folder is replaced only when everything in it was written by threadwarc: each dataset carries
a `.threadwarc` marker listing its files, so a user's own file (a README of their own, a
draft in `articles/`) is never deleted. A publish holds `.NAME.lock` beside the dataset while
it builds in `.NAME.tmp-*`; whoever holds the lock knows any other build folder is a dead
publish's leftover. A symlinked `-o` is followed: the dataset is swapped in at its target.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import logging
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

logger = logging.getLogger(__name__)

MARKER = ".threadwarc"
# What threadwarc 0.1.0 wrote before datasets carried a marker: adopted when nothing else is there.
# (and shards named with their digest, as later versions write them, should a marker be lost)
_LEGACY = re.compile(r"README\.md|(articles|comments)/(train|validation|test)-\d{5}-of-\d{5}"
                     r"(-[0-9a-f]{16})?\.parquet")


class TargetError(Exception):
    """The output folder cannot be (re)written; nothing was touched."""


def resolve(target: Path) -> Path:
    """Where the dataset really goes: a symlink (dangling included) is followed to its target."""
    try:
        real = target.resolve(strict=False) if target.is_symlink() else target.absolute()
    except (RuntimeError, OSError) as exc:  # a symlink loop
        raise TargetError(f"{target}: cannot follow the symlink ({exc})") from exc
    if real.is_symlink():  # resolve() stops at a loop on some Pythons instead of raising
        raise TargetError(f"{target}: cannot follow the symlink (a loop?)")
    return real


def files_in(folder: Path) -> list[str]:
    """Every file, link and empty folder under `folder`, relative, without following links."""
    out: list[str] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        rel = Path(root).relative_to(folder)
        out += [str(rel / name) for name in files]
        out += [str(rel / d) for d in dirs if (Path(root) / d).is_symlink()]
        if not dirs and not files and root != str(folder):
            out.append(str(rel) + "/")
    return sorted(out)


def check(target: Path) -> None:
    """Refuse, before any work, a target that is not a folder threadwarc may replace."""
    if not target.exists():
        if target.parent.exists() and not os.access(target.parent, os.W_OK | os.X_OK):
            raise TargetError(f"{target.parent} is not writable: cannot create {target.name} in it")
        return
    if not target.is_dir():
        raise TargetError(f"{target} exists and is not a folder; choose another -o / DATASET_DIR")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise TargetError(f"{target.parent} is not writable: cannot replace {target.name} in it")
    present = files_in(target)
    if not present:
        return
    if MARKER in present:
        try:
            ours = set(json.loads((target / MARKER).read_text(encoding="utf-8"))["files"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise TargetError(f"{target / MARKER} is unreadable ({exc}); not replacing {target}") from exc
        foreign = [p for p in present if p != MARKER and p not in ours]
    else:
        ours_readme = "threadwarc" in _head(target / "README.md")
        foreign = [p for p in present
                   if not _LEGACY.fullmatch(p) or (p == "README.md" and not ours_readme)]
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise TargetError(
            f"{target} holds files threadwarc did not write ({shown}); it is not replaced: "
            "move them away or choose another -o / DATASET_DIR"
        )


def _head(path: Path) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            return fh.read(4096)
    except OSError:
        return ""


def write_marker(build: Path) -> None:
    files = [p for p in files_in(build) if p != MARKER]
    (build / MARKER).write_text(
        json.dumps({"software": "threadwarc", "version": version("threadwarc"), "files": files},
                   indent=1) + "\n",
        encoding="utf-8",
    )


@contextlib.contextmanager
def build_folder(target: Path) -> Iterator[Path]:
    """A fresh hidden folder beside `target` to build in, under the target's lock; removed on
    the way out unless it was swapped in. Leftovers of publishes that died are removed first."""
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.with_name(f".{target.name}.lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise TargetError(
                f"another publish (pid {holder}) is writing {target}; wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        for stale in target.parent.glob(f".{glob_escape(target.name)}.tmp-*"):
            logger.warning("Removing %s, left by a publish that did not finish", stale)
            shutil.rmtree(stale, ignore_errors=True)
        build = _mkdir_beside(target)
        try:
            yield build
        finally:
            shutil.rmtree(build, ignore_errors=True)  # after a swap it holds the old dataset
    finally:
        os.close(fd)  # releases the lock


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _mkdir_beside(target: Path) -> Path:
    """mkdir, not mkdtemp: the folder gets the umask's permissions (mkdtemp's are 0700)."""
    while True:
        path = target.with_name(f".{target.name}.tmp-{secrets.token_hex(4)}")
        try:
            path.mkdir(0o777)
        except FileExistsError:
            continue
        return path


def swap_in(build: Path, target: Path) -> None:
    """Replace `target` with `build` so a reader sees the old dataset or the new one: the new
    files are fsynced first, then the two folders are exchanged in one step where Linux
    offers it (renameat2 RENAME_EXCHANGE), else renamed one after the other. Afterwards
    `build` holds the old dataset (or nothing), for the caller to remove."""
    _fsync_tree(build)
    if target.exists() and _exchange(build, target):
        return
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{build.name.rsplit('-', 1)[-1]}")
        target.rename(old)
    try:
        build.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        old.rename(build)  # back where the caller cleans up
    _fsync_dir(target.parent)


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*"), reverse=True):  # files before their folders
        _fsync_path(path)
    _fsync_path(root)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        _fsync_path(path)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux >= 3.15); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        _fsync_dir(b.parent)
        return True
    err = ctypes.get_errno()
    if err not in (errno.EINVAL, errno.ENOSYS, errno.EPERM, errno.EOPNOTSUPP):
        raise OSError(err, os.strerror(err), str(b))
    logger.debug("renameat2 failed (errno %d); renaming in two steps", err)
    return False
