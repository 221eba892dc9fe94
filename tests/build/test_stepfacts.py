"""What the build containers report: facts.sh's JSON facts read back, and ccache's statistics."""

import os
import subprocess

import pytest

from tasks.build import stepfacts
from tasks.build.stepfacts import ccache_summary, toolchain
from tasks.errors import UserError
from tests.fake_docker import FakeEngine

LOG = """\
python-builder: toolchain gcc: gcc (Debian 14.2.0-19) 14.2.0
python-builder: toolchain binutils: GNU ld (GNU Binutils for Debian) 2.44
gcc -c ... -o Objects/setobject.o
python-builder: ccache statistics
Cacheable calls:   269 / 336 (80.06%)
  Hits:            200 / 269 (74.35%)
    Direct:        190 / 200 (95.00%)
    Preprocessed:   10 / 200 ( 5.00%)
  Misses:           69 / 269 (25.65%)
Uncacheable calls:  67 / 336 (19.94%)
Local storage:
  Cache size (GB): 0.1 / 5.0 ( 2.00%)
  Hits:            200 / 269 (74.35%)
  Misses:           69 / 269 (25.65%)
"""


def test_ccache_summary():
    stats = ccache_summary(LOG)
    assert stats["hits"] == 200 and stats["misses"] == 69 and stats["direct"] == 190
    assert stats["hit_rate"] == round(200 / 269, 3)
    assert ccache_summary("no statistics here") == {}
    assert "remote" not in stats


def test_ccache_summary_with_remote_storage():
    remote_log = LOG.replace("  Hits:            200 / 269 (74.35%)\n  Misses:           69 / 269 (25.65%)\n", "", 1)
    remote_log += "  Hits:             10 / 269 ( 3.72%)\n  Misses:          259 / 269 (96.28%)\n"
    remote_log += "Remote storage:\n  Hits:            190 / 259 (73.36%)\n  Misses:           69 / 259 (26.64%)\n"
    remote_log += "  Errors:            0\n"
    stats = ccache_summary(remote_log)
    assert stats["hits"] == 200 and stats["misses"] == 69  # the overall outcome, not the local section's
    assert stats["remote"] == {"hits": 190, "misses": 69, "errors": 0, "hit_rate": round(190 / 259, 3)}


FACTS_SH = os.path.join(os.path.dirname(__file__), "..", "..", "docker", "steps", "facts.sh")


def pb_fact(path, *args):
    subprocess.run(["bash", "-c", f'. "{FACTS_SH}" && pb_fact "$@"', "-", *args], check=True,
                   env={**os.environ, "PB_FACTS": str(path)})


def test_facts_written_by_the_shell_read_back_whatever_the_value(tmp_path):
    facts = tmp_path / "compile-facts.jsonl"
    pb_fact(facts, "toolchain", "gcc", "gcc (Debian 14.2.0-19) 14.2.0")
    pb_fact(facts, "toolchain", "binutils", "GNU ld (GNU Binutils for Debian) 2.44")
    pb_fact(facts, "odd", "value", 'a "quoted" \\back\\slash\tand\x01 control')
    read = stepfacts.read(facts)
    assert toolchain(read) == {"gcc": "gcc (Debian 14.2.0-19) 14.2.0",
                               "binutils": "GNU ld (GNU Binutils for Debian) 2.44"}
    assert read["odd"]["value"] == 'a "quoted" \\back\\slash and control'  # a tab: a blank; \x01: dropped


def test_a_step_that_wrote_no_facts_and_a_broken_facts_file(tmp_path):
    assert stepfacts.read(tmp_path / "absent.jsonl") == {}
    subprocess.run(["bash", "-c", f'. "{FACTS_SH}" && pb_fact a b c'], check=True,
                   env={k: v for k, v in os.environ.items() if k != "PB_FACTS"}, cwd=tmp_path)
    assert list(tmp_path.iterdir()) == []  # PB_FACTS unset: nothing written
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"section": "phase", "key": "build"}\n')
    with pytest.raises(UserError, match="broken.jsonl:1: not a fact line"):
        stepfacts.read(broken)


def test_fault_hold_is_inert_unless_asked_for(tmp_path, monkeypatch):
    from tasks import faults
    monkeypatch.delenv("PB_HOLD_AT", raising=False)
    faults.hold("checksum")  # returns at once
    monkeypatch.setenv("PB_HOLD_AT", "extract")
    monkeypatch.setenv("PB_HOLD_MARKER", str(tmp_path / "held"))
    faults.hold("checksum")  # another point: returns at once
    assert not (tmp_path / "held").exists()


@pytest.mark.parametrize("daemon_up, words", [
    (True, ["stopped from outside (exit status 137)", "Docker daemon stopped or restarted", "docker info"]),
    (False, ["Docker failed while running compile:3.13.15-trixie", "connection refused"]),
])
def test_a_container_killed_from_outside_names_docker(tmp_path, daemon_up, words):
    from tasks.engine import runner
    from tasks.errors import UserError

    step = runner.Step(name="compile:3.13.15-trixie", image="x", command=("true",), log=tmp_path / "log",
                       project_id="p")
    with pytest.raises(UserError) as caught:
        runner._killed_from_outside(step, 137, FakeEngine(daemon_up=daemon_up))
    assert all(w in str(caught.value) for w in words), str(caught.value)


def test_container_removal_retries_with_a_fresh_client_and_reports_failure(fake_docker, capsys):
    from tasks.engine import runner

    runner._remove_container(FakeEngine(containers_exist=False), "pb-x-compile")  # never created: nothing to do
    fresh = FakeEngine()
    fake_docker.use(lambda host: fresh)
    runner._remove_container(FakeEngine(connected=False), "pb-x-compile")  # the interrupted connection fails
    assert fresh.removed == [True]
    fake_docker.use(lambda host: FakeEngine(connected=False))
    runner._remove_container(FakeEngine(connected=False), "pb-x-compile")
    assert "could not remove container pb-x-compile (broken connection)" in capsys.readouterr().err
