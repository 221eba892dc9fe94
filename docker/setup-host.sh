#!/usr/bin/env bash
# Prepare this machine for python-builder: a Docker engine (Debian's docker.io), mmdebstrap (to bootstrap
# base images when none can be pulled), the Python dependencies; start dockerd when no daemon answers.
# Safe to run again: it only does what is missing.
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

if ! docker info >/dev/null 2>&1; then
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        as_root systemctl start docker
    else
        echo "python-builder: no Docker daemon answers: starting dockerd in the background"
        as_root sh -c 'nohup dockerd >/var/log/python-builder-dockerd.log 2>&1 &'
    fi
    for _ in $(seq 1 60); do
        docker info >/dev/null 2>&1 && break
        sleep 1
    done
    if ! docker info >/dev/null 2>&1; then
        echo "python-builder: dockerd did not start; see /var/log/python-builder-dockerd.log" >&2
        exit 1
    fi
fi
docker version --format 'python-builder: Docker engine {{.Server.Version}} (API {{.Server.APIVersion}})'

cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -r requirements.txt
echo "python-builder: ready; run: doit build"
