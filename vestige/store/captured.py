"""What a batch has already done: URLs of a case captured completely, for resuming a batch."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from ..archive import Archive
from .schema import items

_CHUNK = 500  # SQLite's bound-parameter limit is generous, but large IN lists are slow to plan


def completed_captures(archive: Archive, case_id: str, urls: Sequence[str]) -> dict[str, str]:
    """URL -> the exhibit that holds a complete capture of it in ``case_id`` (the first, by ID)."""
    found: dict[str, str] = {}
    with archive.reading() as conn:
        for start in range(0, len(urls), _CHUNK):
            chunk = list(urls[start : start + _CHUNK])
            q = (
                select(items.c.source, items.c.id)
                .where(
                    items.c.case_id == case_id,
                    items.c.kind == "capture",
                    items.c.state == "complete",
                    items.c.source.in_(chunk),
                )
                .order_by(items.c.seq)
            )
            for source, item_id in conn.execute(q):
                found.setdefault(source, item_id)
    return found
