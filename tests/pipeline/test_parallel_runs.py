"""Parallel runs: the timing summary (total and wall), interrupted steps' containers removed at the end, and
runner.run_side_by_side."""

import io

from doit.task import Stream, Task

from tasks.engine import runner
from tasks.pipeline.reporter import TimingReporter


def reporter():
    out = io.StringIO()
    return TimingReporter(out, {"show_out": False, "show_err": False, "verbosity": 2, "failure_verbosity": 0}), out


def task(name):
    return Task(name, [(lambda: None, [])])


def test_summary_has_each_step_the_total_and_the_wall_time(fake_docker):
    fake_docker.forbid()
    report, out = reporter()
    for name in ("configure:x", "compile:x"):
        report.execute_task(task(name))
        report.add_success(task(name))
    report.complete_run()
    lines = out.getvalue().split("python-builder: timing\n", 1)[1].splitlines()
    assert [line.split()[0] for line in lines] == ["configure:x", "compile:x", "total", "wall"]
    assert all(line.split()[-1] == "ok" for line in lines[:2])


def test_summary_gives_each_compile_its_ccache_hit_rate_and_the_run_its_total(fake_docker):
    fake_docker.forbid()
    report, out = reporter()
    records = {"configure:x": {"seconds": 30.0},
               "compile:x": {"ccache": {"hits": 12, "misses": 257, "hit_rate": 0.045}},
               "compile_ft:x": {"ccache": {"hits": 268, "misses": 1, "hit_rate": 0.996,
                                           "remote": {"hits": 200, "misses": 69, "hit_rate": 0.743}}}}
    for name, record in records.items():
        step = Task(name, [(lambda record=record: record, [])])
        report.execute_task(step)
        step.execute(Stream(0))  # doit keeps the action's returned dict as the task's values
        report.add_success(step)
    report.complete_run()
    lines = out.getvalue().split("python-builder: timing\n", 1)[1].splitlines()
    assert lines[0].split()[-1] == "ok"  # no ccache note on a step without a compile record
    assert lines[1].endswith("s  ok  ccache 12/269 hits (4%)")
    assert lines[2].endswith("s  ok  ccache 268/269 hits (100%), remote 200/269")
    assert [line.split()[0] for line in lines] == [*records, "total", "wall", "ccache"]
    assert lines[-1].split(None, 1)[1] == "280/538 hits (52%), remote 200/269"


def test_steps_still_running_at_the_end_have_their_containers_removed(monkeypatch, fake_docker):
    calls = []
    fake_docker.use(lambda host: "engine")
    monkeypatch.setattr(runner, "remove_leftovers", lambda engine, project: calls.append((engine, project)) or 2)
    report, out = reporter()
    report.execute_task(task("compile:x"))
    report.execute_task(task("compile_ft:x"))
    report.add_success(task("compile:x"))
    report.complete_run()  # compile_ft:x never finished: its worker thread was cut off by Ctrl-C
    assert len(calls) == 1 and calls[0][0] == "engine"
    assert "python-builder: removed 2 container(s) of 1 interrupted step(s)" in out.getvalue()


# runner.run_side_by_side: two containers at once (validate's lintian + install check, package's two installs)

def steps_named(*names, docker_host=None):
    from pathlib import Path
    return [runner.Step(name=n, image="img", log=Path("/nonexistent") / n, project_id="p", command=("true",),
                        docker_host=docker_host) for n in names]


def test_side_by_side_runs_both_and_raises_the_failure_after_both_ended(monkeypatch):
    import threading

    import pytest

    from tasks.errors import UserError
    both_running = threading.Barrier(2, timeout=5)  # each waits for the other: they must overlap
    ran = []

    def fake_run(step, engine=None):
        both_running.wait()
        ran.append(step.name)
        if step.name == "lintian:x":
            raise UserError("lintian:x failed")

    monkeypatch.setattr(runner, "run", fake_run)
    main, beside = steps_named("validate:x", "lintian:x")
    with pytest.raises(UserError, match="lintian:x failed"):
        runner.run_side_by_side(main, beside)
    assert sorted(ran) == ["lintian:x", "validate:x"]


def test_side_by_side_interrupted_stops_the_other_container(monkeypatch):
    import threading

    import pytest
    started, stopped = threading.Event(), []

    def fake_run(step, engine=None):
        if step.name == "validate:x":
            started.wait(5)
            raise KeyboardInterrupt
        started.set()

    monkeypatch.setattr(runner, "run", fake_run)
    monkeypatch.setattr(runner, "stop", lambda step: stopped.append(step.name))
    with pytest.raises(KeyboardInterrupt):
        runner.run_side_by_side(*steps_named("validate:x", "lintian:x"))
    assert stopped == ["lintian:x"]


def test_side_by_side_on_a_remote_engine_runs_one_after_the_other(monkeypatch):
    order = []
    monkeypatch.setattr(runner, "run", lambda step, engine=None: order.append(step.name))
    runner.run_side_by_side(*steps_named("validate:x", "lintian:x", docker_host="ssh://builder@arm64"))
    assert order == ["validate:x", "lintian:x"]
