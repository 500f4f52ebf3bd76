"""Files replaced whole or not at all: a reader (a replay tool, a scheduler) sees the old file
or the new one, never part of one, and a crash leaves the old one where it was."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    """Makes a rename in `folder` durable."""
    with contextlib.suppress(OSError):  # not every filesystem lets a folder be opened
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def replacing(path: Path, part: Path | None = None) -> Iterator[Path]:
    """Yields the temporary file to write (`part`, by default `.NAME.part` beside `path`); when
    the block ends it is fsynced and renamed over `path`, then the folder is fsynced; when the
    block raises, it is removed. Close the file before the block ends."""
    part = part or path.with_name(f".{path.name}.part")
    try:
        yield part
        with part.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(part, path)
    except BaseException:
        with contextlib.suppress(OSError):
            part.unlink()
        raise
    fsync_dir(path.parent)


def write_text(path: Path, text: str, part: Path | None = None) -> None:
    """`path` replaced by `text` (UTF-8) in one rename."""
    with replacing(path, part) as tmp, tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
