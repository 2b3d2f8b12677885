"""Catalog reads and writes over a connection: cases, items (exhibits), artifacts, notes, tags."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, insert, select

from ..errors import InputError
from .schema import artifacts, cases, items, notes, tags

CASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
TAG_MAX = 100
STATES = ("complete", "partial", "failed")
SORTS = ("id", "created", "title", "state")


def check_case_id(case_id: str) -> str:
    if not CASE_ID.match(case_id):
        raise InputError(
            f"invalid case ID {case_id!r}",
            hint="use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return case_id


def check_tag(tag: str) -> str:
    """A tag as stored: surrounding blanks removed, 1-100 printable characters, no comma.

    Commas are refused so a list of tags can always be written as one comma-separated cell (CSV, load
    files); newlines and other control characters because tags are shown on one line."""
    value = tag.strip()
    if not 1 <= len(value) <= TAG_MAX or not value.isprintable() or "," in value:
        raise InputError(
            f"invalid tag {tag!r}",
            hint=f"use 1-{TAG_MAX} printable characters without commas or line breaks",
        )
    return value


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
    platform: str | None = None

    @property
    def size(self) -> int:
        return sum(a.size for a in self.artifacts)

    def to_json(self, root: Path) -> dict[str, Any]:
        return {
            "id": self.id,
            "case": self.case,
            "kind": self.kind,
            "state": self.state,
            "reason": self.reason,
            "title": self.title,
            "source": self.source,
            "platform": self.platform,
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


def insert_tag(conn: Connection, item_id: str, tag: str, entry: int) -> None:
    conn.execute(insert(tags).values(item_id=item_id, tag=tag, entry_index=entry))


def item_tags(conn: Connection, item_id: str) -> list[str]:
    q = select(tags.c.tag).where(tags.c.item_id == item_id).order_by(tags.c.tag)
    return [r.tag for r in conn.execute(q)]


def item_artifacts(conn: Connection, item_id: str) -> list[ArtifactView]:
    q = select(artifacts).where(artifacts.c.item_id == item_id).order_by(artifacts.c.id)
    return [
        ArtifactView(r.role, r.name, r.media_type, r.size, r.sha256, r.blake3, r.blob_path)
        for r in conn.execute(q)
    ]


_CHUNK = 500  # ids per IN (...) query, well under SQLite's limit on bound parameters


def _views(conn: Connection, rows: Sequence[Any]) -> list[ItemView]:
    """Item rows with their artifacts, notes and tags: three queries per 500 items, not three per item."""
    arts: dict[str, list[ArtifactView]] = defaultdict(list)
    item_notes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    item_tag_names: dict[str, list[str]] = defaultdict(list)
    ids = [r.id for r in rows]
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        q = select(artifacts).where(artifacts.c.item_id.in_(chunk)).order_by(artifacts.c.id)
        for a in conn.execute(q):
            arts[a.item_id].append(
                ArtifactView(a.role, a.name, a.media_type, a.size, a.sha256, a.blake3, a.blob_path)
            )
        q = select(notes).where(notes.c.item_id.in_(chunk)).order_by(notes.c.id)
        for n in conn.execute(q):
            item_notes[n.item_id].append(
                {"text": n.text, "created_at": n.created_at, "entry_index": n.entry_index}
            )
        q = select(tags).where(tags.c.item_id.in_(chunk)).order_by(tags.c.item_id, tags.c.tag)
        for t in conn.execute(q):
            item_tag_names[t.item_id].append(t.tag)
    return [
        ItemView(
            id=row.id,
            case=row.case_id,
            kind=row.kind,
            state=row.state,
            reason=row.reason,
            title=row.title,
            source=row.source,
            created_at=row.created_at,
            entry_index=row.entry_index,
            artifacts=arts[row.id],
            notes=item_notes[row.id],
            tags=item_tag_names[row.id],
            platform=row.platform,
        )
        for row in rows
    ]


def get_item(conn: Connection, item_id: str) -> ItemView:
    row = conn.execute(select(items).where(items.c.id == item_id)).first()
    if row is None:
        raise InputError(f"no item {item_id!r} in this archive", hint="see: vestige list")
    return _views(conn, [row])[0]


def items_by_id(conn: Connection, item_ids: Sequence[str]) -> list[ItemView]:
    """The items named, in the order given; ids not in the catalog are left out."""
    rows: dict[str, Any] = {}
    for start in range(0, len(item_ids), _CHUNK):
        chunk = list(item_ids[start : start + _CHUNK])
        rows.update((r.id, r) for r in conn.execute(select(items).where(items.c.id.in_(chunk))))
    return _views(conn, [rows[i] for i in item_ids if i in rows])


# --- finding items -----------------------------------------------------------------------------------

_WHEN = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)


def _stored_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def time_span(text: str) -> tuple[str, str]:
    """The stretch of time an ISO 8601 date or time names, as stored times [start, end).

    ``2024-03-02`` is that whole day, ``2024-03-02T10:15`` that minute, ``...:30`` that second. A time
    without an offset is UTC, like every time in the archive. So ``--since`` takes the start of the
    span and ``--until`` its end, and ``--since 2024-03-01 --until 2024-03-31`` covers all of March."""
    m = _WHEN.match(text.strip())
    bad = InputError(
        f"{text!r} is not a date or time",
        hint="use ISO 8601 in UTC: 2024-03-02, 2024-03-02T10:15, 2024-03-02T10:15:30Z or with +02:00",
    )
    if not m:
        raise bad
    year, month, day, hour, minute, second, fraction, offset = m.groups()
    try:
        tz = dt.UTC
        if offset not in (None, "Z"):
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            tz = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        start = dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
            tzinfo=tz,
        )
    except ValueError as exc:
        raise bad from exc
    if hour is None:
        step = dt.timedelta(days=1)
    elif second is None:
        step = dt.timedelta(minutes=1)
    elif fraction is None:
        step = dt.timedelta(seconds=1)
    else:
        step = dt.timedelta(microseconds=10 ** (6 - len(fraction)))
    return _stored_time(start), _stored_time(start + step)


@dataclass(frozen=True)
class ItemQuery:
    """Which items to list and in what order. Every filter given must hold (tags: all of them)."""

    case: str | None = None
    states: tuple[str, ...] = ()
    platform: str | None = None
    since: str | None = None  # as given by the user, see ``time_span``
    until: str | None = None
    tags: tuple[str, ...] = ()
    sort: str = "id"
    reverse: bool = False
    limit: int | None = None


def _order(sort: str, reverse: bool) -> list[Any]:
    by_id: list[Any] = [items.c.case_id, items.c.seq]  # the exhibit ID in order (0009 before 0010)
    orders: dict[str, list[Any]] = {
        "id": by_id,
        "created": [items.c.created_at, *by_id],
        "title": [func.lower(func.coalesce(items.c.title, items.c.source, "")), *by_id],
        "state": [items.c.state, *by_id],
    }
    keys = orders[sort]
    return [k.desc() for k in keys] if reverse else keys


def find_items(conn: Connection, query: ItemQuery) -> list[ItemView]:
    if query.sort not in SORTS:
        raise InputError(f"cannot sort by {query.sort!r}", hint=f"use one of: {', '.join(SORTS)}")
    for state in query.states:
        if state not in STATES:
            raise InputError(f"unknown state {state!r}", hint=f"use one of: {', '.join(STATES)}")
    q = select(items)
    if query.case is not None:
        q = q.where(items.c.case_id == query.case)
    if query.states:
        q = q.where(items.c.state.in_(sorted(set(query.states))))
    if query.platform is not None:
        q = q.where(func.lower(items.c.platform) == query.platform.strip().lower())
    since = time_span(query.since)[0] if query.since is not None else None
    until = time_span(query.until)[1] if query.until is not None else None
    if since is not None and until is not None and since >= until:
        raise InputError(f"--since {query.since} is not before --until {query.until}")
    if since is not None:
        q = q.where(items.c.created_at >= since)
    if until is not None:
        q = q.where(items.c.created_at < until)
    for tag in dict.fromkeys(query.tags):
        q = q.where(items.c.id.in_(select(tags.c.item_id).where(tags.c.tag == tag.strip())))
    q = q.order_by(*_order(query.sort, query.reverse))
    if query.limit is not None:
        if query.limit < 1:
            raise InputError("--limit must be at least 1")
        q = q.limit(query.limit)
    return _views(conn, conn.execute(q).all())


def list_items(conn: Connection, case_id: str | None = None) -> list[ItemView]:
    return find_items(conn, ItemQuery(case=case_id))


def all_item_ids(conn: Connection) -> list[str]:
    return [r.id for r in conn.execute(select(items.c.id).order_by(items.c.id))]
