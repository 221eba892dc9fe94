"""Keep an optimized build's profiles beside its packages: gcc's .gcda files (or clang's merged .profdata)
and BOLT's .fdata, as dist/<distro>/<package>_<version>.<variant>.profile.tar.gz, with their sha256 in the
manifest. A PGO training run on all cores counts events in another order every time, so the profile is the
one input of an optimized build that a rebuild cannot make again: kept, it can be compared and audited.

The archive itself is reproducible: names sorted, owner 0, the release's date on every member, no gzip
timestamp.

PROFILE_FROM=<manifest or directory> rebuilds from a kept profile: the compile step restores the archive into
the fresh build tree and marks the training done (CPython's profile-run-stamp), so make goes straight to the
optimized build with that profile; a BOLT build applies its kept .fdata instead of training again (bolt.sh).
Measured (docs/packages.md): an optimized gcc build rebuilt so gives the same .debs (once python.o's randomly
named LTO sections are stripped, debian/strip-objects.sh, and make no longer reruns makesetup mid-build, lto.sh).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tasks.errors import UserError, shown
from tasks.files import json_table, read_head, write_bytes_atomic
from tasks.model.plan import Build
from tasks.model.variant import Variant

MAX_MANIFEST = 1 << 20  # bytes: a manifest is a few KB
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+~_-]*")  # a file beside the manifest: no directory part
_SHA256 = re.compile(r"[0-9a-f]{64}")

# what each compiler's training leaves in the build tree
PATTERNS = ("*.gcda", "code.profclangd", "*.fdata")


def profile_files(tree: Path) -> list[Path]:
    # BOLT's per-process files (python.bolt.<pid>.fdata) are merged into python.fdata: only the merge is kept
    return sorted({p for pattern in PATTERNS for p in tree.rglob(pattern) if p.is_file() and ".bolt." not in p.name})


def archive(tree: Path, files: list[Path], epoch: int) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in files:
            info = tarfile.TarInfo(str(path.relative_to(tree)))
            data = path.read_bytes()
            info.size, info.mtime, info.mode = len(data), epoch, 0o644
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="") as compressed:
        compressed.write(raw.getvalue())
    return out.getvalue()


def keep(build: Build) -> dict:
    """Write each variant's profile archive; {variant: {file, sha256, files}} for the manifest."""
    kept: dict = {}
    for variant in build.variants:
        target = build.profile_archive(variant)
        tree = build.variant_dir(variant)
        files = profile_files(tree)
        if not files:
            target.unlink(missing_ok=True)
            continue
        data = archive(tree, files, build.source_date_epoch())
        write_bytes_atomic(target, data)
        kept[variant.name] = {"file": target.name, "sha256": hashlib.sha256(data).hexdigest(), "files": len(files)}
    return kept


@dataclass(frozen=True)
class Kept:
    path: Path
    sha256: str


def kept(build: Build, variant: Variant, strict: bool = True) -> Kept | None:
    """The kept profile PROFILE_FROM names for this build's variant (None: train as usual). A manifest names
    its archives and their sha256, which must match; a directory must hold the archive by its usual name.
    strict=False (the task graph, which holds every pair of the matrix): None for a pair it does not fit; the
    compile of a pair that runs checks strictly and says what does not fit."""
    source = build.settings.profile_from
    if not source or build.fast:
        return None
    try:
        return _kept(build, variant, Path(source))
    except UserError:
        if strict:
            raise
        return None


def _kept(build: Build, variant: Variant, origin: Path) -> Kept:
    expected = None
    if origin.suffix == ".json":
        manifest = _manifest(origin)
        if manifest.get("package_version") != build.debian_version:
            raise UserError(f"PROFILE_FROM: {origin.name} is the manifest of {shown(manifest['package_version'])}, "
                            f"not of {build.debian_version}; name this build's manifest")
        entry = (manifest.get("profiles") or {}).get(variant.name)
        if not entry:
            raise UserError(f"PROFILE_FROM: {origin.name} records no {variant} profile; name the manifest of an "
                            "optimized build")
        if not (isinstance(entry, dict) and _PLAIN_NAME.fullmatch(str(entry.get("file")))
                and _SHA256.fullmatch(str(entry.get("sha256")))):
            raise UserError(f"PROFILE_FROM: {origin.name}'s {variant} profile entry is not a file name beside it "
                            "with its sha256; name a manifest as a build wrote it")
        path, expected = origin.parent / entry["file"], entry["sha256"]
        made_by = json_table(manifest, "variants", variant.name).get("toolchain")
        if made_by and made_by != build.toolchain.label:  # a profile fits only the compiler that trained it
            raise UserError(f"PROFILE_FROM: {origin.name} holds a {shown(made_by)} profile and this build is "
                            f"{build.toolchain.label}; build with the same TOOLCHAIN and BOLT, or set "
                            "PROFILE_FROM= empty to train anew")
    else:
        path = origin / build.profile_archive(variant).name
    if not path.is_file():
        raise UserError(f"PROFILE_FROM: no {path.name} in {path.parent}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if expected is not None and digest != expected:
        raise UserError(f"PROFILE_FROM: {path.name} is not the profile its manifest records (sha256 {digest[:12]}… "
                        f"instead of {expected[:12]}…)")
    return Kept(path, digest)


def _manifest(origin: Path) -> dict:
    """The build manifest a user named: a JSON object of at most MAX_MANIFEST bytes, else one line."""
    try:
        raw = read_head(origin, MAX_MANIFEST)
    except OSError as error:
        raise UserError(f"PROFILE_FROM: cannot read {origin.name} ({error.strerror or error}); "
                        "check its permissions") from None
    try:
        data = json.loads(raw) if len(raw) <= MAX_MANIFEST else None
    except (ValueError, RecursionError):  # RecursionError: nested thousands deep
        data = None
    if not (isinstance(data, dict) and isinstance(data.get("package_version"), str)
            and all(isinstance(data.get(key) or {}, dict) for key in ("profiles", "variants"))):
        raise UserError(f"PROFILE_FROM: {origin.name} is not a build manifest (the .json a build writes beside "
                        "its .debs); name one")
    return data


def restore(archive_path: Path, tree: Path, bolt: bool = False) -> int:
    """Unpack a kept profile into a build tree: regular files at relative paths only; the number of files.
    bolt: the build applies BOLT, so the archive must hold BOLT's merged profile (.fdata) too."""
    count = 0
    with tarfile.open(archive_path) as tar:
        members = tar.getmembers()
        if bolt and not any(m.name.endswith(".fdata") for m in members):
            raise UserError(f"PROFILE_FROM: {archive_path.name} holds no BOLT profile (.fdata): it is from a build "
                            "without BOLT; build with BOLT=false, or set PROFILE_FROM= empty to train anew")
        for member in members:
            parts = PurePosixPath(member.name).parts
            if not member.isfile() or not parts or member.name.startswith("/") or ".." in parts:
                raise UserError(f"PROFILE_FROM: {archive_path.name} holds {member.name!r}, not a profile file")
            handle = tar.extractfile(member)
            assert handle is not None
            target = tree.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(handle.read())
            count += 1
    return count
