"""RFC 9162 Merkle maths against published golden vectors and random trees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vestige.custody import merkle

VECTORS = json.loads((Path(__file__).parents[1] / "assets/merkle/rfc9162-vectors.json").read_text())
LEAVES = [merkle.leaf_hash(bytes.fromhex(h)) for h in VECTORS["leaves_hex"]]


def test_leaf_hashes_match_published() -> None:
    assert [h.hex() for h in LEAVES] == VECTORS["leaf_hashes_hex"]


@pytest.mark.parametrize("case", VECTORS["roots"], ids=lambda c: f"size{c['size']}")
def test_roots_match_published(case: dict[str, object]) -> None:
    size = int(case["size"])  # type: ignore[call-overload]
    assert merkle.root_from_leaves(LEAVES[:size]).hex() == case["root_hex"]


def _root(size: int) -> bytes:
    return merkle.root_from_leaves(LEAVES[:size])


@pytest.mark.parametrize("case", VECTORS["inclusion"], ids=lambda c: f"{c['leaf_index']}-{c['tree_size']}")
def test_inclusion_proofs_match_published(case: dict[str, object]) -> None:
    index, size = int(case["leaf_index"]), int(case["tree_size"])  # type: ignore[call-overload]
    expected = [bytes.fromhex(h) for h in case["proof_hex"]]  # type: ignore[attr-defined]
    assert merkle.inclusion_proof(index, size, merkle.subtree_from_leaves(LEAVES)) == expected
    assert merkle.verify_inclusion(LEAVES[index], index, size, expected, _root(size))


@pytest.mark.parametrize("case", VECTORS["consistency"], ids=lambda c: f"{c['size1']}-{c['size2']}")
def test_consistency_proofs_match_published(case: dict[str, object]) -> None:
    m, n = int(case["size1"]), int(case["size2"])  # type: ignore[call-overload]
    expected = [bytes.fromhex(h) for h in case["proof_hex"]]  # type: ignore[attr-defined]
    assert merkle.consistency_proof(m, n, merkle.subtree_from_leaves(LEAVES)) == expected
    assert merkle.verify_consistency(m, n, _root(m), _root(n), expected)


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_inclusion_round_trip_and_tamper(case: tuple[int, int]) -> None:
    n, i = case
    leaves = _leaves(n)
    root = merkle.root_from_leaves(leaves)
    proof = merkle.inclusion_proof(i, n, merkle.subtree_from_leaves(leaves))
    assert len(proof) <= max(1, (n - 1).bit_length())
    assert merkle.verify_inclusion(leaves[i], i, n, proof, root)
    assert not merkle.verify_inclusion(merkle.leaf_hash(b"forged"), i, n, proof, root)
    if proof:
        bad = [*proof[:-1], bytes(32)]
        assert not merkle.verify_inclusion(leaves[i], i, n, bad, root)
    if n > 1:
        assert not merkle.verify_inclusion(leaves[i], (i + 1) % n, n, proof, root)


@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_consistency_round_trip_and_tamper(case: tuple[int, int]) -> None:
    m, n = case
    leaves = _leaves(n)
    old, new = merkle.root_from_leaves(leaves[:m]), merkle.root_from_leaves(leaves)
    proof = merkle.consistency_proof(m, n, merkle.subtree_from_leaves(leaves))
    assert merkle.verify_consistency(m, n, old, new, proof)
    if m < n:
        rewritten = merkle.root_from_leaves([merkle.leaf_hash(b"x"), *leaves[1:m]])
        assert not merkle.verify_consistency(m, n, rewritten, new, proof)
        assert not merkle.verify_consistency(m, n, old, bytes(32), proof)


@given(st.integers(0, 600))
def test_compact_range_and_perfect_nodes_agree_with_leaves(n: int) -> None:
    leaves = _leaves(n)
    rng = merkle.CompactRange()
    nodes: dict[tuple[int, int], bytes] = {(0, i): h for i, h in enumerate(leaves)}
    for h in leaves:
        for level, idx, digest in rng.append(h):
            nodes[(level, idx)] = digest
    assert rng.root() == merkle.root_from_leaves(leaves)
    positions = merkle.CompactRange.node_positions(n)
    rebuilt = merkle.CompactRange(n, [nodes[p] for p in positions])
    assert rebuilt.root() == rng.root()
    if n:
        via_nodes = merkle.subtree_from_perfect(lambda lv, ix: nodes[(lv, ix)])
        i = n // 3
        assert merkle.inclusion_proof(i, n, via_nodes) == merkle.inclusion_proof(
            i, n, merkle.subtree_from_leaves(leaves)
        )


def test_empty_tree_root_is_hash_of_nothing() -> None:
    assert merkle.root_from_leaves([]).hex() == VECTORS["roots"][0]["root_hex"]


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        merkle.inclusion_proof(5, 5, merkle.subtree_from_leaves(_leaves(5)))
    with pytest.raises(ValueError):
        merkle.consistency_proof(0, 5, merkle.subtree_from_leaves(_leaves(5)))
    assert not merkle.verify_inclusion(LEAVES[0], 9, 8, [], _root(8))
    assert not merkle.verify_consistency(3, 2, _root(3), _root(2), [LEAVES[0]])
