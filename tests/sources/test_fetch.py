"""Fetching and verifying tarballs against a real HTTP server on 127.0.0.1 (no other network)."""

from __future__ import annotations

import copy
import gzip
import hashlib
import http.server
import os
import threading
import time

import pytest

from tasks.errors import UserError
from tasks.model import config
from tasks.model.versions import Version
from tasks.sources import fetch as sources
from tests.conftest import send_body

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB
SHA = hashlib.sha256(PAYLOAD).hexdigest()
VERSION = Version.parse("3.13.15")


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """The test servers' common part: no request log, and no Sigstore bundle (404) for any tarball."""

    def log_message(self, *args):
        pass

    def refused_bundle(self) -> bool:
        if self.path.endswith(".sigstore"):
            self.send_error(404)
            return True
        return False


class Handler(QuietHandler):
    def do_GET(self):
        mode = self.path.split("/")[1]
        if self.refused_bundle():
            return
        if mode == "good":
            body = PAYLOAD
        elif mode == "corrupt":
            body = PAYLOAD[:-1] + b"!"
        elif mode == "short":
            body = PAYLOAD[: len(PAYLOAD) // 2]
        elif mode == "error":
            self.send_error(500)
            return
        else:
            self.send_error(404)
            return
        send_body(self, body)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    """Retries keep their count, not their waiting (1, 2, 4, 8 s in real use)."""
    from tasks.sources import download
    monkeypatch.setattr(download, "BACKOFF", (0, 0, 0, 0))


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def settings_with(config_data, templates, order=("url",), local_dirs=(), size=None):
    data = copy.deepcopy(config_data)
    data["sources"].update(url_templates=list(templates), order=list(order), local_dirs=list(local_dirs), timeout=5)
    data["pins"]["3.13.15"] = {"sha256": SHA, "size": len(PAYLOAD) if size is None else size}
    data["build"]["versions"] = ["3.13.15"]
    return config.parse(data)


def no_mirror():
    raise UserError("no mirror in this test")


def test_mirror_list_falls_through_to_a_good_source(config_data, server, tmp_path, capsys):
    settings = settings_with(config_data, [f"{server}/error/{{version}}", f"{server}/missing/{{version}}",
                                           f"{server}/corrupt/{{version}}", f"{server}/good/{{folder}}/x"])
    dest = tmp_path / "downloads" / VERSION.tarball_name
    result = sources.fetch(settings, VERSION, dest, mirror=no_mirror)
    assert dest.read_bytes() == PAYLOAD
    assert result["location"] == f"{server}/good/3.13.15/x"
    err = capsys.readouterr().err
    assert "HTTP 500" in err and "HTTP 404" in err and "sha256" in err
    assert [p.name for p in dest.parent.iterdir()] == [dest.name]  # no .part left behind


@pytest.mark.parametrize("mode", ["corrupt", "short", "error"])
def test_bad_server_never_leaves_a_file(config_data, server, tmp_path, mode):
    settings = settings_with(config_data, [f"{server}/{mode}/{{version}}"])
    dest = tmp_path / "downloads" / VERSION.tarball_name
    with pytest.raises(UserError, match="could not get Python-3.13.15.tar.xz from any source"):
        sources.fetch(settings, VERSION, dest, mirror=no_mirror)
    assert list(dest.parent.iterdir()) == []


def test_unreachable_source_is_one_line(config_data, tmp_path):
    settings = settings_with(config_data, ["http://127.0.0.1:9/{version}"])
    with pytest.raises(UserError) as error:
        sources.fetch(settings, VERSION, tmp_path / VERSION.tarball_name, mirror=no_mirror)
    assert "\n" not in str(error.value) and "127.0.0.1:9" in str(error.value)
    # in plain words, not requests' "HTTPConnectionPool(...): Max retries exceeded ... NewConnectionError(..."
    assert "127.0.0.1:9/3.13.15: cannot connect (Connection refused) (after 2 attempts)" in str(error.value)
    assert "Max retries" not in str(error.value)


def test_a_host_name_that_does_not_resolve_is_said_so(config_data, tmp_path, monkeypatch):
    import socket

    def no_answer(*args, **kwargs):  # no query leaves this machine
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_answer)
    settings = settings_with(config_data, ["http://python-builder-test.invalid/{version}"])
    with pytest.raises(UserError, match=r"cannot resolve the host name \(no DNS answer"):
        sources.fetch(settings, VERSION, tmp_path / VERSION.tarball_name, mirror=no_mirror)


