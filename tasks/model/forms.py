"""The written forms config values and command-line variables take: each a pattern and the words that
tell a user what the form is, declared once, so a refusal always says what would have been accepted.

Every value that may later reach a container (flags, package names, paths) is held to one of these, so
the rest of the code can pass values as argv or environment without quoting worries."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from tasks.errors import UserError, shown


def invisible(text: str) -> str | None:
    """The first character of `text` a reader cannot see or that breaks a line: a control, a format
    character (bidi override, zero width), a private-use or unassigned one, a line or paragraph separator."""
    return next((c for c in text if unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp")),
                None)


@dataclass(frozen=True)
class Form:
    pattern: re.Pattern[str]
    what: str  # a noun, then the rule in parentheses: "codename (lowercase letters, ...; e.g. trixie)"

    def check(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not self.pattern.fullmatch(value):
            raise UserError(f"{where}: {shown(value, 60)} is not a valid {self.what}")
        if (char := invisible(value)) is not None:  # a Unicode form's text (ASCII forms cannot hold one)
            raise UserError(f"{where}: {shown(value, 60)} holds the invisible or line-breaking character "
                            f"U+{ord(char):04X}; write it in visible characters")
        return value


def _form(pattern: str, what: str, flags: re.RegexFlag = re.ASCII) -> Form:
    return Form(re.compile(pattern, flags), what)


def directory(value: Any, where: str) -> str:
    """A directory the tool reads from (sources.local_dirs, verification.bundle_dirs): any path of visible
    characters, relative ones from the checkout and ~ for the home directory."""
    if not isinstance(value, str) or not value or len(value) > 4096 or invisible(value) is not None:
        raise UserError(f"{where}: {shown(value, 60)} is not a directory path (visible characters, at most 4096)")
    return value


# configure options (--with-x=y) or variable assignments (CFLAGS=-O3 -g: blanks allowed, one argv word)
FLAG = _form(r"^--?[A-Za-z0-9][A-Za-z0-9_+=,./:@%-]*$|^[A-Z][A-Z0-9_]*=[A-Za-z0-9_+=,./:@% -]*$",
             "configure flag (--option[=value] or NAME=value, no quotes or shell syntax such as $ ; | `)")
PACKAGE = _form(r"^[a-z0-9][a-z0-9+.-]{1,99}$",
                "package name (Debian's: lowercase letters, digits and + . -, e.g. libzstd-dev; no version)")
_NAME_RULE = "2 to 31 lowercase letters, digits and '-', starting with a letter, e.g. trixie"
DISTRO_NAME = _form(r"^[a-z][a-z0-9-]{1,30}$", f"distro name ({_NAME_RULE})")
CODENAME = _form(DISTRO_NAME.pattern.pattern, f"codename ({_NAME_RULE})")
DISPLAY = _form(r"^[A-Za-z0-9][A-Za-z0-9 ._(),+-]{0,80}$",
                "display name (ASCII letters, digits, blanks and . _ ( ) , + -, at most 81 characters)")
# Debian policy 5.6.2: a name (any UTF-8 letters) and an address; no ',' (it separates Uploaders).
MAINTAINER = _form(r"^[^\W_][^,<>\x00-\x1f\x7f\"$`\\]{0,79} <[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+>$",
                   "maintainer ('Name <address>': a name of up to 80 characters without , < > \" $ ` \\, then "
                   "one address)", re.UNICODE)
PREFIX = _form(r"^/[A-Za-z0-9._/-]*\{major_minor\}[A-Za-z0-9._/-]*$",
               "prefix (an absolute path of ASCII letters, digits and . _ - / containing {major_minor} once)")
NAME_PREFIX = _form(r"^[a-z0-9][a-z0-9+.-]{0,30}-$",
                    "package name prefix (lowercase, at most 32 characters, ending in '-'; it must not be empty: "
                    "bare pythonX.Y names collide with the distro's own packages)")
# Debian policy 5.6.12: debian_revision is alphanumerics and + . ~ (1, 1+b1, 0~bpo12+1); kept short.
REVISION = _form(r"^[0-9][A-Za-z0-9+.~]{0,30}$",
                 "Debian revision (a digit, then letters, digits and + . ~, at most 31 characters, e.g. 1 or 1+b1)")
SHA256 = _form(r"^[0-9a-f]{64}$", "sha256 (64 lowercase hex digits)")
TEST_MODULE = _form(r"^test_[a-z0-9_]{1,60}$", "test module name (such as test_sys)")
MODULE = _form(r"^[a-z_][a-z0-9_]{0,40}$", "extension module name (lowercase letters, digits and _, e.g. _json)")
TOOLCHAIN = _form(r"^(auto|gcc|clang|clang-[1-9][0-9])$", "toolchain (auto, gcc, clang or clang-N, e.g. clang-19)")
LLVM_VERSION = _form(r"^[1-9][0-9]$", "LLVM major version (e.g. \"19\")")
PROFILE_TASK = _form(r"^[A-Za-z0-9 ._=/,:+-]{0,500}$",
                     "PROFILE_TASK (python arguments, no shell syntax, at most 500 characters)")
IDENTITY = _form(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+$", "identity (an e-mail address)")
ISSUER = _form(r"^https://[A-Za-z0-9.-]+(/[A-Za-z0-9._/-]*)?$", "OIDC issuer URL (https://…)")
MAJOR_MINOR = _form(r"^3\.(0|[1-9][0-9]?)$", "major.minor version (e.g. 3.14)")
MICRO = _form(r"^(0|[1-9][0-9]{0,3})((a|b|rc)[1-9][0-9]{0,2})?$", "micro version (one number, e.g. 7, or 0rc2)")
# A TCP port, 1 to 65535.
_PORT = r"(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})"
# A Docker engine: what DOCKER_HOST takes.
DOCKER_HOST = _form(rf"^(unix:///[A-Za-z0-9._/-]+|tcp://[A-Za-z0-9.-]+:{_PORT}|"
                    rf"ssh://([A-Za-z0-9._-]+@)?[A-Za-z0-9.-]+(:{_PORT})?)$",
                    "Docker host (unix:///path/docker.sock, tcp://host:port or ssh://user@host)")
