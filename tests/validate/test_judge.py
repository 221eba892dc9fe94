"""The validation judge on fixtures: a good set of facts passes; each defect fails the right check."""

import copy

import pytest

from tasks.model import config
from tasks.model.plan import Build, Layout
from tasks.model.variant import DEFAULT, FREETHREADED
from tasks.model.versions import Version
from tasks.pipeline import overrides
from tasks.validate.facts import failed_tests, missing_from_build_log
from tasks.validate.judge import free_threading_status, judge, modules_for

PREFIX = "/opt/python/python3.13"
# readelf -h of a PIE (binutils 2.44 names the type so) and of a position-dependent executable
READELF_PIE = "ELF Header:\n  Class:                             ELF64\n  Type:                              DYN (Position-Independent Executable file)\n"
READELF_EXEC = READELF_PIE.replace("DYN (Position-Independent Executable file)", "EXEC (Executable file)")


@pytest.fixture
def build(config_data, root):
    settings = overrides.apply_overrides(config.parse(config_data), {"PYTHON_VERSION": "3.13.15", "FAST_BUILD": "true"})
    return Build(Version.parse("3.13.15"), settings.distros[0], settings, Layout.for_root(root))


def interpreter_facts(build, variant):
    args = " ".join(f"'{a}'" for a in build.configure_args(variant))
    return {
        "modules": {m: {"ok": True} for m in modules_for(build)},
        "sqlite_load_extension": True, "config_args": args, "cc": "gcc", "cflags": "-O3 -Wall", "ldflags": "",
        "gil_enabled": variant == DEFAULT, "expat_version": "expat_2.7.1", "libmpdec_version": "2.5.1",
        "os_py": f"{PREFIX}/lib/python3.13{variant.abi_suffix}/os.py",
    }


@pytest.fixture
def good(build):
    rc = {name: 0 for name in ("distro-install", "install", "venv-main", "python3t", "venv-ft", "distro-venv",
                               "c-extension", "c-extension-ft", "embed-main", "embed-ft",
                               "purge", "prefix-gone", "distro-after-purge",
                               "lintian", "bytecode-main", "bytecode-ft")}
    return {
        "rc": rc,
        "logs": {"readelf-main": READELF_PIE + "stapsdt 0x1\nstapsdt 0x2", "readelf-ft": READELF_PIE + "stapsdt 0x1"},
        "packages_before": {"python3.13": "3.13.5-2", "python3.13-venv": "3.13.5-2"},
        "packages_after": {"python3.13": "3.13.5-2", "python3.13-venv": "3.13.5-2", "opt-python3.13": "3.13.15-1"},
        "facts_main": interpreter_facts(build, DEFAULT),
        "facts_ft": interpreter_facts(build, FREETHREADED),
        "files_main": ["/.", "/opt", "/opt/python", PREFIX, f"{PREFIX}/bin", f"{PREFIX}/bin/python3.13",
                       "/usr/share/doc/opt-python3.13/copyright"],
        "files_ft": ["/.", "/opt", "/opt/python", PREFIX, f"{PREFIX}/bin", f"{PREFIX}/bin/python3.13t",
                     "/usr/share/lintian/overrides/opt-python3.13t"],
        "elf_deps": {"needed": {"libc.so.6": [], "libssl.so.3": [], "libmpdec.so.4": []}, "rpath": {}},
        "build_log_missing": [],
        "system_libs": {
            "pyexpat": {"library": "libexpat.so.1", "path": "/lib/x86_64-linux-gnu/libexpat.so.1",
                        "package": "libexpat1:amd64", "version": "2.7.1-2"},
            "_decimal": {"library": "libmpdec.so.4", "path": "/lib/x86_64-linux-gnu/libmpdec.so.4",
                         "package": "libmpdec4:amd64", "version": "2.5.1-2"}},
        "lintian": {"I": {"hardening-no-fortify-functions": 3}, "O": {"dir-or-file-in-opt": 1}},
    }


def failed(facts, build):
    return [c.name for c in judge(facts, build) if not c.ok]


