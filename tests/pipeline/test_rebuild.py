"""`doit rebuild_check`: the rebuild runs in a scratch copy with this run's variables, and the bytes decide."""

import json
import os
import re
import subprocess

import pytest

from tasks.errors import UserError
from tasks.model import config
from tasks.model.plan import Build, Layout
from tasks.pipeline import overrides, rebuild
from tests.conftest import doit_cli


def make_deb(path, text):
    """A real (tiny) .deb: diffing needs dpkg-deb to read it."""
    root = path.parent / f"{path.name}.tree"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text("Package: x\nVersion: 1\nArchitecture: all\nMaintainer: a <a@b.c>\n"
                                             "Description: x\n")
    (root / "opt").mkdir()
    (root / "opt" / "file").write_text(text)
    # A fixed SOURCE_DATE_EPOCH clamps every timestamp: equal text gives equal bytes whenever each deb is made.
    subprocess.run(["dpkg-deb", "--root-owner-group", "-b", str(root), str(path)], check=True, capture_output=True,
                   env={**os.environ, "SOURCE_DATE_EPOCH": "1"})


def finished_pair(project, config_data, fast: str, manifest: dict) -> Build:
    """A pair as `doit build` leaves it: its four .debs, its manifest and the verified tarball."""
    settings = overrides.apply_overrides(config.parse(config_data), {"PYTHON_VERSION": "3.14.7", "DISTRO": "trixie",
                                                                     "FAST_BUILD": fast})
    build = Build(settings.versions[0], settings.distros[0], settings, Layout.for_root(project))
    build.dist_dir.mkdir(parents=True)
    for deb in build.deb_files():
        make_deb(deb, "same")
    build.manifest.write_text(json.dumps(manifest))
    tarball = build.layout.tarball(build.version)
    tarball.parent.mkdir(parents=True)
    tarball.write_bytes(b"tarball")
    return build


@pytest.fixture
def built(project, config_data):
    return finished_pair(project, config_data, "true", {"source": {"sha256": "ab"},
                                                        "build_image": {"packages": {"gcc:amd64": "14.2.0-19"}}})


def stand_in(build, change=None, packages=None):
    """A rebuild's doit: records its command, writes the scratch tree's dist/ as the rebuild would."""
    calls = []

    def run(command, env, check):
        calls.append(command)
        scratch = rebuild.work_dir(build) / "python-builder"
        assert (scratch / "cache" / "downloads" / "Python-3.14.7.tar.xz").read_bytes() == b"tarball"
        assert (scratch / "dodo.py").is_file() and (scratch / "tasks").is_dir()
        (scratch / "cache" / "build" / "3.14.7-trixie").mkdir(parents=True)  # the rebuild's build tree
        dist = scratch / "dist" / "trixie"
        dist.mkdir(parents=True)
        for deb in build.deb_files():
            make_deb(dist / deb.name, "other" if deb.name == change else "same")
        (dist / build.manifest.name).write_text(json.dumps(
            {"build_image": {"packages": packages or {"gcc:amd64": "14.2.0-19"}}}))
        return subprocess.CompletedProcess(command, 0)
    return run, calls


def test_identical_rebuild_passes_and_reports(built):
    run, calls = stand_in(built)
    assert rebuild.rebuild_check(built, {"FAST_BUILD": "true", "PYTHON_VERSION": "3.14.7"}, run=run) == \
        {"identical": True, "debs": 4}
    command = calls[0]
    assert command[-3:] == ["package:3.14.7-trixie", "FAST_BUILD=true", "PYTHON_VERSION=3.14.7"]
    assert command[command.index("--dir") + 1] == str(rebuild.work_dir(built) / "python-builder")
    report = json.loads((rebuild.work_dir(built) / "report.json").read_text())
    assert report["identical"] and len(report["debs"]) == 4 and report["image_package_differences"] == []
    assert not (rebuild.work_dir(built) / "python-builder" / "cache" / "build").exists()  # identical: it goes


