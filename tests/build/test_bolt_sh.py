"""bolt.sh: a BOLT tree links only the interpreter with --emit-relocs, and runs llvm-bolt without
-inline-all; any other tree is left alone."""

import os
import subprocess
from pathlib import Path

BOLT_SH = Path(__file__).resolve().parents[2] / "docker" / "steps" / "bolt.sh"

# the lines of 3.14.7's clang --enable-bolt Makefile that bolt.sh reads and rewrites
BOLT_TREE = """\
CONFIGURE_LDFLAGS_NODIST= -fno-semantic-interposition -flto=thin -g -Wl,--emit-relocs
LINKFORSHARED=	-Xlinker -export-dynamic
all:		bolt-opt
BOLT_APPLY_FLAGS :=   -update-debug-sections -skip-funcs=_PyEval_EvalFrameDefault,sre_ucs1_match/1  -icf=1 \
-inline-all -split-eh -frame-opt=hot
"""
PGO_TREE = BOLT_TREE.replace("bolt-opt", "profile-opt")


def sh(tmp_path, text, code):
    for name in ("Makefile.pre", "Makefile"):
        (tmp_path / name).write_text(text)
    return subprocess.run(["bash", "-c", f'set -euo pipefail; . "{BOLT_SH}"; {code}'], cwd=tmp_path,
                          capture_output=True, text=True, env=dict(os.environ))


def lines(path):
    names = ("CONFIGURE_LDFLAGS_NODIST=", "LINKFORSHARED=")
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line.startswith(names))


def test_only_the_interpreter_links_with_emit_relocs(tmp_path):
    result = sh(tmp_path, BOLT_TREE, "pb_bolt_configure")
    assert result.returncode == 0, result.stderr
    for name in ("Makefile.pre", "Makefile"):
        values = lines(tmp_path / name)
        assert values["CONFIGURE_LDFLAGS_NODIST"] == " -fno-semantic-interposition -flto=thin -g"
        assert values["LINKFORSHARED"] == "\t-Xlinker -export-dynamic -Wl,--emit-relocs"
    assert "LINKFORSHARED=-Xlinker -export-dynamic -Wl,--emit-relocs" in result.stdout


def test_llvm_bolt_runs_without_inline_all(tmp_path):
    result = sh(tmp_path, BOLT_TREE, "pb_bolt_make_args")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ("BOLT_APPLY_FLAGS=-update-debug-sections -skip-funcs=_PyEval_EvalFrameDefault,"
                             "sre_ucs1_match/1 -icf=1 -split-eh -frame-opt=hot\n")


def test_a_tree_without_bolt_is_left_alone(tmp_path):
    result = sh(tmp_path, PGO_TREE, "pb_bolt_configure; pb_bolt_make_args")
    assert result.returncode == 0 and result.stdout == ""
    assert (tmp_path / "Makefile").read_text() == PGO_TREE
