"""Plain data for one (version, distro) build: names, versions and paths, derived from Settings."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tasks.build.flags import configure_args
from tasks.build.toolchain import Toolchain, resolve
from tasks.model.config import SMOKE_SUBSET, Distro, Settings

TEST_MODULES_OFF = "--disable-test-modules"  # FAST builds' flag that drops the test suite
from tasks.model.variant import DEFAULT, FREETHREADED, Variant
from tasks.model.versions import Version


@dataclass(frozen=True)
class Layout:
    """Where things live on the host."""

    root: Path  # the project checkout (docker/ and debian/ are read from here)
    cache: Path
    dist: Path

    @classmethod
    def for_root(cls, root: Path) -> Layout:
        root = root.resolve()
        return cls(root=root, cache=root / "cache", dist=root / "dist")

    @property
    def project_id(self) -> str:
        """Short hash of the checkout's path: keeps image and container names of two checkouts apart."""
        return hashlib.sha256(str(self.root).encode()).hexdigest()[:10]

    @property
    def downloads(self) -> Path:
        return self.cache / "downloads"

    @property
    def logs(self) -> Path:
        return self.cache / "logs"

    def tarball(self, version: Version) -> Path:
        return self.downloads / version.tarball_name

    def verified_stamp(self, version: Version) -> Path:
        return self.downloads / f"{version.tarball_name}.verified.json"

    def source_dir(self, version: Version) -> Path:
        return self.cache / "src" / f"Python-{version}"

    def extracted_stamp(self, version: Version) -> Path:
        return self.cache / "src" / f"Python-{version}.extracted"

    def image_stamp(self, distro: Distro) -> Path:
        return self.cache / "images" / f"{distro.name}.json"

    def ccache_dir(self, distro: Distro) -> Path:
        """One compiler cache per release and architecture: distro entries that differ only in build
        dependencies or flags share it (ccache hashes the preprocessed input, so sharing is safe)."""
        return self.cache / "ccache" / f"{distro.family}-{distro.codename}-{distro.arch}"

    @staticmethod
    def ccache_volume(distro: Distro) -> str:
        """The same cache on an engine reached through docker_host: a named volume there, shared by every
        checkout that builds on that engine."""
        return f"python-builder-ccache-{distro.family}-{distro.codename}-{distro.arch}"


