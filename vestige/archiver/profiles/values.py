"""Reading single values as a page shows them: text, counts ("1.2K", "3,4 тыс."), times, durations.

Pure functions over strings; every one is bounded and returns None (never raises) for what it cannot read."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

# C0 controls other than tab and newline, DEL, C1 controls and lone surrogates (which cannot be encoded).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


def is_digits(value: str) -> bool:
    """Whether ``value`` is one or more ASCII digits. (``str.isdigit`` is also true of "²" and "①", which
    ``int()`` refuses: a hostile page would crash the reading.)"""
    return value.isascii() and value.isdigit()


def clean_text(value: str, limit: int) -> tuple[str, bool]:
    """``value`` with line ends as ``\\n``, control characters removed, cut to ``limit`` characters.

    Returns the text and whether it was cut. Nothing else changes: the text stays as the page gave it."""
    text = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return (text[:limit], True) if len(text) > limit else (text, False)


def clean_line(value: str | None, limit: int) -> str | None:
    """A one-line value (a name, a handle, a URL): whitespace runs made one space, trimmed; None if empty."""
    if value is None:
        return None
    line = _SPACES.sub(" ", _CONTROL.sub("", value[: limit * 4])).strip()[:limit]
    return line or None


# Multipliers as platforms abbreviate them, in English, Russian and Ukrainian.
_MULTIPLIERS = {
    "k": 10**3,
    "тыс": 10**3,
    "тис": 10**3,
    "к": 10**3,
    "m": 10**6,
    "mln": 10**6,
    "млн": 10**6,
    "b": 10**9,
    "bn": 10**9,
    "млрд": 10**9,
}
_COUNT = re.compile(
    r"^\s*(\d[\d\s\u00a0\u202f.,']{0,30})\s*(k|m|b|bn|mln|тыс|тис|к|млн|млрд)?\.?(?:\s|$)",
    re.IGNORECASE,
)
_GROUPED = re.compile(r"^\d{1,3}(?:[.,'\u00a0\u202f ]\d{3})+$")


def parse_count(shown: str | None) -> int | None:
    """The number a page shows as a count: "12" -> 12, "1.2K" -> 1200, "3,4 тыс." -> 3400,
    "10 518 subscribers" -> 10518, "1,234" -> 1234. None when it is not a count.

    With a multiplier the separator is a decimal point (either "." or ","); without one, separators can
    only group thousands, since a count shown as "1.5" cannot be a whole number."""
    if not shown:
        return None
    m = _COUNT.match(shown[:100] + " ")
    if m is None:
        return None
    digits, unit = m.group(1).strip(), (m.group(2) or "").lower()
    if unit:
        number = re.sub(r"[\s\u00a0\u202f']", "", digits).replace(",", ".")
        try:
            value = Decimal(number) * _MULTIPLIERS[unit]
        except InvalidOperation:
            return None
        return int(value.to_integral_value())
    if is_digits(digits):
        return int(digits)
    return int(re.sub(r"\D", "", digits)) if _GROUPED.match(digits) else None


UTC_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


def to_utc(declared: str | None) -> tuple[str | None, str | None]:
    """An ISO 8601 time as UTC ("2024-03-15T08:42:17Z"), or None and why not.

    A time without a UTC offset is not guessed at: the page's time zone is unknown."""
    if declared is None:
        return None, "not given"
    raw = declared.strip()
    if not raw or len(raw) > 64:
        return None, "not an ISO 8601 time"
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        return None, f"not an ISO 8601 time: {raw[:64]!r}"
    if when.tzinfo is None:
        what = "a date without a time" if len(raw) <= 10 else "a time without a UTC offset"
        return None, f"{what}: {raw!r}"
    utc = when.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    return (text + (f".{utc.microsecond:06d}" if utc.microsecond else "") + "Z"), None


# 1970-01-01T00:00:01Z up to 3000-01-01: any Unix time a page can mean.
UNIX_TIMES = range(1, 32_503_680_000)


def unix_to_utc(seconds: int | None, within: range = UNIX_TIMES) -> str | None:
    """Unix ``seconds`` as a UTC time, 1696486360 -> "2023-10-05T06:12:40Z"; None when there are none or
    they are not ``within`` the times the caller accepts (a platform's own span, say).

    What counts as Unix seconds (an int, "1696486360", 1696486360.0) is the caller's reading of its page."""
    if seconds is None or isinstance(seconds, bool) or seconds not in within:
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_CLOCK = re.compile(r"^\s*(?:(\d{1,3}):)?(\d{1,2}):(\d{2})\s*$")
_ISO_DURATION = re.compile(
    r"^P(?:(\d{1,4})D)?(?:T(?:(\d{1,4})H)?(?:(\d{1,6})M)?(?:(\d{1,7}(?:\.\d{1,6})?)S)?)?$", re.IGNORECASE
)


def parse_duration(shown: str | None) -> float | None:
    """Seconds from a shown running time ("0:27", "1:02:03") or an ISO 8601 duration ("PT1M30S")."""
    if not shown or len(shown) > 40:
        return None
    if m := _CLOCK.match(shown):
        hours, minutes, seconds = (int(g) if g else 0 for g in m.groups())
        return float(hours * 3600 + minutes * 60 + seconds)
    if (iso := _ISO_DURATION.match(shown.strip())) and any(iso.groups()):
        d, h, mi, s = (float(g) if g else 0.0 for g in iso.groups())
        return d * 86400 + h * 3600 + mi * 60 + s
    return None


def parse_dimension(value: object) -> int | None:
    """A pixel size from 1280, "1280", "1280px" or {"value": 1280}; None for anything else."""
    if isinstance(value, dict):
        value = value.get("value")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 1_000_000 else None
    if isinstance(value, float) and value.is_integer():
        return parse_dimension(int(value))
    if isinstance(value, str) and (m := re.fullmatch(r"\s*(\d{1,6})\s*(?:px)?\s*", value)):
        return parse_dimension(int(m.group(1)))
    return None


_BACKGROUND = re.compile(r"background-image\s*:\s*url\(\s*(['\"]?)([^'\")]{1,8000})\1\s*\)", re.IGNORECASE)


def background_url(style: str | None) -> str | None:
    """The URL of a ``background-image: url(...)`` declaration (how Telegram shows photos)."""
    m = _BACKGROUND.search(style[:20000]) if style else None
    return m.group(2).strip() if m else None
