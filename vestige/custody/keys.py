"""The operator's Ed25519 signing key: created once, stored with mode 0600, never printed."""

from __future__ import annotations

import hashlib
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..errors import ArchiveError
from ..owner_files import create_private


def fingerprint(public_key: bytes) -> str:
    """A stable name for a key: ``ed25519:`` and the SHA-256 of the raw public key in hex."""
    return "ed25519:" + hashlib.sha256(public_key).hexdigest()


@dataclass(frozen=True)
class OperatorKey:
    private: Ed25519PrivateKey

    @property
    def public_bytes(self) -> bytes:
        return self.private.public_key().public_bytes_raw()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_bytes)


def create_key(private_path: Path, public_path: Path) -> OperatorKey:
    """Generate a key; refuse to overwrite an existing one."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    create_private(private_path, pem, sync=True)
    public_path.write_text(
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return OperatorKey(key)


def load_key(private_path: Path) -> OperatorKey:
    try:
        st = private_path.stat()
        data = private_path.read_bytes()
    except FileNotFoundError as exc:
        raise ArchiveError(f"operator key {private_path} is missing") from exc
    except OSError as exc:
        raise ArchiveError(f"cannot read operator key {private_path}: {exc.strerror}") from exc
    if stat.S_IMODE(st.st_mode) & 0o077:
        raise ArchiveError(
            f"operator key {private_path} is readable by other users",
            hint=f"run: chmod 600 {private_path}",
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise ArchiveError(f"operator key {private_path} is not a readable PEM key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ArchiveError(f"operator key {private_path} is not an Ed25519 key")
    return OperatorKey(key)


def load_public_key(public_path: Path) -> bytes:
    """The raw Ed25519 public key from the archive's PEM public key file."""
    try:
        key = serialization.load_pem_public_key(public_path.read_bytes())
    except OSError as exc:
        raise ArchiveError(f"cannot read operator public key {public_path}: {exc.strerror}") from exc
    except (ValueError, TypeError) as exc:
        raise ArchiveError(f"operator public key {public_path} is not a readable PEM key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ArchiveError(f"operator public key {public_path} is not an Ed25519 key")
    return key.public_bytes_raw()
