#!/bin/bash
# configure step: run CPython's configure out of tree.
# Mounts: /src (this variant's copy of the sources), /build (its empty build directory).
# Environment: PB_HARDENING (off, dpkg or debian: the compiler and linker flags, see buildflags.sh).
# Arguments: the configure arguments, passed through unchanged.
set -euo pipefail
# shellcheck source=buildflags.sh
. "$(dirname "$0")/buildflags.sh"
pb_buildflags "${PB_HARDENING:-off}"
cd /build
echo "python-builder: configure $*"
exec /src/configure "$@"