@dataclass(frozen=True)
class Build:
    """One (version, distro) pair and everything derived from it."""

    version: Version
    distro: Distro
    settings: Settings
    layout: Layout
    local_arch: str | None = None  # Debian arch of the default engine's machine, when known (see emulated)

    @property
    def key(self) -> str:
        return f"{self.version}-{self.distro.name}"

    @property
    def emulated(self) -> bool:
        """Known to run under QEMU: the default engine is this machine and its architecture differs."""
        return bool(self.local_arch) and self.distro.docker_host is None and self.distro.arch != self.local_arch

    @property
    def fast(self) -> bool:
        """FAST_BUILD on the command line wins; then the entry's own `fast`; an emulated build is FAST
        unless asked (PGO training under QEMU takes hours); else build.fast."""
        if self.settings.fast_forced:
            return self.settings.fast
        if self.distro.fast is not None:
            return self.distro.fast
        return self.emulated or self.settings.fast

    @property
    def variants(self) -> tuple[Variant, ...]:
        return (DEFAULT, FREETHREADED) if self.settings.free_threaded else (DEFAULT,)

    @property
    def prefix(self) -> str:
        return self.settings.prefix(self.version)

    @property
    def interpreter(self) -> str:
        """The installed main interpreter, e.g. /opt/python/python3.13/bin/python3.13."""
        return f"{self.prefix}/bin/python{self.version.major_minor}"

    @property
    def package_main(self) -> str:
        return f"{self.settings.name_prefix}python{self.version.major_minor}"

    @property
    def package_ft(self) -> str:
        return f"{self.package_main}t"

    @property
    def packages(self) -> tuple[str, ...]:
        return (self.package_main, self.package_ft) if self.settings.free_threaded else (self.package_main,)

    @property
    def debian_version(self) -> str:
        return f"{self.version.debian_upstream}-{self.settings.revision}+{self.distro.codename}"

    @property
    def deb_compression(self) -> str:
        """dpkg-deb's compressor for this build's packages: FAST builds are for trying things, so they favour
        build time (package.fast_compression), optimized builds favour size (package.compression)."""
        return self.settings.fast_compression if self.fast else self.settings.compression

    @property
    def profile_task(self) -> str:
        """PROFILE_TASK for make: only optimized builds train a profile."""
        return "" if self.fast else self.settings.flags.profile_task

    @property
    def smoke_modules(self) -> tuple[str, ...]:
        """The test modules validate runs: those build.smoke_tests names (SMOKE_TESTS=), else the standard
        smoke subset for optimized builds and none for FAST builds."""
        return self.settings.smoke_tests or (() if self.fast else SMOKE_SUBSET)

    @property
    def test_suite(self) -> bool:
        """The packages ship CPython's test suite: whenever validate runs some of it."""
        return bool(self.smoke_modules)

    @property
    def toolchain(self) -> Toolchain:
        """The compiler and its switches for this build (config [flags] toolchain, bolt, tail_call)."""
        return resolve(self.settings.flags, self.distro, self.version, self.fast)

    def configure_args(self, variant: Variant) -> tuple[str, ...]:
        args = self.toolchain.configure_args(configure_args(self.settings, self.distro, self.version, variant,
                                                            self.fast))
        return tuple(a for a in args if a != TEST_MODULES_OFF) if self.test_suite else args

    @property
    def build_dir(self) -> Path:
        return self.layout.cache / "build" / self.key

    def variant_dir(self, variant: Variant) -> Path:
        return self.build_dir / variant.name

    def variant_src(self, variant: Variant) -> Path:
        """A writable copy of the sources for one variant: the PGO training run and make install write
        into the source tree (test files, bytecode), and variants must not share those writes."""
        return self.build_dir / f"{variant}.src"

    def source_date_epoch(self) -> int:
        """The release's own date, never the clock: the mtime python.org's tarball gives Include/patchlevel.h
        (it changes with every release). The changelog entry carries it; so does SOURCE_DATE_EPOCH in the
        configure and compile containers (gcc's __DATE__ and __TIME__ in sys.version) and in dpkg-deb's
        clamped file times. Read when a step runs, after extract."""
        return int((self.layout.source_dir(self.version) / "Include" / "patchlevel.h").stat().st_mtime)

    def step_facts(self, variant: Variant, step: str) -> Path:
        """The facts a step's script wrote in the build tree (docker/steps/facts.sh): configure, compile."""
        return self.variant_dir(variant) / f"{step}-facts.jsonl"

    def configured_stamp(self, variant: Variant) -> Path:
        return self.build_dir / f"{variant}.configured.json"

    def profile_stamp(self, variant: Variant) -> Path | None:
        """CPython's record that the PGO training ran (optimized builds): the profile data is kept beside it
        in the tree, so `make install` and later compiles never profile again while it exists."""
        return None if self.fast else self.variant_dir(variant) / "profile-run-stamp"

    def compiling_marker(self, variant: Variant) -> Path:
        """Exists while a compile runs, and after one that did not finish."""
        return self.build_dir / f"{variant}.compiling"

    def compiled_stamp(self, variant: Variant) -> Path:
        return self.build_dir / f"{variant}.compiled.json"

    @property
    def dist_dir(self) -> Path:
        return self.layout.dist / self.distro.name

    def deb_files(self) -> tuple[Path, ...]:
        """The .debs the package step produces (debhelper's -dbgsym included)."""
        names = []
        dbgsym_ext = "ddeb" if self.distro.family == "ubuntu" else "deb"  # Ubuntu's debhelper makes .ddeb
        for package in self.packages:
            names.append(f"{package}_{self.debian_version}_{self.distro.arch}.deb")
            names.append(f"{package}-dbgsym_{self.debian_version}_{self.distro.arch}.{dbgsym_ext}")
        return tuple(self.dist_dir / n for n in names)

    @property
    def main_deb(self) -> Path:
        return self.deb_files()[0]

    @property
    def ft_deb(self) -> Path | None:
        return self.deb_files()[2] if self.settings.free_threaded else None

    @property
    def changes_file(self) -> Path:
        return self.dist_dir / f"{self.package_main}_{self.debian_version}_{self.distro.arch}.changes"

    def profile_archive(self, variant: Variant) -> Path:
        """An optimized build's kept PGO/BOLT profile (package/profiles.py)."""
        return self.dist_dir / f"{self.package_main}_{self.debian_version}.{variant.name}.profile.tar.gz"

    @property
    def manifest(self) -> Path:
        return self.dist_dir / f"{self.package_main}_{self.debian_version}.json"

    @property
    def validation_report(self) -> Path:
        return self.dist_dir / f"{self.package_main}_{self.debian_version}.validation.json"

    def validate_log(self, name: str) -> Path:
        """Where one of validate's checks keeps its whole output (smoke-main, smoke-ft, embed-main, embed-ft)."""
        return self.layout.logs / f"validate-{self.key}-{name}.log"


def builds(settings: Settings, layout: Layout,
           local_arch: str | None | Mapping[str, str | None] = None) -> tuple[Build, ...]:
    """Every (version, distro) pair; `local_arch`: the default engine's architecture, or one per distro name."""
    arch_of = local_arch if isinstance(local_arch, Mapping) else {d.name: local_arch for d in settings.distros}
    return tuple(Build(v, d, settings, layout, arch_of.get(d.name))
                 for v in settings.versions for d in settings.distros)
