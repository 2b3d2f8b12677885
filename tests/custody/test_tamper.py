"""The tamper matrix: real archives attacked the way an insider would, and what ``verify`` says.

Each test builds an archive through the CLI, edits its files or its SQLite catalog directly (dropping
the append-only triggers where needed), then runs ``vestige verify --json --no-record`` and checks the
exit code and that the report names the problem: the failing check, and a problem whose subject is
the entry, checkpoint, item or blob concerned.

The archive every test starts from (entries, then the checkpoints signed after each command)::

    0 archive.created   1 key.registered                          -> checkpoint 2
    2 case.created C1   3 item.added C1-0001                      -> checkpoint 4
    4 item.added C1-0002 (with a note)                            -> checkpoint 5
    5 item.added C1-0003                                          -> checkpoint 6
    6 note.added C1-0001                                          -> checkpoint 7
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vestige.clock import random_salt, utc_now
from vestige.custody.canonical import canonical_json
from vestige.custody.checkpoint import Checkpoint, sign_checkpoint
from vestige.custody.keys import load_key
from vestige.custody.ledger import make_entry
from vestige.custody.merkle import CompactRange, leaf_hash

from ..conftest import Cli

Report = dict[str, Any]

CASE = "C1"
ITEM_NOTE = "received from witness W-12"  # recorded with C1-0002 by `add --note` (entry 4)
LATER_NOTE = "shown to witness W-12"  # recorded on C1-0001 by `note` (entry 6)
CHECKPOINTS = (2, 4, 5, 6, 7)
SIZE = 7


@dataclass(frozen=True)
class Exhibit:
    id: str
    name: str
    sha256: str
    blake3: str
    size: int
    blob: Path

    @property
    def blob_subject(self) -> str:
        return f"blob {self.sha256[:16]}… (file {self.name})"


@dataclass(frozen=True)
class Built:
    root: Path
    items: list[Exhibit]  # C1-0001, C1-0002, C1-0003

    @property
    def db(self) -> Path:
        return self.root / "vestige.db"

    @property
    def origin(self) -> str:
        origin: str = json.loads((self.root / "config.json").read_text())["origin"]
        return origin

    def checkpoint_file(self, size: int) -> Path:
        return self.root / "checkpoints" / f"{size:012d}.txt"


# --- running verify and reading its report --------------------------------------------------------


def verify_json(vestige: Cli, *item_ids: str) -> tuple[int, Report]:
    res = vestige("verify", *item_ids, "--json", "--no-record")
    report: Report = res.json()
    return res.exit_code, report


def verify_problems(vestige: Cli, *item_ids: str) -> Report:
    """Run verify; it must exit 1 and report problems."""
    code, report = verify_json(vestige, *item_ids)
    assert code == 1, report
    assert report["result"] == "problems"
    assert report["problem_count"] > 0
    return report


def check(report: Report, number: int) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in report["checks"] if c["number"] == number)
    return found


def failed_checks(report: Report) -> set[int]:
    return {c["number"] for c in report["checks"] if c["status"] == "failed"}


def flagged(report: Report, number: int, subject: str, *words: str) -> dict[str, Any]:
    """Check ``number`` failed with a problem about exactly ``subject`` whose message has ``words``."""
    c = check(report, number)
    assert c["status"] == "failed", c
    for p in c["problems"]:
        if p["subject"] == subject and all(w.lower() in p["message"].lower() for w in words):
            hit: dict[str, Any] = p
            return hit
    raise AssertionError(
        f"check {number}: no problem about {subject!r} saying {words}; "
        f"got {json.dumps(c['problems'], ensure_ascii=False, indent=1)}"
    )


def subjects(report: Report, number: int, word: str) -> set[str]:
    return {p["subject"] for p in check(report, number)["problems"] if word in p["message"]}


# --- the attacker's tools -------------------------------------------------------------------------


@contextmanager
def open_db(
    built: Built, *, drop_triggers: bool = True, restore_triggers: bool = True
) -> Iterator[sqlite3.Connection]:
    """The catalog opened with plain sqlite3, append-only triggers dropped for the attack and (like a
    careful attacker) put back afterwards; commits on success."""
    con = sqlite3.connect(built.db)
    try:
        saved: list[tuple[str, str]] = []
        if drop_triggers:
            saved = list(con.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger'"))
            assert saved, "expected the append-only triggers"
            for name, _sql in saved:
                con.execute(f"DROP TRIGGER {name}")
        yield con
        if restore_triggers:
            for _name, sql in saved:
                con.execute(sql)
        con.commit()
    finally:
        con.close()


def entry_data(con: sqlite3.Connection, idx: int) -> dict[str, Any]:
    (body,) = con.execute("SELECT body FROM ledger_entries WHERE idx = ?", (idx,)).fetchone()
    data: dict[str, Any] = json.loads(body)
    return data


def write_entry(
    con: sqlite3.Connection, idx: int, data: dict[str, Any], *, recompute_leaf: bool = True
) -> None:
    """Replace the row at ``idx`` with ``data`` as canonical JSON (leaf hash kept stale if asked)."""
    body = canonical_json(data)
    con.execute(
        "UPDATE ledger_entries SET body = ?, event = ?, subject = ?, case_id = ? WHERE idx = ?",
        (body, data["event"], data["subject"], data["case"], idx),
    )
    if recompute_leaf:
        con.execute("UPDATE ledger_entries SET leaf_hash = ? WHERE idx = ?", (leaf_hash(body.encode()), idx))


def insert_entry(con: sqlite3.Connection, data: dict[str, Any]) -> None:
    body = canonical_json(data)
    con.execute(
        "INSERT INTO ledger_entries (idx, body, leaf_hash, event, subject, case_id) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (data["index"], body, leaf_hash(body.encode()), data["event"], data["subject"], data["case"]),
    )


def forged_entry(
    con: sqlite3.Connection, index: int, event: str, subject: str | None, details: dict[str, Any]
) -> dict[str, Any]:
    """A well-formed entry in the operator's name, as the tool would have written it."""
    actor = entry_data(con, 0)["actor"]
    entry = make_entry(
        index,
        time=utc_now(),
        actor=actor,
        event=event,
        subject=subject,
        case=CASE if subject else None,
        details=details,
        salt=random_salt(),
    )
    data: dict[str, Any] = json.loads(entry.body)
    return data