def test_good_facts_pass(good, build):
    assert failed(good, build) == []


@pytest.mark.parametrize("mutate, check", [
    (lambda f: f["facts_main"]["modules"].update({"_ssl": {"ok": False, "error": "ModuleNotFoundError"}}),
     "python3.13: module inventory"),
    (lambda f: f["facts_ft"].update(gil_enabled=True), "python3.13t: GIL disabled"),
    (lambda f: f["facts_ft"].update(os_py=None), "python3.13t: finds its stdlib in lib/python3.13t"),
    (lambda f: f["facts_main"].update(cc="ccache gcc"), "python3.13: sysconfig CC is the plain compiler"),
    (lambda f: f["facts_main"].update(cflags="-O3 -flto=auto -ffat-lto-objects"),
     "python3.13: no LTO/PGO flags for users' builds"),
    (lambda f: f["facts_main"].update(config_args="'--prefix=/usr'"), "python3.13: CONFIG_ARGS holds the configured flags"),
    (lambda f: f["packages_after"].update({"python3.13": "3.13.15-1+trixie"}), "distro packages untouched by our install"),
    (lambda f: f["files_ft"].append(f"{PREFIX}/bin/python3.13"), "the two packages share no file"),
    (lambda f: f["files_main"].append("/usr/bin/python3"), "nothing installed outside /opt/python/python3.13 and /usr/share/doc"),
    (lambda f: f["rc"].update({"prefix-gone": 1}), "purge leaves no /opt/python/python3.13"),
    (lambda f: f["rc"].update({"venv-ft": 1}), "free-threaded venv + pip installs into that venv only"),
    (lambda f: f["elf_deps"]["needed"].update({"libpython3.13.so.1.0": []}), "DT_NEEDED only distro libraries"),
    (lambda f: f["elf_deps"]["rpath"].update({"/build/default": []}), "no RPATH/RUNPATH"),
    (lambda f: f["logs"].update({"readelf-main": ""}), "DTrace probes in main interpreter"),
    (lambda f: f["logs"].update({"readelf-ft": READELF_EXEC + "stapsdt 0x1"}), "ft interpreter linked as PIE"),
    (lambda f: f["logs"].update({"readelf-main": "stapsdt 0x1"}), "main interpreter linked as PIE"),
    (lambda f: f.update(build_log_missing=["_ssl"]), "build log lists no missing modules"),
    (lambda f: f.update(facts_ft=None), "python3.13t: runs"),
    (lambda f: f["facts_main"].update(expat_version="expat_2.6.0"), "pyexpat uses the distro's libexpat"),
    (lambda f: f["system_libs"].update(pyexpat={"library": None}), "pyexpat uses the distro's libexpat"),
    (lambda f: f["system_libs"]["_decimal"].update(package=None), "_decimal uses the distro's libmpdec"),
    (lambda f: f["lintian"].update(E={"python3-script-but-no-python3-dep": 34}), "lintian: no error or warning"),
    (lambda f: f["rc"].update({"lintian": 2}), "lintian: no error or warning"),
    (lambda f: f["rc"].pop("lintian"), "lintian: no error or warning"),
    (lambda f: f["lintian"]["I"].update({"hardening-no-bindnow": 62}), "lintian: hardening (debian) on every ELF file"),
    (lambda f: f["lintian"].update(W={"hardening-no-relro": 1}), "lintian: hardening (debian) on every ELF file"),
    (lambda f: f["rc"].update({"bytecode-ft": 1}), "the free-threaded postinst byte-compiled its stdlib entries"),
])
def test_each_defect_fails_its_check(good, build, mutate, check):
    facts = copy.deepcopy(good)
    mutate(facts)
    assert check in failed(facts, build)


