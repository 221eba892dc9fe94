"""python3.X-config --embed and python-3.X-embed.pc name everything the static libpython links against."""

import subprocess

import pytest

from tasks.errors import UserError
from tasks.package import embed_flags
from tests.package.test_elf_needed import make_elf

VARS = {"MODLIBS": "-lz -lexpat  -lm", "LIBS": "-ldl", "LIBM": "-lm", "LIBC": "", "CC": "gcc"}
# the lines of CPython's Misc/python-config.sh.in that matter here, as configure and make write them
CONFIG_SCRIPT = """#!/bin/sh
VERSION="{mm}"
LIBM="-lm"
LIBC=""
SYSLIBS="$LIBM $LIBC"
ABIFLAGS="{abi}"
LIBS=" -ldl  $SYSLIBS"
LIBS_EMBED="-lpython${{VERSION}}${{ABIFLAGS}} -ldl  $SYSLIBS"
LIBPL="/opt/python/python{mm}/lib/python{mm}{abi}/config-{mm}{abi}-x86_64-linux-gnu"
libdir="/opt/python/python{mm}/lib"
if [ "$2" = --embed ]; then LIBS="$LIBS_EMBED"; fi
echo "-L$LIBPL -L$libdir $LIBS"
"""
PC_FILE = """prefix=/opt/python/python{mm}
libdir=${{exec_prefix}}/lib
Name: Python
Libs.private: -ldl
Libs: -L${{libdir}} -lpython{mm}{abi}
Cflags: -I${{includedir}}/python{mm}{abi}
"""


NEEDED = ["libm.so.6", "libz.so.1", "libexpat.so.1", "libc.so.6"]  # the interpreter's DT_NEEDED


def tree(tmp_path, mm="3.14", abi="", variables=VARS, interpreter=True):
    lib = tmp_path / "lib" / f"python{mm}{abi}"
    lib.mkdir(parents=True)
    (lib / f"_sysconfigdata_{abi}_linux_x86_64-linux-gnu.py").write_text(f"build_time_vars = {variables!r}\n")
    (tmp_path / "bin").mkdir()
    if interpreter:
        make_elf(tmp_path / "bin" / f"python{mm}{abi}", NEEDED)
    (tmp_path / "bin" / f"python{mm}{abi}-config").write_text(CONFIG_SCRIPT.format(mm=mm, abi=abi))
    (tmp_path / "lib" / "pkgconfig").mkdir()
    (tmp_path / "lib" / "pkgconfig" / f"python-{mm}{abi}-embed.pc").write_text(PC_FILE.format(mm=mm, abi=abi))
    return tmp_path


def ldflags(root, name, *args):
    return subprocess.run(["sh", str(root / "bin" / name), "--ldflags", *args], check=True,
                          capture_output=True, text=True).stdout.split()


def test_config_script_and_pc_file_name_every_library(tmp_path):
    root = tree(tmp_path)
    assert embed_flags.rewrite_tree(root, "3.14", pie=True) == ["python3.14-config", "python-3.14-embed.pc"]
    words = ldflags(root, "python3.14-config", "--embed")
    assert words[2:] == ["-lpython3.14", "-l:libz.so.1", "-l:libexpat.so.1", "-l:libm.so.6", "-ldl", "-Wl,-E"]
    # without --embed (a C extension's view) nothing changes
    assert ldflags(root, "python3.14-config", "--libs")[2:] == ["-ldl", "-lm"]
    pc = (root / "lib" / "pkgconfig" / "python-3.14-embed.pc").read_text()
    assert "Libs: -L${libdir} -lpython3.14 -l:libz.so.1 -l:libexpat.so.1 -l:libm.so.6 -ldl -Wl,-E\n" in pc
    assert "Libs.private: -ldl\n" in pc


def test_objects_without_pie_make_the_program_link_without_pie(tmp_path):
    root = tree(tmp_path, abi="t", interpreter=False)  # no interpreter to read sonames from: plain -l words
    assert embed_flags.rewrite_tree(root, "3.14t", pie=False) == ["python3.14t-config", "python-3.14t-embed.pc"]
    assert ldflags(root, "python3.14t-config", "--embed")[-3:] == ["-ldl", "-Wl,-E", "-no-pie"]
    assert "-lpython3.14t -lz -lexpat -lm -ldl -Wl,-E -no-pie\n" in (
        root / "lib" / "pkgconfig" / "python-3.14t-embed.pc").read_text()


def test_links_and_other_trees_are_left_alone(tmp_path):
    root = tree(tmp_path)
    (root / "bin" / "python3-config").symlink_to("python3.14-config")
    assert embed_flags.rewrite_tree(root, "3.14t", pie=True) == []  # no sysconfig of that interpreter here
    assert embed_flags.rewrite_tree(root, "3.14", pie=True) == ["python3.14-config", "python-3.14-embed.pc"]
    assert (root / "bin" / "python3-config").is_symlink()


def test_an_unknown_layout_stops_the_package_step(tmp_path):
    root = tree(tmp_path)
    script = root / "bin" / "python3.14-config"
    script.write_text(script.read_text().replace("LIBS_EMBED=", "LIBS_FOR_EMBEDDING="))
    with pytest.raises(UserError, match="python3.14-config has no line"):
        embed_flags.rewrite_tree(root, "3.14", pie=True)


@pytest.mark.parametrize("word", ['-l"x', "-l$(id)", "-l`id`", "-lx\\"])
def test_a_library_word_the_script_would_interpret_is_refused(tmp_path, word):
    root = tree(tmp_path, variables={**VARS, "MODLIBS": f"-lz {word}"})
    with pytest.raises(UserError, match="cannot pass on"):
        embed_flags.rewrite_tree(root, "3.14", pie=True)
    assert "LIBS_EMBED=\"-lpython${VERSION}${ABIFLAGS} -ldl  $SYSLIBS\"" in (root / "bin" / "python3.14-config").read_text()


@pytest.mark.parametrize(("word", "expected"), [
    ("-lz", "-l:libz.so.1"), ("-lexpat", "-l:libexpat.so.1"), ("-lzstd", "-lzstd"), ("-ldl", "-ldl"),
    ("-l:libz.so.1", "-l:libz.so.1"), ("-Wl,-E", "-Wl,-E"), ("-lm", "-l:libm.so.6")])
def test_a_library_the_interpreter_needs_is_named_by_its_soname(word, expected):
    assert embed_flags.by_soname(word, NEEDED + ["libz.so.1.3.1-extra"]) == expected
