"""arm64 (Raspberry Pi OS 64-bit) end to end: a FAST build of 3.13.15 for the `rpios-trixie` entry, natively on
an arm64 host or under QEMU user emulation on an amd64 one, validated in an arm64 container of its base image.

Slow under emulation (about an hour on 2 cores), so it is not part of the default run:
    python3 -m pytest -m emulated -s
It prints the step timings and the validation summary (and writes them to $PB_ARM64_RESULTS if set).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path

import pytest

from tasks.engine import emulation
from tests.e2e.conftest import discard, e2e_copy, executed, run_doit

pytestmark = [pytest.mark.e2e, pytest.mark.emulated]

DISTRO, VERSION = "rpios-trixie", "3.13.15"
KEY = f"{VERSION}-{DISTRO}"
DEB_VERSION = "3.13.15-1+trixie"
ELF_MACHINE_AARCH64 = 0xB7


@pytest.fixture(scope="module")
def arm64_build(docker_engine):
    host = emulation.debian_arch(platform.machine())
    if host != "arm64":
        problem = emulation.binfmt_problem("arm64")
        if problem:
            pytest.skip(f"this {host} machine cannot run arm64 containers: {problem}")
    project = e2e_copy("pb-e2e-arm64-")
    result = run_doit(project, "build", f"PYTHON_VERSION={VERSION}", f"DISTRO={DISTRO}", "FAST_BUILD=true",
                      "BUILD_NOGIL=false")
    yield project, result
    discard(project)


def test_arm64_build_is_validated_and_reported(arm64_build):
    project, result = arm64_build
    for step in (f"image:{DISTRO}", f"configure:{KEY}", f"compile:{KEY}", f"package:{KEY}", f"validate:{KEY}"):
        assert step in executed(result.stdout), step
    dist = project / "dist" / DISTRO
    deb = dist / f"opt-python3.13_{DEB_VERSION}_arm64.deb"
    field = subprocess.run(["dpkg-deb", "-f", str(deb), "Architecture"], check=True, capture_output=True, text=True)
    assert field.stdout.strip() == "arm64"

    # the interpreter in the package is an aarch64 ELF file
    unpacked = project / "unpacked"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True)
    header = (unpacked / "opt" / "python" / "python3.13" / "bin" / "python3.13").read_bytes()[:20]
    assert header[:4] == b"\x7fELF" and int.from_bytes(header[18:20], "little") == ELF_MACHINE_AARCH64

    manifest = json.loads((dist / f"opt-python3.13_{DEB_VERSION}.json").read_text())
    report = json.loads((dist / f"opt-python3.13_{DEB_VERSION}.validation.json").read_text())
    assert manifest["distro"]["arch"] == "arm64"
    assert report["passed"] is True, [c for c in report["checks"] if not c.get("ok")]
    assert not report["lintian"].get("E") and not report["lintian"].get("W"), report["lintian"]

    assert manifest["distro"]["execution"] == ("native" if platform.machine() == "aarch64" else "emulated")
    timing = result.stdout[result.stdout.rfind("python-builder: timing"):].splitlines()
    summary = {"execution": manifest["distro"]["execution"], "step_seconds": manifest["step_seconds"],
               "timing": timing, "checks": [(c["name"], c["ok"]) for c in report["checks"]],
               "lintian": report["lintian"], "sizes": {p.name: p.stat().st_size for p in sorted(dist.glob("*.deb"))}}
    print("\narm64 build summary:\n" + json.dumps(summary, indent=2))
    if os.environ.get("PB_ARM64_RESULTS"):
        Path(os.environ["PB_ARM64_RESULTS"]).write_text(json.dumps(summary, indent=2) + "\n")
