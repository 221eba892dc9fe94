"""An optimized build keeps its profiles beside its packages, in an archive that is itself reproducible."""

import copy
import hashlib
import io
import json
import os
import tarfile

import pytest

from tasks.errors import UserError
from tasks.model import config
from tasks.model.plan import Build, Layout
from tasks.package import profiles
from tasks.pipeline import overrides


def optimized_build(project, config_data, **variables):
    settings = overrides.apply_overrides(config.parse(config_data), {"PYTHON_VERSION": "3.14.7", "DISTRO": "trixie",
                                                                     **variables})
    build = Build(settings.versions[0], settings.distros[0], settings, Layout.for_root(project))
    patchlevel = build.layout.source_dir(build.version) / "Include" / "patchlevel.h"
    patchlevel.parent.mkdir(parents=True)
    patchlevel.write_text("")
    os.utime(patchlevel, (1785925789, 1785925789))
    return build


def test_each_variants_profile_is_kept_with_its_sha256(project, config_data):
    build = optimized_build(project, config_data)
    default = build.variant_dir(build.variants[0])
    (default / "Objects").mkdir(parents=True)
    (default / "Objects" / "object.gcda").write_bytes(b"counts")
    (default / "python.fdata").write_bytes(b"bolt")
    (default / "Objects" / "object.o").write_bytes(b"not a profile")
    build.dist_dir.mkdir(parents=True)
    kept = profiles.keep(build)
    assert list(kept) == ["default"]  # the free-threaded tree trained nothing here
    path = build.profile_archive(build.variants[0])
    assert kept["default"] == {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "files": 2}
    with tarfile.open(path) as tar:
        assert tar.getnames() == ["Objects/object.gcda", "python.fdata"]
        assert {m.mtime for m in tar.getmembers()} == {1785925789}
    first = path.read_bytes()
    os.utime(default / "python.fdata", (0, 0))
    profiles.keep(build)
    assert path.read_bytes() == first  # no time or order of this machine in it


def kept_setup(project, config_data, tmp_path):
    """A first build's kept profile and manifest, and a second build that names them in PROFILE_FROM."""
    first = optimized_build(project, config_data)
    tree = first.variant_dir(first.variants[0])
    (tree / "Python").mkdir(parents=True)
    (tree / "Python" / "ceval.gcda").write_bytes(b"counts")
    first.dist_dir.mkdir(parents=True)
    kept = profiles.keep(first)
    first.manifest.write_text(json.dumps({"package_version": first.debian_version, "profiles": kept}))
    settings = overrides.apply_overrides(config.parse(config_data), {
        "PYTHON_VERSION": "3.14.7", "DISTRO": "trixie", "PROFILE_FROM": str(first.manifest)})
    return first, Build(settings.versions[0], settings.distros[0], settings, first.layout)


def test_profile_from_a_manifest_restores_the_same_files(project, config_data, tmp_path):
    first, second = kept_setup(project, config_data, tmp_path)
    variant = second.variants[0]
    found = profiles.kept(second, variant)
    assert found is not None and found.path == first.profile_archive(variant)
    tree = tmp_path / "fresh-tree"
    assert profiles.restore(found.path, tree) == 1
    assert (tree / "Python" / "ceval.gcda").read_bytes() == b"counts"


def test_a_variant_the_manifest_has_no_profile_for_is_one_line(project, config_data, tmp_path):
    _, second = kept_setup(project, config_data, tmp_path)
    with pytest.raises(UserError, match="records no freethreaded profile"):
        profiles.kept(second, second.variants[1])


def test_a_changed_archive_is_refused(project, config_data, tmp_path):
    first, second = kept_setup(project, config_data, tmp_path)
    first.profile_archive(first.variants[0]).write_bytes(b"tampered")
    with pytest.raises(UserError, match="is not the profile its manifest records"):
        profiles.kept(second, second.variants[0])


def test_another_versions_manifest_is_refused(project, config_data, tmp_path):
    first, second = kept_setup(project, config_data, tmp_path)
    first.manifest.write_text(json.dumps({"package_version": "3.14.6-1+trixie", "profiles": {}}))
    with pytest.raises(UserError, match="not of 3.14.7-1\\+trixie"):
        profiles.kept(second, second.variants[0])
    # the task graph holds every pair of the matrix: a manifest that fits another pair leaves this one alone
    assert profiles.kept(second, second.variants[0], strict=False) is None


@pytest.mark.parametrize("text", [
    "[1, 2]", "not json", "[" * 100_000, '{"package_version": "3.14.7-1+trixie", "profiles": [1]}', " " * (1 << 21),
    '{"x": 1}', '{"package_version": 7}', '{"package_version": "3.14.7-1+trixie", "variants": [1]}',
])
def test_a_manifest_that_is_no_manifest_is_one_line(project, config_data, tmp_path, text):
    first, second = kept_setup(project, config_data, tmp_path)
    first.manifest.write_text(text)
    with pytest.raises(UserError, match="is not a build manifest"):
        profiles.kept(second, second.variants[0])


