"""yt-dlp as a library, in a child process of the capture: a post's media at the best quality offered,
every request through the capture's recorder.

The capture starts ``python -m vestige.archiver.ytdlp`` with a ``DownloadRequest`` (JSON) on stdin; the
child writes its report (JSON) to the request's ``report`` path and files into ``directory``. A child of its
own because the capture must stay in charge: a thread cannot be stopped, and yt-dlp's extractors run
regular expressions over whatever a page sends, so a hostile page could hold a thread for ever. A process
is killed at the capture's time limit, its memory is capped, and yt-dlp's process-wide state (plugins,
logging) never touches the capture's.

yt-dlp talks only to the recorder: ``proxy`` is the capture's recorder listener and the recorder's CA is
the only certificate authority it trusts, so a connection that went anywhere else would fail. The recorder
validates the origin's certificate and records it, as it does for the browser.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import resource
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .profiles.values import clean_line

# yt-dlp's advice to its own users ("; please report this issue on ...", "Use --cookies ..."): not evidence.
_ADVICE = re.compile(r"(?:;\s*please report this issue on |\.\s*Use --).*$", re.IGNORECASE)

SSL_HANDLERS = frozenset(("Urllib", "Requests", "Websockets"))  # yt-dlp's request handlers we allow
MAX_ENTRIES = 20  # videos taken from one post (a playlist-like result)
MAX_LOG_LINES = 100
MAX_LINE = 500
MAX_URL = 8000
# The child's memory cap: what a real extraction needs is a small fraction of this.
CHILD_MEMORY_BYTES = 1 << 30
# Best quality without re-encoding: the best single file with video and audio, else the best video and
# the best audio as two files, never merged, so every file kept is byte for byte what was recorded.
FORMAT_SINGLE = "b/(bv*,ba)"
# With ffmpeg present: best video and best audio merged into one file; the recorded originals kept too.
FORMAT_MERGED = "bv*+ba/b"


@dataclass(frozen=True)
class DownloadRequest:
    url: str
    proxy: str  # the capture's recorder listener, http://127.0.0.1:PORT
    recorder_ca: str  # the recorder's CA certificate (PEM file): the only one yt-dlp trusts
    directory: str  # where the media files go (created by the caller, empty)
    report: str  # where the child writes its report
    seconds: float  # time allowed, from the child's start
    max_bytes: int  # largest file (the capture's --max-size)
    skip_urls: tuple[str, ...] = ()  # files the capture saved already: not downloaded again
    ffmpeg: str | None = None  # ffmpeg to merge with (None: never merge)
    cookies: str | None = None  # a logged-in capture's session cookies (cookies.txt, owner-only)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DownloadRequest:
        return cls(**{**data, "skip_urls": tuple(data.get("skip_urls") or ())})


def ydl_params(request: DownloadRequest, logger: Any, progress: Any, postprocessed: Any) -> dict[str, Any]:
    """yt-dlp's options for ``request`` (see YoutubeDL's docstring for each one)."""
    directory = request.directory
    params: dict[str, Any] = {
        "proxy": request.proxy,
        "format": FORMAT_MERGED if request.ffmpeg else FORMAT_SINGLE,
        "paths": {"home": directory, "temp": directory},
        "outtmpl": {"default": "%(autonumber)02d-%(id).60B.%(ext)s"},
        "restrictfilenames": True,
        "trim_file_name": 100,
        "max_filesize": request.max_bytes,
        "socket_timeout": max(1.0, min(30.0, request.seconds)),
        "retries": 2,
        "fragment_retries": 2,
        "extractor_retries": 1,
        "skip_unavailable_fragments": False,  # a file with holes in it is not the video
        # Streamed to disk in fixed 1 MiB reads (yt-dlp's own grow up to 4 MiB): memory stays flat.
        "buffersize": 1 << 20,
        "noresizebuffer": True,
        # Quiet: everything yt-dlp says goes to ``logger``; nothing is printed.
        "quiet": True,
        "no_warnings": False,
        "noprogress": True,
        "logger": logger,
        "consoletitle": False,
        "color": {"stdout": "no_color", "stderr": "no_color"},
        "progress_hooks": [progress],
        "postprocessor_hooks": [postprocessed],
        # Nothing read from, or written to, the user's home: no cache, cookies, netrc or archive file.
        # (Configuration files are read only by yt-dlp's command line, never by the library.)
        "cachedir": False,
        "usenetrc": False,
        # Honest requests: no faked X-Forwarded-For to get round a geo-block (it is reported instead).
        "geo_bypass": False,
        # Only yt-dlp's own downloaders, which use ``proxy``; never code fetched at run time.
        "external_downloader": {"default": "native"},
        "remote_components": [],  # nothing fetched outside the recorder: the solver scripts are installed
        "js_runtimes": js_runtimes(),
        # Files stay as received: no fix-ups; merged only with ffmpeg, keeping the originals.
        "fixup": "never",
        "keepvideo": True,
        "postprocessors": [],
        "noplaylist": True,
        "playlist_items": f"1:{MAX_ENTRIES}",
        "continuedl": False,
        "overwrites": True,
        "updatetime": False,
        "writeinfojson": False,
        "writethumbnail": False,
        "writesubtitles": False,
    }
    if request.cookies:
        params["cookiefile"] = request.cookies
    if request.ffmpeg:
        params["ffmpeg_location"] = request.ffmpeg
        params["merge_output_format"] = "mkv"  # takes any codecs as they are
    return params


class _Log:
    """yt-dlp's logger: keeps its messages, bounded, for the provenance."""

    def __init__(self, directory: str = "") -> None:
        self.lines: list[str] = []
        self.dropped = 0
        # The scratch directory's path is the operator's machine, not evidence: files go by their names.
        self._scratch = os.path.join(directory, "") if directory else ""

    def _keep(self, level: str, message: str) -> None:
        if len(self.lines) >= MAX_LOG_LINES:
            self.dropped += 1
            return
        message = str(message)
        if self._scratch:
            message = message.replace(self._scratch, "")
        line = clean_line(_ADVICE.sub("", message), MAX_LINE)
        if line and not line.startswith("[download] Destination:"):  # a path in the scratch directory
            self.lines.append(f"{level}: {line}")

    def debug(self, message: str) -> None:
        if not str(message).startswith("[debug] "):
            self._keep("info", message)

    def info(self, message: str) -> None:
        self._keep("info", message)

    def warning(self, message: str) -> None:
        self._keep("warning", message)

    def error(self, message: str) -> None:
        self._keep("error", message)


