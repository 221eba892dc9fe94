"""What the build containers print, read back: the flags configure got, the LTO link flags, make's phases,
ccache's statistics and the toolchain's versions (docker/steps/*.sh print `python-builder: ...` lines)."""

from __future__ import annotations

import re

LTO_LINE = re.compile(r"^python-builder: lto (\S+): CONFIGURE_LDFLAGS_NODIST=(.*)$", re.M)
PHASE_LINE = re.compile(r"^python-builder: phase (\w+) (\d+) s$", re.M)
HARDENING_LINE = re.compile(r"^python-builder: hardening \S+: CFLAGS=(.*) CPPFLAGS=(.*) LDFLAGS=(.*)$", re.M)


def configured_flags(log_text: str) -> dict:
    """CFLAGS, CPPFLAGS and LDFLAGS that buildflags.sh gave configure (empty with hardening off)."""
    match = HARDENING_LINE.search(log_text)
    return dict(zip(("CFLAGS", "CPPFLAGS", "LDFLAGS"), match.groups(), strict=True)) if match else {}


def lto_flags(log_text: str) -> dict:
    """The LTO link flags lto.sh rewrote at configure time ({} when it left CPython's flags alone)."""
    match = LTO_LINE.search(log_text)
    return {"lto_ldflags": match.group(2).strip()} if match else {}


def phases(log_text: str) -> dict:
    """Seconds of each make run of compile.sh: build (one run), or training + optimized (parallel LTO)."""
    return {name: int(seconds) for name, seconds in PHASE_LINE.findall(log_text)}


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


TOOLCHAIN_LINE = re.compile(r"^python-builder: toolchain (\w+): (.+)$", re.M)


def toolchain(log_text: str) -> dict:
    """Compiler and binutils versions that compile.sh printed."""
    return {name: version.strip() for name, version in TOOLCHAIN_LINE.findall(log_text)}
