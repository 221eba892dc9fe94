"""A step's output relayed to the console in whole lines only.

doit runs two steps at once (`num_process`, threads), and its reporter starts each task's line (".  name")
wherever the console is. A Docker build stream or a container's log arrives in chunks that may end mid-line
("Step 2/9 : RUN x" and its "\\n" come as two); written as they come, another task's line could be glued to
the end of that half line, where neither a reader nor a script looking for ".  name" at a line's start
finds it. So the text is held until its newline and written a line (or a run of lines) at a time, in one
write call each.
"""

from __future__ import annotations

from typing import TextIO


class WholeLines:
    """Use as a context manager: leaving it (an error included) writes the unfinished last line."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._partial = ""

    def write(self, text: str) -> None:
        """Write every line `text` completes; keep its unfinished end for the next call."""
        head, newline, self._partial = (self._partial + text).rpartition("\n")
        if newline:
            self._stream.write(head + newline)

    def close(self) -> None:
        """Write what is left of an unfinished last line, ended with a newline."""
        if self._partial:
            self._stream.write(self._partial + "\n")
            self._partial = ""

    def __enter__(self) -> WholeLines:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
