"""bench_build reads every step's seconds from the reporter's timing summary, whatever the row after it."""

import importlib.util
from pathlib import Path

SPEC = importlib.util.spec_from_file_location("bench_build", Path(__file__).parents[2] / "bench" / "bench_build.py")
bench_build = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(bench_build)

# the summary of a real optimized build of both interpreters (rows that end in "ok" and rows with a note)
SUMMARY = """\
  [pass] the distro's python3 works after the purge: ok

python-builder: timing
  image:trixie                     0.3 s  ok
  download:3.14.7                  2.4 s  ok
  checksum:3.14.7                  0.1 s  ok
  extract:3.14.7                   4.5 s  ok
  configure_ft:3.14.7-trixie      50.6 s  ok
  configure:3.14.7-trixie         52.2 s  ok
  compile:3.14.7-trixie         1888.6 s  ok  ccache 5/734 hits (1%)
  compile_ft:3.14.7-trixie      1985.1 s  ok  ccache 9/734 hits (1%)
  package:3.14.7-trixie          207.3 s  ok
  validate:3.14.7-trixie         151.7 s  FAILED
  total                         4342.7 s
  wall                          2401.6 s
  ccache                      14/1468 hits (1%)
"""


def test_every_row_of_the_timing_summary_is_read():
    steps = bench_build.step_seconds(SUMMARY)
    assert list(steps) == ["image:trixie", "download:3.14.7", "checksum:3.14.7", "extract:3.14.7",
                           "configure_ft:3.14.7-trixie", "configure:3.14.7-trixie", "compile:3.14.7-trixie",
                           "compile_ft:3.14.7-trixie", "package:3.14.7-trixie", "validate:3.14.7-trixie"]
    assert steps["configure_ft:3.14.7-trixie"] == 50.6 and steps["validate:3.14.7-trixie"] == 151.7
    assert "total" not in steps and "wall" not in steps


def test_the_original_procedure_builds_p4s_case_with_cpythons_lto_one_step_at_a_time(tmp_path, monkeypatch):
    """--original-procedure, P4's baseline: the same build as P4 (optimized-both), with LTO=cpython and doit -n 1."""
    calls = []
    monkeypatch.setattr(bench_build, "copy_project", lambda dest: dest)
    monkeypatch.setattr(bench_build, "measure", lambda name, project, *args: calls.append((name, args)) or {})
    monkeypatch.setattr(bench_build, "finish", lambda rows, scratch, options: None)
    monkeypatch.setattr(bench_build.tempfile, "mkdtemp", lambda prefix: str(tmp_path))
    monkeypatch.setattr("sys.argv", ["bench_build.py", "--optimized", "--original-procedure", "--only-extra"])
    bench_build.main()
    (p4, p4_args), (original, original_args) = calls
    assert (p4, original) == ("optimized-both", "original-procedure")
    assert original_args == ("-n", "1", *p4_args, "LTO=cpython")
