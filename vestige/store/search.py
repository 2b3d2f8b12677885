"""Full-text search over exhibits: SQLite FTS5, ranked with BM25, with snippets.

The index is derived data, not evidence. It is written in the same transaction as the catalog rows it
describes, but nothing trusts it: ``vestige verify`` never reads it, the append-only guards do not cover
it, and ``rebuild`` (``vestige search --reindex``) recreates it from the catalog, the ledger and the
blobs. A damaged index never stops evidence from being stored: its update is rolled back to a savepoint,
the index is marked stale, and searches say so until it is rebuilt.

Layout: ``search_docs`` (schema.py) holds one row per item with the text to search: title, source (URL,
final URL after redirects, or file name), text (the page's visible text from a capture's ``text``
artifact, or a plain-text file's content: the first ``TEXT_LIMIT`` bytes; later a post's text), notes
and tags. ``search_index`` is an FTS5 table over it with external content (``content='search_docs'``),
so the text is stored once and snippets are cut from it; triggers keep the two in step. The tokenizer
(``unicode61 remove_diacritics 2``) folds case in every script and the diacritics of Latin letters:
``kyiv`` finds ``Kyiv``, ``cafe`` finds ``café``, ``київ`` finds ``КИЇВ``; Cyrillic ``ї`` and ``й`` are
letters of their own and are not folded to ``і`` and ``и``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy.exc
from sqlalchemy import Connection, delete, insert, select, text, update

from ..errors import ArchiveError, InputError
from . import catalog
from .schema import items, ledger_entries, meta, search_docs

TOKENIZER = "unicode61 remove_diacritics 2"
FIELDS = ("title", "source", "text", "notes", "tags")
# BM25 weight per field, in FIELDS order: a word in the title counts ten times one in the page text.
WEIGHTS = (10.0, 4.0, 1.0, 2.0, 3.0)
TEXT_LIMIT = 4 << 20  # bytes of text indexed per item
STALE_KEY = "search_index_stale"

# Snippet markers: control characters, which never survive into displayed text (see ``display``).
MARK_OPEN, MARK_CLOSE = "\x02", "\x03"

_COLS = ", ".join(FIELDS)
_NEW = ", ".join(f"new.{f}" for f in FIELDS)
_OLD = ", ".join(f"old.{f}" for f in FIELDS)
# The FTS table and the triggers that keep it in step with search_docs (the external-content recipe of
# https://sqlite.org/fts5.html#external_content_tables). Migration 0002 holds a frozen copy.
FTS_DDL = (
    f"CREATE VIRTUAL TABLE search_index USING fts5({_COLS}, content='search_docs', content_rowid='id', "
    f"tokenize='{TOKENIZER}')",
    f"CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN "
    f"INSERT INTO search_index(rowid, {_COLS}) VALUES (new.id, {_NEW}); END",
    f"CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN "
    f"INSERT INTO search_index(search_index, rowid, {_COLS}) VALUES ('delete', old.id, {_OLD}); END",
    f"CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN "
    f"INSERT INTO search_index(search_index, rowid, {_COLS}) VALUES ('delete', old.id, {_OLD}); "
    f"INSERT INTO search_index(rowid, {_COLS}) VALUES (new.id, {_NEW}); END",
)
_DROP = (
    "DROP TRIGGER IF EXISTS search_docs_ai",
    "DROP TRIGGER IF EXISTS search_docs_ad",
    "DROP TRIGGER IF EXISTS search_docs_au",
    "DROP TABLE IF EXISTS search_index",
    "DROP TABLE IF EXISTS search_docs",
)


# --- what is indexed -----------------------------------------------------------------------------------


def is_text_artifact(role: str, media_type: str) -> bool:
    """A capture's visible text, or a plain-text file added as evidence."""
    return role == "text" or (role == "file" and media_type.split(";")[0].strip().lower() == "text/plain")


def read_text(path: Path) -> str:
    """The first ``TEXT_LIMIT`` bytes of a text blob as UTF-8 (undecodable bytes replaced)."""
    with open(path, "rb") as fp:
        return fp.read(TEXT_LIMIT).decode("utf-8", errors="replace")


def item_text(root: Path, arts: Iterable[catalog.ArtifactView]) -> str:
    """The searchable text of an item's artifacts; a blob that cannot be read adds nothing."""
    parts = []
    for a in arts:
        if is_text_artifact(a.role, a.media_type):
            try:
                parts.append(read_text(root / a.blob_path))
            except OSError:
                continue  # verify reports missing blobs; the index just lacks their words
    return "\n".join(parts)


