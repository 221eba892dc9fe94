"""The installed interpreter's build-time configuration names gcc, whatever compiled it.

A clang build records clang-N, clang++-N and llvm-N's ar in sysconfig, and pip would then need clang to
build any C extension. The distro's users have gcc (build-essential), so the compiler variables users'
builds read are rewritten, word by word, to gcc, g++ and ar, in each place sysconfig is read from:

  lib/pythonX.Y/_sysconfigdata_*.py       sysconfig.get_config_vars()
  lib/pythonX.Y/_sysconfig_vars_*.json    3.14+: python -m sysconfig --json
  lib/pythonX.Y/config-X.Y*/Makefile      python-config, makefile-driven builds

The flags stay: Debian's hardening flags are gcc's own, and PGO, ThinLTO and BOLT flags live in the *_NODIST
variables, which extensions never get. CONFIG_ARGS keeps the truth (CC=clang-N), as the build's record.
validate then builds a C extension in a container that has gcc and no clang.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from tasks.errors import UserError

# sysconfig variables that name a compiler, a linker driver or an archiver
COMPILER_VARS = frozenset({"CC", "CXX", "CPP", "MAINCC", "LINKCC", "LDSHARED", "LDCXXSHARED", "BLDSHARED", "AR"})
_WORD = re.compile(r"(?<!\S)\S+(?!\S)")
# one entry per line: 3.14's writer ("    'CC': 'gcc',") and pprint's (" 'CC': 'gcc'," after "{'AR': 'ar',")
_PY_LINE = re.compile(r"^(?P<head>(?:build_time_vars = \{|\s*)'(?P<name>[A-Za-z_][A-Za-z0-9_]*)': )"
                      r"(?P<value>'[^'\\]*'|\"[^\"\\]*\")(?P<tail>,?\}?)$")
_JSON_LINE = re.compile(r'^(?P<head>\s*"(?P<name>[A-Za-z_][A-Za-z0-9_]*)": )(?P<value>"[^"\\]*")(?P<tail>,?)$')
_MAKE_LINE = re.compile(r"^(?P<head>(?P<name>[A-Za-z_][A-Za-z0-9_]*)=[ \t]*)(?P<value>.*?)(?P<tail>)$")


def gcc_names(llvm: int) -> dict[str, str]:
    """What a clang-N build's compiler words become."""
    return {f"clang-{llvm}": "gcc", f"clang++-{llvm}": "g++", f"/usr/lib/llvm-{llvm}/bin/llvm-ar": "ar"}


def swap_words(value: str, names: Mapping[str, str]) -> str:
    """Replace whole words only: clang-19 becomes gcc, -fno-clang-19-thing is left alone."""
    return _WORD.sub(lambda m: names.get(m.group(0), m.group(0)), value)


def _rewrite_lines(text: str, pattern: re.Pattern[str], load: Callable[[str], str],
                   dump: Callable[[str], str], names: Mapping[str, str]) -> str:
    lines = text.split("\n")
    for index, line in enumerate(lines):
        match = pattern.match(line)
        if match and match.group("name") in COMPILER_VARS:
            value = swap_words(load(match.group("value")), names)
            lines[index] = f"{match.group('head')}{dump(value)}{match.group('tail')}"
    return "\n".join(lines)


def python_vars(text: str) -> dict:
    """The build_time_vars dict of a _sysconfigdata module (its only assignment)."""
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "build_time_vars" for t in node.targets):
            return ast.literal_eval(node.value)
    raise ValueError("no build_time_vars")


def _expected(values: dict, names: Mapping[str, str]) -> dict:
    return {k: swap_words(v, names) if k in COMPILER_VARS and isinstance(v, str) else v for k, v in values.items()}


def rewrite_file(path: Path, names: Mapping[str, str]) -> bool:
    """Rewrite one sysconfig file in place; True when it changed. The Python and JSON forms are read back
    and compared with what was meant, so a format this does not know stops the build instead of
    shipping a half-rewritten sysconfig."""
    text = path.read_text()
    if path.suffix == ".py":
        new = _rewrite_lines(text, _PY_LINE, ast.literal_eval, repr, names)
        ok = python_vars(new) == _expected(python_vars(text), names)
    elif path.suffix == ".json":
        new = _rewrite_lines(text, _JSON_LINE, json.loads, json.dumps, names)
        ok = json.loads(new) == _expected(json.loads(text), names)
    else:
        new = _rewrite_lines(text, _MAKE_LINE, str, str, names)
        ok = True
    if not ok:
        raise UserError(f"package: cannot rewrite the compiler names in {path.name} (an unknown layout); "
                        "build with TOOLCHAIN=gcc, or report it")
    if new == text:
        return False
    path.write_text(new)
    return True


def sysconfig_files(prefix_root: Path) -> list[Path]:
    """The installed files sysconfig reads its build-time variables from."""
    lib = prefix_root / "lib"
    return sorted([*lib.glob("python3.*/_sysconfigdata_*.py"), *lib.glob("python3.*/_sysconfig_vars_*.json"),
                   *lib.glob("python3.*/config-3.*/Makefile")])


def rewrite_tree(prefix_root: Path, llvm: int) -> list[str]:
    """Rewrite every sysconfig file of one installed tree; the names of those that changed."""
    names = gcc_names(llvm)
    return [p.name for p in sysconfig_files(prefix_root) if rewrite_file(p, names)]
