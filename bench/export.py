"""Export benchmark: peak memory and speed of ``vestige export`` as the case grows, against copying and
hashing the same bytes by hand.

For each case size S (256 MiB and 1 GiB; with the full run also 4 GiB) a fresh archive holds one case of
S bytes: three files of S/4 (``vestige add``; a 16 MiB random block per file, each block stamped with its
number, so no two blocks or files are alike), a capture of ``/big.bin?n=S/4`` (its download is kept as a
document, its WARC is a small gzip of the S/4 bytes) and a capture of the fixture's typical page
(screenshot, PDF, media), so that the export copies, builds WACZs (indexing every record), writes reports
with a screenshot, and hashes. The local test web runs in a child process (``bench.capture.fixture_web``).
Without Chromium the captures are left out, and the result says so.

Every run is a subprocess started from here, its memory sampled from /proc every 20 ms (VmHWM, which only
grows, and VmRSS for the timeline) and cross-checked with ``wait4``'s ru_maxrss; CPU time (user + system,
of the process and its children) is reported beside wall time, as it suffers less from a noisy machine.
Methods, 3 times each (2 with ``--quick``), interleaved with the order rotated, dirty pages flushed (``sync``)
before each, the store in the page cache for all of them (``vestige add`` has just written it):

* ``export``: ``vestige --archive A export --case BENCH --out DIR --json``;
* ``baseline``: what a careful person would do by hand: ``cp -r A/blobs COPY`` and ``sha256sum`` of every
  copied file.

Then, once on the smallest and the largest case: ``export`` to a ``.zip``; and, twice each on the largest
bundle, ``python3 -S verify.py`` (the recipient's check: sums, signatures, proofs) against ``sha256sum -c
SHA256SUMS``. The floor is the export
of only the page capture and one 64 KiB file (``--items``) from the smallest archive: what an export costs
before any large bytes. In the full run, on the largest case, one more export runs with its phases timed
by wrappers (``--instrumented-cli``), each phase's rise of the high-water mark of memory included. The temp
directory each export is given (TMPDIR) is watched for its open files (through /proc/PID/fd: they are
unlinked), and so is the bundle's path: when it appears, and whether a hidden partial sibling was there
before it (the issue: the bundle is built in a temporary location and moved into place when complete).

Peak scratch disk is about 3 x the largest S (archive, zip and its staging tree).

    .venv/bin/python -m bench.export [--quick] [--dir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from .capture import ROOT, _kib, _status, _vestige_exe, fixture_web
from .common import Json, log, median, r, run_alone, target

KIB = 1 << 10
MIB = 1 << 20
GIB = 1 << 30
MB = 1e6
RUNS = 3
QUICK_RUNS = 2
VERIFY_RUNS = 2
CASE = "BENCH"
BLOCK = 16 * MIB
FLAT_RSS_RATIO = 1.1  # the issue: "memory stays flat"; 10 % allows for noise and allocator drift


# -- making a case ------------------------------------------------------------------------------------


def _write_file(path: Path, size: int) -> None:
    block = bytearray(os.urandom(min(BLOCK, size)))
    with open(path, "wb") as fp:
        n = 0
        while n * BLOCK < size:
            block[:8] = n.to_bytes(8, "big")
            fp.write(memoryview(block)[: min(BLOCK, size - n * BLOCK)])
            n += 1


def _vestige(*args: str) -> Any:
    proc = subprocess.run([_vestige_exe(), *args, "--json"], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"vestige {' '.join(args)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def _make_case(root: Path, size: int, base: Path, url: str | None) -> Json:
    """An archive at ``root`` whose case BENCH holds about ``size`` bytes; returns what is in it."""
    _vestige("--archive", str(root), "init", "--operator", "bench")
    proc = subprocess.run(
        [_vestige_exe(), "--archive", str(root), "case", "create", CASE, "--title", "Export benchmark"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0 and "No such command" not in proc.stderr:  # older CLIs make cases on first use
        raise RuntimeError(f"vestige case create exited {proc.returncode}: {proc.stderr[-2000:]}")
    quarter = size // 4
    items: list[Json] = []
    capture_note = "not attempted: no fixture web"
    if url is not None:
        t0 = time.perf_counter()
        proc = subprocess.run(
            [_vestige_exe(), "--archive", str(root), "capture", f"{url}/", f"{url}/big.bin?n={quarter}",
             "--case", CASE, "--max-size", "8G", "--json"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        rows = json.loads(proc.stdout) if proc.stdout.strip().startswith("[") else []
        if proc.returncode == 0 and len(rows) == 2:
            items += [{"id": row["id"], "kind": "capture", "artifacts": row["artifacts"]} for row in rows]
            capture_note = f"page and /big.bin?n={quarter} in {time.perf_counter() - t0:.1f} s"
        else:
            capture_note = f"failed (exit {proc.returncode}), left out: {proc.stderr.strip()[-300:]}"
            log(f"export: capture {capture_note}")
    files = [base / "small.bin"] + [base / f"file-{k}.bin" for k in range(1, 4)]
    _write_file(files[0], 64 * KIB)
    for f in files[1:]:
        _write_file(f, quarter)
    added = _vestige("--archive", str(root), "add", *map(str, files), "--case", CASE)
    items += [{"id": row["id"], "kind": "file", "artifacts": row["artifacts"]} for row in added]
    for f in files:
        f.unlink()

    def size_of(item: Json) -> int:
        return sum(a["size"] for a in item["artifacts"])

    # The floor: the page capture (the smaller one) and the 64 KiB file.
    floor = [min(by_kind, key=size_of)["id"] for kind in ("capture", "file")
             if (by_kind := [i for i in items if i["kind"] == kind])]  # fmt: skip
    return {
        "items": len(items),
        "artifacts": sum(len(i["artifacts"]) for i in items),
        "bytes": sum(map(size_of, items)),
        "captures": capture_note,
        "floor_items": floor,
    }


# -- watching a run ------------------------------------------------------------------------------------


class _Watch:
    """Samples a process's memory (VmHWM, VmRSS) every ``interval``; every fifth sample also the bytes of
    its open files under ``tmpdir`` and whether ``out`` or a hidden sibling of it (the partial bundle)
    exists. With ``name``, samples are taken only once the process runs it (before its exec it is a vfork
    of this one)."""

    def __init__(self, pid: int, name: str | None, out: Path, tmpdir: Path, interval: float = 0.02) -> None:
        self.pid, self.name, self.out, self.tmpdir, self.interval = pid, name, out, str(tmpdir), interval
        self.t0 = time.perf_counter()
        self.hwm = 0
        self.timeline: list[tuple[float, int]] = []
        self.tmp_peak = 0
        self.out_at: float | None = None
        self.partial_seen = False
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="export-watch", daemon=True)

    def _run(self) -> None:
        n = 0
        while not self.stop.is_set():
            st = _status(self.pid)
            if (self.name is None or st.get("Name") == self.name) and "VmHWM" in st:
                self.hwm = max(self.hwm, _kib(st, "VmHWM"))
                self.timeline.append((time.perf_counter() - self.t0, _kib(st, "VmRSS")))
                if n % 5 == 0:
                    self._files()
                n += 1
            self.stop.wait(self.interval)

    def _files(self) -> None:
        total = 0
        fd_dir = f"/proc/{self.pid}/fd"
        try:
            for fd in os.listdir(fd_dir):
                try:
                    if os.readlink(f"{fd_dir}/{fd}").startswith(self.tmpdir):
                        total += os.stat(f"{fd_dir}/{fd}").st_size
                except OSError:
                    continue
        except OSError:
            return
        self.tmp_peak = max(self.tmp_peak, total)
        if self.out_at is None and os.path.lexists(self.out):
            self.out_at = time.perf_counter() - self.t0
        if not self.partial_seen:
            hidden = f".{self.out.name}"
            self.partial_seen = any(p.startswith(hidden) for p in os.listdir(self.out.parent))

    def __enter__(self) -> _Watch:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def _mb(kib: int) -> float:
    return r(kib * KIB / MB, 1)


def _watched(cmd: list[str], name: str | None, out: Path, tmpdir: Path) -> Json:
    """Run ``cmd`` (its temp dir ``tmpdir``) and watch it; raises if it fails."""
    tmpdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fo, stderr=fe, env=env, cwd=ROOT)
        with _Watch(proc.pid, name, out, tmpdir) as w:
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        stdout, stderr = fo.read().decode(), fe.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])}... exited {proc.returncode}: {stderr[-2000:]}")
    step = max(1, len(w.timeline) // 24)
    return {
        "seconds": seconds,
        "peak_rss_MB": _mb(w.hwm),
        # Cross-check. Linux carries the pre-exec image's high-water mark over exec, and the child is
        # a vfork of this process until then: this may count this process's peak too.
        "wait4_maxrss_MB": _mb(usage.ru_maxrss),
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "rss_timeline_s_MB": [[r(t, 1), _mb(k)] for t, k in w.timeline[::step]],
        "tmpdir_open_files_peak_MB": r(w.tmp_peak / MB, 1),
        "out_appeared_at_s": r(w.out_at, 2) if w.out_at is not None else None,
        "partial_seen": w.partial_seen,
        "stdout": stdout,
    }


def _settle() -> None:
    """Flush the previous run's dirty pages so they are not written back during the next one, and give
    the kernel a moment after deletes (as bench.ingest does; not imported: it pulls in vestige)."""
    os.sync()
    time.sleep(2.5)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


# -- the methods ---------------------------------------------------------------------------------------


def _export_cmd(root: Path, out: Path, items: list[str] | None = None) -> list[str]:
    cmd = [_vestige_exe(), "--archive", str(root), "export", "--case", CASE, "--out", str(out), "--json"]
    for item in items or ():
        cmd += ["--items", item]
    return cmd


def _export(root: Path, out: Path, tmpdir: Path, items: list[str] | None = None) -> Json:
    res = _watched(_export_cmd(root, out, items), "vestige", out, tmpdir)
    data = json.loads(res.pop("stdout"))
    res.update({"files": data["files"], "bytes": data["bytes"]})
    return res


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _baseline(root: Path, copy: Path) -> Json:
    cpu0 = _children_cpu_s()
    t0 = time.perf_counter()
    subprocess.run(["cp", "-r", str(root / "blobs"), str(copy)], check=True)
    t1 = time.perf_counter()
    files = sorted(str(Path(d) / f) for d, _, names in os.walk(copy) for f in names)
    subprocess.run(["sha256sum", "--", *files], check=True, stdout=subprocess.DEVNULL)
    t2 = time.perf_counter()
    size = sum(os.stat(f).st_size for f in files)
    return {
        "seconds": t2 - t0,
        "cpu_s": _children_cpu_s() - cpu0,
        "cp_s": t1 - t0,
        "sha256sum_s": t2 - t1,
        "files": len(files),
        "bytes": size,
    }


def _python3() -> str:
    """The recipient's interpreter: the system's python3 if there is one."""
    return shutil.which("python3", path="/usr/bin:/bin") or shutil.which("python3") or sys.executable


def _verify_bundle(bundle: Path) -> Json:
    py = _python3()
    version = subprocess.run([py, "-S", "--version"], capture_output=True, text=True, check=True).stdout
    cmds = {
        "verify_py": [py, "-S", "verify.py"],
        "sha256sum_c": ["sha256sum", "-c", "--quiet", "SHA256SUMS"],
    }
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for run_no in range(VERIFY_RUNS):
        for name in list(cmds)[run_no % 2 :] + list(cmds)[: run_no % 2]:
            t0 = time.perf_counter()
            proc = subprocess.run(cmds[name], cwd=bundle, capture_output=True, text=True, check=False)
            times[name].append(time.perf_counter() - t0)
            if proc.returncode != 0 or (name == "verify_py" and "RESULT: INTACT" not in proc.stdout):
                raise RuntimeError(f"{name} on {bundle} failed: {proc.stdout[-1500:]} {proc.stderr[-500:]}")
            log(f"export: {name:11s} {times[name][-1]:6.2f} s")
    med = {k: median(v) for k, v in times.items()}
    return {
        "python3": f"{py} ({version.strip()})",
        "seconds": {k: [r(x) for x in v] for k, v in times.items()},
        "median_s": {k: r(v) for k, v in med.items()},
        "ratio_verify_py_vs_sha256sum_c": r(med["verify_py"] / med["sha256sum_c"]),
    }


# -- phases of one export (in a child process) ---------------------------------------------------------


def _hwm_kib() -> int:
    return _kib(_status(os.getpid()), "VmHWM")


def instrumented_cli(out: Path, args: list[str]) -> None:
    """``vestige ARGS`` in this process with the export's phases timed; written to ``out`` as JSON."""
    t0 = time.perf_counter()
    import vestige.cli
    import vestige.exports.bundle as bundle
    import vestige.exports.wacz as wacz

    phases: dict[str, Json] = {}
    imported = {"s": time.perf_counter() - t0, "hwm_MB": _mb(_hwm_kib())}

    def wrap(owner: Any, attr: str, label: str) -> None:
        orig = getattr(owner, attr)

        @functools.wraps(orig)
        def timed(*a: Any, **kw: Any) -> Any:
            hwm0, start = _hwm_kib(), time.perf_counter()
            try:
                return orig(*a, **kw)
            finally:
                p = phases.setdefault(label, {"s": 0.0, "calls": 0, "hwm_rise_MB": 0.0, "hwm_after_MB": 0.0})
                hwm1 = _hwm_kib()
                p["s"] += time.perf_counter() - start
                p["calls"] += 1
                p["hwm_rise_MB"] += _mb(hwm1 - hwm0)
                p["hwm_after_MB"] = max(p["hwm_after_MB"], _mb(hwm1))

        setattr(owner, attr, timed)

    # Module globals, looked up when called, so wrapping the module's name is enough.
    wrap(bundle, "export_case", "export_case")
    for name in ("ensure_wacz_key", "disclose", "_build", "_zip_tree"):
        wrap(bundle, name, f"export_case/{name}")
    wrap(bundle._Builder, "copy_blob", "export_case/_build/copy_blob")
    for name in ("write_disclosure", "build_wacz", "write_report", "write_index_csv", "write_index_xlsx",
                 "write_dat", "pdf_page_count", "_write_sums"):  # fmt: skip
        wrap(bundle, name, f"export_case/_build/{name}")
    for name in ("_cdxj_index", "_store_file"):
        wrap(wacz, name, f"export_case/_build/build_wacz/{name}")
    try:
        vestige.cli.cli.main(args=args, prog_name="vestige")
    finally:
        out.write_text(json.dumps({"wall_s": time.perf_counter() - t0, "import": imported, "phases": phases}))


