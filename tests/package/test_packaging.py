"""The rendered debian/ directory: names that never collide, versions, conditional add-on stanza."""

import copy
import shutil
import subprocess

import pytest

from tasks.model import config
from tasks.model.plan import Build, Layout
from tasks.model.versions import Version
from tasks.package.packaging import debuild_step, render, render_debian_dir
from tasks.pipeline import overrides


def make_build(config_data, root, **variables):
    settings = overrides.apply_overrides(config.parse(config_data), {"PYTHON_VERSION": "3.13.15", **variables})
    return Build(Version.parse("3.13.15"), settings.distros[0], settings, Layout.for_root(root))


def test_control_and_changelog(config_data, root, tmp_path):
    build = make_build(config_data, root, FAST_BUILD="true")
    render_debian_dir(build, root / "debian", tmp_path / "debian", 1_750_000_000)
    control = (tmp_path / "debian" / "control").read_text()
    assert "Package: opt-python3.13\n" in control and "Package: opt-python3.13t\n" in control
    assert "Depends: opt-python3.13 (= ${binary:Version})" in control
    assert "Section: interpreters" in control and "Debian Trixie" in control
    assert "Maintainer: python-builder <python-builder@localhost>" in control
    # the distro's own names never appear as package names
    assert "Package: python3.13\n" not in control and "Package: python3.13t\n" not in control
    changelog = (tmp_path / "debian" / "changelog").read_text()
    assert changelog.startswith("opt-python3.13 (3.13.15-1+trixie) trixie; urgency=medium")
    assert "+0000" in changelog
    overrides = (tmp_path / "debian" / "opt-python3.13t.lintian-overrides").read_text()
    assert "opt-python3.13t: dir-or-file-in-opt" in overrides
    assert (tmp_path / "debian" / "rules").stat().st_mode & 0o111


def test_no_addon_stanza_without_free_threading(config_data, root, tmp_path):
    build = make_build(config_data, root, BUILD_NOGIL="false")
    render_debian_dir(build, root / "debian", tmp_path / "debian", 0)
    control = (tmp_path / "debian" / "control").read_text()
    assert "opt-python3.13t" not in control
    assert not (tmp_path / "debian" / "opt-python3.13t.lintian-overrides").exists()
    assert [p.name for p in build.deb_files()] == ["opt-python3.13_3.13.15-1+trixie_amd64.deb",
                                                   "opt-python3.13-dbgsym_3.13.15-1+trixie_amd64.deb"]


def test_prerelease_version_sorts_before_final(config_data, root):
    data = dict(config_data, build=dict(config_data["build"], versions=["3.15.0rc1"]))
    settings = config.parse(data)
    build = Build(settings.versions[0], settings.distros[0], settings, Layout.for_root(root))
    assert build.debian_version == "3.15.0~rc1-1+trixie"
    assert build.package_main == "opt-python3.15" and build.prefix == "/opt/python/python3.15"


def test_ubuntu_dbgsym_are_ddebs(config_data, root):
    build = make_build(config_data, root, DISTRO="noble")
    assert build.deb_files()[1].name == "opt-python3.13-dbgsym_3.13.15-1+noble_amd64.ddeb"


def test_render_refuses_unrendered_placeholders():
    with pytest.raises(ValueError, match="@NOPE@"):
        render("Package: @NOPE@\n", {})


def rendered(config_data, root, dest, **variables):
    """The debian/ directory rendered for 3.13.15 with these command-line variables."""
    render_debian_dir(make_build(config_data, root, **variables), root / "debian", dest, 0)
    return dest


