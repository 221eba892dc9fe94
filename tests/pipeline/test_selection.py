"""Task names that name any pinned version work with every doit command, through doit's real command line
(`python -m doit` in a copy of the project; no Docker: list, info, clean -n and forget never call it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pipeline.test_graph import run_doit  # noqa: F401 - the in-process doit with faked steps


def doit(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "doit", *args], cwd=project, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stdout, result.stdout
    errors = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(errors) == 1, result.stdout
    assert errors[0].startswith("python-builder: error: "), errors[0]
    return errors[0]


@pytest.mark.parametrize("args", [
    ("info", "build:3.14.7"),
    ("info", "validate:3.13.15-trixie"),
    ("info", "package:3.14.7-trixie"),
    ("info", "compile_ft:3.15.0rc2-forky"),
    ("info", "download:3.14.4"),
    ("clean", "-n", "build:3.13.15-trixie"),
    ("forget", "build:3.14.7"),
    ("info", "image:bookworm"),
])
def test_a_pinned_version_outside_the_matrix_works_with_every_command(project, args):
    result = doit(project, *args)
    # `doit info` exits 1 for a task that is not up to date (every one here): it still described the task
    assert result.returncode == (1 if args[0] == "info" else 0), result.stdout
    assert "Invalid parameter" not in result.stdout and "Traceback" not in result.stdout
    if args[0] == "info":
        assert result.stdout.split()[0] == args[1]


def test_build_version_builds_it_for_the_configured_distros(project):
    result = doit(project, "info", "build:3.14.7")
    assert "build:3.14.7-trixie" in result.stdout  # its task_dep: the configured distro (trixie)
    assert "build:3.14.7-forky" not in result.stdout


def test_list_still_lists_the_matrix(project):
    result = doit(project, "list", "--all")
    assert result.returncode == 0, result.stdout
    assert "build:3.14.10-trixie" in result.stdout and "build:3.13.18-trixie" in result.stdout
    assert "3.14.7" not in result.stdout


def test_build_version_runs_that_versions_steps(project, run_doit):  # noqa: F811
    ran = run_doit("build:3.14.7-trixie")
    assert ran == ["download:3.14.7", "checksum:3.14.7", "extract:3.14.7", "image:trixie",
                   "configure:3.14.7-trixie", "configure_ft:3.14.7-trixie", "compile:3.14.7-trixie",
                   "compile_ft:3.14.7-trixie", "package:3.14.7-trixie", "validate:3.14.7-trixie"] or \
        sorted(ran) == sorted(["download:3.14.7", "checksum:3.14.7", "extract:3.14.7", "image:trixie",
                               "configure:3.14.7-trixie", "configure_ft:3.14.7-trixie",
                               "compile:3.14.7-trixie", "compile_ft:3.14.7-trixie", "package:3.14.7-trixie",
                               "validate:3.14.7-trixie"])


@pytest.mark.parametrize("args, words", [
    (("build:3.14.99",), "doit pin NEW_VERSION=3.14.99"),
    (("info", "validate:3.12.99-trixie"), "not supported"),
    (("build:3.14.x",), "build:<X.Y.Z> or build:<X.Y.Z>-<distro>"),
    (("build:03.14.7",), "not a CPython release version"),
    (("build:3.14.7-nowhere",), "unknown distro entry 'nowhere'"),
    (("info", "validate:3.14.7"), "name the distro too"),
    (("info", "download:3.14.7-trixie"), "shared by every distro"),
    (("build:3.14.٧",), "not a CPython release version"),  # a non-ASCII digit
    (("build:3." + "1" * 5000 + ".0",), "5004 characters"),  # no traceback for a huge number
])
def test_an_unpinned_or_malformed_version_ends_in_one_line(project, args, words):
    line = one_error_line(doit(project, *args))
    assert words in line, line
    assert len(line) < 400, line


@pytest.mark.parametrize("variables, words", [
    (("fast_build=true",), "variable names are upper case: FAST_BUILD"),
    (("PYTHON_VERSION=3.13.5,3.13.5",), "'3.13.5' is given twice"),
    (("DISTRO=trixie,trixie",), "'trixie' is given twice"),
    (("PYTHON_VER_MAJ_MIN=3.13", "PYTHON_VER_MIC=5,3.13.15"), "PYTHON_VER_MIC"),
    (("PYTHON_VERSION=3.13.015",), "not a CPython release version"),
    (("PYTHON_VERSION=" + "9" * 5000,), "5000 characters"),
    (("PROFILE_FROM=" + "a" * 5000 + ".json",), "neither a build manifest"),  # too long for the file system
    (("CONFIG=" + "a" * 5000,), "config file"),
    (("PROFILE_TASK=" + "-m test " * 80,), "at most 500 characters"),
    (("FAST_BUILD",), "FAST_BUILD is a variable, not a task: give it a value (FAST_BUILD=…)"),
    (("CLEAN_DOWNLOADS=true",), "only `doit clean` reads it"),
    (("NEW_VERSION=3.14.11",), "only `doit pin` reads it"),
])
def test_bad_variables_end_in_one_line(project, variables, words):
    line = one_error_line(doit(project, "list", *variables))
    assert words in line, line
    assert len(line) < 400, line


@pytest.mark.parametrize("args, words", [
    (("build:3.13.15-trixie", "CLEAN_IMAGES=true"), "only `doit clean` reads it"),
    (("info", "pin", "CLEAN_DOWNLOADS=yes"), "only `doit clean` reads it"),
    (("info", "build:3.13.15-trixie", "NEW_VERSION=3.14.11"), "only `doit pin` reads it"),
    (("build", "fast_build"), "fast_build is a variable, not a task: give it a value (FAST_BUILD=…)"),
])
def test_a_variable_another_command_reads_is_refused_not_ignored(project, args, words):
    line = one_error_line(doit(project, *args))
    assert words in line, line


@pytest.mark.parametrize("args, words", [
    (("--backend", "json", "build"), "--backend: python-builder keeps doit's record of finished steps in SQLite"),
    (("info", "--back=dbm", "build"), "--backend: python-builder keeps"),  # doit takes a long option's prefix
    (("list", "--db-file", "elsewhere.db"), "--db-file: python-builder keeps"),
    (("--dir", "/tmp", "list"), "run: list is a doit command, which doit reads only as the first word: doit list"),
])
def test_doit_options_that_would_trip_doit_itself_are_one_line(project, args, words):
    line = one_error_line(doit(project, *args))
    assert words in line, line


def test_pinning_a_pinned_version_is_refused_before_any_download(project):
    config_before = (project / "config.toml").read_bytes()
    result = doit(project, "pin", "NEW_VERSION=3.13.15")
    errors = [line for line in result.stdout.splitlines() if line.startswith("python-builder: error:")]
    assert result.returncode != 0 and "Traceback" not in result.stdout and len(errors) == 1, result.stdout
    line = errors[0]
    assert "pin: 3.13.15 is already pinned (sha256 " in line and "remove its line from [pins] first" in line, line
    assert (project / "config.toml").read_bytes() == config_before
    assert not (project / "cache" / "pins").exists() or not any((project / "cache" / "pins").iterdir())


def test_the_variables_a_command_reads_pass(project):
    for args in (("clean", "--dry-run", "CLEAN_DOWNLOADS=true", "CLEAN_IMAGES=false"),
                 ("info", "pin", "NEW_VERSION=3.14.11")):
        result = doit(project, *args)
        assert "python-builder: error" not in result.stdout, (args, result.stdout)


@pytest.mark.parametrize("kind, words", [
    ("directory", "not a regular file"),
    ("device", "not a regular file"),
    ("binary", "not UTF-8 text"),
    ("utf16", "not UTF-8 text (it looks like UTF-16)"),
    ("huge", "not a config file"),
    ("nested", "nested too deeply"),
    ("long-line", "line {} has 200005 characters, more than the 1000"),  # the line after the shipped config's
    ("fifo", "not a regular file"),
    ("missing", "config file not found"),
])
def test_a_config_file_that_is_no_config_file_ends_in_one_line(project, tmp_path, kind, words):
    path = tmp_path / "config.toml"
    text = (project / "config.toml").read_text()
    if kind == "directory":
        path.mkdir()
    elif kind == "device":
        path = Path("/dev/zero")
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 10)
    elif kind == "utf16":
        path.write_text(text, encoding="utf-16")
    elif kind == "huge":
        path.write_text("# " + "x" * (2 << 20) + "\n" + text)
    elif kind == "nested":
        path.write_text(text + "\n[extra]\nvalue = " + "[\n" * 100_000)
    elif kind == "long-line":  # tomllib takes quadratic time over the depth of a dotted key
        path.write_text(text + "\n[extra]\na" + ".a" * 100_000 + " = 1\n")
    elif kind == "fifo":  # reading would wait for a writer forever
        os.mkfifo(path)
    line = one_error_line(doit(project, "list", f"CONFIG={path}"))
    assert words.format(len(text.splitlines()) + 3) in line, line


def test_a_config_file_with_a_bom_is_read(project, tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf" + (project / "config.toml").read_bytes())
    result = doit(project, "list", f"CONFIG={path}")
    assert result.returncode == 0 and "build" in result.stdout, result.stdout
