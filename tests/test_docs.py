"""The docs against the code: tasks/model/keys.py declares every config key once (type, default, one-line
doc); docs/configuration.md carries its table as generated, and config.toml's comment above each key says its
doc; the README lists every command-line variable; docs/architecture.md maps every module."""

from __future__ import annotations

import re

import pytest

from tasks.model import config, keys
from tests.conftest import ROOT

# tables whose keys the documentation table lists as `<prefix>.<key>`
DOCUMENTED = {table: table for table in config.KEYS if table not in ("config", "verification.signers.<line>",
                                                                     "pins.<version>")}


def doc_rows() -> list[str]:
    text = (ROOT / "docs" / "configuration.md").read_text()
    return [line for line in text.splitlines() if line.startswith("| `")]


def test_every_accepted_key_is_documented():
    rows = doc_rows()
    for table, prefix in DOCUMENTED.items():
        for key in sorted(config.KEYS[table]):
            if table == "verification" and key == "signers":
                continue  # documented as verification.signers."X.Y"
            found = [row for row in rows if row.startswith(f"| `{prefix}.") and f"`{key}`" in row
                     or row.startswith(f"| `{prefix}.{key}`")]
            assert found, f"docs/configuration.md lacks {prefix}.{key}"


def test_every_documented_key_is_accepted():
    for row in doc_rows():
        cell = row.split("|")[1]
        for name in re.findall(r"`([^`]+)`", cell):
            if "." not in name:
                continue  # the second key of a row such as `distros.<name>.add_build_deps`, `drop_build_deps`
            if name.startswith(("verification.signers.", "pins.")):
                continue
            prefix, _, key = name.rpartition(".")
            assert prefix in config.KEYS and key in config.KEYS[prefix], f"documented but not accepted: {name}"
        names = [n for n in re.findall(r"`([^`]+)`", cell) if "." not in n]
        if names and not cell.strip().startswith(("`verification.signers.", "`pins.")):
            prefix = re.findall(r"`([^`]+)`", cell)[0].rpartition(".")[0]
            assert all(n in config.KEYS[prefix] for n in names), row


def test_config_toml_names_every_key():
    text = (ROOT / "config.toml").read_text()
    sections = re.split(r"^\[([^\]]+)\]\s*$", text, flags=re.M)
    bodies = dict(zip(sections[1::2], sections[2::2], strict=True))
    for table in ("build", "package", "flags", "sources", "verification", "ccache", "build_deps"):
        for key in config.KEYS[table]:
            body = bodies.get(table, "") + (bodies.get("verification.signers", "") if table == "verification" else "")
            assert re.search(rf"^(# *)?{key} =", body, re.M) or (table, key) == ("verification", "signers"), \
                f"config.toml's [{table}] does not name {key}"
    for key in config.KEYS["distros.<name>"]:
        assert re.search(rf"^#?\s*{key}\b|^{key} =", text, re.M), f"config.toml never names distros.<name>.{key}"


def test_readme_lists_every_command_line_variable():
    from tasks.pipeline import overrides
    cells = [line.split("|")[1] for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("| `")]
    listed = {name for cell in cells for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}
    assert listed == set(overrides.CLI_VARIABLES)


def test_the_module_map_names_every_module():
    """docs/architecture.md's module map is the newcomer's way in: every module of tasks/ is in it."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    listed = set(re.findall(r"^\| `(tasks/[\w/]+\.py)` \|", text, re.M))
    assert listed == {str(p.relative_to(ROOT)) for p in (ROOT / "tasks").rglob("*.py")}


def test_the_module_map_counts_each_modules_lines():
    """Its line counts are the module's own (it also says that no module is over 350 lines)."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    counted = {path: int(n) for path, n in re.findall(r"^\| `(tasks/[\w/]+\.py)` \| (\d+) \|", text, re.M)}
    assert counted == {path: len((ROOT / path).read_text().splitlines()) for path in counted}
    assert max(counted.values()) <= 350


def test_the_docs_carry_the_declared_table_of_keys():
    text = (ROOT / "docs" / "configuration.md").read_text()
    assert keys.markdown_table() in text, "docs/configuration.md's table of keys is stale: paste in the output " \
        "of `python3 -m tasks.model.keys`"


def comment_above(lines: list[str], index: int) -> str:
    """The comment block right above a line, as one whitespace-normalized string."""
    block = []
    while index > 0 and lines[index - 1].startswith("#"):
        index -= 1
        block.insert(0, lines[index].lstrip("#"))
    return " ".join(" ".join(block).split())


CONFIG_LINES = (ROOT / "config.toml").read_text().splitlines()
FIXED = [k for k in keys.SPEC if "<" not in k.name]


@pytest.mark.parametrize("spec", FIXED, ids=[k.name for k in FIXED])
def test_config_toml_says_each_keys_doc_above_it(spec):
    """The comment above `key =` in its [table] (or above [verification.signers]) holds the declared doc; a key
    that shares a comment with the key above it may sit right under that key."""
    section = CONFIG_LINES.index(f"[{spec.table}]") if spec.name != "verification.signers" else None
    if section is None:
        index = CONFIG_LINES.index("[verification.signers]")
    else:
        index = next(i for i in range(section + 1, len(CONFIG_LINES))
                     if re.match(rf"^(# *)?{spec.key} =", CONFIG_LINES[i]))
        while not CONFIG_LINES[index - 1].startswith("#") and re.match(r"^\w+ =", CONFIG_LINES[index - 1]):
            index -= 1
    assert " ".join(spec.doc.split()).lower() in comment_above(CONFIG_LINES, index).lower(), \
        f"config.toml: the comment above {spec.name} does not say: {spec.doc}"


def test_config_toml_describes_each_distro_key():
    start = CONFIG_LINES.index("# One table per distro. Keys:")
    block = []
    for line in CONFIG_LINES[start + 1:]:
        if not line.startswith("#"):
            break
        block.append(" ".join(line.lstrip("#").split()))
    text = " ".join(block)
    for spec in keys.SPEC:
        if spec.table == "distros.<name>":
            assert f"{spec.key} {' '.join(spec.doc.split())}" in text, f"config.toml: the distro keys' comment " \
                f"does not say: {spec.key} {spec.doc}"
