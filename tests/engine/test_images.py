"""The image step's checks before and after Docker builds: docker/check-release.sh (a base image of another
release than its entry's codename is refused) and images.failure_cause (why a build failed, in words)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tasks.engine import images

CHECK = Path(__file__).resolve().parents[2] / "docker" / "check-release.sh"

TRIXIE = 'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nVERSION_CODENAME=trixie\nID=debian\n'
FORKY_SID = 'PRETTY_NAME="Debian GNU/Linux forky/sid"\nVERSION_CODENAME=forky\nID=debian\n'
NOBLE = 'PRETTY_NAME="Ubuntu 24.04.3 LTS"\nVERSION_CODENAME=noble\nUBUNTU_CODENAME=noble\nID=ubuntu\n'


def _check(tmp_path, codename: str, os_release: str | None) -> subprocess.CompletedProcess:
    path = tmp_path / "os-release"
    if os_release is not None:
        path.write_text(os_release)
    return subprocess.run(["sh", str(CHECK), codename, str(path)], capture_output=True, text=True)


@pytest.mark.parametrize("codename, os_release", [
    ("trixie", TRIXIE), ("forky", FORKY_SID), ("sid", FORKY_SID), ("noble", NOBLE),
    ("trixie", 'PRETTY_NAME="Debian GNU/Linux"\n'),  # no codename recorded: not judged
    ("trixie", None),  # no os-release at all
])
def test_a_base_image_of_the_entrys_release_passes(tmp_path, codename, os_release):
    result = _check(tmp_path, codename, os_release)
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize("codename, os_release, named", [
    ("bookworm", TRIXIE, "Debian GNU/Linux 13 (trixie), whose codename is trixie, not bookworm"),
    ("trixie", FORKY_SID, "Debian GNU/Linux forky/sid, whose codename is forky, not trixie"),
    ("jammy", NOBLE, "Ubuntu 24.04.3 LTS, whose codename is noble, not jammy"),
])
def test_a_base_image_of_another_release_is_refused_in_one_line(tmp_path, codename, os_release, named):
    result = _check(tmp_path, codename, os_release)
    assert result.returncode == 3
    assert result.stderr == (f"python-builder: the base image is {named}: give the distro entry a {codename} base "
                             "image, or correct its codename\n")


DOCKER_ERROR = "The command '/bin/sh -c sh /usr/local/lib/python-builder/check-release.sh' returned a non-zero code: 3"


def test_the_cause_is_the_scripts_own_line_first():
    output = ["Step 5/6 : RUN sh ...\n", " ---> Running in 1a2b\n",
              "python-builder: the base image is X, whose codename is x, not y: give ...\n"]
    assert images.failure_cause(output, DOCKER_ERROR) == "the base image is X, whose codename is x, not y: give ..."


def test_an_unknown_package_names_apts_errors_and_where_package_names_come_from():
    output = ["Reading state information...\n",
              "\x1b[91mE: Unable to locate package clang-99\nE: Unable to locate package llvm-99\n"
              "E: Unable to locate package bolt-99\n\x1b[0m"]
    assert images.failure_cause(output, DOCKER_ERROR) == (
        "apt: Unable to locate package clang-99; Unable to locate package llvm-99: check build_deps.packages and "
        "the entry's add_build_deps, and that flags.toolchain's clang-N is in this release's archive")


def test_other_apt_errors_are_named_as_apt_said_them():
    output = ["E: Failed to fetch http://mirror.invalid/debian/dists/trixie/InRelease  Could not resolve host\n"]
    assert images.failure_cause(output, DOCKER_ERROR) == (
        "apt: Failed to fetch http://mirror.invalid/debian/dists/trixie/InRelease  Could not resolve host")


def test_without_words_from_the_build_dockers_message_is_kept_on_one_line():
    assert images.failure_cause([], "manifest unknown:\n  no such\timage") == "manifest unknown: no such image"


def test_the_codename_reaches_the_build_and_is_part_of_the_recipe(config_data, root):
    import copy
    import dataclasses

    from tasks.model import config
    from tasks.model.plan import Layout
    settings = config.parse(copy.deepcopy(config_data))
    trixie = next(distro for distro in settings.distros if distro.name == "trixie")
    recipe = images.recipe(settings, trixie, Layout.for_root(root))
    renamed = dataclasses.replace(recipe, distro=dataclasses.replace(trixie, codename="forky"))
    assert (recipe.buildargs["CODENAME"], renamed.buildargs["CODENAME"]) == ("trixie", "forky")
    assert recipe.digest != renamed.digest
