#!/usr/bin/env python3
"""Build benchmarks: wall seconds of real doit runs in scratch copies of the project.

  cold-fast-nogil    FAST build of 3.13.5, default interpreter only, empty cache (ccache cold)
  micro-rebuild      then 3.13.15 in the same copy: the 3.13.5 -> 3.13.15 micro-version rebuild (warm ccache)
  noop               then `doit build` again with nothing changed
  cold-fast-both     FAST build of 3.13.15 with the free-threaded interpreter, in a second empty copy

The build image is cached by Docker across copies (same recipe), so "cold" means an empty cache/
(downloads, build trees, ccache) with the image already built; the image step's own time is in the table.
Prints a table and writes bench/results/build.json. Run: python3 bench/bench_build.py [--keep]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import copy_project  # noqa: E402

TIMING_LINE = re.compile(r"^\s{2}(\S+)\s+([0-9.]+) s\s+(ok|FAILED)$", re.M)
CCACHE_LINE = re.compile(r"^ccache: (\d+) hits, (\d+) misses", re.M)


def doit(project: Path, *args: str) -> tuple[float, str]:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "doit", *args], cwd=project, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seconds = time.monotonic() - started
    (project / "bench.log").open("a").write(f"\n===== doit {' '.join(args)}\n{result.stdout}")
    if result.returncode != 0:
        sys.exit(f"doit {' '.join(args)} failed; see {project / 'bench.log'}")
    return seconds, result.stdout


def measure(name: str, project: Path, *args: str) -> dict:
    seconds, output = doit(project, *args)
    steps = {m.group(1): float(m.group(2)) for m in TIMING_LINE.finditer(output) if m.group(1) != "total"}
    hits = [(int(h), int(m)) for h, m in CCACHE_LINE.findall(output)]
    row = {"name": name, "seconds": round(seconds, 2), "steps": steps,
           "ccache_hits": sum(h for h, _ in hits), "ccache_misses": sum(m for _, m in hits)}
    print(f"{name:<18} {seconds:9.2f} s   ccache {row['ccache_hits']} hits / {row['ccache_misses']} misses",
          flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the scratch copies")
    options = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="pb-bench-"))
    common = ("DISTRO=trixie", "FAST_BUILD=true")
    rows = []
    try:
        first = copy_project(scratch / "a")
        rows.append(measure("cold-fast-nogil", first, "build", "PYTHON_VERSION=3.13.5", "BUILD_NOGIL=false", *common))
        rows.append(measure("micro-rebuild", first, "build", "PYTHON_VERSION=3.13.15", "BUILD_NOGIL=false", *common))
        rows.append(measure("noop", first, "build", "PYTHON_VERSION=3.13.15", "BUILD_NOGIL=false", *common))
        second = copy_project(scratch / "b")
        rows.append(measure("cold-fast-both", second, "build", "PYTHON_VERSION=3.13.15", "BUILD_NOGIL=true", *common))
    finally:
        if not options.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "build.json").write_text(json.dumps(rows, indent=2) + "\n")
    print("\nper step (seconds):")
    for row in rows:
        print(f"  {row['name']}: " + ", ".join(f"{k} {v:.1f}" for k, v in row["steps"].items()))
    print(f"\nwritten: {results / 'build.json'}")


if __name__ == "__main__":
    main()
