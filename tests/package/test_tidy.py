"""tidy: no byte-code, Python scripts run the package's interpreter, modes that match content, true RECORDs."""

import csv
import os
import stat

import pytest

from tasks.package.tidy import new_shebang, record_hash, tidy

PY = "/opt/python/python3.13/bin/python3.13"


@pytest.mark.parametrize("line, expected", [
    (b"#!/usr/bin/env python3\n", f"#!{PY}\n"),
    (b"#! /usr/bin/env python\n", f"#!{PY}\n"),
    (b"#!/usr/local/bin/python3.13 -u\n", f"#!{PY} -u\n"),
    (b"#!/usr/bin/python\n", f"#!{PY}\n"),
    (b"#!/bin/sh\n", None),
    (b"#!/usr/bin/env perl\n", None),
    (b"#!/usr/bin/env python3-config\n", None),
    (f"#!{PY}\n".encode(), None),
    (b"import os\n", None),
    (b"#!\n", None),
])
def test_new_shebang(line, expected):
    assert new_shebang(line, PY) == (expected.encode() if expected else None)


def write(path, data: bytes, mode: int):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.chmod(path, mode)


def test_tidy_a_staged_prefix(tmp_path):
    prefix = tmp_path / "opt/python/python3.13"
    lib = prefix / "lib/python3.13"
    write(lib / "base64.py", b"#! /usr/bin/env python3\n\"\"\"doc\"\"\"\n", 0o755)
    write(lib / "encodings/rot_13.py", b"#!/usr/bin/env python\nx = 1\n", 0o644)
    write(lib / "test/test_array.py", b"import array\n", 0o755)
    write(lib / "config-3.13-x86_64-linux-gnu/install-sh", b"#!/bin/sh\necho\n", 0o755)
    write(lib / "lib-dynload/_json.so", b"\x7fELF\x02\x01", 0o755)
    write(lib / "json/__pycache__/__init__.cpython-313.pyc", b"pyc", 0o644)
    write(lib / "__pycache__/os.cpython-313.pyc", b"pyc", 0o644)
    sp = lib / "site-packages"
    certs = b"#!/usr/bin/env python\nwhere = 1\n"
    write(sp / "pip/_vendor/requests/certs.py", certs, 0o644)
    write(sp / "pip/__init__.py", b"x\n", 0o644)
    (sp / "pip-25.0.dist-info").mkdir()
    with open(sp / "pip-25.0.dist-info/RECORD", "w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([
            ["pip/__init__.py", record_hash(b"x\n"), "2"],
            ["pip/_vendor/requests/certs.py", record_hash(certs), str(len(certs))],
            ["pip-25.0.dist-info/RECORD", "", ""],
        ])
    (lib / "os.py").write_text("import sys\n")
    os.symlink("os.py", lib / "os_link.py")

    result = tidy(prefix, PY)

    assert not list(prefix.rglob("__pycache__"))
    assert (lib / "base64.py").read_bytes() == f"#!{PY}\n\"\"\"doc\"\"\"\n".encode()
    assert (lib / "encodings/rot_13.py").read_bytes().startswith(f"#!{PY}\n".encode())
    assert stat.S_IMODE((lib / "encodings/rot_13.py").stat().st_mode) == 0o755  # a script is executable
    assert stat.S_IMODE((lib / "test/test_array.py").stat().st_mode) == 0o644  # no #!, not executable
    assert stat.S_IMODE((lib / "config-3.13-x86_64-linux-gnu/install-sh").stat().st_mode) == 0o755
    assert (lib / "config-3.13-x86_64-linux-gnu/install-sh").read_bytes() == b"#!/bin/sh\necho\n"
    assert stat.S_IMODE((lib / "lib-dynload/_json.so").stat().st_mode) == 0o755
    assert os.readlink(lib / "os_link.py") == "os.py"
    new_certs = (sp / "pip/_vendor/requests/certs.py").read_bytes()
    rows = {r[0]: r for r in csv.reader(open(sp / "pip-25.0.dist-info/RECORD"))}
    assert rows["pip/_vendor/requests/certs.py"][1:] == [record_hash(new_certs), str(len(new_certs))]
    assert rows["pip/__init__.py"][1:] == [record_hash(b"x\n"), "2"]
    assert (result.caches_removed, result.scripts_rewritten, result.modes_fixed, result.records_updated) == (
        2, 3, 1, 1)
    assert not list(prefix.rglob("*.pb-tmp"))
