"""The task graph, through doit's own API: names, dependencies and which steps re-run after a change.

Actions are replaced by fakes that only write their targets, so doit's real up-to-date logic
(file_dep, targets, config_changed) decides what runs; no Docker is involved.
"""

from __future__ import annotations

import io
import time
import types
from pathlib import Path

import pytest
from doit.cmd_base import ModuleTaskLoader
from doit.doit_cmd import DoitMain

from tasks.pipeline import actions as steps
from tasks.pipeline import cli, graph, overrides

FAKED = ("download", "checksum", "unpack", "image", "configure", "compile_", "package", "validate")


def _fake(*args, targets):
    for target in targets:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_text(repr([str(a) for a in args]) + str(time.time_ns()))


@pytest.fixture
def run_doit(project, monkeypatch):
    """Run doit in-process on the project copy; return the names of the tasks doit executed."""
    for name in FAKED:
        monkeypatch.setattr(steps, name, _fake)

    def run(*argv: str) -> list[str]:
        module = types.ModuleType("dodo_under_test")
        module.DOIT_CONFIG = {"default_tasks": ["build"], "backend": "sqlite3", "verbosity": 0}
        module.task_python_builder = lambda: cli.tasks(project, argv=list(argv))
        out = io.StringIO()
        code = DoitMain(ModuleTaskLoader(vars(module)), config_filenames=(), extra_config={
            "GLOBAL": {"dep_file": str(project / ".doit.db"), "backend": "sqlite3", "outfile": out}
        }).run(list(argv))
        assert code == 0, out.getvalue()
        return [line[3:].strip() for line in out.getvalue().splitlines() if line.startswith(".  ")]
    return run


def test_list_shows_families_with_docs(project, capsys):
    module = types.ModuleType("d")
    module.task_python_builder = lambda: cli.tasks(project, {})
    DoitMain(ModuleTaskLoader(vars(module)), config_filenames=(),
             extra_config={"GLOBAL": {"dep_file": str(project / ".db")}}).run(["list"])
    listed = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert set(listed) == {"build", "download", "checksum", "extract", "image", "configure", "compile",
                           "configure_ft", "compile_ft", "package", "validate", "pin", "repo", "rebuild_check"}
    assert all(len(line.split()) > 2 for line in listed.values())


@pytest.mark.parametrize("named, waits", [
    ((), False), (("rebuild_check:3.13.15-trixie",), False), (("build:3.13.15-bookworm", "rebuild_check"), False),
    (("build", "rebuild_check"), True), (("build:3.13.15", "rebuild_check:3.13.15-trixie"), True),
    (("build:3.13.15-trixie", "rebuild_check:3.13.15-trixie"), True),
])
def test_rebuild_check_waits_for_a_build_named_in_the_same_command_only(config_data, project, named, waits):
    """Alone it checks dist/ as it is (given packages are never built over); beside its pair's build, which
    doit may run at the same time (two tasks at once), it waits for the packages."""
    from tasks.model import config
    settings = overrides.apply_overrides(config.parse(config_data), {"PYTHON_VERSION": "3.13.15"})
    task = next(t for t in graph.all_tasks(settings, project, named=named)
                if t["basename"] == "rebuild_check" and t["name"] == "3.13.15-trixie")
    assert task["task_dep"] == (["build:3.13.15-trixie"] if waits else [])


