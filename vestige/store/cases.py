"""Cases: creating them as custody events, and their statistics in a few aggregate queries.

Statistics never load items one by one: each figure is one grouped query over the catalog or the
ledger's ``case_id`` index, so ``case list`` costs the same handful of queries at 10 or 100,000 exhibits.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, insert, select

from ..archive import Archive
from ..errors import InputError
from .catalog import case_exists, check_case_id
from .schema import artifacts, cases, items, ledger_entries

# Every case shows these, even at zero; any other state an item has is counted too.
STATES = ("complete", "partial", "failed")
MAX_TITLE = 200
MAX_DESCRIPTION = 10_000


@dataclass(frozen=True)
class LastActivity:
    """The newest ledger entry about the case."""

    time: str
    event: str
    subject: str | None
    entry_index: int

    def to_json(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "event": self.event,
            "subject": self.subject,
            "entry_index": self.entry_index,
        }


@dataclass(frozen=True)
class CaseSummary:
    id: str
    title: str | None
    description: str | None
    created_at: str
    exhibits: int = 0
    artifacts: int = 0
    size: int = 0  # bytes: every artifact of every exhibit (content shared by two exhibits counts twice)
    states: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    kinds: dict[str, int] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)  # ledger entries about the case, by event
    last_activity: LastActivity | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "created_at": self.created_at,
            "exhibits": self.exhibits,
            "artifacts": self.artifacts,
            "size": self.size,
            "states": self.states,
            "kinds": self.kinds,
            "events": self.events,
            "last_activity": self.last_activity.to_json() if self.last_activity else None,
        }


def _check_text(what: str, value: str | None, limit: int, *, multiline: bool) -> str | None:
    if value is None:
        return None
    value = value.strip()
    allowed = "\n\t" if multiline else "\t"
    if len(value) > limit or any((ord(c) < 32 and c not in allowed) or ord(c) == 127 for c in value):
        lines = "" if not multiline else ", line breaks allowed"
        raise InputError(f"the case {what} must be at most {limit} printable characters{lines}")
    return value or None


def create_case(
    archive: Archive, case_id: str, *, title: str | None = None, description: str | None = None
) -> int:
    """Create a case and record ``case.created`` with its title and description; returns the entry."""
    check_case_id(case_id)
    title = _check_text("title", title, MAX_TITLE, multiline=False)
    description = _check_text("description", description, MAX_DESCRIPTION, multiline=True)
    with archive.appending() as writer:
        if case_exists(writer.conn, case_id):
            raise InputError(f"case {case_id!r} already exists", hint=f"see: vestige case show {case_id}")
        now = archive.clock()
        writer.conn.execute(
            insert(cases).values(id=case_id, title=title, description=description, created_at=now)
        )
        details: dict[str, Any] = {"case": case_id}
        if title is not None:
            details["title"] = title
        if description is not None:
            details["description"] = description
        return writer.append("case.created", case_id, case_id, details).index


def get_case(conn: Connection, case_id: str) -> CaseSummary:
    found = case_summaries(conn, case_id)
    if not found:
        raise InputError(f"no case {case_id!r} in this archive", hint="see: vestige case list")
    return found[0]


def case_summaries(conn: Connection, case_id: str | None = None) -> list[CaseSummary]:
    """Every case (or one) with its statistics, ordered by case ID."""
    q = select(cases.c.id, cases.c.title, cases.c.description, cases.c.created_at).order_by(cases.c.id)
    if case_id is not None:
        q = q.where(cases.c.id == case_id)
    rows = conn.execute(q).all()
    if not rows:
        return []

    exhibits: dict[str, int] = {}
    states: dict[str, dict[str, int]] = {}
    kinds: dict[str, dict[str, int]] = {}
    q = select(items.c.case_id, items.c.state, items.c.kind, func.count()).group_by(
        items.c.case_id, items.c.state, items.c.kind
    )
    for cid, state, kind, n in conn.execute(_in_case(q, items.c.case_id, case_id)):
        exhibits[cid] = exhibits.get(cid, 0) + n
        by_state = states.setdefault(cid, dict.fromkeys(STATES, 0))
        by_state[state] = by_state.get(state, 0) + n
        by_kind = kinds.setdefault(cid, {})
        by_kind[kind] = by_kind.get(kind, 0) + n

    sizes: dict[str, tuple[int, int]] = {}
    q = (
        select(items.c.case_id, func.count(artifacts.c.id), func.coalesce(func.sum(artifacts.c.size), 0))
        .select_from(items.join(artifacts, artifacts.c.item_id == items.c.id))
        .group_by(items.c.case_id)
    )
    for cid, n, total in conn.execute(_in_case(q, items.c.case_id, case_id)):
        sizes[cid] = (int(n), int(total))

    newest: dict[str, int] = {}  # case -> index of its newest entry
    events: dict[str, dict[str, int]] = {}  # case -> event -> entries
    le = ledger_entries.c
    q = select(le.case_id, le.event, func.count(), func.max(le.idx))
    q = _in_case(q, le.case_id, case_id).group_by(le.case_id, le.event)
    for cid, event, n, idx in conn.execute(q):
        events.setdefault(cid, {})[event] = int(n)
        newest[cid] = max(newest.get(cid, -1), int(idx))
    activity = _entries_at(conn, newest.values())

    out = []
    for r in rows:
        n_artifacts, size = sizes.get(r.id, (0, 0))
        out.append(
            CaseSummary(
                id=r.id,
                title=r.title,
                description=r.description,
                created_at=r.created_at,
                exhibits=exhibits.get(r.id, 0),
                artifacts=n_artifacts,
                size=size,
                states=states.get(r.id, dict.fromkeys(STATES, 0)),
                kinds=kinds.get(r.id, {}),
                events=dict(sorted(events.get(r.id, {}).items())),
                last_activity=activity.get(newest.get(r.id, -1)),
            )
        )
    return out


def _in_case(q: Any, column: Any, case_id: str | None) -> Any:
    return q.where(column == case_id) if case_id is not None else q.where(column.is_not(None))


def _entries_at(conn: Connection, indexes: Iterable[int]) -> dict[int, LastActivity]:
    wanted = sorted(set(indexes))
    out: dict[int, LastActivity] = {}
    for start in range(0, len(wanted), 500):  # stay well under SQLite's bound-parameter limit
        chunk = wanted[start : start + 500]
        q = select(ledger_entries.c.idx, ledger_entries.c.body).where(ledger_entries.c.idx.in_(chunk))
        for idx, body in conn.execute(q):
            data = json.loads(body)
            out[int(idx)] = LastActivity(str(data["time"]), str(data["event"]), data["subject"], int(idx))
    return out
