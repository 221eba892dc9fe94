"""One doit run at a time per checkout: an flock on `.doit.lock`, and a record of unclean exits.

The lock file holds the pid of the run that holds it while it runs and is emptied at a normal exit
(Ctrl-C and SIGTERM included). A pid found there at the next start means that run was killed (kill -9),
so containers it left behind must be removed before anything else runs.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import IO

from tasks.errors import UserError, remove_and_rerun


def acquire(path: Path, say: Callable[[str], None]) -> tuple[IO[str], bool]:
    """Block until this checkout's lock is ours; returns (the open lock file, previous run died). A lock that
    is no plain file (a directory, a link, a FIFO in its place) is a UserError naming the fix."""
    handle = _open_plain_file(path)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read(20).strip() or "?"
        say(f"python-builder: another doit run (pid {holder}) is using this checkout; waiting for it to finish\n")
        fcntl.flock(handle, fcntl.LOCK_EX)
    handle.seek(0)
    previous = handle.read(20).strip()
    died = bool(previous) and previous != str(os.getpid())
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    atexit.register(_release, handle)
    return handle, died


def _open_plain_file(path: Path) -> IO[str]:
    fix = remove_and_rerun(path)
    if path.is_symlink():
        raise UserError(f"{path}: the run lock is a symbolic link; {fix}")
    try:  # never through a link; a FIFO must not block the open
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
    except OSError as error:
        raise UserError(f"{path}: cannot open the run lock ({error.strerror or error}); {fix}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UserError(f"{path}: the run lock is not a plain file; {fix}")
    return os.fdopen(fd, "r+")


def _release(handle: IO[str]) -> None:
    try:
        handle.seek(0)
        handle.truncate()
        handle.flush()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
    except (OSError, ValueError):
        pass


def one_line_interrupts() -> None:
    """An interrupt that lands outside a step (between tasks) ends doit with one line, not a traceback."""
    import sys

    previous = sys.excepthook

    def hook(kind, value, traceback):
        if issubclass(kind, KeyboardInterrupt):
            sys.stderr.write(f"python-builder: error: interrupted ({value or 'Ctrl-C'}); run doit again to resume\n")
            return
        previous(kind, value, traceback)

    sys.excepthook = hook


def raise_keyboard_interrupt(signum, frame):
    """A signal handler that makes a signal behave like Ctrl-C."""
    raise KeyboardInterrupt(f"signal {signum}")