def test_maintainer_scripts_compile_and_clean_each_packages_own_stdlib(config_data, root, tmp_path):
    debian = rendered(config_data, root, tmp_path / "debian", FAST_BUILD="true")
    postinst = (debian / "opt-python3.13.postinst").read_text()
    assert ("/opt/python/python3.13/bin/python3.13 -Wi -m compileall -q -j0 -x 'bad_coding|badsyntax' "
            "/opt/python/python3.13/lib/python3.13 ") in postinst
    assert "#DEBHELPER#" in postinst
    ft_postinst = (debian / "opt-python3.13t.postinst").read_text()
    assert "/bin/python3.13t -Wi -m compileall" in ft_postinst and "/lib/python3.13t " in ft_postinst
    prerm = (debian / "opt-python3.13t.prerm").read_text()
    assert "find /opt/python/python3.13/lib/python3.13t -depth -type d -name __pycache__" in prerm


def test_lintian_overrides_only_where_they_apply(config_data, root, tmp_path):
    main = (rendered(config_data, root, tmp_path / "fast", FAST_BUILD="true")
            / "opt-python3.13.lintian-overrides").read_text()
    # the shipped config builds pyexpat into the interpreter (flags.builtin_modules)
    assert "opt-python3.13: embedded-library expat [opt/python/python3.13/bin/python3.13]\n" in main
    assert "national-encoding" not in main  # FAST builds ship no test suite
    assert "bogus-mail-host" not in main  # never hidden in the package: lintian run by hand says so
    rendered(config_data, root, tmp_path / "opt", FAST_BUILD="false")
    assert "national-encoding [opt/python/python3.13/lib/python3.13/test/*]" in (
        tmp_path / "opt" / "opt-python3.13.lintian-overrides").read_text()
    assert "national-encoding" not in (tmp_path / "opt" / "opt-python3.13t.lintian-overrides").read_text()
    rendered(config_data, root, tmp_path / "pie", FAST_BUILD="false", PIE="yes")
    assert "hardening-no-pie" not in main + (tmp_path / "pie" / "opt-python3.13.lintian-overrides").read_text()
    # an interpreter linked without PIE (3.13's optimized default, PIE=no, a BOLT build): the two
    # interpreters, and nothing else, carry the override
    for name, variables in (("opt", {}), ("no", {"PIE": "no"}), ("bolt", {"BOLT": "true"})):
        rendered(config_data, root, tmp_path / name, FAST_BUILD="false", **variables)
        for package, interpreter in (("opt-python3.13", "python3.13"), ("opt-python3.13t", "python3.13t")):
            text = (tmp_path / name / f"{package}.lintian-overrides").read_text()
            assert f"{package}: hardening-no-pie [opt/python/python3.13/bin/{interpreter}]\n" in text
            assert text.count("hardening-no-pie [") == 1
    # every override line carries a comment above its block
    for line_block in main.split("\n#"):
        assert line_block.lstrip("#").strip()


def test_packages_must_have_the_entry_architecture(config_data, root, tmp_path):
    from tasks.errors import UserError
    from tasks.package.packaging import check_architecture

    record = tmp_path / "architecture"
    record.write_text("amd64\n")
    check_architecture(record, make_build(config_data, root))  # trixie is amd64
    arm64 = make_build(config_data, root, DISTRO="rpios-trixie")
    with pytest.raises(UserError, match="makes amd64 packages, but distros.rpios-trixie.arch is arm64"):
        check_architecture(record, arm64)
    with pytest.raises(UserError, match="makes unknown packages"):
        check_architecture(tmp_path / "missing", arm64)


def test_long_display_names_keep_lines_within_80_columns(config_data, root, tmp_path):
    """lintian's debian-changelog-line-too-long / extended-description-line-too-long (found by the arm64
    build's validation: "Raspberry Pi OS (trixie, 64-bit)")."""
    for display in ("Raspberry Pi OS (trixie, 64-bit)", "A" * 40 + " " + "B" * 39):
        build = make_build(config_data, root, DISTRO="rpios-trixie", OS_DISTRO_DISP=display)
        render_debian_dir(build, root / "debian", tmp_path / "debian", 0)
        control = (tmp_path / "debian" / "control").read_text()
        changelog = (tmp_path / "debian" / "changelog").read_text()
        described = [l.removeprefix("Description: ") for l in control.splitlines()
                     if l.startswith((" ", "Description:"))]  # the synopsis itself, and the long description
        entries = [l for l in changelog.splitlines() if l.startswith("  ")]
        for line in described + entries:
            assert len(line) <= 80, line
        assert display.split()[-1] in control and display.split()[-1] in changelog
        assert "\n  * CPython 3.13.15 built by python-builder for" in changelog
        assert all(not line or line[0] in " \t" or ":" in line for line in control.splitlines())


