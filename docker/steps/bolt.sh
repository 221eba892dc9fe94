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
# pb_bolt_prebolt_rule, pb_bolt_apply_kept (compile step of a rebuild from a kept profile, PROFILE_FROM):
#   CPython's bolt-opt without its instrumentation run. bolt-opt makes its prebolt rule (profile-opt: the
#   PGO-optimized interpreter), then profile-bolt-stamp instruments it, trains it again and applies the
#   merged profile. With a kept profile (<binary>.fdata restored into the tree), compile.sh makes the prebolt
#   rule itself and pb_bolt_apply_kept does only the apply loop of profile-bolt-stamp: the same llvm-bolt,
#   the same flags (pb_bolt_make_args), a copy of each binary kept as <binary>.prebolt as CPython keeps it.

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

pb_bolt_prebolt_rule() {  # the target bolt-opt makes first: "$(MAKE) <rule>" on the line after "bolt-opt:"
    local rule
    rule=$(sed -n '/^bolt-opt:/{n;s/^[[:space:]]*\$(MAKE)[[:space:]]\{1,\}\([A-Za-z_-]\{1,\}\)[[:space:]]*$/\1/p;}' Makefile)
    [ -n "$rule" ] || { echo "bolt: no prebolt rule after bolt-opt: in the Makefile" >&2; return 2; }
    printf '%s\n' "$rule"
}

pb_bolt_tool() {  # the llvm-bolt configure wrote into profile-bolt-stamp's apply line
    sed -n 's/^[[:space:]]*\([^[:space:]]\{1,\}\) "\$\${bin}\.prebolt" -o .*/\1/p' Makefile | head -n 1
}

pb_bolt_apply_kept() {
    local tool flags bins bin words=()
    tool=$(pb_bolt_tool)
    [ -n "$tool" ] && [ -x "$tool" ] || { echo "bolt: no llvm-bolt in the Makefile's apply rule ('$tool')" >&2; return 2; }
    flags=$(pb_bolt_make_args)
    flags=${flags#BOLT_APPLY_FLAGS=}
    [ -z "$flags" ] || read -r -a words <<<"$flags"
    # shellcheck disable=SC2016  # $(BOLT_BINARIES) is make's, expanded by make
    bins=$(make -s --no-print-directory --eval 'pb-bolt-binaries: ; @echo $(BOLT_BINARIES)' pb-bolt-binaries)
    [ -n "${bins// /}" ] || { echo "bolt: the Makefile names no BOLT_BINARIES" >&2; return 2; }
    for bin in $bins; do
        case "$bin" in *[!A-Za-z0-9._/-]*|/*|*..*) echo "bolt: unexpected binary name '$bin'" >&2; return 2 ;; esac
        [ -s "$bin.fdata" ] || { echo "bolt: the kept profile holds no $bin.fdata" >&2; return 2; }
        [ -f "$bin" ] || { echo "bolt: $bin was not built" >&2; return 2; }
        rm -f "$bin.prebolt" "$bin.bolt"
        cp -p "$bin" "$bin.prebolt"
        echo "python-builder: bolt: $bin with the kept $bin.fdata"
        "$tool" "$bin.prebolt" -o "$bin.bolt" -data="$bin.fdata" "${words[@]}"
        mv "$bin.bolt" "$bin"
    done
    touch profile-bolt-stamp
}
