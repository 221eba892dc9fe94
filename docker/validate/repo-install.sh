#!/bin/bash
# Install python-builder's packages from the flat apt repository mounted at /repo (dist/<distro>/),
# the way a user would, and run both interpreters. Arguments: the package names to install.
# Environment: PB_PREFIX, PB_MM.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
echo "deb [trusted=yes] file:/repo ./" >/etc/apt/sources.list.d/python-builder.list
apt-get update -q
apt-get install -y -q --no-install-recommends "$@"
"${PB_PREFIX}/bin/python${PB_MM}" -c 'import ssl, sqlite3, sys; print("main", sys.version)'
if [ -x "${PB_PREFIX}/bin/python${PB_MM}t" ]; then
    "${PB_PREFIX}/bin/python${PB_MM}t" -c 'import sys; assert not sys._is_gil_enabled(); print("free-threaded", sys.version)'
fi
apt-cache policy "$1" | sed -n '1,3p'
