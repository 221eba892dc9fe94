"""files.Targets: a step's targets are gone when it starts, written last, and gone again when it fails."""

import json

import pytest

from tasks.files import Targets


def test_targets_removed_first_written_last(tmp_path):
    stamp, other = tmp_path / "a.json", tmp_path / "b.json"
    stamp.write_text("stale")
    other.write_text("stale")
    with Targets(stamp, other) as targets:
        assert not stamp.exists() and not other.exists()  # a step that dies here leaves nothing behind
        targets.write(stamp, {"ok": True})
    assert json.loads(stamp.read_text()) == {"ok": True} and not other.exists()


def test_a_failing_step_leaves_no_target(tmp_path):
    stamp = tmp_path / "a.json"
    with pytest.raises(RuntimeError), Targets(stamp) as targets:
        targets.write(stamp, {"ok": True})
        raise RuntimeError("the step failed after writing")
    assert not stamp.exists()
    with pytest.raises(KeyboardInterrupt), Targets(stamp):
        raise KeyboardInterrupt
    assert not stamp.exists()


def test_only_declared_targets_are_written(tmp_path):
    with pytest.raises(ValueError), Targets(tmp_path / "a.json") as targets:
        targets.write(tmp_path / "elsewhere.json", {})
    assert not (tmp_path / "elsewhere.json").exists()
