"""The judge of the validate step: the facts validate.sh collected become named pass/fail checks. It is
pure, so it is unit-tested on fixtures."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tasks.model.plan import Build
from tasks.model.variant import DEFAULT, FREETHREADED, Variant
from tasks.validate.facts import failed_tests

BASE_MODULES = (
    # what users import ...
    "ssl", "sqlite3", "ctypes", "lzma", "bz2", "zlib", "readline", "curses", "dbm.gnu", "uuid", "decimal",
    "tkinter", "pyexpat",
    # ... and the extension modules behind them
    "_ssl", "_hashlib", "_sqlite3", "_ctypes", "_lzma", "_bz2", "zlib", "readline", "_curses",
    "_curses_panel", "_dbm", "_gdbm", "_uuid", "_decimal", "pyexpat", "_elementtree", "_tkinter",
    "_multiprocessing", "_posixshmem", "_zoneinfo",
)
# Libraries a CPython extension may need that come from the distro (sonames without version).
ALLOWED_LIBRARIES = re.compile(
    r"^(libc|libm|libpthread|libdl|librt|libutil|libz|libbz2|liblzma|libzstd|libffi|libssl|libcrypto|"
    r"libsqlite3|libreadline|libncursesw|libtinfo|libpanelw|libgdbm|libgdbm_compat|libuuid|libmpdec|"
    r"libexpat|libtcl8\.6|libtk8\.6|libX11|libXft|libXss|libfontconfig|libb2|libedit|ld-linux[-\w]*)"
    r"\.so(\.[0-9.]+)?$"
)
# Flags that belong to the interpreter's own build, never to users' extension builds.
LEAKY_FLAGS = re.compile(r"-flto\S*|-fprofile-\S+|-fuse-linker-plugin|-ffat-lto-objects")

# What each release line adds to the module inventory (from that line on): 3.14 brought Zstandard on the
# system libzstd (PEP 784) and the remote-debugging support behind sys.remote_exec (PEP 768).
LINE_MODULES = {
    (3, 14): ("_zstd", "compression.zstd", "_remote_debugging"),
}
# The free-threaded build's status per release line (from that line on).
FREE_THREADING = {
    (3, 13): "experimental (PEP 703)",
    (3, 14): "supported (PEP 779)",
}


def _by_line(table: dict, version) -> list:
    return [value for line, value in sorted(table.items()) if (version.major, version.minor) >= line]


def modules_for(build: Build) -> tuple[str, ...]:
    return BASE_MODULES + tuple(m for added in _by_line(LINE_MODULES, build.version) for m in added)


def free_threading_status(version) -> str:
    return (_by_line(FREE_THREADING, version) or ["not available"])[-1]


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


# gcc warns (-Wmissing-profile) for each file compiled with -fprofile-use that has no profile data; clang
# (-Wprofile-instr-unprofiled, -Wprofile-instr-out-of-date) also for each file none of whose functions ran.
# The training run never executes a few programs (Programs/_testembed) and, for clang, some extension modules
# (curses, test helpers, xxlimited: 24 files and 2 out of date for 3.14.7); a profile that does not match the
# final build (e.g. another source, or flags changed between the two stages) leaves hundreds.
MAX_MISSING_PROFILES = {"gcc": 10, "clang": 40}


def upstream_version(debian_version: str) -> str:
    """2.7.1 from 2.7.1-2, 1:2.5.1+dfsg-3 or 2.5.1~rc1-1 (epoch, revision and repack suffixes dropped)."""
    version = re.sub(r"^[0-9]+:", "", debian_version).rsplit("-", 1)[0]
    return re.split(r"[+~]", version)[0]


def placeholder_maintainer(maintainer: str) -> bool:
    """True for an address whose host is no mail domain, like the default python-builder@localhost."""
    return "." not in maintainer.rsplit("@", 1)[-1].rstrip(">")


def lintian_suppressed(build: Build) -> tuple[str, ...]:
    """Tags validate tells lintian to skip: only the placeholder maintainer's, which the user fixes in config
    (the packages carry no override for them: lintian run by hand still says so)."""
    if placeholder_maintainer(build.settings.maintainer):
        return ("bogus-mail-host", "bogus-mail-host-in-debian-changelog")
    return ()


def uses_system_libmpdec(build: Build) -> bool:
    args = build.configure_args(DEFAULT)
    if "--without-system-libmpdec" in args:
        return False
    return "--with-system-libmpdec" in args or (build.version.major, build.version.minor) >= (3, 13)


def _system_library_checks(facts: dict, build: Build) -> list[Check]:
    """pyexpat and _decimal load the distro's libexpat/libmpdec, and report the distro package's version."""
    libs = facts.get("system_libs") or {}
    main = facts.get("facts_main") or {}
    wanted = []
    if "--with-system-expat" in build.configure_args(DEFAULT):
        wanted.append(("pyexpat", "libexpat", "expat_version", "expat_{}"))
    if uses_system_libmpdec(build):
        wanted.append(("_decimal", "libmpdec", "libmpdec_version", "{}"))
    checks = []
    for module, library, fact, shape in wanted:
        entry = libs.get(module) or {}
        found = main.get(fact)
        expected = shape.format(upstream_version(entry["version"])) if entry.get("version") else None
        ok = bool(entry.get("package")) and found is not None and found == expected
        detail = (f"{entry.get('library')} from {entry.get('package')} {entry.get('version')}; "
                  f"{module} reports {found}" if entry.get("library")
                  else f"{module} does not load a system {library}")
        checks.append(Check(f"{module} uses the distro's {library}", ok, detail))
    return checks


def _lintian_check(facts: dict, build: Build) -> Check:
    tags = facts.get("lintian") or {}
    bad = {f"{sev}: {tag}": n for sev in ("E", "W") for tag, n in sorted(tags.get(sev, {}).items())}
    ok = _rc(facts, "lintian") == 0 and not bad
    if ok:
        overridden = ", ".join(sorted(tags.get("O", {})))
        detail = f"{sum(tags.get('I', {}).values())} info hints; overridden: {overridden or 'none'}"
        if lintian_suppressed(build):
            detail += ("; not checked: " + ", ".join(lintian_suppressed(build))
                       + " (placeholder maintainer: set package.maintainer in config.toml)")
    elif bad:
        detail = "; ".join(f"{tag} ({n})" for tag, n in bad.items())
    else:
        detail = f"exit {_rc(facts, 'lintian')}: " + " | ".join(
            facts.get("logs", {}).get("lintian", "").strip().splitlines()[-3:])
    return Check("lintian: no error or warning", ok, detail[:600])


# lintian's hardening tags a build with hardening on must not carry. hardening-no-fortify-functions is
# reported, not failed: lintian itself calls it a likely false positive for a binary whose every call the
# compiler proved safe (then no *_chk function is left to find).
HARDENING_REQUIRED = ("hardening-no-relro", "hardening-no-bindnow", "hardening-no-pie",
                      "hardening-no-stackprotector")


def _hardening_check(facts: dict, build: Build) -> Check:
    tags = facts.get("lintian") or {}
    found = {tag: n for sev in ("E", "W", "I", "P") for tag, n in tags.get(sev, {}).items()
             if tag.startswith("hardening-")}
    missing = {tag: n for tag, n in found.items() if tag in HARDENING_REQUIRED}
    fortify = found.get("hardening-no-fortify-functions", 0)
    pie = "PIE" if build.toolchain.pie else (
        "PIE (all but the interpreter, linked without PIE " + ("for BOLT" if build.toolchain.bolt else "for speed")
        + ", as Debian links its own)")
    detail = ("; ".join(f"{tag} ({n})" for tag, n in sorted(missing.items())) if missing
              else f"relro, bindnow, {pie} and stack protector on every ELF file; "
                   f"{fortify} files with no fortified call left (hardening-no-fortify-functions)")
    return Check(f"lintian: hardening ({build.settings.flags.hardening}) on every ELF file", not missing, detail)


ELF_TYPE = re.compile(r"^\s*Type:\s+([A-Z]+)\b", re.MULTILINE)  # readelf -h: EXEC, DYN (PIE), ...


def _readelf_logs(build: Build) -> tuple[str, ...]:
    """The validate steps that ran readelf -h -n on an interpreter: the main one's, and the add-on's."""
    return ("readelf-main", "readelf-ft") if build.settings.free_threaded else ("readelf-main",)


def _pie_checks(facts: dict, build: Build) -> list[Check]:
    """Each interpreter's ELF type is what the toolchain says (readelf -h): DYN for a PIE, EXEC without."""
    expected = "DYN" if build.toolchain.pie else "EXEC"
    label = "as PIE" if build.toolchain.pie else "without PIE (flags.pie, or BOLT)"
    checks = []
    for name in _readelf_logs(build):
        found = ELF_TYPE.search(facts.get("logs", {}).get(name, ""))
        kind = found.group(1) if found else None
        checks.append(Check(f"{name.split('-')[1]} interpreter linked {label}", kind == expected,
                            f"ELF type {kind}" if kind else "no ELF header in readelf's output"))
    return checks


