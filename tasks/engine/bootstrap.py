"""Make a Debian base image from the Debian archive when none can be found or pulled.

For offline and air-gapped machines: mmdebstrap (or debootstrap) builds a minimal root file system
from the mirror in this machine's apt configuration, and Docker imports it as an image.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from tasks.engine import emulation
from tasks.errors import UserError
from tasks.files import remove_tree
from tasks.model.config import Distro
from tasks.sources.apt_mirror import debian_mirror

BOOTSTRAP_REPOSITORY = "python-builder/bootstrap"


def bootstrap_tag(distro: Distro) -> str:
    return f"{BOOTSTRAP_REPOSITORY}:{distro.family}-{distro.codename}-{distro.arch}"


def bootstrap_command(tool: str, distro: Distro, target: Path, mirror: str) -> list[str]:
    """The argv that builds a minimal root file system for `distro` (a tarball for mmdebstrap)."""
    if tool == "mmdebstrap":
        # an --aptopt also lands in the root file system's apt configuration: the image keeps it
        expired = ['--aptopt=Acquire::Check-Valid-Until "false"'] if distro.allow_expired_release else []
        return ["mmdebstrap", "--variant=minbase", f"--architectures={distro.arch}", *expired,
                distro.codename, str(target), mirror]
    return ["debootstrap", "--variant=minbase", f"--arch={distro.arch}", distro.codename, str(target), mirror]


def scratch_prefix(distro: Distro, pid: int, work: Path) -> str:
    """The name a bootstrap's scratch directory starts with: the release and this process. Any other
    process's is a killed run's (the run lock admits one run per checkout): removed here."""
    prefix = f"{distro.codename}-{distro.arch}-"
    for leftover in work.glob(f"{prefix}*"):
        if not leftover.name.startswith(f"{prefix}{pid}-"):
            remove_tree(leftover)
    return f"{prefix}{pid}-"


def _tool() -> str:
    for tool in ("mmdebstrap", "debootstrap"):
        if shutil.which(tool):
            return tool
    raise UserError("no base image could be pulled and neither mmdebstrap nor debootstrap is installed; "
                    "install one (`sudo apt-get install mmdebstrap`) or make the base image available to Docker")


def bootstrap(engine, distro: Distro, work: Path, recipe: Path, mirror: str | None = None,
              host_arch: str | None = None) -> str:
    """Build and import the base image for a Debian-family distro; returns its tag.

    `recipe` is docker/bootstrap/Dockerfile: the root file system is added to an empty image built with
    the distro's platform, so an arm64 root file system becomes an arm64 image (`docker import` would
    label it with the engine's own architecture), on a local or a remote engine alike."""
    if distro.family != "debian":
        raise UserError(
            f"distros.{distro.name}: base image {distro.base_image} is neither present nor pullable, and "
            f"only Debian bases can be bootstrapped from this machine's Debian mirror; "
            f"`docker pull {distro.base_image}` (or `docker load` it) on a machine with registry access"
        )
    tool = _tool()
    host_arch = host_arch or emulation.debian_arch(platform.machine())
    if tool == "debootstrap" and os.geteuid() != 0:
        raise UserError("bootstrapping a base image with debootstrap needs root; run doit as root once, "
                        "or install mmdebstrap (it can work unprivileged)")
    if tool == "mmdebstrap" and distro.arch != host_arch and not shutil.which("arch-test"):
        raise UserError(f"bootstrapping a {distro.arch} base image on this {host_arch} machine needs arch-test "
                        "(mmdebstrap checks with it that the architecture runs here): `sudo apt-get install arch-test`")
    mirror = mirror or debian_mirror()
    tag = bootstrap_tag(distro)
    work.mkdir(parents=True, exist_ok=True)
    # a scratch directory of its own: two engines (doit -n 2) may bootstrap the same release at once
    scratch = Path(tempfile.mkdtemp(prefix=scratch_prefix(distro, os.getpid(), work), dir=work))
    rootfs = scratch / "rootfs"
    tar_path = scratch / "rootfs.tar"
    print(f"base image {distro.base_image} is not available and cannot be pulled: "
          f"bootstrapping {distro.codename}/{distro.arch} from {mirror} with {tool}", file=sys.stderr)
    try:
        if tool == "mmdebstrap":
            _run(bootstrap_command(tool, distro, tar_path, mirror), distro, scratch / "bootstrap.log")
        else:
            _run(bootstrap_command(tool, distro, rootfs, mirror), distro, scratch / "bootstrap.log")
            with tarfile.open(tar_path, "w") as archive:
                archive.add(rootfs, arcname=".")
        _import(engine, distro, tar_path, recipe, tag)
    finally:
        remove_tree(scratch)
    print(f"imported bootstrapped base image {tag}", file=sys.stderr)
    return tag


def _import(engine, distro: Distro, rootfs_tar: Path, recipe: Path, tag: str) -> None:
    """Build `tag` from scratch + the root file system tarball, for linux/<arch>."""
    context = rootfs_tar.with_suffix(".context.tar")
    with tarfile.open(context, "w") as archive:
        archive.add(recipe, arcname="Dockerfile")
        archive.add(rootfs_tar, arcname="rootfs.tar")
    with open(context, "rb") as data:
        args = {"CODENAME": distro.codename}
        for line in engine.api.build(fileobj=data, custom_context=True, tag=tag, buildargs=args,
                                     platform=f"linux/{distro.arch}", rm=True, forcerm=True, decode=True):
            if "error" in line:
                raise UserError(f"importing the bootstrapped {distro.codename}/{distro.arch} root file system "
                                f"failed: {' '.join(line['error'].split())[:300]}")


# apt's words for a Release file past its Valid-Until date
EXPIRED = re.compile(r"Release file for (\S+) is expired")


def _run(argv: list[str], distro: Distro, log: Path) -> None:
    """Run the bootstrap tool, its output passed through to stderr and scanned for the cause of a failure.

    The tool writes into `log`, not into a pipe: if this run is killed (kill -9, a closed terminal), a pipe
    would break under mmdebstrap and kill it half-way, its chroot left in /tmp with proc and sys mounted;
    writing to a file, it finishes and cleans up on its own (the next run removes the scratch directory)."""
    with open(log, "wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    expired = None
    with open(log, encoding="utf-8", errors="replace") as reader:
        pending = ""
        while True:
            finished = process.poll() is not None  # before reading: all it wrote is then in the file
            pending += reader.read()
            *lines, pending = pending.split("\n")
            for line in lines:
                sys.stderr.write(line + "\n")
                expired = expired or EXPIRED.search(line)
            if finished:
                break
            time.sleep(0.1)
    if pending:
        sys.stderr.write(pending + "\n")
        expired = expired or EXPIRED.search(pending)
    if process.returncode == 0:
        return
    if expired:
        raise UserError(f"bootstrapping {distro.codename} failed: the archive's Release file ({expired.group(1)}) "
                        f"is past its Valid-Until date (a snapshot or a stale mirror); if that is expected, set "
                        f"allow_expired_release = true in [distros.{distro.name}] (signatures are still checked)")
    raise UserError(f"bootstrapping the base image failed ({argv[0]} exit {process.returncode}); "
                    "check that the Debian mirror in your apt configuration is reachable")
