"""Capture benchmark: ``vestige capture`` of a typical page against a bare Playwright script, and the
peak memory of capturing one large response.

The local test web (``tests.support.web.FixtureWeb``) runs in a child process started here, so that
neither the in-process captures nor the memory sampler share an interpreter (and its GIL) with it.

Pages: the fixture's typical page ``/`` (HTML, a gzip script, an image, a fetch 600 ms after load, a lazy
image far down), reported as ``page``; then the same page without its late fetch, ``/?late=0``, reported
as ``page_without_late_fetch``. The bare script usually screenshots ``/`` before its late fetch, which
Vestige waits for, so ``page``'s ratios hold both Vestige's own machinery and that longer wait; on
``/?late=0`` nothing arrives late, and the ratios are the machinery (scrolling to the lazy image, media,
snapshots, WARC, ingest) and Vestige's longer wait (at least ``--settle``, 1 s, after the load event,
where the bare script stops 0.5 s after its traffic, at network idle), which ``vestige_settle05_inprocess``
shortens to 0.5 s. Each page is measured the same way: five
methods, interleaved round by round with the order rotated, after one untimed warm-up each:

* ``vestige_inprocess``: what ``vestige capture URL`` runs once its options are parsed, in this process:
  ``vestige.cli.capture._capture_batch`` (a ``CaptureSession`` of its own: Chromium and the recording
  proxy started and stopped; ``add_capture`` in the ingest thread while the browser shuts down), with
  every phase timed by wrapping the functions, coroutines and Playwright (async API) methods it calls;
* ``vestige_cli``: ``vestige --archive A capture URL --json`` as a subprocess (interpreter start-up,
  imports and exit included);
* ``vestige_settle05_inprocess``: the same as ``vestige_inprocess`` with ``--settle 0.5``, the quiet
  window of the bare script's network idle (Vestige's default is 1 s), to tell the machinery from the
  longer window;
* ``bare_inprocess`` / ``bare_cli``: Playwright's async API driving the same Chromium with the same
  launch arguments, the same viewport, ``goto(wait_until="load")``, ``wait_for_load_state("networkidle")``
  and a full-page screenshot, in this process and as ``python -m bench.capture --bare-child`` (Playwright
  imported only).

``page`` also has the phase breakdowns and the start-up times; ``page_without_late_fetch`` only where
Vestige's time goes, and ``median_s_page_minus_this``, the extra time each method took on ``/``.

Large response (``/big.bin?n=N``, chunked): ``vestige capture URL --max-size 2G`` as a subprocess; its own
peak RSS is sampled from /proc (VmHWM, which only grows) and cross-checked with ``wait4``'s ru_maxrss
(the largest single process of its tree, Chromium's included). Chromium's and the Playwright driver's
memory are sampled the same way. A second, instrumented run of the same command
(``--instrumented-cli``) breaks its time down by phase, recorder thread included. ``curl`` of the same
URL is the baseline for how fast the fixture serves.

    .venv/bin/python -m bench.run --only capture [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import dataclasses
import functools
import inspect
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .common import Json, log, median, r, target

MIB = 1 << 20
MB = 1e6
ROOT = Path(__file__).resolve().parent.parent
VIEWPORT: Any = {"width": 1280, "height": 900}  # vestige.archiver.capture.VIEWPORT
CASE = "BENCH"
METHODS = ("vestige_inprocess", "bare_inprocess", "vestige_cli", "bare_cli", "vestige_settle05_inprocess")
# The quiet window of the bare script's network idle (Playwright's and Chromium's 0.5 s), for Vestige too.
SAME_WINDOW_SETTLE = 0.5
# What the page shows when its late fetch ran, how many of its images (2 + the lazy one) loaded, and
# whether the lazy one did.
PAGE_STATE = """() => ({late: document.getElementById('late')?.textContent ?? null,
  images_loaded: [...document.images].filter(i => i.complete && i.naturalWidth > 0).length,
  lazy_loaded: [...document.querySelectorAll('img[loading=lazy]')]
    .some(i => i.complete && i.naturalWidth > 0)})"""
# The pages measured (tests/support/web.py): the typical page, and the same page without its late fetch.
PAGES = {
    "page": ("/", "/ (HTML, gzip script, image, fetch 600 ms after load, lazy image 3000 px down)"),
    "page_without_late_fetch": (
        "/?late=0",
        "/?late=0 (the same page without its late fetch: nothing arrives late, no /late.json)",
    ),
}


# -- phase timing ------------------------------------------------------------------------------------


class Spans:
    """Wall time of wrapped calls by call path (``capture_url/capture/record/visit/handle_page``).

    The path stack is a context variable: each asyncio task (and each ``asyncio.to_thread`` call) carries
    the path it was started under, so interleaved coroutines do not push onto each other's stacks. Calls
    in a thread that inherited no path, or that runs an event loop other than the one the path was made
    in (the recorder's: its listener tasks inherit the context of the ``add_listener`` call that opened
    them), are rooted at ``[thread name]``. Concurrent calls of one path add up, so a parent may hold less
    time than its children."""

    def __init__(self) -> None:
        # (the event loop the path was made in, or None outside one; the path)
        self.stack: contextvars.ContextVar[tuple[Any, tuple[str, ...]]] = contextvars.ContextVar(
            "bench_spans"
        )
        self.lock = threading.Lock()
        self.records: list[tuple[str, float, float]] = []  # path, start, seconds
        self.counts: dict[str, int] = {}
        self.patched: list[tuple[Any, str, Any, bool]] = []  # owner, name, original, owner's own

    def _stack(self) -> tuple[Any, tuple[str, ...]]:
        try:
            loop: Any = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        made_in, stack = self.stack.get((None, None))
        if stack is not None and (loop is None or made_in is None or made_in is loop):
            return loop, stack
        thread = threading.current_thread()
        return loop, (() if thread is threading.main_thread() else (f"[{thread.name}]",))

    @contextmanager
    def span(self, label: str, numbered: bool = False) -> Iterator[None]:
        loop, stack = self._stack()
        path = "/".join([*stack, label])
        if numbered:
            with self.lock:
                n = self.counts[path] = self.counts.get(path, 0) + 1
            path = f"{path}#{n}"
        token = self.stack.set((loop, (*stack, path.rsplit("/", 1)[-1])))
        t0 = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - t0
            self.stack.reset(token)
            with self.lock:
                self.records.append((path, t0, seconds))

    def wrap(self, owner: Any, attr: str, label: str | None = None, numbered: bool = False) -> None:
        """Time calls of ``owner.attr`` (a function or a coroutine function: its await is timed); a name
        the code no longer has is skipped."""
        orig = inspect.getattr_static(owner, attr, None)
        if orig is None:
            return
        if isinstance(orig, staticmethod | classmethod):
            raise TypeError(f"{owner!r}.{attr}: wrap the function, not the descriptor")
        if inspect.isasyncgenfunction(orig):
            raise TypeError(f"{owner!r}.{attr}: async generators are not timed (wrap what they await)")
        name = label or attr.strip("_")
        wrapper: Any
        if inspect.iscoroutinefunction(orig):

            @functools.wraps(orig)
            async def wrapper(*args: Any, **kwargs: Any) -> Any:
                with self.span(name, numbered):  # set and reset in the awaiting task's own context
                    return await orig(*args, **kwargs)

        else:

            @functools.wraps(orig)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                with self.span(name, numbered):
                    return orig(*args, **kwargs)

        self.patched.append((owner, attr, orig, attr in vars(owner)))
        setattr(owner, attr, wrapper)

    def restore(self) -> None:
        for owner, attr, orig, own in reversed(self.patched):
            if own:
                setattr(owner, attr, orig)
            else:  # inherited: uncover the base class's again
                delattr(owner, attr)
        self.patched.clear()

    def take(self) -> Json:
        """{path: {"s", "calls", "first_start_s"}} in order of first start (offsets from the first
        record's start), plus ``path/(self)`` for time not in a child."""
        with self.lock:
            records = sorted(self.records, key=lambda rec: rec[1])
            self.records, self.counts = [], {}
        out: Json = {}
        origin = records[0][1] if records else 0.0
        for path, start, seconds in records:
            node = out.setdefault(path, {"s": 0.0, "calls": 0, "first_start_s": start - origin})
            node["s"] += seconds
            node["calls"] += 1
        for path in list(out):
            children = [p for p in out if p.startswith(path + "/") and "/" not in p[len(path) + 1 :]]
            if children:
                own = out[path]["s"] - sum(out[c]["s"] for c in children)
                out[f"{path}/(self)"] = {"s": own, "calls": 0, "first_start_s": out[path]["first_start_s"]}
        return out


def instrument(spans: Spans) -> None:
    """Wrap what a capture calls: vestige's phases, the Playwright calls, the recorder, the store."""
    import playwright.async_api._context_manager as pw_cm
    import playwright.async_api._generated as pw

    import vestige.archiver.capture as cap
    import vestige.archiver.recorder as rec
    import vestige.cli.capture as cli_capture
    import vestige.store.blobs as blobs
    import vestige.store.ingest as ingest

    spans.wrap(cap, "capture_url")
    spans.wrap(ingest, "add_capture")
    spans.wrap(cli_capture, "_capture_batch")
    spans.wrap(blobs.BlobStore, "ingest_file")
    spans.wrap(cap.CaptureSession, "_start_browser", "session_start")  # the driver and Chromium
    spans.wrap(cap.CaptureSession, "_start_recorder", "recorder_start")  # beside it
    spans.wrap(cap.CaptureSession, "close", "session_stop")
    for method in ("_launch", "_live_browser", "capture"):
        spans.wrap(cap.CaptureSession, method)
    for method in ("record", "_visit", "_keep_visit", "provenance_bytes", "result"):
        spans.wrap(cap._Run, method)
    for fn in (
        "trust_store",
        "open_writer",
        "write_warcinfo",
        "write_metadata",
        "write_resource",
        "_host",
        "_versions",
        "_watch",
        "_handle_page",
        "_take_snapshots",
        "_keep_snapshots",
        "_media_elements",
        "_save_media",
        "_public_ip",
        "_resource_capture",
        "_no_server_answer",
        "_main_origin_tls",
    ):
        spans.wrap(cap, fn)
    spans.wrap(cap, "_wait_quiet", numbered=True)
    spans.wrap(rec.RecordingProxy, "start", "proxy_start")
    spans.wrap(rec.RecordingProxy, "stop", "proxy_stop")
    spans.wrap(rec.RecordingProxy, "add_listener")
    spans.wrap(rec.RecordingProxy, "remove_listener")
    spans.wrap(rec.Recorder, "responseheaders")  # mitmproxy hooks: body streaming runs between them
    spans.wrap(rec.Recorder, "response")
    spans.wrap(rec.Recorder, "_write_exchange")
    spans.wrap(rec.Recorder, "_keep")
    spans.wrap(rec._Spool, "__call__", "spool_chunk")
    spans.wrap(pw_cm.PlaywrightContextManager, "__aenter__", "playwright_start")
    spans.wrap(pw_cm.PlaywrightContextManager, "__aexit__", "playwright_stop")
    spans.wrap(pw.BrowserType, "launch", "browser_launch")
    spans.wrap(pw.Browser, "new_context")
    spans.wrap(pw.Browser, "new_page")
    spans.wrap(pw.Browser, "close", "browser_close")
    spans.wrap(pw.BrowserContext, "new_page")
    spans.wrap(pw.BrowserContext, "close", "context_close")
    for fn in ("goto", "wait_for_load_state", "evaluate", "screenshot", "pdf", "content", "title"):
        spans.wrap(pw.Page, fn)


def _median_breakdown(runs: list[Json]) -> Json:
    paths: list[str] = []
    for run in runs:
        paths += [p for p in run if p not in paths]
    return {p: r(median([run[p]["s"] if p in run else 0.0 for run in runs])) for p in paths}


def _where_time_goes(breakdown: Json, root: str) -> list[list[Any]]:
    """Leaves and ``(self)`` entries under ``root``, largest first, with their share of ``root``."""
    total = breakdown.get(root) or 1.0
    leaves = [
        p for p in breakdown if p.startswith(root + "/") and not any(q.startswith(p + "/") for q in breakdown)
    ]
    rows = sorted(((p, breakdown[p]) for p in leaves), key=lambda row: -row[1])
    return [[p, s, r(s / total, 2)] for p, s in rows if s >= 0.005]


# -- the local web, in a child process ---------------------------------------------------------------


def serve_fixture() -> None:
    from tests.support.web import FixtureWeb

    with FixtureWeb() as web:
        print(web.url, flush=True)
        sys.stdin.read()  # until the parent closes our stdin


@contextmanager
def fixture_web() -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.capture", "--serve-fixture"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError(f"the fixture web did not start: {url!r}")
        yield url
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- the page: bare Playwright, vestige in process, both as subprocesses ------------------------------


async def bare_capture_async(url: str, out: Path, executable: str, args: list[str]) -> Json:
    """The baseline: load, network idle, full-page screenshot. Returns what the page showed."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, headless=True, args=args)
        page = await browser.new_page(viewport=VIEWPORT)
        await page.goto(url, wait_until="load")
        await page.wait_for_load_state("networkidle")
        seen: Json = await page.evaluate(PAGE_STATE)
        out.write_bytes(await page.screenshot(full_page=True))
        await browser.close()
    return seen


def bare_capture(url: str, out: Path, executable: str, args: list[str]) -> Json:
    return asyncio.run(bare_capture_async(url, out, executable, args))


def bare_child(spec: str) -> None:
    s = json.loads(spec)
    print(json.dumps(bare_capture(s["url"], Path(s["out"]), s["executable"], s["args"])))


def _chromium() -> tuple[str, list[str]]:
    """The executable and arguments ``capture_url`` launches (less its per-run SPKI pin)."""
    from playwright.async_api import async_playwright

    from vestige.archiver.browser import find_chromium, launch_args

    async def find() -> str:
        async with async_playwright() as pw:
            return find_chromium(pw)

    return asyncio.run(find()), launch_args([])


def _recorded(exchanges: list[Json]) -> Json:
    urls = [e["url"] for e in exchanges]
    return {
        "late_json": any(u.endswith("/late.json") for u in urls),
        "lazy_png": any(u.endswith("/lazy.png") for u in urls),
        "exchanges": len(urls),
    }


def _vestige_inprocess(archive: Any, url: str, settle: float | None = None) -> Json:
    """What ``vestige capture URL [--settle S]`` runs after parsing its options: the CLI's own
    capture-and-store coroutine (the exhibit is stored in its thread while the browser shuts down), in this
    process."""
    import asyncio

    import vestige.archiver.capture as cap
    from vestige.archiver.url_list import UrlRow
    from vestige.cli.capture import _capture_batch
    from vestige.cli.progress import batch_progress

    opts = cap.CaptureOptions(operator=archive.config.operator, case=CASE)  # the CLI's defaults
    if settle is not None:
        opts = dataclasses.replace(opts, settle=settle)
    results: dict[str, Json] = {}
    progress = batch_progress(1, 0, quiet=True, as_json=True)
    asyncio.run(_capture_batch(archive, [UrlRow(url, 0)], opts, CASE, None, 1, progress, results))
    [row] = results.values()
    if row["state"] != "complete":
        raise RuntimeError(f"capture {row['state']}: {row['reason']}")
    [prov] = [a for a in row["artifacts"] if a["role"] == "provenance"]
    return _recorded(json.loads(Path(prov["path"]).read_bytes())["exchanges"])


def _vestige_exe() -> str:
    exe = Path(sys.executable).parent / "vestige"
    return str(exe) if exe.exists() else "vestige"


def _vestige_cli(root: Path, url: str) -> Json:
    proc = subprocess.run(
        [_vestige_exe(), "--archive", str(root), "capture", url, "--case", CASE, "--create-case", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"vestige capture exited {proc.returncode}: {proc.stdout[-500:]} {proc.stderr[-500:]}"
        )
    [row] = json.loads(proc.stdout)
    [prov] = [a for a in row["artifacts"] if a["role"] == "provenance"]
    p = json.loads(Path(prov["path"]).read_text())
    return {**_recorded(p["exchanges"]), "started": p["started"], "ended": p["ended"]}


def _iso_seconds(a: str, b: str) -> float:
    import datetime as dt

    def parse(s: str) -> dt.datetime:
        return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")

    return (parse(b) - parse(a)).total_seconds()


def _startup(runs: int) -> Json:
    """Interpreter start-up and the imports a ``vestige capture`` process pays before it captures."""
    cases = {
        "python_s": "pass",
        "import_playwright_s": "import playwright.async_api",
        "import_vestige_capture_s": (
            "import vestige.cli, vestige.archiver.capture, vestige.store.ingest, playwright.async_api"
        ),
    }
    out: Json = {}
    for key, code in cases.items():
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
            times.append(time.perf_counter() - t0)
        out[key] = r(median(times))
    return out


def run_page(quick: bool, workdir: Path, url: str, page: str = "page") -> tuple[Json, dict[str, Json]]:
    """Measure one of ``PAGES``; ``page`` (the typical page, with its late fetch) has the targets, the
    phase breakdowns and the start-up times."""
    from vestige.archive import Archive

    path, description = PAGES[page]
    late = page == "page"
    runs = 3 if quick else 5
    base = workdir / f"capture-{page}"
    base.mkdir(parents=True, exist_ok=True)
    executable, args = _chromium()
    page_url = url + path
    archive = Archive.create(base / "archive-inprocess", "bench")
    cli_root = base / "archive-cli"
    Archive.create(cli_root, "bench").close()
    shot = base / "bare.png"
    spans = Spans()
    instrument(spans)
    times: dict[str, list[float]] = {m: [] for m in METHODS}
    seen: dict[str, list[Json]] = {m: [] for m in METHODS}
    breakdowns: dict[str, list[Json]] = {"vestige_inprocess": [], "bare_inprocess": []}
    cli_inside: list[float] = []

    def one(method: str) -> tuple[float, Json]:
        t0 = time.perf_counter()
        if method == "vestige_inprocess":
            info = _vestige_inprocess(archive, page_url)
        elif method == "vestige_settle05_inprocess":
            info = _vestige_inprocess(archive, page_url, SAME_WINDOW_SETTLE)
        elif method == "bare_inprocess":
            info = bare_capture(page_url, shot, executable, args)
        elif method == "vestige_cli":
            info = _vestige_cli(cli_root, page_url)
        else:
            spec = json.dumps({"url": page_url, "out": str(shot), "executable": executable, "args": args})
            proc = subprocess.run(
                [sys.executable, "-m", "bench.capture", "--bare-child", spec],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            info = json.loads(proc.stdout)
        return time.perf_counter() - t0, info

    try:
        for method in METHODS:  # warm-up: imports, Chromium's files in the page cache
            one(method)
            spans.take()
        log(f"capture: {page} {page_url}, {runs} interleaved runs of {', '.join(METHODS)}")
        for run_no in range(runs):
            k = run_no % len(METHODS)
            for method in METHODS[k:] + METHODS[:k]:
                seconds, info = one(method)
                times[method].append(seconds)
                seen[method].append(info)
                taken = spans.take()  # every method's, so that none runs into the next one's
                if method in breakdowns:
                    breakdowns[method].append(taken)
                if method == "vestige_cli":
                    cli_inside.append(_iso_seconds(info["started"], info["ended"]))
                log(f"capture: {page} run {run_no + 1}/{runs} {method:26s} {seconds:6.2f} s")
    finally:
        spans.restore()
        archive.close()

    med = {m: median(v) for m, v in times.items()}
    vb = _median_breakdown(breakdowns["vestige_inprocess"])
    bb = _median_breakdown(breakdowns["bare_inprocess"])
    ratio = med["vestige_inprocess"] / med["bare_inprocess"]
    ratio_cli = med["vestige_cli"] / med["bare_cli"]
    bare_seen = seen["bare_inprocess"] + seen["bare_cli"]
    recorded: Json = {
        "vestige": {
            k: sum(bool(i[k]) for i in seen["vestige_inprocess"] + seen["vestige_cli"])
            for k in ("late_json", "lazy_png")  # late_json: 0 without the late fetch
        },
        "vestige_settle05": {
            k: sum(bool(i[k]) for i in seen["vestige_settle05_inprocess"]) for k in ("late_json", "lazy_png")
        },
        "bare_late_text_in_screenshot": sum(i["late"] != "waiting" for i in bare_seen),
        "bare_lazy_image_loaded": sum(bool(i["lazy_loaded"]) for i in bare_seen),
        "of_runs": 2 * runs,
    }
    if not late:
        del recorded["bare_late_text_in_screenshot"]  # no late text to show
    result: Json = {
        "url": description,
        "runs": runs,
        "methods": {
            "vestige_inprocess": (
                "the CLI's capture-and-store coroutine (vestige.cli.capture._capture_batch: capture, "
                "then add_capture in its thread while the browser shuts down) in the benchmark process; "
                "phases timed by wrappers"
            ),
            "vestige_cli": "`vestige --archive A capture URL --json` subprocess (start-up included)",
            "bare_inprocess": (
                "Playwright (async API): launch same Chromium + args, new_page (same viewport), "
                "goto(load), wait_for_load_state(networkidle), full-page screenshot"
            ),
            "bare_cli": "the same bare script as a subprocess (python -m bench.capture --bare-child)",
            "vestige_settle05_inprocess": (
                "vestige_inprocess with --settle 0.5 (the bare script's network-idle window); counted in "
                "what_was_recorded.vestige_settle05 only"
            ),
        },
        "chromium": {"executable": executable, "args": args},
        "seconds": {m: [r(x) for x in v] for m, v in times.items()},
        "median_s": {m: r(v) for m, v in med.items()},
        "ratio_vestige_vs_bare_inprocess": r(ratio),
        "ratio_vestige_cli_vs_bare_cli": r(ratio_cli),
        # The same capture with --settle 0.5: the quiet window the bare script's network idle uses.
        "ratio_vestige_settle05_vs_bare_inprocess": r(
            med["vestige_settle05_inprocess"] / med["bare_inprocess"]
        ),
        "cli_inside_capture_url_s": r(median(cli_inside)),  # provenance started -> ended
        "cli_outside_capture_url_s": r(med["vestige_cli"] - median(cli_inside)),
        "startup": _startup(3) if late else None,
        "what_was_recorded": recorded,
        "vestige_breakdown_median_s": vb,
        "vestige_where_time_goes": [
            *_where_time_goes(vb, "capture_batch"),
            *[[p, t] for p, t in vb.items() if p.endswith("]/add_capture")],  # its thread, beside the rest
        ],
        "bare_breakdown_median_s": bb,
    }
    if not late:  # said once, under page
        once = ("methods", "chromium", "startup", "vestige_breakdown_median_s", "bare_breakdown_median_s")
        for key in once:
            del result[key]
        return result, {}
    targets = {
        "capture_page_vs_playwright": target(
            "<=",
            1.3,
            r(ratio),
            "median capture + store (the CLI's coroutine) / median bare Playwright, in process, same run",
        ),
        "capture_page_cli_vs_playwright_cli": target(
            "<=", 1.3, r(ratio_cli), "both as subprocesses (start-up included)"
        ),
    }
    return result, targets


# -- a large response: memory of the vestige process -------------------------------------------------


def _status(pid: int) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            out[key] = value.strip()
    except OSError:
        pass
    return out


def _kib(status: dict[str, str], key: str) -> int:
    value = status.get(key, "0 kB").split()
    return int(value[0]) if value else 0


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


class TreeMonitor:
    """Samples a process (VmHWM/VmRSS every ``interval``) and its descendants (every ``tree_every``)."""

    def __init__(self, pid: int, interval: float = 0.02, tree_every: int = 10) -> None:
        self.pid = pid
        self.interval = interval
        self.tree_every = tree_every
        self.stop = threading.Event()
        self.t0 = time.perf_counter()
        self.root_hwm = 0
        self.timeline: list[tuple[float, int]] = []  # (s, root RSS KiB)
        self.procs: dict[int, Json] = {}  # pid -> name, group, hwm
        self.group_peak: dict[str, int] = {}  # simultaneous RSS sum per group, KiB
        self.tree_peak = 0
        self.thread = threading.Thread(target=self._run, name="tree-monitor", daemon=True)

    def _group(self, pid: int, name: str) -> str:
        """The vestige process, the Playwright driver (node) or Chromium (everything else in the tree)."""
        if pid == self.pid:
            return "vestige"
        if name.startswith("node"):  # comm is the main thread's name, e.g. node-MainThread
            return "playwright_driver"
        return "chromium"  # the browser and its children (the zygote's comm is "exe")

    def _run(self) -> None:
        n = 0
        while not self.stop.is_set():
            st = _status(self.pid)
            if "VmHWM" in st:
                self.root_hwm = max(self.root_hwm, _kib(st, "VmHWM"))
                self.timeline.append((time.perf_counter() - self.t0, _kib(st, "VmRSS")))
            if n % self.tree_every == 0:
                self._tree()
            n += 1
            self.stop.wait(self.interval)

    def _tree(self) -> None:
        sums: dict[str, int] = {}
        for pid in [self.pid, *_descendants(self.pid)]:
            st = _status(pid)
            if "VmRSS" not in st:
                continue
            group = self._group(pid, st.get("Name", "?"))
            p = self.procs.setdefault(pid, {"name": st.get("Name", "?"), "group": group, "hwm": 0})
            # A process first seen between its fork and its exec (the driver's node) changes group.
            p["name"], p["group"] = st.get("Name", "?"), group
            p["hwm"] = max(p["hwm"], _kib(st, "VmHWM"))
            sums[group] = sums.get(group, 0) + _kib(st, "VmRSS")
        for g, kib in sums.items():
            self.group_peak[g] = max(self.group_peak.get(g, 0), kib)
        self.tree_peak = max(self.tree_peak, sum(sums.values()))

    def __enter__(self) -> TreeMonitor:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def report(self) -> Json:
        def mb(kib: int) -> float:
            return r(kib * 1024 / MB, 1)

        groups: Json = {}
        for p in self.procs.values():
            g = groups.setdefault(p["group"], {"processes": 0, "largest_peak_rss_MB": 0.0})
            g["processes"] += 1
            g["largest_peak_rss_MB"] = max(g["largest_peak_rss_MB"], mb(p["hwm"]))
        for g, kib in self.group_peak.items():
            groups[g]["rss_sum_peak_MB"] = mb(kib)  # shared pages counted once per process
        peak_at = max(self.timeline, key=lambda s: s[1])[0] if self.timeline else None
        step = max(1, len(self.timeline) // 24)
        return {
            "vestige_peak_rss_MB": mb(self.root_hwm),
            "vestige_rss_peak_at_s": r(peak_at, 2) if peak_at is not None else None,
            "vestige_rss_timeline_s_MB": [[r(t, 1), mb(k)] for t, k in self.timeline[::step]],
            "by_group": groups,
            "tree_rss_sum_peak_MB": mb(self.tree_peak),
        }


def _run_monitored(cmd: list[str], out_dir: Path) -> tuple[float, int, Any, Json, str]:
    """Run ``cmd``; returns wall seconds, exit code, its wait4 rusage, the monitor's report, stdout."""
    out, err = out_dir / "stdout", out_dir / "stderr"
    with open(out, "wb") as fo, open(err, "wb") as fe:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fo, stderr=fe, cwd=ROOT)
        with TreeMonitor(proc.pid) as mon:
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, proc.returncode, usage, mon.report(), out.read_text() + err.read_text()[-2000:]


