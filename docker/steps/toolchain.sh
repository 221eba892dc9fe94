#!/bin/bash
# Sourced by configure.sh: the compiler of the build (config [flags] toolchain, see tasks/build/toolchain.py).
# Environment: PB_CC      gcc, or clang-N (the build image has clang-N and llvm-N)
#              PB_LLVM    N when LLVM tools are used (clang's llvm-profdata and llvm-ar; llvm-bolt and
#                         merge-fdata with --enable-bolt), else empty
#              PB_NO_PIE  1: link the interpreter without PIE (config [flags] pie), as CPython's own BOLT build
#                         does: its objects compiled -fno-pie (CFLAGS_NODIST, never recorded for users' C
#                         extensions) and the executables linked -fno-pie -no-pie (LINKCC). Libpython's shared
#                         objects and extension modules stay PIC (CCSHARED comes after). Empty: PIE, as shipped.
# configure finds the LLVM tools through these variables, never through PATH: /usr/lib/llvm-N/bin also
# holds an unversioned clang that ccache would not wrap.

pb_toolchain() {  # cc llvm [no_pie]
    local cc=$1 llvm=$2 bin tool var
    case "$cc" in
        gcc) ;;
        clang-[1-9][0-9])
            export CC="$cc" CXX="clang++-${cc#clang-}" ;;
        *) echo "python-builder: unknown compiler '$cc' (gcc, clang-N)" >&2; return 2 ;;
    esac
    if [ -n "$llvm" ]; then
        case "$llvm" in
            [1-9][0-9]) ;;
            *) echo "python-builder: bad LLVM version '$llvm'" >&2; return 2 ;;
        esac
        bin="/usr/lib/llvm-${llvm}/bin"
        for var in LLVM_PROFDATA:llvm-profdata LLVM_AR:llvm-ar LLVM_BOLT:llvm-bolt MERGE_FDATA:merge-fdata; do
            tool="${bin}/${var#*:}"
            if [ -x "$tool" ]; then
                export "${var%%:*}=$tool"
            fi
        done
    fi
    case "${3:-}" in
        '') ;;
        1)
            export CFLAGS_NODIST="${CFLAGS_NODIST:+$CFLAGS_NODIST }-fno-pie"
            # shellcheck disable=SC2016  # $(PURIFY) $(CC) is make's: configure's own LINKCC, then the flags
            export LINKCC='$(PURIFY) $(CC) -fno-pie -no-pie'
            echo "python-builder: the interpreter is linked without PIE (CFLAGS_NODIST=$CFLAGS_NODIST LINKCC=$LINKCC)"
            ;;
        *) echo "python-builder: bad PB_NO_PIE '$3' (1 or empty)" >&2; return 2 ;;
    esac
    local version
    version=$("${CC:-gcc}" --version | head -n 1)
    echo "python-builder: toolchain ${cc} (${version})"
    if declare -F pb_fact >/dev/null; then
        pb_fact toolchain compiler "${version}"
    fi
}
