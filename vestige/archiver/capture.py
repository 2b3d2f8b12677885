"""Capture one URL: Chromium behind the recording proxy, page handling, attachments, provenance.

The result is a directory of files (WARC, screenshot, PDF, DOM, text, certificates, provenance) for
``store.ingest`` to hash and catalog. Nothing here touches the archive.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import ipaddress
import json
import platform
import socket
import ssl
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .. import __version__
from ..clock import utc_now
from ..errors import InputError, VestigeError
from ..faults import crash_point
from .browser import find_chromium, launch_args
from .recorder import Limits, ProxyThread, Recorder, ca_spki_hash
from .socks_bridge import HTTP_REWRITE_NOTE, SocksBridge
from .tls import trust_store
from .warc import open_writer, write_metadata, write_resource, write_warcinfo

SOCKS_SCHEMES = ("socks5://", "socks5h://")
PROXY_SCHEMES = ("http://", "https://", *SOCKS_SCHEMES)
VIEWPORT: Any = {"width": 1280, "height": 900}
SCROLL_STEPS = 30


@dataclass(frozen=True)
class CaptureOptions:
    timeout: float = 120.0
    max_resource_bytes: int = 2 << 30
    max_total_bytes: int = 4 << 30
    proxy: str | None = None
    strict_tls: bool = False
    settle: float = 1.0
    extra_ca: Path | None = None  # more trust anchors for the recorder (tests, private PKI)
    resolve: dict[str, tuple[str, int]] = field(default_factory=dict)  # host[:port] -> (ip, port)
    operator: str = ""
    case: str = ""
    public_ip_resolver: str | None = None  # opt-in: a URL answering with the caller's IP address

    def to_json(self) -> dict[str, Any]:
        return {
            "timeout_s": self.timeout,
            "max_resource_bytes": self.max_resource_bytes,
            "max_total_bytes": self.max_total_bytes,
            "proxy": self.proxy,
            "strict_tls": self.strict_tls,
            "settle_s": self.settle,
            "extra_ca": str(self.extra_ca) if self.extra_ca else None,
            "public_ip_resolver": self.public_ip_resolver,
        }


@dataclass
class CaptureResult:
    url: str
    final_url: str
    state: str  # complete | partial | failed
    reason: str | None
    http_status: int | None
    title: str | None
    started: str
    ended: str
    files: list[tuple[str, Path, str]]  # (role, file, media type)
    provenance: dict[str, Any]


class CaptureRefused(VestigeError):
    """--strict-tls and the origin's certificate did not validate: nothing is kept."""

    exit_code = 1
    kind = "tls-refused"


def check_url(url: str) -> str:
    if not url.startswith(("http://", "https://")) or len(url) > 8000:
        raise InputError(f"not an http(s) URL: {url[:100]!r}")
    return url


def _versions(browser_version: str | None) -> dict[str, str | None]:
    def v(name: str) -> str | None:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return None

    return {
        "vestige": __version__,
        "playwright": v("playwright"),
        "chromium": browser_version,
        "mitmproxy": v("mitmproxy"),
        "warcio": v("warcio"),
        "python": platform.python_version(),
    }


def _host() -> dict[str, Any]:
    name = socket.gethostname()
    try:
        addrs = sorted({a[4][0] for a in socket.getaddrinfo(name, None)})
    except OSError:
        addrs = []
    return {"name": name, "addresses": addrs, "platform": platform.platform()}


class _Clock:
    def __init__(self, timeout: float) -> None:
        self.deadline = time.monotonic() + timeout

    def left(self, cap: float | None = None) -> float:
        left = max(0.0, self.deadline - time.monotonic())
        return min(left, cap) if cap is not None else left


