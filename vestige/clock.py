"""Time and randomness at the edge, injectable so writers produce fixed bytes in golden tests."""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections.abc import Callable

Clock = Callable[[], str]
SaltFactory = Callable[[], str]


def utc_now() -> str:
    """Current UTC time as ISO 8601 with microseconds and a ``Z`` suffix."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def random_salt() -> str:
    return base64.b64encode(os.urandom(16)).decode()
