"""Which architectures a Docker host can build for, and the one-line fix when it cannot."""

import pytest

from tasks.emulation import binfmt_problem, check, debian_arch
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
