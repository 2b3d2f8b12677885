"""Validation of the origin's certificate chain by the recorder (the browser only sees the recorder)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import certifi
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError


def trust_store(extra_ca: Path | None = None) -> Store:
    roots = x509.load_pem_x509_certificates(Path(certifi.where()).read_bytes())
    if extra_ca is not None:
        roots += x509.load_pem_x509_certificates(extra_ca.read_bytes())
    return Store(roots)


def validate_chain(
    store: Store, chain: Sequence[x509.Certificate], hostname: str, at: dt.datetime
) -> dict[str, Any]:
    """Validate a presented chain for ``hostname`` at time ``at``: valid, error, validated path."""
    if not chain:
        return {"valid": False, "error": "no certificate presented", "path": []}
    subject: x509.GeneralName
    try:
        subject = x509.IPAddress(ipaddress.ip_address(hostname))
    except ValueError:
        subject = x509.DNSName(hostname)
    try:
        verifier = PolicyBuilder().store(store).time(at).build_server_verifier(subject)
        built = verifier.verify(chain[0], list(chain[1:]))
    except VerificationError as exc:
        return {"valid": False, "error": str(exc), "path": []}
    except (ValueError, TypeError) as exc:  # malformed certificates
        return {"valid": False, "error": f"{type(exc).__name__}: {exc}", "path": []}
    return {"valid": True, "error": None, "path": [c.subject.rfc4514_string() for c in built]}
