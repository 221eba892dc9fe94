"""Atomic file writes: write to a temporary name beside the target, then rename."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO, TextIO


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode())


def _write_into_place(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write a file beside `path` and rename it into place: readers see the old file or the new one, never a
    part. The temporary file has a fresh name and is created exclusively (never a file or link someone left
    there); the new file keeps the old one's mode (else the umask's); a failed write leaves nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        if path.exists():
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    _write_into_place(path, lambda handle: handle.write(data))


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


def json_table(data: Mapping[str, Any], *keys: str) -> Mapping[str, Any]:
    """data[key][key]...: a table of a JSON file, {} where it is missing or not a table (a manifest handed to a
    user with the .debs is input like any other)."""
    for key in keys:
        value = data.get(key)
        data = value if isinstance(value, Mapping) else {}
    return data


def move_atomic(src: Path, dest: Path) -> None:
    """Move a file into place: rename when possible, else copy to a temporary name and rename."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(src, dest)
    except OSError:  # another file system
        with open(src, "rb") as source:
            _write_into_place(dest, lambda handle: shutil.copyfileobj(source, handle))
        src.unlink()


def open_log(path: Path) -> TextIO:
    """A step's log, written afresh: whatever was in its place (a link, a FIFO) is removed first, so the log
    is never written through a link nor blocks on a FIFO."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    return open(path, "x", encoding="utf-8", errors="replace")


def remove_tree(path: Path) -> None:
    """Remove a directory tree (or file) if it exists; read-only subdirectories included. An interrupt that
    lands during the removal (a cleanup, as the run guard stops the steps) lets it finish, then goes on."""
    try:
        _remove_tree(path)
    except KeyboardInterrupt:
        _remove_tree(path)
        raise


def _remove_tree(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        def _writable(func, p, _exc):
            os.chmod(os.path.dirname(p), 0o700)
            func(p)
        shutil.rmtree(path, onerror=_writable)
