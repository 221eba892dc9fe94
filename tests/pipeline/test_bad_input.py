"""Hostile and bad input through doit's real command line: one clear line, exit non-zero, no traceback,
nothing half-written in cache/ or dist/. None of these needs Docker."""

from __future__ import annotations

import hashlib
import http.server
import os
import subprocess
import threading
from pathlib import Path

import pytest

from tasks.errors import UserError
from tasks.pipeline import selection
from tests.conftest import doit_cli, send_body

PAYLOAD = os.urandom(2 * 1024 * 1024)


doit = doit_cli


def assert_one_line_failure(result: subprocess.CompletedProcess, *words: str) -> str:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("python-builder: error:")]
    assert len(errors) == 1, output
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


def files_under(project: Path, *tops: str) -> list[str]:
    return sorted(str(p.relative_to(project)) for top in tops for p in (project / top).rglob("*") if p.is_file())


@pytest.mark.parametrize("variables, words", [
    (["PYTHON_VERSION=3.14"], ["PYTHON_VERSION", "'3.14'"]),
    (["PYTHON_VERSION=3.14.x"], ["PYTHON_VERSION"]),
    (["PYTHON_VERSION=3.14.1; rm -rf /"], ["PYTHON_VERSION", "not a CPython release version"]),
    (["PYTHON_VERSION=../../etc"], ["PYTHON_VERSION"]),
    (["PYTHON_VERSION="], ["PYTHON_VERSION"]),
    (["PYTHON_VERSION=3.12.9"], ["3.13 and newer"]),
    (["PYTHON_VERSION=3.13.17"], ["no sha256 pin for 3.13.17", "allow_unpinned"]),
    (["DISTRO=sid"], ["unknown distro 'sid'"]),
    (["DISTRO=tri xie"], ["unknown distro"]),
    (["DISTRO=trixie;id"], ["unknown distro"]),
    (["OS_DISTRO_BASE=debian:trixie`id`"], ["OS_DISTRO_BASE"]),
    (["FAST_BUILD=perhaps"], ["FAST_BUILD"]),
    (["FAST_BUIDL=true"], ["unknown variable FAST_BUIDL"]),
    (["PYTHON_VERSION=3.13.18\n"], ["PYTHON_VERSION", "'3.13.18\\n' is not a CPython release version"]),
    (["PYTHON_VERSION=3.13.18,\t3.14.10"], ["PYTHON_VERSION", "'\\t3.14.10'"]),
    (["PROFILE_FROM=.", "FAST_BUILD=true"], ["PROFILE_FROM", "FAST builds train no profile"]),
    (["FAST_BUILD=true", "FAST_BUILD=false"], ["command line: FAST_BUILD is given twice"]),
    (["PYTHON_VERSION=,"], ["PYTHON_VERSION: ',' has an empty item (a comma too many)"]),
    (["DISTRO=trixie,,bookworm"], ["DISTRO: 'trixie,,bookworm' has an empty item"]),
    (["OS_DISTRO_BASE=" + "a/" * 200 + "b"], ["OS_DISTRO_BASE", "(401 characters)", "at most 255 characters"]),
    (["CONFIG=loop.toml"], ["loop.toml: a symbolic link to nothing (or a loop of links)"]),
    (["CONFIG="], ["CONFIG: empty"]),
])
def test_bad_command_line(project, variables, words):
    (project / "loop.toml").symlink_to("loop.toml")
    result = doit(project, "build", *variables)
    assert result.returncode == 2
    assert_one_line_failure(result, *words)
    assert not (project / "cache").exists() and not (project / "dist").exists()


@pytest.mark.parametrize("edit, words", [
    (lambda t: t + "\n[surprise]\nkey = 1\n", ["unknown key 'surprise'"]),
    (lambda t: t.replace("fast = false", 'fast = "no"'), ["build.fast", "expected bool"]),
    (lambda t: t.replace('"--with-dtrace",', '"--with-dtrace\\n--evil",'), ["flags.common"]),
    (lambda t: t.replace('"--with-dtrace",', '"--with-dtrace;curl x|sh",'), ["flags.common"]),
    (lambda t: t.replace('"3.13.18" = {', '"3.13.99" = {'), ["no sha256 pin for 3.13.18"]),
    (lambda t: t.replace("[build]", "[build"), ["not valid TOML"]),
])
def test_bad_config(project, edit, words):
    config = project / "config.toml"
    config.write_text(edit(config.read_text()))
    result = doit(project, "list")
    assert result.returncode == 2
    assert_one_line_failure(result, *words)


