"""C2SP signed-note format with Ed25519 signatures (https://c2sp.org/signed-note).

A note is UTF-8 text ending in a newline, then a blank line, then signature lines
``— <key name> <base64(key ID || signature)>``. For Ed25519 the key ID is the first four bytes of
SHA-256(key name || 0x0A || 0x01 || public key) and the signature covers the text only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..errors import FormatError

ED25519_TYPE = b"\x01"
SIGNATURE_PREFIX = "\u2014 "  # em dash and a space


def check_key_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise ValueError(f"key name {name!r} must be non-empty, without spaces or '+'")


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519_TYPE + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    """The ``name+hexid+base64`` verifier key string read by standard note tooling."""
    b64 = base64.b64encode(ED25519_TYPE + public_key).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{b64}"


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(self.key_id + self.signature).decode()}\n"


@dataclass(frozen=True)
class SignedNote:
    text: str
    signatures: tuple[NoteSignature, ...]

    @classmethod
    def from_text(cls, note: str) -> SignedNote:
        """Parse a signed note; raise FormatError for anything malformed."""
        if not note.endswith("\n"):
            raise FormatError("signed note does not end with a newline")
        split = note.rfind("\n\n")
        if split < 0:
            raise FormatError("signed note has no blank line before its signatures")
        text, sig_block = note[: split + 1], note[split + 2 :]
        signatures: list[NoteSignature] = []
        for line in sig_block.splitlines():
            if not line.startswith(SIGNATURE_PREFIX):
                raise FormatError(f"malformed signature line {line[:60]!r}")
            name, _, b64 = line[len(SIGNATURE_PREFIX) :].partition(" ")
            try:
                raw = base64.b64decode(b64, validate=True)
            except binascii.Error as exc:
                raise FormatError(f"signature of {name!r} is not base64") from exc
            if len(raw) < 5 or not name:
                raise FormatError(f"signature line of {name!r} is too short")
            signatures.append(NoteSignature(name, raw[:4], raw[4:]))
        if not signatures:
            raise FormatError("signed note carries no signature")
        return cls(text, tuple(signatures))

    def to_text(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)

    def verify(self, name: str, public_key: bytes) -> bool:
        """True if some signature by (name, public_key) is valid over the text."""
        kid = key_id(name, public_key)
        pub = Ed25519PublicKey.from_public_bytes(public_key)
        for sig in self.signatures:
            if sig.name == name and sig.key_id == kid:
                try:
                    pub.verify(sig.signature, self.text.encode())
                except InvalidSignature:
                    continue
                return True
        return False


def sign_note(text: str, name: str, private_key: Ed25519PrivateKey) -> SignedNote:
    check_key_name(name)
    if not text.endswith("\n"):
        raise ValueError("note text must end with a newline")
    public = private_key.public_key().public_bytes_raw()
    sig = NoteSignature(name, key_id(name, public), private_key.sign(text.encode()))
    return SignedNote(text, (sig,))
