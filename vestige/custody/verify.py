"""Verification of an archive, as a numbered checklist an expert can read top to bottom.

Each check reports passed, failed or not checked, and every problem names what it concerns (entry,
checkpoint, item, artifact), what was expected and what was found. Nothing here trusts a stored value
that it can recompute: leaf hashes, tree roots, digests and signatures are all computed afresh.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from ..archive import Archive, tsa_roots
from ..errors import ArchiveError, FormatError
from ..store import catalog
from ..store.blobs import BlobStore, digest_file
from ..store.schema import APPEND_ONLY_TABLES, items, notes, tags
from .canonical import parse_canonical
from .checkpoint import SignedCheckpoint
from .keys import fingerprint, load_public_key
from .ledger import ENTRY_KEYS, ENTRY_VERSION, EVENTS, ITEM_EVENTS, Entry, LedgerReader, StoredCheckpoint
from .merkle import CompactRange, leaf_hash, verify_inclusion
from .timestamps import stored_tokens, verify_token


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_CHECKED = "not checked"


@dataclass(frozen=True)
class Problem:
    subject: str  # e.g. "entry 12", "checkpoint 7", "item UKR-0001 artifact file"
    message: str
    expected: str | None = None
    found: str | None = None

    def line(self) -> str:
        out = f"{self.subject}: {self.message}"
        if self.expected is not None or self.found is not None:
            out += f" (expected {self.expected}, found {self.found})"
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "message": self.message,
            "expected": self.expected,
            "found": self.found,
        }


@dataclass
class Check:
    number: int
    name: str
    status: Status = Status.PASSED
    detail: str = ""
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def fail(self, problem: Problem) -> None:
        self.status = Status.FAILED
        self.problems.append(problem)

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "name": self.name,
            "status": self.status.value,
            "detail": self.detail,
            "problems": [p.to_json() for p in self.problems],
            "notes": self.notes,
        }


@dataclass
class VerifyReport:
    scope: list[str] | None  # None: the whole archive
    checks: list[Check]
    tree_size: int = 0
    root: str | None = None

    @property
    def ok(self) -> bool:
        return all(c.status is not Status.FAILED for c in self.checks)

    @property
    def problems(self) -> list[Problem]:
        return [p for c in self.checks for p in c.problems]

    def to_json(self) -> dict[str, Any]:
        return {
            "result": "intact" if self.ok else "problems",
            "scope": self.scope or "all",
            "tree_size": self.tree_size,
            "root": self.root,
            "problem_count": len(self.problems),
            "checks": [c.to_json() for c in self.checks],
        }


def _hex(b: bytes | None) -> str | None:
    return b.hex() if b is not None else None


@dataclass
class _LedgerFacts:
    """What the ledger itself says, gathered in one pass over the entries."""

    keys: dict[str, bytes] = field(default_factory=dict)  # key name -> public key
    item_entries: dict[str, Entry] = field(default_factory=dict)  # item -> registering entry
    item_artifacts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    note_entries: dict[int, tuple[str, str]] = field(default_factory=dict)  # index -> (item, text)
    tag_entries: dict[int, tuple[str, str]] = field(default_factory=dict)  # index -> (item, tag)
    roots: dict[int, bytes] = field(default_factory=dict)  # tree size -> recomputed root
    size: int = 0


def _parse_entry(entry: Entry) -> tuple[dict[str, Any] | None, str | None]:
    """The entry's fields, or why it is malformed. Checks form only; the tree checks its content."""
    try:
        data = parse_canonical(entry.body)
    except ValueError as exc:
        return None, f"body is not canonical JSON ({exc})"
    if not isinstance(data, dict) or sorted(data) != _SORTED_KEYS:
        return None, "body does not have the entry fields"
    if data["v"] != ENTRY_VERSION or data["event"] not in EVENTS:
        return None, f"unknown entry version or event {data.get('event')!r}"
    if data["index"] != entry.index:
        return None, f"body says index {data['index']}"
    if (data["event"], data["subject"], data["case"]) != (entry.event, entry.subject, entry.case):
        return None, "catalog columns (event, subject, case) differ from the entry body"
    return data, None


_SORTED_KEYS = sorted(ENTRY_KEYS)


