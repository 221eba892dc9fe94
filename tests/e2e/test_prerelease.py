"""A pre-release line end to end, on bookworm: 3.15.0rc1 built, indexed in dist/bookworm/ as a flat apt
repository and installed from it with apt in a fresh container of the base image; then 3.15.0rc2 built,
validated and indexed, and the same container upgrades to it with apt, as a user following the release
candidates would.

It is also the suite's bookworm build: the oldest supported Debian, gcc 12, no libmpdec-dev (configure uses
CPython's bundled mpdecimal there, `add_configure` of the bookworm entry), bookworm's lintian. rc2 goes
through validate there (install check, module inventory, hardening, lintian, a C extension built with gcc).

Both builds are FAST and default-interpreter-only (the free-threaded add-on is covered by the 3.14 build):
what this proves besides is the version ordering (3.15.0~rc1 < 3.15.0~rc2 < 3.15.0) and the upgrade
path, on sources named the Debian way (python3.15_3.15.0~rc2.orig.tar.xz)."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.conftest import executed, run_doit

pytestmark = pytest.mark.e2e

DISTRO = "bookworm"
PACKAGE = "opt-python3.15"
COMMON = ("FAST_BUILD=true", "BUILD_NOGIL=false")


def build_and_index(project, version: str, step: str) -> None:
    """`step` is package (built, not validated) or build (validated too)."""
    started = time.monotonic()
    result = run_doit(project, f"{step}:{version}-{DISTRO}", f"repo:{DISTRO}", f"PYTHON_VERSION={version}",
                      f"DISTRO={DISTRO}", *COMMON)
    print(f"\nFAST {step} {version} for {DISTRO} (default interpreter) + repo: {time.monotonic() - started:.0f} s")
    ran = executed(result.stdout)
    assert f"package:{version}-{DISTRO}" in ran and f"repo:{DISTRO}" in ran
    assert (f"validate:{version}-{DISTRO}" in ran) == (step == "build")


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
    build_and_index(project, "3.15.0rc1", "package")
    dist = project / "dist" / DISTRO
    base = json.loads((project / "cache" / "images" / f"{DISTRO}.json").read_text())["base"]
    container = docker_engine.containers.run(
        base, ["sleep", "infinity"], detach=True, network_mode="host",
        mounts=[docker.types.Mount("/repo", str(dist), type="bind", read_only=True),
                docker.types.Mount("/pb", str(project / "docker" / "validate"), type="bind", read_only=True)])
    try:
        output = install(container, PACKAGE)
        assert "main 3.15.0rc1" in output, output[-2000:]
        assert installed_version(container) == f"3.15.0~rc1-1+{DISTRO}"

        build_and_index(project, "3.15.0rc2", "build")
        output = install(container, PACKAGE)  # apt-get update + install: the newer candidate replaces it
        assert "main 3.15.0rc2" in output, output[-2000:]
        assert installed_version(container) == f"3.15.0~rc2-1+{DISTRO}"
        code, listed = container.exec_run(["bash", "-c", "ls /opt/python/python3.15/bin"])
        assert code == 0 and b"python3.15" in listed
    finally:
        container.remove(force=True)
    # rc2 passed validate on bookworm: bookworm's lintian and hardening, _decimal on the bundled mpdecimal
    report = json.loads((dist / f"opt-python3.15_3.15.0~rc2-1+{DISTRO}.validation.json").read_text())
    assert report["passed"] is True and DISTRO in report["base_image"], report["base_image"]
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["python3.15: module inventory"]["ok"] and "_decimal" in report["modules"]["facts_main"]
    assert "_decimal uses the distro's libmpdec" not in checks  # bookworm has none: configure used the bundled copy
    assert checks["lintian: no error or warning"]["ok"] and checks["lintian: hardening (debian) on every ELF file"]["ok"]
    assert checks["a C extension builds with sysconfig's compiler and flags"]["ok"]
    assert report["versions"]["facts_main"]["version"] == "3.15.0rc2"
    assert report["versions"]["facts_main"]["libmpdec_version"]  # decimal's C module, not _pydecimal
    # the Debian archive's python3.15_3.15.0~rc2.orig.tar.xz is python.org's tarball: it matched the pin
    import tomllib
    pins = tomllib.loads((project / "config.toml").read_text())["pins"]
    for version in ("3.15.0rc1", "3.15.0rc2"):
        record = json.loads((project / "cache" / "downloads" / f"Python-{version}.tar.xz.verified.json").read_text())
        assert record["sha256"] == pins[version]["sha256"]
