"""Media at the best quality offered, by yt-dlp through the capture's recorder.

The captures run through the CLI against look-alike pages under the platforms' real host names (see
tests/assets/platforms/media/README.md): yt-dlp's generic extractor on a Mastodon status, its own Bluesky
extractor on a Bluesky post, a Telegram channel whose video the page's media step saved already. The
look-alike web is reachable only through the RoutingProxy, so whatever yt-dlp fetched went through the
recorder, and the tests check it is in the WARC.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import shutil
import socket
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import certifi
import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import Cli
from tests.support.platforms import (
    ASSETS,
    HOSTS,
    LookAlike,
    PlatformCapture,
    PlatformWeb,
    Request,
    artifact_json,
    artifact_path,
    artifact_paths,
    serve,
)
from tests.support.web import CLIP
from vestige.archiver.media_download import (
    download_problem,
    download_reason,
    kept_files,
    media_type,
    run_media_download,
)
from vestige.archiver.redaction import MARKER
from vestige.archiver.ytdlp import (
    FORMAT_MERGED,
    FORMAT_SINGLE,
    DownloadRequest,
    _recorder_ydl,
    error_kind,
    find_ffmpeg,
    js_runtimes,
    ydl_params,
)

MEDIA = ASSETS / "media"
HTML = "text/html; charset=utf-8"
CLIP_SHA256 = hashlib.sha256(CLIP).hexdigest()
# Audio only (clip.webm has no audio); see tests/assets/media/README.md.
VOICE = (Path(__file__).parents[1] / "assets" / "media" / "voice.webm").read_bytes()

ARTICLE = "https://news.example.org/2024/10/23/avtobus-z-ditmy"
ARTICLE_FILE = "https://media.news.example.org/video/2024/10/avtobus-z-ditmy/original.webm"
# The same article, its video offered as DASH: a video-only and an audio-only file, for ffmpeg to merge.
DASH = ARTICLE.replace("avtobus-z-ditmy", "avtobus-z-ditmy-zi-zvukom")
DASH_MANIFEST = ARTICLE_FILE.replace("avtobus-z-ditmy", "avtobus-z-ditmy-zi-zvukom").replace(
    "original.webm", "manifest.mpd"
)
DASH_VIDEO = DASH_MANIFEST.replace("manifest.mpd", "video-160x90.webm")
DASH_AUDIO = DASH_MANIFEST.replace("manifest.mpd", "audio-opus.webm")
# The same article for a video the server refuses (403).
REFUSED = ARTICLE.replace("avtobus-z-ditmy", "avtobus-z-ditmy-2")
REFUSED_FILE = ARTICLE_FILE.replace("avtobus-z-ditmy", "avtobus-z-ditmy-2")
STATUS = "https://mastodon.social/@dity_vdoma_example/113912345678901234"
STATUS_FILE = (
    "https://files.mastodon.social/media_attachments/files/113/912/340/112/233/445/original/"
    "5f1c0de2a9b7e4d1.webm"
)
BSKY_POST = "https://bsky.app/profile/povernennia-example.bsky.social/post/3lbzk2m7qxw2c"
BSKY_DID = "did:plc:k3xq7m2v4wz5povernennia0"
BSKY_CID = "bafkreihq2f5v6xg7t4a3yqzrj5w6lq4vbm7k2pxn3c6d5e4f3g2h1i0jka"
TG_CHANNEL = "https://t.me/s/detsky_centr_example"
TG_VIDEO = "https://cdn4.telesco.pe/file/fixture-video-2485.mp4?token=FIXTURE"
# A closed channel's post whose video only a logged-in account gets (page and file): yt-dlp needs the
# session's cookie.
CLOSED = "https://t.me/s/zakrytyi_video_example/41"
CLOSED_FILE = "https://t.me/file/zakrytyi_video_example/41/original.webm"
CLOSED_SSID = "3c9e7a1f5b2d4068ae1c7f9b3d5e2a40"
LOGIN_WALL = "<html><head><title>Telegram: увійдіть</title></head><body>Увійдіть у Telegram</body></html>"
# Bluesky's DID directory and the user's PDS, and a news outlet: not among the platform hosts.
EXTRA_HOSTS = ("plc.directory", "*.us-east.host.bsky.network", "news.example.org", "media.news.example.org")


def _file(name: str) -> bytes:
    return (MEDIA / name).read_bytes()


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _logged_in(request: Request) -> bool:
    return f"stel_ssid={CLOSED_SSID}" in request.headers.get("cookie", "")


def _closed_post(request: Request) -> tuple[int, str, bytes]:
    if not _logged_in(request):
        return 200, HTML, LOGIN_WALL.encode()
    page = _file("news-video-article.html").replace(ARTICLE.encode(), CLOSED.encode())
    return 200, HTML, page.replace(ARTICLE_FILE.encode(), CLOSED_FILE.encode())


def _closed_file(request: Request) -> tuple[int, str, bytes]:
    return (200, "video/webm", CLIP) if _logged_in(request) else (403, "text/plain", b"Forbidden")


@pytest.fixture(scope="module")
def look_alike(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LookAlike]:
    article = _file("news-video-article.html")
    refused = article.replace(b"avtobus-z-ditmy", b"avtobus-z-ditmy-2")
    # The JSON-LD names the manifest, as DASH (yt-dlp's generic extractor goes by encodingFormat).
    dash = (
        article.replace(b"avtobus-z-ditmy", b"avtobus-z-ditmy-zi-zvukom")
        .replace(b"original.webm", b"manifest.mpd")
        .replace(b'"encodingFormat": "video/webm"', b'"encodingFormat": "application/dash+xml"')
    )
    watch = f"/watch/{BSKY_DID.replace(':', '%3A')}/{BSKY_CID}"
    routes: dict[tuple[str, str], Any] = {
        ("news.example.org", _path(ARTICLE)): (200, HTML, article),
        ("media.news.example.org", _path(ARTICLE_FILE)): (200, "video/webm", CLIP),
        ("news.example.org", _path(REFUSED)): (200, HTML, refused),
        ("news.example.org", _path(DASH)): (200, HTML, dash),
        ("media.news.example.org", _path(DASH_MANIFEST)): (
            200,
            "application/dash+xml",
            _file("news-video-dash.mpd"),
        ),
        ("media.news.example.org", _path(DASH_VIDEO)): (200, "video/webm", CLIP),
        ("media.news.example.org", _path(DASH_AUDIO)): (200, "audio/webm", VOICE),
        ("media.news.example.org", _path(REFUSED_FILE)): (403, "text/plain", b"Forbidden"),
        ("mastodon.social", _path(STATUS)): (200, HTML, _file("mastodon-status.html")),
        ("mastodon.social", "/media/Qm7xR2k9Lp4sT8vW/player"): (200, HTML, _file("mastodon-player.html")),
        ("files.mastodon.social", _path(STATUS_FILE)): (200, "video/webm", CLIP),
        ("bsky.app", _path(BSKY_POST)): (200, HTML, _file("bluesky-post.html")),
        ("public.api.bsky.app", "/xrpc/app.bsky.feed.getPostThread"): _bluesky_thread,
        ("plc.directory", "/" + BSKY_DID): (200, "application/json", _file("bluesky-did.json")),
        ("video.bsky.app", f"{watch}/playlist.m3u8"): (
            200,
            "application/vnd.apple.mpegurl",
            _file("bluesky-playlist.m3u8"),
        ),
        ("morel.us-east.host.bsky.network", "/xrpc/com.atproto.sync.getBlob"): (200, "video/webm", CLIP),
        ("t.me", "/s/detsky_centr_example"): (200, HTML, (ASSETS / "telegram" / "channel.html").read_bytes()),
        ("cdn4.telesco.pe", "/file/fixture-video-2485.mp4"): (200, "video/mp4", CLIP),
        ("t.me", _path(CLOSED)): _closed_post,
        ("t.me", _path(CLOSED_FILE)): _closed_file,
    }
    with serve(routes, tmp_path_factory.mktemp("pki"), HOSTS + EXTRA_HOSTS) as served:
        yield served


def _bluesky_thread(request: Request) -> tuple[int, str, bytes]:
    """app.bsky.feed.getPostThread answers for the one post it knows, as the AppView does."""
    if "3lbzk2m7qxw2c" not in request.path:
        return 400, "application/json", b'{"error":"NotFound","message":"Post not found"}'
    return 200, "application/json", _file("bluesky-getPostThread.json")


@pytest.fixture
def capture(vestige: Cli, look_alike: LookAlike) -> Any:
    assert vestige("init", "--operator", "OSINT Analyst").exit_code == 0
    platform = PlatformCapture(vestige, look_alike, "MEDIA", "--create-case")

    def run(url: str, *options: str, profile: str = "generic") -> tuple[int, dict[str, Any], dict[str, Any]]:
        res = platform.result(url, "--profile", profile, *options)
        [row] = res.json()  # stdout is the JSON and nothing else: yt-dlp printed nothing
        return res.exit_code, row, artifact_json(row, "provenance")

    return run


def _warc(row: dict[str, Any]) -> list[tuple[str, str, str, bytes, str]]:
    """(record type, target URI, method or status, payload, User-Agent of a request) of every request and
    response record."""
    out = []
    with open(artifact_path(row, "warc"), "rb") as fp:
        for rec in ArchiveIterator(fp):
            if rec.rec_type not in ("request", "response"):
                continue
            uri = rec.rec_headers.get_header("WARC-Target-URI")
            if rec.rec_type == "request":
                line = rec.http_headers.protocol  # the request line's method
                agent = rec.http_headers.get_header("User-Agent") or ""
                out.append(("request", uri, line, b"", agent))
            else:
                status = rec.http_headers.get_statuscode()
                out.append(("response", uri, status, rec.content_stream().read(), ""))
    return out


def _seen(server: PlatformWeb, url: str) -> list[Request]:
    host, path = url.split("/", 3)[2], _path(url)
    return [r for r in server.seen if r.host == host and r.path == path]


@pytest.mark.slow
def test_a_video_the_page_only_declares_is_fetched_by_yt_dlp_through_the_recorder(
    capture: Any, look_alike: LookAlike
) -> None:
    """The article plays its video only when clicked; its JSON-LD names the file. The post record has the
    video, the page's media step had nothing to save, so yt-dlp fetches it, through the recorder."""
    server = look_alike.web
    server.seen.clear()
    code, row, prov = capture(ARTICLE)
    assert code == 0 and row["state"] == "complete", row["reason"]
    section = prov["media_download"]
    assert section["ran"] and "was not saved from the page" in section["why"] and section["error"] is None
    assert section["tool"]["name"] == "yt-dlp"
    # With ffmpeg it would merge, but the one file offered has both or neither: it is taken as it is.
    assert section["format"] == (FORMAT_MERGED if find_ffmpeg() else FORMAT_SINGLE)
    [entry] = section["entries"]
    [chosen] = entry["chosen"]
    [saved] = entry["files"]
    # The format chosen is recorded, and the file downloaded is that format's.
    assert chosen["url"] == saved["url"] == ARTICLE_FILE and chosen["format_id"] == saved["format_id"]
    assert entry["extractor"] == "Generic" and entry["title"] == "Автобус на виїзді з Олешок, 21 жовтня"
    assert (chosen["width"], chosen["height"], saved["bytes"]) == (160, 90, len(CLIP))
    # The media artifact is the served file, byte for byte.
    [media] = [a for a in row["artifacts"] if a["role"] == "media"]
    assert media["sha256"] == CLIP_SHA256 and media["name"] == saved["name"]
    assert media["media_type"] == "video/webm"
    # The server is reachable only through the proxy, and every request it saw is in the WARC: the
    # article twice (the browser's, yt-dlp's) and the file once (yt-dlp's), its bytes as served.
    records = _warc(row)
    requested = Counter((uri, method) for kind, uri, method, _, _ in records if kind == "request")
    for r in server.seen:
        assert requested[(f"https://{r.host}{r.path}", r.method)] >= 1, r
    assert len(_seen(server, ARTICLE)) == requested[(ARTICLE, "GET")] == 2
    [file_get] = _seen(server, ARTICLE_FILE)
    assert file_get.headers["user-agent"] == section["user_agent"]
    agents = [a for kind, uri, _, _, a in records if kind == "request" and uri == ARTICLE_FILE]
    assert agents == [section["user_agent"]]
    [body] = [p for kind, uri, _, p, _ in records if kind == "response" and uri == ARTICLE_FILE]
    assert body == CLIP
    assert prov["versions"]["yt-dlp"] == section["tool"]["version"]


