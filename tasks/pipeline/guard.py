"""The run guard every doit command passes through (it is entered where the tasks are made, which every
command does, whatever its reporter): one command at a time per checkout for the commands that change
things, Ctrl-C and SIGTERM as one-line interrupts, and the containers a killed or interrupted run left.

    argv -> command_of() -> read-only (list, info, help, ...): nothing to guard
                         -> changes things (run, clean, forget, ...): RunGuard.enter():
                              writable checkout?  else one line and exit 2
                              flock .doit.lock (waits for the other command; says so)
                              Ctrl-C, SIGTERM, SIGHUP (unless nohup) -> one-line interrupts
                              previous holder was killed -> remove its containers
                              an interrupt -> remove this checkout's containers, stop the running
                                              steps' programs and threads (tasks/pipeline/stopping.py)
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import tasks
from tasks.errors import UserError
from tasks.pipeline import locking, stopping

# doit's commands (doit 0.37: `auto` became the doit-auto1 plugin); a first word that is none of them is
# a task name for `run`
DOIT_COMMANDS = ("run", "list", "info", "clean", "forget", "ignore", "dumpdb", "help", "strace", "reset-dep",
                 "tabcompletion")
READ_ONLY_COMMANDS = ("list", "info", "help", "dumpdb", "tabcompletion")
RUNS_STEPS = ("run", "strace")
# where the steps' own code lives: a thread with a frame there is running a step
CODE_DIR = Path(os.path.dirname(tasks.__file__))


def command_of(argv: Sequence[str]) -> str:
    """The doit command these arguments run: doit takes the first word as a command when it names one."""
    return argv[0] if argv and argv[0] in DOIT_COMMANDS else "run"


def changes_things(argv: Sequence[str]) -> bool:
    return command_of(argv) not in READ_ONLY_COMMANDS


def writable(root: Path) -> bool:
    return os.access(root, os.W_OK | os.X_OK)


@dataclass
class RunGuard:
    root: Path
    command: str
    interrupted: bool = field(default=False, init=False)

    def enter(self) -> None:
        """Raises UserError (a read-only checkout, a lock that is no file)."""
        if not writable(self.root):
            raise UserError(f"this checkout ({self.root}) is read-only; `doit {self.command}` writes its state "
                            "there: copy the checkout somewhere writable (list and info work here)")
        _, died = locking.acquire(self.root / ".doit.lock", lambda text: print(text, end="", flush=True))
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            try:
                if number == signal.SIGHUP and signal.getsignal(number) == signal.SIG_IGN:
                    continue  # nohup: the run outlives its terminal
                signal.signal(number, self._interrupt)
            except ValueError:  # not the main thread (an in-process caller): nothing to install
                pass
        locking.one_line_interrupts()
        if died and self.command in RUNS_STEPS:
            self.sweep("left by a killed run")
        atexit.register(self._at_exit)

    def _interrupt(self, signum, frame):
        if signum == signal.SIGHUP:  # the terminal closed: stop as for Ctrl-C, writing nothing to it
            _leave_terminal()
        if not self.interrupted and self.command in RUNS_STEPS:  # a second Ctrl-C ends the waits at once
            self.interrupted = True
            self.sweep("of interrupted step(s)")  # first: the steps waiting on a container return
            stopping.stop_running_steps(CODE_DIR, _say)
        self.interrupted = True
        raise KeyboardInterrupt({signal.SIGINT: "Ctrl-C", signal.SIGHUP: "the terminal closed"}.get(
            signum, f"signal {signum}"))

    def _at_exit(self) -> None:
        # after an interrupt under any reporter (-r json too): no container of this checkout may go on
        if self.interrupted and self.command in RUNS_STEPS:
            self.sweep("of interrupted step(s)")

    def sweep(self, why: str) -> None:
        """Remove this checkout's containers on the default engine (docker_host engines: see the reporter)."""
        from tasks.engine import runner
        runner.sweep(self.root, why, _say)


def _say(line: str) -> None:
    print(line, flush=True)


def _leave_terminal() -> None:
    """Send what is left to print to /dev/null instead of a terminal that is gone (writes would fail);
    output that goes to a file or a pipe stays."""
    for name in ("stdout", "stderr"):
        try:
            if getattr(sys, name).isatty():
                setattr(sys, name, open(os.devnull, "w"))  # noqa: SIM115 - it lives as long as the process
        except (OSError, ValueError):  # closed, or already gone
            setattr(sys, name, open(os.devnull, "w"))  # noqa: SIM115
