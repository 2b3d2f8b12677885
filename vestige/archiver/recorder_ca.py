"""The recording proxy's certificate authority: a new one for each capture session.

The browser trusts only this CA (by its key's hash), and mitmproxy signs the certificates it shows the
browser with it. Vestige makes it before mitmproxy starts, where mitmproxy looks for its CA, so that
Chromium can be launched while the proxy is still starting. Same shape as mitmproxy's own: RSA 2048, the
key and certificate in ``mitmproxy-ca.pem`` (owner-only), the certificate alone in
``mitmproxy-ca-cert.pem`` (what yt-dlp and the public-IP lookup trust).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..owner_files import create_private

CA_FILE = "mitmproxy-ca.pem"  # key + certificate: mitmproxy's CertStore reads this
CA_CERT_FILE = "mitmproxy-ca-cert.pem"
NAME = "Vestige recorder"
LIFETIME = dt.timedelta(days=30)  # a session's; it is thrown away with the session's scratch


def make_ca(now: dt.datetime) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A self-signed CA allowed to sign server certificates, valid from a day before ``now``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
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


def write_ca(confdir: Path) -> str:
    """Make the session's CA in ``confdir`` (a new, owner-only directory); its ``spki_hash``."""
    confdir.mkdir(mode=0o700, parents=True, exist_ok=False)
    key, cert = make_ca(dt.datetime.now(dt.UTC))
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    create_private(confdir / CA_FILE, key_pem + cert_pem)
    (confdir / CA_CERT_FILE).write_bytes(cert_pem)
    return spki_hash(cert)


def spki_hash(cert: x509.Certificate) -> str:
    """base64 SHA-256 of a certificate's key, for Chromium's --ignore-certificate-errors-spki-list."""
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()
