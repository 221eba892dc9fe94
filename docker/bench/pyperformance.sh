#!/bin/bash
# bench P5, in a throwaway container of the build image (as root: it installs packages):
# install one interpreter, run a fixed pyperformance subset with it, and optionally the threads loop.
# Environment:
#   PB_INSTALL      "distro" (the distro's own pythonX.Y from its archive) or "debs" (our .debs under /debs)
#   PB_PYTHONS      space-separated interpreters to benchmark, each "label=/path/to/python"
#   PB_BENCHMARKS   comma-separated pyperformance benchmark names (empty: no pyperformance, threads only)
#   PB_PYPERFORMANCE the pyperformance version
#   PB_MINOR        X.Y (for the distro's package names)
#   PB_THREADS      non-empty: also run threads.py with every interpreter
#   PB_OWNER        uid:gid that gets the result files
# Mounts: /debs (read-only, our .debs), /bench (read-only, this directory), /out (results);
#         the host's CA bundle, named by PIP_CERT, for pip.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
if [ "$PB_INSTALL" = distro ]; then
    apt-get install -y -q --no-install-recommends "python${PB_MINOR}" "python${PB_MINOR}-venv" "python${PB_MINOR}-dev"
else
    shopt -s nullglob
    debs=(/debs/*.deb)
    apt-get install -y -q --no-install-recommends "${debs[@]}"
fi
runner=/tmp/runner
first=${PB_PYTHONS%% *}
if [ -n "$PB_BENCHMARKS" ]; then
    "${first#*=}" -m venv "$runner"
    "$runner/bin/pip" install -q "pyperformance==${PB_PYPERFORMANCE}"
fi
mkdir -p /tmp/work && cd /tmp/work
for entry in $PB_PYTHONS; do
    label=${entry%%=*} python=${entry#*=}
    echo "python-builder bench: $label = $python ($("$python" -VV))"
    if [ -n "$PB_BENCHMARKS" ]; then
        "$runner/bin/pyperformance" run --fast --python "$python" -b "$PB_BENCHMARKS" -o "/out/$label.json.part"
        mv "/out/$label.json.part" "/out/$label.json"
    fi
    if [ -n "${PB_THREADS:-}" ]; then
        "$python" /bench/threads.py > "/out/$label.threads.json"
    fi
done
chown -R "$PB_OWNER" /out
