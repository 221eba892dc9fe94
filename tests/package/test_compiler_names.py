"""A clang build's sysconfig names gcc: users' C extensions build without clang."""

import json
import pprint

import pytest

from tasks.errors import UserError
from tasks.package import compiler_names

VARS = {"CC": "clang-19", "CXX": "clang++-19", "LDSHARED": "clang-19 -shared -Wl,-z,relro",
        "LINKCC": "clang-19 -fno-pie -no-pie", "AR": "/usr/lib/llvm-19/bin/llvm-ar",
        "CFLAGS": "-fno-strict-overflow -fcf-protection", "CONFIG_ARGS": "'--with-lto=thin' 'CC=clang-19'",
        "OTHER": "clang-19", "SIZEOF_INT": 4}
GCC = {"CC": "gcc", "CXX": "g++", "LDSHARED": "gcc -shared -Wl,-z,relro", "LINKCC": "gcc -fno-pie -no-pie",
       "AR": "ar"}


def tree(tmp_path):
    lib = tmp_path / "lib" / "python3.14"
    (lib / "config-3.14-x86_64-linux-gnu").mkdir(parents=True)
    # 3.14's writer: one entry per line, sorted
    body = "".join(f"    {k!r}: {v!r},\n" for k, v in sorted(VARS.items()))
    (lib / "_sysconfigdata__linux_x86_64-linux-gnu.py").write_text(
        "# system configuration generated and used by the sysconfig module\nbuild_time_vars = {\n" + body + "}\n")
    (lib / "_sysconfig_vars__linux_x86_64-linux-gnu.json").write_text(json.dumps(VARS, indent=2, sort_keys=True))
    (lib / "config-3.14-x86_64-linux-gnu" / "Makefile").write_text(
        "CC=\t\tclang-19\nCXX=\t\tclang++-19\nLDSHARED=\t$(CC) -shared\nCONFIG_ARGS=\t 'CC=clang-19'\n"
        "AR=\t\t/usr/lib/llvm-19/bin/llvm-ar\n")
    return tmp_path, lib


def test_every_sysconfig_file_names_gcc(tmp_path):
    root, lib = tree(tmp_path)
    changed = compiler_names.rewrite_tree(root, 19)
    assert len(changed) == 3
    ns: dict = {}
    exec((lib / "_sysconfigdata__linux_x86_64-linux-gnu.py").read_text(), ns)
    data = json.loads((lib / "_sysconfig_vars__linux_x86_64-linux-gnu.json").read_text())
    for values in (ns["build_time_vars"], data):
        assert {k: values[k] for k in GCC} == GCC
        # the build's record and other variables keep the truth; flags stay
        assert values["CONFIG_ARGS"] == VARS["CONFIG_ARGS"] and values["OTHER"] == "clang-19"
        assert values["CFLAGS"] == VARS["CFLAGS"] and values["SIZEOF_INT"] == 4
    assert (lib / "config-3.14-x86_64-linux-gnu" / "Makefile").read_text() == (
        "CC=\t\tgcc\nCXX=\t\tg++\nLDSHARED=\t$(CC) -shared\nCONFIG_ARGS=\t 'CC=clang-19'\nAR=\t\tar\n")
    assert compiler_names.rewrite_tree(root, 19) == []  # idempotent


def test_the_pprint_layout_of_older_lines_is_rewritten_too(tmp_path):
    path = tmp_path / "_sysconfigdata__linux_x86_64-linux-gnu.py"
    path.write_text("build_time_vars = " + pprint.pformat(VARS) + "\n")
    assert compiler_names.rewrite_file(path, compiler_names.gcc_names(19))
    ns: dict = {}
    exec(path.read_text(), ns)
    assert ns["build_time_vars"]["CC"] == "gcc" and ns["build_time_vars"]["LDSHARED"].startswith("gcc -shared")


def test_an_unknown_layout_stops_the_package_step(tmp_path):
    path = tmp_path / "_sysconfigdata__linux_x86_64-linux-gnu.py"
    path.write_text("build_time_vars = {'CC':\n 'clang-19'}\n")
    with pytest.raises(UserError, match="cannot rewrite the compiler names"):
        compiler_names.rewrite_file(path, compiler_names.gcc_names(19))


def test_only_whole_words_change():
    names = compiler_names.gcc_names(19)
    assert compiler_names.swap_words("clang-19 -fclang-19 clang-190 x/clang-19", names) == \
        "gcc -fclang-19 clang-190 x/clang-19"
