#!/bin/bash
# configure step: run CPython's configure out of tree.
# Mounts: /src (the unpacked source, read-only), /build (this variant's empty build directory).
# Arguments: the configure arguments, passed through unchanged.
set -euo pipefail
cd /build
echo "python-builder: configure $*"
exec /src/configure "$@"
