"""Load config.toml, apply the command-line variables, validate everything into frozen Settings.

Nothing here touches Docker, the network or the file system beyond reading the config file.
Every value that may later reach a container (flags, package names, paths) is held to its written
form (tasks/model/forms.py) here, so the rest of the code can pass values as argv or environment
without quoting worries.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from tasks.errors import UserError, shown
from tasks.model import coherence, forms, keys, urls
from tasks.model.checks import (
    auto_or_bool,
    bounded,
    cache_size,
    check_keys,
    image_reference,
    one_of,
    str_list,
    table_of,
    typed,
)
from tasks.model.keys import KEYS
from tasks.model.settings import Ccache, Distro, Flags, Pin, Settings, Sources, Verification
from tasks.model.versions import Version
from tasks.sources.signatures import POLICIES, Signer

# The test suite's smoke subset: what optimized builds run in validate, and FAST builds with smoke_tests = true.
SMOKE_SUBSET = ("test_sys", "test_os", "test_json", "test_re", "test_math", "test_ssl", "test_sqlite3",
                "test_ctypes", "test_decimal", "test_lzma", "test_threading", "test_venv")
# "off": CPython's own flags only; "dpkg": dpkg-buildflags' CFLAGS/CPPFLAGS/LDFLAGS as they are (its -O2
# then lands after CPython's -O3); "debian": the distro's hardening the way Debian builds its python3.X
# (see docker/steps/buildflags.sh).
HARDENING_MODES = ("off", "dpkg", "debian")
# How link-time optimization runs in optimized builds (see docker/steps/lto.sh): "parallel" links gcc's LTO in
# balanced partitions on every core and compiles the PGO training build without LTO (gcc's or clang's); "cpython" keeps
# CPython's own flags (3.13: one partition on one core, in both PGO stages).
LTO_MODES = ("parallel", "cpython")
# The interpreter as PIE (tasks/build/toolchain.py): "auto" links it without PIE where that measured faster
# (optimized builds only), "yes" always as PIE, "no" never. Libpython and extension modules stay PIC.
PIE_MODES = ("auto", "yes", "no")
# dpkg-deb compressors the packages may use (Debian's lintian rejects zstd members as a malformed .deb)
COMPRESSIONS = ("xz", "gzip", "none")


FAMILIES = ("debian", "ubuntu")
ARCHES = ("amd64", "arm64")
SOURCE_KINDS: tuple[str, ...] = keys.key("sources.order").default  # every kind; the default order tries them all


def _get(table: Mapping[str, Any], name: str, where: str | None = None) -> Any:
    """A key's value, type-checked, or its declared default (tasks/model/keys.py)."""
    spec = keys.key(name)
    return typed(table, spec.key, spec.kind, where or spec.table, spec.default)


def _list(table: Mapping[str, Any], name: str, form: forms.Form, where: str | None = None) -> tuple[str, ...]:
    spec = keys.key(name)
    return str_list(table, spec.key, where or spec.table, form, spec.default)


def smoke_tests(value: Any, where: str) -> tuple[str, ...]:
    """true: the standard smoke subset; false: none (FAST builds); a list: exactly these test modules."""
    if isinstance(value, bool):
        return SMOKE_SUBSET if value else ()
    if not isinstance(value, list) or not value:
        raise UserError(f"{where}: expected true, false or a list of test modules such as [\"test_sys\"]")
    for item in value:
        forms.TEST_MODULE.check(item, where)
    if len(set(value)) != len(value):
        raise UserError(f"{where}: a test module is named twice; name each once")
    return tuple(value)


# ---------------------------------------------------------------------------------------------


def _read_distro(name: str, table: Any) -> Distro:
    where = f"distros.{name}"
    forms.DISTRO_NAME.check(name, where)
    if not isinstance(table, dict):
        raise UserError(f"{where}: expected a table")
    check_keys(table, KEYS["distros.<name>"], where)
    family = _get(table, "distros.<name>.family", where)
    if family not in FAMILIES:
        raise UserError(f"{where}.family: {family!r} is not one of {', '.join(FAMILIES)}")
    arch = _get(table, "distros.<name>.arch", where)
    if arch not in ARCHES:
        raise UserError(f"{where}.arch: {arch!r} is not one of {', '.join(ARCHES)} "
                        "(armhf is out of scope: Raspberry Pi OS 32-bit is ARMv6)")
    return Distro(
        name=name,
        base_image=image_reference(_get(table, "distros.<name>.base_image", where), f"{where}.base_image"),
        display=forms.DISPLAY.check(_get(table, "distros.<name>.display", where), f"{where}.display"),
        codename=forms.CODENAME.check(_get(table, "distros.<name>.codename", where), f"{where}.codename"),
        family=family,
        arch=arch,
        add_build_deps=_list(table, "distros.<name>.add_build_deps", forms.PACKAGE, where),
        drop_build_deps=_list(table, "distros.<name>.drop_build_deps", forms.PACKAGE, where),
        add_configure=_list(table, "distros.<name>.add_configure", forms.FLAG, where),
        drop_configure=_list(table, "distros.<name>.drop_configure", forms.FLAG, where),
        docker_host=_docker_host(table, where),
        fast=_get(table, "distros.<name>.fast", where),
        allow_expired_release=_get(table, "distros.<name>.allow_expired_release", where),
        llvm_version=_llvm_version(table, where),
    )


