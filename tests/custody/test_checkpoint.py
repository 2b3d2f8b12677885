"""C2SP signed notes and checkpoints against published vectors; round trips; malformed input."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vestige.custody.checkpoint import Checkpoint, SignedCheckpoint, sign_checkpoint
from vestige.custody.signed_note import SignedNote, key_id, sign_note, verifier_key
from vestige.errors import FormatError

VECTORS = json.loads((Path(__file__).parents[1] / "assets/checkpoint/signed-note-vectors.json").read_text())


def _vkey(text: str) -> tuple[str, bytes, bytes]:
    name, kid, b64 = text.split("+", 2)
    raw = base64.b64decode(b64)
    assert raw[0] == 1
    return name, bytes.fromhex(kid), raw[1:]


@pytest.mark.parametrize("note", VECTORS["signed_notes"], ids=lambda n: n["id"])
def test_published_signed_notes_verify(note: dict[str, Any]) -> None:
    parsed = SignedNote.from_text(note["signed_note"])
    assert parsed.text == note["text"]
    assert parsed.to_text() == note["signed_note"]
    for vkey in note.get("verifier_keys") or [note["verifier_key"]]:
        name, kid, pub = _vkey(vkey)
        assert key_id(name, pub) == kid
        assert verifier_key(name, pub) == vkey
        assert parsed.verify(name, pub)
        assert not SignedNote(note["text"] + "x\n", parsed.signatures).verify(name, pub)


def test_signing_with_published_test_key_reproduces_the_note() -> None:
    note = VECTORS["signed_notes"][0]
    seed = base64.b64decode(note["signer_key"].split("+", 4)[-1])[1:]
    signed = sign_note(note["text"], note["key_name"], Ed25519PrivateKey.from_private_bytes(seed))
    assert signed.to_text() == note["signed_note"]


@pytest.mark.parametrize("cp", VECTORS["checkpoints"], ids=lambda c: c["id"])
def test_published_checkpoints_parse_and_verify(cp: dict[str, Any]) -> None:
    signed = SignedCheckpoint.from_text(cp["signed_note"])
    assert signed.checkpoint.origin == cp["origin"]
    assert signed.checkpoint.size == cp["size"]
    assert base64.b64encode(signed.checkpoint.root).decode() == cp["root_b64"]
    assert signed.checkpoint.to_text() == cp["text"]
    keys = cp.get("verifier_keys") or [cp["verifier_key"]]
    name, _, pub = _vkey(keys[0])
    assert signed.verify(name, pub)


def test_checkpoint_round_trip_and_extension_lines() -> None:
    key = Ed25519PrivateKey.generate()
    cp = Checkpoint("vestige.archive/abc", 12, bytes(range(32)), ("ext one",))
    signed = sign_checkpoint(cp, "vestige.archive/abc", key)
    again = SignedCheckpoint.from_text(signed.to_text())
    assert again == signed
    assert (
        again.checkpoint.to_text()
        == "vestige.archive/abc\n12\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\next one\n"
    )
    pub = key.public_key().public_bytes_raw()
    assert again.verify("vestige.archive/abc", pub)
    assert not again.verify("other.name", pub)
    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    assert not again.verify("vestige.archive/abc", other)


@pytest.mark.parametrize(
    "text",
    [
        "origin\n12\nAAAA\n",  # no signatures
        "origin\n12\nAAAA\n\n— name !!notbase64\n",
        "origin\n12\nAAAA\n\nnot a signature line\n",
        "origin\n12\nAAAA\n\n— name AAAA\n",  # too short
        "origin\n12\nAAAA\n\n— name AAAAAAAAAA==",  # no final newline
    ],
)
def test_malformed_notes_raise_format_errors(text: str) -> None:
    with pytest.raises(FormatError):
        SignedNote.from_text(text)


@pytest.mark.parametrize(
    "body",
    [
        "o\n012\n" + "A" * 43 + "=\n",
        "o\n-1\n" + "A" * 43 + "=\n",
        "o\n1\nAAAA\n",
        "o\n1\n",
        "o\n1\n!!\n",
    ],
)
def test_malformed_checkpoint_bodies_raise_format_errors(body: str) -> None:
    with pytest.raises(FormatError):
        Checkpoint.from_text(body)
