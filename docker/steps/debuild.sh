#!/bin/bash
# package step, part 2: build the binary packages with debhelper from the rendered debian/ directory.
# Mounts: /pkg (holds src/debian/ and stage/<variant>/); output .deb/.buildinfo/.changes land in /pkg,
# with /pkg/architecture: what dpkg in this container builds for, and /pkg/image-packages.txt: every package of
# the build image and its version (the manifest records them: what a rebuild needs to match).
# Environment: PB_PACKAGES (see debian/install-staged.sh), PB_DEB_COMPRESSION (dpkg-deb -Z, see debian/rules),
#              PB_JOBS (debhelper's parallel=: dh_strip and dh_builddeb work on that many files/packages at once).
set -euo pipefail
cd /pkg/src
export HOME=/tmp
# the packages get the container's architecture (an arm64 container under emulation says arm64)
dpkg --print-architecture > /pkg/architecture
echo "python-builder: building $(cat /pkg/architecture) packages"
dpkg-query -W -f='${Package}:${Architecture}=${Version}\n' | LC_ALL=C sort > /pkg/image-packages.txt
# An override naming a tag this distro's lintian does not know is itself flagged (lintian 2.143 calls it an
# alien-tag): keep only the overrides whose tag the lintian of the target distro has.
if command -v lintian-explain-tags >/dev/null 2>&1; then
    known=$(mktemp)
    lintian-explain-tags --list-tags >"${known}"
    for overrides in debian/*.lintian-overrides; do
        [ -e "${overrides}" ] || continue
        kept=$(mktemp)
        while IFS= read -r line; do
            case "${line}" in
                "#"*|"") printf '%s\n' "${line}" ;;
                *) tag=$(printf '%s\n' "${line}" | awk '{print $2}')
                   if grep -qxF -- "${tag}" "${known}"; then
                       printf '%s\n' "${line}"
                   else
                       echo "python-builder: dropping the override of ${tag}: this lintian has no such tag" >&2
                   fi ;;
            esac
        done <"${overrides}" >"${kept}"
        cat "${kept}" >"${overrides}"
        rm -f "${kept}"
    done
    rm -f "${known}"
fi
dpkg-buildpackage --build=binary --no-sign --jobs="${PB_JOBS:?}"
