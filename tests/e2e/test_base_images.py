"""A base image that does not exist: pulled in vain, then bootstrapped from the Debian archive (Debian
family) or refused with one line naming the image and the fix (Ubuntu family, which is never bootstrapped).
A bootstrap that is interrupted leaves nothing behind."""

from __future__ import annotations

import os
import signal
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import copy_project
from tests.e2e.conftest import BackgroundDoit, executed, run_doit

pytestmark = pytest.mark.e2e


def test_a_missing_ubuntu_base_is_refused_with_one_line(project):
    result = run_doit(project, "image:noble", "DISTRO=noble", "OS_DISTRO_BASE=ubuntu:99.99", check=False)
    assert result.returncode != 0
    assert "Traceback" not in result.stdout
    errors = [line for line in result.stdout.splitlines() if line.startswith("python-builder: error:")]
    assert len(errors) == 1, result.stdout[-2000:]
    assert "ubuntu" in errors[0].lower() and ("docker load" in errors[0] or "pull" in errors[0]), errors[0]
    assert not (project / "cache" / "images" / "noble.json").exists()


def test_a_missing_debian_base_is_bootstrapped_instead(project):
    result = run_doit(project, "image:trixie", "DISTRO=trixie", "OS_DISTRO_BASE=debian:does-not-exist")
    assert "image:trixie" in executed(result.stdout)
    # the bootstrapped base is used: found again if an earlier run made it, else made now from the archive
    assert "from python-builder/bootstrap:debian-trixie-amd64" in result.stdout
    assert "python-builder/bootstrap:debian-trixie-amd64" in (project / "cache" / "images" / "trixie.json").read_text()


def test_a_base_image_of_another_release_is_refused_before_anything_is_installed(project, docker_engine):
    import docker
    trixie_base = "python-builder/bootstrap:debian-trixie-amd64"
    try:
        docker_engine.images.get(trixie_base)
    except docker.errors.ImageNotFound:  # run alone: the test above makes it
        run_doit(project, "image:trixie", "DISTRO=trixie", "OS_DISTRO_BASE=debian:does-not-exist")
    result = run_doit(project, "image:bookworm", "DISTRO=bookworm", f"OS_DISTRO_BASE={trixie_base}", check=False)
    assert result.returncode != 0 and "Traceback" not in result.stdout
    errors = [line for line in result.stdout.splitlines() if line.startswith("python-builder: error:")]
    assert errors == [
        "python-builder: error: image:bookworm: building the image failed: the base image is Debian GNU/Linux 13 "
        "(trixie), whose codename is trixie, not bookworm: give the distro entry a bookworm base image, or correct "
        f"its codename; full log: {project / 'cache' / 'logs' / 'image-bookworm.log'}"], result.stdout[-2000:]
    assert "Unpacking" not in result.stdout  # refused before apt installed anything
    assert not (project / "cache" / "images" / "bookworm.json").exists()


def test_an_interrupted_bootstrap_leaves_nothing_behind(project, second_engine, tmp_path):
    """SIGTERM while mmdebstrap installs the essential packages, its chroot (in the host's temporary directory)
    with proc, sys and devpts mounted: mmdebstrap gets the time to unmount and remove it, the step's scratch
    goes, and the run ends in one line. (Before, doit's step thread was dropped at exit and mmdebstrap with
    it: each interrupt left 270 MB and four mounts in /tmp.) On the second engine, which has no bookworm base."""
    fresh = copy_project(tmp_path / "python-builder")
    (fresh / "config.toml").write_text((project / "config.toml").read_text())
    chroots = Path(tempfile.gettempdir())
    before = set(chroots.glob("mmdebstrap.*"))
    process = BackgroundDoit(fresh, "image:bookworm", "DISTRO=bookworm",
                             env={**os.environ, "DOCKER_HOST": second_engine.url})
    try:
        deadline = time.monotonic() + 300
        while "I: installing essential packages" not in process.output:
            assert process.poll() is None and time.monotonic() < deadline, process.output[-3000:]
            time.sleep(0.2)
        time.sleep(1)
        process.send_signal(signal.SIGTERM)
    finally:
        output = process.finish(timeout=180)
    assert process.returncode != 0 and "Traceback" not in output, output[-3000:]
    errors = [line for line in output.splitlines() if line.startswith("python-builder: error:")]
    assert errors == ["python-builder: error: interrupted (signal 15); run doit again to resume"], output[-3000:]
    assert "python-builder: stopping 1 running program(s)" in output
    assert list((fresh / "cache" / "bootstrap").iterdir()) == []
    assert set(chroots.glob("mmdebstrap.*")) <= before
    assert "mmdebstrap" not in Path("/proc/mounts").read_text()
    assert not second_engine.client().images.list(name="python-builder/bootstrap:debian-bookworm-amd64")
    assert not (fresh / "cache" / "images" / "bookworm.json").exists()
