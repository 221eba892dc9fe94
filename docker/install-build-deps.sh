#!/bin/sh
# Install the build dependencies given as arguments (package names, validated by python-builder).
# No upgrade of the base image: the image is its base plus exactly these packages.
# Environment: PB_ALLOW_EXPIRED_RELEASE=1 lets apt accept a Release file past its Valid-Until date (the
# signature is still checked); the setting stays in the image.
set -eu
export DEBIAN_FRONTEND=noninteractive
if [ "${PB_ALLOW_EXPIRED_RELEASE:-}" = 1 ]; then
    echo 'Acquire::Check-Valid-Until "false";' >/etc/apt/apt.conf.d/99python-builder-expired-release
fi
apt-get update -q
apt-get install -y -q --no-install-recommends "$@"
apt-get clean
rm -rf /var/lib/apt/lists/*
