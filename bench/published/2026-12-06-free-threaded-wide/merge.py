"""How this run's pieces were merged (a record, run once with these paths): every benchmark whose four ABBA
legs are complete (each leg's pyperf file holds the same number of benchmarks) is copied into one raw/r1
tree for `bench_abba.py report`."""

import json
import shutil
from pathlib import Path

OUT = Path("/tmp/abba-wide-all")
PIECES = [Path("/tmp/abba-wideft"), *sorted(Path("/tmp").glob("abba-wide-c*"))]
LEGS = {"bolt": (0, 3), "bolt-ft": (1, 2)}  # ABBA: A B B A


def count(path: Path) -> int:
    try:
        return len(json.loads(path.read_text())["benchmarks"])
    except (OSError, ValueError, KeyError):
        return -1


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    kept, dropped = [], []
    for piece in PIECES:
        r1 = piece / "raw" / "r1"
        for name in sorted({p.name.rsplit("-", 1)[0] for p in r1.glob("*/*.json")}):
            legs = [r1 / label / f"{name}-{leg}.json" for label, numbers in LEGS.items() for leg in numbers]
            counts = [count(p) for p in legs]
            if min(counts) < 1 or len(set(counts)) != 1:
                dropped.append((name, counts))
                continue
            kept.append(name)
            for path in legs:
                dest = OUT / "raw" / "r1" / path.parent.name / path.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, dest)
    print("kept", len(kept), ",".join(kept))
    print("dropped", dropped)


if __name__ == "__main__":
    main()
