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


@pytest.mark.parametrize("uri, words", [
    ("https://me:s3cret@deb.invalid/debian", ["carries a user name or password", "/etc/apt/auth.conf.d/"]),
    ("http://deb.invalid/$(id)/debian", ["is not a valid mirror URL"]),
])
def test_a_mirror_apt_would_take_but_the_images_and_manifests_must_not_show(tmp_path, monkeypatch, uri, words):
    monkeypatch.delenv("PB_DEBIAN_MIRROR", raising=False)
    (tmp_path / "sources.list").write_text(f"deb {uri} trixie main\n")
    with pytest.raises(UserError) as error:
        debian_mirror(tmp_path)
    assert all(word in str(error.value) for word in words) and "s3cret" not in str(error.value)
    monkeypatch.setenv("PB_DEBIAN_MIRROR", "https://me:s3cret@deb.invalid/debian")
    with pytest.raises(UserError, match="PB_DEBIAN_MIRROR: 'https://…@deb.invalid/debian' carries") as error:
        debian_mirror(tmp_path)
