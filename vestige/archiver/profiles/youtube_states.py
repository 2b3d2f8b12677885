"""Why a YouTube page shows no video: the player response's ``playabilityStatus``, or the page's words.

Its ``status`` (ERROR, LOGIN_REQUIRED, UNPLAYABLE, AGE_CHECK_REQUIRED, CONTENT_CHECK_REQUIRED...) says what
kind of obstacle it is in any language; its ``reason`` and the error screen's ``subreason`` ("This video
has been removed by the uploader", "Sign in to confirm your age", "The uploader has not made this video
available in your country", "Sign in to confirm you're not a bot", and their Russian forms) say which.
Google's "unusual traffic" page and YouTube's consent page have no player response: their words are read.
"""

from __future__ import annotations

from typing import Any

from .embedded_json import as_str, dig, runs_text
from .html import Document, node_text
from .post import PageState
from .wording import lowered, page_text, phrase_in

# playabilityStatus.reason / subreason words (English, Russian), checked in this order.
_REASONS: tuple[tuple[PageState, tuple[str, ...]], ...] = (
    ("rate_limited", ("not a bot", "не бот", "unusual traffic")),
    ("age_gate", ("confirm your age", "age-restricted", "inappropriate for some users", "подтвердить возраст",
                  "подтвердите свой возраст", "подтвердить свой возраст", "возрастные ограничения")),
    ("geo_blocked", ("in your country", "в вашей стране", "в вашем регионе")),
    ("deleted", ("removed", "terminated", "no longer available", "удалено", "удалил", "заблокирован")),
    ("login_wall", ("private video", "this video is private", "members-only", "join this channel", "sign in",
                    "ограниченным доступом", "только для спонсоров", "войдите")),
)  # fmt: skip
_STATUS: dict[str, PageState] = {
    "LOGIN_REQUIRED": "login_wall",
    "AGE_CHECK_REQUIRED": "age_gate",
    "AGE_VERIFICATION_REQUIRED": "age_gate",
    "CONTENT_CHECK_REQUIRED": "age_gate",
    "ERROR": "not_found",
}


def status_words(player: dict[str, Any]) -> str:
    """The playability status and the words YouTube shows with it: "ERROR, 'Video unavailable / ...'"."""
    status = as_str(dig(player, "playabilityStatus", "status")) or ""
    error = dig(player, "playabilityStatus", "errorScreen", "playerErrorMessageRenderer")
    reason = as_str(dig(player, "playabilityStatus", "reason")) or runs_text(dig(error, "reason"), 300) or ""
    subreason = runs_text(dig(error, "subreason"), 300) or ""
    shown = " / ".join(filter(None, (reason, subreason)))[:400]
    return status + (f", {shown!r}" if shown else "")


def playability(player: dict[str, Any]) -> tuple[PageState, str] | None:
    status = as_str(dig(player, "playabilityStatus", "status")) or ""
    if status in ("OK", "LIVE_STREAM_OFFLINE", ""):
        return None
    said = f"YouTube: {status_words(player)}"
    words = said.lower().removeprefix(f"youtube: {status.lower()}")
    if (found := phrase_in(words, _REASONS)) is not None:
        return found[0], said
    if status in _STATUS:
        if status == "ERROR":
            said += " (YouTube says the same of a video removed and of an id never used)"
        return _STATUS[status], said
    return None  # UNPLAYABLE for a reason not known here: the page still shows the video's details


def error_screen(doc: Document) -> tuple[PageState, str] | None:
    """The rendered error screen, when there is no player response to read."""
    screen = doc.first("yt-playability-error-supported-renderers, #error-screen")
    text = node_text(screen, 600) if screen is not None else ""
    if not text:
        return None
    fake = {"playabilityStatus": {"status": "ERROR", "reason": text.replace("\n", " / ")}}
    state = playability(fake)
    return (state[0], f"YouTube shows {text.replace(chr(10), ' / ')[:300]!r}") if state else None


def page_words(doc: Document) -> str:
    return lowered(page_text(doc.tree.body, 5_000))


def blocked_page(doc: Document) -> tuple[PageState, str] | None:
    """Google's "unusual traffic" check and YouTube's consent page: the video is not shown at all."""
    words = page_words(doc)
    if "unusual traffic from your computer network" in words or "подозрительный трафик" in words:
        return "rate_limited", "Google shows its 'unusual traffic' check instead of the page"
    consent = doc.first('form[action*="consent.youtube.com"], form[action*="consent.google.com"]')
    if (
        consent is not None
        or "before you continue to youtube" in words
        or "прежде чем перейти к youtube" in words
    ):
        return "login_wall", "YouTube shows its consent page ('Before you continue') instead of the video"
    if (
        "this page isn't available" in words
        or "this page isn’t available" in words
        or ("эта страница недоступна" in words)
    ):
        return "not_found", "YouTube shows 'This page isn't available'"
    return None
