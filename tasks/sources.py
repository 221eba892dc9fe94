"""Fetch a CPython tarball from the configured sources and verify it against its pin.

Every candidate is streamed (or copied) to `<name>.part` while its sha256 is computed; only a file
matching the pin is renamed into place, so `cache/downloads/` never holds a wrong or partial tarball.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import requests

from .apt_mirror import debian_mirror
from .config import Pin, Settings
from .errors import UserError
from .files import write_json_atomic
from .versions import Version

CHUNK = 1 << 20


@dataclass(frozen=True)
class Candidate:
    kind: str  # "local", "url" or "debian-archive"
    location: str  # a path or a URL


def candidates(settings: Settings, version: Version,
               mirror: Callable[[], str] = debian_mirror) -> Iterator[Candidate]:
    """The places to try, in the configured order. The Debian mirror is looked up only when reached."""
    for kind in settings.sources.order:
        if kind == "local":
            for directory in settings.sources.local_dirs:
                for name in (version.tarball_name, version.debian_orig_name):
                    yield Candidate("local", str(Path(directory).expanduser() / name))
        elif kind == "url":
            for template in settings.sources.url_templates:
                yield Candidate("url", template.format(version=version, folder=version.folder))
        elif kind == "debian-archive":
            try:
                base = mirror()
            except UserError as error:
                print(f"  skip debian-archive: {error}", file=sys.stderr)
                continue
            yield Candidate(
                "debian-archive",
                f"{base}/pool/main/p/python{version.major_minor}/{version.debian_orig_name}",
            )


class _Mismatch(Exception):
    pass


def _check(pin: Pin | None, digest: str, size: int) -> None:
    if pin is None:
        return
    if pin.size is not None and size != pin.size:
        raise _Mismatch(f"size {size} bytes, pinned {pin.size}")
    if digest != pin.sha256:
        raise _Mismatch(f"sha256 {digest}, pinned {pin.sha256}")


def _copy_local(path: Path, part: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as src, open(part, "wb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            dst.write(chunk)
    return digest.hexdigest(), size


def _stream_url(url: str, part: Path, timeout: int) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with requests.get(url, stream=True, timeout=(timeout, timeout)) as response:
        if response.status_code != 200:
            raise OSError(f"HTTP {response.status_code}")
        with open(part, "wb") as dst:
            for chunk in response.iter_content(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                dst.write(chunk)
    return digest.hexdigest(), size


def fetch(settings: Settings, version: Version, dest: Path,
          mirror: Callable[[], str] = debian_mirror) -> dict:
    """Put a tarball matching the pin at `dest`; return where it came from. Raises UserError."""
    pin = settings.pin(version)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    failures = []
    for candidate in candidates(settings, version, mirror):
        try:
            if candidate.kind == "local":
                path = Path(candidate.location)
                if not path.is_file():
                    continue  # an absent file in a local directory is not worth a line
                digest, size = _copy_local(path, part)
            else:
                print(f"  fetching {candidate.location}", file=sys.stderr)
                digest, size = _stream_url(candidate.location, part, settings.sources.timeout)
            _check(pin, digest, size)
        except (_Mismatch, OSError, requests.RequestException) as error:
            part.unlink(missing_ok=True)
            line = f"{candidate.kind} {candidate.location}: {error}"
            print(f"  failed: {line}", file=sys.stderr)
            failures.append(line)
            continue
        os.replace(part, dest)
        return {"source": candidate.kind, "location": candidate.location, "sha256": digest, "size": size}
    part.unlink(missing_ok=True)
    tried = "; ".join(failures) if failures else "no source had it"
    raise UserError(
        f"could not get {version.tarball_name} from any source ({tried}); "
        "put the tarball in a directory listed in [sources].local_dirs or fix [sources] in config.toml"
    )


def sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def verify(settings: Settings, version: Version, tarball: Path, stamp: Path) -> dict:
    """Check a downloaded tarball against its pin; a mismatch removes it. Writes the stamp last."""
    stamp.unlink(missing_ok=True)
    if not tarball.is_file():
        raise UserError(f"{tarball} is missing; run `doit download:{version}`")
    digest, size = sha256_file(tarball)
    pin = settings.pin(version)
    try:
        _check(pin, digest, size)
    except _Mismatch as error:
        tarball.unlink(missing_ok=True)
        raise UserError(
            f"checksum mismatch for {tarball.name}: {error}; the file was removed, "
            f"run `doit build` again to download it afresh, or correct the pin in config.toml"
        )
    record = {
        "version": str(version),
        "sha256": digest,
        "size": size,
        "verified_by": "pinned sha256 and size" if pin and pin.size else ("pinned sha256" if pin else "unpinned"),
    }
    write_json_atomic(stamp, record)
    return record
