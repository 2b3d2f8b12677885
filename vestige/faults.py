"""Named crash points for the kill -9 tests.

``VESTIGE_CRASH_AT=<point>`` makes the process SIGKILL itself when it reaches that point, so tests can
stop a real ``vestige`` process exactly between two steps of a write. Unset, it costs one dict lookup.
"""

from __future__ import annotations

import os
import signal


def crash_point(name: str) -> None:
    if os.environ.get("VESTIGE_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
