#!/usr/bin/env python3
"""Build benchmarks: wall seconds of real doit runs in scratch copies of the project.

  cold-fast-nogil    FAST build of 3.13.5, default interpreter only, empty cache (ccache cold)
  micro-rebuild      then 3.13.15 in the same copy: the 3.13.5 -> 3.13.15 micro-version rebuild (warm ccache)
  noop               then `doit build` again with nothing changed
  cold-fast-both     FAST build of 3.13.15 with the free-threaded interpreter, in a second empty copy
  ft-flag-change     then a free-threaded-only configure flag added: counts the default-variant steps that
                     re-ran (must be 0)
  optimized-both     with --optimized (P4, most of an hour): a full optimized (PGO + LTO) build of 3.13.15
                     with both interpreters, in another empty copy
  original-procedure with --original-procedure: the same optimized build as optimized-both, run the way the
                     original builder runs it: CPython's own LTO flags in both PGO stages (LTO=cpython)
                     and one step at a time (doit -n 1), in another empty copy. The original builder cannot
                     run here as published (its Build-Depends do not parse); this is its procedure on our
                     pipeline, the stand-in that gives P4's ratio on the machine and in the period of the
                     measurement. It is on the fast side of the original: it keeps our parallel PGO training
                     (the original trains serially) and the original's own 1885 s matched it (1905 s, with
                     validate) on 26 November
  micro-rebuild-cold with --cold-micro: 3.13.5, then 3.13.15 after emptying cache/ccache, in a third copy
                     (the micro-version rebuild without the compiler cache)
  adjacent-A-B       with --adjacent: FAST builds (default interpreter) of A cold, then of the next micro
                     version B in the same copy, for 3.13.14 -> 3.13.15 and 3.14.6 -> 3.14.7: the compiler
                     cache's hit rate between adjacent releases, a figure (issue 17's withdrawn P2)

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

# a row of the reporter's timing summary: "  <task>  <seconds> s  ok[  <note>]", one line each (a \s after "ok"
# would also match the newline and swallow the next row)
TIMING_LINE = re.compile(r"^ {2}(\S+) +([0-9.]+) s +(ok|FAILED)(?:[ \t][^\n]*)?$", re.M)
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


def step_seconds(output: str) -> dict[str, float]:
    """Each step's seconds from doit's output (the reporter's timing summary)."""
    return {m.group(1): float(m.group(2)) for m in TIMING_LINE.finditer(output) if m.group(1) != "total"}


def measure(name: str, project: Path, *args: str) -> dict:
    seconds, output = doit(project, *args)
    steps = step_seconds(output)
    hits = [(int(h), int(m)) for h, m in CCACHE_LINE.findall(output)]
    row = {"name": name, "seconds": round(seconds, 2), "steps": steps,
           "ccache_hits": sum(h for h, _ in hits), "ccache_misses": sum(m for _, m in hits)}
    print(f"{name:<18} {seconds:9.2f} s   ccache {row['ccache_hits']} hits / {row['ccache_misses']} misses",
          flush=True)
    return row


ADJACENT = (("3.13.14", "3.13.15"), ("3.14.6", "3.14.7"))  # pinned pairs of neighbouring releases
DEFAULT_VARIANT_STEPS = re.compile(r"^\.  (configure|compile):", re.M)
FT_FLAG = "--with-computed-gotos"  # gcc's default anyway: a real configure change with the same code


def add_ft_flag(project: Path) -> None:
    config = project / "config.toml"
    text = config.read_text()
    old = 'free_threaded = ["--disable-gil", "--with-ensurepip=no"]'
    if old not in text:
        sys.exit("config.toml: flags.free_threaded is not the shipped value; cannot run ft-flag-change")
    config.write_text(text.replace(old, f'free_threaded = ["--disable-gil", "--with-ensurepip=no", "{FT_FLAG}"]'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the scratch copies")
    parser.add_argument("--cold-micro", action="store_true", help="also measure the micro rebuild without ccache")
    parser.add_argument("--optimized", action="store_true", help="also P4, the optimized build of both interpreters")
    parser.add_argument("--original-procedure", action="store_true",
                        help="also P4 the original builder's way, the baseline of P4's ratio")
    parser.add_argument("--adjacent", action="store_true", help="also adjacent micro versions (ccache hit rate)")
    parser.add_argument("--only-extra", action="store_true", help="skip the FAST cases (run only the options given)")
    options = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="pb-bench-"))
    common = ("DISTRO=trixie", "FAST_BUILD=true")
    # P4: the optimized build of both interpreters; the original builder's procedure runs the same build
    p4 = ("build", "PYTHON_VERSION=3.13.15", "BUILD_NOGIL=true", "DISTRO=trixie", "FAST_BUILD=false")
    rows = []
    try:
        if options.optimized:
            fourth = copy_project(scratch / "d")
            rows.append(measure("optimized-both", fourth, *p4))
        if options.original_procedure:
            copy = copy_project(scratch / "original-procedure")
            rows.append(measure("original-procedure", copy, "-n", "1", *p4, "LTO=cpython"))
        if options.adjacent:
            for older, newer in ADJACENT:
                copy = copy_project(scratch / f"adjacent-{older}")
                for version in (older, newer):
                    rows.append(measure(f"adjacent-{older}" + (f"-{newer}" if version == newer else ""), copy,
                                        "build", f"PYTHON_VERSION={version}", "BUILD_NOGIL=false", *common))
        if options.only_extra:
            return finish(rows, scratch, options)
        first = copy_project(scratch / "a")
        rows.append(measure("cold-fast-nogil", first, "build", "PYTHON_VERSION=3.13.5", "BUILD_NOGIL=false", *common))
        rows.append(measure("micro-rebuild", first, "build", "PYTHON_VERSION=3.13.15", "BUILD_NOGIL=false", *common))
        rows.append(measure("noop", first, "build", "PYTHON_VERSION=3.13.15", "BUILD_NOGIL=false", *common))
        second = copy_project(scratch / "b")
        rows.append(measure("cold-fast-both", second, "build", "PYTHON_VERSION=3.13.15", "BUILD_NOGIL=true", *common))
        add_ft_flag(second)
        row = measure("ft-flag-change", second, "build", "PYTHON_VERSION=3.13.15", "BUILD_NOGIL=true", *common)
        log = (second / "bench.log").read_text().rsplit("===== doit", 1)[-1]
        row["default_variant_steps_rerun"] = len(DEFAULT_VARIANT_STEPS.findall(log))
        print(f"{'':<18} default-variant steps re-run: {row['default_variant_steps_rerun']} (must be 0)")
        rows.append(row)
        if options.cold_micro:
            third = copy_project(scratch / "c")
            measure("cold-fast-nogil", third, "build", "PYTHON_VERSION=3.13.5", "BUILD_NOGIL=false", *common)
            shutil.rmtree(third / "cache" / "ccache")
            rows.append(measure("micro-rebuild-cold", third, "build", "PYTHON_VERSION=3.13.15", "BUILD_NOGIL=false",
                                *common))
    except BaseException:
        if not options.keep:
            shutil.rmtree(scratch, ignore_errors=True)
        raise
    finish(rows, scratch, options)


def finish(rows: list, scratch: Path, options: argparse.Namespace) -> None:
    if not options.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    path = results / "build.json"
    # rows of earlier runs stay unless this run measured the same case again
    earlier = [r for r in (json.loads(path.read_text()) if path.exists() else [])
               if r["name"] not in {row["name"] for row in rows}]
    path.write_text(json.dumps(earlier + rows, indent=2) + "\n")
    print("\nper step (seconds):")
    for row in rows:
        print(f"  {row['name']}: " + ", ".join(f"{k} {v:.1f}" for k, v in row["steps"].items()))
    print(f"\nwritten: {results / 'build.json'}")


if __name__ == "__main__":
    main()
