"""Make a `make install` tree what Debian policy expects before debhelper packages it.

Applied to each staging tree's `lib/` (the interpreter's own `bin/` scripts are already right):

- No byte-code is shipped: every `__pycache__` is removed. The maintainer scripts compile the
  standard library after install and remove the caches before removal, as Debian's own Python
  packages do (py3compile / py3clean), so `apt purge` leaves nothing behind.
- A file whose `#!` line names a Python (`/usr/bin/env python3`, `/usr/local/bin/python`, ...) is
  a script of this interpreter: its `#!` line is rewritten to the package's interpreter and it is made
  executable (Debian rewrites its stdlib to `#! /usr/bin/python3.X` the same way).
- A non-ELF file that is executable but has no `#!` line loses its execute bits.
- Files changed inside `site-packages` (pip's vendored scripts) get their hash and size updated
  in their distribution's RECORD, so the installed metadata stays true.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

PYTHON_NAME = re.compile(r"python[0-9.]*")


@dataclass(frozen=True)
class TidyResult:
    caches_removed: int
    scripts_rewritten: int
    modes_fixed: int
    records_updated: int


def new_shebang(first_line: bytes, interpreter: str) -> bytes | None:
    """The rewritten `#!` line for a Python script, or None when the line is not a Python one."""
    if not first_line.startswith(b"#!"):
        return None
    words = first_line[2:].decode("utf-8", "replace").split()
    if not words:
        return None
    if os.path.basename(words[0]) == "env" and len(words) > 1:
        name, args = words[1], words[2:]
    else:
        name, args = os.path.basename(words[0]), words[1:]
    if not PYTHON_NAME.fullmatch(name) or (words[0] == interpreter and not args):
        return None
    return ("#!" + " ".join([interpreter, *args]) + "\n").encode()


def _executable(mode: int) -> int:
    """The mode with an execute bit wherever there is a read bit."""
    return mode | ((mode & 0o444) >> 2)


def _fix_file(path: Path, interpreter: str) -> tuple[bool, bool]:
    """(rewritten, mode_changed) for one regular file."""
    with path.open("rb") as handle:
        head = handle.readline(4096)
    mode = stat.S_IMODE(path.stat().st_mode)
    if head.startswith(b"\x7fELF"):
        return False, False
    line = new_shebang(head, interpreter)
    if line is not None:
        body = path.read_bytes()[len(head):]
        tmp = path.with_name(path.name + ".pb-tmp")
        tmp.write_bytes(line + body)
        os.chmod(tmp, _executable(mode))
        os.replace(tmp, path)
        return True, False
    if head.startswith(b"#!"):
        if not mode & 0o111:
            os.chmod(path, _executable(mode))
            return False, True
        return False, False
    if mode & 0o111:
        os.chmod(path, mode & ~0o111)
        return False, True
    return False, False


def record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def update_records(site_packages: Path, changed: set[Path]) -> int:
    """Refresh RECORD rows of `changed` files; returns how many rows changed."""
    updated = 0
    for record in sorted(site_packages.glob("*.dist-info/RECORD")):
        rows = list(csv.reader(io.StringIO(record.read_text())))
        touched = False
        for row in rows:
            if len(row) == 3 and (site_packages / row[0]) in changed:
                data = (site_packages / row[0]).read_bytes()
                row[1], row[2] = record_hash(data), str(len(data))
                touched = True
                updated += 1
        if touched:
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(rows)
            record.write_text(out.getvalue())
    return updated


def tidy(stage_prefix: Path, interpreter: str) -> TidyResult:
    """Apply the rules above to `<stage>/<prefix>/lib`; `interpreter` is the installed path to use in `#!`."""
    lib = stage_prefix / "lib"
    caches = rewritten = modes = 0
    changed: set[Path] = set()
    for dirpath, dirnames, filenames in os.walk(lib):
        for name in [d for d in dirnames if d == "__pycache__"]:
            shutil.rmtree(os.path.join(dirpath, name))
            dirnames.remove(name)
            caches += 1
        for name in filenames:
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            was_rewritten, mode_changed = _fix_file(path, interpreter)
            rewritten += was_rewritten
            modes += mode_changed
            if was_rewritten:
                changed.add(path)
    records = sum(update_records(sp, changed) for sp in lib.glob("python*/site-packages") if sp.is_dir())
    return TidyResult(caches_removed=caches, scripts_rewritten=rewritten, modes_fixed=modes,
                      records_updated=records)
