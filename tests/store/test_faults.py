"""kill -9 at every step of a write, at random times, and the repairs the next writer makes.

Every write that dies is the real ``vestige`` in a subprocess: a crash point (``VESTIGE_CRASH_AT``)
or a SIGKILL from here stops it exactly as power loss or the OOM killer would. Afterwards the archive
must verify intact, hold either the whole append or none of it, and the next write must tidy what
the dead writer left.
"""

from __future__ import annotations

import fcntl
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import VESTIGE, Cli, Result, run_vestige
from vestige.archive import Archive

KILLED = -signal.SIGKILL


# --- helpers -------------------------------------------------------------------------------------


def _init(root: Path) -> None:
    Archive.create(root, "Test Operator").close()


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _run(root: Path, *args: str, inproc: bool = False) -> Result:
    """The real CLI: in a subprocess, or (to save interpreter start-ups) in this process."""
    return Cli(root)(*args) if inproc else run_vestige(root, *args)


def _add(root: Path, *args: str, inproc: bool = False) -> list[dict[str, Any]]:
    res = _run(root, "add", *args, "--json", inproc=inproc)
    assert res.exit_code == 0, res.stderr
    out: list[dict[str, Any]] = res.json()
    return out


def _items(root: Path, *, inproc: bool = False) -> list[dict[str, Any]]:
    res = _run(root, "list", "--json", inproc=inproc)
    assert res.exit_code == 0, res.stderr
    out: list[dict[str, Any]] = res.json()
    return out


def _verify(root: Path, *, inproc: bool = False) -> dict[str, Any]:
    """``vestige verify --json --no-record``, which must exit 0 with the result "intact"."""
    res = _run(root, "verify", "--json", "--no-record", inproc=inproc)
    assert res.exit_code == 0, f"verify failed:\n{res.stdout}\n{res.stderr}"
    report: dict[str, Any] = res.json()
    assert report["result"] == "intact", report
    assert report["problem_count"] == 0, report
    return report


def _checkpoint_notes(report: dict[str, Any]) -> list[str]:
    notes: list[str] = report["checks"][2]["notes"]
    return notes