def _instrumented(root: Path, out: Path, tmpdir: Path, spans_file: Path) -> Json:
    cmd = [sys.executable, "-m", "bench.export", "--instrumented-cli", str(spans_file), "--",
           *_export_cmd(root, out)[1:]]  # fmt: skip
    res = _watched(cmd, None, out, tmpdir)
    spans = json.loads(spans_file.read_text())
    phases = spans["phases"]
    total = phases["export_case"]["s"]
    # Time in _build outside the wrapped steps (manifest, README, verify.py, per-exhibit bookkeeping).
    build = phases.get("export_case/_build")
    if build:
        prefix = "export_case/_build/"
        steps = [v["s"] for k, v in phases.items() if k.startswith(prefix) and "/" not in k[len(prefix) :]]
        phases["export_case/_build/(self)"] = {"s": build["s"] - sum(steps), "calls": 0}
    rows = sorted(
        ((k, v) for k, v in phases.items() if k != "export_case" and k != "export_case/_build"),
        key=lambda kv: -kv[1]["s"],
    )
    return {
        "wall_s": r(res["seconds"]),
        "peak_rss_MB": res["peak_rss_MB"],
        "import": {"s": r(spans["import"]["s"]), "hwm_MB": spans["import"]["hwm_MB"]},
        "export_case_s": r(total),
        "phases": {
            k: {
                "s": r(v["s"]),
                "share": r(v["s"] / total, 2),
                "calls": v["calls"],
                **({"hwm_rise_MB": r(v["hwm_rise_MB"], 1)} if "hwm_rise_MB" in v else {}),
                **({"hwm_after_MB": v["hwm_after_MB"]} if "hwm_after_MB" in v else {}),
            }
            for k, v in rows
        },
    }


