"""`doit rebuild_check:<version>-<distro>`: rebuild a built pair from its recorded inputs and compare the bytes.

  dist/<distro>/*.deb + the manifest          (a finished `doit build:<version>-<distro>`, or packages
                                               someone gave: never built over first; FAST or optimized and
                                               the packages made checked against this run's variables)
      -> cache/rebuild/<key>/python-builder/   a copy of this checkout's inputs at another path, with the
                                               verified tarball and an empty compiler cache; its own build
                                               image tag (Docker reuses the layers it has for the same recipe
                                               and package list; the two manifests' package versions are
                                               compared either way)
      -> `doit build:<key>` there, with this run's command-line variables
      -> every .deb compared byte for byte; on a mismatch, diffoscope's report per differing .deb
         (cache/rebuild/<key>/<deb>.diffoscope.txt) and the build images' package versions compared
      -> cache/rebuild/<key>/report.json

FAST builds compare whole. Optimized builds train a PGO profile on all cores, which counts events in
another order on every run, so an optimized pair is rebuilt from its own kept profile (PROFILE_FROM=<its
manifest>) unless the command line names another, or sets PROFILE_FROM= empty to train anew; the report
compares the two builds' profiles too (see docs/packages.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tasks.engine import docker_env, images, paths, runner
from tasks.errors import UserError
from tasks.files import json_table, read_json, remove_tree, write_json_atomic
from tasks.model.plan import Build, Layout
from tasks.package.compare import compare_debs
from tasks.sources.fetch import bundle_path

INPUTS = ("dodo.py", "config.toml", "pyproject.toml", "tasks", "docker", "debian")


def work_dir(build: Build) -> Path:
    return build.layout.cache / "rebuild" / build.key


def scratch_copy(build: Build, dest: Path) -> None:
    """This checkout's inputs at another path, with the verified tarball (checked against its pin again)."""
    dest.mkdir(parents=True)
    for name in INPUTS:
        source = build.layout.root / name
        if source.is_dir():
            shutil.copytree(source, dest / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.is_file():
            shutil.copy2(source, dest / name)
    tarball = build.layout.tarball(build.version)
    (dest / "cache" / "downloads").mkdir(parents=True)
    for path in (tarball, bundle_path(tarball)):  # the download step keeps them: they match the pin
        if path.is_file():
            shutil.copy2(path, dest / "cache" / "downloads" / path.name)


def rebuild_command(scratch: Path, key: str, variables: Mapping[str, str]) -> list[str]:
    """Up to the packages: their bytes are what is compared (validating the rebuild would check those same
    bytes again, and a validate failure would hide the comparison)."""
    return [sys.executable, "-m", "doit", "-f", str(scratch / "dodo.py"), "--dir", str(scratch), f"package:{key}",
            *(f"{name}={value}" for name, value in sorted(variables.items()))]


def rebuild_variables(build: Build, manifest: Mapping[str, Any], variables: Mapping[str, str]) -> dict[str, str]:
    """This run's variables for the rebuild; an optimized build with kept profiles is rebuilt from them."""
    chosen = dict(variables)
    if not build.fast and "PROFILE_FROM" not in chosen and json_table(manifest, "profiles"):
        chosen["PROFILE_FROM"] = str(build.manifest.resolve())
    return chosen


def profile_comparison(ours: Mapping, theirs: Mapping) -> dict[str, dict]:
    """Each variant's kept profile in both builds: the same bytes, or another training's."""
    first, second = json_table(ours, "profiles"), json_table(theirs, "profiles")
    sums = {name: (json_table(first, name).get("sha256"), json_table(second, name).get("sha256"))
            for name in sorted(set(first) | set(second))}
    return {name: {"first": a, "rebuild": b, "identical": a == b} for name, (a, b) in sums.items()}



def package_differences(first: Mapping[str, str], second: Mapping[str, str]) -> list[str]:
    """The build images' packages whose versions differ: 'gcc-14:amd64 14.2.0-19 -> 14.2.0-20'."""
    return [f"{name} {first.get(name, '-')} -> {second.get(name, '-')}"
            for name in sorted(set(first) | set(second)) if first.get(name) != second.get(name)]


def diffoscope(build: Build, scratch: Path, rebuilt: Path, names: list[str], out: Path) -> None:
    """Debian's diffoscope, in the rebuild's build image (the checkout may have none: given packages)."""
    step = runner.Step(
        name=f"diffoscope:{build.key}", image=images.built_tag(Layout.for_root(scratch), build.distro),
        log=build.layout.logs / f"diffoscope-{build.key}.log", project_id=build.layout.project_id,
        user="0:0", network="host", command=("bash", paths.script(paths.STEPS, "diffoscope.sh"), *names),
        environment={"PB_OWNER": docker_env.user_spec(),
                     "PB_ALLOW_EXPIRED_RELEASE": "1" if build.distro.allow_expired_release else ""},
        mounts=(paths.steps_mount(build.layout.root), runner.Mount(build.dist_dir, paths.DEBS),
                runner.Mount(rebuilt, paths.REBUILT), runner.Mount(out, paths.OUT, read_only=False)),
        docker_host=build.distro.docker_host)
    runner.run(step)


def check_what_is_there(build: Build) -> dict:
    """dist/<distro>/ holds the pair's manifest and .debs (built here, or given: never built over first), made
    as this run would rebuild them: FAST or optimized, with or without the free-threaded add-on. Returns the
    manifest."""
    where = f"rebuild_check:{build.key}"
    if not build.manifest.is_file():
        raise UserError(f"{where}: no packages to check in {build.dist_dir} (no {build.manifest.name}); build them "
                        f"first (doit build:{build.key}), or put there the packages you were given with their "
                        "manifest")
    manifest = read_json(build.manifest)
    recorded = manifest.get("packages")
    if isinstance(recorded, list) and sorted(map(str, recorded)) != sorted(build.packages):
        nogil = "BUILD_NOGIL=true" if len(recorded) > len(build.packages) else "BUILD_NOGIL=false"
        raise UserError(f"{where}: the build in {build.dist_dir} made {', '.join(map(str, recorded))}, this run "
                        f"would rebuild {', '.join(build.packages)}; give the build's variables again (e.g. {nogil})")
    pgo = json_table(manifest, "variants", "default").get("pgo")
    if isinstance(pgo, bool) and pgo == build.fast:
        made, asked = ("an optimized", "FAST") if pgo else ("a FAST", "optimized")
        raise UserError(f"{where}: {build.dist_dir} holds {made} build, this run would rebuild it {asked}; run "
                        f"doit rebuild_check:{build.key} FAST_BUILD={'false' if pgo else 'true'}")
    missing = [p.name for p in build.deb_files() if not p.is_file()]
    if missing:
        raise UserError(f"{where}: {', '.join(missing)} missing from {build.dist_dir}; put back all the packages "
                        f"of the build, or build them again (doit build:{build.key})")
    return manifest


def configure_differences(ours: Mapping, theirs: Mapping) -> list[str]:
    """Configure options (and built-in modules) one build had and the other not: a changed config.toml or
    other variables."""
    first, second = json_table(ours, "variants"), json_table(theirs, "variants")
    changes = []
    for name in sorted(set(first) & set(second)):
        where = "" if name == "default" else f"{name}: "
        for field, shown in (("configure_args", "{}"), ("builtin_modules", "built-in module {}")):
            a, b = (json_table(v, name).get(field, []) for v in (first, second))  # older manifests: none built in
            if isinstance(a, list) and isinstance(b, list) and a != b:
                changes += [f"{where}{shown.format(x)} only in the build" for x in a if x not in b]
                changes += [f"{where}{shown.format(x)} only in the rebuild" for x in b if x not in a]
    return changes


def rebuild_check(build: Build, variables: Mapping[str, str], run=subprocess.run) -> dict:
    """The whole check; `run` runs the rebuild's doit (tests give a stand-in)."""
    names = [p.name for p in build.deb_files()]
    ours = check_what_is_there(build)
    work = work_dir(build)
    remove_tree(work)
    scratch = work / "python-builder"
    scratch_copy(build, scratch)
    print(f"rebuild_check:{build.key}: rebuilding in {scratch} (empty compiler cache, its own build image)",
          file=sys.stderr, flush=True)
    variables = rebuild_variables(build, ours, variables)
    if variables.get("PROFILE_FROM"):
        print(f"rebuild_check:{build.key}: with the kept profile of {variables['PROFILE_FROM']}", file=sys.stderr)
    result = run(rebuild_command(scratch, build.key, variables), env=dict(os.environ), check=False)
    if result.returncode != 0:
        raise UserError(f"rebuild_check:{build.key}: the rebuild failed (exit {result.returncode}); "
                        f"its logs: {scratch}/cache/logs/")
    rebuilt = scratch / "dist" / build.distro.name
    entries = compare_debs(build.dist_dir, rebuilt, names)
    theirs = read_json(rebuilt / build.manifest.name)
    report: dict[str, Any] = {
        "pair": build.key, "fast": build.fast, "debs": entries, "identical": all(e["identical"] for e in entries),
        "source_sha256": json_table(ours, "source").get("sha256"),
        "profile_from": variables.get("PROFILE_FROM") or None, "profiles": profile_comparison(ours, theirs),
        "image_package_differences": package_differences(
            json_table(ours, "build_image", "packages"), json_table(theirs, "build_image", "packages")),
        "configure_differences": configure_differences(ours, theirs)}
    for entry in entries:
        print(f"  {entry['name']}: {'identical' if entry['identical'] else 'DIFFERENT'}  {entry['sha256']}",
              file=sys.stderr)
    for name, profile in report["profiles"].items():
        print(f"  {name} profile: {'the same' if profile['identical'] else 'DIFFERENT'}  {profile['rebuild']}",
              file=sys.stderr)
    differing = [e["name"] for e in entries if not e["identical"]]
    write_json_atomic(work / "report.json", report)
    if differing:
        diffoscope(build, scratch, rebuilt, differing, work)
        report["diffoscope"] = [str(work / f"{name}.diffoscope.txt") for name in differing]
    write_json_atomic(work / "report.json", report)
    if differing:  # the rebuild's build trees stay, to compare objects with the first build's
        why = (f"; the build images differ in {len(report['image_package_differences'])} package versions"
               if report["image_package_differences"] else "")
        if report["configure_differences"]:  # packages built with another config.toml or other variables
            why += (f"; configured differently ({', '.join(report['configure_differences'][:3])}): give the "
                    "build's config.toml and variables")
        raise UserError(f"rebuild_check:{build.key}: {len(differing)} of {len(entries)} .debs differ{why}; "
                        f"diffoscope: {report['diffoscope'][0]} (report: {work / 'report.json'}; the rebuild's "
                        f"build trees: {scratch / 'cache' / 'build'})")
    remove_tree(scratch / "cache" / "build")  # identical: the rebuild's trees go; its dist/ and logs stay
    print(f"rebuild_check:{build.key}: all {len(entries)} .debs are identical (report: {work / 'report.json'})",
          file=sys.stderr)
    return {"identical": True, "debs": len(entries)}
