"""How the three rounds were put together (a record, run once with these paths): rounds 1 and 2 are this
run's (/tmp/abba-wide2, 42 scripts, `--rounds 2`); round 3 is the earlier one-round run published in
../2026-12-06-free-threaded-wide/ (its merged tree /tmp/abba-wide-all), limited to the same 42 scripts
(bpe_tokeniser dropped: it was left out of this run for time). Each round is a complete ABBA comparison of
its own, so rounds from two runs of the same two interpreters in the same image pool as rounds."""

import shutil
from pathlib import Path

OUT = Path("/tmp/abba-wide3")
NEW = Path("/tmp/abba-wide2")
OLD = Path("/tmp/abba-wide-all")


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    scripts = {p.name.rsplit("-", 1)[0] for p in (NEW / "raw").glob("r*/*/*.json")}
    for round_ in ("r1", "r2"):
        shutil.copytree(NEW / "raw" / round_, OUT / "raw" / round_)
    for path in (OLD / "raw" / "r1").glob("*/*.json"):
        if path.name.rsplit("-", 1)[0] in scripts:
            dest = OUT / "raw" / "r3" / path.parent.name / path.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
    for name in ("bolt.version", "bolt-ft.version"):
        shutil.copy2(NEW / name, OUT / name)
    print("scripts", len(scripts))


if __name__ == "__main__":
    main()
