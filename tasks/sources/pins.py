"""`doit pin NEW_VERSION=X.Y.Z`: fetch a release and its Sigstore bundle, verify, write the pin.

Users never paste hashes by hand: the tarball is fetched from the configured sources, its signature is
verified against the release line's signer (required here, whatever verification.policy says), and
url, size and sha256 are written into config.toml's [pins] table (through a temporary file and rename).
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from dataclasses import replace
from pathlib import Path

from tasks.errors import UserError
from tasks.files import write_text_atomic
from tasks.model.config import Settings
from tasks.model.plan import Layout
from tasks.model.versions import Version
from tasks.sources import fetch as sources
from tasks.sources import signatures


def pin_line(version: Version, record: dict) -> str:
    url = f', url = "{record["location"]}"' if "://" in record["location"] else ""
    return f'"{version}" = {{ sha256 = "{record["sha256"]}", size = {record["size"]}{url} }}'


# a table header line, with blanks and a comment allowed around it: [pins], "  [pins]  # sha256 pins"
TABLE_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\"' -]+?)\s*\]\s*(#.*)?$")


def _pins_header(line: str) -> bool:
    match = TABLE_HEADER.match(line)
    return match is not None and match.group(1).strip("\"'") == "pins"


def write_pin(config_path: Path, version: Version, line: str) -> None:
    """Replace the version's line in [pins], or add it at the end of the table; the result must parse as
    TOML again with the new pin in it, or config.toml is left as it was. A symlinked config.toml stays a
    link: the file it points to gets the pin, and a file with CRLF line ends or a byte order mark (which the
    config reader allows) keeps them. Lines are split at line ends only: TOML strings may hold U+2028 and
    other characters that str.splitlines would also split at."""
    config_path = config_path.resolve()
    text = config_path.read_bytes().decode("utf-8")  # as it is: read_text would turn CRLF into LF
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = re.split(r"\r?\n", text.removeprefix(bom))
    if lines[-1] == "":  # the last line's end
        lines.pop()
    start = next((i for i, current in enumerate(lines) if _pins_header(current)), None)
    if start is None:
        lines += ["", "[pins]"]
        start = len(lines) - 1
    end = next((i for i in range(start + 1, len(lines)) if TABLE_HEADER.match(lines[i])
                or lines[i].lstrip().startswith("[")), len(lines))
    key = re.compile(rf"""^\s*["']{re.escape(str(version))}["']\s*=""")
    for i in range(start + 1, end):
        if key.match(lines[i]):
            lines[i] = line
            break
    else:
        insert = end
        while insert > start + 1 and not lines[insert - 1].strip():
            insert -= 1
        lines.insert(insert, line)
    new_text = bom + newline.join(lines) + newline
    try:
        written = tomllib.loads(new_text.removeprefix(bom)).get("pins", {}).get(str(version))
    except tomllib.TOMLDecodeError as error:
        written, why = None, str(error)
    else:
        why = "the pin did not land in [pins]"
    if not isinstance(written, dict) or str(written.get("sha256")) not in line:
        raise UserError(f"pin: could not add the pin to {config_path} safely ({why}); config.toml is unchanged: "
                        f"add this line to its [pins] table by hand: {line}")
    if not os.access(config_path, os.W_OK) or not config_path.stat().st_mode & 0o222:  # root too: chmod a-w
        raise UserError(f"pin: {config_path} is read-only; make it writable, or add this line to its [pins] table "
                        f"by hand: {line}")
    write_text_atomic(config_path, new_text)


def add_pin(settings: Settings, layout: Layout, config_path: Path, version_text: str | None) -> dict:
    if not version_text:
        raise UserError("pin: say which version, e.g. `doit pin NEW_VERSION=3.14.11`")
    version = Version.parse(version_text, "NEW_VERSION")
    pinned = settings.pin(version)
    if pinned is not None:  # a release's bytes never change: a pin is never replaced behind the user's back
        raise UserError(f"pin: {version} is already pinned (sha256 {pinned.sha256[:16]}…); `doit checksum:{version}` "
                        "checks a download against it; to pin it anew, remove its line from [pins] first")
    unsigned = settings.verification.policy == "off"  # the user's choice: the hash of the file as fetched
    signer = settings.signer(version)
    if signer is None and not unsigned:
        raise UserError(f"pin: no signer for {version.major_minor} in [verification.signers]; add one first")
    unpinned = replace(settings, pins={}, verification=replace(
        settings.verification, policy="off" if unsigned else "require"))
    work = layout.cache / "pins"
    tarball = work / version.tarball_name
    try:
        record = sources.fetch(unpinned, version, tarball)
        bundle = sources.bundle_path(tarball)
        if unsigned:
            detail = (f"NOT signature-checked (verification.policy = \"off\"): the hash of the file as fetched from "
                      f"{record['location']}; compare it with the sha256 python.org publishes for {version}")
        elif not bundle.is_file():
            raise UserError(f"pin: no Sigstore bundle for {version.tarball_name} could be fetched; put "
                            f"{version.tarball_name}.sigstore in a directory of verification.bundle_dirs (or, to "
                            "pin the fetched file's hash without a signature, set verification.policy = \"off\")")
        else:
            assert signer is not None  # refused above unless unsigned
            detail = signatures.verify(record["sha256"], bundle.read_bytes(), signer, version.tarball_name).detail
    finally:
        for leftover in work.glob(f"{version.tarball_name}*"):
            leftover.unlink()
    line = pin_line(version, record)
    write_pin(config_path, version, line)
    print(f"{config_path}: {line}\n  ({detail})", file=sys.stderr)
    return {"version": str(version), "sha256": record["sha256"], "size": record["size"]}
