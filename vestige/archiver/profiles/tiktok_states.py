"""Why a TikTok page shows no post: its state's ``statusCode``, or the page's own words.

The code is the same whatever the page's language: 10204 (no such item: deleted, or never there), 10216
(private), 10222 (only for logged-in accounts; with "not comfortable for some audiences", age-restricted),
10231 (not in this region), 10221 (no account of that name). Without a code, the page's words are read, in
English and Russian (TikTok's own wording in its web app: "Video currently unavailable", "This video is not
available in your region", "Log in to TikTok", its verification puzzle "Verify to continue"...).
"""

from __future__ import annotations

from .html import Document
from .post import PageState
from .wording import lowered, page_text, phrase_in

# The status codes of TikTok's page state, and what each means for the capture.
_STATUS: dict[int, tuple[PageState, str]] = {
    10204: ("deleted", "TikTok has no such post (code 10204): deleted, or an id never used"),
    10216: ("login_wall", "the post is private (code 10216)"),
    10222: ("login_wall", "TikTok shows the post only to logged-in accounts (code 10222)"),
    10231: ("geo_blocked", "the post is not available in this region (code 10231)"),
    10221: ("not_found", "TikTok has no account of that name (code 10221)"),
}
_AGE_WORDS = (
    "not be comfortable for some audiences", "confirm your age", "age-restricted",
    "может быть неприемлемой для некоторых зрителей", "подтвердите свой возраст",
)  # fmt: skip
# What the page says when there is no post to read, in English and Russian, checked in this order.
_WORDS: tuple[tuple[PageState, tuple[str, ...]], ...] = (
    ("rate_limited", (
        "verify to continue", "drag the slider", "drag the puzzle", "too many attempts",
        "maximum number of attempts", "подтвердите, чтобы продолжить", "перетащите ползунок",
        "слишком много попыток",
    )),
    ("geo_blocked", (
        "not available in your region", "not available in your country",
        "недоступно в вашем регионе", "недоступен в вашей стране", "недоступно в вашей стране",
    )),
    ("age_gate", _AGE_WORDS),
    ("deleted", (
        "video currently unavailable", "this video has been removed", "this post has been removed",
        "видео сейчас недоступно", "видео удалено",
    )),
    ("not_found", (
        "couldn't find this account", "couldn’t find this account", "не удалось найти этот аккаунт",
    )),
    ("login_wall", (
        "this account is private", "this video is private", "log in to tiktok", "log in to continue",
        "это закрытый аккаунт", "это видео является личным", "войти в tiktok", "войдите в tiktok",
    )),
)  # fmt: skip


def page_words(doc: Document) -> str:
    return lowered(page_text(doc.tree.body))


def from_words(doc: Document) -> tuple[PageState, str] | None:
    """The state the page's words say, and the words (lower case), checked in ``_WORDS`` order."""
    return phrase_in(page_words(doc), _WORDS)


def from_status(status: int | None, message: str | None, doc: Document) -> tuple[PageState, str] | None:
    if status is None or status == 0:
        return None
    said = f" ({message[:200]!r})" if message else ""
    words = f"{message or ''} {page_words(doc)}".lower()
    if status == 10222 and any(p in words for p in _AGE_WORDS):
        return "age_gate", f"TikTok shows the post only to logged-in adults (code 10222){said}"
    if status in _STATUS:
        state, why = _STATUS[status]
        return state, why + said
    found = from_words(doc)
    return (found[0], f"TikTok shows {found[1]!r}; status code {status}{said}") if found else None


def overlay_words(doc: Document) -> str | None:
    """The words of a login or verification prompt shown over a post."""
    found = from_words(doc)
    return found[1] if found and found[0] in ("rate_limited", "login_wall") else None


def shown_state(doc: Document) -> tuple[PageState, str] | None:
    """The state the page's words say, and why."""
    found = from_words(doc)
    return (found[0], f"TikTok shows {found[1]!r}") if found else None
