"""Ledger benchmark: batched appends, full verification, inclusion proofs and verify memory.

Baselines are measured in the same run on the same rows: a raw ``sqlite3`` executemany of the entry
and node rows the archive wrote (same DDL, WAL, synchronous=FULL, one transaction per batch), and a
raw scan of the bodies plus SHA-256 leaf hashing (the floor for verification).

Verification runs in a child process (``python -m bench.ledger --verify-child ROOT``) so that its
peak RSS (ru_maxrss) is its own: once at a small size and once at the full size, to show whether
memory grows with the ledger.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from vestige.archive import Archive
from vestige.custody.ledger import EventSpec, LedgerReader
from vestige.custody.merkle import leaf_hash, verify_inclusion

from .common import Json, log, median, percentile, r, reset_peak_rss, rss_kib, target


def _specs(start: int, n: int) -> list[EventSpec]:
    return [
        EventSpec(
            "custody.transferred", f"BENCH-{i}", None, {"from": "locker-3", "to": "analyst-7", "seq": i}
        )
        for i in range(start, start + n)
    ]


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


def _verify_in_child(root: Path) -> Json:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.ledger", "--verify-child", str(root)],
        capture_output=True,
        text=True,
        check=True,
    )
    out: Json = json.loads(proc.stdout)
    return out


def verify_child(root: Path) -> Json:
    from vestige.custody.verify import verify_archive

    archive = Archive.open(root)
    gc.collect()
    hwm_reset = reset_peak_rss()  # else the peak may be an import's, not verify's
    rss_before, _ = rss_kib()
    t0 = time.perf_counter()
    report = verify_archive(archive)
    seconds = time.perf_counter() - t0
    _, rss_peak = rss_kib()
    archive.close()
    return {
        "seconds": r(seconds),
        "tree_size": report.tree_size,
        "ok": report.ok,
        "problems": len(report.problems),
        "peak_reset": hwm_reset,
        "rss_before_kib": rss_before,
        "rss_peak_kib": rss_peak,
        "rss_growth_kib": rss_peak - rss_before,
    }


class _CountingReader(LedgerReader):
    lookups = 0

    def perfect_node(self, level: int, index: int) -> bytes:
        self.lookups += 1
        return super().perfect_node(level, index)


def _proofs(archive: Archive, count: int) -> Json:
    rng = random.Random(1234)
    with archive.reading() as conn:
        reader = LedgerReader(conn)
        cp = reader.latest_checkpoint()
        assert cp is not None
        size, root = cp.size, cp.root
        leaves = [rng.randrange(size) for _ in range(count)]
        for i in leaves[:20]:  # warm-up: statement cache, page cache
            reader.inclusion_proof(i, size)
        times: list[float] = []
        hashes: list[int] = []
        for i in leaves:
            t0 = time.perf_counter()
            proof = reader.inclusion_proof(i, size)
            times.append(time.perf_counter() - t0)
            hashes.append(len(proof))
        # Untimed: correctness, and how many stored nodes each proof reads.
        counting = _CountingReader(conn)
        lookups: list[int] = []
        for i in leaves[:200]:
            counting.lookups = 0
            proof = counting.inclusion_proof(i, size)
            lookups.append(counting.lookups)
            entry = reader.entry(i)
            assert entry is not None
            assert verify_inclusion(leaf_hash(entry.body.encode()), i, size, proof, root)
    # Baseline: one raw sqlite3 primary-key lookup of a stored node.
    db = sqlite3.connect(f"file:{archive.db_path}?mode=ro", uri=True)
    keys = [(rng.randrange(1, 10), rng.randrange(size >> 10)) for _ in range(2000)]
    q = "SELECT hash FROM ledger_nodes WHERE level = ? AND idx = ?"
    for k in keys[:100]:
        db.execute(q, k).fetchone()
    t0 = time.perf_counter()
    for k in keys:
        db.execute(q, k).fetchone()
    raw_lookup = (time.perf_counter() - t0) / len(keys)
    db.close()
    med_ms = median(times) * 1e3
    floor_ms = raw_lookup * median(lookups) * 1e3
    return {
        "tree_size": size,
        "proofs": count,
        "hashes_max": max(hashes),
        "hashes_median": median(hashes),
        "node_lookups_median": median(lookups),
        "node_lookups_max": max(lookups),
        "median_ms": r(med_ms),
        "p99_ms": r(percentile(times, 99) * 1e3),
        "max_ms": r(max(times) * 1e3),
        "raw_sqlite_lookup_us": r(raw_lookup * 1e6, 2),
        "raw_floor_ms": r(floor_ms),
        "ratio_median_vs_raw_floor": r(med_ms / floor_ms, 2),
    }


def _baseline_insert(src_db: Path, dst_db: Path, batches: list[tuple[int, int]]) -> Json:
    """Raw sqlite3 executemany of the same entry and node rows, in the same batches."""
    src = sqlite3.connect(f"file:{src_db}?mode=ro", uri=True)
    ddl = [
        row[0]
        for row in src.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name IN ('ledger_entries', 'ledger_nodes') "
            "AND sql IS NOT NULL AND type IN ('table', 'index') ORDER BY type DESC"
        )
    ]
    # Node (level, idx) is written by the append of leaf ((idx + 1) << level) - 1.
    nodes_by_batch: dict[int, list[tuple[int, int, bytes]]] = {}
    ends = [end for _, end in batches]
    import bisect

    for level, idx, digest in src.execute("SELECT level, idx, hash FROM ledger_nodes"):
        b = bisect.bisect_right(ends, ((idx + 1) << level) - 1)
        nodes_by_batch.setdefault(b, []).append((level, idx, digest))
    dst = sqlite3.connect(dst_db, isolation_level=None)
    dst.execute("PRAGMA journal_mode=WAL")
    dst.execute("PRAGMA synchronous=FULL")
    for stmt in ddl:
        dst.execute(stmt)
    insert_s = 0.0
    rows = 0
    sel = (
        "SELECT idx, body, leaf_hash, event, subject, case_id FROM ledger_entries "
        "WHERE idx >= ? AND idx < ? ORDER BY idx"
    )
    for b, (start, end) in enumerate(batches):
        entries = src.execute(sel, (start, end)).fetchall()
        nodes = nodes_by_batch.get(b, [])
        t0 = time.perf_counter()
        dst.execute("BEGIN IMMEDIATE")
        dst.executemany(
            "INSERT INTO ledger_entries (idx, body, leaf_hash, event, subject, "
            "case_id) VALUES (?, ?, ?, ?, ?, ?)",
            entries,
        )
        dst.executemany("INSERT INTO ledger_nodes (level, idx, hash) VALUES (?, ?, ?)", nodes)
        dst.execute("COMMIT")
        insert_s += time.perf_counter() - t0
        rows += len(entries)
    dst.close()
    # Verification floor: read every body and hash it as a leaf, nothing else.
    t0 = time.perf_counter()
    bodies = [b for (b,) in src.execute("SELECT body FROM ledger_entries ORDER BY idx")]
    scan_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for body in bodies:
        hashlib.sha256(b"\x00" + body.encode()).digest()
    sha_s = time.perf_counter() - t0
    src.close()
    del bodies
    return {
        "insert_s": r(insert_s),
        "insert_rows_per_s": r(rows / insert_s, 0),
        "scan_bodies_s": r(scan_s),
        "sha256_bodies_s": r(sha_s),
        "verify_floor_s": r(scan_s + sha_s),
    }


def run(quick: bool, workdir: Path) -> tuple[Json, dict[str, Json]]:
    total = 100_000 if quick else 1_000_000
    small = total // 10
    batch = 10_000
    root = workdir / "ledger" / "archive"
    root.parent.mkdir(parents=True, exist_ok=True)
    archive = Archive.create(root, "bench")
    with archive.reading() as conn:
        first_index = LedgerReader(conn).size()  # archive.created and key.registered
    log(f"ledger: building {total:,} entries in batches of {batch:,}")
    batch_s: list[float] = []
    batches: list[tuple[int, int]] = [(0, first_index)]  # the creation batch, for the baseline
    verify_small: Json | None = None
    done = 0
    build_t0 = time.perf_counter()
    while done < total:
        n = min(batch, total - done)
        specs = _specs(done, n)
        t0 = time.perf_counter()
        with archive.appending() as w:
            w.append_many(specs)
        batch_s.append(time.perf_counter() - t0)
        batches.append((first_index + done, first_index + done + n))
        done += n
        if len(batch_s) % 10 == 0 or done == total:
            log(f"ledger: {done:,} entries, last batch {n / batch_s[-1]:,.0f}/s")
        if done == small:
            paused = time.perf_counter()
            log(f"ledger: verifying at {done:,} in a child process (memory baseline)")
            verify_small = _verify_in_child(root)
            build_t0 += time.perf_counter() - paused
    build_s = sum(batch_s)
    wall_s = time.perf_counter() - build_t0
    nb = len(batch_s)
    k = max(1, nb // 10)
    rates = [batch / s for s in batch_s]
    first_rate = sum(rates[:k]) / k
    last_rate = sum(rates[-k:]) / k
    parts = min(10, nb)
    deciles = [r(_mean(rates[i * nb // parts : (i + 1) * nb // parts]), 0) for i in range(parts)]
    build: Json = {
        "entries": total,
        "batch": batch,
        "batches": nb,
        "seconds": r(build_s),
        "wall_seconds": r(wall_s),
        "entries_per_s": r(total / build_s, 0),
        "first_batches_per_s": r(first_rate, 0),
        "last_batches_per_s": r(last_rate, 0),
        "flatness_last_vs_first": r(last_rate / first_rate),
        "rate_by_decile_per_s": deciles,
        "db_bytes": sum(p.stat().st_size for p in root.glob("vestige.db*")),
    }
    log(f"ledger: built at {build['entries_per_s']:,.0f}/s; verifying at {total:,}")
    verify_full = _verify_in_child(root)
    log(f"ledger: verify {verify_full['seconds']} s; proofs")
    proofs = _proofs(archive, 300 if quick else 1000)
    archive.close()
    log("ledger: raw sqlite3 baselines")
    baseline = _baseline_insert(archive.db_path, workdir / "ledger" / "baseline.db", batches)
    assert verify_small is not None
    memory: Json = {
        "small_size": verify_small["tree_size"],
        "full_size": verify_full["tree_size"],
        "peak_rss_small_kib": verify_small["rss_peak_kib"],
        "peak_rss_full_kib": verify_full["rss_peak_kib"],
        "growth_small_kib": verify_small["rss_growth_kib"],
        "growth_full_kib": verify_full["rss_growth_kib"],
        "ratio_peak_full_vs_small": r(verify_full["rss_peak_kib"] / verify_small["rss_peak_kib"]),
        "ratio_growth_full_vs_small": r(
            verify_full["rss_growth_kib"] / max(1, verify_small["rss_growth_kib"]), 2
        ),
    }
    result: Json = {
        "build": build,
        "verify": {
            "full": verify_full,
            "small": verify_small,
            "ratio_vs_floor": r(verify_full["seconds"] / baseline["verify_floor_s"], 1),
            "scaling_full_vs_small": r(verify_full["seconds"] / verify_small["seconds"], 2),
        },
        "proofs": proofs,
        "memory": memory,
        "baseline": baseline,
        "ratio_append_vs_raw_insert": r(baseline["insert_rows_per_s"] / build["entries_per_s"], 1),
    }
    size_note = f"at {total:,} entries"
    targets = {
        "ledger_append_rate": target(">=", 5000, build["entries_per_s"], f"entries/s {size_note}"),
        "ledger_append_flatness": target(
            ">=", 0.8, build["flatness_last_vs_first"], "last/first 10% of batches (bench-defined threshold)"
        ),
        "verify_seconds": target("<=", 20, verify_full["seconds"], size_note),
        "verify_intact": target(">=", 1, int(verify_full["ok"]), "the built archive verifies"),
        "proof_hashes": target("<=", 21, proofs["hashes_max"], f"max over proofs {size_note}"),
        "proof_median_ms": target("<=", 5, proofs["median_ms"], size_note),
        "proof_p99_ms": target("<=", 5, proofs["p99_ms"], size_note),
        "verify_memory_flat": target(
            "<=",
            1.25,
            memory["ratio_peak_full_vs_small"],
            f"peak RSS at {total:,} / at {small:,} (bench-defined threshold)",
        ),
    }
    return result, targets


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--verify-child", type=Path, required=True)
    args = parser.parse_args()
    print(json.dumps(verify_child(args.verify_child)))


if __name__ == "__main__":
    main()
