#!/bin/bash
# package step, part 1: `make install` each variant into its own staging tree.
# Mounts: /build/<variant> (the build tree), /src (its source copy), /pkg (the packaging directory).
# Arguments: the variant(s) to install, e.g. "default".
set -euo pipefail
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
done
