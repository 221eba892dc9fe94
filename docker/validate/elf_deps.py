"""List DT_NEEDED libraries and RPATH/RUNPATH entries of every ELF file under a prefix, as JSON.

Run with the distro's python3 (readelf from binutils must be installed). Argument: the prefix.
"""

import json
import os
import re
import subprocess
import sys

ENTRY = re.compile(r"\((NEEDED|RPATH|RUNPATH)\)\s+.*\[(.*)\]")


def is_elf(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == b"\x7fELF"
    except OSError:
        return False


def main(prefix: str) -> None:
    result = {"needed": {}, "rpath": {}}
    for dirpath, _dirs, files in os.walk(prefix):
        for name in files:
            path = os.path.join(dirpath, name)
            if os.path.islink(path) or not is_elf(path):
                continue
            output = subprocess.run(["readelf", "-d", path], capture_output=True, text=True).stdout
            for kind, value in ENTRY.findall(output):
                if kind == "NEEDED":
                    result["needed"].setdefault(value, []).append(path)
                else:
                    result["rpath"].setdefault(value, []).append(path)
    json.dump(result, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
