"""Readings shared by the VK and Facebook profiles: Unix times as pages declare them, text without the
controls inside it ("Show more"), query parameters, and the page's own words for why a post is not there.

Pure functions over strings and parsed nodes; each is bounded and returns None (never raises) for what it
cannot read."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import parse_qs, urlsplit

from selectolax.lexbor import LexborNode

from .draft import PostDraft
from .html import Document, node_text, parse_html
from .post import MAX_LINE
from .values import clean_line, unix_to_utc
from .wording import page_text

# 1995-01-01 .. 2100-01-01: older or later "times" are not a post's.
POST_TIMES = range(788_918_400, 4_102_444_800)
MAX_WORDS = 50_000  # characters of a page's text searched for its state wording


def unix_time(value: object) -> str | None:
    """Unix seconds as VK and Facebook declare them (1696486360, "1696486360": 9 to 11 digits) as a UTC
    time, "2023-10-05T06:12:40Z"; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and len(value) <= 40 and re.fullmatch(r"\s*[0-9]{9,11}\s*", value):
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unix_to_utc(value, POST_TIMES) if isinstance(value, int) else None


def set_unix_time(
    draft: PostDraft, name: str, seconds: object, *, shown: str | None, declared_as: str, where: str
) -> bool:
    """Set ``posted_at`` (or ``edited_at``) from Unix ``seconds``. The raw value keeps what the page showed
    and what it declared: '5 окт 2023 в 9:12 (time=1696486360)'."""
    utc = unix_time(seconds)
    if utc is None:
        return False
    declared = f"{declared_as}={str(seconds).strip()}"
    shown_line = clean_line(shown, MAX_LINE - len(declared) - 3)
    setattr(draft, f"{name}_raw", f"{shown_line} ({declared})" if shown_line else declared)
    setattr(draft, name, utc)
    draft.source(name, where)
    return True


def set_shown_time(draft: PostDraft, name: str, shown: str | None, where: str, why: str) -> bool:
    """Keep a time the page shows only in words ("today at 9:12", "2d") as raw, never guessed at."""
    text = clean_line(shown, MAX_LINE)
    if not text:
        return False
    setattr(draft, f"{name}_raw", text)
    draft.source(name, where)
    draft.note(name, f"{why}: {text!r}")
    return True


def text_without(node: LexborNode | None, drop: str, limit: int, url: str) -> str:
    """The text of ``node`` as ``node_text`` reads it, without the elements matching ``drop`` (the "Show
    more" controls a platform puts inside a post's text)."""
    if node is None:
        return ""
    if node.css_first(drop) is None:
        return node_text(node, limit)
    copy = parse_html(node.html or "", url)
    for control in copy.css(drop)[:1000]:
        control.decompose()
    return node_text(copy.tree.body, limit)


def unique(nodes: Sequence[LexborNode]) -> list[LexborNode]:
    """``nodes`` without repeats, in order (Lexbor lists an element once for each selector of a group that
    matches it)."""
    return list(dict.fromkeys(nodes))


def query_value(url: str | None, name: str) -> str | None:
    """The first value of query parameter ``name`` in ``url``."""
    if not url:
        return None
    try:
        values = parse_qs(urlsplit(url[:8000]).query).get(name)
    except ValueError:
        return None
    return values[0] if values else None


def page_words(doc: Document) -> str:
    """The page's visible text, its first ``MAX_WORDS`` characters, to tell its state by its wording."""
    return page_text(doc.tree.body, MAX_WORDS)[:MAX_WORDS]
