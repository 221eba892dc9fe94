#!/bin/bash
# Sourced by configure.sh and compile.sh: how gcc's link-time optimization runs in an optimized build
# (config [flags] lto, passed as PB_LTO).
#   cpython   CPython's own LTO flags, untouched. For gcc on Linux, 3.13 links the whole interpreter as one
#             partition on one core (-flto-partition=none), in the PGO training build and in the final one.
#   parallel  the final build links in gcc's default balanced partitions on every core (-flto=auto), as
#             CPython 3.14+ does (gh-132257: same speed, a fraction of the link time) and as Debian links its
#             own interpreter; the PGO training build is compiled without LTO, since gcc instruments each
#             function before link-time optimization, so its profile is the same and the training binary
#             costs one compile instead of a compile plus a whole-program link. The same holds for clang's
#             ThinLTO: -fprofile-instr-generate instruments in the front end, from the source, before any
#             optimization, and the profile names functions by source file and a hash of their code, so the
#             training build of a clang tree is compiled without -flto=thin too. A gcc tree also links
#             the two build-only programs CPython links with LTO without it, as CPython links its third
#             one, _bootstrap_python, and compiles its extension modules' objects without the native half
#             of fat LTO objects that their LTO link never reads (gcc-lto.mk). A clang tree, whose bitcode
#             objects every program links with LTO, links those three at the LTO back end's -O0
#             (clang-lto.mk).
# Only gcc's full-LTO flags are rewritten at configure time; a build without -flto (FAST, or no --with-lto)
# is left alone.

PB_LTO_VARS="CONFIGURE_CFLAGS_NODIST CONFIGURE_LDFLAGS_NODIST"

# The value of a variable assignment line NAME= of a makefile.
pb_make_var() {  # pb_make_var MAKEFILE NAME: NAME's value as written (NAME=value, or NAME := value)
    sed -n "s/^$2[[:space:]]*:\{0,1\}=//p" "$1" | head -n 1
}

# Is one word of a makefile's CONFIGURE_LDFLAGS_NODIST the whole of this extended regex?
pb_ldflags_have() {  # pb_ldflags_have MAKEFILE REGEX
    pb_make_var "$1" CONFIGURE_LDFLAGS_NODIST | tr ' ' '\n' | grep -qxE -- "$2"
}

# Does this build tree link with gcc's full LTO (-flto or -flto=auto/jobserver/N; not clang's =thin/=full)?
pb_has_gcc_lto() {
    pb_ldflags_have "${1:-Makefile}" '-flto(=(auto|jobserver|[0-9]+))?'
}

# Does this build tree link with LTO at all (gcc's full LTO or clang's -flto=thin/=full)? Its PGO training
# build is then compiled without it in parallel mode (compile.sh).
pb_has_lto() {
    pb_ldflags_have "${1:-Makefile}" '-flto(=[a-z0-9]+)?'
}

# configure runs makesetup, which writes Makefile and Modules/config.c from Makefile.pre. After an edit of
# Makefile.pre both must be newer than it again: else the first make reruns makesetup for Modules/config.c in
# the middle of the build (one rule makes both), Makefile gets a new mtime, and every object that depends on
# Makefile and was compiled before that moment is out of date for the next make. `make install` then
# recompiled Programs/_freeze_module.o, and after it getpath.h and Modules/getpath.o, without the PGO flags:
# a rebuild from a kept profile (which has no training make to absorb the rerun) differed in getpath.o.
pb_makesetup_outputs_newer() {
    touch -c Modules/config.c Makefile  # -c: a file that is not there stays absent
}

# configure step: rewrite the LTO flags of Makefile.pre and Makefile in the current directory for MODE.
# Makefile.pre first; then Makefile and Modules/config.c are made newer (pb_makesetup_outputs_newer).
pb_lto_configure() {
    local mode=$1 file var
    case "$mode" in
        cpython) return 0 ;;
        parallel) ;;
        *) echo "python-builder: unknown LTO mode '$mode' (parallel, cpython)" >&2; return 2 ;;
    esac
    pb_has_gcc_lto Makefile || return 0
    for file in Makefile.pre Makefile; do
        [ -f "$file" ] || continue
        for var in $PB_LTO_VARS; do
            sed -E -i "/^$var=/{s/ -flto-partition=none( |\$)/\\1/g; s/ -flto( |\$)/ -flto=auto\\1/g}" "$file"
        done
    done
    pb_makesetup_outputs_newer
    local ldflags
    ldflags=$(pb_make_var Makefile CONFIGURE_LDFLAGS_NODIST)
    echo "python-builder: lto parallel: CONFIGURE_LDFLAGS_NODIST=${ldflags}"
    if declare -F pb_fact >/dev/null; then
        pb_fact lto CONFIGURE_LDFLAGS_NODIST "${ldflags}"
    fi
}

# compile step: VAR=value arguments for make that drop every LTO flag (the PGO training build).
pb_lto_free_make_args() {
    local var word kept words
    for var in $PB_LTO_VARS; do
        kept=()
        read -r -a words <<<"$(pb_make_var Makefile "$var")"
        for word in "${words[@]}"; do
            case "$word" in
                -flto|-flto=*|-flto-partition=*|-fuse-linker-plugin|-ffat-lto-objects|-fno-fat-lto-objects) ;;
                *) kept+=("$word") ;;
            esac
        done
        printf '%s\n' "$var=${kept[*]}"
    done
}
