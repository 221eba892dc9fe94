#!/bin/sh
# Install the build dependencies given as arguments (package names, validated by python-builder).
# No upgrade of the base image: the image is its base plus exactly these packages.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "$@"
apt-get clean
rm -rf /var/lib/apt/lists/*
