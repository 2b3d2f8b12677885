"""Content-addressed blob store: one streaming pass hashes (SHA-256 and BLAKE3) and writes.

Blobs live at ``blobs/sha256/ab/cd/<sha256>``, read-only. A blob is written to a locked temp file, fsynced,
renamed into place and made read-only, so a crash leaves either nothing or a complete blob; temp files
whose writer died (their lock is free) are removed by ``clean_stale_temp``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import blake3

from ..owner_files import sync_directory

CHUNK = 4 << 20
# Directories under tmp/ that outlive their writer and clean up after themselves: tmp/open/ holds the
# copies `vestige open` hands to viewers, removed by a later `vestige open` once a day old.
LONG_LIVED_TEMP = ("open",)
WRITE_SLICE = 128 << 10
_READ_ONLY = 0o444


@dataclass(frozen=True)
class BlobDigest:
    sha256: str
    blake3: str
    size: int


def _pump(src: IO[bytes], dst: IO[bytes] | None) -> BlobDigest:
    """Read ``src`` to the end, hashing every byte and writing it to ``dst`` when given.

    Two buffers alternate. SHA-256, the slower digest, runs in a worker thread on one buffer while this
    thread updates BLAKE3, writes it and reads the next one (hashlib and blake3 release the GIL), so the
    work splits about evenly over two cores.
    """
    sha = hashlib.sha256()
    b3 = blake3.blake3()
    size = 0
    buffers = (bytearray(CHUNK), bytearray(CHUNK))
    pending: Future[None] | None = None
    with ThreadPoolExecutor(max_workers=1) as pool:
        i = 0
        while True:
            buf = buffers[i & 1]
            n = src.readinto(buf)  # type: ignore[attr-defined]
            if not n:
                break
            view = memoryview(buf)[:n]
            if pending is not None:
                pending.result()
            pending = pool.submit(sha.update, view)
            b3.update(view)
            size += n
            if dst is not None:
                # Write in 128 KiB slices: on virtualised disks, writes of 1 MiB and more are several times
                # slower per byte than smaller ones (measured in bench/ingest.py).
                for off in range(0, n, WRITE_SLICE):
                    dst.write(view[off : off + WRITE_SLICE])
            i += 1
        if pending is not None:
            pending.result()
    return BlobDigest(sha.hexdigest(), b3.hexdigest(), size)


def digest_stream(src: IO[bytes]) -> BlobDigest:
    return _pump(src, None)


def copy_stream(src: IO[bytes], dst: IO[bytes]) -> BlobDigest:
    """Copy ``src`` to ``dst``, hashing every byte on the way."""
    return _pump(src, dst)


def digest_file(path: Path) -> BlobDigest:
    with open(path, "rb", buffering=0) as fp:
        return _pump(fp, None)


class BlobStore:
    def __init__(self, root: Path, tmp: Path) -> None:
        self.root = root
        self.tmp = tmp

    @staticmethod
    def relpath_for(sha256: str) -> str:
        return f"blobs/sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def path_for(self, sha256: str) -> Path:
        return self.root.parent / self.relpath_for(sha256)

    def _locked_temp(self, prefix: str, suffix: str) -> tuple[Path, IO[bytes]]:
        """Create and flock a new temp file; its lock marks it as in use until the holder dies."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        while True:
            path = self.tmp / f"{prefix}{uuid.uuid4().hex}{suffix}"
            fp = open(path, "xb", buffering=0)  # noqa: SIM115 - the caller closes it
            fcntl.flock(fp.fileno(), fcntl.LOCK_EX)
            # A cleaner may have taken the file between open and flock: start again if so.
            try:
                if os.stat(path).st_ino == os.fstat(fp.fileno()).st_ino:
                    return path, fp
            except FileNotFoundError:
                pass
            fp.close()

    @contextlib.contextmanager
    def _temp_file(self) -> Iterator[tuple[Path, IO[bytes]]]:
        path, fp = self._locked_temp("blob-", ".part")
        try:
            yield path, fp
        finally:
            fp.close()
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    @contextlib.contextmanager
    def work_dir(self, prefix: str) -> Iterator[Path]:
        """A scratch directory (e.g. a capture in progress), removed afterwards, or by the next
        ``clean_stale_temp`` if its owner dies: it lives as long as its ``.lock`` file is locked."""
        lock_path, fp = self._locked_temp(prefix, ".lock")
        directory = lock_path.with_suffix("")
        try:
            directory.mkdir()
            yield directory
        finally:
            shutil.rmtree(directory, ignore_errors=True)
            lock_path.unlink(missing_ok=True)
            fp.close()

    def ingest_stream(self, src: IO[bytes]) -> BlobDigest:
        """Store everything read from ``src``; return its digests. Identical content is kept once."""
        with self._temp_file() as (temp, fp):
            digest = _pump(src, fp)
            os.fsync(fp.fileno())
            final = self.path_for(digest.sha256)
            if not final.exists():
                final.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(temp, _READ_ONLY)
                os.replace(temp, final)
                sync_directory(final.parent)
        return digest

    def ingest_file(self, path: Path) -> BlobDigest:
        with open(path, "rb", buffering=0) as src:
            return self.ingest_stream(src)

    def clean_stale_temp(self) -> int:
        """Remove temp files left by writers that died (kill -9, power loss). Returns how many."""
        removed = 0
        if not self.tmp.is_dir():
            return 0
        for path in self.tmp.iterdir():
            if path.name in LONG_LIVED_TEMP:
                continue
            if path.is_dir():
                lock = path.with_name(path.name + ".lock")
                if not lock.exists():  # its owner died before or after holding the lock
                    shutil.rmtree(path, ignore_errors=True)
                    removed += 1
                continue
            try:
                fp = open(path, "rb")  # noqa: SIM115
            except OSError:
                continue
            with fp:
                try:
                    fcntl.flock(fp.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a live writer holds it
                if path.suffix == ".lock":
                    shutil.rmtree(path.with_suffix(""), ignore_errors=True)
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed += 1
        return removed
