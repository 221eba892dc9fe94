"""The image step: find (or pull, or bootstrap) a distro's base image and build its build image."""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
import tarfile
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tasks import faults
from tasks.build.flags import build_deps
from tasks.engine import bootstrap, docker_env, emulation
from tasks.engine.console import WholeLines
from tasks.errors import UserError
from tasks.files import Targets, open_log, read_json
from tasks.model.config import Distro, Settings
from tasks.model.plan import Layout

RECIPE_FILES = ("Dockerfile", "check-release.sh", "install-build-deps.sh")


@dataclass(frozen=True)
class ImageRecipe:
    distro: Distro
    packages: tuple[str, ...]
    files: tuple[tuple[str, bytes], ...]
    project_id: str

    @property
    def digest(self) -> str:
        h = hashlib.sha256()
        for name, data in self.files:
            h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        h.update(json.dumps([self.distro.base_image, self.distro.arch, self.distro.codename,
                             list(self.packages)]).encode())
        if self.distro.allow_expired_release:
            h.update(b"\0allow_expired_release")
        return h.hexdigest()

    @property
    def tag(self) -> str:
        return f"python-builder-{self.project_id}/build:{self.distro.name}-{self.digest[:12]}"

    def context(self) -> bytes:
        """The build context: the recipe files as a tar, deterministic."""
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            for name, data in self.files:
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = len(data), 0o755, 0
                archive.addfile(info, io.BytesIO(data))
        return buffer.getvalue()

    @property
    def buildargs(self) -> dict[str, str]:
        return {"BASE_IMAGE": self.distro.base_image, "BUILD_DEPS": " ".join(self.packages),
                "ALLOW_EXPIRED_RELEASE": "1" if self.distro.allow_expired_release else "",
                "CODENAME": self.distro.codename}


_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def failure_cause(output: Iterable[str], error: str) -> str:
    """Why an image build failed, in words: install-build-deps.sh's own line, else apt's first errors
    (with where package names come from), else Docker's message, which only names the failed command."""
    lines = [_COLOUR.sub("", line).strip() for chunk in output for line in chunk.splitlines()]
    ours = [line.removeprefix("python-builder: ") for line in lines if line.startswith("python-builder: ")]
    if ours:
        return ours[-1]
    apt = [line.removeprefix("E: ") for line in lines if line.startswith("E: ")]
    if any(line.startswith("Unable to locate package") for line in apt):
        return ("apt: " + "; ".join(apt[:2]) + ": check build_deps.packages and the entry's add_build_deps, "
                "and that flags.toolchain's clang-N is in this release's archive")
    if apt:
        return "apt: " + "; ".join(apt[:2])
    return " ".join(error.split())[:300]


def recipe(settings: Settings, distro: Distro, layout: Layout) -> ImageRecipe:
    files = tuple((name, (layout.root / "docker" / name).read_bytes()) for name in RECIPE_FILES)
    return ImageRecipe(distro, build_deps(settings, distro), files, layout.project_id)


def _present(engine, ref: str, arch: str) -> bool:
    """`ref` is on the engine for `arch` (an amd64 debian:trixie-slim must not stand in for arm64)."""
    import docker
    try:
        return engine.images.get(ref).attrs.get("Architecture") == arch
    except docker.errors.ImageNotFound:
        return False


PULLED_REPOSITORY = "python-builder/base"


def built_tag(layout: Layout, distro: Distro) -> str:
    """The build image the image step recorded for a distro; a step that needs it says how to make it."""
    tag = read_json(layout.image_stamp(distro)).get("tag")
    if not tag:
        raise UserError(f"no build image recorded for {distro.name}; run `doit image:{distro.name}`")
    return str(tag)


def pulled_tag(distro: Distro) -> str:
    """Where a pulled base is also tagged: one tag per architecture, as `debian:trixie-slim` can only
    point at one of them on an engine at a time."""
    return f"{PULLED_REPOSITORY}:{distro.family}-{distro.codename}-{distro.arch}"


def base_image(engine, distro: Distro, layout: Layout) -> str:
    """A base image for `distro` on this engine, for its architecture: present, pulled or bootstrapped."""
    import docker
    for ref in (distro.base_image, pulled_tag(distro), bootstrap.bootstrap_tag(distro)):
        if _present(engine, ref, distro.arch):
            return ref
    platform = f"linux/{distro.arch}"
    try:
        print(f"pulling {distro.base_image} ({platform})", file=sys.stderr)
        pulled = engine.images.pull(distro.base_image, platform=platform)
        repository, tag = pulled_tag(distro).split(":")
        pulled.tag(repository, tag)
        return pulled_tag(distro)
    except docker.errors.APIError as error:
        print(f"cannot pull {distro.base_image}: {' '.join(str(error).split())[:200]}", file=sys.stderr)
    return bootstrap.bootstrap(engine, distro, layout.cache / "bootstrap",
                               layout.root / "docker" / "bootstrap" / "Dockerfile")


def build_image(recipe_: ImageRecipe, layout: Layout, stamp: Path) -> dict:
    """Build the image (streaming Docker's output) and write the stamp last."""
    import requests

    import docker

    with Targets(stamp) as targets:
        distro = recipe_.distro
        engine = docker_env.client(distro.docker_host)
        try:
            local = engine.api.base_url.startswith("http+docker://localhost")  # a unix socket on this machine
            mode = emulation.check(distro.name, distro.arch, engine.info().get("Architecture", ""), local)
            if mode == "emulated":
                print(f"image:{distro.name}: {distro.arch} containers run under QEMU emulation on this host "
                      "(slow: see README, Build farm)", file=sys.stderr)
            base = base_image(engine, distro, layout)
            args = dict(recipe_.buildargs, BASE_IMAGE=base)
            image_id, output = None, deque[str](maxlen=200)  # the last lines, for the cause
            log_path = layout.logs / f"image-{recipe_.distro.name}.log"
            with open_log(log_path) as log, WholeLines(sys.stdout) as console:
                for line in engine.api.build(
                    fileobj=io.BytesIO(recipe_.context()), custom_context=True, tag=recipe_.tag, buildargs=args,
                    labels={docker_env.LABEL_PROJECT: recipe_.project_id, docker_env.LABEL_RECIPE: recipe_.digest},
                    rm=True, forcerm=True, decode=True, network_mode="host", platform=f"linux/{recipe_.distro.arch}",
                ):
                    if "stream" in line:
                        console.write(line["stream"])
                        log.write(line["stream"])
                        output.append(line["stream"])
                    if "error" in line:
                        log.write(line["error"] + "\n")
                        raise UserError(f"image:{recipe_.distro.name}: building the image failed: "
                                        f"{failure_cause(output, line['error'])}; full log: {log_path}")
                    if "aux" in line and "ID" in line["aux"]:
                        image_id = line["aux"]["ID"]
        except (docker.errors.DockerException, requests.RequestException) as error:
            raise docker_env.docker_error(f"building image:{recipe_.distro.name}", error) from error
        record = {"tag": recipe_.tag, "recipe": recipe_.digest, "base": base, "distro": recipe_.distro.name,
                  "execution": mode, "engine_arch": emulation.debian_arch(engine.info().get("Architecture", ""))}
        faults.hold("image")  # tests only: see tasks/faults.py
        targets.write(stamp, record)
        print(f"image {recipe_.tag} ({image_id}) from {base}", file=sys.stderr)
        return record
