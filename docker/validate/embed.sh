#!/bin/bash
# validate: a C program embeds the installed interpreter, linked with gcc the two documented ways:
#   gcc $(python3.X-config --cflags --embed) app.c $(python3.X-config --ldflags --embed)
#   gcc $(pkg-config --cflags python-3.X-embed) app.c $(pkg-config --libs python-3.X-embed)
# and each program runs Python code that imports modules built into libpython (zlib, pyexpat, math) and
# from lib-dynload (ssl, ctypes, sqlite3), and checks it runs the installed interpreter.
# Arguments: the python3.X[t]-config script, a scratch directory. Prints each command; exits non-zero when
# anything fails.
set -euo pipefail
config=$1 work=$2
mkdir -p "$work"
cd "$work"
cat >app.c <<'EOF'
#include <Python.h>
/* app CODE: run CODE in an embedded interpreter; the exit status is 0 when it raised nothing. It sets the
   program name as CPython's embedding example does: with none, the interpreter looks for "python3" on PATH
   and takes the prefix of the distro's python3 when that is the same minor version. */
int main(int argc, char **argv) {
    if (argc != 2) return 2;
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    PyStatus status = PyConfig_SetBytesString(&config, &config.program_name, argv[0]);
    if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) Py_ExitStatusException(status);
    int failed = PyRun_SimpleString(argv[1]);
    if (Py_FinalizeEx() < 0) return 3;
    return failed ? 1 : 0;
}
EOF
prefix=$("$config" --prefix)
# what the embedded interpreter must report, handed over in the environment
export PB_EXPECT_PREFIX="${prefix}" PB_EXPECT_ABIFLAGS
PB_EXPECT_ABIFLAGS=$("$config" --abiflags)
code='import os, sys, zlib, pyexpat, math, ssl, ctypes, sqlite3, xml.etree.ElementTree as ET
assert ET.fromstring("<a>1</a>").text == "1" and zlib.decompress(zlib.compress(b"pb")) == b"pb"
assert sys.prefix == os.environ["PB_EXPECT_PREFIX"], sys.prefix
assert sys.abiflags == os.environ["PB_EXPECT_ABIFLAGS"], sys.abiflags
assert "t" not in sys.abiflags or not sys._is_gil_enabled()
print("embedded", sys.version.split()[0] + sys.abiflags, "in", sys.prefix, ssl.OPENSSL_VERSION)'

build_and_run() {  # build_and_run NAME CFLAGS-WORDS -- LIBS-WORDS
    local name=$1
    shift
    local -a cflags=() libs=()
    while [ "$1" != -- ]; do cflags+=("$1"); shift; done
    shift
    libs=("$@")
    echo "+ gcc ${cflags[*]} -o ${name} app.c ${libs[*]}"
    gcc "${cflags[@]}" -o "${name}" app.c "${libs[@]}"
    "./${name}" "${code}"
}

read -r -a cflags <<<"$("$config" --cflags --embed)"
read -r -a ldflags <<<"$("$config" --ldflags --embed)"
build_and_run app-config "${cflags[@]}" -- "${ldflags[@]}"

version=$("$config" --configdir)
version=${version##*/config-}
module="python-${version%%-*}-embed"
export PKG_CONFIG_PATH="${prefix}/lib/pkgconfig"
read -r -a cflags <<<"$(pkg-config --cflags "${module}")"
read -r -a ldflags <<<"$(pkg-config --libs "${module}")"
build_and_run app-pkg-config "${cflags[@]}" -- "${ldflags[@]}"