def test_task_names_and_dependencies(config_data, project):
    from tasks.model import config
    settings = overrides.apply_overrides(config.parse(config_data), {"PYTHON_VERSION": "3.13.15"})
    tasks = {f"{t['basename']}:{t['name']}" if t["name"] else t["basename"]: t
             for t in graph.all_tasks(settings, project)}
    key = "3.13.15-trixie"
    for name in ("download:3.13.15", "checksum:3.13.15", "extract:3.13.15", "image:trixie",
                 f"configure:{key}", f"compile:{key}", f"configure_ft:{key}", f"compile_ft:{key}",
                 f"package:{key}", f"build:{key}", "build:3.13.15"):
        assert name in tasks, name
    assert tasks[f"build:{key}"]["task_dep"] == [f"validate:{key}"]
    assert set(tasks[f"validate:{key}"]["file_dep"]) >= set(tasks[f"package:{key}"]["targets"][:1])
    assert tasks["build:3.13.15"]["task_dep"] == [f"build:{key}"]
    # the chain is made of file dependencies on the previous step's target
    assert tasks["checksum:3.13.15"]["file_dep"] == tasks["download:3.13.15"]["targets"]
    assert tasks["extract:3.13.15"]["file_dep"][0] == tasks["checksum:3.13.15"]["targets"][0]
    assert set(tasks["extract:3.13.15"]["targets"]) <= set(tasks[f"configure:{key}"]["file_dep"])
    assert set(tasks["image:trixie"]["targets"]) <= set(tasks[f"configure_ft:{key}"]["file_dep"])
    assert tasks[f"configure:{key}"]["targets"][0] in tasks[f"compile:{key}"]["file_dep"]
    # each step depends on its script and on every script that one sources, read from the scripts themselves
    steps = project / "docker" / "steps"
    for step, script, sourced in (("configure", "configure.sh", {"facts.sh", "buildflags.sh", "lto.sh", "bolt.sh",
                                                                 "toolchain.sh", "builtins.sh"}),
                                  ("compile", "compile.sh", {"facts.sh", "lto.sh", "bolt.sh", "gcc-lto.mk",
                                                             "clang-lto.mk"})):
        deps = {Path(d).name for d in tasks[f"{step}:{key}"]["file_dep"] if Path(d).parent == steps}
        assert deps == {script} | sourced, step
    assert {tasks[f"compile:{key}"]["targets"][0], tasks[f"compile_ft:{key}"]["targets"][0]} <= set(
        tasks[f"package:{key}"]["file_dep"])
    debs = [Path(t).name for t in tasks[f"package:{key}"]["targets"]]
    assert "opt-python3.13_3.13.15-1+trixie_amd64.deb" in debs
    assert "opt-python3.13t_3.13.15-1+trixie_amd64.deb" in debs
    assert "opt-python3.13-dbgsym_3.13.15-1+trixie_amd64.deb" in debs
    # the config's default is an optimized build: its PGO profile data is a target of each compile
    assert tasks[f"compile:{key}"]["targets"][1].endswith("/3.13.15-trixie/default/profile-run-stamp")
    assert tasks[f"compile_ft:{key}"]["targets"][1].endswith("/3.13.15-trixie/freethreaded/profile-run-stamp")
    fast = overrides.apply_overrides(config.parse(config_data), {"PYTHON_VERSION": "3.13.15", "FAST_BUILD": "true"})
    fast_tasks = {f"{t['basename']}:{t['name']}": t for t in graph.all_tasks(fast, project) if t["name"]}
    assert len(fast_tasks[f"compile:{key}"]["targets"]) == 1  # no profile in FAST builds


def test_no_free_threaded_tasks_when_off(config_data, project):
    from tasks.model import config
    settings = overrides.apply_overrides(config.parse(config_data), {"BUILD_NOGIL": "false"})
    names = {t["basename"] for t in graph.all_tasks(settings, project)}
    assert "configure_ft" not in names and "compile_ft" not in names
    package = next(t for t in graph.all_tasks(settings, project) if t["basename"] == "package" and t["name"])
    assert not any("python3.14t" in Path(t).name for t in package["targets"])


V = "PYTHON_VERSION=3.13.15"
KEY = "3.13.15-trixie"
ALL_STEPS = ["download:3.13.15", "checksum:3.13.15", "extract:3.13.15", "image:trixie",
             f"configure:{KEY}", f"compile:{KEY}", f"configure_ft:{KEY}", f"compile_ft:{KEY}", f"package:{KEY}",
             f"validate:{KEY}"]


def test_first_run_runs_every_step_then_nothing(run_doit):
    assert sorted(run_doit("build", V, "FAST_BUILD=true")) == sorted(ALL_STEPS)
    assert run_doit("build", V, "FAST_BUILD=true") == []