def move_entries(con: sqlite3.Connection, moves: dict[int, int]) -> None:
    """Renumber rows (old idx -> new idx) without primary-key clashes."""
    for old in moves:
        con.execute("UPDATE ledger_entries SET idx = ? WHERE idx = ?", (-1 - old, old))
    for old, new in moves.items():
        con.execute("UPDATE ledger_entries SET idx = ? WHERE idx = ?", (new, -1 - old))


def reindex_bodies(con: sqlite3.Connection) -> None:
    """Make every body's index agree with its row, recomputing leaf hashes (a careful insider)."""
    for (idx,) in con.execute("SELECT idx FROM ledger_entries").fetchall():
        data = entry_data(con, idx)
        if data["index"] != idx:
            write_entry(con, idx, {**data, "index": idx})


def leaves(con: sqlite3.Connection) -> list[bytes]:
    return [bytes(r[0]) for r in con.execute("SELECT leaf_hash FROM ledger_entries ORDER BY idx")]


def rebuild_nodes(con: sqlite3.Connection) -> None:
    """Recompute the stored perfect subtrees from the stored leaves."""
    con.execute("DELETE FROM ledger_nodes")
    rng = CompactRange()
    for leaf in leaves(con):
        for level, idx, digest in rng.append(leaf):
            con.execute("INSERT INTO ledger_nodes (level, idx, hash) VALUES (?, ?, ?)", (level, idx, digest))


