"""The package step: install both variants, trim the free-threaded tree, run debhelper, publish .debs."""

from __future__ import annotations

import email.utils
import filecmp
import shutil
import sys
import textwrap
from pathlib import Path

from tasks.build import freethreaded
from tasks.engine import paths
from tasks.engine.runner import Mount, Step
from tasks.errors import UserError
from tasks.files import move_atomic, remove_tree
from tasks.model.plan import Build
from tasks.model.variant import DEFAULT, FREETHREADED, Variant
from tasks.package import compiler_names, embed_flags, profiles, tidy

TEMPLATE_FILES = ("control.in", "control-freethreaded.in", "changelog.in", "lintian-overrides.in",
                  "lintian-overrides-tests.in", "lintian-overrides-nopie.in", "postinst.in", "prerm.in")
STATIC_FILES = ("rules", "install-staged.sh", "strip-objects.sh", "copyright")


def render(template: str, values: dict[str, str]) -> str:
    """Replace @NAME@ placeholders; an unknown placeholder left behind is a bug, so it raises."""
    for name, value in values.items():
        template = template.replace(f"@{name}@", value)
    leftover = [w for w in template.split() if w.startswith("@") and w.endswith("@") and len(w) > 2]
    if leftover:
        raise ValueError(f"unrendered placeholder {leftover[0]}")
    return template


# Debian policy and lintian: description and changelog lines stay within 80 columns (a long display name,
# such as "Raspberry Pi OS (trixie, 64-bit)", must not push them over).
MAX_LINE = 79


def wrap_lines(text: str, kind: str) -> str:
    """Wrap over-long description lines (" text") of a control file, or bullet lines ("  * text") of a
    changelog, at word boundaries with the indentation each format wants."""
    out = []
    for line in text.splitlines():
        if len(line) <= MAX_LINE:
            out.append(line)
        elif kind == "control" and line.startswith(" ") and line.strip() != ".":
            out += textwrap.wrap(line[1:], MAX_LINE, initial_indent=" ", subsequent_indent=" ",
                                 break_long_words=False, break_on_hyphens=False)
        elif kind == "changelog" and line.startswith("  * "):
            out += textwrap.wrap(line[4:], MAX_LINE, initial_indent="  * ", subsequent_indent="    ",
                                 break_long_words=False, break_on_hyphens=False)
        else:
            out.append(line)
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def template_values(build: Build, date_epoch: float) -> dict[str, str]:
    optimized = "fast build, no PGO or LTO" if build.fast else "PGO and LTO"
    return {
        "PACKAGE_MAIN": build.package_main,
        "PACKAGE_FT": build.package_ft,
        "VERSION": str(build.version),
        "MAJOR_MINOR": build.version.major_minor,
        "DEBIAN_VERSION": build.debian_version,
        "CODENAME": build.distro.codename,
        "DISPLAY": build.distro.display,
        "MAINTAINER": build.settings.maintainer,
        "PREFIX": build.prefix,
        "FLAGS_SUMMARY": optimized,
        "DATE": email.utils.formatdate(date_epoch, usegmt=True).replace("GMT", "+0000"),
    }


def package_values_for(build: Build, package: str) -> dict[str, str]:
    """Values of one binary package: its interpreter and the stdlib directory it owns."""
    suffix = FREETHREADED.abi_suffix if package == build.package_ft else DEFAULT.abi_suffix
    libdir = f"{build.prefix}/lib/python{build.version.major_minor}{suffix}"
    interpreter = build.interpreter + suffix
    pyexpat = interpreter if "pyexpat" in build.settings.flags.builtin_modules else f"{libdir}/lib-dynload/pyexpat.*"
    return {"PACKAGE": package, "INTERPRETER": interpreter, "INTERPRETER_REL": interpreter.lstrip("/"),
            "LIBDIR": libdir, "LIBDIR_REL": libdir.lstrip("/"), "PYEXPAT_REL": pyexpat.lstrip("/")}


