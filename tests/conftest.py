"""Shared fixtures: the project root, a valid config, an isolated copy of the project, and doit's command line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def config_data() -> dict:
    with open(ROOT / "config.toml", "rb") as handle:
        return tomllib.load(handle)


def copy_project(dest: Path) -> Path:
    """A copy of the project's tracked inputs (no cache/, dist/ or dep DB) at `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("dodo.py", "config.toml", "pyproject.toml"):
        shutil.copy2(ROOT / name, dest / name)
    for name in ("tasks", "docker", "debian"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"), symlinks=True)
    return dest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def doit_cli(project: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """doit's real command line in a project copy (no Docker needed by the callers): its output, exit status."""
    return subprocess.run([sys.executable, "-m", "doit", *args], cwd=project, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def send_body(handler, body: bytes) -> None:
    """Answer an http.server request with 200 and `body` (the local test servers' common reply)."""
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def fake_docker(monkeypatch):
    """The one way unit tests fake Docker: docker_env.client returns what the test chooses (see
    tests/fake_docker.py); by default a FakeEngine per call."""
    from tasks.engine import docker_env
    from tests.fake_docker import Engines

    engines = Engines()
    monkeypatch.setattr(docker_env, "client", engines.client)
    return engines
