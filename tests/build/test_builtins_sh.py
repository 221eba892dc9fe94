"""builtins.sh: flags.builtin_modules become a *static* block in the build tree's Modules/Setup.local, each
module's rule taken from the sources' Modules/Setup.stdlib.in; names it cannot build in fail the step."""

import subprocess
from pathlib import Path

BUILTINS_SH = Path(__file__).resolve().parents[2] / "docker" / "steps" / "builtins.sh"
# lines as CPython 3.14's Modules/Setup.stdlib.in has them
STDLIB_IN = """\
# comment
*@MODULE_BUILDTYPE@*
@MODULE_ARRAY_TRUE@array arraymodule.c
@MODULE__JSON_TRUE@_json _json.c
@MODULE__JSONX_TRUE@_jsonx _jsonx.c
@MODULE_PYEXPAT_TRUE@pyexpat pyexpat.c
@MODULE__CTYPES_TRUE@_ctypes _ctypes/_ctypes.c _ctypes/cfield.c @MODULE__CTYPES_MALLOC_CLOSURE@
"""


def run(tmp_path, names):
    src, tree = tmp_path / "src", tmp_path / "build"
    (src / "Modules").mkdir(parents=True, exist_ok=True)
    (src / "Modules" / "Setup.stdlib.in").write_text(STDLIB_IN)
    result = subprocess.run(["bash", "-c", f'set -euo pipefail; . "{BUILTINS_SH}"; pb_builtin_modules "$@"', "sh",
                             names, str(src), str(tree)], capture_output=True, text=True)
    setup = tree / "Modules" / "Setup.local"
    return result, setup.read_text() if setup.exists() else None


def test_named_modules_get_their_rules_in_a_static_block(tmp_path):
    result, setup = run(tmp_path, "_json pyexpat array")
    assert result.returncode == 0, result.stderr
    assert setup.splitlines()[1:] == ["*static*", "_json _json.c", "pyexpat pyexpat.c", "array arraymodule.c"]
    assert "built into the interpreter: _json pyexpat array" in result.stdout


def test_none_leaves_setup_local_to_configure(tmp_path):
    result, setup = run(tmp_path, "")
    assert result.returncode == 0 and setup is None


def test_a_module_it_cannot_build_in_fails_the_step_with_one_line(tmp_path):
    for names, words in (("_json _nope", "this CPython has no optional extension module '_nope'"),
                         ("_ctypes", "'_ctypes' takes sources configure chooses"),
                         ("_json*", "bad module name '_json*'")):
        result, _ = run(tmp_path, names)
        assert result.returncode == 2, names
        assert len(result.stderr.strip().splitlines()) == 1 and words in result.stderr
