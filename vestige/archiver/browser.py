"""Finding and launching Chromium: Debian's package first, Playwright's own build as a fallback."""

from __future__ import annotations

import asyncio
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


class PlaywrightDriver:
    """Playwright's driver, a Node.js process of its own that drives the browser, started ahead of need.

    ``begin`` starts it and returns as soon as the process is spawned: it boots (a quarter of a second)
    while the caller's event loop is not even running, the command doing what it must first (``vestige
    capture`` imports the archive, opens it and checks its input). ``playwright`` is the started
    Playwright, ``close`` stops it; a capture session that is given it does both."""

    SPAWN_S = 0.02  # enough for the process to be spawned: the first steps of Playwright's start

    def __init__(self) -> None:
        self._manager: Any = None
        self._start: asyncio.Future[Any] | None = None

    async def begin(self) -> None:
        if self._start is None:
            from playwright.async_api import async_playwright

            self._manager = async_playwright()
            self._start = asyncio.ensure_future(self._manager.__aenter__())
        await asyncio.wait([self._start], timeout=self.SPAWN_S)

    async def playwright(self) -> Any:
        if self._start is None:
            await self.begin()
        assert self._start is not None
        return await self._start

    async def close(self) -> None:
        """Stop the driver, once its start is over (cut off half-started it would be left running)."""
        start, self._start = self._start, None
        if start is None:
            return
        await asyncio.wait([start])
        failed = start.cancelled() or start.exception() is not None  # raised where it was awaited
        # After a failed start, what is left of it is cleaned up, and its own error stays the one said.
        with contextlib.suppress(Exception) if failed else contextlib.nullcontext():
            await self._manager.__aexit__(None, None, None)
