"""files.Targets: a step's targets are gone when it starts, written last, and gone again when it fails; atomic
writes and moves."""

import json
import os
import stat
from pathlib import Path

import pytest

from tasks import files
from tasks.files import Targets, move_atomic, write_text_atomic


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


def test_an_atomic_write_keeps_the_mode_and_never_follows_a_planted_link(tmp_path):
    config, victim = tmp_path / "config.toml", tmp_path / "victim"
    config.write_text("old\n")
    config.chmod(0o600)
    victim.write_text("untouched\n")
    (tmp_path / ".config.toml.tmp").symlink_to(victim)  # where an older python-builder wrote its temporary
    write_text_atomic(config, "new\n")
    assert config.read_text() == "new\n" and stat.S_IMODE(config.stat().st_mode) == 0o600
    assert victim.read_text() == "untouched\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".config.toml.tmp", "config.toml", "victim"]


def test_a_failed_atomic_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "manifest.json"
    target.write_text("old\n")

    def fail(handle):
        handle.write(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        files._write_into_place(target, fail)
    assert target.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_a_move_across_file_systems_copies_into_place(tmp_path, monkeypatch):
    src, dest = tmp_path / "a.deb", tmp_path / "dist" / "a.deb"
    src.write_bytes(b"deb")
    real_replace = os.replace

    def cross_device(a, b):  # the first rename (src -> dest) crosses file systems; the temporary's does not
        if Path(a) == src:
            raise OSError(18, "Invalid cross-device link")
        real_replace(a, b)

    monkeypatch.setattr(files.os, "replace", cross_device)
    move_atomic(src, dest)
    assert dest.read_bytes() == b"deb" and not src.exists() and [p.name for p in dest.parent.iterdir()] == ["a.deb"]


@pytest.mark.parametrize("odd", ["link", "fifo", "file"])
def test_a_log_is_written_afresh_never_through_what_was_in_its_place(tmp_path, odd):
    log, victim = tmp_path / "logs" / "compile.log", tmp_path / "victim"
    victim.write_text("precious")
    log.parent.mkdir()
    if odd == "link":
        log.symlink_to(victim)
    elif odd == "fifo":
        os.mkfifo(log)
    else:
        log.write_text("the previous run's log")
    with files.open_log(log) as handle:
        handle.write("this run\n")
    assert log.read_text() == "this run\n" and not log.is_symlink()
    assert victim.read_text() == "precious"


def test_an_interrupt_during_a_removal_lets_it_finish_then_goes_on(tmp_path, monkeypatch):
    """The run guard interrupts the step threads as it stops a run: one landing inside a step's cleanup
    (removing its scratch directory) must not leave it half-removed."""
    import shutil

    import pytest

    from tasks import files
    tree = tmp_path / "scratch"
    (tree / "a" / "b").mkdir(parents=True)
    (tree / "a" / "b" / "rootfs.tar").write_bytes(b"x" * 1000)
    real, calls = shutil.rmtree, []

    def interrupted_once(path, **kwargs):
        calls.append(path)
        if len(calls) == 1:
            (tree / "a" / "b" / "rootfs.tar").unlink()  # part of the work done, then the interrupt lands
            raise KeyboardInterrupt
        real(path, **kwargs)

    monkeypatch.setattr(files.shutil, "rmtree", interrupted_once)
    with pytest.raises(KeyboardInterrupt):
        files.remove_tree(tree)
    assert not tree.exists() and len(calls) == 2
