#!/usr/bin/env bash
# The Python part of the setup: a virtual environment in .venv/ made with the distro's own python3 (never
# pip into the system Python: Debian and Ubuntu mark it externally managed, PEP 668), with python-builder's
# dependencies from requirements.txt. Installs the distro's python3-venv when venv cannot make one.
# Safe to run again: an existing .venv is kept and only brought up to date.
#
# Environment: PB_PYTHON  the interpreter that makes the venv (default /usr/bin/python3, else python3 on PATH)
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

python="${PB_PYTHON:-}"
if [ -z "${python}" ]; then
    if [ -x /usr/bin/python3 ]; then python=/usr/bin/python3; else python="$(command -v python3 || true)"; fi
fi
if [ -z "${python}" ] || ! "${python}" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "python-builder: error: no Python 3.11 or newer found (looked for /usr/bin/python3 and python3);" \
         "install the distro's python3 (sudo apt-get install python3) and run this again" >&2
    exit 1
fi

venv=.venv
if [ ! -x "${venv}/bin/python" ] || ! "${venv}/bin/python" -m pip --version >/dev/null 2>&1; then
    rm -rf "${venv}"
    if ! "${python}" -m venv "${venv}" >/dev/null 2>&1; then
        # Debian and Ubuntu ship venv's pip bootstrap (ensurepip) in python3-venv
        rm -rf "${venv}"
        echo "python-builder: installing python3-venv (the distro's venv module)"
        as_root apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-venv
        "${python}" -m venv "${venv}"
    fi
fi
"${venv}/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
echo "python-builder: Python dependencies ready in ${venv}/ ($("${venv}/bin/python" -V 2>&1) from ${python})"
