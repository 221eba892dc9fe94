"""Several engines and a shared compiler cache: config, which builds are FAST under emulation, how a step's
directories travel to an engine named by docker_host (without Docker: the runner's choices and the tar
round trip)."""

from __future__ import annotations

import copy
import io
import os
import tarfile
from pathlib import Path

import pytest

from tasks.engine import emulation, runner, transfer
from tasks.errors import UserError
from tasks.model import config
from tasks.model.plan import Layout, builds
from tasks.model.variant import DEFAULT
from tasks.pipeline import overrides
from tasks.pipeline.actions import _tree_step


def load(data, **variables):
    return overrides.apply_overrides(config.parse(data), variables)


def farm_config(config_data):
    data = copy.deepcopy(config_data)
    data["distros"]["trixie"]["docker_host"] = "ssh://builder@farm1.example.org"
    data["distros"]["bookworm"]["docker_host"] = "tcp://127.0.0.1:2376"
    data["distros"]["forky"]["docker_host"] = "unix:///run/farm/docker.sock"
    data["ccache"] = {"max_size": "20G", "remote_storage": "redis://127.0.0.1:6379|connect-timeout=500"}
    return data


def test_docker_hosts_and_shared_cache_are_read(config_data):
    settings = load(farm_config(config_data))
    hosts = {name: d.docker_host for name, d in settings.all_distros.items()}
    assert hosts["trixie"] == "ssh://builder@farm1.example.org" and hosts["bookworm"] == "tcp://127.0.0.1:2376"
    assert hosts["noble"] is None  # not set: the default engine
    assert settings.ccache == config.Ccache("20G", "redis://127.0.0.1:6379|connect-timeout=500")
    assert load(config_data).ccache == config.Ccache("5G", "")


@pytest.mark.parametrize("local_arch, entry_fast, variables, expected", [
    ("amd64", None, {}, True),                         # amd64 machine, arm64 entry: emulated, FAST unless asked
    ("arm64", None, {}, False),                        # native on an arm64 machine: build.fast (false)
    (None, None, {}, False),                           # DOCKER_HOST elsewhere: unknown, so build.fast
    ("amd64", False, {}, False),                       # the entry asks for an optimized build
    ("amd64", None, {"FAST_BUILD": "false"}, False),   # so does the command line, for every entry
    ("arm64", None, {"FAST_BUILD": "true"}, True),
])
def test_emulated_builds_are_fast_unless_asked(config_data, root, local_arch, entry_fast, variables, expected):
    data = copy.deepcopy(config_data)
    if entry_fast is not None:
        data["distros"]["rpios-trixie"]["fast"] = entry_fast
    settings = load(data, DISTRO="rpios-trixie", PYTHON_VERSION="3.13.15", **variables)
    build = builds(settings, Layout.for_root(root), local_arch)[0]
    assert build.fast is expected
    assert ("--enable-optimizations" in build.configure_args(DEFAULT)) is not expected
    assert (build.profile_stamp(DEFAULT) is None) is expected


def test_an_arm64_entry_on_its_own_engine_is_not_emulated(config_data, root):
    data = copy.deepcopy(config_data)
    data["distros"]["rpios-trixie"]["docker_host"] = "ssh://pi@pi5.example.org"
    build = builds(load(data, DISTRO="rpios-trixie", PYTHON_VERSION="3.13.15"), Layout.for_root(root), "amd64")[0]
    assert not build.emulated and not build.fast


def test_default_engine_arch():
    assert emulation.default_engine_arch({}, "x86_64") == "amd64"
    assert emulation.default_engine_arch({}, "aarch64") == "arm64"
    assert emulation.default_engine_arch({"DOCKER_HOST": "tcp://127.0.0.1:2376"}, "x86_64") is None
    # the same local engine through DOCKER_HOST: still this machine's architecture
    assert emulation.default_engine_arch({"DOCKER_HOST": "unix:///var/run/docker.sock"}, "x86_64") == "amd64"