def _rc(facts: dict, name: str) -> int | None:
    return facts.get("rc", {}).get(name)


def _smoke(facts: dict, name: str, label: str, build: Build) -> Check:
    """The smoke subset's check, naming failed modules and cases (also those that passed when re-run, -w)."""
    check = _step(facts, name, label)
    failed = failed_tests(facts.get("logs", {}).get(name, ""))
    if check.ok and not failed["modules"]:
        return check
    modules = ", ".join(failed["modules"]) or "no module named in the output"
    cases = "; ".join(failed["cases"][:8]) + (" …" if len(failed["cases"]) > 8 else "")
    status = "passed; failed once, then passed when re-run: " if check.ok else "failed: "
    return Check(label, check.ok, status + modules + (f" ({cases})" if cases else "")
                 + f"; output: {build.validate_log(name)}")


def _step(facts: dict, name: str, label: str) -> Check:
    rc = _rc(facts, name)
    tail = " | ".join(facts.get("logs", {}).get(name, "").strip().splitlines()[-3:])
    return Check(label, rc == 0, "ok" if rc == 0 else f"exit {rc}: {tail}"[:400])


def _interpreter_checks(label: str, data: dict, build: Build, variant: Variant) -> list[Check]:
    if not data:
        return [Check(f"{label}: runs", False, "the interpreter did not run (see facts log)")]
    checks = []
    failed = sorted(n for n, m in data.get("modules", {}).items() if not m.get("ok"))
    checks.append(Check(f"{label}: module inventory", not failed,
                        f"{len(data.get('modules', {})) - len(failed)} import; missing: {', '.join(failed)}"
                        if failed else f"all {len(data.get('modules', {}))} import"))
    checks.append(Check(f"{label}: sqlite3 enable_load_extension", bool(data.get("sqlite_load_extension")),
                        str(data.get("sqlite_load_extension"))))
    config_args = data.get("config_args") or ""
    expected = build.configure_args(variant)
    absent = [a for a in expected if f"'{a}'" not in config_args]
    checks.append(Check(f"{label}: CONFIG_ARGS holds the configured flags", not absent,
                        "all present" if not absent else f"absent: {' '.join(absent)}"))
    foreign = data.get("foreign_sysconfig_paths") or {}
    checks.append(Check(f"{label}: sysconfig points into the prefix only", not foreign,
                        "no /build, /src, /pkg or /usr/local in users' variables" if not foreign
                        else "; ".join(f"{k}={v}" for k, v in sorted(foreign.items()))[:300]))
    cc = str(data.get("cc") or "")
    checks.append(Check(f"{label}: sysconfig CC is the plain compiler", bool(cc) and not any(
        word in cc for word in ("ccache", "clang")), f"{cc} (users' C extensions build with the distro's gcc)"))
    if build.toolchain.tail_call:
        checks.append(Check(f"{label}: the tail-calling interpreter", data.get("tail_call") == 1,
                            f"Py_TAIL_CALL_INTERP = {data.get('tail_call')}"))
    leaks = sorted(set(LEAKY_FLAGS.findall(str(data.get("cflags")) + " " + str(data.get("ldflags")))))
    checks.append(Check(f"{label}: no LTO/PGO flags for users' builds", not leaks,
                        "none" if not leaks else " ".join(leaks)))
    if variant == FREETHREADED:
        checks.append(Check(f"{label}: GIL disabled", data.get("gil_enabled") is False,
                            f"sys._is_gil_enabled() = {data.get('gil_enabled')}"))
        stdlib_ok = str(data.get("os_py", "")).startswith(f"{build.prefix}/lib/python{build.version.major_minor}t/")
        checks.append(Check(f"{label}: finds its stdlib in lib/python{build.version.major_minor}t",
                            stdlib_ok, str(data.get("os_py"))))
    return checks


