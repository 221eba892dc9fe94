#!/bin/bash
# package step, part 1: `make install` each variant into its own staging tree.
# Mounts: /build/<variant> (the build tree), /src (its source copy), /pkg (the packaging directory).
# Arguments: the variant(s) to install, e.g. "default".
# A clang LTO build's static libpython then gets machine code (native-archive.sh).
set -euo pipefail
# shellcheck source=lto.sh
. "$(dirname "$0")/lto.sh"
# shellcheck source=native-archive.sh
. "$(dirname "$0")/native-archive.sh"
for variant in "$@"; do
    stage="/pkg/stage/${variant}"
    rm -rf "${stage}"
    mkdir -p "${stage}"
    # an optimized tree keeps its PGO profile (profile-run-stamp + .gcda files): without it `make install`
    # would silently run the whole training again, so refuse instead (re-running the compile re-profiles)
    if grep -q '^all:.*profile-opt' "/build/${variant}/Makefile" && [ ! -e "/build/${variant}/profile-run-stamp" ]; then
        echo "python-builder: /build/${variant} has no PGO profile data; run doit again (its compile re-profiles)" >&2
        exit 3
    fi
    echo "python-builder: make install (${variant}) into ${stage}"
    # make install byte-compiles the whole library, test suite included, at three optimization levels; the
    # packages ship no .pyc (the postinst compiles them on the target, and the package step removes every
    # __pycache__), so let compileall do the top level only (-l) instead of some 6000 compilations
    make -C "/build/${variant}" install DESTDIR="${stage}" COMPILEALL_OPTS="-j0 -l"
    # make install writes the archive to lib/ and to lib/pythonX.Y/config-*/: the one in lib/ first
    mapfile -t archives < <(find "${stage}" -name 'libpython3*.a' -type f -printf '%d %p\n' | sort -n | cut -d' ' -f2-)
    if [ "${#archives[@]}" -gt 0 ]; then
        read -r cc _ <<<"$(pb_make_var "/build/${variant}/Makefile" CC)"
        case "${cc}" in  # clang-N (toolchain.sh); gcc's LTO objects hold machine code already
            clang-[1-9][0-9]) pb_native_archive "/usr/lib/llvm-${cc#clang-}/bin/clang" "$(nproc)" "${archives[@]}" ;;
        esac
    fi
done