def _wait_quiet(rec: Recorder, quiet: float, limit: float) -> bool:
    """Wait until no exchange is in flight and none started for ``quiet`` seconds."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        st = rec.state
        if not st.inflight and time.monotonic() - st.last_activity >= quiet:
            return True
        time.sleep(0.05)
    return False


_SCROLL = """() => { const before = window.scrollY; window.scrollBy(0, window.innerHeight);
  return window.scrollY === before || window.innerHeight + window.scrollY >= document.body.scrollHeight; }"""
_PLAY = """() => { for (const m of document.querySelectorAll('video, audio')) {
  m.muted = true; const p = m.play(); if (p) p.catch(() => {}); } }"""


def capture_url(url: str, opts: CaptureOptions, workdir: Path) -> CaptureResult:
    """Capture ``url`` into files under ``workdir``; always returns, with state and reason."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    check_url(url)
    clock = _Clock(opts.timeout)
    started = utc_now()
    problems: list[str] = []
    page_info: dict[str, Any] = {"final_url": url, "http_status": None, "title": None}
    files: list[tuple[str, Path, str]] = []
    confdir = workdir / "recorder"
    spool = workdir / "spool"
    spool.mkdir(parents=True)
    warc_path = workdir / "capture.warc.gz"
    trust = trust_store(opts.extra_ca)
    failed: str | None = None
    browser_version: str | None = None
    events: dict[str, list[Any]] = {"dialogs": [], "popups": [], "crashed": []}
    public_ip: dict[str, Any] | None = None  # only when the user opts in to a resolver
    executable: str | None = None
    with open(warc_path, "wb") as warc_fp:
        writer = open_writer(warc_fp)
        rec = Recorder(
            writer, trust, spool, Limits(opts.max_resource_bytes, opts.max_total_bytes), opts.resolve
        )
        bridge: SocksBridge | None = None
        if opts.proxy and opts.proxy.startswith(SOCKS_SCHEMES):
            bridge = SocksBridge(opts.proxy)
            bhost, bport = bridge.start()
            mode = [f"upstream:http://{bhost}:{bport}"]
        else:
            mode = [f"upstream:{opts.proxy}"] if opts.proxy else ["regular"]
        proxy = ProxyThread(
            {
                "listen_host": "127.0.0.1",
                "listen_port": 0,
                "confdir": str(confdir),
                "ssl_insecure": True,  # the recorder validates certificates itself and records the result
                "mode": mode,
                "connection_strategy": "eager",
            },
            rec,
        )
        host, port = proxy.start()
        try:
            with sync_playwright() as pw:
                executable = find_chromium(pw)
                browser = pw.chromium.launch(
                    executable_path=executable,
                    headless=True,
                    args=launch_args([f"--ignore-certificate-errors-spki-list={ca_spki_hash(confdir)}"]),
                )
                browser_version = browser.version
                with rec.lock:
                    write_warcinfo(
                        writer,
                        warc_path.name,
                        {
                            "software": f"Vestige {__version__}",
                            "format": "WARC File Format 1.1",
                            "operator": opts.operator,
                            "case": opts.case,
                            "host": socket.gethostname(),
                            "versions": json.dumps(_versions(browser_version)),
                            "options": json.dumps(opts.to_json()),
                            "isPartOf": url,
                        },
                    )
                context = browser.new_context(
                    proxy={"server": f"http://{host}:{port}"},
                    ignore_https_errors=True,  # the browser talks only to the recorder
                    viewport=VIEWPORT,
                )
                events = _watch(context)
                page = context.new_page()
                page.on("crash", lambda _page: events["crashed"].append(True))
                page_info["user_agent"] = page.evaluate("navigator.userAgent")
                rec.keep_urls.add(url)
                download = False
                try:
                    resp = page.goto(url, wait_until="load", timeout=clock.left(60) * 1000)
                    page_info["http_status"] = resp.status if resp else None
                    media_type = (resp.headers.get("content-type", "") if resp else "").split(";")[0]
                    download = bool(media_type) and media_type.strip().lower() not in PAGE_TYPES
                except PlaywrightError as exc:
                    message = str(exc).splitlines()[0]
                    if "Download is starting" in message:
                        download = True  # not a page: the resource itself is the evidence
                    elif "Timeout" in message:
                        problems.append("the page did not finish loading in time")
                    else:
                        failed = f"navigation failed: {message}"
                if download:
                    if not _wait_quiet(rec, opts.settle, clock.left()):
                        problems.append("the download did not finish in time")
                    failed = _resource_capture(rec, url, page_info, files)
                elif failed is None:
                    failed = _no_server_answer(rec, page.url)
                if failed is None and not download:
                    crash_point("capture-loaded")
                    _handle_page(page, rec, opts, clock, problems)
                    page_info["final_url"] = page.url
                    page_info["title"] = page.title()
                    files.extend(_snapshots(page, workdir, rec, page.url))
                    files.extend(_save_media(page, rec, confdir, (host, port), page_info, clock, problems))
                if opts.public_ip_resolver:
                    public_ip = _public_ip(opts.public_ip_resolver, confdir, (host, port), clock)
                    _wait_quiet(rec, 0.3, clock.left(5))
                context.close()
                browser.close()
        finally:
            proxy.stop()
            if bridge is not None:
                bridge.stop()
                rec.state.failures.extend(bridge.failures)
        ended = utc_now()
        if events["crashed"] and failed is None:
            failed = "the page's renderer crashed"
        if rec.state.inflight:
            problems.append(f"{len(rec.state.inflight)} requests unfinished when the capture ended")
        problems.extend(rec.state.limits_hit)
        if clock.left() <= 0:
            problems.append(f"time limit of {opts.timeout:g} s reached")
        tls_main = _main_origin_tls(rec, page_info["final_url"])
        state = "failed" if failed else ("partial" if problems else "complete")
        reason = failed or ("; ".join(dict.fromkeys(problems)) if problems else None)
        provenance = {
            "target_url": url,
            "final_url": page_info["final_url"],
            "http_status": page_info["http_status"],
            "title": page_info["title"],
            "started": started,
            "ended": ended,
            "clock_source": "system clock (UTC); synchronisation not verified by Vestige",
            "operator": opts.operator,
            "case": opts.case,
            "host": _host(),
            "public_ip": public_ip,
            "user_agent": page_info.get("user_agent"),
            "viewport": VIEWPORT,
            "browser_executable": executable,
            "versions": _versions(browser_version),
            "options": opts.to_json(),
            "proxy_mode": mode,
            "upstream_proxy": {
                "url": opts.proxy,
                "kind": "socks5" if bridge else "http",
                "note": HTTP_REWRITE_NOTE if bridge else None,
            }
            if opts.proxy
            else None,
            "limits_hit": rec.state.limits_hit,
            "exchanges_count": len(rec.state.exchanges),
            "exchanges": rec.state.exchanges,
            "failed_exchanges": rec.state.failures,
            "unfinished": sorted(rec.state.inflight.values()),
            "tls": list(rec.state.tls.values()),
            "dialogs": events["dialogs"],
            "popups": events["popups"],
            "main_origin_tls": tls_main,
            "state": state,
            "reason": reason,
        }
        prov_bytes = json.dumps(provenance, indent=2, ensure_ascii=False).encode()
        write_metadata(writer, f"urn:vestige:provenance:{url}", prov_bytes, url)
    prov_path = workdir / "provenance.json"
    prov_path.write_bytes(prov_bytes)
    files.append(("provenance", prov_path, "application/json"))
    if tls_main is not None:
        cert_path = workdir / "certificates.pem"
        cert_path.write_text("".join(tls_main["chain_pem"]))
        files.append(("certificates", cert_path, "application/x-pem-file"))
    files.append(("warc", warc_path, "application/warc"))
    if opts.strict_tls and tls_main is not None and not tls_main["validation"]["valid"]:
        raise CaptureRefused(
            f"{url}: the server's certificate did not validate ({tls_main['validation']['error']})",
            hint="without --strict-tls the page is captured and the record says so",
        )
    return CaptureResult(
        url=url,
        final_url=page_info["final_url"],
        state=state,
        reason=reason,
        http_status=page_info["http_status"],
        title=page_info["title"],
        started=started,
        ended=ended,
        files=files,
        provenance=provenance,
    )


