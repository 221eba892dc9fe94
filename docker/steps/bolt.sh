# shellcheck shell=bash
# BOLT builds (CPython's --enable-bolt): two corrections to CPython's own recipe, sourced by configure.sh
# and compile.sh. Both act only in a tree whose default target is bolt-opt.
#
# pb_bolt_configure (configure step, in the build tree): CPython links *everything* with -Wl,--emit-relocs
#   (CONFIGURE_LDFLAGS_NODIST), which llvm-bolt needs on the interpreter only. On the extension modules
#   the kept relocations hold their symbol tables, so dh_strip cannot strip them (lintian:
#   unstripped-binary-or-object, 77 modules of 3.14.7). The flag moves to LINKFORSHARED, which only the
#   interpreter's (and _testembed's) link reads. Then makesetup's outputs are made newer (lto.sh).
# pb_bolt_make_args (compile step): prints BOLT_APPLY_FLAGS=<CPython's llvm-bolt flags without -inline-all>
#   for make. llvm-bolt 21 crashes (SIGSEGV, exit 139) rewriting the debug information of functions that
#   -inline-all inlined (3.14.7 on forky's bolt-21; the same run succeeds without -inline-all, or without
#   -update-debug-sections): right debug information (the -dbgsym package) matters more than that pass.

# shellcheck source=lto.sh
. "$(dirname "${BASH_SOURCE[0]}")/lto.sh"  # pb_make_var

pb_is_bolt_tree() {
    grep -qE '^all:[[:space:]]+bolt-opt' "${1:-Makefile}"
}

pb_bolt_configure() {
    pb_is_bolt_tree Makefile || return 0
    local file
    for file in Makefile.pre Makefile; do
        [ -f "$file" ] || continue
        grep -q -- '-Wl,--emit-relocs' "$file" || continue
        sed -E -i -e '/^CONFIGURE_LDFLAGS_NODIST=/s/ -Wl,--emit-relocs( |$)/\1/g' \
            -e 's/^(LINKFORSHARED=.*)$/\1 -Wl,--emit-relocs/' "$file"
    done
    pb_makesetup_outputs_newer  # lto.sh
    echo "python-builder: bolt: -Wl,--emit-relocs on the interpreter's link only:" \
        "LINKFORSHARED=$(sed -n 's/^LINKFORSHARED=[[:space:]]*//p' Makefile | head -n 1)"
}

pb_bolt_make_args() {
    pb_is_bolt_tree Makefile || return 0
    local flags word words kept=()
    flags=$(pb_make_var Makefile BOLT_APPLY_FLAGS)
    [ -n "${flags// /}" ] || return 0
    case "$flags" in *[\"\\\$\`\']*) echo "bolt: unexpected characters in BOLT_APPLY_FLAGS" >&2; return 2 ;; esac
    read -r -a words <<<"$flags"
    for word in "${words[@]}"; do [ "$word" = -inline-all ] || kept+=("$word"); done
    printf 'BOLT_APPLY_FLAGS=%s\n' "${kept[*]}"
}
