"""Task names that name a pinned version outside the matrix: `doit build:3.14.7`, `doit info validate:3.13.15-trixie`.

doit only knows the tasks the graph yields, and the graph yields the matrix (config.toml's versions and
distros, or PYTHON_VERSION= and DISTRO=). A task name on the command line that names another pinned
version (or another configured distro entry) widens the matrix by exactly that version and distro before
the graph is made, so every doit command (run, info, clean, forget, ...) finds the task. A name with an
unpinned or malformed version ends in one line that gives the fix, and so does a word that names no task
at all (`doit biuld`: "did you mean build?").

    argv  --requested()-->  [(step, name), ...]  --widen(settings)-->  Settings with those versions/distros
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from tasks.errors import UserError, clip
from tasks.model.config import Settings
from tasks.model.variant import ALL as ALL_VARIANTS
from tasks.model.versions import Version
from tasks.pipeline.guard import DOIT_COMMANDS
from tasks.pipeline.overrides import CLI_VARIABLES

# steps named <step>:<version>-<distro> (and build:<version>), <step>:<version>, <step>:<distro>
BUILD_STEPS = ("build", *(v.step(s) for v in ALL_VARIANTS for s in ("configure", "compile")), "package", "validate",
               "rebuild_check")
SOURCE_STEPS = ("download", "checksum", "extract")
DISTRO_STEPS = ("image", "repo")
# variables that one command alone reads: given to another, they would be ignored silently
ONE_COMMAND_VARIABLES = {"CLEAN_DOWNLOADS": "clean", "CLEAN_IMAGES": "clean", "NEW_VERSION": "pin"}
TASK_NAME = re.compile(r"^([a-z_]+):(.*)$", re.ASCII)
FORMS = {
    "build": "build:<X.Y.Z> or build:<X.Y.Z>-<distro>",
    **{step: f"{step}:<X.Y.Z>-<distro>" for step in BUILD_STEPS[1:]},
    **{step: f"{step}:<X.Y.Z>" for step in SOURCE_STEPS},
    **{step: f"{step}:<distro>" for step in DISTRO_STEPS},
}


def requested(argv: Sequence[str]) -> list[tuple[str, str]]:
    """(step, name) of each positional `step:name` argument whose step is one of ours; doit's own options,
    NAME=value variables and other words are left to doit."""
    found = []
    for arg in argv:
        if arg.startswith("-") or "=" in arg:  # doit takes every word with "=" as a variable
            continue
        match = TASK_NAME.fullmatch(arg)
        if match and match.group(1) in FORMS and "*" not in match.group(2):
            found.append((match.group(1), match.group(2)))
    return found


def _version(settings: Settings, step: str, text: str) -> Version:
    try:
        version = Version.parse(text, f"{step}:{clip(text)}")
    except UserError as error:
        raise UserError(f"{error}; task names take the form {FORMS[step]} (e.g. {step}:3.14.7"
                        f"{'-trixie' if step in BUILD_STEPS[1:] else ''})") from error
    if settings.pin(version) is None and not settings.allow_unpinned:
        raise UserError(f"{step}:{text}: CPython {version} has no pin; pin it first with "
                        f"`doit pin NEW_VERSION={version}`, then run this again")
    return version


def _distro(settings: Settings, step: str, name: str, text: str):
    distro = settings.all_distros.get(text)
    if distro is None:
        known = ", ".join(sorted(settings.all_distros))
        raise UserError(f"{step}:{clip(name)}: unknown distro entry {clip(text)!r}; known: {known}"
                        f" (task names take the form {FORMS[step]})")
    return distro


def widen(settings: Settings, names: Iterable[tuple[str, str]]) -> Settings:
    """Settings whose matrix also holds every version and distro these task names name (checked first)."""
    versions, distros = list(settings.versions), list(settings.distros)
    for step, name in names:
        if step in DISTRO_STEPS:
            new_distros = [_distro(settings, step, name, name)]
            new_versions = []
        else:
            version_text, dash, distro_text = name.partition("-")
            if step in SOURCE_STEPS and dash:
                raise UserError(f"{step}:{clip(name)}: sources are shared by every distro; "
                                f"task names take the form {FORMS[step]}")
            if step != "build" and step in BUILD_STEPS and not dash:
                raise UserError(f"{step}:{clip(name)}: name the distro too; task names take the form {FORMS[step]}")
            new_versions = [_version(settings, step, version_text)]
            new_distros = [_distro(settings, step, name, distro_text)] if dash else []
        versions += [v for v in new_versions if v not in versions]
        distros += [d for d in new_distros if d.name not in {x.name for x in distros}]
    if len(versions) == len(settings.versions) and len(distros) == len(settings.distros):
        return settings
    return replace(settings, versions=tuple(versions), distros=tuple(distros))


# doit's --backend and --db-file: how and where doit keeps its record of finished steps (see state.py)
STATE_OPTIONS = ("backend", "dep_file")


def _parsed(argv: Sequence[str], command: str) -> tuple[dict, list[str]] | None:
    """doit's own reading of the arguments with the command's own options (so `-n 1`'s 1 is no task): the
    options (STATE_OPTIONS None unless given) and the positional words; None for other commands, or when
    doit will refuse the options itself."""
    from doit import cmd_base, cmd_clean, cmd_forget, cmd_help, cmd_ignore, cmd_info, cmd_list, cmd_run
    from doit.cmdparse import CmdOption, CmdParse, CmdParseError

    kind = {"run": cmd_run.Run, "clean": cmd_clean.Clean, "forget": cmd_forget.Forget,
            "ignore": cmd_ignore.Ignore, "info": cmd_info.Info, "list": cmd_list.List,
            "help": cmd_help.Help}.get(command)
    if kind is None:
        return None
    options = (*cmd_base.DoitCmdBase.base_options, *cmd_base.DodoTaskLoader.cmd_options, *kind.cmd_options)
    words = list(argv[1:] if argv and argv[0] == command else argv)
    try:
        params, positional = CmdParse([CmdOption({**option, "default": None} if option["name"] in STATE_OPTIONS
                                                 else option) for option in options]).parse(words)
    except CmdParseError:
        return None
    return dict(params), list(positional)


def task_words(argv: Sequence[str], command: str) -> list[str]:
    """The words doit takes as task names or targets; [] for other commands."""
    parsed = _parsed(argv, command)
    return [] if parsed is None else [word for word in parsed[1] if "=" not in word]


def check_state_options(argv: Sequence[str], command: str) -> None:
    """doit's record of finished steps is SQLite in the checkout's .doit.db, checked before doit opens it:
    --backend json or dbm would read that file in another format (a traceback), --db-file skip the check."""
    parsed = _parsed(argv, command)
    params = parsed[0] if parsed else {}
    if params.get("backend") not in (None, "sqlite3") or params.get("dep_file") is not None:
        given = "--backend" if params.get("backend") not in (None, "sqlite3") else "--db-file"
        raise UserError(f"{given}: python-builder keeps doit's record of finished steps in SQLite, in .doit.db "
                        "(a scratch file in a read-only checkout); leave --backend and --db-file out")


def check_names(argv: Sequence[str], command: str, task_list: Iterable[dict]) -> None:
    """A word that names no task (`doit biuld`, `doit compil:3.14.7-trixie`, `doit info nosuch`, `doit help
    nosuch`) is one line with the likely name: doit 0.37 says "Invalid parameter" (`info` a KeyError
    traceback, `help` its general help)."""
    tasks = list(task_list)
    basenames = sorted({t["basename"] for t in tasks})
    names = {f"{t['basename']}:{t['name']}" for t in tasks if t.get("name") is not None} | set(basenames)
    targets = {str(target) for t in tasks for target in t.get("targets", ())}
    for word in task_words(argv, command):
        if word in names or "*" in word or (command == "run" and str(Path(word).absolute()) in targets):
            continue  # a task, a pattern doit expands, or a target (only `run` takes targets)
        if command == "help" and (word in DOIT_COMMANDS or word == "task"):
            continue  # `doit help list`, `doit help task`
        if word == "auto" and command == "run":
            raise UserError("auto: doit 0.37 has no `auto` command (it became the doit-auto1 plugin, which "
                            "python-builder does not install); run `doit build` again after a change: steps whose "
                            "inputs did not change are skipped")
        if word in DOIT_COMMANDS:
            raise UserError(f"{command}: {word} is a doit command, which doit reads only as the first word: "
                            f"doit {word} …")
        if word.upper() in CLI_VARIABLES:
            raise UserError(f"{command}: {word} is a variable, not a task: give it a value ({word.upper()}=…)")
        step, colon, rest = word.partition(":")  # a misspelt step keeps its version and distro
        close = difflib.get_close_matches(step, basenames, n=1, cutoff=0.75)
        hint = f"did you mean {close[0]}{colon}{rest}? " if close else ""
        raise UserError(f"{command}: {clip(word, 120)!r} is not a task; {hint}`doit list --all` lists them "
                        "(e.g. doit build:3.14.7, doit info validate:3.14.7-trixie)")


def check_variables_fit(argv: Sequence[str], command: str, variables: Iterable[str]) -> None:
    """CLEAN_DOWNLOADS=true on `doit build`, or NEW_VERSION= without the pin task, is refused, not ignored."""
    for name in sorted(set(variables) & ONE_COMMAND_VARIABLES.keys()):
        reader = ONE_COMMAND_VARIABLES[name]  # a doit command (clean), or a task the command names (pin)
        if not (command == reader or reader in task_words(argv, command)):
            example = "doit pin NEW_VERSION=3.14.11" if reader == "pin" else f"doit clean {name}=true"
            raise UserError(f"{name}: only `doit {reader}` reads it, so here it would do nothing; e.g. {example}")
