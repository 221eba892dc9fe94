"""LTO modes: lto.sh's makefile rewrite, compile.sh's two make runs, config and command line, the records."""

import os
import subprocess
from pathlib import Path

import pytest

from tasks.build import stepfacts
from tasks.errors import UserError
from tasks.model import config
from tasks.pipeline import overrides
from tasks.validate.facts import optimization_evidence

STEPS = Path(__file__).resolve().parents[2] / "docker" / "steps"
LTO_SH = STEPS / "lto.sh"

# The lines of a gcc --enable-optimizations --with-lto Makefile of 3.13 that lto.sh reads and rewrites.
GCC_LTO = """\
CONFIGURE_CFLAGS_NODIST= -fno-semantic-interposition -flto -fuse-linker-plugin -ffat-lto-objects -flto-partition=none -g -std=c11 -fvisibility=hidden
CONFIGURE_LDFLAGS_NODIST= -fno-semantic-interposition -flto -fuse-linker-plugin -ffat-lto-objects -flto-partition=none -g
OTHER= -flto -flto-partition=none
all:		profile-opt
"""
CLANG_THIN = """\
CONFIGURE_CFLAGS_NODIST= -flto=thin -g -std=c11
CONFIGURE_LDFLAGS_NODIST= -flto=thin -g
all:		profile-opt
"""


def tree(tmp_path, text):
    for name in ("Makefile.pre", "Makefile"):
        (tmp_path / name).write_text(text)
    return tmp_path


def sh(tmp_path, code, *args, env=None):
    return subprocess.run(["bash", "-c", f'set -euo pipefail; . "{LTO_SH}"; {code}', "-", *args], cwd=tmp_path,
                          capture_output=True, text=True, env={**os.environ, **(env or {})})


def var(path, name):
    return next(line for line in path.read_text().splitlines() if line.startswith(f"{name}=")).split("=", 1)[1]


def test_parallel_mode_links_in_partitions_on_every_core(tmp_path):
    tree(tmp_path, GCC_LTO)
    result = sh(tmp_path, 'pb_lto_configure parallel')
    assert result.returncode == 0, result.stderr
    for name in ("Makefile.pre", "Makefile"):
        for flags in ("CONFIGURE_CFLAGS_NODIST", "CONFIGURE_LDFLAGS_NODIST"):
            words = var(tmp_path / name, flags).split()
            assert "-flto=auto" in words and "-flto" not in words and "-flto-partition=none" not in words
            assert {"-fuse-linker-plugin", "-ffat-lto-objects", "-g"} <= set(words)
        assert var(tmp_path / name, "OTHER") == " -flto -flto-partition=none"  # only the two variables
    assert "python-builder: lto parallel: CONFIGURE_LDFLAGS_NODIST= -fno-semantic-interposition -flto=auto" \
        in result.stdout
    # Makefile stays newer than Makefile.pre: make never regenerates it (which would undo the rewrite)
    assert (tmp_path / "Makefile").stat().st_mtime_ns >= (tmp_path / "Makefile.pre").stat().st_mtime_ns
    again = (tmp_path / "Makefile").read_text()
    assert sh(tmp_path, 'pb_lto_configure parallel').returncode == 0
    assert (tmp_path / "Makefile").read_text() == again  # idempotent


@pytest.mark.parametrize("mode, text", [("cpython", GCC_LTO), ("parallel", CLANG_THIN),
                                        ("parallel", "CONFIGURE_LDFLAGS_NODIST= -g\nall: build_all\n")])
def test_cpython_mode_clang_and_builds_without_lto_are_left_alone(tmp_path, mode, text):
    tree(tmp_path, text)
    result = sh(tmp_path, 'pb_lto_configure "$1"', mode)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "Makefile").read_text() == text and (tmp_path / "Makefile.pre").read_text() == text
    assert "python-builder: lto" not in result.stdout


def test_unknown_mode_fails(tmp_path):
    tree(tmp_path, GCC_LTO)
    result = sh(tmp_path, 'pb_lto_configure "$1"', "thin")
    assert result.returncode == 2 and "unknown LTO mode 'thin'" in result.stderr