@pytest.mark.parametrize("entry", ["x", {"file": "../../etc/passwd", "sha256": "0" * 64},
                                   {"file": "/etc/passwd", "sha256": "0" * 64}, {"file": "a.tar.gz", "sha256": 5}])
def test_a_profile_entry_must_name_a_file_beside_the_manifest(project, config_data, tmp_path, entry):
    first, second = kept_setup(project, config_data, tmp_path)
    first.manifest.write_text(json.dumps({"package_version": first.debian_version, "profiles": {"default": entry}}))
    with pytest.raises(UserError, match="profile entry is not a file name beside it"):
        profiles.kept(second, second.variants[0])


def test_fast_builds_never_use_a_kept_profile(project, config_data, tmp_path):
    first, _ = kept_setup(project, config_data, tmp_path)
    variables = {"PYTHON_VERSION": "3.14.7", "DISTRO": "trixie", "PROFILE_FROM": str(first.manifest)}
    with pytest.raises(UserError, match="FAST builds train no profile"):  # a FAST run: refused up front
        overrides.apply_overrides(config.parse(config_data), {**variables, "FAST_BUILD": "true"})
    data = copy.deepcopy(config_data)
    data["distros"]["trixie"]["fast"] = True  # one entry FAST in an optimized run: that pair trains nothing
    settings = overrides.apply_overrides(config.parse(data), variables)
    build = Build(settings.versions[0], settings.distros[0], settings, first.layout)
    assert build.fast and profiles.kept(build, build.variants[0]) is None


@pytest.mark.parametrize("name", ["../escape.gcda", "/abs.gcda"])
def test_an_archive_that_escapes_the_tree_is_refused(tmp_path, name):
    path = tmp_path / "bad.profile.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(name)
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(UserError, match="not a profile file"):
        profiles.restore(path, tmp_path / "tree")
    assert not (tmp_path / "escape.gcda").exists()


def test_profile_from_must_name_a_manifest_or_directory(config_data, tmp_path):
    with pytest.raises(UserError, match="neither a build manifest"):
        overrides.apply_overrides(config.parse(config_data), {"PROFILE_FROM": str(tmp_path / "nothing.json")})


def test_an_empty_profile_from_means_train_as_usual(config_data):
    settings = overrides.apply_overrides(config.parse(config_data), {"PROFILE_FROM": " "})
    assert settings.profile_from is None


def test_the_graph_of_a_matrix_takes_one_pairs_profile(project, config_data, tmp_path):
    """`doit build:3.14.7-trixie PROFILE_FROM=<its manifest>` with 3.13.18 in the matrix: the graph builds, and
    only 3.14.7's compiles carry the profile's sha256."""
    from tasks.pipeline import graph

    first, _ = kept_setup(project, config_data, tmp_path)
    settings = overrides.apply_overrides(config.parse(config_data), {
        "PYTHON_VERSION": "3.14.7,3.13.18", "DISTRO": "trixie", "PROFILE_FROM": str(first.manifest)})
    compiles = {t["name"]: t for t in graph.all_tasks(settings, project) if t["basename"] == "compile" and t["name"]}
    assert set(compiles) == {"3.14.7-trixie", "3.13.18-trixie"}
    inputs = {name: task["uptodate"][0].config for name, task in compiles.items()}
    sha = json.loads(first.manifest.read_text())["profiles"]["default"]["sha256"]
    assert inputs["3.14.7-trixie"]["profile_from"] == sha and "profile_from" not in inputs["3.13.18-trixie"]


def test_a_profile_of_another_toolchain_is_refused(project, config_data, tmp_path):
    """A gcc build's .gcda files mean nothing to clang (and a build without BOLT kept no .fdata): the manifest's
    toolchain must be this build's."""
    first, _ = kept_setup(project, config_data, tmp_path)
    manifest = json.loads(first.manifest.read_text())
    manifest["variants"] = {"default": {"toolchain": "gcc"}}
    first.manifest.write_text(json.dumps(manifest))
    settings = overrides.apply_overrides(config.parse(config_data), {
        "PYTHON_VERSION": "3.14.7", "DISTRO": "trixie", "TOOLCHAIN": "clang", "PROFILE_FROM": str(first.manifest)})
    build = Build(settings.versions[0], settings.distros[0], settings, first.layout)
    with pytest.raises(UserError, match="holds a 'gcc' profile and this build is clang-19\\+tailcall; "):
        profiles.kept(build, build.variants[0])
    manifest["variants"]["default"]["toolchain"] = "clang-19+tailcall"
    first.manifest.write_text(json.dumps(manifest))
    assert profiles.kept(build, build.variants[0]) is not None


def test_a_bolt_build_needs_the_kept_fdata(project, config_data, tmp_path):
    first, _ = kept_setup(project, config_data, tmp_path)
    archive = first.profile_archive(first.variants[0])
    with pytest.raises(UserError, match="holds no BOLT profile \\(.fdata\\)"):
        profiles.restore(archive, tmp_path / "tree", bolt=True)
    assert profiles.restore(archive, tmp_path / "tree", bolt=False) == 1
