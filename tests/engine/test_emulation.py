"""Which architectures a Docker host can build for, and the one-line fix when it cannot."""

import pytest

from tasks.engine.emulation import binfmt_problem, check, debian_arch
from tasks.errors import UserError

ENTRY = """enabled
interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
flags: {flags}
offset 0
magic 7f454c460201010000000000000000000200b700
"""


def binfmt(tmp_path, entry: str | None = None, mounted: bool = True):
    root = tmp_path / "binfmt_misc"
    root.mkdir()
    if mounted:
        (root / "status").write_text("enabled\n")
    if entry is not None:
        (root / "qemu-aarch64").write_text(entry)
    return root


def test_arch_names():
    assert debian_arch("x86_64") == "amd64" and debian_arch("aarch64") == "arm64" and debian_arch("arm64") == "arm64"


def test_native_needs_nothing(tmp_path):
    assert check("trixie", "amd64", "x86_64", True, tmp_path / "absent") == "native"
    assert check("rpios-trixie", "arm64", "aarch64", True, tmp_path / "absent") == "native"


def test_emulation_ready(tmp_path):
    assert check("rpios-trixie", "arm64", "x86_64", True, binfmt(tmp_path, ENTRY.format(flags="PF"))) == "emulated"


@pytest.mark.parametrize("entry, mounted, words", [
    (None, False, "sudo mount -t binfmt_misc"),
    (None, True, "sudo apt install qemu-user-static binfmt-support"),
    (ENTRY.replace("enabled", "disabled").format(flags="PF"), True, "sudo update-binfmts --enable qemu-aarch64"),
    (ENTRY.format(flags="P"), True, "lacks the F flag"),
])
def test_missing_emulation_says_how_to_get_it(tmp_path, entry, mounted, words):
    root = binfmt(tmp_path, entry, mounted)
    assert words in binfmt_problem("arm64", root)
    with pytest.raises(UserError) as caught:
        check("rpios-trixie", "arm64", "x86_64", True, root)
    message = str(caught.value)
    assert message.startswith("image:rpios-trixie: this amd64 Docker host cannot run arm64 containers")
    assert words in message and "\n" not in message


def test_a_remote_engine_is_not_judged_by_this_machine(tmp_path):
    assert check("rpios-trixie", "arm64", "x86_64", False, tmp_path / "absent") == "emulated"


# --- base images per architecture (a fake engine: which references are asked for, what gets tagged) ---

from tests.fake_docker import FakeEngine, FakeImage  # noqa: E402


def _distro(arch):
    from tasks.model.config import Distro
    return Distro("rpios-trixie", "debian:trixie-slim", "Raspberry Pi OS", "trixie", "debian", arch)


def test_an_amd64_base_does_not_stand_in_for_arm64(root):
    from tasks.engine import images
    from tasks.model.plan import Layout

    engine = FakeEngine({"debian:trixie-slim": FakeImage("amd64")})
    ref = images.base_image(engine, _distro("arm64"), Layout.for_root(root))
    assert engine.images.pulled == [("debian:trixie-slim", "linux/arm64")]
    # pulled for arm64 and tagged per architecture: debian:trixie-slim itself can point at one arch only
    assert ref == "python-builder/base:debian-trixie-arm64"
    assert engine.images.present["debian:trixie-slim"].tags == ["python-builder/base:debian-trixie-arm64"]
    # the amd64 entry still finds its own
    assert images.base_image(FakeEngine({"debian:trixie-slim": FakeImage("amd64")}), _distro("amd64"),
                             Layout.for_root(root)) == "debian:trixie-slim"


def test_a_bootstrapped_base_of_the_right_arch_is_found_again(root):
    from tasks.engine import images
    from tasks.model.plan import Layout

    engine = FakeEngine({"debian:trixie-slim": FakeImage("amd64"),
                      "python-builder/bootstrap:debian-trixie-arm64": FakeImage("arm64")}, pullable=False)
    assert images.base_image(engine, _distro("arm64"), Layout.for_root(root)) == \
        "python-builder/bootstrap:debian-trixie-arm64"
    assert engine.images.pulled == []


def test_bootstrap_commands_name_the_architecture(tmp_path):
    from tasks.engine.bootstrap import bootstrap_command
    assert "--architectures=arm64" in bootstrap_command("mmdebstrap", _distro("arm64"), tmp_path / "t.tar", "http://m")
    assert "--arch=arm64" in bootstrap_command("debootstrap", _distro("arm64"), tmp_path / "r", "http://m")


