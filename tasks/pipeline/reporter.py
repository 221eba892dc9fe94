"""doit reporter: one-line errors for problems a user can fix, and a timing summary at the end of a run."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from doit.reporter import ConsoleReporter

from tasks.errors import UserFailure


def _ccache_counts(values: dict) -> tuple[int, int, int, int] | None:
    """(hits, lookups, remote hits, remote lookups) of a compile step's returned record, else None."""
    stats = (values or {}).get("ccache") or {}
    if stats.get("hit_rate") is None:
        return None
    remote = stats.get("remote") or {}
    hits, misses = stats.get("hits", 0), stats.get("misses", 0)
    return hits, hits + misses, remote.get("hits", 0), remote.get("hits", 0) + remote.get("misses", 0)


def _hits(hits: int, lookups: int, remote_hits: int, remote_lookups: int) -> str:
    """Counts of compiles that looked something up (_ccache_counts keeps no others): lookups > 0."""
    return f"{hits}/{lookups} hits ({hits / lookups:.0%})" + (
        f", remote {remote_hits}/{remote_lookups}" if remote_lookups else "")


class TimingReporter(ConsoleReporter):
    desc = "console output, one-line user errors, per-task timing summary"

    def __init__(self, outstream, options) -> None:
        super().__init__(outstream, options)
        self._started: dict[str, float] = {}
        self.timings: list[tuple[str, float, str]] = []
        self._ccache: dict[str, tuple[int, int, int, int]] = {}  # compile step -> its ccache counts
        self._run_started = time.monotonic()

    def _remove_leftovers(self, why: str = "left by a killed run", docker_host: str | None = None) -> None:
        """Remove this checkout's containers on the default engine, or on `docker_host`."""
        from tasks.engine import runner
        runner.sweep(Path.cwd(), why, lambda line: self.write(line + "\n"), docker_host)

    def _remove_remote_leftovers(self, task_names: set[str]) -> None:
        """The interrupted steps that ran on a docker_host engine: remove this checkout's containers there too
        (the config is read again with this run's variables to find which engines those steps used)."""
        from tasks.pipeline import graph, overrides
        try:
            variables = overrides.command_line_variables(sys.argv[1:])
            settings = overrides.load(overrides.config_path(variables, Path.cwd()), variables)
            hosts = graph.remote_engines(settings, task_names)
        except Exception:  # noqa: BLE001 - the run itself read this config; nothing remote to clean otherwise
            return
        for host in sorted(hosts):
            self._remove_leftovers(f"of interrupted step(s) on {host}", host)

    def execute_task(self, task):
        self._started[task.name] = time.monotonic()
        super().execute_task(task)

    def _finish(self, task, outcome: str) -> None:
        started = self._started.pop(task.name, None)
        if started is not None and task.actions:
            self.timings.append((task.name, time.monotonic() - started, outcome))
            counts = _ccache_counts(task.values) if outcome == "ok" else None
            if counts:
                self._ccache[task.name] = counts

    def add_success(self, task):
        self._finish(task, "ok")
        super().add_success(task)

    def add_failure(self, task, fail):
        self._finish(task, "FAILED")
        if isinstance(fail, UserFailure):
            self.failures.append({"task": task, "exception": fail})
            self.write(f"{fail.message.splitlines()[0]}\n")
            return
        super().add_failure(task, fail)

    def complete_run(self):
        if self._started:
            # Steps that began and never finished: Ctrl-C or SIGTERM under doit -n, whose worker threads
            # die with the process without their cleanup. Their containers must not go on writing.
            self._remove_leftovers(f"of {len(self._started)} interrupted step(s)")
            self._remove_remote_leftovers(set(self._started))
        if self.timings:
            width = max(len(name) for name, _, _ in self.timings)
            self.write("\npython-builder: timing\n")
            for name, seconds, outcome in self.timings:
                note = f"  ccache {_hits(*self._ccache[name])}" if name in self._ccache else ""
                self.write(f"  {name:<{width}}  {seconds:8.1f} s  {outcome}{note}\n")
            self.write(f"  {'total':<{width}}  {sum(s for _, s, _ in self.timings):8.1f} s\n")
            # steps of independent chains overlap under doit -n: the run's own elapsed time
            self.write(f"  {'wall':<{width}}  {time.monotonic() - self._run_started:8.1f} s\n")
            if len(self._ccache) > 1:
                self.write(f"  {'ccache':<{width}}  {_hits(*map(sum, zip(*self._ccache.values(), strict=True)))}\n")
        failures, self.failures = self.failures, [f for f in self.failures
                                                  if not isinstance(f["exception"], UserFailure)]
        super().complete_run()
        self.failures = failures
