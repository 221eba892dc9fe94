"""Load config.toml, apply the command-line variables, validate everything into frozen Settings.

Nothing here touches Docker, the network or the file system beyond reading the config file.
Every value that may later reach a container (flags, package names, paths) is checked against a
pattern here, so the rest of the code can pass values as argv or environment without quoting worries.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tasks.errors import UserError, clip
from tasks.model.versions import Version
from tasks.sources.signatures import POLICIES, Signer

# Values that end up as arguments of configure, apt-get or dpkg: no blanks, no shell metacharacters.
# Options (--with-x=y) or variable assignments (CFLAGS=-O3 -g; blanks allowed, they travel as one argv word).
FLAG_PATTERN = re.compile(r"^--?[A-Za-z0-9][A-Za-z0-9_+=,./:@%-]*$|^[A-Z][A-Z0-9_]*=[A-Za-z0-9_+=,./:@% -]*$")
PACKAGE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")
DISTRO_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
# Docker's image reference grammar (distribution/reference): [registry[:port]/]path[:tag][@digest].
_IMAGE_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?/)?"
_IMAGE_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_PATTERN = re.compile(rf"^{_IMAGE_DOMAIN}{_IMAGE_COMPONENT}(?:/{_IMAGE_COMPONENT})*"
                           r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$", re.ASCII)
DISPLAY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._(),+-]{0,80}$")
# Debian policy 5.6.2: a name (any UTF-8 letters; no ',' '<' '>' or control characters) and an address.
MAINTAINER_PATTERN = re.compile(r"^[^\W_][^,<>\x00-\x1f\x7f\"$`\\]{0,79} <[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+>$")
PREFIX_PATTERN = re.compile(r"^/[A-Za-z0-9._/-]*\{major_minor\}[A-Za-z0-9._/-]*$")
NAME_PREFIX_PATTERN = re.compile(r"^[a-z0-9][a-z0-9+.-]*-$")
# Debian policy 5.6.12: debian_revision is alphanumerics and + . ~ (1, 1+b1, 0~bpo12+1); kept short.
REVISION_PATTERN = re.compile(r"^[0-9][A-Za-z0-9+.~]{0,30}$", re.ASCII)
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
TEST_MODULE_PATTERN = re.compile(r"^test_[a-z0-9_]{1,60}$", re.ASCII)
# The test suite's smoke subset: what optimized builds run in validate, and FAST builds with smoke_tests = true.
SMOKE_SUBSET = ("test_sys", "test_os", "test_json", "test_re", "test_math", "test_ssl", "test_sqlite3",
                "test_ctypes", "test_decimal", "test_lzma", "test_threading", "test_venv")
# "off": CPython's own flags only; "dpkg": dpkg-buildflags' CFLAGS/CPPFLAGS/LDFLAGS as they are (its -O2
# then lands after CPython's -O3); "debian": the distro's hardening the way Debian builds its python3.X
# (see docker/steps/buildflags.sh).
HARDENING_MODES = ("off", "dpkg", "debian")
# How gcc's link-time optimization runs in optimized builds (see docker/steps/lto.sh): "parallel" links in
# balanced partitions on every core and compiles the PGO training build without LTO; "cpython" keeps
# CPython's own flags (3.13: one partition on one core, in both PGO stages).
LTO_MODES = ("parallel", "cpython")
# dpkg-deb compressors the packages may use (Debian's lintian rejects zstd members as a malformed .deb)
COMPRESSIONS = ("xz", "gzip", "none")
PROFILE_TASK_PATTERN = re.compile(r"^[A-Za-z0-9 ._=/,:+-]*$")
IDENTITY_PATTERN = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+$")
ISSUER_PATTERN = re.compile(r"^https://[A-Za-z0-9.-]+(/[A-Za-z0-9._/-]*)?$")
MAJOR_MINOR_PATTERN = re.compile(r"^3\.(0|[1-9][0-9]?)$")
MICRO_PATTERN = re.compile(r"^(0|[1-9][0-9]{0,3})((a|b|rc)[1-9][0-9]{0,2})?$")
URL_TEMPLATE_PATTERN = re.compile(r"^(https?|file)://[^\s'\"`$;|&<>\\]+$")
# A Docker engine: unix:///path/docker.sock, tcp://host:2376, ssh://user@host (what DOCKER_HOST takes).
DOCKER_HOST_PATTERN = re.compile(r"^(unix:///[A-Za-z0-9._/-]+|tcp://[A-Za-z0-9.-]+:[0-9]{1,5}|"
                                 r"ssh://([A-Za-z0-9._-]+@)?[A-Za-z0-9.-]+(:[0-9]{1,5})?)$")
# ccache's remote_storage: space-separated backends, each <scheme>://<address>[|attribute=value...].
REMOTE_STORAGE_PATTERN = re.compile(r"^(redis|redis\+unix|http|https|file)://[A-Za-z0-9._~:/@%+=,|-]+$")
CCACHE_SIZE_PATTERN = re.compile(r"^[0-9]+(\.[0-9]+)?[kMGT]i?$")

FAMILIES = ("debian", "ubuntu")
ARCHES = ("amd64", "arm64")
SOURCE_KINDS = ("local", "url", "mirror", "debian-archive")
MIRROR_PATTERN = re.compile(r"^(https?|file)://[^\s'\"`$;|&<>\\{}]+$")
VARIANTS = ("default", "freethreaded")

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}

# Command-line variables (doit build NAME=value) and what they mean; the README lists the same.
CLI_VARIABLES = (
    "PYTHON_VERSION", "PYTHON_VER_MAJ_MIN", "PYTHON_VER_MIC", "DISTRO",
    "OS_DISTRO_BASE", "OS_DISTRO_DISP", "FAST_BUILD", "BUILD_NOGIL", "CONFIG",
    "CLEAN_DOWNLOADS", "CLEAN_IMAGES", "NEW_VERSION", "HARDENING", "PROFILE_TASK", "LTO", "SMOKE_TESTS",
)


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
    lto: str = "parallel"  # how gcc's LTO runs: one of LTO_MODES


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
    smoke_tests: tuple[str, ...] = ()  # test modules FAST builds too keep and run (optimized: SMOKE_SUBSET)

    def pin(self, version: Version) -> Pin | None:
        return self.pins.get(str(version))

    def signer(self, version: Version) -> Signer | None:
        return self.verification.signers.get(version.major_minor)

    def prefix(self, version: Version) -> str:
        return self.prefix_template.format(major_minor=version.major_minor)


# ---------------------------------------------------------------------------------------------
# small typed readers: each names the key in its error


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise UserError(f"{where}.{key}: expected a table, got {type(value).__name__}")
    return value


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise UserError(
            f"{where}: unknown key {unknown[0]!r} (known keys: {', '.join(sorted(allowed))}); "
            "remove it or fix its spelling"
        )


def _get(table: Mapping[str, Any], key: str, kind: type, where: str, default: Any = ...) -> Any:
    if key not in table:
        if default is ...:
            raise UserError(f"{where}.{key}: missing; add it to config.toml")
        return default
    value = table[key]
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise UserError(f"{where}.{key}: expected {kind.__name__}, got {type(value).__name__} {value!r}")
    return value


def _str_list(table: Mapping[str, Any], key: str, where: str, pattern: re.Pattern[str],
              what: str, default: Any = ...) -> tuple[str, ...]:
    values = _get(table, key, list, where, default)
    for item in values:
        if not isinstance(item, str) or not pattern.fullmatch(item):
            raise UserError(f"{where}.{key}: {item!r} is not a valid {what}")
    return tuple(values)


def _matching(value: Any, pattern: re.Pattern[str], where: str, what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        shown = repr(value) if len(repr(value)) <= 80 else f"{repr(value)[:60]}… ({len(repr(value))} characters)"
        raise UserError(f"{where}: {shown} is not a valid {what}")
    return value


def parse_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    raise UserError(f"{where}: expected true or false, got {value!r}")


def _smoke_tests(value: Any, where: str) -> tuple[str, ...]:
    """true: the standard smoke subset; false: none (FAST builds); a list: exactly these test modules."""
    if isinstance(value, bool):
        return SMOKE_SUBSET if value else ()
    if not isinstance(value, list) or not value:
        raise UserError(f"{where}: expected true, false or a list of test modules such as [\"test_sys\"]")
    for item in value:
        if not isinstance(item, str) or not TEST_MODULE_PATTERN.fullmatch(item):
            raise UserError(f"{where}: {clip(str(item))!r} is not a test module name such as test_sys")
    if len(set(value)) != len(value):
        raise UserError(f"{where}: a test module is named twice; name each once")
    return tuple(value)


# ---------------------------------------------------------------------------------------------


def _read_distro(name: str, table: Any) -> Distro:
    where = f"distros.{name}"
    if not DISTRO_NAME_PATTERN.fullmatch(name):
        raise UserError(f"{where}: distro names are lowercase letters, digits and '-', got {name!r}")
    if not isinstance(table, dict):
        raise UserError(f"{where}: expected a table")
    _check_keys(table, {"base_image", "display", "codename", "family", "arch", "add_build_deps",
                        "drop_build_deps", "add_configure", "drop_configure", "docker_host", "fast",
                        "allow_expired_release"}, where)
    family = _get(table, "family", str, where)
    if family not in FAMILIES:
        raise UserError(f"{where}.family: {family!r} is not one of {', '.join(FAMILIES)}")
    arch = _get(table, "arch", str, where, "amd64")
    if arch not in ARCHES:
        raise UserError(f"{where}.arch: {arch!r} is not one of {', '.join(ARCHES)} "
                        "(armhf is out of scope: Raspberry Pi OS 32-bit is ARMv6)")
    return Distro(
        name=name,
        base_image=_matching(_get(table, "base_image", str, where), IMAGE_PATTERN,
                             f"{where}.base_image", "Docker image name"),
        display=_matching(_get(table, "display", str, where), DISPLAY_PATTERN,
                          f"{where}.display", "display name"),
        codename=_matching(_get(table, "codename", str, where), DISTRO_NAME_PATTERN,
                           f"{where}.codename", "codename"),
        family=family,
        arch=arch,
        add_build_deps=_str_list(table, "add_build_deps", where, PACKAGE_PATTERN, "package name", []),
        drop_build_deps=_str_list(table, "drop_build_deps", where, PACKAGE_PATTERN, "package name", []),
        add_configure=_str_list(table, "add_configure", where, FLAG_PATTERN, "configure flag", []),
        drop_configure=_str_list(table, "drop_configure", where, FLAG_PATTERN, "configure flag", []),
        docker_host=_docker_host(table, where),
        fast=_get(table, "fast", bool, where, None),
        allow_expired_release=_get(table, "allow_expired_release", bool, where, False),
    )


def _docker_host(table: Mapping[str, Any], where: str) -> str | None:
    value = _get(table, "docker_host", str, where, "")
    if not value:
        return None
    return _matching(value, DOCKER_HOST_PATTERN, f"{where}.docker_host",
                     "Docker host (unix:///path/docker.sock, tcp://host:port or ssh://user@host)")


def _read_ccache(table: Mapping[str, Any]) -> Ccache:
    _check_keys(table, {"max_size", "remote_storage"}, "ccache")
    max_size = _matching(_get(table, "max_size", str, "ccache", "5G"), CCACHE_SIZE_PATTERN, "ccache.max_size",
                         "cache size (like 5G or 500M)")
    remote = " ".join(_get(table, "remote_storage", str, "ccache", "").split())
    for backend in remote.split():
        _matching(backend, REMOTE_STORAGE_PATTERN, "ccache.remote_storage",
                  "ccache remote storage (redis://host:port, http://host:port/path, ...)")
    return Ccache(max_size, remote)


def _read_verification(table: Mapping[str, Any]) -> Verification:
    _check_keys(table, {"policy", "bundle_dirs", "signers"}, "verification")
    policy_name = _get(table, "policy", str, "verification", "if-available")
    if policy_name not in POLICIES:
        raise UserError(f"verification.policy: {policy_name!r} is not one of {', '.join(POLICIES)}")
    bundle_dirs = _get(table, "bundle_dirs", list, "verification", [])
    for item in bundle_dirs:
        if not isinstance(item, str) or not item or "\n" in item:
            raise UserError(f"verification.bundle_dirs: {item!r} is not a directory path")
    signers = {}
    for line, entry in _table(table, "signers", "verification").items():
        where = f"verification.signers.{line!r}"
        _matching(line, MAJOR_MINOR_PATTERN, where, "release line (like \"3.14\")")
        if not isinstance(entry, dict):
            raise UserError(f"{where}: expected {{ identity = \"…\", issuer = \"https://…\" }}")
        _check_keys(entry, {"identity", "issuer"}, where)
        signers[line] = Signer(
            identity=_matching(_get(entry, "identity", str, where), IDENTITY_PATTERN, f"{where}.identity", "identity"),
            issuer=_matching(_get(entry, "issuer", str, where), ISSUER_PATTERN, f"{where}.issuer", "OIDC issuer URL"),
        )
    return Verification(policy_name, tuple(bundle_dirs), MappingProxyType(signers))


def _read_pins(table: Mapping[str, Any]) -> dict[str, Pin]:
    pins = {}
    for key, entry in table.items():
        where = f"pins.{key!r}"
        Version.parse(key, where)
        if not isinstance(entry, dict):
            raise UserError(f"{where}: expected {{ sha256 = \"…\", size = N }}")
        _check_keys(entry, {"sha256", "size", "url"}, where)
        sha = _matching(_get(entry, "sha256", str, where), SHA256_PATTERN, f"{where}.sha256",
                        "sha256 (64 lowercase hex digits)")
        size = _get(entry, "size", int, where, None)
        if size is not None:
            _bounded(size, 1, MAX_TARBALL_SIZE, f"{where}.size", "bytes")
        url = _get(entry, "url", str, where, None)
        if url is not None:
            _matching(url, URL_TEMPLATE_PATTERN, f"{where}.url", "URL")
        pins[key] = Pin(sha, size, url)
    return pins


# Where add-on software may live (FHS): the prefix is a directory below one of these.
PREFIX_ROOTS = ("/opt/", "/usr/local/")


def _prefix(template: str) -> str:
    """package.prefix: an absolute, normalized path containing {major_minor}, below /opt or /usr/local."""
    _matching(template, PREFIX_PATTERN, "package.prefix", "prefix (an absolute path containing {major_minor})")
    path = template.format(major_minor="3.14")
    if posixpath.normpath(path) != path or "//" in path:
        raise UserError(f"package.prefix: {template!r} is not a normalized path (no '..', '.', '//' or trailing "
                        f"'/'); write it as {posixpath.normpath(path).replace('3.14', '{major_minor}')!r}")
    if not path.startswith(PREFIX_ROOTS):
        raise UserError(f"package.prefix: {template!r} is outside /opt and /usr/local; add-on interpreters "
                        "belong below one of them, e.g. /opt/python/python{major_minor}")
    return template


# Bounds of the numbers in config.toml: beyond them a value is a typo (or an attack), never a wish.
MAX_JOBS = 1024
MAX_TIMEOUT = 3600  # seconds a download may wait for the server
MAX_TARBALL_SIZE = 1 << 30  # bytes: CPython's tarballs weigh 20-30 MB


def _bounded(value: int, low: int, high: int, where: str, unit: str) -> int:
    if not low <= value <= high:
        raise UserError(f"{where}: {str(value)[:20]} is out of range; give {low} to {high} ({unit})")
    return value


def _one_of(value: str, modes: tuple[str, ...], where: str) -> str:
    if value not in modes:
        raise UserError(f"{where}: {value!r} is not one of {', '.join(modes)}")
    return value


def parse(data: Mapping[str, Any]) -> Settings:
    """Validate a parsed config.toml into Settings (no command-line variables applied)."""
    _check_keys(data, {"build", "package", "flags", "sources", "verification", "build_deps", "distros", "pins",
                       "ccache"}, "config")
    build = _table(data, "build", "config")
    _check_keys(build, {"versions", "distros", "fast", "free_threaded", "jobs", "allow_unpinned", "smoke_tests"},
                "build")
    package = _table(data, "package", "config")
    _check_keys(package, {"prefix", "name_prefix", "revision", "maintainer", "compression", "fast_compression"},
                "package")
    flags = _table(data, "flags", "config")
    _check_keys(flags, {"common", "optimized", "fast", "free_threaded", "profile_task", "hardening",
                        "lto"},
                "flags")
    sources = _table(data, "sources", "config")
    _check_keys(sources, {"order", "url_templates", "mirrors", "local_dirs", "timeout"}, "sources")
    build_deps = _table(data, "build_deps", "config")
    _check_keys(build_deps, {"packages"}, "build_deps")
    distro_tables = _table(data, "distros", "config")
    all_distros = {name: _read_distro(name, table) for name, table in distro_tables.items()}
    if not all_distros:
        raise UserError("distros: no distro entries; add at least one [distros.<name>] table")

    versions = _get(build, "versions", list, "build")
    if not versions:
        raise UserError("build.versions: empty; list at least one CPython version")
    parsed_versions = tuple(Version.parse(v, "build.versions") for v in versions)
    distro_names = _get(build, "distros", list, "build")
    if not distro_names:
        raise UserError("build.distros: empty; list at least one distro entry")
    selected = tuple(_known_distro(all_distros, n, "build.distros") for n in distro_names)

    jobs = _bounded(_get(build, "jobs", int, "build", 0), 0, MAX_JOBS, "build.jobs", "0 (all cores) or a number of jobs")
    order = _get(sources, "order", list, "sources", list(SOURCE_KINDS))
    for kind in order:
        if kind not in SOURCE_KINDS:
            raise UserError(f"sources.order: {kind!r} is not one of {', '.join(SOURCE_KINDS)}")
    templates = _str_list(sources, "url_templates", "sources", URL_TEMPLATE_PATTERN, "URL template", [])
    for template in templates:
        try:
            template.format(version="3.13.0", folder="3.13.0")
        except (KeyError, IndexError, ValueError):
            raise UserError(f"sources.url_templates: {template!r} may only use {{version}} and {{folder}}") from None
    local_dirs = _get(sources, "local_dirs", list, "sources", [])
    for item in local_dirs:
        if not isinstance(item, str) or not item or "\n" in item:
            raise UserError(f"sources.local_dirs: {item!r} is not a directory path")
    timeout = _bounded(_get(sources, "timeout", int, "sources", 30), 1, MAX_TIMEOUT, "sources.timeout", "seconds")

    settings = Settings(
        versions=parsed_versions,
        distros=selected,
        fast=_get(build, "fast", bool, "build", False),
        free_threaded=_get(build, "free_threaded", bool, "build", True),
        jobs=jobs,
        allow_unpinned=_get(build, "allow_unpinned", bool, "build", False),
        smoke_tests=_smoke_tests(build.get("smoke_tests", False), "build.smoke_tests"),
        prefix_template=_prefix(_get(package, "prefix", str, "package", "/opt/python/python{major_minor}")),
        name_prefix=_matching(_get(package, "name_prefix", str, "package", "opt-"), NAME_PREFIX_PATTERN,
                              "package.name_prefix",
                              "package name prefix (lowercase, ending in '-'; it must not be empty: "
                              "bare pythonX.Y names collide with the distro's own packages)"),
        revision=_matching(_get(package, "revision", str, "package", "1"), REVISION_PATTERN,
                           "package.revision", "Debian revision"),
        maintainer=_matching(_get(package, "maintainer", str, "package"), MAINTAINER_PATTERN,
                             "package.maintainer", "maintainer ('Name <address>')"),
        flags=Flags(
            common=_str_list(flags, "common", "flags", FLAG_PATTERN, "configure flag"),
            optimized=_str_list(flags, "optimized", "flags", FLAG_PATTERN, "configure flag"),
            fast=_str_list(flags, "fast", "flags", FLAG_PATTERN, "configure flag"),
            free_threaded=_str_list(flags, "free_threaded", "flags", FLAG_PATTERN, "configure flag"),
            profile_task=_matching(_get(flags, "profile_task", str, "flags", ""), PROFILE_TASK_PATTERN,
                                   "flags.profile_task", "PROFILE_TASK (python arguments, no shell syntax)"),
            hardening=_one_of(_get(flags, "hardening", str, "flags", "debian"), HARDENING_MODES, "flags.hardening"),
            lto=_one_of(_get(flags, "lto", str, "flags", "parallel"), LTO_MODES, "flags.lto"),
        ),
        sources=Sources(tuple(order), templates, tuple(local_dirs), timeout,
                        _str_list(sources, "mirrors", "sources", MIRROR_PATTERN, "mirror URL", [])),
        verification=_read_verification(_table(data, "verification", "config")),
        build_deps=_str_list(build_deps, "packages", "build_deps", PACKAGE_PATTERN, "package name"),
        pins=MappingProxyType(_read_pins(_table(data, "pins", "config"))),
        all_distros=MappingProxyType(all_distros),
        ccache=_read_ccache(_table(data, "ccache", "config")),
        compression=_one_of(_get(package, "compression", str, "package", "xz"), COMPRESSIONS, "package.compression"),
        fast_compression=_one_of(_get(package, "fast_compression", str, "package", "gzip"), COMPRESSIONS,
                                 "package.fast_compression"),
    )
    _check_pins(settings)
    return settings


def _known_distro(all_distros: Mapping[str, Distro], name: Any, where: str) -> Distro:
    if not isinstance(name, str) or name not in all_distros:
        raise UserError(f"{where}: unknown distro {name!r}; known: {', '.join(sorted(all_distros))}")
    return all_distros[name]


def _check_pins(settings: Settings) -> None:
    if settings.allow_unpinned:
        return
    for version in settings.versions:
        if settings.pin(version) is None:
            raise UserError(
                f"pins: no sha256 pin for {version}; add it to [pins] in config.toml "
                "(or set build.allow_unpinned = true to build it unverified)"
            )


# ---------------------------------------------------------------------------------------------
# command-line variables


def _unique_list(text: str, where: str) -> list[str]:
    """A comma-separated list (blanks around items allowed) with no item given twice."""
    items = [item.strip() for item in text.split(",")]
    twice = sorted({item for item in items if items.count(item) > 1})
    if twice:
        raise UserError(f"{where}: {twice[0][:40]!r} is given twice; name each item once")
    return items


def apply_overrides(settings: Settings, variables: Mapping[str, str]) -> Settings:
    """Apply the original builder's build arguments (and DISTRO) given as doit command-line variables."""
    unknown = sorted(k for k in variables if k not in CLI_VARIABLES)
    if unknown:
        name = unknown[0]
        hint = f"variable names are upper case: {name.upper()}=…" if name.upper() in CLI_VARIABLES else \
            f"known: {', '.join(CLI_VARIABLES)}"
        raise UserError(f"command line: unknown variable {name[:40]}; {hint}")
    changes: dict[str, Any] = {}

    version_text = variables.get("PYTHON_VERSION")
    maj_min, mic = variables.get("PYTHON_VER_MAJ_MIN"), variables.get("PYTHON_VER_MIC")
    if version_text is not None and (maj_min is not None or mic is not None):
        raise UserError("command line: give either PYTHON_VERSION or PYTHON_VER_MAJ_MIN + PYTHON_VER_MIC, not both")
    if (maj_min is None) != (mic is None):
        raise UserError("command line: PYTHON_VER_MAJ_MIN and PYTHON_VER_MIC go together "
                        "(e.g. PYTHON_VER_MAJ_MIN=3.14 PYTHON_VER_MIC=2), or use PYTHON_VERSION=3.14.2")
    if maj_min is not None and mic is not None:
        _matching(maj_min, MAJOR_MINOR_PATTERN, "PYTHON_VER_MAJ_MIN", "major.minor version (e.g. 3.14)")
        _matching(mic, MICRO_PATTERN, "PYTHON_VER_MIC", "micro version (one number, e.g. 7, or 0rc2)")
        version_text = f"{maj_min}.{mic}"
    if version_text is not None:
        changes["versions"] = tuple(Version.parse(v, "PYTHON_VERSION")
                                    for v in _unique_list(version_text, "PYTHON_VERSION"))

    distros = settings.distros
    if "DISTRO" in variables:
        distros = tuple(_known_distro(settings.all_distros, n, "DISTRO")
                        for n in _unique_list(variables["DISTRO"], "DISTRO"))
    base = variables.get("OS_DISTRO_BASE")
    if base is not None:
        _matching(base, IMAGE_PATTERN, "OS_DISTRO_BASE", "Docker image name")
        matches = tuple(d for d in settings.all_distros.values() if d.base_image == base)
        if "DISTRO" not in variables:
            # alone, it selects the entry whose base image it is; it never gives an entry another's base
            if not matches:
                raise UserError(f"OS_DISTRO_BASE: {base!r} is no configured entry's base image; also give "
                                "DISTRO=<entry> to build that entry on it, or name an entry's base_image")
            distros = matches[:1]
        elif len(distros) == 1:
            distros = (replace(distros[0], base_image=base),)
        else:
            raise UserError(f"OS_DISTRO_BASE: replaces one entry's base image, but DISTRO names {len(distros)}; "
                            "give DISTRO=<one entry>")
    disp = variables.get("OS_DISTRO_DISP")
    if disp is not None:
        _matching(disp, DISPLAY_PATTERN, "OS_DISTRO_DISP", "display name")
        if len(distros) != 1:
            raise UserError("OS_DISTRO_DISP: names one distro; also give DISTRO=<name> or OS_DISTRO_BASE=<image>")
        distros = (replace(distros[0], display=disp),)
    changes["distros"] = distros
    if "FAST_BUILD" in variables:
        changes["fast"] = parse_bool(variables["FAST_BUILD"], "FAST_BUILD")
        changes["fast_forced"] = True
    if "BUILD_NOGIL" in variables:
        changes["free_threaded"] = parse_bool(variables["BUILD_NOGIL"], "BUILD_NOGIL")
    if "SMOKE_TESTS" in variables:
        text = variables["SMOKE_TESTS"]
        is_bool = text.strip().lower() in TRUE_WORDS | FALSE_WORDS
        changes["smoke_tests"] = _smoke_tests(parse_bool(text, "SMOKE_TESTS") if is_bool else
                                              _unique_list(text, "SMOKE_TESTS"), "SMOKE_TESTS")
    flag_changes: dict[str, Any] = {}
    if "HARDENING" in variables:
        flag_changes["hardening"] = _one_of(variables["HARDENING"], HARDENING_MODES, "HARDENING")
    if "LTO" in variables:
        flag_changes["lto"] = _one_of(variables["LTO"], LTO_MODES, "LTO")
    if "PROFILE_TASK" in variables:
        flag_changes["profile_task"] = _matching(variables["PROFILE_TASK"], PROFILE_TASK_PATTERN, "PROFILE_TASK",
                                                 "PROFILE_TASK (python arguments, no shell syntax)")
    if flag_changes:
        changes["flags"] = replace(settings.flags, **flag_changes)
    result = replace(settings, **changes)
    _check_pins(result)
    return result


