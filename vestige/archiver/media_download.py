"""A post's media at the best quality offered, fetched by yt-dlp through the capture's recorder.

When: ``download_reason`` (always with ``--media-download``, never with ``--no-media-download``, else when
the profile is a video platform's or the post shows a video the page's media step did not save). How:
``run_media_download`` starts yt-dlp in a child process (``ytdlp.py``) pointed at the capture's recorder
listener, bounded by what is left of the capture's time limit; every request it makes is in the capture's
WARC. Its files become ``media`` artifacts, its report the provenance's ``media_download`` section.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import mimetypes
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..owner_files import create_private
from .browser_state import to_cookies_txt
from .sessions import StoredSession
from .ytdlp import DownloadRequest, find_ffmpeg

DIRECTORY = "media-download"  # under the capture's work directory
COOKIES_FILE = "media-download-cookies.txt"  # a logged-in capture's, beside it, never among the files kept
GRACE_S = 5.0  # after its own deadline the child has this long to write its report, then it is killed
MIN_SECONDS = 3.0  # less time left than this: not started
MAX_REPORT_BYTES = 8 << 20
OUTPUT_TAIL = 4000  # what the child printed (it should print nothing), kept for a failure's diagnosis
MEDIA_TYPES = {  # by extension, where the system's table may not know them
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".mov": "video/quicktime",
    ".ts": "video/mp2t",
    ".m4a": "audio/mp4",
    ".mp3": "audio/mpeg",
    ".opus": "audio/ogg",
    ".ogg": "audio/ogg",
    ".aac": "audio/aac",
}


def download_reason(
    choice: bool | None, profile: str, platform_video: bool, post: dict[str, Any] | None, saved: set[str]
) -> tuple[bool, str]:
    """Whether yt-dlp runs for a capture, and why (or why not), for the provenance.

    ``choice``: True ``--media-download``, False ``--no-media-download``, None decide here: yt-dlp runs for
    a post that shows a video the page's media step did not save: one with a file URL (any profile), or
    one the page streams without one (``blob:``, no URL) on a video platform (``platform_video``), whose
    extractor can find the file; also on a video platform's page its profile could not read (no post
    record). A text or photo post on a video platform does not run it. ``saved``: URLs the media step saved
    whole."""
    if choice is True:
        return True, "--media-download"
    if choice is False:
        return False, "--no-media-download"
    if platform_video and post is None:
        return True, f"the {profile} profile is a video platform's and read no post record"
    for item in (post or {}).get("media") or []:
        if not isinstance(item, dict) or item.get("type") != "video":
            continue
        url = item.get("url")
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            if url not in saved:
                return True, f"the post's video {url[:300]} was not saved from the page"
        elif platform_video:
            return True, f"the post streams a video without a file URL, on a video platform ({profile})"
    return False, "no video the page's media step did not save"


@dataclass
class MediaDownload:
    section: dict[str, Any]  # the provenance's media_download section
    files: list[tuple[str, Path, str]] = field(default_factory=list)  # (role, file, media type)


def media_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return MEDIA_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def kept_files(report: dict[str, Any], directory: Path) -> tuple[list[tuple[str, Path, str]], list[str]]:
    """The files the report names that are really in ``directory`` (regular files, not links), as
    artifacts; and the names of anything else left there (a download cut off: not kept)."""
    files: list[tuple[str, Path, str]] = []
    named: set[str] = set()
    for entry in report.get("entries") or []:
        for item in (entry.get("files") or []) if isinstance(entry, dict) else []:
            name = item.get("name") if isinstance(item, dict) else None
            if not isinstance(name, str) or name in named or name in ("", ".", "..") or "/" in name:
                continue
            path = directory / name
            if path.is_file() and not path.is_symlink():
                named.add(name)
                files.append(("media", path, media_type(name)))
    left = sorted(p.name for p in directory.iterdir() if p.name not in named)[:100]
    return files, left


def download_problem(section: dict[str, Any], *, forced: bool, saved_any: bool) -> str | None:
    """The capture problem a media download's failure is, or None. A video yt-dlp found but could not
    download (nor the media step save) always is; failing to find any is when the download was asked for
    (``--media-download``) or when the capture holds no media file at all."""
    if not section.get("ran"):
        return None
    failed = [e["error"] for e in section.get("entries") or [] if isinstance(e, dict) and e.get("error")]
    if failed:
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        return f"media download failed: {failed[0]}{more}"
    error = section.get("error")
    if error and (forced or not saved_any):
        return f"media download failed: {error}"
    return None


async def _tail(stream: asyncio.StreamReader | None) -> bytes:
    kept = b""
    while stream is not None and (chunk := await stream.read(1 << 16)):
        kept = (kept + chunk)[-OUTPUT_TAIL:]
    return kept


def _child_env() -> dict[str, str]:
    """The capture's environment, with this copy of vestige importable in the child."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


