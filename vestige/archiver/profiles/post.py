"""The post record: what a platform profile read from a captured page, as frozen, bounded values.

``PostRecord.to_json`` gives a JSON-safe dict in a fixed key order (the dataclass field order; counts in
``COUNT_ORDER``); ``PostRecord.from_json`` reads it back, equal to the original. Every record is checked
when it is made: known page states and media types, times in UTC, no control characters, bounded sizes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal, cast, get_args

from ...errors import FormatError
from .values import UTC_FORMAT

RECORD_VERSION = 1

PageState = Literal[
    "post",
    "channel",
    "login_wall",
    "deleted",
    "age_gate",
    "rate_limited",
    "geo_blocked",
    "not_found",
    "unknown",
]
MediaType = Literal["image", "video", "audio", "file"]
PAGE_STATES: tuple[str, ...] = get_args(PageState)
MEDIA_TYPES: tuple[str, ...] = get_args(MediaType)
# Page states in which the record holds what was asked for; the others make a capture partial.
COMPLETE_STATES = frozenset(("post", "channel"))

MAX_TEXT = 200_000
MAX_LINE = 2_000  # names, handles, ids, titles, raw values
MAX_URL = 8_000
MAX_MEDIA = 100
MAX_LINKS = 200
MAX_REPLIES = 100
MAX_MESSAGES = 100
MAX_REPLY_DEPTH = 2  # replies to a post, and replies to those
MAX_COUNTS = 30
MAX_NOTES = 100
MAX_NOTE = 1_000
COUNT_ORDER = ("views", "likes", "shares", "replies", "reactions", "subscribers")

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\t\n]")
COUNTRY_CODE = re.compile("^[A-Z]{2}$")  # ISO 3166-1 alpha-2


@dataclass(frozen=True)
class Author:
    display_name: str | None = None
    handle: str | None = None  # as the platform writes it, e.g. "@channel"
    id: str | None = None  # the platform's own, stable id when the page gives one
    profile_url: str | None = None

    def __post_init__(self) -> None:
        for name in ("display_name", "handle", "id"):
            _check_line(self, name, MAX_LINE)
        _check_line(self, "profile_url", MAX_URL)


@dataclass(frozen=True)
class Media:
    url: str | None  # None: the page shows the item but offers no file for it (see ``unreadable``)
    type: MediaType
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    thumbnail_url: str | None = None

    def __post_init__(self) -> None:
        _check_line(self, "url", MAX_URL)
        _check_line(self, "thumbnail_url", MAX_URL)
        _require(self.type in MEDIA_TYPES, f"media type {self.type!r}")
        for name in ("width", "height"):
            value = getattr(self, name)
            _require(value is None or (_is_int(value) and 0 < value < 1_000_000), f"media {name}")
        d = self.duration_s
        _require(d is None or (isinstance(d, float) and 0 <= d < 1e9), "media duration_s")


@dataclass(frozen=True)
class Ref:
    """Another post this one points at (replies to, quotes, was forwarded from), as the page shows it."""

    url: str | None = None
    name: str | None = None  # the other post's author or channel, as shown
    text: str | None = None  # the excerpt the page shows of it

    def __post_init__(self) -> None:
        _check_line(self, "url", MAX_URL)
        _check_line(self, "name", MAX_LINE)
        _check_text(self.text, MAX_LINE, "ref text")
        _require(any((self.url, self.name, self.text)), "an empty reference")


@dataclass(frozen=True)
class Place:
    """Where the platform says the post was made or is about: a location tag (its name, the platform's
    id and page for it), or the country the platform recorded it was posted from (TikTok's
    ``locationCreated``), as the platform gives them; never guessed from the text."""

    name: str | None = None
    id: str | None = None
    url: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2, as the platform gives it

    def __post_init__(self) -> None:
        _check_line(self, "name", MAX_LINE)
        _check_line(self, "id", MAX_LINE)
        _check_line(self, "url", MAX_URL)
        _require(self.country is None or bool(COUNTRY_CODE.match(self.country)), "place country")
        _require(any((self.name, self.id, self.url, self.country)), "an empty place")


@dataclass(frozen=True)
class PostRecord:
    """One post (or channel) as a profile read it from a page.

    ``page_state`` says what the page was: the post itself ("post"), a channel or profile listing
    ("channel", its latest posts in ``messages``), or why the post is not there (login wall, deleted...).
    ``unreadable`` lists, as "field: why", what the page did not give or the profile could not read;
    ``sources`` says where in the page each field was read ("json-ld NewsArticle.datePublished").
    """

    platform: str
    page_state: PageState
    profile: str
    profile_version: int
    post_id: str | None = None
    canonical_url: str | None = None
    title: str | None = None
    author: Author | None = None
    posted_at: str | None = None  # UTC, "2024-03-15T08:42:17Z"
    posted_at_raw: str | None = None  # exactly as the page declared or showed it
    edited: bool | None = None  # None: the page does not say
    edited_at: str | None = None
    edited_at_raw: str | None = None
    text: str | None = None
    language: str | None = None
    place: Place | None = None
    links: tuple[str, ...] = ()  # links in the text, in order
    media: tuple[Media, ...] = ()
    counts: dict[str, int | None] = field(default_factory=dict)  # "views": 1200 (None: shown, unreadable)
    counts_raw: dict[str, str] = field(default_factory=dict)  # "views": "1.2K", as shown
    reply_to: Ref | None = None
    quote_of: Ref | None = None
    forwarded_from: Ref | None = None
    replies: tuple[PostRecord, ...] = ()
    messages: tuple[PostRecord, ...] = ()  # a channel page's listing, oldest first, latest MAX_MESSAGES
    discovery: dict[str, str] = field(default_factory=dict)  # machine-readable versions, not fetched
    sources: dict[str, str] = field(default_factory=dict)
    unreadable: tuple[str, ...] = ()
    version: int = RECORD_VERSION

    def __post_init__(self) -> None:
        _require(self.version == RECORD_VERSION, f"record version {self.version!r}")
        _require(self.page_state in PAGE_STATES, f"page state {self.page_state!r}")
        for name in ("platform", "profile"):
            _require(bool(getattr(self, name)), f"an empty {name}")
            _check_line(self, name, 200)
        _require(_is_int(self.profile_version), "profile_version")
        for name in ("post_id", "title", "posted_at_raw", "edited_at_raw", "language"):
            _check_line(self, name, MAX_LINE)
        _check_line(self, "canonical_url", MAX_URL)
        for name in ("posted_at", "edited_at"):
            value = getattr(self, name)
            _require(value is None or bool(UTC_FORMAT.match(value)), f"{name} not UTC ISO 8601")
        _require(self.edited is None or isinstance(self.edited, bool), "edited")
        _require(self.place is None or isinstance(self.place, Place), "place")
        _check_text(self.text, MAX_TEXT, "text")
        _check_items(self.links, str, MAX_LINKS, "links")
        for link in self.links:
            _check_text(link, MAX_URL, "link", one_line=True)
        _check_items(self.media, Media, MAX_MEDIA, "media")
        _check_map(self.counts, lambda v: v is None or (_is_int(v) and v >= 0), "counts")
        _check_map(self.counts_raw, lambda v: isinstance(v, str) and len(v) <= MAX_LINE, "counts_raw")
        _check_map(self.discovery, lambda v: isinstance(v, str) and len(v) <= MAX_URL, "discovery")
        _check_map(self.sources, lambda v: isinstance(v, str) and len(v) <= MAX_LINE, "sources")
        _check_items(self.replies, PostRecord, MAX_REPLIES, "replies")
        _check_items(self.messages, PostRecord, MAX_MESSAGES, "messages")
        _require(self._reply_depth() <= MAX_REPLY_DEPTH, "replies nested too deep")
        _require(all(not m.messages for m in self.messages), "messages nested in messages")
        _check_items(self.unreadable, str, MAX_NOTES, "unreadable")
        for note in self.unreadable:
            _check_text(note, MAX_NOTE, "unreadable note", one_line=True)

    def _reply_depth(self) -> int:
        nested = [r._reply_depth() for r in (*self.replies, *self.messages)]
        return (1 if self.replies else 0) + max(nested, default=0)

    @property
    def complete(self) -> bool:
        """Whether the page held what was asked for (a capture with any other state is partial)."""
        return self.page_state in COMPLETE_STATES

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("counts", "counts_raw"):
                value = {k: value[k] for k in sorted(value, key=_count_key)}
            elif f.name in ("discovery", "sources"):
                value = dict(sorted(value.items()))
            elif f.name in ("replies", "messages"):
                value = [r.to_json() for r in value]
            elif f.name == "media":
                value = [_plain(m) for m in value]
            elif isinstance(value, Author | Ref | Place):
                value = _plain(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PostRecord:
        """Read a record written by ``to_json``; a malformed one raises ``FormatError``."""
        try:
            return _record_from_json(data)
        except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
            raise FormatError(f"not a valid post record: {exc}") from None


def _count_key(name: str) -> tuple[int, str]:
    return (COUNT_ORDER.index(name) if name in COUNT_ORDER else len(COUNT_ORDER), name)


def _plain(value: Author | Media | Ref | Place) -> dict[str, Any]:
    return {f.name: getattr(value, f.name) for f in fields(value)}


def _record_from_json(data: Mapping[str, Any]) -> PostRecord:
    if not isinstance(data, Mapping):
        raise TypeError("a record is a JSON object")
    known = {f.name for f in fields(PostRecord)}
    if unknown := sorted(set(data) - known):
        raise ValueError(f"unknown fields {unknown[:5]}")
    if data.get("version") != RECORD_VERSION:
        raise ValueError(f"record version {data.get('version')!r}, this Vestige reads {RECORD_VERSION}")
    values = dict(data)
    values["author"] = _object(Author, values.get("author"))
    values["place"] = _object(Place, values.get("place"))  # records made before it have none
    for name in ("reply_to", "quote_of", "forwarded_from"):
        values[name] = _object(Ref, values.get(name))
    values["media"] = tuple(cast(Media, _object(Media, m)) for m in _list(values.get("media", [])))
    for name in ("replies", "messages"):
        values[name] = tuple(_record_from_json(r) for r in _list(values.get(name, [])))
    for name in ("links", "unreadable"):
        values[name] = tuple(_list(values.get(name, [])))
    for name in ("counts", "counts_raw", "discovery", "sources"):
        if not isinstance(values.get(name, {}), dict):
            raise TypeError(f"{name} is a JSON object")
    return PostRecord(**values)


def _object(
    kind: type[Author] | type[Media] | type[Ref] | type[Place], value: Any
) -> Author | Media | Ref | Place | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {f.name for f in fields(kind)}:
        raise ValueError(f"not a valid {kind.__name__.lower()}")
    if (
        kind is Media
        and isinstance(value.get("duration_s"), int)
        and not isinstance(value["duration_s"], bool)
    ):
        value = {**value, "duration_s": float(value["duration_s"])}  # JSON writes 27.0 as 27 in some tools
    return kind(**value)


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("expected a JSON array")
    return value


def _require(ok: bool, what: str) -> None:
    if not ok:
        raise ValueError(f"invalid post record: {what}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_text(value: object, limit: int, what: str, one_line: bool = False) -> None:
    if value is None:
        return
    _require(isinstance(value, str) and len(value) <= limit, f"{what} too long or not text")
    assert isinstance(value, str)
    _require(not _CONTROL.search(value), f"control characters in {what}")
    _require(not (one_line and _LINE_BREAKS.search(value)), f"line breaks in {what}")


def _check_line(obj: object, name: str, limit: int) -> None:
    _check_text(getattr(obj, name), limit, name, one_line=True)


def _check_items(items: object, kind: type, limit: int, what: str) -> None:
    _require(isinstance(items, tuple) and len(items) <= limit, f"{what}: not a tuple, or too many")
    assert isinstance(items, tuple)
    _require(all(isinstance(i, kind) for i in items), f"{what}: wrong item type")


def _check_map(value: object, ok: Any, what: str) -> None:
    _require(isinstance(value, dict) and len(value) <= MAX_COUNTS * 4, f"{what}: not a dict, or too big")
    assert isinstance(value, dict)
    for k, v in value.items():
        _require(isinstance(k, str) and 0 < len(k) <= 200 and not _CONTROL.search(k), f"{what} key")
        _require(bool(ok(v)), f"{what}[{k!r}]")
        _require(not (isinstance(v, str) and _CONTROL.search(v)), f"control characters in {what}[{k!r}]")
