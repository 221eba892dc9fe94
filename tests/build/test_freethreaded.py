"""The free-threaded add-on tree: only what the main package lacks, with a complete lib/python3.Xt."""

import os
from pathlib import Path

from tasks.build.freethreaded import dedupe

PREFIX = "/opt/python/python3.14"


def write(root: Path, rel: str, text: str = "x") -> Path:
    path = root / PREFIX.strip("/") / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def make_trees(tmp_path):
    main, ft = tmp_path / "main", tmp_path / "ft"
    for root in (main, ft):
        write(root, "lib/python3.14{}/os.py".format("t" if root is ft else ""), "import sys\n")
        write(root, "lib/python3.14{}/json/__init__.py".format("t" if root is ft else ""), "json\n")
        write(root, "lib/python3.14{}/site-packages/README.txt".format("t" if root is ft else ""), "readme\n")
        write(root, "include/python3.14{}/Python.h".format("t" if root is ft else ""), "same\n")
        write(root, "bin/pydoc3.14", f"#!{PREFIX}/bin/python3.14{'t' if root is ft else ''}\n")
        write(root, "share/man/man1/python3.14.1", "man\n")
    write(main, "bin/python3.14", "ELF main")
    (main / PREFIX.strip("/") / "bin" / "python3").symlink_to("python3.14")
    write(ft, "bin/python3.14t", "ELF ft")
    write(ft, "bin/python3.14", "ELF ft hardlink")
    (ft / PREFIX.strip("/") / "bin" / "python3").symlink_to("python3.14")
    write(main, "lib/python3.14/lib-dynload/_ssl.cpython-314-x86_64-linux-gnu.so", "gil")
    write(ft, "lib/python3.14t/lib-dynload/_ssl.cpython-314t-x86_64-linux-gnu.so", "nogil")
    write(main, "lib/python3.14/_sysconfigdata__linux_x86_64-linux-gnu.py", "gil vars")
    write(ft, "lib/python3.14t/_sysconfigdata_t_linux_x86_64-linux-gnu.py", "t vars")
    write(main, "lib/python3.14/sysconfig/__init__.py", "same\n")
    write(ft, "lib/python3.14t/sysconfig/__init__.py", "same\n")
    write(main, "lib/python3.14/sysconfig/__main__.py", "main\n")
    write(ft, "lib/python3.14t/sysconfig/__main__.py", "differs\n")
    write(main, "include/python3.14/pyconfig.h", "#undef Py_GIL_DISABLED\n")
    write(ft, "include/python3.14t/pyconfig.h", "#define Py_GIL_DISABLED 1\n")
    write(main, "lib/python3.14/site-packages/pip/__init__.py", "pip\n")
    return main, ft


def test_dedupe_keeps_only_what_main_lacks(tmp_path):
    main, ft = make_trees(tmp_path)
    result = dedupe(ft, main, PREFIX, "3.14")
    p = ft / PREFIX.strip("/")
    files = sorted(str(path.relative_to(p)) for path in p.rglob("*") if path.is_file() and not path.is_symlink())
    assert files == [
        "bin/python3.14t",
        "include/python3.14t/pyconfig.h",
        "lib/python3.14t/_sysconfigdata_t_linux_x86_64-linux-gnu.py",
        "lib/python3.14t/lib-dynload/_ssl.cpython-314t-x86_64-linux-gnu.so",
        "lib/python3.14t/sysconfig/__main__.py",
    ]
    # paths the main package has are gone: nothing in the two packages overlaps
    assert not (p / "bin" / "python3.14").exists() and not (p / "bin" / "python3").is_symlink()
    assert not (p / "bin" / "pydoc3.14").exists() and not (p / "share").exists()
    # identical stdlib and headers are relative symlinks into the main tree
    assert os.readlink(p / "lib/python3.14t/os.py") == "../python3.14/os.py"
    assert os.readlink(p / "lib/python3.14t/json") == "../python3.14/json"
    assert os.readlink(p / "lib/python3.14t/sysconfig/__init__.py") == "../../python3.14/sysconfig/__init__.py"
    assert os.readlink(p / "include/python3.14t/Python.h") == "../python3.14/Python.h"
    # its own site-packages is a real directory, not main's
    assert (p / "lib/python3.14t/site-packages").is_dir()
    assert not (p / "lib/python3.14t/site-packages").is_symlink()
    assert not (p / "lib/python3.14t/site-packages/pip").exists()
    assert os.readlink(p / "bin/python3t") == "python3.14t"
    assert result.linked >= 4 and result.dropped == 4


def test_links_resolve_once_both_packages_are_installed(tmp_path):
    main, ft = make_trees(tmp_path)
    dedupe(ft, main, PREFIX, "3.14")
    # simulate installing both packages into one root
    installed = tmp_path / "installed"
    for tree in (main, ft):
        for path in sorted(tree.rglob("*")):
            dest = installed / path.relative_to(tree)
            if path.is_symlink():
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.symlink_to(os.readlink(path))
            elif path.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
            else:
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(path.read_bytes())
    lib_t = installed / PREFIX.strip("/") / "lib" / "python3.14t"
    assert (lib_t / "os.py").read_text() == "import sys\n"  # getpath's landmark is found
    assert (lib_t / "json" / "__init__.py").read_text() == "json\n"
    assert (lib_t / "site-packages" / "README.txt").read_text() == "readme\n"
    assert (installed / PREFIX.strip("/") / "bin" / "python3t").resolve().name == "python3.14t"
