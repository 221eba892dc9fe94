"""A C program embeds the installed interpreter the way CPython documents it, though libpython is static.

`gcc $(python3.X-config --cflags --embed) app.c $(python3.X-config --ldflags --embed)`, or pkg-config's
`python-3.X-embed`, name what a *shared* libpython needs. The packages ship libpython only as a static
archive (the interpreter is linked statically, as Debian's is), and linking that archive needs more. Each
tree's two files get, after -lpythonX.Y, the whole list:

  sysconfig MODLIBS, LIBS, LIBM, LIBC   the libraries of the extension modules built into libpython
                                        (flags.builtin_modules: -lz, -lexpat, ...), then libpython's own;
                                        one the interpreter is linked against is named by its soname
                                        (-l:libz.so.1): the program links with the runtime libraries the
                                        package depends on, and needs none of their -dev packages
  -Wl,-E                                the program exports the interpreter's symbols to the lib-dynload
                                        extension modules it imports, as python itself does (LINKFORSHARED)
  -no-pie                               when the interpreter's objects are compiled without PIE (flags.pie,
                                        BOLT): a PIE program, gcc's default, cannot link them

  bin/python3.X[t]-config                  its LIBS_EMBED assignment (a shell script)
  lib/pkgconfig/python-3.X[t]-embed.pc     its Libs line (pkg-config --libs, with or without --static)

A clang build's archive holds machine code as well (docker/steps/native-archive.sh, in the install step).
validate compiles and runs an embedding program both ways, with gcc (docker/validate/embed.sh).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from tasks.errors import UserError
from tasks.package.compiler_names import python_vars
from tasks.package.elf_needed import needed

# sysconfig variables naming the libraries a static libpython links against, in link order
LIBRARY_VARS = ("MODLIBS", "LIBS", "LIBM", "LIBC")
# a word the shell script and pkg-config both take literally
_SAFE_WORD = re.compile(r"[A-Za-z0-9_=,.:/+-]+")
_CONFIG_LINE = re.compile(r'^LIBS_EMBED="(?P<lib>-lpython\$\{VERSION\}\$\{ABIFLAGS\}) [^"$`\\]*\$SYSLIBS"$',
                          re.MULTILINE)
_PC_LINE = re.compile(r"^Libs: (?P<lib>-L\$\{libdir\} -lpython3\.\d+t?)$", re.MULTILINE)


def by_soname(word: str, sonames: Iterable[str]) -> str:
    """-lz becomes -l:libz.so.1 when the interpreter needs libz.so.1; any other word stays."""
    if word.startswith("-l") and not word.startswith("-l:"):
        for soname in sonames:
            if re.fullmatch(rf"lib{re.escape(word[2:])}\.so\.[0-9.]+", soname):
                return f"-l:{soname}"
    return word


def link_words(variables: Mapping[str, object], pie: bool, sonames: Iterable[str] = ()) -> list[str]:
    """What follows -lpythonX.Y on an embedding program's link line: each word once, in order. sonames:
    the interpreter's DT_NEEDED entries."""
    words: list[str] = []
    sonames = tuple(sonames)
    for name in LIBRARY_VARS:
        words += [by_soname(word, sonames) for word in str(variables.get(name) or "").split()]
    words += ["-Wl,-E"] + ([] if pie else ["-no-pie"])
    bad = [w for w in words if not _SAFE_WORD.fullmatch(w)]
    if bad:
        raise UserError(f"package: sysconfig's libraries hold {bad[0]!r}, which python3.X-config cannot "
                        "pass on; check flags.builtin_modules and the build's LIBS")
    return list(dict.fromkeys(words))


def _rewrite(path: Path, pattern: re.Pattern[str], make_line) -> None:
    text = path.read_text()
    new, count = pattern.subn(lambda m: make_line(m.group("lib")), text)
    if count != 1:
        raise UserError(f"package: {path.name} has no line this version of python-builder knows how to "
                        "complete for embedding (an unknown layout); report it")
    path.write_text(new)


def rewrite_tree(prefix_root: Path, ldversion: str, pie: bool) -> list[str]:
    """Complete one installed tree's python3.X-config and python-3.X-embed.pc (ldversion: 3.14 or 3.14t);
    the names of the files changed. A tree without them (the free-threaded one keeps only its own) is
    left alone."""
    found = sorted((prefix_root / "lib" / f"python{ldversion}").glob("_sysconfigdata_*.py"))
    if not found:
        return []
    interpreter = prefix_root / "bin" / f"python{ldversion}"
    sonames = needed(interpreter) if interpreter.is_file() else ()
    words = " ".join(link_words(python_vars(found[0].read_text()), pie, sonames))
    changed = []
    script = prefix_root / "bin" / f"python{ldversion}-config"
    if script.is_file() and not script.is_symlink():
        _rewrite(script, _CONFIG_LINE, lambda lib: f'LIBS_EMBED="{lib} {words}"')
        changed.append(script.name)
    pc = prefix_root / "lib" / "pkgconfig" / f"python-{ldversion}-embed.pc"
    if pc.is_file() and not pc.is_symlink():
        _rewrite(pc, _PC_LINE, lambda lib: f"Libs: {lib} {words}")
        changed.append(pc.name)
    return changed
