#!/bin/bash
# rebuild_check, on a mismatch: Debian's diffoscope on each pair of differing .debs, in a throwaway container
# of the build image (as root: it installs diffoscope-minimal from the distro's archive).
# Mounts: /debs (the packages checked, read-only), /rebuilt (the rebuild's, read-only), /out (the reports).
# Environment: PB_OWNER (uid:gid that gets the reports), PB_ALLOW_EXPIRED_RELEASE (1: see install-build-deps.sh).
# Arguments: the file names of the .debs that differ.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ "${PB_ALLOW_EXPIRED_RELEASE:-}" = 1 ]; then
    echo 'Acquire::Check-Valid-Until "false";' >/etc/apt/apt.conf.d/99python-builder-expired-release
fi
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends diffoscope-minimal xz-utils >/dev/null
for name in "$@"; do
    case "$name" in */*|.*) echo "diffoscope.sh: bad name $name" >&2; exit 2 ;; esac
    # diffoscope exits 1 when the files differ: that is the expected outcome here
    diffoscope --text "/out/${name}.diffoscope.txt" --max-report-size 2000000 \
        "/debs/${name}" "/rebuilt/${name}" || [ $? = 1 ]
    echo "python-builder: diffoscope report /out/${name}.diffoscope.txt"
done
chown -R "${PB_OWNER:?}" /out
