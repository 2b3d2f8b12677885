"""Finding evidence: items.platform, indexes for list filters, the full-text search index.

The search index (``search_docs`` and the FTS5 table ``search_index`` over it, see store/search.py) is
derived data: no append-only guards, never read by verify. Existing archives get it filled here, from
the catalog, the ledger (a capture's final URL) and the text blobs, which live beside the database file.
A blob that cannot be read leaves its item's text out; ``vestige search --reindex`` rebuilds it all.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TEXT_LIMIT = 4 << 20
_FIELDS = "title, source, text, notes, tags"
_NEW = "new.title, new.source, new.text, new.notes, new.tags"
_OLD = "old.title, old.source, old.text, old.notes, old.tags"
# Frozen copy of store/search.py's FTS_DDL as of this revision (a test keeps the two equal).
_FTS_DDL = (
    f"CREATE VIRTUAL TABLE search_index USING fts5({_FIELDS}, content='search_docs', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN "
    f"INSERT INTO search_index(rowid, {_FIELDS}) VALUES (new.id, {_NEW}); END",
    "CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN "
    f"INSERT INTO search_index(search_index, rowid, {_FIELDS}) VALUES ('delete', old.id, {_OLD}); END",
    "CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN "
    f"INSERT INTO search_index(search_index, rowid, {_FIELDS}) VALUES ('delete', old.id, {_OLD}); "
    f"INSERT INTO search_index(rowid, {_FIELDS}) VALUES (new.id, {_NEW}); END",
)


def upgrade() -> None:
    op.add_column("items", sa.Column("platform", sa.String(32)))
    op.create_index("ix_items_created_at", "items", ["created_at"])
    op.create_index("ix_items_case_id_created_at", "items", ["case_id", "created_at"])
    op.create_index("ix_tags_tag", "tags", ["tag"])
    # Covering indexes for case statistics (vestige case list/show) on large archives.
    op.create_index("ix_items_case_state_kind", "items", ["case_id", "state", "kind"])
    op.create_index("ix_artifacts_item_size", "artifacts", ["item_id", "size"])
    op.create_index("ix_ledger_entries_case_event", "ledger_entries", ["case_id", "event", "idx"])
    op.create_table(
        "search_docs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.String(100), nullable=False, unique=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("text", sa.Text),
        sa.Column("notes", sa.Text),
        sa.Column("tags", sa.Text),
    )
    op.create_index("ix_search_docs_case_id", "search_docs", ["case_id"])
    for stmt in _FTS_DDL:
        op.execute(stmt)
    _backfill(op.get_bind())


def _archive_root(bind: sa.Connection) -> Path | None:
    for row in bind.exec_driver_sql("PRAGMA database_list"):
        if row[1] == "main" and row[2]:
            return Path(row[2]).parent
    return None


def _text(root: Path | None, blob_path: str) -> str | None:
    if root is None:
        return None
    try:
        with open(root / blob_path, "rb") as fp:
            return fp.read(_TEXT_LIMIT).decode("utf-8", errors="replace")
    except OSError:
        return None  # verify reports the missing blob; the index just lacks its words


def _joined(values: list[str | None]) -> str:
    return "\n".join(dict.fromkeys(v for v in values if v))


def _backfill(bind: sa.Connection) -> None:
    root = _archive_root(bind)
    sql = bind.exec_driver_sql
    texts: dict[str, list[str]] = defaultdict(list)
    for item_id, role, media_type, blob_path in sql(
        "SELECT item_id, role, media_type, blob_path FROM artifacts ORDER BY id"
    ):
        if role == "text" or (role == "file" and media_type.split(";")[0].strip().lower() == "text/plain"):
            content = _text(root, blob_path)
            if content is not None:
                texts[item_id].append(content)
    item_notes: dict[str, list[str]] = defaultdict(list)
    for item_id, note in sql("SELECT item_id, text FROM notes ORDER BY id"):
        item_notes[item_id].append(note)
    item_tags: dict[str, list[str]] = defaultdict(list)
    for item_id, tag in sql("SELECT item_id, tag FROM tags ORDER BY item_id, tag"):
        item_tags[item_id].append(tag)
    rows = sql(
        "SELECT i.id, i.case_id, i.title, i.source, e.body FROM items AS i "
        "LEFT JOIN ledger_entries AS e ON e.idx = i.entry_index ORDER BY i.case_id, i.seq"
    ).all()
    for item_id, case_id, title, source, body in rows:
        final_url = None
        try:
            details = json.loads(body or "{}").get("details")
            final_url = details.get("final_url") if isinstance(details, dict) else None
        except (ValueError, AttributeError):
            pass
        sql(
            "INSERT INTO search_docs (item_id, case_id, title, source, text, notes, tags) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                item_id,
                case_id,
                title,
                _joined([source, final_url if isinstance(final_url, str) else None]),
                "\n".join(texts[item_id]),
                _joined(list(item_notes[item_id])),
                _joined(list(item_tags[item_id])),
            ),
        )


def downgrade() -> None:
    raise NotImplementedError("the catalog cannot be downgraded")