ORDER = 'order = ["local", "url", "mirror", "debian-archive"]'
DTRACE = '"--with-dtrace",'


@pytest.mark.parametrize("old, new, words", [
    # a list naming an item twice; one that must not be empty
    ('versions = ["3.14.10", "3.13.18"]', 'versions = ["3.13.18", "3.13.18"]', ["build.versions", "'3.13.18' is given twice"]),
    (ORDER, 'order = ["url", "url"]', ["sources.order", "given twice"]),
    (ORDER, "order = []", ["sources.order", "empty"]),
    # URL templates: only plain {version} and {folder} fields, one at least; no credentials
    ("Python-{version}.tar.xz", "Python-{version.__class__}.tar.xz", ["url_templates", "may only use {version}"]),
    ("{folder}/Python-{version}", "latest/Python", ["sources.url_templates", "must use one"]),
    ('url_templates = ["https://', 'url_templates = ["https://me:s3cret@', ["url_templates", "https://…@", "~/.netrc"]),
    # sizes within bounds; ccache remote storage the build container can reach
    ('max_size = "5G"', 'max_size = "99999T"', ["ccache.max_size", "out of range"]),
    ('remote_storage = ""', 'remote_storage = "file:///srv/ccache"', ["ccache.remote_storage", "over the network"]),
    # configure options another key owns; a distro's drop that matches nothing; a name too short
    (DTRACE, DTRACE + ' "--prefix=/usr",', ["flags.common", "'--prefix=/usr' is set by package.prefix"]),
    (DTRACE, DTRACE + ' "--disable-gil",', ["flags.common", "set by flags.free_threaded"]),
    (DTRACE, DTRACE + ' "CC=clang-19",', ["set by flags.toolchain"]),
    ('drop_build_deps = ["libmpdec-dev"]', 'drop_build_deps = ["libmpdec-devel"]',
     ["distros.bookworm.drop_build_deps", "'libmpdec-devel' is not in build_deps.packages"]),
    ('add_configure = ["--without-system-libmpdec"]', 'add_configure = ["--without-system-libmpdec", "--with-dtrace"]',
     ["distros.bookworm.add_configure: '--with-dtrace' is in the [flags] lists already; remove it"]),
    ("[distros.trixie]", "[distros.x]\n[distros.trixie]", ["distros.x", "2 to 31"]),
    # every refused form says what it accepts; lengths that break later steps are refused up front
    ('display = "Debian Trixie"', 'display = "Debian \U0001F40D"', ["distros.trixie.display", "(ASCII letters"]),
    ('<python-builder@localhost>"', '<python-builder@localhost>, Doe <d@e.f>"', ["package.maintainer", "without ,"]),
    ('name_prefix = "opt-"', 'name_prefix = "' + "o" * 40 + '-"', ["package.name_prefix", "at most 32 characters"]),
    ('prefix = "/opt/python/', 'prefix = "/opt/' + "p" * 90 + '/', ["package.prefix", "longer than 100", "127-byte"]),
    # free text and paths: no invisible or line-breaking character (a bidi override, a NUL, U+2028)
    ('maintainer = "python-builder', r'maintainer = "Zo\u00eb \u202eredliub', ["package.maintainer", "U+202E"]),
    ('maintainer = "python-builder', r'maintainer = "O\u2028Brien', ["package.maintainer", "line-breaking", "U+2028"]),
    ("local_dirs = []", r'local_dirs = ["/srv/\u200btarballs"]', ["sources.local_dirs", "not a directory path"]),
    ("bundle_dirs = []", r'bundle_dirs = ["/srv/a\u0000b"]', ["verification.bundle_dirs", "not a directory path"]),
    # URLs name a host (file:// ones this machine)
    ("mirrors = []", 'mirrors = ["https:///python"]', ["sources.mirrors", "names no host"]),
    ("mirrors = []", 'mirrors = ["file://fileserver/srv/python"]', ["sources.mirrors", "this machine"]),
])
def test_bad_config_value(project, old, new, words):
    config = project / "config.toml"
    assert old in config.read_text()
    config.write_text(config.read_text().replace(old, new, 1))
    result = doit(project, "list")
    assert result.returncode == 2
    assert_one_line_failure(result, *words)


