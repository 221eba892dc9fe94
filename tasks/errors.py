"""The one exception type for problems a user can fix: printed as a single line, never a traceback; and
the task failure that carries it to the reporter."""

import errno

from doit.exceptions import TaskFailed

# What the environment, not a bug, makes an action's file operation fail with: a full disk or quota, a
# read-only file system, a cache/ or dist/ the user may not write, a file where they should be directories.
ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM,
                                errno.ENOTDIR, errno.EISDIR})


class UserError(Exception):
    """A problem the user can fix; str(error) says what is wrong and how to fix it, in one line."""

    def __str__(self) -> str:  # keep it to one line whatever the caller passed
        return " ".join(str(self.args[0] if self.args else "").split())


class UserFailure(TaskFailed):
    """A step's failure the user can fix: the reporter prints its one line, never a traceback."""

    def __init__(self, line: str):
        super().__init__(f"python-builder: error: {line}")


def shown(value: object, limit: int = 40) -> str:
    """A value as an error line quotes it: its repr, or when long, the repr of its start and its length."""
    text = value if isinstance(value, str) else repr(value)
    return repr(value) if len(text) <= limit else f"{text[:limit]!r}… ({len(text)} characters)"


def clip(text: str, limit: int = 40) -> str:
    """`text` as it is when short, else its start and its length: error lines stay one short line."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def remove_and_rerun(path: object) -> str:
    """The fix for a file of the tool's own bookkeeping that is broken: remove it, then run again."""
    return f"remove it (rm -r {path}) and run doit again"


def clean_errors(action):
    """Decorate a `doit clean` action: a removal that fails ends doit with one line and exit status 1 (doit
    itself would print a traceback and go on to exit 0)."""
    import functools

    @functools.wraps(action)
    def wrapper(*args, **kwargs):
        import os
        try:
            return action(*args, **kwargs)
        except UserError as error:
            problem = str(error)
        except OSError as error:
            where = f" {error.filename}" if error.filename else ""
            problem = (f"cannot remove{where}: {error.strerror or error}; check that cache/ and dist/ are "
                       "directories you may write, fix it by hand")
        # doit captures what an action prints and drops it when the action exits: straight to stderr
        os.write(2, f"python-builder: error: doit clean failed: {problem}; then run doit clean again\n".encode())
        raise SystemExit(1)

    return wrapper


def user_errors(action):
    """Decorate a doit action: a UserError becomes a one-line task failure instead of a traceback."""
    import functools

    @functools.wraps(action)
    def wrapper(*args, **kwargs):
        try:
            return action(*args, **kwargs)
        except UserError as error:
            return UserFailure(str(error))
        except KeyboardInterrupt as interrupt:  # Ctrl-C, or SIGTERM (see locking): doit stops, keeps what finished
            why = str(interrupt) or "Ctrl-C"
            return UserFailure(f"interrupted ({why}); this step left no result, run doit again to resume")
        except OSError as error:
            if error.errno not in ENVIRONMENT_ERRNOS:
                raise  # any other OSError is a bug: doit shows its traceback
            where = f" {error.filename}" if error.filename else ""
            return UserFailure(f"cannot write or read{where}: {error.strerror or error}; "
                               "check free space and permissions of cache/ and dist/ (directories), "
                               "then run doit again")

    return wrapper
