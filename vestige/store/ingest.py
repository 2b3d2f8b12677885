"""Preserve local files as exhibits: hash and store the blobs, then catalog and log them atomically."""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from ..archive import Archive
from ..custody.ledger import LedgerWriter
from ..errors import InputError
from ..faults import crash_point
from . import catalog, search
from .blobs import BlobDigest
from .schema import artifacts

if TYPE_CHECKING:  # capture pulls in mitmproxy and Playwright: load them only to capture
    from ..archiver.capture import CaptureResult


@dataclass(frozen=True)
class AddedItem:
    item: catalog.ItemView
    duplicate_of: list[str]  # earlier items holding the same content


@dataclass(frozen=True)
class TagResult:
    item: catalog.ItemView  # with its tags after tagging
    added: list[tuple[str, int]]  # tag, ledger index of its tag.added entry
    already: list[str]  # tags the item had already: nothing recorded


def display_name(path: Path) -> str:
    """The file name as text, with undecodable bytes shown as escapes rather than lost."""
    return os.fsencode(path.name).decode("utf-8", errors="backslashreplace")


def check_readable_file(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory", hint="add the files inside it")
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from exc


def media_type_for(name: str) -> str:
    return mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"


def ensure_case(conn: Connection, writer: LedgerWriter, case_id: str, now: str) -> None:
    if not catalog.case_exists(conn, case_id):
        catalog.insert_case(conn, case_id, now)
        writer.append("case.created", case_id, case_id, {"case": case_id})


def _register(
    writer: LedgerWriter,
    case_id: str,
    now: str,
    *,
    kind: str,
    event: str,
    state: str,
    reason: str | None,
    title: str | None,
    source: str,
    arts: list[catalog.ArtifactView],
    details: dict[str, object],
    note: str | None,
    text: str = "",
    platform: str | None = None,
) -> catalog.ItemView:
    """Give the next exhibit ID in the case, log the item with every artifact's digests, catalog it and
    index it for search (``text``: its page or file text), all in the writer's transaction."""
    conn = writer.conn
    seq = catalog.next_seq(conn, case_id)
    item_id = catalog.exhibit_id(case_id, seq)
    body: dict[str, object] = {"kind": kind, **details, "artifacts": [a.committed() for a in arts]}
    if note:
        body["note"] = note
    entry = writer.append(event, item_id, case_id, body)
    catalog.insert_item(
        conn,
        {
            "id": item_id,
            "case_id": case_id,
            "seq": seq,
            "kind": kind,
            "state": state,
            "reason": reason,
            "title": title,
            "source": source,
            "created_at": now,
            "entry_index": entry.index,
            "platform": platform,
        },
        arts,
    )
    if note:
        catalog.insert_note(conn, item_id, note, now, entry.index)
    search.index_item(conn, item_id, text, details.get("final_url"))
    return catalog.get_item(conn, item_id)


def _stored_arts(
    archive: Archive, stored: Sequence[tuple[str, str, str, BlobDigest]]
) -> list[catalog.ArtifactView]:
    relpath = archive.blobs.relpath_for
    return [
        catalog.ArtifactView(role, name, media_type, d.size, d.sha256, d.blake3, relpath(d.sha256))
        for role, name, media_type, d in stored
    ]


def add_files(
    archive: Archive, paths: Sequence[Path], case_id: str, note: str | None = None
) -> list[AddedItem]:
    """Add each file as one exhibit. Every file is checked before anything is stored."""
    catalog.check_case_id(case_id)
    if not paths:
        raise InputError("no files given")
    for path in paths:
        check_readable_file(path)
    digests: list[BlobDigest] = []
    for path in paths:
        try:
            digests.append(archive.blobs.ingest_file(path))
        except OSError as exc:
            raise InputError(f"{path}: cannot be read ({exc.strerror})") from exc
    crash_point("after-blobs")
    texts = [
        search.item_text(archive.root, [_file_artifact(archive, path, digest)])
        for path, digest in zip(paths, digests, strict=True)
    ]
    added: list[AddedItem] = []
    with archive.appending() as writer:
        conn = writer.conn
        now = archive.clock()
        ensure_case(conn, writer, case_id, now)
        for path, digest, text in zip(paths, digests, texts, strict=True):
            art = _file_artifact(archive, path, digest)
            name = display_name(path)
            earlier = [
                r.item_id
                for r in conn.execute(select(artifacts.c.item_id).where(artifacts.c.sha256 == digest.sha256))
            ]
            item = _register(
                writer,
                case_id,
                now,
                kind="file",
                event="item.added",
                state="complete",
                reason=None,
                title=name,
                source=name,
                arts=[art],
                details={"source": name},
                note=note,
                text=text,
            )
            added.append(AddedItem(item, sorted(set(earlier))))
    return added


def _file_artifact(archive: Archive, path: Path, digest: BlobDigest) -> catalog.ArtifactView:
    name = display_name(path)
    return catalog.ArtifactView(
        role="file",
        name=name,
        media_type=media_type_for(name),
        size=digest.size,
        sha256=digest.sha256,
        blake3=digest.blake3,
        blob_path=archive.blobs.relpath_for(digest.sha256),
    )


def add_note(archive: Archive, item_id: str, text: str) -> int:
    """Record a note on an exhibit as its own custody event; returns the ledger index."""
    if not text.strip():
        raise InputError("the note is empty")
    with archive.appending() as writer:
        item = catalog.get_item(writer.conn, item_id)
        entry = writer.append("note.added", item.id, item.case, {"note": text})
        catalog.insert_note(writer.conn, item.id, text, archive.clock(), entry.index)
        search.refresh_item(writer.conn, item.id)
    return entry.index


def _tag(writer: LedgerWriter, item: catalog.ItemView, tags: Sequence[str]) -> list[tuple[str, int]]:
    """Record each tag the item lacks as its own ``tag.added`` entry, with its catalog row."""
    added = []
    for tag in dict.fromkeys(tags):
        if tag in item.tags:
            continue
        entry = writer.append("tag.added", item.id, item.case, {"tag": tag})
        catalog.insert_tag(writer.conn, item.id, tag, entry.index)
        added.append((tag, entry.index))
    if added:
        search.refresh_item(writer.conn, item.id)
    return added


def add_tags(archive: Archive, item_id: str, tags: Sequence[str]) -> TagResult:
    """Tag an exhibit: each new tag a custody event; a tag it already has is left alone."""
    wanted = list(dict.fromkeys(catalog.check_tag(t) for t in tags))
    if not wanted:
        raise InputError("no tags given")
    with archive.appending() as writer:
        item = catalog.get_item(writer.conn, item_id)
        added = _tag(writer, item, wanted)
        after = catalog.get_item(writer.conn, item_id) if added else item
    return TagResult(after, added, [t for t in wanted if t in item.tags])


def post_summary(post: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the ledger entry says of a capture's post record (the whole record is its ``post`` artifact)."""
    if not post:
        return None
    author = post.get("author") or {}
    return {
        "platform": post.get("platform"),
        "page_state": post.get("page_state"),
        "post_id": post.get("post_id"),
        "canonical_url": post.get("canonical_url"),
        "author": {k: author.get(k) for k in ("display_name", "handle", "id")} if author else None,
        "posted_at": post.get("posted_at"),
    }


def _post_text(post: dict[str, Any]) -> str:
    """The words a search should find in a post record: author, text, and the listed messages."""
    parts: list[str] = []
    for p in [post, *(post.get("messages") or [])]:
        author = p.get("author") or {}
        parts += [author.get("display_name") or "", author.get("handle") or "", p.get("text") or ""]
    return "\n".join(x for x in parts if x)


def add_capture(
    archive: Archive,
    result: CaptureResult,
    case_id: str,
    note: str | None = None,
    tags: Sequence[str] = (),
) -> AddedItem:
    """Store a capture's files as one exhibit and record ``item.captured`` with every digest (and each
    of ``tags`` as a ``tag.added`` entry, in the same transaction)."""
    catalog.check_case_id(case_id)
    wanted = [catalog.check_tag(t) for t in tags]
    stored: list[tuple[str, str, str, BlobDigest]] = []
    for role, path, media_type in result.files:
        stored.append((role, path.name, media_type, archive.blobs.ingest_file(path)))
    crash_point("after-blobs")
    arts = _stored_arts(archive, stored)
    text = search.item_text(archive.root, arts)
    post = post_summary(result.post)
    if result.post:
        text = "\n".join(t for t in (text, _post_text(result.post)) if t)
    with archive.appending() as writer:
        conn = writer.conn
        now = archive.clock()
        ensure_case(conn, writer, case_id, now)
        details: dict[str, object] = {
            "url": result.url,
            "final_url": result.final_url,
            "state": result.state,
            "reason": result.reason,
            "http_status": result.http_status,
            "title": result.title,
            "started": result.started,
            "ended": result.ended,
        }
        if post is not None:
            details["post"] = post
        item = _register(
            writer,
            case_id,
            now,
            kind="capture",
            event="item.captured",
            state=result.state,
            reason=result.reason,
            title=result.title,
            source=result.url,
            arts=arts,
            details=details,
            note=note,
            text=text,
            platform=post["platform"] if post else None,
        )
        if _tag(writer, item, wanted):
            item = catalog.get_item(conn, item.id)
        return AddedItem(item, [])


@dataclass(frozen=True)
class ImportedSpec:
    """One exhibit received from another archive, its blobs already stored."""

    kind: str
    state: str
    reason: str | None
    title: str | None
    source: str
    stored: list[tuple[str, str, str, BlobDigest]]  # role, name, media type, digests
    details: dict[str, object]  # where it came from: archive, operator, item, entry, checkpoint


def add_imported(archive: Archive, case_id: str, specs: Sequence[ImportedSpec]) -> list[catalog.ItemView]:
    """Register received exhibits as ``item.imported``, each with every artifact's digests."""
    catalog.check_case_id(case_id)
    arts_of = [_stored_arts(archive, spec.stored) for spec in specs]
    texts = [search.item_text(archive.root, arts) for arts in arts_of]
    out = []
    with archive.appending() as writer:
        now = archive.clock()
        ensure_case(writer.conn, writer, case_id, now)
        for spec, arts, text in zip(specs, arts_of, texts, strict=True):
            out.append(
                _register(
                    writer,
                    case_id,
                    now,
                    kind=spec.kind,
                    event="item.imported",
                    state=spec.state,
                    reason=spec.reason,
                    title=spec.title,
                    source=spec.source,
                    arts=arts,
                    details=spec.details,
                    note=None,
                    text=text,
                )
            )
    return out
