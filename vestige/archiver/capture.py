"""Capture one URL: Chromium behind the recording proxy, page handling, attachments, provenance.

The result is a directory of files (WARC, screenshot, PDF, DOM, text, certificates, provenance) for
``store.ingest`` to hash and catalog. Nothing here touches the archive.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import importlib.metadata
import ipaddress
import json
import math
import platform
import socket
import ssl
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .. import __version__
from ..clock import ntp_synchronized, utc_now
from ..errors import InputError, VestigeError
from ..faults import crash_point
from .browser import PlaywrightDriver, find_chromium, launch_args
from .media_download import download_problem, download_reason, run_media_download
from .profiles import select_profile
from .profiles.base import DEFAULT_REPLIES
from .recorder import Limits, Recorder, RecordingProxy, load_mitmproxy
from .recorder_ca import CA_CERT_FILE, RecorderCa, new_ca
from .redaction import Redaction, redact_url_password
from .sessions import StoredSession, echoed_cookies
from .socks_bridge import HTTP_REWRITE_NOTE, SocksBridge
from .tls import trust_store
from .warc import open_writer, write_metadata, write_resource, write_warcinfo

SOCKS_SCHEMES = ("socks5://", "socks5h://")
PROXY_SCHEMES = ("http://", "https://", *SOCKS_SCHEMES)
VIEWPORT: Any = {"width": 1280, "height": 900}
SCROLL_STEPS = 30
NETWORK_IDLE_S = 0.5  # quiet that ends a wait after late traffic: Playwright's (and Chromium's) network idle
POLL_S = 0.01  # how often a wait looks at the recorder (a wait ends at most this late)
SNAPSHOT_S = 0.3  # how long screenshot, PDF and DOM take, until a capture has measured it
SNAPSHOT_S_MAX = 2.0  # snapshots are never started longer than this before a wait's expected end
SNAPSHOT_TRIES = 2  # snapshots taken during one wait, at most (traffic after them means taking them again)
SNAPSHOT_SAMPLES = 5  # snapshots are expected to take as long as the longest of the run's last few
CALM_WAIT_S = 1.0  # work that can wait for no page to be loading waits at most this long (``Loads``)
# What a platform showed instead of the post: the capture is kept, as partial, with this reason.
NOT_THE_POST = {"login_wall", "deleted", "age_gate", "rate_limited", "geo_blocked", "not_found"}


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
    profile: str | None = None  # a platform profile by name; None: chosen from the URL
    replies: int = DEFAULT_REPLIES  # replies a profile loads per post (0: none)
    media_download: bool | None = None  # yt-dlp: True always, False never, None when the post calls for it
    # Opt-in (--session): the browser context starts logged in; credential headers are redacted in the WARC.
    session: StoredSession | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "timeout_s": self.timeout,
            "max_resource_bytes": self.max_resource_bytes,
            "max_total_bytes": self.max_total_bytes,
            "proxy": redact_url_password(self.proxy) if self.proxy else None,
            "strict_tls": self.strict_tls,
            "settle_s": self.settle,
            "extra_ca": str(self.extra_ca) if self.extra_ca else None,
            "public_ip_resolver": self.public_ip_resolver,
            "profile": self.profile,
            "replies": self.replies,
            "media_download": self.media_download,
            "session": self.session.capture_option() if self.session else None,
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
    post: dict[str, Any] | None = None  # the platform profile's post record (PostRecord.to_json())


class CaptureRefused(VestigeError):
    """--strict-tls and the origin's certificate did not validate: nothing is kept."""

    exit_code = 1
    kind = "tls-refused"


def check_url(url: str) -> str:
    if not url.startswith(("http://", "https://")) or len(url) > 8000:
        raise InputError(f"not an http(s) URL: {url[:100]!r}")
    return url


def check_proxy(proxy: str) -> str:
    """``--proxy URL``: an HTTP(S) or SOCKS5 proxy, else an ``InputError``."""
    if not proxy.startswith(PROXY_SCHEMES):
        raise InputError(f"--proxy {proxy[:100]!r}: use http://, https://, socks5:// or socks5h://")
    return proxy


def _versions(browser_version: str | None) -> dict[str, str | None]:
    packages = _package_versions()
    return {
        "vestige": __version__,
        "playwright": packages["playwright"],
        "chromium": browser_version,
        "mitmproxy": packages["mitmproxy"],
        "warcio": packages["warcio"],
        "yt-dlp": packages["yt-dlp"],
        "python": platform.python_version(),
    }


@functools.cache
def _package_versions() -> dict[str, str | None]:
    """The installed versions of the packages a capture names (read once: they do not change in a run)."""

    def v(name: str) -> str | None:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return None

    return {name: v(name) for name in ("playwright", "mitmproxy", "warcio", "yt-dlp")}


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


@dataclass
class Settling:
    """When a page's late traffic is over: nothing in flight, ``settle`` seconds since ``since`` and
    ``idle`` seconds since the last exchange started or ended (what late traffic starts in turn is
    awaited too).

    A capture counts ``settle`` from the page's load event, the clock a page's timers run on: what a timer
    set as the page loaded (or as the capture scrolled it) fetches starts inside this window, however soon
    the network went quiet, and the window overlaps the scrolling and the page's own traffic after load.
    Given no ``since``, ``settle`` counts from the moment the traffic first stopped (``_wait_quiet``).

    A page whose traffic ends 0.25 s after load is done 1 s after load with a ``settle`` of 1 s (at least
    ``idle`` after that traffic); one that fetches once 0.6 s after load, at max(1 s after load, ``idle``
    after that fetch); one whose traffic goes on for 3 s, ``idle`` after it."""

    settle: float
    idle: float = NETWORK_IDLE_S
    since: float | None = None

    def done(self, inflight: bool, last_activity: float, now: float) -> bool:
        if inflight:
            return False
        if self.since is None:
            self.since = last_activity
        return now >= self.due(last_activity)

    def due(self, last_activity: float) -> float:
        """When the page is settled if nothing is in flight and no exchange starts before then (infinite
        while it is not known from when ``settle`` counts)."""
        if self.since is None:
            return math.inf
        return max(self.since + self.settle, last_activity + min(self.idle, self.settle))


