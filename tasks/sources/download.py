"""HTTP downloads that survive flaky networks: timeouts, retries with backoff, resume with Range.

The file is streamed to `<dest>.part`; the sha256 is computed while streaming (over the bytes already
in a resumed `.part` first). A `.part.url` sidecar remembers which URL the partial file came from, so a
later run resumes only the same download. The caller decides whether the result is kept.
"""

from __future__ import annotations

import hashlib
import http.client
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests
import urllib3

CHUNK = 1 << 16
BACKOFF = (1, 2, 4, 8)
MIN_RATE = 1024  # bytes per second, averaged over `timeout` seconds: slower is a stalled download (like
                 # curl's --speed-limit); a server that trickles a byte per read timeout never times out
SMALL_LIMIT = 1 << 20  # bytes: a Sigstore bundle is ~10 KB
IDENTITY = {"Accept-Encoding": "identity"}  # the bytes as stored: they are hashed and kept as they came


class DownloadError(Exception):
    """A download that could not complete; str() is one line."""


class LocalWriteError(OSError):
    """Writing the downloaded bytes failed here (disk full, permissions): retrying cannot help."""


@dataclass(frozen=True)
class Fetched:
    sha256: str
    size: int
    resumed_from: int
    encoding: str = ""  # a Content-Encoding the server applied although asked for the bytes as stored


class _Progress:
    """A progress line with bytes and rate on a terminal; start and end lines otherwise (CI)."""

    def __init__(self, url: str, stream=sys.stderr) -> None:
        self.stream, self.url = stream, url
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.started, self.last = time.monotonic(), 0.0

    def update(self, done: int, total: int | None, final: bool = False) -> None:
        now = time.monotonic()
        if not self.tty or (not final and now - self.last < 0.2):
            return
        self.last = now
        rate = done / max(now - self.started, 1e-6) / 1e6
        total_text = f"/{total / 1e6:.1f}" if total else ""
        self.stream.write(f"\r  {done / 1e6:.1f}{total_text} MB  {rate:.1f} MB/s ")
        if final:
            self.stream.write("\n")
        self.stream.flush()

    def done(self, size: int) -> None:
        seconds = time.monotonic() - self.started
        if self.tty:
            self.update(size, size, final=True)
        self.stream.write(f"  {size / 1e6:.1f} MB in {seconds:.1f} s\n")


def _hash_existing(part: Path, digest) -> int:
    size = 0
    with open(part, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size


class Stalled(Exception):
    """Fewer than MIN_RATE bytes per second over `timeout` seconds: worth another attempt, resuming."""


class _Pace:
    """Watches a transfer's rate over windows of `seconds`."""

    def __init__(self, seconds: int) -> None:
        self.seconds, self.start, self.bytes = seconds, time.monotonic(), 0

    def add(self, count: int) -> None:
        self.bytes += count
        elapsed = time.monotonic() - self.start
        if elapsed >= self.seconds:
            if self.bytes < MIN_RATE * elapsed:
                raise Stalled(f"stalled: {self.bytes} bytes in {elapsed:.0f} s, under {MIN_RATE} bytes/s")
            self.start, self.bytes = time.monotonic(), 0


def _chunks(response: requests.Response):
    """The body as it arrives: read1 returns whatever came, so a trickle is seen per byte, not per 64 KiB."""
    while chunk := response.raw.read1(CHUNK, decode_content=False):
        yield chunk


# what a broken connection or a misbehaving server raises while requesting or streaming: worth another attempt
NETWORK_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException, OSError)
# ... except these, which another attempt would meet again
PERMANENT = {
    requests.exceptions.TooManyRedirects: "more than 30 redirects (a redirect loop)",
    requests.exceptions.InvalidSchema: "redirected to a URL that is not http(s), which is never followed",
    requests.exceptions.InvalidURL: "",
}


def _said(error: BaseException) -> str:
    """One line for a network error: what happened in plain words where it is known (requests wraps the cause
    in two layers of pool jargon), else requests' own text."""
    reason = getattr(error.args[0], "reason", None) if error.args else None  # ConnectionError(MaxRetryError)
    if isinstance(reason, urllib3.exceptions.NameResolutionError):
        return "cannot resolve the host name (no DNS answer: offline, or only reachable through a proxy?)"
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        cause = reason.__cause__ if isinstance(reason.__cause__, OSError) else None
        return f"cannot connect ({cause.strerror if cause and cause.strerror else 'no connection'})"
    if isinstance(error, requests.exceptions.Timeout):
        return "no answer in time (timed out)"
    inner = _innermost(error)
    if isinstance(inner, http.client.IncompleteRead):
        return "the connection broke off in the middle of the answer"
    if isinstance(inner, http.client.HTTPException):  # BadStatusLine, LineTooLong, more than 100 headers
        return f"the server's answer is not valid HTTP ({type(inner).__name__}: {str(inner)[:60]!r})"
    if isinstance(inner, ConnectionResetError):
        return "the server closed the connection (connection reset)"
    plain = " ".join(str(error).split())[:200] or type(error).__name__
    ours = next((text for kind, text in PERMANENT.items() if isinstance(error, kind)), "")
    return f"{ours} ({plain})" if ours else plain


