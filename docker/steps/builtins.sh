#!/bin/bash
# Sourced by configure.sh: extension modules built into the interpreter (config [flags] builtin_modules).
# Environment: PB_BUILTIN_MODULES  module names separated by blanks (tasks/model/forms.py MODULE), or empty
# Before configure runs, writes the build tree's Modules/Setup.local: a *static* block holding each module's
# line from the sources' Modules/Setup.stdlib.in. makesetup keeps the first rule it reads for a module and
# reads Setup.local first, so these modules are compiled into the interpreter (and libpython), with the
# compiler and linker flags configure found for them, instead of into lib-dynload. Debian builds its own
# python3.X so.

pb_builtin_modules() {  # "names" source-tree build-tree
    local stdlib=$2/Modules/Setup.stdlib.in setup=$3/Modules/Setup.local name line
    local -a names
    read -r -a names <<<"${1:-}"
    [ "${#names[@]}" -gt 0 ] || return 0
    mkdir -p "$3/Modules"
    printf '%s\n' "# python-builder: config [flags] builtin_modules" '*static*' >"$setup"
    for name in "${names[@]}"; do
        case "$name" in
            '' | *[!a-z0-9_]* | [0-9]*)
                echo "python-builder: bad module name '$name' (lowercase letters, digits and _)" >&2
                return 2 ;;
        esac
        # "@MODULE__JSON_TRUE@_json _json.c": configure's marker, then the module's rule
        line=$(sed -n "s/^@MODULE_[A-Z0-9_]*_TRUE@\(${name} .*\)\$/\1/p" "$stdlib")
        if [ -z "$line" ]; then
            echo "python-builder: flags.builtin_modules: this CPython has no optional extension module" \
                "'$name' (Modules/Setup.stdlib.in; the interpreter's own modules are built in already)" >&2
            return 2
        fi
        case "$line" in
            *@*)
                echo "python-builder: flags.builtin_modules: '$name' takes sources configure chooses" \
                    "($line); it cannot be built in here" >&2
                return 2 ;;
        esac
        echo "$line" >>"$setup"
    done
    echo "python-builder: built into the interpreter: ${names[*]}"
}
