"""Sigstore verification with python.org's real bundles (../shared/reference/sigstore), offline."""

from __future__ import annotations

import json

import pytest

from tasks.errors import UserError
from tasks.sources.signatures import Outcome, Signer, decide, verify
from tests.conftest import SHARED

BUNDLES = SHARED / "reference" / "sigstore"
pytestmark = pytest.mark.skipif(not BUNDLES.is_dir(), reason=f"{BUNDLES} is absent (the shared reference material)")
pytest.importorskip("sigstore", reason="sigstore-python is not installed (pip install -r requirements.txt)")

THOMAS = Signer("thomas@python.org", "https://accounts.google.com")
HUGO = Signer("hugo@python.org", "https://github.com/login/oauth")
# sha256 of the real tarballs (python.org's; the Debian archive's orig tarballs are the same bytes)
SHA_3135 = "93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640"
SHA_31315 = "1e66a7945a48390ee4c2a4268a0e4185884059a13c4aab6d148aa208deea4a76"
SHA_314 = {
    "3.14.0": "2299dae542d395ce3883aca00d3c910307cd68e0b2f7336098c8e7b7eee9f3e9",
    "3.14.1": "8dfa08b1959d9d15838a1c2dab77dc8d8ff4a553a1ed046dfacbc8095c6d42fc",
    "3.14.2": "ce543ab854bc256b61b71e9b27f831ffd1bfd60a479d639f8be7f9757cf573e9",
    "3.14.3": "a97d5549e9ad81fe17159ed02c68774ad5d266c72f8d9a0b5a9c371fe85d902b",
    "3.14.4": "d923c51303e38e249136fc1bdf3568d56ecb03214efdef48516176d3d7faaef8",
}


def bundle(version: str) -> bytes:
    return (BUNDLES / f"Python-{version}.tar.xz.sigstore").read_bytes()


def test_genuine_313_pair_verifies():
    outcome = verify(SHA_3135, bundle("3.13.5"), THOMAS, "Python-3.13.5.tar.xz")
    assert outcome.verified and "thomas@python.org" in outcome.detail


@pytest.mark.parametrize("version", sorted(SHA_314))
def test_genuine_314_bundles_verify(version):
    assert verify(SHA_314[version], bundle(version), HUGO, version).verified


@pytest.mark.parametrize("sha, signer, words", [
    (SHA_3135, Signer("hugo@python.org", "https://accounts.google.com"), "signed by another identity"),
    (SHA_3135, Signer("thomas@python.org", "https://github.com/login/oauth"), "OIDC issuer is not"),
    (SHA_31315, THOMAS, "bundle is for another file"),  # the 3.13.15 tarball against 3.13.5's bundle
    (SHA_3135[:-1] + ("0" if SHA_3135[-1] != "0" else "1"), THOMAS, "bundle is for another file"),  # one nibble
])
def test_each_forgery_fails_with_one_line(sha, signer, words):
    with pytest.raises(UserError) as error:
        verify(sha, bundle("3.13.5"), signer, "Python-3.13.5.tar.xz")
    assert words in str(error.value) and "\n" not in str(error.value)


def test_one_changed_byte_of_the_tarball_fails(tmp_path):
    """A real byte change: the hash of the changed content no longer matches the signed digest."""
    import hashlib
    content = bytearray(b"x" * 1000)
    content[500] ^= 1
    with pytest.raises(UserError, match="another file"):
        verify(hashlib.sha256(bytes(content)).hexdigest(), bundle("3.13.5"), THOMAS, "t")


def test_malformed_bundles():
    for data in (b"not json", json.dumps({"mediaType": "nope"}).encode(), bundle("3.13.5")[:200]):
        with pytest.raises(UserError, match="malformed Sigstore bundle"):
            verify(SHA_3135, data, THOMAS, "t")


def test_policies(tmp_path):
    present = tmp_path / "b.sigstore"
    present.write_bytes(bundle("3.13.5"))
    absent = tmp_path / "none.sigstore"
    assert decide("off", present, "0" * 64, THOMAS, "t") == Outcome(False, 'signature not checked (verification.policy = "off")')
    assert decide("if-available", absent, SHA_3135, THOMAS, "t").verified is False
    assert decide("if-available", present, SHA_3135, THOMAS, "t").verified is True
    with pytest.raises(UserError, match="require"):
        decide("require", absent, SHA_3135, THOMAS, "t")
    with pytest.raises(UserError, match="another file"):  # a bad bundle always stops the build
        decide("if-available", present, SHA_31315, THOMAS, "t")
