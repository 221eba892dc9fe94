"""docker/validate/lintian.sh against a fake lintian: one lintian per core but one (the install check runs
beside it), the packages dealt out largest first, all running at once, their logs joined and the worst exit
status kept."""

import os
import subprocess
from pathlib import Path

import pytest

FAKE_LINTIAN = r"""#!/bin/bash
[ "$1" = --version ] && { echo "Lintian v0.fake"; exit 0; }
files=()
for arg in "$@"; do case "$arg" in --*) ;; *) [ "$arg" = none ] || files+=("$(basename "$arg")");; esac; done
touch "$PB_FAKE_DIR/started.$$"
# wait (up to 10 s) until every expected run has started: passes only if the runs overlap
for _ in $(seq 100); do
    [ "$(ls "$PB_FAKE_DIR" | grep -c '^started\.')" -ge "$PB_FAKE_RUNS" ] && break
    sleep 0.1
done
echo "${files[*]}" >> "$PB_FAKE_DIR/groups"
[ "$(ls "$PB_FAKE_DIR" | grep -c '^started\.')" -ge "$PB_FAKE_RUNS" ] && echo overlapped >> "$PB_FAKE_DIR/overlap"
status=0
for f in "${files[@]}"; do
    case "$f" in
        bad*) echo "E: ${f%%_*}: some-error-tag"; status=2 ;;
        *) echo "I: ${f%%_*}: some-info-tag" ;;
    esac
done
exit $status
"""


def run_lintian_sh(root: Path, tmp_path: Path, debs: dict[str, int], cores: int, runs: int):
    bin_dir, debs_dir, out, fake = (tmp_path / n for n in ("bin", "debs", "out", "fake"))
    for d in (bin_dir, debs_dir, out, fake):
        d.mkdir()
    (bin_dir / "lintian").write_text(FAKE_LINTIAN)
    (bin_dir / "nproc").write_text(f"#!/bin/sh\necho {cores}\n")
    for tool in ("lintian", "nproc"):
        (bin_dir / tool).chmod(0o755)
    for name, size in debs.items():
        if size >= 0:
            (debs_dir / name).write_bytes(b"x" * size)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "PB_DEBS_DIR": str(debs_dir), "PB_OUT_DIR": str(out),
           "PB_FAKE_DIR": str(fake), "PB_FAKE_RUNS": str(runs), "PB_LINTIAN_SUPPRESS": ""}
    done = subprocess.run(["bash", str(root / "docker" / "validate" / "lintian.sh"), *debs], env=env,
                          capture_output=True, text=True, timeout=60)
    groups = sorted((fake / "groups").read_text().splitlines()) if (fake / "groups").exists() else []
    overlap = (fake / "overlap").read_text().count("overlapped") if (fake / "overlap").exists() else 0
    return done, out, groups, overlap


def test_packages_are_dealt_to_one_lintian_per_core_but_one_largest_first(root, tmp_path):
    debs = {"main_1_amd64.deb": 400, "main-dbgsym_1_amd64.deb": 300, "ft_1_amd64.deb": 200,
            "ft-dbgsym_1_amd64.deb": 100}
    done, out, groups, overlap = run_lintian_sh(root, tmp_path, debs, cores=3, runs=2)
    assert done.returncode == 0, done.stderr
    # largest first, round robin: 400 + 200 on one core, 300 + 100 on the other
    assert groups == ["main-dbgsym_1_amd64.deb ft-dbgsym_1_amd64.deb", "main_1_amd64.deb ft_1_amd64.deb"]
    assert overlap == 2
    log = (out / "lintian.log").read_text()
    assert sorted(log.splitlines()) == sorted(f"I: {n.split('_')[0]}: some-info-tag" for n in debs)
    assert (out / "lintian.rc").read_text().strip() == "0"
    assert sorted(p.name for p in out.iterdir()) == ["lintian.log", "lintian.rc"]
    assert done.stdout.startswith("Lintian v0.fake\n")


def test_the_worst_exit_status_wins_and_every_hint_is_kept(root, tmp_path):
    debs = {"good_1_amd64.deb": 50, "bad_1_amd64.deb": 40, "other_1_amd64.deb": 30}
    done, out, groups, _ = run_lintian_sh(root, tmp_path, debs, cores=8, runs=3)
    assert done.returncode == 0
    assert len(groups) == 3  # never more runs than packages
    assert (out / "lintian.rc").read_text().strip() == "2"
    assert "E: bad: some-error-tag" in (out / "lintian.log").read_text()


@pytest.mark.parametrize("cores", [1, 2])
def test_one_or_two_cores_run_one_lintian_on_every_package(root, tmp_path, cores):
    debs = {"main_1_amd64.deb": 400, "ft_1_amd64.deb": 200, "main-dbgsym_1_amd64.deb": 300}
    done, out, groups, _ = run_lintian_sh(root, tmp_path, debs, cores=cores, runs=1)
    assert groups == ["main_1_amd64.deb main-dbgsym_1_amd64.deb ft_1_amd64.deb"]
    assert (out / "lintian.rc").read_text().strip() == "0"


def test_a_missing_package_is_still_handed_to_lintian(root, tmp_path):
    done, out, groups, _ = run_lintian_sh(root, tmp_path, {"here_1_amd64.deb": 10, "gone_1_amd64.deb": -1},
                                          cores=2, runs=1)
    assert groups == ["here_1_amd64.deb gone_1_amd64.deb"]
