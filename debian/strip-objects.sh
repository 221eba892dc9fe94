#!/bin/sh
# After dh_strip: the interpreter's object for embedding, config-X.Y*/python.o, is an object file, which
# dh_strip leaves alone. Strip it as dh_strip strips the static library's members: no debug information,
# no LTO sections. gcc names those sections with a random seed (.gnu.lto_.decls.4aeaed794f70488a), so
# left in, two builds of the same inputs would differ in it. A clang build's python.o is LLVM bitcode,
# not ELF: it stays as it is.
# Environment: PB_PACKAGES="<package>=<variant> ..." (validated names), set by python-builder.
set -eu
for pair in ${PB_PACKAGES:?}; do
    package=${pair%%=*}
    find "debian/${package}" -path '*/config-*/python.o' -type f | while IFS= read -r object; do
        if [ "$(head -c 4 "$object" | od -An -c | tr -d ' ')" = '177ELF' ]; then
            strip --strip-debug --remove-section=.comment --remove-section=.note \
                --remove-section='.gnu.lto_*' --remove-section='.gnu.debuglto_*' \
                -N __gnu_lto_slim -N __gnu_lto_v1 "$object"
        fi
    done
done
