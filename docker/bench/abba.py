"""Run pyperformance benchmarks interleaved: per round and benchmark, interpreters in ABBA order.

argv: BENCHMARKS_DIR OUT ROUNDS BENCH1,BENCH2,... LABEL=PYTHON...
Writes OUT/raw/r<round>/<label>/<benchmark>-<leg>.json (pyperf's format), one file per run.
"""

import subprocess
import sys
import time
from pathlib import Path


def main() -> None:
    benchmarks_dir, out, rounds, names, *entries = sys.argv[1:]
    pythons = [tuple(e.split("=", 1)) for e in entries]
    order = pythons + pythons[::-1]  # A B ... B A: drift within a benchmark's minute cancels out
    for round_ in range(1, int(rounds) + 1):
        for name in names.split(","):
            script = Path(benchmarks_dir) / f"bm_{name}" / "run_benchmark.py"
            for leg, (label, python) in enumerate(order):
                target = Path(out) / "raw" / f"r{round_}" / label / f"{name}-{leg}.json"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.unlink(missing_ok=True)
                started = time.monotonic()
                subprocess.run([python, str(script), "--fast", "--quiet", "-o", str(target)],
                               cwd=script.parent, check=True)
                print(f"round {round_} {name:<20} {label:<24} {time.monotonic() - started:5.1f} s", flush=True)


if __name__ == "__main__":
    main()
