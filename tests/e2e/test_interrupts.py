"""Interrupted runs never leave a wrong result: SIGTERM, Ctrl-C and kill -9 in the middle of real steps.

Runs after test_build.py's build in its own project copy: a free-threaded-only flag change makes the
free-threaded steps stale, and each interrupt lands while one of their containers runs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tasks.plan import Layout
from tests.e2e.conftest import FIRST_BUILD_ARGS as ARGS, executed, run_doit

pytestmark = pytest.mark.e2e

KEY = "3.13.15-trixie"
LABEL = "io.python-builder.project"


@pytest.fixture(scope="module")
def built(project, first_build, docker_engine):
    run_doit(project, *ARGS)  # up to date after test_build.py; builds it when this module runs alone
    return project


def ours(engine, project: Path) -> list:
    return engine.containers.list(all=True, filters={"label": f"{LABEL}={Layout.for_root(project).project_id}"})


def start(project: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "doit", *ARGS], cwd=project, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def wait_for_step(engine, project: Path, step: str, process: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for container in ours(engine, project):
            if container.labels.get("io.python-builder.step") == step and container.status == "running":
                time.sleep(3)  # well inside the step
                return
        assert process.poll() is None, process.communicate()[0][-3000:]
        time.sleep(0.5)
    raise AssertionError(f"{step} never started")


def stamp(project: Path, name: str) -> Path:
    return project / "cache" / "build" / KEY / name


def change_free_threaded_flags(project: Path) -> None:
    config = project / "config.toml"
    config.write_text(config.read_text().replace(
        'free_threaded = ["--disable-gil", "--with-ensurepip=no"]',
        'free_threaded = ["--disable-gil", "--with-ensurepip=no", "--without-doc-strings"]'))


def deb_listing(deb: Path) -> list[str]:
    out = subprocess.run(["dpkg-deb", "-c", str(deb)], check=True, capture_output=True, text=True).stdout
    return sorted(line.split()[5] for line in out.splitlines())


@pytest.mark.parametrize("sig, step", [(signal.SIGTERM, "configure_ft"), (signal.SIGINT, "compile_ft")])
def test_signal_during_a_step_leaves_no_container_and_no_target(built, docker_engine, sig, step):
    change_free_threaded_flags(built)
    process = start(built)
    wait_for_step(docker_engine, built, f"{step}:{KEY}", process)
    process.send_signal(sig)
    output = process.communicate(timeout=120)[0]
    assert process.returncode != 0
    assert "Traceback" not in output
    time.sleep(1)
    assert ours(docker_engine, built) == [], "a container of ours is still there"
    target = "freethreaded.configured.json" if step == "configure_ft" else "freethreaded.compiled.json"
    assert not stamp(built, target).exists()
    assert (built / ".doit.lock").read_text() == ""  # a clean exit


def test_kill_9_then_the_next_run_cleans_up_and_completes(built, docker_engine):
    reference = deb_listing(built / "dist" / "trixie" / "opt-python3.13t_3.13.15-1+trixie_amd64.deb")
    change_free_threaded_flags(built)
    process = start(built)
    wait_for_step(docker_engine, built, f"compile_ft:{KEY}", process)
    process.kill()
    process.wait()
    assert ours(docker_engine, built), "after kill -9 the step's container keeps running (nobody removed it)"
    assert not stamp(built, "freethreaded.compiled.json").exists()
    assert (built / ".doit.lock").read_text() == str(process.pid)
    result = run_doit(built, *ARGS)
    assert "removed 1 container(s) left by a killed run" in result.stdout
    ran = executed(result.stdout)
    assert f"compile_ft:{KEY}" in ran and f"validate:{KEY}" in ran and f"compile:{KEY}" not in ran
    assert ours(docker_engine, built) == []
    dist = built / "dist" / "trixie"
    assert deb_listing(dist / "opt-python3.13t_3.13.15-1+trixie_amd64.deb") == reference
    report = json.loads((dist / "opt-python3.13_3.13.15-1+trixie.validation.json").read_text())
    assert report["passed"] is True
    assert "--without-doc-strings" in json.loads(stamp(built, "freethreaded.configured.json").read_text())["args"]


def test_two_runs_at_once_wait_for_each_other(built, docker_engine):
    run_doit(built, "forget", f"validate:{KEY}", *ARGS[1:])
    first = start(built)  # re-validates: about half a minute
    wait_for_step(docker_engine, built, f"validate:{KEY}", first)
    second = run_doit(built, *ARGS)  # must wait for the first, then find everything up to date
    first_output = first.communicate(timeout=600)[0]
    assert first.returncode == 0, first_output[-2000:]
    assert "another doit run" in second.stdout and "waiting for it to finish" in second.stdout
    assert executed(first_output) == [f"validate:{KEY}"]
    assert executed(second.stdout) == []
    os.stat(built / ".doit.db")  # still a working dependency database
    assert run_doit(built, *ARGS).returncode == 0
