"""Run one step in a fresh container: stream its output to the terminal and a log, always remove it."""

from __future__ import annotations

import contextlib
import re
import signal
import sys
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tasks import files
from tasks.engine import docker_env, transfer
from tasks.engine.console import WholeLines
from tasks.errors import UserError
from tasks.pipeline import locking

LOG_TAIL_LINES = 25
# The invoking user's uid has no home in the image: tools that write under $HOME (ccache when CCACHE_DIR
# is unset, as in configure's test compiles) need a writable one.
BASE_ENVIRONMENT = {"HOME": "/tmp"}


@dataclass(frozen=True)
class Mount:
    host: Path
    container: str
    read_only: bool = True
    # On an engine reached through a distro's docker_host, this named volume (on that engine) stands in for
    # `host` instead of copying it in and out: for caches that stay with the engine (ccache).
    volume: str | None = None


@dataclass(frozen=True)
class Step:
    name: str  # the doit task name, e.g. "configure:3.13.15-trixie"
    image: str
    command: tuple[str, ...]
    log: Path
    project_id: str
    mounts: tuple[Mount, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    network: str = "none"  # hermetic unless a step needs the network
    user: str | None = None  # default: the invoking user's uid:gid
    workdir: str = "/"
    # The distro's docker_host: the step runs on that engine, and its mounts travel as tar streams (see
    # tasks/engine/transfer.py). None: the default engine, with bind mounts.
    docker_host: str | None = None
    # Linux capabilities beyond Docker's default set (validate's smoke tests: SYS_PTRACE for sys.remote_exec)
    capabilities: tuple[str, ...] = ()


def container_name(project_id: str, step_name: str) -> str:
    return f"pb-{project_id}-" + re.sub(r"[^A-Za-z0-9_.-]", "_", step_name)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C while a container runs, so `finally` blocks remove it (also when the
    runner is used without python-builder's reporter, which installs the same handler for a whole run)."""
    try:
        previous = signal.signal(signal.SIGTERM, locking.raise_keyboard_interrupt)
    except ValueError:  # not the main thread (doit -P thread): nothing to install
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def remove_leftovers(engine, project_id: str) -> int:
    """Remove containers of this project left behind by a killed run (kill -9 skips our cleanup)."""
    removed = 0
    label = {"label": f"{docker_env.LABEL_PROJECT}={project_id}"}
    # ignore_removed: a container that goes while the list is read (auto-removal) is no error
    for leftover in engine.containers.list(all=True, ignore_removed=True, filters=label):
        with contextlib.suppress(Exception):
            leftover.remove(force=True)
            removed += 1
    return removed


def sweep(root: Path, why: str, say: Callable[[str], None], docker_host: str | None = None) -> None:
    """Remove a checkout's containers on the default engine, or on `docker_host`, and say what happened in
    one line (the run guard and the reporter both sweep: after a killed run, after an interrupted one)."""
    from tasks.model.plan import Layout
    try:
        removed = remove_leftovers(docker_env.client(docker_host), Layout.for_root(root).project_id)
    except Exception as error:  # noqa: BLE001 - no daemon or no engine: the steps will say so themselves
        reason = " ".join(str(error).split())[:160]
        if docker_host:
            print(f"python-builder: could not remove the interrupted steps' containers on {docker_host} "
                  f"({reason}); the next run of those steps there removes them", file=sys.stderr)
        else:
            print(f"python-builder: could not check for leftover containers ({reason})", file=sys.stderr)
        return
    if removed:
        say(f"python-builder: removed {removed} container(s) {why}")


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block is done (they are delivered right after it)."""
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _remove_container(engine, name: str, docker_host: str | None = None) -> None:
    """Remove the step's container, by name (also when an interrupt hit before `create` returned).

    A second Ctrl-C cannot cut this short, and a connection the interrupt left broken is replaced by a
    fresh client; if Docker still refuses, say so (the next run removes it by name before its own)."""
    import docker

    with signals_held():
        last = None
        for attempt in range(3):
            try:
                client = engine if attempt == 0 else docker_env.client(docker_host)
                client.containers.get(name).remove(force=True)
                return
            except docker.errors.NotFound:
                return
            except Exception as error:  # noqa: BLE001 - retried, then reported
                last = error
        reason = docker_env.short(last) if last is not None else "unknown error"
        print(f"python-builder: could not remove container {name} ({reason}); "
              "remove it with `docker rm -f` or let the next run do it", file=sys.stderr)


def run_side_by_side(main: Step, *beside: Step) -> None:
    """Run independent steps at once (distinct names: a step's name is its container's): each of `beside` in
    a worker thread, `main` in this one, each with its own Docker client. All run to their end, then the
    first failure is raised; an interrupt of `main` stops the others too.

    On a `docker_host` engine they run one after the other: a step's writable directories travel back whole
    and are swapped in, so two steps writing into one directory (validate's /out, package's /pkg) cannot
    both run there at once."""
    if not beside or any(step.docker_host for step in (main, *beside)):
        for step in (main, *beside):
            run(step)
        return
    with ThreadPoolExecutor(max_workers=len(beside)) as pool:
        futures = [pool.submit(run, step) for step in beside]
        try:
            run(main)
        except BaseException:
            for step in beside:
                stop(step)
            raise
        errors = [error for error in (future.exception() for future in futures) if error is not None]
    if errors:
        raise errors[0]


def stop(step: Step) -> None:
    """Remove a step's container while another thread runs it: that run then ends as killed from outside."""
    _remove_container(docker_env.client(step.docker_host), container_name(step.project_id, step.name),
                      step.docker_host)


# SIGKILL / SIGTERM: our steps never send these to themselves; something outside stopped the container.
KILLED_STATUSES = (137, 143)


def _killed_from_outside(step: Step, status: int, engine) -> None:
    """A container killed from outside is not a failed build: name Docker, not the step's own code."""
    try:
        engine.ping()
    except Exception as error:  # noqa: BLE001 - the daemon went away while the step ran
        raise docker_env.docker_error(f"running {step.name}", error) from error
    raise UserError(f"{step.name}: its container was stopped from outside (exit status {status}): the Docker "
                    "daemon stopped or restarted, someone ran `docker stop`/`docker kill`, or the kernel ran out "
                    f"of memory; see the log {step.log}, check `docker info`, and run doit again")


def _docker_mounts(step: Step) -> list:
    """Bind mounts for the default engine; for a docker_host, only the named volumes (the rest is copied)."""
    import docker

    if step.docker_host is None:
        return [docker.types.Mount(target=m.container, source=str(m.host), type="bind", read_only=m.read_only)
                for m in step.mounts]
    return [docker.types.Mount(target=m.container, source=m.volume, type="volume") for m in step.mounts if m.volume]


def _copied(step: Step) -> tuple[Mount, ...]:
    return () if step.docker_host is None else tuple(m for m in step.mounts if not m.volume)


def _owner(step: Step) -> tuple[int, int]:
    uid, gid = (step.user or docker_env.user_spec()).split(":")
    return int(uid), int(gid)


def prepare_volumes(engine, step: Step) -> None:
    """Create the step's named volumes that do not exist yet, owned by the step's user (a new volume is
    root's): a one-off root container changes the owner (argv, no shell)."""
    import docker

    for m in step.mounts:
        if not (step.docker_host and m.volume):
            continue
        try:
            engine.volumes.get(m.volume)
            continue
        except docker.errors.NotFound:
            pass
        engine.volumes.create(m.volume, labels={docker_env.LABEL_PROJECT: "shared"})
        name = container_name(step.project_id, f"{step.name}-volume")
        try:
            with contextlib.suppress(docker.errors.NotFound):
                engine.containers.get(name).remove(force=True)
            helper = engine.containers.create(
                step.image, ["chown", "{}:{}".format(*_owner(step)), m.container], name=name, user="0:0",
                network_mode="none", mounts=[docker.types.Mount(target=m.container, source=m.volume, type="volume")],
                labels={docker_env.LABEL_PROJECT: step.project_id, docker_env.LABEL_STEP: step.name})
            helper.start()
            if helper.wait().get("StatusCode", 1) != 0:
                raise UserError(f"{step.name}: could not prepare the volume {m.volume} on {step.docker_host}")
        finally:
            _remove_container(engine, name, step.docker_host)


def send_mounts(container, step: Step) -> None:
    """Copy the step's directories into the created container (docker_host engines)."""
    pairs = [(m.host, m.container) for m in _copied(step)]
    if not pairs:
        return
    archive = transfer.pack(pairs, step.log.parent, *_owner(step))
    try:
        with open(archive, "rb") as data:
            container.put_archive("/", data)
    finally:
        archive.unlink(missing_ok=True)


def fetch_mounts(container, step: Step) -> None:
    """Bring the writable directories back from the finished container (docker_host engines)."""
    for m in _copied(step):
        if not m.read_only:
            chunks, _ = container.get_archive(m.container)
            transfer.receive(chunks, m.host, m.container, step.name, signals_held)


def run(step: Step, engine=None) -> None:
    """Run `step`; a non-zero exit raises UserError after printing the log's last lines."""
    import requests
    import urllib3

    import docker

    engine = engine or docker_env.client(step.docker_host)
    step.log.parent.mkdir(parents=True, exist_ok=True)
    for m in step.mounts:
        if not m.host.exists():
            raise UserError(f"{step.name}: {m.host} is missing; run `doit forget {step.name}` and doit again")
    name = container_name(step.project_id, step.name)
    with sigterm_as_interrupt():
        container = None
        try:
            with contextlib.suppress(docker.errors.NotFound):
                engine.containers.get(name).remove(force=True)
            prepare_volumes(engine, step)
            container = engine.containers.create(
                step.image, list(step.command), name=name, user=step.user or docker_env.user_spec(),
                environment={**BASE_ENVIRONMENT, **step.environment}, mounts=_docker_mounts(step),
                network_mode=step.network, working_dir=step.workdir, cap_add=list(step.capabilities) or None,
                labels={docker_env.LABEL_PROJECT: step.project_id, docker_env.LABEL_STEP: step.name},
            )
            send_mounts(container, step)
            container.start()
            with files.open_log(step.log) as log, WholeLines(sys.stdout) as console:
                for chunk in container.logs(stream=True, follow=True):
                    text = chunk.decode("utf-8", errors="replace")
                    log.write(text)
                    console.write(text)
            status = container.wait().get("StatusCode", 1)
            if status == 0:
                fetch_mounts(container, step)
        except docker.errors.ImageNotFound:
            raise UserError(f"{step.name}: image {step.image} is not on this Docker engine (removed since it was "
                            "built, or DOCKER_HOST names another engine now); run `doit forget image` and doit "
                            "again to build it there") from None
        except (docker.errors.DockerException, requests.RequestException, urllib3.exceptions.HTTPError,
                ConnectionError) as error:
            raise docker_env.docker_error(f"running {step.name}", error) from error
        finally:
            _remove_container(engine, name, step.docker_host)
    if status in KILLED_STATUSES:
        _killed_from_outside(step, status, engine)
    if status != 0:
        tail = step.log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
        sys.stderr.write("\n".join(f"  | {line}" for line in tail) + "\n")
        raise UserError(f"{step.name} failed with exit status {status}; full log: {step.log}")
