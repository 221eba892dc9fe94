"""bench/bench_abba.py's arithmetic: speed ratios per round, the pooled geometric mean, and the spread."""

import argparse
import importlib.util
import json
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location("bench_abba", Path(__file__).parents[2] / "bench" / "bench_abba.py")
abba = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(abba)


def pyperf_file(path: Path, name: str, values: list[float]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"metadata": {"name": name},
                                "benchmarks": [{"runs": [{"values": values}], "metadata": {"name": name}}]}))


def write_round(out: Path, round_: int, times: dict[str, dict[str, float]]) -> None:
    for label, benches in times.items():
        for name, seconds in benches.items():
            for leg in (0, 1):  # ABBA: two runs per interpreter and round
                pyperf_file(out / "raw" / f"r{round_}" / label / f"{name}-{leg}.json", name, [seconds] * 3)


def test_ratios_spread_and_publication(tmp_path):
    out = tmp_path / "run"
    # ours is 10% faster on one benchmark and level on the other in round 1; 20% and level in round 2
    write_round(out, 1, {"distro": {"a": 1.1, "b": 1.0}, "ours": {"a": 1.0, "b": 1.0}})
    write_round(out, 2, {"distro": {"a": 1.2, "b": 1.0}, "ours": {"a": 1.0, "b": 1.0}})
    (out / "ours.version").write_text("Python 3.14.7")
    args = argparse.Namespace(out=str(out), line="3.14", distro_name="Debian forky python3.14 3.14.8",
                              publish=str(tmp_path / "pub"))
    summary = abba.report(args)
    result = summary["comparisons"]["ours vs distro"]
    assert result["per_round"] == [round((1.1 ** 0.5), 3), round((1.2 ** 0.5), 3)]
    assert result["spread"] == [1.049, 1.095] and result["significant"] and result["rounds"] == 2
    assert result["per_benchmark"] == {"a": 1.15, "b": 1.0}  # medians of both rounds' values: 1.15 / 1.0
    published = json.loads((tmp_path / "pub" / "p5-summary.json").read_text())
    assert published["lines"] == [{"line": "3.14", "ours": "Python 3.14.7 [ours]",
                                   "distro": "Debian forky python3.14 3.14.8", "speedup_vs_distro": 1.072,
                                   "rounds": 2, "spread": [1.049, 1.095], "significant": True}]


def test_a_spread_across_one_is_not_significant(tmp_path):
    out = tmp_path / "run"
    write_round(out, 1, {"distro": {"a": 1.05}, "ours": {"a": 1.0}})
    write_round(out, 2, {"distro": {"a": 0.97}, "ours": {"a": 1.0}})
    summary = abba.report(argparse.Namespace(out=str(out), line="3.13", distro_name="x", publish=None))
    assert not summary["comparisons"]["ours vs distro"]["significant"]


def test_one_round_claims_nothing(tmp_path):
    """One round has no spread across rounds: neither a gain nor PEP 779's bar is claimed from it."""
    out = tmp_path / "run"
    write_round(out, 1, {"gcc": {"a": 1.0}, "gcc-ft": {"a": 1.05}, "distro": {"a": 1.2}})
    summary = abba.report(argparse.Namespace(out=str(out), line="3.14", distro_name="x", publish=None))
    assert summary["comparisons"]["gcc vs distro"]["speedup"] == 1.2
    assert not summary["comparisons"]["gcc vs distro"]["significant"]
    assert abba.free_threaded(summary) == [{"ours": "gcc-ft", "against": "gcc", "single_thread_time_ratio": 1.05,
                                            "spread": [1.05, 1.05], "within_pep779": None}]


def test_run_refuses_mixing_results(tmp_path):
    (tmp_path / "raw").mkdir()
    with pytest.raises(SystemExit, match="choose another --out"):
        abba.run(argparse.Namespace(out=str(tmp_path), variant=["x=/nowhere"], override=[]))


