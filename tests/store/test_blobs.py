"""The blob store: digests over chunk boundaries, content addressing, read-only blobs, dedup."""

from __future__ import annotations

import hashlib
import io
import os
import stat
from pathlib import Path

import blake3
import pytest

from vestige.store.blobs import CHUNK, BlobStore, digest_stream


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 12345])
def test_digests_match_reference_across_chunk_boundaries(size: int) -> None:
    data = os.urandom(size)
    d = digest_stream(io.BytesIO(data))
    assert d.sha256 == hashlib.sha256(data).hexdigest()
    assert d.blake3 == blake3.blake3(data).hexdigest()
    assert d.size == size


def test_ingest_stores_read_only_content_addressed_blob_once(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs", tmp_path / "tmp")
    data = os.urandom(CHUNK + 7)
    first = store.ingest_stream(io.BytesIO(data))
    second = store.ingest_stream(io.BytesIO(data))
    assert first == second
    path = store.path_for(first.sha256)
    assert path.read_bytes() == data
    assert path.relative_to(tmp_path).as_posix() == store.relpath_for(first.sha256)
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == [path]
    assert list((tmp_path / "tmp").iterdir()) == []
