"""Atomic file writes: write to a temporary name beside the target, then rename."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode())


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_json_atomic(path: Path, data: dict) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


class Targets:
    """A step's targets, the one way every step handles them: removed when the step starts, written by it
    last (`write`), and removed again if the step fails or is interrupted before it is done. So no step
    ever leaves a target that doit would take for finished.

        with Targets(stamp) as targets:
            ...work...
            targets.write(stamp, record)
    """

    def __init__(self, *paths: Path):
        self.paths = paths

    def __enter__(self) -> Targets:
        self._remove()
        return self

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        if kind is not None:
            self._remove()

    def write(self, path: Path, record: dict) -> None:
        if path not in self.paths:
            raise ValueError(f"{path} is not one of this step's targets")
        write_json_atomic(path, record)

    def _remove(self) -> None:
        for path in self.paths:
            path.unlink(missing_ok=True)


def read_head(path: Path, limit: int) -> bytes:
    """At most `limit` + 1 bytes of a file: more than `limit` means it is too large, and the rest (of
    /dev/zero, of a huge file) is never read."""
    with open(path, "rb") as handle:
        return handle.read(limit + 1)


def read_json(path: Path) -> dict:
    """A JSON object from a file this tool wrote; {} when it is missing, unreadable, malformed or no object."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def move_atomic(src: Path, dest: Path) -> None:
    """Move a file into place: rename when possible, else copy to a temporary name and rename."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(src, dest)
    except OSError:
        tmp = dest.with_name(f".{dest.name}.tmp")
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
        src.unlink()


def remove_tree(path: Path) -> None:
    """Remove a directory tree (or file) if it exists; read-only subdirectories included."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        def _writable(func, p, _exc):
            os.chmod(os.path.dirname(p), 0o700)
            func(p)
        shutil.rmtree(path, onerror=_writable)