def _scribble_over_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[200:4000] = b"\xff" * 3800  # past the header: the schema and the first pages
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("break_it, words", [
    (lambda db: db.write_bytes(os.urandom(4096)), "is corrupt (not an SQLite database)"),
    (_scribble_over_pages, "cannot be read (database disk image is malformed)"),
    (lambda db: (db.unlink(), db.mkdir()), "is not a file"),
    (lambda db: (db.unlink(), db.symlink_to("nowhere")), "is a symbolic link to nothing"),
])
def test_a_broken_state_database_is_one_line_with_the_fix(project, break_it, words):
    """doit 0.37 meets these with a sqlite3 traceback (a power cut, a full disk, a slip of the hand)."""
    assert doit(project, "list").returncode == 0
    db = project / ".doit.db"
    break_it(db)
    for command in ("list", "build", "clean"):
        line = assert_one_line_failure(doit(project, command), words, f"remove it (rm -r {db})")
    assert line.endswith("every step then runs once more")
    db.unlink() if db.is_symlink() or db.is_file() else db.rmdir()
    assert doit(project, "list").returncode == 0


@pytest.mark.parametrize("make, words", [
    (lambda lock: lock.mkdir(), "cannot open the run lock (Is a directory)"),
    (lambda lock: os.mkfifo(lock), "the run lock is not a plain file"),  # opening it must not hang
    (lambda lock: lock.symlink_to("elsewhere"), "the run lock is a symbolic link"),
])
def test_a_run_lock_that_is_no_file_is_one_line_with_the_fix(project, make, words):
    lock = project / ".doit.lock"
    make(lock)
    assert_one_line_failure(doit(project, "forget"), words, f"remove it (rm -r {lock})")
    assert doit(project, "list").returncode == 0  # read-only commands take no lock


@pytest.mark.parametrize("manifest, words", [
    ("garbage\n", "garbage.json is not a build manifest"),
    ('{"package_version": "3.14.7-1+forky", "profiles": {}}', "is the manifest of '3.14.7-1+forky', not of 3.14.7-1+trixie"),
])
def test_a_profile_that_fits_no_build_is_said_before_any_work(project, manifest, words):
    """Found only by the compile step before: after the download, the extraction and the image."""
    (project / "garbage.json").write_text(manifest)
    result = doit(project, "build", "PYTHON_VERSION=3.14.7", "DISTRO=trixie", "PROFILE_FROM=garbage.json")
    assert result.returncode == 2
    assert_one_line_failure(result, "PROFILE_FROM", words)
    assert not (project / "cache").exists() and not (project / "dist").exists()


def test_bad_config_keeps_credentials_out_of_the_line(project):
    config = project / "config.toml"
    config.write_text(config.read_text().replace('url_templates = ["https://', 'url_templates = ["https://me:s3cret@'))
    result = doit(project, "list")
    assert "s3cret" not in result.stdout + result.stderr and result.returncode == 2


@pytest.mark.parametrize("args", [["info", "frobnicate:3.13.18-trixie"], ["info", "-f", "dodo.py", "nosuch"]])
def test_info_of_no_task_is_one_line(project, args):
    """doit 0.37's own `info` answers a name that is no task with a KeyError traceback."""
    assert_one_line_failure(doit(project, *args), f"info: '{args[-1]}' is not a task", "doit list --all")


def test_no_docker_daemon(project):
    result = doit(project, "image:trixie", "PYTHON_VERSION=3.13.15",
                  env={"DOCKER_HOST": f"unix://{project}/no-such-docker.sock"})
    line = assert_one_line_failure(result, "cannot reach the Docker daemon", "start it")
    assert "no-such-docker.sock" in line
    assert files_under(project, "dist") == []
    assert not (project / "cache" / "images" / "trixie.json").exists()