def _llvm_version(table: Mapping[str, Any], where: str) -> int | None:
    text = _get(table, "distros.<name>.llvm_version", where)
    return None if text is None else int(forms.LLVM_VERSION.check(text, f"{where}.llvm_version"))


def _docker_host(table: Mapping[str, Any], where: str) -> str | None:
    value = _get(table, "distros.<name>.docker_host", where)
    if not value:
        return None
    return forms.DOCKER_HOST.check(value, f"{where}.docker_host")


def _read_ccache(table: Mapping[str, Any]) -> Ccache:
    check_keys(table, KEYS["ccache"], "ccache")
    return Ccache(cache_size(_get(table, "ccache.max_size"), "ccache.max_size"),
                  urls.remote_storage(_get(table, "ccache.remote_storage"), "ccache.remote_storage"))


def _read_verification(table: Mapping[str, Any]) -> Verification:
    check_keys(table, KEYS["verification"], "verification")
    policy_name = _get(table, "verification.policy")
    if policy_name not in POLICIES:
        raise UserError(f"verification.policy: {policy_name!r} is not one of {', '.join(POLICIES)}")
    bundle_dirs = _get(table, "verification.bundle_dirs")
    for item in bundle_dirs:
        forms.directory(item, "verification.bundle_dirs")
    signers = {}
    for line, entry in table_of(table, "signers", "verification").items():
        where = f"verification.signers.{line!r}"
        forms.MAJOR_MINOR.check(line, where)
        if not isinstance(entry, dict):
            raise UserError(f"{where}: expected {{ identity = \"…\", issuer = \"https://…\" }}")
        check_keys(entry, KEYS["verification.signers.<line>"], where)
        signers[line] = Signer(
            identity=forms.IDENTITY.check(_get(entry, "verification.signers.<line>.identity", where),
                                          f"{where}.identity"),
            issuer=forms.ISSUER.check(_get(entry, "verification.signers.<line>.issuer", where), f"{where}.issuer"),
        )
    return Verification(policy_name, tuple(bundle_dirs), MappingProxyType(signers))


def _read_pins(table: Mapping[str, Any]) -> dict[str, Pin]:
    pins = {}
    for key, entry in table.items():
        where = f"pins.{key!r}"
        Version.parse(key, where)
        if not isinstance(entry, dict):
            raise UserError(f"{where}: expected {{ sha256 = \"…\", size = N }}")
        check_keys(entry, KEYS["pins.<version>"], where)
        sha = forms.SHA256.check(_get(entry, "pins.<version>.sha256", where), f"{where}.sha256")
        size = _get(entry, "pins.<version>.size", where)
        if size is not None:
            bounded(size, 1, MAX_TARBALL_SIZE, f"{where}.size", "bytes")
        url = _get(entry, "pins.<version>.url", where)
        pins[key] = Pin(sha, size, url if url is None else urls.url(url, f"{where}.url"))
    return pins


# Where add-on software may live (FHS): the prefix is a directory below one of these.
PREFIX_ROOTS = ("/opt/", "/usr/local/")
# The longest prefix: scripts start with #!<prefix>/bin/python3.14t, which Linux before 5.1 cut at 127 bytes.
MAX_PREFIX = 100


def _prefix(template: str) -> str:
    """package.prefix: an absolute, normalized path containing {major_minor}, below /opt or /usr/local."""
    forms.PREFIX.check(template, "package.prefix")
    path = template.format(major_minor="3.14")
    if len(path) > MAX_PREFIX:
        raise UserError(f"package.prefix: {shown(template, 60)} is longer than {MAX_PREFIX} characters; the "
                        "#! lines of pip3 and the other scripts must stay within the kernel's 127-byte limit")
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



