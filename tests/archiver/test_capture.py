"""Capture through the real CLI: Chromium behind the recorder, against the local test web."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import brotli
import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import Cli
from tests.support.net import free_port, wait_for_port
from tests.support.web import CLIP, FixturePki, FixtureWeb, make_test_pki
from vestige.archiver import capture as capture_module

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> FixturePki:
    return make_test_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def https(pki: FixturePki) -> Iterator[FixtureWeb]:
    with FixtureWeb(pki.cert_pem, pki.key_pem) as web:
        yield web


@pytest.fixture
def archive_ready(vestige: Cli) -> Cli:
    assert vestige("init", "--operator", "Capture Tester").exit_code == 0
    assert vestige("case", "create", "C1", "--title", "Capture tests").exit_code == 0
    return vestige


def _records(warc: Path) -> list[Any]:
    out = []
    with open(warc, "rb") as fp:
        for rec in ArchiveIterator(fp, check_digests="raise"):
            body = rec.content_stream().read() if rec.rec_type != "response" else rec.raw_stream.read()
            out.append((rec, body))
    return out


def _artifact(item: dict[str, Any], role: str) -> Path:
    [art] = [a for a in item["artifacts"] if a["role"] == role]
    return Path(art["path"])


def test_https_page_is_captured_faithfully(archive_ready: Cli, https: FixtureWeb, pki: FixturePki) -> None:
    vestige = archive_ready
    res = vestige("capture", f"{https.url}/", "--case", "C1", "--ca-file", str(pki.ca_pem), "--json")
    assert res.exit_code == 0, res.stderr + res.stdout
    [item] = res.json()
    assert item["state"] == "complete" and item["reason"] is None
    assert item["http_status"] == 200 and item["title"].startswith("Evidence page")
    roles = {a["role"] for a in item["artifacts"]}
    assert roles == {"warc", "screenshot", "pdf", "dom", "text", "provenance", "certificates", "media"}
    assert _artifact(item, "media").read_bytes() == CLIP  # the page's video, saved whole...
    clips = [
        b
        for r, b in _records(_artifact(item, "warc"))
        if r.rec_type == "response"
        and r.rec_headers.get_header("WARC-Target-URI") == f"{https.url}/clip.webm"
    ]
    assert CLIP in clips  # ...and its whole response is in the WARC
    assert _artifact(item, "screenshot").read_bytes().startswith(b"\x89PNG")
    assert _artifact(item, "pdf").read_bytes().startswith(b"%PDF")
    text = _artifact(item, "text").read_text()
    assert "late content arrived" in text  # the late fetch was waited for
    assert "Свідок W-12" in text

    records = _records(_artifact(item, "warc"))
    assert records[0][0].rec_type == "warcinfo"
    info = records[0][1].decode()
    assert "operator: Capture Tester" in info and "case: C1" in info and "chromium" in info
    responses = {
        r.rec_headers.get_header("WARC-Target-URI"): (r, b) for r, b in records if r.rec_type == "response"
    }
    requests = {
        r.rec_headers.get_header("WARC-Concurrent-To"): r for r, _ in records if r.rec_type == "request"
    }
    for uri in (
        "/",
        "/app.js",
        "/app.br.js",
        "/style.css",
        "/font.woff2",
        "/img.png",
        "/img-1x.png",
        "/frame.html",
        "/late.json",
        "/lazy.png",
    ):
        rec, _body = responses[https.url + uri]
        assert rec.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
        assert rec.rec_headers.get_header("WARC-Payload-Digest").startswith("sha256:")
        assert rec.rec_headers.get_header("WARC-Block-Digest").startswith("sha256:")
        assert any(k == "WARC-Protocol" and v.startswith("tls/") for k, v in rec.rec_headers.headers)
        assert ("X-MiXeD-CaSe", "kept") in rec.http_headers.headers  # header names as received
        assert requests[rec.rec_headers.get_header("WARC-Record-ID")] is not None
    js_rec, body = responses[https.url + "/app.js"]
    assert js_rec.http_headers.get_header("Content-Encoding") == "gzip"
    assert body[:2] == b"\x1f\x8b"  # the body as transferred, still gzip
    assert gzip.decompress(body).startswith(b"document.title")
    br_rec, br_body = responses[https.url + "/app.br.js"]
    assert br_rec.http_headers.get_header("Content-Encoding") == "br"
    assert brotli.decompress(br_body).startswith(b"window.brotliRan")
    frames = [
        b
        for r, b in records
        if r.rec_type == "resource" and "#frame" in r.rec_headers.get_header("WARC-Target-URI")
    ]
    assert frames and b"inside the iframe" in frames[0]
    kinds = [
        r.rec_headers.get_header("WARC-Target-URI").split(":")[2]
        for r, _ in records
        if r.rec_type == "resource"
    ]
    assert {"screenshot", "pdf", "dom", "text"} <= set(kinds)
    assert records[-1][0].rec_type == "metadata"

    prov = json.loads(_artifact(item, "provenance").read_text())
    assert prov["state"] == "complete" and prov["final_url"] == f"{https.url}/"
    assert prov["public_ip"] is None  # never asked without the user's opt-in
    assert prov["clock_source"] == "system clock (UTC)"
    assert prov["clock_ntp_synchronized"] in (True, False, None)  # what timedatectl says, when present
    assert prov["main_origin_tls"]["validation"]["valid"] is True
    assert prov["versions"]["chromium"] and prov["versions"]["mitmproxy"]
    assert prov["exchanges_count"] >= 5 and prov["operator"] == "Capture Tester"
    page_request = requests[responses[https.url + "/"][0].rec_headers.get_header("WARC-Record-ID")]
    assert prov["user_agent"] == page_request.http_headers.get_header("User-Agent")  # what it sent
    assert "Chrome/" in prov["user_agent"]
    assert "BEGIN CERTIFICATE" in _artifact(item, "certificates").read_text()

    log = vestige("ledger", "log", "--item", item["id"], "--json").json()
    assert log[0]["event"] == "item.captured"
    committed = {a["role"]: a["sha256"] for a in log[0]["details"]["artifacts"]}
    assert committed == {a["role"]: a["sha256"] for a in item["artifacts"]}
    verified = vestige("verify", "--json", "--no-record")
    assert verified.exit_code == 0, verified.stdout


def test_bad_certificate_is_captured_and_said(archive_ready: Cli, pki: FixturePki) -> None:
    with FixtureWeb(pki.rogue_cert_pem, pki.rogue_key_pem) as rogue:
        res = archive_ready(
            "capture", f"{rogue.url}/", "--case", "C1", "--ca-file", str(pki.ca_pem), "--json"
        )
        assert res.exit_code == 0, res.stderr
        [item] = res.json()
        prov = json.loads(_artifact(item, "provenance").read_text())
        assert prov["main_origin_tls"]["validation"]["valid"] is False
        assert prov["main_origin_tls"]["validation"]["error"]

        strict = archive_ready(
            "capture", f"{rogue.url}/", "--case", "C1", "--ca-file", str(pki.ca_pem), "--strict-tls"
        )
        assert strict.exit_code == 1 and "did not validate" in strict.stderr
    assert len(archive_ready("list", "--json").json()) == 1  # the refused capture left nothing


def test_redirect_hops_are_separate_exchanges(archive_ready: Cli) -> None:
    with FixtureWeb() as web:
        res = archive_ready(
            "capture",
            f"{web.url}/redirect",
            "--case",
            "C1",
            "--json",
            "--public-ip-resolver",
            f"{web.url}/ip",
        )
    assert res.exit_code == 0, res.stderr
    [item] = res.json()
    assert item["final_url"] == f"{web.url}/"
    statuses = {
        r.rec_headers.get_header("WARC-Target-URI"): r.http_headers.get_statuscode()
        for r, _ in _records(_artifact(item, "warc"))
        if r.rec_type == "response"
    }
    assert statuses[f"{web.url}/redirect"] == "302" and statuses[f"{web.url}/"] == "200"
    prov = json.loads(_artifact(item, "provenance").read_text())
    assert prov["public_ip"] == {"resolver": f"{web.url}/ip", "address": "203.0.113.7", "error": None}
    assert statuses[f"{web.url}/ip"] == "200"  # asked over the capture's own route, in the WARC


def test_unreachable_host_is_a_failed_capture_with_its_record(archive_ready: Cli) -> None:
    with FixtureWeb() as web:
        url = f"{web.url}/"
    res = archive_ready("capture", url, "--case", "C1", "--json")  # the server is gone: refused
    assert res.exit_code == 1
    [item] = res.json()
    assert item["state"] == "failed" and "navigation failed" in item["reason"]
    prov = json.loads(_artifact(item, "provenance").read_text())
    assert prov["failed_exchanges"] and prov["state"] == "failed"
    assert archive_ready("verify", "--no-record").exit_code == 0


def test_size_limit_makes_a_partial_capture(archive_ready: Cli) -> None:
    with FixtureWeb() as web:
        res = archive_ready(
            "capture", f"{web.url}/big.bin?n=3000000", "--case", "C1", "--max-size", "1M", "--json"
        )
    assert res.exit_code == 1
    [item] = res.json()
    assert item["state"] == "partial" and "larger than 1048576 bytes" in item["reason"]
    truncated = [
        r
        for r, _ in _records(_artifact(item, "warc"))
        if r.rec_type == "response" and r.rec_headers.get_header("WARC-Truncated") == "length"
    ]
    assert truncated


def test_bad_urls_are_usage_errors(archive_ready: Cli) -> None:
    res = archive_ready("capture", "ftp://example.org/x", "--case", "C1")
    assert res.exit_code == 2 and "not an http(s) URL" in res.stderr
    res = archive_ready("capture", "https://example.org/", "--proxy", "ftp://127.0.0.1:21")
    assert res.exit_code == 2 and "use http://, https://, socks5://" in res.stderr


def test_non_html_url_is_captured_as_the_resource(archive_ready: Cli) -> None:
    with FixtureWeb() as web:
        res = archive_ready("capture", f"{web.url}/doc.pdf", "--case", "C1", "--json")
        assert res.exit_code == 0, res.stdout + res.stderr
        [item] = res.json()
        assert item["state"] == "complete" and item["http_status"] == 200
        doc = _artifact(item, "document")
        assert doc.read_bytes().startswith(b"%PDF-1.4")
        [pdf_rec] = [
            (r, b)
            for r, b in _records(_artifact(item, "warc"))
            if r.rec_type == "response" and r.rec_headers.get_header("WARC-Target-URI").endswith("/doc.pdf")
        ]
        assert pdf_rec[1] == doc.read_bytes()
        # warcio's own checker (it decodes bodies, and its brotli support needs brotlipy, which conflicts with
        # the Brotli package mitmproxy uses, so it runs on a capture without brotli bodies).
        warc_path = _artifact(item, "warc")
        check = subprocess.run(
            [str(Path(sys.executable).with_name("warcio")), "check", str(warc_path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert check.returncode == 0, check.stdout + check.stderr


def test_upstream_proxy_carries_all_capture_traffic(archive_ready: Cli, tmp_path: Path) -> None:
    port = free_port()
    mitmdump = Path(sys.executable).with_name("mitmdump")
    log = tmp_path / "upstream.log"
    with open(log, "wb") as out:
        upstream = subprocess.Popen(
            [
                str(mitmdump),
                "--listen-host",
                "127.0.0.1",
                "-p",
                str(port),
                "--set",
                f"confdir={tmp_path / 'up'}",
                "--flow-detail",
                "1",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port)
        with FixtureWeb() as web:
            res = archive_ready(
                "capture", f"{web.url}/", "--case", "C1", "--proxy", f"http://127.0.0.1:{port}", "--json"
            )
    finally:
        upstream.terminate()
        upstream.wait(10)
    assert res.exit_code == 0, res.stdout + res.stderr
    [item] = res.json()
    seen = log.read_text()
    for path in ("/", "/app.js", "/late.json"):
        assert f"GET {web.url}{path}" in seen  # the upstream carried it
    prov = json.loads(_artifact(item, "provenance").read_text())
    assert prov["options"]["proxy"] == f"http://127.0.0.1:{port}"
    assert prov["proxy_mode"] == [f"upstream:http://127.0.0.1:{port}"]


def test_hostile_and_broken_pages_end_cleanly(archive_ready: Cli) -> None:
    vestige = archive_ready
    with FixtureWeb() as web:
        res = vestige("capture", f"{web.url}/missing", "--case", "C1", "--json")
        [missing] = res.json()
        assert res.exit_code == 0 and missing["state"] == "complete" and missing["http_status"] == 404

        res = vestige("capture", f"{web.url}/loop", "--case", "C1", "--json")
        [loop] = res.json()
        assert res.exit_code == 1 and loop["state"] == "failed" and "REDIRECT" in loop["reason"].upper()

        res = vestige("capture", f"{web.url}/hostile", "--case", "C1", "--json")
        assert res.exit_code == 0, res.stdout + res.stderr
        [hostile] = res.json()
        prov = json.loads(_artifact(hostile, "provenance").read_text())
        assert [d["type"] for d in prov["dialogs"]][:2] == ["alert", "confirm"]
        assert prov["dialogs"][0]["message"] == "you have been warned"
        assert len(prov["popups"]) == 1
        hops = {e["url"] for e in prov["exchanges"]}
        assert f"{web.url}/img.png" in hops  # the pop-up's traffic was recorded too

        res = vestige("capture", f"{web.url}/attachment", "--case", "C1", "--json")
        [attachment] = res.json()
        assert res.exit_code == 0 and _artifact(attachment, "document").read_bytes() == b"a,b\n1,2\n"

        res = vestige("capture", f"{web.url}/endless", "--case", "C1", "--timeout", "8", "--json")
        [endless] = res.json()
        assert res.exit_code == 1 and endless["state"] == "partial"
        assert "time limit" in endless["reason"] or "did not finish loading" in endless["reason"]
        cut = [
            r.rec_headers.get_header("WARC-Target-URI")
            for r, _ in _records(_artifact(endless, "warc"))
            if r.rec_type == "response" and r.rec_headers.get_header("WARC-Truncated") == "disconnect"
        ]
        assert cut == [f"{web.url}/endless"]  # what arrived is kept, marked as cut off

    for bad in (
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:text/html,hi",
        "about:blank",
        "chrome://version",
    ):
        res = vestige("capture", bad, "--case", "C1")
        assert res.exit_code == 2 and "not an http(s) URL" in res.stderr, bad
    assert vestige("verify", "--no-record").exit_code == 0


def test_a_page_cannot_make_the_capture_fetch_what_its_media_query_invents(archive_ready: Cli) -> None:
    # The page answers the capture's question "which video and audio files do you use?" with objects,
    # an array and a 100,000-character URL: none of them is fetched and the capture ends as usual.
    with FixtureWeb() as web:
        res = archive_ready("capture", f"{web.url}/media-tamper", "--case", "C1", "--json")
    assert res.exit_code == 0, res.stdout + res.stderr
    [item] = res.json()
    assert item["state"] == "complete", item["reason"]
    assert "media" not in {a["role"] for a in item["artifacts"]}
    prov = json.loads(_artifact(item, "provenance").read_text())
    assert not [e for e in prov["exchanges"] if "127.0.0.1:9" in e["url"]]
    assert not [f for f in prov["failed_exchanges"] if "127.0.0.1:9" in (f["target"] or "")]


@pytest.mark.parametrize("point", ["capture-loaded", "after-blobs", "before-commit"])
def test_killed_capture_registers_nothing_and_is_cleaned(
    archive_ready: Cli, archive_root: Path, point: str
) -> None:
    from tests.conftest import run_vestige

    with FixtureWeb() as web:
        res = run_vestige(
            archive_root, "capture", f"{web.url}/", "--case", "C1", env={"VESTIGE_CRASH_AT": point}
        )
        assert res.exit_code == -9, res.stderr
        assert archive_ready("list", "--json").json() == []
        assert list((archive_root / "tmp").iterdir())  # the dead capture's scratch space is still there
        assert archive_ready("verify", "--no-record").exit_code == 0
        res = archive_ready("capture", f"{web.url}/", "--case", "C1", "--json")
    assert res.exit_code == 0 and [i["id"] for i in res.json()] == ["C1-0001"]
    assert list((archive_root / "tmp").iterdir()) == []  # cleaned by the next write


def test_socks5_upstream_carries_all_capture_traffic(
    archive_ready: Cli, tmp_path: Path, https: FixtureWeb, pki: FixturePki
) -> None:
    port = free_port()
    log = tmp_path / "socks.log"
    pproxy = Path(sys.executable).with_name("pproxy")
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [str(pproxy), "-l", f"socks5://127.0.0.1:{port}", "-v"], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for_port(port)
        with FixtureWeb() as plain:
            res = archive_ready(
                "capture",
                f"{https.url}/",
                f"{plain.url}/",
                "--case",
                "C1",
                "--ca-file",
                str(pki.ca_pem),
                "--proxy",
                f"socks5://127.0.0.1:{port}",
                "--json",
            )
    finally:
        server.terminate()
        server.wait(10)
    assert res.exit_code == 0, res.stdout + res.stderr
    seen = log.read_text()
    assert f"127.0.0.1:{https.port}" in seen and f"127.0.0.1:{plain.port}" in seen  # both went through SOCKS
    for item in res.json():
        assert item["state"] == "complete"
        prov = json.loads(_artifact(item, "provenance").read_text())
        assert prov["upstream_proxy"]["kind"] == "socks5"
        assert "late content arrived" in _artifact(item, "text").read_text()


def test_unreachable_socks5_proxy_fails_the_capture(archive_ready: Cli, https: FixtureWeb) -> None:
    res = archive_ready(
        "capture", f"{https.url}/", "--case", "C1", "--proxy", f"socks5://127.0.0.1:{free_port()}", "--json"
    )
    assert res.exit_code == 1
    [item] = res.json()
    assert item["state"] == "failed"
    prov = json.loads(_artifact(item, "provenance").read_text())
    assert any("SOCKS5" in str(f["error"]) for f in prov["failed_exchanges"])


def test_parallel_captures_share_one_browser_and_keep_apart(
    archive_ready: Cli, https: FixtureWeb, pki: FixturePki
) -> None:
    """--jobs 2: one browser, one context and one recorder listener per capture; no traffic crosses."""
    paths = ["/", "/doc.pdf", "/hostile", "/redirect", "/missing"]
    res = archive_ready(
        "capture", *[f"{https.url}{p}" for p in paths], "--case", "C1", "--ca-file", str(pki.ca_pem),
        "--jobs", "2", "--json",
    )  # fmt: skip
    assert res.exit_code == 0, res.stdout + res.stderr
    items = res.json()
    assert [i["url"] for i in items] == [f"{https.url}{p}" for p in paths]  # in the order asked
    assert len({i["id"] for i in items}) == len(paths)
    assert all(i["state"] == "complete" for i in items), [i["reason"] for i in items]
    browsers = set()
    for path, item in zip(paths, items, strict=True):
        uris = {
            r.rec_headers.get_header("WARC-Target-URI").removeprefix(https.url)
            for r, _ in _records(_artifact(item, "warc"))
            if r.rec_type in ("request", "response")
        }
        prov = json.loads(_artifact(item, "provenance").read_text())
        browsers.add(prov["browser_session"])
        assert {e["url"].removeprefix(https.url) for e in prov["exchanges"]} == uris
        uris.discard("/favicon.ico")  # the browser asks for it on its own
        if path == "/doc.pdf":
            assert uris == {"/doc.pdf"}
        elif path == "/missing":
            assert uris == {"/missing"}
        elif path == "/redirect":  # the hop and the page it leads to, with the page's own resources
            assert {"/redirect", "/", "/late.json"} <= uris and "/doc.pdf" not in uris
        elif path == "/":
            assert "/late.json" in uris and not uris & {"/doc.pdf", "/redirect", "/missing", "/hostile"}
        else:  # the hostile page's pop-up traffic is its own
            assert "/hostile" in uris and not uris & {"/doc.pdf", "/redirect", "/missing", "/late.json"}
    assert len(browsers) == 1
    assert archive_ready("verify", "--no-record").exit_code == 0


def test_page_video_plays_and_the_provenance_says_so(
    archive_ready: Cli, https: FixtureWeb, pki: FixturePki
) -> None:
    """The fixture page's <video> is a real WebM (tests/assets/media/clip.webm): the capture plays it, records
    what the element did, and keeps the file whole in the WARC and as the media artifact."""
    assert CLIP.startswith(b"\x1a\x45\xdf\xa3") and len(CLIP) <= 100_000  # EBML magic: the small real clip
    res = archive_ready("capture", f"{https.url}/", "--case", "C1", "--ca-file", str(pki.ca_pem), "--json")
    assert res.exit_code == 0, res.stderr + res.stdout
    [item] = res.json()
    assert item["state"] == "complete", item["reason"]
    prov = json.loads(_artifact(item, "provenance").read_text())
    [video] = prov["media_elements"]
    assert video["tag"] == "video" and video["src"] == f"{https.url}/clip.webm"
    assert video["error"] is None and video["ready_state"] >= 2  # decoded: HAVE_CURRENT_DATA or better
    assert video["current_time"] > 0  # it played
    assert (video["width"], video["height"]) == (160, 90)  # the clip's own picture size
    assert video["duration"] is None or video["duration"] > 0  # MediaRecorder writes no duration
    assert _artifact(item, "media").read_bytes() == CLIP
    bodies = [
        b
        for r, b in _records(_artifact(item, "warc"))
        if r.rec_type == "response"
        and r.rec_headers.get_header("WARC-Target-URI") == f"{https.url}/clip.webm"
    ]
    assert CLIP in bodies


def _seconds_between(earlier: str, later: str) -> float:
    return (dt.datetime.fromisoformat(later) - dt.datetime.fromisoformat(earlier)).total_seconds()


@pytest.mark.parametrize(
    ("changes_at", "shown", "kept_early"),
    [(60_000, "as loaded", True), (2_500, "changed by a timer", False)],
    ids=["nothing-changes", "the-page-changes-before-the-wait-ends"],
)
def test_snapshots_begun_before_the_wait_ends_are_kept_only_if_the_page_did_not_change(
    archive_ready: Cli,
    https: FixtureWeb,
    pki: FixturePki,
    monkeypatch: pytest.MonkeyPatch,
    changes_at: int,
    shown: str,
    kept_early: bool,
) -> None:
    # The snapshots begin 1.5 s before the wait's expected end (3 s of --settle after the page's load);
    # the page edits its DOM 2.5 s after load, after they are taken, with no request.
    monkeypatch.setattr(capture_module, "SNAPSHOT_S", 1.5)
    url = f"{https.url}/changes?at={changes_at}"
    res = archive_ready(
        "capture", url, "--case", "C1", "--ca-file", str(pki.ca_pem), "--settle", "3", "--json"
    )
    assert res.exit_code == 0, res.stderr + res.stdout
    [item] = res.json()
    assert item["state"] == "complete"
    assert f'<p id="state">{shown}</p>' in _artifact(item, "dom").read_text()
    assert _artifact(item, "text").read_text().strip() == shown
    prov = json.loads(_artifact(item, "provenance").read_bytes())
    # Kept: taken about 1.5 s before the end of the wait; taken again: after it.
    assert (_seconds_between(prov["snapshot_taken"], prov["ended"]) > 1.0) is kept_early
