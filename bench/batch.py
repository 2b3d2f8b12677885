"""Batch capture benchmark: pages per minute of ``vestige capture URL... --jobs N`` against a bare
Playwright script loading the same pages N at a time, for N = 1 and 2.

The local test web (``tests.support.web.FixtureWeb``, in a child process as in ``bench.capture``) serves
the typical page at distinct URLs ``/?n=1`` ... ``/?n=P`` (the fixture ignores the query): P = 100,
20 with ``--quick``. Four runs, each a fresh process timed from start to exit:

* ``bare_jobsN``: ``python -m bench.batch --bare-child`` (Playwright's async API only): launch the Chromium
  executable Vestige finds with Vestige's launch arguments, then N workers each take the next URL: a new
  context (Vestige's viewport), ``goto(wait_until="networkidle")``, a full-page screenshot written to
  disk, the context closed;
* ``vestige_jobsN``: ``vestige --archive A capture URL... --case BENCH --jobs N --json`` on a fresh
  archive A (browser, recording proxy, WARC, snapshots, media, ingest and ledger included).

One untimed warm-up of each first (Chromium's files in the page cache), then the runs in the order
bare_jobs1, vestige_jobs1, vestige_jobs2, bare_jobs2, so that neither side always runs first. CPU time is
the process tree's (``wait4``; the fixture web's is not included). Then a few pages at each N again
through ``python -m bench.capture --instrumented-cli`` break vestige's time per page down by phase.
``networkidle`` lets the bare script screenshot before the page's late fetch, which ``late_text_shown``
counts, while Vestige waits for it: these ratios hold both Vestige's own machinery and that longer wait.

Last, the same page without its late fetch, at ``/?late=0&n=1`` ... ``/?late=0&n=P``, is measured the same
way (warm-up, then the four runs in the same order; no phase breakdown) and reported under
``page_without_late_fetch``: nothing arrives late there, so its ratios are Vestige's machinery
(scrolling to the lazy image, media, snapshots, WARC, ingest, ledger) and its longer wait (at least
``--settle``, 1 s, after the load event, where the bare script stops at network idle, 0.5 s after its
traffic). On 2 cores the whole takes about
15 minutes, half of it for each page (about 3 with ``--quick``).

    .venv/bin/python -m bench.run --only batch [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .capture import (
    PAGE_STATE,
    ROOT,
    VIEWPORT,
    _chromium,
    _iso_seconds,
    _recorded,
    _vestige_exe,
    fixture_web,
)
from .common import Json, log, r

CASE = "BENCH"
JOBS = (1, 2)
ORDER = (("bare", 1), ("vestige", 1), ("vestige", 2), ("bare", 2))


# -- the bare baseline, in a child process ------------------------------------------------------------


async def bare_batch(urls: list[str], out: Path, executable: str, args: list[str], jobs: int) -> Json:
    """Load every URL (network idle) and screenshot it, ``jobs`` pages at a time in one browser."""
    from playwright.async_api import async_playwright

    seen: list[Json] = []
    errors: list[str] = []
    todo = iter(enumerate(urls))

    async def worker(browser: Any) -> None:
        for i, url in todo:  # one iterator shared by the workers: each takes the next URL
            context = await browser.new_context(viewport=VIEWPORT)
            try:
                page = await context.new_page()
                await page.goto(url, wait_until="networkidle")
                seen.append(await page.evaluate(PAGE_STATE))
                (out / f"page-{i}.png").write_bytes(await page.screenshot(full_page=True))
            except Exception as exc:  # counted, not fatal: the batch goes on as vestige's does
                errors.append(f"{url}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
            finally:
                await context.close()

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, headless=True, args=args)
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(browser) for _ in range(jobs)))
        pages_s = time.perf_counter() - t0
        await browser.close()
    return {
        "pages_s": pages_s,
        "loaded": len(seen),
        "late_text_shown": sum(s["late"] != "waiting" for s in seen),
        "lazy_image_loaded": sum(bool(s["lazy_loaded"]) for s in seen),
        "errors": errors,
    }


def bare_child(spec: str) -> None:
    s = json.loads(spec)
    out = Path(s["out"])
    out.mkdir(parents=True, exist_ok=True)
    result = asyncio.run(bare_batch(s["urls"], out, s["executable"], s["args"], s["jobs"]))
    print(json.dumps(result))


# -- one run: a process timed from start to exit ----------------------------------------------------


def _timed(cmd: list[str], out_dir: Path) -> tuple[float, float, int, str, str]:
    """Run ``cmd``: wall seconds, CPU seconds of its tree (what ``wait4`` reaped: Chromium's and the
    Playwright driver's included), exit code, stdout, stderr."""
    out_dir.mkdir(parents=True, exist_ok=True)
    out, err = out_dir / "stdout", out_dir / "stderr"
    with open(out, "wb") as fo, open(err, "wb") as fe:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=fo, stderr=fe)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, proc.returncode, out.read_text(), err.read_text()