def override_templates(build: Build, package: str) -> list[str]:
    """The lintian override snippets that apply to one package (no override without its reason)."""
    names = ["lintian-overrides.in"]
    if package == build.package_main and build.test_suite:
        names.append("lintian-overrides-tests.in")
    if not build.toolchain.pie:
        names.append("lintian-overrides-nopie.in")
    return names


def render_debian_dir(build: Build, templates: Path, dest: Path, date_epoch: float) -> None:
    """Write the debian/ directory for this build into `dest` (replacing what was there)."""
    values = template_values(build, date_epoch)
    remove_tree(dest)
    dest.mkdir(parents=True)
    control = render((templates / "control.in").read_text(encoding="utf-8"), values)
    if build.settings.free_threaded:
        control += render((templates / "control-freethreaded.in").read_text(encoding="utf-8"), values)
    (dest / "control").write_text(wrap_lines(control, "control"), encoding="utf-8")
    changelog = render((templates / "changelog.in").read_text(encoding="utf-8"), values)
    (dest / "changelog").write_text(wrap_lines(changelog, "changelog"), encoding="utf-8")
    for package in build.packages:
        package_values = {**values, **package_values_for(build, package)}
        for script in ("postinst", "prerm"):
            text = render((templates / f"{script}.in").read_text(encoding="utf-8"), package_values)
            (dest / f"{package}.{script}").write_text(text, encoding="utf-8")
        overrides = [render((templates / name).read_text(encoding="utf-8"), package_values)
                     for name in override_templates(build, package)]
        (dest / f"{package}.lintian-overrides").write_text("".join(overrides), encoding="utf-8")
    for name in STATIC_FILES:
        shutil.copy2(templates / name, dest / name)
    (dest / "source").mkdir()
    (dest / "source" / "format").write_text("3.0 (native)\n", encoding="utf-8")


def pkg_dir(build: Build) -> Path:
    return build.build_dir / "pkg"


def install_step(build: Build, image: str, variant: Variant) -> Step:
    """`make install` of one variant: its tree's Makefile names its own source copy as paths.SRC."""
    layout = build.layout
    mounts = (Mount(build.variant_dir(variant), f"{paths.BUILD}/{variant}", read_only=False),
              Mount(build.variant_src(variant), paths.SRC, read_only=False),
              paths.steps_mount(layout.root),
              Mount(pkg_dir(build), paths.PKG, read_only=False))
    return Step(name=f"package:{build.key}:install-{variant}", image=image,
                log=layout.logs / f"package-install-{variant}-{build.key}.log",
                project_id=layout.project_id, mounts=mounts,
                command=("bash", paths.script(paths.STEPS, "install.sh"), variant.name),
                docker_host=build.distro.docker_host)


def debuild_step(build: Build, image: str, jobs: int) -> Step:
    layout = build.layout
    pairs = [f"{build.package_main}=default"]
    if build.settings.free_threaded:
        pairs.append(f"{build.package_ft}={FREETHREADED.name}")
    return Step(name=f"package:{build.key}", image=image, log=layout.logs / f"package-debuild-{build.key}.log",
                project_id=layout.project_id,
                mounts=(paths.steps_mount(layout.root),
                        Mount(pkg_dir(build), paths.PKG, read_only=False)),
                environment={"PB_PACKAGES": " ".join(pairs), "PB_DEB_COMPRESSION": build.deb_compression,
                             "PB_JOBS": str(jobs)},
                command=("bash", paths.script(paths.STEPS, "debuild.sh")), docker_host=build.distro.docker_host)


def outputs(build: Build) -> list[str]:
    """Files dpkg-buildpackage leaves in /pkg that we publish."""
    stem = f"{build.package_main}_{build.debian_version}_{build.distro.arch}"
    return [p.name for p in build.deb_files()] + [f"{stem}.buildinfo", f"{stem}.changes"]


def link_config_static_library(stage: Path, build: Build, variant: Variant) -> None:
    """make install puts libpythonX.Y[t].a both in lib/ and in the config dir: keep one, link the other."""
    mm = build.version.major_minor + variant.abi_suffix
    lib = stage / build.prefix.strip("/") / "lib"
    original = lib / f"libpython{mm}.a"
    for copy in lib.glob(f"python{mm}/config-{mm}-*/libpython{mm}.a"):
        if original.is_file() and not copy.is_symlink() and filecmp.cmp(original, copy, shallow=False):
            copy.unlink()
            copy.symlink_to(f"../../libpython{mm}.a")


