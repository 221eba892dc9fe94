"""CPython release versions: parsing, validation and the names derived from them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tasks.errors import UserError, shown

# The canonical ASCII form only: no leading zeros, no other digits than 0-9, no sign, no blanks.
NUMBER = r"(0|[1-9][0-9]{0,3})"
VERSION_PATTERN = re.compile(rf"^{NUMBER}\.{NUMBER}\.{NUMBER}((a|b|rc)([1-9][0-9]{{0,2}}))?$", re.ASCII)
LONGEST = 24  # longer text is shown cut in the error line

# Free-threading (--disable-gil) exists from 3.13 on; older lines are out of scope.
OLDEST_SUPPORTED = (3, 13)


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    micro: int
    pre_kind: str = ""  # "", "a", "b" or "rc"
    pre_num: int = 0

    @classmethod
    def parse(cls, text: object, where: str = "version") -> Version:
        """Parse 'X.Y.Z' or 'X.Y.Z{a,b,rc}N'; anything else is a UserError naming `where`."""
        if not isinstance(text, str):
            raise UserError(f"{where}: expected a version string like \"3.13.15\", got {text!r}")
        match = VERSION_PATTERN.fullmatch(text)
        if not match:
            raise UserError(
                f"{where}: {shown(text, LONGEST)} is not a CPython release version "
                "(write it as X.Y.Z or X.Y.Z{a,b,rc}N, e.g. 3.13.15 or 3.15.0rc1)"
            )
        major, minor, micro = (int(match.group(i)) for i in (1, 2, 3))
        version = cls(major, minor, micro, match.group(5) or "", int(match.group(6) or 0))
        if (major, minor) < OLDEST_SUPPORTED:
            raise UserError(
                f"{where}: {text} is not supported: python-builder builds CPython "
                f"{OLDEST_SUPPORTED[0]}.{OLDEST_SUPPORTED[1]} and newer"
            )
        return version

    def __str__(self) -> str:
        pre = f"{self.pre_kind}{self.pre_num}" if self.pre_kind else ""
        return f"{self.major}.{self.minor}.{self.micro}{pre}"

    @property
    def major_minor(self) -> str:
        return f"{self.major}.{self.minor}"

    @property
    def is_prerelease(self) -> bool:
        return bool(self.pre_kind)

    @property
    def folder(self) -> str:
        """python.org's download folder: pre-releases live under the final version's folder."""
        return f"{self.major}.{self.minor}.{self.micro}"

    @property
    def debian_upstream(self) -> str:
        """Upstream part of a Debian version: '~' sorts a pre-release before the final release."""
        pre = f"~{self.pre_kind}{self.pre_num}" if self.pre_kind else ""
        return f"{self.major}.{self.minor}.{self.micro}{pre}"

    @property
    def tarball_name(self) -> str:
        return f"Python-{self}.tar.xz"

    @property
    def debian_orig_name(self) -> str:
        """The Debian archive's name for the unchanged upstream tarball."""
        return f"python{self.major_minor}_{self.debian_upstream}.orig.tar.xz"
