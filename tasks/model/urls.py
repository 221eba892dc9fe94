"""The URL-shaped config values: source URL templates, mirrors, a pin's URL, ccache's remote storage.

Each is checked against a pattern (no blanks, quotes or shell metacharacters) and, where python-builder
prints the URL or writes it into a manifest, refused when it carries credentials.
"""

from __future__ import annotations

import re
import string
from urllib.parse import urlsplit

from tasks.errors import UserError, shown

URL_PATTERN = re.compile(r"^(https?|file)://[^\s'\"`$;|&<>\\]+$")
MIRROR_PATTERN = re.compile(r"^(https?|file)://[^\s'\"`$;|&<>\\{}]+$")
# ccache's remote_storage: space-separated backends, each <scheme>://<address>[|attribute=value...]; it travels
# in the build container's environment only, so a Redis password may stay in it. Network backends only: the
# container sees no host directory or socket, so file: and redis+unix: could never be reached from it.
REMOTE_STORAGE_PATTERN = re.compile(r"^(redis|http|https)://[A-Za-z0-9._~:/@%+=,-]+(\|[a-z-]+=[A-Za-z0-9._~:/@%+,-]*)*$")
TEMPLATE_FIELDS = ("version", "folder")
URL_RULE = "http://, https:// or file://, a valid port, no blanks, quotes or shell characters such as $ ; |"


def url(value: str, where: str, pattern: re.Pattern[str] = URL_PATTERN, what: str = "URL",
        secrets_in: str = "~/.netrc") -> str:
    """A URL python-builder downloads from: the pattern's schemes, a valid port, no user name or password
    (they belong in `secrets_in`, which the downloader reads)."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise UserError(f"{where}: {shown(value, 80)} is not a valid {what} ({URL_RULE})")
    try:
        parts = urlsplit(value)
        credentials = parts.username is not None or parts.password is not None
        _ = parts.port  # parsing the port: a bad one raises ValueError
    except ValueError:
        raise UserError(f"{where}: {shown(value, 80)} is not a valid {what} ({URL_RULE})") from None
    if parts.scheme != "file" and not parts.hostname:
        raise UserError(f"{where}: {shown(value, 80)} names no host (write it as {parts.scheme}://host/path)")
    if parts.scheme == "file" and parts.netloc not in ("", "localhost"):
        raise UserError(f"{where}: {shown(value, 80)} names a file on the host {parts.netloc!r}; file:// URLs name "
                        "files on this machine (file:///path)")
    if credentials:
        masked = value.replace(parts.netloc, "…@" + parts.netloc.rpartition("@")[2], 1)
        raise UserError(f"{where}: {shown(masked, 80)} carries a user name or password, "
                        f"which the log and the manifest would show; put them in {secrets_in} instead")
    return value


def template(value: str, where: str) -> str:
    """A URL template: a URL whose fields are {version} and {folder} (X.Y.Z), one of them at least."""
    url(value, where, what="URL template")
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(value)
                  if name is not None]
    except ValueError:  # an unmatched brace
        fields = []
    if not fields or any(name not in TEMPLATE_FIELDS or spec or conversion for name, spec, conversion in fields):
        raise UserError(f"{where}: {shown(value, 80)} may only use {{version}} and {{folder}}, and must use one "
                        "(each release is its own file)")
    return value


def remote_storage(text: str, where: str) -> str:
    """ccache's remote storage: space-separated backends, normalized to single spaces."""
    backends = text.split()
    for backend in backends:
        if not REMOTE_STORAGE_PATTERN.fullmatch(backend):
            raise UserError(f"{where}: {shown(backend, 80)} is not a valid ccache remote storage (redis://host:port "
                            "or http://host:port/path, then any |attribute=value: the build container reaches it over "
                            "the network)")
    return " ".join(backends)