def run_bare(urls: list[str], jobs: int, out: Path, chromium: tuple[str, list[str]]) -> Json:
    spec = {"urls": urls, "out": str(out), "executable": chromium[0], "args": chromium[1], "jobs": jobs}
    cmd = [sys.executable, "-m", "bench.batch", "--bare-child", json.dumps(spec)]
    wall, cpu, code, stdout, stderr = _timed(cmd, out)
    if code != 0:
        raise RuntimeError(f"bare batch exited {code}: {stderr[-2000:]}")
    child = json.loads(stdout)
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "in_batch_s": child["pages_s"],  # first page started -> last page done (launch excluded)
        "done": child["loaded"],
        "late_text_shown": child["late_text_shown"],
        "lazy_image_loaded": child["lazy_image_loaded"],
        "errors": child["errors"][:5],
        "stderr": stderr[-500:],
    }


def _new_archive(root: Path) -> Path:
    from vestige.archive import Archive

    Archive.create(root, "bench").close()
    return root


def _capture_args(root: Path, urls: list[str], jobs: int) -> list[str]:
    return [
        "--archive",
        str(root),
        "capture",
        *urls,
        "--case",
        CASE,
        "--create-case",
        "--jobs",
        str(jobs),
        "--json",
    ]


def run_vestige(urls: list[str], jobs: int, root: Path) -> Json:
    cmd = [_vestige_exe(), *_capture_args(_new_archive(root), urls, jobs)]
    wall, cpu, code, stdout, stderr = _timed(cmd, root.with_name(root.name + "-output"))
    try:
        rows = json.loads(stdout)
    except ValueError:
        rows = None
    if not isinstance(rows, list):  # no JSON, or the CLI's error object
        raise RuntimeError(f"vestige capture exited {code}: {stdout[-1000:]} {stderr[-1000:]}")
    states: dict[str, int] = {}
    started, ended = [], []
    recorded = {"late_json": 0, "lazy_png": 0}  # pages whose WARC has it
    for row in rows:
        states[row["state"]] = states.get(row["state"], 0) + 1
        for artifact in row.get("artifacts", []):
            if artifact["role"] == "provenance":
                prov = json.loads(Path(artifact["path"]).read_text())
                started.append(prov["started"])
                ended.append(prov["ended"])
                got = _recorded(prov["exchanges"])
                for k in recorded:
                    recorded[k] += bool(got[k])
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        # first capture started -> last capture ended (provenance clocks; start-up, the last ingest
        # and shutdown excluded)
        "in_batch_s": _iso_seconds(min(started), max(ended)) if started else None,
        "done": states.get("complete", 0),
        "states": states,
        "exit_code": code,
        "reasons": sorted({row["reason"] for row in rows if row.get("reason")})[:5],
        "recorded": recorded,
        "stderr": stderr[-500:],
    }


