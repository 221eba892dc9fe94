"""The actions of the doit tasks: each is a module-level function (picklable), run only when doit runs it.

Every action removes its target stamp first and writes it last, so an interrupted or failed step never
leaves a target behind that doit would take for finished.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from tasks.build import stepfacts
from tasks.engine import docker_env, images, paths, runner
from tasks.errors import UserError, clean_errors, user_errors
from tasks.files import Targets, remove_tree
from tasks.model.plan import Build, Layout
from tasks.model.variant import Variant
from tasks.package import manifest, packaging, profiles
from tasks.package import repo as repo_mod
from tasks.pipeline import rebuild
from tasks.sources import extract as extract_mod
from tasks.sources import fetch as sources
from tasks.sources import pins
from tasks.validate import step as validate_step

STEP_SCRIPTS = ("configure.sh", "compile.sh", "install.sh", "debuild.sh")




def _jobs(build: Build, engine) -> int:
    """How many jobs a step's container runs at once: build.jobs, or one per core of the engine when that is 0."""
    return build.settings.jobs or docker_env.cpu_count(engine)


def _timed(record: dict, started: float) -> dict:
    record["seconds"] = round(time.monotonic() - started, 1)
    return record


def _finished(record: dict) -> dict:
    """Stamp content for build-tree steps: a re-run always changes it, so every later step re-runs."""
    return {**record, "finished": time.time()}


# --- sources ----------------------------------------------------------------------------------


@user_errors
def download(build_settings, version, layout: Layout) -> dict:
    started = time.monotonic()
    result = sources.fetch(build_settings, version, layout.tarball(version))
    print(f"{version.tarball_name}: from {result['source']} {result['location']}", file=sys.stderr)
    return _timed(result, started)


@user_errors
def checksum(build_settings, version, layout: Layout) -> dict:
    started = time.monotonic()
    record = sources.verify(build_settings, version, layout.tarball(version), layout.verified_stamp(version))
    print(f"{version.tarball_name}: sha256 {record['sha256']} ({record['verified_by']})", file=sys.stderr)
    return _timed(record, started)


@user_errors
def unpack(version, layout: Layout) -> dict:
    started = time.monotonic()
    extract_mod.extract(layout.tarball(version), layout.source_dir(version), f"Python-{version}",
                        layout.extracted_stamp(version))
    return _timed({"source_dir": str(layout.source_dir(version))}, started)


# --- image ------------------------------------------------------------------------------------


@user_errors
def image(build_settings, distro, layout: Layout) -> dict:
    started = time.monotonic()
    recipe = images.recipe(build_settings, distro, layout)
    return _timed(images.build_image(recipe, layout, layout.image_stamp(distro)), started)


# --- configure and compile --------------------------------------------------------------------


def _tree_step(build: Build, step: str, variant: Variant, command: tuple[str, ...], image: str,
               environment: dict | None = None, extra: tuple[runner.Mount, ...] = (),
               network: str = "none") -> runner.Step:
    """A step that works in one variant's build tree: its sources at paths.SRC, the tree at paths.BUILD."""
    layout = build.layout
    name = f"{variant.step(step)}:{build.key}"
    return runner.Step(
        name=name, image=image, log=layout.logs / f"{name.replace(':', '-')}.log",
        project_id=layout.project_id, command=command, environment=environment or {},
        mounts=(runner.Mount(build.variant_src(variant), paths.SRC, read_only=False),
                paths.steps_mount(layout.root),
                runner.Mount(build.variant_dir(variant), paths.BUILD, read_only=False), *extra),
        docker_host=build.distro.docker_host, network=network,
    )


def configure_step(build: Build, variant: Variant) -> runner.Step:
    """configure.sh with the variant's arguments; the config's choices reach it as environment."""
    flags = build.settings.flags
    command = ("bash", paths.script(paths.STEPS, "configure.sh"), *build.configure_args(variant))
    return _tree_step(build, "configure", variant, command, images.built_tag(build.layout, build.distro),
                      environment={"PB_HARDENING": flags.hardening, "PB_LTO": flags.lto,
                                   **build.toolchain.environment(),
                                   "PB_BUILTIN_MODULES": " ".join(flags.builtin_modules),
                                   "SOURCE_DATE_EPOCH": str(build.source_date_epoch())})


