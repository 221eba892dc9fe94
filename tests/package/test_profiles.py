"""An optimized build keeps its profiles beside its packages, in an archive that is itself reproducible."""

import hashlib
import os
import tarfile

from tasks.model import config
from tasks.model.plan import Build, Layout
from tasks.package import profiles
from tasks.pipeline import overrides


def optimized_build(project, config_data, **variables):
    settings = overrides.apply_overrides(config.parse(config_data), {"PYTHON_VERSION": "3.14.7", "DISTRO": "trixie",
                                                                     **variables})
    build = Build(settings.versions[0], settings.distros[0], settings, Layout.for_root(project))
    patchlevel = build.layout.source_dir(build.version) / "Include" / "patchlevel.h"
    patchlevel.parent.mkdir(parents=True)
    patchlevel.write_text("")
    os.utime(patchlevel, (1785925789, 1785925789))
    return build


def test_each_variants_profile_is_kept_with_its_sha256(project, config_data):
    build = optimized_build(project, config_data)
    default = build.variant_dir(build.variants[0])
    (default / "Objects").mkdir(parents=True)
    (default / "Objects" / "object.gcda").write_bytes(b"counts")
    (default / "python.fdata").write_bytes(b"bolt")
    (default / "Objects" / "object.o").write_bytes(b"not a profile")
    build.dist_dir.mkdir(parents=True)
    kept = profiles.keep(build)
    assert list(kept) == ["default"]  # the free-threaded tree trained nothing here
    path = build.profile_archive(build.variants[0])
    assert kept["default"] == {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "files": 2}
    with tarfile.open(path) as tar:
        assert tar.getnames() == ["Objects/object.gcda", "python.fdata"]
        assert {m.mtime for m in tar.getmembers()} == {1785925789}
    first = path.read_bytes()
    os.utime(default / "python.fdata", (0, 0))
    profiles.keep(build)
    assert path.read_bytes() == first  # no time or order of this machine in it
