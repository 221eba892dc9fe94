"""The one fake Docker engine of the unit tests, and the one way to put engines in place: the fake_docker
fixture (tests/conftest.py) replaces docker_env.client, through which every Docker call goes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class FakeImage:
    def __init__(self, arch: str):
        self.attrs = {"Architecture": arch}
        self.tags: list[str] = []

    def tag(self, repository: str, tag: str) -> None:
        self.tags.append(f"{repository}:{tag}")


class FakeImages:
    """Images by reference; `pull` makes one of the asked-for architecture when the engine may pull."""

    def __init__(self, present: dict[str, FakeImage], pullable: bool):
        self.present, self.pullable, self.pulled = present, pullable, []

    def get(self, ref: str) -> FakeImage:
        import docker
        if ref not in self.present:
            raise docker.errors.ImageNotFound(ref)
        return self.present[ref]

    def pull(self, ref: str, platform: str) -> FakeImage:
        import docker
        self.pulled.append((ref, platform))
        if not self.pullable:
            raise docker.errors.APIError("no registry")
        image = FakeImage(platform.split("/")[1])
        self.present[ref] = image
        return image


class FakeContainer:
    def __init__(self, engine: FakeEngine):
        self.engine = engine

    def remove(self, force: bool) -> None:
        if not self.engine.connected:
            raise ConnectionError("broken connection")
        self.engine.removed.append(force)


class FakeContainers:
    def __init__(self, engine: FakeEngine, exist: bool):
        self.engine, self.exist = engine, exist

    def get(self, name: str) -> FakeContainer:
        import docker
        if not self.exist:
            raise docker.errors.NotFound("gone")
        return FakeContainer(self.engine)

    def create(self, image: str, *args: Any, **kwargs: Any) -> FakeContainer:
        import docker
        if image not in self.engine.images.present:
            raise docker.errors.ImageNotFound(image)
        raise NotImplementedError("the fake engine runs no container")


class FakeEngine:
    """A Docker engine as docker-py shows it, as far as the code under test asks: ping, images, containers.

    daemon_up=False: ping fails (the daemon went away); connected=False: calls on containers fail (a broken
    connection); containers_exist=False: no container by that name."""

    def __init__(self, present: dict[str, FakeImage] | None = None, pullable: bool = True, daemon_up: bool = True,
                 connected: bool = True, containers_exist: bool = True):
        self.images = FakeImages(dict(present or {}), pullable)
        self.containers = FakeContainers(self, containers_exist)
        self.daemon_up, self.connected = daemon_up, connected
        self.removed: list[bool] = []

    def ping(self) -> bool:
        if not self.daemon_up:
            raise ConnectionError("connection refused")
        return True


class Engines:
    """What the fake_docker fixture hands a test: `use(factory)` chooses what docker_env.client(host)
    returns (host None: the default engine); `forbid()` makes any Docker call fail the test."""

    def __init__(self) -> None:
        self.factory: Callable[[str | None], Any] = lambda host: FakeEngine()
        self.asked: list[str | None] = []

    def use(self, factory: Callable[[str | None], Any]) -> None:
        self.factory = factory

    def forbid(self) -> None:
        def refuse(host: str | None) -> Any:
            raise AssertionError(f"no Docker call expected (asked for the engine {host or 'default'})")
        self.factory = refuse

    def client(self, host: str | None = None) -> Any:
        self.asked.append(host)
        return self.factory(host)
