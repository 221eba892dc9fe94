#!/bin/bash
# compile step: make in the configured build directory, with ccache statistics around it.
# Environment: PB_JOBS (make -j), PROFILE_TASK (optional, the PGO training workload),
#              PB_CLEAN_FIRST (non-empty after an interrupted compile: `make clean` first),
#              CCACHE_DIR (mounted compiler cache), CCACHE_MAXSIZE, CCACHE_REMOTE_STORAGE (optional:
#              a shared cache, e.g. redis://host:6379; ccache reads it from the environment).
set -euo pipefail
cd /build
make_args=(-j"${PB_JOBS:?}")
if [ -n "${PROFILE_TASK:-}" ]; then
    make_args+=("PROFILE_TASK=${PROFILE_TASK}")
fi
echo "python-builder: toolchain gcc: $(gcc --version | head -n 1)"
echo "python-builder: toolchain binutils: $(ld --version | head -n 1)"
if [ -n "${PB_CLEAN_FIRST:-}" ]; then
    echo "python-builder: the previous compile in this tree did not finish: make clean first"
    make clean
fi
ccache --zero-stats >/dev/null 2>&1 || true
echo "python-builder: make ${make_args[*]}"
make "${make_args[@]}"
echo "python-builder: ccache statistics"
ccache --show-stats 2>/dev/null || true