@user_errors
def configure(build: Build, variant: Variant) -> dict:
    started = time.monotonic()
    stamp = build.configured_stamp(variant)
    with Targets(stamp, build.compiled_stamp(variant)) as targets:
        tree, src = build.variant_dir(variant), build.variant_src(variant)
        remove_tree(tree)  # a fresh tree: stale objects from other flags must never be reused
        remove_tree(src)
        tree.mkdir(parents=True)
        build.compiling_marker(variant).unlink(missing_ok=True)  # a fresh tree has nothing half-written
        shutil.copytree(build.layout.source_dir(build.version), src, symlinks=True)
        step = configure_step(build, variant)
        runner.run(step)
        facts = stepfacts.read(build.step_facts(variant, "configure"))
        flags = build.settings.flags
        record = _timed({"args": list(build.configure_args(variant)), "image": step.image,
                         "hardening": flags.hardening, "lto": flags.lto, "toolchain": build.toolchain.label,
                         "builtin_modules": list(flags.builtin_modules),
                         "flags": stepfacts.configured_flags(facts), **stepfacts.lto_flags(facts)}, started)
        targets.write(stamp, _finished(record))
        return record


@user_errors
def compile_(build: Build, variant: Variant) -> dict:
    started = time.monotonic()
    layout = build.layout
    stamp = build.compiled_stamp(variant)
    with Targets(stamp) as targets:
        ccache = layout.ccache_dir(build.distro)
        ccache.mkdir(parents=True, exist_ok=True)
        # A compile that was killed may have left half-written objects with fresh mtimes, which make would
        # trust: if the marker of an unfinished compile is there, start from `make clean` (ccache refills fast).
        marker = build.compiling_marker(variant)
        interrupted = marker.exists()
        kept = profiles.kept(build, variant)
        if kept is not None:  # PROFILE_FROM: no training run; make builds with the kept profile
            if interrupted:
                raise UserError(f"PROFILE_FROM: the last compile of {build.key} did not finish; run "
                                f"`doit forget {variant.step('configure')}:{build.key}` and build again")
            restored = profiles.restore(kept.path, build.variant_dir(variant), bolt=build.toolchain.bolt)
            stamp_path = build.profile_stamp(variant)
            assert stamp_path is not None
            stamp_path.touch()
            print(f"{variant.step('compile')}:{build.key}: {restored} profile files from {kept.path.name} "
                  f"(sha256 {kept.sha256[:12]}…); no training run", file=sys.stderr)
        marker.touch()
        engine = docker_env.client(build.distro.docker_host)
        jobs = _jobs(build, engine)
        settings = build.settings.ccache
        step = _tree_step(
            build, "compile", variant, ("bash", paths.script(paths.STEPS, "compile.sh")),
            images.built_tag(layout, build.distro),
            environment={"PB_JOBS": str(jobs), "CCACHE_DIR": paths.CCACHE, "CCACHE_MAXSIZE": settings.max_size,
                         "SOURCE_DATE_EPOCH": str(build.source_date_epoch()),
                         "PB_CLEAN_FIRST": "1" if interrupted else "", "PB_LTO": build.settings.flags.lto,
                         "PB_KEPT_PROFILE": "1" if kept else "",
                         **({"CCACHE_REMOTE_STORAGE": settings.remote_storage} if settings.remote_storage else {}),
                         **({"PROFILE_TASK": build.profile_task} if build.profile_task else {})},
            extra=(runner.Mount(ccache, paths.CCACHE, read_only=False, volume=layout.ccache_volume(build.distro)),),
            # a shared cache is reached over the network (the host's: a server on its loopback works too);
            # otherwise the compile is hermetic
            network="host" if settings.remote_storage else "none")
        runner.run(step, engine)
        log = step.log
        facts = stepfacts.read(build.step_facts(variant, "compile"))
        record: dict = {"jobs": jobs, "ccache": stepfacts.ccache_summary(log.read_text(errors="replace")),
                        **({"profile_from": {"archive": str(kept.path), "sha256": kept.sha256}} if kept else {}),
                        "toolchain": stepfacts.toolchain(facts), "phases": stepfacts.phases(facts)}
        profile = build.profile_stamp(variant)
        if profile is not None:
            if not profile.exists():
                raise UserError(f"{step.name}: the PGO training run left no profile data ({profile.name}); "
                                f"see the log {log}")
            record["profile_data_files"] = sum(1 for _ in build.variant_dir(variant).rglob("*.gcda"))
        if record["ccache"].get("hit_rate") is not None:
            remote = record["ccache"].get("remote")
            shared = (f"; remote storage: {remote.get('hits', 0)} hits, {remote.get('misses', 0)} misses"
                      if remote else "")
            print(f"ccache: {record['ccache']['hits']} hits, {record['ccache']['misses']} misses "
                  f"({record['ccache']['hit_rate']:.0%}){shared}", file=sys.stderr)
        if len(record["phases"]) > 1:
            print("make: " + ", ".join(f"{name} {seconds} s" for name, seconds in record["phases"].items()),
                  file=sys.stderr)
        record = _timed(record, started)
        targets.write(stamp, _finished(record))
        marker.unlink()
        return record


