"""bench/reproducible.py: identical .debs are reported identical; a difference names the member and field."""

import importlib.util
import json
import os
import subprocess
from pathlib import Path

SPEC = importlib.util.spec_from_file_location("reproducible", Path(__file__).parents[2] / "bench" / "reproducible.py")
reproducible = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(reproducible)


def deb(tmp_path: Path, name: str, mtime: int, content: str = "print()\n") -> Path:
    tree = tmp_path / f"tree-{name}-{mtime}"
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "DEBIAN" / "control").write_text("Package: pbdemo\nVersion: 1\nArchitecture: all\n"
                                             "Maintainer: x <x@example.org>\nDescription: demo\n")
    (tree / "opt").mkdir()
    (tree / "opt" / "demo.py").write_text(content)
    for path in tree.rglob("*"):
        os.utime(path, (mtime, mtime))
    out = tmp_path / name / "pbdemo_1_all.deb"
    out.parent.mkdir(exist_ok=True)
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(tree), str(out)], check=True,
                   capture_output=True, env={**os.environ, "SOURCE_DATE_EPOCH": str(mtime)})
    return out


def test_identical_and_different_packages(tmp_path, capsys):
    deb(tmp_path, "a", 1_700_000_000)
    deb(tmp_path, "b", 1_700_000_000)
    out = tmp_path / "result.json"
    assert reproducible.main(["case", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["all_identical"] and result["debs"][0]["identical"]
    deb(tmp_path, "c", 1_700_000_999)
    assert reproducible.main(["case", str(tmp_path / "a"), str(tmp_path / "c")]) == 1
    printed = capsys.readouterr().out
    assert "pbdemo_1_all.deb: DIFFERENT" in printed and "fsys: ./opt/demo.py (mtime)" in printed