async def _wait_quiet(rec: Recorder, quiet: float, limit: float, *, idle: float | None = None) -> bool:
    """Wait, at most ``limit`` seconds, until nothing is in flight, ``quiet`` seconds have passed since the
    traffic first stopped and ``idle`` (by default ``quiet``) since the last exchange (``Settling``)."""
    end = time.monotonic() + limit
    settling = Settling(quiet, quiet if idle is None else idle)
    while (now := time.monotonic()) < end:
        if settling.done(bool(rec.state.inflight), rec.state.last_activity, now):
            return True
        await asyncio.sleep(POLL_S)
    return False


class Loads:
    """The pages of a run that are loading: from their navigation to their load event.

    Work that can wait a moment waits for a moment when none is (``calm``): a capture keeps what its
    page showed then (the files, their WARC records, the profile's reading), so it also ends then and
    the caller's storing of it (hashing, the catalog, the ledger) begins there. On two cores that work
    would otherwise take processor time (and Python's lock, which the recording proxy needs for every
    exchange) from the pages loading, whose load is on every capture's way; after its load a page
    waits at least ``--settle`` anyway, so that moment comes soon."""

    def __init__(self) -> None:
        self._loading = 0
        self._calm = asyncio.Event()
        self._calm.set()

    @contextlib.contextmanager
    def loading(self) -> Iterator[None]:
        self._loading += 1
        self._calm.clear()
        try:
            yield
        finally:
            self._loading -= 1
            if not self._loading:
                self._calm.set()

    @property
    def busy(self) -> bool:
        """Whether a page is loading now."""
        return self._loading > 0

    async def calm(self, limit: float | None = None) -> None:
        """Return once no page is loading, or after ``limit`` seconds (``CALM_WAIT_S``) whatever is."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._calm.wait(), CALM_WAIT_S if limit is None else limit)


_SCROLL = """() => { const before = window.scrollY; window.scrollBy(0, window.innerHeight);
  return window.scrollY === before || window.innerHeight + window.scrollY >= document.body.scrollHeight; }"""
_PLAY = """() => { for (const m of document.querySelectorAll('video, audio')) {
  m.muted = true; const p = m.play(); if (p) p.catch(() => {}); } }"""
_MEDIA_STATE = """(limit) => Array.from(document.querySelectorAll('video, audio')).slice(0, limit).map(m => ({
  tag: m.localName, src: m.currentSrc, duration: m.duration, current_time: m.currentTime, paused: m.paused,
  ready_state: m.readyState, error: m.error ? m.error.code : null,
  width: m.videoWidth ?? null, height: m.videoHeight ?? null }))"""
MAX_MEDIA_ELEMENTS = 50
MAX_MEDIA_SRC = 2000


class CaptureSession:
    """One Chromium and one recording proxy shared by the captures of a run (``running``).

    Each capture gets its own browser context and its own proxy listener (so its own WARC, limits and
    upstream proxy); several run at once on one event loop. It starts Playwright's driver itself unless
    it is given one begun already (``PlaywrightDriver``), and stops it either way."""

    def __init__(self, driver: PlaywrightDriver | None = None) -> None:
        self._driver = driver or PlaywrightDriver()
        self.loads = Loads()
        self._recorder: RecordingProxy | None = None
        self._confdir: Path | None = None
        self._ca: asyncio.Future[RecorderCa] | None = None
        self._browser_start: asyncio.Future[None] | None = None
        self._recorder_start: asyncio.Future[None] | None = None
        self.pw: Any = None
        self.browser: Any = None
        self.executable: str | None = None
        self.ca_spki = ""
        self._user_agent: asyncio.Future[str] | None = None
        self.browser_version: str | None = None
        self._snapshot_times: collections.deque[float] = collections.deque([SNAPSHOT_S], SNAPSHOT_SAMPLES)
        # Pages visited at once (``capture_all`` sets its concurrency): a capture opens its context and
        # page first, and visits when a slot is free.
        self.visits: asyncio.Semaphore | None = None
        self._launching = asyncio.Lock()
        self.id = uuid.uuid4().hex
        self.ntp_synchronized: bool | None = None  # once per run, as the session starts: timedatectl's word

    @property
    def snapshot_s(self) -> float:
        """How long snapshots are expected to take, so when to start them in a wait: as long as the
        longest of the last few. Their time varies with what else the machine does (other pages, with
        ``--jobs``), and starting them a little early costs less than finishing them late."""
        return max(self._snapshot_times)

    def snapshots_took(self, seconds: float) -> None:
        self._snapshot_times.append(min(max(seconds, 0.05), SNAPSHOT_S_MAX))

    @property
    def proxy(self) -> RecordingProxy:
        assert self._recorder is not None, "the session is running"
        return self._recorder

    @property
    def confdir(self) -> Path:
        """The recorder's directory: its CA (``CA_CERT_FILE`` is what other clients of it trust)."""
        assert self._confdir is not None, "the session is running"
        return self._confdir

    async def _start_browser(self) -> None:
        """Playwright's driver and Chromium. Chromium trusts only the recorder CA's key, made meanwhile in
        memory; a thread imports mitmproxy and the platform profiles (the recorder and the first capture
        need them) and asks the clock's synchronisation while the driver and the browser, processes of
        their own, start."""

        def meanwhile() -> bool | None:
            load_mitmproxy()
            select_profile("https://example.org/")  # imports every profile
            _package_versions()
            return ntp_synchronized()

        side = asyncio.ensure_future(asyncio.to_thread(meanwhile))
        try:
            self.pw = await self._driver.playwright()
            self.executable = find_chromium(self.pw)
            self.ca_spki = (await self._recorder_ca()).spki
            await self._launch()
        finally:
            await asyncio.wait([side])  # the thread is not left behind
        self.ntp_synchronized = side.result()

    def _recorder_ca(self) -> asyncio.Future[RecorderCa]:
        if self._ca is None:
            self._ca = asyncio.ensure_future(asyncio.to_thread(new_ca))
        return self._ca

    async def _start_recorder(self, scratch: Path) -> None:
        confdir = scratch / "recorder"
        await asyncio.to_thread((await self._recorder_ca()).write, confdir)
        self._confdir, self._recorder = confdir, RecordingProxy(confdir)
        await asyncio.to_thread(self._recorder.start)

    @contextlib.asynccontextmanager
    async def running(self, scratch: Path) -> AsyncIterator[CaptureSession]:
        """The session ready to capture: the browser and, side by side, the recorder with its CA in
        ``scratch`` started; everything stopped at the end."""
        try:
            self._browser_start = asyncio.ensure_future(self._start_browser())
            self._recorder_start = asyncio.ensure_future(self._start_recorder(scratch))
            starts = [self._browser_start, self._recorder_start]
            # Shielded: a stop (Ctrl-C) while they run lets them finish, and ``close`` undoes them.
            await asyncio.wait([asyncio.shield(start) for start in starts])
            for start in starts:  # both have finished: the first failure is the session's
                start.result()
            yield self
        finally:
            await self.close()

    async def close(self) -> None:
        """Stop the browser, the driver and the recorder, whatever of them started; starts under way are
        finished first (a driver or a proxy cut off half-started would be left running)."""
        starts = [f for f in (self._browser_start, self._recorder_start, self._ca) if f is not None]
        self._browser_start = self._recorder_start = None
        if starts:
            await asyncio.wait(starts)
        for start in starts:
            if not start.cancelled():
                start.exception()  # raised where it was awaited, or moot now
        if self._user_agent is not None:  # no capture asked for it, or it failed: not an error now
            if not self._user_agent.done():
                self._user_agent.cancel()
            elif not self._user_agent.cancelled():
                self._user_agent.exception()
            self._user_agent = None
        browser, self.browser = self.browser, None
        recorder, self._recorder = self._recorder, None
        try:
            if browser is not None:
                with contextlib.suppress(Exception):  # a crashed browser is already gone
                    await browser.close()
            await self._driver.close()
        finally:
            self.pw = None
            if recorder is not None:
                await asyncio.to_thread(recorder.stop)

    async def _launch(self) -> None:
        self.browser = await self.pw.chromium.launch(
            executable_path=self.executable,
            headless=True,
            args=launch_args([f"--ignore-certificate-errors-spki-list={self.ca_spki}"]),
        )
        self.browser_version = self.browser.version
        # Read while the first capture opens its context and page (``user_agent``).
        self._user_agent = asyncio.ensure_future(_browser_user_agent(self.browser))

    async def user_agent(self) -> str:
        """The browser's user agent: what it sends and what its pages read as ``navigator.userAgent``
        (the same in every context, none of which sets its own)."""
        assert self._user_agent is not None, "the browser is launched first"
        return await self._user_agent

    async def _live_browser(self) -> Any:
        """The shared browser, launched again if it died under an earlier capture."""
        async with self._launching:
            if not self.browser.is_connected():
                await self._launch()
        return self.browser

    async def capture(
        self, url: str, opts: CaptureOptions, workdir: Path, on_visit: Callable[[], None] | None = None
    ) -> CaptureResult:
        """Capture ``url`` into files under ``workdir``; always returns, with state and reason.
        ``on_visit`` is called when the page begins to load (after waiting for a slot in ``visits``)."""
        check_url(url)
        spool = workdir / "spool"
        spool.mkdir(parents=True)
        warc_path = workdir / "capture.warc.gz"
        with open(warc_path, "wb") as warc_fp:
            writer = open_writer(warc_fp)
            rec = Recorder(
                writer,
                trust_store(opts.extra_ca),
                spool,
                Limits(opts.max_resource_bytes, opts.max_total_bytes),
                opts.resolve,
                Redaction(opts.session.secret_values()) if opts.session else None,
            )
            run = _Run(self, url, opts, workdir, rec)
            # The capture machine as the provenance gives it, looked up beside the visit (the host's name
            # may take a resolver's time), for each capture: a batch runs for hours.
            host = asyncio.ensure_future(asyncio.to_thread(_host))
            try:
                await run.record(on_visit)
            finally:
                run.host = await host
            prov_bytes = run.provenance_bytes()
            write_metadata(writer, f"urn:vestige:provenance:{url}", prov_bytes, url)
        return run.result(warc_path, prov_bytes)


