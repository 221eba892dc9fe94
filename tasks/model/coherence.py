"""Checks across config keys, once every key is valid on its own: a configure flag that another key owns,
a distro entry that drops what nothing adds, or adds what is there already.

    Settings (every key valid)  -> check()  -> the same Settings, or one line naming the key to fix
"""

from __future__ import annotations

from tasks.errors import UserError, clip
from tasks.model.settings import Settings

# configure options python-builder sets itself, from the key that owns each (a copy in a flag list would
# fight it: configure takes the last --prefix; --disable-gil in flags.common makes both interpreters
# free-threaded; CC= would bypass flags.toolchain and the installed sysconfig's compiler names)
OWNED = {
    "--prefix": "package.prefix", "--exec-prefix": "package.prefix",
    "--disable-gil": "flags.free_threaded", "--enable-optimizations": "flags.optimized",
    "--enable-bolt": "flags.bolt", "--disable-bolt": "flags.bolt",
    "--with-tail-call-interp": "flags.tail_call", "--without-tail-call-interp": "flags.tail_call",
    "CC": "flags.toolchain", "CXX": "flags.toolchain",
}
# build dependencies python-builder's own steps run, whatever the configure flags: what for
PIPELINE_PACKAGES = {"build-essential": "the compiler and make", "ccache": "the compile step",
                     "dpkg-dev": "the package step", "debhelper": "the package step", "lintian": "validate"}


def check(settings: Settings) -> Settings:
    flags = settings.flags
    lists = {"flags.common": flags.common, "flags.optimized": flags.optimized, "flags.fast": flags.fast,
             "flags.free_threaded": flags.free_threaded,
             **{f"distros.{d.name}.add_configure": d.add_configure for d in settings.all_distros.values()}}
    for where, values in lists.items():
        for flag in values:
            owner = OWNED.get(flag.split("=", 1)[0])
            if owner and owner != where:  # a flag list may hold only the options it owns itself
                raise UserError(f"{where}: {clip(flag)!r} is set by {owner}; remove it from {where}")
    flag_lists = {flag for values in (flags.common, flags.optimized, flags.fast, flags.free_threaded)
                  for flag in values}
    for distro in settings.all_distros.values():
        _drops(f"distros.{distro.name}.drop_build_deps", distro.drop_build_deps, set(settings.build_deps),
               "build_deps.packages")
        _drops(f"distros.{distro.name}.drop_configure", distro.drop_configure, flag_lists, "the [flags] lists")
        _adds(f"distros.{distro.name}.add_build_deps", distro.add_build_deps, set(settings.build_deps),
              "build_deps.packages")
        _adds(f"distros.{distro.name}.add_configure", distro.add_configure, flag_lists, "the [flags] lists")
        kept = (set(settings.build_deps) | set(distro.add_build_deps)) - set(distro.drop_build_deps)
        missing = [name for name in PIPELINE_PACKAGES if name not in kept]
        if missing:
            where = f"distros.{distro.name}.drop_build_deps" if missing[0] in distro.drop_build_deps else \
                "build_deps.packages"
            raise UserError(f"{where}: the build image of {distro.name} would lack {missing[0]}, which "
                            f"{PIPELINE_PACKAGES[missing[0]]} runs; keep it in build_deps.packages")
    return settings


def _drops(where: str, dropped: tuple[str, ...], present: set[str], source: str) -> None:
    """A drop that matches nothing is a typo, and would leave in what the entry meant to take out."""
    for item in dropped:
        if item not in present:
            raise UserError(f"{where}: {clip(item)!r} is not in {source}, so there is nothing to drop; "
                            "fix its spelling or remove it")


def _adds(where: str, added: tuple[str, ...], present: set[str], source: str) -> None:
    """An add of what every entry has already is a slip (a duplicate, as a list naming an item twice)."""
    for item in added:
        if item in present:
            raise UserError(f"{where}: {clip(item)!r} is in {source} already; remove it from {where}")