def test_training_build_arguments_drop_every_lto_flag(tmp_path):
    tree(tmp_path, GCC_LTO)
    sh(tmp_path, 'pb_lto_configure parallel')
    result = sh(tmp_path, 'pb_lto_free_make_args')
    assert result.stdout.splitlines() == [
        "CONFIGURE_CFLAGS_NODIST=-fno-semantic-interposition -g -std=c11 -fvisibility=hidden",
        "CONFIGURE_LDFLAGS_NODIST=-fno-semantic-interposition -g"]


# compile.sh against a fake make, gcc, ld and ccache that record their arguments
FAKE_TOOL = """#!/bin/bash
printf '%s\\n' "$(basename "$0") $*" >> "$PB_CALLS"
[ "$(basename "$0")" != make ] || printf '%s\\n' "MAKEFILES=${MAKEFILES:-}" >> "$PB_CALLS.env"
[ "$(basename "$0")" != make ] || [ -z "${PB_FAIL_MAKE:-}" ] || exit 3
# ccache logs each compilation of a make run to CCACHE_STATSLOG; --show-log-stats sums that log up
[ "$(basename "$0")" != make ] || [ -z "${CCACHE_STATSLOG:-}" ] || printf '# a.c\\ndirect_cache_hit\\n' >> "$CCACHE_STATSLOG"
if [ "$*" = --show-log-stats ]; then echo "  Hits: $(grep -c _hit "$CCACHE_STATSLOG")"; fi
"""


def compile_sh(tmp_path, text, **env):
    build = tmp_path / "build"
    build.mkdir()
    return compile_sh_in(tmp_path, build, text, **env)


def compile_sh_in(tmp_path, build, text, **env):
    tree(build, text)
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("make", "gcc", "ld", "ccache"):
        (tools / tool).write_text(FAKE_TOOL)
        (tools / tool).chmod(0o755)
    calls = tmp_path / "calls"
    result = subprocess.run(["bash", str(STEPS / "compile.sh")], capture_output=True, text=True,
                            env={**os.environ, "PATH": f"{tools}:{os.environ['PATH']}", "PB_CALLS": str(calls),
                                 "PB_BUILD_DIR": str(build), "PB_JOBS": "2", **env})
    makes = [line for line in calls.read_text().splitlines() if line.startswith("make")] if calls.exists() else []
    return result, makes


def test_compile_parallel_lto_trains_without_lto_then_builds_with_it(tmp_path):
    text = GCC_LTO.replace(" -flto ", " -flto=auto ").replace(" -flto-partition=none", "")
    result, makes = compile_sh(tmp_path, text, PB_LTO="parallel", PROFILE_TASK="-m test --pgo -j0")
    assert result.returncode == 0, result.stderr
    assert makes == [
        "make -j2 PROFILE_TASK=-m test --pgo -j0 "
        "CONFIGURE_CFLAGS_NODIST=-fno-semantic-interposition -g -std=c11 -fvisibility=hidden "
        "CONFIGURE_LDFLAGS_NODIST=-fno-semantic-interposition -g profile-run-stamp",
        "make -j2 PROFILE_TASK=-m test --pgo -j0"]
    assert list(stepfacts.phases(stepfacts.read(tmp_path / "build" / "compile-facts.jsonl"))) == [
        "training", "optimized"]


@pytest.mark.parametrize("all_rule", ["profile-opt", "bolt-opt"])
def test_compile_trains_a_clang_thinlto_tree_and_a_bolt_tree_without_lto_too(tmp_path, all_rule):
    """clang instruments in the front end (-fprofile-instr-generate), so the training build needs no ThinLTO; a
    BOLT tree's bolt-opt makes profile-opt first, so its PGO training is split off the same way."""
    result, makes = compile_sh(tmp_path, CLANG_THIN.replace("profile-opt", all_rule), PB_LTO="parallel")
    assert result.returncode == 0, result.stderr
    assert makes == ["make -j2 CONFIGURE_CFLAGS_NODIST=-g -std=c11 CONFIGURE_LDFLAGS_NODIST=-g profile-run-stamp",
                     "make -j2"]
    assert list(stepfacts.phases(stepfacts.read(tmp_path / "build" / "compile-facts.jsonl"))) == [
        "training", "optimized"]