class _Run:
    """One capture in a session: the browser context, the proxy listener, the page, what happened."""

    def __init__(self, session: CaptureSession, url: str, opts: CaptureOptions, workdir: Path, rec: Recorder):
        self.session = session
        self.url = url
        self.opts = opts
        self.workdir = workdir
        self.rec = rec
        self.clock = _Clock(opts.timeout)
        self.started = utc_now()
        self.ended = self.started
        self.problems: list[str] = []
        self.page_info: dict[str, Any] = {"final_url": url, "http_status": None, "title": None}
        self.files: list[tuple[str, Path, str]] = []
        self.failed: str | None = None
        self.events: dict[str, list[Any]] = {"dialogs": [], "popups": [], "crashed": []}
        self.media_elements: list[dict[str, Any]] | None = []  # None: the page's media could not be read
        self.public_ip: dict[str, Any] | None = None  # only when the user opts in to a resolver
        self.profile = select_profile(url, opts.profile)
        self.profile_notes: list[str] = []
        self.post: dict[str, Any] | None = None
        self.media_download: dict[str, Any] = {"ran": False, "why": "no page to take media from"}
        self.session_echoes: list[str] = []  # session cookies whose values the page itself shows
        self.bridge: SocksBridge | None = None
        self.mode: list[str] = []
        self.host: dict[str, Any] = {}
        self.listener: tuple[str, int] | None = None

    async def record(self, on_visit: Callable[[], None] | None = None) -> None:
        opts, rec, session = self.opts, self.rec, self.session
        upstream: str | None = opts.proxy
        if opts.proxy and opts.proxy.startswith(SOCKS_SCHEMES):
            self.bridge = SocksBridge(opts.proxy)
            bhost, bport = self.bridge.start()
            upstream = f"http://{bhost}:{bport}"
        self.mode = [f"upstream:{upstream}"] if upstream else ["regular"]
        context: Any = None
        try:
            self.listener = await session.proxy.add_listener(rec, upstream)
            with rec.lock:
                write_warcinfo(
                    rec.writer,
                    "capture.warc.gz",
                    {
                        "software": f"Vestige {__version__}",
                        "format": "WARC File Format 1.1",
                        "operator": opts.operator,
                        "case": opts.case,
                        "host": socket.gethostname(),
                        "versions": json.dumps(_versions(session.browser_version)),
                        "options": json.dumps(opts.to_json()),
                        "isPartOf": self.url,
                    },
                )
            context, page = await self._open_page()
            async with session.visits or contextlib.nullcontext():
                if not (context.browser and context.browser.is_connected()):  # it died while this one waited
                    await _close_context(context)
                    context, page = await self._open_page()
                # The capture's time runs from here: the wait for a slot is not the page's.
                self.clock, self.started = _Clock(opts.timeout), utc_now()
                if on_visit is not None:
                    on_visit()
                read = await self._visit(page)
                # The page is read: it closes (it runs nothing more) and the next page may load while
                # what it showed is kept and its media fetched, through this capture's listener.
                closing, context = asyncio.ensure_future(_close_context(context)), None
            try:
                if read is not None:
                    await self._keep_visit(*read)
                if opts.public_ip_resolver:
                    self.public_ip = await asyncio.to_thread(
                        _public_ip, opts.public_ip_resolver, session.confdir, self.listener, self.clock
                    )
                    await _wait_quiet(rec, 0.3, self.clock.left(5))
            finally:
                await closing
        finally:
            if context is not None:
                await _close_context(context)
            if self.listener is not None:
                # Let the recorder see the closed connections (a cut-off body is written as such)
                # before its listener goes.
                await _wait_quiet(rec, 0, 3)
                await session.proxy.remove_listener(self.listener[1])
            if self.bridge is not None:
                self.bridge.stop()
                rec.state.failures.extend(self.bridge.failures)
        self.ended = utc_now()

    async def _open_page(self) -> tuple[Any, Any]:
        """A browser context of its own, through this capture's listener, and its page."""
        session, opts = self.session, self.opts
        assert self.listener is not None
        host, port = self.listener
        browser = await session._live_browser()
        context = await browser.new_context(
            proxy={"server": f"http://{host}:{port}"},
            ignore_https_errors=True,  # the browser talks only to the recorder
            viewport=VIEWPORT,
            storage_state=opts.session.state.to_playwright() if opts.session else None,
        )
        self.events = _watch(context)
        page = await context.new_page()
        page.on("crash", lambda _page: self.events["crashed"].append(True))
        self.page_info["user_agent"] = await session.user_agent()
        return context, page

    async def _visit(self, page: Any) -> tuple[_Shown, list[str]] | None:
        """Load the page and read it: what it showed (``_Shown``) and the addresses of its media files.
        None if there is no page to read (a download, a failure)."""
        from playwright.async_api import Error as PlaywrightError

        rec, url, clock = self.rec, self.url, self.clock
        rec.keep_urls.add(url)
        download = False
        try:
            with self.session.loads.loading():
                resp = await page.goto(url, wait_until="load", timeout=clock.left(60) * 1000)
            self.page_info["http_status"] = resp.status if resp else None
            media_type = (resp.headers.get("content-type", "") if resp else "").split(";")[0]
            download = bool(media_type) and media_type.strip().lower() not in PAGE_TYPES
        except PlaywrightError as exc:
            message = str(exc).splitlines()[0]
            if "Download is starting" in message:
                download = True  # not a page: the resource itself is the evidence
            elif "Timeout" in message:
                self.problems.append("the page did not finish loading in time")
            else:
                self.failed = f"navigation failed: {message}"
        loaded = time.monotonic()  # the load event (or the end of waiting for it)
        if download:
            if not await _wait_quiet(rec, self.opts.settle, clock.left()):
                self.problems.append("the download did not finish in time")
            self.failed = _resource_capture(rec, url, self.page_info, self.files)
            return None
        if self.failed is None:
            self.failed = _no_server_answer(rec, page.url)
        if self.failed is not None:
            return None
        crash_point("capture-loaded")
        # The profile opens truncated text and replies first, so the quiet wait covers what it starts.
        self.profile_notes = await self.profile.prepare(page, clock.left(20), replies=self.opts.replies)
        shown = await _handle_page(page, rec, self.opts, clock, self.problems, self.session, loaded)
        self.media_elements = await _media_elements(page)
        self.page_info["final_url"] = rec.as_recorded(page.url)
        self.page_info["title"] = await page.title()
        self.page_info["snapshot_taken"] = shown.taken
        return shown, await _media_urls(page)

    async def _keep_visit(self, shown: _Shown, media_urls: list[str]) -> None:
        """What the page showed, kept (files and WARC records), read by its profile and checked for
        echoed session cookies, then its media (``media_urls``) fetched whole and, when called for,
        downloaded by yt-dlp. None of this needs the page, which is closed by now and another may be
        loading: it begins at a moment when none is (``Loads``)."""
        rec, clock = self.rec, self.clock
        await self.session.loads.calm(min(CALM_WAIT_S, clock.left()))
        final_url = self.page_info["final_url"]
        self.files.extend(await asyncio.to_thread(_keep_snapshots, shown, self.workdir, rec, final_url))
        await self._extract_post(shown.dom, shown.frames)
        if self.opts.session is not None:
            pages = [shown.dom, *(html for _url, html in shown.frames)]
            self.session_echoes = await asyncio.to_thread(echoed_cookies, self.opts.session, pages)
        assert self.listener is not None
        self.files.extend(
            await _save_media(
                media_urls,
                shown.url,
                rec,
                self.session.confdir,
                self.listener,
                self.page_info,
                clock,
                self.problems,
            )
        )
        self.files.extend(await self._download_media())

    async def _download_media(self) -> list[tuple[str, Path, str]]:
        """The post's media at the best quality offered, by yt-dlp through this capture's recorder, when
        the platform or the post calls for it (``media_download.py``); files the media step saved already
        are not fetched again."""
        saved = {hop for hop, (_path, kind) in self.rec.kept.items() if kind.startswith(MEDIA_PREFIXES)}
        run, why = download_reason(
            self.opts.media_download, self.profile.name, self.profile.downloads_media, self.post, saved
        )
        if not run:
            self.media_download = {"ran": False, "why": why}
            return []
        assert self.listener is not None
        done = await run_media_download(
            self.url,
            why=why,
            listener=self.listener,
            recorder_ca=self.session.confdir / CA_CERT_FILE,
            workdir=self.workdir,
            seconds=self.clock.left() - MEDIA_DOWNLOAD_RESERVE_S,
            max_bytes=self.opts.max_resource_bytes,
            saved=saved,
            session=self.opts.session,
        )
        await _wait_quiet(self.rec, 0.0, self.clock.left(10))  # its exchanges all written
        self.media_download = done.section
        forced = self.opts.media_download is True
        problem = download_problem(done.section, forced=forced, saved_any=bool(saved or done.files))
        if problem:
            self.problems.append(problem)
        return done.files

    async def _extract_post(self, html: str, frames: list[tuple[str, str]]) -> None:
        """The platform profile's post record, from the rendered DOM: a ``post`` artifact and a WARC
        metadata record. A login wall, a deleted post or a rate limit makes the capture partial, and so does
        a platform profile's page that shows no post it recognises (the generic profile reads any page)."""
        try:
            record = await asyncio.to_thread(self.profile.extract, self.url, html, frames=frames)
        except Exception as exc:  # a page the profile cannot read is said, never a crashed capture
            self.problems.append(f"the {self.profile.name} profile could not read the page: {exc}")
            return
        if record is None or record.page_state == "unknown":
            if self.profile.name != "generic":  # a platform page that shows no post is not the post
                self.problems.append(f"the {self.profile.name} profile found no post or listing on the page")
            if record is None:
                return
        self.post = record.to_json()
        data = json.dumps(self.post, ensure_ascii=False, indent=2).encode()
        path = self.workdir / "post.json"
        path.write_bytes(data)
        self.files.append(("post", path, "application/json"))
        with self.rec.lock:
            write_metadata(self.rec.writer, f"urn:vestige:post:{self.url}", data, self.url)
        if record.page_state in NOT_THE_POST:
            self.problems.append(f"{record.page_state.replace('_', ' ')}: the page does not show the post")

    def provenance_bytes(self) -> bytes:
        rec, opts, page_info = self.rec, self.opts, self.page_info
        if self.events["crashed"] and self.failed is None:
            self.failed = "the page's renderer crashed"
        problems = list(self.problems)
        if rec.state.inflight:
            problems.append(f"{len(rec.state.inflight)} requests unfinished when the capture ended")
        problems.extend(rec.state.limits_hit)
        if self.clock.left() <= 0:
            problems.append(f"time limit of {opts.timeout:g} s reached")
        self.tls_main = _main_origin_tls(rec, page_info["final_url"])
        self.state = "failed" if self.failed else ("partial" if problems else "complete")
        self.reason = self.failed or ("; ".join(dict.fromkeys(problems)) if problems else None)
        self.provenance = {
            "target_url": self.url,
            "final_url": page_info["final_url"],
            "http_status": page_info["http_status"],
            "title": page_info["title"],
            # When the screenshot, PDF, DOM and text began to be taken (UTC); None: the page had none.
            "snapshot_taken": page_info.get("snapshot_taken"),
            "started": self.started,
            "ended": self.ended,
            "clock_source": "system clock (UTC)",
            "clock_ntp_synchronized": self.session.ntp_synchronized,  # systemd's word; None: unknown
            "operator": opts.operator,
            "case": opts.case,
            "host": self.host,
            "public_ip": self.public_ip,
            "user_agent": page_info.get("user_agent"),
            "viewport": VIEWPORT,
            "browser_executable": self.session.executable,
            # Captures of one run share a browser, each in a fresh context: no cookies, cache or storage
            # pass between them.
            "browser_session": self.session.id,
            "versions": _versions(self.session.browser_version),
            "options": opts.to_json(),
            "proxy_mode": self.mode,
            "upstream_proxy": {
                "url": redact_url_password(opts.proxy),
                "kind": "socks5" if self.bridge else "http",
                "note": HTTP_REWRITE_NOTE if self.bridge else None,
            }
            if opts.proxy
            else None,
            "limits_hit": rec.state.limits_hit,
            "exchanges_count": len(rec.state.exchanges),
            "exchanges": rec.state.exchanges,
            "failed_exchanges": rec.state.failures,
            "unfinished": sorted(rec.state.inflight.values()),
            "tls": list(rec.state.tls.values()),
            "dialogs": self.events["dialogs"],
            "popups": self.events["popups"],
            "media_elements": self.media_elements,
            "media_download": self.media_download,
            "profile": {
                "name": self.profile.name,
                "version": self.profile.version,
                "notes": self.profile_notes,
                "page_state": self.post.get("page_state") if self.post else None,
                "unreadable": self.post.get("unreadable") if self.post else None,
            },
            "session": (
                opts.session.provenance(rec.redaction or Redaction(), self.session_echoes)
                if opts.session
                else None
            ),
            "main_origin_tls": self.tls_main,
            "state": self.state,
            "reason": self.reason,
        }
        return json.dumps(self.provenance, indent=2, ensure_ascii=False).encode()

    def result(self, warc_path: Path, prov_bytes: bytes) -> CaptureResult:
        files = self.files
        prov_path = self.workdir / "provenance.json"
        prov_path.write_bytes(prov_bytes)
        files.append(("provenance", prov_path, "application/json"))
        tls_main = self.tls_main
        if tls_main is not None:
            cert_path = self.workdir / "certificates.pem"
            cert_path.write_text("".join(tls_main["chain_pem"]))
            files.append(("certificates", cert_path, "application/x-pem-file"))
        files.append(("warc", warc_path, "application/warc"))
        if self.opts.strict_tls and tls_main is not None and not tls_main["validation"]["valid"]:
            raise CaptureRefused(
                f"{self.url}: the server's certificate did not validate ({tls_main['validation']['error']})",
                hint="without --strict-tls the page is captured and the record says so",
            )
        return CaptureResult(
            url=self.url,
            final_url=self.page_info["final_url"],
            state=self.state,
            reason=self.reason,
            http_status=self.page_info["http_status"],
            title=self.page_info["title"],
            started=self.started,
            ended=self.ended,
            files=files,
            provenance=self.provenance,
            post=self.post,
        )