def _scan_ledger(reader: LedgerReader, sizes: set[int], check: Check) -> _LedgerFacts:
    facts = _LedgerFacts()
    rng = CompactRange()
    expected = 0
    for entry in reader.entries():
        if entry.index != expected:
            check.fail(
                Problem(
                    f"entry {expected}",
                    "entries are missing or out of sequence",
                    str(expected),
                    str(entry.index),
                )
            )
            expected = entry.index
        computed = leaf_hash(entry.body.encode())
        if computed != entry.leaf_hash:
            check.fail(
                Problem(
                    f"entry {entry.index}",
                    "stored leaf hash does not match the body",
                    computed.hex(),
                    entry.leaf_hash.hex(),
                )
            )
        data, why = _parse_entry(entry)
        if data is None:
            check.fail(Problem(f"entry {entry.index}", str(why)))
        else:
            _collect(entry, data, facts)
        rng.append(computed)  # the tree is rebuilt from the bodies, never from stored hashes
        expected += 1
        if rng.size in sizes:
            facts.roots[rng.size] = rng.root()
    facts.size = rng.size
    facts.roots[rng.size] = rng.root()
    return facts


def _collect(entry: Entry, data: dict[str, Any], facts: _LedgerFacts) -> None:
    details = data["details"]
    if entry.event == "key.registered" and isinstance(details, dict):
        with contextlib.suppress(KeyError, ValueError, TypeError):
            facts.keys.setdefault(str(details["key_name"]), bytes.fromhex(details["public_key"]))
    elif entry.event in ITEM_EVENTS and entry.subject:
        facts.item_entries.setdefault(entry.subject, entry)
        arts = details.get("artifacts") if isinstance(details, dict) else None
        facts.item_artifacts.setdefault(entry.subject, arts if isinstance(arts, list) else [])
    elif entry.event == "note.added" and entry.subject and isinstance(details, dict):
        facts.note_entries[entry.index] = (entry.subject, str(details.get("note")))
    if entry.event == "tag.added" and entry.subject and isinstance(details, dict):
        facts.tag_entries[entry.index] = (entry.subject, str(details.get("tag")))
    if entry.event in ITEM_EVENTS and isinstance(details, dict) and "note" in details:
        facts.note_entries[entry.index] = (str(entry.subject), str(details["note"]))


def _check_key(archive: Archive, keys: dict[str, bytes], check: Check) -> bytes | None:
    """1. The operator key: registered in the ledger, and the key files match it."""
    registered = keys.get(archive.key_name)
    if registered is None:
        check.fail(Problem("ledger", f"no key registered under the name {archive.key_name!r}"))
        return None
    check.detail = f"{fingerprint(registered)} ({archive.config.operator})"
    try:
        key = archive.key()
    except ArchiveError as exc:
        check.fail(Problem("operator key", exc.message))
        return registered
    if key.public_bytes != registered:
        check.fail(
            Problem(
                "operator key",
                "key file differs from the key registered in the ledger",
                fingerprint(registered),
                key.fingerprint,
            )
        )
    try:
        public = load_public_key(archive.public_key_path)
    except ArchiveError as exc:
        check.fail(Problem("operator public key", exc.message))
        return registered
    if public != registered:
        check.fail(
            Problem(
                "operator public key",
                "public key file differs from the key registered in the ledger",
                fingerprint(registered),
                fingerprint(public),
            )
        )
    return registered


def _check_signed(
    archive: Archive,
    subject: str,
    note: str,
    facts: _LedgerFacts,
    public_key: bytes | None,
    check: Check,
    source: str = "",
) -> tuple[int, bool] | None:
    """Check one checkpoint against the recomputed tree; return (size, consistent) when validly signed."""
    try:
        signed = SignedCheckpoint.from_text(note)
    except FormatError as exc:
        check.fail(Problem(subject, f"{source}unreadable: {exc.message}"))
        return None
    body = signed.checkpoint
    signed_ok = public_key is not None and signed.verify(archive.key_name, public_key)
    if not signed_ok:
        check.fail(Problem(subject, f"{source}signature is not valid for the registered operator key"))
    if body.origin != archive.config.origin:
        check.fail(Problem(subject, f"{source}origin differs", archive.config.origin, body.origin))
    if body.size > facts.size:
        check.fail(
            Problem(
                subject,
                f"{source}signs a tree larger than the ledger: entries were removed",
                f">= {body.size} entries",
                f"{facts.size}",
            )
        )
        return (body.size, False) if signed_ok else None
    recomputed = facts.roots.get(body.size)
    if recomputed != body.root:
        check.fail(
            Problem(
                subject,
                f"{source}ledger history is inconsistent with this checkpoint "
                "(an entry was edited, inserted, removed or reordered, or the history rewritten)",
                f"root {body.root.hex()}",
                f"root {_hex(recomputed)}",
            )
        )
        return (body.size, False) if signed_ok else None
    return (body.size, True) if signed_ok else None


