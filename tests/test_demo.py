"""`make demo`'s script runs end to end: files added, the demo page captured, the archive intact."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.mark.slow
def test_demo_script_runs_clean(tmp_path: Path) -> None:
    archive = tmp_path / "demo-archive"
    proc = subprocess.run(
        ["bash", "demo/run.sh"],
        cwd=ROOT,
        env={**os.environ, "DEMO_ARCHIVE": str(archive)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = proc.stdout
    assert "DEMO-UKR-0004  complete 200" in out  # the bundled page, captured
    assert "INTACT" in out and f"Evidence is in {archive}" in out
    assert (archive / "vestige.db").exists()
    assert "RESULT: INTACT" in out and "DEMO-OTP-0001-0004" in out  # the exported bundle, verified offline
    assert (tmp_path / "demo-archive-bundle" / "verify.py").exists()