def test_hardening_check_only_when_hardening_is_on(good, config_data, root):
    settings = overrides.apply_overrides(config.parse(config_data),
                                      {"PYTHON_VERSION": "3.13.15", "FAST_BUILD": "true", "HARDENING": "off"})
    unhardened = Build(Version.parse("3.13.15"), settings.distros[0], settings, Layout.for_root(root))
    facts = copy.deepcopy(good)
    facts["lintian"]["I"]["hardening-no-bindnow"] = 62
    names = [c.name for c in judge(facts, unhardened)]
    assert failed(facts, unhardened) == [] and not any("hardening" in n for n in names)


def test_an_interpreter_linked_without_pie_must_be_exec(good, config_data, root):
    settings = overrides.apply_overrides(config.parse(config_data),
                                         {"PYTHON_VERSION": "3.13.15", "FAST_BUILD": "true", "PIE": "no"})
    no_pie = Build(Version.parse("3.13.15"), settings.distros[0], settings, Layout.for_root(root))
    facts = copy.deepcopy(good)
    facts["logs"]["readelf-ft"] = READELF_EXEC + "stapsdt 0x1"
    assert failed(facts, no_pie) == ["main interpreter linked without PIE (flags.pie, or BOLT)"]
    checks = {c.name: c for c in judge(facts, no_pie)}
    assert checks["main interpreter linked without PIE (flags.pie, or BOLT)"].detail == "ELF type DYN"
    assert checks["ft interpreter linked without PIE (flags.pie, or BOLT)"].ok
    assert "linked without PIE for speed" in checks["lintian: hardening (debian) on every ELF file"].detail


def test_zstd_expected_from_314(build, config_data, root):
    settings = overrides.apply_overrides(config.parse(config_data), {"PYTHON_VERSION": "3.14.10"})
    b314 = Build(Version.parse("3.14.10"), settings.distros[0], settings, Layout.for_root(root))
    assert "_zstd" in modules_for(b314) and "_zstd" not in modules_for(build)
    for module in ("compression.zstd", "_remote_debugging"):
        assert module in modules_for(b314) and module not in modules_for(build)


@pytest.mark.parametrize("version, status", [
    ("3.13.15", "experimental (PEP 703)"), ("3.14.7", "supported (PEP 779)"), ("3.15.0rc2", "supported (PEP 779)"),
])
def test_free_threading_status_per_line(version, status):
    assert free_threading_status(Version.parse(version)) == status


REGRTEST_OUTPUT = """\
0:00:01 load avg: 1.52 [ 1/12] test_json passed
0:00:09 load avg: 1.60 [ 2/12/1] test_sys failed (1 error)
test_remote_exec (test.test_sys.TestRemoteExec.test_remote_exec) ... ERROR
======================================================================
ERROR: test_remote_exec (test.test_sys.TestRemoteExec.test_remote_exec)
----------------------------------------------------------------------
PermissionError: [Errno 1] Operation not permitted
0:00:20 load avg: 1.7 [12/12/2] test_ssl failed
FAIL: test_context (test.test_ssl.ContextTests.test_context)
== Tests result: FAILURE ==
2 tests failed:
    test_ssl test_sys
"""


def test_failed_smoke_tests_are_named_with_their_cases(config_data, root, good):
    assert failed_tests(REGRTEST_OUTPUT) == {
        "modules": ["test_ssl", "test_sys"],
        "cases": ["test.test_ssl.ContextTests.test_context", "test.test_sys.TestRemoteExec.test_remote_exec"]}
    settings = overrides.apply_overrides(config.parse(config_data), {"PYTHON_VERSION": "3.14.7"})
    optimized = Build(Version.parse("3.14.7"), settings.distros[0], settings, Layout.for_root(root))
    facts = copy.deepcopy(good)
    facts["rc"].update({"smoke-main": 2, "smoke-ft": 0})
    facts["logs"]["smoke-main"] = REGRTEST_OUTPUT
    check = next(c for c in judge(facts, optimized) if c.name.startswith("test suite smoke subset ("))
    assert not check.ok
    assert check.detail.startswith("failed: test_ssl, test_sys (test.test_ssl.ContextTests.test_context; "
                                   "test.test_sys.TestRemoteExec.test_remote_exec); output: "), check.detail
    assert check.detail.endswith("validate-3.14.7-trixie-smoke-main.log")


