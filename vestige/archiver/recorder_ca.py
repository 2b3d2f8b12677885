"""The recording proxy's certificate authority: a new one for each capture session.

The browser trusts only this CA (by its key's hash), and mitmproxy signs the certificates it shows the
browser with it. Vestige makes it before mitmproxy starts (in memory first: Chromium can be launched
before the session knows where its scratch is, and while the proxy is still starting), then writes it
where mitmproxy looks for its CA: the key and certificate in ``mitmproxy-ca.pem`` (owner-only), the
certificate alone in ``mitmproxy-ca-cert.pem`` (what yt-dlp and the public-IP lookup trust).

Its key is ECDSA P-256 where mitmproxy's own is RSA 2048: made in a fraction of a millisecond (an RSA
key takes 50-100 ms, holding the interpreter's lock while the browser starts), and faster at what
mitmproxy does with it for each site and each TLS connection of the browser (it signs the site's
certificate, which carries this same key, and the handshake). None of this is evidence: the recorder's
connections to the servers are the real TLS, validated and recorded as the servers presented it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..owner_files import create_private

CA_FILE = "mitmproxy-ca.pem"  # key + certificate: mitmproxy's CertStore reads this
CA_CERT_FILE = "mitmproxy-ca-cert.pem"
NAME = "Vestige recorder"
LIFETIME = dt.timedelta(days=30)  # a session's; it is thrown away with the session's scratch


def make_ca(now: dt.datetime) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A self-signed CA allowed to sign server certificates, valid from a day before ``now``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, NAME), x509.NameAttribute(NameOID.ORGANIZATION_NAME, NAME)]
    )
    usage = x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


@dataclass(frozen=True)
class RecorderCa:
    """A session's CA in memory: made while nothing is known of where it will be kept (the browser
    needs only its key's hash), written where mitmproxy reads it once the session has its scratch."""

    key_pem: bytes
    cert_pem: bytes
    spki: str  # ``spki_hash`` of its certificate

    def write(self, confdir: Path) -> None:
        """Into ``confdir``, a new owner-only directory (an existing one is not taken over)."""
        confdir.mkdir(mode=0o700, parents=True, exist_ok=False)
        create_private(confdir / CA_FILE, self.key_pem + self.cert_pem)
        (confdir / CA_CERT_FILE).write_bytes(self.cert_pem)


def new_ca() -> RecorderCa:
    key, cert = make_ca(dt.datetime.now(dt.UTC))
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return RecorderCa(key_pem, cert.public_bytes(serialization.Encoding.PEM), spki_hash(cert))


def spki_hash(cert: x509.Certificate) -> str:
    """base64 SHA-256 of a certificate's key, for Chromium's --ignore-certificate-errors-spki-list."""
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()