def _check_checkpoints(
    archive: Archive,
    stored: Sequence[StoredCheckpoint],
    files: dict[int, Path],
    facts: _LedgerFacts,
    public_key: bytes | None,
    check: Check,
) -> None:
    """3. Every kept checkpoint, in the catalog and on disk: signed by the registered key, and
    consistent with the recomputed tree at its size."""
    verdicts: dict[int, bool] = {}
    rows = {cp.size: cp for cp in stored}
    for cp in stored:
        subject = f"checkpoint {cp.size}"
        result = _check_signed(archive, subject, cp.note, facts, public_key, check)
        if result is not None:
            verdicts[result[0]] = verdicts.get(result[0], True) and result[1]
            if result[0] != cp.size or SignedCheckpoint.from_text(cp.note).checkpoint.root != cp.root:
                check.fail(Problem(subject, "catalog row differs from the signed checkpoint it holds"))
        path = files.get(cp.size)
        if path is None:
            if cp.size <= max(files, default=-1):
                check.fail(
                    Problem(
                        subject,
                        "its kept checkpoint file is missing",
                        str(archive.checkpoint_file(cp.size)),
                        "nothing",
                    )
                )
            else:
                check.notes.append(
                    f"{subject}: file not yet written (an append in progress or interrupted); "
                    "the next write repairs it"
                )
        elif path.read_text(errors="replace") != cp.note:
            check.fail(Problem(subject, "kept checkpoint file differs from the catalog copy"))
    for size, path in sorted(files.items()):
        row = rows.get(size)
        if row is not None and path.read_text(errors="replace") == row.note:
            continue  # checked above
        subject = f"checkpoint {size}"
        if row is None:
            check.fail(
                Problem(
                    subject,
                    "kept checkpoint file has no catalog row: the ledger was truncated or rewritten",
                    str(path),
                    "no row",
                )
            )
        text = path.read_text(errors="replace")
        result = _check_signed(archive, subject, text, facts, public_key, check, "kept file: ")
        if result is not None:
            verdicts[result[0]] = verdicts.get(result[0], True) and result[1]
    # Narrow it down: the change lies between the last checkpoint that still matches and the first
    # one that does not (removals past the end are reported above).
    bad = sorted(size for size, ok in verdicts.items() if not ok and size <= facts.size)
    if bad:
        good = max((size for size, ok in verdicts.items() if ok and size < bad[0]), default=0)
        check.fail(
            Problem(
                f"entries {good}..{bad[0] - 1}",
                f"the change lies in these entries: signed history matches up to checkpoint {good} "
                f"and differs from checkpoint {bad[0]} on",
            )
        )
    latest = max(rows, default=0)
    if facts.size > latest:
        check.fail(
            Problem(
                f"entries {latest}..{facts.size - 1}",
                "not covered by any signed checkpoint (appended behind the tool's back)",
            )
        )
    check.detail = f"{len(stored)} checkpoints, {len(files)} kept files, tree size {facts.size}"


def _check_triggers(conn: Connection, check: Check) -> None:
    """The database's own append-only guards are still in place (their absence shows an intrusion)."""
    if conn.dialect.name != "sqlite":
        return
    present = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    for table in APPEND_ONLY_TABLES:
        for action in ("update", "delete"):
            if f"{table}_no_{action}" not in present:
                check.fail(
                    Problem(
                        f"table {table}",
                        f"append-only guard against {action.upper()} was removed from the database",
                    )
                )


