"""End to end: a real FAST build of CPython 3.14.4 (the current stable line, both interpreters) for trixie in
Docker, its python.org Sigstore signature verified, installed and checked in a fresh container of the
plain base image; then a no-op rebuild, a 3.13 build (3.13.5) that reuses the image and is checked beside
trixie's own python3.13, those packages checked by `doit rebuild_check` in a fresh checkout they were given
to, and a tampered 3.14.4 refused under verification.policy = "require".

Sources come from the Debian archive's byte-identical copy (python.org is not reachable here).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    SIGSTORE_BUNDLES,
    derived_project,
    discard,
    executed,
    local_downloads,
    run_doit,
    unprivileged_user,
)

pytestmark = pytest.mark.e2e

VERSION, DISTRO = "3.14.4", "trixie"  # python.org's real Sigstore bundle for it is in ../shared/
KEY = f"{VERSION}-{DISTRO}"
DEB_VERSION = "3.14.4-1+trixie"


def test_every_step_ran_once(first_build):
    ran = executed(first_build.stdout)
    for step in (f"download:{VERSION}", f"checksum:{VERSION}", f"extract:{VERSION}", f"image:{DISTRO}",
                 f"configure:{KEY}", f"compile:{KEY}", f"configure_ft:{KEY}", f"compile_ft:{KEY}",
                 f"package:{KEY}", f"validate:{KEY}"):
        assert ran.count(step) == 1, step
    summary = first_build.stdout[first_build.stdout.rindex("python-builder: timing"):]
    # each compile's ccache hit rate in the timing summary, and the run's total under the wall time
    for step in (f"compile:{KEY}", f"compile_ft:{KEY}"):
        line = rf"^  {re.escape(step)} +[0-9.]+ s  ok  ccache \d+/\d+ hits \(\d+%\)$"
        assert re.search(line, summary, re.M), summary
    assert re.search(r"^  ccache +\d+/\d+ hits \(\d+%\)$", summary, re.M), summary


def test_packages_are_where_the_readme_says(project, first_build):
    dist = project / "dist" / DISTRO
    names = sorted(p.name for p in dist.iterdir())
    for name in (f"opt-python3.14_{DEB_VERSION}_amd64.deb", f"opt-python3.14t_{DEB_VERSION}_amd64.deb",
                 f"opt-python3.14-dbgsym_{DEB_VERSION}_amd64.deb", f"opt-python3.14t-dbgsym_{DEB_VERSION}_amd64.deb",
                 f"opt-python3.14_{DEB_VERSION}_amd64.changes", f"opt-python3.14_{DEB_VERSION}_amd64.buildinfo",
                 f"opt-python3.14_{DEB_VERSION}.json",
                 f"opt-python3.14_{DEB_VERSION}.validation.json"):
        assert name in names, name


def _deb_paths(deb) -> set[str]:
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], check=True, capture_output=True, text=True).stdout
    return {line.split()[5].lstrip(".").rstrip("/") for line in listing.splitlines()}


def _deb_field(deb, field: str) -> str:
    return subprocess.run(["dpkg-deb", "-f", str(deb), field], check=True, capture_output=True, text=True).stdout.strip()


def test_package_contents_and_relations(project, first_build):
    dist = project / "dist" / DISTRO
    main, ft = dist / f"opt-python3.14_{DEB_VERSION}_amd64.deb", dist / f"opt-python3.14t_{DEB_VERSION}_amd64.deb"
    main_paths, ft_paths = _deb_paths(main), _deb_paths(ft)
    files_both = {p for p in main_paths & ft_paths if not p.endswith(("/bin", "/lib", "/include", "/pkgconfig"))}
    assert files_both <= {"", "/opt", "/opt/python", "/opt/python/python3.14", "/usr", "/usr/share",
                          "/usr/share/doc", "/usr/share/lintian", "/usr/share/lintian/overrides"}
    assert "/opt/python/python3.14/bin/python3.14" in main_paths
    assert "/opt/python/python3.14/bin/python3.14t" in ft_paths
    assert "/opt/python/python3.14/bin/python3t" in ft_paths
    assert "/opt/python/python3.14/lib/python3.14t/os.py" in ft_paths  # a link into the shared stdlib
    assert not any(p.startswith("/opt/python/python3.14/lib/python3.14/") for p in ft_paths)
    assert _deb_field(ft, "Depends").startswith(f"opt-python3.14 (= {DEB_VERSION})")
    assert _deb_field(main, "Version") == DEB_VERSION
    assert _deb_field(main, "Section") == "interpreters"
    assert "Debian Trixie" in _deb_field(main, "Description")
    assert "libssl3" in _deb_field(main, "Depends")  # dh_shlibdeps filled it in
    assert _deb_field(main, "Maintainer") == "python-builder CI <ci@python-builder.example.org>"
    # no byte-code shipped (the postinst compiles it); stdlib scripts run our interpreter
    assert not any("__pycache__" in p for p in main_paths | ft_paths)
    tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(main)], check=True, capture_output=True).stdout
    # (3.14 dropped the shebang lines of stdlib modules such as base64.py; python-config.py keeps one)
    script = subprocess.run(["tar", "-xO", "./opt/python/python3.14/lib/python3.14/config-3.14-x86_64-linux-gnu/"
                             "python-config.py"], input=tar, check=True, capture_output=True).stdout
    assert script.startswith(b"#!/opt/python/python3.14/bin/python3.14\n")


def test_manifest(project, first_build):
    import hashlib
    dist = project / "dist" / DISTRO
    manifest = json.loads((dist / f"opt-python3.14_{DEB_VERSION}.json").read_text())
    assert manifest["source"]["sha256"] == "d923c51303e38e249136fc1bdf3568d56ecb03214efdef48516176d3d7faaef8"
    assert manifest["source"]["size"] == 23855332
    assert manifest["variants"]["default"]["pgo"] is False and manifest["variants"]["default"]["lto"] is False
    assert "--disable-gil" in manifest["variants"]["freethreaded"]["configure_args"]
    assert manifest["toolchain"]["gcc"].startswith("gcc") and "ld" in manifest["toolchain"]["binutils"]
    assert manifest["build_image"]["id"].startswith("sha256:")
    assert manifest["distro"]["base_image_id"].startswith("sha256:")
    assert set(manifest["step_seconds"]) == {"configure", "compile", "configure_ft", "compile_ft", "package"}
    for variant in ("default", "freethreaded"):
        assert manifest["variants"][variant]["hardening"] == "debian"
        flags = manifest["variants"][variant]["flags"]
        assert "-z,now" in flags["LDFLAGS"] and "_FORTIFY_SOURCE" in flags["CPPFLAGS"], flags
        assert "-fstack-protector" in flags["CFLAGS"].split() and "-O2" not in flags["CFLAGS"].split(), flags
    for name, entry in manifest["debs"].items():
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == entry["sha256"]
    # a FAST build's packages are gzip-compressed (package.fast_compression), members and all
    assert manifest["deb_compression"] == "gzip"
    for name in manifest["debs"]:
        members = subprocess.run(["ar", "t", str(dist / name)], check=True, capture_output=True, text=True).stdout
        assert members.split() == ["debian-binary", "control.tar.gz", "data.tar.gz"], (name, members)


def test_validation_report(project, first_build):
    report = json.loads((project / "dist" / DISTRO / f"opt-python3.14_{DEB_VERSION}.validation.json").read_text())
    assert report["passed"] is True
    checks = {c["name"]: c for c in report["checks"]}
    for name in ("our packages install with apt", "distro packages untouched by our install",
                 "python3.14: module inventory", "python3.14t: module inventory", "python3.14t: GIL disabled",
                 "python3.14t: finds its stdlib in lib/python3.14t", "python3t exists and runs without the GIL",
                 "venv + pip (offline) installs into the venv only",
                 "free-threaded venv + pip installs into that venv only",
                 "python3.14: CONFIG_ARGS holds the configured flags", "the two packages share no file",
                 "the distro's python3 -m venv still works", "purge leaves no /opt/python/python3.14",
                 "DTrace probes in main interpreter", "pyexpat uses the distro's libexpat",
                 "_decimal uses the distro's libmpdec", "the postinst byte-compiled the stdlib",
                 "the free-threaded postinst byte-compiled its stdlib entries", "lintian: no error or warning",
                 "lintian: hardening (debian) on every ELF file",
                 "a C program embeds the interpreter (python-config, pkg-config)",
                 "a C program embeds the free-threaded interpreter"):
        assert checks[name]["ok"], (name, checks[name]["detail"])
    # the default hardening reached every ELF file: lintian no longer reports a missing bindnow (without
    # hardening it did on all of them), and the flags are the ones the manifest records
    assert "hardening-no-bindnow" not in report["lintian"].get("I", {}), report["lintian"]
    for module in ("_ssl", "_sqlite3", "_ctypes", "_lzma", "_bz2", "zlib", "readline", "_curses", "_gdbm",
                   "_uuid", "_decimal", "_tkinter", "pyexpat"):
        assert module in report["modules"]["facts_main"] and module in report["modules"]["facts_ft"]
    # trixie ships no python3.14: ours is the only 3.14 (the 3.13.5 build below is checked beside python3.13)
    assert "python3.14" not in report["distro_python"]
    # what the 3.14 line adds, and its free-threaded build's status
    assert report["free_threading"] == "supported (PEP 779)"
    for variant in ("facts_main", "facts_ft"):
        assert {"_zstd", "compression.zstd", "_remote_debugging"} <= set(report["modules"][variant])
    assert report["versions"]["facts_main"]["version"] == VERSION
    # lintian: no error or warning, nothing suppressed, and only the overrides the packages explain
    assert not report["lintian"].get("E") and not report["lintian"].get("W"), report["lintian"]
    assert "not checked" not in checks["lintian: no error or warning"]["detail"]
    assert set(report["lintian"].get("O", {})) <= {"dir-or-file-in-opt", "embedded-library",
                                                   "library-not-linked-against-libc",
                                                   "shared-library-lacks-prerequisites"}
    assert report["system_libraries"]["pyexpat"]["package"].startswith("libexpat1")
    assert report["versions"]["facts_main"]["expat_version"] == "expat_" + report["system_libraries"]["pyexpat"][
        "version"].split("-")[0].split("+")[0].split("~")[0]


def test_nothing_is_owned_by_another_user(project, first_build):
    uid = os.getuid()
    for top in ("cache", "dist"):
        for path in (project / top).rglob("*"):
            if not path.is_symlink():
                assert path.lstat().st_uid == uid, path


def test_apt_repository(project, first_build, docker_engine):
    result = run_doit(project, "repo", f"PYTHON_VERSION={VERSION}", f"DISTRO={DISTRO}", "FAST_BUILD=true",
                      "BUILD_NOGIL=true")
    assert executed(result.stdout) == [f"repo:{DISTRO}"]
    dist = project / "dist" / DISTRO
    packages = (dist / "Packages").read_text()
    assert "Package: opt-python3.14\n" in packages and "Package: opt-python3.14t\n" in packages
    assert "SHA256:" in (dist / "Release").read_text()
    base = json.loads((project / "cache" / "images" / f"{DISTRO}.json").read_text())["base"]
    import docker
    container = docker_engine.containers.create(
        base, ["bash", "/pb/repo-install.sh", "opt-python3.14", "opt-python3.14t"], network_mode="host",
        environment={"PB_PREFIX": "/opt/python/python3.14", "PB_MM": "3.14"},
        mounts=[docker.types.Mount("/repo", str(dist), type="bind", read_only=True),
                docker.types.Mount("/pb", str(project / "docker" / "validate"), type="bind", read_only=True)])
    try:
        container.start()
        status = container.wait()["StatusCode"]
        output = container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)
    assert status == 0, output[-3000:]
    assert "main 3.14.4" in output and "free-threaded 3.14.4" in output


def test_second_build_runs_no_step(project, first_build):
    result = run_doit(project, "build", f"PYTHON_VERSION={VERSION}", f"DISTRO={DISTRO}", "FAST_BUILD=true",
                      "BUILD_NOGIL=true")
    assert executed(result.stdout) == []
    assert f"-- package:{KEY}" in result.stdout and f"-- validate:{KEY}" in result.stdout
    # an up-to-date build makes no Docker call at all: it succeeds with no daemon to talk to
    no_daemon = run_doit(project, "build", f"PYTHON_VERSION={VERSION}", f"DISTRO={DISTRO}", "FAST_BUILD=true",
                         "BUILD_NOGIL=true", env={**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert executed(no_daemon.stdout) == [] and f"-- image:{DISTRO}" in no_daemon.stdout

def test_the_signature_was_verified(project, first_build):
    record = json.loads((project / "cache" / "downloads" / f"Python-{VERSION}.tar.xz.verified.json").read_text())
    assert record["sha256"] == "d923c51303e38e249136fc1bdf3568d56ecb03214efdef48516176d3d7faaef8"
    if SIGSTORE_BUNDLES.is_dir():
        assert record["signature_verified"] is True, record
        assert "hugo@python.org" in record["signature"] and "github.com/login/oauth" in record["signature"]


@pytest.mark.skipif(not SIGSTORE_BUNDLES.is_dir(), reason="python.org's real bundles are in ../shared/reference/sigstore")
def test_pin_checks_pythons_real_signature_and_writes_the_pin(project, first_build):
    """`doit pin NEW_VERSION=3.14.4` in a copy whose config lacks that pin: the real tarball (from the first
    build's downloads) and python.org's real bundle give back the very pin the project ships."""
    import tomllib

    from tests.e2e.conftest import e2e_copy
    fresh = e2e_copy("pb-e2e-pin-")
    try:
        shipped = tomllib.loads((project / "config.toml").read_text())["pins"][VERSION]["sha256"]
        text = re.sub(rf'^"{re.escape(VERSION)}" = .*\n', "", local_downloads(project), flags=re.M)
        (fresh / "config.toml").write_text(text)
        result = run_doit(fresh, "pin", f"NEW_VERSION={VERSION}")
        assert "Sigstore signature by hugo@python.org" in result.stdout, result.stdout[-2000:]
        pin = tomllib.loads((fresh / "config.toml").read_text())["pins"][VERSION]
        assert pin["sha256"] == shipped and pin["size"] == 23855332
    finally:
        discard(fresh)


def test_micro_version_reuses_the_image(project, first_build):
    """Built as an ordinary user (in the docker group) when CI runs as root: nothing may end up root-owned."""
    user = unprivileged_user()
    if user:
        import pwd
        uid = pwd.getpwnam(user[0]).pw_uid
        subprocess.run(["chown", "-R", f"{user[0]}:", str(project)], check=True)
        for parent in project.parents:
            if parent == Path("/tmp"):
                break
            os.chmod(parent, 0o755)
    started = time.monotonic()
    result = run_doit(project, "build", "PYTHON_VERSION=3.13.5", f"DISTRO={DISTRO}", "FAST_BUILD=true",
                      "BUILD_NOGIL=false", as_user=user)
    print(f"\nmicro-version FAST build 3.13.5 (default interpreter only): {time.monotonic() - started:.0f} s")
    ran = executed(result.stdout)
    assert f"image:{DISTRO}" not in ran and f"-- image:{DISTRO}" in result.stdout
    assert "compile:3.13.5-trixie" in ran and "validate:3.13.5-trixie" in ran
    assert "configure_ft:3.13.5-trixie" not in ran
    dist = project / "dist" / DISTRO
    assert (dist / "opt-python3.13_3.13.5-1+trixie_amd64.deb").is_file()
    assert not (dist / "opt-python3.13t_3.13.5-1+trixie_amd64.deb").exists()  # no add-on without free-threading
    if user:
        owners = {p.lstat().st_uid for top in ("cache", "dist") for p in (project / top).rglob("*")}
        assert owners == {uid}, f"files not owned by {user[0]}: {owners}"
        print(f"built as {user[0]} (uid {uid}): no file under cache/ or dist/ owned by anyone else")
    assert "ccache:" in result.stdout  # hit rate reported (low here: another line)
    # installed beside the distro's own Python of the same minor, which was installed first and stayed
    report = json.loads((dist / "opt-python3.13_3.13.5-1+trixie.validation.json").read_text())
    assert report["passed"] is True and report["free_threading"] is None
    assert report["distro_python"]["python3.13"].startswith("3.13.5")
    assert "python3.13-venv" in report["distro_python"]
    record = json.loads((project / "cache" / "downloads" / "Python-3.13.5.tar.xz.verified.json").read_text())
    assert record["sha256"] == "93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640"
    if SIGSTORE_BUNDLES.is_dir():
        assert record["signature_verified"] is True, record
        assert "thomas@python.org" in record["signature"]
        # the real tarball with one byte changed no longer matches python.org's signature
        import hashlib

        from tasks.errors import UserError
        from tasks.sources.signatures import Signer, verify
        data = bytearray((project / "cache" / "downloads" / "Python-3.13.5.tar.xz").read_bytes())
        data[len(data) // 2] ^= 0x01
        bundle = (SIGSTORE_BUNDLES / "Python-3.13.5.tar.xz.sigstore").read_bytes()
        with pytest.raises(UserError, match="another file"):
            verify(hashlib.sha256(bytes(data)).hexdigest(), bundle,
                   Signer("thomas@python.org", "https://accounts.google.com"), "Python-3.13.5.tar.xz")


def test_packages_given_to_a_fresh_checkout_pass_rebuild_check(project, first_build):
    """The 3.13.5 packages above, handed with their manifest to a fresh clone at another path that never built
    them: `doit rebuild_check` rebuilds them there (scratch copy, empty compiler cache) and finds the same
    bytes, without building over the given .debs first."""
    import shutil

    fresh = derived_project(project, "pb-e2e-given-", local_downloads(project))
    try:
        given = fresh / "dist" / DISTRO
        given.mkdir(parents=True)
        names = ["opt-python3.13_3.13.5-1+trixie_amd64.deb", "opt-python3.13-dbgsym_3.13.5-1+trixie_amd64.deb",
                 "opt-python3.13_3.13.5-1+trixie.json"]
        for name in names:
            shutil.copy2(project / "dist" / DISTRO / name, given / name)
        before = {name: (given / name).read_bytes() for name in names}
        started = time.monotonic()
        result = run_doit(fresh, "rebuild_check:3.13.5-trixie", "FAST_BUILD=true", "BUILD_NOGIL=false", check=False)
        print(f"\nrebuild_check of given 3.13.5 packages in a fresh checkout: {time.monotonic() - started:.0f} s")
        assert result.returncode == 0, result.stdout[-3000:]
        assert "rebuild_check:3.13.5-trixie: all 2 .debs are identical" in result.stdout
        assert {name: (given / name).read_bytes() for name in names} == before  # never built over
        assert not (fresh / "cache" / "build").exists()  # the checkout itself built nothing
        report = json.loads((fresh / "cache" / "rebuild" / "3.13.5-trixie" / "report.json").read_text())
        assert report["identical"] is True and report["configure_differences"] == []
    finally:
        discard(fresh)


def test_a_tampered_copy_is_refused_under_require(project, tmp_path):
    """The real 3.14.4 tarball, offered by a local directory with no pin to stop a changed copy first, passes
    under "require"; with one byte changed the Sigstore check refuses it in one line and nothing of it stays
    in cache/downloads/."""
    if not SIGSTORE_BUNDLES.is_dir():
        pytest.skip("needs ../shared/reference/sigstore/")
    real = project / "cache" / "downloads" / f"Python-{VERSION}.tar.xz"
    if not real.is_file():
        pytest.skip(f"the first build did not download {real.name}")
    offered = tmp_path / "offered"
    offered.mkdir()
    data = bytearray(real.read_bytes())
    data[len(data) // 2] ^= 0x01
    from tests.conftest import copy_project
    text = (project / "config.toml").read_text().replace('policy = "if-available"', 'policy = "require"', 1)
    text = text.replace('order = ["local", "url", "mirror", "debian-archive"]', 'order = ["local"]', 1)
    text = text.replace("local_dirs = []", f'local_dirs = ["{offered}"]', 1)
    text = text.replace("allow_unpinned = false", "allow_unpinned = true", 1)
    text = re.sub(rf'^"{re.escape(VERSION)}" = .*$', "", text, count=1, flags=re.M)  # no pin to stop it first
    fresh = copy_project(tmp_path / "python-builder")
    # first the real tarball, offered the same way: python.org's signature vouches for it under "require"
    (offered / real.name).write_bytes(real.read_bytes())
    (fresh / "config.toml").write_text(text)
    good = run_doit(fresh, f"checksum:{VERSION}")
    assert "Sigstore signature by hugo@python.org" in good.stdout, good.stdout[-2000:]
    run_doit(fresh, "clean", "CLEAN_DOWNLOADS=true", f"download:{VERSION}", f"checksum:{VERSION}")
    (offered / real.name).write_bytes(bytes(data))
    result = run_doit(fresh, f"checksum:{VERSION}", check=False)
    errors = [line for line in result.stdout.splitlines() if line.startswith("python-builder: error:")]
    assert result.returncode != 0 and "Traceback" not in result.stdout, result.stdout[-3000:]
    assert len(errors) == 1 and "Sigstore verification failed" in errors[0] and "another file" in errors[0], errors
    left = sorted(p.name for p in (fresh / "cache" / "downloads").glob(f"Python-{VERSION}.tar.xz*"))
    assert [name for name in left if not name.endswith(".sigstore")] == [], left