def instrumented_cli(out: Path, args: list[str]) -> None:
    """``vestige ARGS`` in this process with the phase wrappers installed; spans written to ``out``."""
    spans = Spans()
    t0 = time.perf_counter()
    with spans.span("import"):
        instrument(spans)
        import vestige.cli
    try:
        vestige.cli.cli.main(args=args, prog_name="vestige")
    finally:
        out.write_text(json.dumps({"wall_s": time.perf_counter() - t0, "spans": spans.take()}))


def run_big(quick: bool, workdir: Path, url: str) -> tuple[Json, dict[str, Json]]:
    from vestige.archive import Archive

    size = (128 if quick else 1024) * MIB
    base = workdir / "capture-big"
    base.mkdir(parents=True, exist_ok=True)
    big_url = f"{url}/big.bin?n={size}"
    result: Json = {
        "url": f"/big.bin?n={size} (chunked, one 64 KiB block repeated)",
        "bytes": size,
        "command": "vestige --archive A capture URL --case BENCH --max-size 2G --json",
    }

    if shutil.which("curl"):
        t0 = time.perf_counter()
        subprocess.run(["curl", "-sS", "-o", "/dev/null", big_url], check=True)
        s = time.perf_counter() - t0
        result["curl_baseline"] = {"seconds": r(s), "MBps": r(size / s / MB, 1)}
        log(f"capture: curl {size // MIB} MiB in {s:.2f} s")

    root = base / "archive"
    Archive.create(root, "bench").close()
    args = [
        "--archive",
        str(root),
        "capture",
        big_url,
        "--case",
        CASE,
        "--create-case",
        "--max-size",
        "2G",
        "--json",
    ]
    log(f"capture: vestige capture of {size // MIB} MiB (sampling memory)")
    seconds, code, usage, mem, output = _run_monitored([_vestige_exe(), *args], base)
    if code != 0:
        raise RuntimeError(f"vestige capture exited {code}: {output}")
    [row] = json.loads(output[: output.rindex("]") + 1])
    [prov] = [a for a in row["artifacts"] if a["role"] == "provenance"]
    p = json.loads(Path(prov["path"]).read_text())
    inside = _iso_seconds(p["started"], p["ended"])
    log(f"capture: {seconds:.2f} s, vestige peak RSS {mem['vestige_peak_rss_MB']} MB")
    result.update(
        {
            "state": row["state"],
            "wall_s": r(seconds),
            "MBps": r(size / seconds / MB, 1),
            "capture_url_s": r(inside),  # provenance started -> ended: browser, proxy, WARC
            "capture_url_MBps": r(size / inside / MB, 1),
            "cpu_s_tree": r(usage.ru_utime + usage.ru_stime, 2),
            "wait4_max_process_rss_MB": r(usage.ru_maxrss * 1024 / MB, 1),
            "memory": mem,
        }
    )
    shutil.rmtree(root)

    log("capture: the same capture, instrumented (phase breakdown)")
    Archive.create(root, "bench").close()
    spans_file = base / "spans.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.capture", "--instrumented-cli", str(spans_file), "--", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"instrumented capture exited {proc.returncode}: {proc.stderr[-2000:]}")
    spans = json.loads(spans_file.read_text())
    flat = {path: r(v["s"]) for path, v in spans["spans"].items() if v["s"] >= 0.005}
    calls = {path: v["calls"] for path, v in spans["spans"].items() if v["calls"] > 1}
    starts = {path: v["first_start_s"] for path, v in spans["spans"].items()}
    hooks = ("[vestige-recorder]/responseheaders", "[vestige-recorder]/response")
    streaming = (starts[hooks[1]] - starts[hooks[0]]) if all(h in starts for h in hooks) else None
    result["instrumented"] = {
        "wall_s_in_process": r(spans["wall_s"]),
        # response headers -> response hook: the body passing through the proxy into the spool
        "body_streaming_s": r(streaming) if streaming else None,
        "body_streaming_MBps": r(size / streaming / MB, 1) if streaming else None,
        "breakdown_s": flat,
        "calls": calls,
    }
    shutil.rmtree(root)

    peak = mem["vestige_peak_rss_MB"]
    label = f"{size // MIB}MiB"
    targets = {
        f"capture_{label}_peak_rss_MB": target(
            "<=",
            250,
            peak,
            "vestige process VmHWM (sampled every 20 ms; Chromium and the Playwright driver not included)",
        ),
    }
    return result, targets


def run(quick: bool, workdir: Path) -> tuple[Json, dict[str, Json]]:
    with fixture_web() as url:
        page, t1 = run_page(quick, workdir, url)
        quiet, _ = run_page(quick, workdir, url, "page_without_late_fetch")
        big, t2 = run_big(quick, workdir, url)
    # What the late fetch (and the wait for it) added to each method's median.
    quiet["median_s_page_minus_this"] = {m: r(page["median_s"][m] - quiet["median_s"][m]) for m in METHODS}
    return {"page": page, "page_without_late_fetch": quiet, "big_response": big}, {**t1, **t2}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.capture")
    parser.add_argument("--serve-fixture", action="store_true")
    parser.add_argument("--bare-child", metavar="JSON")
    parser.add_argument("--instrumented-cli", metavar="OUT", type=Path)
    parser.add_argument("args", nargs="*")
    a = parser.parse_args()
    if a.serve_fixture:
        serve_fixture()
    elif a.bare_child:
        bare_child(a.bare_child)
    elif a.instrumented_cli:
        instrumented_cli(a.instrumented_cli, a.args)
    else:
        parser.error("run the benchmark with: python -m bench.run --only capture")


if __name__ == "__main__":
    main()
