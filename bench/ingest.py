"""Ingest benchmark: ``add_files`` of one large random file against ``cp`` (and ``cp`` + ``sync``).

Everything lives under one work directory, so source, copies and archive share a disk. The source
stays in the page cache for every method (it is read once before timing), so the comparison is of
what each does with the bytes: cp copies, add_files hashes (SHA-256 + BLAKE3), writes a temp file,
fsyncs and renames. Each copy or archive is deleted, and dirty pages flushed with sync, before the
next run; the methods are interleaved round by round so drift on a noisy machine hits them alike.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from vestige.archive import Archive
from vestige.store.blobs import digest_file
from vestige.store.ingest import add_files

from .common import Json, log, median, r, target

MIB = 1 << 20
RUNS = 3


def _make_source(path: Path, size: int) -> None:
    chunk = 16 * MIB
    with open(path, "wb") as fp:
        left = size
        while left:
            n = min(chunk, left)
            fp.write(os.urandom(n))
            left -= n
        fp.flush()
        os.fsync(fp.fileno())


def _settle() -> None:
    """Flush dirty pages of the previous run so they are not written back during the next one, and
    give the kernel time (its free-page reporting runs every 2 s in a VM) to settle after deletes."""
    os.sync()
    time.sleep(2.5)


def _timed(fn: Callable[[], None]) -> float:
    _settle()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run(quick: bool, workdir: Path) -> tuple[Json, dict[str, Json]]:
    size = (128 if quick else 1024) * MIB
    base = workdir / "ingest"
    base.mkdir(parents=True, exist_ok=True)
    src = base / "evidence.bin"
    log(f"ingest: writing {size // MIB} MiB of random bytes to {src}")
    _make_source(src, size)
    dev = os.stat(base).st_dev

    # Warm the source into the page cache; the timing is also the hash-only baseline (no writing).
    digest_file(src)
    hash_only: list[float] = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        digest_file(src)
        hash_only.append(time.perf_counter() - t0)

    times: dict[str, list[float]] = {"cp": [], "cp_sync": [], "add_files": []}
    dst = base / "copy.bin"

    def do_cp() -> None:
        subprocess.run(["cp", str(src), str(dst)], check=True)

    def do_cp_sync() -> None:
        subprocess.run(["cp", str(src), str(dst)], check=True)
        subprocess.run(["sync", str(dst)], check=True)  # fsync of the copy, as the store does

    archive_root = base / "archive"
    current: list[Archive] = []

    def do_add() -> None:
        add_files(current[0], [src], "BENCH")

    methods: dict[str, Callable[[], None]] = {"cp": do_cp, "cp_sync": do_cp_sync, "add_files": do_add}
    order = list(methods)
    for run_no in range(RUNS):
        # Rotate the order so that no method always goes first.
        for name in order[run_no % 3 :] + order[: run_no % 3]:
            if name == "add_files":
                current[:] = [Archive.create(archive_root, "bench")]  # untimed: keys, schema
                assert os.stat(archive_root).st_dev == dev, "archive not on the source's disk"
            seconds = _timed(methods[name])
            times[name].append(seconds)
            log(
                f"ingest: run {run_no + 1}/{RUNS} {name:9s} {seconds:7.3f} s "
                f"({size / seconds / 1e6:7.1f} MB/s)"
            )
            if name == "add_files":
                current.pop().close()
                shutil.rmtree(archive_root)
            else:
                dst.unlink()
    src.unlink()
    _settle()

    med = {k: median(v) for k, v in times.items()}
    mb = size / 1e6
    result: Json = {
        "file_bytes": size,
        "runs": RUNS,
        "source_cache": "warm (page cache) for every method",
        "seconds": {k: [r(x) for x in v] for k, v in times.items()},
        "median_s": {k: r(v) for k, v in med.items()},
        "throughput_MBps": {k: r(mb / v, 1) for k, v in med.items()},
        "hash_only_s": r(median(hash_only)),
        "hash_only_MBps": r(mb / median(hash_only), 1),
        "ratio_add_files_vs_cp": r(med["add_files"] / med["cp"]),
        "ratio_add_files_vs_cp_sync": r(med["add_files"] / med["cp_sync"]),
        "ratio_cp_sync_vs_cp": r(med["cp_sync"] / med["cp"]),
    }
    targets = {
        "ingest_vs_cp": target(
            "<=", 1.25, result["ratio_add_files_vs_cp"], "median add_files / median cp, same run"
        ),
    }
    return result, targets
