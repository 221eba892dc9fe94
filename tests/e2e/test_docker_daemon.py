"""The Docker daemon stopping in the middle of a build: one clear line naming Docker, no target left;
with the daemon back, the next run completes. It is also the suite's reproducibility check: this second
build of the pair (another checkout path, another time, a warm compiler cache, a compile killed half-way)
gives the first build's bytes for all four .debs.

Uses a second, real dockerd started by the test (tests/e2e/conftest.py: SecondEngine), so the engine the
other tests use is never stopped. The project has no image on that engine: the first run bootstraps the
base image from the Debian archive and builds the build image there, which is the air-gapped path too.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from tasks.model.plan import Layout
from tests.e2e.conftest import (
    BackgroundDoit,
    derived_project,
    discard,
    executed,
    local_downloads,
    run_doit,
)

pytestmark = pytest.mark.e2e

KEY = "3.14.4-trixie"
ARGS = ("build", "PYTHON_VERSION=3.14.4", "DISTRO=trixie", "FAST_BUILD=true", "BUILD_NOGIL=false")


@pytest.fixture(scope="module")
def daemon_project(project, first_build):
    """A fresh copy of the e2e project, with the downloaded tarball and the warm compiler cache."""
    fresh = derived_project(project, "pb-e2e-daemon-", local_downloads(project))
    yield fresh
    discard(fresh)


def files_and_sizes(deb: Path) -> list[tuple[str, str]]:
    out = subprocess.run(["dpkg-deb", "-c", str(deb)], check=True, capture_output=True, text=True).stdout
    return sorted((line.split()[5], line.split()[2]) for line in out.splitlines() if not line.startswith("d"))


def test_daemon_stops_mid_build_then_the_next_run_completes(project, daemon_project, second_engine):
    env = {**os.environ, "DOCKER_HOST": second_engine.url}
    engine = second_engine.client()
    project_id = Layout.for_root(daemon_project).project_id
    process = BackgroundDoit(daemon_project, *ARGS, env=env)
    try:
        deadline = time.monotonic() + 1200
        while time.monotonic() < deadline:
            running = engine.containers.list(ignore_removed=True, filters={"label": f"io.python-builder.project={project_id}"})
            if any(c.labels.get("io.python-builder.step") == f"compile:{KEY}" for c in running):
                break
            assert process.poll() is None, process.finish(30)[-3000:]
            time.sleep(0.5)
        else:
            raise AssertionError("compile never started on the second engine")
        time.sleep(3)
        second_engine.stop()  # the daemon goes away in the middle of the compile
    finally:
        output = process.finish(timeout=300)
    (daemon_project / "doit-runs.log").write_text(f"===== daemon stopped mid-compile\n{output}")
    assert process.returncode != 0
    assert "Traceback" not in output, output[-3000:]
    errors = [line for line in output.splitlines() if line.startswith("python-builder: error:")]
    assert len(errors) == 1 and "Docker" in errors[0], output[-2000:]
    assert "compile:" in errors[0]
    build_dir = daemon_project / "cache" / "build" / KEY
    assert not (build_dir / "default.compiled.json").exists()
    assert (build_dir / "default.configured.json").exists()  # finished before the daemon went away

    second_engine.start()
    result = run_doit(daemon_project, *ARGS, env=env)
    ran = executed(result.stdout)
    assert ran[0] == f"compile:{KEY}" and f"configure:{KEY}" not in ran and f"validate:{KEY}" in ran
    report = json.loads((daemon_project / "dist" / "trixie" / "opt-python3.14_3.14.4-1+trixie.validation.json"
                         ).read_text())
    assert report["passed"] is True
    # this build compiled from the warm compiler cache (the one test_build.py's cold build filled): ccache
    # must not change the result, so the main package has the same files with the same sizes
    manifest = json.loads((daemon_project / "dist" / "trixie" / "opt-python3.14_3.14.4-1+trixie.json").read_text())
    assert manifest["variants"]["default"]["ccache"]["hit_rate"] > 0.9, manifest["variants"]["default"]["ccache"]
    name = "opt-python3.14_3.14.4-1+trixie_amd64.deb"
    assert files_and_sizes(daemon_project / "dist" / "trixie" / name) == files_and_sizes(
        project / "dist" / "trixie" / name)
    # reproducible: another checkout path, another time, a warm compiler cache against the first build's
    # cold one, a compile killed half-way and resumed: the main package and its debug symbols are the same
    # bytes (SOURCE_DATE_EPOCH is the release's date; the containers' paths are fixed)
    for deb in (name, "opt-python3.14-dbgsym_3.14.4-1+trixie_amd64.deb"):
        ours, first = daemon_project / "dist" / "trixie" / deb, project / "dist" / "trixie" / deb
        assert ours.read_bytes() == first.read_bytes(), deb
    # and with the free-threaded interpreter too (packaged; the first build validated these bytes): all four
    # .debs, main, add-on and both -dbgsym, are the first build's bytes
    result = run_doit(daemon_project, f"package:{KEY}", "PYTHON_VERSION=3.14.4", "DISTRO=trixie",
                      "FAST_BUILD=true", "BUILD_NOGIL=true", env=env)
    assert f"compile_ft:{KEY}" in executed(result.stdout)
    debs = sorted(p.name for p in (project / "dist" / "trixie").glob("opt-python3.14*_3.14.4-1+trixie_amd64.deb"))
    assert len(debs) == 4, debs
    for deb in debs:
        ours, first = daemon_project / "dist" / "trixie" / deb, project / "dist" / "trixie" / deb
        assert ours.read_bytes() == first.read_bytes(), deb
    assert engine.containers.list(all=True, filters={"label": f"io.python-builder.project={project_id}"}) == []
