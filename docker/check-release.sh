#!/bin/sh
# Refuse a base image of another release than its distro entry names, before anything is installed: its
# packages would be labelled for one release and linked against another's libraries.
# Usage: check-release.sh CODENAME [OS_RELEASE_FILE]   (CODENAME validated by python-builder; the file
# defaults to the image's /etc/os-release). Exit 0 when they agree or the image records no codename, 3 if not.
set -eu
codename=$1
os_release=${2:-/etc/os-release}
[ -r "$os_release" ] || exit 0
# shellcheck disable=SC1090  # the base image's own file
. "$os_release"
# testing and sid share one os-release ("Debian GNU/Linux forky/sid", codename forky)
case "${VERSION_CODENAME:-}|${PRETTY_NAME:-}" in
    "|"* | "$codename|"* | *"/$codename") exit 0 ;;
esac
echo "python-builder: the base image is ${PRETTY_NAME:-a $VERSION_CODENAME image}, whose codename is" \
    "$VERSION_CODENAME, not $codename: give the distro entry a $codename base image, or correct its codename" >&2
exit 3
