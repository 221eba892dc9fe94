"""Compose configure arguments for one (settings, distro, version, variant)."""

from __future__ import annotations

from tasks.build.toolchain import image_packages
from tasks.model.config import Distro, Settings
from tasks.model.variant import DEFAULT, FREETHREADED, Variant
from tasks.model.versions import Version


def configure_args(settings: Settings, distro: Distro, version: Version, variant: Variant,
                   fast: bool | None = None) -> tuple[str, ...]:
    """The configure arguments, in order: common, optimized or fast, free-threaded, distro tweaks, prefix.

    A distro's drop_configure removes flags wherever they came from; its add_configure comes last
    among the flags so it can also override (e.g. --without-system-libmpdec on bookworm).
    `fast` is the build's own choice (plan.Build.fast); None means settings.fast.
    """
    flags = settings.flags
    args = list(flags.common)
    args += flags.fast if (settings.fast if fast is None else fast) else flags.optimized
    if variant == FREETHREADED:
        args += flags.free_threaded
    elif variant != DEFAULT:
        raise ValueError(f"unknown variant {variant!r}")
    args = [a for a in args if a not in distro.drop_configure]
    args += [a for a in distro.add_configure if a not in args]
    args.append(f"--prefix={settings.prefix(version)}")
    return tuple(args)


def build_deps(settings: Settings, distro: Distro) -> tuple[str, ...]:
    """Build-image packages for a distro: the common list, minus its drops, plus its additions and what the
    toolchain of the run's builds needs (clang, llvm, bolt)."""
    packages = [p for p in settings.build_deps if p not in distro.drop_build_deps]
    packages += [p for p in distro.add_build_deps if p not in packages]
    toolchain = image_packages(settings.flags, distro, settings.versions, settings.fast)
    packages += [p for p in toolchain if p not in packages]
    return tuple(packages)
