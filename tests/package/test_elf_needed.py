"""DT_NEEDED read from an ELF file's bytes, as the package step reads the staged interpreter's."""

import shutil
import struct
from pathlib import Path

import pytest

from tasks.package.elf_needed import needed


def make_elf(path: Path, names: list[str], elf_class: int = 2) -> Path:
    """A minimal ELF file: a null section, .dynstr, .dynamic naming `names` (then DT_SONAME, ignored)."""
    wide = elf_class == 2
    strings = b"\0" + b"".join(n.encode() + b"\0" for n in [*names, "libself.so.1"])
    offsets = [strings.index(b"\0" + n.encode() + b"\0") + 1 for n in [*names, "libself.so.1"]]
    entry = "<qQ" if wide else "<iI"
    dynamic = b"".join(struct.pack(entry, 1, o) for o in offsets[:-1])
    dynamic += struct.pack(entry, 14, offsets[-1]) + struct.pack(entry, 0, 0)
    header_size, section = (64, "<IIQQQQIIQQ") if wide else (52, "<10I")
    strings_at = header_size
    dynamic_at = strings_at + len(strings)
    table_at = dynamic_at + len(dynamic)
    sections = [struct.pack(section, *[0] * 10),
                struct.pack(section, 0, 3, 0, 0, strings_at, len(strings), 0, 0, 1, 0),
                struct.pack(section, 0, 6, 0, 0, dynamic_at, len(dynamic), 1, 0, 8, struct.calcsize(entry))]
    ident = b"\x7fELF" + bytes([elf_class, 1, 1]) + b"\0" * 9
    if wide:
        header = ident + struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, 0, table_at, 0, 64, 0, 0,
                                     len(sections[0]), len(sections), 0)
    else:
        header = ident + struct.pack("<HHIIIIIHHHHHH", 3, 40, 1, 0, 0, table_at, 0, 52, 0, 0,
                                     len(sections[0]), len(sections), 0)
    path.write_bytes(header + strings + dynamic + b"".join(sections))
    return path


@pytest.mark.parametrize("elf_class", [1, 2])
def test_needed_libraries_in_order(tmp_path, elf_class):
    names = ["libm.so.6", "libz.so.1", "libexpat.so.1", "libc.so.6"]
    assert needed(make_elf(tmp_path / "python3.14", names, elf_class)) == tuple(names)


def test_a_real_program_needs_the_c_library():
    assert any(name.startswith("libc.so.") for name in needed(Path(shutil.which("ls") or "/bin/ls").resolve()))


def test_what_is_not_elf_needs_nothing(tmp_path):
    (tmp_path / "script").write_text("#!/bin/sh\n")
    assert needed(tmp_path / "script") == ()
    assert needed(make_elf(tmp_path / "static", [])) == ()
