"""A capture replays from its WARC in pywb, a real replay peer: every resource is there."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import Cli
from tests.support.replay import Pywb
from tests.support.web import FixturePki, FixtureWeb, make_test_pki

pytestmark = pytest.mark.slow


@pytest.fixture
def pki(tmp_path: Path) -> FixturePki:
    return make_test_pki(tmp_path / "pki")


def test_capture_replays_in_pywb(vestige: Cli, pki: FixturePki, tmp_path: Path) -> None:
    pywb = Pywb(tmp_path / "pywb")
    assert vestige("init").exit_code == 0
    with FixtureWeb(pki.cert_pem, pki.key_pem) as web:
        res = vestige(
            "capture", f"{web.url}/", "--case", "C1", "--create-case", "--ca-file", str(pki.ca_pem), "--json"
        )
    assert res.exit_code == 0, res.stdout + res.stderr  # the origin is gone from here on: replay only
    [item] = res.json()
    warc = Path(next(a["path"] for a in item["artifacts"] if a["role"] == "warc"))
    bodies: dict[str, bytes] = {}
    timestamp = ""
    with open(warc, "rb") as fp:
        for rec in ArchiveIterator(fp):
            if rec.rec_type == "response":
                timestamp = timestamp or re.sub(r"\D", "", rec.rec_headers.get_header("WARC-Date"))[:14]
                bodies[rec.rec_headers.get_header("WARC-Target-URI")] = (
                    rec.content_stream().read()
                    if (rec.http_headers.get_header("Content-Encoding") != "br")
                    else b""
                )
    named = pywb.root / f"{item['id']}.warc.gz"  # the blob is named by its digest; pywb wants the extension
    shutil.copyfile(warc, named)
    pywb.add_warc(named)
    with pywb:
        for uri in (
            f"{web.url}/",
            f"{web.url}/app.js",
            f"{web.url}/img.png",
            f"{web.url}/late.json",
            f"{web.url}/lazy.png",
            f"{web.url}/style.css",
            f"{web.url}/frame.html",
        ):
            status, body = _get(pywb.url(uri))
            assert status == 200, uri
            assert body == bodies[uri], uri  # the archived bytes, as captured
        _replay_in_browser(pywb.port, f"{web.url}/", timestamp)


def _get(url: str) -> tuple[int, bytes]:
    import urllib.request

    with urllib.request.urlopen(url, timeout=20) as resp:
        status: int = resp.status
        return status, resp.read()


def _replay_in_browser(port: int, url: str, timestamp: str) -> None:
    """Load the replay in Chromium: the page, its script-fetched late content and its images come back."""
    from playwright.sync_api import sync_playwright

    from vestige.archiver.browser import find_chromium, launch_args

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(pw), headless=True, args=launch_args([]))
        page = browser.new_page()
        # With a timestamp and mp_, pywb serves the archived page itself rather than its framed viewer.
        page.goto(f"http://127.0.0.1:{port}/evidence/{timestamp}mp_/{url}", wait_until="load")
        # pywb shows the archived page inside its viewer's iframe: look for it there.
        deadline = time.monotonic() + 20
        late = None
        images: list[int] = []
        while time.monotonic() < deadline and late != "late content arrived":
            for frame in page.frames:
                if "mp_/" in frame.url:
                    late = frame.evaluate("() => document.getElementById('late')?.textContent")
                    images = frame.evaluate("() => [...document.images].map(i => i.naturalWidth)")
            time.sleep(0.2)
        assert late == "late content arrived"  # the script ran and its fetch was answered from the WARC
        assert images[:2] == [16, 16]  # the images came back from the archive (16x16 PNGs)
        browser.close()