def error_kind(exc: BaseException) -> tuple[str, str]:
    """(kind, message) of a yt-dlp error: unsupported, geo_blocked, login_required, unavailable,
    http_error, time_limit or error. The message is the extractor's own, without yt-dlp's advice."""
    from yt_dlp.utils import GeoRestrictedError, UnsupportedError

    cause = getattr(exc, "exc_info", None)
    inner = cause[1] if isinstance(cause, tuple) and len(cause) > 1 and cause[1] is not None else exc
    message = getattr(inner, "orig_msg", None) or str(inner) or type(inner).__name__
    message = clean_line(_ADVICE.sub("", message.removeprefix("ERROR: ")), MAX_LINE) or "?"
    lowered = message.lower()
    if isinstance(inner, _OutOfTime) or isinstance(exc, _OutOfTime):
        return "time_limit", message
    if isinstance(inner, UnsupportedError) or "unsupported url" in lowered:
        return "unsupported", message
    if isinstance(inner, GeoRestrictedError) or "not available from your location" in lowered:
        return "geo_blocked", message
    if any(w in lowered for w in ("login", "log in", "sign in", "registered users", "cookies", "private")):
        return "login_required", message
    if "http error" in lowered:
        return "http_error", message
    if any(w in lowered for w in ("unavailable", "removed", "deleted", "does not exist", "not found")):
        return "unavailable", message
    return "error", message


def _line(value: Any, limit: int = MAX_LINE) -> str | None:
    return clean_line(value, limit) if isinstance(value, str) else None


def sent_url(url: Any) -> str | None:
    """A format's URL as requested: without the data yt-dlp smuggles in its fragment, or any fragment."""
    if not isinstance(url, str):
        return None
    return _line(url.split("#", 1)[0], MAX_URL)


def _number(value: Any) -> float | int | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value == value  # not NaN
    return value if ok and abs(value) < 1e15 else None


def describe_format(fmt: dict[str, Any]) -> dict[str, Any]:
    """What the provenance says of one chosen format (hostile values cleaned and bounded)."""
    return {
        "format_id": _line(fmt.get("format_id"), 200),
        "format": _line(fmt.get("format"), 300),
        "ext": _line(fmt.get("ext"), 20),
        "protocol": _line(fmt.get("protocol"), 40),
        "url": sent_url(fmt.get("url")),
        "width": _number(fmt.get("width")),
        "height": _number(fmt.get("height")),
        "fps": _number(fmt.get("fps")),
        "vcodec": _line(fmt.get("vcodec"), 100),
        "acodec": _line(fmt.get("acodec"), 100),
        "tbr_kbps": _number(fmt.get("tbr")),
        "filesize": _number(fmt.get("filesize")) or _number(fmt.get("filesize_approx")),
    }


