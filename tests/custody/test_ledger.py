"""Ledger entries byte for byte, and proofs from stored tree nodes against the in-memory maths."""

from __future__ import annotations

import itertools
from pathlib import Path

from vestige.archive import Archive
from vestige.custody import merkle
from vestige.custody.ledger import EventSpec, LedgerReader, make_entry

GOLDEN_BODY = (
    '{"actor":{"key":"ed25519:00","name":"Olena"},"case":"UKR-1","details":{"artifacts":'
    '[{"blake3":"b3","sha256":"s2"}],"note":"Свідок W-12"},"event":"item.added","index":7,'
    '"salt":"AAAAAAAAAAAAAAAAAAAAAA==","subject":"UKR-1-0001","time":"2024-03-02T07:40:00.000000Z","v":1}'
)


def test_entry_is_canonical_json_with_fixed_bytes() -> None:
    entry = make_entry(
        7,
        time="2024-03-02T07:40:00.000000Z",
        actor={"name": "Olena", "key": "ed25519:00"},
        event="item.added",
        subject="UKR-1-0001",
        case="UKR-1",
        details={"note": "Свідок W-12", "artifacts": [{"sha256": "s2", "blake3": "b3"}]},
        salt="AAAAAAAAAAAAAAAAAAAAAA==",
    )
    assert entry.body == GOLDEN_BODY
    assert entry.leaf_hash == merkle.leaf_hash(GOLDEN_BODY.encode())
    assert entry.data["details"]["note"] == "Свідок W-12"


def test_same_archive_inputs_give_same_entries(tmp_path: Path) -> None:
    """With clock and salt injected, the ledger a sequence of appends writes is reproducible."""

    def build(root: Path) -> list[str]:
        ticks = itertools.count()
        archive = Archive.create(root, "Op", clock=lambda: f"2024-01-01T00:00:{next(ticks) % 60:02d}.000000Z")
        archive.salt = lambda: "c2FsdA=="
        with archive.appending() as w:
            w.append("case.created", "C", "C", {"case": "C"})
        with archive.reading() as conn:
            bodies = [e.body for e in LedgerReader(conn).entries()]
        archive.close()
        return bodies

    a, b = build(tmp_path / "a"), build(tmp_path / "b")
    # The archive id, key and their salts differ; the appended entry is identical but for the actor key.
    assert len(a) == len(b) == 3
    assert a[2].split('"actor"')[0] == b[2].split('"actor"')[0]


def test_stored_nodes_give_the_same_proofs_as_the_maths(archive: Archive) -> None:
    with archive.appending() as w:
        w.append_many([EventSpec("case.created", f"C{i}", f"C{i}", {"case": f"C{i}"}) for i in range(95)])
    for _ in range(3):  # several appends, so the right edge is rebuilt from stored nodes
        with archive.appending() as w:
            w.append("case.created", "X", "X", {"case": "X"})
    with archive.reading() as conn:
        reader = LedgerReader(conn)
        leaves = [e.leaf_hash for e in reader.entries()]
        size = len(leaves)
        in_memory = merkle.subtree_from_leaves(leaves)
        root = merkle.root_from_leaves(leaves)
        assert reader.latest_checkpoint() is not None
        assert reader.latest_checkpoint().root == root  # type: ignore[union-attr]
        for i in (0, 1, 50, size - 2, size - 1):
            proof = reader.inclusion_proof(i, size)
            assert proof == merkle.inclusion_proof(i, size, in_memory)
            assert merkle.verify_inclusion(leaves[i], i, size, proof, root)
        for cp in reader.checkpoints():
            proof = reader.consistency_proof(cp.size, size)
            assert merkle.verify_consistency(cp.size, size, cp.root, root, proof)