# --- package ----------------------------------------------------------------------------------


@user_errors
def package(build: Build) -> dict:
    started = time.monotonic()
    engine = docker_env.client(build.distro.docker_host)
    image_tag = images.built_tag(build.layout, build.distro)
    with Targets(build.manifest) as targets:
        summary = packaging.package(build, image_tag, lambda step: runner.run(step, engine), runner.run_side_by_side,
                                    _jobs(build, engine))
        summary = _timed(summary, started)
        targets.write(build.manifest, manifest.build_manifest(build, engine, image_tag, summary))
        return {k: v for k, v in summary.items() if k != "image_packages"}  # the manifest holds the list


@user_errors
def validate(build: Build) -> dict:
    return validate_step.validate(build)


@user_errors
def rebuild_check(build: Build, variables: dict[str, str]) -> dict:
    return rebuild.rebuild_check(build, variables)


@user_errors
def pin(build_settings, layout: Layout, config_path: Path, new_version: str | None) -> dict:
    return pins.add_pin(build_settings, layout, config_path, new_version)


@user_errors
def repo(distro, layout: Layout) -> dict:
    return repo_mod.make_repo(distro, layout)


# --- clean ------------------------------------------------------------------------------------


def _clean_tops(layout: Layout) -> None:
    """cache/ and dist/ must be directories (or absent) for a clean to know what it removes."""
    for top in (layout.cache, layout.dist):
        if top.exists() and not top.is_dir():
            raise UserError(f"{top} is not a directory; move it out of the way")


@clean_errors
def clean_build(build: Build) -> None:
    """`doit clean build:<key>`: the build trees, logs and packages of one (version, distro), and the scratch
    copy a `doit rebuild_check` of it left (cache/rebuild/<key>/)."""
    _clean_tops(build.layout)
    remove_tree(build.build_dir)
    remove_tree(rebuild.work_dir(build))
    for path in (*build.deb_files(), build.changes_file, build.changes_file.with_suffix(".buildinfo"),
                 build.validation_report, *(build.profile_archive(v) for v in build.variants)):
        path.unlink(missing_ok=True)
    print(f"removed build trees and packages of {build.key}")


@clean_errors
def clean_rebuild(build: Build) -> None:
    """`doit clean rebuild_check:<key>`: the scratch copy of the rebuild (the packages in dist/ stay)."""
    _clean_tops(build.layout)
    remove_tree(rebuild.work_dir(build))
    print(f"removed the rebuild check's scratch copy of {build.key}")


@clean_errors
def clean_image(distro, layout: Layout, tag: str) -> None:
    """`doit clean image:<distro>`: the build image (only when asked for by name or --all)."""
    _clean_tops(layout)
    layout.image_stamp(distro).unlink(missing_ok=True)
    try:
        docker_env.client(distro.docker_host).images.remove(tag, force=True)
        print(f"removed image {tag}")
    except Exception as error:  # noqa: BLE001 - nothing to remove, or no daemon: the stamp is gone anyway
        print(f"image {tag} not removed: {' '.join(str(error).split())[:120]}")


@clean_errors
def clean_download(version, layout: Layout) -> None:
    """`doit clean download:<version>` with CLEAN_DOWNLOADS=true: the tarball and everything beside it (a
    partial download and where it came from, the Sigstore bundle, the verification record)."""
    _clean_tops(layout)
    tarball = layout.tarball(version)
    for path in (tarball, *sources.companions(tarball),
                 layout.verified_stamp(version), layout.extracted_stamp(version)):
        path.unlink(missing_ok=True)
    remove_tree(layout.source_dir(version))
    print(f"removed the download and sources of {version}")