def _check_proof_cache(reader: LedgerReader, facts: _LedgerFacts, check: Check) -> None:
    """The stored right edge of the tree (what the next append builds on) matches the recomputed tree."""
    try:
        cached = reader.compact_range(facts.size).root()
    except LookupError as exc:
        check.fail(Problem("tree nodes", str(exc)))
        return
    if cached != facts.roots[facts.size]:
        check.fail(
            Problem(
                "tree nodes",
                "stored tree nodes do not match the entries",
                facts.roots[facts.size].hex(),
                cached.hex(),
            )
        )


def _check_timestamps(
    archive: Archive, conn: Connection, notes_by_size: dict[int, str], check: Check
) -> None:
    """4. Trusted timestamps: each token covers its checkpoint and verifies against its TSA's anchor."""
    attempts = stored_tokens(conn)
    if not attempts:
        check.status = Status.NOT_CHECKED
        check.detail = "no timestamps requested"
        return
    anchors = {t.url: tsa_roots(archive, t) for t in archive.config.tsa}
    granted = 0
    unanchored = 0
    for a in attempts:
        if a.state != "granted" or a.token is None:
            continue
        subject = f"timestamp of checkpoint {a.checkpoint_size} by {a.tsa_url}"
        note = notes_by_size.get(a.checkpoint_size)
        if note is None:
            check.fail(Problem(subject, "its checkpoint is missing"))
            continue
        roots = anchors.get(a.tsa_url, [])
        try:
            gen_time = verify_token(a.token, note.encode(), roots)
        except ValueError as exc:
            check.fail(Problem(subject, str(exc)))
            continue
        if gen_time != a.gen_time:
            check.fail(Problem(subject, "recorded time differs from the token", gen_time, str(a.gen_time)))
        granted += 1
        if not roots:
            unanchored += 1
    pending = {(a.checkpoint_size, a.tsa_url) for a in attempts if a.state == "failed"} - {
        (a.checkpoint_size, a.tsa_url) for a in attempts if a.state == "granted"
    }
    for size, url in sorted(pending):
        check.notes.append(f"checkpoint {size}: timestamp from {url} pending (retry with vestige timestamp)")
    if unanchored:
        check.notes.append(
            f"{unanchored} tokens checked without a TSA trust anchor (signature chain not checked)"
        )
    check.detail = f"{granted} tokens verified, {len(pending)} pending"


def _check_catalog(
    conn: Connection, facts: _LedgerFacts, item_ids: Sequence[str], whole: bool, check: Check
) -> list[catalog.ArtifactView]:
    """5. Catalog against ledger: every item registered, every artifact as committed."""
    arts: list[catalog.ArtifactView] = []
    for item_id in item_ids:
        subject = f"item {item_id}"
        row = conn.execute(select(items).where(items.c.id == item_id)).first()
        if row is None:
            check.fail(Problem(subject, "recorded in the ledger but missing from the catalog"))
            continue
        entry = facts.item_entries.get(item_id)
        if entry is None:
            check.fail(Problem(subject, "in the catalog but never registered in the ledger"))
            continue
        if row.entry_index != entry.index or row.case_id != entry.case:
            check.fail(
                Problem(
                    subject,
                    "catalog row differs from its ledger entry",
                    f"entry {entry.index}, case {entry.case}",
                    f"entry {row.entry_index}, case {row.case_id}",
                )
            )
        item_arts = catalog.item_artifacts(conn, item_id)
        committed = sorted(facts.item_artifacts.get(item_id, []), key=_canonical_key)
        found = sorted((a.committed() for a in item_arts), key=_canonical_key)
        if committed != found:
            check.fail(
                Problem(
                    subject,
                    "artifacts in the catalog differ from those in the ledger",
                    _brief(committed),
                    _brief(found),
                )
            )
        for a in item_arts:
            if a.blob_path != BlobStore.relpath_for(a.sha256):
                check.fail(
                    Problem(
                        f"{subject} artifact {a.role}",
                        "catalog points to another blob",
                        BlobStore.relpath_for(a.sha256),
                        a.blob_path,
                    )
                )
        arts.extend(item_arts)
    note_rows = conn.execute(select(notes)).all()
    for n in note_rows:
        if not whole and n.item_id not in item_ids:
            continue
        recorded = facts.note_entries.get(n.entry_index)
        if recorded != (n.item_id, n.text):
            check.fail(
                Problem(
                    f"item {n.item_id} note",
                    "note differs from its ledger entry",
                    repr(recorded),
                    repr((n.item_id, n.text)),
                )
            )
    rows_at = {n.entry_index for n in note_rows}
    for index, (item_id, text) in sorted(facts.note_entries.items()):
        if index not in rows_at and (whole or item_id in item_ids):
            check.fail(
                Problem(
                    f"item {item_id} note",
                    f"recorded in the ledger (entry {index}) but missing from the catalog",
                    repr(text),
                    "nothing",
                )
            )
    _check_tags(conn, facts, set(item_ids), whole, check)
    check.detail = f"{len(item_ids)} items, {len(arts)} artifacts"
    return arts


