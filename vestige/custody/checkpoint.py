"""Log checkpoints in the C2SP tlog-checkpoint format (https://c2sp.org/tlog-checkpoint).

Body: the origin line, the tree size in decimal, the root hash in base64, each ending in a newline.
The body is the text of a signed note.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..errors import FormatError
from .merkle import HASH_SIZE
from .signed_note import SignedNote, sign_note


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # C2SP: the origin MUST be non-empty and SHOULD avoid spaces and '+' (Vestige's always do).
        if not self.origin or "\n" in self.origin:
            raise ValueError("origin must be a non-empty line")
        if any(not line or "\n" in line for line in self.extensions):
            raise ValueError("extension lines must be non-empty lines")
        if self.size < 0:
            raise ValueError("tree size must not be negative")
        if len(self.root) != HASH_SIZE:
            raise ValueError("root must be a SHA-256 hash")

    def to_text(self) -> str:
        root = base64.b64encode(self.root).decode()
        return "".join(f"{line}\n" for line in (self.origin, str(self.size), root, *self.extensions))

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise FormatError("checkpoint body must have origin, size and root lines")
        origin, size_s, root_s = lines[0], lines[1], lines[2]
        if not size_s.isdigit() or (size_s.startswith("0") and size_s != "0"):
            raise FormatError(f"checkpoint size {size_s[:30]!r} is not a decimal number")
        try:
            root = base64.b64decode(root_s, validate=True)
        except binascii.Error as exc:
            raise FormatError("checkpoint root is not base64") from exc
        try:
            return cls(origin, int(size_s), root, tuple(lines[3:-1]))
        except ValueError as exc:
            raise FormatError(f"bad checkpoint: {exc}") from exc


@dataclass(frozen=True)
class SignedCheckpoint:
    checkpoint: Checkpoint
    note: SignedNote

    @classmethod
    def from_text(cls, text: str) -> SignedCheckpoint:
        note = SignedNote.from_text(text)
        return cls(Checkpoint.from_text(note.text), note)

    def to_text(self) -> str:
        return self.note.to_text()

    def verify(self, key_name: str, public_key: bytes) -> bool:
        return self.note.verify(key_name, public_key)


def sign_checkpoint(cp: Checkpoint, key_name: str, key: Ed25519PrivateKey) -> SignedCheckpoint:
    return SignedCheckpoint(cp, sign_note(cp.to_text(), key_name, key))
