"""bench P5, free-threaded scaling: a CPU-bound pure-Python loop run by 1..N threads at once.

Each thread does the same fixed work, so with perfect scaling the wall time stays flat as threads are
added; with the GIL it grows linearly. Prints JSON: {"cpus": N, "gil": bool, "seconds": {"1": s, ...}}.
"""

import json
import os
import sys
import threading
import time

WORK = 20_000_000  # about a second per thread here: long enough to rise above the noise


def spin(n: int = WORK) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def wall(threads: int) -> float:
    workers = [threading.Thread(target=spin) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started


def main() -> None:
    cpus = len(os.sched_getaffinity(0))
    spin(100_000)  # warm up
    seconds = {str(n): round(min(wall(n) for _ in range(3)), 3) for n in range(1, cpus + 1)}
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    json.dump({"cpus": cpus, "gil": gil, "seconds": seconds}, sys.stdout)


if __name__ == "__main__":
    main()
