"""The toolchain choice: what each setting gives a build's image, configure arguments and environment."""

import copy

import pytest

from tasks.build.flags import build_deps
from tasks.errors import UserError
from tasks.model import config
from tasks.model.plan import Build, Layout
from tasks.model.variant import DEFAULT
from tasks.model.versions import Version
from tasks.pipeline import overrides


def build_for(config_data, root, version="3.14.7", distro="trixie", **variables):
    settings = overrides.apply_overrides(config.parse(config_data),
                                         {"DISTRO": distro, "PYTHON_VERSION": version, **variables})
    return Build(settings.versions[0], settings.distros[0], settings, Layout.for_root(root))


def test_gcc_changes_nothing(config_data, root):
    build = build_for(config_data, root, TOOLCHAIN="gcc")
    assert build.toolchain.label == "gcc"
    assert build.toolchain.environment() == {"PB_CC": "gcc", "PB_LLVM": "", "PB_NO_PIE": ""}
    args = build.configure_args(DEFAULT)
    assert "--with-lto" in args and "--with-tail-call-interp" not in args and "--enable-bolt" not in args
    assert not any(p.startswith(("clang", "llvm", "bolt")) for p in build_deps(build.settings, build.distro))


@pytest.mark.parametrize("version, distro, fast, expected", [
    ("3.14.7", "trixie", "false", "clang-19+tailcall"),  # the line where clang measured faster
    ("3.15.0rc2", "forky", "false", "clang-21+tailcall+bolt"),  # BOLT measured faster with LLVM 21
    # clang without tail calls measured slower than Debian's gcc build; no PIE measured faster with gcc
    ("3.13.15", "trixie", "false", "gcc+nopie"),
    ("3.13.15", "trixie", "true", "gcc"),
    ("3.14.7", "trixie", "true", "gcc"),  # FAST builds keep gcc
    ("3.14.7", "bookworm", "false", "gcc"),  # no llvm_version named
])
def test_auto_is_the_default_and_picks_clang_where_it_measured_faster(config_data, root, version, distro, fast,
                                                                    expected):
    build = build_for(config_data, root, version=version, distro=distro, FAST_BUILD=fast)
    assert build.settings.flags.toolchain == "auto"
    assert build.toolchain.label == expected
    clang_in_image = any(p.startswith("clang") for p in build_deps(build.settings, build.distro))
    assert clang_in_image == expected.startswith("clang")  # the image has what the run's builds use


def test_auto_keeps_gcc_where_the_distros_clang_cannot_build_the_tail_calling_interpreter(config_data, root):
    data = copy.deepcopy(config_data)
    data["distros"]["noble"]["llvm_version"] = "18"
    build = build_for(data, root, distro="noble", FAST_BUILD="false")
    assert build.toolchain.label == "gcc"
    assert not any(p.startswith("clang") for p in build_deps(build.settings, build.distro))


def test_the_distros_clang_brings_thin_lto_and_the_tail_calling_interpreter(config_data, root):
    build = build_for(config_data, root, TOOLCHAIN="clang")
    assert build.toolchain.label == "clang-19+tailcall"
    assert build.toolchain.environment() == {"PB_CC": "clang-19", "PB_LLVM": "19", "PB_NO_PIE": ""}
    args = build.configure_args(DEFAULT)
    assert "--with-lto=thin" in args and "--with-lto" not in args
    assert args[-1] == "--with-tail-call-interp"
    deps = build_deps(build.settings, build.distro)
    assert deps[-3:] == ("clang-19", "llvm-19", "libclang-rt-19-dev")


def test_3_13_has_no_tail_calling_interpreter(config_data, root):
    build = build_for(config_data, root, version="3.13.15", TOOLCHAIN="clang-19")
    assert build.toolchain.label == "clang-19"
    assert "--with-tail-call-interp" not in build.configure_args(DEFAULT)


def test_an_older_clang_cannot_build_it(config_data, root):
    data = copy.deepcopy(config_data)
    data["distros"]["noble"]["llvm_version"] = "18"
    build = build_for(data, root, distro="noble", TOOLCHAIN="clang")
    assert build.toolchain.label == "clang-18"


def test_tail_call_can_be_turned_off(config_data, root):
    data = copy.deepcopy(config_data)
    data["flags"]["tail_call"] = False
    assert build_for(data, root, TOOLCHAIN="clang").toolchain.label == "clang-19"


@pytest.mark.parametrize("toolchain, expected", [("gcc", "gcc+bolt"), ("clang", "clang-19+tailcall+bolt")])
def test_bolt_applies_to_optimized_builds_of_any_toolchain(config_data, root, toolchain, expected):
    build = build_for(config_data, root, TOOLCHAIN=toolchain, BOLT="true")
    assert build.toolchain.label == expected
    assert "--enable-bolt" in build.configure_args(DEFAULT)
    assert "bolt-19" in build_deps(build.settings, build.distro)
    fast = build_for(config_data, root, TOOLCHAIN=toolchain, BOLT="true", FAST_BUILD="true")
    assert "--enable-bolt" not in fast.configure_args(DEFAULT)


def test_clang_on_an_entry_without_llvm_version_names_the_fix(config_data, root):
    build = build_for(config_data, root, distro="bookworm", TOOLCHAIN="clang")
    with pytest.raises(UserError, match="TOOLCHAIN=clang-19"):
        build.toolchain  # noqa: B018
    assert build_for(config_data, root, distro="bookworm", TOOLCHAIN="clang-16").toolchain.label == "clang-16"