def _check_tags(conn: Connection, facts: _LedgerFacts, item_ids: set[str], whole: bool, check: Check) -> None:
    """Tags, like notes, exist only as ledger entries: the catalog's rows must be exactly those."""
    rows = {
        r.entry_index: (r.item_id, r.tag)
        for r in conn.execute(select(tags))
        if whole or r.item_id in item_ids
    }
    wanted = {i: t for i, t in facts.tag_entries.items() if whole or t[0] in item_ids}
    for index in sorted(set(rows) | set(wanted)):
        if rows.get(index) != wanted.get(index):
            item_id = (rows.get(index) or wanted[index])[0]
            where = "in the catalog but not in the ledger" if index not in wanted else (
                "recorded in the ledger but missing from the catalog" if index not in rows
                else "differs from its ledger entry"
            )  # fmt: skip
            check.fail(
                Problem(f"item {item_id} tag", f"tag {where} (entry {index})", repr(wanted.get(index)),
                        repr(rows.get(index)))
            )  # fmt: skip


def _canonical_key(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True)


def _brief(arts: list[dict[str, Any]]) -> str:
    return ", ".join(f"{a.get('role')}:{str(a.get('sha256'))[:16]}" for a in arts) or "none"


def _check_blobs(archive: Archive, arts: Sequence[catalog.ArtifactView], check: Check) -> None:
    """6. Every blob re-hashed: SHA-256, BLAKE3 and size as committed."""
    seen: set[str] = set()
    for a in arts:
        if a.sha256 in seen:
            continue
        seen.add(a.sha256)
        subject = f"blob {a.sha256[:16]}… ({a.role} {a.name or ''})".rstrip()
        path = archive.blobs.path_for(a.sha256)
        try:
            got = digest_file(path)
        except FileNotFoundError:
            check.fail(Problem(subject, "blob is missing", str(path), "nothing"))
            continue
        except OSError as exc:
            check.fail(Problem(subject, f"blob cannot be read: {exc.strerror}"))
            continue
        for name, want, have in (
            ("sha256", a.sha256, got.sha256),
            ("blake3", a.blake3, got.blake3),
            ("size", str(a.size), str(got.size)),
        ):
            if want != have:
                check.fail(Problem(subject, f"{name} differs: content changed", want, have))
        if stat.S_IMODE(os.stat(path).st_mode) & 0o222:
            check.notes.append(f"{subject}: blob is writable (should be read-only)")
    check.detail = f"{len(seen)} blobs re-hashed"


def _note_unreferenced_blobs(archive: Archive, referenced: set[str], check: Check) -> None:
    """Blobs no item refers to are left by an add that was interrupted before it committed: harmless
    (identical content added later reuses them), but said, since nothing in the store goes unexplained."""
    root = archive.root / "blobs" / "sha256"
    stray = [p for p in root.glob("*/*/*") if p.is_file() and p.name not in referenced]
    if stray:
        check.notes.append(
            f"{len(stray)} blobs are not referenced by any item (left by an interrupted add): "
            + ", ".join(p.name[:16] + "…" for p in stray[:5])
        )