def test_an_arm64_entry_on_the_local_engine_is_fast_whatever_docker_host_says(config_data, project, monkeypatch):
    """An arm64 build on an amd64 engine runs under emulation: FAST unless asked, whether the engine is the
    default socket, DOCKER_HOST pointing at it, or an engine the image step recorded as amd64."""
    from tasks.files import write_json_atomic
    from tasks.model import config
    from tasks.model.plan import Layout, builds
    from tasks.pipeline import graph
    settings = overrides.apply_overrides(config.parse(config_data), {"DISTRO": "rpios-trixie",
                                                                  "PYTHON_VERSION": "3.13.15"})
    layout = Layout.for_root(project)
    monkeypatch.setattr(emulation.platform, "machine", lambda: "x86_64")
    for host in ("", "unix:///var/run/docker.sock"):
        monkeypatch.setenv("DOCKER_HOST", host)
        assert builds(settings, layout, graph.engine_arches(settings, layout))[0].fast is True
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:2376")
    assert builds(settings, layout, graph.engine_arches(settings, layout))[0].fast is False  # not known yet
    write_json_atomic(layout.image_stamp(settings.distros[0]), {"engine_arch": "x86_64", "execution": "emulated"})
    assert builds(settings, layout, graph.engine_arches(settings, layout))[0].fast is True


def test_steps_of_a_docker_host_entry_run_there(config_data, root):
    settings = load(farm_config(config_data), DISTRO="trixie,noble", PYTHON_VERSION="3.13.15")
    remote, local = builds(settings, Layout.for_root(root), "amd64")
    assert _tree_step(remote, "configure", DEFAULT, ("true",), "img").docker_host == "ssh://builder@farm1.example.org"
    assert _tree_step(local, "configure", DEFAULT, ("true",), "img").docker_host is None


def _step(tmp_path, docker_host):
    return runner.Step(
        name="compile:3.13.15-trixie", image="img", command=("true",), log=tmp_path / "logs" / "x.log",
        project_id="p", docker_host=docker_host,
        mounts=(runner.Mount(tmp_path / "src", "/src", read_only=False), runner.Mount(tmp_path / "steps", "/pb/steps"),
                runner.Mount(tmp_path / "ccache", "/ccache", read_only=False, volume="python-builder-ccache-x")))


def test_default_engine_binds_every_directory(tmp_path):
    mounts = runner._docker_mounts(_step(tmp_path, None))
    assert [(m["Target"], m["Type"], m["Source"]) for m in mounts] == [
        ("/src", "bind", str(tmp_path / "src")), ("/pb/steps", "bind", str(tmp_path / "steps")),
        ("/ccache", "bind", str(tmp_path / "ccache"))]
    assert runner._copied(_step(tmp_path, None)) == ()


def test_a_docker_host_gets_volumes_for_caches_and_copies_of_the_rest(tmp_path):
    step = _step(tmp_path, "tcp://127.0.0.1:2376")
    mounts = runner._docker_mounts(step)
    assert [(m["Target"], m["Type"], m["Source"]) for m in mounts] == [("/ccache", "volume", "python-builder-ccache-x")]
    assert [m.container for m in runner._copied(step)] == ["/src", "/pb/steps"]


def _tree(root: Path) -> dict:
    return {str(p.relative_to(root)): (p.is_symlink() and os.readlink(p)) or (p.is_file() and p.read_bytes())
            for p in sorted(root.rglob("*"))}


