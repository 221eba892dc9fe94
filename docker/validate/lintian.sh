#!/bin/bash
# validate step, lintian part: Debian's package checker on every .deb of the build. Runs in a container
# of the build image (lintian is one of its build dependencies), as the invoking user, without network.
# Mounts: /debs (the distro's dist/ directory, read-only), /out (results).
# Environment: PB_LINTIAN_SUPPRESS (comma-separated tags not to check; usually empty).
# Arguments: the .deb file names. Writes /out/lintian.log and /out/lintian.rc; exits 0 (the judge decides).
set -uo pipefail
debs=()
for deb in "$@"; do
    debs+=("/debs/${deb}")
done
suppress=()
[ -n "${PB_LINTIAN_SUPPRESS:-}" ] && suppress=(--suppress-tags "${PB_LINTIAN_SUPPRESS}")
lintian --version
lintian --fail-on error,warning --no-tag-display-limit --display-info --show-overrides "${suppress[@]}" \
    "${debs[@]}" >/out/lintian.log 2>&1
echo $? >/out/lintian.rc
cat /out/lintian.log
exit 0