def tree_root(con: sqlite3.Connection, size: int) -> bytes:
    rng = CompactRange()
    for leaf in leaves(con)[:size]:
        rng.append(leaf)
    return rng.root()


def signed_note(built: Built, size: int, root: bytes, key: Ed25519PrivateKey) -> str:
    return sign_checkpoint(Checkpoint(built.origin, size, root), built.origin, key).to_text()


def make_writable(path: Path) -> None:
    path.chmod(0o644)


def flip_byte(path: Path) -> None:
    make_writable(path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


# --- the archive under attack ---------------------------------------------------------------------


@pytest.fixture
def built(vestige: Cli, evidence: list[Path], archive_root: Path) -> Built:
    assert vestige("init", "--operator", "Test Operator").exit_code == 0
    assert vestige("add", str(evidence[0]), "--case", CASE).exit_code == 0
    assert vestige("add", str(evidence[1]), "--case", CASE, "--note", ITEM_NOTE).exit_code == 0
    assert vestige("add", str(evidence[2]), "--case", CASE).exit_code == 0
    assert vestige("note", f"{CASE}-0001", LATER_NOTE).exit_code == 0
    exhibits = []
    for n in (1, 2, 3):
        res = vestige("show", f"{CASE}-{n:04d}", "--json")
        assert res.exit_code == 0, res.stderr
        item = res.json()
        art = item["artifacts"][0]
        exhibits.append(
            Exhibit(item["id"], art["name"], art["sha256"], art["blake3"], art["size"], Path(art["path"]))
        )
    b = Built(archive_root, exhibits)
    assert sorted(int(p.stem) for p in (archive_root / "checkpoints").glob("*.txt")) == [*CHECKPOINTS]
    code, report = verify_json(vestige)  # the control: intact before the attack
    assert (code, report["result"], report["tree_size"]) == (0, "intact", SIZE), report
    return b


# --- 1, 2: evidence blobs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attack", "words"),
    [
        ("flip-one-byte", ("sha256 differs", "content changed")),
        ("delete", ("blob is missing",)),
    ],
)
def test_blob_tampering(built: Built, vestige: Cli, attack: str, words: tuple[str, ...]) -> None:
    target = built.items[1]
    if attack == "flip-one-byte":
        flip_byte(target.blob)
    else:
        make_writable(target.blob)
        target.blob.unlink()
    report = verify_problems(vestige)
    problem = flagged(report, 6, target.blob_subject, *words)
    if attack == "flip-one-byte":
        assert problem["expected"] == target.sha256
        assert problem["found"] != target.sha256
        flagged(report, 6, target.blob_subject, "blake3 differs")
    assert failed_checks(report) == {6}


def test_human_report_prints_the_problem_on_one_line(built: Built, vestige: Cli) -> None:
    target = built.items[0]
    flip_byte(target.blob)
    res = vestige("verify", "--no-record")
    assert res.exit_code == 1
    lines = res.stdout.splitlines()
    assert any(line.startswith("[FAIL] 6. ") for line in lines), res.stdout
    problem_lines = [line.strip() for line in lines if line.lstrip().startswith("- ")]
    assert (
        f"- {target.blob_subject}: sha256 differs: content changed (expected {target.sha256}, "
        "found " in "\n".join(problem_lines)
    ), res.stdout
    assert all(target.sha256 in line for line in problem_lines if "sha256 differs" in line)
    assert lines[-1].startswith("PROBLEMS FOUND ("), res.stdout


# --- 3: catalog artifact re-pointed to another item's blob ----------------------------------------


