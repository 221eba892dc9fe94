"""Unpack a source tarball safely: every member must stay inside the one top folder."""

from __future__ import annotations

import lzma
import os
import posixpath
import tarfile
import zlib
from pathlib import Path

from tasks import faults
from tasks.errors import UserError
from tasks.files import Targets, remove_tree


def _inside(top: str, name: str) -> bool:
    normal = posixpath.normpath(name)
    return normal == top or normal.startswith(top + "/")


def check_members(archive: tarfile.TarFile, top: str, label: str) -> list[tarfile.TarInfo]:
    """Refuse absolute paths, '..', links leaving the tree, devices and anything outside `top/`."""
    members = archive.getmembers()
    for member in members:
        name = member.name
        if name.startswith("/") or ".." in name.split("/") or not _inside(top, name):
            raise UserError(f"{label}: refusing to extract {name!r}: it lies outside {top}/; "
                            "the tarball is not a genuine CPython source release")
        if member.issym() or member.islnk():
            base = posixpath.dirname(name) if member.issym() else ""
            target = posixpath.normpath(posixpath.join(base, member.linkname))
            if member.linkname.startswith("/") or not _inside(top, target):
                raise UserError(f"{label}: refusing to extract link {name!r} -> {member.linkname!r}: "
                                f"it points outside {top}/")
        elif not (member.isfile() or member.isdir()):
            raise UserError(f"{label}: refusing to extract {name!r}: special files have no place in a source tarball")
    return members


def extract(tarball: Path, dest: Path, top: str, stamp: Path) -> None:
    """Extract `tarball` (whose single top folder is `top`) to `dest`; the stamp is written last."""
    with Targets(stamp) as targets:
        work = dest.with_name(f".{dest.name}.extracting")
        remove_tree(work)
        work.mkdir(parents=True)
        try:
            try:
                with tarfile.open(tarball) as archive:
                    members = check_members(archive, top, tarball.name)
                    if hasattr(tarfile, "data_filter"):
                        archive.extractall(work, members=members, filter="data")
                    else:  # Python < 3.11.4: our own checks above are the filter
                        archive.extractall(work, members=members)
            except (tarfile.TarError, EOFError, OSError, lzma.LZMAError, zlib.error) as error:
                raise UserError(f"{tarball.name}: cannot unpack ({error}); delete it and run doit again") from error
            remove_tree(dest)
            os.replace(work / top, dest)
        finally:
            remove_tree(work)
        faults.hold("extract")  # tests only: see tasks/faults.py
        targets.write(stamp, {"tarball": tarball.name, "source_dir": str(dest)})