# -- the benchmark -------------------------------------------------------------------------------------


def _sizes(quick: bool, workdir: Path) -> tuple[list[int], str | None]:
    sizes = [256 * MIB, GIB] if quick else [256 * MIB, GIB, 4 * GIB]
    free = shutil.disk_usage(workdir).free
    dropped = [s for s in sizes if 3.5 * s > free]
    if dropped:
        note = f"left out for lack of disk ({free / GIB:.1f} GiB free): {[s // MIB for s in dropped]} MiB"
        log(f"export: {note}")
        return [s for s in sizes if s not in dropped], note
    return sizes, None


def _one_size(
    size: int, base: Path, url: str | None, runs: int, first: bool, last: bool, quick: bool
) -> Json:
    """Make the case, run the methods on it; the smallest case (``first``) also gives the floor, the
    largest (``last``) the verify timings and, in the full run, the phases."""
    root, tmpdir = base / "archive", base / "tmp"
    base.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    case = _make_case(root, size, base, url)
    log(f"export: case of {case['bytes'] / MIB:.0f} MiB made in {time.perf_counter() - t0:.1f} s")
    out: Json = {"case": case}
    if first:
        _settle()
        fl = _export(root, base / "floor-bundle", tmpdir, case["floor_items"])
        _remove(base / "floor-bundle")
        out["floor"] = {k: fl[k] for k in ("seconds", "peak_rss_MB", "bytes")}
        log(f"export: floor export {fl['seconds']:.2f} s, peak RSS {fl['peak_rss_MB']} MB")

    bundle, copy = base / "bundle", base / "blobs-copy"
    done: dict[str, list[Json]] = {"export": [], "baseline": []}
    order = list(done)
    for run_no in range(runs):
        for method in order[run_no % 2 :] + order[: run_no % 2]:
            _settle()
            if method == "export":
                res = _export(root, bundle, tmpdir)
                keep = last and run_no == runs - 1
                if not keep:
                    _remove(bundle)
            else:
                res = _baseline(root, copy)
                _remove(copy)
            done[method].append(res)
            log(f"export: {size // MIB} MiB run {run_no + 1}/{runs} {method:8s} {res['seconds']:7.2f} s"
                + (f", peak RSS {res['peak_rss_MB']} MB" if "peak_rss_MB" in res else ""))  # fmt: skip
    if last:
        _settle()
        out["verify"] = _verify_bundle(bundle)
        _remove(bundle)
    zipped: Json | None = None
    if first or last:  # the zip's memory compared at both ends
        _settle()
        zipped = _export(root, base / "bundle.zip", tmpdir)
        _remove(base / "bundle.zip")
        log(f"export: {size // MIB} MiB zip {zipped['seconds']:7.2f} s, peak RSS {zipped['peak_rss_MB']} MB")
    if last and not quick:
        _settle()
        out["instrumented"] = _instrumented(root, base / "inst-bundle", tmpdir, base / "spans.json")
        _remove(base / "inst-bundle")

    ex, bl = done["export"], done["baseline"]
    med_export, med_base = median([x["seconds"] for x in ex]), median([x["seconds"] for x in bl])
    cpu_export, cpu_base = median([x["cpu_s"] for x in ex]), median([x["cpu_s"] for x in bl])
    gib = ex[0]["bytes"] / GIB
    out.update({
        "bundle_files": ex[0]["files"],
        "bundle_bytes": ex[0]["bytes"],
        "export_s": [r(x["seconds"]) for x in ex],
        "baseline_s": [r(x["seconds"]) for x in bl],
        "export_cpu_s": [r(x["cpu_s"]) for x in ex],
        "baseline_cpu_s": [r(x["cpu_s"]) for x in bl],
        "baseline_cp_s": [r(x["cp_s"]) for x in bl],
        "baseline_sha256sum_s": [r(x["sha256sum_s"]) for x in bl],
        "baseline_bytes": bl[0]["bytes"],
        "export_s_per_GiB": r(med_export / gib),
        "baseline_s_per_GiB": r(med_base / (bl[0]["bytes"] / GIB)),
        "ratio_export_vs_baseline": r(med_export / med_base),
        "ratio_export_vs_baseline_cpu": r(cpu_export / cpu_base),
        "peak_rss_MB": max(x["peak_rss_MB"] for x in ex),
        "peak_rss_MB_runs": [x["peak_rss_MB"] for x in ex],
        "wait4_maxrss_MB_runs": [x["wait4_maxrss_MB"] for x in ex],
        "rss_timeline_s_MB": ex[-1]["rss_timeline_s_MB"],
        "tmpdir_open_files_peak_MB": max(x["tmpdir_open_files_peak_MB"] for x in ex),
        "bundle_appeared_at_s_vs_exit_s": [ex[-1]["out_appeared_at_s"], r(ex[-1]["seconds"], 2)],
        "partial_seen_while_running": all(x["partial_seen"] for x in ex),
    })  # fmt: skip
    if zipped is not None:
        out["zip"] = {
            "seconds": r(zipped["seconds"]),
            "ratio_vs_directory_export": r(zipped["seconds"] / med_export),
            "peak_rss_MB": zipped["peak_rss_MB"],
            "bytes": zipped["bytes"],
            "tmpdir_open_files_peak_MB": zipped["tmpdir_open_files_peak_MB"],
        }
    shutil.rmtree(root)
    shutil.rmtree(tmpdir, ignore_errors=True)
    return out


