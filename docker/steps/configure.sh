#!/bin/bash
# configure step: run CPython's configure out of tree.
# Mounts: /src (this variant's copy of the sources), /build (its empty build directory).
# Environment: PB_HARDENING (off, dpkg or debian: the compiler and linker flags, see buildflags.sh),
#              PB_LTO (parallel or cpython: how link-time optimization runs, see lto.sh),
#              PB_CC, PB_LLVM, PB_NO_PIE (the compiler, the LLVM tools and PIE, see toolchain.sh),
#              PB_BUILTIN_MODULES (extension modules built into the interpreter, see builtins.sh).
# Arguments: the configure arguments, passed through unchanged.
# Facts (facts.sh): /build/configure-facts.jsonl, the hardening flags and the rewritten LTO link flags.
set -euo pipefail
here=$(dirname "$0")
# shellcheck source=facts.sh
. "$here/facts.sh"
export PB_FACTS=/build/configure-facts.jsonl
rm -f "$PB_FACTS"
# shellcheck source=buildflags.sh
. "$here/buildflags.sh"
# shellcheck source=lto.sh
. "$here/lto.sh"
# shellcheck source=bolt.sh
. "$here/bolt.sh"
# shellcheck source=toolchain.sh
. "$here/toolchain.sh"
# shellcheck source=builtins.sh
. "$here/builtins.sh"
pb_buildflags "${PB_HARDENING:-off}"
pb_toolchain "${PB_CC:-gcc}" "${PB_LLVM:-}" "${PB_NO_PIE:-}"
pb_builtin_modules "${PB_BUILTIN_MODULES:-}" /src /build
cd /build
echo "python-builder: configure $*"
/src/configure "$@"
pb_lto_configure "${PB_LTO:-cpython}"
pb_bolt_configure