def test_a_differing_deb_names_its_members_and_runs_diffoscope(built, monkeypatch):
    names = []
    monkeypatch.setattr(rebuild, "diffoscope", lambda build, scratch, rebuilt, differing, out: names.extend(differing))
    main = built.deb_files()[0].name
    run, _ = stand_in(built, change=main, packages={"gcc:amd64": "14.2.0-20"})
    with pytest.raises(UserError, match=r"1 of 4 \.debs differ; the build images differ in 1 package versions"):
        rebuild.rebuild_check(built, {}, run=run)
    assert names == [main]
    report = json.loads((rebuild.work_dir(built) / "report.json").read_text())
    entry = next(e for e in report["debs"] if e["name"] == main)
    assert entry["differing_members"] == ["fsys: ./opt/file (content)"]
    assert report["image_package_differences"] == ["gcc:amd64 14.2.0-19 -> 14.2.0-20"]
    # a difference keeps the rebuild's build tree, to compare its objects with the first build's
    assert (rebuild.work_dir(built) / "python-builder" / "cache" / "build" / "3.14.7-trixie").is_dir()


@pytest.mark.parametrize("manifest", [
    {"source": "ab", "build_image": [1], "profiles": "x"},
    {"source": {"sha256": "ab"}, "build_image": {"packages": "gcc"}, "profiles": {"default": "x"}},
    [1, 2],
])
def test_a_manifest_of_another_shape_is_read_as_missing_tables_not_a_traceback(project, config_data, manifest):
    build = finished_pair(project, config_data, "true", {})
    build.manifest.write_text(json.dumps(manifest))  # e.g. handed to the user with the .debs
    run, _ = stand_in(build)
    assert rebuild.rebuild_check(build, {}, run=run) == {"identical": True, "debs": 4}
    report = json.loads((rebuild.work_dir(build) / "report.json").read_text())
    assert report["image_package_differences"] == ["gcc:amd64 - -> 14.2.0-19"]


def test_nothing_built_names_the_command(built):
    built.manifest.unlink()
    with pytest.raises(UserError, match=r"no packages to check in .*dist/trixie \(no opt-python3.14_3.14.7-1\+trixie"
                                        r"\.json\); build them first \(doit build:3.14.7-trixie\), or put there"):
        rebuild.rebuild_check(built, {}, run=None)


def test_a_missing_deb_is_named(built):
    built.deb_files()[1].unlink()
    with pytest.raises(UserError, match=f"{re.escape(built.deb_files()[1].name)} missing from .*; put back all the"):
        rebuild.rebuild_check(built, {}, run=None)


@pytest.mark.parametrize("manifest, words", [
    ({"packages": ["opt-python3.14", "opt-python3.14t"], "variants": {"default": {"pgo": True}}},
     "holds an optimized build, this run would rebuild it FAST; run doit rebuild_check:3.14.7-trixie FAST_BUILD=false"),
    ({"packages": ["opt-python3.14"], "variants": {"default": {"pgo": False}}},
     "the build in .* made opt-python3.14, this run would rebuild opt-python3.14, opt-python3.14t; give the "
     "build's variables again \\(e.g. BUILD_NOGIL=false\\)"),
])
def test_packages_made_otherwise_than_this_run_would_are_named_before_any_rebuild(built, manifest, words):
    built.manifest.write_text(json.dumps(manifest))
    with pytest.raises(UserError, match=words):
        rebuild.rebuild_check(built, {}, run=None)  # None: a rebuild would fail the test
    assert not rebuild.work_dir(built).exists()


def test_a_rebuild_configured_otherwise_says_so(built, monkeypatch):
    monkeypatch.setattr(rebuild, "diffoscope", lambda *args: None)
    built.manifest.write_text(json.dumps({"variants": {"default": {"configure_args": ["--with-dtrace", "--a"]}}}))
    main = built.deb_files()[0].name
    run, _ = stand_in(built, change=main)

    def run_configured_otherwise(command, env, check):
        result = run(command, env, check)
        rebuilt = rebuild.work_dir(built) / "python-builder" / "dist" / "trixie" / built.manifest.name
        rebuilt.write_text(json.dumps({"variants": {"default": {"configure_args": ["--a", "--b"]}}}))
        return result
    with pytest.raises(UserError, match=r"1 of 4 \.debs differ; configured differently \(--with-dtrace only in the "
                                        r"build, --b only in the rebuild\): give the build's config.toml and variables"):
        rebuild.rebuild_check(built, {}, run=run_configured_otherwise)
    report = json.loads((rebuild.work_dir(built) / "report.json").read_text())
    assert report["configure_differences"] == ["--with-dtrace only in the build", "--b only in the rebuild"]


def test_a_failed_rebuild_is_one_line(built):
    def run(command, env, check):
        return subprocess.CompletedProcess(command, 1)
    with pytest.raises(UserError, match=r"the rebuild failed \(exit 1\)"):
        rebuild.rebuild_check(built, {}, run=run)


