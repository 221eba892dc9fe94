#!/bin/bash
# Sourced by configure.sh: sets CFLAGS, CPPFLAGS and LDFLAGS for CPython's configure from the distro's
# dpkg-buildflags, by hardening mode (config [flags] hardening, passed as PB_HARDENING):
#   off     nothing: CPython's own flags (-O3, no hardening)
#   dpkg    dpkg-buildflags' defaults as they are (its -O2 then lands after CPython's -O3, as under debuild)
#   debian  what Debian does for its own python3.X: every hardening feature dpkg knows for this arch
#           (fortify, stack protector, relro, bindnow, stack-clash, cf-protection/branch-protection,
#           format), -O and -g left to CPython (-O3), -fstack-protector-strong downgraded to
#           -fstack-protector
# Both dpkg modes leave out the file-prefix maps (they would write the build directory into sysconfig)
# and dpkg's own LTO (Ubuntu's default; CPython's --with-lto does LTO).
# The flags reach configure's environment, so they are also recorded in sysconfig (as in Debian's
# python3.X): C extensions built later get the same hardening.

pb_buildflags() {
    local mode=$1 word
    case "$mode" in
        off) return 0 ;;
        dpkg) export DEB_BUILD_MAINT_OPTIONS="optimize=-lto reproducible=-fixfilepath,-fixdebugpath" ;;
        debian) export DEB_BUILD_MAINT_OPTIONS="hardening=+all optimize=-lto reproducible=-fixfilepath,-fixdebugpath" ;;
        *) echo "python-builder: unknown hardening mode '$mode' (off, dpkg, debian)" >&2; return 2 ;;
    esac
    CFLAGS=$(dpkg-buildflags --get CFLAGS)
    CPPFLAGS=$(dpkg-buildflags --get CPPFLAGS)
    LDFLAGS=$(dpkg-buildflags --get LDFLAGS)
    if [ "$mode" = debian ]; then
        local kept=()
        for word in $CFLAGS; do
            case "$word" in
                -O|-O[0-9s]|-Ofast|-g) ;;
                -fstack-protector-strong) kept+=(-fstack-protector) ;;
                *) kept+=("$word") ;;
            esac
        done
        CFLAGS="${kept[*]}"
    fi
    export CFLAGS CPPFLAGS LDFLAGS
    echo "python-builder: hardening $mode: CFLAGS=$CFLAGS CPPFLAGS=$CPPFLAGS LDFLAGS=$LDFLAGS"
    if declare -F pb_fact >/dev/null; then
        pb_fact hardening CFLAGS "$CFLAGS"
        pb_fact hardening CPPFLAGS "$CPPFLAGS"
        pb_fact hardening LDFLAGS "$LDFLAGS"
    fi
}