def test_a_bolt_rebuild_from_a_kept_profile_never_trains(tmp_path):
    """PROFILE_FROM on a BOLT tree: the prebolt rule with the kept PGO profile, then the kept .fdata applied
    (test_bolt_sh.py); no training make run, whatever the LTO mode."""
    text = CLANG_THIN.replace("profile-opt", "bolt-opt") + "bolt-opt:\n\t$(MAKE) profile-opt\n"
    result, makes = compile_sh(tmp_path, text, PB_LTO="parallel", PB_KEPT_PROFILE="1")
    assert makes[0] == "make -j2 profile-opt"
    assert "profile-run-stamp" not in " ".join(makes)


@pytest.mark.parametrize("mode, text", [("cpython", GCC_LTO), ("cpython", CLANG_THIN),
                                        ("parallel", "CONFIGURE_LDFLAGS_NODIST= -g\nall: build_all\n"),
                                        ("parallel", "CONFIGURE_LDFLAGS_NODIST= -g\nall: profile-opt\n")])
def test_compile_runs_make_once_otherwise(tmp_path, mode, text):
    result, makes = compile_sh(tmp_path, text, PB_LTO=mode)
    assert result.returncode == 0, result.stderr
    assert makes == ["make -j2"]
    assert list(stepfacts.phases(stepfacts.read(tmp_path / "build" / "compile-facts.jsonl"))) == ["build"]


def test_compile_reports_its_own_ccache_counters_not_the_shared_directory_s(tmp_path):
    """The two interpreters compile at once with one cache directory: the counters come from this run's own
    stats log (a stale one from an earlier run removed first), never from the directory's global ones."""
    build = tmp_path / "build"
    build.mkdir()
    (build / ".python-builder-ccache-stats.log").write_text("# old.c\ndirect_cache_hit\n" * 5)
    result, makes = compile_sh_in(tmp_path, build, GCC_LTO, PB_LTO="parallel", PROFILE_TASK="-m test --pgo -j0")
    assert result.returncode == 0, result.stderr
    statistics = result.stdout.split("python-builder: ccache statistics\n", 1)[1]
    assert statistics.strip() == "Hits: 2"  # one per make run (training and optimized), none of the old five
    calls = (tmp_path / "calls").read_text()
    assert "ccache --show-log-stats" in calls and "--show-stats" not in calls.replace("--show-log-stats", "")
    assert "--zero-stats" not in calls


def test_a_failed_make_fails_the_compile(tmp_path):
    result, makes = compile_sh(tmp_path, GCC_LTO, PB_LTO="parallel", PB_FAIL_MAKE="1")
    assert result.returncode == 3 and len(makes) == 1
    assert "python-builder: phase" not in result.stdout


def test_lto_in_config_and_on_the_command_line(config_data):
    assert config.parse(config_data).flags.lto == "parallel"
    data = {**config_data, "flags": {**config_data["flags"], "lto": "cpython"}}
    assert config.parse(data).flags.lto == "cpython"
    assert overrides.apply_overrides(config.parse(config_data), {"LTO": "cpython"}).flags.lto == "cpython"
    with pytest.raises(UserError, match="flags.lto: 'thin' is not one of parallel, cpython"):
        config.parse({**config_data, "flags": {**config_data["flags"], "lto": "thin"}})
    with pytest.raises(UserError, match="LTO: 'fast' is not one of parallel, cpython"):
        overrides.apply_overrides(config.parse(config_data), {"LTO": "fast"})


