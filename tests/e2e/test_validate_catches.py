"""A broken build on purpose: a distro entry without libssl-dev. The build completes, but validate names
`_ssl` (and `_hashlib`) as missing and the build fails: such packages never count as built.

It is also the suite's smoke-tested 3.14 path: SMOKE_TESTS keeps the test suite in this FAST build and
validate runs two 3.14-bound modules, test_sys (sys.remote_exec: it needs the ptrace capability the
install container gets, which Docker's default profile withholds) and test_zstd (the distro's libzstd).

And it is the suite's clang path (TOOLCHAIN=clang: the distro's clang-19, the tail-calling interpreter): the
installed sysconfig must name gcc, and a C extension must build in a container that has gcc and no clang."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import run_doit

pytestmark = pytest.mark.e2e
SMOKE_MODULES = ("test_sys", "test_zstd")

NOSSL = """
[distros.trixie-nossl]
base_image = "debian:trixie-slim"
display = "Debian Trixie without OpenSSL headers"
codename = "trixie"
family = "debian"
arch = "amd64"
add_build_deps = []
drop_build_deps = ["libssl-dev"]
add_configure = []
drop_configure = []
llvm_version = "19"
"""


def test_missing_libssl_dev_fails_validation(project):
    config = project / "config.toml"
    config.write_text(config.read_text().replace("\n[pins]", NOSSL + "\n[pins]", 1))
    result = run_doit(project, "build", "PYTHON_VERSION=3.14.4", "DISTRO=trixie-nossl", "FAST_BUILD=true",
                      "BUILD_NOGIL=false", f"SMOKE_TESTS={','.join(SMOKE_MODULES)}", "TOOLCHAIN=clang",
                      check=False)
    assert result.returncode != 0
    errors = [line for line in result.stdout.splitlines() if line.startswith("python-builder: error:")]
    assert len(errors) == 1 and errors[0].startswith("python-builder: error: validate:3.14.4-trixie-nossl")
    assert "python3.14: module inventory" in errors[0]
    assert "Traceback" not in result.stdout
    dist = project / "dist" / "trixie-nossl"
    assert not (dist / "opt-python3.14_3.14.4-1+trixie.validation.json").exists()  # no target: not built
    report = json.loads((dist / "opt-python3.14_3.14.4-1+trixie.validation.failed.json").read_text())
    checks = {c["name"]: c for c in report["checks"]}
    inventory = checks["python3.14: module inventory"]
    assert not inventory["ok"] and "_ssl" in inventory["detail"] and "_hashlib" in inventory["detail"]
    missing = checks["build log lists no missing modules"]
    assert not missing["ok"] and "_ssl" in missing["detail"]
    assert checks["our packages install with apt"]["ok"]  # everything else about the packages is fine
    # the smoke-tested modules ran and passed, their whole output kept beside the step's log
    smoke = checks[f"test suite smoke subset ({len(SMOKE_MODULES)} modules)"]
    assert smoke["ok"], smoke["detail"]
    log = (project / "cache" / "logs" / "validate-3.14.4-trixie-nossl-smoke-main.log").read_text()
    assert "Result: SUCCESS" in log and all(module in log for module in SMOKE_MODULES), log[-3000:]
    # built by clang with the tail-calling interpreter, yet users' builds get gcc
    assert checks["python3.14: the tail-calling interpreter"]["ok"]
    assert checks["python3.14: sysconfig CC is the plain compiler"]["detail"].startswith("gcc ")
    assert checks["a C extension builds with sysconfig's compiler and flags"]["ok"]
    manifest = json.loads((dist / "opt-python3.14_3.14.4-1+trixie.json").read_text())
    assert manifest["variants"]["default"]["toolchain"] == "clang-19+tailcall", manifest["variants"]
    assert manifest["toolchain"]["clang-19"].startswith("Debian clang version 19"), manifest["toolchain"]
