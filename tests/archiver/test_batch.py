"""Batch capture: a CSV of 50 pages with --jobs 2, resuming, Ctrl-C in the middle, malformed input."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import VESTIGE, Cli
from tests.support.web import FixtureWeb
from vestige.archiver import capture as capture_module

pytestmark = pytest.mark.slow


@pytest.fixture
def archive_ready(vestige: Cli) -> Cli:
    assert vestige("init", "--operator", "Batch Tester").exit_code == 0
    assert vestige("case", "create", "B1").exit_code == 0
    return vestige


def _csv(path: Path, web: FixtureWeb, n: int) -> Path:
    lines = ["url,note,tags"]
    for i in range(n):
        lines.append(f'{web.url}/frame.html?n={i},"page {i}, from the spreadsheet",batch;p{i}')
        if i == 3:
            lines.append("")  # a blank line in the middle
    lines.append(f"{web.url}/frame.html?n=7,again,")  # a duplicate: captured once
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def _most_at_once(vestige: Cli, rows: list[dict[str, Any]]) -> int:
    """The most page visits (from a capture's start to its snapshots, as its provenance says) under way
    at one moment."""
    events: list[tuple[dt.datetime, int]] = []
    for row in rows:
        [prov] = [
            a for a in vestige("show", row["id"], "--json").json()["artifacts"] if a["role"] == "provenance"
        ]
        data = json.loads(Path(prov["path"]).read_bytes())
        events += [
            (dt.datetime.fromisoformat(data["started"]), 1),
            (dt.datetime.fromisoformat(data["snapshot_taken"]), -1),
        ]
    most = now = 0
    for _when, step in sorted(events):  # an end before a start at the same moment
        now += step
        most = max(most, now)
    return most


def test_one_job_visits_one_page_at_a_time(archive_ready: Cli, tmp_path: Path) -> None:
    # The next capture opens its page while one loads (one capture more is under way than --jobs), but
    # its page loads only when the other is done with its own.
    with FixtureWeb() as web:
        urls = tmp_path / "urls.txt"
        urls.write_text("".join(f"{web.url}/frame.html?one={i}\n" for i in range(4)))
        res = archive_ready("capture", "--from", str(urls), "--case", "B1", "--settle", "0.3", "--json")
        assert res.exit_code == 0, res.stdout[-2000:] + res.stderr[-2000:]
        rows = res.json()
    assert [r["state"] for r in rows] == ["complete"] * 4
    assert _most_at_once(archive_ready, rows) == 1


def test_work_that_can_wait_waits_until_no_page_is_loading(
    archive_ready: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Keeping what a page showed (files, WARC records, the profile's reading) waits for a moment when no
    # page is loading: on two cores it would slow the loads down. Each page here loads for 0.4 s or
    # more, so with two at a time some page is loading most of the time.
    monkeypatch.setattr(capture_module, "CALM_WAIT_S", 60.0)  # never given up on here
    loading: list[list[float]] = []  # [start, end] of each page's load (end: inf while it loads)
    began: list[tuple[str, float]] = []

    class Watched(capture_module.Loads):
        @contextlib.contextmanager
        def loading(self) -> Iterator[None]:
            loading.append(span := [time.monotonic(), math.inf])
            with super().loading():
                yield
            span[1] = time.monotonic()

    def watch(what: str, fn: Any) -> Any:
        def watched(*args: Any, **kwargs: Any) -> Any:
            began.append((what, time.monotonic()))  # in a thread, a moment after it was decided
            return fn(*args, **kwargs)

        return watched

    monkeypatch.setattr(capture_module, "Loads", Watched)
    monkeypatch.setattr(capture_module, "_keep_snapshots", watch("keep", capture_module._keep_snapshots))
    with FixtureWeb() as web:
        urls = tmp_path / "urls.txt"
        urls.write_text("".join(f"{web.url}/slow?ms=400&n={i}\n" for i in range(10)))
        res = archive_ready(
            "capture", "--from", str(urls), "--case", "B1", "--jobs", "2", "--settle", "0.3", "--json"
        )
    assert res.exit_code == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert [r["state"] for r in res.json()] == ["complete"] * 10
    assert [what for what, _t in began] == ["keep"] * 10
    assert len(loading) == 10 and all(end - start >= 0.4 for start, end in loading)
    # A page that had been loading for 0.1 s already when the work began: it began during that load.
    assert [(what, t) for what, t in began for start, end in loading if start < t - 0.1 and t < end] == []


def test_batch_of_50_with_two_jobs_then_resume(archive_ready: Cli, tmp_path: Path) -> None:
    vestige = archive_ready
    with FixtureWeb() as web:
        urls = _csv(tmp_path / "urls.csv", web, 50)
        res = vestige(
            "capture", "--from", str(urls), "--case", "B1", "--jobs", "2", "--settle", "0.2", "--json"
        )
        assert res.exit_code == 0, res.stdout[-2000:] + res.stderr[-2000:]
        rows = res.json()
        assert len(rows) == 50 and all(r["state"] == "complete" for r in rows)
        assert [r["url"] for r in rows] == [f"{web.url}/frame.html?n={i}" for i in range(50)]  # input order
        assert _most_at_once(vestige, rows) <= 2
        assert "line 53: the same URL as line 10" in res.stderr  # the duplicate, reported
        item = vestige("show", rows[7]["id"], "--json").json()
        assert [n["text"] for n in item["notes"]] == ["page 7, from the spreadsheet"]
        assert set(item["tags"]) == {"batch", "p7"}
        again = vestige("capture", "--from", str(urls), "--case", "B1", "--jobs", "2", "--json")
        assert again.exit_code == 0
        assert {r["state"] for r in again.json()} == {"skipped"}
        assert [r["id"] for r in again.json()] == [r["id"] for r in rows]
    assert len(vestige("list", "--case", "B1", "--json").json()) == 50
    assert vestige("verify", "--no-record").exit_code == 0


def test_failures_in_a_batch_are_reported_and_the_rest_captured(archive_ready: Cli, tmp_path: Path) -> None:
    with FixtureWeb() as web:
        path = tmp_path / "urls.txt"
        path.write_text(f"# from the team sheet\n{web.url}/frame.html\nhttp://127.0.0.1:9/unreachable\n\n")
        res = archive_ready("capture", "--from", str(path), "--case", "B1", "--settle", "0.2")
    assert res.exit_code == 1
    assert "2 URLs: 1 complete, 1 failed" in res.stderr
    assert "failed   http://127.0.0.1:9/unreachable: navigation failed" in res.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"link,note\nhttps://example.org/,x\n", "no 'url' column"),
        (b"url\nhttps://example.org/\xff\xfe\n", "not UTF-8 text (line 2)"),
        (b"url,note\nhttps://example.org/,ok\nfile:///etc/passwd,bad\njavascript:alert(1),bad\n", "line 3"),
        (b"\n\n", "no URLs to capture"),
        (b"url,tags\nhttps://example.org/,ok;bad\x07tag\n", "line 2: invalid tag"),
    ],
    ids=["no-url-column", "bad-encoding", "bad-urls", "empty", "bad-tag"],
)
def test_malformed_url_lists_are_refused_before_anything_is_captured(
    archive_ready: Cli, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "urls.csv"
    path.write_bytes(content)
    res = archive_ready("capture", "--from", str(path), "--case", "B1")
    assert res.exit_code == 2 and message in res.stderr, res.stderr
    assert archive_ready("list", "--json").json() == []


def test_ctrl_c_stops_cleanly_and_the_batch_resumes(archive_ready: Cli, tmp_path: Path) -> None:
    root = archive_ready.root
    with FixtureWeb() as web:
        urls = _csv(tmp_path / "urls.csv", web, 16)
        cmd = [
            *VESTIGE,
            "--archive",
            str(root),
            "capture",
            "--from",
            str(urls),
            "--case",
            "B1",
            "--jobs",
            "2",
        ]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # wait until some, but not all, are stored
            stored = archive_ready("list", "--json").json()
            if len(stored) >= 3:
                break
            time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, out + err
        assert "interrupted; run the same command again" in err and "Traceback" not in err
        kept = archive_ready("list", "--json").json()
        assert 3 <= len(kept) < 16
        assert all(i["state"] == "complete" for i in kept)  # in-flight captures were discarded, not kept
        assert not [p for p in (root / "tmp").iterdir() if p.name.startswith(("capture-", "session-"))]
        assert archive_ready("verify", "--no-record").exit_code == 0
        again = subprocess.run([*cmd, "--json"], capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr[-2000:]
        rows = json.loads(again.stdout)
        assert sum(r["state"] == "skipped" for r in rows) == len(kept)
        assert len(rows) == 16
    assert len(archive_ready("list", "--json").json()) == 16


def test_ctrl_c_while_an_exhibit_is_stored_finishes_storing_it(
    archive_ready: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Storing runs beside the captures (and the browser's shutdown): a stop that comes while an exhibit
    is being stored waits for it, and removes only the scratch of the capture still in flight. The real
    ingest runs, held back a moment so that the stop lands in it."""
    import asyncio
    import threading

    import vestige.store.ingest as ingest
    from vestige.archive import Archive
    from vestige.archiver.capture import CaptureOptions
    from vestige.archiver.url_list import UrlRow
    from vestige.cli.capture import _capture_batch
    from vestige.cli.progress import batch_progress

    real_add_capture = ingest.add_capture
    storing = threading.Event()

    def slow_add_capture(*args: Any, **kwargs: Any) -> Any:
        storing.set()
        time.sleep(1.5)
        return real_add_capture(*args, **kwargs)

    monkeypatch.setattr(ingest, "add_capture", slow_add_capture)
    root = archive_ready.root
    results: dict[str, dict[str, Any]] = {}
    with FixtureWeb() as web:
        rows = [UrlRow(f"{web.url}/frame.html?n={i}", i + 1) for i in range(3)]
        archive = Archive.open(root)
        try:
            opts = CaptureOptions(operator="Batch Tester", case="B1")
            progress = batch_progress(len(rows), 0, quiet=True, as_json=False)

            async def stop_while_storing() -> None:
                batch = asyncio.ensure_future(
                    _capture_batch(archive, rows, opts, "B1", None, 1, progress, results)
                )
                while not storing.is_set():
                    await asyncio.sleep(0.02)
                batch.cancel()  # what Ctrl-C does to asyncio.run's task
                with pytest.raises(asyncio.CancelledError):
                    await batch

            asyncio.run(stop_while_storing())
        finally:
            archive.close()
    assert list(results) == [rows[0].url] and results[rows[0].url]["state"] == "complete"
    kept = archive_ready("list", "--json").json()
    assert [i["id"] for i in kept] == [results[rows[0].url]["id"]]
    assert not [p for p in (root / "tmp").iterdir() if p.name.startswith(("capture-", "session-"))]
    assert archive_ready("verify", "--no-record").exit_code == 0