def run(quick: bool, workdir: Path) -> tuple[Json, dict[str, Json]]:
    sizes, note = _sizes(quick, workdir)
    runs = QUICK_RUNS if quick else RUNS
    per_size: dict[str, Json] = {}
    with fixture_web() as url:
        for k, size in enumerate(sizes):
            label = f"{size // MIB}MiB"
            log(f"export: case of {label}")
            per_size[label] = _one_size(
                size,
                workdir / "export" / label,
                url,
                runs,
                first=k == 0,
                last=k == len(sizes) - 1,
                quick=quick,
            )
    labels = list(per_size)
    first, last = per_size[labels[0]], per_size[labels[-1]]
    floor = first.pop("floor")
    rss = {k: v["peak_rss_MB"] for k, v in per_size.items()}
    zip_rss = {k: v["zip"]["peak_rss_MB"] for k, v in per_size.items() if "zip" in v}
    marginal: Json = {}
    if len(labels) > 1:
        # Cost of one more GiB, start-up and fixed costs cancelled out (smallest to largest case).
        gib = (last["bundle_bytes"] - first["bundle_bytes"]) / GIB
        for method in ("export", "baseline"):
            marginal[method] = r((median(last[f"{method}_s"]) - median(first[f"{method}_s"])) / gib)
    result: Json = {
        "sizes": list(per_size),
        "runs": runs,
        "case": "3 files of S/4 (vestige add) + capture of /big.bin?n=S/4 + capture of the fixture page",
        "methods": {
            "export": "vestige --archive A export --case BENCH --out DIR --json (subprocess)",
            "baseline": "cp -r A/blobs COPY; sha256sum of every copied file",
            "zip": "the same export to bundle.zip, once, smallest and largest case",
            "floor": "export of the page capture and a 64 KiB file only (--items), smallest archive",
        },
        "page_cache": "the store is warm for every method; sync before each run, not timed",
        **({"note": note} if note else {}),
        "floor": floor,
        "peak_rss_MB": rss,
        "zip_peak_rss_MB": zip_rss,
        "ratio_peak_rss_largest_vs_smallest": r(rss[labels[-1]] / rss[labels[0]]),
        "ratio_zip_peak_rss_largest_vs_smallest": r(zip_rss[labels[-1]] / zip_rss[labels[0]]),
        "ratio_peak_rss_largest_vs_floor": r(last["peak_rss_MB"] / floor["peak_rss_MB"]),
        "ratio_export_vs_baseline": {k: v["ratio_export_vs_baseline"] for k, v in per_size.items()},
        "ratio_export_vs_baseline_cpu": {k: v["ratio_export_vs_baseline_cpu"] for k, v in per_size.items()},
        "marginal_s_per_GiB": marginal,
        "verify_largest": last.pop("verify"),
        "by_size": per_size,
    }
    ratio_rss = result["ratio_peak_rss_largest_vs_smallest"]
    ratio_zip = result["ratio_zip_peak_rss_largest_vs_smallest"]
    targets = {
        "export_peak_rss_flat": target(
            "<=", FLAT_RSS_RATIO, ratio_rss,
            f"peak RSS of vestige export, {result['sizes'][-1]} case / {result['sizes'][0]} case, same run",
        ),
        "export_zip_peak_rss_flat": target(
            "<=", FLAT_RSS_RATIO, ratio_zip, "the same, exporting to a .zip",
        ),
    }  # fmt: skip
    return result, targets


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.export")
    parser.add_argument("--quick", action="store_true", help="256 MiB and 1 GiB cases (full: also 4 GiB)")
    parser.add_argument("--dir", type=Path, default=None, help="parent of the work directory")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--instrumented-cli", metavar="OUT", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.instrumented_cli:
        instrumented_cli(a.instrumented_cli, a.args)
        return
    run_alone("export", run, a.quick, a.dir, a.keep)


if __name__ == "__main__":
    main()