def _joined(values: Iterable[str | None]) -> str:
    return "\n".join(dict.fromkeys(v for v in values if v))


def _doc(item: catalog.ItemView, text: str, final_url: object) -> dict[str, object]:
    return {
        "item_id": item.id,
        "case_id": item.case,
        "title": item.title,
        "source": _joined([item.source, final_url if isinstance(final_url, str) else None]),
        "text": text,
        "notes": _joined(n["text"] for n in item.notes),
        "tags": _joined(item.tags),
    }


# --- keeping the index up to date (inside the caller's write transaction) ------------------------------


def _guarded(conn: Connection, what: str, write: Callable[[], bool]) -> None:
    """Run an index update in a savepoint; if the index is damaged, roll it back and mark it stale.

    ``write`` returns False when the index lacks what it should update (also a stale index)."""
    try:
        with conn.begin_nested():
            if write():
                return
            reason = f"{what}: not in the index"
    except sqlalchemy.exc.DatabaseError as exc:
        reason = f"{what}: {exc.orig}"
    conn.execute(delete(meta).where(meta.c.key == STALE_KEY))
    conn.execute(insert(meta).values(key=STALE_KEY, value=reason[:500]))


def index_item(conn: Connection, item_id: str, text: str = "", final_url: object = None) -> None:
    """Index a newly registered item: its title, source, ``final_url``, ``text``, notes and tags."""
    doc = _doc(catalog.get_item(conn, item_id), text, final_url)

    def write() -> bool:
        conn.execute(delete(search_docs).where(search_docs.c.item_id == item_id))
        conn.execute(insert(search_docs).values(doc))
        return True

    _guarded(conn, f"indexing {item_id}", write)


def refresh_item(conn: Connection, item_id: str) -> None:
    """Re-index an item's notes and tags after one was added."""
    item = catalog.get_item(conn, item_id)
    values = {"notes": _joined(n["text"] for n in item.notes), "tags": _joined(item.tags)}

    def write() -> bool:
        q = update(search_docs).where(search_docs.c.item_id == item_id).values(values)
        return bool(conn.execute(q).rowcount)

    _guarded(conn, f"re-indexing {item_id}", write)


def stale_reason(conn: Connection) -> str | None:
    """Why the index is known to be incomplete, or None."""
    try:
        return conn.execute(select(meta.c.value).where(meta.c.key == STALE_KEY)).scalar()
    except sqlalchemy.exc.DatabaseError:
        return None


@dataclass(frozen=True)
class RebuildReport:
    items: int
    unreadable_text: list[str]  # items whose text blob could not be read


def rebuild(conn: Connection, root: Path) -> RebuildReport:
    """Drop the index and build it again from the catalog, the ledger and the text blobs under ``root``."""
    for stmt in _DROP:
        conn.exec_driver_sql(stmt)
    search_docs.create(conn)
    for stmt in FTS_DDL:
        conn.exec_driver_sql(stmt)
    ids = [r.id for r in conn.execute(select(items.c.id).order_by(items.c.case_id, items.c.seq))]
    unreadable: list[str] = []
    for start in range(0, len(ids), 500):
        views = catalog.items_by_id(conn, ids[start : start + 500])
        bodies = {
            r.idx: r.body
            for r in conn.execute(
                select(ledger_entries.c.idx, ledger_entries.c.body).where(
                    ledger_entries.c.idx.in_([v.entry_index for v in views])
                )
            )
        }
        docs = []
        for view in views:
            final_url = _final_url(bodies.get(view.entry_index))
            text_arts = [a for a in view.artifacts if is_text_artifact(a.role, a.media_type)]
            if any(not (root / a.blob_path).is_file() for a in text_arts):
                unreadable.append(view.id)
            docs.append(_doc(view, item_text(root, text_arts), final_url))
        if docs:
            conn.execute(insert(search_docs), docs)
    conn.execute(delete(meta).where(meta.c.key == STALE_KEY))
    return RebuildReport(len(ids), unreadable)


def _final_url(body: str | None) -> object:
    try:
        details = json.loads(body or "{}").get("details")
        return details.get("final_url") if isinstance(details, dict) else None
    except (ValueError, AttributeError):
        return None


