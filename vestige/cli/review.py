"""Reviewing evidence: open an artifact, replay a capture."""

from __future__ import annotations
