import pytest

from tasks.errors import UserError
from tasks.sources.apt_mirror import configured_uris, debian_mirror


def test_one_line_and_deb822_sources(tmp_path, monkeypatch):
    monkeypatch.delenv("PB_DEBIAN_MIRROR", raising=False)
    (tmp_path / "sources.list").write_text(
        "# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.invalid/ubuntu noble main\n")
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb deb-src\nURIs: http://archive.invalid/debian\nSuites: trixie\nComponents: main\n\n"
        "Types: deb\nURIs: http://archive.invalid/debian-security\nSuites: trixie-security\n")
    assert configured_uris(tmp_path) == ["http://mirror.invalid/ubuntu", "http://archive.invalid/debian",
                                         "http://archive.invalid/debian-security"]
    assert debian_mirror(tmp_path) == "http://archive.invalid/debian"


def test_override_and_absence(tmp_path, monkeypatch):
    monkeypatch.setenv("PB_DEBIAN_MIRROR", "http://local.invalid/debian/")
    assert debian_mirror(tmp_path) == "http://local.invalid/debian"
    monkeypatch.setenv("PB_DEBIAN_MIRROR", "http://local.invalid/debian; rm -rf /")
    with pytest.raises(UserError, match="PB_DEBIAN_MIRROR"):
        debian_mirror(tmp_path)
    monkeypatch.delenv("PB_DEBIAN_MIRROR")
    with pytest.raises(UserError, match="no Debian mirror"):
        debian_mirror(tmp_path)
