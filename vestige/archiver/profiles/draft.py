"""A post record being read: profiles set fields one by one, each cleaned and bounded, each with where it
came from; what cannot be read is noted. ``build()`` makes the frozen ``PostRecord``."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .post import (
    COUNTRY_CODE,
    MAX_COUNTS,
    MAX_LINE,
    MAX_LINKS,
    MAX_MEDIA,
    MAX_MESSAGES,
    MAX_NOTE,
    MAX_NOTES,
    MAX_REPLIES,
    MAX_TEXT,
    MAX_URL,
    Author,
    Media,
    MediaType,
    PageState,
    Place,
    PostRecord,
    Ref,
)
from .values import clean_line, clean_text, parse_count, to_utc


@dataclass
class PostDraft:
    platform: str
    profile: str
    profile_version: int
    page_state: PageState = "unknown"
    post_id: str | None = None
    canonical_url: str | None = None
    title: str | None = None
    author: Author | None = None
    posted_at: str | None = None
    posted_at_raw: str | None = None
    edited: bool | None = None
    edited_at: str | None = None
    edited_at_raw: str | None = None
    text: str | None = None
    language: str | None = None
    place: Place | None = None
    links: list[str] = field(default_factory=list)
    media: list[Media] = field(default_factory=list)
    counts: dict[str, int | None] = field(default_factory=dict)
    counts_raw: dict[str, str] = field(default_factory=dict)
    reply_to: Ref | None = None
    quote_of: Ref | None = None
    forwarded_from: Ref | None = None
    replies: list[PostRecord] = field(default_factory=list)
    messages: list[PostRecord] = field(default_factory=list)
    discovery: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def note(self, what: str, why: str) -> None:
        """Record that ``what`` could not be read (or was cut), and why."""
        line = clean_line(f"{what}: {why}", MAX_NOTE)
        if line and line not in self.notes and len(self.notes) < MAX_NOTES:
            self.notes.append(line)

    def source(self, name: str, where: str) -> None:
        if len(self.sources) < MAX_COUNTS * 3:
            self.sources[name] = clean_line(where, MAX_LINE) or "?"

    def add_source(self, name: str, where: str) -> None:
        """Say that ``name`` was also read from ``where``: "<before>; <where>". If ``where`` is already
        said, it replaces what was said before."""
        before = self.sources.get(name)
        self.source(name, f"{before}; {where}" if before and where not in before else where)

    def set_line(self, name: str, value: str | None, where: str, limit: int = MAX_LINE) -> bool:
        """Set a one-line field (post_id, title, language, canonical_url) if ``value`` has any text."""
        line = clean_line(value, limit)
        if line is None:
            return False
        setattr(self, name, line)
        self.source(name, where)
        return True

    def set_text(self, value: str | None, where: str) -> bool:
        if value is None:
            return False
        text = clean_text(value, len(value))[0].strip()  # control characters out first, then trim
        if not text:
            return False
        if len(text) > MAX_TEXT:
            self.note("text", f"cut at {MAX_TEXT:,} characters")
            text = text[:MAX_TEXT]
        self.text = text
        self.source("text", where)
        return True

    def set_time(self, name: str, declared: str | None, where: str) -> bool:
        """Set ``posted_at`` or ``edited_at`` (UTC) and its ``_raw`` twin (as declared) from ``declared``."""
        raw = clean_line(declared, MAX_LINE)
        if raw is None:
            return False
        utc, why = to_utc(raw)
        setattr(self, f"{name}_raw", raw)
        setattr(self, name, utc)
        self.source(name, where)
        if why:
            self.note(name, why)
        return True

    def set_count(self, name: str, shown: str | None, where: str) -> None:
        raw = clean_line(shown, MAX_LINE)
        if raw is None or len(self.counts) >= MAX_COUNTS:
            return
        self.counts_raw[name] = raw
        self.counts[name] = parse_count(raw)
        self.source(f"counts.{name}", where)
        if self.counts[name] is None:
            self.note(f"counts.{name}", f"not a number: {raw!r}")

    def add_link(self, url: str | None) -> None:
        line = clean_line(url, MAX_URL)
        if line and line not in self.links and len(self.links) < MAX_LINKS:
            self.links.append(line)

    def add_media(self, item: Media) -> None:
        if len(self.media) >= MAX_MEDIA:
            self.note("media", f"more than {MAX_MEDIA} items; the rest are not listed")
        elif all(item.url is None or item.url != m.url for m in self.media):
            self.media.append(item)

    def add_reply(self, reply: PostRecord) -> None:
        if len(self.replies) < MAX_REPLIES:
            self.replies.append(reply)
        else:
            self.note("replies", f"more than {MAX_REPLIES}; the rest are not listed")

    def set_messages(self, messages: list[PostRecord]) -> None:
        """A listing's messages, oldest first: the latest ``MAX_MESSAGES`` are kept."""
        if len(messages) > MAX_MESSAGES:
            self.note("messages", f"the page lists {len(messages)}; the latest {MAX_MESSAGES} are kept")
        self.messages = messages[-MAX_MESSAGES:]

    def build(self) -> PostRecord:
        return PostRecord(
            platform=self.platform,
            page_state=self.page_state,
            profile=self.profile,
            profile_version=self.profile_version,
            post_id=self.post_id,
            canonical_url=self.canonical_url,
            title=self.title,
            author=self.author,
            posted_at=self.posted_at,
            posted_at_raw=self.posted_at_raw,
            edited=self.edited,
            edited_at=self.edited_at,
            edited_at_raw=self.edited_at_raw,
            text=self.text,
            language=self.language,
            place=self.place,
            links=tuple(self.links),
            media=tuple(self.media),
            counts=dict(self.counts),
            counts_raw=dict(self.counts_raw),
            reply_to=self.reply_to,
            quote_of=self.quote_of,
            forwarded_from=self.forwarded_from,
            replies=tuple(self.replies),
            messages=tuple(self.messages),
            discovery=dict(self.discovery),
            sources=dict(self.sources),
            unreadable=tuple(self.notes),
        )