@pytest.mark.parametrize("address, why", [
    ("tcp://[::1:2375", "Invalid IPv6 URL"), ("tcp://127.0.0.1:99999", "Port out of range"),
    ("garbage", "Invalid bind address format: port is required"),
])
def test_a_malformed_docker_host_is_named_as_such(project, address, why):
    """urllib's ValueError was a traceback; docker-py's "Invalid bind address" was told to start the daemon."""
    result = doit(project, "image:trixie", "PYTHON_VERSION=3.13.15", env={"DOCKER_HOST": address})
    assert result.returncode == 1
    assert_one_line_failure(result, f"DOCKER_HOST {address!r} is not a Docker daemon address ({why}",
                            "give unix:///var/run/docker.sock, tcp://host:port or ssh://user@host")
    assert not (project / "cache" / "images" / "trixie.json").exists()


def test_doit_list_needs_no_daemon(project):
    result = doit(project, "list", "--all", env={"DOCKER_HOST": "unix:///nonexistent.sock"})
    assert result.returncode == 0 and "validate:3.13.18-trixie" in result.stdout


class _Server(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        body = PAYLOAD if self.path.startswith("/good/") and not self.path.endswith(".sigstore") else None
        if body is None:
            self.send_error(404)
            return
        send_body(self, body)


@pytest.fixture
def served_project(project):
    """The project copy with 3.13.15 pinned to PAYLOAD, served only by a server on 127.0.0.1."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    config = project / "config.toml"
    text = config.read_text()
    text = text.replace('url_templates = ["https://www.python.org/ftp/python/{folder}/Python-{version}.tar.xz"]',
                        f'url_templates = ["http://127.0.0.1:{httpd.server_address[1]}/good/{{version}}"]')
    text = text.replace('order = ["local", "url", "mirror", "debian-archive"]', 'order = ["local", "url"]')
    sha = hashlib.sha256(PAYLOAD).hexdigest()
    lines = [f'"3.13.15" = {{ sha256 = "{sha}", size = {len(PAYLOAD)} }}' if line.startswith('"3.13.15" =')
             else line for line in text.splitlines()]
    config.write_text("\n".join(lines) + "\n")
    yield project
    httpd.shutdown()


def test_wrong_pin_stops_before_anything_is_kept(served_project):
    config = served_project / "config.toml"
    config.write_text(config.read_text().replace(hashlib.sha256(PAYLOAD).hexdigest(), "0" * 64))
    result = doit(served_project, "checksum:3.13.15", "PYTHON_VERSION=3.13.15")
    assert_one_line_failure(result, "could not get Python-3.13.15.tar.xz", "sha256")
    assert files_under(served_project, "cache", "dist") == []


def test_download_and_checksum_succeed_from_the_local_server(served_project):
    result = doit(served_project, "checksum:3.13.15", "PYTHON_VERSION=3.13.15")
    assert result.returncode == 0, result.stdout + result.stderr
    assert files_under(served_project, "cache") == [
        "cache/downloads/Python-3.13.15.tar.xz", "cache/downloads/Python-3.13.15.tar.xz.verified.json"]


@pytest.mark.parametrize("nohup", [False, True])
def test_a_closed_terminal_stops_the_run_as_ctrl_c_does_unless_nohup(served_project, tmp_path, nohup):
    """SIGHUP (the terminal or the SSH session closed): one line, the held step's target absent, as after
    Ctrl-C (before, the run died at once and its containers went on until the next run); under nohup, which
    ignores SIGHUP, the run goes on."""
    import signal
    import sys
    import time
    marker = tmp_path / "holding"
    env = {**os.environ, "PB_HOLD_AT": "checksum", "PB_HOLD_MARKER": str(marker)}
    process = subprocess.Popen(
        [sys.executable, "-m", "doit", "checksum:3.13.15", "PYTHON_VERSION=3.13.15"], cwd=served_project, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN if nohup else signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        process.send_signal(signal.SIGHUP)
        if nohup:
            time.sleep(1)
            assert process.poll() is None  # still holding: the run went on
            process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=60)[0]
    finally:
        process.kill()
    assert process.returncode != 0 and "Traceback" not in output, output
    why = "signal 15" if nohup else "the terminal closed"
    assert [line for line in output.splitlines() if line.startswith("python-builder: error:")] == [
        f"python-builder: error: interrupted ({why}); run doit again to resume"], output
    assert not (served_project / "cache" / "downloads" / "Python-3.13.15.tar.xz.verified.json").exists()


def test_tampered_cached_tarball_is_caught_and_removed(served_project):
    assert doit(served_project, "checksum:3.13.15", "PYTHON_VERSION=3.13.15").returncode == 0
    tarball = served_project / "cache" / "downloads" / "Python-3.13.15.tar.xz"
    data = bytearray(tarball.read_bytes())
    data[1000] ^= 0xFF  # same size, one byte different
    tarball.write_bytes(bytes(data))
    result = doit(served_project, "checksum:3.13.15", "PYTHON_VERSION=3.13.15")
    assert_one_line_failure(result, "checksum mismatch", "was removed")
    assert files_under(served_project, "cache") == []


def test_cache_that_cannot_be_written(served_project):
    (served_project / "cache").write_text("a file where the cache directory should be")
    result = doit(served_project, "checksum:3.13.15", "PYTHON_VERSION=3.13.15")
    assert_one_line_failure(result, "cache")
    assert (served_project / "cache").read_text().startswith("a file")


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_full_disk_in_cache(served_project):
    downloads = served_project / "cache" / "downloads"
    downloads.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(downloads)], check=True)
    try:
        result = doit(served_project, "checksum:3.13.15", "PYTHON_VERSION=3.13.15")
        assert_one_line_failure(result, "No space left on device")
        assert list(downloads.iterdir()) == []
    finally:
        subprocess.run(["umount", str(downloads)], check=True)


@pytest.mark.parametrize("args, words", [
    (["biuld"], "run: 'biuld' is not a task; did you mean build?"),
    (["-n", "1", "compil:3.14.7-trixie"], "run: 'compil:3.14.7-trixie' is not a task; did you mean compile:3.14.7-trixie?"),
    (["nosuch:3.14.7"], "run: 'nosuch:3.14.7' is not a task; `doit list --all` lists them"),
    (["clean", "buidl"], "clean: 'buidl' is not a task; did you mean build?"),
    (["forget", "-s", "packge:3.14.7-trixie"], "did you mean package:3.14.7-trixie?"),
    (["help", "biuld"], "help: 'biuld' is not a task; did you mean build?"),
    (["auto", "build"], "auto: doit 0.37 has no `auto` command (it became the doit-auto1 plugin"),
])
def test_a_word_that_names_no_task_is_one_line_with_the_likely_name(project, args, words):
    """doit 0.37 says `Invalid parameter: "biuld". Must be a command, task, or a target.` (exit 3); `doit help
    biuld` printed its general help, with exit status 0."""
    result = doit(project, *args)
    assert result.returncode == 2
    assert_one_line_failure(result, words)
    assert not (project / "cache").exists()


@pytest.mark.parametrize("args, shown", [
    (["help", "build:3.14.7"], "build:3.14.7  CPython 3.14.7 for every configured distro"),
    (["help", "list"], "list tasks from dodo file"),
    (["help", "task"], "Task Dictionary parameters"),
])
def test_help_on_a_task_a_command_or_tasks_still_works(project, args, shown):
    result = doit(project, *args)
    assert result.returncode == 0 and shown in result.stdout, result.stdout + result.stderr


def test_option_values_and_targets_are_no_task_names(project):
    """doit's own parser reads the words: `-n 1`'s 1 and `-r json`'s json are option values."""
    result = doit(project, "-n", "1", "-r", "json", "pin")
    assert "pin: say which version" in result.stdout + result.stderr
    tasks = [{"basename": "download", "name": "3.14.7", "targets": [str(project / "cache/x.tar.xz")]}]
    selection.check_names([str(project / "cache/x.tar.xz")], "run", tasks)  # doit runs the task making it
    with pytest.raises(UserError, match="forget: '.*x.tar.xz' is not a task"):  # forget takes no targets
        selection.check_names(["forget", str(project / "cache/x.tar.xz")], "forget", tasks)


def test_an_apt_repository_of_nothing_says_to_build_first(project):
    """Before: the step ran and ended in `dist/trixie is missing; run doit forget repo:trixie`."""
    result = doit(project, "-s", "repo:trixie")
    assert_one_line_failure(result, "repo:trixie:", "holds no packages yet", "doit build DISTRO=trixie")