def _streams(path: Path) -> list[tuple[str, str]]:
    """(codec type, codec name) of each stream in a media file, as ffprobe reads it."""
    ffprobe = shutil.which("ffprobe")
    assert ffprobe is not None
    out = subprocess.run(
        [ffprobe, "-v", "error", "-show_entries", "stream=codec_type,codec_name", "-of", "json", str(path)],
        capture_output=True,
        check=True,
        timeout=30,
    )
    return [(s["codec_type"], s["codec_name"]) for s in json.loads(out.stdout)["streams"]]


@pytest.mark.slow
def test_best_video_and_best_audio_are_merged_by_ffmpeg_and_the_originals_kept(
    capture: Any, look_alike: LookAlike
) -> None:
    """The article's video is a DASH manifest offering a video-only and an audio-only file. With ffmpeg,
    yt-dlp takes both, through the recorder, and merges them into one file; the two files as received are
    kept beside it, and the merged one is said to be ffmpeg's work."""
    if find_ffmpeg() is None or shutil.which("ffprobe") is None:
        pytest.skip("ffmpeg (and its ffprobe) is not installed: yt-dlp cannot merge (make system-deps)")
    server = look_alike.web
    server.seen.clear()
    code, row, prov = capture(DASH, "--media-download")
    assert code == 0 and row["state"] == "complete", row["reason"]
    section = prov["media_download"]
    assert section["error"] is None and section["format"] == FORMAT_MERGED and section["merge"] is True
    [entry] = section["entries"]
    assert entry["extractor"] == "Generic" and entry["error"] is None
    # The best video and the best audio, as the manifest offers them, apart.
    chosen = [(c["format_id"], c["url"], c["vcodec"], c["acodec"]) for c in entry["chosen"]]
    assert chosen == [
        ("video-160x90", DASH_VIDEO, "vp8", "none"),
        ("audio-opus", DASH_AUDIO, "none", "opus"),
    ]
    video, audio, merged = entry["files"]
    assert (video["url"], video["bytes"]) == (DASH_VIDEO, len(CLIP))
    assert (audio["url"], audio["bytes"]) == (DASH_AUDIO, len(VOICE))
    assert merged["derived"] == "merged by ffmpeg" and merged["name"].endswith(".mkv")
    assert "url" not in merged  # no request made it: it is not in the WARC
    # All three are media artifacts: the originals byte for byte as served, and the merge of the two.
    media = {a["name"]: a for a in row["artifacts"] if a["role"] == "media"}
    assert set(media) == {video["name"], audio["name"], merged["name"]} and "not_kept" not in section
    assert media[video["name"]]["sha256"] == CLIP_SHA256
    assert media[audio["name"]]["sha256"] == hashlib.sha256(VOICE).hexdigest()
    assert media[merged["name"]]["media_type"] == "video/x-matroska"
    merged_file = Path(media[merged["name"]]["path"])
    assert _streams(merged_file) == [("video", "vp8"), ("audio", "opus")]
    assert Path(media[video["name"]]["path"]).read_bytes() == CLIP
    # yt-dlp fetched the manifest and each file once, through the recorder: the WARC has them as served.
    for url in (DASH_VIDEO, DASH_AUDIO):
        [get] = _seen(server, url)
        assert get.headers["user-agent"] == section["user_agent"]
    bodies = {uri: p for kind, uri, status, p, _ in _warc(row) if kind == "response" and status == "200"}
    assert bodies[DASH_VIDEO] == CLIP and bodies[DASH_AUDIO] == VOICE
    assert bodies[DASH_MANIFEST] == _file("news-video-dash.mpd")
    # The log names the merged file, not where it was made on the operator's machine.
    assert f'info: [Merger] Merging formats into "{merged["name"]}"' in section["log"]
    assert not [line for line in section["log"] if "media-download/" in line]


