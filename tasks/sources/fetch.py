"""Fetch a CPython tarball from the configured sources and verify it against its pin.

Every candidate is streamed (or copied) to `<name>.part` while its sha256 is computed; only a file
matching the pin is renamed into place, so `cache/downloads/` never holds a wrong or partial tarball.
"""

from __future__ import annotations

import hashlib
import os
import sys
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tasks import faults
from tasks.errors import UserError, remove_and_rerun
from tasks.files import Targets, read_head, write_bytes_atomic
from tasks.model.config import Pin, Settings
from tasks.model.versions import Version
from tasks.sources import download, signatures
from tasks.sources.apt_mirror import debian_mirror

CHUNK = 1 << 20


@dataclass(frozen=True)
class Candidate:
    kind: str  # "local", "url", "mirror" or "debian-archive"; "cache": already in place
    location: str  # a path or a URL


def candidates(settings: Settings, version: Version,
               mirror: Callable[[], str] = debian_mirror) -> Iterator[Candidate]:
    """The places to try, in the configured order. The Debian mirror is looked up only when reached.

    A content-addressed mirror (as pyenv's PYTHON_BUILD_MIRROR_URL) serves a file under its sha256."""
    for kind in settings.sources.order:
        if kind == "local":
            for directory in settings.sources.local_dirs:
                for name in (version.tarball_name, version.debian_orig_name):
                    yield Candidate("local", str(Path(directory).expanduser() / name))
        elif kind == "url":
            for template in settings.sources.url_templates:
                yield Candidate("url", template.format(version=version, folder=version.folder))
        elif kind == "mirror":
            pin = settings.pin(version)
            for mirror_url in settings.sources.mirrors if pin else ():  # content-addressed: needs the pin
                assert pin is not None
                yield Candidate("mirror", f"{mirror_url.rstrip('/')}/{pin.sha256}")
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


def _check(pin: Pin | None, digest: str, size: int, encoding: str = "") -> None:
    """The bytes against the pin; `encoding`: a Content-Encoding the server applied, which would explain it."""
    if pin is None:
        return
    why = f" (the server sent it with Content-Encoding: {encoding[:20]}, not as stored)" if encoding else ""
    if pin.size is not None and size != pin.size:
        raise _Mismatch(f"size {size} bytes, pinned {pin.size}{why}")
    if digest != pin.sha256:
        raise _Mismatch(f"sha256 {digest}, pinned {pin.sha256}{why}")


# The most a CPython source tarball may weigh when its pin gives no size (they are 20-30 MB): a source
# that sends more is stopped there instead of filling the disk.
MAX_TARBALL = 256 << 20


def size_limit(pin: Pin | None) -> int:
    return pin.size if pin is not None and pin.size is not None else MAX_TARBALL


def local_path(location: str) -> Path:
    """A local candidate's file: a path, or a file:// URL (config refuses one naming another host:
    tasks/model/urls.py)."""
    if not location.startswith("file://"):
        return Path(location)
    return Path(urllib.parse.unquote(urllib.parse.urlsplit(location).path))


def _not_a_file(path: Path) -> str:
    """Why a local candidate that is not a regular file cannot be used (said once per directory when absent)."""
    try:
        if path.is_symlink() and not path.exists():
            return f"local {path}: a broken symbolic link"
        if path.exists():
            kind = "a directory" if path.is_dir() else "a FIFO, socket or device"
            return f"local {path}: not a regular file ({kind})"
        if not path.parent.is_dir():
            return f"local directory {path.parent}: {'not a directory' if path.parent.exists() else 'does not exist'}"
        if not os.access(path.parent, os.R_OK | os.X_OK):
            return f"local directory {path.parent}: permission denied"
    except OSError as error:  # a directory we may not enter
        return f"local {path}: {error.strerror or error}"
    return f"local directory {path.parent}: no tarball of this release there"


