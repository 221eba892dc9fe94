"""Compare the packages of two builds of the same inputs, byte for byte, and publish the result.

Usage (two checkouts that built the same version for the same distro, e.g. at different paths, at
different times, one with an empty compiler cache and one with a warm one):

    python3 bench/reproducible.py "FAST 3.14.4 trixie" A/dist/trixie B/dist/trixie [--out FILE] [--note TEXT]

It prints one line per .deb and, for a .deb that differs, the members that differ (mode, owner, mtime,
link or content). The JSON it writes is the shape bench/published/<date>/reproducible.json uses.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path


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
    fields = ("mode", "uid", "gid", "mtime", "link", "content")
    ma, mb = members(a), members(b)
    lines = []
    for key in sorted(set(ma) | set(mb)):
        va, vb = ma.get(key), mb.get(key)
        if va != vb:
            what = "only in one" if va is None or vb is None else ", ".join(
                f for f, x, y in zip(fields, va, vb, strict=True) if x != y)
            lines.append(f"{key[0]}: {key[1]} ({what})")
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case")
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--note", default="")
    args = parser.parse_args(argv)
    debs = []
    for deb in sorted(args.first.glob("*.deb")):
        other = args.second / deb.name
        same = other.is_file() and deb.read_bytes() == other.read_bytes()
        entry = {"name": deb.name, "identical": same, "sha256": sha256(deb)}
        if not same:
            entry["sha256_second"] = sha256(other) if other.is_file() else None
            entry["differing_members"] = differing(deb, other) if other.is_file() else ["missing"]
        debs.append(entry)
        print(f"{deb.name}: {'identical' if same else 'DIFFERENT'}")
        for line in entry.get("differing_members", [])[:20]:
            print(f"    {line}")
    result = {"case": args.case, "debs": debs, "all_identical": all(d["identical"] for d in debs)}
    if args.note:
        result["note"] = args.note
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["all_identical"] and debs else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
