import copy

import pytest

from tasks.errors import UserError
from tasks.model import config
from tasks.pipeline import overrides


def load(data, variables=None):
    return overrides.apply_overrides(config.parse(data), variables or {})


def test_shipped_config_is_valid(config_data):
    settings = load(config_data)
    assert [str(v) for v in settings.versions] == ["3.14.10", "3.13.18"]
    assert [d.name for d in settings.distros] == ["trixie"]
    assert set(settings.all_distros) >= {"bookworm", "trixie", "forky", "noble", "questing", "rpios-trixie"}
    assert settings.all_distros["rpios-trixie"].arch == "arm64"
    assert settings.all_distros["noble"].family == "ubuntu"
    assert settings.pin(settings.versions[1]).sha256.startswith("abb0102e")
    assert settings.fast is False and settings.free_threaded is True


def test_every_key_of_the_shipped_config_is_commented(root):
    """Each key of config.toml is explained by a comment: above its line, or named in a comment."""
    lines = (root / "config.toml").read_text().splitlines()
    comments = " ".join(line for line in lines if line.lstrip().startswith("#"))
    in_pins = False
    for number, line in enumerate(lines):
        if line.startswith("["):
            in_pins = line.strip() in ("[pins]", "[verification.signers]")  # data tables, explained above them
        if in_pins or line.startswith((" ", "#", "[", "]")) or "=" not in line:
            continue
        key = line.split("=", 1)[0].strip()
        above = lines[number - 1].lstrip()
        assert above.startswith("#") or key in comments, f"line {number + 1}: {key} has no comment"