@pytest.mark.parametrize("columns", ["sha256-blake3-size-path", "blob_path-only"])
def test_artifact_repointed_to_another_blob(built: Built, vestige: Cli, columns: str) -> None:
    victim, other = built.items[0], built.items[1]
    other_path = str(other.blob.relative_to(built.root))
    with open_db(built, drop_triggers=False) as con:
        if columns == "blob_path-only":
            con.execute("UPDATE artifacts SET blob_path = ? WHERE item_id = ?", (other_path, victim.id))
        else:
            con.execute(
                "UPDATE artifacts SET sha256 = ?, blake3 = ?, size = ?, blob_path = ? WHERE item_id = ?",
                (other.sha256, other.blake3, other.size, other_path, victim.id),
            )
    report = verify_problems(vestige)
    if columns == "blob_path-only":
        p = flagged(report, 5, f"item {victim.id} artifact file", "points to another blob")
        assert p["found"] == other_path
    else:
        p = flagged(
            report, 5, f"item {victim.id}", "artifacts in the catalog differ", "from those in the ledger"
        )
        assert victim.sha256[:16] in p["expected"] and other.sha256[:16] in p["found"]
    assert failed_checks(report) == {5}


# --- 4: a ledger entry's body edited --------------------------------------------------------------


@pytest.mark.parametrize("recompute_leaf", [False, True], ids=["stale-leaf", "leaf-recomputed"])
def test_entry_body_edited(built: Built, vestige: Cli, recompute_leaf: bool) -> None:
    victim, other = built.items[0], built.items[1]  # entry 3 registers C1-0001
    with open_db(built) as con:
        data = entry_data(con, 3)
        assert data["subject"] == victim.id
        data["details"]["artifacts"][0]["sha256"] = other.sha256
        write_entry(con, 3, data, recompute_leaf=recompute_leaf)
    report = verify_problems(vestige)
    if not recompute_leaf:
        flagged(report, 2, "entry 3", "stored leaf hash does not match the body")
    else:
        flagged(report, 3, "tree nodes", "do not match the entries")
    # every checkpoint over entry 3 is inconsistent, the one before it is not
    assert subjects(report, 3, "inconsistent") == {
        "checkpoint 4",
        "checkpoint 5",
        "checkpoint 6",
        "checkpoint 7",
    }
    flagged(report, 3, "checkpoint 4", "ledger history is inconsistent with this checkpoint")
    flagged(report, 5, f"item {victim.id}", "artifacts in the catalog differ")


# --- 5: a ledger entry deleted --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deleted", "expect"),
    [
        (0, [(2, "entry 0", "missing or out of sequence"), (3, "checkpoint 2", "inconsistent")]),
        (
            1,
            [
                (2, "entry 1", "missing or out of sequence"),
                (3, "checkpoint 2", "inconsistent"),
                (1, "ledger", "no key registered"),
            ],
        ),
        (
            4,
            [
                (2, "entry 4", "missing or out of sequence"),
                (3, "checkpoint 5", "inconsistent"),
                (3, "checkpoint 7", "larger than the ledger"),
                (5, f"item {CASE}-0002", "never registered in the ledger"),
                (5, f"item {CASE}-0002 note", "differs from its ledger entry"),
            ],
        ),
        (
            6,
            [
                (3, "checkpoint 7", "larger than the ledger: entries were removed"),
                (5, f"item {CASE}-0001 note", "differs from its ledger entry"),
            ],
        ),
    ],
)
def test_entry_deleted(built: Built, vestige: Cli, deleted: int, expect: list[tuple[int, str, str]]) -> None:
    with open_db(built) as con:
        con.execute("DELETE FROM ledger_entries WHERE idx = ?", (deleted,))
    report = verify_problems(vestige)
    for number, subject, words in expect:
        flagged(report, number, subject, words)


# --- 6: an entry inserted in the middle -----------------------------------------------------------