# -- where vestige's time goes, per page --------------------------------------------------------------


def _per_page(spans: Json, pages: int) -> Json:
    """Span seconds per page, numbered calls (``wait_quiet#3``) merged."""
    merged: dict[str, float] = {}
    for path, v in spans.items():
        key = re.sub(r"#\d+", "", path)
        merged[key] = merged.get(key, 0.0) + v["s"]
    return {p: s / pages for p, s in merged.items()}


def _breakdown(urls: list[str], jobs: int, base: Path) -> Json:
    """``vestige capture`` of ``urls`` in ``bench.capture``'s instrumented CLI: seconds per page."""
    root = _new_archive(base / f"archive-instrumented-jobs{jobs}")
    spans_file = base / f"spans-jobs{jobs}.json"
    cmd = [sys.executable, "-m", "bench.capture", "--instrumented-cli", str(spans_file), "--"]
    wall, _cpu, code, _out, err = _timed(
        [*cmd, *_capture_args(root, urls, jobs)], base / f"output-jobs{jobs}"
    )
    if not spans_file.exists():
        raise RuntimeError(f"instrumented capture exited {code}: {err[-2000:]}")
    spans = json.loads(spans_file.read_text())["spans"]
    per = _per_page(spans, len(urls))
    batch = "capture_batch" if "capture_batch" in per else ""  # the CLI's coroutine, if it was found
    under = f"{batch}/capture/".lstrip("/")  # one capture's phases
    capture = per.get(under[:-1], 0.0)
    leaves = [p for p in per if p.startswith(under) and not any(q.startswith(p + "/") for q in per)]
    rows = sorted(((p.removeprefix(under), per[p]) for p in leaves), key=lambda x: -x[1])
    return {
        "pages": len(urls),
        "wall_per_page_s": r(wall / len(urls)),  # interpreter, imports and session included
        "capture_batch_per_page_s": r(per[batch]) if batch else None,
        # one capture, start to end: with N at a time, N of these overlap
        "capture_latency_s": r(capture),
        "session_start_s": r(per.get(f"{batch}/session_start".lstrip("/"), 0.0) * len(urls)),
        "capture_leaves_per_page_s": [
            [p, r(s), r(s / capture, 2) if capture else None] for p, s in rows if s >= 0.005
        ],
        "other_threads_per_page_s": {
            p: r(s) for p, s in per.items() if p.startswith("[") and p.count("/") == 1 and s >= 0.005
        },
    }


# -- the benchmark ----------------------------------------------------------------------------------


def _ppm(pages: int, seconds: float | None) -> float | None:
    return r(pages / seconds * 60, 1) if seconds else None


def _measure(urls: list[str], base: Path, chromium: tuple[str, list[str]], page: str) -> dict[str, Json]:
    """One untimed warm-up of each side, then the runs in ``ORDER``, each in a fresh process."""
    base.mkdir(parents=True, exist_ok=True)
    runs: dict[str, Json] = {}
    log(f"batch: {page}: warm-up (one page each)")
    run_bare(urls[:1], 1, base / "shots-warmup", chromium)
    run_vestige(urls[:1], 1, base / "archive-warmup")
    for side, jobs in ORDER:
        method = f"{side}_jobs{jobs}"
        if side == "bare":
            runs[method] = run_bare(urls, jobs, base / f"shots-{method}", chromium)
        else:
            runs[method] = run_vestige(urls, jobs, base / f"archive-{method}")
        run_ = runs[method]
        log(
            f"batch: {page}: {method:13s} {len(urls)} pages in {run_['wall_s']:6.1f} s "
            f"({_ppm(len(urls), run_['wall_s'])} pages/min), {run_['done']} done"
        )
    return runs


def _ratio(a: float | None, b: float | None) -> float | None:
    return r(a / b) if a and b else None


