"""Two Docker engines at once and a shared compiler cache.

One `doit -n 2 build` builds 3.14.4 for two distro entries in parallel: `trixie` on the default engine, and
`trixie-farm` on a second, real dockerd (tests/e2e/conftest.py: SecondEngine) named by the entry's
docker_host. That engine gets nothing through bind mounts: the steps' files travel through the Docker API,
as they would to another machine. Both results are validated, and they are the same packages.

Both entries share a real Redis (Debian's redis-server, on 127.0.0.1) as ccache's remote storage. The
second engine starts with an empty compiler cache, so its compile fills Redis; then the default engine
compiles again with its own cache emptied, and ccache's statistics show the results came from Redis.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time

import pytest

from tasks.model.plan import Layout
from tests.e2e.conftest import (
    derived_project,
    discard,
    executed,
    local_downloads,
    run_doit,
)

pytestmark = pytest.mark.e2e

VERSION = "3.14.4"
DEB = "opt-python3.14_3.14.4-1+trixie_amd64.deb"
COMMON = (f"PYTHON_VERSION={VERSION}", "FAST_BUILD=true", "BUILD_NOGIL=false")


@pytest.fixture(scope="module")
def redis_url():
    """A real Redis on 127.0.0.1 (never any other address), no persistence; stopped at the end."""
    import os

    server = shutil.which("redis-server")
    if not server:
        if os.environ.get("PB_REQUIRE_E2E"):
            pytest.fail("PB_REQUIRE_E2E is set but redis-server is not installed (Debian's redis-server)")
        pytest.skip("redis-server is not installed (Debian's redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([server, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                "--appendonly", "no", "--protected-mode", "yes"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        with socket.socket() as client:
            if client.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=30)


def redis_keys(url: str) -> int:
    port = url.rsplit(":", 1)[1]
    out = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", port, "dbsize"], capture_output=True, text=True)
    return int(out.stdout.strip() or 0)


@pytest.fixture(scope="module")
def farm(project, first_build, second_engine, redis_url):
    """The e2e project with a second entry on the second engine and Redis as the shared cache; built once
    with `doit -n 2`."""
    text = local_downloads(project)
    trixie = text[text.index("[distros.trixie]"):text.index("[distros.forky]")]
    # the same entry but for its name and engine (the display name is in the changelog: kept equal)
    text = text.replace("[distros.forky]", trixie.replace("[distros.trixie]", "[distros.trixie-farm]").replace(
        'arch = "amd64"', f'arch = "amd64"\ndocker_host = "{second_engine.url}"') + "[distros.forky]", 1)
    text = text.replace('remote_storage = ""', f'remote_storage = "{redis_url}"', 1)
    fresh = derived_project(project, "pb-e2e-farm-", text)
    started = time.monotonic()
    result = run_doit(fresh, "-n", "2", "build", "DISTRO=trixie,trixie-farm", *COMMON)
    print(f"\ntwo engines, doit -n 2 build (FAST, main interpreter): {time.monotonic() - started:.0f} s")
    print(result.stdout[result.stdout.rfind("python-builder: timing"):])
    yield fresh, result
    engine = second_engine.client()
    for image in engine.images.list(name=f"python-builder-{Layout.for_root(fresh).project_id}/build"):
        engine.images.remove(image.id, force=True)
    discard(fresh)


def test_both_entries_are_built_and_validated_on_their_engines(farm, project, second_engine, docker_engine):
    fresh, result = farm
    ran = executed(result.stdout)
    for key in (f"{VERSION}-trixie", f"{VERSION}-trixie-farm"):
        for step in ("configure", "compile", "package", "validate"):
            assert ran.count(f"{step}:{key}") == 1, (step, key)
    for entry in ("trixie", "trixie-farm"):
        report = json.loads((fresh / "dist" / entry / "opt-python3.14_3.14.4-1+trixie.validation.json").read_text())
        assert report["passed"] is True, entry
        assert not report["lintian"].get("E") and not report["lintian"].get("W"), report["lintian"]

    # each entry's build image lives on its own engine only
    project_id = Layout.for_root(fresh).project_id
    farm_engine = second_engine.client()
    farm_images = {t for i in farm_engine.images.list(name=f"python-builder-{project_id}/build") for t in i.tags}
    local_images = {t for i in docker_engine.images.list(name=f"python-builder-{project_id}/build") for t in i.tags}
    assert any(":trixie-farm-" in t for t in farm_images) and not any(":trixie-farm-" in t for t in local_images)
    assert any(":trixie-" in t and "farm" not in t for t in local_images)
    manifest = json.loads((fresh / "dist" / "trixie-farm" / "opt-python3.14_3.14.4-1+trixie.json").read_text())
    assert manifest["build_image"]["id"] == farm_engine.images.get(manifest["build_image"]["tag"]).id
    # the compiler cache of a docker_host engine is a volume there; nothing was left running
    assert farm_engine.volumes.get("python-builder-ccache-debian-trixie-amd64")
    assert farm_engine.containers.list(all=True, filters={"label": f"io.python-builder.project={project_id}"}) == []

    # the same sources, flags and image recipe on two engines: the same package, file for file
    from tests.e2e.test_docker_daemon import files_and_sizes
    assert files_and_sizes(fresh / "dist" / "trixie" / DEB) == files_and_sizes(fresh / "dist" / "trixie-farm" / DEB)
    # the build tree that came back from the second engine belongs to the user and holds the compiled tree
    farm_tree = fresh / "cache" / "build" / f"{VERSION}-trixie-farm" / "default"
    assert (farm_tree / "python").is_file() and (farm_tree / "Makefile").is_file()


def test_a_second_engine_hits_what_the_first_put_in_the_shared_cache(farm, redis_url):
    fresh, _ = farm
    # the farm engine's compile started from an empty volume: its results went to Redis
    farm_stats = json.loads((fresh / "cache" / "build" / f"{VERSION}-trixie-farm" / "default.compiled.json"
                             ).read_text())["ccache"]
    assert redis_keys(redis_url) > 100, farm_stats
    # now the default engine compiles the same tree with an empty local cache: everything from Redis
    local_cache = fresh / "cache" / "ccache" / "debian-trixie-amd64"
    shutil.rmtree(local_cache)
    key = f"{VERSION}-trixie"
    run_doit(fresh, "forget", f"configure:{key}", "DISTRO=trixie", *COMMON)  # a fresh tree, compiled again
    started = time.monotonic()
    result = run_doit(fresh, f"compile:{key}", "DISTRO=trixie", *COMMON)
    seconds = time.monotonic() - started
    assert executed(result.stdout) == [f"configure:{key}", f"compile:{key}"]
    stats = json.loads((fresh / "cache" / "build" / key / "default.compiled.json").read_text())["ccache"]
    print(f"\nfarm engine (cold, filled Redis): {farm_stats}\ndefault engine, empty local cache: {stats}, "
          f"{seconds:.0f} s")
    remote = stats["remote"]
    assert remote["hits"] > 0.9 * (remote["hits"] + remote["misses"]), stats
    assert stats["hit_rate"] > 0.9, stats
    assert "remote storage:" in result.stdout


def test_ctrl_c_removes_the_interrupted_steps_container_on_the_second_engine(farm, second_engine):
    """doit abandons its worker threads on Ctrl-C; a step running on a docker_host engine has its container
    removed there before doit exits, not only the next time that step runs."""
    import signal

    from tests.e2e.conftest import BackgroundDoit
    fresh, _ = farm
    key = f"{VERSION}-trixie-farm"
    run_doit(fresh, "forget", f"compile:{key}", "DISTRO=trixie-farm", *COMMON)
    (fresh / "cache" / "build" / key / "default.compiling").touch()  # restart from make clean: a long compile
    engine = second_engine.client()
    process = BackgroundDoit(fresh, f"compile:{key}", "DISTRO=trixie-farm", *COMMON)
    output = process.interrupt_once_running(engine, fresh, [f"compile:{key}"], signal.SIGINT)
    assert process.returncode != 0 and "Traceback" not in output, output[-3000:]
    # removed before doit exits: by the step itself (the run guard lets the interrupted step threads unwind
    # through their cleanup) or, where a step cannot, by the reporter's sweep of that engine
    # (`removed N container(s) of interrupted step(s) on <url>`; tests/engine/test_build_farm.py)
    label = {"label": f"io.python-builder.project={Layout.for_root(fresh).project_id}"}
    assert engine.containers.list(all=True, filters=label) == []
    assert not (fresh / "cache" / "build" / key / "default.compiled.json").exists()


@pytest.fixture(scope="module")
def ssh_engine(tmp_path_factory):
    """This machine's engine behind an SSH server on 127.0.0.1 (tests/e2e/ssh_server.py), reached with the
    system's own `ssh` as a docker_host = "ssh://…" entry reaches a remote one."""
    import os

    from tests.e2e.ssh_server import SshServer

    missing = [tool for tool in ("ssh", "ssh-keygen", "docker") if not shutil.which(tool)]
    if missing:
        reason = f"no {', '.join(missing)} (Debian's openssh-client, docker.io)"
        if os.environ.get("PB_REQUIRE_E2E"):
            pytest.fail(f"PB_REQUIRE_E2E is set but there is {reason}")
        pytest.skip(reason)
    server = SshServer(tmp_path_factory.mktemp("ssh"), dict(os.environ))
    yield server
    server.close()


