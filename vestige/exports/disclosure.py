"""The part of the custody ledger a bundle discloses, with the proofs that tie it to a signed checkpoint.

Disclosed: the archive's own entries (``archive.created``, ``key.registered``) and the exported case's
entries about the exported items or the case itself. Nothing about other cases: their entries appear only
as the sibling hashes inside proofs, and every leaf is salted, so those hashes say nothing.

Earlier checkpoints come along when they matter to a reader: the first time-stamped checkpoint that
covers each exhibit (with a consistency proof to the newest, so the time-stamp dates the exhibit), and the
checkpoints earlier exports of this case were built against (so a recipient of both can tell the log
was never rewritten in between).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, or_, select

from ..custody.ledger import Entry, LedgerReader, StoredCheckpoint, entry_from_row
from ..custody.timestamps import stored_tokens
from ..errors import ArchiveError
from ..store.schema import ledger_entries

ARCHIVE_EVENTS = ("archive.created", "key.registered")
CASE_EVENTS = ("case.created", "export.created")


@dataclass(frozen=True)
class Token:
    checkpoint_size: int
    tsa_url: str
    gen_time: str | None
    der: bytes


@dataclass(frozen=True)
class EarlierCheckpoint:
    checkpoint: StoredCheckpoint
    proof: list[bytes]  # RFC 9162 s2.1.4 consistency proof from it to the bundle's checkpoint
    why: str


@dataclass(frozen=True)
class Disclosure:
    entries: list[Entry]
    checkpoint: StoredCheckpoint
    inclusion: dict[int, list[bytes]]
    earlier: list[EarlierCheckpoint]
    tokens: list[Token]


def disclose(conn: Connection, case_id: str, item_ids: Iterable[str]) -> Disclosure:
    """Entries, proofs, earlier checkpoints and time-stamp tokens for ``item_ids`` of ``case_id``."""
    items = set(item_ids)
    reader = LedgerReader(conn)
    newest = reader.latest_checkpoint()
    if newest is None or newest.size != reader.size():
        raise ArchiveError(
            "the ledger has no signed checkpoint of its current size", hint="run: vestige verify"
        )
    rows = conn.execute(
        select(ledger_entries)
        .where(
            or_(
                ledger_entries.c.event.in_(ARCHIVE_EVENTS),
                ledger_entries.c.case_id == case_id,
            )
        )
        .order_by(ledger_entries.c.idx)
    )
    entries = [
        e
        for e in map(entry_from_row, rows)
        if e.event in ARCHIVE_EVENTS or e.event in CASE_EVENTS or e.subject in items
    ]
    inclusion = {e.index: reader.inclusion_proof(e.index, newest.size) for e in entries}

    granted = [t for t in stored_tokens(conn) if t.state == "granted" and t.token is not None]
    wanted: dict[int, tuple[StoredCheckpoint, str]] = {}  # looked up by size: a ledger has one per append
    # The first time-stamped checkpoint after each exhibit's entries: it dates them.
    stamped = sorted({t.checkpoint_size for t in granted})
    for e in entries:
        if e.subject in items:
            first = next((size for size in stamped if size > e.index), None)
            cp = reader.checkpoint_at(first) if first is not None and first not in wanted else None
            if cp is not None and cp.size != newest.size:
                wanted[cp.size] = (cp, "time-stamped checkpoint covering exhibit entries")
    for e in entries:  # earlier exports of this case
        if e.event == "export.created":
            size = e.data["details"].get("checkpoint_size")
            cp = reader.checkpoint_at(size) if isinstance(size, int) and size not in wanted else None
            if cp is not None and cp.size != newest.size:
                wanted[cp.size] = (cp, f"checkpoint of an earlier export (entry {e.index})")
    earlier = [
        EarlierCheckpoint(cp, reader.consistency_proof(size, newest.size), why)
        for size, (cp, why) in sorted(wanted.items())
    ]
    shown = {newest.size} | set(wanted)
    tokens = [
        Token(t.checkpoint_size, t.tsa_url, t.gen_time, t.token)
        for t in granted
        if t.checkpoint_size in shown and t.token is not None
    ]
    return Disclosure(entries, newest, inclusion, earlier, tokens)


def checkpoint_name(size: int) -> str:
    return f"{size:012d}.txt"


def write_disclosure(d: Disclosure, custody_dir: Path, verifier_key: str) -> dict[str, Any]:
    """Write ``custody/`` as docs/bundle-format.md describes; return the ``proofs.json`` content."""
    (custody_dir / "checkpoints").mkdir(parents=True)
    (custody_dir / "timestamps").mkdir()
    with open(custody_dir / "entries.jsonl", "w", encoding="utf-8", newline="\n") as fp:
        for e in d.entries:
            fp.write(e.body + "\n")
    (custody_dir / "checkpoint.txt").write_text(d.checkpoint.note, encoding="utf-8", newline="\n")
    (custody_dir / "operator.pub").write_text(verifier_key + "\n", encoding="utf-8", newline="\n")
    notes = {d.checkpoint.size: "custody/checkpoint.txt"}
    consistency = []
    for cp in d.earlier:
        rel = f"custody/checkpoints/{checkpoint_name(cp.checkpoint.size)}"
        (custody_dir / "checkpoints" / checkpoint_name(cp.checkpoint.size)).write_text(
            cp.checkpoint.note, encoding="utf-8", newline="\n"
        )
        notes[cp.checkpoint.size] = rel
        consistency.append(
            {
                "from_size": cp.checkpoint.size,
                "from_root": cp.checkpoint.root.hex(),
                "checkpoint": rel,
                "path": [h.hex() for h in cp.proof],
                "why": cp.why,
            }
        )
    stamps = []
    counts: dict[int, int] = {}
    for t in d.tokens:
        n = counts[t.checkpoint_size] = counts.get(t.checkpoint_size, -1) + 1
        name = f"{t.checkpoint_size:012d}-{n}.tsr"
        (custody_dir / "timestamps" / name).write_bytes(t.der)
        stamps.append(
            {
                "checkpoint": notes[t.checkpoint_size],
                "tree_size": t.checkpoint_size,
                "token": f"custody/timestamps/{name}",
                "tsa": t.tsa_url,
                "gen_time": t.gen_time,
            }
        )
    proofs = {
        "tree_size": d.checkpoint.size,
        "root": d.checkpoint.root.hex(),
        "inclusion": [
            {
                "index": e.index,
                "leaf_hash": e.leaf_hash.hex(),
                "path": [h.hex() for h in d.inclusion[e.index]],
            }
            for e in d.entries
        ],
        "consistency": consistency,
        "timestamps": stamps,
    }
    (custody_dir / "proofs.json").write_text(json.dumps(proofs, indent=1) + "\n", encoding="utf-8")
    return proofs