@pytest.mark.slow
def test_a_logged_in_capture_lends_yt_dlp_its_session_and_keeps_the_cookie_out(
    vestige: Cli, capture: Any, look_alike: LookAlike, archive_root: Path, tmp_path: Path
) -> None:
    """A closed channel shows its post and serves its video only to the account's cookie. With --session
    yt-dlp gets the video as that account; its cookie is redacted in the WARC like the browser's, and the
    cookies file it was lent is gone."""
    cookies = tmp_path / "cookies.txt"
    cookies.write_text(f".t.me\tTRUE\t/\tTRUE\t4102444800\tstel_ssid\t{CLOSED_SSID}\n")
    added = vestige("session", "add", "telegram", "--label", "osint-tg-video", "--cookies", str(cookies))
    assert added.exit_code == 0, added.stderr
    server = look_alike.web
    server.seen.clear()
    code, row, prov = capture(CLOSED, "--session")
    assert code == 0 and row["state"] == "complete", row["reason"]
    section = prov["media_download"]
    assert section["ran"] and section["error"] is None and section["session"] == "osint-tg-video"
    [media] = [a for a in row["artifacts"] if a["role"] == "media"]
    assert media["sha256"] == CLIP_SHA256
    [file_get] = _seen(server, CLOSED_FILE)  # yt-dlp's, as the account
    assert file_get.headers["user-agent"] == section["user_agent"] and _logged_in(file_get)
    with open(artifact_path(row, "warc"), "rb") as fp:
        cookie_headers = [
            rec.http_headers.get_header("Cookie")
            for rec in ArchiveIterator(fp)
            if rec.rec_type == "request" and rec.rec_headers.get_header("WARC-Target-URI") == CLOSED_FILE
        ]
    assert cookie_headers == [MARKER.decode()]
    # The cookie value is in the stored session only: nowhere else in the archive (its scratch, where the
    # cookies file was, included), WARC gunzipped.
    for f in archive_root.rglob("*"):
        if f.is_file() and "sessions" not in f.parts:
            data = f.read_bytes()
            data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
            assert CLOSED_SSID.encode() not in data, f

    # Without the session: the login wall, and no video for yt-dlp either.
    code, row, prov = capture(CLOSED)
    assert not [a for a in row["artifacts"] if a["role"] == "media"]
    assert "session" not in prov["media_download"]


