#!/bin/bash
# package step, part 2: build the binary packages with debhelper from the rendered debian/ directory.
# Mounts: /pkg (holds src/debian/ and stage/<variant>/); output .deb/.buildinfo/.changes land in /pkg,
# with /pkg/architecture: what dpkg in this container builds for.
# Environment: PB_PACKAGES (see debian/install-staged.sh), PB_DEB_COMPRESSION (dpkg-deb -Z, see debian/rules).
set -euo pipefail
cd /pkg/src
export HOME=/tmp
# the packages get the container's architecture (an arm64 container under emulation says arm64)
dpkg --print-architecture > /pkg/architecture
echo "python-builder: building $(cat /pkg/architecture) packages"
dpkg-buildpackage --build=binary --no-sign