def test_missing_modules_from_a_build_log():
    log = """
Checked 112 modules (33 built-in, 60 shared, 1 n/a on linux-x86_64, 15 disabled, 3 missing, 0 failed on import)
The necessary bits to build these optional modules were not found:
_ssl                      _tkinter                  _uuid
To find the necessary bits, look in configure.ac and config.log.

Failed to build these modules:
_ctypes

"""
    assert missing_from_build_log(log) == ["_ctypes", "_ssl", "_tkinter", "_uuid"]
    assert missing_from_build_log("Checked 112 modules (0 missing, 0 failed on import)") == []


def test_foreign_sysconfig_paths_fail(good, build):
    facts = copy.deepcopy(good)
    facts["facts_main"]["foreign_sysconfig_paths"] = {"LIBPL": "/build/default/lib"}
    assert "python3.13: sysconfig points into the prefix only" in failed(facts, build)


def test_optimized_build_needs_pgo_lto_evidence_and_smoke_tests(config_data, root, good):
    settings = overrides.apply_overrides(config.parse(config_data), {"PYTHON_VERSION": "3.13.15"})
    optimized = Build(Version.parse("3.13.15"), settings.distros[0], settings, Layout.for_root(root))
    facts = copy.deepcopy(good)
    for variant in (DEFAULT, FREETHREADED):
        facts[f"facts_{variant.facts_label}"] = interpreter_facts(optimized, variant)
    facts["rc"].update({"smoke-main": 0, "smoke-ft": 0})
    # 3.13's optimized default links its interpreters without PIE (flags.pie auto)
    facts["logs"] = {name: log.replace(READELF_PIE, READELF_EXEC) for name, log in facts["logs"].items()}
    facts["build_log_optimizations"] = {
        "default": {"-fprofile-use": 300, "-flto": 310, "missing-profile": 1},
        "freethreaded": {"-fprofile-use": 300, "-flto": 0, "missing-profile": 1}}
    assert failed(facts, optimized) == ["freethreaded interpreter built with LTO"]
    # a profile that does not fit the final build leaves most files without profile data
    facts["build_log_optimizations"]["default"]["missing-profile"] = 250
    assert failed(facts, optimized) == ["default interpreter: the PGO profile matched the final build",
                                        "freethreaded interpreter built with LTO"]


def test_optimization_evidence_counts_compiler_lines():
    from tasks.validate.facts import optimization_evidence
    log = ("gcc -c -flto -fprofile-use x.c\ngcc -flto -o python\necho -flto\n"
           "/src/Programs/_testembed.c:2591:1: warning: '/build/Programs/_testembed.gcda' profile count data file "
           "not found [-Wmissing-profile]\n")
    assert optimization_evidence(log) == {"-fprofile-generate": 0, "-fprofile-use": 1, "-fprofile-instr-use": 0,
                                          "-flto": 2, "missing-profile": 1}
    clang = "clang-19 -c -flto=thin -fprofile-instr-use=code.profclangd x.c\nclang-19 -flto=thin -o python\n"
    assert optimization_evidence(clang) == {"-fprofile-generate": 0, "-fprofile-use": 0, "-fprofile-instr-use": 1,
                                            "-flto": 2, "missing-profile": 0}
    # clang's warnings as a 3.14.7 build gives them: a file none of whose functions ran, one whose code differs
    clang += ('warning: no profile data available for file "_csv.c" [-Wprofile-instr-unprofiled]\n'
              "warning: profile data may be out of date: of 124 functions, 1 has mismatched data that will be "
              "ignored [-Wprofile-instr-out-of-date]\n1 warning generated.\n")
    assert optimization_evidence(clang)["missing-profile"] == 2