@pytest.mark.slow
def test_a_refused_video_is_reported_and_the_capture_kept_as_partial(
    capture: Any, look_alike: LookAlike
) -> None:
    code, row, prov = capture(REFUSED)
    assert code == 1 and row["state"] == "partial"
    assert "media download failed" in row["reason"] and "403" in row["reason"]
    section = prov["media_download"]
    assert section["ran"] and section["error_kind"] == "http_error"
    [entry] = section["entries"]
    assert entry["files"] == [] and "403" in entry["error"]
    # The rest of the capture is there, the post record included, and the refusal is in the WARC.
    assert row["post"]["page_state"] == "post" and artifact_paths(row, "screenshot")
    assert not artifact_paths(row, "media")
    refusals = [s for kind, uri, s, _, _ in _warc(row) if kind == "response" and uri == REFUSED_FILE]
    assert refusals and set(refusals) == {"403"}


@pytest.mark.slow
def test_a_video_over_the_size_limit_is_not_downloaded(capture: Any, look_alike: LookAlike) -> None:
    code, row, prov = capture(ARTICLE, "--max-size", "5K")
    assert code == 1 and "larger than the capture's limit of 5120 bytes" in row["reason"]
    assert prov["media_download"]["error_kind"] == "too_large" and not artifact_paths(row, "media")