def test_an_entry_on_an_ssh_engine_builds_its_image_and_configures_there(project, first_build, ssh_engine):
    """docker-py's ssh:// support needs paramiko: without it (before docker[ssh] in requirements.txt) every
    ssh:// entry stopped at `Install paramiko package to enable ssh:// support`."""
    import os

    text = local_downloads(project)
    trixie = text[text.index("[distros.trixie]"):text.index("[distros.forky]")]
    text = text.replace("[distros.forky]", trixie.replace("[distros.trixie]", "[distros.trixie-ssh]").replace(
        'arch = "amd64"', f'arch = "amd64"\ndocker_host = "{ssh_engine.url()}"') + "[distros.forky]", 1)
    fresh = derived_project(project, "pb-e2e-ssh-", text)
    try:
        env = {**os.environ, "PATH": f"{ssh_engine.client_dir}:{os.environ['PATH']}"}
        key = f"{VERSION}-trixie-ssh"
        result = run_doit(fresh, f"configure:{key}", "DISTRO=trixie-ssh", *COMMON, env=env)
        assert sorted(executed(result.stdout)) == sorted([f"download:{VERSION}", f"checksum:{VERSION}",
                                                          f"extract:{VERSION}", "image:trixie-ssh", f"configure:{key}"])
        stamp = json.loads((fresh / "cache" / "images" / "trixie-ssh.json").read_text())
        assert stamp["engine_arch"] == "amd64" and stamp["tag"].startswith(f"python-builder-{Layout.for_root(fresh).project_id}/")
        tree = fresh / "cache" / "build" / key / "default"
        assert (tree / "Makefile").is_file() and (tree / "pyconfig.h").is_file()  # it came back through ssh
    finally:
        discard(fresh)
