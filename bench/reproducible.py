"""Compare the packages of two builds of the same inputs, byte for byte, and publish the result.

Usage (two checkouts that built the same version for the same distro, e.g. at different paths, at
different times, one with an empty compiler cache and one with a warm one):

    python3 bench/reproducible.py "FAST 3.14.4 trixie" A/dist/trixie B/dist/trixie [--out FILE] [--note TEXT]

It prints one line per .deb and, for a .deb that differs, the members that differ (mode, owner, mtime,
link or content). The JSON it writes is the shape bench/published/<date>/reproducible.json uses.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.package.compare import compare_debs  # noqa: E402  (the checkout's own package)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case")
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--note", default="")
    args = parser.parse_args(argv)
    names = sorted(p.name for p in args.first.glob("*.deb"))
    debs = compare_debs(args.first, args.second, names)
    for entry in debs:
        print(f"{entry['name']}: {'identical' if entry['identical'] else 'DIFFERENT'}")
        for line in entry.get("differing_members", [])[:20]:
            print(f"    {line}")
    result = {"case": args.case, "debs": debs, "all_identical": all(d["identical"] for d in debs)}
    if args.note:
        result["note"] = args.note
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["all_identical"] and debs else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
