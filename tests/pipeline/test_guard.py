"""The run guard and `doit clean` through doit's real command line (no Docker: clean, forget and a run held
at the lock never reach a container)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tasks.pipeline import guard
from tests.pipeline.test_selection import doit, one_error_line


@pytest.mark.parametrize("argv, command, changes", [
    ([], "run", True), (["build:3.14.7"], "run", True), (["-n", "2", "build"], "run", True),
    (["clean", "build"], "clean", True), (["forget"], "forget", True), (["list", "--all"], "list", False),
    (["info", "build"], "info", False), (["-r", "json", "build"], "run", True),
])
def test_which_commands_are_guarded(argv, command, changes):
    assert guard.command_of(argv) == command and guard.changes_things(argv) is changes


@pytest.mark.parametrize("args", [("clean", "build:3.13.15-trixie"), ("forget",),
                                  ("-r", "json", "download:3.13.15")])
def test_every_command_that_changes_things_waits_for_the_lock(project, args):
    lock = open(project / ".doit.lock", "a+")
    fcntl.flock(lock, fcntl.LOCK_EX)
    lock.write("4242")
    lock.flush()
    # no way out: a run that got past the lock would try the download from a source that does not exist
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    process = subprocess.Popen([sys.executable, "-m", "doit", *args], cwd=project, text=True, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        time.sleep(4)
        assert process.poll() is None, process.stdout.read()
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
    assert "another doit run (pid 4242) is using this checkout; waiting for it to finish" in output


def test_clean_runs_once_the_lock_is_free(project):
    (project / "dist" / "trixie").mkdir(parents=True)
    deb = project / "dist" / "trixie" / "opt-python3.13_3.13.15-1+trixie_amd64.deb"
    deb.write_text("x")
    result = doit(project, "clean", "build:3.13.15-trixie")
    assert result.returncode == 0, result.stdout
    assert not deb.exists() and (project / ".doit.lock").read_text() == ""


@pytest.mark.parametrize("top", ["cache", "dist"])
def test_a_clean_that_fails_exits_non_zero_with_one_line(project, top):
    (project / top).write_text("not a directory")
    result = doit(project, "clean", "build:3.13.15-trixie")
    lines = [line for line in result.stdout.splitlines() if line.startswith("python-builder: error:")]
    assert result.returncode != 0 and "Traceback" not in result.stdout, result.stdout
    assert len(lines) == 1 and "doit clean failed" in lines[0], result.stdout


def test_clean_downloads_leaves_nothing_beside_the_tarball(project):
    downloads = project / "cache" / "downloads"
    downloads.mkdir(parents=True)
    for suffix in ("", ".part", ".part.url", ".sigstore", ".verified.json"):
        (downloads / f"Python-3.13.15.tar.xz{suffix}").write_text("x")
    result = doit(project, "clean", "CLEAN_DOWNLOADS=true", "download:3.13.15")
    assert result.returncode == 0, result.stdout
    assert list(downloads.iterdir()) == []


def read_only_doit(project: Path, *args: str) -> subprocess.CompletedProcess:
    """doit in `project` made read-only: a read-only bind mount for root (whom permissions do not stop)."""
    command = [sys.executable, "-m", "doit", *args]
    if os.geteuid() == 0:
        if not shutil.which("unshare"):
            pytest.skip("needs unshare (util-linux) to mount the checkout read-only as root")
        script = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && cd "$0" && exec "$@"'
        command = ["unshare", "--mount", "sh", "-c", script, str(project), *command]
    else:
        for path in (project, *project.rglob("*")):
            if path.is_dir():
                path.chmod(0o555)
    try:
        return subprocess.run(command, cwd=project, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=120)
    finally:
        if os.geteuid() != 0:
            for path in (project, *project.rglob("*")):
                if path.is_dir():
                    path.chmod(0o755)


def test_a_read_only_checkout(project):
    listed = read_only_doit(project, "list")
    assert listed.returncode == 0 and "Traceback" not in listed.stdout, listed.stdout
    assert "build" in listed.stdout
    info = read_only_doit(project, "info", "build:3.14.7")
    assert "Traceback" not in info.stdout and info.stdout.split()[0] == "build:3.14.7", info.stdout
    line = one_error_line(read_only_doit(project, "build:3.14.7"))
    assert "read-only" in line and "copy the checkout somewhere writable" in line
    assert not (project / ".doit.db").exists()