@dataclass(frozen=True)
class CaptureJob:
    url: str
    opts: CaptureOptions
    workdir: Path
    on_visit: Callable[[], None] | None = None  # called when its page begins to load


async def capture_all(
    jobs: Iterable[CaptureJob],
    scratch: Path,
    *,
    concurrency: int = 1,
    driver: PlaywrightDriver | None = None,
) -> AsyncIterator[tuple[CaptureJob, CaptureResult | VestigeError]]:
    """Capture ``jobs``, ``concurrency`` at a time in one shared browser, yielding each as it finishes
    (with Playwright's ``driver`` if it was begun already: stopped at the end all the same).

    One capture more than ``concurrency`` is under way: it opens its browser context and page while the
    others' pages load, and its page loads when one of them is done with its page (``CaptureSession.visits``).
    A capture refused (``--strict-tls``) is yielded as its error; the others go on."""
    session = CaptureSession(driver)
    async with session.running(scratch):
        session.visits = asyncio.Semaphore(concurrency)
        pending = iter(jobs)
        running: dict[asyncio.Task[CaptureResult], CaptureJob] = {}

        def launch() -> bool:
            job = next(pending, None)
            if job is None:
                return False
            running[asyncio.ensure_future(session.capture(job.url, job.opts, job.workdir, job.on_visit))] = (
                job
            )
            return True

        try:
            while len(running) <= concurrency and launch():
                pass
            while running:
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    job = running.pop(task)
                    exc = task.exception()
                    if exc is not None and not isinstance(exc, VestigeError):
                        raise exc
                    launch()  # the next capture starts while the caller stores this one
                    yield job, exc if isinstance(exc, VestigeError) else task.result()
        finally:
            for task in running:
                task.cancel()
            if running:
                await asyncio.wait(running)


