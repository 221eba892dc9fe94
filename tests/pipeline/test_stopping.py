"""On an interrupt the running steps end cleanly: their programs get SIGTERM and the time to clean up,
then their threads unwind through their `finally` blocks, and only then does doit exit.

Each case runs in a process of its own (stop_running_steps signals every child of its process, and a
test run has children of its own): a "step" thread, whose code lives in a directory taken as the steps'
code, starts a program and reads its output, as the bootstrap step reads mmdebstrap's."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# a program that, on SIGTERM, takes 1 s to clean up (as mmdebstrap unmounts and removes its chroot)
PROGRAM = textwrap.dedent("""
    import signal, sys, time
    from pathlib import Path
    def cleanup(*_):
        time.sleep(1)
        Path(sys.argv[1]).write_text("cleaned")
        sys.exit(25)
    signal.signal(signal.SIGTERM, cleanup)
    print("ready", flush=True)
    while True:
        time.sleep(0.05)
""")

STEP = textwrap.dedent("""
    import subprocess, sys, time
    from pathlib import Path

    def runs_a_program(program, mark, record):
        try:
            process = subprocess.Popen([sys.executable, program, mark], stdout=subprocess.PIPE, text=True)
            for line in process.stdout:
                record["lines"].append(line.strip())
            record["status"] = process.wait()
        finally:
            record["finally"] = True

    def computes(record):
        try:
            while True:
                time.sleep(0.05)
        finally:
            record["finally"] = True
""")

SCENARIO = textwrap.dedent("""
    import json, os, queue, sys, threading, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    sys.path.insert(0, sys.argv[2])
    from tasks.pipeline import stopping
    import step

    kind, tmp = sys.argv[3], Path(sys.argv[2])
    record = {"lines": [], "finally": False}
    if kind == "program":
        target = lambda: step.runs_a_program(str(tmp / "program.py"), str(tmp / "cleaned"), record)
    else:
        target = lambda: step.computes(record)
    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    idle = threading.Thread(target=queue.Queue().get, daemon=True)  # doit's idle worker, outside our code
    idle.start()
    while kind == "program" and not record["lines"]:
        time.sleep(0.05)
    said = []
    started = time.monotonic()
    stopping.stop_running_steps(tmp, said.append, children_seconds=20, threads_seconds=2)
    print(json.dumps({"seconds": time.monotonic() - started, "said": said, "record": record,
                      "cleaned": (tmp / "cleaned").exists(), "worker_alive": worker.is_alive(),
                      "children_left": stopping.children(os.getpid())}))
""")


def scenario(tmp_path: Path, kind: str) -> dict:
    (tmp_path / "program.py").write_text(PROGRAM)
    (tmp_path / "step.py").write_text(STEP)
    (tmp_path / "scenario.py").write_text(SCENARIO)
    out = subprocess.run([sys.executable, str(tmp_path / "scenario.py"), str(ROOT), str(tmp_path), kind],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.splitlines()[-1])


def test_a_steps_program_gets_sigterm_and_the_time_to_clean_up_then_the_step_unwinds(tmp_path):
    result = scenario(tmp_path, "program")
    assert result["cleaned"]  # the program finished its own cleanup
    assert result["record"]["status"] == 25 and result["record"]["finally"]  # the step saw it end and unwound
    assert not result["worker_alive"] and result["children_left"] == []
    assert len(result["said"]) == 1 and "stopping 1 running program(s)" in result["said"][0]
    assert 1 <= result["seconds"] < 5  # waited for the cleanup, not for the idle worker


def test_a_step_still_busy_in_its_own_code_is_interrupted_and_runs_its_finally(tmp_path):
    result = scenario(tmp_path, "computes")
    assert result["record"]["finally"] and not result["worker_alive"]
    assert result["said"] == []  # no program to wait for: nothing to say
    assert result["seconds"] < 1  # interrupted at once: it must not go on to finish its work


@pytest.mark.parametrize("stat, parent", [
    ("41 (a (b) c) S 7 41 41 0 -1", 7),  # a command name with blanks and parentheses
    ("42 (sh) Z 7 42 42 0 -1", None),  # a zombie is no live child
])
def test_children_reads_the_parent_from_proc(tmp_path, monkeypatch, stat, parent):
    from tasks.pipeline import stopping
    (tmp_path / stat.split()[0]).mkdir()
    (tmp_path / stat.split()[0] / "stat").write_text(stat + "\n")
    monkeypatch.setattr(stopping, "PROC", tmp_path)
    assert stopping.children(7) == ([int(stat.split()[0])] if parent else [])
