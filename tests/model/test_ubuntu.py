"""The Ubuntu entries (noble, questing): they cannot be built here (no registry for ubuntu:24.04 / 25.10, and
Ubuntu is never bootstrapped), so their image recipe, flags and package names are checked as data."""

from __future__ import annotations

import copy
import io
import tarfile

import pytest

from tasks.engine import bootstrap, images
from tasks.errors import UserError
from tasks.model import config
from tasks.model.plan import Layout, builds
from tasks.model.variant import DEFAULT, FREETHREADED
from tasks.pipeline import overrides


def settings_for(config_data, distro):
    return overrides.apply_overrides(config.parse(copy.deepcopy(config_data)), {"DISTRO": distro,
                                                                              "PYTHON_VERSION": "3.14.10"})


@pytest.mark.parametrize("name, base, codename", [("noble", "ubuntu:24.04", "noble"),
                                                  ("questing", "ubuntu:25.10", "questing")])
def test_ubuntu_image_recipe(config_data, root, name, base, codename):
    settings = settings_for(config_data, name)
    distro = settings.distros[0]
    assert (distro.family, distro.codename, distro.arch) == ("ubuntu", codename, "amd64")
    recipe = images.recipe(settings, distro, Layout.for_root(root))
    assert recipe.buildargs["BASE_IMAGE"] == base
    packages = recipe.buildargs["BUILD_DEPS"].split()
    for needed in ("build-essential", "ccache", "debhelper", "dpkg-dev", "lintian", "libexpat1-dev",
                   "libmpdec-dev", "systemtap-sdt-dev", "libssl-dev", "tk-dev"):
        assert needed in packages
    with tarfile.open(fileobj=io.BytesIO(recipe.context())) as context:
        names = context.getnames()
        dockerfile = context.extractfile("Dockerfile").read().decode()
    assert names == ["Dockerfile", "check-release.sh", "install-build-deps.sh"]
    assert recipe.buildargs["CODENAME"] == codename
    assert "FROM ${BASE_IMAGE}" in dockerfile and "/usr/lib/ccache" in dockerfile
    # the image tag and recipe digest are the entry's own: never shared with a Debian entry
    trixie = images.recipe(settings_for(config_data, "trixie"), settings_for(config_data, "trixie").distros[0],
                           Layout.for_root(root))
    assert recipe.digest != trixie.digest and f"build:{name}-" in recipe.tag


@pytest.mark.parametrize("name, lto, toolchain", [
    ("noble", "--with-lto", "gcc"),  # clang 18 cannot build the tail-calling interpreter: "auto" keeps gcc
    ("questing", "--with-lto=thin", "clang-20+tailcall"),
])
def test_ubuntu_flags_and_packages(config_data, root, name, lto, toolchain):
    build = builds(settings_for(config_data, name), Layout.for_root(root), "amd64")[0]
    args = build.configure_args(DEFAULT)
    assert "--with-system-expat" in args and "--without-system-libmpdec" not in args
    assert "--enable-optimizations" in args and lto in args and build.toolchain.label == toolchain
    assert "--prefix=/opt/python/python3.14" in args
    assert "--disable-gil" in build.configure_args(FREETHREADED)
    assert build.debian_version == f"3.14.10-1+{name}"
    assert [p.name for p in build.deb_files()] == [
        f"opt-python3.14_3.14.10-1+{name}_amd64.deb", f"opt-python3.14-dbgsym_3.14.10-1+{name}_amd64.ddeb",
        f"opt-python3.14t_3.14.10-1+{name}_amd64.deb", f"opt-python3.14t-dbgsym_3.14.10-1+{name}_amd64.ddeb"]


def test_ubuntu_is_never_bootstrapped(config_data, tmp_path, root):
    distro = settings_for(config_data, "noble").distros[0]
    with pytest.raises(UserError) as error:
        bootstrap.bootstrap(None, distro, tmp_path, root / "docker" / "bootstrap" / "Dockerfile")
    message = str(error.value)
    assert "ubuntu:24.04" in message and "only Debian bases can be bootstrapped" in message
    assert "docker pull ubuntu:24.04" in message and "\n" not in message
    assert list(tmp_path.iterdir()) == []