def with_notes(
    record: PostRecord, notes: Sequence[str], *, after: bool = False, **changes: Any
) -> PostRecord:
    """``record`` with ``notes`` before its own unreadable notes (``after``: after them), each once, at most
    ``MAX_NOTES``; and with ``changes`` to other fields."""
    both = (*record.unreadable, *notes) if after else (*notes, *record.unreadable)
    return dataclasses.replace(record, unreadable=tuple(dict.fromkeys(both))[:MAX_NOTES], **changes)


def make_author(
    display_name: str | None = None,
    handle: str | None = None,
    id: str | None = None,
    profile_url: str | None = None,
) -> Author | None:
    """An ``Author`` of cleaned, bounded values; None if nothing is known."""
    values = (
        clean_line(display_name, MAX_LINE),
        clean_line(handle, MAX_LINE),
        clean_line(id, MAX_LINE),
        clean_line(profile_url, MAX_URL),
    )
    return Author(*values) if any(values) else None


def make_ref(url: str | None = None, name: str | None = None, text: str | None = None) -> Ref | None:
    excerpt = clean_text(text.strip(), MAX_LINE)[0] if text and text.strip() else None
    values = (clean_line(url, MAX_URL), clean_line(name, MAX_LINE), excerpt)
    return Ref(*values) if any(values) else None


def make_place(
    name: str | None = None, id: str | None = None, url: str | None = None, country: str | None = None
) -> Place | None:
    """A ``Place`` of cleaned, bounded values; a country that is not two letters is left out. None if
    nothing is known."""
    code = (country or "").strip().upper()
    values = (
        clean_line(name, MAX_LINE),
        clean_line(id, MAX_LINE),
        clean_line(url, MAX_URL),
        code if COUNTRY_CODE.match(code) else None,
    )
    return Place(*values) if any(values) else None


def make_media(
    url: str | None,
    type: MediaType,
    *,
    width: int | None = None,
    height: int | None = None,
    duration_s: float | None = None,
    thumbnail_url: str | None = None,
) -> Media | None:
    """A ``Media`` item, or None if it has neither a URL nor a thumbnail."""
    url, thumb = clean_line(url, MAX_URL), clean_line(thumbnail_url, MAX_URL)
    if url is None and thumb is None:
        return None
    return Media(url, type, width, height, duration_s, thumb)
