#!/bin/bash
# Sourced by install.sh: give a clang LTO build's static libpython machine code, so that a C program
# embedding the interpreter links it with the distro's gcc (python3.X-config --embed). ThinLTO's objects
# hold LLVM bitcode only, which no linker but an LTO one reads; each bitcode member is compiled to machine
# code by the build's own clang (the LLVM that wrote it), at -O2, from the bitcode the compile step
# optimized with its PGO profile. Members that are machine code already (assembly, DTrace's object) and a
# gcc build's archive (fat LTO objects: machine code beside the GIMPLE) are left as they are. The members
# keep their names and order, and the archive is deterministic (ar D): a rebuild from the same inputs gives
# the same bytes.

# pb_native_archive CLANG JOBS ARCHIVE [COPY...]: convert ARCHIVE in place with CLANG (the build's own,
# /usr/lib/llvm-N/bin/clang: not ccache's wrapper, the install step mounts no compiler cache); each COPY that
# was byte-identical to it (make install writes libpythonX.Y.a twice) gets the converted archive too.
pb_native_archive() {
    local clang=$1 jobs=$2 archive=$3 work index name
    shift 3
    if [ ! -x "$clang" ]; then
        echo "python-builder: native-archive: no compiler at '$clang'" >&2
        return 2
    fi
    case "$jobs" in [1-9] | [1-9][0-9]) ;; *) echo "python-builder: native-archive: bad jobs '$jobs'" >&2; return 2 ;; esac
    work=$(mktemp -d)
    local -a names=() members=() bitcode=()
    local -A seen=()
    mapfile -t names < <(ar t "$archive")
    index=0
    for name in "${names[@]}"; do
        # one directory per member, extracted by occurrence (N): an archive may hold two members of one name
        seen[$name]=$((${seen[$name]:-0} + 1))
        mkdir "$work/$index"
        (cd "$work/$index" && ar xN "${seen[$name]}" "$archive" "$name")
        members+=("$work/$index/$name")
        if [ "$(head -c 4 "$work/$index/$name" | od -An -tx1 | tr -d ' \n')" = 4243c0de ]; then
            bitcode+=("$work/$index/$name")
        fi
        index=$((index + 1))
    done
    if [ "${#bitcode[@]}" -eq 0 ]; then
        echo "python-builder: ${archive##*/}: machine code already (${#names[@]} members)"
        rm -rf "$work"
        return 0
    fi
    local started=$SECONDS
    printf '%s\0' "${bitcode[@]}" | xargs -0 -P "$jobs" -I{} "$clang" -c -x ir -O2 -fPIC {} -o {}.native
    for name in "${bitcode[@]}"; do
        mv "$name.native" "$name"
    done
    local converted="$work/libpython.a" copy
    ar qcD "$converted" "${members[@]}"
    ar sD "$converted"
    for copy in "$@"; do
        if cmp -s "$copy" "$archive"; then
            cat "$converted" >"$copy"
        fi
    done
    cat "$converted" >"$archive"  # in place: the mode make install gave it stays
    rm -rf "$work"
    echo "python-builder: ${archive##*/}: ${#bitcode[@]} of ${#names[@]} members compiled from LLVM bitcode" \
        "to machine code with ${clang} -O2 in $((SECONDS - started)) s (a program embedding Python links it)"
}
