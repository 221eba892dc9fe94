"""The validate step: install the .debs in a fresh container of the plain base image, collect the facts
(docker/validate/validate.sh), judge them (judge.py) and write the report beside the .debs."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from tasks.engine import docker_env, paths, runner
from tasks.errors import UserError
from tasks.files import Targets, read_json, remove_tree, write_json_atomic
from tasks.model.plan import Build
from tasks.model.variant import ALL as ALL_VARIANTS
from tasks.validate.facts import read_facts
from tasks.validate.judge import free_threading_status, judge, lintian_suppressed, modules_for


def validate(build: Build) -> dict:
    """Run the validation container, judge, write the report next to the .debs; fail on any failed check."""
    started = time.monotonic()
    report_path = build.validation_report
    with Targets(report_path) as targets:
        layout = build.layout
        image_record = read_json(layout.image_stamp(build.distro))
        base = image_record.get("base")
        if not base or not image_record.get("tag"):
            raise UserError(f"no base image recorded for {build.distro.name}; run `doit image:{build.distro.name}`")
        debs = [build.main_deb.name] + ([build.ft_deb.name] if build.ft_deb else [])
        for leftover in layout.cache.glob(f"validate-{build.key}-*"):  # a killed run's scratch directory
            remove_tree(leftover)
        work = Path(tempfile.mkdtemp(prefix=f"validate-{build.key}-", dir=layout.cache))
        try:
            # lintian from the build image (it is a build dependency): no apt run, no network, as the user
            lintian = runner.Step(
                name=f"lintian:{build.key}", image=image_record["tag"], log=layout.logs / f"lintian-{build.key}.log",
                project_id=layout.project_id, command=("bash", paths.script(paths.VALIDATE, "lintian.sh"),
                                                       *(p.name for p in build.deb_files())),
                environment={"PB_LINTIAN_SUPPRESS": ",".join(lintian_suppressed(build))},
                mounts=(runner.Mount(build.dist_dir, paths.DEBS),
                        paths.validate_mount(layout.root),
                        runner.Mount(work, paths.OUT, read_only=False)),
                docker_host=build.distro.docker_host,
            )
            install = runner.Step(
                name=f"validate:{build.key}", image=base, log=layout.logs / f"validate-{build.key}.log",
                project_id=layout.project_id, user="0:0", network="host",
                # test_sys's sys.remote_exec (3.14+) attaches to a process with ptrace, which Docker's default
                # profile withholds: the throwaway install container gets it, so the smoke subset runs whole
                capabilities=("SYS_PTRACE",),
                command=("bash", paths.script(paths.VALIDATE, "validate.sh"), *debs),
                environment={"PB_PREFIX": build.prefix, "PB_MM": build.version.major_minor,
                             "PB_PKG_MAIN": build.package_main,
                             "PB_PKG_FT": build.package_ft if build.settings.free_threaded else "",
                             "PB_MODULES": ",".join(modules_for(build)), "PB_OWNER": docker_env.user_spec(),
                             "PB_SMOKE_TESTS": " ".join(build.smoke_modules),
                             "PB_ALLOW_EXPIRED_RELEASE": "1" if build.distro.allow_expired_release else ""},
                mounts=(runner.Mount(build.dist_dir, paths.DEBS),
                        paths.validate_mount(layout.root),
                        runner.Mount(work, paths.OUT, read_only=False)),
                docker_host=build.distro.docker_host,
            )
            # lintian is one busy core; the install check mostly waits on apt and the tests: they overlap well
            runner.run_side_by_side(install, lintian)
            facts = read_facts(work, build)
            # the test suite's and the embedding programs' output is kept whole, beside the step's log
            for name in (f"{check}-{v.facts_label}" for check in ("smoke", "embed") for v in ALL_VARIANTS):
                if (work / f"{name}.log").exists():
                    shutil.copyfile(work / f"{name}.log", build.validate_log(name))
        finally:
            remove_tree(work)
        checks = judge(facts, build)
        report = {
            "build": build.key, "package_version": build.debian_version, "base_image": base,
            "free_threading": free_threading_status(build.version) if build.settings.free_threaded else None,
            "passed": all(c.ok for c in checks),
            "checks": [asdict(c) for c in checks],
            "modules": {k: sorted(n for n, m in (facts.get(k) or {}).get("modules", {}).items() if m.get("ok"))
                        for k in (f"facts_{v.facts_label}" for v in ALL_VARIANTS)},
            "versions": {k: {f: (facts.get(k) or {}).get(f) for f in ("version", "expat_version", "libmpdec_version",
                                                                        "openssl_version")}
                         for k in (f"facts_{v.facts_label}" for v in ALL_VARIANTS)},
            "distro_python": {p: v for p, v in facts.get("packages_before", {}).items()
                              if p.startswith("python3")},
            "needed_libraries": sorted((facts.get("elf_deps") or {}).get("needed", {})),
            "system_libraries": facts.get("system_libs") or {},
            "lintian": facts.get("lintian") or {},
            "seconds": round(time.monotonic() - started, 1),
        }
        for check in checks:
            print(f"  [{'pass' if check.ok else 'FAIL'}] {check.name}: {check.detail}", file=sys.stderr)
        failed = [c.name for c in checks if not c.ok]
        if failed:
            failed_path = report_path.with_suffix(".failed.json")
            write_json_atomic(failed_path, report)  # kept: the report of a failure is no target
            raise UserError(f"validate:{build.key}: {len(failed)} check(s) failed: {'; '.join(failed)}; "
                            f"report: {failed_path}")
        report_path.with_suffix(".failed.json").unlink(missing_ok=True)
        targets.write(report_path, report)
        return {"passed": True, "checks": len(checks), "seconds": report["seconds"]}
