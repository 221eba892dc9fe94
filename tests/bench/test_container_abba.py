"""docker/bench/abba.py, the in-container runner: every interpreter in ABBA order, for pyperformance's
benchmarks and for the threads loop alike (one order, in one place)."""

import importlib.util
import sys
from pathlib import Path

SPEC = importlib.util.spec_from_file_location("container_abba",
                                              Path(__file__).parents[2] / "docker" / "bench" / "abba.py")
runner = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(runner)


def test_the_order_is_a_b_c_c_b_a():
    assert runner.abba(["a=/x/a", "b=/x/b", "c=/x/c=d"]) == [
        ("a", "/x/a"), ("b", "/x/b"), ("c", "/x/c=d"), ("c", "/x/c=d"), ("b", "/x/b"), ("a", "/x/a")]


def test_the_threads_loop_runs_each_interpreter_in_that_order_every_round(tmp_path):
    script = tmp_path / "threads.py"
    script.write_text('import sys; print(\'{"python": "%s"}\' % sys.argv[0])\n')
    runner.threads(str(script), str(tmp_path / "out"), "2", f"gil={sys.executable}", f"ft={sys.executable}")
    for round_ in ("r1", "r2"):
        names = sorted(p.name for p in (tmp_path / "out" / "threads" / round_).iterdir())
        assert names == ["ft-1.json", "ft-2.json", "gil-0.json", "gil-3.json"]
        assert (tmp_path / "out" / "threads" / round_ / "gil-3.json").read_text().startswith('{"python"')
