# shellcheck shell=bash
# Facts a step reports to python-builder, in a small JSON file rather than in its log: one JSON object per
# line, {"section": ..., "key": ..., "value": ...}, appended to the file PB_FACTS names (nothing is written
# when it is unset). tasks/build/stepfacts.py reads them back. Values are strings; this file escapes them.
# Sourced by configure.sh (buildflags.sh, lto.sh) and compile.sh.

pb_json_string() {  # pb_json_string TEXT: TEXT as a JSON string (control characters dropped)
    local s=${1//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\t'/ }
    s=${s//$'\n'/ }
    s=${s//$'\r'/}
    s=$(printf '%s' "$s" | tr -d '\000-\037')
    printf '"%s"' "$s"
}

pb_fact() {  # pb_fact SECTION KEY VALUE
    [ -n "${PB_FACTS:-}" ] || return 0
    printf '{"section": %s, "key": %s, "value": %s}\n' "$(pb_json_string "$1")" "$(pb_json_string "$2")" \
        "$(pb_json_string "$3")" >> "${PB_FACTS}"
}
