"""debian/strip-objects.sh: config-X.Y/python.o is stripped as dh_strip strips a static library's members,
so gcc's randomly named LTO sections cannot make two builds differ; a non-ELF (clang's bitcode) stays."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "debian" / "strip-objects.sh"
CONFIG = "opt/python/python3.14/lib/python3.14/config-3.14-x86_64-linux-gnu"

pytestmark = pytest.mark.skipif(not (shutil.which("gcc") and shutil.which("strip")), reason="needs gcc and strip")


def package_tree(root: Path, name: str) -> Path:
    """A staged package holding a python.o compiled as an optimized gcc build compiles it."""
    source = root / "python.c"
    root.mkdir(parents=True, exist_ok=True)
    source.write_text("int main(void) { return 0; }\n")
    target = root / "debian" / name / CONFIG / "python.o"
    target.parent.mkdir(parents=True)
    subprocess.run(["gcc", "-g", "-O2", "-flto", "-ffat-lto-objects", "-c", str(source), "-o", str(target)],
                   check=True)
    return target


def sections(path: Path) -> str:
    return subprocess.run(["readelf", "-SW", str(path)], capture_output=True, text=True, check=True).stdout


def strip(root: Path, packages: str) -> None:
    subprocess.run(["sh", str(SCRIPT)], cwd=root, check=True, env={**os.environ, "PB_PACKAGES": packages})


def test_two_builds_python_o_come_out_the_same(tmp_path):
    first, second = package_tree(tmp_path / "a", "opt-python3.14"), package_tree(tmp_path / "b", "opt-python3.14")
    assert ".gnu.lto_" in sections(first) and first.read_bytes() != second.read_bytes()  # LTO section names (and here paths)
    strip(tmp_path / "a", "opt-python3.14=default")
    strip(tmp_path / "b", "opt-python3.14=default")
    assert first.read_bytes() == second.read_bytes()
    assert ".gnu.lto_" not in sections(first) and ".debug_info" not in sections(first)
    assert " main" in subprocess.run(["nm", str(first)], capture_output=True, text=True).stdout  # still code


def test_bitcode_is_left_alone(tmp_path):
    bitcode = tmp_path / "debian" / "opt-python3.14" / CONFIG / "python.o"
    bitcode.parent.mkdir(parents=True)
    bitcode.write_bytes(b"BC\xc0\xde" + bytes(60))  # LLVM bitcode's magic
    strip(tmp_path, "opt-python3.14=default")
    assert bitcode.read_bytes() == b"BC\xc0\xde" + bytes(60)
