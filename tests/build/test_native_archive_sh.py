"""native-archive.sh: a clang LTO build's libpython gets machine code for its bitcode members, names, order and
duplicates kept; an archive of machine code stays byte for byte; copies identical to it follow. Run with the
host's real `ar` and a stand-in clang that marks what it compiled."""

import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "docker" / "steps" / "native-archive.sh"
BITCODE = b"BC\xc0\xde"
FAKE_CLANG = """#!/bin/sh
# stand-in: "clang -c -x ir -O2 -fPIC IN -o OUT" writes NATIVE: and IN's bytes after the magic to OUT
for last; do :; done
in=$6
printf 'NATIVE:' >"$last"
tail -c +5 "$in" >>"$last"
"""

pytestmark = pytest.mark.skipif(shutil.which("ar") is None, reason="needs ar (binutils) on the host")


def archive(tmp_path: Path, name: str, members: list[tuple[str, bytes]]) -> Path:
    """An ar archive of these (name, content) members in this order, duplicates kept (ar q)."""
    path = tmp_path / name
    for index, (member, content) in enumerate(members):
        directory = tmp_path / f"in-{name}-{index}"
        directory.mkdir()
        (directory / member).write_bytes(content)
        subprocess.run(["ar", "qcD", str(path), str(directory / member)], check=True)
    return path


def members(path: Path, scratch: Path) -> list[tuple[str, bytes]]:
    """Each member's name and bytes, in order (ar xN: the Nth of a name)."""
    names = subprocess.run(["ar", "t", str(path)], check=True, capture_output=True, text=True).stdout.split()
    seen: dict[str, int] = {}
    out = []
    for index, name in enumerate(names):
        seen[name] = seen.get(name, 0) + 1
        (scratch / str(index)).mkdir(parents=True)
        subprocess.run(["ar", "xN", str(seen[name]), str(path), name], check=True, cwd=scratch / str(index))
        out.append((name, (scratch / str(index) / name).read_bytes()))
    return out


def convert(tmp_path: Path, *paths: Path, jobs: str = "2") -> subprocess.CompletedProcess:
    clang = tmp_path / "clang"
    clang.write_text(FAKE_CLANG)
    clang.chmod(0o755)
    return subprocess.run(["bash", "-c", f'set -euo pipefail; . "{SCRIPT}"; pb_native_archive "$@"', "sh",
                           str(clang), jobs, *map(str, paths)], capture_output=True, text=True, cwd=tmp_path)


def test_bitcode_members_become_machine_code_in_place(tmp_path):
    lib = archive(tmp_path, "libpython3.14.a", [("a.o", BITCODE + b"one"), ("pydtrace.o", b"\x7fELF-native"),
                                                  ("b.o", BITCODE + b"two"), ("a.o", BITCODE + b"three")])
    copy = tmp_path / "copy.a"
    other = tmp_path / "other.a"
    shutil.copyfile(lib, copy)
    other.write_bytes(b"!<arch>\n")
    result = convert(tmp_path, lib, copy, other)
    assert result.returncode == 0, result.stderr
    assert "3 of 4 members compiled from LLVM bitcode" in result.stdout
    assert members(lib, tmp_path / "out") == [("a.o", b"NATIVE:one"), ("pydtrace.o", b"\x7fELF-native"), ("b.o", b"NATIVE:two"),
                            ("a.o", b"NATIVE:three")]
    assert copy.read_bytes() == lib.read_bytes()  # identical before: converted too
    assert other.read_bytes() == b"!<arch>\n"  # not a copy: left alone
    # the same input converted again elsewhere gives the same bytes (ar D: no dates, owners or modes)
    (tmp_path / "elsewhere").mkdir()
    again = archive(tmp_path / "elsewhere", "libpython3.14.a", [
        ("a.o", BITCODE + b"one"), ("pydtrace.o", b"\x7fELF-native"), ("b.o", BITCODE + b"two"),
        ("a.o", BITCODE + b"three")])
    assert convert(tmp_path, again).returncode == 0
    assert again.read_bytes() == lib.read_bytes()


def test_an_archive_of_machine_code_is_left_byte_for_byte(tmp_path):
    lib = archive(tmp_path, "libpython3.14.a", [("a.o", b"\x7fELF-a"), ("b.o", b"\x7fELF-b")])
    before = lib.read_bytes()
    result = convert(tmp_path, lib)
    assert result.returncode == 0, result.stderr
    assert "machine code already (2 members)" in result.stdout
    assert lib.read_bytes() == before


@pytest.mark.parametrize(("clang", "jobs", "message"), [("missing", "2", "no compiler at"),
                                                          ("fake", "0", "bad jobs '0'"),
                                                          ("fake", "2;id", "bad jobs")])
def test_bad_arguments_are_refused(tmp_path, clang, jobs, message):
    lib = archive(tmp_path, "libpython3.14.a", [("a.o", BITCODE + b"one")])
    fake = tmp_path / "clang"
    fake.write_text(FAKE_CLANG)
    fake.chmod(0o755)
    path = str(fake) if clang == "fake" else str(tmp_path / "nothing")
    result = subprocess.run(["bash", "-c", f'. "{SCRIPT}"; pb_native_archive "$@"', "sh", path, jobs, str(lib)],
                            capture_output=True, text=True)
    assert result.returncode == 2 and message in result.stderr