def test_pack_holds_each_directory_at_its_container_path(tmp_path):
    (tmp_path / "steps").mkdir()
    (tmp_path / "steps" / "compile.sh").write_text("make\n")
    (tmp_path / "src" / "Lib").mkdir(parents=True)
    (tmp_path / "src" / "Lib" / "os.py").write_text("import abc\n")
    os.symlink("Lib/os.py", tmp_path / "src" / "link")
    archive = transfer.pack([(tmp_path / "src", "/src"), (tmp_path / "steps", "/pb/steps")], tmp_path, 1234, 99)
    with tarfile.open(archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert set(members) == {"src", "src/Lib", "src/Lib/os.py", "src/link", "pb", "pb/steps", "pb/steps/compile.sh"}
    assert all((m.uid, m.gid) == (1234, 99) for m in members.values())
    assert members["src/link"].issym() and members["src/link"].linkname == "Lib/os.py"
    assert members["pb"].isdir()


def _stream(entries) -> list[bytes]:
    """A get_archive-like stream: entries are (name, kind, payload)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, kind, payload in entries:
            info = tarfile.TarInfo(name)
            if kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            elif kind == "sym":
                info.type, info.linkname = tarfile.SYMTYPE, payload
                tar.addfile(info)
            elif kind == "fifo":
                info.type = tarfile.FIFOTYPE
                tar.addfile(info)
            else:
                info.size, info.mode = len(payload), 0o644
                tar.addfile(info, io.BytesIO(payload))
    data = buffer.getvalue()
    return [data[i:i + 1000] for i in range(0, len(data), 1000)]


def test_receive_replaces_the_host_copy_whole(tmp_path):
    host = tmp_path / "build"
    host.mkdir()
    (host / "stale.o").write_text("old")  # gone in the container: must be gone here too
    transfer.receive(_stream([("build", "dir", None), ("build/python", "file", b"ELF"),
                              ("build/lib", "sym", "python"), ("build/test.sock", "fifo", None)]),
                     host, "/build", "compile:x", _no_hold)
    assert _tree(host) == {"lib": "python", "python": b"ELF"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]  # no scratch left behind


@pytest.mark.parametrize("entries, words", [
    ([("build", "dir", None), ("etc/passwd", "file", b"x")], "outside build/"),
    ([("build", "dir", None), ("build/../../x", "file", b"x")], "outside build/"),
    ([("build", "dir", None), ("build/l", "sym", "/etc"), ("build/l/passwd", "file", b"x")], "below a symbolic link"),
])
def test_receive_refuses_what_leaves_the_tree(tmp_path, entries, words):
    host = tmp_path / "build"
    host.mkdir()
    (host / "kept").write_text("still here")
    with pytest.raises(UserError, match=words):
        transfer.receive(_stream(entries), host, "/build", "compile:x", _no_hold)
    assert _tree(host) == {"kept": b"still here"}  # the host copy is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


class _no_hold:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# Ctrl-C under two workers: the interrupted steps' containers on a docker_host engine are removed too

def test_remote_engines_of_interrupted_tasks(config_data):
    from tasks.pipeline import graph
    settings = load(farm_config(config_data), PYTHON_VERSION="3.13.15", DISTRO="trixie,bookworm,noble")
    assert graph.remote_engines(settings, ["compile:3.13.15-trixie", "image:bookworm", "download:3.13.15",
                                           "configure:3.13.15-noble", "package:3.13.15-trixie"]) == {
        "ssh://builder@farm1.example.org", "tcp://127.0.0.1:2376"}
    # an entry whose name ends like another's is not mistaken for it; versions not in this run match nothing
    assert graph.remote_engines(settings, ["compile:3.13.15-rpios-trixie", "compile:3.13.5-trixie"]) == set()


def interrupted_run(project, monkeypatch, fake_docker, engines):
    """A reporter whose run was interrupted while compile:3.13.15-trixie ran on a docker_host engine."""
    from tests.pipeline.test_parallel_runs import reporter, task
    text = (project / "config.toml").read_text()
    section = text.index("[distros.trixie]")
    arch = text.index('arch = "amd64"', section)
    (project / "config.toml").write_text(text[:arch] + 'docker_host = "tcp://127.0.0.1:2376"\n' + text[arch:])
    monkeypatch.chdir(project)
    monkeypatch.setattr("sys.argv", ["doit", "build", "PYTHON_VERSION=3.13.15", "DISTRO=trixie"])
    fake_docker.use(engines)
    report, out = reporter()
    report.execute_task(task("compile:3.13.15-trixie"))
    report.complete_run()  # the worker thread never came back
    return out.getvalue()


def test_interrupted_steps_containers_on_a_docker_host_engine_are_removed(project, monkeypatch, fake_docker):
    removed = []
    monkeypatch.setattr(runner, "remove_leftovers",
                        lambda engine, project_id: removed.append((engine, project_id)) or int(engine != "default"))
    output = interrupted_run(project, monkeypatch, fake_docker, lambda host: host or "default")
    project_id = Layout.for_root(project).project_id
    assert removed == [("default", project_id), ("tcp://127.0.0.1:2376", project_id)]
    assert "python-builder: removed 1 container(s) of interrupted step(s) on tcp://127.0.0.1:2376" in output


def test_an_unreachable_docker_host_engine_is_one_line(project, monkeypatch, capsys, fake_docker):
    from tasks.errors import UserError
    monkeypatch.setattr(runner, "remove_leftovers", lambda engine, project_id: 0)

    def engines(host):
        if host:
            raise UserError(f"cannot reach the Docker daemon at {host}")
        return "default"

    interrupted_run(project, monkeypatch, fake_docker, engines)
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["python-builder: could not remove the interrupted steps' containers on tcp://127.0.0.1:2376 "
                   "(cannot reach the Docker daemon at tcp://127.0.0.1:2376); the next run of those steps there "
                   "removes them"]
