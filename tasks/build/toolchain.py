"""The compiler a build uses, and what it brings: gcc (the distro's default), or the distro's clang with
ThinLTO, llvm-profdata's PGO and, on 3.14+, the tail-calling interpreter; BOLT is a switch of its own.
"auto" (the default) picks per line what measured faster (docs/benchmarks.md): clang for optimized builds
of 3.14+ where the distro's clang builds the tail-calling interpreter, gcc otherwise; BOLT where it
measured faster (AUTO_BOLT_MIN_LLVM). The interpreter is
linked as PIE unless [flags] pie says otherwise: "auto" links it without PIE where that measured faster
(AUTO_NO_PIE), as Debian links its own python3.X; a BOLT build is never PIE (CPython's --enable-bolt).

  [flags] toolchain, bolt, tail_call, pie  +  the distro's llvm_version  +  the version's line
      -> Toolchain (one per build)
      -> build-image packages (clang-N, llvm-N, bolt-N), configure arguments, the configure script's
         environment (PB_CC, PB_LLVM: docker/steps/toolchain.sh) and the sysconfig rewrite of the
         installed tree (package/compiler_names.py: users' C extensions build with gcc)

Version gates are data (LINE_GATES), as validate's module tables are.
"""

from __future__ import annotations

from dataclasses import dataclass

from tasks.errors import UserError
from tasks.model.settings import Distro, Flags
from tasks.model.versions import Version

# The first CPython line with each feature, and the oldest clang that builds it.
LINE_GATES = {
    "tail_call": (3, 14),  # --with-tail-call-interp (needs clang's preserve_none and musttail)
    "bolt": (3, 12),  # --enable-bolt
    # toolchain "auto" picks clang from this line on: 3.14.7 with clang 21 (PGO, ThinLTO, tail calls) ran
    # 1.084x Debian's python3.14 where gcc ran 0.965x; 3.13.15 with clang 19 (no tail calls) ran 0.967x
    "auto_clang": (3, 14),
    # bolt "auto" runs llvm-bolt on clang builds from this line on (AUTO_BOLT_MIN_LLVM)
    "auto_bolt": (3, 14),
}
TAIL_CALL_MIN_CLANG = 19
# pie "auto" links the interpreter without PIE for optimized builds of these (compiler, line) pairs, where it
# measured faster: 3.13.15 with gcc 14 ran 1.046x the same build with PIE and 1.063x Debian's python3.13
# (bench/published/2026-12-05-{pie,nopie}-3.13); 3.14.7 with clang-19 and tail calls: 1.006x, level (-nopie-3.14)
AUTO_NO_PIE = frozenset({("gcc", (3, 13))})
# bolt "auto": on clang builds of 3.14+ whose LLVM is at least this version, where it measured faster: 3.14.7
# with clang-21 and bolt-21 (forky) ran 1.034x the same build before llvm-bolt (bench/published/2026-12-05-bolt);
# with clang-19 and bolt-19 (trixie) 0.981x and 0.986x (-06-bolt-3.14-trixie); 3.13.15 with gcc: level (-05-bolt-3.13)
AUTO_BOLT_MIN_LLVM = 21


@dataclass(frozen=True)
class Toolchain:
    compiler: str  # "gcc" or "clang"
    llvm: int | None  # the LLVM version used (clang's; BOLT's with gcc); None: gcc without BOLT
    tail_call: bool  # --with-tail-call-interp
    bolt: bool  # --enable-bolt (optimized builds only)
    pie: bool = True  # the interpreter is a PIE (never with BOLT); extension modules and libpython stay PIC

    @property
    def cc(self) -> str:
        """The compiler command the build runs (ccache masquerades as each of them)."""
        return "gcc" if self.compiler == "gcc" else f"clang-{self.llvm}"

    @property
    def label(self) -> str:
        """What the manifest and the bench name it: gcc, clang-19+tailcall+bolt."""
        return "+".join([self.cc] + (["tailcall"] if self.tail_call else []) + (["bolt"] if self.bolt else [])
                        + (["nopie"] if self.no_pie_flags else []))

    @property
    def no_pie_flags(self) -> bool:
        """The build adds -fno-pie/-no-pie itself (docker/steps/toolchain.sh); a BOLT build's configure does."""
        return not self.pie and not self.bolt

    def packages(self) -> tuple[str, ...]:
        """Build-image packages this toolchain needs beyond build-essential."""
        if self.llvm is None:
            return ()
        llvm = str(self.llvm)
        # libclang-rt: the profile runtime of clang's PGO (-fprofile-instr-generate)
        names = [f"clang-{llvm}", f"llvm-{llvm}", f"libclang-rt-{llvm}-dev"] if self.compiler == "clang" else []
        return tuple(names + ([f"bolt-{llvm}"] if self.bolt else []))

    def environment(self) -> dict[str, str]:
        """The configure script's view of it (docker/steps/toolchain.sh)."""
        return {"PB_CC": self.cc, "PB_LLVM": "" if self.llvm is None else str(self.llvm),
                "PB_NO_PIE": "1" if self.no_pie_flags else ""}

    def configure_args(self, args: tuple[str, ...]) -> tuple[str, ...]:
        """The configure arguments for this toolchain: clang links with ThinLTO; then its own switches."""
        out = [("--with-lto=thin" if self.compiler == "clang" and a in ("--with-lto", "--with-lto=yes") else a)
               for a in args]
        out += [a for a, on in (("--with-tail-call-interp", self.tail_call), ("--enable-bolt", self.bolt))
                if on and a not in out]
        return tuple(out)