@pytest.mark.slow
def test_a_mastodon_video_through_the_player_page_it_links(capture: Any, look_alike: LookAlike) -> None:
    """Mastodon's server page gives the video as Open Graph tags and a twitter:player page (the web app,
    which would show it, is not run here): yt-dlp's generic extractor follows the player to the file."""
    code, row, prov = capture(STATUS, "--media-download")
    assert code == 0, row["reason"]
    [entry] = prov["media_download"]["entries"]
    assert [f["url"] for f in entry["files"]] == [STATUS_FILE]
    [media] = [a for a in row["artifacts"] if a["role"] == "media"]
    assert media["sha256"] == CLIP_SHA256
    uris = {uri for kind, uri, _, _, _ in _warc(row) if kind == "response"}
    assert {STATUS_FILE, "https://mastodon.social/media/Qm7xR2k9Lp4sT8vW/player"} <= uris


@pytest.mark.slow
def test_bluesky_videos_come_through_yt_dlps_own_extractor_at_the_original_quality(
    capture: Any, look_alike: LookAlike
) -> None:
    code, row, prov = capture(BSKY_POST, "--media-download")
    assert code == 0 and row["state"] == "complete", row["reason"]
    section = prov["media_download"]
    assert section["why"] == "--media-download"
    [entry] = section["entries"]
    assert entry["extractor"] == "Bluesky" and entry["channel_id"] == BSKY_DID
    assert entry["uploader_id"] == "povernennia-example.bsky.social" and entry["formats_offered"] == 2
    # The uploaded original (the PDS blob) rather than the HLS rendition.
    [chosen] = entry["chosen"]
    assert chosen["format_id"] == "blob" and chosen["url"].startswith(
        "https://morel.us-east.host.bsky.network/"
    )
    [media] = [a for a in row["artifacts"] if a["role"] == "media"]
    assert media["sha256"] == CLIP_SHA256
    uris = {uri for kind, uri, _, _, _ in _warc(row) if kind == "response"}
    assert any(u.startswith("https://public.api.bsky.app/xrpc/app.bsky.feed.getPostThread?") for u in uris)
    assert chosen["url"] in uris and f"https://plc.directory/{BSKY_DID}" in uris