def _watch(context: Any) -> dict[str, list[Any]]:
    """Dismiss dialogs and close pop-ups, recording each, so a hostile page cannot stall the capture.

    Pop-ups' own traffic still goes through the recorder and is in the WARC."""
    events: dict[str, list[Any]] = {"dialogs": [], "popups": [], "crashed": []}

    def on_dialog(dialog: Any) -> None:
        events["dialogs"].append({"type": dialog.type, "message": dialog.message[:1000], "time": utc_now()})
        with contextlib.suppress(Exception):  # the page may be gone already
            dialog.dismiss()

    def on_page(page: Any) -> None:
        page.on("dialog", on_dialog)
        opener = page.opener()
        if opener is not None:  # a pop-up, not the capture's own page
            events["popups"].append({"url": page.url, "time": utc_now()})
            with contextlib.suppress(Exception):
                page.close()

    context.on("page", on_page)
    return events


def _handle_page(page: Any, rec: Recorder, opts: CaptureOptions, clock: _Clock, problems: list[str]) -> None:
    """Let the page finish: scroll through lazy content and play media right after load, then wait once
    for the network to go quiet (late fetch()/XHR included), bounded; back to the top for the snapshot.

    One quiet wait after scrolling catches what the load, the scroll and the media started together
    (measured in bench/capture.py: a second wait before scrolling added ~40% to a typical capture)."""
    for _ in range(SCROLL_STEPS):
        if clock.left() < 2 or page.evaluate(_SCROLL):
            break
        time.sleep(0.15)
    page.evaluate(_PLAY)
    if not _wait_quiet(rec, opts.settle, clock.left(20)):
        problems.append("the network did not go quiet before the snapshot")
    page.evaluate("() => window.scrollTo(0, 0)")