def _db(root: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(root / "vestige.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _ledger_size(root: Path) -> int:
    return int(_db(root, "SELECT count(*) FROM ledger_entries")[0][0])


def _checkpoint_sizes(root: Path) -> list[int]:
    return [int(r[0]) for r in _db(root, "SELECT size FROM checkpoints ORDER BY rowid")]


def _checkpoint_files(root: Path) -> set[int]:
    return {int(p.stem) for p in (root / "checkpoints").glob("*.txt")}


def _tmp_files(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "tmp").iterdir())


def _assert_tidy(root: Path) -> None:
    """After a completed write: nothing in tmp/, a kept file for every checkpoint, sizes increasing."""
    assert _tmp_files(root) == []
    sizes = _checkpoint_sizes(root)
    assert sizes == sorted(set(sizes)), "checkpoint sizes not strictly increasing"
    assert sizes[-1] == _ledger_size(root)
    assert _checkpoint_files(root) == set(sizes)
    for size, note in _db(root, "SELECT size, note FROM checkpoints"):
        assert (root / "checkpoints" / f"{size:012d}.txt").read_text() == note


def _blob(root: Path, sha256: str) -> Path:
    return root / "blobs" / "sha256" / sha256[:2] / sha256[2:4] / sha256


# --- (1) every named crash point -----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("point", ["after-blobs", "before-commit", "after-commit"])
def test_crash_point_leaves_whole_append_or_none(point: str, tmp_path: Path, archive_root: Path) -> None:
    root = archive_root
    _init(root)
    first = _add(
        root, str(_write(tmp_path / "ev" / "first.txt", b"first exhibit\n")), "--case", "C", inproc=True
    )
    assert [i["id"] for i in first] == ["C-0001"]
    size_before = _ledger_size(root)

    # The crashed add opens a new case, so "all or nothing" covers the case.created entry too.
    crashed = _write(tmp_path / "ev" / "crashed.bin", b"crashed exhibit " * 1000)
    res = run_vestige(root, "add", str(crashed), "--case", "D", env={"VESTIGE_CRASH_AT": point})
    assert res.exit_code == KILLED, (res.exit_code, res.stderr)

    committed = point == "after-commit"
    ids = [i["id"] for i in _items(root)]
    assert ids == (["C-0001", "D-0001"] if committed else ["C-0001"])
    assert _ledger_size(root) == size_before + (2 if committed else 0)
    assert _checkpoint_sizes(root)[-1] == _ledger_size(root)

    report = _verify(root)
    assert report["tree_size"] == _ledger_size(root)
    # An add killed before its commit leaves a blob no item refers to: harmless, and said.
    stray = any("not referenced by any item" in n for n in report["checks"][5]["notes"])
    assert stray == (not committed)
    if committed:
        assert any("not yet written" in n for n in _checkpoint_notes(report))
    else:
        assert _checkpoint_notes(report) == []

    # The next add of the same file: a fresh exhibit or a recognised duplicate, never a lost one.
    again = _add(root, str(crashed), "--case", "D")
    assert [i["id"] for i in again] == (["D-0002"] if committed else ["D-0001"])
    assert again[0]["duplicate_of"] == (["D-0001"] if committed else [])
    assert _blob(root, again[0]["artifacts"][0]["sha256"]).exists()
    case_created = _db(
        root, "SELECT count(*) FROM ledger_entries WHERE event = 'case.created' AND case_id = 'D'"
    )[0][0]
    assert case_created == 1

    report = _verify(root, inproc=True)
    assert _checkpoint_notes(report) == []
    assert report["checks"][5]["notes"] == []
    expected = ["C-0001", "D-0001", *(["D-0002"] if committed else [])]
    assert [i["id"] for i in _items(root, inproc=True)] == expected
    _assert_tidy(root)


# --- (2) kill -9 at random times -----------------------------------------------------------------


def _start_add(root: Path, *files: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*VESTIGE, "--archive", str(root), "add", *map(str, files), "--case", "R"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_until_writing(proc: subprocess.Popen[bytes], tmp: Path, timeout: float = 30) -> float:
    """Wait until the writer has a temp file in tmp/ (it is storing blobs) or has exited."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if any(p.name.startswith("blob-") for p in tmp.iterdir()):
            break
        time.sleep(0.001)
    return time.monotonic()


@pytest.mark.slow
def test_random_kill_9_never_damages_the_archive(tmp_path: Path, archive_root: Path) -> None:
    root = archive_root
    _init(root)
    rng = random.Random(0x5EED)
    big = _write(tmp_path / "ev" / "video.mp4", rng.randbytes(30 << 20))

    def smalls(i: int) -> list[Path]:
        return [_write(tmp_path / "ev" / f"s{i}-{j}.txt", f"small {i}.{j}\n".encode()) for j in range(2)]

    # One undisturbed add measures how long a write takes once it starts storing blobs. The delays are
    # drawn from 0-400 ms, or from 0-1.5x that time if shorter, so that on a fast machine most kills
    # still land inside the write (blobs, catalog, commit, checkpoint file) rather than after it.
    proc = _start_add(root, big, *smalls(-1))
    began = _wait_until_writing(proc, root / "tmp")
    assert proc.wait(timeout=60) == 0, proc.communicate()[1].decode()
    window = min(0.4, 1.5 * (time.monotonic() - began))
    count = 3

    outcomes: list[int] = []
    for i in range(12):
        proc = _start_add(root, big, *smalls(i))
        # The delay counts from the moment the writer starts storing blobs, not from the fork: the
        # interpreter's start-up alone takes longer than the window and touches nothing.
        _wait_until_writing(proc, root / "tmp")
        time.sleep(rng.uniform(0, window))
        proc.kill()
        _, err = proc.communicate(timeout=30)
        assert proc.returncode in (0, KILLED), err.decode()
        outcomes.append(proc.returncode)

        report = _verify(root, inproc=True)
        items = _items(root, inproc=True)
        # An add of three files is one append: all three exhibits or none of them, never fewer.
        assert len(items) % 3 == 0, [it["id"] for it in items]
        assert len(items) >= count + (3 if proc.returncode == 0 else 0)
        count = len(items)
        assert report["tree_size"] == _ledger_size(root)
        assert [it["id"] for it in items] == [f"R-{n:04d}" for n in range(1, count + 1)]

    assert KILLED in outcomes, outcomes  # the test is only worth something if kills landed

    final = _add(root, str(_write(tmp_path / "ev" / "final.txt", b"after the storm\n")), "--case", "R")
    assert final[0]["id"] == f"R-{count + 1:04d}"
    _verify(root)
    _assert_tidy(root)


# --- (3) stale temp files -------------------------------------------------------------------------


def test_dead_writers_temp_files_are_removed_live_ones_kept(tmp_path: Path, archive_root: Path) -> None:
    root = archive_root
    _init(root)
    tmp = root / "tmp"
    dead_blob = _write(tmp / "blob-0123456789abcdef0123456789abcdef.part", b"half a video" * 1000)
    dead_cp = _write(tmp / "checkpoint-9.424242", b"half a checkpoint")
    live = _write(tmp / "blob-fedcba9876543210fedcba9876543210.part", b"being written")
    with open(live, "rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # a live writer's lock
        _add(root, str(_write(tmp_path / "a.txt", b"a\n")), "--case", "C", inproc=True)
        assert not dead_blob.exists()
        assert not dead_cp.exists()
        assert live.exists(), "a temp file whose writer is alive was removed"
        assert live.read_bytes() == b"being written"
    # Its writer gone, the next write removes it.
    _add(root, str(_write(tmp_path / "b.txt", b"b\n")), "--case", "C")
    assert not live.exists()
    _verify(root, inproc=True)
    _assert_tidy(root)


# --- (4) the checkpoint file an after-commit crash did not write ----------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("repaired_by", ["add", "recording-verify"])
def test_missing_newest_checkpoint_file_is_a_note_then_repaired(
    repaired_by: str, tmp_path: Path, archive_root: Path
) -> None:
    root = archive_root
    _init(root)
    _add(root, str(_write(tmp_path / "a.txt", b"a\n")), "--case", "C", inproc=True)
    # Two crashed appends in a row: the second one's repair writes the first one's file.
    for name in ("b.txt", "c.txt"):
        res = run_vestige(
            root,
            "add",
            str(_write(tmp_path / name, name.encode())),
            "--case",
            "C",
            env={"VESTIGE_CRASH_AT": "after-commit"},
        )
        assert res.exit_code == KILLED, res.stderr
    sizes = _checkpoint_sizes(root)
    missing = {sizes[-1]}
    assert _checkpoint_files(root) == set(sizes) - missing

    report = _verify(root)  # --no-record: read-only, so it must not repair either
    assert report["checks"][2]["status"] == "passed"
    notes = _checkpoint_notes(report)
    assert len(notes) == 1 and f"checkpoint {sizes[-1]}:" in notes[0], notes
    assert "not yet written" in notes[0]
    assert _checkpoint_files(root) == set(sizes) - missing

    if repaired_by == "add":
        _add(root, str(_write(tmp_path / "d.txt", b"d\n")), "--case", "C")
    else:
        res = run_vestige(root, "verify", "--json")
        assert res.exit_code == 0, res.stderr
        data = res.json()
        assert data["result"] == "intact"
        assert isinstance(data["recorded_as_entry"], int)
    assert missing <= _checkpoint_files(root)
    assert _checkpoint_notes(_verify(root, inproc=True)) == []
    _assert_tidy(root)
    assert [i["id"] for i in _items(root, inproc=True)] == [
        "C-0001",
        "C-0002",
        "C-0003",
        *(["C-0004"] if repaired_by == "add" else []),
    ]