@pytest.mark.slow
def test_a_video_the_media_step_saved_is_not_downloaded_again(capture: Any, look_alike: LookAlike) -> None:
    server = look_alike.web
    code, row, prov = capture(TG_CHANNEL, profile="telegram")
    assert code == 0, row["reason"]
    assert prov["media_download"] == {"ran": False, "why": "no video the page's media step did not save"}
    server.seen.clear()
    code, row, prov = capture(TG_CHANNEL, "--media-download", profile="telegram")
    assert code == 0, row["reason"]
    section = prov["media_download"]
    [entry] = section["entries"]
    assert entry["already_saved"] and entry["files"] == [] and entry["chosen"][0]["url"] == TG_VIDEO
    [media] = [a for a in row["artifacts"] if a["role"] == "media"]
    assert media["sha256"] == CLIP_SHA256
    # One full download of the file (the media step's); yt-dlp fetched only the page.
    gets = [r for r in _seen(server, TG_VIDEO) if "range" not in r.headers]
    assert len(gets) == 1 and gets[0].headers["user-agent"] != section["user_agent"]


@pytest.mark.slow
def test_no_media_download_leaves_the_video_alone(capture: Any, look_alike: LookAlike) -> None:
    server = look_alike.web
    server.seen.clear()
    code, row, prov = capture(ARTICLE, "--no-media-download")
    assert code == 0 and row["state"] == "complete"
    assert prov["media_download"] == {"ran": False, "why": "--no-media-download"}
    assert prov["options"]["media_download"] is False
    assert not artifact_paths(row, "media") and not _seen(server, ARTICLE_FILE)


