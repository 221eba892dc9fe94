"""Keep an optimized build's profiles beside its packages: gcc's .gcda files (or clang's merged .profdata)
and BOLT's .fdata, as dist/<distro>/<package>_<version>.<variant>.profile.tar.gz, with their sha256 in the
manifest. A PGO training run on all cores counts events in another order every time, so the profile is the
one input of an optimized build that a rebuild cannot make again: kept, it can be compared and audited.

The archive itself is reproducible: names sorted, owner 0, the release's date on every member, no gzip
timestamp.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from pathlib import Path

from tasks.files import write_bytes_atomic
from tasks.model.plan import Build

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
