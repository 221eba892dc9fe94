"""bench_speed's arithmetic on pyperf-format files: medians skip calibration runs, ratios, geometric mean."""

import importlib.util
import json
import math
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location("bench_speed", Path(__file__).parents[2] / "bench" / "bench_speed.py")
bench_speed = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(bench_speed)


def pyperf_file(path: Path, values: dict[str, list[float]]) -> None:
    benchmarks = [{"metadata": {"name": name},
                   "runs": [{"metadata": {}, "warmups": [[1, 9.0]]},  # calibration: warmups only
                            {"metadata": {}, "warmups": [[1, 9.0]], "values": vals}]}
                  for name, vals in values.items()]
    path.write_text(json.dumps({"benchmarks": benchmarks, "metadata": {}, "version": "1.0"}))


@pytest.fixture
def results(tmp_path, monkeypatch):
    monkeypatch.setattr(bench_speed, "RESULTS", tmp_path)
    monkeypatch.setattr(bench_speed, "RAW", tmp_path / "speed")
    (tmp_path / "speed").mkdir()
    return tmp_path / "speed"


def test_medians_ignore_warmups_and_outliers(results):
    pyperf_file(results / "distro.json", {"nbody": [1.0, 2.0, 9.0]})
    assert bench_speed.medians(results / "distro.json") == {"nbody": 2.0}


def test_report_ratios_and_geometric_means(results):
    pyperf_file(results / "distro.json", {"nbody": [2.0], "telco": [1.0], "float": [1.0]})
    pyperf_file(results / "ours.json", {"nbody": [1.0], "telco": [2.0]})  # float missing: not compared
    pyperf_file(results / "ours-ft.json", {"nbody": [1.5], "telco": [2.0]})
    (results / "ours.threads.json").write_text(json.dumps({"cpus": 2, "gil": True, "seconds": {"1": 1.0, "2": 2.0}}))
    summary = bench_speed.report()
    ours = summary["comparisons"]["ours vs distro"]
    assert ours["ratios"] == {"nbody": 0.5, "telco": 2.0} and ours["benchmarks"] == 2
    assert math.isclose(ours["geomean"], 1.0)
    assert math.isclose(summary["comparisons"]["ours-ft vs ours"]["geomean"], math.sqrt(1.5))
    assert summary["threads"]["ours"]["seconds"]["2"] == 2.0
    written = json.loads((results.parent / "speed.json").read_text())
    assert written["comparisons"]["ours vs distro"]["ratios"]["nbody"] == 0.5


def test_report_pairs_compare_two_builds_directly(results):
    import argparse

    import pytest
    pyperf_file(results / "cpython-lto-1.json", {"nbody": [2.0], "telco": [1.0]})
    pyperf_file(results / "parallel-lto-1.json", {"nbody": [1.0], "telco": [1.0]})
    summary = bench_speed.report(argparse.Namespace(pair=["cpython-lto-1:parallel-lto-1"]))
    assert summary["comparisons"]["parallel-lto-1 vs cpython-lto-1"]["ratios"] == {"nbody": 0.5, "telco": 1.0}
    with pytest.raises(SystemExit, match="no results for nothing"):
        bench_speed.report(argparse.Namespace(pair=["cpython-lto-1:nothing"]))
