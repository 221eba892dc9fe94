"""End-to-end fixtures: a real Docker engine, a fresh copy of the project, doit run as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest


def docker_available() -> str | None:
    """None when a Docker daemon answers, else why not."""
    try:
        import docker
        docker.from_env(timeout=10).ping()
        return None
    except Exception as error:  # noqa: BLE001 - whatever docker-py raises, the tests are skipped for it
        return f"no Docker daemon ({' '.join(str(error).split())[:120]})"


@pytest.fixture(scope="session")
def docker_engine():
    reason = docker_available()
    if reason:
        if os.environ.get("PB_REQUIRE_E2E"):
            pytest.fail(f"PB_REQUIRE_E2E is set but {reason}")
        pytest.skip(f"{reason}; start dockerd to run the end-to-end tests")
    import docker
    return docker.from_env(timeout=600)


def unprivileged_user() -> tuple[str, str] | None:
    """(user, python) to run doit as an ordinary user, when CI (root) prepared one; else None."""
    user, python = os.environ.get("PB_E2E_USER"), os.environ.get("PB_E2E_PYTHON")
    return (user, python) if os.geteuid() == 0 and user and python else None


def run_doit(project: Path, *args: str, check: bool = True, as_user: tuple[str, str] | None = None,
             env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `doit <args>` in the project copy (as `as_user` = (user, python) if given) and return the result."""
    log = project / "doit-runs.log"
    with open(log, "a") as handle:
        handle.write(f"\n===== doit {' '.join(args)}\n")
    command = [sys.executable, "-m", "doit", *args]
    if as_user:
        import pwd
        home = pwd.getpwnam(as_user[0]).pw_dir
        command = ["runuser", "-u", as_user[0], "--", "env", f"HOME={home}", as_user[1], "-m", "doit", *args]
    result = subprocess.run(command, cwd=project, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=env)
    with open(log, "a") as handle:
        handle.write(result.stdout)
    if check and result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-60:])
        raise AssertionError(f"doit {' '.join(args)} failed ({result.returncode}):\n{tail}")
    return result


def executed(output: str) -> list[str]:
    """Names of the tasks doit executed (its '.  name' lines)."""
    return [line[3:].strip() for line in output.splitlines() if line.startswith(".  ")]


SIGSTORE_BUNDLES = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "sigstore"
FIRST_BUILD_ARGS = ("build", "PYTHON_VERSION=3.14.4", "DISTRO=trixie", "FAST_BUILD=true", "BUILD_NOGIL=true")


def e2e_copy(prefix: str) -> Path:
    """A fresh copy of the project (empty cache/ and dist/) in its own scratch directory, with a maintainer
    that has a mail domain, as a user sets it: lintian then runs with no tag suppressed."""
    import tempfile

    from tests.conftest import copy_project

    project = copy_project(Path(tempfile.mkdtemp(prefix=prefix)) / "python-builder")
    config = project / "config.toml"
    config.write_text(config.read_text().replace(
        'maintainer = "python-builder <python-builder@localhost>"',
        'maintainer = "python-builder CI <ci@python-builder.example.org>"', 1))
    return project


@pytest.fixture(scope="session")
def project(docker_engine):
    """A fresh copy of the project (empty cache/ and dist/), outside pytest's rotating tmp directories;
    shared by the end-to-end modules, which run in file order (test_build, then test_interrupts)."""
    project = e2e_copy("pb-e2e-")
    config = project / "config.toml"
    if SIGSTORE_BUNDLES.is_dir():  # python.org's real bundles: 3.14.4 and 3.13.5 then verify
        config.write_text(config.read_text().replace(
            "bundle_dirs = []", f'bundle_dirs = ["{SIGSTORE_BUNDLES}"]', 1))
    yield project
    discard(project)


def derived_project(project: Path, prefix: str, config_text: str | None = None) -> Path:
    """A fresh copy of the e2e project (new checkout path, so its own images and containers) with the e2e
    config (or `config_text`) and a copy of the warm compiler cache; remove it with `discard`."""
    import shutil
    import tempfile

    from tests.conftest import copy_project

    fresh = copy_project(Path(tempfile.mkdtemp(prefix=prefix)) / "python-builder")
    (fresh / "config.toml").write_text(config_text or (project / "config.toml").read_text())
    shutil.copytree(project / "cache" / "ccache", fresh / "cache" / "ccache", symlinks=True)
    return fresh


def discard(fresh: Path) -> None:
    import shutil
    if not os.environ.get("PB_KEEP_E2E"):
        shutil.rmtree(fresh.parent, ignore_errors=True)


def local_downloads(project: Path) -> str:
    """The e2e config, taking tarballs from the first build's downloads only."""
    downloads = project / "cache" / "downloads"
    return (project / "config.toml").read_text().replace("local_dirs = []", f'local_dirs = ["{downloads}"]', 1)