def _since(version: Version, feature: str) -> bool:
    return (version.major, version.minor) >= LINE_GATES[feature]


def _auto_llvm(distro: Distro, version: Version, fast: bool) -> int | None:
    """What "auto" builds with: the distro's clang for an optimized build of a line where clang measured
    faster, if that clang can build the tail-calling interpreter (where the gain comes from); else gcc
    (None). FAST builds, whose speed nobody measures, keep gcc and a build image without clang."""
    llvm = distro.llvm_version
    if fast or llvm is None or llvm < TAIL_CALL_MIN_CLANG or not _since(version, "auto_clang"):
        return None
    return llvm


def resolve(flags: Flags, distro: Distro, version: Version, fast: bool) -> Toolchain:
    """The toolchain of one build. A setting that does not apply (the tail-calling interpreter before 3.14
    or on gcc, BOLT in a FAST build) is left out, not an error: the manifest records what was used."""
    if flags.toolchain == "gcc":
        llvm = None
    elif flags.toolchain == "auto":
        llvm = _auto_llvm(distro, version, fast)
    elif flags.toolchain == "clang":
        if distro.llvm_version is None:
            raise UserError(f"toolchain clang: distros.{distro.name} names no llvm_version; set it (e.g. "
                            f"llvm_version = \"19\") or name one: TOOLCHAIN=clang-19")
        llvm = distro.llvm_version
    else:
        llvm = int(flags.toolchain.split("-", 1)[1])
    compiler = "gcc" if llvm is None else "clang"
    bolt = _bolt(flags, compiler, llvm, version, fast)
    if bolt and llvm is None:
        if distro.llvm_version is None:
            raise UserError(f"bolt: distros.{distro.name} names no llvm_version for llvm-bolt; set it "
                            "(e.g. llvm_version = \"19\") or build with BOLT=false")
        llvm = distro.llvm_version
    tail_call = (flags.tail_call and compiler == "clang" and llvm is not None and llvm >= TAIL_CALL_MIN_CLANG
                 and _since(version, "tail_call"))
    return Toolchain(compiler=compiler, llvm=llvm, tail_call=tail_call, bolt=bolt,
                     pie=_pie(flags.pie, compiler, version, fast, bolt))


def _bolt(flags: Flags, compiler: str, llvm: int | None, version: Version, fast: bool) -> bool:
    """Whether llvm-bolt rewrites the interpreter: "yes" in every optimized build of 3.12+; "auto" in optimized
    clang builds of 3.14+ with LLVM AUTO_BOLT_MIN_LLVM or newer, unless PIE is asked for (BOLT drops it)."""
    if fast or not _since(version, "bolt") or flags.bolt == "no":
        return False
    if flags.bolt == "yes":
        return True
    return (compiler == "clang" and llvm is not None and llvm >= AUTO_BOLT_MIN_LLVM and flags.pie != "yes"
            and _since(version, "auto_bolt"))


def _pie(mode: str, compiler: str, version: Version, fast: bool, bolt: bool) -> bool:
    """Whether the interpreter is linked as PIE: "yes", "no", or "auto" (PIE but where AUTO_NO_PIE measured
    faster without it, in optimized builds). BOLT rewrites a position-dependent interpreter only."""
    if bolt:
        if mode == "yes":
            raise UserError("pie yes: BOLT links the interpreter without PIE (CPython's --enable-bolt); "
                            "set PIE=auto or build with BOLT=false")
        return False
    if mode == "auto":
        return fast or (compiler, (version.major, version.minor)) not in AUTO_NO_PIE
    return mode == "yes"


def image_packages(flags: Flags, distro: Distro, versions: tuple[Version, ...], fast: bool) -> tuple[str, ...]:
    """What a distro's build image needs for the run's builds of these versions: clang's packages when one of
    them uses clang, BOLT's when one uses BOLT (a FAST run: neither, unless clang is named)."""
    packages: list[str] = []
    for version in versions:
        packages += [p for p in resolve(flags, distro, version, fast).packages() if p not in packages]
    return tuple(packages)
