"""The custody ledger: canonical JSON entries as leaves of an RFC 9162 Merkle tree, stored in the catalog.

Entries are only ever inserted. Each one carries a random salt, so the leaf hashes revealed by another
case's inclusion proofs say nothing about that case's contents.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select

from ..clock import Clock, SaltFactory
from ..store.schema import checkpoints, ledger_entries, ledger_nodes
from .canonical import canonical_json
from .checkpoint import Checkpoint, SignedCheckpoint, sign_checkpoint
from .keys import OperatorKey
from .merkle import CompactRange, SubtreeHash, leaf_hash, subtree_from_perfect
from .merkle import consistency_proof as _consistency_proof
from .merkle import inclusion_proof as _inclusion_proof

ENTRY_VERSION = 1

# The custody events Vestige records, and what each one's subject is.
EVENTS = {
    "archive.created": "archive",
    "key.registered": "key",
    "case.created": "case",
    "item.added": "item",
    "item.captured": "item",
    "note.added": "item",
    "tag.added": "item",
    "export.created": "case",
    "verify.completed": "archive",
    "custody.transferred": "item",
    "item.imported": "item",
}

# The events that register an exhibit, committing its artifacts' digests.
ITEM_EVENTS = ("item.added", "item.captured", "item.imported")

ENTRY_KEYS = ("v", "index", "time", "actor", "event", "subject", "case", "details", "salt")


@dataclass(frozen=True)
class Entry:
    index: int
    body: str
    leaf_hash: bytes
    event: str
    subject: str | None
    case: str | None

    @property
    def data(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.body)
        return value


def make_entry(
    index: int,
    *,
    time: str,
    actor: Mapping[str, str],
    event: str,
    subject: str | None,
    case: str | None,
    details: Mapping[str, Any],
    salt: str,
) -> Entry:
    if event not in EVENTS:
        raise ValueError(f"unknown custody event {event!r}")
    body = canonical_json(
        {
            "v": ENTRY_VERSION,
            "index": index,
            "time": time,
            "actor": dict(actor),
            "event": event,
            "subject": subject,
            "case": case,
            "details": dict(details),
            "salt": salt,
        }
    )
    return Entry(index, body, leaf_hash(body.encode()), event, subject, case)


def entry_from_row(row: Any) -> Entry:
    return Entry(row.idx, row.body, bytes(row.leaf_hash), row.event, row.subject, row.case_id)


# Built once: proofs look up ~2 log2(n) nodes, and building a statement costs more than running it.
_LEAF_AT = select(ledger_entries.c.leaf_hash).where(ledger_entries.c.idx == bindparam("idx"))
_NODE_AT = select(ledger_nodes.c.hash).where(
    ledger_nodes.c.level == bindparam("level"), ledger_nodes.c.idx == bindparam("idx")
)


@dataclass(frozen=True)
class StoredCheckpoint:
    size: int
    root: bytes
    note: str
    created_at: str


class LedgerReader:
    """Read access to the ledger through one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def size(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(ledger_entries)).scalar_one())

    def entry(self, index: int) -> Entry | None:
        row = self.conn.execute(select(ledger_entries).where(ledger_entries.c.idx == index)).first()
        return entry_from_row(row) if row else None

    def entries(self, start: int = 0, end: int | None = None) -> Iterator[Entry]:
        q = select(ledger_entries).where(ledger_entries.c.idx >= start)
        if end is not None:
            q = q.where(ledger_entries.c.idx < end)
        rows = self.conn.execution_options(yield_per=2000).execute(q.order_by(ledger_entries.c.idx))
        for row in rows:
            yield entry_from_row(row)

    def entries_about(self, subject: str) -> list[Entry]:
        q = select(ledger_entries).where(ledger_entries.c.subject == subject)
        return [entry_from_row(r) for r in self.conn.execute(q.order_by(ledger_entries.c.idx))]

    def entries_of_event(self, event: str) -> list[Entry]:
        q = select(ledger_entries).where(ledger_entries.c.event == event)
        return [entry_from_row(r) for r in self.conn.execute(q.order_by(ledger_entries.c.idx))]

    def perfect_node(self, level: int, index: int) -> bytes:
        if level == 0:
            value = self.conn.execute(_LEAF_AT, {"idx": index}).scalar()
        else:
            value = self.conn.execute(_NODE_AT, {"level": level, "idx": index}).scalar()
        if value is None:
            raise LookupError(f"ledger node ({level}, {index}) is missing")
        return bytes(value)

    def subtree(self) -> SubtreeHash:
        return subtree_from_perfect(self.perfect_node)

    def compact_range(self, size: int) -> CompactRange:
        positions = CompactRange.node_positions(size)
        return CompactRange(size, [self.perfect_node(lv, ix) for lv, ix in positions])

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return _inclusion_proof(index, size, self.subtree())

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        return _consistency_proof(size1, size2, self.subtree())

    def checkpoints(self) -> list[StoredCheckpoint]:
        rows = self.conn.execute(select(checkpoints).order_by(checkpoints.c.size))
        return [_stored_checkpoint(r) for r in rows]

    def checkpoint_at(self, size: int) -> StoredCheckpoint | None:
        r = self.conn.execute(select(checkpoints).where(checkpoints.c.size == size)).first()
        return _stored_checkpoint(r) if r else None

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        r = self.conn.execute(select(checkpoints).order_by(checkpoints.c.size.desc())).first()
        return _stored_checkpoint(r) if r else None


