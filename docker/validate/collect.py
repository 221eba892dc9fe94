"""Facts about the running interpreter, printed as JSON (run by validate.sh with each interpreter).

Runs with the interpreter under test only: standard library, no third-party imports.
Argument: a comma-separated list of module names to import.
"""

import importlib
import json
import os
import re
import sys
import sysconfig

# sysconfig variables that users' builds (pip, setuptools, meson-python) read: they must point into the
# installed prefix, never into the build container's /build, /src or /pkg, nor /usr/local.
USER_FACING = ("CC", "CXX", "CFLAGS", "CPPFLAGS", "LDFLAGS", "LDSHARED", "CCSHARED", "INCLUDEPY",
               "CONFINCLUDEPY", "LIBDIR", "LIBPL", "LIBDEST", "BINDIR", "prefix", "exec_prefix", "LIBRARY",
               "LDLIBRARY", "LIBS", "SYSLIBS", "SCRIPTDIR", "DESTSHARED", "BINLIBDEST")
FOREIGN_PATH = re.compile(r"(^|[\s=:'\"])(/build|/src|/pkg|/usr/local)(/|\s|$)")


def foreign_paths() -> dict:
    found = {}
    values = {name: sysconfig.get_config_var(name) for name in USER_FACING}
    values.update({f"path:{k}": v for k, v in sysconfig.get_paths().items()})
    for name, value in values.items():
        if isinstance(value, str) and FOREIGN_PATH.search(value):
            found[name] = value
    return found


def _attribute(module: str, name: str):
    """A module's attribute, or None when the module cannot be imported (a missing extension is a fact)."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def _sqlite_load_extension() -> bool:
    try:
        import sqlite3
    except ImportError:
        return False
    try:
        return hasattr(sqlite3.connect(":memory:"), "enable_load_extension")
    except sqlite3.Error:
        return False


def main() -> None:
    modules = {}
    for name in sys.argv[1].split(","):
        try:
            module = importlib.import_module(name)
            modules[name] = {"ok": True, "file": getattr(module, "__file__", None)}
        except Exception as error:  # noqa: BLE001 - every failure is a fact to report
            modules[name] = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    facts = {
        "executable": sys.executable,
        "version": sys.version.split()[0],
        "prefix": sys.prefix,
        "stdlib": sysconfig.get_path("stdlib"),
        "purelib": sysconfig.get_path("purelib"),
        "gil_enabled": getattr(sys, "_is_gil_enabled", lambda: True)(),
        "abiflags": sys.abiflags,
        "config_args": sysconfig.get_config_var("CONFIG_ARGS"),
        "cc": sysconfig.get_config_var("CC"),
        "tail_call": sysconfig.get_config_var("Py_TAIL_CALL_INTERP"),
        "cflags": sysconfig.get_config_var("CFLAGS"),
        "py_cflags_nodist": sysconfig.get_config_var("PY_CFLAGS_NODIST"),
        "ldflags": sysconfig.get_config_var("LDFLAGS"),
        "with_dtrace": sysconfig.get_config_var("WITH_DTRACE"),
        "modules": modules,
        "foreign_sysconfig_paths": foreign_paths(),
        "os_py": os.__file__,
    }
    facts["sqlite_load_extension"] = _sqlite_load_extension()
    facts["expat_version"] = _attribute("pyexpat", "EXPAT_VERSION")
    facts["libmpdec_version"] = _attribute("decimal", "__libmpdec_version__")
    facts["openssl_version"] = _attribute("ssl", "OPENSSL_VERSION")
    json.dump(facts, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
