#!/bin/bash
# compile step: make in the configured build directory, with ccache statistics around it.
# Environment: PB_JOBS (make -j), PROFILE_TASK (optional, the PGO training workload),
#              PB_LTO (parallel or cpython, see lto.sh: with parallel, the PGO training build of an LTO build,
#              gcc's or clang's, is compiled without LTO, as its own make run before the final one, a gcc
#              tree links its build-only programs without LTO and compiles its extension modules' objects
#              as slim LTO objects, gcc-lto.mk, and a clang tree links them at the LTO back end's -O0,
#              clang-lto.mk),
#              PB_CLEAN_FIRST (non-empty after an interrupted compile: `make clean` first),
#              CCACHE_DIR (mounted compiler cache), CCACHE_MAXSIZE, CCACHE_REMOTE_STORAGE (optional:
#              a shared cache, e.g. redis://host:6379; ccache reads it from the environment).
#              PB_BUILD_DIR (default /build, the mounted build tree).
#              PB_KEPT_PROFILE (non-empty in a rebuild from a kept profile, PROFILE_FROM: the training is marked
#              done; a BOLT tree then applies its kept .fdata instead of training again, bolt.sh).
# Facts (facts.sh): compile-facts.jsonl in the build tree, the toolchain's versions and the seconds of
# each make run (phase build, or training + optimized).
set -euo pipefail
# The whole script is one function, read before it runs: editing this file during a build cannot derail it.
main() {
    # shellcheck source=lto.sh
    . "$(dirname "$0")/lto.sh"
    # shellcheck source=bolt.sh
    . "$(dirname "$0")/bolt.sh"
    # shellcheck source=facts.sh
    . "$(dirname "$0")/facts.sh"
    cd "${PB_BUILD_DIR:-/build}"
    export PB_FACTS="$PWD/compile-facts.jsonl"
    rm -f "$PB_FACTS"
    make_args=(-j"${PB_JOBS:?}")
    if [ -n "${PROFILE_TASK:-}" ]; then
        make_args+=("PROFILE_TASK=${PROFILE_TASK}")
    fi
    local gcc_version ld_version
    gcc_version=$(gcc --version | head -n 1)
    ld_version=$(ld --version | head -n 1)
    echo "python-builder: toolchain gcc: ${gcc_version}"
    echo "python-builder: toolchain binutils: ${ld_version}"
    pb_fact toolchain gcc "${gcc_version}"
    pb_fact toolchain binutils "${ld_version}"
    local cc cc_version
    read -r cc _ <<<"$(pb_make_var Makefile CC)"
    if [ -n "$cc" ] && [ "$cc" != gcc ]; then  # clang-N (toolchain.sh): its version too
        cc_version=$("$cc" --version | head -n 1)
        echo "python-builder: toolchain ${cc}: ${cc_version}"
        pb_fact toolchain "$cc" "${cc_version}"
    fi
    # CPython's rule for the DTrace probes' object (Python/pydtrace.o) hands dtrace the Makefile's CFLAGS,
    # which it never defines: that one object was compiled without the hardening flags, so it lacked the CET
    # property note (IBT, SHSTK) and the linker dropped the note from the whole interpreter. dtrace reads
    # CFLAGS from its environment: give it configure's (the same flags every other object gets).
    local dtrace cflags
    read -r dtrace _ <<<"$(pb_make_var Makefile DTRACE)"
    cflags=$(pb_make_var Makefile CONFIGURE_CFLAGS)
    if [ -n "$dtrace" ]; then
        case "$cflags" in *[\"\\\$\`]*) echo "compile: unexpected characters in CONFIGURE_CFLAGS" >&2; exit 2 ;; esac
        make_args+=("DTRACE=env \"CFLAGS=${cflags//$'\t'/ }\" ${dtrace}")
    fi
    local bolt_args
    bolt_args=$(pb_bolt_make_args)  # bolt.sh: CPython's llvm-bolt flags without -inline-all
    if [ -n "$bolt_args" ]; then
        make_args+=("$bolt_args")
        pb_fact bolt apply_flags "${bolt_args#BOLT_APPLY_FLAGS=}"
    fi
    # gcc-lto.mk, clang-lto.mk: read by every make run, sub-makes too
    local steps_dir
    steps_dir=$(cd "$(dirname "$0")" && pwd)
    if [ "${PB_LTO:-cpython}" = parallel ]; then
        if pb_has_gcc_lto Makefile; then
            export MAKEFILES="${steps_dir}/gcc-lto.mk"
            echo "python-builder: Programs/_freeze_module and Programs/_testembed link without LTO," \
                "extension modules' objects are slim LTO objects (${MAKEFILES})"
        elif pb_has_lto Makefile; then
            export MAKEFILES="${steps_dir}/clang-lto.mk"
            echo "python-builder: _bootstrap_python, Programs/_freeze_module and Programs/_testembed link" \
                "with the LTO back end at -O0 (${MAKEFILES})"
        fi
    fi
    if [ -n "${PB_CLEAN_FIRST:-}" ]; then
        echo "python-builder: the previous compile in this tree did not finish: make clean first"
        make clean  # in an optimized tree this also drops the PGO stamps and profile data
    fi
    # this compile's own ccache counters: the cache directory's global ones also count every other compile
    # using it at the same time (doit runs the two interpreters' compiles side by side)
    export CCACHE_STATSLOG="$PWD/.python-builder-ccache-stats.log"
    rm -f "$CCACHE_STATSLOG"

    phase() {  # phase NAME command...: one make run (or llvm-bolt's), timed
        local name=$1 started=$SECONDS
        shift
        echo "python-builder: $*"
        "$@"
        local seconds=$((SECONDS - started))
        echo "python-builder: phase $name $seconds s"
        pb_fact phase "$name" "$seconds"
    }

    if [ -n "${PB_KEPT_PROFILE:-}" ] && pb_is_bolt_tree Makefile; then
        local prebolt
        prebolt=$(pb_bolt_prebolt_rule)
        phase optimized make "${make_args[@]}" "$prebolt"
        phase bolt pb_bolt_apply_kept
    elif [ "${PB_LTO:-cpython}" = parallel ] && grep -qE '^all:.*(profile-opt|bolt-opt)' Makefile \
            && pb_has_lto Makefile; then
        # the PGO training build without LTO (lto.sh: the same profile, one compile and no LTO link), then
        # CPython's own rule (profile-opt, or bolt-opt: profile-opt, then BOLT's training and rewrite)
        mapfile -t lto_free < <(pb_lto_free_make_args)
        phase training make "${make_args[@]}" "${lto_free[@]}" profile-run-stamp
        phase optimized make "${make_args[@]}"
    else
        phase build make "${make_args[@]}"
    fi
    echo "python-builder: ccache statistics"
    if [ -s "$CCACHE_STATSLOG" ]; then
        ccache --show-log-stats 2>/dev/null || true
    else
        echo "Cacheable calls:  0 / 0"  # make compiled nothing
    fi
}
main "$@"
exit
