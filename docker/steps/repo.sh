#!/bin/bash
# repo step: index the .debs of one distro's dist/ directory as a flat apt repository.
# Mounts: /dist (dist/<distro>/, writable). Writes Packages and Packages.gz (the Release file with
# their hashes is written by python-builder afterwards).
set -euo pipefail
cd /dist
dpkg-scanpackages --multiversion . /dev/null >.Packages.tmp 2>.scan.log || { cat .scan.log; exit 1; }
rm -f .scan.log
gzip -9n <.Packages.tmp >.Packages.gz.tmp
mv .Packages.tmp Packages
mv .Packages.gz.tmp Packages.gz
echo "python-builder: indexed $(grep -c '^Package:' Packages) packages"
