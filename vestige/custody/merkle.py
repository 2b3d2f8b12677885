"""RFC 9162 (Certificate Transparency v2) Merkle tree maths: pure functions over bytes.

Storage stays outside: proofs ask a ``SubtreeHash`` callback for MTH(D[start:end]) and the callers answer
from a list of leaves (tests, exports) or from stored perfect subtrees (the ledger).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 9162 s2.1.1: MTH({}) = HASH()

SubtreeHash = Callable[[int, int], bytes]
"""Returns MTH of the leaves with indexes in [start, end)."""

PerfectNode = Callable[[int, int], bytes]
"""Returns the hash of the perfect subtree at (level, index): leaves [index*2**level, (index+1)*2**level)."""


def leaf_hash(data: bytes) -> bytes:
    # RFC 9162 s2.1.1: MTH({d(0)}) = HASH(0x00 || d(0))
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    # RFC 9162 s2.1.1: HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    if n < 2:
        raise ValueError("split_point needs n > 1")
    return 1 << ((n - 1).bit_length() - 1)


class CompactRange:
    """The right edge of a growing tree: one perfect-subtree hash per set bit of ``size``.

    Appending is O(1) amortised and memory is O(log n), so a tree of any size can be rebuilt in one
    streaming pass, and its root read at every size along the way.
    """

    __slots__ = ("_nodes", "size")

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        if size < 0 or len(nodes) != size.bit_count():
            raise ValueError("a compact range needs one node per set bit of its size")
        self.size = size
        self._nodes = list(nodes)  # left to right: largest subtree first

    @staticmethod
    def node_positions(size: int) -> list[tuple[int, int]]:
        """(level, index) of the perfect subtrees making up a tree of ``size`` leaves, left to right."""
        out: list[tuple[int, int]] = []
        start = 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size >> level & 1:
                out.append((level, start >> level))
                start += 1 << level
        return out

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return the perfect subtrees (level >= 1, index, hash) it completed."""
        index = self.size
        self.size += 1
        node = leaf
        completed: list[tuple[int, int, bytes]] = []
        level = 0
        while index & 1:
            node = node_hash(self._nodes.pop(), node)
            level += 1
            index >>= 1
            completed.append((level, index, node))
        self._nodes.append(node)
        return completed

    def root(self) -> bytes:
        if not self._nodes:
            return EMPTY_ROOT
        node = self._nodes[-1]
        for left in reversed(self._nodes[:-1]):
            node = node_hash(left, node)
        return node


def root_from_leaves(leaves: Iterable[bytes]) -> bytes:
    """MTH over leaf hashes (already hashed with ``leaf_hash``)."""
    rng = CompactRange()
    for leaf in leaves:
        rng.append(leaf)
    return rng.root()


def subtree_from_perfect(perfect: PerfectNode) -> SubtreeHash:
    """Build a ``SubtreeHash`` over stored perfect subtrees, for the aligned ranges proofs ask for."""

    def mth(start: int, end: int) -> bytes:
        n = end - start
        if n <= 0:
            raise ValueError("empty range")
        if n & (n - 1) == 0 and start % n == 0:
            return perfect(n.bit_length() - 1, start // n)
        k = split_point(n)
        return node_hash(mth(start, start + k), mth(start + k, end))

    return mth


def subtree_from_leaves(leaves: Sequence[bytes]) -> SubtreeHash:
    """A ``SubtreeHash`` over an in-memory list of leaf hashes (tests, small exports)."""
    return lambda start, end: root_from_leaves(leaves[start:end])


def inclusion_proof(index: int, size: int, subtree: SubtreeHash) -> list[bytes]:
    """RFC 9162 s2.1.3.1: PATH(m, D[n])."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    proof: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            proof.append(subtree(start + k, end))
            end = start + k
        else:
            proof.append(subtree(start, start + k))
            start += k
    proof.reverse()
    return proof


def consistency_proof(size1: int, size2: int, subtree: SubtreeHash) -> list[bytes]:
    """RFC 9162 s2.1.4.1: PROOF(m, D[n])."""
    if not 0 < size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to {size2}")
    proof: list[bytes] = []
    m, start, end, whole = size1, 0, size2, True
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            proof.append(subtree(start + k, end))
            end = start + k
        else:
            proof.append(subtree(start, start + k))
            m -= k
            start += k
            whole = False
    if not whole:
        proof.append(subtree(start, end))
    proof.reverse()
    return proof


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 s2.1.3.2: verify an inclusion proof of leaf hash ``leaf``."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 s2.1.4.2: verify that the tree of ``size2`` extends the tree of ``size1``."""
    if size1 == size2:
        return not proof and root1 == root2
    if not 0 < size1 < size2 or not proof:
        return False
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # an exact power of two: the old root is the first node
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == root1 and sr == root2 and sn == 0
