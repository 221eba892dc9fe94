"""Docker clients, made only when a step runs (never at import or task-creation time)."""

from __future__ import annotations

import os

from tasks.errors import UserError, clip

LABEL_PROJECT = "io.python-builder.project"
LABEL_STEP = "io.python-builder.step"
LABEL_RECIPE = "io.python-builder.recipe"


def client(docker_host: str | None = None):
    """A connected Docker client; a daemon that does not answer is a UserError naming Docker."""
    import docker  # imported here so that `doit list` never needs it loaded

    try:
        if docker_host:
            # ssh:// goes through the system's ssh client (keys, agent, known_hosts as the user has them);
            # tcp:// takes TLS settings from DOCKER_TLS_VERIFY / DOCKER_CERT_PATH, as the docker CLI does
            tls = docker.utils.kwargs_from_env().get("tls") if docker_host.startswith("tcp://") else None
            engine = docker.DockerClient(base_url=docker_host, timeout=600, tls=tls or False,
                                         use_ssh_client=docker_host.startswith("ssh://"))
            engine.ping()  # DockerClient connects lazily: fail here, with the host named
            return engine
        # DOCKER_HOST=ssh://… the same way: through the system's ssh client, not paramiko's own ssh
        return docker.from_env(timeout=600, use_ssh_client=os.environ.get("DOCKER_HOST", "").startswith("ssh://"))
    except (docker.errors.DockerException, OSError, ValueError) as error:
        where = docker_host or os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
        if isinstance(error, ValueError) or str(error).startswith("Invalid bind address"):
            # urllib's or docker-py's reading of the address: a port out of range, an unclosed [IPv6, no port
            name = "a distro entry's docker_host" if docker_host else "DOCKER_HOST"
            raise UserError(f"{name} {clip(where, 100)!r} is not a Docker daemon address ({short(error)}); give "
                            "unix:///var/run/docker.sock, tcp://host:port or ssh://user@host") from error
        raise UserError(
            f"cannot reach the Docker daemon at {where} ({short(error)}); start it "
            "(`sudo systemctl start docker`, or `sudo dockerd &`), check that you may use it "
            "(member of the docker group), or set DOCKER_HOST"
        ) from error


def short(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text if len(text) < 160 else text[:157] + "..."


def docker_error(action: str, error: BaseException) -> UserError:
    """Turn a Docker SDK or connection error during `action` into a one-line UserError."""
    return UserError(f"Docker failed while {action}: {short(error)}; check that the Docker daemon is "
                     "running (`docker info`) and run doit again")


def user_spec() -> str:
    """uid:gid of the invoking user: containers write files the user owns."""
    return f"{os.getuid()}:{os.getgid()}"


def cpu_count(engine) -> int:
    """CPUs of the Docker host (a remote engine may have more or fewer than this machine)."""
    try:
        return int(engine.info().get("NCPU") or 0) or (os.cpu_count() or 1)
    except Exception:  # noqa: BLE001 - any failure here just means: use local CPUs
        return os.cpu_count() or 1