async def run_media_download(
    url: str,
    *,
    why: str,
    listener: tuple[str, int],
    recorder_ca: Path,
    workdir: Path,
    seconds: float,
    max_bytes: int,
    saved: set[str],
    session: StoredSession | None = None,
) -> MediaDownload:
    """Run yt-dlp for ``url`` through the recorder listening at ``listener``; never raises for what
    yt-dlp or the site does (it is in the section's ``error``).

    A logged-in capture's ``session`` lends yt-dlp its cookies (restricted to the platform's domains when
    the session was stored), in an owner-only cookies.txt that is removed when yt-dlp ends; the recorder
    redacts them in the WARC as it does the browser's."""
    via = f"http://{listener[0]}:{listener[1]}"
    section: dict[str, Any] = {"ran": False, "why": why, "url": url}
    if seconds < MIN_SECONDS:
        section["error"] = "not enough of the capture's time limit was left to start it"
        return MediaDownload(section)
    directory = workdir / DIRECTORY
    directory.mkdir()
    report_path = workdir / "media-download-report.json"
    cookies = _write_cookies(workdir, session) if session is not None else None
    if session is not None:
        section["session"] = session.label
    request = DownloadRequest(
        url=url,
        proxy=via,
        recorder_ca=str(recorder_ca),
        directory=str(directory),
        report=str(report_path),
        seconds=seconds - GRACE_S if seconds > 2 * GRACE_S else seconds / 2,
        max_bytes=max_bytes,
        skip_urls=tuple(sorted(saved)),
        ffmpeg=find_ffmpeg(),
        cookies=str(cookies) if cookies else None,
    )
    section.update(ran=True, via=f"the capture's recorder ({via})", max_filesize=max_bytes)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vestige.archiver.ytdlp",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=directory,
        env=_child_env(),
        start_new_session=True,  # its own process group: killed whole, whatever it started
    )
    output = asyncio.ensure_future(_tail(proc.stdout))
    timed_out = False
    try:
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(request.to_json()).encode())
        with contextlib.suppress(ConnectionError):
            await proc.stdin.drain()
        proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), seconds)
        except TimeoutError:
            timed_out = True
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
        if cookies is not None:
            cookies.unlink(missing_ok=True)  # yt-dlp writes its jar back there when it ends
        printed = (await output).decode("utf-8", "replace")
    report = _read_report(report_path)
    if report is None:
        why_not = "the time limit was reached" if timed_out else f"it ended with exit code {proc.returncode}"
        section["error"] = f"yt-dlp gave no report: {why_not}"
        section["error_kind"] = "time_limit" if timed_out else "error"
        if printed.strip():
            section["output"] = printed.strip()[-OUTPUT_TAIL:]
        report = {}
    else:
        section.update(report)
    files, left = kept_files(report, directory)
    if left:
        section["not_kept"] = left  # partial downloads: their bytes are in the WARC, marked as cut off
    return MediaDownload(section, files)


def _write_cookies(workdir: Path, session: StoredSession) -> Path:
    path = workdir / COOKIES_FILE
    create_private(path, to_cookies_txt(session.state))
    return path


def _read_report(path: Path) -> dict[str, Any] | None:
    try:
        if path.stat().st_size > MAX_REPORT_BYTES:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
