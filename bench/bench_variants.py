#!/usr/bin/env python3
"""Optimized-build variants for #5: serial vs parallel PGO training, and the three hardening modes.

Each variant is a full optimized (PGO + LTO) build of one version up to its .debs (no validate), main
interpreter only, in its own scratch copy of the project under bench/results/variants/<label>/ (kept:
its .debs are what P5 measures).

  build LABEL... [--concurrent]  build these variants (one after the other, or all at once when only the
                                 interpreters' speed matters, not the build times); prints the step times
                                 and writes bench/results/variants.json
  speed LABEL...                 P5 on each variant's .debs, one after the other (bench_speed.py run)

Variants (config.toml's defaults are hardening "debian" with the parallel "-m test --pgo -j0"; the default
build itself is measured by a plain `doit build` and `bench_speed.py run --ft --distro-baseline`):
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_build import TIMING_LINE  # noqa: E402  (bench/ is the script's own directory)

from tests.conftest import copy_project  # noqa: E402

RESULTS = ROOT / "bench" / "results"
VARIANTS = {
    "parallel-pgo": {},                          # the defaults, for a main-only build time
    "serial-pgo": {"PROFILE_TASK": ""},          # CPython's own serial training run
    "hardening-off": {"HARDENING": "off"},      # (a) CPython's own flags
    "hardening-dpkg": {"HARDENING": "dpkg"},    # (b) dpkg-buildflags as they are
}
__doc__ += "\n".join(f"  {label:<16} {' '.join(f'{k}={v!r}' for k, v in v.items()) or '(defaults)'}"
                     for label, v in VARIANTS.items())


def build(label: str, version: str, rows: dict) -> None:
    project = copy_project(RESULTS / "variants" / label)
    variables = [f"{k}={v}" for k, v in VARIANTS[label].items()]
    # up to the .debs: validate would rightly refuse the "dpkg" variant (no bindnow), and only the
    # interpreter's speed is measured here
    command = [sys.executable, "-m", "doit", f"package:{version}-trixie", f"PYTHON_VERSION={version}", "DISTRO=trixie",
               "FAST_BUILD=false", "BUILD_NOGIL=false", *variables]
    started = time.monotonic()
    with (project / "bench.log").open("w") as log:
        result = subprocess.run(command, cwd=project, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        log.write(result.stdout)
    seconds = round(time.monotonic() - started, 1)
    steps = {m.group(1).split(":")[0]: float(m.group(2)) for m in TIMING_LINE.finditer(result.stdout)
             if m.group(1) != "total"}
    rows[label] = {"variables": VARIANTS[label], "seconds": seconds, "steps": steps, "rc": result.returncode,
                   "project": str(project)}
    print(f"{label:<16} rc {result.returncode}  {seconds:8.1f} s  " +
          ", ".join(f"{k} {v:.0f}" for k, v in steps.items()), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("build", "speed"))
    parser.add_argument("labels", nargs="+", choices=tuple(VARIANTS))
    parser.add_argument("--version", default="3.13.15")
    parser.add_argument("--concurrent", action="store_true", help="build all at once (build times contended)")
    options = parser.parse_args()
    if options.command == "speed":
        for label in options.labels:
            debs = RESULTS / "variants" / label / "dist" / "trixie"
            subprocess.run([sys.executable, str(ROOT / "bench" / "bench_speed.py"), "run", "--debs", str(debs),
                            "--version", options.version, "--label", label], check=True)
        return
    summary_path = RESULTS / "variants.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    rows: dict = {}
    if options.concurrent:
        threads = [threading.Thread(target=build, args=(label, options.version, rows)) for label in options.labels]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        for label in options.labels:
            build(label, options.version, rows)
    for row in rows.values():
        row["concurrent_with"] = [label for label in options.labels if len(options.labels) > 1] \
            if options.concurrent else []
    summary.update(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    summary_path.write_text(json.dumps(summary, indent=2) + "\n")
    if any(row["rc"] for row in rows.values()):
        sys.exit("bench_variants: a build failed; see bench.log in its project directory")


if __name__ == "__main__":
    main()
