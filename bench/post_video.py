"""Post video benchmark: ``vestige capture`` of a post with a 100 MB video, against the same post with a
1 MB video (memory) and against ``curl`` and a plain Python download of the file (time).

A local web in a child process (``python -m bench.post_video --serve DIR``, plain HTTP on 127.0.0.1)
serves two kinds of post page for each video size, and the videos themselves: random bytes served as
``video/mp4`` (incompressible, as real video is; generated at run time, streamed to disk; Chromium gives up
decoding them at once, so the capture's own download of the file is what is measured, not the browser
buffering a stream):

* ``yt_dlp``: the page plays its video only when clicked and declares it in JSON-LD (a VideoObject's
  ``contentUrl``): the post record has the video, the browser never loads it, so yt-dlp fetches it
  through the recorder (``vestige/archiver/media_download.py``);
* ``media_step``: the page has ``<video src>`` (and Open Graph ``og:video``): the browser starts playing
  it and the capture's media step fetches it whole through the recorder; yt-dlp does not run.

Each capture is ``vestige --archive A capture URL --case BENCH --profile generic --max-size 2G --json`` as
a subprocess on a fresh archive, its process tree sampled from /proc (``bench.capture.TreeMonitor``: the
vestige process's VmHWM every 20 ms; the yt-dlp child, Chromium and the Playwright driver every 40 ms).
Flat memory: the 100 MB capture's peak RSS over the 1 MB capture's, per process, stays near 1. The run
checks that the post record and the media artifact (its SHA-256 the served file's) came out of the same
run. Sizes run interleaved, ``RUNS`` rounds (1 with ``--quick``), medians reported.

    .venv/bin/python -m bench.run --only post_video [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .capture import CASE, MB, MIB, ROOT, TreeMonitor, _iso_seconds, _vestige_exe
from .common import Json, log, median, r, run_alone, target

SIZES = {"1MB": 1 * MIB, "100MB": 100 * MIB}
RUNS = 3
SCENARIOS = ("yt_dlp", "media_step")

_HEAD = """<!doctype html><html lang="uk"><head><meta charset="utf-8">
<title>Автобус із дітьми: відео читача ({size})</title>
<meta property="og:type" content="article">
<meta property="og:title" content="Автобус із дітьми: відео читача">
<meta property="og:description" content="Відео, яке надіслав читач: автобус, яким 14 дітей вивезли до Криму.">
"""
PAGES = {
    "yt_dlp": _HEAD
    + """<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "SocialMediaPosting",
 "headline": "Автобус із дітьми: відео читача", "datePublished": "2024-10-23T12:05:00+03:00",
 "author": {{"@type": "Person", "name": "Олена Приклад"}},
 "video": {{"@type": "VideoObject", "name": "Автобус на виїзді з Олешок", "width": 160, "height": 90,
   "uploadDate": "2024-10-23T11:40:00+03:00", "contentUrl": "{video}", "encodingFormat": "video/mp4"}}}}
</script></head><body><article><h1>Автобус із дітьми: відео читача</h1>
<figure class="player" data-video="{video}"><button type="button">▶</button></figure>
<p>Відео, яке надіслав читач: автобус, яким 14 дітей вивезли до Криму.</p></article></body></html>""",
    "media_step": _HEAD
    + """<meta property="og:video" content="{video}"><meta property="og:video:type" content="video/mp4">
</head><body><article><h1>Автобус із дітьми: відео читача</h1>
<video src="{video}" controls preload="metadata" width="160" height="90"></video>
<p>Відео, яке надіслав читач: автобус, яким 14 дітей вивезли до Криму.</p></article></body></html>""",
}


# -- the local web, in a child process ---------------------------------------------------------------


def serve(directory: Path) -> None:
    """Files from ``directory``, streamed; a ``Range: bytes=A-[B]`` request gets its slice (206), as video
    hosts answer a browser's ranged reads."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(directory), **kwargs)

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            ranged = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range") or "")
            path = Path(self.translate_path(self.path))
            if ranged is None or not path.is_file():
                super().do_GET()
                return
            size = path.stat().st_size
            first = int(ranged[1])
            last = min(int(ranged[2]) if ranged[2] else size - 1, size - 1)
            if first > last:
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
            self.send_header("Content-Length", str(last - first + 1))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            with open(path, "rb") as fp:
                fp.seek(first)
                left = last - first + 1
                try:
                    while left and (chunk := fp.read(min(left, 1 << 16))):
                        self.wfile.write(chunk)
                        left -= len(chunk)
                except (BrokenPipeError, ConnectionResetError):  # the browser read what it needed
                    return

    Handler.extensions_map = {".html": "text/html; charset=utf-8", ".mp4": "video/mp4"}
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler) as server:
        print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        sys.stdin.read()  # until the parent closes our stdin
        server.shutdown()


