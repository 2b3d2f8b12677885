"""The recorder's CA, made by Vestige before mitmproxy starts: mitmproxy must take it as its own."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.verification import PolicyBuilder, Store
from mitmproxy.certs import CertStore

from vestige.archiver.recorder_ca import CA_CERT_FILE, CA_FILE, new_ca, spki_hash


def test_mitmproxy_signs_with_the_ca_vestige_made(tmp_path: Path) -> None:
    confdir = tmp_path / "recorder"
    made = new_ca()
    made.write(confdir)
    spki = made.spki
    ca = x509.load_pem_x509_certificate((confdir / CA_CERT_FILE).read_bytes())
    assert spki == spki_hash(ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca

    # mitmproxy's own store (as its TLS addon opens it) finds the CA and signs a server certificate
    # with it that validates against the CA alone.
    store = CertStore.from_store(confdir, "mitmproxy", 2048)
    assert store.default_ca.fingerprint() == ca.fingerprint(ca.signature_hash_algorithm)
    entry = store.get_cert("evidence.example", ["evidence.example"])
    leaf = x509.load_pem_x509_certificate(entry.cert.to_pem())
    verifier = PolicyBuilder().store(Store([ca])).build_server_verifier(x509.DNSName("evidence.example"))
    chain = verifier.verify(leaf, [])
    assert chain[-1] == ca


def test_the_ca_key_is_owner_only_and_never_reused(tmp_path: Path) -> None:
    confdir = tmp_path / "recorder"
    made = new_ca()
    made.write(confdir)
    first = made.spki
    assert stat.S_IMODE(confdir.stat().st_mode) == 0o700
    assert stat.S_IMODE((confdir / CA_FILE).stat().st_mode) == 0o600
    key = serialization.load_pem_private_key((confdir / CA_FILE).read_bytes(), None)
    assert key.public_key().public_numbers() == (
        x509.load_pem_x509_certificate((confdir / CA_CERT_FILE).read_bytes()).public_key().public_numbers()
    )
    with pytest.raises(FileExistsError):  # a session's scratch is new: an existing CA is not taken over
        new_ca().write(confdir)
    other = new_ca()
    other.write(tmp_path / "other")
    assert other.spki != first
