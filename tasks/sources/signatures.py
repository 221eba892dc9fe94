"""Sigstore verification of CPython tarballs against the release manager's identity, offline.

python.org publishes `Python-X.Y.Z.tar.xz.sigstore` next to every tarball. We verify it with
sigstore-python's offline mode (the trust root embedded in the package): no network beyond the bundle.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from tasks.errors import UserError

POLICIES = ("require", "if-available", "off")


class SignatureMismatch(UserError):
    """The bundle was checked and does not vouch for this file (tampered, or signed by someone else)."""


@dataclass(frozen=True)
class Signer:
    identity: str
    issuer: str


@dataclass(frozen=True)
class Outcome:
    verified: bool
    detail: str  # what the user sees and the records keep


def verify(tarball_sha256: str, bundle: bytes, signer: Signer, label: str) -> Outcome:
    """Verify `bundle` for the file whose sha256 is given; any failure is a UserError saying which."""
    try:
        from sigstore.errors import Error as SigstoreError
        from sigstore.hashes import HashAlgorithm, Hashed
        from sigstore.models import Bundle, InvalidBundle
        from sigstore.verify import Verifier, policy
    except ImportError:
        raise UserError(f"{label}: sigstore-python is not installed, so the signature cannot be checked; "
                        "`python3 -m pip install sigstore`, or set verification.policy = \"off\"") from None
    try:
        parsed = Bundle.from_json(bundle)
    except (InvalidBundle, ValueError) as error:
        raise UserError(f"{label}: malformed Sigstore bundle ({_first_line(error)}); "
                        "delete it from cache/downloads/ and fetch it again") from error
    try:
        Verifier.production(offline=True).verify_artifact(
            input_=Hashed(algorithm=HashAlgorithm.SHA2_256, digest=bytes.fromhex(tarball_sha256)),
            bundle=parsed, policy=policy.Identity(identity=signer.identity, issuer=signer.issuer))
    except SigstoreError as error:
        raise SignatureMismatch(f"{label}: Sigstore verification failed: {_explain(str(error), signer)}; "
                                "the tarball is not trusted and the build stops") from error
    return Outcome(True, f"Sigstore signature by {signer.identity} (issuer {signer.issuer}), verified offline")


def _explain(message: str, signer: Signer) -> str:
    first = _first_line(message)
    if "SANs do not match" in message:
        return f"signed by another identity than {signer.identity} ({first})"
    if "OIDCIssuer does not match" in message:
        return f"the identity's OIDC issuer is not {signer.issuer} ({first})"
    if "digest mismatch" in message:
        return f"the bundle is for another file ({first})"
    return first


def _first_line(error: object) -> str:
    lines = str(error).strip().splitlines()
    return " ".join(lines[0].split())[:200] if lines else type(error).__name__


def decide(policy_name: str, bundle_path: Path | None, tarball_sha256: str, signer: Signer | None,
           label: str) -> Outcome:
    """Apply the policy: verify when a bundle is there; a missing one is fatal only under `require`."""
    if policy_name == "off":
        return Outcome(False, "signature not checked (verification.policy = \"off\")")
    if signer is None:
        message = f"{label}: no Sigstore signer configured for this release line"
        if policy_name == "require":
            raise UserError(f"{message}; add it to [verification.signers] in config.toml")
        print(f"warning: {message}; only the pinned sha256 vouches for the tarball", file=sys.stderr)
        return Outcome(False, "no signer configured: pinned sha256 only")
    if bundle_path is None or not bundle_path.is_file():
        if policy_name == "require":
            raise UserError(f"{label}: no Sigstore bundle could be fetched and verification.policy is \"require\"; "
                            "put Python-X.Y.Z.tar.xz.sigstore in a directory of verification.bundle_dirs")
        print(f"warning: {label}: no Sigstore bundle available; only the pinned sha256 vouches for it",
              file=sys.stderr)
        return Outcome(False, "no Sigstore bundle available: pinned sha256 only")
    return verify(tarball_sha256, bundle_path.read_bytes(), signer, label)