BAD_CASES = [
    # (mutation, words the one-line error must contain)
    (lambda d: d.update(colour="blue"), ["unknown key 'colour'"]),
    (lambda d: d["build"].update(fsat=True), ["build", "unknown key 'fsat'"]),
    (lambda d: d["build"].update(fast="yes"), ["build.fast", "expected bool"]),
    (lambda d: d["build"].update(jobs="4"), ["build.jobs", "expected int"]),
    (lambda d: d["build"].update(jobs=True), ["build.jobs", "expected int"]),
    (lambda d: d["build"].update(versions=["3.14"]), ["build.versions", "'3.14'"]),
    (lambda d: d["build"].update(versions=["3.14.x"]), ["build.versions"]),
    (lambda d: d["build"].update(versions=["3.14.1; rm -rf /"]), ["build.versions"]),
    (lambda d: d["build"].update(versions=["../../etc"]), ["build.versions"]),
    (lambda d: d["build"].update(versions=[""]), ["build.versions"]),
    (lambda d: d["build"].update(versions=[]), ["build.versions", "empty"]),
    (lambda d: d["build"].update(versions=["3.12.4"]), ["3.13 and newer"]),
    (lambda d: d["build"].update(versions=["3.13.17"]), ["no sha256 pin for 3.13.17"]),
    (lambda d: d["build"].update(distros=["sid"]), ["build.distros", "unknown distro 'sid'"]),
    (lambda d: d["build"].update(distros=["tri xie"]), ["unknown distro"]),
    (lambda d: d["distros"].update({"my distro": d["distros"]["trixie"]}), ["not a valid distro name", "2 to 31"]),
    (lambda d: d["distros"].update({"x;rm": d["distros"]["trixie"]}), ["not a valid distro name", "2 to 31"]),
    (lambda d: d["distros"]["trixie"].update(family="fedora"), ["distros.trixie.family"]),
    (lambda d: d["distros"]["trixie"].update(arch="armhf"), ["armhf is out of scope"]),
    (lambda d: d["distros"]["trixie"].update(base_image="debian:trixie; true"), ["base_image"]),
    (lambda d: d["distros"]["trixie"].update(add_build_deps=["libfoo-dev && curl"]), ["package name"]),
    (lambda d: d["flags"].update(common=["--with-lto; curl evil"]), ["flags.common", "configure flag"]),
    (lambda d: d["flags"].update(common=["--with-lto\n--x"]), ["flags.common"]),
    (lambda d: d["flags"].update(common=["$(curl evil)"]), ["flags.common"]),
    (lambda d: d["flags"].update(fast=["CFLAGS=`id`"]), ["flags.fast"]),
    (lambda d: d["package"].update(prefix="/opt/python"), ["package.prefix", "{major_minor}"]),
    (lambda d: d["package"].update(prefix="relative/{major_minor}"), ["package.prefix"]),
    (lambda d: d["package"].update(name_prefix=""), ["collide"]),
    (lambda d: d["package"].update(maintainer="nobody"), ["package.maintainer"]),
    (lambda d: d["package"].update(compression="zstd"), ["package.compression", "'zstd' is not one of xz"]),
    (lambda d: d["package"].update(fast_compression="gzip -9; id"), ["package.fast_compression"]),
    (lambda d: d["pins"].update({"3.13.15": {"sha256": "abc"}}), ["pins", "sha256"]),
    (lambda d: d["pins"].update({"3.13.15": {"sha256": "0" * 64, "size": -1}}), ["size"]),
    (lambda d: d["pins"].update({"3.13.x": {"sha256": "0" * 64}}), ["pins"]),
    (lambda d: d["sources"].update(order=["ftp"]), ["sources.order"]),
    (lambda d: d["sources"].update(url_templates=["https://example.invalid/{nope}"]), ["{version}"]),
    (lambda d: d["sources"].update(url_templates=["https://x.invalid/$(id)"]), ["URL template"]),
    (lambda d: d["distros"]["trixie"].update(docker_host="http://farm1:2375"), ["distros.trixie.docker_host"]),
    (lambda d: d["distros"]["trixie"].update(docker_host="tcp://farm1"), ["docker_host", "tcp://host:port"]),
    (lambda d: d["distros"]["trixie"].update(docker_host="ssh://u@h; id"), ["docker_host"]),
    (lambda d: d["distros"]["trixie"].update(docker_host="tcp://farm1:99999"), ["docker_host", "tcp://host:port"]),
    (lambda d: d["distros"]["trixie"].update(docker_host="ssh://u@farm1:0"), ["docker_host"]),
    (lambda d: d["distros"]["trixie"].update(fast="yes"), ["distros.trixie.fast", "expected bool"]),
    (lambda d: d.update(ccache={"remote_storage": "redis://h:6379 $(id)"}), ["ccache.remote_storage"]),
    (lambda d: d.update(ccache={"remote_storage": "ftp://h"}), ["ccache.remote_storage"]),
    (lambda d: d.update(ccache={"remote_storage": "redis://h:6379|evil"}), ["ccache.remote_storage", "|attribute="]),
    (lambda d: d["build_deps"].update(packages=["libmpdec-dev"]), ["build_deps.packages", "would lack build-essential"]),
    (lambda d: d["distros"]["trixie"].update(add_build_deps=["gdb"]),
     ["distros.trixie.add_build_deps: 'gdb' is in build_deps.packages already"]),
    (lambda d: d["distros"]["trixie"].update(drop_build_deps=["lintian"]),
     ["distros.trixie.drop_build_deps", "would lack lintian, which validate runs"]),
    (lambda d: d.update(ccache={"max_size": "lots"}), ["ccache.max_size"]),
    (lambda d: d["flags"].update(builtin_modules=["_json; id"]), ["flags.builtin_modules", "extension module name"]),
    (lambda d: d["flags"].update(builtin_modules=["Json"]), ["flags.builtin_modules", "e.g. _json"]),
    (lambda d: d["flags"].update(builtin_modules=["_json", "_json"]), ["flags.builtin_modules", "given twice"]),
    (lambda d: d["flags"].update(builtin_modules="_json"), ["flags.builtin_modules", "expected list"]),
    (lambda d: d.update(ccache={"remote": "redis://h"}), ["ccache", "unknown key 'remote'"]),
]


