"""Hardening modes: config and command line, the flags buildflags.sh derives, and the validation check."""

import os
import shutil
import subprocess

import pytest

from tasks.build import stepfacts
from tasks.errors import UserError
from tasks.model import config
from tasks.pipeline import overrides


def load(data, variables=None):
    return overrides.apply_overrides(config.parse(data), variables or {})

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "docker", "steps", "buildflags.sh")

# dpkg-buildflags as trixie's prints it on amd64 with hardening=+all (file-prefix maps already left out)
FAKE = r"""#!/bin/sh
echo "$DEB_BUILD_MAINT_OPTIONS" > "$(dirname "$0")/options"
case "$2" in
  CFLAGS) echo "-g -O2 -Werror=implicit-function-declaration -fstack-protector-strong -fstack-clash-protection -Wformat -Werror=format-security -fcf-protection" ;;
  CPPFLAGS) echo "-Wdate-time -D_FORTIFY_SOURCE=2" ;;
  LDFLAGS) echo "-Wl,-z,relro -Wl,-z,now" ;;
esac
"""


def flags(mode, path_dir=None):
    env = dict(os.environ)
    if path_dir:
        env["PATH"] = f"{path_dir}:{env['PATH']}"
    out = subprocess.run(["bash", "-c", f'. "{SCRIPT}" && pb_buildflags "$1" >/dev/null && '
                          'printf "%s\\n%s\\n%s\\n" "${CFLAGS-}" "${CPPFLAGS-}" "${LDFLAGS-}"', "-", mode],
                         env=env, capture_output=True, text=True)
    return out.returncode, out.stdout.splitlines(), out.stderr


@pytest.fixture
def fake_dpkg(tmp_path):
    tool = tmp_path / "dpkg-buildflags"
    tool.write_text(FAKE)
    tool.chmod(0o755)
    return tmp_path


def test_debian_mode_keeps_hardening_and_leaves_optimization_to_cpython(fake_dpkg):
    rc, (cflags, cppflags, ldflags), _ = flags("debian", fake_dpkg)
    assert rc == 0
    words = cflags.split()
    assert "-O2" not in words and "-g" not in words  # CPython's OPT (-g -O3) decides
    assert "-fstack-protector" in words and "-fstack-protector-strong" not in words
    assert {"-fstack-clash-protection", "-fcf-protection", "-Werror=format-security"} <= set(words)
    assert cppflags == "-Wdate-time -D_FORTIFY_SOURCE=2"
    assert ldflags == "-Wl,-z,relro -Wl,-z,now"
    options = (fake_dpkg / "options").read_text()
    assert "hardening=+all" in options and "optimize=-lto" in options and "-fixfilepath" in options


def test_dpkg_mode_takes_the_flags_as_they_are(fake_dpkg):
    rc, (cflags, _, ldflags), _ = flags("dpkg", fake_dpkg)
    assert rc == 0
    assert cflags.startswith("-g -O2 ") and "-fstack-protector-strong" in cflags
    assert "hardening=+all" not in (fake_dpkg / "options").read_text()


def test_off_sets_nothing_and_unknown_mode_fails(fake_dpkg):
    rc, lines, _ = flags("off", fake_dpkg)
    assert rc == 0 and lines == ["", "", ""]
    rc, _, err = flags("fast", fake_dpkg)
    assert rc == 2 and "unknown hardening mode" in err


@pytest.mark.skipif(not shutil.which("dpkg-buildflags"), reason="this host has no dpkg-buildflags (dpkg-dev)")
def test_debian_mode_with_this_hosts_dpkg_buildflags():
    rc, (cflags, cppflags, ldflags), err = flags("debian")
    assert rc == 0, err
    assert "-O2" not in cflags.split() and "-fstack-protector" in cflags.split()
    assert "-ffile-prefix-map" not in cflags and "-flto" not in cflags
    assert "_FORTIFY_SOURCE" in cppflags and "-z,now" in ldflags and "-z,relro" in ldflags


def test_hardening_in_config_and_on_the_command_line(config_data):
    assert load(config_data).flags.hardening == "debian"
    settings = load(config_data, {"HARDENING": "off", "PROFILE_TASK": "-m test --pgo"})
    assert settings.flags.hardening == "off" and settings.flags.profile_task == "-m test --pgo"
    assert settings.flags.common == load(config_data).flags.common
    with pytest.raises(UserError, match="HARDENING: 'max' is not one of off, dpkg, debian"):
        load(config_data, {"HARDENING": "max"})
    with pytest.raises(UserError, match="PROFILE_TASK"):
        load(config_data, {"PROFILE_TASK": "-m test; rm -rf /"})
    data = {**config_data, "flags": {**config_data["flags"], "hardening": "strong"}}
    with pytest.raises(UserError, match="flags.hardening"):
        load(data)


def test_configured_flags_reach_the_record_through_the_facts_file(fake_dpkg, tmp_path):
    facts = tmp_path / "configure-facts.jsonl"
    facts_sh = os.path.join(os.path.dirname(SCRIPT), "facts.sh")
    subprocess.run(["bash", "-c", f'. "{facts_sh}" && . "{SCRIPT}" && pb_buildflags debian'], check=True,
                   env={**os.environ, "PATH": f"{fake_dpkg}:{os.environ['PATH']}", "PB_FACTS": str(facts)},
                   capture_output=True)
    flags_read = stepfacts.configured_flags(stepfacts.read(facts))
    assert set(flags_read) == {"CFLAGS", "CPPFLAGS", "LDFLAGS"}
    assert "-fstack-protector" in flags_read["CFLAGS"].split() and "-O2" not in flags_read["CFLAGS"].split()
    assert flags_read["CPPFLAGS"] == "-Wdate-time -D_FORTIFY_SOURCE=2"
    assert flags_read["LDFLAGS"] == "-Wl,-z,relro -Wl,-z,now"
    assert stepfacts.configured_flags(stepfacts.read(tmp_path / "absent.jsonl")) == {}  # hardening off