def test_configure_and_compile_facts_are_read_into_the_records(tmp_path):
    facts = tmp_path / "facts.jsonl"
    facts.write_text('{"section": "lto", "key": "CONFIGURE_LDFLAGS_NODIST", "value": " -fno-semantic-interposition '
                     '-flto=auto -fuse-linker-plugin -ffat-lto-objects -g"}\n'
                     '{"section": "phase", "key": "training", "value": "301"}\n'
                     '{"section": "phase", "key": "optimized", "value": "402"}\n')
    read = stepfacts.read(facts)
    assert stepfacts.lto_flags(read) == {
        "lto_ldflags": "-fno-semantic-interposition -flto=auto -fuse-linker-plugin -ffat-lto-objects -g"}
    assert stepfacts.lto_flags({}) == {}
    assert stepfacts.phases(read) == {"training": 301, "optimized": 402}


def test_missing_profiles_are_counted_from_gcc_warnings():
    log = "\n".join(f"/src/Objects/o{i}.c:1:1: warning: '/build/Objects/o{i}.gcda' profile count data file not "
                    "found [-Wmissing-profile]" for i in range(3))
    assert optimization_evidence(log)["missing-profile"] == 3


def test_the_edit_leaves_makesetups_outputs_newer_so_make_never_reruns_it_mid_build(tmp_path):
    """CPython's rule `Makefile Modules/config.c: Makefile.pre ...` (makesetup): configure wrote both, the edit
    touched Makefile.pre after them. Had Modules/config.c stayed older, the first make would rerun makesetup in
    the middle of the build and give Makefile a new mtime, so `make install` recompiled what depends on it."""
    rule = ("Makefile Modules/config.c: Makefile.pre\n\techo makesetup ran\n"
            "Programs/_freeze_module.o: Makefile\n\techo compiled\n")
    (tmp_path / "Modules").mkdir()
    (tmp_path / "Programs").mkdir()
    for name in ("Makefile.pre", "Makefile", "Modules/config.c"):  # as configure leaves them
        (tmp_path / name).write_text(GCC_LTO + rule if name.startswith("Makefile") else "/* config.c */\n")
        os.utime(tmp_path / name, ns=(1_000_000_000, 1_000_000_000))
    result = sh(tmp_path, 'pb_lto_configure parallel')
    assert result.returncode == 0, result.stderr
    made = subprocess.run(["make", "-q", "Modules/config.c", "Makefile"], cwd=tmp_path, capture_output=True, text=True)
    assert made.returncode == 0, "makesetup would run again: " + made.stdout
    (tmp_path / "Programs" / "_freeze_module.o").write_text("")  # compiled after configure
    made = subprocess.run(["make", "-q", "Programs/_freeze_module.o"], cwd=tmp_path, capture_output=True, text=True)
    assert made.returncode == 0


GCC_LTO_MK = STEPS / "gcc-lto.mk"
CLANG_LTO_MK = STEPS / "clang-lto.mk"


@pytest.mark.parametrize("mode, text, read", [("parallel", GCC_LTO, "gcc-lto.mk"),
                                              ("parallel", CLANG_THIN, "clang-lto.mk"),
                                              ("cpython", GCC_LTO, None), ("cpython", CLANG_THIN, None)])
def test_a_parallel_lto_tree_hands_every_make_run_its_compilers_makefile(tmp_path, mode, text, read):
    """compile.sh hands every make run (MAKEFILES) gcc-lto.mk for gcc's fat LTO objects and clang-lto.mk for
    clang's bitcode-only ThinLTO objects; `cpython` mode keeps CPython's flags."""
    result, makes = compile_sh(tmp_path, text, PB_LTO=mode)
    assert result.returncode == 0, result.stderr
    seen = set((tmp_path / "calls.env").read_text().splitlines())
    assert seen == {f"MAKEFILES={STEPS / read}" if read else "MAKEFILES="}, seen
    assert ("link without LTO" in result.stdout) == (read == "gcc-lto.mk")
    assert ("LTO back end at -O0" in result.stdout) == (read == "clang-lto.mk")