class _TrickleProxy:
    """An HTTP proxy that answers every request with a page that never ends: a byte now and then."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._trickle, args=(client,), daemon=True).start()

    def _trickle(self, client: socket.socket) -> None:
        with client:
            try:
                client.recv(65536)
                client.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000000\r\n\r\n"
                )
                while not self.stop.wait(0.2):
                    client.sendall(b"<")
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.mark.slow
def test_a_page_that_never_ends_cannot_hold_the_capture(tmp_path: Path) -> None:
    """yt-dlp reading a page byte by byte for ever is stopped at the time limit, with a report."""
    proxy = _TrickleProxy()
    try:
        done = asyncio.run(
            run_media_download(
                "http://news.example.org/never-ends",
                why="--media-download",
                listener=("127.0.0.1", proxy.port),
                recorder_ca=Path(certifi.where()),  # never used: the page is plain HTTP
                workdir=tmp_path,
                seconds=8,
                max_bytes=1 << 20,
                saved=set(),
            )
        )
    finally:
        proxy.close()
    assert done.files == []
    assert done.section["error_kind"] == "time_limit"
    assert done.section["error"] == "yt-dlp gave no report: the time limit was reached"
    assert download_problem(done.section, forced=True, saved_any=False) == (
        "media download failed: yt-dlp gave no report: the time limit was reached"
    )


# -- pure parts ----------------------------------------------------------------------------------------


def test_when_yt_dlp_runs() -> None:
    video = {"media": [{"url": "https://cdn.example.org/v.mp4", "type": "video"}]}
    image = {"media": [{"url": "https://cdn.example.org/i.jpg", "type": "image"}]}
    assert download_reason(True, "generic", False, None, set()) == (True, "--media-download")
    assert download_reason(False, "youtube", True, video, set()) == (False, "--no-media-download")
    assert download_reason(None, "youtube", True, None, set()) == (
        True,
        "the youtube profile is a video platform's and read no post record",
    )
    # On a video platform: a streamed video (no file URL) runs it; a text or photo post does not.
    streamed = {"media": [{"type": "video", "url": None}, {"type": "video", "url": "blob:https://x.com/1"}]}
    assert download_reason(None, "x", True, streamed, set())[0]
    assert not download_reason(None, "x", True, {"media": []}, set())[0]
    assert not download_reason(None, "x", True, image, set())[0]
    assert not download_reason(None, "x", True, video, {"https://cdn.example.org/v.mp4"})[0]
    run, why = download_reason(None, "generic", False, video, set())
    assert run and why == "the post's video https://cdn.example.org/v.mp4 was not saved from the page"
    assert not download_reason(None, "generic", False, video, {"https://cdn.example.org/v.mp4"})[0]
    assert not download_reason(None, "generic", False, image, set())[0]
    hostile: dict[str, Any] = {
        "media": ["x", {"type": "video", "url": "blob:https://x/1"}, {"type": "video"}]
    }
    assert not download_reason(None, "generic", False, hostile, set())[0]


def test_a_failed_download_is_a_problem_only_where_it_matters() -> None:
    not_found = {"ran": True, "error": "yt-dlp found no video at this URL", "entries": []}
    problem = "media download failed: yt-dlp found no video at this URL"
    assert download_problem(not_found, forced=False, saved_any=False) == problem
    assert download_problem(not_found, forced=True, saved_any=True) == problem
    assert download_problem(not_found, forced=False, saved_any=True) is None  # the page's own file is kept
    # A video found and not downloaded is missing evidence, whatever else was saved.
    refused = {
        "ran": True,
        "error": "HTTP Error 403",
        "entries": [{"error": "HTTP Error 403"}, {"error": "x"}],
    }
    assert (
        download_problem(refused, forced=False, saved_any=True)
        == "media download failed: HTTP Error 403 (and 1 more)"
    )
    assert (
        download_problem(
            {"ran": True, "error": None, "entries": [{"error": None}]}, forced=True, saved_any=False
        )
        is None
    )
    assert (
        download_problem({"ran": False, "why": "--no-media-download"}, forced=False, saved_any=False) is None
    )


def test_only_files_really_in_the_directory_are_kept(tmp_path: Path) -> None:
    (tmp_path / "01-a.webm").write_bytes(b"a")
    (tmp_path / "02-b.f1.mp4.part").write_bytes(b"b")
    (tmp_path / "03-link.mp4").symlink_to(tmp_path / "01-a.webm")
    outside = tmp_path.parent / "outside.mp4"
    outside.write_bytes(b"x")
    report = {
        "entries": [
            {"files": [{"name": "01-a.webm"}, {"name": "../outside.mp4"}, {"name": "03-link.mp4"}]},
            {"files": [{"name": "01-a.webm"}, {"name": "missing.mp4"}, {"name": 7}, "junk"]},
            "junk",
        ]
    }
    files, left = kept_files(report, tmp_path)
    assert files == [("media", tmp_path / "01-a.webm", "video/webm")]
    assert left == ["02-b.f1.mp4.part", "03-link.mp4"]


def test_media_types_by_extension() -> None:
    assert media_type("01-x.mp4") == "video/mp4" and media_type("01-x.f140.m4a") == "audio/mp4"
    assert (
        media_type("01-x.mkv") == "video/x-matroska"
        and media_type("01-x.unknown") == "application/octet-stream"
    )


def test_yt_dlp_options_keep_it_on_the_recorder_and_quiet(tmp_path: Path) -> None:
    request = DownloadRequest(
        url="https://www.youtube.com/watch?v=x",
        proxy="http://127.0.0.1:9",
        recorder_ca="/ca.pem",
        directory=str(tmp_path),
        report=str(tmp_path / "r.json"),
        seconds=60,
        max_bytes=5 << 20,
    )
    assert DownloadRequest.from_json(json.loads(json.dumps(request.to_json()))) == request
    params = ydl_params(request, object(), print, print)
    assert params["proxy"] == "http://127.0.0.1:9" and params["max_filesize"] == 5 << 20
    assert params["format"] == FORMAT_SINGLE and params["fixup"] == "never"
    assert params["cachedir"] is False and params["quiet"] and params["noprogress"]
    assert params["external_downloader"] == {"default": "native"} and params["remote_components"] == []
    assert params["geo_bypass"] is False and params["paths"]["home"] == str(tmp_path)
    assert "ffmpeg_location" not in params
    merged = ydl_params(
        DownloadRequest(**{**request.to_json(), "ffmpeg": "/usr/bin/ffmpeg"}), object(), print, print
    )
    assert merged["format"] == FORMAT_MERGED and merged["keepvideo"] and merged["ffmpeg_location"]


def test_yt_dlp_has_a_javascript_runtime_for_youtube_challenges(tmp_path: Path) -> None:
    # YouTube's formats need its signature and "n" challenges solved in JavaScript: yt-dlp gets the
    # Node.js that ships with Playwright and the installed yt-dlp-ejs solver (no remote components).
    [(name, config)] = js_runtimes().items()
    assert name == "node" and Path(config["path"]).is_file()
    request = DownloadRequest(
        url="https://www.youtube.com/watch?v=x",
        proxy="http://127.0.0.1:9",
        recorder_ca=certifi.where(),
        directory=str(tmp_path),
        report=str(tmp_path / "r.json"),
        seconds=60,
        max_bytes=5 << 20,
    )

    class Log:
        def __init__(self) -> None:
            self.lines: list[str] = []

        def debug(self, msg: str) -> None:
            self.lines.append(msg)

        info = warning = error = debug

    log = Log()
    params = {**ydl_params(request, log, print, print), "verbose": True}
    assert params["js_runtimes"] == {"node": config} and params["remote_components"] == []
    with _recorder_ydl(params, request.recorder_ca):  # yt-dlp's own report of what it can use
        pass
    header = "\n".join(log.lines)
    runtime = next(line for line in log.lines if "JS runtimes:" in line)
    major = int(runtime.split("node-", 1)[1].split(".", 1)[0])
    assert major >= 22, runtime  # yt-dlp's minimum for Node.js
    assert "yt_dlp_ejs-" in header and "Cryptodome-" in header  # the solver; AES for encrypted HLS


def test_yt_dlp_errors_are_named() -> None:
    from yt_dlp.utils import DownloadError, ExtractorError, GeoRestrictedError, UnsupportedError

    def wrapped(exc: Exception) -> DownloadError:
        return DownloadError(f"ERROR: {exc}", (type(exc), exc, None))

    assert error_kind(wrapped(UnsupportedError("https://x.example/"))) == (
        "unsupported",
        "Unsupported URL: https://x.example/",
    )
    assert error_kind(wrapped(GeoRestrictedError("This video is not available from your location")))[0] == (
        "geo_blocked"
    )
    login = ExtractorError(
        "This video is only available for registered users. Use --cookies-from-browser or --cookies",
        expected=True,
    )
    assert error_kind(wrapped(login)) == (
        "login_required",
        "This video is only available for registered users",
    )
    kind, message = error_kind(
        DownloadError("ERROR: unable to download video data: HTTP Error 403: Forbidden")
    )
    assert kind == "http_error" and message == "unable to download video data: HTTP Error 403: Forbidden"
    assert error_kind(DownloadError("ERROR: \x1b[0;31mboom\x07"))[1] == "[0;31mboom"