def _snapshots(page: Any, workdir: Path, rec: Recorder, target: str) -> list[tuple[str, Path, str]]:
    """Screenshot, PDF, DOM (with iframes) and visible text, as files and as WARC resource records.

    Records are written under the recorder's lock: late exchanges may be written at the same time."""
    out: list[tuple[str, Path, str]] = []
    shots: list[tuple[str, str, str, bytes]] = [
        ("screenshot", "screenshot.png", "image/png", page.screenshot(full_page=True)),
        ("pdf", "page.pdf", "application/pdf", page.pdf(print_background=True)),
        ("dom", "dom.html", "text/html; charset=utf-8", page.content().encode()),
        (
            "text",
            "text.txt",
            "text/plain; charset=utf-8",
            page.evaluate("() => document.body ? document.body.innerText : ''").encode(),
        ),
    ]
    for role, name, media_type, data in shots:
        path = workdir / name
        path.write_bytes(data)
        out.append((role, path, media_type))
        with rec.lock:
            write_resource(rec.writer, f"urn:vestige:{role}:{target}", media_type, data, len(data), target)
    for i, frame in enumerate(page.frames[1:], start=1):
        try:
            html = frame.content().encode()
        except Exception:  # a detached frame has no content left to record
            continue
        with rec.lock:
            write_resource(
                rec.writer,
                f"urn:vestige:dom:{frame.url}#frame{i}",
                "text/html; charset=utf-8",
                html,
                len(html),
                target,
            )
    return out


MEDIA_PREFIXES = ("image/", "video/", "audio/")
PAGE_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "text/plain",
    "image/svg+xml",
    "text/xml",
    "application/xml",
}


def _resource_capture(
    rec: Recorder, url: str, page_info: dict[str, Any], files: list[tuple[str, Path, str]]
) -> str | None:
    """A URL that is not a page: keep the resource itself (after its redirects) as the exhibit's file."""
    for hop, (path, media_type) in rec.kept.items():
        role = "media" if media_type.startswith(MEDIA_PREFIXES) else "document"
        files.append((role, path, media_type))
        page_info["final_url"] = hop
        page_info["http_status"] = next((e["status"] for e in rec.state.exchanges if e["url"] == hop), None)
        page_info["resource_media_type"] = media_type
        return None
    return _no_server_answer(rec, url) or f"the resource at {url} was not received"