def capture_url(url: str, opts: CaptureOptions, workdir: Path) -> CaptureResult:
    """Capture one URL in a browser of its own (scratch files under ``workdir``)."""

    async def one() -> CaptureResult | VestigeError:
        # Run the generator to its end, so the session closes here and not at interpreter shutdown.
        outcomes = [outcome async for _job, outcome in capture_all([CaptureJob(url, opts, workdir)], workdir)]
        return outcomes[0]

    check_url(url)
    outcome = asyncio.run(one())
    if isinstance(outcome, VestigeError):
        raise outcome
    return outcome


async def _close_context(context: Any) -> None:
    with contextlib.suppress(Exception):  # the browser may have died with the page
        await context.close()


async def _browser_user_agent(browser: Any) -> str:
    cdp = await browser.new_browser_cdp_session()
    try:
        version = await cdp.send("Browser.getVersion")
    finally:
        with contextlib.suppress(Exception):  # a browser gone since has no session to detach
            await cdp.detach()
    return str(version["userAgent"])


def _watch(context: Any) -> dict[str, list[Any]]:
    """Dismiss dialogs and close pop-ups, recording each, so a hostile page cannot stall the capture.

    Pop-ups' own traffic still goes through the recorder and is in the WARC."""
    events: dict[str, list[Any]] = {"dialogs": [], "popups": [], "crashed": []}

    async def on_dialog(dialog: Any) -> None:
        events["dialogs"].append({"type": dialog.type, "message": dialog.message[:1000], "time": utc_now()})
        with contextlib.suppress(Exception):  # the page may be gone already
            await dialog.dismiss()

    async def on_page(page: Any) -> None:
        page.on("dialog", on_dialog)
        opener = await page.opener()
        if opener is not None:  # a pop-up, not the capture's own page
            events["popups"].append({"url": page.url, "time": utc_now()})
            with contextlib.suppress(Exception):
                await page.close()

    context.on("page", on_page)
    return events


