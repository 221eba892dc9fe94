"""`doit repo:<distro>`: turn dist/<distro>/ into a flat apt repository (Packages, Packages.gz, Release).

Use it with `deb [trusted=yes] file:/path/to/dist/<distro> ./` (unsigned: trusted because it is local).
"""

from __future__ import annotations

import email.utils
import hashlib
import time
from pathlib import Path

from tasks.engine import images, paths, runner
from tasks.errors import UserError
from tasks.files import write_text_atomic
from tasks.model.config import Distro
from tasks.model.plan import Layout

INDEXES = ("Packages", "Packages.gz")


def release_text(dist: Path, distro: Distro, now: float) -> str:
    lines = [
        "Origin: python-builder",
        "Label: python-builder",
        f"Suite: {distro.codename}",
        f"Codename: {distro.codename}",
        f"Architectures: {distro.arch}",
        f"Date: {email.utils.formatdate(now, usegmt=True)}",
        f"Description: CPython builds by python-builder for {distro.display}",
    ]
    for field, algorithm in (("MD5Sum", "md5"), ("SHA256", "sha256")):
        lines.append(f"{field}:")
        for name in INDEXES:
            data = (dist / name).read_bytes()
            lines.append(f" {hashlib.new(algorithm, data).hexdigest()} {len(data):>10} {name}")
    return "\n".join(lines) + "\n"


def make_repo(distro: Distro, layout: Layout, run=runner.run) -> dict:
    dist = layout.dist / distro.name
    if not (dist.is_dir() and any(dist.glob("*.deb"))):
        raise UserError(f"repo:{distro.name}: {dist} holds no packages yet; build them first "
                        f"(doit build DISTRO={distro.name}), then index them")
    release = dist / "Release"
    release.unlink(missing_ok=True)
    tag = images.built_tag(layout, distro)
    run(runner.Step(name=f"repo:{distro.name}", image=tag, log=layout.logs / f"repo-{distro.name}.log",
                    project_id=layout.project_id, command=("bash", paths.script(paths.STEPS, "repo.sh")),
                    mounts=(paths.steps_mount(layout.root),
                            runner.Mount(dist, paths.DIST, read_only=False)),
                    docker_host=distro.docker_host))
    write_text_atomic(release, release_text(dist, distro, time.time()))
    line = f"deb [trusted=yes] file:{dist} ./"
    print(f"apt repository ready; add to /etc/apt/sources.list.d/python-builder.list:\n  {line}")
    return {"repository": str(dist), "sources_line": line}