@pytest.mark.parametrize("careful", [False, True], ids=["indexes-shifted", "bodies-reindexed"])
def test_entry_inserted_in_the_middle(built: Built, vestige: Cli, careful: bool) -> None:
    with open_db(built) as con:
        move_entries(con, {6: 7, 5: 6, 4: 5})
        insert_entry(
            con,
            forged_entry(
                con,
                4,
                "custody.transferred",
                f"{CASE}-0001",
                {"to": "someone else", "from": "Test Operator", "reason": None},
            ),
        )
        if careful:
            reindex_bodies(con)
            rebuild_nodes(con)
    report = verify_problems(vestige)
    if careful:
        flagged(report, 3, "entries 7..7", "not covered by any signed checkpoint")
        flagged(report, 5, f"item {CASE}-0002", "catalog row differs from its ledger entry")
    else:
        for idx in (5, 6, 7):
            flagged(report, 2, f"entry {idx}", f"body says index {idx - 1}")
    flagged(report, 3, "checkpoint 5", "ledger history is inconsistent with this checkpoint")
    assert subjects(report, 3, "inconsistent") == {"checkpoint 5", "checkpoint 6", "checkpoint 7"}


# --- 7: two entries swapped -----------------------------------------------------------------------


@pytest.mark.parametrize("careful", [False, True], ids=["rows-swapped", "bodies-reindexed"])
def test_entries_swapped(built: Built, vestige: Cli, careful: bool) -> None:
    with open_db(built) as con:
        move_entries(con, {4: 5, 5: 4})  # item.added C1-0002 <-> item.added C1-0003
        if careful:
            reindex_bodies(con)
            rebuild_nodes(con)
    report = verify_problems(vestige)
    if careful:
        flagged(report, 5, f"item {CASE}-0002", "catalog row differs from its ledger entry")
        flagged(report, 5, f"item {CASE}-0003", "catalog row differs from its ledger entry")
    else:
        flagged(report, 2, "entry 4", "body says index 5")
        flagged(report, 2, "entry 5", "body says index 4")
    flagged(report, 3, "checkpoint 5", "ledger history is inconsistent with this checkpoint")
    assert subjects(report, 3, "inconsistent") == {"checkpoint 5", "checkpoint 6", "checkpoint 7"}


# --- 8: an entry appended behind the tool's back --------------------------------------------------


@pytest.mark.parametrize(
    "then",
    [
        "nothing",
        "operator-adds-an-item",
    ],
)
def test_entry_appended_without_checkpoint(built: Built, vestige: Cli, tmp_path: Path, then: str) -> None:
    with open_db(built) as con:
        insert_entry(
            con,
            forged_entry(
                con,
                SIZE,
                "custody.transferred",
                f"{CASE}-0001",
                {"to": "someone else", "from": "Test Operator", "reason": "never happened"},
            ),
        )
        rebuild_nodes(con)  # careful: the stored tree nodes agree with the entries
    if then == "operator-adds-an-item":
        more = tmp_path / "more.txt"
        more.write_bytes(b"later evidence\n")
        res = vestige("add", str(more), "--case", CASE)
        # appending over an unsigned entry must be refused, leaving the forgery visible
        assert res.exit_code == 1, res.stdout
        assert "does not match its newest signed checkpoint" in res.stderr
    report = verify_problems(vestige)
    flagged(
        report,
        3,
        f"entries {SIZE}..{SIZE}",
        "not covered by any signed checkpoint (appended behind the tool's back)",
    )
    assert failed_checks(report) == {3}


# --- 9: a checkpoint forged with another key ------------------------------------------------------


def test_checkpoint_signed_with_another_key(built: Built, vestige: Cli) -> None:
    forger = Ed25519PrivateKey.generate()
    with open_db(built) as con:
        root = tree_root(con, SIZE)
        (stored_root,) = con.execute("SELECT root FROM checkpoints WHERE size = ?", (SIZE,)).fetchone()
        assert bytes(stored_root) == root
        note = signed_note(built, SIZE, root, forger)  # same origin, size and root: only the key differs
        con.execute("UPDATE checkpoints SET note = ? WHERE size = ?", (note, SIZE))
    path = built.checkpoint_file(SIZE)
    make_writable(path)
    path.write_text(note)
    report = verify_problems(vestige)
    flagged(report, 3, f"checkpoint {SIZE}", "signature is not valid for the registered operator key")
    assert subjects(report, 3, "signature") == {f"checkpoint {SIZE}"}
    assert failed_checks(report) == {3}


