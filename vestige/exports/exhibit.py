"""What the bundle's writers (reports, index tables, load files) are given for each exhibit.

Plain frozen values, built once by the bundle from the catalog, the provenance and the ledger, so every
format shows the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ExhibitArtifact:
    role: str  # warc, screenshot, pdf, dom, text, provenance, certificates, media, document, file
    name: str
    media_type: str
    size: int
    sha256: str
    blake3: str
    bundle_path: str  # relative path inside the bundle (the zip file for an artifact with a member)
    source: Path  # the blob in the archive, to read the bytes from
    member: str | None = None  # member name inside the zip at bundle_path (the WARC inside the WACZ)


@dataclass(frozen=True)
class CustodyEvent:
    index: int
    time: str
    event: str  # item.added, item.captured, note.added, tag.added, custody.transferred, export.created
    actor: str  # operator name
    actor_key: str  # "ed25519:<hex fingerprint>"
    summary: str  # one line for people: "captured https://... (complete)", "note: ..."
    leaf_hash: str


@dataclass(frozen=True)
class TimestampInfo:
    tsa: str
    gen_time: str | None  # UTC from the token, None when pending
    tree_size: int
    token_path: str | None  # relative path in the bundle


@dataclass(frozen=True)
class Exhibit:
    exhibit_id: str  # as formatted for the recipient, e.g. UKR-OTP-0001-0001
    item_id: str  # the archive's own ID, e.g. UKR1-0001
    case: str
    kind: str  # capture | file
    title: str | None
    url: str | None
    final_url: str | None
    state: str  # complete | partial | failed
    reason: str | None
    http_status: int | None
    started: str | None  # capture start, UTC ISO 8601 (Z)
    ended: str | None
    operator: str
    platform: str | None = None
    author: str | None = None
    post: dict[str, Any] | None = None  # the whole post record (PostRecord.to_json()) of a platform capture
    versions: dict[str, str | None] = field(default_factory=dict)
    tls: dict[str, Any] | None = None  # provenance "main_origin_tls" (host, protocol, cipher, validation)
    provenance: dict[str, Any] | None = None
    artifacts: tuple[ExhibitArtifact, ...] = ()
    custody: tuple[CustodyEvent, ...] = ()
    timestamps: tuple[TimestampInfo, ...] = ()
    notes: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    entry_index: int = -1

    def artifact(self, role: str) -> ExhibitArtifact | None:
        return next((a for a in self.artifacts if a.role == role), None)
