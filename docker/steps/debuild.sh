#!/bin/bash
# package step, part 2: build the binary packages with debhelper from the rendered debian/ directory.
# Mounts: /pkg (holds src/debian/ and stage/<variant>/); output .deb/.buildinfo/.changes land in /pkg.
set -euo pipefail
cd /pkg/src
export HOME=/tmp
dpkg-buildpackage --build=binary --no-sign
