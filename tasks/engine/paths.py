"""Where things are inside the step containers: every container path the Python side names, named once.

The scripts under docker/ read the same paths (their headers state them); a step mounts them here.
"""

from __future__ import annotations

from pathlib import Path

from tasks.engine.runner import Mount

STEPS = "/pb/steps"  # docker/steps/ (read-only): configure.sh, compile.sh, install.sh, debuild.sh, repo.sh
VALIDATE = "/pb/validate"  # docker/validate/ (read-only): validate.sh, lintian.sh, the fact collectors
SRC = "/src"  # one variant's writable copy of the sources
BUILD = "/build"  # one variant's build tree (install.sh: /build/<variant>)
CCACHE = "/ccache"  # the distro's compiler cache
PKG = "/pkg"  # the package step's work tree: staging, debian/, the built .debs
DIST = "/dist"  # dist/<distro>/ (repo: indexed in place)
DEBS = "/debs"  # dist/<distro>/ (read-only: validate installs from it)
OUT = "/out"  # validate's facts, logs and exit codes; rebuild_check's diffoscope reports
REBUILT = "/rebuilt"  # rebuild_check: the rebuild's dist/<distro>/ (read-only)


def script(directory: str, name: str) -> str:
    """A script's path in the container: script(STEPS, "compile.sh") -> /pb/steps/compile.sh."""
    return f"{directory}/{name}"


def steps_mount(root: Path) -> Mount:
    return Mount(root / "docker" / "steps", STEPS)


def validate_mount(root: Path) -> Mount:
    return Mount(root / "docker" / "validate", VALIDATE)
