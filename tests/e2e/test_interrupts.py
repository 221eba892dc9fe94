"""Interrupted runs never leave a wrong result: Ctrl-C, SIGTERM and kill -9 during every step.

One fresh project (empty cache/ but for a warm compiler cache, its own Docker names) walks the whole
pipeline. Each step is caught in
the middle three times, once per signal, before the next step starts:

- download: the tarball comes from a throttled server on 127.0.0.1; the signal lands once the partial
  file holds data (and the next run resumes it);
- checksum, extract, image: they finish faster than a signal can be aimed, so tasks/faults.py holds
  them at their riskiest point (work done, target not yet written) and the signal lands there;
- configure, compile, configure_ft, compile_ft, package, validate: the signal lands while the step's
  container runs.

Each interrupted run is `doit <that step>` (its prerequisites are done by then).
After every interrupt: exit status non-zero, no traceback, the step's targets absent, the steps that
finished before it recorded (the next run does not redo them); after Ctrl-C and SIGTERM no container
of ours is left and the lock is released; after kill -9 the next run removes what the killed run left
and completes the step. At the end the packages equal those of test_build.py's uninterrupted build.
Last, Ctrl-C lands while the two compiles run at once (doit's default two workers): both containers go.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tasks.model.plan import Layout, builds
from tasks.model.variant import DEFAULT, FREETHREADED
from tasks.model.versions import Version
from tasks.pipeline import overrides
from tests.e2e.conftest import FIRST_BUILD_ARGS as ARGS
from tests.e2e.conftest import (
    BackgroundDoit,
    derived_project,
    discard,
    executed,
    run_doit,
)

pytestmark = pytest.mark.e2e

VERSION, DISTRO = "3.14.4", "trixie"
KEY = f"{VERSION}-{DISTRO}"
LABEL = "io.python-builder.project"
ORDER = ("download", "checksum", "extract", "image", "configure", "compile", "configure_ft", "compile_ft",
         "package", "validate")
TASK = {"download": f"download:{VERSION}", "checksum": f"checksum:{VERSION}", "extract": f"extract:{VERSION}",
        "image": f"image:{DISTRO}", **{s: f"{s}:{KEY}" for s in ORDER[4:]}}
HELD = ("checksum", "extract", "image")
SIGNALS = (("Ctrl-C", signal.SIGINT), ("SIGTERM", signal.SIGTERM), ("kill -9", signal.SIGKILL))


class _Throttled:
    """A server on 127.0.0.1 that serves one file slowly, with Range support (so a download resumes)."""

    def __init__(self, payload: bytes):
        import http.server

        data = payload

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if not self.path.endswith(".tar.xz"):
                    self.send_error(404)
                    return
                start = int(self.headers.get("Range", "bytes=0-")[6:].split("-")[0] or 0)
                self.send_response(206 if start else 200)
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                try:
                    for offset in range(start, len(data), 64 * 1024):
                        self.wfile.write(data[offset:offset + 64 * 1024])
                        time.sleep(0.025)  # about 2.5 MB/s: a 23 MB tarball takes ~9 s
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.port = self.httpd.server_address[1]


@pytest.fixture(scope="module")
def walk(project, first_build, docker_engine):
    """A fresh copy of the e2e project whose tarball comes only from the throttled local server."""
    tarball = (project / "cache" / "downloads" / f"Python-{VERSION}.tar.xz").read_bytes()
    server = _Throttled(tarball)
    text = (project / "config.toml").read_text()  # the e2e config (maintainer, bundles), other sources
    text = text.replace('url_templates = ["https://www.python.org/ftp/python/{folder}/Python-{version}.tar.xz"]',
                        f'url_templates = ["http://127.0.0.1:{server.port}/Python-{{version}}.tar.xz"]')
    text = text.replace('order = ["local", "url", "mirror", "debian-archive"]', 'order = ["url"]')
    # a warm compiler cache keeps the compiles short: they are interrupted, not measured
    fresh = derived_project(project, "pb-e2e-walk-", text)
    yield fresh
    server.httpd.shutdown()
    discard(fresh)


def targets(project: Path, step: str) -> list[Path]:
    settings = overrides.load(project / "config.toml", dict(a.split("=", 1) for a in ARGS[1:]))
    layout = Layout.for_root(project)
    build = builds(settings, layout)[0]
    version = Version.parse(VERSION)
    return {
        "download": [layout.tarball(version)],
        "checksum": [layout.verified_stamp(version)],
        "extract": [layout.extracted_stamp(version)],
        "image": [layout.image_stamp(build.distro)],
        "configure": [build.configured_stamp(DEFAULT)],
        "compile": [build.compiled_stamp(DEFAULT)],
        "configure_ft": [build.configured_stamp(FREETHREADED)],
        "compile_ft": [build.compiled_stamp(FREETHREADED)],
        "package": [*build.deb_files(), build.manifest],
        "validate": [build.validation_report],
    }[step]


def ours(engine, project: Path) -> list:
    return engine.containers.list(all=True, ignore_removed=True, filters={"label": f"{LABEL}={Layout.for_root(project).project_id}"})


def wait_until_inside(engine, project: Path, step: str, process: BackgroundDoit, marker: Path) -> None:
    """Return once `step` is under way (see the module docstring for how each step is caught)."""
    tarball = Layout.for_root(project).tarball(Version.parse(VERSION))
    part = tarball.with_name(tarball.name + ".part")
    size = lambda: part.stat().st_size if part.exists() else 0  # noqa: E731
    already = size()  # an earlier interrupt left a partial file: this run must add to it
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if step == "download" and size() > already + (1 << 20):
            return
        if step in HELD and marker.exists():
            return
        if step not in HELD and step != "download":
            for container in ours(engine, project):
                if container.labels.get("io.python-builder.step") == TASK[step] and container.status == "running":
                    time.sleep(2)  # well inside the step
                    return
        if process.poll() is not None:
            raise AssertionError(f"doit ended before {step} was caught:\n{process.finish(30)[-3000:]}")
        time.sleep(0.2)
    raise AssertionError(f"{step} never started")


CASES = [(step, name, sig) for step in ORDER for name, sig in SIGNALS]


@pytest.mark.parametrize("step, name, sig", CASES, ids=[f"{s}-{n.replace(' ', '')}" for s, n, _ in CASES])
def test_interrupt(walk, docker_engine, tmp_path, step, name, sig):
    marker = tmp_path / "holding"
    env = {**os.environ, "PB_HOLD_AT": step, "PB_HOLD_MARKER": str(marker)} if step in HELD else None
    # only this step (its prerequisites are done): doit orders independent steps freely, and a whole
    # `doit build` could finish a later step before its turn to be interrupted comes
    process = BackgroundDoit(walk, TASK[step], *ARGS[1:], env=env)
    try:
        wait_until_inside(docker_engine, walk, step, process, marker)
        process.send_signal(sig)
    finally:
        output = process.finish(timeout=180)
    with open(walk / "doit-runs.log", "a") as log:
        log.write(f"\n===== {name} during {step}\n{output}")
    tail = output[-3000:]  # every failure shows what doit printed (the walk's directory goes at teardown)
    assert process.returncode != 0, tail
    # what finished before this step was recorded: this run did not redo it
    assert not set(executed(output)) & {TASK[s] for s in ORDER[:ORDER.index(step)]}, tail
    assert not [p for p in targets(walk, step) if p.exists()], f"a target of {step} survived {name}:\n{tail}"
    if sig != signal.SIGKILL:
        assert "Traceback" not in output, tail
        assert "python-builder: error:" in output and "interrupted" in output, tail
        time.sleep(1)
        assert ours(docker_engine, walk) == [], f"a container of ours outlived {name}:\n{tail}"
        assert (walk / ".doit.lock").read_text() == "", tail
        return
    # kill -9: nobody could clean up; the next run does, then the step completes
    left = len(ours(docker_engine, walk))
    assert (walk / ".doit.lock").read_text() == str(process.pid), tail
    result = run_doit(walk, TASK[step], *ARGS[1:])
    after = f"the killed run:\n{tail}\nthe next run:\n{result.stdout[-3000:]}"
    if left:
        assert f"removed {left} container(s) left by a killed run" in result.stdout, after
    assert TASK[step] in executed(result.stdout), after
    assert all(p.exists() for p in targets(walk, step)), after
    assert ours(docker_engine, walk) == [], after


def deb_listing(deb: Path) -> list[str]:
    out = subprocess.run(["dpkg-deb", "-c", str(deb)], check=True, capture_output=True, text=True).stdout
    paths = sorted(line.split()[5] for line in out.splitlines())
    if "-dbgsym_" in deb.name:
        # debug files are named by build-id, a hash of each binary's bytes (and grouped in directories by
        # its first two digits): two builds agree on how many there are, not on their names
        return [f"{sum(p.endswith('.debug') for p in paths)} .debug files"]
    return paths


def test_after_every_interrupt_the_result_equals_an_uninterrupted_build(walk, project):
    result = run_doit(walk, *ARGS)
    assert executed(result.stdout) == []  # every step was completed and recorded along the way
    for deb in targets(project, "package")[:-1]:
        assert deb_listing(walk / "dist" / DISTRO / deb.name) == deb_listing(deb), deb.name
    ours_report = json.loads(targets(walk, "validate")[0].read_text())
    reference = json.loads(targets(project, "validate")[0].read_text())
    assert ours_report["passed"] is True
    assert [(c["name"], c["ok"]) for c in ours_report["checks"]] == [(c["name"], c["ok"]) for c in reference["checks"]]
    assert ours_report["modules"] == reference["modules"]


def test_two_runs_at_once_wait_for_each_other(walk, docker_engine):
    run_doit(walk, "forget", f"validate:{KEY}", *ARGS[1:])
    first = BackgroundDoit(walk, *ARGS)
    wait_until_inside(docker_engine, walk, "validate", first, Path("/nonexistent"))
    second = run_doit(walk, *ARGS)  # must wait for the first, then find everything up to date
    first_output = first.finish(timeout=900)
    assert first.returncode == 0, first_output[-2000:]
    assert "another doit run" in second.stdout and "waiting for it to finish" in second.stdout
    assert executed(first_output) == [f"validate:{KEY}"]
    assert executed(second.stdout) == []
    os.stat(walk / ".doit.db")  # still a working dependency database
    assert run_doit(walk, *ARGS).returncode == 0


def test_ctrl_c_while_two_steps_run_stops_both(walk, docker_engine):
    """doit runs two steps at once by default (thread workers, which doit abandons on Ctrl-C): Ctrl-C while
    both compiles run removes both containers, leaves neither target, and the next run completes both."""
    settings = overrides.load(walk / "config.toml", dict(a.split("=", 1) for a in ARGS[1:]))
    build = builds(settings, Layout.for_root(walk))[0]
    names = [TASK["compile"], TASK["compile_ft"]]
    assert run_doit(walk, *names, *ARGS[1:]).returncode == 0  # after the walk: nothing to do
    run_doit(walk, "forget", *names, *ARGS[1:])
    for variant in build.variants:  # as after a run that died mid-compile: both start again from make clean
        build.compiling_marker(variant).touch()
    process = BackgroundDoit(walk, *names, *ARGS[1:])
    output = process.interrupt_once_running(docker_engine, walk, names, signal.SIGINT)
    with open(walk / "doit-runs.log", "a") as log:
        log.write(f"\n===== Ctrl-C during two compiles at once\n{output}")
    assert process.returncode != 0
    assert "Traceback" not in output, output[-3000:]
    # the run guard removes them as the interrupt lands, before it lets the step threads unwind
    assert "removed 2 container(s) of interrupted step(s)" in output, output[-2000:]
    time.sleep(1)
    assert ours(docker_engine, walk) == []
    assert not [p for step in ("compile", "compile_ft") for p in targets(walk, step) if p.exists()]
    assert (walk / ".doit.lock").read_text() == ""
    result = run_doit(walk, *names, *ARGS[1:])
    assert sorted(executed(result.stdout)) == sorted(names)
    assert all(p.exists() for step in ("compile", "compile_ft") for p in targets(walk, step))
    assert ours(docker_engine, walk) == []