def chosen_formats(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The formats yt-dlp chose for ``entry`` (one, or video and audio apart), as it will download them."""
    requested = entry.get("requested_formats")
    if isinstance(requested, list) and requested:
        return [f for f in requested if isinstance(f, dict)]
    return [entry] if entry.get("url") else []


def describe_entry(entry: dict[str, Any], chosen: list[dict[str, Any]]) -> dict[str, Any]:
    """One video as the provenance records it: who and what yt-dlp says it is, and the formats chosen."""
    formats = entry.get("formats")
    return {
        "extractor": _line(entry.get("extractor_key") or entry.get("extractor"), 100),
        "id": _line(entry.get("id"), 300),
        "title": _line(entry.get("title"), 1000),
        "uploader": _line(entry.get("uploader"), 300),
        "uploader_id": _line(entry.get("uploader_id"), 300),
        "channel_id": _line(entry.get("channel_id"), 300),
        "webpage_url": _line(entry.get("webpage_url"), MAX_URL),
        "timestamp": _number(entry.get("timestamp")),
        "duration_s": _number(entry.get("duration")),
        "width": _number(entry.get("width")),
        "height": _number(entry.get("height")),
        "live": entry.get("is_live") is True,
        "formats_offered": len(formats) if isinstance(formats, list) else None,
        "chosen": [describe_format(f) for f in chosen],
        "files": [],
        "already_saved": False,
        "error": None,
    }


def _entries(info: dict[str, Any]) -> list[dict[str, Any]]:
    """The videos of an extraction result: itself, or a playlist's first ``MAX_ENTRIES`` (nested once)."""
    if info.get("_type") not in ("playlist", "multi_video"):
        return [info]
    out: list[dict[str, Any]] = []
    for entry in info.get("entries") or []:
        if isinstance(entry, dict):
            out.extend(_entries(entry) if entry.get("_type") in ("playlist", "multi_video") else [entry])
        if len(out) >= MAX_ENTRIES:
            break
    return out[:MAX_ENTRIES]


def js_runtimes() -> dict[str, dict[str, str]]:
    """The JavaScript runtime yt-dlp solves YouTube's signature and "n" challenges with (without one it
    gets no usable YouTube formats): the Node.js that ships with Playwright, which Vestige needs anyway,
    running the challenge solver of the yt-dlp-ejs package (installed with yt-dlp's default extras), under
    Node's permission model, so no file or network access. Else yt-dlp's default, deno, if installed."""
    spec = importlib.util.find_spec("playwright")
    node = Path(spec.origin).parent / "driver" / "node" if spec is not None and spec.origin else None
    if node is not None and node.is_file() and os.access(node, os.X_OK):
        return {"node": {"path": str(node)}}
    return {"deno": {}}


def _recorder_ydl(params: dict[str, Any], ca_file: str) -> Any:
    """A YoutubeDL whose HTTPS connections trust the recorder's CA and nothing else."""
    import ssl

    from yt_dlp import YoutubeDL

    class RecorderYoutubeDL(YoutubeDL):  # type: ignore[misc]
        def build_request_director(self, handlers: Any, preferences: Any = None) -> Any:
            # Only handlers whose TLS is Python's ssl, made by ``_make_sslcontext``. Not curl_cffi's
            # impersonation: its TLS would not trust the recorder, and through the recorder, which makes
            # its own connection to the origin, it would impersonate nothing.
            handlers = [h for h in handlers if h.RH_KEY in SSL_HANDLERS]
            director = super().build_request_director(handlers, preferences)
            for handler in director.handlers.values():
                # Every connection ends at the recorder (the proxy), which checks the origin's chain.
                def recorder_only(legacy_ssl_support: Any = None) -> ssl.SSLContext:
                    ctx = ssl.create_default_context(cafile=ca_file)
                    ctx.set_alpn_protocols(["http/1.1"])
                    return ctx

                handler._make_sslcontext = recorder_only
            return director

    return RecorderYoutubeDL(params)


class _OutOfTime(Exception):
    pass


def _out_of_time_error() -> type[BaseException]:
    from yt_dlp.utils import DownloadCancelled

    class OutOfTime(DownloadCancelled, _OutOfTime):  # type: ignore[misc]
        msg = "time limit reached while downloading"

    return OutOfTime


def download(request: DownloadRequest) -> dict[str, Any]:
    """Extract ``request.url`` and download each video's chosen formats; the report (never raises for
    what yt-dlp or the site does)."""
    import yt_dlp.globals
    import yt_dlp.version

    yt_dlp.globals.plugin_dirs.value = []  # no plugins from the user's directories or sys.path
    started = time.monotonic()
    deadline = started + request.seconds
    out_of_time = _out_of_time_error()
    log = _Log(request.directory)
    finished: list[dict[str, Any]] = []
    merged: list[dict[str, Any]] = []

    def progress(d: dict[str, Any]) -> None:
        if d.get("status") == "finished":
            fmt = d.get("info_dict") or {}
            finished.append(
                {
                    "name": Path(str(d.get("filename"))).name,
                    "url": sent_url(fmt.get("url")),
                    "format_id": _line(fmt.get("format_id"), 200),
                    "bytes": _number(d.get("total_bytes") or d.get("downloaded_bytes")),
                }
            )
        elif time.monotonic() > deadline:
            raise out_of_time()

    def postprocessed(d: dict[str, Any]) -> None:
        if d.get("status") == "finished" and d.get("postprocessor") == "Merger":
            path = (d.get("info_dict") or {}).get("filepath")
            if path:
                merged.append({"name": Path(str(path)).name, "derived": "merged by ffmpeg"})

    report: dict[str, Any] = {
        "tool": {"name": "yt-dlp", "version": yt_dlp.version.__version__},
        "format": FORMAT_MERGED if request.ffmpeg else FORMAT_SINGLE,
        "merge": bool(request.ffmpeg),
        "entries": [],
        "error": None,
        "error_kind": None,
    }
    ydl = _recorder_ydl(ydl_params(request, log, progress, postprocessed), request.recorder_ca)
    report["user_agent"] = _line(ydl.params["http_headers"].get("User-Agent"))
    skip = set(request.skip_urls)
    try:
        with ydl:
            try:
                info = ydl.extract_info(request.url, download=False)
            except Exception as exc:  # yt-dlp's and the site's errors alike: reported, never raised
                report["error_kind"], report["error"] = error_kind(exc)
                info = None
            entries = _entries(info) if isinstance(info, dict) else []
            if not entries and report["error"] is None:
                report["error_kind"], report["error"] = "no_video", "yt-dlp found no video at this URL"
            for entry in entries:
                chosen = chosen_formats(entry)
                item = describe_entry(entry, chosen)
                report["entries"].append(item)
                if item["live"]:
                    item["error"] = "a live stream: not downloaded"
                    continue
                if chosen and all(sent_url(f.get("url")) in skip for f in chosen):
                    item["already_saved"] = True  # the capture has these very files already
                    continue
                if time.monotonic() > deadline:
                    item["error"] = "time limit reached before the download"
                    continue
                del finished[:], merged[:]
                try:
                    ydl.process_ie_result(entry, download=True)
                except BaseException as exc:
                    if not isinstance(exc, Exception | out_of_time):
                        raise
                    kind, message = error_kind(exc)
                    item["error"] = message
                    report["error_kind"] = report["error_kind"] or kind
                    report["error"] = report["error"] or message
                item["files"] = [*finished, *merged]
                if not item["files"] and item["error"] is None:
                    too_large = any("max-filesize" in line for line in log.lines)
                    item["error"] = (
                        f"the file is larger than the capture's limit of {request.max_bytes} bytes"
                        if too_large
                        else "yt-dlp downloaded nothing (see the log)"
                    )
                    report["error"] = report["error"] or item["error"]
                    report["error_kind"] = report["error_kind"] or ("too_large" if too_large else "error")
    finally:
        report["log"] = log.lines
        report["log_lines_dropped"] = log.dropped
        report["seconds"] = round(time.monotonic() - started, 3)
    return report


def _limit_memory() -> None:
    """Cap this process's data segment: a page that needs more than this to read is hostile."""
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        cap = CHILD_MEMORY_BYTES if hard == resource.RLIM_INFINITY else min(CHILD_MEMORY_BYTES, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    except (ValueError, OSError):  # not permitted here: the time limit still holds
        pass


def find_ffmpeg() -> str | None:
    return shutil.which("ffmpeg")


def main() -> int:
    """The child's entry point: a request on stdin, the report in ``request.report``."""
    request = DownloadRequest.from_json(json.loads(sys.stdin.read(1 << 20)))
    _limit_memory()
    try:
        report = download(request)
    except MemoryError:
        report = {"error": "out of memory reading the page", "error_kind": "error", "entries": []}
    Path(request.report).write_text(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