async def _handle_page(
    page: Any,
    rec: Recorder,
    opts: CaptureOptions,
    clock: _Clock,
    problems: list[str],
    session: CaptureSession,
    loaded: float,
) -> _Shown:
    """Let the page finish and take what it shows: scroll through lazy content and play media right after
    load, then wait once for the network to go quiet (late fetch()/XHR included) and ``opts.settle``
    since the load event (``loaded``, monotonic), bounded, and take the snapshots at the top of the page
    (``_Shown``).

    One quiet wait after scrolling catches what the load, the scroll and the media started together
    (measured in bench/capture.py: a second wait before scrolling added ~40% to a typical capture).

    The snapshots are started in the wait's last moments, when the quiet wait would end about as they are
    done (``session.snapshot_s``, the longest of the last few snapshots' durations, before the end
    ``Settling`` expects), and kept only if by its end no exchange has started or ended since and the
    page still shows the same URL and DOM, every frame's included (``_Shown.still_shown``); otherwise
    they are taken again after it. So they show the page as it was when its traffic was over, without
    waiting for them after the wait."""
    from playwright.async_api import Error as PlaywrightError

    for _ in range(SCROLL_STEPS):
        if clock.left() < 2 or await page.evaluate(_SCROLL):
            break
        # A few frames for lazy content to notice the scroll; what it fetches, the quiet wait awaits.
        await asyncio.sleep(0.05)
    await page.evaluate(_PLAY)
    settling = Settling(opts.settle, NETWORK_IDLE_S, since=loaded)
    end = time.monotonic() + clock.left(20)
    shown: _Shown | None = None
    tries = 0
    while True:
        now = time.monotonic()
        inflight, last = bool(rec.state.inflight), rec.state.last_activity
        if shown is not None and shown.traffic_since(rec):
            shown = None  # the page's traffic went on after them
        if settling.done(inflight, last, now):
            break
        if now >= end:
            problems.append("the network did not go quiet before the snapshot")
            break
        due = math.inf if inflight else settling.due(last)
        if shown is None and tries < SNAPSHOT_TRIES and due - now <= session.snapshot_s:
            tries += 1
            try:
                shown = await _take_snapshots(page, session)
            except PlaywrightError:  # navigating or busy: taken after the wait, as without this
                shown = None
            continue
        await asyncio.sleep(POLL_S)
    if shown is not None and await shown.still_shown(page) and not shown.traffic_since(rec):
        return shown
    return await _take_snapshots(page, session)


