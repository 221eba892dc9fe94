"""python-builder: `doit build` turns CPython releases into Debian packages. See README.md.

This file only wires the task creators; the logic lives in the `tasks` package.
"""

from pathlib import Path

from tasks.pipeline import cli
from tasks.pipeline.reporter import TimingReporter

ROOT = Path(__file__).resolve().parent

DOIT_CONFIG = {
    "default_tasks": ["build"],
    "backend": "sqlite3",
    "dep_file": cli.dep_file(ROOT),
    "verbosity": 2,
    "reporter": TimingReporter,
    # Two tasks at once: the default and free-threaded interpreters' chains (and those of other versions and
    # distros) overlap, so one chain's serial phases (configure, the LTO link, packaging) use the core the
    # other leaves idle. `doit -n 1 build` runs one step at a time.
    "num_process": 2,
    "par_type": "thread",
    "minversion": "0.37.0",
}


def task_python_builder():
    """python-builder's steps (each family below is a doit task with one sub-task per item)."""
    yield from cli.tasks(ROOT)