@contextmanager
def local_web(directory: Path) -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.post_video", "--serve", str(directory)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError(f"the local web did not start: {url!r}")
        yield url
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _make_video(path: Path, size: int) -> str:
    """``size`` random bytes (a 1 MiB random block repeated: gzip's 32 KiB window cannot shrink it);
    returns its SHA-256. Not a playable video: the browser gives up on it at once, so what is measured is
    the capture's own download of it, not Chromium buffering a stream."""
    block = os.urandom(MIB)
    digest = hashlib.sha256()
    with open(path, "wb") as fp:
        left = size
        while left:
            chunk = block[: min(left, MIB)]
            fp.write(chunk)
            digest.update(chunk)
            left -= len(chunk)
    return digest.hexdigest()


# -- measuring ---------------------------------------------------------------------------------------


class _Monitor(TreeMonitor):
    """bench.capture's sampler, telling the yt-dlp child (a Python process of the tree) from Chromium."""

    def _group(self, pid: int, name: str) -> str:
        try:
            if b"vestige.archiver.ytdlp" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return "yt_dlp"
        except OSError:
            pass
        return super()._group(pid, name)


def _capture(base: Path, url: str, sha256: str, size: int) -> Json:
    root = base / "archive"
    shutil.rmtree(root, ignore_errors=True)
    subprocess.run(
        [_vestige_exe(), "--archive", str(root), "init", "--operator", "bench"],
        check=True,
        capture_output=True,
    )
    cmd = [
        _vestige_exe(),
        *("--archive", str(root), "capture", url, "--case", CASE, "--create-case"),
        *("--profile", "generic", "--max-size", "2G", "--json"),
    ]
    out = base / "run"
    out.mkdir(exist_ok=True)
    seconds, code, usage, mem, output = _run_monitored(cmd, out)
    if code not in (0, 1):
        raise RuntimeError(f"vestige capture exited {code}: {output[-2000:]}")
    [row] = json.loads(output[: output.rindex("]") + 1])
    [prov_art] = [a for a in row["artifacts"] if a["role"] == "provenance"]
    prov = json.loads(Path(prov_art["path"]).read_text())
    media = [a for a in row["artifacts"] if a["role"] == "media"]
    download = prov.get("media_download") or {}
    groups = mem["by_group"]
    result = {
        "state": row["state"],
        "reason": row["reason"],
        "wall_s": seconds,
        "capture_url_s": _iso_seconds(prov["started"], prov["ended"]),
        "yt_dlp_ran": bool(download.get("ran")),
        "yt_dlp_s": download.get("seconds"),
        "vestige_peak_rss_MB": mem["vestige_peak_rss_MB"],
        "yt_dlp_peak_rss_MB": groups.get("yt_dlp", {}).get("largest_peak_rss_MB"),
        "chromium_rss_sum_peak_MB": groups.get("chromium", {}).get("rss_sum_peak_MB"),
        "cpu_s_tree": usage.ru_utime + usage.ru_stime,
        # The post record and the whole video, from this one run.
        "post_record": row.get("post") is not None and any(a["role"] == "post" for a in row["artifacts"]),
        "video_saved_whole": any(a["sha256"] == sha256 and a["size"] == size for a in media),
        "video_in_warc": any(e["bytes"] == size and e["status"] == 200 for e in prov["exchanges"]),
    }
    shutil.rmtree(root, ignore_errors=True)
    return result


def _run_monitored(cmd: list[str], out_dir: Path) -> tuple[float, int, Any, Json, str]:
    """Run ``cmd`` with its tree sampled; wall seconds, exit code, its wait4 rusage, memory, output."""
    out, err = out_dir / "stdout", out_dir / "stderr"
    with open(out, "wb") as fo, open(err, "wb") as fe:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fo, stderr=fe, cwd=ROOT)
        with _Monitor(proc.pid, interval=0.02, tree_every=2) as mon:
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - t0
    output = out.read_text() + err.read_text()[-2000:]
    return seconds, os.waitstatus_to_exitcode(status), usage, mon.report(), output