def test_a_foreign_bootstrap_without_arch_test_is_one_line(tmp_path, root, monkeypatch):
    import shutil as shutil_mod

    from tasks.engine import bootstrap
    real_which = shutil_mod.which
    monkeypatch.setattr(bootstrap.shutil, "which", lambda name: None if name == "arch-test" else real_which(name)
                        or ("/usr/bin/mmdebstrap" if name == "mmdebstrap" else None))
    with pytest.raises(UserError, match="needs arch-test .*apt-get install arch-test"):
        bootstrap.bootstrap(None, _distro("arm64"), tmp_path, root / "docker" / "bootstrap" / "Dockerfile",
                            host_arch="amd64")


def test_an_expired_release_file_is_named_with_the_option_that_accepts_it(tmp_path):
    import dataclasses

    import pytest

    from tasks.engine import bootstrap
    from tasks.errors import UserError
    tool = tmp_path / "fake-mmdebstrap"
    tool.write_text("#!/bin/sh\necho 'E: Release file for http://mirror/debian/dists/forky/InRelease is expired "
                    "(invalid since 3d 4h 2min 1s). Updates for this repository will not be applied.'\nexit 25\n")
    tool.chmod(0o755)
    forky = dataclasses.replace(_distro("amd64"), name="forky", codename="forky")
    with pytest.raises(UserError) as error:
        bootstrap._run([str(tool)], forky, tmp_path / "bootstrap.log")
    assert "past its Valid-Until date" in str(error.value)
    assert "allow_expired_release = true in [distros.forky]" in str(error.value)
    assert 'Acquire::Check-Valid-Until "false"' not in " ".join(
        bootstrap.bootstrap_command("mmdebstrap", forky, tmp_path / "t.tar", "http://m"))
    accepting = dataclasses.replace(forky, allow_expired_release=True)
    assert '--aptopt=Acquire::Check-Valid-Until "false"' in bootstrap.bootstrap_command(
        "mmdebstrap", accepting, tmp_path / "t.tar", "http://m")


def test_the_bootstrap_tools_output_is_passed_through_whole(tmp_path, capsys):
    from tasks.engine import bootstrap
    tool = tmp_path / "fake-mmdebstrap"
    tool.write_text("#!/bin/sh\necho 'I: one'\nsleep 0.3\nprintf 'I: two\\nI: no newline'\n")
    tool.chmod(0o755)
    bootstrap._run([str(tool)], _distro("amd64"), tmp_path / "bootstrap.log")
    assert capsys.readouterr().err == "I: one\nI: two\nI: no newline\n"


def test_the_bootstrap_tool_outlives_a_killed_run(tmp_path):
    """kill -9 of doit (or a closed terminal): the tool writes into a file, not into a pipe that would break
    under it half-way (mmdebstrap so left its chroot in /tmp, mounts included); it finishes on its own."""
    import os
    import signal
    import subprocess
    import sys
    import time
    tool = tmp_path / "fake-mmdebstrap"
    tool.write_text(f"#!/bin/sh\necho 'I: started'\nsleep 1\necho 'I: cleaning up'\ntouch {tmp_path}/finished\n")
    tool.chmod(0o755)
    log = tmp_path / "bootstrap.log"
    script = ("import sys; sys.path.insert(0, sys.argv[1]); from tasks.engine import bootstrap; "
              "from tests.engine.test_emulation import _distro; "
              "bootstrap._run([sys.argv[2]], _distro('amd64'), __import__('pathlib').Path(sys.argv[3]))")
    root = str(__import__("pathlib").Path(__file__).resolve().parents[2])
    run = subprocess.Popen([sys.executable, "-c", script, root, str(tool), str(log)], cwd=root,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while not (log.exists() and "started" in log.read_text()):
        assert time.monotonic() < deadline and run.poll() is None, run.communicate()
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 10
    while not (tmp_path / "finished").exists():
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
    assert "I: cleaning up" in log.read_text()


def test_a_killed_runs_bootstrap_scratch_is_removed_and_this_runs_kept(tmp_path):
    from tasks.engine import bootstrap
    for name in ("trixie-amd64-111-abc", "trixie-amd64-222-def", "trixie-amd64-xyz", "bookworm-amd64-111-ghi"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "rootfs.tar").write_bytes(b"x")
    assert bootstrap.scratch_prefix(_distro("amd64"), 222, tmp_path) == "trixie-amd64-222-"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bookworm-amd64-111-ghi", "trixie-amd64-222-def"]