def test_local_directory_with_debian_orig_name(config_data, tmp_path):
    local = tmp_path / "offline"
    local.mkdir()
    (local / VERSION.debian_orig_name).write_bytes(PAYLOAD)
    settings = settings_with(config_data, [], order=("local", "url"), local_dirs=[str(local)])
    result = sources.fetch(settings, VERSION, tmp_path / "dl" / VERSION.tarball_name, mirror=no_mirror)
    assert result["source"] == "local" and (tmp_path / "dl" / VERSION.tarball_name).read_bytes() == PAYLOAD


def _fifo(path):
    os.mkfifo(path)


@pytest.mark.parametrize("make, words", [
    (_fifo, "not a regular file (a FIFO, socket or device)"),  # read, it would block the build for good
    (lambda p: p.mkdir(), "not a regular file (a directory)"),
    (lambda p: p.symlink_to("/dev/zero"), "not a regular file (a FIFO, socket or device)"),
    (lambda p: p.symlink_to(p.parent / "gone"), "a broken symbolic link"),
])
def test_a_local_candidate_that_is_no_file_is_named(config_data, tmp_path, make, words):
    local = tmp_path / "offline"
    local.mkdir()
    make(local / VERSION.tarball_name)
    settings = settings_with(config_data, [], order=("local",), local_dirs=[str(local)])
    with pytest.raises(UserError) as error:
        sources.fetch(settings, VERSION, tmp_path / "dl" / VERSION.tarball_name, mirror=no_mirror)
    assert f"local {local / VERSION.tarball_name}: {words}" in str(error.value)
    assert list((tmp_path / "dl").iterdir()) == []


def test_a_local_directory_that_cannot_be_used_is_named(config_data, tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("")
    (tmp_path / "locked").mkdir()
    settings = settings_with(config_data, [], order=("local",),
                             local_dirs=[str(tmp_path / "a-file"), str(tmp_path / "gone"), str(tmp_path / "locked")])
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: real_access(path, mode) and "locked" not in str(path))
    with pytest.raises(UserError) as error:  # (root passes every permission check: the refusal is simulated)
        sources.fetch(settings, VERSION, tmp_path / "dl" / VERSION.tarball_name, mirror=no_mirror)
    for words in (f"local directory {tmp_path / 'a-file'}: not a directory",
                  f"local directory {tmp_path / 'gone'}: does not exist",
                  f"local directory {tmp_path / 'locked'}: permission denied"):
        assert str(error.value).count(words) == 1


def test_a_local_directory_without_the_tarball_is_named_once(config_data, tmp_path):
    settings = settings_with(config_data, [], order=("local",), local_dirs=[str(tmp_path)])
    with pytest.raises(UserError) as error:
        sources.fetch(settings, VERSION, tmp_path / "dl" / VERSION.tarball_name, mirror=no_mirror)
    assert str(error.value).count(f"local directory {tmp_path}: no tarball of this release there") == 1


def test_debian_archive_candidate_uses_the_mirror(config_data):
    settings = settings_with(config_data, [], order=("debian-archive",))
    found = list(sources.candidates(settings, Version.parse("3.13.5"), mirror=lambda: "http://m.invalid/debian"))
    assert [c.location for c in found] == [
        "http://m.invalid/debian/pool/main/p/python3.13/python3.13_3.13.5.orig.tar.xz"]


def test_prerelease_url_uses_final_folder(config_data):
    data = copy.deepcopy(config_data)
    data["build"]["versions"] = ["3.15.0b4"]
    settings = config.parse(data)
    found = list(sources.candidates(settings, Version.parse("3.15.0b4"), mirror=no_mirror))
    assert found[0].location == "https://www.python.org/ftp/python/3.15.0/Python-3.15.0b4.tar.xz"


