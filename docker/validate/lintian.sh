#!/bin/bash
# validate step, lintian part: Debian's package checker on every .deb of the build. Runs in a container
# of the build image (lintian is one of its build dependencies), as the invoking user, without network.
# Mounts: /debs (the distro's dist/ directory, read-only), /out (results).
# Environment: PB_LINTIAN_SUPPRESS (comma-separated tags not to check; usually empty);
#              PB_DEBS_DIR, PB_OUT_DIR (other directories than /debs and /out: tests).
# Arguments: the .deb file names. Writes /out/lintian.log and /out/lintian.rc (the highest exit status of
# the lintian runs); exits 0 (the judge decides).
set -uo pipefail

main() {
    local debs_dir=${PB_DEBS_DIR:-/debs} out=${PB_OUT_DIR:-/out}
    local suppress=()
    [ -n "${PB_LINTIAN_SUPPRESS:-}" ] && suppress=(--suppress-tags "${PB_LINTIAN_SUPPRESS}")
    # lintian checks one package after another on one core: deal the packages, largest first, to one
    # lintian per core but one, which the install check running beside this container keeps busy (on
    # 2 cores two lintians only fight it for the CPU). A missing file counts as size 0 and is still handed
    # over, so lintian reports it.
    local debs=() deb size
    while IFS=$'\t' read -r size deb; do
        debs+=("$debs_dir/$deb")
    done < <(for deb in "$@"; do
                 size=$(stat -c %s -- "$debs_dir/$deb" 2>/dev/null || echo 0)
                 printf '%s\t%s\n' "$size" "$deb"
             done | sort -t $'\t' -k1,1nr -k2,2)
    local jobs
    jobs=$(( $(nproc) - 1 ))
    [ "$jobs" -lt 1 ] && jobs=1
    [ "$jobs" -gt "${#debs[@]}" ] && jobs=${#debs[@]}
    lintian --version
    # --fail-on none: lintian reports, python-builder judges from the E: and W: hints (bookworm's lintian
    # 2.116 counts overridden hints into its exit status when --show-overrides is on); a non-zero exit
    # then means lintian itself failed.
    local pids=() j i group
    for ((j = 0; j < jobs; j++)); do
        group=()
        for ((i = j; i < ${#debs[@]}; i += jobs)); do
            group+=("${debs[i]}")
        done
        lintian --fail-on none --no-tag-display-limit --display-info --show-overrides \
            "${suppress[@]}" "${group[@]}" >"$out/lintian.$j.log" 2>&1 &
        pids+=("$!")
    done
    local rc=0 status
    for j in "${!pids[@]}"; do
        wait "${pids[j]}"
        status=$?
        [ "$status" -gt "$rc" ] && rc=$status
    done
    for ((j = 0; j < jobs; j++)); do
        cat "$out/lintian.$j.log"
        rm -f "$out/lintian.$j.log"
    done >"$out/lintian.log"
    echo "$rc" >"$out/lintian.rc"
    cat "$out/lintian.log"
}

main "$@"
exit 0
