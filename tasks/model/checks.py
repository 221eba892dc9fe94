"""Typed readers of config values: each names the key in its one-line error; and the TOML file itself."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tasks.errors import UserError, clip, shown
from tasks.files import read_head
from tasks.model.forms import Form

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def table_of(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise UserError(f"{where}.{key}: expected a table, got {type(value).__name__}")
    return value


def check_keys(table: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise UserError(
            f"{where}: unknown key {unknown[0]!r} (known keys: {', '.join(sorted(allowed))}); "
            "remove it or fix its spelling"
        )


def typed(table: Mapping[str, Any], key: str, kind: type, where: str, default: Any = ...) -> Any:
    if key not in table:
        if default is ...:
            raise UserError(f"{where}.{key}: missing; add it to config.toml")
        return default
    value = table[key]
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise UserError(f"{where}.{key}: expected {kind.__name__}, got {type(value).__name__} {shown(value, 60)}")
    if isinstance(value, list):
        once_each(value, f"{where}.{key}")
    return value


def once_each(values: list[Any], where: str) -> None:
    """A list that names an item twice is a slip (build.versions twice the same release would make doit's
    tasks twice): refused, in config.toml and on the command line alike."""
    seen: set[Any] = set()
    for item in values:
        if isinstance(item, (str, int, float)):
            if item in seen:
                raise UserError(f"{where}: {shown(item, 60)} is given twice; name each item once")
            seen.add(item)


def str_list(table: Mapping[str, Any], key: str, where: str, form: Form, default: Any = ...) -> tuple[str, ...]:
    return tuple(form.check(item, f"{where}.{key}") for item in typed(table, key, list, where, default))


# Docker's image reference grammar (distribution/reference): [registry[:port]/]path[:tag][@digest], the
# registry a host name, an IPv4 address or a bracketed IPv6 address.
_IMAGE_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_IMAGE_DOMAIN = rf"(?:(?:{_IMAGE_LABEL}(?:\.{_IMAGE_LABEL})*|\[[0-9A-Fa-f:]+\])(?::[0-9]{{1,5}})?/)?"
_IMAGE_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_PATTERN = re.compile(rf"^(?P<name>{_IMAGE_DOMAIN}{_IMAGE_COMPONENT}(?:/{_IMAGE_COMPONENT})*)"
                           r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$", re.ASCII)
MAX_IMAGE_NAME = 255  # Docker's limit on a repository name (registry and path)


def image_reference(value: Any, where: str) -> str:
    """A Docker image reference: `debian:trixie-slim`, `registry:5000/debian:trixie-slim`, `debian@sha256:…`."""
    match = IMAGE_PATTERN.fullmatch(value) if isinstance(value, str) else None
    if match is None or len(match.group("name")) > MAX_IMAGE_NAME:
        rule = f"a name is at most {MAX_IMAGE_NAME} characters" if match else \
            "lowercase, like debian:trixie-slim, registry:5000/debian:trixie or debian@sha256:…"
        raise UserError(f"{where}: {shown(value, 60)} is not a valid Docker image name ({rule})")
    return value


def parse_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    raise UserError(f"{where}: expected true or false, got {value!r}")


def auto_or_bool(value: Any, where: str) -> str:
    """"auto", or true/false (TOML booleans, or a command line's yes/no words) as "yes"/"no"."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    if isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS):
        return "yes" if parse_bool(value, where) else "no"
    raise UserError(f"{where}: expected true, false or \"auto\", got {str(value)[:40]!r}")




def bounded(value: int, low: int, high: int, where: str, unit: str) -> int:
    if not low <= value <= high:
        raise UserError(f"{where}: {str(value)[:20]} is out of range; give {low} to {high} ({unit})")
    return value


def one_of(value: str, modes: tuple[str, ...], where: str) -> str:
    if value not in modes:
        raise UserError(f"{where}: {value!r} is not one of {', '.join(modes)}")
    return value




def unique_list(text: str, where: str) -> list[str]:
    """A comma-separated list (spaces around items allowed, no other blanks) with no item given twice."""
    items = [item.strip(" ") for item in text.split(",")]
    if len(items) > 1 and "" in items:
        raise UserError(f"{where}: {shown(text, 60)} has an empty item (a comma too many); separate the items "
                        "with single commas")
    once_each(items, where)
    return items


CACHE_SIZE = re.compile(r"^([0-9]{1,6})(\.[0-9]{1,3})?([kMGT])(i?)$", re.ASCII)
MAX_CACHE_SIZE = 1 << 50  # bytes (1 PiB): ccache sizes beyond are a typo


def cache_size(text: Any, where: str) -> str:
    """A ccache size as ccache writes it (5G, 500M, 1.5Ti), between 1M and 1000T."""
    match = CACHE_SIZE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise UserError(f"{where}: {shown(text, 40)} is not a valid cache size (like 5G or 500M)")
    number, fraction, unit, binary = match.groups()
    size = float(number + (fraction or "")) * (1024 if binary else 1000) ** ("kMGT".index(unit) + 1)
    if not 1_000_000 <= size <= MAX_CACHE_SIZE:
        raise UserError(f"{where}: {text} is out of range; give 1M to 1000T (like 5G)")
    return text


MAX_CONFIG_SIZE = 1 << 20  # bytes: config.toml is ~15 KB
# characters in one line: tomllib takes quadratic time over a dotted key's depth (a.a.a… = 1 one MiB long
# parses for half an hour); lists may span lines, so no real config needs longer ones
MAX_CONFIG_LINE = 1000


def read_toml(path: Path) -> dict[str, Any]:
    """A config file's TOML: a regular UTF-8 text file (a BOM is allowed) of at most 1 MiB, else one line."""
    where = clip(str(path), 200)  # CONFIG= may hold anything, a name thousands of characters long too
    try:
        if not path.exists():
            if path.is_symlink():
                raise UserError(f"{where}: a symbolic link to nothing (or a loop of links); point CONFIG= at a "
                                "config.toml")
            raise UserError(f"{where}: config file not found; run doit from the project directory or set CONFIG=<file>")
        if not path.is_file():
            raise UserError(f"{where}: not a regular file (a directory or a device?); point CONFIG= at a config.toml")
        raw = read_head(path, MAX_CONFIG_SIZE)
    except OSError as error:
        raise UserError(f"{where}: cannot read the config file ({error.strerror or error}); "
                        "check its permissions") from error
    if len(raw) > MAX_CONFIG_SIZE:
        raise UserError(f"{where}: larger than {MAX_CONFIG_SIZE} bytes, not a config file; "
                        "point CONFIG= at a config.toml")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        encoding = " (it looks like UTF-16)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise UserError(f"{where}: not UTF-8 text{encoding}; save it as UTF-8") from None
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > MAX_CONFIG_LINE:
            raise UserError(f"{where}: line {number} has {len(line)} characters, more than the {MAX_CONFIG_LINE} a "
                            "config line may have; break it across lines (a list may span several)")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{where}: not valid TOML ({error}); fix the syntax") from error
    except RecursionError:  # tomllib recurses per nested array or table: `a = [[[[...` thousands deep
        raise UserError(f"{where}: arrays or tables nested too deeply for a config file; fix the syntax") from None