def check_architecture(record: Path, build: Build) -> None:
    """The container's dpkg architecture (what debhelper built for) must be the entry's `arch`."""
    built = record.read_text().strip() if record.is_file() else "unknown"
    if built != build.distro.arch:
        raise UserError(f"package:{build.key}: the build container makes {built} packages, but "
                        f"distros.{build.distro.name}.arch is {build.distro.arch}: its image has the wrong "
                        f"architecture; run `doit clean image:{build.distro.name} CLEAN_IMAGES=true` and build again")


def package(build: Build, image: str, run, side_by_side, jobs: int) -> dict:
    """Run the whole package step; `run(step)` runs a container step, `side_by_side(*steps)` several at once;
    debhelper strips and builds the packages `jobs` at a time. Returns a summary."""
    work = pkg_dir(build)
    remove_tree(work)
    (work / "stage").mkdir(parents=True)
    for target in build.deb_files():
        target.unlink(missing_ok=True)
    # make install is mostly byte-compiling on one core: both trees at once
    side_by_side(*(install_step(build, image, variant) for variant in build.variants))
    for variant in build.variants:
        link_config_static_library(work / "stage" / variant.name, build, variant)
        tree = work / "stage" / variant.name / build.prefix.strip("/")
        tidied = tidy.tidy(tree, build.interpreter)
        print(f"{variant} tree: {tidied.caches_removed} __pycache__ removed, {tidied.scripts_rewritten} "
              f"#! lines set to {build.interpreter}, {tidied.modes_fixed} modes fixed")
        toolchain = build.toolchain
        if toolchain.compiler == "clang" and toolchain.llvm is not None:
            renamed = compiler_names.rewrite_tree(tree, toolchain.llvm)
            print(f"{variant} tree: sysconfig names gcc instead of {toolchain.cc} in {', '.join(renamed) or 'no file'}")
        completed = embed_flags.rewrite_tree(tree, build.version.major_minor + variant.abi_suffix, toolchain.pie)
        print(f"{variant} tree: the embedding link flags completed in {', '.join(completed) or 'no file'}")
    summary: dict = {}
    if build.settings.free_threaded:
        result = freethreaded.dedupe(work / "stage" / FREETHREADED.name, work / "stage" / DEFAULT.name,
                                     build.prefix, build.version.major_minor)
        summary["freethreaded"] = {"dropped": result.dropped, "linked": result.linked, "files": result.kept_files}
        print(f"free-threaded tree: {result.dropped} files left to the main package, "
              f"{result.linked} stdlib entries linked, {result.kept_files} files kept")
    render_debian_dir(build, build.layout.root / "debian", work / "src" / "debian", build.source_date_epoch())
    run(debuild_step(build, image, jobs))
    check_architecture(work / "architecture", build)
    listed = work / "image-packages.txt"
    summary["image_packages"] = dict(line.split("=", 1) for line in listed.read_text().splitlines()
                                     if "=" in line) if listed.is_file() else {}
    produced = outputs(build)
    missing = [name for name in produced if not (work / name).is_file()]
    if missing:
        raise UserError(f"package:{build.key}: debhelper did not produce {missing[0]}; see the log in cache/logs/")
    build.dist_dir.mkdir(parents=True, exist_ok=True)
    if not build.fast:
        summary["profiles"] = profiles.keep(build)
    # the .debs last, so an interrupted publish leaves a target missing and doit re-runs the step
    for name in sorted(produced, key=lambda n: n.endswith(".deb")):
        move_atomic(work / name, build.dist_dir / name)
    summary["debs"] = {p.name: p.stat().st_size for p in build.deb_files()}
    for name, size in summary["debs"].items():
        print(f"  {build.dist_dir / name}  {size / 1e6:.1f} MB", file=sys.stderr)
    remove_tree(work)
    return summary