async def _media_elements(page: Any) -> list[dict[str, Any]] | None:
    """Each video and audio element of the top-level document: its source, whether and how far it played,
    its error (a MediaError code) and its picture size. None if the page would not answer.

    The page's own scripts can change what these properties report, so the answer is typed and bounded
    here rather than trusted."""
    from playwright.async_api import Error as PlaywrightError

    try:
        raw = await page.evaluate(_MEDIA_STATE, MAX_MEDIA_ELEMENTS)
    except PlaywrightError:
        return None
    if not isinstance(raw, list):
        return None

    def number(v: Any) -> float | None:  # JSON has no NaN or Infinity (an unknown duration is Infinity)
        ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        return float(v) if ok else None

    def integer(v: Any) -> int | None:
        return v if isinstance(v, int) and not isinstance(v, bool) else None

    def text(v: Any, limit: int) -> str | None:
        return v[:limit] if isinstance(v, str) else None

    return [
        {
            "tag": text(m.get("tag"), 10),
            "src": text(m.get("src"), MAX_MEDIA_SRC),
            "duration": number(m.get("duration")),
            "current_time": number(m.get("current_time")),
            "paused": m.get("paused") if isinstance(m.get("paused"), bool) else None,
            "ready_state": integer(m.get("ready_state")),
            "error": integer(m.get("error")),
            "width": integer(m.get("width")),
            "height": integer(m.get("height")),
        }
        for m in raw[:MAX_MEDIA_ELEMENTS]
        if isinstance(m, dict)
    ]


@dataclass
class _Shown:
    """What the page showed, taken in one go (``_take_snapshots``) and held until it is kept."""

    started: float  # monotonic: when the taking began
    taken: str  # UTC, when the taking began
    url: str
    png: bytes
    pdf: bytes
    dom: str
    text: str
    frames: list[tuple[str, str]]  # each iframe's (URL, HTML)
    steady: bool  # the DOM was the same before the screenshot as after the PDF

    def traffic_since(self, rec: Recorder) -> bool:
        """Whether an exchange is in flight, or one started or ended, since the taking began."""
        return bool(rec.state.inflight) or rec.state.last_activity >= self.started

    async def still_shown(self, page: Any) -> bool:
        """Whether the page still shows the same URL and DOM, every frame's included, and did not change
        while they were taken."""
        if not self.steady:
            return False
        try:
            return (
                page.url == self.url
                and await page.content() == self.dom
                and await _frames(page) == self.frames
            )
        except Exception:  # a page gone or navigating shows nothing to compare
            return False


async def _frames(page: Any) -> list[tuple[str, str]]:
    frames: list[tuple[str, str]] = []
    for frame in page.frames[1:]:
        try:
            frames.append((frame.url, await frame.content()))
        except Exception:  # a detached frame has no content left to record
            continue
    return frames


