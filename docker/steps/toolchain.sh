#!/bin/bash
# Sourced by configure.sh: the compiler of the build (config [flags] toolchain, see tasks/build/toolchain.py).
# Environment: PB_CC      gcc, or clang-N (the build image has clang-N and llvm-N)
#              PB_LLVM    N when LLVM tools are used (clang's llvm-profdata and llvm-ar; llvm-bolt and
#                         merge-fdata with --enable-bolt), else empty
# configure finds the LLVM tools through these variables, never through PATH: /usr/lib/llvm-N/bin also
# holds an unversioned clang that ccache would not wrap.

pb_toolchain() {
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
    local version
    version=$("${CC:-gcc}" --version | head -n 1)
    echo "python-builder: toolchain ${cc} (${version})"
    if declare -F pb_fact >/dev/null; then
        pb_fact toolchain compiler "${version}"
    fi
}
