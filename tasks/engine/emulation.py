"""Can this Docker host run containers of a distro's architecture? Natively, or under QEMU user emulation.

An amd64 host runs arm64 containers when the kernel's binfmt_misc has a `qemu-aarch64` entry that is
enabled and has the F (fix binary) flag: the interpreter is then opened once, when the entry is
registered, so it works inside containers that do not contain it. Debian's `qemu-user-static` (with
`binfmt-support`) registers such entries. Checked only for a local engine, where /proc is the engine's.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

from tasks.errors import UserError

DEBIAN_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
QEMU_ENTRY = {"arm64": "qemu-aarch64", "amd64": "qemu-x86_64"}
BINFMT = Path("/proc/sys/fs/binfmt_misc")


def debian_arch(machine: str) -> str:
    """Debian's name for a kernel machine name (uname -m) or Docker's Architecture field."""
    return DEBIAN_ARCH.get(machine, machine)


def default_engine_arch(environ=os.environ, machine: str | None = None) -> str | None:
    """The architecture the default Docker engine runs natively, when known without asking Docker: this
    machine's when the engine is reached through a local socket (DOCKER_HOST unset, or unix://...), else
    unknown (None) until the image step has asked the engine (see recorded_engine_arch)."""
    host = environ.get("DOCKER_HOST", "").strip()
    if host and not host.startswith("unix://"):
        return None
    return debian_arch(machine or platform.machine())


def recorded_engine_arch(image_record: dict) -> str | None:
    """The engine's own architecture, as the image step recorded it in the image stamp (None: not yet)."""
    arch = (image_record or {}).get("engine_arch")
    return debian_arch(arch) if isinstance(arch, str) and arch else None


def binfmt_problem(arch: str, binfmt: Path = BINFMT) -> str | None:
    """None when `arch` binaries run under emulation here; else what is missing and how to fix it."""
    entry_name = QEMU_ENTRY.get(arch)
    if entry_name is None:
        return f"no emulation is known for {arch}"
    install = ("install QEMU user emulation: `sudo apt install qemu-user-static binfmt-support` "
               f"(it registers {entry_name} with the F flag)")
    if not (binfmt / "status").exists():
        return ("binfmt_misc is not mounted: `sudo mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc`, "
                f"then {install}")
    entry = binfmt / entry_name
    if not entry.exists():
        return install
    text = entry.read_text()
    if not text.startswith("enabled"):
        return f"the {entry_name} entry is disabled: `sudo update-binfmts --enable {entry_name}`"
    flags = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("flags:")), "")
    if "F" not in flags:
        return (f"the {entry_name} entry lacks the F flag, so containers cannot find its interpreter: "
                "use Debian's qemu-user-static, whose entries have it")
    return None


def check(distro_name: str, distro_arch: str, engine_machine: str, local_engine: bool,
          binfmt: Path = BINFMT) -> str:
    """'native' or 'emulated'; raises UserError with the fix when the engine cannot run `distro_arch`."""
    host = debian_arch(engine_machine)
    if host == distro_arch:
        return "native"
    if local_engine:
        problem = binfmt_problem(distro_arch, binfmt)
        if problem:
            raise UserError(f"image:{distro_name}: this {host} Docker host cannot run {distro_arch} containers: "
                            f"{problem}; or build {distro_name} on an {distro_arch} host")
    return "emulated"
