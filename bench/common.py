"""Small helpers shared by the benchmarks: logging to stderr, timing, statistics, machine facts."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

Json = dict[str, Any]


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def median(xs: Sequence[float]) -> float:
    return float(statistics.median(xs))


def percentile(xs: Sequence[float], q: float) -> float:
    """Nearest-rank percentile, q in [0, 100]."""
    s = sorted(xs)
    if not s:
        raise ValueError("no samples")
    k = max(0, min(len(s) - 1, round(q / 100 * len(s) + 0.5) - 1))
    return float(s[k])


def r(x: float, digits: int = 3) -> float:
    return round(x, digits)


def peak_rss_kib() -> int:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) to the current RSS, where Linux allows it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def rss_kib() -> tuple[int, int]:
    """(current RSS, peak RSS since start or since ``reset_peak_rss``) in KiB."""
    cur = _status_kib("VmRSS")
    hwm = _status_kib("VmHWM")
    peak = peak_rss_kib()
    return (cur if cur is not None else peak, hwm if hwm is not None else peak)


def target(op: str, threshold: float, measured: float, note: str | None = None) -> Json:
    met = measured <= threshold if op == "<=" else measured >= threshold
    out: Json = {"target": f"{op} {threshold:g}", "measured": measured, "met": met}
    if note:
        out["note"] = note
    return out


def machine(quick: bool, workdir: Path) -> Json:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    import sqlite3

    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "mem_gib": r(mem_kib / 2**20, 1),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "workdir": str(workdir),
        "quick": quick,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def run_alone(section: str, run: Any, quick: bool, parent: Path | None, keep: bool) -> None:
    """One benchmark on its own (``python -m bench.NAME``): a temp work directory, removed unless
    ``keep``, and one JSON document on stdout, as ``bench.run`` prints for all of them."""
    import shutil
    import tempfile

    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="vestige-bench-", dir=parent))
    out: Json = {"machine": machine(quick, workdir)}
    try:
        out[section], out["targets"] = run(quick, workdir)
    finally:
        if keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(out, indent=2))
