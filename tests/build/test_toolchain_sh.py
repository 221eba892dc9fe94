"""toolchain.sh: PB_NO_PIE=1 compiles the interpreter's objects -fno-pie and links executables -no-pie,
through configure's own variables (CFLAGS_NODIST, LINKCC); empty leaves both alone."""

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

TOOLCHAIN_SH = Path(__file__).resolve().parents[2] / "docker" / "steps" / "toolchain.sh"
ET_EXEC, ET_DYN = 2, 3


def pb_toolchain(*args, extra=""):
    env = {k: v for k, v in os.environ.items() if k not in ("CFLAGS_NODIST", "LINKCC", "CC")}
    code = f'. "{TOOLCHAIN_SH}"; pb_toolchain "$@"; {extra} printf "%s\\n" "CFLAGS_NODIST=${{CFLAGS_NODIST-unset}}" ' \
           '"LINKCC=${LINKCC-unset}"'
    return subprocess.run(["bash", "-c", f"set -euo pipefail; {code}", "sh", *args],
                          capture_output=True, text=True, env=env)


def exported(result):
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if line.startswith(("CFLAGS_NODIST=",
                                                                                             "LINKCC=")))


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc (build-essential) on the host")
def test_no_pie_sets_configures_variables_and_links_a_position_dependent_executable(tmp_path):
    result = pb_toolchain("gcc", "", "1")
    assert result.returncode == 0, result.stderr
    values = exported(result)
    assert values == {"CFLAGS_NODIST": "-fno-pie", "LINKCC": "$(PURIFY) $(CC) -fno-pie -no-pie"}
    assert "linked without PIE" in result.stdout
    # what make runs with them: the executable is ET_EXEC; without them, this gcc makes a PIE (ET_DYN)
    (tmp_path / "main.c").write_text("int main(void) { return 0; }\n")
    for name, flags in (("nopie", ["-fno-pie", "-no-pie"]), ("default", [])):
        subprocess.run(["gcc", *flags, "-o", name, "main.c"], cwd=tmp_path, check=True)
    elf_type = {name: struct.unpack("<H", (tmp_path / name).read_bytes()[16:18])[0] for name in ("nopie", "default")}
    assert elf_type == {"nopie": ET_EXEC, "default": ET_DYN}


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc (build-essential) on the host")
def test_pie_as_shipped_leaves_configure_alone_and_a_bad_value_fails():
    values = exported(pb_toolchain("gcc", ""))
    assert values == {"CFLAGS_NODIST": "unset", "LINKCC": "unset"}
    assert exported(pb_toolchain("gcc", "", "")) == values
    bad = pb_toolchain("gcc", "", "yes")
    assert bad.returncode == 2 and "bad PB_NO_PIE 'yes'" in bad.stderr
