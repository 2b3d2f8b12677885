"""Finding what a platform says in place of a post ("This Post was deleted...", "Sorry, this page isn't
available."): the page's text (``page_text``), and in it the first of a state's wordings.

``line_with`` and ``state_with`` (phrases: any case, a straight apostrophe also matching a typographic one),
``line_matching`` and ``state_said`` (regular expressions, any case) give the line the words are on, as the
page shows it, for the record's notes; ``phrase_in`` gives the phrase itself (as written, or in any case).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

from selectolax.lexbor import LexborNode

from .html import node_text
from .post import PageState

MAX_PAGE_TEXT = 20_000  # characters of a page read to recognise what it shows
MAX_SHOWN = 300

# (state, its wordings) in the order they are tried.
Wordings = Sequence[tuple[PageState, Sequence[str]]]
S = TypeVar("S", bound=str)


def page_text(node: LexborNode | None, limit: int = MAX_PAGE_TEXT) -> str:
    """The text a reader sees in ``node``, as ``node_text`` reads it (``limit`` characters, and one more)."""
    return node_text(node, limit)


def lowered(text: str) -> str:
    """``text`` in lower case, no-break spaces as spaces: for finding lower-case phrases with ``in``."""
    return text.lower().replace("\u00a0", " ")


def line_matching(text: str, patterns: Sequence[str]) -> str | None:
    """The line of ``text`` holding the first of ``patterns`` (regular expressions, case ignored) found."""
    for pattern in patterns:
        m = re.search(pattern, text, re.IGNORECASE)
        if m is not None:
            start = text.rfind("\n", 0, m.start()) + 1
            end = text.find("\n", m.end())
            return text[start : end if end >= 0 else len(text)].strip()[:MAX_SHOWN]
    return None


def line_with(text: str, phrases: Sequence[str]) -> str | None:
    """The line of ``text`` holding the first of ``phrases`` found (case ignored; ' also matches ’)."""
    return line_matching(text, [re.escape(phrase).replace("'", "['\u2019]") for phrase in phrases])


def phrase_in(
    text: str, wordings: Sequence[tuple[S, Sequence[str]]], *, any_case: bool = False
) -> tuple[S, str] | None:
    """The first state whose phrases ``text`` holds as they are written (``any_case``: in any case), and
    the phrase."""
    haystack = text.lower() if any_case else text
    for state, phrases in wordings:
        for phrase in phrases:
            if (phrase.lower() if any_case else phrase) in haystack:
                return state, phrase
    return None


def state_said(text: str, wordings: Wordings) -> tuple[PageState, str] | None:
    """The first state whose wordings (regular expressions) ``text`` holds, and the line that says it."""
    for state, patterns in wordings:
        line = line_matching(text, patterns)
        if line is not None:
            return state, line
    return None


def state_with(text: str, wordings: Wordings) -> tuple[PageState, str] | None:
    """The first state whose phrases (``line_with``) ``text`` holds, and the line that says it."""
    for state, phrases in wordings:
        if line := line_with(text, phrases):
            return state, line
    return None