@pytest.fixture(scope="session")
def first_build(project):
    """The cold FAST build of 3.14.4 with both interpreters, from an empty cache."""
    import time

    started = time.monotonic()
    result = run_doit(project, *FIRST_BUILD_ARGS)
    print(f"\ncold FAST build of 3.14.4 (both interpreters): {time.monotonic() - started:.0f} s")
    return result


class SecondEngine:
    """A second, real Docker engine on this machine: its own data root, socket, pid file and bridge.

    Never `--bridge none`: dockerd then deletes the host's default bridge docker0, which belongs to the
    first engine. Its own bridge gets a fixed small subnet and no iptables rules; steps use network none
    or host anyway, so no traffic is ever aimed at it."""

    BRIDGE_ADDRESS = "172.29.253.1/24"

    def __init__(self, root: Path):
        self.root = root
        self.url = f"unix://{root}/docker.sock"
        self.bridge = f"pbtest{os.getpid() % 100000}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        import docker
        if subprocess.run(["ip", "link", "show", self.bridge], capture_output=True).returncode != 0:
            for command in (["link", "add", self.bridge, "type", "bridge"],
                            ["addr", "add", self.BRIDGE_ADDRESS, "dev", self.bridge], ["link", "set", self.bridge, "up"]):
                subprocess.run(["ip", *command], check=True)
        log = open(self.root / "dockerd.log", "a")
        self.process = subprocess.Popen(
            ["dockerd", "--host", self.url, "--data-root", str(self.root / "data"),
             "--exec-root", str(self.root / "exec"), "--pidfile", str(self.root / "dockerd.pid"),
             "--bridge", self.bridge, "--iptables=false", "--ip6tables=false"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        for _ in range(120):
            try:
                docker.DockerClient(base_url=self.url, timeout=5).ping()
                return
            except Exception:  # noqa: BLE001 - not up yet
                if self.process.poll() is not None:
                    raise AssertionError(f"dockerd exited: {(self.root / 'dockerd.log').read_text()[-2000:]}") from None
                import time
                time.sleep(0.5)
        raise AssertionError("the second dockerd did not answer within 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)

    def client(self):
        import docker
        return docker.DockerClient(base_url=self.url, timeout=600)


@pytest.fixture(scope="session")
def second_engine(docker_engine):
    """A second dockerd, started here (needs root and Debian's docker.io); stopped and removed at the end."""
    import shutil
    import tempfile

    missing = None if os.geteuid() == 0 else "starting a second dockerd needs root"
    missing = missing or (None if shutil.which("dockerd") else "no dockerd binary (Debian's docker.io)")
    missing = missing or (None if shutil.which("ip") else "no `ip` command (Debian's iproute2)")
    if missing:
        if os.environ.get("PB_REQUIRE_E2E"):
            pytest.fail(f"PB_REQUIRE_E2E is set but {missing}")
        pytest.skip(missing)
    engine = SecondEngine(Path(tempfile.mkdtemp(prefix="pb-dockerd-", dir="/tmp")))
    engine.start()
    yield engine
    engine.stop()
    subprocess.run(["umount", str(engine.root / "exec" / "netns" / "default")], capture_output=True)
    subprocess.run(["ip", "link", "del", engine.bridge], capture_output=True)
    shutil.rmtree(engine.root, ignore_errors=True)


class BackgroundDoit:
    """`doit <args>` running in the background while a test watches it; its output is read all along.

    An unread pipe fills up (64 KiB) and blocks doit's next write, and with it the reading of Docker's
    output stream: an image build then never finishes and an interrupt lands in a stalled process."""

    def __init__(self, project: Path, *args: str, env: dict | None = None):
        import signal
        import threading

        # as in a terminal's foreground job: Ctrl-C is delivered (a CI runner that started us in the
        # background may have left SIGINT ignored, and ignored signals are inherited)
        self.process = subprocess.Popen([sys.executable, "-m", "doit", *args], cwd=project, env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.pid = self.process.pid
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self._lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self._lines)

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def poll(self) -> int | None:
        return self.process.poll()

    def send_signal(self, sig: int) -> None:
        self.process.send_signal(sig)

    def finish(self, timeout: float) -> str:
        """Wait for the end (killing it after `timeout` s) and return everything it printed."""
        try:
            self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._reader.join(timeout=30)
        return self.output

    def interrupt_once_running(self, engine, project: Path, steps: list[str], sig: int) -> str:
        """Send `sig` once a container of each of `steps` runs on `engine` (plus 2 s: well inside them), then
        wait for the end and return the output."""
        from tasks.model.plan import Layout
        label = {"label": f"io.python-builder.project={Layout.for_root(project).project_id}"}
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and self.poll() is None:
                running = {c.labels.get("io.python-builder.step")
                           for c in engine.containers.list(all=True, ignore_removed=True, filters=label) if c.status == "running"}
                if set(steps) <= running:
                    break
                time.sleep(0.2)
            else:
                raise AssertionError(f"{', '.join(steps)} never ran at once:\n{self.output[-3000:]}")
            time.sleep(2)
            self.send_signal(sig)
        finally:
            output = self.finish(timeout=180)
        return output