# --- 10: the operator's key files replaced --------------------------------------------------------


@pytest.mark.parametrize(
    "replaced",
    [
        "both",
        "private",
        "public",
    ],
)
def test_operator_key_files_replaced(built: Built, vestige: Cli, replaced: str) -> None:
    other = Ed25519PrivateKey.generate()
    keys = built.root / "keys"
    if replaced in ("both", "private"):
        path = keys / "operator.key"
        path.write_bytes(
            other.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        path.chmod(0o600)
    if replaced in ("both", "public"):
        (keys / "operator.pub").write_bytes(
            other.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    report = verify_problems(vestige)
    if replaced in ("both", "private"):
        flagged(report, 1, "operator key", "key file differs from the key registered in the ledger")
    if replaced in ("both", "public"):
        flagged(report, 1, "operator public key", "public key file differs from the key registered")
    assert failed_checks(report) == {1}


# --- 11: history rewritten with the real key ------------------------------------------------------


@pytest.mark.parametrize(
    "new_sizes",
    [
        pytest.param((8,), id="longer-history"),
        pytest.param((5, 6, 7), id="same-sizes"),
    ],
)
def test_history_rewritten_with_the_real_key(built: Built, vestige: Cli, new_sizes: tuple[int, ...]) -> None:
    """From entry 4 on, the ledger is rebuilt with C1-0002's note changed (and, for a longer history,
    one entry more) and freshly signed; the catalog is made to agree. Only the kept checkpoint files
    still hold the old history."""
    key = load_key(built.root / "keys" / "operator.key").private
    forged = "received from witness W-13"
    with open_db(built) as con:
        old = [entry_data(con, i) for i in range(4, SIZE)]
        con.execute("DELETE FROM ledger_entries WHERE idx >= 4")
        con.execute("DELETE FROM checkpoints WHERE size > 4")
        for data in old:
            details = dict(data["details"])
            if details.get("note") == ITEM_NOTE:
                details["note"] = forged
            insert_entry(con, forged_entry(con, data["index"], data["event"], data["subject"], details))
        for index in range(SIZE, max(new_sizes)):
            insert_entry(
                con,
                forged_entry(
                    con,
                    index,
                    "custody.transferred",
                    f"{CASE}-0002",
                    {"to": "court", "from": "Test Operator", "reason": None},
                ),
            )
        rebuild_nodes(con)
        for size in new_sizes:
            note = signed_note(built, size, tree_root(con, size), key)
            con.execute(
                "INSERT INTO checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?)",
                (size, tree_root(con, size), note, utc_now()),
            )
        con.execute("UPDATE notes SET text = ? WHERE text = ?", (forged, ITEM_NOTE))
    report = verify_problems(vestige)
    assert failed_checks(report) == {3}
    for size in (5, 6, 7):  # each kept file contradicts the rewritten history
        c = check(report, 3)
        hits = [
            p
            for p in c["problems"]
            if p["subject"] == f"checkpoint {size}"
            and ("rewritten" in p["message"] or "inconsistent" in p["message"])
        ]
        assert hits, f"checkpoint {size}: {c['problems']}"
    assert not {"checkpoint 2", "checkpoint 4"} & {p["subject"] for p in check(report, 3)["problems"]}


# --- 12: history truncated ------------------------------------------------------------------------


@pytest.mark.parametrize("catalog_cleaned", [False, True], ids=["catalog-left", "catalog-cleaned"])
def test_history_truncated(built: Built, vestige: Cli, catalog_cleaned: bool) -> None:
    with open_db(built) as con:
        con.execute("DELETE FROM ledger_entries WHERE idx >= 5")
        con.execute("DELETE FROM checkpoints WHERE size > 5")
        rebuild_nodes(con)
        if catalog_cleaned:  # remove what entries 5 and 6 recorded
            con.execute("DELETE FROM notes WHERE entry_index >= 5")
            con.execute("DELETE FROM artifacts WHERE item_id = ?", (f"{CASE}-0003",))
            con.execute("DELETE FROM items WHERE id = ?", (f"{CASE}-0003",))
    report = verify_problems(vestige)
    for size in (6, 7):
        p = flagged(report, 3, f"checkpoint {size}", "kept checkpoint file has no catalog row", "truncated")
        assert p["expected"] == str(built.checkpoint_file(size))
    if catalog_cleaned:
        assert failed_checks(report) == {3}
    else:
        flagged(report, 5, f"item {CASE}-0003", "never registered in the ledger")
        flagged(report, 5, f"item {CASE}-0001 note", "differs from its ledger entry")


# --- 13, 14: items removed from or planted in the catalog -----------------------------------------


def test_item_deleted_from_catalog(built: Built, vestige: Cli) -> None:
    victim = built.items[1]
    with open_db(built, drop_triggers=False) as con:
        for table, column in (("notes", "item_id"), ("artifacts", "item_id"), ("items", "id")):
            con.execute(f"DELETE FROM {table} WHERE {column} = ?", (victim.id,))
    report = verify_problems(vestige)
    flagged(report, 5, f"item {victim.id}", "recorded in the ledger but missing from the catalog")
    assert failed_checks(report) == {5}


def test_item_planted_in_catalog(built: Built, vestige: Cli) -> None:
    source = built.items[0]
    planted = f"{CASE}-0004"
    with open_db(built, drop_triggers=False) as con:
        con.execute(
            "INSERT INTO items (id, case_id, seq, kind, state, title, source, created_at, "
            "entry_index) VALUES (?, ?, 4, 'file', 'complete', 'x.pdf', 'x.pdf', ?, 5)",
            (planted, CASE, utc_now()),
        )
        con.execute(
            "INSERT INTO artifacts (item_id, role, name, media_type, size, sha256, blake3, "
            "blob_path) VALUES (?, 'file', 'x.pdf', 'application/pdf', ?, ?, ?, ?)",
            (planted, source.size, source.sha256, source.blake3, str(source.blob.relative_to(built.root))),
        )
    report = verify_problems(vestige)
    flagged(report, 5, f"item {planted}", "in the catalog but never registered in the ledger")
    assert failed_checks(report) == {5}


# --- 15: notes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "text", "attack"),
    [
        (f"{CASE}-0002", ITEM_NOTE, "edit"),
        (f"{CASE}-0001", LATER_NOTE, "edit"),
        (f"{CASE}-0001", LATER_NOTE, "delete"),
    ],
)
def test_note_tampered(built: Built, vestige: Cli, item: str, text: str, attack: str) -> None:
    with open_db(built, drop_triggers=False) as con:
        if attack == "edit":
            cur = con.execute(
                "UPDATE notes SET text = ? WHERE item_id = ? AND text = ?",
                (text.replace("W-12", "W-13"), item, text),
            )
        else:
            cur = con.execute("DELETE FROM notes WHERE item_id = ? AND text = ?", (item, text))
        assert cur.rowcount == 1
    report = verify_problems(vestige)
    message = "note differs from its ledger entry" if attack == "edit" else "missing from the catalog"
    p = flagged(report, 5, f"item {item} note", message)
    assert text in p["expected"]
    assert failed_checks(report) == {5}


@pytest.mark.parametrize(
    ("attack", "subject", "message"),
    [
        ("UPDATE tags SET tag = 'victim' WHERE tag = 'witness'", "0001", "differs from its ledger entry"),
        ("DELETE FROM tags WHERE tag = 'witness'", "0001", "missing from the catalog"),
        (f"INSERT INTO tags (item_id, tag, entry_index) VALUES ('{CASE}-0002', 'planted', 3)", "0002",
         "in the catalog but not in the ledger"),
    ],
    ids=["edit", "delete", "plant"],
)  # fmt: skip
def test_tag_tampered(built: Built, vestige: Cli, attack: str, subject: str, message: str) -> None:
    """Tags, like notes, exist only as custody events: the catalog's tag rows must match them."""
    assert vestige("tag", f"{CASE}-0001", "witness").exit_code == 0
    with open_db(built, drop_triggers=False) as con:
        assert con.execute(attack).rowcount == 1
    report = verify_problems(vestige)
    flagged(report, 5, f"item {CASE}-{subject} tag", message)
    assert failed_checks(report) == {5}


# --- 16: the append-only triggers -------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET body = body || ' ' WHERE idx = 3",
        "UPDATE ledger_entries SET leaf_hash = zeroblob(32) WHERE idx = 3",
        "DELETE FROM ledger_entries WHERE idx = 6",
        "UPDATE ledger_nodes SET hash = zeroblob(32)",
        "DELETE FROM ledger_nodes",
        "UPDATE checkpoints SET note = 'forged' WHERE size = 7",
        "DELETE FROM checkpoints",
    ],
)
def test_append_only_triggers_refuse_rewrites(built: Built, vestige: Cli, statement: str) -> None:
    with (
        open_db(built, drop_triggers=False) as con,
        pytest.raises(sqlite3.IntegrityError, match="is append-only"),
    ):
        con.execute(statement)
    code, report = verify_json(vestige)
    assert (code, report["result"]) == (0, "intact"), report