def _section(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """A top-level table of config.toml, its keys checked against KEYS."""
    table = table_of(data, name, "config")
    check_keys(table, KEYS[name], name)
    return table


def parse(data: Mapping[str, Any]) -> Settings:
    """Validate a parsed config.toml into Settings (no command-line variables applied)."""
    check_keys(data, KEYS["config"], "config")
    build, package, flags, sources, build_deps = (_section(data, name) for name in
                                                  ("build", "package", "flags", "sources", "build_deps"))
    distro_tables = table_of(data, "distros", "config")
    all_distros = {name: _read_distro(name, table) for name, table in distro_tables.items()}
    if not all_distros:
        raise UserError("distros: no distro entries; add at least one [distros.<name>] table")

    versions = _get(build, "build.versions")
    if not versions:
        raise UserError("build.versions: empty; list at least one CPython version")
    parsed_versions = tuple(Version.parse(v, "build.versions") for v in versions)
    distro_names = _get(build, "build.distros")
    if not distro_names:
        raise UserError("build.distros: empty; list at least one distro entry")
    selected = tuple(known_distro(all_distros, n, "build.distros") for n in distro_names)

    jobs = bounded(_get(build, "build.jobs"), 0, MAX_JOBS, "build.jobs",
                   "0 (all cores) or a number of jobs")
    order = _get(sources, "sources.order")
    if not order:
        raise UserError(f"sources.order: empty, so no tarball can be found; list some of {', '.join(SOURCE_KINDS)}")
    for kind in order:
        if kind not in SOURCE_KINDS:
            raise UserError(f"sources.order: {kind!r} is not one of {', '.join(SOURCE_KINDS)}")
    templates = tuple(urls.template(t, "sources.url_templates") for t in _get(sources, "sources.url_templates"))
    local_dirs = _get(sources, "sources.local_dirs")
    for item in local_dirs:
        forms.directory(item, "sources.local_dirs")
    timeout = bounded(_get(sources, "sources.timeout"), 1, MAX_TIMEOUT, "sources.timeout", "seconds")

    settings = Settings(
        versions=parsed_versions,
        distros=selected,
        fast=_get(build, "build.fast"),
        free_threaded=_get(build, "build.free_threaded"),
        jobs=jobs,
        allow_unpinned=_get(build, "build.allow_unpinned"),
        smoke_tests=smoke_tests(build.get("smoke_tests", keys.key("build.smoke_tests").default), "build.smoke_tests"),
        prefix_template=_prefix(_get(package, "package.prefix")),
        name_prefix=forms.NAME_PREFIX.check(_get(package, "package.name_prefix"), "package.name_prefix"),
        revision=forms.REVISION.check(_get(package, "package.revision"), "package.revision"),
        maintainer=forms.MAINTAINER.check(_get(package, "package.maintainer"), "package.maintainer"),
        flags=Flags(
            common=_list(flags, "flags.common", forms.FLAG),
            optimized=_list(flags, "flags.optimized", forms.FLAG),
            fast=_list(flags, "flags.fast", forms.FLAG),
            free_threaded=_list(flags, "flags.free_threaded", forms.FLAG),
            profile_task=forms.PROFILE_TASK.check(_get(flags, "flags.profile_task"), "flags.profile_task"),
            hardening=one_of(_get(flags, "flags.hardening"), HARDENING_MODES, "flags.hardening"),
            lto=one_of(_get(flags, "flags.lto"), LTO_MODES, "flags.lto"),
            toolchain=forms.TOOLCHAIN.check(_get(flags, "flags.toolchain"), "flags.toolchain"),
            bolt=auto_or_bool(_get(flags, "flags.bolt"), "flags.bolt"),
            tail_call=_get(flags, "flags.tail_call"),
            pie=one_of(_get(flags, "flags.pie"), PIE_MODES, "flags.pie"),
            builtin_modules=_list(flags, "flags.builtin_modules", forms.MODULE),
        ),
        sources=Sources(tuple(order), templates, tuple(local_dirs), timeout,
                        tuple(urls.url(m, "sources.mirrors", urls.MIRROR_PATTERN, "mirror URL")
                              for m in _get(sources, "sources.mirrors"))),
        verification=_read_verification(table_of(data, "verification", "config")),
        build_deps=_list(build_deps, "build_deps.packages", forms.PACKAGE),
        pins=MappingProxyType(_read_pins(table_of(data, "pins", "config"))),
        all_distros=MappingProxyType(all_distros),
        ccache=_read_ccache(table_of(data, "ccache", "config")),
        compression=one_of(_get(package, "package.compression"), COMPRESSIONS, "package.compression"),
        fast_compression=one_of(_get(package, "package.fast_compression"), COMPRESSIONS,
                                 "package.fast_compression"),
    )
    check_pins(settings)
    return coherence.check(settings)


def known_distro(all_distros: Mapping[str, Distro], name: Any, where: str) -> Distro:
    if not isinstance(name, str) or name not in all_distros:
        raise UserError(f"{where}: unknown distro {name!r}; known: {', '.join(sorted(all_distros))}")
    return all_distros[name]


def check_pins(settings: Settings) -> None:
    if settings.allow_unpinned:
        return
    for version in settings.versions:
        if settings.pin(version) is None:
            raise UserError(
                f"pins: no sha256 pin for {version}; add it to [pins] in config.toml "
                "(or set build.allow_unpinned = true to build it unverified)"
            )


