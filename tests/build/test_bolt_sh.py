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


# a BOLT tree's rules that a rebuild from a kept profile reads (3.14.7's Makefile; llvm-bolt is a fake here)
KEPT_TREE = """\
BUILDEXE=
BUILDPYTHON=	python$(BUILDEXE)
all:		bolt-opt
BOLT_BINARIES := $(BUILDPYTHON)
BOLT_APPLY_FLAGS :=   -update-debug-sections -icf=1 -inline-all -split-eh
bolt-opt:
	$(MAKE) profile-opt
	$(MAKE) profile-bolt-stamp
profile-bolt-stamp: $(BUILDPYTHON)
	for bin in $(BOLT_BINARIES); do \\
	  @LLVM_BOLT@ "$${bin}.prebolt" -o "$${bin}.bolt" -data="$${bin}.fdata" $(BOLT_APPLY_FLAGS); \\
	  mv "$${bin}.bolt" "$${bin}"; \\
	done
	touch $@
"""
FAKE_BOLT = """#!/bin/sh
printf '%s\\n' "$@" > "$(dirname "$0")/bolt-args"
in=$1; shift 1; out=$2
{ cat "$in"; echo bolted; } > "$out"
"""


def kept_tree(tmp_path):
    tool = tmp_path / "llvm-19" / "llvm-bolt"
    tool.parent.mkdir()
    tool.write_text(FAKE_BOLT)
    tool.chmod(0o755)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "Makefile").write_text(KEPT_TREE.replace("@LLVM_BOLT@", str(tool)))
    (tree / "python").write_text("linked\n")
    return tree, tool


def run_in(tree, code):
    return subprocess.run(["bash", "-c", f'set -euo pipefail; . "{BOLT_SH}"; {code}'], cwd=tree,
                          capture_output=True, text=True, env=dict(os.environ))


def test_a_kept_profile_is_applied_without_training(tmp_path):
    """PROFILE_FROM in a BOLT build: make's prebolt rule, then only the apply loop of profile-bolt-stamp, with
    the kept python.fdata, the Makefile's llvm-bolt and the flags a normal build gives it."""
    tree, tool = kept_tree(tmp_path)
    (tree / "python.fdata").write_text("kept profile\n")
    assert run_in(tree, "pb_bolt_prebolt_rule").stdout == "profile-opt\n"
    result = run_in(tree, "pb_bolt_apply_kept")
    assert result.returncode == 0, result.stderr
    assert (tree / "python").read_text() == "linked\nbolted\n"
    assert (tree / "python.prebolt").read_text() == "linked\n"  # kept, as CPython's rule keeps it
    assert (tree / "profile-bolt-stamp").exists()
    assert (tool.parent / "bolt-args").read_text().split() == [
        "python.prebolt", "-o", "python.bolt", "-data=python.fdata", "-update-debug-sections", "-icf=1", "-split-eh"]


def test_a_kept_profile_without_fdata_stops_the_compile(tmp_path):
    tree, tool = kept_tree(tmp_path)
    result = run_in(tree, "pb_bolt_apply_kept")
    assert result.returncode == 2 and "the kept profile holds no python.fdata" in result.stderr
    assert (tree / "python").read_text() == "linked\n" and not (tree / "profile-bolt-stamp").exists()
