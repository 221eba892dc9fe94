#!/bin/bash
# package step, part 1: `make install` each variant into its own staging tree.
# Mounts: /build/<variant> (build trees), /pkg (the packaging directory, writable).
# Arguments: the variants to install, e.g. "default freethreaded".
set -euo pipefail
for variant in "$@"; do
    stage="/pkg/stage/${variant}"
    rm -rf "${stage}"
    mkdir -p "${stage}"
    echo "python-builder: make install (${variant}) into ${stage}"
    make -C "/build/${variant}" install DESTDIR="${stage}"
done
