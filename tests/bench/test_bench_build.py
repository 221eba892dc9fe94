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
