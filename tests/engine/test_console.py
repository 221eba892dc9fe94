"""WholeLines: a step's output reaches the console in whole lines, so doit's ".  task" lines start a line."""

from __future__ import annotations

import io

from tasks.engine.console import WholeLines


class Recorder(io.StringIO):
    """A console that remembers each write call."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def write(self, text: str) -> int:
        self.calls.append(text)
        return super().write(text)


def test_chunks_are_written_as_the_lines_they_complete():
    console = Recorder()
    with WholeLines(console) as lines:
        for chunk in ("Step 2/9 : RUN x", "\n", " ---> Running in 1a2b\nconfig", "ure: ok\nno newline at the end"):
            lines.write(chunk)
    assert console.calls == ["Step 2/9 : RUN x\n", " ---> Running in 1a2b\n", "configure: ok\n",
                             "no newline at the end\n"]


def test_a_task_line_written_between_two_chunks_of_one_line_starts_its_own_line():
    """The e2e failure this fixes: the image step's "Step 2/9 : RUN x" and its "\\n" arrived apart, doit's
    reporter wrote ".  extract:3.14.4" in between, and the task's line was glued to the half line."""
    console = Recorder()
    lines = WholeLines(console)
    lines.write("Step 2/9 : RUN x")
    console.write(".  extract:3.14.4\n")  # doit's reporter, from the other thread
    lines.write("\n")
    lines.close()
    assert console.getvalue().splitlines() == [".  extract:3.14.4", "Step 2/9 : RUN x"]


def test_leaving_on_an_error_still_writes_the_unfinished_line():
    console = Recorder()
    try:
        with WholeLines(console) as lines:
            lines.write("make: *** [Makefile:12] Error 2")
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert console.getvalue() == "make: *** [Makefile:12] Error 2\n"


def test_nothing_is_written_for_empty_chunks_or_an_empty_end():
    console = Recorder()
    with WholeLines(console) as lines:
        lines.write("")
        lines.write("done\n")
        lines.write("")
    assert console.calls == ["done\n"]
