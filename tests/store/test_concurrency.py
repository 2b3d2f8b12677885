"""Several ``vestige`` processes writing one archive at once: no lost item, no forked tree.

The writers are real processes started together behind a barrier, so their appends contend for the
archive lock and SQLite's write lock at the same moments; their blob writes overlap each other's
repairs (``clean_stale_temp``) too.
"""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from tests.conftest import VESTIGE, Cli, run_vestige
from vestige.archive import Archive

# A writer: imports Vestige, says it is ready, waits for the go file, then runs
# `vestige --archive ROOT add FILE --case CASE` once per file, in this process, one after another.
DRIVER = """
import sys, time
from pathlib import Path
from vestige.cli import cli
root, case, ready, go, *files = sys.argv[1:]
Path(ready).touch()
deadline = time.monotonic() + 60
while not Path(go).exists():
    if time.monotonic() > deadline:
        sys.exit("driver: no go signal")
    time.sleep(0.001)
for f in files:
    try:
        cli.main(["--archive", root, "add", f, "--case", case, "--json"])
    except SystemExit as exc:
        if exc.code not in (0, None):
            print(f"driver: add {f} exited {exc.code}", file=sys.stderr)
            sys.exit(exc.code if isinstance(exc.code, int) else 99)
"""


def _init(root: Path) -> None:
    Archive.create(root, "Test Operator").close()


def _evidence(directory: Path, writer: int, count: int) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for n in range(count):
        p = directory / f"w{writer}-{n:02d}.bin"
        p.write_bytes(f"writer {writer} file {n}\n".encode() + os.urandom(64 << 10))
        files.append(p)
    return files


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run_writers(tmp_path: Path, root: Path, jobs: list[tuple[str, list[Path]]]) -> None:
    """One driver process per job, released together; every one must exit 0."""
    sync = tmp_path / "sync"
    sync.mkdir()
    go = sync / "go"
    procs: list[subprocess.Popen[str]] = []
    for n, (case, files) in enumerate(jobs):
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    DRIVER,
                    str(root),
                    case,
                    str(sync / f"ready-{n}"),
                    str(go),
                    *map(str, files),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    try:
        deadline = time.monotonic() + 60
        while not all((sync / f"ready-{n}").exists() for n in range(len(procs))):
            assert time.monotonic() < deadline, "writers did not start"
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
            time.sleep(0.005)
        go.touch()
        outs = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert "Traceback" not in err, err


def _assert_consistent(root: Path, files_by_case: dict[str, list[Path]]) -> list[dict[str, Any]]:
    """Every file an exhibit once, IDs per case 1..n, one unforked ledger, verify intact."""
    res = run_vestige(root, "list", "--json")
    assert res.exit_code == 0, res.stderr
    listed: list[dict[str, Any]] = res.json()
    total = sum(len(f) for f in files_by_case.values())
    ids = [it["id"] for it in listed]
    assert len(listed) == total, ids
    assert len(set(ids)) == total, [i for i, c in Counter(ids).items() if c > 1]
    for case, files in files_by_case.items():
        in_case = sorted(it["id"] for it in listed if it["case"] == case)
        assert in_case == [f"{case}-{n:04d}" for n in range(1, len(files) + 1)]
        have = Counter(it["artifacts"][0]["sha256"] for it in listed if it["case"] == case)
        assert have == Counter(_sha256(f) for f in files)
    assert len({it["entry_index"] for it in listed}) == total

    res = run_vestige(root, "ledger", "log", "--json")
    assert res.exit_code == 0, res.stderr
    entries = res.json()
    assert [e["index"] for e in entries] == list(range(len(entries)))
    events = Counter(e["event"] for e in entries)
    assert events["item.added"] == total
    assert events["case.created"] == len(files_by_case)

    conn = sqlite3.connect(root / "vestige.db")
    try:
        rows = conn.execute("SELECT size, created_at FROM checkpoints ORDER BY rowid").fetchall()
    finally:
        conn.close()
    sizes = [int(r[0]) for r in rows]
    assert all(a < b for a, b in itertools.pairwise(sizes)), sizes
    assert [r[1] for r in rows] == sorted(r[1] for r in rows)
    assert len(sizes) == 1 + total  # one for init, one per add
    assert sizes[-1] == len(entries)
    assert {int(p.stem) for p in (root / "checkpoints").glob("*.txt")} == set(sizes)
    assert list((root / "tmp").iterdir()) == []

    res = run_vestige(root, "verify", "--json", "--no-record")
    assert res.exit_code == 0, res.stdout + res.stderr
    report = res.json()
    assert report["result"] == "intact", report
    assert report["tree_size"] == len(entries)
    return listed