@pytest.mark.parametrize("content, words", [
    (PAYLOAD[:-10], "size"),  # truncated
    (PAYLOAD[:-1] + b"?", "sha256"),  # right size, wrong bytes
])
def test_checksum_mismatch_removes_the_file(config_data, tmp_path, content, words):
    settings = settings_with(config_data, [])
    tarball, stamp = tmp_path / VERSION.tarball_name, tmp_path / "verified.json"
    tarball.write_bytes(content)
    with pytest.raises(UserError, match=f"checksum mismatch.*{words}"):
        sources.verify(settings, VERSION, tarball, stamp)
    assert not tarball.exists() and not stamp.exists()


def test_checksum_match_writes_record(config_data, tmp_path):
    settings = settings_with(config_data, [])
    tarball, stamp = tmp_path / VERSION.tarball_name, tmp_path / "verified.json"
    tarball.write_bytes(PAYLOAD)
    record = sources.verify(settings, VERSION, tarball, stamp)
    assert record["sha256"] == SHA and record["hash_check"] == "pinned sha256 and size"
    assert record["signature_verified"] is False  # no bundle next to it: pinned hash only, and it says so
    assert "no Sigstore bundle" in record["verified_by"]
    assert SHA in stamp.read_text()


# --- resumable downloads -----------------------------------------------------------------------

