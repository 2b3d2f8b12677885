"""Catalog reads and writes over a connection: cases, items (exhibits), artifacts, notes, tags."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, insert, select

from ..errors import InputError
from .schema import artifacts, cases, items, notes, tags

CASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
TAG = re.compile(r"^[^\s,]{1,100}$")


def check_case_id(case_id: str) -> str:
    if not CASE_ID.match(case_id):
        raise InputError(
            f"invalid case ID {case_id!r}",
            hint="use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return case_id


def exhibit_id(case_id: str, seq: int) -> str:
    """The stable, human-friendly exhibit ID: the case ID and a 4-digit (or longer) sequence."""
    return f"{case_id}-{seq:04d}"


@dataclass(frozen=True)
class ArtifactView:
    role: str
    name: str | None
    media_type: str
    size: int
    sha256: str
    blake3: str
    blob_path: str

    def committed(self) -> dict[str, Any]:
        """What the ledger commits to for this artifact (paths are derivable, so not included)."""
        return {
            "role": self.role,
            "name": self.name,
            "media_type": self.media_type,
            "size": self.size,
            "sha256": self.sha256,
            "blake3": self.blake3,
        }

    def to_json(self, root: Path) -> dict[str, Any]:
        return {**self.committed(), "path": str(root / self.blob_path)}


@dataclass(frozen=True)
class ItemView:
    id: str
    case: str
    kind: str
    state: str
    reason: str | None
    title: str | None
    source: str | None
    created_at: str
    entry_index: int
    artifacts: list[ArtifactView] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    def to_json(self, root: Path) -> dict[str, Any]:
        return {
            "id": self.id,
            "case": self.case,
            "kind": self.kind,
            "state": self.state,
            "reason": self.reason,
            "title": self.title,
            "source": self.source,
            "created_at": self.created_at,
            "entry_index": self.entry_index,
            "artifacts": [a.to_json(root) for a in self.artifacts],
            "notes": self.notes,
            "tags": self.tags,
        }


def case_exists(conn: Connection, case_id: str) -> bool:
    return conn.execute(select(cases.c.id).where(cases.c.id == case_id)).first() is not None


def insert_case(conn: Connection, case_id: str, created_at: str, title: str | None = None) -> None:
    conn.execute(insert(cases).values(id=case_id, title=title, created_at=created_at))


def next_seq(conn: Connection, case_id: str) -> int:
    q = select(func.max(items.c.seq)).where(items.c.case_id == case_id)
    return int(conn.execute(q).scalar() or 0) + 1


def insert_item(conn: Connection, row: Mapping[str, Any], arts: Iterable[ArtifactView]) -> None:
    conn.execute(insert(items).values(**row))
    rows = [
        {
            "item_id": row["id"],
            "role": a.role,
            "name": a.name,
            "media_type": a.media_type,
            "size": a.size,
            "sha256": a.sha256,
            "blake3": a.blake3,
            "blob_path": a.blob_path,
        }
        for a in arts
    ]
    if rows:
        conn.execute(insert(artifacts), rows)


def insert_note(conn: Connection, item_id: str, text: str, created_at: str, entry: int) -> None:
    conn.execute(insert(notes).values(item_id=item_id, text=text, created_at=created_at, entry_index=entry))


def item_artifacts(conn: Connection, item_id: str) -> list[ArtifactView]:
    q = select(artifacts).where(artifacts.c.item_id == item_id).order_by(artifacts.c.id)
    return [
        ArtifactView(r.role, r.name, r.media_type, r.size, r.sha256, r.blake3, r.blob_path)
        for r in conn.execute(q)
    ]


def _view(conn: Connection, row: Any) -> ItemView:
    note_rows = conn.execute(select(notes).where(notes.c.item_id == row.id).order_by(notes.c.id)).all()
    tag_rows = conn.execute(select(tags.c.tag).where(tags.c.item_id == row.id).order_by(tags.c.tag))
    return ItemView(
        id=row.id,
        case=row.case_id,
        kind=row.kind,
        state=row.state,
        reason=row.reason,
        title=row.title,
        source=row.source,
        created_at=row.created_at,
        entry_index=row.entry_index,
        artifacts=item_artifacts(conn, row.id),
        notes=[{"text": n.text, "created_at": n.created_at, "entry_index": n.entry_index} for n in note_rows],
        tags=[t.tag for t in tag_rows],
    )


def get_item(conn: Connection, item_id: str) -> ItemView:
    row = conn.execute(select(items).where(items.c.id == item_id)).first()
    if row is None:
        raise InputError(f"no item {item_id!r} in this archive", hint="see: vestige list")
    return _view(conn, row)


def list_items(conn: Connection, case_id: str | None = None) -> list[ItemView]:
    q = select(items)
    if case_id is not None:
        q = q.where(items.c.case_id == case_id)
    return [_view(conn, r) for r in conn.execute(q.order_by(items.c.case_id, items.c.seq)).all()]


def all_item_ids(conn: Connection) -> list[str]:
    return [r.id for r in conn.execute(select(items.c.id).order_by(items.c.id))]