def _innermost(error: BaseException) -> BaseException:
    """The error under requests' and urllib3's wrappers (ConnectionError(ProtocolError(msg, cause)))."""
    for _ in range(4):
        nested = next((arg for arg in getattr(error, "args", ()) if isinstance(arg, BaseException)), None)
        if nested is None:
            break
        error = nested
    return error


class TooLarge(DownloadError):
    """The server sent (or announced) more bytes than the file can have: the partial file is removed."""


def url_note(part: Path) -> Path:
    """The sidecar that remembers which URL a partial file came from."""
    return part.with_name(part.name + ".url")


def fetch_url(url: str, part: Path, timeout: int, attempts: int = len(BACKOFF) + 1,
              limit: int | None = None) -> Fetched:
    """Download `url` into `part` (resuming a partial file of the same URL); raises DownloadError.

    `limit`: the most bytes the file may have (its pinned size): a server that announces or sends more is
    stopped there, and the partial file removed (TooLarge)."""
    sidecar = url_note(part)
    if not (sidecar.is_file() and sidecar.read_text() == url):
        part.unlink(missing_ok=True)
    sidecar.write_text(url)
    progress = _Progress(url)
    resumed_from = part.stat().st_size if part.exists() else 0
    last_error, received, made = "no attempt", False, 0
    for attempt in range(attempts):
        if attempt and not received and attempt >= 2:
            break  # never reached the server twice in a row: it is down, not flaky; try the next source
        if attempt:
            time.sleep(BACKOFF[min(attempt - 1, len(BACKOFF) - 1)])
        made += 1
        digest = hashlib.sha256()
        have = _hash_existing(part, digest) if part.exists() else 0
        headers = {**IDENTITY, "Range": f"bytes={have}-"} if have else IDENTITY
        try:
            with requests.get(url, stream=True, timeout=(timeout, timeout), headers=headers) as response:
                if response.status_code == 416 and have:  # the partial file is complete or bogus: start over
                    part.unlink()
                    last_error = "HTTP 416 on resume"
                    continue
                if response.status_code == 206 and have:
                    mode = "ab"
                elif response.status_code == 200:
                    mode, have, digest = "wb", 0, hashlib.sha256()
                elif 500 <= response.status_code < 600 or response.status_code == 429:
                    received = True  # the server answers: worth retrying with backoff
                    last_error = f"HTTP {response.status_code}"
                    continue
                else:
                    raise DownloadError(f"HTTP {response.status_code}")
                length = response.headers.get("Content-Length")
                total = have + int(length) if length and length.isdigit() and len(length) < 20 else None
                if limit is not None and total is not None and total > limit:
                    raise TooLarge(f"the server announced {total} bytes, more than the {limit} bytes expected")
                size = have
                try:
                    out = open(part, mode, buffering=0)  # unbuffered: a full disk fails the write itself
                except OSError as error:
                    raise LocalWriteError(error.errno, error.strerror, str(part)) from error
                pace = _Pace(timeout)
                with out:
                    for chunk in _chunks(response):
                        received = True
                        pace.add(len(chunk))
                        if limit is not None and size + len(chunk) > limit:
                            raise TooLarge(f"the server sent more than the {limit} bytes expected; stopped there")
                        digest.update(chunk)
                        try:
                            out.write(chunk)
                        except OSError as error:
                            raise LocalWriteError(error.errno, error.strerror, str(part)) from error
                        size += len(chunk)
                        progress.update(size, total)
                if total is not None and size != total:
                    last_error = f"connection closed after {size} of {total} bytes"
                    continue
                progress.done(size)
                sidecar.unlink(missing_ok=True)
                encoding = response.headers.get("Content-Encoding", "").strip().lower()
                return Fetched(digest.hexdigest(), size, resumed_from, "" if encoding == "identity" else encoding)
        except TooLarge:
            part.unlink(missing_ok=True)
            sidecar.unlink(missing_ok=True)
            raise
        except (DownloadError, LocalWriteError):
            raise
        except Stalled as error:
            last_error = str(error)
        except NETWORK_ERRORS as error:
            last_error = _said(error)
            if isinstance(error, tuple(PERMANENT)):
                break
    raise DownloadError(f"{last_error} (after {made} attempt{'s' if made != 1 else ''})")


def fetch_small(url: str, timeout: int) -> bytes | None:
    """A small file (a signature bundle) in one request; None when the server does not have it, sends more
    than SMALL_LIMIT bytes or stalls."""
    body = bytearray()
    try:
        with requests.get(url, stream=True, timeout=(timeout, timeout), headers=IDENTITY) as response:
            if response.status_code != 200:
                return None
            pace = _Pace(timeout)
            for chunk in _chunks(response):
                body += chunk
                pace.add(len(chunk))
                if len(body) > SMALL_LIMIT:
                    return None
    except (*NETWORK_ERRORS, Stalled):
        return None
    return bytes(body)
