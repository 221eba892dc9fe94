"""End-to-end fixtures: a real Docker engine, a fresh copy of the project, doit run as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def docker_available() -> str | None:
    """None when a Docker daemon answers, else why not."""
    try:
        import docker
        docker.from_env(timeout=10).ping()
        return None
    except Exception as error:  # noqa: BLE001
        return f"no Docker daemon ({' '.join(str(error).split())[:120]})"


@pytest.fixture(scope="session")
def docker_engine():
    reason = docker_available()
    if reason:
        if os.environ.get("PB_REQUIRE_E2E"):
            pytest.fail(f"PB_REQUIRE_E2E is set but {reason}")
        pytest.skip(f"{reason}; start dockerd to run the end-to-end tests")
    import docker
    return docker.from_env(timeout=600)


def run_doit(project: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run `doit <args>` in the project copy, streaming to a log, and return the result."""
    log = project / "doit-runs.log"
    with open(log, "a") as handle:
        handle.write(f"\n===== doit {' '.join(args)}\n")
    result = subprocess.run([sys.executable, "-m", "doit", *args], cwd=project, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    with open(log, "a") as handle:
        handle.write(result.stdout)
    if check and result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-60:])
        raise AssertionError(f"doit {' '.join(args)} failed ({result.returncode}):\n{tail}")
    return result


def executed(output: str) -> list[str]:
    """Names of the tasks doit executed (its '.  name' lines)."""
    return [line[3:].strip() for line in output.splitlines() if line.startswith(".  ")]
