"""Finding and launching Chromium: Debian's package first, Playwright's own build as a fallback."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Any

from ..errors import VestigeError

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
BASE_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    # Chromium's own calls home (autofill queries naming the page, hints, translation, sync) would reach
    # Google from the investigator's machine and land in the evidence: none of them is made.
    "--disable-features=AutofillServerCommunication,OptimizationHints,Translate,MediaRouter",
    "--disable-sync",
    "--disable-domain-reliability",
]


class BrowserMissing(VestigeError):
    exit_code = 3
    kind = "browser-missing"


def find_chromium(playwright: Any) -> str:
    """Path of the browser to drive. Nothing is ever downloaded at run time."""
    configured = os.environ.get("VESTIGE_CHROMIUM")
    candidates = [configured] if configured else []
    candidates += [
        str(DEBIAN_CHROMIUM),
        shutil.which("chromium") or "",
        shutil.which("chromium-browser") or "",
    ]
    with contextlib.suppress(Exception):  # Playwright raises when its own browser is not installed
        candidates.append(playwright.chromium.executable_path)
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    raise BrowserMissing(
        "no Chromium found", hint="install it with: sudo apt-get install chromium (or run: make dev)"
    )


def launch_args(extra: list[str]) -> list[str]:
    args = list(BASE_ARGS)
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    return args + extra