def test_lintian_output_is_counted_per_severity_and_tag():
    from tasks.validate.facts import lintian_tags
    text = """E: opt-python3.13: python3-script-but-no-python3-dep python3 [opt/x/base64.py]
E: opt-python3.13: python3-script-but-no-python3-dep python3 [opt/x/cProfile.py]
W: opt-python3.13t: shared-library-lacks-prerequisites [opt/x/_json.so]
W: opt-python3.13 changes: bad-distribution-in-changes-file foo
I: opt-python3.13-dbgsym: hardening-no-bindnow [opt/x]
O: opt-python3.13: dir-or-file-in-opt [opt/]
N: a note that is not a hint
running with root privileges is not recommended!
"""
    assert lintian_tags(text) == {
        "E": {"python3-script-but-no-python3-dep": 2},
        "W": {"shared-library-lacks-prerequisites": 1, "bad-distribution-in-changes-file": 1},
        "I": {"hardening-no-bindnow": 1}, "O": {"dir-or-file-in-opt": 1}}


@pytest.mark.parametrize("debian, upstream", [
    ("2.7.1-2", "2.7.1"), ("1:2.5.1+dfsg-3", "2.5.1"), ("2.5.1~rc1-1", "2.5.1"), ("2.6.0", "2.6.0"),
    ("2.5.1-2+deb13u1", "2.5.1"),
])
def test_upstream_version(debian, upstream):
    from tasks.validate.judge import upstream_version
    assert upstream_version(debian) == upstream


def test_bundled_libmpdec_is_not_checked_against_the_distro(good, config_data, root):
    settings = overrides.apply_overrides(config.parse(config_data), {"PYTHON_VERSION": "3.13.15", "FAST_BUILD": "true",
                                                                  "DISTRO": "bookworm"})
    bookworm = Build(Version.parse("3.13.15"), settings.distros[0], settings, Layout.for_root(root))
    names = [c.name for c in judge(good, bookworm)]
    assert "pyexpat uses the distro's libexpat" in names and "_decimal uses the distro's libmpdec" not in names


def test_placeholder_maintainer_tags_are_the_only_ones_suppressed(good, build, config_data, root):
    from tasks.validate.judge import lintian_suppressed
    assert lintian_suppressed(build) == ("bogus-mail-host", "bogus-mail-host-in-debian-changelog")
    lint = [c for c in judge(good, build) if c.name == "lintian: no error or warning"][0]
    assert "placeholder maintainer: set package.maintainer" in lint.detail
    data = dict(config_data, package=dict(config_data["package"], maintainer="Ops Team <ops@example.org>"))
    settings = overrides.apply_overrides(config.parse(data), {"PYTHON_VERSION": "3.13.15"})
    real = Build(Version.parse("3.13.15"), settings.distros[0], settings, Layout.for_root(root))
    assert lintian_suppressed(real) == ()


def test_the_allowed_parents_follow_the_prefix(config_data, root):
    from tasks.validate.judge import _allowed_path
    data = copy.deepcopy(config_data)
    data["package"]["prefix"] = "/usr/local/python/{major_minor}"
    settings = overrides.apply_overrides(config.parse(data), {"PYTHON_VERSION": "3.14.7"})
    elsewhere = Build(Version.parse("3.14.7"), settings.distros[0], settings, Layout.for_root(root))
    for path in ("/.", "/usr/local", "/usr/local/python", "/usr/local/python/3.14/bin/python3.14",
                 "/usr/share/doc/opt-python3.14/copyright"):
        assert _allowed_path(path, elsewhere), path
    for path in ("/opt", "/opt/python", "/usr/local/bin/python3", "/usr/local/python/3.13"):
        assert not _allowed_path(path, elsewhere), path


def test_smoke_tests_on_a_fast_build_when_asked(config_data, root, good):
    plain = overrides.apply_overrides(config.parse(config_data), {"PYTHON_VERSION": "3.14.7", "FAST_BUILD": "true"})
    asked = overrides.apply_overrides(config.parse(config_data), {"PYTHON_VERSION": "3.14.7", "FAST_BUILD": "true",
                                                               "SMOKE_TESTS": "true"})
    fast, smoked = (Build(Version.parse("3.14.7"), s.distros[0], s, Layout.for_root(root)) for s in (plain, asked))
    assert "--disable-test-modules" in fast.configure_args(DEFAULT) and not fast.test_suite
    assert "--disable-test-modules" not in smoked.configure_args(FREETHREADED) and smoked.test_suite
    facts = copy.deepcopy(good)
    names = {c.name for c in judge(facts, smoked)}
    assert "test suite smoke subset (12 modules)" in names and "test suite smoke subset, free-threaded" in names
    assert not any(name.startswith("test suite smoke") for name in {c.name for c in judge(facts, fast)})
    assert not any("built with PGO" in name for name in names)  # still a FAST build


