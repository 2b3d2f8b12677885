"""Time and randomness at the edge, injectable so writers produce fixed bytes in golden tests."""

from __future__ import annotations

import base64
import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Callable

from .errors import InputError

Clock = Callable[[], str]
SaltFactory = Callable[[], str]


def utc_now() -> str:
    """Current UTC time as ISO 8601 with microseconds and a ``Z`` suffix."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str, what: str) -> dt.datetime:
    """An ISO 8601 time with a zone (``...Z`` or an offset) as an aware UTC datetime; ``what`` names it
    in the InputError a bad or zone-less value raises."""
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"invalid {what} {text!r}: not an ISO 8601 time") from exc
    if when.tzinfo is None:
        raise InputError(f"{what} {text!r} has no time zone")
    return when.astimezone(dt.UTC)


def random_salt() -> str:
    return base64.b64encode(os.urandom(16)).decode()


def ntp_synchronized() -> bool | None:
    """Whether systemd says the clock is NTP-synchronised; None when it cannot tell (no systemd)."""
    if not shutil.which("timedatectl"):
        return None
    try:
        proc = subprocess.run(
            ["timedatectl", "show", "-p", "NTPSynchronized", "--value"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    answer = proc.stdout.strip()
    return {"yes": True, "no": False}.get(answer) if proc.returncode == 0 else None
