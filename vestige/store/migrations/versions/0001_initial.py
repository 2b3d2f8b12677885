"""Initial catalog and ledger.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_APPEND_ONLY = ("ledger_entries", "ledger_nodes", "checkpoints", "timestamps")


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("title", sa.Text),
        sa.Column("description", sa.Text),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("entry_index", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("case_id", "seq"),
    )
    op.create_table(
        "artifacts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.String(100), sa.ForeignKey("items.id"), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("media_type", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("blake3", sa.String(64), nullable=False),
        sa.Column("blob_path", sa.Text, nullable=False),
    )
    op.create_index("ix_artifacts_item_id", "artifacts", ["item_id"])
    op.create_index("ix_artifacts_sha256", "artifacts", ["sha256"])
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.String(100), sa.ForeignKey("items.id"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("entry_index", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_notes_item_id", "notes", ["item_id"])
    op.create_table(
        "tags",
        sa.Column("item_id", sa.String(100), sa.ForeignKey("items.id"), primary_key=True),
        sa.Column("tag", sa.String(100), primary_key=True),
        sa.Column("entry_index", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(100)),
        sa.Column("case_id", sa.String(64)),
    )
    op.create_index("ix_ledger_entries_subject", "ledger_entries", ["subject"])
    op.create_index("ix_ledger_entries_case_id", "ledger_entries", ["case_id"])
    op.create_table(
        "ledger_nodes",
        sa.Column("level", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        "checkpoints",
        sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "timestamps",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("checkpoint_size", sa.BigInteger, sa.ForeignKey("checkpoints.size"), nullable=False),
        sa.Column("tsa_url", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("token", sa.LargeBinary),
        sa.Column("gen_time", sa.String(32)),
        sa.Column("error", sa.Text),
        sa.Column("attempted_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_timestamps_checkpoint_size", "timestamps", ["checkpoint_size"])
    _append_only_triggers()


def _append_only_triggers() -> None:
    # Defence in depth: the database itself refuses to rewrite custody records.
    dialect = op.get_bind().dialect.name
    if dialect != "sqlite":
        raise NotImplementedError(f"append-only triggers are written for SQLite, not {dialect}")
    for table in _APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def downgrade() -> None:
    raise NotImplementedError("the custody ledger cannot be downgraded")