def _baselines(url: str, size: int, base: Path) -> Json:
    out: Json = {}
    if shutil.which("curl"):
        t0 = time.perf_counter()
        subprocess.run(["curl", "-sS", "-o", str(base / "curl.out"), url], check=True)
        out["curl_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with urllib.request.urlopen(url) as resp, open(base / "python.out", "wb") as fp:
        while chunk := resp.read(MIB):
            fp.write(chunk)
    out["python_urllib_s"] = time.perf_counter() - t0
    for name in ("curl.out", "python.out"):
        found = base / name
        if found.exists():
            if found.stat().st_size != size:
                raise RuntimeError(f"{name}: {found.stat().st_size} bytes, expected {size}")
            found.unlink()
    return out


def run(quick: bool, workdir: Path) -> tuple[Json, dict[str, Json]]:
    runs = 1 if quick else RUNS
    base = workdir / "post-video"
    site = base / "site"
    site.mkdir(parents=True)
    digests: dict[str, str] = {}
    for label, size in SIZES.items():
        digests[label] = _make_video(site / f"video-{label}.mp4", size)
    with local_web(site) as web:
        for scenario in SCENARIOS:
            for label in SIZES:
                page = PAGES[scenario].format(size=label, video=f"{web}/video-{label}.mp4")
                (site / f"{scenario}-{label}.html").write_text(page, encoding="utf-8")
        samples: dict[str, dict[str, list[Json]]] = {s: {label: [] for label in SIZES} for s in SCENARIOS}
        baselines: list[Json] = []
        for label in SIZES:  # warm-up: imports, Chromium's files in the page cache
            _capture(base, f"{web}/yt_dlp-{label}.html", digests[label], SIZES[label])
        for n in range(runs):
            baselines.append(_baselines(f"{web}/video-100MB.mp4", SIZES["100MB"], base))
            for scenario in SCENARIOS:
                order = list(SIZES) if n % 2 == 0 else list(SIZES)[::-1]
                for label in order:
                    got = _capture(base, f"{web}/{scenario}-{label}.html", digests[label], SIZES[label])
                    samples[scenario][label].append(got)
                    log(
                        f"post_video: {scenario} {label} run {n + 1}/{runs}: {got['wall_s']:.2f} s, "
                        f"vestige {got['vestige_peak_rss_MB']} MB, yt-dlp {got['yt_dlp_peak_rss_MB']} MB"
                    )

    def med(scenario: str, label: str, key: str) -> float | None:
        values = [s[key] for s in samples[scenario][label] if s[key] is not None]
        return r(median(values), 3) if values else None

    curl = median([b["curl_s"] for b in baselines]) if all("curl_s" in b for b in baselines) else None
    python = median([b["python_urllib_s"] for b in baselines])
    result: Json = {
        "video_bytes": SIZES,
        "runs": runs,
        "command": "vestige --archive A capture URL --case BENCH --profile generic --max-size 2G --json",
        "baseline_100MB_s": {"curl": r(curl) if curl else None, "python_urllib": r(python)},
    }
    targets: dict[str, Json] = {}
    for scenario in SCENARIOS:
        big, small = samples[scenario]["100MB"], samples[scenario]["1MB"]
        summary: Json = {
            label: {
                key: med(scenario, label, key)
                for key in (
                    "wall_s",
                    "capture_url_s",
                    "yt_dlp_s",
                    "vestige_peak_rss_MB",
                    "yt_dlp_peak_rss_MB",
                    "chromium_rss_sum_peak_MB",
                    "cpu_s_tree",
                )
            }
            for label in SIZES
        }
        checks = {
            "states": sorted({s["state"] for s in big + small}),
            "post_record_every_run": all(s["post_record"] for s in big + small),
            "video_saved_whole_every_run": all(s["video_saved_whole"] for s in big + small),
            "video_in_warc_every_run": all(s["video_in_warc"] for s in big + small),
            "yt_dlp_ran": sorted({s["yt_dlp_ran"] for s in big + small}),
        }
        ratio = summary["100MB"]["vestige_peak_rss_MB"] / summary["1MB"]["vestige_peak_rss_MB"]
        extra = summary["100MB"]["wall_s"] - summary["1MB"]["wall_s"]
        summary.update(
            checks=checks,
            vestige_peak_rss_ratio_100MB_vs_1MB=r(ratio),
            wall_ratio_vs_curl=r(summary["100MB"]["wall_s"] / curl) if curl else None,
            wall_ratio_vs_python=r(summary["100MB"]["wall_s"] / python),
            # What the 99 MB more cost the capture, against curl fetching all 100 MB.
            extra_s_for_99MB=r(extra),
            extra_MBps=r(99 * MIB / MB / extra, 1) if extra > 0 else None,
        )
        if summary["100MB"]["yt_dlp_peak_rss_MB"] and summary["1MB"]["yt_dlp_peak_rss_MB"]:
            child = summary["100MB"]["yt_dlp_peak_rss_MB"] / summary["1MB"]["yt_dlp_peak_rss_MB"]
            summary["yt_dlp_peak_rss_ratio_100MB_vs_1MB"] = r(child)
            targets[f"post_video_{scenario}_yt_dlp_rss_ratio"] = target(
                "<=", 1.2, r(child), "yt-dlp child's peak RSS, 100 MB video / 1 MB video"
            )
        targets[f"post_video_{scenario}_rss_ratio"] = target(
            "<=", 1.2, r(ratio), "vestige process peak RSS (VmHWM), 100 MB video / 1 MB video, medians"
        )
        ok = checks["post_record_every_run"] and checks["video_saved_whole_every_run"]
        targets[f"post_video_{scenario}_post_and_video_same_run"] = target(
            ">=", 1, 1.0 if ok else 0.0, "1: every run gave the post record and the whole video"
        )
        result[scenario] = summary
    return result, targets


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.post_video")
    parser.add_argument("--quick", action="store_true", help="one round instead of three")
    parser.add_argument("--dir", type=Path, default=None, help="parent of the work directory")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--serve", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
    else:
        run_alone("post_video", run, args.quick, args.dir, args.keep)


if __name__ == "__main__":
    main()
