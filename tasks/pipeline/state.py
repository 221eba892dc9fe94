"""doit's state database (which steps finished, with which inputs): where it lives, and whether it can be
read. doit 0.37 meets a corrupt one, or a directory in its place, with a sqlite3 traceback; here that is
one line with the fix."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from tasks.errors import UserError, remove_and_rerun
from tasks.model.plan import Layout
from tasks.pipeline import guard

SQLITE_HEADER = b"SQLite format 3\x00"


def checked_dep_file(root: Path) -> str:
    """In the checkout, or (a read-only checkout) in a scratch file, so that list and info still work there
    (commands that change things stop with one line: see guard). Absent or empty (doit makes it), or a
    sound SQLite database; else UserError naming the fix."""
    path = root / ".doit.db" if guard.writable(root) else \
        Path(tempfile.gettempdir()) / f"python-builder-{Layout.for_root(root).project_id}.doit.db"
    problem = _problem(path)
    if problem:
        raise UserError(f"{path}: doit's record of finished steps {problem}; {remove_and_rerun(path)}: every "
                        "step then runs once more")
    return str(path)


def _problem(path: Path) -> str | None:
    if path.is_symlink() and not path.exists():
        return "is a symbolic link to nothing"
    if not path.exists():
        return None
    if not path.is_file():
        return "is not a file"
    try:
        with open(path, "rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        if not header:
            return None
        if header != SQLITE_HEADER:
            return "is corrupt (not an SQLite database)"
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as connection:
            verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
    except (OSError, sqlite3.Error) as error:
        if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
            return None  # a running doit command is writing it: busy, not broken
        return f"cannot be read ({' '.join(str(error).split())[:80]})"
    return None if verdict == "ok" else f"is corrupt ({' '.join(str(verdict).split())[:80]})"