# The variables and link rules of CPython's Makefile.pre.in (3.13-3.15) that gcc-lto.mk acts on; the
# recipes print the link flags instead of linking, and profile-opt's recursive make is there too.
CPYTHON_LINKS = """\
PY_LDFLAGS=-Wl,-z,relro
CONFIGURE_LDFLAGS_NODIST=-fno-semantic-interposition -flto=auto -fuse-linker-plugin -ffat-lto-objects -g
CONFIGURE_LDFLAGS_NOLTO=-fno-lto
PY_LDFLAGS_NODIST=$(CONFIGURE_LDFLAGS_NODIST) $(LDFLAGS_NODIST)
PY_LDFLAGS_NOLTO=$(PY_LDFLAGS) $(CONFIGURE_LDFLAGS_NOLTO) $(LDFLAGS_NODIST)
PY_CORE_LDFLAGS=$(PY_LDFLAGS) $(PY_LDFLAGS_NODIST)
build_all: python Programs/_freeze_module Programs/_testembed
python: Python/ceval.o
	@echo "python: $(PY_CORE_LDFLAGS)"
Programs/_freeze_module: Python/ceval.o
	@echo "_freeze_module: $(PY_CORE_LDFLAGS)"
Programs/_testembed: Python/ceval.o
	@echo "_testembed: $(PY_CORE_LDFLAGS)"
Python/ceval.o:
	@echo "ceval.o: $(PY_CORE_LDFLAGS)"
profile-opt:
	@$(MAKE) --no-print-directory build_all LDFLAGS_NODIST="-fprofile-use"
"""


def test_nolto_tools_links_the_two_build_only_programs_without_lto_with_gnu_make(tmp_path):
    (tmp_path / "Makefile").write_text(CPYTHON_LINKS)
    result = subprocess.run(["make", "--no-print-directory", "profile-opt"], cwd=tmp_path, capture_output=True,
                            text=True, env={**os.environ, "MAKEFILES": str(GCC_LTO_MK)})
    assert result.returncode == 0, result.stderr
    lto = "-Wl,-z,relro -fno-semantic-interposition -flto=auto -fuse-linker-plugin -ffat-lto-objects -g -fprofile-use"
    assert result.stdout.splitlines() == [
        f"ceval.o: {lto}",  # private: the programs' prerequisites keep the interpreter's flags
        f"python: {lto}",  # the interpreter itself keeps its LTO link
        "_freeze_module: -Wl,-z,relro -fno-lto -fprofile-use",  # as CPython links _bootstrap_python
        "_testembed: -Wl,-z,relro -fno-lto -fprofile-use"]


# The compile rules of CPython's Makefile (3.13-3.15) that gcc-lto.mk acts on: an interpreter object, a
# built-in module's, a shared module's as makesetup writes it, and a bundled static library's (HACL*); the
# recipes print the compile flags instead of compiling, and profile-opt's recursive make is there too.
CPYTHON_COMPILES = """\
srcdir=	.
PY_ENABLE_SHARED=	{shared}
CCSHARED=	-fPIC
CONFIGURE_CFLAGS_NODIST=-flto=auto -fuse-linker-plugin -ffat-lto-objects
PY_STDMODULE_CFLAGS= $(CONFIGURE_CFLAGS_NODIST) $(CFLAGS_NODIST)
PY_BUILTIN_MODULE_CFLAGS= $(PY_STDMODULE_CFLAGS) -DPy_BUILD_CORE_BUILTIN
PY_CORE_CFLAGS=	$(PY_STDMODULE_CFLAGS) -DPy_BUILD_CORE
LIBHACL_CFLAGS=-I$(srcdir)/Modules/_hacl/include $(PY_STDMODULE_CFLAGS) $(CCSHARED)
build_all: Python/ceval.o Modules/posixmodule.o Modules/_pickle.o Modules/_hacl/Hacl_Hash_SHA2.o
Python/ceval.o:
	@echo "$@: $(PY_CORE_CFLAGS)"
Modules/posixmodule.o: ; @echo "$@: $(PY_BUILTIN_MODULE_CFLAGS)"
Modules/_pickle.o: $(srcdir)/Modules/_pickle.c $(MODULE__PICKLE_DEPS); @echo "$@: $(PY_STDMODULE_CFLAGS) $(CCSHARED)"
Modules/_hacl/Hacl_Hash_SHA2.o:
	@echo "$@: $(LIBHACL_CFLAGS)"
profile-opt:
	@$(MAKE) --no-print-directory build_all CFLAGS_NODIST="-fprofile-use"
"""


