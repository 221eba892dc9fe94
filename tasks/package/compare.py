"""Compare two builds' .debs byte for byte and, where they differ, name the members that differ.

Used by `doit rebuild_check` (tasks/pipeline/rebuild.py) and bench/reproducible.py.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import tarfile
from pathlib import Path

FIELDS = ("mode", "uid", "gid", "mtime", "link", "content")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def members(deb: Path) -> dict[tuple[str, str], tuple]:
    """Every member of a .deb's control and data tarballs: (mode, uid, gid, mtime, link, content sha256)."""
    found: dict[tuple[str, str], tuple] = {}
    for part in ("--ctrl-tarfile", "--fsys-tarfile"):
        data = subprocess.run(["dpkg-deb", part, str(deb)], check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            for member in archive.getmembers():
                handle = archive.extractfile(member) if member.isfile() else None
                content = hashlib.sha256(handle.read()).hexdigest() if handle else ""
                found[(part.strip("-").split("-")[0], member.name)] = (
                    member.mode, member.uid, member.gid, member.mtime, member.linkname, content)
    return found


def differing(a: Path, b: Path) -> list[str]:
    """One line per member that differs: 'fsys: ./opt/... (content)'."""
    ma, mb = members(a), members(b)
    lines = []
    for key in sorted(set(ma) | set(mb)):
        va, vb = ma.get(key), mb.get(key)
        if va != vb:
            what = "only in one" if va is None or vb is None else ", ".join(
                f for f, x, y in zip(FIELDS, va, vb, strict=True) if x != y)
            lines.append(f"{key[0]}: {key[1]} ({what})")
    return lines


def compare_debs(first: Path, second: Path, names: list[str]) -> list[dict]:
    """Per .deb name: identical or not, its sha256 in both, and the differing members."""
    entries = []
    for name in names:
        a, b = first / name, second / name
        same = a.is_file() and b.is_file() and a.read_bytes() == b.read_bytes()
        entry: dict = {"name": name, "identical": same, "sha256": sha256(a) if a.is_file() else None}
        if not same:
            entry["sha256_second"] = sha256(b) if b.is_file() else None
            entry["differing_members"] = differing(a, b) if a.is_file() and b.is_file() else ["missing"]
        entries.append(entry)
    return entries
