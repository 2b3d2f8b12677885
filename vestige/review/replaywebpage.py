"""ReplayWeb.page's offline UI: ``ui.js`` and ``sw.js`` of the npm package ``replaywebpage``.

``make dev`` fetches the pinned version from the npm registry into ``vendor/replaywebpage/`` (not in git);
nothing is downloaded at run time. ``VESTIGE_REPLAYWEBPAGE`` names another directory holding the same
files. ReplayWeb.page is AGPL-3.0-or-later; its LICENSE is kept beside the scripts.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import EXIT_ARCHIVE, VestigeError

ASSETS_ENV = "VESTIGE_REPLAYWEBPAGE"
VENDOR_DIR = Path(__file__).resolve().parents[2] / "vendor" / "replaywebpage"
FILES = ("ui.js", "sw.js")


class ReplayUnavailable(VestigeError):
    exit_code = EXIT_ARCHIVE  # like a missing Chromium: an installation problem
    kind = "replay-unavailable"


@dataclass(frozen=True)
class ReplayWebPage:
    directory: Path
    version: str

    @property
    def ui_js(self) -> Path:
        return self.directory / "ui.js"

    @property
    def sw_js(self) -> Path:
        return self.directory / "sw.js"


def find_replaywebpage() -> ReplayWebPage:
    """The installed ReplayWeb.page files and their version. Raises ReplayUnavailable."""
    configured = os.environ.get(ASSETS_ENV)
    directory = Path(configured) if configured else VENDOR_DIR
    missing = [name for name in FILES if not (directory / name).is_file()]
    if missing:
        raise ReplayUnavailable(
            f"ReplayWeb.page is not installed: {', '.join(missing)} missing from {directory}",
            hint="run: make dev (it fetches it from the npm registry)"
            if not configured
            else f"point {ASSETS_ENV} at a directory with ui.js and sw.js",
        )
    version = "unknown"
    try:
        package = json.loads((directory / "package.json").read_text(encoding="utf-8"))
        if isinstance(package, dict) and isinstance(package.get("version"), str):
            version = package["version"]
    except (OSError, ValueError):
        pass
    return ReplayWebPage(directory, version)