async def _take_snapshots(page: Any, session: CaptureSession) -> _Shown:
    """Screenshot, PDF, DOM (with iframes) and visible text of the page, at its top, in memory; how long
    they took becomes ``session.snapshot_s``."""
    started, taken = time.monotonic(), utc_now()
    await page.evaluate("() => window.scrollTo(0, 0)")
    before = await page.content()
    png = await page.screenshot(full_page=True)  # in this order: the DOM as it is after both
    pdf = await page.pdf(print_background=True)
    dom = await page.content()
    text = await page.evaluate("() => document.body ? document.body.innerText : ''")
    shown = _Shown(started, taken, page.url, png, pdf, dom, text, await _frames(page), before == dom)
    session.snapshots_took(time.monotonic() - started)
    return shown


def _keep_snapshots(shown: _Shown, workdir: Path, rec: Recorder, target: str) -> list[tuple[str, Path, str]]:
    """The snapshots as files, (role, file, media type), and as WARC resource records, each iframe's DOM a
    record of its own (gzip off the event loop: other captures go on meanwhile). Records are written under
    the recorder's lock: late exchanges may be written at the same time."""
    html = "text/html; charset=utf-8"
    files: list[tuple[str, str, str, bytes]] = [
        ("screenshot", "screenshot.png", "image/png", shown.png),
        ("pdf", "page.pdf", "application/pdf", shown.pdf),
        ("dom", "dom.html", html, shown.dom.encode()),
        ("text", "text.txt", "text/plain; charset=utf-8", shown.text.encode()),
    ]
    records = [(f"urn:vestige:{role}:{target}", media_type, data) for role, _name, media_type, data in files]
    records += [
        (f"urn:vestige:dom:{url}#frame{i}", html, frame.encode())
        for i, (url, frame) in enumerate(shown.frames, start=1)
    ]
    for _role, name, _media_type, data in files:
        (workdir / name).write_bytes(data)
    for uri, media_type, data in records:
        with rec.lock:
            write_resource(rec.writer, uri, media_type, data, len(data), target)
    return [(role, workdir / name, media_type) for role, name, media_type, _data in files]


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
        page_info["final_url"] = recorded = rec.as_recorded(hop)
        page_info["http_status"] = next(
            (e["status"] for e in rec.state.exchanges if e["url"] == recorded), None
        )
        page_info["resource_media_type"] = media_type
        return None
    return _no_server_answer(rec, url) or f"the resource at {url} was not received"


_MEDIA_URLS = """() => [...document.querySelectorAll('video, audio, video source, audio source')]
  .map(m => m.currentSrc || m.src).filter(u => u && /^https?:/.test(u))"""
MAX_MEDIA = 20
MAX_MEDIA_URL = 8192


async def _media_urls(page: Any) -> list[str]:
    """The http(s) addresses of the page's video and audio files (and their sources), each once, at most
    ``MAX_MEDIA``. The page's scripts can change what the query returns: only strings that are such
    addresses are taken, and a page that would not answer has none."""
    from playwright.async_api import Error as PlaywrightError

    try:
        raw = await page.evaluate(_MEDIA_URLS)
    except PlaywrightError:
        return []
    if not isinstance(raw, list):
        return []
    urls = (
        u
        for u in raw
        if isinstance(u, str) and len(u) <= MAX_MEDIA_URL and u.startswith(("http://", "https://"))
    )
    return list(dict.fromkeys(urls))[:MAX_MEDIA]


MEDIA_DOWNLOAD_RESERVE_S = 5.0  # of the time limit, kept for the provenance and the WARC's end


def _recorder_opener(confdir: Path, proxy: tuple[str, int]) -> urllib.request.OpenerDirector:
    """A urllib opener whose traffic goes through the recorder (and so into the WARC)."""
    ctx = ssl.create_default_context(cafile=str(confdir / CA_CERT_FILE))
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


async def _save_media(
    urls: list[str],
    referer: str,
    rec: Recorder,
    confdir: Path,
    proxy: tuple[str, int],
    page_info: dict[str, Any],
    clock: _Clock,
    problems: list[str],
) -> list[tuple[str, Path, str]]:
    """Fetch each video and audio file the page used (``urls``, read from the page at ``referer``), whole,
    through the recorder, and keep it.

    The browser often loads media in ranges, or not at all until played; a full GET through the same
    recorder puts the complete file in the WARC and in the exhibit. The bytes stream through this process
    and are dropped here: the recorder spools them to disk."""
    if not urls:
        return []
    headers = {"User-Agent": page_info.get("user_agent") or "", "Referer": referer}

    def fetch_all() -> None:
        opener = _recorder_opener(confdir, proxy)
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

    await asyncio.to_thread(fetch_all)
    await _wait_quiet(rec, 0.0, clock.left(10))  # every media exchange written (they have all ended)
    return [
        ("media", path, media_type)
        for hop, (path, media_type) in rec.kept.items()
        if hop in urls and media_type.startswith(MEDIA_PREFIXES)
    ]


def _no_server_answer(rec: Recorder, url: str) -> str | None:
    """Why the page shown is not the server's (the recorder answered with an error page), or None."""
    recorded = rec.as_recorded(url)
    if any(e["url"] == recorded for e in rec.state.exchanges) or url in rec.state.inflight.values():
        return None  # answered, or still answering
    host = urlsplit(url).netloc
    for f in rec.state.failures:
        if f["target"] in (recorded, host) or f["target"].startswith(host):
            return f"navigation failed: no answer from {host}: {f['error']}"
    return f"navigation failed: no answer from {host} was recorded"


def _main_origin_tls(rec: Recorder, final_url: str) -> dict[str, Any] | None:
    host = urlsplit(final_url).hostname
    for info in rec.state.tls.values():
        if info["host"] == host:
            return info
    return None
