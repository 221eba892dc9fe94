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


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


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