def _check_inclusion(
    reader: LedgerReader,
    latest: StoredCheckpoint | None,
    item_ids: Sequence[str],
    public_key: bytes | None,
    archive: Archive,
    facts: _LedgerFacts,
    check: Check,
) -> None:
    """2'. Items only: each entry about the items is proven into the newest signed checkpoint."""
    if latest is None:
        check.fail(Problem("ledger", "no signed checkpoint"))
        return
    try:
        signed = SignedCheckpoint.from_text(latest.note)
    except FormatError as exc:
        check.fail(Problem(f"checkpoint {latest.size}", exc.message))
        return
    if public_key is None or not signed.verify(archive.key_name, public_key):
        check.fail(Problem(f"checkpoint {latest.size}", "signature is not valid"))
    root, size = signed.checkpoint.root, signed.checkpoint.size
    proven = 0
    for item_id in item_ids:
        for entry in reader.entries_about(item_id):
            subject = f"entry {entry.index} ({entry.event} {item_id})"
            data, why = _parse_entry(entry)
            if data is None:
                check.fail(Problem(subject, str(why)))
                continue
            _collect(entry, data, facts)
            try:
                proof = reader.inclusion_proof(entry.index, size)
            except (LookupError, ValueError) as exc:
                check.fail(Problem(subject, f"no inclusion proof: {exc}"))
                continue
            if not verify_inclusion(leaf_hash(entry.body.encode()), entry.index, size, proof, root):
                check.fail(
                    Problem(
                        subject,
                        "not included in the signed tree (entry or tree edited)",
                        f"root {root.hex()}",
                        "a proof that does not reach it",
                    )
                )
            else:
                proven += 1
    check.detail = f"{proven} entries proven into checkpoint {size}"


def verify_archive(archive: Archive, item_ids: Sequence[str] | None = None) -> VerifyReport:
    """Run every check (or, for ``item_ids``, those that concern these items) and report."""
    whole = not item_ids
    checks = [
        Check(1, "operator key registered in the ledger"),
        Check(
            2,
            "ledger entries well-formed and the tree recomputed"
            if whole
            else "item entries proven into the signed tree",
        ),
        Check(3, "signed checkpoints consistent with the ledger"),
        Check(4, "trusted timestamps"),
        Check(5, "catalog matches the ledger"),
        Check(6, "evidence blobs re-hashed"),
    ]
    report = VerifyReport(None if whole else list(item_ids or []), checks)
    # List the kept files before the snapshot starts: a file is written only after its row commits, so
    # every file listed has its row in the snapshot, and a concurrent append cannot look like tampering.
    files = archive.kept_checkpoint_files() if whole else {}
    with archive.reading() as conn:
        reader = LedgerReader(conn)
        stored = reader.checkpoints()
        if whole:
            facts = _scan_ledger(reader, {cp.size for cp in stored} | set(files), checks[1])
            _check_triggers(conn, checks[1])
            checks[1].detail = f"{facts.size} entries"
            public_key = _check_key(archive, facts.keys, checks[0])
            _check_checkpoints(archive, stored, files, facts, public_key, checks[2])
            _check_proof_cache(reader, facts, checks[2])
            ids = sorted(set(catalog.all_item_ids(conn)) | set(facts.item_entries))
            report.tree_size, report.root = facts.size, facts.roots[facts.size].hex()
        else:
            ids = list(dict.fromkeys(item_ids or []))
            for item_id in ids:
                catalog.get_item(conn, item_id)  # unknown item: a usage error, not a finding
            facts = _LedgerFacts()
            for e in reader.entries_of_event("key.registered"):
                data, _why = _parse_entry(e)
                if data is not None:
                    _collect(e, data, facts)
            public_key = _check_key(archive, facts.keys, checks[0])
            latest = stored[-1] if stored else None
            _check_inclusion(reader, latest, ids, public_key, archive, facts, checks[1])
            checks[2].status = Status.NOT_CHECKED
            checks[2].detail = "whole-ledger check: run vestige verify without items"
            if latest is not None:
                report.tree_size, report.root = latest.size, latest.root.hex()
        _check_timestamps(archive, conn, {cp.size: cp.note for cp in stored}, checks[3])
        arts = _check_catalog(conn, facts, ids, whole, checks[4])
    _check_blobs(archive, arts, checks[5])
    if whole:
        _note_unreferenced_blobs(archive, {a.sha256 for a in arts}, checks[5])
    return report


def record_verification(archive: Archive, report: VerifyReport) -> int:
    """Append the verification run and its result to the ledger; returns the entry index."""
    details = {
        "result": "intact" if report.ok else "problems",
        "scope": report.scope or "all",
        "tree_size": report.tree_size,
        "root": report.root,
        "problems": [p.line()[:300] for p in report.problems[:50]],
        "problem_count": len(report.problems),
    }
    with archive.appending() as writer:
        return writer.append("verify.completed", None, None, details).index
