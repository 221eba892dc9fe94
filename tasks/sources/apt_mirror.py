"""Find the Debian mirror this machine's apt uses (one-line and deb822 sources), at run time.

python-builder never hard-codes a mirror: the bootstrapper and the Debian-archive source read it here.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tasks.errors import UserError
from tasks.model import urls

APT_DIR = Path("/etc/apt")
# The Debian archive proper: a URI whose path ends in /debian (not debian-security, not a PPA).
_DEBIAN_URI = re.compile(r"^https?://[^\s/]+(/[^\s]*)?/debian/?$")
APT_SECRETS = "/etc/apt/auth.conf.d/ (apt reads them there)"


def _one_line_uris(text: str) -> list[str]:
    uris = []
    for line in text.splitlines():
        words = re.sub(r"\[[^\]]*\]", " ", line.split("#", 1)[0]).split()  # drop [options]
        if len(words) >= 3 and words[0] == "deb":
            uris.append(words[1])
    return uris


def _deb822_uris(text: str) -> list[str]:
    uris: list[str] = []
    for stanza in re.split(r"\n\s*\n", text):
        fields = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            name, value = line.split(":", 1)
            fields[name.strip().lower()] = value.strip()
        if "deb" in fields.get("types", "").split() and fields.get("enabled", "yes").lower() != "no":
            uris += fields.get("uris", "").split()
    return uris


def configured_uris(apt_dir: Path = APT_DIR) -> list[str]:
    """Every `deb` URI in apt's sources, in file order."""
    files = []
    if (apt_dir / "sources.list").is_file():
        files.append(apt_dir / "sources.list")
    parts = apt_dir / "sources.list.d"
    if parts.is_dir():
        files += sorted(p for p in parts.iterdir() if p.suffix in (".list", ".sources"))
    uris = []
    for path in files:
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        uris += _deb822_uris(text) if path.suffix == ".sources" else _one_line_uris(text)
    return uris


def debian_mirror(apt_dir: Path = APT_DIR) -> str:
    """The Debian archive mirror (no trailing slash). PB_DEBIAN_MIRROR overrides the apt configuration."""
    override = os.environ.get("PB_DEBIAN_MIRROR")
    if override:
        urls.url(override, "PB_DEBIAN_MIRROR", what="http(s) URL ending in /debian")
        if not _DEBIAN_URI.fullmatch(override):
            raise UserError(f"PB_DEBIAN_MIRROR: {override!r} is not an http(s) URL ending in /debian")
        return override.rstrip("/")
    for uri in configured_uris(apt_dir):
        if _DEBIAN_URI.fullmatch(uri):  # it reaches the build images and the manifests: held to a URL's form
            return urls.url(uri, f"the Debian mirror in {apt_dir}/sources.list*", what="mirror URL",
                            secrets_in=APT_SECRETS).rstrip("/")
    raise UserError(
        f"no Debian mirror found in {apt_dir}/sources.list*; set PB_DEBIAN_MIRROR=http://<mirror>/debian"
    )