def _stored_checkpoint(r: Any) -> StoredCheckpoint:
    return StoredCheckpoint(r.size, bytes(r.root), r.note, r.created_at)


@dataclass(frozen=True)
class EventSpec:
    event: str
    subject: str | None
    case: str | None
    details: Mapping[str, Any]


class LedgerWriter(LedgerReader):
    """Appends inside the caller's write transaction; the caller holds the archive's append lock."""

    def __init__(self, conn: Connection, actor: Mapping[str, str], clock: Clock, salt: SaltFactory) -> None:
        super().__init__(conn)
        self.actor = dict(actor)
        self.clock = clock
        self.salt = salt
        self._range = self.compact_range(self.size())
        self.appended: list[Entry] = []

    @property
    def tree_size(self) -> int:
        return self._range.size

    def root(self) -> bytes:
        return self._range.root()

    def append(self, event: str, subject: str | None, case: str | None, details: Mapping[str, Any]) -> Entry:
        return self.append_many([EventSpec(event, subject, case, details)])[0]

    def append_many(self, specs: Sequence[EventSpec]) -> list[Entry]:
        entry_rows: list[dict[str, Any]] = []
        node_rows: list[dict[str, Any]] = []
        out: list[Entry] = []
        for spec in specs:
            entry = make_entry(
                self._range.size,
                time=self.clock(),
                actor=self.actor,
                event=spec.event,
                subject=spec.subject,
                case=spec.case,
                details=spec.details,
                salt=self.salt(),
            )
            for level, idx, digest in self._range.append(entry.leaf_hash):
                node_rows.append({"level": level, "idx": idx, "hash": digest})
            entry_rows.append(
                {
                    "idx": entry.index,
                    "body": entry.body,
                    "leaf_hash": entry.leaf_hash,
                    "event": entry.event,
                    "subject": entry.subject,
                    "case_id": entry.case,
                }
            )
            out.append(entry)
        if entry_rows:
            self.conn.execute(insert(ledger_entries), entry_rows)
        if node_rows:
            self.conn.execute(insert(ledger_nodes), node_rows)
        self.appended.extend(out)
        return out

    def sign_checkpoint(self, origin: str, key_name: str, key: OperatorKey) -> SignedCheckpoint:
        cp = sign_checkpoint(Checkpoint(origin, self._range.size, self.root()), key_name, key.private)
        self.conn.execute(
            insert(checkpoints).values(
                size=cp.checkpoint.size,
                root=cp.checkpoint.root,
                note=cp.to_text(),
                created_at=self.clock(),
            )
        )
        return cp
