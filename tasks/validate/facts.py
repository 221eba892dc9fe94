"""What the validate container left behind, and the build logs, read into one facts dict for the judge."""

from __future__ import annotations

import re
from pathlib import Path

from tasks.files import read_json
from tasks.model.plan import Build

# One lintian hint: "E: package[ changes]: tag context..." (E error, W warning, I info, P pedantic,
# X experimental, O overridden, N note).
LINTIAN_LINE = re.compile(r"^([EWIPXO]): ([a-z0-9][a-z0-9+.-]*)(?: [a-z]+)?: ([a-z0-9][a-z0-9+.-]*)")



def missing_from_build_log(text: str) -> list[str]:
    """Modules the build log says could not be built ("necessary bits ... not found", "Failed to build")."""
    missing = []
    for header in ("The necessary bits to build these optional modules were not found:",
                   "Failed to build these modules:", "Following modules built successfully but were removed"):
        for block in text.split(header)[1:]:
            for line in block.splitlines()[1:]:
                if not line.strip() or line.startswith(("To find", "Checked", "The following")):
                    break
                missing += line.split()
    return sorted(set(missing))



# The warnings a compiler gives per file compiled with -fprofile-use / -fprofile-instr-use whose profile data
# it did not find (gcc, clang) or found for other code (clang: some functions' hashes differ).
MISSING_PROFILE_WARNINGS = ("[-Wmissing-profile]", "[-Wprofile-instr-unprofiled]", "[-Wprofile-instr-out-of-date]")


def optimization_evidence(log_text: str) -> dict[str, int]:
    """How many compiler lines of the build log used profile data (gcc's -fprofile-use, clang's
    -fprofile-instr-use) and link-time optimization, and how many files the compiler found no (gcc, clang) or
    out-of-date (clang) profile data for."""
    lines = log_text.splitlines()
    evidence = {flag: sum(1 for line in lines if flag in line and line.lstrip().startswith(("gcc", "cc ", "clang")))
                for flag in ("-fprofile-generate", "-fprofile-use", "-fprofile-instr-use", "-flto")}
    evidence["missing-profile"] = sum(1 for line in lines if line.rstrip().endswith(MISSING_PROFILE_WARNINGS))
    return evidence



def lintian_tags(text: str) -> dict[str, dict[str, int]]:
    """{severity letter: {tag: count}} from lintian's output."""
    tags: dict[str, dict[str, int]] = {}
    for line in text.splitlines():
        match = LINTIAN_LINE.match(line)
        if match:
            severity, _package, tag = match.groups()
            bucket = tags.setdefault(severity, {})
            bucket[tag] = bucket.get(tag, 0) + 1
    return tags


REGRTEST_FAILED = re.compile(r"^(?:\d+:\d+:\d+ )?(?:load avg: [\d.]+ )?(?:\[[ \d/]+\] )?(test_\w+) "
                             r"(?:failed|crashed)\b", re.M)


REGRTEST_CASE = re.compile(r"^(FAIL|ERROR): (test\w*) \(([\w.]+)\)", re.M)



def failed_tests(log: str) -> dict[str, list[str]]:
    """The test modules and cases a regrtest run (`python -m test`) reports as failed in its output."""
    modules = sorted(set(REGRTEST_FAILED.findall(log)))
    cases = sorted({f"{where}.{case}" if not where.endswith(case) else where
                    for _, case, where in REGRTEST_CASE.findall(log)})
    return {"modules": modules, "cases": cases}



def _parse_packages(text: str) -> dict[str, str]:
    return dict(line.split(" ", 1) for line in text.splitlines() if " " in line)



def read_facts(out: Path, build: Build) -> dict:
    """Gather what validate.sh left in `out` into one dict."""
    facts: dict = {"rc": {}, "logs": {}}
    for rc_file in out.glob("*.rc"):
        name = rc_file.stem
        facts["rc"][name] = int(rc_file.read_text().strip() or 1)
        log = out / f"{name}.log"
        facts["logs"][name] = log.read_text(errors="replace")[-20000:] if log.exists() else ""
    for key, name in (("facts_main", "facts-main.json"), ("facts_ft", "facts-ft.json"),
                      ("elf_deps", "elf-deps.log"), ("system_libs", "system-libs.log")):
        facts[key] = read_json(out / name) or None
    for key, name in (("packages_before", "packages-before.txt"), ("packages_after", "packages-after.txt")):
        path = out / name
        facts[key] = _parse_packages(path.read_text()) if path.exists() else {}
    for key, name in (("files_main", "files-main.txt"), ("files_ft", "files-ft.txt")):
        path = out / name
        facts[key] = path.read_text().splitlines() if path.exists() else []
    lintian_log = out / "lintian.log"
    facts["lintian"] = lintian_tags(lintian_log.read_text(errors="replace")) if lintian_log.exists() else {}
    missing, optimizations = [], {}
    for variant in build.variants:
        log = build.layout.logs / f"{variant.step('compile')}-{build.key}.log"
        if log.exists():
            text = log.read_text(errors="replace")
            missing += missing_from_build_log(text)
            optimizations[variant.name] = optimization_evidence(text)
    facts["build_log_missing"] = sorted(set(missing))
    facts["build_log_optimizations"] = optimizations
    return facts
