"""The frozen Settings that config.toml (and the command line) become: plain data, read by every step."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tasks.model.versions import Version
from tasks.sources.signatures import Signer


@dataclass(frozen=True)
class Pin:
    sha256: str
    size: int | None = None
    url: str | None = None  # where `doit pin` found it (informative)


@dataclass(frozen=True)
class Distro:
    name: str
    base_image: str
    display: str
    codename: str
    family: str
    arch: str
    add_build_deps: tuple[str, ...] = ()
    drop_build_deps: tuple[str, ...] = ()
    add_configure: tuple[str, ...] = ()
    drop_configure: tuple[str, ...] = ()
    docker_host: str | None = None  # None: the default engine (DOCKER_HOST, else the local socket)
    fast: bool | None = None  # None: build.fast, or FAST when the build would run under emulation
    # apt accepts this archive's Release file past its Valid-Until date (snapshots, pinned mirrors);
    # its signature is still checked
    allow_expired_release: bool = False
    llvm_version: int | None = None  # the distro's own clang/LLVM (toolchain "clang", BOLT); None: not set


@dataclass(frozen=True)
class Ccache:
    max_size: str = "5G"
    remote_storage: str = ""  # ccache's remote_storage; "" = local cache only


@dataclass(frozen=True)
class Flags:
    common: tuple[str, ...]
    optimized: tuple[str, ...]
    fast: tuple[str, ...]
    free_threaded: tuple[str, ...]
    profile_task: str = ""  # PGO training workload (make PROFILE_TASK=...); "" keeps CPython's default
    hardening: str = "debian"  # compiler/linker hardening: one of HARDENING_MODES
    lto: str = "parallel"  # how LTO runs: one of LTO_MODES
    toolchain: str = "auto"  # "auto", "gcc", "clang" (the distro's llvm_version) or "clang-N" (build/toolchain.py)
    bolt: str = "auto"  # llvm-bolt on the linked interpreter: "auto", "yes" or "no" (build/toolchain.py)
    tail_call: bool = True  # the tail-calling interpreter where it applies (clang >= 19, CPython 3.14+)
    pie: str = "auto"  # the interpreter as PIE: "auto", "yes" or "no" (config.PIE_MODES)
    builtin_modules: tuple[str, ...] = ()  # extension modules linked into the interpreter (Setup.local *static*)


@dataclass(frozen=True)
class Sources:
    order: tuple[str, ...]
    url_templates: tuple[str, ...]
    local_dirs: tuple[str, ...]
    timeout: int
    mirrors: tuple[str, ...] = ()  # content-addressed: <mirror>/<sha256>


@dataclass(frozen=True)
class Verification:
    policy: str
    bundle_dirs: tuple[str, ...]
    signers: Mapping[str, Signer]  # "3.13" -> Signer


@dataclass(frozen=True)
class Settings:
    versions: tuple[Version, ...]
    distros: tuple[Distro, ...]  # the selected ones, in matrix order
    fast: bool
    free_threaded: bool
    jobs: int
    allow_unpinned: bool
    prefix_template: str
    name_prefix: str
    revision: str
    maintainer: str
    flags: Flags
    sources: Sources
    verification: Verification
    build_deps: tuple[str, ...]
    pins: Mapping[str, Pin]
    all_distros: Mapping[str, Distro]
    ccache: Ccache = Ccache()
    fast_forced: bool = False  # FAST_BUILD was given on the command line: it wins over every entry's fast
    compression: str = "xz"  # dpkg-deb compressor of optimized builds' packages: one of COMPRESSIONS
    fast_compression: str = "gzip"  # ... and of FAST builds' packages
    profile_from: str | None = None  # PROFILE_FROM: a manifest or directory of kept profiles (package/profiles.py)
    smoke_tests: tuple[str, ...] = ()  # test modules FAST builds too keep and run (optimized: SMOKE_SUBSET)

    def pin(self, version: Version) -> Pin | None:
        return self.pins.get(str(version))

    def signer(self, version: Version) -> Signer | None:
        return self.verification.signers.get(version.major_minor)

    def prefix(self, version: Version) -> str:
        return self.prefix_template.format(major_minor=version.major_minor)


