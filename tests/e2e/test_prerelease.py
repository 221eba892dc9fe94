"""A pre-release line end to end: 3.15.0rc1 built, indexed in dist/trixie/ as a flat apt repository and
installed from it with apt in a fresh container of the base image; then 3.15.0rc2 built and indexed, and
the same container upgrades to it with apt, as a user following the release candidates would.

Both builds are FAST and default-interpreter-only (the free-threaded add-on and validate are covered by the
3.14 and 3.13 builds): what this proves is the version ordering (3.15.0~rc1 < 3.15.0~rc2 < 3.15.0) and
the upgrade path, on sources named the Debian way (python3.15_3.15.0~rc2.orig.tar.xz)."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.conftest import executed, run_doit

pytestmark = pytest.mark.e2e

DISTRO = "trixie"
PACKAGE = "opt-python3.15"
COMMON = ("FAST_BUILD=true", "BUILD_NOGIL=false")


def build_and_index(project, version: str) -> None:
    started = time.monotonic()
    result = run_doit(project, f"package:{version}-{DISTRO}", f"repo:{DISTRO}", f"PYTHON_VERSION={version}", *COMMON)
    print(f"\nFAST package {version} (default interpreter) + repo: {time.monotonic() - started:.0f} s")
    assert f"package:{version}-{DISTRO}" in executed(result.stdout) and f"repo:{DISTRO}" in executed(result.stdout)


def install(container, *packages: str) -> str:
    code, output = container.exec_run(["bash", "/pb/repo-install.sh", *packages],
                                      environment={"PB_PREFIX": "/opt/python/python3.15", "PB_MM": "3.15"})
    text = output.decode(errors="replace")
    assert code == 0, text[-3000:]
    return text


def installed_version(container) -> str:
    code, output = container.exec_run(["dpkg-query", "-W", "-f", "${Version}", PACKAGE])
    assert code == 0, output
    return output.decode().strip()


def test_rc1_installed_then_upgraded_by_apt_to_rc2(project, first_build, docker_engine):
    import docker
    build_and_index(project, "3.15.0rc1")
    dist = project / "dist" / DISTRO
    base = json.loads((project / "cache" / "images" / f"{DISTRO}.json").read_text())["base"]
    container = docker_engine.containers.run(
        base, ["sleep", "infinity"], detach=True, network_mode="host",
        mounts=[docker.types.Mount("/repo", str(dist), type="bind", read_only=True),
                docker.types.Mount("/pb", str(project / "docker" / "validate"), type="bind", read_only=True)])
    try:
        output = install(container, PACKAGE)
        assert "main 3.15.0rc1" in output, output[-2000:]
        assert installed_version(container) == "3.15.0~rc1-1+trixie"

        build_and_index(project, "3.15.0rc2")
        output = install(container, PACKAGE)  # apt-get update + install: the newer candidate replaces it
        assert "main 3.15.0rc2" in output, output[-2000:]
        assert installed_version(container) == "3.15.0~rc2-1+trixie"
        code, listed = container.exec_run(["bash", "-c", "ls /opt/python/python3.15/bin"])
        assert code == 0 and b"python3.15" in listed
    finally:
        container.remove(force=True)
    # the Debian archive's python3.15_3.15.0~rc2.orig.tar.xz is python.org's tarball: it matched the pin
    import tomllib
    pins = tomllib.loads((project / "config.toml").read_text())["pins"]
    for version in ("3.15.0rc1", "3.15.0rc2"):
        record = json.loads((project / "cache" / "downloads" / f"Python-{version}.tar.xz.verified.json").read_text())
        assert record["sha256"] == pins[version]["sha256"]