@pytest.mark.parametrize("mutate, words", BAD_CASES)
def test_bad_config_is_one_clear_line(config_data, mutate, words):
    data = copy.deepcopy(config_data)
    mutate(data)
    with pytest.raises(UserError) as error:
        load(data)
    message = str(error.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_unpinned_version_allowed_explicitly(config_data):
    data = copy.deepcopy(config_data)
    data["build"].update(versions=["3.13.17"], allow_unpinned=True)
    assert str(load(data).versions[0]) == "3.13.17"


def test_load_reports_bad_toml(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[build\nversions = ")
    with pytest.raises(UserError, match="not valid TOML"):
        overrides.load(path)
    with pytest.raises(UserError, match="not found"):
        overrides.load(tmp_path / "missing.toml")


# --- command-line variables -------------------------------------------------------------------


def test_full_version_override(config_data):
    settings = load(config_data, {"PYTHON_VERSION": "3.13.15"})
    assert [str(v) for v in settings.versions] == ["3.13.15"]


def test_maj_min_plus_mic(config_data):
    settings = load(config_data, {"PYTHON_VER_MAJ_MIN": "3.13", "PYTHON_VER_MIC": "5"})
    assert [str(v) for v in settings.versions] == ["3.13.5"]


@pytest.mark.parametrize("variables, words", [
    ({"PYTHON_VER_MAJ_MIN": "3.13"}, "go together"),
    ({"PYTHON_VERSION": "3.13.5", "PYTHON_VER_MIC": "5", "PYTHON_VER_MAJ_MIN": "3.13"}, "not both"),
    ({"PYTHON_VERSION": "3.13.17"}, "no sha256 pin"),
    ({"PYTHON_VERSION": "3.14.1; rm -rf /"}, "PYTHON_VERSION"),
    ({"FAST_BUILD": "maybe"}, "FAST_BUILD"),
    ({"FAST_BUIDL": "true"}, "unknown variable FAST_BUIDL"),
    ({"DISTRO": "sid"}, "unknown distro"),
    ({"OS_DISTRO_BASE": "debian:trixie slim"}, "OS_DISTRO_BASE"),
    ({"OS_DISTRO_DISP": "Debian $(id)"}, "OS_DISTRO_DISP"),
    ({"DISTRO": "trixie,bookworm", "OS_DISTRO_DISP": "Mine"}, "names one distro"),
])
def test_bad_variables(config_data, variables, words):
    with pytest.raises(UserError, match=words.replace("$", r"\$").replace("(", r"\(").replace(")", r"\)")):
        load(config_data, variables)


def test_flags_and_distro_overrides(config_data):
    settings = load(config_data, {"FAST_BUILD": "true", "BUILD_NOGIL": "false", "DISTRO": "bookworm",
                                  "OS_DISTRO_DISP": "My Bookworm"})
    assert settings.fast is True and settings.free_threaded is False
    assert settings.distros[0].name == "bookworm" and settings.distros[0].display == "My Bookworm"


def test_os_distro_base_selects_the_matching_distro(config_data):
    settings = load(config_data, {"OS_DISTRO_BASE": "debian:bookworm-slim"})
    assert [d.name for d in settings.distros] == ["bookworm"]


def test_os_distro_base_replaces_the_base_of_the_one_distro(config_data):
    settings = load(config_data, {"OS_DISTRO_BASE": "registry.local/debian:trixie", "DISTRO": "trixie"})
    assert settings.distros[0].base_image == "registry.local/debian:trixie"
    assert settings.distros[0].codename == "trixie"


@pytest.mark.parametrize("prefix, words", [
    ("/opt/python/../etc/python{major_minor}", "not a normalized path"),
    ("/opt/python/python{major_minor}/", "not a normalized path"),
    ("/opt//python{major_minor}", "not a normalized path"),
    ("/opt/./python{major_minor}", "not a normalized path"),
    ("/usr/python{major_minor}", "outside /opt and /usr/local"),
    ("/srv/python{major_minor}", "outside /opt and /usr/local"),
    ("opt/python{major_minor}", "absolute path"),
])
def test_a_prefix_must_be_normalized_and_below_opt_or_usr_local(config_data, prefix, words):
    data = copy.deepcopy(config_data)
    data["package"]["prefix"] = prefix
    with pytest.raises(UserError, match="package.prefix") as error:
        load(data)
    assert words in str(error.value)


@pytest.mark.parametrize("prefix", ["/opt/python{major_minor}", "/usr/local/python/{major_minor}",
                                    "/opt/acme/python{major_minor}"])
def test_good_prefixes(config_data, prefix):
    data = copy.deepcopy(config_data)
    data["package"]["prefix"] = prefix
    assert load(data).prefix_template == prefix


@pytest.mark.parametrize("key, value", [
    ("revision", "1+b1"), ("revision", "0~bpo12+1"), ("revision", "2"),
    ("maintainer", "Jörg Müller <joerg@example.org>"), ("maintainer", "Zoë O'Brien-Łukasz <z@example.org>"),
    ("maintainer", "山田 太郎 <taro@example.jp>"),
])
def test_debian_fields_follow_debian_policy(config_data, key, value):
    data = copy.deepcopy(config_data)
    data["package"][key] = value
    assert getattr(load(data), key) == value


@pytest.mark.parametrize("key, value", [
    ("revision", "1 b1"), ("revision", "1-1"), ("revision", "b1"), ("revision", "1_1"),
    ("maintainer", "Name, Other <a@example.org>"), ("maintainer", "Name <a@example.org"),
    ("maintainer", "Na\nme <a@example.org>"), ("maintainer", "$(id) <a@example.org>"),
])
def test_bad_debian_fields(config_data, key, value):
    data = copy.deepcopy(config_data)
    data["package"][key] = value
    with pytest.raises(UserError, match=f"package.{key}"):
        load(data)


def test_os_distro_base_alone_never_gives_an_entry_another_base(config_data):
    with pytest.raises(UserError, match="no configured entry's base image; also give DISTRO=<entry>"):
        load(config_data, {"OS_DISTRO_BASE": "debian:sid-slim"})
    with pytest.raises(UserError, match="DISTRO names 2"):
        load(config_data, {"OS_DISTRO_BASE": "debian:sid-slim", "DISTRO": "trixie,forky"})
    forky = config_data["distros"]["forky"]["base_image"]
    selected = load(config_data, {"OS_DISTRO_BASE": forky}).distros
    assert [(d.name, d.codename, d.base_image) for d in selected] == [("forky", "forky", forky)]


@pytest.mark.parametrize("reference", [
    "registry:5000/debian:trixie-slim", "localhost:5000/library/debian", "ghcr.io/acme/debian-base:13.1_x",
    "debian@sha256:" + "a" * 64, "registry.example.org:443/debian:trixie@sha256:" + "0" * 64,
    "my__repo/image-name:v1.2", "[::1]:5000/debian:trixie", "[fd00::5]/debian", "10.0.0.5:5000/debian",
])
def test_os_distro_base_takes_dockers_reference_grammar(config_data, reference):
    assert load(config_data, {"OS_DISTRO_BASE": reference, "DISTRO": "trixie"}).distros[0].base_image == reference


@pytest.mark.parametrize("reference", [
    "Debian:trixie", "debian:trixie slim", "debian::trixie", "-debian", "debian:", "debian@sha256:abc",
    "debian:trixie;id", "debian/../x", "registry:port/debian", "[::1/debian", "[g::1]:5000/debian",
    "[::1]:5000",
])
def test_bad_image_references(config_data, reference):
    with pytest.raises(UserError, match="OS_DISTRO_BASE"):
        load(config_data, {"OS_DISTRO_BASE": reference, "DISTRO": "trixie"})


@pytest.mark.parametrize("table, key, value, words", [
    ("sources", "timeout", 2 ** 63 - 1, "sources.timeout"), ("sources", "timeout", 0, "sources.timeout"),
    ("build", "jobs", 10 ** 9, "build.jobs"), ("build", "jobs", -1, "build.jobs"),
])
def test_numbers_have_sane_bounds(config_data, table, key, value, words):
    data = copy.deepcopy(config_data)
    data[table][key] = value
    with pytest.raises(UserError, match=f"{words}: .* is out of range; give"):
        load(data)


def test_a_pinned_size_has_sane_bounds(config_data):
    data = copy.deepcopy(config_data)
    data["pins"]["3.13.18"]["size"] = 2 ** 62
    with pytest.raises(UserError, match="size: .* is out of range"):
        load(data)