def _copy_local(path: Path, part: Path, limit: int) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as src, open(part, "wb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if size > limit:
                raise _Mismatch(f"larger than the {limit} bytes expected")
            dst.write(chunk)
    return digest.hexdigest(), size


def fetch(settings: Settings, version: Version, dest: Path,
          mirror: Callable[[], str] = debian_mirror) -> dict:
    """Put a tarball matching the pin at `dest` (and its Sigstore bundle beside it when one can be had).

    Returns where it came from. Raises UserError when no source yields a matching file.
    """
    pin = settings.pin(version)
    dest.parent.mkdir(parents=True, exist_ok=True)
    _clear_the_way(dest)
    kept = _already_here(settings, version, dest, pin)
    if kept is not None:
        return kept
    part = part_path(dest)
    failures = []
    for candidate in candidates(settings, version, mirror):
        encoding = ""  # how a server encoded what it sent
        try:
            if candidate.kind == "local" or candidate.location.startswith("file://"):
                path = local_path(candidate.location)
                if not path.is_file():  # said in the final line only, if no other source has it either
                    problem = _not_a_file(path)
                    if problem not in failures:
                        failures.append(problem)
                    continue
                try:
                    digest, size = _copy_local(path, part, size_limit(pin))
                except OSError as error:
                    _discard(part)
                    failures.append(f"local {path}: {error.strerror or error}")
                    print(f"  failed: {failures[-1]}", file=sys.stderr)
                    continue
            else:
                print(f"  fetching {candidate.location}", file=sys.stderr)
                fetched = download.fetch_url(candidate.location, part, settings.sources.timeout,
                                             limit=size_limit(pin))
                digest, size = fetched.sha256, fetched.size
                if fetched.resumed_from:
                    try:
                        _check(pin, digest, size)
                    except _Mismatch:
                        # the bytes kept from an earlier run were wrong, not (necessarily) the server's: say
                        # so, drop them and fetch the whole file once more
                        print(f"  the partial download {part} ({fetched.resumed_from} bytes, kept from an "
                              "earlier run) was corrupt: removed it; downloading the whole file again",
                              file=sys.stderr)
                        _discard(part)
                        fetched = download.fetch_url(candidate.location, part, settings.sources.timeout,
                                                     limit=size_limit(pin))
                        digest, size = fetched.sha256, fetched.size
                encoding = fetched.encoding
            _check(pin, digest, size, encoding)
        except download.LocalWriteError as error:
            _discard(part)
            raise UserError(f"cannot write {error.filename}: {error.strerror}; free space in (or fix the "
                            f"permissions of) {dest.parent} and run doit again") from error
        except download.DownloadError as error:  # a non-empty .part stays: the next run resumes it
            if not (part.is_file() and part.stat().st_size):
                _discard(part)
            failures.append(f"{candidate.kind} {candidate.location}: {error}")
            print(f"  failed: {failures[-1]}", file=sys.stderr)
            continue
        except _Mismatch as error:
            _discard(part)
            failures.append(f"{candidate.kind} {candidate.location}: {error}")
            print(f"  failed: {failures[-1]}", file=sys.stderr)
            continue
        os.replace(part, dest)
        _discard(part)
        bundle = fetch_bundle(settings, version, dest, candidate)
        return {"source": candidate.kind, "location": candidate.location, "sha256": digest, "size": size,
                "bundle": bundle}
    tried = "; ".join(failures) if failures else "no source had it"
    raise UserError(
        f"could not get {version.tarball_name} from any source ({tried}); "
        "put the tarball in a directory listed in [sources].local_dirs or fix [sources] in config.toml"
    )


def _already_here(settings: Settings, version: Version, dest: Path, pin: Pin | None) -> dict | None:
    """A pinned tarball already in its place (put there by hand, or by rebuild_check) is kept as it is, with
    the bundle beside it; anything else there is replaced."""
    if pin is None or not dest.is_file():
        return None
    digest, size = sha256_file(dest)
    try:
        _check(pin, digest, size)
    except _Mismatch:
        return None
    print(f"  {dest} is already here and matches its pin", file=sys.stderr)
    bundle = bundle_path(dest)
    found = str(bundle) if bundle.is_file() else fetch_bundle(settings, version, dest, Candidate("cache", str(dest)))
    return {"source": "cache", "location": str(dest), "sha256": digest, "size": size, "bundle": found}


def _clear_the_way(dest: Path) -> None:
    """The tarball's place and the download's own files beside it (partial file, its URL note, the bundle):
    a symbolic link, FIFO or device there is removed, never written through nor read (a FIFO would block);
    a directory is one line."""
    for path in (dest, *companions(dest)):
        if path.is_dir() and not path.is_symlink():
            raise UserError(f"{path} is a directory where python-builder keeps a download; {remove_and_rerun(path)}")
        if path.is_symlink() or (path.exists() and not path.is_file()):
            path.unlink()


def _discard(part: Path) -> None:
    part.unlink(missing_ok=True)
    download.url_note(part).unlink(missing_ok=True)


def bundle_path(tarball: Path) -> Path:
    return tarball.with_name(tarball.name + ".sigstore")


def part_path(tarball: Path) -> Path:
    """Where a download of `tarball` grows until it matches the pin."""
    return tarball.with_name(tarball.name + ".part")


def companions(tarball: Path) -> tuple[Path, ...]:
    """The download's own files beside a tarball: the partial file, its URL note and the Sigstore bundle."""
    part = part_path(tarball)
    return part, download.url_note(part), bundle_path(tarball)


def bundle_candidates(settings: Settings, version: Version, winner: Candidate) -> Iterator[str]:
    """Where a .sigstore bundle may be: beside the winning source, beside every URL, in bundle_dirs."""
    name = version.tarball_name + ".sigstore"
    if winner.kind == "url":
        yield winner.location + ".sigstore"
    elif winner.kind == "local":
        yield str(Path(winner.location).with_name(name))
    for directory in (*settings.verification.bundle_dirs, *settings.sources.local_dirs):
        yield str(Path(directory).expanduser() / name)
    for template in settings.sources.url_templates:
        url = template.format(version=version, folder=version.folder) + ".sigstore"
        if not (winner.kind == "url" and url == winner.location + ".sigstore"):
            yield url


def _read_small(path: Path) -> bytes | None:
    """A local bundle of at most download.SMALL_LIMIT bytes; None when it is missing, unreadable or larger."""
    try:
        if not path.is_file():
            return None
        data = read_head(path, download.SMALL_LIMIT)
    except OSError:
        return None
    return data if len(data) <= download.SMALL_LIMIT else None


def fetch_bundle(settings: Settings, version: Version, tarball: Path, winner: Candidate) -> str | None:
    """Fetch the tarball's Sigstore bundle next to it; returns where it came from, or None."""
    dest = bundle_path(tarball)
    dest.unlink(missing_ok=True)
    if settings.verification.policy == "off":
        return None
    for location in bundle_candidates(settings, version, winner):
        if "://" in location:
            data = download.fetch_small(location, settings.sources.timeout)
        else:
            data = _read_small(Path(location))
        if data:
            write_bytes_atomic(dest, data)
            print(f"  signature bundle from {location}", file=sys.stderr)
            return location
    print(f"  no Sigstore bundle found for {version.tarball_name}", file=sys.stderr)
    return None


def sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def verify(settings: Settings, version: Version, tarball: Path, stamp: Path) -> dict:
    """Check a downloaded tarball against its pin; a mismatch removes it. Writes the stamp last."""
    with Targets(stamp) as targets:
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
            ) from error
        hashed = "pinned sha256 and size" if pin and pin.size else ("pinned sha256" if pin else "unpinned")
        try:
            outcome = signatures.decide(settings.verification.policy, bundle_path(tarball), digest,
                                        settings.signer(version), tarball.name)
        except signatures.SignatureMismatch as error:
            tarball.unlink(missing_ok=True)  # an untrusted file does not stay where a later step could take it
            raise UserError(f"{error}; {tarball} was removed") from error
        record = {
            "version": str(version),
            "sha256": digest,
            "size": size,
            "hash_check": hashed,
            "signature": outcome.detail,
            "signature_verified": outcome.verified,
            "verified_by": f"{hashed}; {outcome.detail}",
        }
        faults.hold("checksum")  # tests only: see tasks/faults.py
        targets.write(stamp, record)
        return record
