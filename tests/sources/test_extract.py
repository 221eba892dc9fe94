"""Safe extraction: paths outside the top folder, absolute paths and escaping links are refused."""

import io
import os
import tarfile

import pytest

from tasks.errors import UserError
from tasks.sources.extract import extract

TOP = "Python-3.13.15"


def make_tar(path, members):
    with tarfile.open(path, "w:xz") as archive:
        for name, kind, data in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            elif kind in ("sym", "hard"):
                info.type = tarfile.SYMTYPE if kind == "sym" else tarfile.LNKTYPE
                info.linkname = data
                archive.addfile(info)
            elif kind == "dev":
                info.type = tarfile.CHRTYPE
                archive.addfile(info)
    return path


def test_genuine_layout_extracts(tmp_path):
    tarball = make_tar(tmp_path / "ok.tar.xz", [
        (TOP, "dir", b""), (f"{TOP}/configure", "file", b"#!/bin/sh\n"),
        (f"{TOP}/Lib/os.py", "file", b"import sys\n"), (f"{TOP}/Lib/link.py", "sym", "os.py"),
    ])
    dest, stamp = tmp_path / "src" / TOP, tmp_path / "src" / "stamp.json"
    extract(tarball, dest, TOP, stamp)
    assert (dest / "Lib" / "os.py").read_text() == "import sys\n"
    assert (dest / "Lib" / "link.py").read_text() == "import sys\n"
    assert stamp.is_file()


@pytest.mark.parametrize("members, words", [
    ([(f"{TOP}/../evil", "file", b"x")], "outside"),
    (["/etc/evil", "file", b"x"] and [("/etc/evil", "file", b"x")], "outside"),
    ([("other-top/file", "file", b"x")], "outside"),
    ([(f"{TOP}/Lib/escape", "sym", "../../../etc/passwd")], "points outside"),
    ([(f"{TOP}/Lib/abs", "sym", "/etc/passwd")], "points outside"),
    ([(f"{TOP}/Lib/hard", "hard", "etc/passwd")], "points outside"),
    ([(f"{TOP}/dev", "dev", b"")], "special files"),
])
def test_hostile_members_are_refused(tmp_path, members, words):
    tarball = make_tar(tmp_path / "bad.tar.xz", [(TOP, "dir", b""), (f"{TOP}/configure", "file", b"x")] + members)
    dest, stamp = tmp_path / "src" / TOP, tmp_path / "src" / "stamp.json"
    with pytest.raises(UserError, match=words):
        extract(tarball, dest, TOP, stamp)
    assert not dest.exists() and not stamp.exists()
    assert not (tmp_path / "evil").exists()
    assert [p.name for p in (tmp_path / "src").iterdir()] == []  # nothing half-written


def test_truncated_tarball_is_a_user_error(tmp_path):
    tarball = make_tar(tmp_path / "ok.tar.xz", [(TOP, "dir", b""), (f"{TOP}/f", "file", os.urandom(100000))])
    tarball.write_bytes(tarball.read_bytes()[:200])
    with pytest.raises(UserError, match="cannot unpack"):
        extract(tarball, tmp_path / "src" / TOP, TOP, tmp_path / "src" / "stamp.json")
    assert not (tmp_path / "src" / TOP).exists()
