"""The command line's NAME=value variables (the original builder's build arguments, DISTRO, CONFIG ...):
read from doit's argv, checked, and applied over the Settings config.toml gave."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tasks.errors import UserError, shown
from tasks.model import forms
from tasks.model.checks import (
    FALSE_WORDS,
    TRUE_WORDS,
    auto_or_bool,
    image_reference,
    one_of,
    parse_bool,
    read_toml,
    unique_list,
)
from tasks.model.config import (
    HARDENING_MODES,
    LTO_MODES,
    PIE_MODES,
    check_pins,
    known_distro,
    parse,
    smoke_tests,
)
from tasks.model.settings import Settings
from tasks.model.versions import Version

# Command-line variables (doit build NAME=value); the README lists them with what they mean.
CLI_VARIABLES = (
    "PYTHON_VERSION", "PYTHON_VER_MAJ_MIN", "PYTHON_VER_MIC", "DISTRO",
    "OS_DISTRO_BASE", "OS_DISTRO_DISP", "FAST_BUILD", "BUILD_NOGIL", "CONFIG",
    "CLEAN_DOWNLOADS", "CLEAN_IMAGES", "NEW_VERSION", "HARDENING", "PROFILE_TASK", "LTO", "SMOKE_TESTS",
    "TOOLCHAIN", "BOLT", "PIE", "PROFILE_FROM",
)


def command_line_variables(argv: Sequence[str]) -> dict[str, str]:
    """The NAME=value arguments of a doit command line, read as doit itself reads them (an argument that
    does not start with '-' and holds '='). A name given twice is refused: doit would keep the last silently."""
    variables: dict[str, str] = {}
    for name, value in (arg.split("=", 1) for arg in argv if arg and not arg.startswith("-") and "=" in arg):
        if name in variables:
            raise UserError(f"command line: {name[:40]} is given twice; give it once")
        variables[name] = value
    return variables




def config_path(variables: Mapping[str, str], root: Path) -> Path:
    """The config file: CONFIG=, else the checkout's config.toml."""
    if "CONFIG" not in variables:
        return root / "config.toml"
    if not variables["CONFIG"].strip():
        raise UserError("CONFIG: empty; point it at a config file (CONFIG=my.toml), or leave it out for config.toml")
    return Path(variables["CONFIG"])


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
        forms.MAJOR_MINOR.check(maj_min, "PYTHON_VER_MAJ_MIN")
        forms.MICRO.check(mic, "PYTHON_VER_MIC")
        version_text = f"{maj_min}.{mic}"
    if version_text is not None:
        changes["versions"] = tuple(Version.parse(v, "PYTHON_VERSION")
                                    for v in unique_list(version_text, "PYTHON_VERSION"))

    distros = settings.distros
    if "DISTRO" in variables:
        distros = tuple(known_distro(settings.all_distros, n, "DISTRO")
                        for n in unique_list(variables["DISTRO"], "DISTRO"))
    base = variables.get("OS_DISTRO_BASE")
    if base is not None:
        image_reference(base, "OS_DISTRO_BASE")
        matches = tuple(d for d in settings.all_distros.values() if d.base_image == base)
        if "DISTRO" not in variables:
            # alone, it selects the entry whose base image it is; it never gives an entry another's base
            if not matches:
                raise UserError(f"OS_DISTRO_BASE: {shown(base, 80)} is no configured entry's base image; also give "
                                "DISTRO=<entry> to build that entry on it, or name an entry's base_image")
            distros = matches[:1]
        elif len(distros) == 1:
            distros = (replace(distros[0], base_image=base),)
        else:
            raise UserError(f"OS_DISTRO_BASE: replaces one entry's base image, but DISTRO names {len(distros)}; "
                            "give DISTRO=<one entry>")
    disp = variables.get("OS_DISTRO_DISP")
    if disp is not None:
        forms.DISPLAY.check(disp, "OS_DISTRO_DISP")
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
        changes["smoke_tests"] = smoke_tests(parse_bool(text, "SMOKE_TESTS") if is_bool else
                                              unique_list(text, "SMOKE_TESTS"), "SMOKE_TESTS")
    if variables.get("PROFILE_FROM", "").strip():  # set empty, it means: train as usual
        try:
            origin = Path(variables["PROFILE_FROM"]).resolve()
            found = origin.is_dir() or (origin.suffix == ".json" and origin.is_file())
        except (OSError, ValueError):  # a name too long for the file system
            found = False
        if not found:
            raise UserError(f"PROFILE_FROM: {shown(variables['PROFILE_FROM'], 120)} is neither a build manifest "
                            "(.json) nor a directory holding kept profiles (*.profile.tar.gz)")
        changes["profile_from"] = str(origin)
    flag_changes: dict[str, Any] = {}
    if "HARDENING" in variables:
        flag_changes["hardening"] = one_of(variables["HARDENING"], HARDENING_MODES, "HARDENING")
    if "LTO" in variables:
        flag_changes["lto"] = one_of(variables["LTO"], LTO_MODES, "LTO")
    if "TOOLCHAIN" in variables:
        flag_changes["toolchain"] = forms.TOOLCHAIN.check(variables["TOOLCHAIN"], "TOOLCHAIN")
    if "BOLT" in variables:
        flag_changes["bolt"] = auto_or_bool(variables["BOLT"], "BOLT")
    if "PIE" in variables:
        flag_changes["pie"] = one_of(variables["PIE"], PIE_MODES, "PIE")
    if "PROFILE_TASK" in variables:
        flag_changes["profile_task"] = forms.PROFILE_TASK.check(variables["PROFILE_TASK"], "PROFILE_TASK")
    if flag_changes:
        changes["flags"] = replace(settings.flags, **flag_changes)
    result = replace(settings, **changes)
    if result.profile_from and result.fast:
        raise UserError("PROFILE_FROM: FAST builds train no profile, so they have none to use; build optimized "
                        "(FAST_BUILD=false) or drop PROFILE_FROM")
    check_pins(result)
    return result


def load(path: Path, variables: Mapping[str, str] = MappingProxyType({})) -> Settings:
    """Read, validate and override: the single entry point the task graph uses."""
    return apply_overrides(parse(read_toml(path)), variables)


