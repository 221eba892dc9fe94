"""Which distro library (file, package, version) each named extension module loads, as JSON.

Run with the distro's python3 inside the validate container (ldd and dpkg are there).
Arguments: pairs MODULE=PATH-OF-ITS-.so LIBRARY-STEM, e.g. pyexpat=/opt/.../pyexpat...so libexpat
"""

import json
import os
import subprocess
import sys


def owner(path: str) -> tuple[str | None, str | None]:
    """(package, version) of the Debian package that ships `path`, or (None, None)."""
    for candidate in (path, os.path.realpath(path)):
        found = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if found.returncode == 0:
            package = found.stdout.splitlines()[0].rsplit(": ", 1)[0].split(",")[0].strip()
            version = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package],
                                     capture_output=True, text=True).stdout.strip()
            return package, version or None
    return None, None


def resolve(module_path: str, stem: str) -> dict:
    output = subprocess.run(["ldd", module_path], capture_output=True, text=True).stdout
    for line in output.splitlines():
        name, _, rest = line.strip().partition(" => ")
        if name.startswith(stem + ".so"):
            path = rest.split(" (")[0].strip()
            package, version = owner(path)
            return {"library": name, "path": path, "package": package, "version": version}
    return {"library": None, "path": None, "package": None, "version": None}


def main(args: list[str]) -> None:
    result = {}
    for module_spec, stem in zip(args[::2], args[1::2], strict=True):
        module, _, path = module_spec.partition("=")
        result[module] = resolve(path, stem) if os.path.isfile(path) else {"library": None, "missing_module": path}
    json.dump(result, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
