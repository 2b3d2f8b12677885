"""Catalog tables (SQLAlchemy Core). Portable types only: SQLite by default, PostgreSQL later.

Times are ISO 8601 UTC strings with microseconds and a ``Z`` suffix, so they sort and compare as text.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("title", Text),
    Column("description", Text),
    Column("created_at", String(32), nullable=False),
)

items = Table(
    "items",
    metadata,
    Column("id", String(100), primary_key=True),  # the exhibit ID, e.g. UKR-2024-0007
    Column("case_id", String(64), ForeignKey("cases.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(16), nullable=False),  # file | capture
    Column("state", String(16), nullable=False),  # complete | partial | failed
    Column("reason", Text),
    Column("title", Text),
    Column("source", Text),  # original file name or URL
    Column("created_at", String(32), nullable=False),
    Column("entry_index", BigInteger, nullable=False),  # the ledger entry that registered it
    Column("platform", String(32)),  # social-media platform of a profile or post; null for pages, files
    UniqueConstraint("case_id", "seq"),
    Index("ix_items_created_at", "created_at"),
    Index("ix_items_case_id_created_at", "case_id", "created_at"),
    Index("ix_items_case_state_kind", "case_id", "state", "kind"),  # case statistics
)

artifacts = Table(
    "artifacts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", String(100), ForeignKey("items.id"), nullable=False, index=True),
    Column("role", String(32), nullable=False),
    Column("name", Text),
    Column("media_type", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("blake3", String(64), nullable=False),
    Column("blob_path", Text, nullable=False),  # relative to the archive root
    Index("ix_artifacts_item_size", "item_id", "size"),  # case sizes without reading the rows
)

notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", String(100), ForeignKey("items.id"), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("entry_index", BigInteger, nullable=False),
)

tags = Table(
    "tags",
    metadata,
    Column("item_id", String(100), ForeignKey("items.id"), primary_key=True),
    Column("tag", String(100), primary_key=True),
    Column("entry_index", BigInteger, nullable=False),  # the tag.added entry
    Index("ix_tags_tag", "tag"),
)

# The full-text search index is derived data, not evidence: rebuilt from the catalog and the blobs by
# ``vestige search --reindex``, never covered by the append-only guards, never read by ``verify``.
# One row per item; the FTS5 table ``search_index`` (store/search.py) uses it as its external content.
search_docs = Table(
    "search_docs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),  # the FTS rowid
    Column("item_id", String(100), nullable=False, unique=True),
    Column("case_id", String(64), nullable=False, index=True),
    Column("title", Text),
    Column("source", Text),  # URL (and final URL) or file name
    Column("text", Text),  # page text (the capture's ``text`` artifact), a text file, later post text
    Column("notes", Text),
    Column("tags", Text),
)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("body", Text, nullable=False),  # canonical JSON, the exact bytes hashed into the leaf
    Column("leaf_hash", LargeBinary(32), nullable=False),
    Column("event", String(64), nullable=False),
    Column("subject", String(100)),
    Column("case_id", String(64)),
    Index("ix_ledger_entries_subject", "subject"),
    Index("ix_ledger_entries_case_id", "case_id"),
    Index("ix_ledger_entries_case_event", "case_id", "event", "idx"),
)

# Perfect subtrees of level >= 1 (level 0 is ledger_entries.leaf_hash), kept so proofs cost O(log n).
ledger_nodes = Table(
    "ledger_nodes",
    metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),  # the signed note, exactly as signed
    Column("created_at", String(32), nullable=False),
)

timestamps = Table(
    "timestamps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("checkpoint_size", BigInteger, ForeignKey("checkpoints.size"), nullable=False, index=True),
    Column("tsa_url", Text, nullable=False),
    Column("state", String(16), nullable=False),  # granted | failed
    Column("token", LargeBinary),  # DER TimeStampResp
    Column("gen_time", String(32)),
    Column("error", Text),
    Column("attempted_at", String(32), nullable=False),
)

APPEND_ONLY_TABLES = ("ledger_entries", "ledger_nodes", "checkpoints", "timestamps")

# The newest migration (store/migrations/versions); a test keeps it equal to alembic's head, so opening an
# archive already at this revision need not load alembic, which costs more start-up time than the query.
SCHEMA_REVISION = "0002"
