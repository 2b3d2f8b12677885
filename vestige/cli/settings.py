"""The archive's settings and health: config get|set, doctor."""

from __future__ import annotations
