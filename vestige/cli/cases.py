"""Cases: create, list, show."""

from __future__ import annotations