def test_compression_follows_the_build_mode(config_data, root):
    fast = make_build(config_data, root, FAST_BUILD="true")
    optimized = make_build(config_data, root, FAST_BUILD="false")
    assert (fast.deb_compression, optimized.deb_compression) == ("gzip", "xz")
    data = dict(config_data, package=dict(config_data["package"], compression="none", fast_compression="xz"))
    settings = overrides.apply_overrides(config.parse(data), {"PYTHON_VERSION": "3.13.15", "FAST_BUILD": "true"})
    assert Build(Version.parse("3.13.15"), settings.distros[0], settings, Layout.for_root(root)).deb_compression == "xz"
    assert debuild_step(fast, "img", 2).environment["PB_DEB_COMPRESSION"] == "gzip"
    assert debuild_step(optimized, "img", 2).environment["PB_DEB_COMPRESSION"] == "xz"


def test_debhelper_gets_the_jobs(config_data, root):
    """dh_strip and dh_builddeb run on `jobs` files/packages at once (dpkg-buildpackage --jobs, from PB_JOBS)."""
    build = make_build(config_data, root, FAST_BUILD="false")
    assert debuild_step(build, "img", 3).environment["PB_JOBS"] == "3"
    script = (root / "docker" / "steps" / "debuild.sh").read_text()
    assert 'dpkg-buildpackage --build=binary --no-sign --jobs="${PB_JOBS:?}"' in script


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make to read debian/rules")
@pytest.mark.parametrize("environment, expected", [({"PB_DEB_COMPRESSION": "gzip"}, "-Zgzip"), ({}, "-Zxz")])
def test_rules_hand_the_compressor_to_dpkg_deb(root, tmp_path, environment, expected):
    """debian/rules' dh_builddeb override passes PB_DEB_COMPRESSION through as one argument to dpkg-deb."""
    fake = tmp_path / "bin" / "dh_builddeb"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$PB_ARGS_OUT"\n')
    fake.chmod(0o755)
    out = tmp_path / "args"
    env = {"PATH": f"{fake.parent}:/usr/bin:/bin", "PB_ARGS_OUT": str(out), **environment}
    subprocess.run(["make", "-s", "-f", str(root / "debian" / "rules"), "override_dh_builddeb"], cwd=tmp_path,
                   env=env, check=True)
    assert out.read_text().splitlines() == ["--", expected]


def test_the_expat_override_names_pyexpat_where_it_is(config_data, root, tmp_path):
    """Built in (the shipped config): each interpreter; else its lib-dynload .so in each package's stdlib."""
    shared = copy.deepcopy(config_data)
    shared["flags"]["builtin_modules"] = ["_json"]
    for name, data in (("builtin", config_data), ("shared", shared)):
        render_debian_dir(make_build(data, root, FAST_BUILD="true"), root / "debian", tmp_path / name, 0)
        for package, interpreter in (("opt-python3.13", "python3.13"), ("opt-python3.13t", "python3.13t")):
            text = (tmp_path / name / f"{package}.lintian-overrides").read_text()
            where = (f"bin/{interpreter}" if name == "builtin"
                     else f"lib/{interpreter}/lib-dynload/pyexpat.*")
            assert f"{package}: embedded-library expat [opt/python/python3.13/{where}]\n" in text
            assert text.count("embedded-library") == 1
