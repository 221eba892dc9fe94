"""Every key config.toml may hold, declared once: its TOML type, its default and its one-line doc.

  KEYS below  -> config.py reads each value through it (type check, default), then checks its value
              -> tests/test_docs.py holds config.toml's comments and docs/configuration.md's table to it
                 (`python3 -m tasks.model.keys` prints the table that docs/configuration.md carries)

A key's name is its table and its own name: "build.jobs", "distros.<name>.arch", "pins.<version>.sha256".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

REQUIRED = ...  # no default: config.toml must set it
UNSET = None  # absent means "not set", and the parser says what that means


@dataclass(frozen=True)
class Key:
    name: str  # "build.jobs"
    kind: type  # the TOML type: bool, int, str, list, dict (object: the parser checks the shape itself)
    default: Any  # the value when absent; REQUIRED or UNSET
    doc: str  # one line, plain text: config.toml's comment above the key says it, and the docs' table

    @property
    def table(self) -> str:
        return self.name.rpartition(".")[0]

    @property
    def key(self) -> str:
        return self.name.rpartition(".")[2]

    def shown_default(self) -> str:
        if self.default is REQUIRED:
            return "required"
        if self.default is UNSET:
            return "unset"
        value = list(self.default) if isinstance(self.default, tuple) else self.default
        return json.dumps(value)


SMOKE = "standard smoke subset"

SPEC: tuple[Key, ...] = (
    Key("build.versions", list, REQUIRED, "CPython releases to build (X.Y.Z or X.Y.Z{a,b,rc}N, 3.13 or newer)"),
    Key("build.distros", list, REQUIRED, "distro entries (keys of [distros.*]) to build every version for"),
    Key("build.fast", bool, False, "true: FAST builds, without PGO and LTO (minutes, not an hour)"),
    Key("build.free_threaded", bool, True, "true: also build the free-threaded interpreter and its add-on package"),
    Key("build.jobs", int, 0, "parallel make jobs in the build container; 0 means one per CPU core of the Docker host"),
    Key("build.allow_unpinned", bool, False, "true: build a version without a pin (its sha256 is reported, "
                                             "not checked)"),
    Key("build.smoke_tests", object, False, "which CPython test modules validate runs: false, true or a list"),
    Key("package.prefix", str, "/opt/python/python{major_minor}", "install prefix; {major_minor} becomes e.g. 3.14"),
    Key("package.name_prefix", str, "opt-", "package names are <name_prefix>pythonX.Y and <name_prefix>pythonX.Yt"),
    Key("package.revision", str, "1", "Debian revision: the package version is X.Y.Z-<revision>+<codename>"),
    Key("package.maintainer", str, REQUIRED, "the packages' Maintainer field and changelog author (Name <address>)"),
    Key("package.compression", str, "xz", "dpkg-deb compression of optimized builds: xz, gzip or none"),
    Key("package.fast_compression", str, "gzip", "dpkg-deb compression of FAST builds: xz, gzip or none"),
    Key("flags.common", list, REQUIRED, "configure flags of every build"),
    Key("flags.optimized", list, REQUIRED, "configure flags added to optimized builds"),
    Key("flags.fast", list, REQUIRED, "configure flags added to FAST builds"),
    Key("flags.free_threaded", list, REQUIRED, "configure flags added for the free-threaded interpreter"),
    Key("flags.profile_task", str, "", "the PGO training workload (make PROFILE_TASK=); empty: CPython's own"),
    Key("flags.hardening", str, "debian", "compiler and linker hardening: debian, dpkg or off"),
    Key("flags.lto", str, "parallel", "how link-time optimization runs: parallel or cpython"),
    Key("flags.toolchain", str, "auto",
        "the compiler: auto (clang where it measured faster), gcc, clang (the entry's llvm_version) or clang-N"),
    Key("flags.bolt", object, "auto", "llvm-bolt on the linked interpreter: auto (where it measured faster), true or "
                                      "false"),
    Key("flags.tail_call", bool, True, "true: the tail-calling interpreter with clang 19+ on 3.14+"),
    Key("flags.pie", str, "auto", "the interpreter as PIE: auto (no PIE where that measured faster), yes or no"),
    Key("flags.builtin_modules", list, (), "extension modules built into the interpreter instead of lib-dynload "
                                           "(Modules/Setup.local *static*), as Debian builds its python3.X"),
    Key("sources.order", list, ("local", "url", "mirror", "debian-archive"), "where tarballs come from, tried in "
                                                                             "this order"),
    Key("sources.url_templates", list, (), "URL templates of the url source: {version} and {folder} (X.Y.Z)"),
    Key("sources.mirrors", list, (), "content-addressed mirrors: each file is <mirror>/<sha256 of the pin>"),
    Key("sources.local_dirs", list, (), "directories holding Python-X.Y.Z.tar.xz or the Debian orig name"),
    Key("sources.timeout", int, 30, "seconds to wait for a server to connect and between received bytes; also "
                                    "the window over which a download under 1 KiB/s counts as stalled"),
    Key("verification.policy", str, "if-available", "Sigstore check of every tarball: require, if-available or "
                                                    "off"),
    Key("verification.bundle_dirs", list, (), "extra directories holding Python-X.Y.Z.tar.xz.sigstore bundles"),
    Key("verification.signers", dict, REQUIRED, "who signs each release line, and the OIDC issuer of that "
                                                "identity"),
    Key("verification.signers.<line>.identity", str, REQUIRED, "the release manager's signing identity"),
    Key("verification.signers.<line>.issuer", str, REQUIRED, "the OIDC issuer of that identity"),
    Key("build_deps.packages", list, REQUIRED, "Debian packages installed into every build image"),
    Key("ccache.max_size", str, "5G", "largest size of one compiler cache (500M, 5G, ...)"),
    Key("ccache.remote_storage", str, "", "ccache's remote storage shared by every build host; empty: local only"),
    Key("distros.<name>.base_image", str, REQUIRED, "the image the build and validation containers start from"),
    Key("distros.<name>.display", str, REQUIRED, "display name, used in the package description"),
    Key("distros.<name>.codename", str, REQUIRED, "release codename: the version suffix and the bootstrap suite"),
    Key("distros.<name>.family", str, REQUIRED, "debian or ubuntu; only Debian-family bases can be bootstrapped"),
    Key("distros.<name>.arch", str, "amd64", "Debian architecture of the packages: amd64 or arm64"),
    Key("distros.<name>.add_build_deps", list, (), "packages added to [build_deps] for this distro"),
    Key("distros.<name>.drop_build_deps", list, (), "packages dropped from [build_deps] for this distro"),
    Key("distros.<name>.add_configure", list, (), "configure flags added for this distro"),
    Key("distros.<name>.drop_configure", list, (), "configure flags dropped for this distro"),
    Key("distros.<name>.docker_host", str, "", "the Docker engine this entry builds on; empty: the default engine"),
    Key("distros.<name>.fast", bool, UNSET, "true or false for this entry only; unset: build.fast"),
    Key("distros.<name>.allow_expired_release", bool, False, "true: apt accepts a Release file past its "
                                                             "Valid-Until date"),
    Key("distros.<name>.llvm_version", str, UNSET, "the distro's own clang/LLVM major version, e.g. \"19\""),
    Key("pins.<version>.sha256", str, REQUIRED, "the tarball's sha256"),
    Key("pins.<version>.size", int, UNSET, "the tarball's size in bytes"),
    Key("pins.<version>.url", str, UNSET, "a URL for this tarball alone"),
)

BY_NAME: Mapping[str, Key] = MappingProxyType({k.name: k for k in SPEC})

# the top-level tables, and every table's keys: what the parser checks a table against
TABLES = ("build", "package", "flags", "sources", "verification", "build_deps", "distros", "pins", "ccache")
KEYS: Mapping[str, frozenset[str]] = MappingProxyType({
    "config": frozenset(TABLES),
    **{table: frozenset(k.key for k in SPEC if k.table == table) for table in dict.fromkeys(k.table for k in SPEC)},
})


def key(name: str) -> Key:
    return BY_NAME[name]


def markdown_table() -> str:
    """docs/configuration.md's table of keys."""
    rows = ["| key | default | meaning |", "|---|---|---|"]
    rows += [f"| `{k.name}` | `{k.shown_default()}` | {k.doc.replace('<', chr(92) + '<')} |" for k in SPEC]
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