def load(path: Path, variables: Mapping[str, str] = MappingProxyType({})) -> Settings:
    """Read, validate and override: the single entry point the task graph uses."""
    return apply_overrides(parse(read_toml(path)), variables)


MAX_CONFIG_SIZE = 1 << 20  # bytes: config.toml is ~15 KB


def read_toml(path: Path) -> dict[str, Any]:
    """A config file's TOML: a regular UTF-8 text file (a BOM is allowed) of at most 1 MiB, else one line."""
    try:
        if not path.exists():
            raise UserError(f"{path}: config file not found; run doit from the project directory or set CONFIG=<file>")
        if not path.is_file():
            raise UserError(f"{path}: not a regular file (a directory or a device?); point CONFIG= at a config.toml")
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CONFIG_SIZE + 1)
    except OSError as error:
        raise UserError(f"{path}: cannot read the config file ({error.strerror or error}); check its permissions") from error
    if len(raw) > MAX_CONFIG_SIZE:
        raise UserError(f"{path}: larger than {MAX_CONFIG_SIZE} bytes, not a config file; point CONFIG= at a config.toml")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        encoding = " (it looks like UTF-16)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise UserError(f"{path}: not UTF-8 text{encoding}; save it as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{path}: not valid TOML ({error}); fix the syntax") from error
