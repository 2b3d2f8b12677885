"""Finding evidence: list with filters, show as a card, search, tag."""

from __future__ import annotations