@pytest.mark.parametrize("change, reruns", [
    # a free-threaded-only flag change leaves the default variant alone
    ({"flags.free_threaded": '["--disable-gil", "--with-ensurepip=no", "--without-doc-strings"]'},
     [f"configure_ft:{KEY}", f"compile_ft:{KEY}", f"package:{KEY}", f"validate:{KEY}"]),
    # FAST_BUILD changes both variants' configure flags
    ({"var": "FAST_BUILD=false"},
     [f"configure:{KEY}", f"compile:{KEY}", f"configure_ft:{KEY}", f"compile_ft:{KEY}", f"package:{KEY}", f"validate:{KEY}"]),
    # the display name only reaches the package description
    ({"var": "OS_DISTRO_DISP=My Trixie"}, [f"package:{KEY}", f"validate:{KEY}"]),
    # the revision only reaches the package version
    ({"package.revision": '"2"'}, [f"package:{KEY}", f"validate:{KEY}"]),
    # modules built into the interpreter change both variants
    ({"flags.builtin_modules": '["_json"]'},
     [f"configure:{KEY}", f"compile:{KEY}", f"configure_ft:{KEY}", f"compile_ft:{KEY}", f"package:{KEY}", f"validate:{KEY}"]),
    # the PGO workload does not matter to a FAST build
    ({"flags.profile_task": '"-m test --pgo"'}, []),
    # turning the free-threaded build off re-packages only
    ({"var": "BUILD_NOGIL=false"}, [f"package:{KEY}", f"validate:{KEY}"]),
    # a build dependency changes the image, so everything built in it
    ({"distros.trixie.add_build_deps": '["libb2-dev"]'},
     ["image:trixie", f"configure:{KEY}", f"compile:{KEY}", f"configure_ft:{KEY}", f"compile_ft:{KEY}",
      f"package:{KEY}", f"validate:{KEY}"]),
])
def test_exactly_the_affected_steps_rerun(run_doit, project, change, reruns):
    run_doit("build", V, "FAST_BUILD=true")
    extra = ["FAST_BUILD=true"]
    for key, value in change.items():
        if key == "var":
            extra = [v for v in extra if v.split("=")[0] != value.split("=")[0]] + [value]
        else:
            _set_toml(project / "config.toml", key, value)
    ran = run_doit("build", V, *extra)
    assert sorted(ran) == sorted(reruns)


def test_a_new_micro_version_reuses_the_image(run_doit):
    run_doit("build", V, "FAST_BUILD=true")
    ran = run_doit("build", "PYTHON_VERSION=3.13.5", "FAST_BUILD=true")
    assert "image:trixie" not in ran
    assert "configure:3.13.5-trixie" in ran and "download:3.13.5" in ran


def test_script_change_reruns_its_step_and_after(run_doit, project):
    run_doit("build", V, "FAST_BUILD=true")
    script = project / "docker" / "steps" / "compile.sh"
    script.write_text(script.read_text() + "\n# changed\n")
    assert sorted(run_doit("build", V, "FAST_BUILD=true")) == sorted(
        [f"compile:{KEY}", f"compile_ft:{KEY}", f"package:{KEY}", f"validate:{KEY}"])


def _set_toml(path: Path, dotted: str, value: str) -> None:
    """Set one key in config.toml by editing its line (tables: build, package, flags, distros.X)."""
    *tables, key = dotted.split(".")
    table = "[" + ".".join(tables) + "]"
    lines = path.read_text().splitlines()
    start = lines.index(table)
    for number in range(start + 1, len(lines)):
        if lines[number].startswith("["):
            break
        if lines[number].split("=")[0].strip() == key:
            end = number
            while lines[end].count("[") > lines[end].count("]") or (
                    end > number and not lines[end].rstrip().endswith("]")):
                end += 1
            lines[number:end + 1] = [f"{key} = {value}"]
            path.write_text("\n".join(lines) + "\n")
            return
    raise AssertionError(f"{dotted} not found")


@pytest.mark.parametrize("variables, expected", [
    ((), {"build:3.13.15-trixie"}),
    # (checksum and extract only list the stamps they remove, and there are none here)
    (("CLEAN_DOWNLOADS=true",), {"build:3.13.15-trixie", "download:3.13.15"}),
    (("CLEAN_IMAGES=true",), {"build:3.13.15-trixie", "image:trixie"}),
])
def test_clean_keeps_downloads_and_images_unless_asked(project, capsys, variables, expected):
    module = types.ModuleType("d")
    module.DOIT_CONFIG = {"default_tasks": ["build"]}
    argv = ["clean", "-n", V, *variables]
    module.task_python_builder = lambda: cli.tasks(project, argv=argv)  # in-process: argv given, as doit's
    DoitMain(ModuleTaskLoader(vars(module)), config_filenames=(),
             extra_config={"GLOBAL": {"dep_file": str(project / ".db")}}).run(argv)
    cleaned = {line.split(" - ")[0] for line in capsys.readouterr().out.splitlines() if " - " in line}
    assert cleaned == expected
