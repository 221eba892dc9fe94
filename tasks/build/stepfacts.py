"""What the build containers report: the facts docker/steps/facts.sh writes as JSON (the flags configure got,
the rewritten LTO link flags, the seconds of each make run, the toolchain's versions), and ccache's own
statistics at the end of a compile log."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tasks.errors import UserError

Facts = dict[str, dict[str, str]]  # section -> key -> value


def read(path: Path) -> Facts:
    """A step's facts file (one JSON object per line); {} when the step wrote none."""
    facts: Facts = {}
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return facts
    for number, line in enumerate(lines, 1):
        try:
            entry = json.loads(line)
            facts.setdefault(str(entry["section"]), {})[str(entry["key"])] = str(entry["value"])
        except (ValueError, KeyError, TypeError) as error:
            raise UserError(f"{path}:{number}: not a fact line ({error}); the step's script is broken, "
                            "run its step again") from error
    return facts


def configured_flags(facts: Facts) -> dict:
    """CFLAGS, CPPFLAGS and LDFLAGS that buildflags.sh gave configure (empty with hardening off)."""
    return dict(facts.get("hardening", {}))


def lto_flags(facts: Facts) -> dict:
    """The LTO link flags lto.sh rewrote at configure time ({} when it left CPython's flags alone)."""
    ldflags = facts.get("lto", {}).get("CONFIGURE_LDFLAGS_NODIST")
    return {"lto_ldflags": ldflags.strip()} if ldflags is not None else {}


def phases(facts: Facts) -> dict:
    """Seconds of each make run of compile.sh: build (one run), or training + optimized (parallel LTO)."""
    return {name: int(seconds) for name, seconds in facts.get("phase", {}).items()}


def toolchain(facts: Facts) -> dict:
    """Compiler and binutils versions that compile.sh reported."""
    return dict(facts.get("toolchain", {}))


CCACHE_STAT = re.compile(r"^\s*(Hits|Misses|Errors|Timeouts|Cacheable calls|Direct|Preprocessed):\s+(\d+)", re.M)


def _stats(text: str) -> dict:
    """The counters of one section of ccache's statistics, with the hit rate when anything was looked up."""
    stats: dict = {}
    for match in CCACHE_STAT.finditer(text):
        stats.setdefault(match.group(1).lower().replace(" ", "_"), int(match.group(2)))
    looked_up = stats.get("hits", 0) + stats.get("misses", 0)
    if looked_up:
        stats["hit_rate"] = round(stats.get("hits", 0) / looked_up, 3)
    return stats


def ccache_summary(log_text: str) -> dict:
    """Hits and misses from `ccache --show-stats` at the end of a compile log; with remote storage
    configured, its own hits and misses (results found on the shared cache) under "remote"."""
    section = log_text.rsplit("python-builder: ccache statistics", 1)[-1]
    overall, _, remote_text = section.partition("Remote storage:")
    stats = _stats(overall.split("Local storage:", 1)[0])
    remote = _stats(remote_text)
    if remote:
        stats["remote"] = remote
    return stats