@pytest.mark.parametrize("value", ["clang19", "icc", "clang-", "clang-9", "gcc-14", "clang-19; rm"])
def test_bad_toolchains_are_refused(config_data, value):
    with pytest.raises(UserError, match="TOOLCHAIN"):
        overrides.apply_overrides(config.parse(config_data), {"TOOLCHAIN": value})


@pytest.mark.parametrize("value", ["19.1", "x", "9", 19])
def test_bad_llvm_versions_are_refused(config_data, value):
    data = copy.deepcopy(config_data)
    data["distros"]["trixie"]["llvm_version"] = value
    with pytest.raises(UserError, match="llvm_version"):
        config.parse(data)


def test_tail_call_needs_the_line_that_has_it(config_data, root):
    assert Version.parse("3.15.0rc2") > Version.parse("3.14.0")
    assert build_for(config_data, root, version="3.15.0rc2", TOOLCHAIN="clang").toolchain.tail_call


@pytest.mark.parametrize("version, variables, label, no_pie", [
    ("3.13.15", {}, "gcc+nopie", "1"),  # auto: the measured pair (gcc, 3.13), optimized
    ("3.13.15", {"FAST_BUILD": "true"}, "gcc", ""),  # auto leaves FAST builds PIE
    ("3.13.15", {"PIE": "yes"}, "gcc", ""),
    ("3.13.15", {"TOOLCHAIN": "clang-19"}, "clang-19", ""),  # unmeasured pair: PIE
    ("3.14.7", {}, "clang-19+tailcall", ""),
    ("3.14.7", {"TOOLCHAIN": "gcc"}, "gcc", ""),
    ("3.14.7", {"PIE": "no"}, "clang-19+tailcall+nopie", "1"),
    ("3.14.7", {"PIE": "no", "FAST_BUILD": "true"}, "gcc+nopie", "1"),  # named: also in FAST builds
    ("3.13.15", {"BOLT": "true"}, "gcc+bolt", ""),  # BOLT's own configure links it without PIE
    ("3.13.15", {"BOLT": "true", "PIE": "no"}, "gcc+bolt", ""),
])
def test_pie_auto_drops_pie_where_it_measured_faster_and_yes_or_no_decide(config_data, root, version, variables,
                                                                         label, no_pie):
    toolchain = build_for(config_data, root, version=version, **{"FAST_BUILD": "false", **variables}).toolchain
    assert toolchain.label == label
    assert toolchain.environment()["PB_NO_PIE"] == no_pie
    assert toolchain.pie == ("nopie" not in label and "bolt" not in label)


def test_pie_yes_with_bolt_and_bad_pie_values_name_the_fix(config_data, root):
    build = build_for(config_data, root, version="3.13.15", FAST_BUILD="false", BOLT="true", PIE="yes")
    with pytest.raises(UserError, match="set PIE=auto or build with BOLT=false"):
        build.toolchain  # noqa: B018
    for value in ("true", "pie", "no; rm"):
        with pytest.raises(UserError, match="PIE"):
            overrides.apply_overrides(config.parse(config_data), {"PIE": value})
    data = copy.deepcopy(config_data)
    data["flags"]["pie"] = "off"
    with pytest.raises(UserError, match="flags.pie"):
        config.parse(data)
    data["flags"]["pie"] = "no"
    assert config.parse(data).flags.pie == "no"


@pytest.mark.parametrize("distro, variables, label", [
    ("forky", {}, "clang-21+tailcall+bolt"),  # auto: LLVM 21, where BOLT measured faster
    ("trixie", {}, "clang-19+tailcall"),  # auto: bolt-19 measured slower
    ("forky", {"FAST_BUILD": "true"}, "gcc"),  # never in FAST builds
    ("forky", {"TOOLCHAIN": "gcc"}, "gcc"),  # auto: gcc measured level with BOLT
    ("forky", {"PIE": "yes"}, "clang-21+tailcall"),  # auto yields to an explicit PIE
    ("forky", {"BOLT": "false"}, "clang-21+tailcall"),
    ("forky", {"BOLT": "no"}, "clang-21+tailcall"),
    ("trixie", {"BOLT": "true"}, "clang-19+tailcall+bolt"),
    ("trixie", {"BOLT": "AUTO"}, "clang-19+tailcall"),
])
def test_bolt_auto_runs_where_it_measured_faster(config_data, root, distro, variables, label):
    build = build_for(config_data, root, distro=distro, **{"FAST_BUILD": "false", **variables})
    assert build.toolchain.label == label
    assert ("--enable-bolt" in build.configure_args(DEFAULT)) == label.endswith("+bolt")
    bolt_package = f"bolt-{build.distro.llvm_version}"
    assert (bolt_package in build_deps(build.settings, build.distro)) == label.endswith("+bolt")


def test_bolt_auto_is_the_shipped_default_and_other_values_are_refused(config_data, root):
    assert config.parse(config_data).flags.bolt == "auto"
    for value, parsed in ((True, "yes"), (False, "no"), ("auto", "auto")):
        data = copy.deepcopy(config_data)
        data["flags"]["bolt"] = value
        assert config.parse(data).flags.bolt == parsed
    for value in ("maybe", 1, ["auto"]):
        data = copy.deepcopy(config_data)
        data["flags"]["bolt"] = value
        with pytest.raises(UserError, match=r'flags.bolt: expected true, false or "auto"'):
            config.parse(data)
    with pytest.raises(UserError, match=r'BOLT: expected true, false or "auto", got \'sometimes\''):
        overrides.apply_overrides(config.parse(config_data), {"BOLT": "sometimes"})