@pytest.mark.parametrize("shared", ["0", "1"])
def test_gcc_lto_mk_makes_only_a_static_builds_extension_module_objects_slim_with_gnu_make(tmp_path, shared):
    (tmp_path / "Makefile").write_text(CPYTHON_COMPILES.format(shared=shared))
    (tmp_path / "Modules").mkdir()
    (tmp_path / "Modules" / "_pickle.c").write_text("")
    result = subprocess.run(["make", "--no-print-directory", "profile-opt"], cwd=tmp_path, capture_output=True,
                            text=True, env={**os.environ, "MAKEFILES": str(GCC_LTO_MK)})
    assert result.returncode == 0, result.stderr
    fat = "-flto=auto -fuse-linker-plugin -ffat-lto-objects -fprofile-use"
    slim = "-fno-fat-lto-objects" if shared == "0" else ""  # --enable-shared: the core gets CCSHARED too
    assert [line.rstrip() for line in result.stdout.splitlines()] == [
        f"Python/ceval.o: {fat} -DPy_BUILD_CORE",  # the interpreter's objects keep their native half
        f"Modules/posixmodule.o: {fat} -DPy_BUILD_CORE_BUILTIN",  # so do built-in modules', in libpython
        f"Modules/_pickle.o: {fat} -fPIC {slim}".rstrip(),  # only ever linked into _pickle.so, by LTO
        f"Modules/_hacl/Hacl_Hash_SHA2.o: -I./Modules/_hacl/include {fat} -fPIC"]  # archived: stays fat


# CPython's link rules (3.13-3.15) as a clang ThinLTO tree has them: CONFIGURE_LDFLAGS_NOLTO is -flto=thin.
CLANG_LINKS = CPYTHON_LINKS.replace("-fno-lto", "-flto=thin").replace(
    " -flto=auto -fuse-linker-plugin -ffat-lto-objects", " -flto=thin") + """\
build_all: _bootstrap_python
_bootstrap_python: Python/ceval.o
	@echo "_bootstrap_python: $(PY_LDFLAGS_NOLTO)"
"""


@pytest.mark.parametrize("training", [False, True])
def test_clang_lto_mk_links_the_three_build_only_programs_at_o0_with_gnu_make(tmp_path, training):
    """The final build's three build-only programs get the LTO plugin's -O0; the training build links without
    LTO, where ld refuses a plugin option, so only _bootstrap_python (-flto=thin always) gets it there."""
    (tmp_path / "Makefile").write_text(CLANG_LINKS)
    args = ["CONFIGURE_LDFLAGS_NODIST=-fno-semantic-interposition -g"] if training else []
    result = subprocess.run(["make", "--no-print-directory", "profile-opt", *args], cwd=tmp_path,
                            capture_output=True, text=True, env={**os.environ, "MAKEFILES": str(CLANG_LTO_MK)})
    assert result.returncode == 0, result.stderr
    core = "-Wl,-z,relro -fno-semantic-interposition" + ("" if training else " -flto=thin") + " -g -fprofile-use"
    o0 = "" if training else " -Wl,-plugin-opt=O0"
    assert [line.rstrip() for line in result.stdout.splitlines()] == [
        f"ceval.o: {core}",  # private: the programs' prerequisites keep the interpreter's flags
        f"python: {core}",  # the interpreter itself keeps its LTO link at -O3
        f"_freeze_module: {core}{o0}",
        f"_testembed: {core}{o0}",
        "_bootstrap_python: -Wl,-z,relro -flto=thin -fprofile-use -Wl,-plugin-opt=O0"]
