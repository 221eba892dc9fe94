"""The build manifest, dist/<distro>/<package>_<version>.json: what was built, from what, how, how long."""

from __future__ import annotations

from tasks.files import read_json
from tasks.model.plan import Build
from tasks.sources.fetch import sha256_file


def _image_id(engine, ref: str | None) -> str | None:
    if not ref:
        return None
    try:
        return engine.images.get(ref).id
    except Exception:  # noqa: BLE001 - a manifest records what can be known
        return None


def build_manifest(build: Build, engine, image_tag: str, package_summary: dict) -> dict:
    layout = build.layout
    image = read_json(layout.image_stamp(build.distro))
    variants: dict = {}
    steps: dict = {}
    toolchain: dict = {}
    for variant in build.variants:
        configured = read_json(build.configured_stamp(variant))
        compiled = read_json(build.compiled_stamp(variant))
        args = configured.get("args", [])
        variants[variant.name] = {
            "configure_args": args,
            "pgo": "--enable-optimizations" in args,
            "lto": any(a.startswith("--with-lto") for a in args),
            "toolchain": configured.get("toolchain", "gcc"),  # e.g. clang-19+tailcall+bolt
            "bolt": "--enable-bolt" in args,
            "builtin_modules": configured.get("builtin_modules", []),  # linked into the interpreter
            "hardening": configured.get("hardening", "off"),
            "lto_mode": configured.get("lto", "cpython"),
            "lto_ldflags": configured.get("lto_ldflags", ""),
            "compile_phases": compiled.get("phases", {}),
            "flags": configured.get("flags", {}),
            "ccache": compiled.get("ccache", {}),
            "profile_from": compiled.get("profile_from"),  # PROFILE_FROM: the kept profile used, no training
        }
        suffix = variant.step_suffix
        steps[f"configure{suffix}"] = configured.get("seconds")
        steps[f"compile{suffix}"] = compiled.get("seconds")
        toolchain = toolchain or compiled.get("toolchain", {})
    steps["package"] = package_summary.get("seconds")
    return {
        "python_version": str(build.version),
        "package_version": build.debian_version,
        "packages": list(build.packages),
        "prefix": build.prefix,
        "source": read_json(layout.verified_stamp(build.version)),
        "source_date_epoch": build.source_date_epoch(),  # the release's date: changelog, __DATE__, file times
        "distro": {
            "name": build.distro.name, "codename": build.distro.codename, "display": build.distro.display,
            "arch": build.distro.arch, "execution": image.get("execution"), "base_image": image.get("base"),
            "base_image_id": _image_id(engine, image.get("base")),
        },
        "build_image": {"tag": image_tag, "id": _image_id(engine, image_tag), "recipe": image.get("recipe"),
                        "packages": package_summary.get("image_packages", {})},
        # what `doit rebuild_check` can promise: the same inputs on this machine give the same bytes; elsewhere
        # or later, a base image bootstrapped anew and a build image installed anew may hold other versions
        "rebuild": {"inputs": ["source.sha256", "distro.base_image_id", "build_image.packages", "config"],
                    "holds_when": "the base image and the build image's package versions are the recorded ones; "
                                  "the archive's newer versions may give other bytes (compare build_image.packages)"},
        "toolchain": toolchain,
        "variants": variants,
        "step_seconds": steps,
        "debs": {p.name: dict(zip(("sha256", "size"), sha256_file(p), strict=True)) for p in build.deb_files()},
        "deb_compression": build.deb_compression,
        "free_threaded_trim": package_summary.get("freethreaded"),
        # optimized builds: the PGO (and BOLT) profile each interpreter was built with, kept beside the .debs
        "profiles": package_summary.get("profiles", {}),
    }