def judge(facts: dict, build: Build) -> list[Check]:
    """Named pass/fail checks from the collected facts."""
    checks = [_step(facts, "distro-install", "distro's python3 installs"),
              _step(facts, "install", "our packages install with apt")]
    before, after = facts.get("packages_before", {}), facts.get("packages_after", {})
    changed = sorted(p for p, v in before.items() if after.get(p) != v)
    checks.append(Check("distro packages untouched by our install", not changed,
                        "none removed or replaced" if not changed else "changed: " + ", ".join(changed)))
    checks.append(_step(facts, "bytecode-main", "the postinst byte-compiled the stdlib"))
    if build.settings.free_threaded:
        checks.append(_step(facts, "bytecode-ft", "the free-threaded postinst byte-compiled its stdlib entries"))
    checks += _interpreter_checks(DEFAULT.interpreter(build.version.major_minor), facts.get("facts_main") or {},
                                  build, DEFAULT)
    checks.append(_step(facts, "venv-main", "venv + pip (offline) installs into the venv only"))
    files_main = set(facts.get("files_main", []))
    if build.settings.free_threaded:
        checks += _interpreter_checks(FREETHREADED.interpreter(build.version.major_minor), facts.get("facts_ft") or {},
                                      build, FREETHREADED)
        main_mods = {n for n, m in (facts.get("facts_main") or {}).get("modules", {}).items() if m.get("ok")}
        ft_mods = {n for n, m in (facts.get("facts_ft") or {}).get("modules", {}).items() if m.get("ok")}
        checks.append(Check("both interpreters import the same modules", main_mods == ft_mods,
                            "same" if main_mods == ft_mods else f"differ: {sorted(main_mods ^ ft_mods)}"))
        checks.append(_step(facts, "python3t", "python3t exists and runs without the GIL"))
        checks.append(_step(facts, "venv-ft", "free-threaded venv + pip installs into that venv only"))
        shared = sorted(p for p in files_main & set(facts.get("files_ft", []))
                        if p not in (*_parents(build.prefix), build.prefix, *SHARED_SYSTEM_DIRS))
        shared = [p for p in shared if not _is_shared_dir(p, build)]
        checks.append(Check("the two packages share no file", not shared,
                            "none shared" if not shared else f"{len(shared)} shared, e.g. {shared[0]}"))
    outside = sorted(p for p in files_main | set(facts.get("files_ft", [])) if not _allowed_path(p, build))
    checks.append(Check(f"nothing installed outside {build.prefix} and /usr/share/doc", not outside,
                        "ok" if not outside else f"{len(outside)} paths, e.g. {outside[0]}"))
    checks.append(_step(facts, "distro-venv", "the distro's python3 -m venv still works"))
    checks.append(_step(facts, "c-extension", "a C extension builds with sysconfig's compiler and flags"))
    checks.append(_step(facts, "embed-main", "a C program embeds the interpreter (python-config, pkg-config)"))
    if build.settings.free_threaded:
        checks.append(_step(facts, "c-extension-ft", "a C extension builds for the free-threaded ABI"))
        checks.append(_step(facts, "embed-ft", "a C program embeds the free-threaded interpreter"))
    if "--with-dtrace" in build.configure_args(DEFAULT):
        for name in _readelf_logs(build):
            notes = facts.get("logs", {}).get(name, "")
            count = notes.count("stapsdt")
            checks.append(Check(f"DTrace probes in {name.split('-')[1]} interpreter", count > 0,
                                f"{count} stapsdt notes"))
    checks += _pie_checks(facts, build)
    elf = facts.get("elf_deps") or {}
    foreign = sorted(lib for lib in elf.get("needed", {}) if not ALLOWED_LIBRARIES.match(lib))
    checks.append(Check("DT_NEEDED only distro libraries", bool(elf) and not foreign,
                        ("libraries: " + " ".join(sorted(elf.get("needed", {})))) if not foreign
                        else "unexpected: " + " ".join(foreign)))
    checks += _system_library_checks(facts, build)
    rpaths = sorted(elf.get("rpath", {}))
    checks.append(Check("no RPATH/RUNPATH", not rpaths, "none" if not rpaths else " ".join(rpaths)))
    if not build.fast:
        evidence = facts.get("build_log_optimizations", {})
        for variant in build.variants:
            found = evidence.get(variant.name, {})
            pgo = "-fprofile-instr-use" if build.toolchain.compiler == "clang" else "-fprofile-use"
            for what, flag in (("PGO", pgo), ("LTO", "-flto")):
                checks.append(Check(f"{variant} interpreter built with {what}", bool(found.get(flag)),
                                    f"{found.get(flag, 0)} compile/link lines with {flag} in the build log"))
            missing_profiles = found.get("missing-profile", 0)
            allowed = MAX_MISSING_PROFILES[build.toolchain.compiler]
            checks.append(Check(f"{variant} interpreter: the PGO profile matched the final build",
                                missing_profiles <= allowed,
                                f"{missing_profiles} file(s) compiled without matching profile data "
                                f"(the compiler's warnings; at most {allowed} allowed)"))
    if build.test_suite:
        label = f"test suite smoke subset ({len(build.smoke_modules)} modules)"
        checks.append(_smoke(facts, "smoke-main", label, build))
        if build.settings.free_threaded:
            checks.append(_smoke(facts, "smoke-ft", "test suite smoke subset, free-threaded", build))
    missing = facts.get("build_log_missing", [])
    checks.append(Check("build log lists no missing modules", not missing,
                        "none" if not missing else " ".join(missing)))
    checks.append(_lintian_check(facts, build))
    if build.settings.flags.hardening != "off":
        checks.append(_hardening_check(facts, build))
    checks.append(_step(facts, "purge", "apt purge succeeds"))
    checks.append(_step(facts, "prefix-gone", f"purge leaves no {build.prefix}"))
    checks.append(_step(facts, "distro-after-purge", "the distro's python3 works after the purge"))
    return checks


