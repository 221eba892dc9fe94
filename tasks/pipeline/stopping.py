"""Stop the running steps on an interrupt, so that each cleans up after itself before doit exits.

doit runs steps in daemon threads (`par_type = "thread"`): Ctrl-C, SIGTERM and SIGHUP land in the main thread,
and at exit the step threads are dropped mid-way, their `finally` blocks never run, and a program a step
started loses its reader half-way through its own cleanup. (mmdebstrap, killed so, left its 270 MB
chroot in /tmp with proc, sys and devpts still mounted in it.) So, on an interrupt, before doit exits:

    signal handler -> the step's programs (our child processes) get SIGTERM; wait until they are gone
                   -> the threads still in our code get KeyboardInterrupt; wait until they left it
                   -> then the interrupt goes on as before (one line, containers swept)

Both waits are bounded; a second Ctrl-C ends them at once.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

CHILDREN_SECONDS = 60.0  # mmdebstrap needs about 15 s to unmount and remove its chroot
THREADS_SECONDS = 10.0
POLL = 0.1
PROC = Path("/proc")


def children(pid: int) -> list[int]:
    """The live child processes of `pid` (from /proc: the tool runs on Linux only)."""
    found = []
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # gone meanwhile
            continue
        fields = text[text.rfind(")") + 2:].split()  # after "pid (comm) ": state, ppid, ...
        if len(fields) > 1 and fields[1] == str(pid) and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def busy_threads(code_dir: Path) -> list[threading.Thread]:
    """The other threads whose stack holds a frame of code under `code_dir` (a step's own code)."""
    prefix = str(code_dir) + os.sep
    frames = sys._current_frames()
    busy = []
    for thread in threading.enumerate():
        if thread is threading.current_thread() or thread.ident not in frames:
            continue
        frame: FrameType | None = frames[thread.ident]
        while frame is not None:
            if frame.f_code.co_filename.startswith(prefix):
                busy.append(thread)
                break
            frame = frame.f_back
    return busy


def _raise_in(thread: threading.Thread) -> None:
    """KeyboardInterrupt in `thread`, at its next Python instruction (a blocking call returns first)."""
    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(KeyboardInterrupt))


def _wait(done: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL)
    return True


def stop_running_steps(code_dir: Path, say: Callable[[str], None],
                       children_seconds: float = CHILDREN_SECONDS, threads_seconds: float = THREADS_SECONDS) -> None:
    """Let the running steps end cleanly: their programs first, then their threads (see the module doc)."""
    pids = children(os.getpid())
    if pids:
        say(f"python-builder: stopping {len(pids)} running program(s) of the interrupted step(s) and waiting for "
            f"their cleanup (up to {children_seconds:.0f} s; Ctrl-C again to stop at once)")
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        if not _wait(lambda: not set(pids) & set(children(os.getpid())), children_seconds):
            say(f"python-builder: the interrupted steps' programs did not end within {children_seconds:.0f} s")
    # at once: a step still at work (a download, a hashing loop) must not go on to finish and write its
    # target. The interrupt may land inside a step's own cleanup; what that leaves (a scratch directory)
    # the step's next run removes.
    for thread in busy_threads(code_dir):
        _raise_in(thread)
    _wait(lambda: not busy_threads(code_dir), threads_seconds)
