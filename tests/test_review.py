"""Reviewing evidence: `vestige open` hands a checked copy to a real viewer process, `vestige replay` serves
captures to ReplayWeb.page, loaded in real Chromium."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.conftest import VESTIGE, Cli
from tests.support.web import FixtureWeb
from vestige.archive import Archive
from vestige.archiver.capture import CaptureResult
from vestige.clock import utc_now
from vestige.exports.wacz import verify_wacz
from vestige.review.artifacts import remove_old_copies
from vestige.review.replay import RangeNotSatisfiable, byte_range
from vestige.review.replaywebpage import find_replaywebpage
from vestige.store.ingest import add_capture

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
SYNTHETIC_URL = "http://evidence.test/statement"
SYNTHETIC_HTML = b"<!doctype html><title>Synthetic statement</title><p>Synthetic page text 7c1e</p>"


# -- fixtures -----------------------------------------------------------------------------------------------


@dataclass
class Viewer:
    """A real opener process: a script that records the arguments it was run with."""

    command: str
    record: Path

    def calls(self) -> list[list[str]]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines()]


@pytest.fixture
def viewer(tmp_path: Path) -> Viewer:
    record = tmp_path / "viewer-calls.jsonl"
    script = tmp_path / "viewer.py"
    script.write_text(
        "import json, sys\n"
        f"with open({str(record)!r}, 'a') as fp:\n"
        "    fp.write(json.dumps(sys.argv[1:]) + '\\n')\n"
    )
    return Viewer(f"{sys.executable} {script}", record)


def _synthetic_capture(root: Path, case: str = "C1") -> str:
    """A capture stored the way `vestige capture` stores one, from files written here (no browser)."""
    work = root.parent / "synthetic"
    work.mkdir(exist_ok=True)
    warc = work / "capture.warc.gz"
    with open(warc, "wb") as fp:
        writer = WARCWriter(fp, gzip=True)
        http = StatusAndHeaders(
            "200 OK",
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(SYNTHETIC_HTML)))],
            protocol="HTTP/1.1",
        )
        writer.write_record(
            writer.create_warc_record(
                SYNTHETIC_URL, "response", payload=io.BytesIO(SYNTHETIC_HTML), http_headers=http
            )
        )
    (work / "screenshot.png").write_bytes(PNG)
    (work / "kept-0a1b").write_bytes(b"\x1aE\xdf\xa3" + bytes(64))
    (work / "provenance.json").write_text(json.dumps({"url": SYNTHETIC_URL}))
    now = utc_now()
    result = CaptureResult(
        url=SYNTHETIC_URL,
        final_url=SYNTHETIC_URL,
        state="complete",
        reason=None,
        http_status=200,
        title="Synthetic statement",
        started=now,
        ended=now,
        files=[
            ("screenshot", work / "screenshot.png", "image/png"),
            ("media", work / "kept-0a1b", "video/webm"),
            ("provenance", work / "provenance.json", "application/json"),
            ("warc", warc, "application/warc"),
        ],
        provenance={},
    )
    archive = Archive.open(root)
    try:
        return add_capture(archive, result, case).item.id
    finally:
        archive.close()


@pytest.fixture
def capture_id(vestige: Cli, archive_root: Path) -> str:
    assert vestige("init").exit_code == 0
    return _synthetic_capture(archive_root)


def _env(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _blob(item: dict[str, Any], role: str) -> Path:
    return Path(next(a["path"] for a in item["artifacts"] if a["role"] == role))


# -- vestige open ---------------------------------------------------------------------------------------


def test_open_hands_a_read_only_copy_with_its_extension_to_the_viewer(
    vestige: Cli, evidence: list[Path], archive_root: Path, viewer: Viewer
) -> None:
    vestige("init")
    [item] = vestige("add", str(evidence[0]), "--case", "C1", "--json").json()
    res = vestige("open", item["id"], "--json", env={"VESTIGE_OPENER": viewer.command})
    assert res.exit_code == 0, res.stderr
    out = res.json()
    [[opened]] = viewer.calls()  # the viewer ran once, with one argument: the copy
    copy = Path(opened)
    assert out["path"] == opened and out["role"] == "file" and out["item"] == item["id"]
    assert out["opened_with"][-1].endswith("viewer.py")
    assert copy.parent == archive_root / "tmp" / "open"
    assert copy.name == f"{item['id']}-statement.pdf"  # the original name, so its extension
    assert copy.read_bytes() == evidence[0].read_bytes()
    assert stat.S_IMODE(copy.stat().st_mode) == 0o444
    assert not copy.samefile(_blob(item, "file"))  # a copy: a viewer saving in place cannot touch the blob


def test_open_picks_a_captures_screenshot_and_names_artifacts_by_media_type(
    vestige: Cli, capture_id: str, viewer: Viewer
) -> None:
    env = {"VESTIGE_OPENER": viewer.command}
    assert vestige("open", capture_id, env=env).exit_code == 0
    for what in ("media", "warc", "provenance"):
        res = vestige("open", capture_id, "--what", what, env=env)
        assert res.exit_code == 0, res.stderr
    names = [Path(call[0]).name for call in viewer.calls()]
    assert names == [
        f"{capture_id}-screenshot.png",
        f"{capture_id}-media.webm",  # stored as kept-<hex>: the extension comes from the media type
        f"{capture_id}-warc.warc.gz",
        f"{capture_id}-provenance.json",
    ]
    item = vestige("show", capture_id, "--json").json()
    assert Path(viewer.calls()[0][0]).read_bytes() == _blob(item, "screenshot").read_bytes() == PNG


def test_print_path_opens_nothing(vestige: Cli, capture_id: str, viewer: Viewer) -> None:
    res = vestige(
        "open", capture_id, "--what", "media", "--print-path", env={"VESTIGE_OPENER": viewer.command}
    )
    assert res.exit_code == 0
    path = Path(res.stdout.strip())
    assert path.name == f"{capture_id}-media.webm" and path.is_file()
    assert viewer.calls() == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xdg-open and DISPLAY are Linux's")
def test_without_a_display_the_error_names_the_copy(capture_id: str, archive_root: Path) -> None:
    env = _env(DISPLAY=None, WAYLAND_DISPLAY=None, VESTIGE_OPENER=None)
    proc = subprocess.run(
        [*VESTIGE, "--archive", str(archive_root), "open", capture_id],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 3
    [line] = proc.stderr.splitlines()
    copy = archive_root / "tmp" / "open" / f"{capture_id}-screenshot.png"
    assert line.startswith("vestige: error: cannot open the screenshot of") and "no display" in line
    assert f"open it by hand: {copy}" in line and "VESTIGE_OPENER" in line
    assert copy.read_bytes() == PNG  # ready to open by hand


def test_a_missing_or_failing_opener_is_one_clear_line(vestige: Cli, capture_id: str, tmp_path: Path) -> None:
    res = vestige("open", capture_id, "--json", env={"VESTIGE_OPENER": str(tmp_path / "no-such-viewer")})
    assert res.exit_code == 3
    assert "cannot run" in res.stderr and "no-such-viewer" in res.stderr
    assert res.json()["error"]["kind"] == "no-viewer"

    failing = tmp_path / "failing-viewer.py"
    failing.write_text(
        "import sys\nprint('gio: no application for image/png', file=sys.stderr)\nsys.exit(4)\n"
    )
    res = vestige("open", capture_id, env={"VESTIGE_OPENER": f"{sys.executable} {failing}"})
    assert res.exit_code == 3
    [line] = res.stderr.splitlines()
    assert "failed (exit 4): gio: no application for image/png" in line
    assert f"{capture_id}-screenshot.png" in line


def test_open_refuses_a_blob_changed_behind_the_archives_back(
    vestige: Cli, capture_id: str, archive_root: Path, viewer: Viewer
) -> None:
    blob = _blob(vestige("show", capture_id, "--json").json(), "screenshot")
    os.chmod(blob, 0o644)
    blob.write_bytes(PNG.replace(b"IDAT", b"IDAt"))
    res = vestige("open", capture_id, env={"VESTIGE_OPENER": viewer.command})
    assert res.exit_code == 1
    assert "does not match its recorded digests" in res.stderr
    assert viewer.calls() == []
    assert list((archive_root / "tmp" / "open").iterdir()) == []  # no copy, not even a partial one


def test_open_input_errors(vestige: Cli, evidence: list[Path], capture_id: str, viewer: Viewer) -> None:
    env = {"VESTIGE_OPENER": viewer.command}
    res = vestige("open", "C1-0999", env=env)
    assert res.exit_code == 2 and "no item 'C1-0999'" in res.stderr
    [item] = vestige("add", str(evidence[0]), "--case", "C1", "--json").json()
    res = vestige("open", item["id"], "--what", "screenshot", env=env)
    assert res.exit_code == 2 and f"{item['id']} has no screenshot (it has: file)" in res.stderr
    res = vestige("open", capture_id, "--what", "media", "--index", "2", env=env)
    assert res.exit_code == 2 and "has 1 media artifact(s), not 2" in res.stderr
    res = vestige("open", capture_id, "--what", "thumbnail", env=env)
    assert res.exit_code == 2
    assert viewer.calls() == []


def test_a_copy_outlives_later_writes_to_the_archive(vestige: Cli, capture_id: str) -> None:
    # The viewer may read the copy seconds later, or again later on, while a batch capture goes on.
    res = vestige("open", capture_id, "--print-path")
    copy = Path(res.stdout.strip())
    assert vestige("note", capture_id, "screenshot shown to W-12").exit_code == 0
    assert copy.read_bytes() == PNG


def test_copies_older_than_a_day_are_removed(tmp_path: Path) -> None:
    old, new = tmp_path / "C1-0001-screenshot.png", tmp_path / "C1-0002-screenshot.png"
    for path in (old, new):
        path.write_bytes(PNG)
        path.chmod(0o444)
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    assert remove_old_copies(tmp_path) == 1
    assert not old.exists() and new.exists()


# -- vestige replay: errors -----------------------------------------------------------------------------


def test_replay_refuses_what_is_not_a_capture(vestige: Cli, evidence: list[Path], archive_root: Path) -> None:
    vestige("init")
    [item] = vestige("add", str(evidence[0]), "--case", "FILES", "--json").json()
    res = vestige("replay", item["id"], "--no-browser")
    assert res.exit_code == 2
    [line] = res.stderr.splitlines()
    assert f"{item['id']} is an added file, not a web capture" in line
    assert f"vestige open {item['id']}" in line
    res = vestige("replay", "FILES", "--no-browser", "--json")
    assert res.exit_code == 2 and "case FILES has no web captures to replay" in res.stderr
    assert res.json()["error"]["kind"] == "input"
    res = vestige("replay", "NOPE", "--no-browser")
    assert res.exit_code == 2 and "no item or case 'NOPE'" in res.stderr
    assert not list((archive_root / "tmp").glob("replay-*"))


@pytest.mark.parametrize("damage", ["rewritten", "garbled"])
def test_replay_refuses_a_warc_changed_behind_the_archives_back(
    vestige: Cli, capture_id: str, archive_root: Path, damage: str
) -> None:
    warc = _blob(vestige("show", capture_id, "--json").json(), "warc")
    if damage == "rewritten":  # still a well-formed WARC, of other content: caught inside the WACZ
        data = gzip.decompress(warc.read_bytes()).replace(b"page text 7c1e", b"page text 0000")
        replaced = gzip.compress(data)
    else:  # no longer a WARC at all: caught before anything is served
        replaced = b"\x1f\x8b" + bytes(200)
    os.chmod(warc, 0o644)
    warc.write_bytes(replaced)
    res = vestige("replay", capture_id, "--no-browser")
    assert res.exit_code == 1
    assert f"{capture_id}: the stored WARC does not match its recorded digest; not replayed" in res.stderr
    assert not list((archive_root / "tmp").glob("replay-*"))


def test_replay_on_a_port_in_use_says_so(vestige: Cli, capture_id: str, archive_root: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        res = vestige("replay", capture_id, "--port", str(port), "--no-browser", "--json")
    assert res.exit_code == 2
    assert res.json()["error"]["kind"] == "port-in-use"
    [line] = res.stderr.splitlines()
    assert f"port {port} on 127.0.0.1 is in use" in line and "--port" in line
    assert not list((archive_root / "tmp").glob("replay-*"))


def test_replay_without_replaywebpage_installed(vestige: Cli, capture_id: str, tmp_path: Path) -> None:
    res = vestige("replay", capture_id, "--no-browser", env={"VESTIGE_REPLAYWEBPAGE": str(tmp_path)})
    assert res.exit_code == 3
    assert "ReplayWeb.page is not installed: ui.js, sw.js missing" in res.stderr


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-99", (0, 99)),
        ("bytes=10-", (10, 999)),
        ("bytes=-100", (900, 999)),
        ("bytes=990-2000", (990, 999)),
        ("bytes=0-1,5-6", None),  # several ranges: answered whole, which RFC 9110 allows
        ("items=0-1", None),
    ],
)
def test_byte_ranges(header: str | None, expected: tuple[int, int] | None) -> None:
    assert byte_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5-4", "bytes=-0"])
def test_byte_ranges_past_the_end(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        byte_range(header, 1000)


# -- vestige replay: serving ----------------------------------------------------------------------------


@dataclass
class Replay:
    proc: subprocess.Popen[str]
    info: dict[str, Any]

    def stop(self, sig: int = signal.SIGINT) -> tuple[int, str]:
        self.proc.send_signal(sig)
        _, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, err


@contextlib.contextmanager
def replaying(root: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[Replay]:
    """`vestige replay ... --json` in a subprocess, once it prints where it serves."""
    proc = subprocess.Popen(
        [*VESTIGE, "--archive", str(root), "replay", *args, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        assert proc.stdout is not None
        text = ""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                raise AssertionError(
                    f"replay ended early: {proc.wait()} {proc.stderr.read() if proc.stderr else ''}"
                )
            text += line
            if line.startswith("}"):
                break
        yield Replay(proc, json.loads(text))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_replay_serves_the_page_replaywebpage_and_the_wacz_only(
    vestige: Cli, capture_id: str, archive_root: Path, viewer: Viewer, tmp_path: Path
) -> None:
    with replaying(archive_root, capture_id, env={"VESTIGE_OPENER": viewer.command}) as replay:
        info = replay.info
        url: str = info["url"]
        assert url.startswith(f"http://127.0.0.1:{info['port']}/") and info["pid"] == replay.proc.pid
        assert info["replaywebpage"] == find_replaywebpage().version
        [cap] = info["captures"]
        assert cap["id"] == capture_id and cap["url"] == SYNTHETIC_URL and cap["state"] == "complete"
        deadline = time.monotonic() + 10
        while not viewer.calls() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert viewer.calls() == [[url]]  # the browser was opened at the address printed

        status, headers, page = _get(url)
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert b'source="' + Path(info["wacz"]).name.encode() + b'"' in page
        assert f'url="{SYNTHETIC_URL}"'.encode() in page and b'replayBase="replay/"' in page
        assets = find_replaywebpage()
        assert _get(url + "ui.js")[2] == assets.ui_js.read_bytes()
        status, headers, sw = _get(url + "replay/sw.js?serveIndex=1")
        assert status == 200 and headers["Content-Type"] == "application/javascript"
        assert sw == assets.sw_js.read_bytes()

        wacz_url = url + Path(info["wacz"]).name
        status, headers, whole = _get(wacz_url)
        assert status == 200 and headers["Accept-Ranges"] == "bytes"
        status, headers, part = _get(wacz_url, {"Range": "bytes=10-29"})
        assert status == 206 and part == whole[10:30]
        assert headers["Content-Range"] == f"bytes 10-29/{len(whole)}"
        assert _get(wacz_url, {"Range": f"bytes={len(whole)}-"})[0] == 416
        # The WACZ holds the capture's WARC byte for byte, and checks out.
        wacz = tmp_path / "replayed.wacz"
        wacz.write_bytes(whole)
        assert verify_wacz(wacz).ok
        item = vestige("show", capture_id, "--json").json()
        with zipfile.ZipFile(wacz) as zf:
            assert zf.read(f"archive/{capture_id}.warc.gz") == _blob(item, "warc").read_bytes()

        # Nothing else is served: not without the token, not to a page reaching 127.0.0.1 by another name.
        root = url.rsplit("/", 2)[0] + "/"
        assert _get(root)[0] == 404
        assert _get(root + "ui.js")[0] == 404
        assert _get(url + "../" + Path(info["wacz"]).name)[0] == 404
        assert _get(url + "replay/other.js")[0] == 404
        assert _get(url, {"Host": f"attacker.example:{info['port']}"})[0] == 403

        assert list((archive_root / "tmp").glob("replay-*"))
        code, err = replay.stop(signal.SIGTERM)
    assert code == 0 and "replay stopped" in err
    assert not list((archive_root / "tmp").glob("replay-*"))  # the WACZ went with the server


# -- vestige replay in Chromium -------------------------------------------------------------------------


@dataclass
class Captured:
    vestige: Cli
    root: Path
    page_id: str  # the fixture web's evidence page
    hostile_id: str  # a page with dialogs and a pop-up, listed beside it
    origin: str


@pytest.fixture(scope="module")
def captured(tmp_path_factory: pytest.TempPathFactory) -> Captured:
    root = tmp_path_factory.mktemp("review") / "archive"
    vestige = Cli(root)
    assert vestige("init").exit_code == 0
    with FixtureWeb() as web:
        res = vestige(
            "capture", f"{web.url}/", f"{web.url}/hostile", "--case", "WEB", "--create-case", "--json"
        )
        assert res.exit_code == 0, res.stdout + res.stderr
    # The fixture web is gone from here on: whatever a replay shows comes from the archive.
    ids = {row["url"]: row["id"] for row in res.json()}
    return Captured(vestige, root, ids[f"{web.url}/"], ids[f"{web.url}/hostile"], web.url)


def _browse(url: str, check: Any) -> list[str]:
    """Load ``url`` in Chromium and call ``check(page)`` until it returns true; the URLs requested."""
    from playwright.sync_api import sync_playwright

    from vestige.archiver.browser import find_chromium, launch_args

    requested: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(pw), headless=True, args=launch_args([]))
        try:
            context = browser.new_context()
            context.on("request", lambda r: requested.append(r.url))  # pop-ups' requests too
            page = context.new_page()
            page.goto(url)
            deadline = time.monotonic() + 60
            while not check(page):
                if time.monotonic() > deadline:
                    shown = [(f.url, f.evaluate("() => document.body.innerText")) for f in page.frames]
                    raise AssertionError(f"the replay never showed it; frames: {shown}")
                page.wait_for_timeout(300)  # not time.sleep: Playwright learns of new frames while waiting
        finally:
            browser.close()
    return requested


def _frame_texts(page: Any, marker: str) -> list[str]:
    texts = []
    for frame in page.frames:
        if marker in frame.url:
            with contextlib.suppress(Exception):  # a frame navigating away
                texts.append(frame.evaluate("() => document.body ? document.body.innerText : ''"))
    return texts


@pytest.mark.slow
def test_a_capture_replays_in_chromium(captured: Captured) -> None:
    with replaying(captured.root, captured.page_id, "--no-browser") as replay:
        url = replay.info["url"]

        def shows_the_page(page: Any) -> bool:
            # The archived page, in ReplayWeb.page's replay frame, with what its script fetched late.
            return any(
                "Visible text für the record: Свідок W-12." in text and "late content arrived" in text
                for text in _frame_texts(page, "mp_/" + captured.origin)
            )

        requested = _browse(url, shows_the_page)
        code, err = replay.stop()
    assert code == 0, err
    _only_from(url, requested)
    assert any("/replay/w/" in u and captured.origin in u for u in requested)
    assert not list((captured.root / "tmp").glob("replay-*"))


def _only_from(url: str, requested: list[str]) -> None:
    """Everything came from the replay server: ReplayWeb.page, its service worker, the archived page."""
    origin = url.split("/")[2]
    assert requested and all(u.split("/")[2] == origin for u in requested if u.startswith("http")), requested
    # and ReplayWeb.page was not told to send new windows to https://replayweb.page/
    assert not any("replayweb.page" in u for u in requested)


@pytest.mark.slow
def test_a_case_replays_with_a_list_of_its_captures(captured: Captured) -> None:
    with replaying(captured.root, "WEB", "--no-browser") as replay:
        assert {c["id"] for c in replay.info["captures"]} == {captured.page_id, captured.hostile_id}
        clicked = False

        def lists_and_replays(page: Any) -> bool:
            nonlocal clicked
            ui = next((f for f in page.frames if "/replay/?source=" in f.url), None)
            if ui is None:
                return False
            if not clicked:
                # ReplayWeb.page's list of pages (inside shadow DOM, which Playwright's CSS pierces).
                hostile = ui.locator('keyword-mark[title="Hostile page"]')
                evidence = ui.locator('keyword-mark[title^="Evidence page"]')
                if hostile.count() != 1 or evidence.count() != 1:
                    return False
                evidence.click()
                clicked = True
            return any(
                "Visible text für the record" in t for t in _frame_texts(page, "mp_/" + captured.origin)
            )

        requested = _browse(replay.info["url"], lists_and_replays)
        code, _ = replay.stop()
    assert code == 0
    _only_from(replay.info["url"], requested)