def _is_shared_dir(path: str, build: Build) -> bool:
    """Directories both packages may list (dpkg -L lists parent directories)."""
    prefix = build.prefix
    return path in (f"{prefix}/bin", f"{prefix}/lib", f"{prefix}/include", f"{prefix}/lib/pkgconfig",
                    f"{prefix}/share", f"{prefix}/share/man", f"{prefix}/share/man/man1")


# Directories every package lists and many own: the packages' docs and lintian overrides live under them.
SHARED_SYSTEM_DIRS = ("/usr", "/usr/share", "/usr/share/doc", "/usr/share/lintian", "/usr/share/lintian/overrides")


def _parents(prefix: str) -> tuple[str, ...]:
    """The directories above the prefix, as dpkg lists them ("/." for the root): /opt/python/python3.14 ->
    /., /opt, /opt/python."""
    parts = prefix.strip("/").split("/")
    return ("/.", *("/" + "/".join(parts[:i]) for i in range(1, len(parts))))


def _allowed_path(path: str, build: Build) -> bool:
    if path in _parents(build.prefix) or path in SHARED_SYSTEM_DIRS:
        return True
    if path == build.prefix or path.startswith(build.prefix + "/"):
        return True
    return any(path == f"/usr/share/doc/{p}" or path.startswith(f"/usr/share/doc/{p}/")
               or path == f"/usr/share/lintian/overrides/{p}" for p in build.packages)


