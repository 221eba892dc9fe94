import pytest

from tasks.errors import UserError
from tasks.model.versions import Version


@pytest.mark.parametrize("text, parts", [
    ("3.13.15", (3, 13, 15, "", 0)),
    ("3.14.10", (3, 14, 10, "", 0)),
    ("3.15.0b4", (3, 15, 0, "b", 4)),
    ("3.15.0rc1", (3, 15, 0, "rc", 1)),
    ("3.15.0a7", (3, 15, 0, "a", 7)),
])
def test_parse_valid(text, parts):
    version = Version.parse(text)
    assert (version.major, version.minor, version.micro, version.pre_kind, version.pre_num) == parts
    assert str(version) == text


@pytest.mark.parametrize("text", [
    "3.14", "3.14.x", "3.14.1; rm -rf /", "../../etc", "", " 3.14.1", "3.14.1 ", "3.14.1\n",
    "3.15.0rc", "3.15.0-rc1", "3.15.0.post1", "v3.14.1", "3.14.1rc1rc2", None, 3.14,
])
def test_parse_junk_is_a_user_error(text):
    with pytest.raises(UserError) as error:
        Version.parse(text, "build.versions")
    assert "build.versions" in str(error.value)
    assert "\n" not in str(error.value)


def test_older_than_313_is_refused():
    with pytest.raises(UserError, match="3.13 and newer"):
        Version.parse("3.12.10")


def test_prerelease_folder_and_debian_version():
    version = Version.parse("3.15.0rc1")
    assert version.folder == "3.15.0"
    assert version.tarball_name == "Python-3.15.0rc1.tar.xz"
    assert version.debian_upstream == "3.15.0~rc1"
    assert version.debian_orig_name == "python3.15_3.15.0~rc1.orig.tar.xz"
    assert version.major_minor == "3.15"


def test_ordering():
    assert Version.parse("3.15.0rc1") < Version.parse("3.15.0rc2")
    assert Version.parse("3.13.5") < Version.parse("3.13.15")
