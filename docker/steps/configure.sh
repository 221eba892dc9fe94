#!/bin/bash
# configure step: run CPython's configure out of tree.
# Mounts: /src (this variant's copy of the sources), /build (its empty build directory).
# Arguments: the configure arguments, passed through unchanged.
set -euo pipefail
cd /build
echo "python-builder: configure $*"
exec /src/configure "$@"
