"""Turn the free-threaded staging tree into an add-on that holds only what the main package lacks.

A free-threaded CPython looks for its standard library in `lib/pythonX.Yt/` (getpath's landmark is
`lib/pythonX.Yt/os.py`), so that directory must exist and be complete. Rules, applied to the
free-threaded tree `ft` against the main tree `main` (both are `make install DESTDIR=` trees):

1. A path that exists in `main` at the same place is the main package's: it is dropped from `ft`
   (bin/python3.X, bin/pydoc3.X, the man page, ...).
2. Under `lib/pythonX.Yt/` and `include/pythonX.Yt/`, an entry identical to its counterpart under
   `lib/pythonX.Y/` / `include/pythonX.Y/` (a file with the same bytes, a directory whose whole tree
   is identical) becomes a relative symlink to it: the pure-Python stdlib is shipped once.
   No `__pycache__` reaches this point (tasks/package/tidy.py removed them; the packages compile on install).
3. `site-packages` and `lib-dynload` always stay real directories: each interpreter keeps its own
   installs (cp313 vs cp313t wheels) and its own extension modules.
4. Everything else (python3.Xt, t-ABI modules, _sysconfigdata_t_*, config-3.Xt-*, pyconfig.h, the
   .pc files) stays as it is; `bin/python3t -> python3.Xt` is added.
"""

from __future__ import annotations

import filecmp
import os
from dataclasses import dataclass
from pathlib import Path

KEEP_REAL = frozenset({"site-packages", "lib-dynload"})


@dataclass(frozen=True)
class DedupeResult:
    dropped: int
    linked: int
    kept_files: int


def _same_entry(a: Path, b: Path) -> bool:
    if a.is_symlink() or b.is_symlink():
        return a.is_symlink() and b.is_symlink() and os.readlink(a) == os.readlink(b)
    if a.is_file() and b.is_file():
        return filecmp.cmp(a, b, shallow=False)
    if a.is_dir() and b.is_dir():
        names_a, names_b = sorted(os.listdir(a)), sorted(os.listdir(b))
        return names_a == names_b and all(_same_entry(a / n, b / n) for n in names_a)
    return False


def _drop_common(ft: Path, main: Path) -> int:
    """Rule 1: remove from ft every non-directory path that main also has; prune emptied dirs."""
    dropped = 0
    for dirpath, dirnames, filenames in os.walk(ft, topdown=False):
        rel = Path(dirpath).relative_to(ft)
        for name in filenames + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]:
            path = Path(dirpath) / name
            counterpart = main / rel / name
            if counterpart.exists() or counterpart.is_symlink():
                path.unlink()
                dropped += 1
        if Path(dirpath) != ft and not os.listdir(dirpath) and (main / rel).is_dir():
            os.rmdir(dirpath)
    return dropped


def _link_identical(ft_dir: Path, main_dir: Path, link_prefix: str) -> int:
    """Rule 2 and 3 inside one stdlib/include directory; returns the number of links made."""
    linked = 0
    for name in sorted(os.listdir(ft_dir)):
        path, counterpart = ft_dir / name, main_dir / name
        if not (counterpart.exists() or counterpart.is_symlink()):
            continue
        if name in KEEP_REAL and path.is_dir() and not path.is_symlink():
            linked += _link_identical(path, counterpart, "../" + link_prefix + name + "/")
            continue
        if _same_entry(path, counterpart):
            if path.is_dir() and not path.is_symlink():
                _remove(path)
            else:
                path.unlink()
            path.symlink_to(link_prefix + name)
            linked += 1
        elif path.is_dir() and counterpart.is_dir() and not path.is_symlink():
            linked += _link_identical(path, counterpart, "../" + link_prefix + name + "/")
    return linked


def _remove(path: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(path, topdown=False):
        for name in filenames:
            os.unlink(os.path.join(dirpath, name))
        for name in dirnames:
            full = os.path.join(dirpath, name)
            os.unlink(full) if os.path.islink(full) else os.rmdir(full)
    os.rmdir(path)


def dedupe(ft_root: Path, main_root: Path, prefix: str, major_minor: str) -> DedupeResult:
    """Apply the rules above to the staging trees (`ft_root`/`main_root` are the DESTDIRs)."""
    rel_prefix = prefix.strip("/")
    ft, main = ft_root / rel_prefix, main_root / rel_prefix
    linked = 0
    for parent in ("lib", "include"):
        ft_dir, main_dir = ft / parent / f"python{major_minor}t", main / parent / f"python{major_minor}"
        if ft_dir.is_dir() and main_dir.is_dir():
            linked += _link_identical(ft_dir, main_dir, f"../python{major_minor}/")
    dropped = _drop_common(ft_root, main_root)
    bindir = ft / "bin"
    bindir.mkdir(parents=True, exist_ok=True)
    alias = bindir / "python3t"
    if not alias.is_symlink() and not alias.exists():
        alias.symlink_to(f"python{major_minor}t")
    kept = sum(len(files) for _, _, files in os.walk(ft_root))
    return DedupeResult(dropped=dropped, linked=linked, kept_files=kept)