def test_smoke_tests_by_name(config_data, root):
    """build.smoke_tests and SMOKE_TESTS= name test modules; the names are checked, and each is given once."""
    data = copy.deepcopy(config_data)
    data["build"]["smoke_tests"] = ["test_sys", "test_zstd"]
    named = config.parse(data)
    assert named.smoke_tests == ("test_sys", "test_zstd")
    cli = overrides.apply_overrides(config.parse(config_data), {"SMOKE_TESTS": "test_sys, test_json"})
    assert cli.smoke_tests == ("test_sys", "test_json")
    assert overrides.apply_overrides(config.parse(config_data), {"SMOKE_TESTS": "yes"}).smoke_tests == config.SMOKE_SUBSET
    assert overrides.apply_overrides(config.parse(config_data), {"SMOKE_TESTS": "off"}).smoke_tests == ()
    fast = overrides.apply_overrides(named, {"PYTHON_VERSION": "3.14.7", "FAST_BUILD": "true"})
    build = Build(Version.parse("3.14.7"), fast.distros[0], fast, Layout.for_root(root))
    assert build.smoke_modules == ("test_sys", "test_zstd") and build.test_suite
    optimized = overrides.apply_overrides(config.parse(config_data), {"PYTHON_VERSION": "3.14.7", "FAST_BUILD": "false"})
    assert Build(Version.parse("3.14.7"), optimized.distros[0], optimized,
                 Layout.for_root(root)).smoke_modules == config.SMOKE_SUBSET
    for bad, words in ((["test_sys", "test_sys"], "named twice"), (["test_sys; rm -rf /"], "not a valid test module"),
                       ([], "expected true, false or a list"), ("test_sys", "expected true, false or a list"),
                       ([1], "not a valid test module")):
        data["build"]["smoke_tests"] = bad
        with pytest.raises(config.UserError, match=words):
            config.parse(data)
    for bad in ("test_sys,test_sys", "os", "test_sys,", "$(id)"):
        with pytest.raises(config.UserError, match="SMOKE_TESTS"):
            overrides.apply_overrides(config.parse(config_data), {"SMOKE_TESTS": bad})


def test_a_smoke_test_that_passes_when_re_run_passes_and_is_named(config_data, root, good):
    """regrtest -w re-runs a failed module alone; one that passes then exits 0 (a timing test on a loaded
    machine), and the check says which one it was."""
    settings = overrides.apply_overrides(config.parse(config_data), {"PYTHON_VERSION": "3.14.7"})
    optimized = Build(Version.parse("3.14.7"), settings.distros[0], settings, Layout.for_root(root))
    facts = copy.deepcopy(good)
    facts["rc"].update({"smoke-main": 0, "smoke-ft": 0})
    facts["logs"]["smoke-main"] = """\
0:00:17 load avg: 5.05 [ 9/12/1] test_os failed (1 failure)
FAIL: test_timerfd_ns_poll (test.test_os.TimerfdTests.test_timerfd_ns_poll)
AssertionError: 2 != 1
== Tests result: FAILURE ==
0:00:43 Re-running 1 failed tests in verbose mode in subprocesses
0:00:45 [1/1] test_os passed
== Tests result: FAILURE then SUCCESS ==
"""
    check = next(c for c in judge(facts, optimized) if c.name.startswith("test suite smoke subset ("))
    assert check.ok
    assert check.detail.startswith("passed; failed once, then passed when re-run: test_os "
                                   "(test.test_os.TimerfdTests.test_timerfd_ns_poll); output: "), check.detail
