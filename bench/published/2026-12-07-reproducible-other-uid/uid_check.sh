#!/bin/bash
# build 3.13.5 FAST (main only) as pbuilder in A; hand its packages to a fresh root checkout B; rebuild_check there
set -u
rm -rf /tmp/uid-a /tmp/uid-b; mkdir -p /tmp/uid-a /tmp/uid-b
git clone -q /work/main /tmp/uid-a/python-builder && git clone -q /work/main /tmp/uid-b/python-builder
for d in /tmp/uid-a /tmp/uid-b; do
  sed -i 's#local_dirs = \[\]#local_dirs = ["/tmp/uidtar"]#' $d/python-builder/config.toml
done
chmod 755 /tmp/uidtar; chmod 644 /tmp/uidtar/*
chown -R pbuilder: /tmp/uid-a
cd /tmp/uid-a/python-builder
s=$(date +%s)
su pbuilder -s /bin/bash -c "cd /tmp/uid-a/python-builder && HOME=/home/pbuilder /work/main/.venv/bin/python -m doit build:3.13.5-trixie FAST_BUILD=true BUILD_NOGIL=false" > /tmp/jobs/uid-a.log 2>&1
echo "A rc=$? $(( $(date +%s) - s )) s" 
mkdir -p /tmp/uid-b/python-builder/dist/trixie
cp /tmp/uid-a/python-builder/dist/trixie/opt-python3.13*3.13.5* /tmp/uid-b/python-builder/dist/trixie/
rm -f /tmp/uid-b/python-builder/dist/trixie/*.validation.json
ls /tmp/uid-b/python-builder/dist/trixie/
cd /tmp/uid-b/python-builder
s=$(date +%s)
/work/main/.venv/bin/python -m doit rebuild_check:3.13.5-trixie FAST_BUILD=true BUILD_NOGIL=false > /tmp/jobs/uid-b.log 2>&1
echo "B rc=$? $(( $(date +%s) - s )) s"
grep -E "identical|DIFFERENT|error" /tmp/jobs/uid-b.log | tail -5
