#!/bin/sh
# Move the staged install trees into the package directories debhelper works on.
# Environment: PB_PACKAGES="<package>=<variant> ..." (validated names), set by python-builder.
set -eu
for pair in ${PB_PACKAGES:?}; do
    package=${pair%%=*}
    variant=${pair#*=}
    rm -rf "debian/${package}"
    mv "/pkg/stage/${variant}" "debian/${package}"
done
