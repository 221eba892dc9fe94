"""Move a step's inputs into its container and its outputs back, through the Docker API alone.

Bind mounts only work when the engine shares this machine's file system. For an engine named by a distro's
`docker_host` (another machine, reached over tcp:// or ssh://, or any socket), each mounted directory is
sent into the created container as a tar stream (`put_archive`) and, after the step succeeded, every
writable one is fetched back (`get_archive`) and swapped in for the host's copy. The remote host needs
nothing but Docker.
"""

from __future__ import annotations

import os
import posixpath
import tarfile
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from tasks.errors import UserError
from tasks.files import remove_tree


def _owned_by(uid: int, gid: int):
    def set_owner(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid, info.gid, info.uname, info.gname = uid, gid, "", ""
        return info
    return set_owner


def pack(pairs: Iterable[tuple[Path, str]], scratch: Path, uid: int, gid: int) -> Path:
    """One tar holding each host directory at its container path (relative to /), owned by uid:gid.

    Parents of a container path (/pb for /pb/steps) are added as directories too, so the tar is complete
    without Docker's implied directories."""
    fd, name = tempfile.mkstemp(prefix=".put-", suffix=".tar", dir=scratch)
    os.close(fd)
    path = Path(name)
    owner = _owned_by(uid, gid)
    added: set[str] = set()
    try:
        with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as archive:
            for host, container in pairs:
                parts = container.strip("/").split("/")
                for depth in range(1, len(parts)):
                    parent = "/".join(parts[:depth])
                    if parent not in added:
                        info = tarfile.TarInfo(parent)
                        info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, int(time.time())
                        archive.addfile(owner(info))
                        added.add(parent)
                archive.add(host, arcname="/".join(parts), recursive=True, filter=owner)
                added.add("/".join(parts))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _members(archive: tarfile.TarFile, top: str, label: str) -> list[tarfile.TarInfo]:
    """What comes back from a container: files, directories and links inside `top/` only.

    Sockets and fifos a test run left behind are dropped; anything leaving the tree is refused."""
    kept = []
    links: set[str] = set()
    for member in archive.getmembers():
        name = posixpath.normpath(member.name)
        if name.startswith("/") or ".." in name.split("/") or not (name == top or name.startswith(top + "/")):
            raise UserError(f"{label}: the container sent back {member.name!r}, outside {top}/; refusing it")
        parts = name.split("/")
        if any("/".join(parts[:depth]) in links for depth in range(1, len(parts))):
            raise UserError(f"{label}: the container sent back {member.name!r} below a symbolic link; refusing it")
        if member.issym():
            links.add(name)
        if member.islnk() or member.issym():
            base = posixpath.dirname(name) if member.issym() else ""
            target = posixpath.normpath(posixpath.join(base, member.linkname))
            if member.islnk() and not (target == top or target.startswith(top + "/")):
                raise UserError(f"{label}: the container sent back a hard link {member.name!r} leaving {top}/")
        elif not (member.isfile() or member.isdir()):
            continue
        kept.append(member)
    return kept


def receive(chunks: Iterable[bytes], host: Path, container_path: str, label: str, hold) -> None:
    """Replace the host directory `host` by the container's `container_path` (a get_archive stream).

    The new tree is unpacked beside the old one and swapped in with renames while `hold` (a context
    manager holding Ctrl-C and SIGTERM) is active, so an interrupt never leaves the host copy missing."""
    top = posixpath.basename(container_path.rstrip("/"))
    host.parent.mkdir(parents=True, exist_ok=True)
    incoming = host.with_name(f".{host.name}.incoming")
    old = host.with_name(f".{host.name}.old")
    remove_tree(incoming)
    remove_tree(old)
    fd, name = tempfile.mkstemp(prefix=".get-", suffix=".tar", dir=host.parent)
    stream = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        incoming.mkdir()
        with tarfile.open(stream) as archive:
            members = _members(archive, top, label)
            if hasattr(tarfile, "data_filter"):
                archive.extractall(incoming, members=members, filter="tar")
            else:
                archive.extractall(incoming, members=members)
        with hold():
            if host.exists():
                os.replace(host, old)
            os.replace(incoming / top, host)
    finally:
        stream.unlink(missing_ok=True)
        remove_tree(incoming)
        remove_tree(old)