_MEDIA_URLS = """() => [...document.querySelectorAll('video, audio, video source, audio source')]
  .map(m => m.currentSrc || m.src).filter(u => u && /^https?:/.test(u))"""
MAX_MEDIA = 20


def _recorder_opener(confdir: Path, proxy: tuple[str, int]) -> urllib.request.OpenerDirector:
    """A urllib opener whose traffic goes through the recorder (and so into the WARC)."""
    ctx = ssl.create_default_context(cafile=str(confdir / "mitmproxy-ca-cert.pem"))
    via = f"http://{proxy[0]}:{proxy[1]}"
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": via, "https": via}), urllib.request.HTTPSHandler(context=ctx)
    )


def _public_ip(resolver: str, confdir: Path, proxy: tuple[str, int], clock: _Clock) -> dict[str, Any]:
    """Ask the user's chosen resolver for the capture's public address, over the capture's own route."""
    try:
        with _recorder_opener(confdir, proxy).open(resolver, timeout=max(clock.left(15), 1)) as resp:
            text = resp.read(200).decode("utf-8", "replace").strip()
    except (OSError, ValueError) as exc:
        return {"resolver": resolver, "address": None, "error": str(exc)}
    try:
        return {"resolver": resolver, "address": str(ipaddress.ip_address(text)), "error": None}
    except ValueError:
        return {"resolver": resolver, "address": None, "error": f"not an IP address: {text[:60]!r}"}


def _save_media(
    page: Any,
    rec: Recorder,
    confdir: Path,
    proxy: tuple[str, int],
    page_info: dict[str, Any],
    clock: _Clock,
    problems: list[str],
) -> list[tuple[str, Path, str]]:
    """Fetch each video and audio file the page uses, whole, through the recorder, and keep it.

    The browser often loads media in ranges, or not at all until played; a full GET through the same
    recorder puts the complete file in the WARC and in the exhibit. The bytes stream through this process
    and are dropped here: the recorder spools them to disk."""
    urls = list(dict.fromkeys(page.evaluate(_MEDIA_URLS)))[:MAX_MEDIA]
    if not urls:
        return []
    opener = _recorder_opener(confdir, proxy)
    headers = {"User-Agent": page_info.get("user_agent") or "", "Referer": page.url}
    for url in urls:
        rec.keep_urls.add(url)
        try:
            with opener.open(
                urllib.request.Request(url, headers=headers), timeout=max(clock.left(), 1)
            ) as resp:
                while resp.read(1 << 20):
                    if clock.left() <= 0:
                        problems.append(f"time limit reached while saving media {url}")
                        break
        except (OSError, ValueError) as exc:
            problems.append(f"media {url} could not be saved: {exc}")
    _wait_quiet(rec, 0.2, clock.left(10))
    return [
        ("media", path, media_type)
        for hop, (path, media_type) in rec.kept.items()
        if hop in urls and media_type.startswith(MEDIA_PREFIXES)
    ]


def _no_server_answer(rec: Recorder, url: str) -> str | None:
    """Why the page shown is not the server's (the recorder answered with an error page), or None."""
    if any(e["url"] == url for e in rec.state.exchanges) or url in rec.state.inflight.values():
        return None  # answered, or still answering
    host = urlsplit(url).netloc
    for f in rec.state.failures:
        if f["target"] in (url, host) or f["target"].startswith(host):
            return f"navigation failed: no answer from {host}: {f['error']}"
    return f"navigation failed: no answer from {host} was recorded"


def _main_origin_tls(rec: Recorder, final_url: str) -> dict[str, Any] | None:
    host = urlsplit(final_url).hostname
    for info in rec.state.tls.values():
        if info["host"] == host:
            return info
    return None
