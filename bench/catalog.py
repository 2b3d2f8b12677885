"""Finding evidence at scale: ``vestige list`` and ``vestige search`` over an archive of 100,000 exhibits
(10,000 with ``--quick``).

The archive is built through the real code paths, in batches of 2,000 exhibits per append: ledger
entries with ``LedgerWriter.append_many`` (each batch signed by a checkpoint), catalog rows with
``catalog.insert_item`` / ``insert_tag``, the search index with ``search.index_item`` (its FTS5
triggers included). Skipped, to build in minutes rather than hours: the browser, the WARC and the
streaming blob ingest. Each exhibit has a ``warc`` and a ``text`` artifact; the text blobs are written
straight to their content addresses (no fsync), so ``--reindex`` reads real files; the WARC blobs do not
exist (``vestige verify`` would report them missing; it is not run here).

Every exhibit has ~80 words of page text from a 5,000-word vocabulary; ``reservoir`` is in 1% of them
(the typical search), ``lorem`` in half (the worst case: every hit is ranked); 1% carry the tag
``convoy``; 20 cases of equal size.

Timed, as the real ``vestige`` in a subprocess (median of RUNS) and in this process (store functions on
an open archive, and the click command through CliRunner): ``list --case X --limit 50``, ``list --tag
convoy`` (all 1,000 items, as JSON), ``search reservoir``, ``search lorem``. Baselines from the same
run: ``python -c pass`` (interpreter start-up), ``python -c "import vestige.cli"`` (imports), and the
``sqlite3`` CLI running the equivalent query on the same database.

.venv/bin/python -m bench.catalog [--quick] [--dir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from vestige.archive import Archive
from vestige.cli import cli
from vestige.custody.ledger import EventSpec
from vestige.store import catalog, search

from .common import Json, log, median, r, run_alone, target

RUNS = 5
BATCH = 2_000
CASES = 20
WORDS_PER_PAGE = 80
VOCABULARY = [f"w{i:04d}" for i in range(5_000)]


def _page_text(rng: random.Random, i: int) -> str:
    words = rng.choices(VOCABULARY, k=WORDS_PER_PAGE)
    if i % 100 == 7:
        words.insert(rng.randrange(len(words)), "reservoir")
    if i % 2:
        words.insert(rng.randrange(len(words)), "lorem")
    return " ".join(words)


def _write_blob(archive: Archive, data: bytes) -> tuple[str, str]:
    """A blob at its content address, written directly (the bench skips the fsynced streaming ingest)."""
    import blake3

    sha = hashlib.sha256(data).hexdigest()
    path = archive.blobs.path_for(sha)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(0o444)
    return sha, blake3.blake3(data).hexdigest()


def _item(archive: Archive, rng: random.Random, i: int) -> dict[str, Any]:
    """Exhibit ``i``: its catalog row, artifacts, ledger details and page text (its blob written)."""
    case, seq = f"CASE{i % CASES:02d}", i // CASES + 1
    text = _page_text(rng, i)
    sha, b3 = _write_blob(archive, text.encode())
    warc = hashlib.sha256(b"warc%d" % i).hexdigest()  # no such blob: the bench skips the WARC
    relpath = archive.blobs.relpath_for
    arts = [
        catalog.ArtifactView("warc", "capture.warc.gz", "application/warc", 50_000 + i, warc, "0" * 64,
                             relpath(warc)),
        catalog.ArtifactView("text", "page.txt", "text/plain", len(text.encode()), sha, b3, relpath(sha)),
    ]  # fmt: skip
    url = f"https://site{i % 997}.example/articles/{i}"
    return {
        "row": {
            "id": catalog.exhibit_id(case, seq),
            "case_id": case,
            "seq": seq,
            "kind": "capture",
            "state": "complete",
            "reason": None,
            "title": f"Report {i}",
            "source": url,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(_BASE + i * 300)),
        },
        "arts": arts,
        "details": {
            "kind": "capture",
            "url": url,
            "final_url": url,
            "state": "complete",
            "title": f"Report {i}",
            "artifacts": [a.committed() for a in arts],
        },
        "text": text,
        "tagged": i % 100 == 3,
    }


_BASE = 1704067200  # 2024-01-01T00:00:00Z; exhibit i is added 5 minutes after exhibit i - 1


def build(root: Path, total: int) -> Json:
    rng = random.Random(20240302)
    archive = Archive.create(root, "bench")
    t0 = time.perf_counter()
    with archive.appending() as writer:
        for c in range(CASES):
            case = f"CASE{c:02d}"
            catalog.insert_case(writer.conn, case, archive.clock())
            writer.append("case.created", case, case, {"case": case})
    for start in range(0, total, BATCH):
        with archive.appending() as writer:
            conn = writer.conn
            batch = [_item(archive, rng, i) for i in range(start, min(start + BATCH, total))]
            specs = [
                EventSpec("item.captured", x["row"]["id"], x["row"]["case_id"], x["details"]) for x in batch
            ]
            for x, entry in zip(batch, writer.append_many(specs), strict=True):
                catalog.insert_item(conn, {**x["row"], "entry_index": entry.index}, x["arts"])
            tagged = [x["row"] for x in batch if x["tagged"]]
            tags = [EventSpec("tag.added", row["id"], row["case_id"], {"tag": "convoy"}) for row in tagged]
            for row, entry in zip(tagged, writer.append_many(tags), strict=True):
                catalog.insert_tag(conn, row["id"], "convoy", entry.index)
            for x in batch:
                search.index_item(conn, x["row"]["id"], x["text"], x["details"]["final_url"])
        if (start // BATCH) % 10 == 0:
            log(f"catalog: built {min(start + BATCH, total):,} / {total:,} items")
    seconds = time.perf_counter() - t0
    archive.close()
    db = root / "vestige.db"
    return {
        "items": total,
        "seconds": r(seconds, 1),
        "items_per_s": r(total / seconds, 0),
        "db_mib": r(db.stat().st_size / 2**20, 1),
        "search_tables_mib": _search_size(db),
    }


def _search_size(db: Path) -> float | None:
    """MiB of the search tables (derived data), where SQLite has the dbstat table."""
    con = sqlite3.connect(db)
    try:
        size = con.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search%'").fetchone()[0]
    except sqlite3.Error:
        return None
    finally:
        con.close()
    return r(size / 2**20, 1) if size else None


_cpu: dict[str, list[float]] = {}  # label -> CPU seconds (user + sys) of each timed subprocess


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(cmd: list[str], label: str | None = None) -> float:
    """Wall seconds of one subprocess; its CPU seconds go to ``_cpu[label]`` (steadier under load)."""
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, check=False)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} failed: {proc.stderr.decode()[-500:]}")
    if label:
        _cpu.setdefault(label, []).append(_children_cpu() - cpu0)
    return seconds


def _median_of(fn: Callable[[], float], runs: int = RUNS) -> float:
    fn()  # warm the page cache and the .pyc files
    _cpu.clear()
    return median([fn() for _ in range(runs)])


def _timed_call(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


_SQLITE_EQUIVALENT = {
    "list_case": "SELECT i.*, a.* FROM items i JOIN artifacts a ON a.item_id = i.id "
    "WHERE i.id IN (SELECT id FROM items WHERE case_id = 'CASE07' ORDER BY case_id, seq LIMIT 50) "
    "ORDER BY i.case_id, i.seq, a.id;",
    "list_tag": "SELECT i.*, a.* FROM items i JOIN artifacts a ON a.item_id = i.id "
    "WHERE i.id IN (SELECT item_id FROM tags WHERE tag = 'convoy') ORDER BY i.case_id, i.seq, a.id;",
    "search_reservoir": "SELECT d.item_id, bm25(search_index, 10.0, 4.0, 1.0, 2.0, 3.0) AS s, "
    "snippet(search_index, -1, '[', ']', '…', 24) FROM search_index JOIN search_docs d "
    "ON d.id = search_index.rowid WHERE search_index MATCH '\"reservoir\"' ORDER BY s LIMIT 20;",
    "search_lorem": "SELECT d.item_id, bm25(search_index, 10.0, 4.0, 1.0, 2.0, 3.0) AS s, "
    "snippet(search_index, -1, '[', ']', '…', 24) FROM search_index JOIN search_docs d "
    "ON d.id = search_index.rowid WHERE search_index MATCH '\"lorem\"' ORDER BY s LIMIT 20;",
}
_COMMANDS = {
    "list_case": ["list", "--case", "CASE07", "--limit", "50", "--json"],
    "list_tag": ["list", "--tag", "convoy", "--json"],
    "search_reservoir": ["search", "reservoir", "--json"],
    "search_lorem": ["search", "lorem", "--json"],
}


def _in_process(root: Path) -> Json:
    archive = Archive.open(root)
    calls: dict[str, Callable[[Any], Any]] = {
        "list_case": lambda c: catalog.find_items(c, catalog.ItemQuery(case="CASE07", limit=50)),
        "list_tag": lambda c: catalog.find_items(c, catalog.ItemQuery(tags=("convoy",))),
        "search_reservoir": lambda c: search.search(c, "reservoir"),
        "search_lorem": lambda c: search.search(c, "lorem"),
    }
    out: Json = {}
    counts: Json = {}
    try:
        for name, call in calls.items():
            with archive.reading() as conn:
                counts[name] = len(call(conn))

                def once(call: Callable[[Any], Any] = call, conn: Any = conn) -> float:
                    return _timed_call(lambda: call(conn))

                out[name] = r(_median_of(once) * 1000, 1)
    finally:
        archive.close()
    runner = CliRunner()
    clicked: Json = {}
    for name, args in _COMMANDS.items():

        def invoke(args: list[str] = args) -> float:
            t0 = time.perf_counter()
            res = runner.invoke(cli, ["--archive", str(root), *args], catch_exceptions=False)
            assert res.exit_code == 0, res.output
            return time.perf_counter() - t0

        clicked[name] = r(_median_of(invoke) * 1000, 1)
    return {"store_ms": out, "cli_runner_ms": clicked, "results": counts}


def run(quick: bool, workdir: Path) -> tuple[Json, dict[str, Json]]:
    total = 10_000 if quick else 100_000
    root = workdir / "catalog" / "archive"
    root.parent.mkdir(parents=True, exist_ok=True)
    log(f"catalog: building an archive of {total:,} items")
    built = build(root, total)
    log(f"catalog: built in {built['seconds']} s; timing commands")
    py = sys.executable
    vestige = [py, "-m", "vestige", "--archive", str(root)]
    db = str(root / "vestige.db")
    have_sqlite3 = shutil.which("sqlite3") is not None

    cpu: Json = {}

    def timed(label: str, cmd: list[str]) -> float:
        wall = _median_of(lambda: _run(cmd, label))
        cpu[label] = r(median(_cpu[label]), 3)
        return r(wall, 3)

    baselines: Json = {
        "python_start_s": timed("python_start", [py, "-c", "pass"]),
        "python_import_vestige_cli_s": timed("import_vestige_cli", [py, "-c", "import vestige.cli"]),
        "python_import_alembic_script_s": timed("import_alembic_script", [py, "-c", "import alembic.script"]),
    }
    commands: Json = {}
    sqlite_cli: Json = {}
    ratios: Json = {}
    for name, args in _COMMANDS.items():
        commands[name] = timed(name, [*vestige, *args])
        if have_sqlite3:
            sqlite_cli[name] = timed(f"sqlite3_{name}", ["sqlite3", db, _SQLITE_EQUIVALENT[name]])
            ratios[f"{name}_vs_sqlite3_cli"] = r(commands[name] / sqlite_cli[name], 1)
        ratios[f"{name}_vs_python_start"] = r(commands[name] / baselines["python_start_s"], 1)
        ratios[f"{name}_cpu_vs_import_vestige_cli_cpu"] = r(cpu[name] / cpu["import_vestige_cli"], 2)
        log(f"catalog: vestige {' '.join(args)}: {commands[name]} s (cpu {cpu[name]} s)")
    inproc = _in_process(root)
    log("catalog: rebuilding the search index (vestige search --reindex)")
    reindex_s = r(_run([*vestige, "search", "--reindex", "--json"]), 1)

    result: Json = {
        "build": built,
        "command_median_s": commands,
        "baseline_median_s": {**baselines, "sqlite3_cli": sqlite_cli or None},
        "cpu_median_s": cpu,
        "ratios": ratios,
        "in_process": inproc,
        "reindex_s": reindex_s,
        "runs": RUNS,
    }
    note = f"real vestige subprocess, median of {RUNS}, {total:,} items"
    targets = {f"catalog_{name}_s": target("<=", 0.5, commands[name], note) for name in _COMMANDS}
    return result, targets


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.catalog")
    parser.add_argument("--quick", action="store_true", help="10,000 items instead of 100,000")
    parser.add_argument("--dir", type=Path, default=None, help="parent of the work directory")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (and its archive)")
    args = parser.parse_args()
    run_alone("catalog", run, args.quick, args.dir, args.keep)


if __name__ == "__main__":
    main()