def _figures(runs: dict[str, Json], pages: int) -> Json:
    """Pages per minute, the ratios and the runs' details, from ``_measure``'s runs."""
    ppm = {m: _ppm(pages, v["wall_s"]) for m, v in runs.items()}
    ppm_in = {m: _ppm(pages, v["in_batch_s"]) for m, v in runs.items()}
    return {
        "wall_s": {m: r(v["wall_s"], 2) for m, v in runs.items()},
        "pages_per_min": ppm,
        # first page started -> last page finished: start-up and shutdown excluded
        "pages_per_min_in_batch": ppm_in,
        "ratio_vestige_vs_bare_time": {
            f"jobs{n}": _ratio(runs[f"vestige_jobs{n}"]["wall_s"], runs[f"bare_jobs{n}"]["wall_s"])
            for n in JOBS
        },
        "ratio_vestige_vs_bare_time_in_batch": {
            f"jobs{n}": _ratio(runs[f"vestige_jobs{n}"]["in_batch_s"], runs[f"bare_jobs{n}"]["in_batch_s"])
            for n in JOBS
        },
        "scaling_jobs2_vs_jobs1_throughput": {
            side: _ratio(ppm[f"{side}_jobs2"], ppm[f"{side}_jobs1"]) for side in ("bare", "vestige")
        },
        "cpu_s_per_page": {m: r(v["cpu_s"] / pages, 3) for m, v in runs.items()},
        "vestige_complete": {m: f"{v['done']}/{pages}" for m, v in runs.items() if m.startswith("vestige")},
        "runs": {
            m: {k: v for k, v in run_.items() if k not in ("wall_s", "cpu_s", "in_batch_s")}
            for m, run_ in runs.items()
        },
    }


def run(quick: bool, workdir: Path) -> tuple[Json, dict[str, Json]]:
    pages = 20 if quick else 100
    breakdown_pages = 4 if quick else 6
    base = workdir / "batch"
    chromium = _chromium()
    with fixture_web() as web:
        urls = [f"{web}/?n={i}" for i in range(1, pages + 1)]
        runs = _measure(urls, base, chromium, "page")
        breakdown: Json = {}
        for jobs in JOBS:
            log(f"batch: phase breakdown, {breakdown_pages} pages at jobs {jobs} (instrumented)")
            breakdown[f"jobs{jobs}"] = _breakdown(urls[:breakdown_pages], jobs, base)
        quiet_urls = [f"{web}/?late=0&n={i}" for i in range(1, pages + 1)]
        quiet = _measure(quiet_urls, base / "page_without_late_fetch", chromium, "page_without_late_fetch")

    result: Json = {
        "pages": pages,
        "page": (
            "/?n=1.. (the fixture's typical page: scripts, CSS and font, images, iframe, video, late fetch "
            "600 ms after load, lazy image 3000 px down)"
        ),
        "order": [f"{side}_jobs{jobs}" for side, jobs in ORDER],
        "methods": {
            "bare_jobsN": (
                "python -m bench.batch --bare-child: Playwright async API, same Chromium + launch args, "
                "N pages at a time in one browser, one context each, goto(networkidle), full-page "
                "screenshot to disk"
            ),
            "vestige_jobsN": f"vestige --archive A capture URL... --case {CASE} --jobs N --json (fresh A)",
        },
        "chromium": {"executable": chromium[0], "args": chromium[1]},
        **_figures(runs, pages),
        "vestige_breakdown": breakdown,
        "page_without_late_fetch": {
            "page": "/?late=0&n=1.. (the same page without its late fetch: nothing arrives late)",
            **_figures(quiet, pages),
        },
    }
    return result, {}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.batch")
    parser.add_argument("--bare-child", metavar="JSON")
    a = parser.parse_args()
    if a.bare_child:
        bare_child(a.bare_child)
    else:
        parser.error("run the benchmark with: python -m bench.run --only batch")


if __name__ == "__main__":
    main()
