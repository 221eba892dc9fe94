#!/usr/bin/env bash
# Prepare this machine for python-builder: a Docker engine (Debian's docker.io), mmdebstrap (to bootstrap
# base images when none can be pulled), the Python dependencies in .venv/ (docker/setup-python.sh, with the
# distro's own python3); start dockerd when no daemon answers; a sudo user joins the docker group.
# Safe to run again: it only does what is missing.
#
# Usage: bash docker/setup-host.sh [doit arguments]
#   With arguments, doit then runs with them from .venv/ (e.g. `bash docker/setup-host.sh build FAST_BUILD=true`).
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v docker >/dev/null 2>&1 || missing+=(docker.io)
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
command -v arch-test >/dev/null 2>&1 || missing+=(arch-test)  # mmdebstrap's check for foreign architectures
command -v dpkg-deb >/dev/null 2>&1 || missing+=(dpkg)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "python-builder: installing ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! as_root docker info >/dev/null 2>&1; then
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        as_root systemctl start docker
    else
        echo "python-builder: no Docker daemon answers: starting dockerd in the background"
        as_root sh -c 'nohup dockerd >/var/log/python-builder-dockerd.log 2>&1 &'
    fi
    for _ in $(seq 1 60); do
        as_root docker info >/dev/null 2>&1 && break
        sleep 1
    done
    if ! as_root docker info >/dev/null 2>&1; then
        echo "python-builder: dockerd did not start; see /var/log/python-builder-dockerd.log" >&2
        exit 1
    fi
fi
as_root docker version --format 'python-builder: Docker engine {{.Server.Version}} (API {{.Server.APIVersion}})'

# builds run as the invoking user: a sudo user joins the docker group (it takes effect at the next login;
# until then the doit below runs under `sg docker`)
joined=""
if [ "$(id -u)" != 0 ] && ! id -nG | tr ' ' '\n' | grep -qx docker; then
    as_root usermod -aG docker "$(id -un)"
    joined=yes
    echo "python-builder: added $(id -un) to the docker group (log in again for it to hold in every shell)"
fi

cd "$(dirname "$0")/.."
bash docker/setup-python.sh
if [ "$#" -eq 0 ]; then
    echo "python-builder: ready; run: .venv/bin/doit build"
    exit 0
fi
if [ -n "${joined}" ]; then
    exec sg docker -c "$(printf '%q ' .venv/bin/doit "$@")"
fi
exec .venv/bin/doit "$@"