@pytest.mark.slow
def test_four_writers_ten_files_each_lose_nothing(tmp_path: Path, archive_root: Path) -> None:
    _init(archive_root)
    jobs = [("UKR-2024", _evidence(tmp_path / "ev", w, 10)) for w in range(4)]
    _run_writers(tmp_path, archive_root, jobs)
    _assert_consistent(archive_root, {"UKR-2024": [f for _, files in jobs for f in files]})
    # The writers really ran at once: their appends interleave rather than following one another.
    log = run_vestige(archive_root, "ledger", "log", "--json").json()
    order = [e["details"]["source"][:2] for e in log if e["event"] == "item.added"]
    switches = sum(a != b for a, b in itertools.pairwise(order))
    assert switches > len(jobs) - 1, f"writers ran one after another: {order}"


@pytest.mark.slow
def test_concurrent_adds_to_two_cases(tmp_path: Path, archive_root: Path) -> None:
    """Four adds per case, each its own `python -m vestige` process, all eight started at once."""
    _init(archive_root)
    files = {"CASE-A": _evidence(tmp_path / "a", 0, 4), "CASE-B": _evidence(tmp_path / "b", 1, 4)}
    procs = [
        subprocess.Popen(
            [*VESTIGE, "--archive", str(archive_root), "add", str(f), "--case", case],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
        for case, fs in files.items()
        for f in fs[n : n + 1]
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
    listed = _assert_consistent(archive_root, files)
    entries = run_vestige(archive_root, "ledger", "log", "--case", "CASE-A", "--json").json()
    assert {e["subject"] for e in entries if e["event"] == "item.added"} == {
        it["id"] for it in listed if it["case"] == "CASE-A"
    }


def test_writer_blocked_by_held_lock_exits_4_with_one_line(tmp_path: Path, archive_root: Path) -> None:
    _init(archive_root)
    evidence = tmp_path / "late.txt"
    evidence.write_bytes(b"arrives while the archive is busy\n")
    env = {"VESTIGE_LOCK_TIMEOUT": "0.5"}
    fd = os.open(archive_root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        started = time.monotonic()
        res = run_vestige(archive_root, "add", str(evidence), "--case", "C", env=env, timeout=30)
        elapsed = time.monotonic() - started
        as_json = run_vestige(
            archive_root, "add", str(evidence), "--case", "C", "--json", env=env, timeout=30
        )
    finally:
        os.close(fd)
    assert res.exit_code == 4, (res.exit_code, res.stderr)
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("vestige: error:") and "locked" in lines[0], lines
    assert res.stdout == ""
    assert elapsed < 10, elapsed  # it gave up after VESTIGE_LOCK_TIMEOUT, not the 120 s default

    assert as_json.exit_code == 4
    error = as_json.json()["error"]
    assert (error["kind"], error["exit_code"]) == ("busy", 4)
    assert "locked" in error["message"]

    # Nothing was recorded, and nothing was left behind; once the lock is free the add works.
    listed = run_vestige(archive_root, "list", "--json")
    assert listed.exit_code == 0 and listed.json() == []
    assert list((archive_root / "tmp").iterdir()) == []
    res = run_vestige(archive_root, "add", str(evidence), "--case", "C", "--json", env=env)
    assert res.exit_code == 0, res.stderr
    assert [it["id"] for it in res.json()] == ["C-0001"]


def test_verify_while_another_process_appends_reports_no_false_problem(
    tmp_path: Path, archive_root: Path
) -> None:
    """A writer commits (and writes its checkpoint file) while a verify is under way.

    The verify reads one snapshot of the ledger; what the writer adds after it must be invisible to it,
    not a "truncated or rewritten ledger". The interleaving is made exact, not left to chance: right
    after the verify's first read of the ledger, a real ``vestige add`` runs to completion.
    """
    _init(archive_root)
    first, second = _evidence(tmp_path / "ev", 0, 2)
    assert run_vestige(archive_root, "add", str(first), "--case", "C").exit_code == 0
    concurrent: list[Any] = []

    def append_from_another_process(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if concurrent or not re.search(r"\bFROM (checkpoints|ledger_entries)\b", statement):
            return
        concurrent.append(run_vestige(archive_root, "add", str(second), "--case", "C"))

    event.listen(Engine, "after_cursor_execute", append_from_another_process)
    try:
        res = Cli(archive_root)("verify", "--json", "--no-record")
    finally:
        event.remove(Engine, "after_cursor_execute", append_from_another_process)
    assert len(concurrent) == 1 and concurrent[0].exit_code == 0, concurrent
    assert res.exit_code == 0, res.stdout
    report = res.json()
    assert report["result"] == "intact", report
    assert report["tree_size"] == 4  # archive.created, key.registered, case.created, item.added

    # Afterwards the whole archive, including the concurrent add, verifies intact.
    _assert_consistent(archive_root, {"C": [first, second]})
