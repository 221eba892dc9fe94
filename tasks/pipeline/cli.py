"""The bridge between doit's command line and the task graph: read variables, load config, report errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from tasks.errors import UserError
from tasks.model import checks
from tasks.pipeline import graph, guard, overrides, selection, state


def tasks(root: Path, variables: Mapping[str, str] | None = None,
          argv: Sequence[str] | None = None) -> Iterator[dict]:
    """All task dicts, the matrix widened by the pinned versions that task names on the command line name
    (`doit build:3.14.7`); a configuration problem ends doit with one line (no traceback), exit status 2."""
    try:
        if argv is None:  # doit's own command line (in-process callers pass argv and guard themselves)
            argv = sys.argv[1:]
            if guard.changes_things(argv):
                guard.RunGuard(root, guard.command_of(argv)).enter()
        variables = overrides.command_line_variables(argv) if variables is None else variables
        config_path = overrides.config_path(variables, root)
        settings = selection.widen(overrides.load(config_path, variables), selection.requested(argv))
        cleaning = graph.Cleaning(
            downloads=checks.parse_bool(variables.get("CLEAN_DOWNLOADS", False), "CLEAN_DOWNLOADS"),
            images=checks.parse_bool(variables.get("CLEAN_IMAGES", False), "CLEAN_IMAGES"),
        )
        command = guard.command_of(argv)
        named = tuple(selection.task_words(argv, command))
        task_list = list(graph.all_tasks(settings, root, cleaning, variables, named))
        task_list.append(graph.pin_task(settings, root, config_path, variables.get("NEW_VERSION")))
        selection.check_names(argv, command, task_list)
        selection.check_variables_fit(argv, command, variables)
    except UserError as error:
        _stop(error)
    yield from task_list


def dep_file(root: Path) -> str:
    """doit's state database, checked (tasks/pipeline/state.py): doit opens it before it makes the tasks."""
    try:
        selection.check_state_options(sys.argv[1:], guard.command_of(sys.argv[1:]))
        return state.checked_dep_file(root)
    except UserError as error:
        _stop(error)


def _stop(error: UserError) -> NoReturn:
    """A configuration or state problem: one line, exit status 2, before doit does anything."""
    print(f"python-builder: error: {error}", file=sys.stderr)
    raise SystemExit(2) from error