class FlakyHandler(QuietHandler):
    """/cut/*: the first answer breaks off halfway; Range requests get 206. /busy/*: 500 once, then good.
    /norange/*: breaks off halfway once, then ignores Range (200, whole file)."""

    requests_seen: list = []

    def do_GET(self):
        if self.refused_bundle():
            return
        FlakyHandler.requests_seen.append((self.path, self.headers.get("Range")))
        count = sum(1 for path, _ in FlakyHandler.requests_seen if path == self.path)
        mode = self.path.split("/")[1]
        if mode == "busy" and count == 1:
            self.send_error(500)
            return
        start = 0
        ranged = self.headers.get("Range")
        if ranged and mode == "cut":
            start = int(ranged.split("=")[1].rstrip("-"))
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD) - start))
        self.end_headers()
        if mode in ("cut", "norange") and count == 1:
            self.wfile.write(PAYLOAD[: len(PAYLOAD) // 2])
            self.wfile.flush()
            self.connection.shutdown(2)  # cut the connection midway
            return
        self.wfile.write(PAYLOAD[start:])


@pytest.fixture
def flaky_server():
    FlakyHandler.requests_seen = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FlakyHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_interrupted_download_resumes_with_range(config_data, flaky_server, tmp_path):
    settings = settings_with(config_data, [f"{flaky_server}/cut/{{version}}"])
    dest = tmp_path / "downloads" / VERSION.tarball_name
    sources.fetch(settings, VERSION, dest, mirror=no_mirror)
    assert dest.read_bytes() == PAYLOAD
    ranges = [r for _, r in FlakyHandler.requests_seen]
    assert ranges[0] is None and ranges[1] == f"bytes={len(PAYLOAD) // 2}-"
    assert sorted(p.name for p in dest.parent.iterdir()) == [dest.name]


def test_server_without_range_support_restarts(config_data, flaky_server, tmp_path):
    settings = settings_with(config_data, [f"{flaky_server}/norange/{{version}}"])
    dest = tmp_path / VERSION.tarball_name
    sources.fetch(settings, VERSION, dest, mirror=no_mirror)
    assert dest.read_bytes() == PAYLOAD


def test_server_error_is_retried(config_data, flaky_server, tmp_path):
    settings = settings_with(config_data, [f"{flaky_server}/busy/{{version}}"])
    dest = tmp_path / VERSION.tarball_name
    sources.fetch(settings, VERSION, dest, mirror=no_mirror)
    assert dest.read_bytes() == PAYLOAD and len(FlakyHandler.requests_seen) == 2


def test_partial_file_from_an_earlier_run_is_resumed(config_data, flaky_server, tmp_path):
    url = f"{flaky_server}/cut/{VERSION}"
    FlakyHandler.requests_seen = [(f"/cut/{VERSION}", None)]  # the server already cut us off once
    dest = tmp_path / VERSION.tarball_name
    part = tmp_path / (dest.name + ".part")
    part.write_bytes(PAYLOAD[:300000])
    (tmp_path / (dest.name + ".part.url")).write_text(url)
    settings = settings_with(config_data, [f"{flaky_server}/cut/{{version}}"])
    sources.fetch(settings, VERSION, dest, mirror=no_mirror)
    assert dest.read_bytes() == PAYLOAD
    assert FlakyHandler.requests_seen[-1] == (f"/cut/{VERSION}", "bytes=300000-")


def test_bundle_is_fetched_beside_the_tarball(config_data, server, tmp_path):
    local = tmp_path / "bundles"
    local.mkdir()
    (local / (VERSION.tarball_name + ".sigstore")).write_text("{}")
    data = copy.deepcopy(config_data)
    data["verification"]["bundle_dirs"] = [str(local)]
    data["sources"].update(url_templates=[f"{server}/good/{{version}}"], order=["url"], timeout=5)
    data["pins"]["3.13.15"] = {"sha256": SHA, "size": len(PAYLOAD)}
    data["build"]["versions"] = ["3.13.15"]
    settings = config.parse(data)
    dest = tmp_path / "dl" / VERSION.tarball_name
    result = sources.fetch(settings, VERSION, dest, mirror=no_mirror)
    assert result["bundle"] == str(local / (VERSION.tarball_name + ".sigstore"))
    assert sources.bundle_path(dest).read_text() == "{}"


def test_content_addressed_mirror(config_data, server, tmp_path):
    data = copy.deepcopy(config_data)
    data["sources"].update(order=["mirror"], mirrors=[f"{server}/cas/", f"{server}/good"], timeout=5)
    data["pins"]["3.13.15"] = {"sha256": SHA, "size": len(PAYLOAD)}
    data["build"]["versions"] = ["3.13.15"]
    settings = config.parse(data)
    assert [c.location for c in sources.candidates(settings, VERSION, mirror=no_mirror)] == [
        f"{server}/cas/{SHA}", f"{server}/good/{SHA}"]
    dest = tmp_path / VERSION.tarball_name
    result = sources.fetch(settings, VERSION, dest, mirror=no_mirror)  # /cas/ answers 404, /good/ serves
    assert result["source"] == "mirror" and dest.read_bytes() == PAYLOAD


class EndlessHandler(QuietHandler):
    """/endless/*: a body that never ends (no Content-Length); /liar/*: announces 10 GB."""

    def do_GET(self):
        if self.refused_bundle():
            return
        self.send_response(200)
        if self.path.startswith("/liar/"):
            self.send_header("Content-Length", str(10 << 30))
        self.end_headers()
        try:
            while True:
                self.wfile.write(PAYLOAD[:65536])
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.mark.parametrize("mode", ["endless", "liar"])
def test_a_server_that_sends_more_than_the_pinned_size_is_stopped_there(config_data, tmp_path, mode):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EndlessHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        settings = settings_with(config_data, [f"http://127.0.0.1:{httpd.server_address[1]}/{mode}/{{version}}"])
        dest = tmp_path / "downloads" / VERSION.tarball_name
        with pytest.raises(UserError, match=f"more than the {len(PAYLOAD)} bytes expected"):
            sources.fetch(settings, VERSION, dest, mirror=no_mirror)
        assert list(dest.parent.iterdir()) == []  # no .part, no .part.url: nothing to resume
    finally:
        httpd.shutdown()


class TrickleHandler(QuietHandler):
    """Announces the whole payload, then sends a byte every 0.2 s: never a read timeout, never done."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        try:
            for byte in PAYLOAD:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def trickle_server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), TrickleHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_a_server_that_trickles_is_a_stalled_download(trickle_server, tmp_path):
    from tasks.sources import download
    part = tmp_path / "x.tar.xz.part"
    started = time.monotonic()
    with pytest.raises(download.DownloadError, match=r"stalled: \d+ bytes in 1 s, under 1024 bytes/s \(after 2"):
        download.fetch_url(f"{trickle_server}/x", part, timeout=1, attempts=2)
    assert time.monotonic() - started < 10
    assert 0 < part.stat().st_size < 100  # kept: a later run resumes it


@pytest.mark.parametrize("mode", ["endless", "liar"])
def test_a_signature_bundle_is_read_up_to_its_limit_only(mode):
    from tasks.sources import download
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EndlessHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        assert download.fetch_small(f"http://127.0.0.1:{httpd.server_address[1]}/{mode}/x", 5) is None
    finally:
        httpd.shutdown()


def test_a_corrupt_partial_file_from_an_earlier_run_is_named_removed_and_fetched_again(
        config_data, flaky_server, tmp_path, capsys):
    url = f"{flaky_server}/cut/{VERSION}"
    FlakyHandler.requests_seen = [(f"/cut/{VERSION}", None)]
    dest = tmp_path / VERSION.tarball_name
    part = tmp_path / (dest.name + ".part")
    part.write_bytes(b"\0" * 300000)  # not the file's first bytes
    (tmp_path / (dest.name + ".part.url")).write_text(url)
    settings = settings_with(config_data, [f"{flaky_server}/cut/{{version}}"])
    sources.fetch(settings, VERSION, dest, mirror=no_mirror)
    assert dest.read_bytes() == PAYLOAD
    assert f"the partial download {part} (300000 bytes, kept from an earlier run) was corrupt: removed it" \
        in capsys.readouterr().err
    assert FlakyHandler.requests_seen[-1] == (f"/cut/{VERSION}", None)  # the whole file, from its start


def test_file_urls_are_local_sources(config_data, tmp_path):
    served = tmp_path / "mirror dir" / VERSION.tarball_name
    served.parent.mkdir()
    served.write_bytes(PAYLOAD)
    settings = settings_with(config_data, [f"file://{served.parent.as_posix().replace(' ', '%20')}/Python-{{version}}.tar.xz"])
    dest = tmp_path / "downloads" / VERSION.tarball_name
    result = sources.fetch(settings, VERSION, dest, mirror=no_mirror)
    assert dest.read_bytes() == PAYLOAD and result["source"] == "url"


def test_the_number_of_attempts_is_the_number_made(config_data, tmp_path):
    import socket
    with socket.socket() as probe:  # a port nothing listens on: every attempt is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = settings_with(config_data, [f"http://127.0.0.1:{port}/{{version}}"])
    with pytest.raises(UserError, match=r"\(after 2 attempts\)"):
        sources.fetch(settings, VERSION, tmp_path / VERSION.tarball_name, mirror=no_mirror)


def test_a_pinned_tarball_already_in_place_is_kept(config_data, tmp_path, capsys):
    """Put there by hand, or by rebuild_check's scratch copy: no source is asked (this one is unreachable)."""
    settings = settings_with(config_data, ["http://127.0.0.1:9/{version}"])
    dest = tmp_path / "dl" / VERSION.tarball_name
    dest.parent.mkdir()
    dest.write_bytes(PAYLOAD)
    result = sources.fetch(settings, VERSION, dest, mirror=no_mirror)
    assert result["source"] == "cache" and result["sha256"] == SHA and dest.read_bytes() == PAYLOAD
    assert "127.0.0.1:9" not in capsys.readouterr().err


def test_another_file_in_place_is_replaced(config_data, server, tmp_path):
    settings = settings_with(config_data, [f"{server}/good/{{folder}}/x"])
    dest = tmp_path / "dl" / VERSION.tarball_name
    dest.parent.mkdir()
    dest.write_bytes(b"not the release")
    assert sources.fetch(settings, VERSION, dest, mirror=no_mirror)["source"] == "url"
    assert dest.read_bytes() == PAYLOAD


class OddHandler(QuietHandler):
    """/loop/*: redirects to itself; /tofile/*: redirects to a file:// URL; /gzip/*: compresses the tarball on
    the way although asked for it as stored."""
    requests_seen: list[str] = []

    def do_GET(self):
        OddHandler.requests_seen.append(self.path)
        if self.refused_bundle():
            return
        mode = self.path.split("/")[1]
        if mode in ("loop", "tofile"):
            self.send_response(302)
            self.send_header("Location", self.path if mode == "loop" else "file:///etc/passwd")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = gzip.compress(PAYLOAD)
        self.send_response(200)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def fetch_failure(config_data, tmp_path, handler, mode):
    """The UserError a fetch from a server of `handler` ends in, asked for /<mode>/<version>."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        settings = settings_with(config_data, [f"http://127.0.0.1:{httpd.server_address[1]}/{mode}/{{version}}"])
        with pytest.raises(UserError) as error:
            sources.fetch(settings, VERSION, tmp_path / VERSION.tarball_name, mirror=no_mirror)
    finally:
        httpd.shutdown()
    return error


@pytest.mark.parametrize("mode, words", [
    ("loop", "more than 30 redirects (a redirect loop)"),
    ("tofile", "redirected to a URL that is not http(s), which is never followed"),
    ("gzip", "(the server sent it with Content-Encoding: gzip, not as stored)"),
])
def test_an_odd_server_is_named_for_what_it_did_and_asked_once(config_data, tmp_path, mode, words):
    OddHandler.requests_seen = []
    error = fetch_failure(config_data, tmp_path, OddHandler, mode)
    assert words in str(error.value)
    if mode != "gzip":  # another attempt would meet the same answer
        assert "(after 1 attempt)" in str(error.value)
        assert len([p for p in OddHandler.requests_seen if not p.endswith(".sigstore")]) <= 31
    assert list(tmp_path.iterdir()) == []


class BrokenHandler(QuietHandler):
    """/garbage/*: answers with something that is not HTTP; /badchunk/*: breaks off a chunked body."""

    def do_GET(self):
        if self.refused_bundle():
            return
        self.close_connection = True
        if self.path.split("/")[1] == "garbage":
            self.wfile.write(b"NOT HTTP AT ALL\r\n\r\n")
            return
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(b"zz\r\nhello\r\n")


@pytest.mark.parametrize("mode, words", [
    ("garbage", "the server's answer is not valid HTTP (BadStatusLine: 'NOT HTTP AT ALL\\r\\n')"),
    ("badchunk", "the connection broke off in the middle of the answer"),
])
def test_a_broken_answer_is_said_in_plain_words(config_data, tmp_path, mode, words):
    error = fetch_failure(config_data, tmp_path, BrokenHandler, mode)
    assert words in str(error.value), str(error.value)
    assert "Connection aborted" not in str(error.value) and "IncompleteRead(" not in str(error.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("odd", ["part-link", "url-note-link", "bundle-link", "part-fifo", "url-note-fifo"])
def test_odd_files_where_the_download_keeps_its_own_are_removed_never_written_through(config_data, server, tmp_path,
                                                                                         odd):
    settings = settings_with(config_data, [f"{server}/good/{{folder}}/x"])
    dest = tmp_path / "downloads" / VERSION.tarball_name
    dest.parent.mkdir()
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    what, kind = odd.rsplit("-", 1)
    path = dest.with_name(dest.name + {"part": ".part", "url-note": ".part.url", "bundle": ".sigstore"}[what])
    if kind == "link":
        path.symlink_to(victim)
    else:
        os.mkfifo(path)  # read, it would block the download for ever
    if what == "part":
        dest.with_name(dest.name + ".part.url").write_text(f"{server}/good/3.13.15/x")  # as if to resume
    sources.fetch(settings, VERSION, dest, mirror=no_mirror)
    assert victim.read_bytes() == b"precious"
    assert dest.read_bytes() == PAYLOAD and not dest.is_symlink()


def test_a_directory_where_the_tarball_goes_is_one_line(config_data, server, tmp_path):
    settings = settings_with(config_data, [f"{server}/good/{{folder}}/x"])
    dest = tmp_path / "downloads" / VERSION.tarball_name
    dest.mkdir(parents=True)
    with pytest.raises(UserError, match=r"Python-3.13.15.tar.xz is a directory where python-builder keeps a download; "
                                        r"remove it \(rm -r "):
        sources.fetch(settings, VERSION, dest, mirror=no_mirror)
