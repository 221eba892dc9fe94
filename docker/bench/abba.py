"""Run interpreters interleaved: per round and benchmark, in ABBA order (A B ... B A), so that the machine's
drift within a benchmark's minute cancels out.

argv: benchmarks BENCHMARKS_DIR OUT ROUNDS BENCH1,BENCH2,... LABEL=PYTHON...
        pyperformance's benchmarks; writes OUT/raw/r<round>/<label>/<benchmark>-<leg>.json (pyperf's format)
      threads SCRIPT OUT ROUNDS LABEL=PYTHON...
        the threads loop (threads.py); writes OUT/threads/r<round>/<label>-<leg>.json
"""

import subprocess
import sys
import time
from pathlib import Path


def abba(entries: list[str]) -> list[tuple[str, str]]:
    pythons = [(e.split("=", 1)[0], e.split("=", 1)[1]) for e in entries]
    return pythons + pythons[::-1]


def benchmarks(benchmarks_dir: str, out: str, rounds: str, names: str, *entries: str) -> None:
    order = abba(list(entries))
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


def threads(script: str, out: str, rounds: str, *entries: str) -> None:
    order = abba(list(entries))
    for round_ in range(1, int(rounds) + 1):
        for leg, (label, python) in enumerate(order):
            target = Path(out) / "threads" / f"r{round_}" / f"{label}-{leg}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            result = subprocess.run([python, script], check=True, capture_output=True, text=True)
            target.write_text(result.stdout)
            print(f"threads loop, round {round_}, {label}: {result.stdout.strip()}", flush=True)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"benchmarks": benchmarks, "threads": threads}[command](*args)