def test_free_threaded_and_the_threads_loop_are_published(tmp_path):
    out = tmp_path / "run"
    # the free-threaded twin takes 1.1x the time, in both rounds
    write_round(out, 1, {"distro": {"a": 1.0}, "gcc": {"a": 1.0}, "gcc-ft": {"a": 1.1}})
    write_round(out, 2, {"distro": {"a": 1.0}, "gcc": {"a": 1.0}, "gcc-ft": {"a": 1.1}})
    for round_, (one, two) in enumerate([(1.0, 1.9), (0.9, 2.0)], start=1):
        path = out / "threads" / f"r{round_}" / "gcc-0.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"cpus": 2, "gil": True, "seconds": {"1": one, "2": two}}))
        (path.parent / "gcc-ft-1.json").write_text(json.dumps({"cpus": 2, "gil": False,
                                                               "seconds": {"1": 1.0, "2": 1.0}}))
    pub = tmp_path / "pub"
    pub.mkdir()
    (pub / "p5-summary.json").write_text(json.dumps({"lines": [{"line": "3.13", "kept": True}]}))
    summary = abba.report(argparse.Namespace(out=str(out), line="3.14", distro_name="x", publish=str(pub)))
    assert summary["threads"]["gcc"] == {"gil": True, "runs": 2, "seconds": {"1": 0.9, "2": 1.9}, "gain": 0.947}
    assert summary["threads"]["gcc-ft"]["gain"] == 2.0
    published = json.loads((pub / "p5-summary.json").read_text())
    assert published["free_threaded"] == [{"line": "3.14", "ours": "gcc-ft", "against": "gcc",
                                           "single_thread_time_ratio": 1.1, "spread": [1.1, 1.1],
                                           "within_pep779": True}]
    assert published["threads_loop"]["3.14"]["gcc-ft"]["seconds"] == {"1": 1.0, "2": 1.0}
    assert [e["line"] for e in published["lines"]] == ["3.13", "3.14", "3.14"]  # other lines are kept


def test_without_the_distros_python_the_twins_are_still_compared(tmp_path):
    out = tmp_path / "run"
    write_round(out, 1, {"gcc": {"a": 1.0}, "gcc-ft": {"a": 1.2}})
    summary = abba.report(argparse.Namespace(out=str(out), line="3.14", distro_name="x", publish=None))
    assert list(summary["comparisons"]) == ["gcc-ft vs gcc"]
    assert abba.free_threaded(summary)[0]["single_thread_time_ratio"] == 1.2


def test_two_variants_are_compared_when_asked(tmp_path):
    out = tmp_path / "run"
    write_round(out, 1, {"pie": {"a": 1.1, "b": 1.0}, "nopie": {"a": 1.0, "b": 1.0}})
    write_round(out, 2, {"pie": {"a": 1.1, "b": 1.1}, "nopie": {"a": 1.0, "b": 1.0}})
    args = argparse.Namespace(out=str(out), line="3.14", distro_name="x", publish=None, pair=["pie:nopie"])
    result = abba.report(args)["comparisons"]["nopie vs pie"]
    assert result["per_benchmark"] == {"a": 1.1, "b": 1.05} and result["significant"]
    assert abba.pairs(abba.report(args)) == [{"ours": "nopie", "against": "pie", "speedup": result["speedup"],
                                              "rounds": 2, "spread": result["spread"], "significant": True}]
    with pytest.raises(SystemExit, match="--pair pie:bolt: both labels must be among the run's: nopie, pie"):
        abba.report(argparse.Namespace(out=str(out), line="3.14", distro_name="x", publish=None, pair=["pie:bolt"]))


def test_a_pair_of_two_free_threaded_builds_is_not_peps_question(tmp_path):
    out = tmp_path / "run"
    write_round(out, 1, {"tail": {"a": 1.0}, "tail-ft": {"a": 1.2}, "notail": {"a": 1.25}, "notail-ft": {"a": 1.3}})
    pub = tmp_path / "pub"
    args = argparse.Namespace(out=str(out), line="3.14", distro_name="x", publish=str(pub),
                              pair=["tail:notail", "tail-ft:notail-ft"])
    abba.report(args)
    published = json.loads((pub / "p5-summary.json").read_text())
    assert [(e["ours"], e["against"]) for e in published["free_threaded"]] == [("notail-ft", "notail"),
                                                                                ("tail-ft", "tail")]
    assert [(e["ours"], e["against"], e["speedup"]) for e in published["pairs"]] == [
        ("notail", "tail", 0.8), ("notail-ft", "tail-ft", 0.923)]