# --- searching -----------------------------------------------------------------------------------------


def match_expression(query: str) -> str:
    """The user's words as an FTS5 query in which every word is a quoted string, so no input is syntax.

    Words must all occur (in any field). A trailing ``*`` makes a word a prefix (``kyi*``); every other
    character is literal: ``"``, ``-``, ``NEAR``, ``OR``, ``:`` and brackets mean nothing. A word with no
    letters or digits cannot match anything and is left out."""
    terms = []
    for word in query.split():
        prefix = word.endswith("*")
        word = "".join(c if c.isprintable() else " " for c in word.rstrip("*")).strip()
        if not any(c.isalnum() for c in word):
            continue
        terms.append('"' + word.replace('"', '""') + '"' + ("*" if prefix else ""))
    return " ".join(terms)


@dataclass(frozen=True)
class SearchHit:
    item: catalog.ItemView
    score: float  # BM25 with the field weights: higher is better
    snippet: str  # matched words between MARK_OPEN and MARK_CLOSE
    matched: list[str]  # the fields with a match, in FIELDS order

    def marked_snippet(self, open_mark: str = "[", close_mark: str = "]") -> str:
        return self.snippet.replace(MARK_OPEN, open_mark).replace(MARK_CLOSE, close_mark)


_RANKED = (
    "SELECT d.id AS doc, d.item_id AS item_id, bm25(search_index, {weights}) AS bm25 "
    "FROM search_index JOIN search_docs AS d ON d.id = search_index.rowid "
    "JOIN items AS i ON i.id = d.item_id "
    "WHERE search_index MATCH :q {case} ORDER BY bm25, d.item_id LIMIT :limit"
)
_SNIPPETS = (
    "SELECT snippet(search_index, -1, :o, :c, '…', 24) AS best, "
    + ", ".join(f"snippet(search_index, {i}, :o, :c, '', 4) AS f{i}" for i in range(len(FIELDS)))
    + " FROM search_index WHERE search_index MATCH :q AND rowid = :doc"
)
_SPACE = re.compile(r"\s+")


def search(
    conn: Connection, query: str, *, case: str | None = None, limit: int = 20, raw: bool = False
) -> list[SearchHit]:
    """Items matching ``query``, best first. ``raw``: the query is FTS5 syntax, used as it is."""
    if limit < 1:
        raise InputError("--limit must be at least 1")
    expression = query.strip() if raw else match_expression(query)
    if not expression:
        raise InputError("nothing to search for", hint="give at least one word or number")
    sql = _RANKED.format(
        weights=", ".join(str(w) for w in WEIGHTS), case="AND d.case_id = :case" if case else ""
    )
    params: dict[str, object] = {"q": expression, "limit": limit}
    if case:
        params["case"] = case
    try:
        ranked = conn.execute(text(sql), params).all()
        snippets = {
            r.doc: conn.execute(
                text(_SNIPPETS), {"q": expression, "doc": r.doc, "o": MARK_OPEN, "c": MARK_CLOSE}
            ).one()
            for r in ranked
        }
    except sqlalchemy.exc.DatabaseError as exc:
        message = str(exc.orig)
        damaged = any(w in message for w in ("no such table", "malformed", "corrupt", "no such module"))
        if raw and not damaged:
            raise InputError(
                f"not a valid FTS5 query: {message}",
                hint="see https://sqlite.org/fts5.html#full_text_query_syntax, or search without --raw",
            ) from exc
        raise ArchiveError(
            f"the search index is damaged or missing ({message})",
            hint="rebuild it with: vestige search --reindex",
        ) from exc
    views = {v.id: v for v in catalog.items_by_id(conn, [r.item_id for r in ranked])}
    hits = []
    for r in ranked:
        s = snippets[r.doc]
        matched = [f for i, f in enumerate(FIELDS) if MARK_OPEN in (s[i + 1] or "")]
        hits.append(
            SearchHit(
                views[r.item_id], float(f"{-r.bm25:.6g}"), _SPACE.sub(" ", s.best or "").strip(), matched
            )
        )
    return hits


def item_fields(conn: Connection, item_id: str) -> dict[str, str] | None:
    """What the index holds for an item (for tests and diagnostics)."""
    row = conn.execute(select(search_docs).where(search_docs.c.item_id == item_id)).first()
    return {f: getattr(row, f) or "" for f in FIELDS} if row else None
