"""Finding what a platform says in place of a post ("This Post was deleted...", "Sorry, this page isn't
available."): its words, in any case, with a straight or typographic apostrophe, and the line they are on,
as the page shows it (for the record's notes)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from selectolax.lexbor import LexborNode

from .html import node_text

MAX_PAGE_TEXT = 20_000  # characters of a page read to recognise what it shows
MAX_SHOWN = 300


def page_text(node: LexborNode | None) -> str:
    """The text a reader sees in ``node`` (bounded)."""
    return node_text(node, MAX_PAGE_TEXT)


def line_with(text: str, phrases: Sequence[str]) -> str | None:
    """The line of ``text`` holding the first of ``phrases`` found (case ignored; ' also matches ’)."""
    for phrase in phrases:
        m = re.search(re.escape(phrase).replace("'", "['\u2019]"), text, re.IGNORECASE)
        if m is not None:
            start = text.rfind("\n", 0, m.start()) + 1
            end = text.find("\n", m.end())
            return text[start : end if end >= 0 else len(text)].strip()[:MAX_SHOWN]
    return None
