"""The quick start's Python part on a stock distro: in a fresh container of the stock Debian base image with
only the distro's python3 installed (no pip, no venv module), docker/setup-python.sh makes .venv/ with
/usr/bin/python3 (installing python3-venv itself) and the README's `.venv/bin/doit list` works.

The Docker-engine part of docker/setup-host.sh is not run inside the container (no engine there); the host
part is what .ci/run itself runs on this machine."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tasks.engine import images
from tasks.model.plan import Layout
from tasks.pipeline import overrides
from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

CA_FILE = "/etc/ssl/certs/ca-certificates.crt"  # the host's CA bundle: pip's HTTPS goes through its proxy
# as root on bookworm; as a sudo user (whose sudo runs apt) on trixie
SCRIPT = r"""
set -eu
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3 sudo >/dev/null
test ! -e /usr/bin/pip3 && ! python3 -c 'import ensurepip' 2>/dev/null && echo "stock: no pip, no ensurepip"
cp -a /src /work
if [ "$AS_USER" = yes ]; then
    useradd --create-home admin
    echo 'admin ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/admin
    chown -R admin: /work
    runuser -u admin -- env PIP_CERT="$PIP_CERT" bash /work/docker/setup-python.sh
    cd /work && runuser -u admin -- .venv/bin/doit list
else
    bash /work/docker/setup-python.sh
    cd /work && .venv/bin/doit list
fi
grep "^home" /work/.venv/pyvenv.cfg
"""


def tracked_copy(dest: Path) -> Path:
    """The project's tracked files, as a fresh clone has them."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in files.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest


@pytest.mark.parametrize("distro, as_user", [("trixie", True), ("bookworm", False)])
def test_setup_in_a_stock_container_reaches_doit_list(docker_engine, tmp_path, distro, as_user):
    settings = overrides.load(ROOT / "config.toml")
    entry = settings.all_distros[distro]
    source = tracked_copy(tmp_path / "src")
    # debian:<codename> if present, else bootstrapped from the Debian archive (into the copy's cache/)
    base = images.base_image(docker_engine, entry, Layout.for_root(source))
    started = time.monotonic()
    container = docker_engine.containers.run(
        base, ["bash", "-c", SCRIPT], detach=True, network_mode="host",
        environment={"PIP_CERT": "/host-ca.crt", "AS_USER": "yes" if as_user else "no"},
        volumes={str(source): {"bind": "/src", "mode": "ro"}, CA_FILE: {"bind": "/host-ca.crt", "mode": "ro"}})
    try:
        status = container.wait(timeout=900)["StatusCode"]
        output = container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)
    print(f"\nquick start's Python part on stock {distro} ({'sudo user' if as_user else 'root'}): "
          f"{time.monotonic() - started:.0f} s")
    assert status == 0, output[-4000:]
    assert "stock: no pip, no ensurepip" in output
    assert "installing python3-venv" in output
    assert "python-builder: Python dependencies ready in .venv/" in output
    assert "home = /usr/bin" in output  # made by the distro's /usr/bin/python3
    listed = {line.split()[0] for line in output.splitlines() if line[:1].isalpha() and "  " in line}
    assert {"build", "download", "validate", "pin"} <= listed, output[-3000:]