@pytest.fixture
def optimized(project, config_data):
    """An optimized pair whose manifest records kept profiles."""
    return finished_pair(project, config_data, "false", {
        "profiles": {"default": {"sha256": "aa"}, "freethreaded": {"sha256": "bb"}}, "build_image": {"packages": {}}})


def test_an_optimized_pair_is_rebuilt_from_its_own_kept_profile(optimized):
    run, calls = stand_in(optimized)
    assert rebuild.rebuild_check(optimized, {"FAST_BUILD": "false"}, run=run)["identical"]
    assert f"PROFILE_FROM={optimized.manifest.resolve()}" in calls[0]
    report = json.loads((rebuild.work_dir(optimized) / "report.json").read_text())
    assert report["profile_from"] == str(optimized.manifest.resolve())
    # the stand-in's manifest records no profiles: the comparison names what each build kept
    assert report["profiles"]["default"] == {"first": "aa", "rebuild": None, "identical": False}


def test_an_empty_profile_from_trains_the_rebuild_anew(optimized):
    run, calls = stand_in(optimized)
    rebuild.rebuild_check(optimized, {"FAST_BUILD": "false", "PROFILE_FROM": ""}, run=run)
    assert "PROFILE_FROM=" in calls[0] and not any(c.startswith("PROFILE_FROM=/") for c in calls[0])
    assert json.loads((rebuild.work_dir(optimized) / "report.json").read_text())["profile_from"] is None


def test_packages_given_to_a_fresh_checkout_are_checked_as_they_are_never_built_over(project, config_data):
    """Through doit's command line: rebuild_check has no dependency on build, so a checkout that never built the
    pair does not build it first (which would overwrite the given .debs and compare the rebuild with its own)."""
    given = finished_pair(project, config_data, "false", {"packages": ["opt-python3.14", "opt-python3.14t"],
                                                           "variants": {"default": {"pgo": True}}})
    before = {deb.name: deb.read_bytes() for deb in given.deb_files()}
    result = doit_cli(project, "rebuild_check:3.14.7-trixie", "FAST_BUILD=true")
    assert result.returncode != 0
    executed = [line[3:].strip() for line in result.stdout.splitlines() if line.startswith(".  ")]
    assert executed == ["rebuild_check:3.14.7-trixie"], result.stdout
    output = result.stdout + result.stderr
    errors = [line for line in output.splitlines() if line.startswith("python-builder: error:")]
    assert errors == [f"python-builder: error: rebuild_check:3.14.7-trixie: {given.dist_dir} holds an optimized "
                      "build, this run would rebuild it FAST; run doit rebuild_check:3.14.7-trixie FAST_BUILD=false"]
    assert {deb.name: deb.read_bytes() for deb in given.deb_files()} == before


def test_clean_removes_the_rebuilds_scratch_copy(project, config_data):
    """`doit clean rebuild_check:<pair>` removes cache/rebuild/<pair>/ and leaves the packages; `doit clean
    build:<pair>` removes it with the pair's own trees and packages."""
    built = finished_pair(project, config_data, "true", {})
    scratch = rebuild.work_dir(built) / "python-builder" / "cache" / "ccache"

    scratch.mkdir(parents=True)
    result = doit_cli(project, "clean", "rebuild_check:3.14.7-trixie")
    assert result.returncode == 0 and "removed the rebuild check's scratch copy of 3.14.7-trixie" in result.stdout
    assert not rebuild.work_dir(built).exists() and all(deb.is_file() for deb in built.deb_files())
    scratch.mkdir(parents=True)
    result = doit_cli(project, "clean", "build:3.14.7-trixie")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not rebuild.work_dir(built).exists() and not any(deb.exists() for deb in built.deb_files())


def test_built_in_modules_count_as_configured_differently():
    """flags.builtin_modules changes the packages as a configure flag does; a manifest from before the key
    has none built in."""
    old = {"variants": {"default": {"configure_args": ["--a"]}}}
    new = {"variants": {"default": {"configure_args": ["--a"], "builtin_modules": ["_json", "pyexpat"]},
                        "freethreaded": {"configure_args": [], "builtin_modules": ["_json"]}}}
    assert rebuild.configure_differences(old, new) == ["built-in module _json only in the rebuild",
                                                       "built-in module pyexpat only in the rebuild"]
    assert rebuild.configure_differences(new, new) == []
