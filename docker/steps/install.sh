#!/bin/bash
# package step, part 1: `make install` each variant into its own staging tree.
# Mounts: /build/<variant> (the build tree), /src (its source copy), /pkg (the packaging directory).
# Arguments: the variant(s) to install, e.g. "default".
set -euo pipefail
for variant in "$@"; do
    stage="/pkg/stage/${variant}"
    rm -rf "${stage}"
    mkdir -p "${stage}"
    echo "python-builder: make install (${variant}) into ${stage}"
    make -C "/build/${variant}" install DESTDIR="${stage}"
done