# --- 17: item mode ----------------------------------------------------------------------------------


def test_dropped_triggers_are_reported(built: Built, vestige: Cli) -> None:
    with open_db(built, restore_triggers=False):
        pass  # nothing else touched: the missing guard alone is evidence of an intrusion
    report = verify_problems(vestige)
    flagged(report, 2, "table ledger_entries", "append-only guard against UPDATE was removed")
    flagged(report, 2, "table checkpoints", "append-only guard against DELETE was removed")
    assert failed_checks(report) == {2}


@pytest.mark.parametrize("attack", ["blob-changed", "entry-edited"])
def test_item_verify_detects(built: Built, vestige: Cli, attack: str) -> None:
    target = built.items[1]  # entry 4
    if attack == "blob-changed":
        flip_byte(target.blob)
    else:
        with open_db(built) as con:
            data = entry_data(con, 4)
            assert data["subject"] == target.id
            data["time"] = "2020-01-01T00:00:00.000000Z"  # nothing the catalog could notice
            write_entry(con, 4, data, recompute_leaf=True)  # tree nodes left untouched
    report = verify_problems(vestige, target.id)
    assert report["scope"] == [target.id]
    if attack == "blob-changed":
        flagged(report, 6, target.blob_subject, "sha256 differs")
        assert failed_checks(report) == {6}
    else:
        flagged(report, 2, f"entry 4 (item.added {target.id})", "not included in the signed tree")
        assert failed_checks(report) == {2}


# --- 18: the control ----------------------------------------------------------------------------------


def test_clean_archive_is_intact_and_verification_is_recorded(built: Built, vestige: Cli) -> None:
    code, report = verify_json(vestige)
    assert (code, report["result"], report["problem_count"]) == (0, "intact", 0)
    assert failed_checks(report) == set()
    assert {c["number"]: c["status"] for c in report["checks"]} == {
        1: "passed",
        2: "passed",
        3: "passed",
        4: "not checked",
        5: "passed",
        6: "passed",
    }

    res = vestige("verify", "--json")  # recorded in the ledger
    assert res.exit_code == 0, res.stdout
    assert res.json()["recorded_as_entry"] == SIZE
    log = vestige("ledger", "log", "--json")
    last = log.json()[-1]
    assert (last["index"], last["event"]) == (SIZE, "verify.completed")
    assert last["details"]["result"] == "intact"
    assert last["details"]["tree_size"] == SIZE
    assert built.checkpoint_file(SIZE + 1).exists()

    code, after = verify_json(vestige)
    assert (code, after["result"], after["tree_size"]) == (0, "intact", SIZE + 1), after
