"""The doit task graph: plain dicts built from Settings. No Docker or network call happens here.

Dataflow (one arrow per task family; targets are stamps under cache/, .debs under dist/):

  download:<v> -> checksum:<v> -> extract:<v> ─┐
  image:<d> ───────────────────────────────────┼-> configure:<v>-<d> -> compile:<v>-<d> ────────┐
                                               └-> configure_ft:<v>-<d> -> compile_ft:<v>-<d> ──┴┐
  package:<v>-<d> <──────────────────────────────────────────────────────────────────────────────┘
  package:<v>-<d> -> validate:<v>-<d> -> build:<v>-<d>      (pin, repo:<d>: on demand)
  dist/<d>/ (built, or given) -> rebuild_check:<v>-<d>        (on demand: rebuild elsewhere, compare the bytes)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType, ModuleType

from doit.tools import config_changed

import tasks
from tasks.build import freethreaded
from tasks.engine import emulation, images
from tasks.files import read_json
from tasks.model.config import Settings
from tasks.model.plan import Build, Layout, builds
from tasks.model.variant import ALL as ALL_VARIANTS
from tasks.model.variant import DEFAULT
from tasks.package import compiler_names, elf_needed, embed_flags, packaging, profiles, tidy
from tasks.pipeline import actions as steps
from tasks.sources import extract
from tasks.validate import facts, judge
from tasks.validate import step as validate_step


def code_files(layout: Layout, *modules: ModuleType) -> list[str]:
    """The source files of the modules whose code a step runs in the checkout: derived from the modules
    themselves, so a moved or renamed module stays a dependency."""
    top = Path(tasks.__file__).resolve().parent.parent
    return [str(layout.root / Path(str(m.__file__)).resolve().relative_to(top)) for m in modules]


DOCS = {
    "build": "Build, package and check every (version, distro) pair: build:<version>, build:<version>-<distro>",
    "download": "Fetch the source tarball into cache/downloads/ (one copy for all distros)",
    "checksum": "Check the tarball against its sha256 and size pin; a mismatch removes it",
    "extract": "Unpack the verified tarball into cache/src/ (refusing paths outside its top folder)",
    "image": "Build the distro's build image (base image pulled, or bootstrapped from the Debian archive)",
    "configure": "Run configure for the default interpreter in its own build tree",
    "compile": "Run make for the default interpreter (ccache-backed)",
    "configure_ft": "Run configure for the free-threaded interpreter (--disable-gil) in its own tree",
    "compile_ft": "Run make for the free-threaded interpreter",
    "package": "make install both variants, trim the free-threaded add-on, build .debs into dist/<distro>/",
    "pin": "Add NEW_VERSION=X.Y.Z to [pins]: fetch it and its Sigstore bundle, verify, write sha256/size",
    "rebuild_check": "Rebuild a built pair in a scratch copy (cold cache, fresh image) and compare every .deb's bytes",
    "repo": "Index dist/<distro>/ as a local apt repository (Packages, Release): `apt install` from it",
    "validate": "Install the .debs in a fresh base-image container and check them; report in dist/<distro>/",
}


@dataclass(frozen=True)
class Cleaning:
    """What `doit clean` may remove besides build trees and packages (CLEAN_DOWNLOADS=, CLEAN_IMAGES=)."""

    downloads: bool = False
    images: bool = False


def _group(basename: str) -> dict:
    return {"basename": basename, "name": None, "doc": DOCS[basename]}


# a step script sourcing another from its own directory: `. "$here/lto.sh"` or `. "$(dirname "$0")/lto.sh"`
_SOURCED = re.compile(r'^\s*\.\s+"\$(?:here|\(dirname "\$0"\))/([A-Za-z0-9_.-]+\.sh)"', re.M)


def _scripts(layout: Layout, *names: str) -> list[str]:
    """The step scripts and, read from them, every script they source: each once, in order."""
    steps = layout.root / "docker" / "steps"
    found: list[str] = []
    todo = list(names)
    while todo:
        name = todo.pop(0)
        if name not in found:
            found.append(name)
            path = steps / name
            todo += _SOURCED.findall(path.read_text()) if path.is_file() else []
    return [str(steps / n) for n in found]


def source_tasks(settings: Settings, layout: Layout, cleaning: Cleaning) -> Iterator[dict]:
    for basename in ("download", "checksum", "extract"):
        yield _group(basename)
    for version in settings.versions:
        pin = settings.pin(version)
        pin_state = {"sha256": pin.sha256 if pin else None, "size": pin.size if pin else None}
        yield {
            "basename": "download", "name": str(version),
            "actions": [(steps.download, [settings, version, layout])],
            "targets": [str(layout.tarball(version))],
            "uptodate": [config_changed(pin_state)],
            "clean": [(steps.clean_download, [version, layout])] if cleaning.downloads else [],
        }
        yield {
            "basename": "checksum", "name": str(version),
            "actions": [(steps.checksum, [settings, version, layout])],
            "file_dep": [str(layout.tarball(version))],
            "targets": [str(layout.verified_stamp(version))],
            "uptodate": [config_changed(pin_state)],
            "clean": True if cleaning.downloads else [],
        }
        yield {
            "basename": "extract", "name": str(version),
            "actions": [(steps.unpack, [version, layout])],
            "file_dep": [str(layout.verified_stamp(version)), *code_files(layout, extract)],
            "targets": [str(layout.extracted_stamp(version))],
            "clean": True if cleaning.downloads else [],
        }


def image_tasks(settings: Settings, layout: Layout, cleaning: Cleaning) -> Iterator[dict]:
    yield _group("image")
    for distro in {d.name: d for d in settings.distros}.values():
        recipe = images.recipe(settings, distro, layout)
        yield {
            "basename": "image", "name": distro.name,
            "actions": [(steps.image, [settings, distro, layout])],
            "file_dep": [str(layout.root / "docker" / n) for n in images.RECIPE_FILES],
            "targets": [str(layout.image_stamp(distro))],
            # no Docker call here: an up-to-date run needs no daemon (a deleted image makes the next step
            # that needs it stop with a one-line fix, see runner.run)
            "uptodate": [config_changed({"recipe": recipe.digest, "docker_host": distro.docker_host})],
            "clean": [(steps.clean_image, [distro, layout, recipe.tag])] if cleaning.images else [],
        }


def variant_tasks(build: Build, kept: Mapping[str, str] = MappingProxyType({})) -> Iterator[dict]:
    """configure and compile of each interpreter; `kept`: the sha256 of the kept profile (PROFILE_FROM) that
    fits each variant, by variant name: an input of its compile, so another one re-runs it."""
    layout = build.layout
    builtin = build.settings.flags.builtin_modules
    for variant in build.variants:
        configure, compile_ = variant.step("configure"), variant.step("compile")
        yield {
            "basename": configure, "name": build.key,
            "actions": [(steps.configure, [build, variant])],
            "file_dep": [str(layout.extracted_stamp(build.version)), str(layout.image_stamp(build.distro)),
                         *_scripts(layout, "configure.sh")],
            "targets": [str(build.configured_stamp(variant))],
            # "tree" names the build-tree layout: a change of it re-runs configure on existing trees
            "uptodate": [config_changed({"args": list(build.configure_args(variant)), "tree": "copied-src",
                                          "hardening": build.settings.flags.hardening,
                                          "toolchain": build.toolchain.environment(),
                                          # only when set: builds from before the key stay up to date
                                          **({"builtin_modules": list(builtin)} if builtin else {}),
                                          # the LTO mode only changes optimized builds' makefiles
                                          "lto": None if build.fast else build.settings.flags.lto})],
        }
        yield {
            "basename": compile_, "name": build.key,
            "actions": [(steps.compile_, [build, variant])],
            "file_dep": [str(build.configured_stamp(variant)),
                         *_scripts(layout, "compile.sh", "gcc-lto.mk", "clang-lto.mk")],
            # an optimized build's profile data is a target too: deleting it re-runs the compile
            "targets": [str(build.compiled_stamp(variant)),
                        *([str(build.profile_stamp(variant))] if build.profile_stamp(variant) else [])],
            "uptodate": [config_changed({"profile_task": build.profile_task,
                                          **({"profile_from": kept[variant.name]} if variant.name in kept else {})})],
        }


def package_task(build: Build) -> dict:
    layout = build.layout
    templates = sorted(str(p) for p in (layout.root / "debian").iterdir() if p.is_file())
    return {
        "basename": "package", "name": build.key,
        "actions": [(steps.package, [build])],
        "file_dep": [*(str(build.compiled_stamp(v)) for v in build.variants), *templates,
                     *_scripts(layout, "install.sh", "debuild.sh"),
                     *code_files(layout, freethreaded, tidy, compiler_names, elf_needed, embed_flags,
                                 packaging)],
        "targets": [str(p) for p in build.deb_files()] + [str(build.changes_file), str(build.manifest)],
        "uptodate": [config_changed({
            "packages": list(build.packages), "version": build.debian_version, "display": build.distro.display,
            "maintainer": build.settings.maintainer, "prefix": build.prefix, "compression": build.deb_compression,
        })],
    }


def validate_task(build: Build) -> dict:
    layout = build.layout
    scripts = sorted(str(p) for p in (layout.root / "docker" / "validate").iterdir() if p.is_file())
    debs = [build.main_deb] + ([build.ft_deb] if build.ft_deb else [])
    return {
        "basename": "validate", "name": build.key,
        "actions": [(steps.validate, [build])],
        "file_dep": [*(str(p) for p in debs), *scripts, *code_files(layout, facts, judge, validate_step)],
        "targets": [str(build.validation_report)],
        "uptodate": [config_changed({"smoke_tests": list(build.smoke_modules)})],
    }


def engine_arches(settings: Settings, layout: Layout) -> dict[str, str | None]:
    """The default engine's architecture per distro entry: what its image step recorded when it asked the
    engine, else what is known without asking (a local socket: this machine's). No Docker call here."""
    default = emulation.default_engine_arch()
    return {d.name: emulation.recorded_engine_arch(read_json(layout.image_stamp(d))) or default
            for d in settings.distros}


def build_tasks(settings: Settings, layout: Layout) -> Iterator[dict]:
    all_builds = builds(settings, layout, engine_arches(settings, layout))
    kept = _kept_profiles(all_builds)
    variants = ALL_VARIANTS if settings.free_threaded else (DEFAULT,)
    for basename in (*(v.step(s) for v in variants for s in ("configure", "compile")), "package", "validate"):
        yield _group(basename)
    yield _group("build")
    for build in all_builds:
        yield from variant_tasks(build, kept.get(build.key, {}))
        yield package_task(build)
        yield validate_task(build)
        yield {
            "basename": "build", "name": build.key,
            "doc": f"CPython {build.version} for {build.distro.display}",
            "actions": None,
            "task_dep": [f"validate:{build.key}"],
            "clean": [(steps.clean_build, [build])],
        }
    for version in settings.versions:
        yield {
            "basename": "build", "name": str(version),
            "doc": f"CPython {version} for every configured distro",
            "actions": None,
            "task_dep": [f"build:{b.key}" for b in all_builds if b.version == version],
        }


def repo_tasks(settings: Settings, layout: Layout) -> Iterator[dict]:
    yield _group("repo")
    all_builds = builds(settings, layout, engine_arches(settings, layout))
    for distro in {d.name: d for d in settings.distros}.values():
        debs = [str(p) for b in all_builds if b.distro.name == distro.name for p in b.deb_files()]
        yield {
            "basename": "repo", "name": distro.name,
            "actions": [(steps.repo, [distro, layout])],
            "file_dep": [*debs, str(layout.image_stamp(distro)), *_scripts(layout, "repo.sh")],
            "targets": [str(layout.dist / distro.name / "Release")],
        }


def pin_task(settings: Settings, root: Path, config_path: Path, new_version: str | None) -> dict:
    return {
        "basename": "pin", "doc": DOCS["pin"],
        "actions": [(steps.pin, [settings, Layout.for_root(root), config_path, new_version])],
        "uptodate": [False],
        "verbosity": 2,
    }


def remote_engines(settings: Settings, task_names: Iterable[str]) -> set[str]:
    """The docker_host engines (URLs) on which these doit tasks run their containers: "image:<distro>" and
    "<step>:<version>-<distro>" of an entry with a docker_host. The default engine is not among them."""
    by_name = {}
    for distro in settings.all_distros.values():
        if distro.docker_host:
            by_name[f"image:{distro.name}"] = distro.docker_host
            by_name.update({f"{version}-{distro.name}": distro.docker_host for version in settings.versions})
    hosts = set()
    for task_name in task_names:
        basename, _, name = task_name.partition(":")
        host = by_name.get(f"image:{name}" if basename == "image" else name.split(":")[0])
        if host:
            hosts.add(host)
    return hosts


def _kept_profiles(all_builds: Sequence[Build]) -> dict[str, dict[str, str]]:
    """The sha256 of the kept profile (PROFILE_FROM) fitting each pair's variants, {build key: {variant: sha}},
    each archive hashed once. One that fits no optimized build of this run is said at once, with the first
    one's reason, not when a compile finds it after the downloads and images."""
    optimized = [build for build in all_builds if build.settings.profile_from and not build.fast]
    found: dict[str, dict[str, str]] = {}
    for build in optimized:
        for variant in build.variants:
            fitting = profiles.kept(build, variant, strict=False)
            if fitting:
                found.setdefault(build.key, {})[variant.name] = fitting.sha256
    if optimized and not found:
        profiles.kept(optimized[0], optimized[0].variants[0])  # raises UserError: why it does not fit
    return found


def rebuild_tasks(settings: Settings, layout: Layout, variables: Mapping[str, str],
                  named: Sequence[str] = ()) -> Iterator[dict]:
    """On demand only (not part of `doit build`): each pair's rebuild and byte comparison. It checks the
    packages in dist/ as they are, so it depends on the pair's build only when the same command names that
    build too (`doit build:3.14.7 rebuild_check:3.14.7-trixie`: the check waits for the packages)."""
    yield _group("rebuild_check")
    # the rebuild gets this run's variables, minus those that only make sense here
    passed = {k: v for k, v in variables.items() if k not in ("NEW_VERSION", "CLEAN_DOWNLOADS", "CLEAN_IMAGES")}
    for name in ("CONFIG", "PROFILE_FROM"):  # paths the rebuild, in another directory, must still find
        if passed.get(name, "").strip():
            passed[name] = str(Path(passed[name]).resolve())
    for build in builds(settings, layout, engine_arches(settings, layout)):
        yield {
            "basename": "rebuild_check", "name": build.key,
            "doc": f"Rebuild CPython {build.version} for {build.distro.display} and compare the bytes",
            # no task_dep on build otherwise: packages someone gave are checked as they are, never built over
            "actions": [(steps.rebuild_check, [build, passed])],
            "task_dep": [f"build:{build.key}"] if {"build", f"build:{build.version}", f"build:{build.key}"} & set(named)
            else [],
            "clean": [(steps.clean_rebuild, [build])],
            "uptodate": [False],
            "verbosity": 2,
        }


def all_tasks(settings: Settings, root: Path, cleaning: Cleaning = Cleaning(),
              variables: Mapping[str, str] = MappingProxyType({}), named: Sequence[str] = ()) -> Iterator[dict]:
    """Every task; `named`: the task names on the command line (rebuild_check waits for a build named too)."""
    layout = Layout.for_root(root)
    yield from source_tasks(settings, layout, cleaning)
    yield from image_tasks(settings, layout, cleaning)
    yield from repo_tasks(settings, layout)
    yield from build_tasks(settings, layout)
    yield from rebuild_tasks(settings, layout, variables, named)
