"""The bridge between doit's command line and the task graph: read variables, load config, report errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from tasks.errors import UserError
from tasks.model import checks
from tasks.pipeline import graph, guard, overrides, selection


def dep_file(root: Path) -> str:
    """doit's state database: in the checkout, or (a read-only checkout) in a scratch file, so that list and
    info still work there; commands that change things stop with one line (see guard)."""
    import tempfile

    from tasks.model.plan import Layout
    if guard.writable(root):
        return str(root / ".doit.db")
    return str(Path(tempfile.gettempdir()) / f"python-builder-{Layout.for_root(root).project_id}.doit.db")


def tasks(root: Path, variables: Mapping[str, str] | None = None,
          argv: Sequence[str] | None = None) -> Iterator[dict]:
    """All task dicts, the matrix widened by the pinned versions that task names on the command line name
    (`doit build:3.14.7`); a configuration problem ends doit with one line (no traceback), exit status 2."""
    if argv is None:  # doit's own command line (in-process callers pass argv and guard themselves)
        argv = sys.argv[1:]
        if guard.changes_things(argv):
            guard.RunGuard(root, guard.command_of(argv)).enter()
    try:
        variables = overrides.command_line_variables(argv) if variables is None else variables
        config_path = overrides.config_path(variables, root)
        settings = selection.widen(overrides.load(config_path, variables), selection.requested(argv))
        cleaning = graph.Cleaning(
            downloads=checks.parse_bool(variables.get("CLEAN_DOWNLOADS", False), "CLEAN_DOWNLOADS"),
            images=checks.parse_bool(variables.get("CLEAN_IMAGES", False), "CLEAN_IMAGES"),
        )
        task_list = list(graph.all_tasks(settings, root, cleaning, variables))
        task_list.append(graph.pin_task(settings, root, config_path, variables.get("NEW_VERSION")))
        if guard.command_of(argv) == "info":
            selection.check_info(argv, task_list)
    except UserError as error:
        print(f"python-builder: error: {error}", file=sys.stderr)
        raise SystemExit(2) from error
    yield from task_list
