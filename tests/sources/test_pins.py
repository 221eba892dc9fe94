"""`doit pin` writes its line into config.toml's [pins] so that the file parses again (a TOML round trip
checks every write; a file it cannot write safely is left unchanged)."""

from __future__ import annotations

import hashlib
import subprocess
import tomllib

import pytest

from tasks.errors import UserError
from tasks.model.versions import Version
from tasks.sources.pins import pin_line, write_pin
from tests.conftest import doit_cli

V = Version.parse("3.14.7")
LINE = pin_line(V, {"sha256": "a" * 64, "size": 123, "location": "https://example.org/Python-3.14.7.tar.xz"})


@pytest.mark.parametrize("header", ["[pins]", "[pins]  # written by doit pin", "  [pins]", "[ pins ]",
                                    '["pins"] # quoted'])
def test_the_pin_lands_in_the_pins_table_whatever_its_header_looks_like(tmp_path, header):
    config = tmp_path / "config.toml"
    config.write_text(f'[build]\nversions = ["3.14.7"]\n\n{header}\n"3.13.5" = {{ sha256 = "{"b" * 64}" }}\n\n'
                      '[other]\nkey = 1\n')
    write_pin(config, V, LINE)
    data = tomllib.loads(config.read_text())
    assert data["pins"]["3.14.7"] == {"sha256": "a" * 64, "size": 123,
                                      "url": "https://example.org/Python-3.14.7.tar.xz"}
    assert data["pins"]["3.13.5"]["sha256"] == "b" * 64 and data["other"] == {"key": 1}


def test_a_pin_is_replaced_not_repeated(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[pins]\n  "3.14.7" = {{ sha256 = "{"c" * 64}" }}\n')
    write_pin(config, V, LINE)
    assert tomllib.loads(config.read_text())["pins"]["3.14.7"]["sha256"] == "a" * 64
    assert config.read_text().count("3.14.7") == 2  # the key and the URL of the one line


def test_no_pins_table_gets_one(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[build]\nversions = []\n")
    write_pin(config, V, LINE)
    assert tomllib.loads(config.read_text())["pins"]["3.14.7"]["size"] == 123


def test_a_file_it_cannot_write_safely_is_left_unchanged(tmp_path):
    config = tmp_path / "config.toml"
    before = f'pins = {{ "3.13.5" = {{ sha256 = "{"b" * 64}" }} }}\n'  # an inline [pins] table
    config.write_text(before)
    with pytest.raises(UserError, match="add this line to its \\[pins\\] table by hand"):
        write_pin(config, V, LINE)
    assert config.read_text() == before


def test_a_symlinked_config_stays_a_link(tmp_path):
    (tmp_path / "shared").mkdir()
    real = tmp_path / "shared" / "config.toml"
    real.write_text("[pins]\n")
    config = tmp_path / "config.toml"
    config.symlink_to(real)
    write_pin(config, V, LINE)
    assert config.is_symlink() and tomllib.loads(real.read_text())["pins"]["3.14.7"]["size"] == 123
    assert sorted(p.name for p in (tmp_path / "shared").iterdir()) == ["config.toml"]  # no temporary left


def test_crlf_line_ends_stay(tmp_path):
    config = tmp_path / "config.toml"
    config.write_bytes(b'[build]\r\nversions = []\r\n\r\n[pins]\r\n')
    write_pin(config, V, LINE)
    raw = config.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n") == 5 and tomllib.loads(raw.decode())["pins"]["3.14.7"]


def test_a_byte_order_mark_stays_and_a_line_separator_in_a_string_is_no_line_end(tmp_path):
    """The config reader allows a BOM (Windows editors write one); U+2028 may stand in a TOML string."""
    config = tmp_path / "config.toml"
    before = '\ufeff[package]\nmaintainer = "A\u2028B <a@b.org>"\n\n[pins]\n'
    config.write_bytes(before.encode())
    write_pin(config, V, LINE)
    text = config.read_bytes().decode()
    assert text == before + LINE + "\n"
    assert tomllib.loads(text[1:])["pins"]["3.14.7"]["size"] == 123


def test_a_read_only_config_is_left_alone(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[pins]\n")
    config.chmod(0o444)
    with pytest.raises(UserError, match="config.toml is read-only; make it writable, or add this line"):
        write_pin(config, V, LINE)
    assert config.read_text() == "[pins]\n"


def _pin_through_doit(project, policy: str) -> tuple[str, subprocess.CompletedProcess]:
    """`doit pin NEW_VERSION=3.14.99` in a project copy whose only source is a local directory: the config as it
    was before, and the result."""
    tarballs = project / "tarballs"
    tarballs.mkdir()
    (tarballs / "Python-3.14.99.tar.xz").write_bytes(b"not really xz")
    config = project / "config.toml"
    text = config.read_text().replace('order = ["local", "url", "mirror", "debian-archive"]', 'order = ["local"]', 1)
    text = text.replace("local_dirs = []", f'local_dirs = ["{tarballs}"]', 1)
    config.write_text(text.replace('policy = "if-available"', f'policy = "{policy}"', 1))
    before = config.read_text()
    return before, doit_cli(project, "pin", "NEW_VERSION=3.14.99")


def test_with_verification_off_pin_writes_the_fetched_files_hash_and_says_it_is_unsigned(project):
    _, result = _pin_through_doit(project, "off")
    assert result.returncode == 0, result.stdout + result.stderr
    sha256 = hashlib.sha256(b"not really xz").hexdigest()
    pins = tomllib.loads((project / "config.toml").read_text())["pins"]
    assert pins["3.14.99"] == {"sha256": sha256, "size": 13}
    assert 'NOT signature-checked (verification.policy = "off")' in result.stderr
    assert "compare it with the sha256 python.org publishes for 3.14.99" in result.stderr


def test_without_a_bundle_pin_refuses_and_names_both_ways_on(project):
    before, result = _pin_through_doit(project, "if-available")
    assert result.returncode != 0 and "Traceback" not in result.stdout + result.stderr
    errors = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("python-builder: error")]
    assert errors == ["python-builder: error: pin: no Sigstore bundle for Python-3.14.99.tar.xz could be fetched; put "
                      "Python-3.14.99.tar.xz.sigstore in a directory of verification.bundle_dirs (or, to pin the "
                      "fetched file's hash without a signature, set verification.policy = \"off\")"]
    assert (project / "config.toml").read_text() == before and "3.14.99" not in before
    assert not list((project / "cache" / "pins").glob("*"))
