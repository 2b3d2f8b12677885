"""Telegram public channels and posts, through Telegram's own web preview (no login).

Pages and what the record holds:

- ``t.me/s/<channel>``: the channel's listing. ``page_state`` "channel"; the channel is the ``author``,
  its title the ``title``, its description the ``text``, its counters (subscribers, photos...) the
  ``counts``, and the messages the page lists are ``messages`` (oldest first, the latest 100).
- ``t.me/s/<channel>/<id>``: the same listing around message ``id``. The record is that message
  (``page_state`` "post") with the listing in ``messages``; if the listing does not hold it, the record
  has only its id, URL and channel, ``page_state`` "not_found" and why in ``unreadable`` (a gap in the
  listing's ids, or an id outside it).
- ``t.me/<channel>/<id>``: the post page. The message itself is in an embed frame
  (``t.me/<channel>/<id>?embed=1``) the page's script inserts; ``extract`` reads it from ``frames``, or from
  the frame's own URL when that was captured. "Post not found" there gives ``page_state`` "deleted".
- ``t.me/<channel>``: the channel's card (title, subscribers, description): "channel"; a name no channel,
  group or user has gives "not_found". ``t.me/c/<id>/<msg>`` links open only in the app, for members:
  "login_wall".
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborNode

from .base import DEFAULT_REPLIES, Budget, Frame, Profile
from .draft import PostDraft, make_author, with_notes
from .html import Document, attr, node_text, parse_html
from .post import MAX_LINE, MAX_MESSAGES, MAX_TEXT, Author, PostRecord
from .telegram_message import MESSAGE, PLATFORM, PROFILE_VERSION, data_post, new_draft, read_message
from .values import is_digits

HOSTS = frozenset(("t.me", "www.t.me", "telegram.me", "www.telegram.me", "telegram.dog", "www.telegram.dog"))
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{2,63}$")
# First path segments that are Telegram's own pages, not channels.
# fmt: off
_NOT_CHANNELS = frozenset((
    "s", "c", "joinchat", "addstickers", "addemoji", "addlist", "addtheme", "share", "proxy", "socks", "iv",
    "login", "setlanguage", "bg", "invoice", "k", "a", "z", "dl", "apps", "blog", "faq", "contact", "privacy",
    "tos", "api",
))
# fmt: on
FRAME_WAIT_S = 15.0


@dataclass(frozen=True)
class Target:
    """What a t.me URL names: a channel (by username, or by internal id for t.me/c/), maybe a message."""

    channel: str
    message_id: str | None
    listing: bool  # t.me/s/...
    private: bool  # t.me/c/<internal id>/<message>


def telegram_target(url: str) -> Target | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or (parts.hostname or "") not in HOSTS:
        return None
    path = [p for p in parts.path.split("/") if p]
    if len(path) >= 3 and path[0] == "c" and is_digits(path[1]) and is_digits(path[2]):
        return Target(path[1], path[2], False, True)
    listing = bool(path) and path[0] == "s"
    rest = path[1:] if listing else path
    if not 1 <= len(rest) <= 2 or not _NAME.match(rest[0]) or rest[0].lower() in _NOT_CHANNELS:
        return None
    if len(rest) == 2 and not is_digits(rest[1]):
        return None
    return Target(rest[0], rest[1] if len(rest) == 2 else None, listing, False)


class TelegramProfile(Profile):
    name = "telegram"
    version = PROFILE_VERSION

    def matches(self, url: str) -> bool:
        return telegram_target(url) is not None

    async def prepare(self, page: Any, deadline_s: float, *, replies: int = DEFAULT_REPLIES) -> list[str]:
        """Wait (bounded) for a post page's embed frame to show the message; clicks nothing.

        The web preview shows every message in full (no "see more") and has no replies to load."""
        target = telegram_target(str(getattr(page, "url", "")))
        if target is None or target.listing or target.message_id is None:
            return []
        budget = Budget(deadline_s)
        waited = budget.left()
        frame_url = await budget.run(lambda: _message_frame_ready(page), FRAME_WAIT_S)
        waited -= budget.left()
        if frame_url is None:
            return [f"telegram: the message frame did not show the message within {waited:.1f} s"]
        return [f"telegram: waited {waited:.1f} s for the message frame {frame_url[:200]}"]

    def extract(self, url: str, html: str, *, frames: Sequence[Frame] = ()) -> PostRecord | None:
        target = telegram_target(url)
        doc = parse_html(html, url)
        draft = new_draft()
        draft.notes.extend(doc.notes)
        if target is not None and target.private:
            return _private(target, draft)
        if _rate_limited(doc):
            draft.page_state = "rate_limited"
            draft.note("page", "Telegram answered 'Too Many Requests'")
            return draft.build()
        if doc.first(".tgme_channel_info, .tgme_channel_history") is not None:
            return _listing(doc, target, draft)
        if doc.first(f"{MESSAGE}, .tgme_widget_message_error") is not None:
            return _embed(doc, target, draft)
        frame = _message_frame(frames, target)
        if frame is not None:
            frame_doc = parse_html(frame[1], frame[0])
            draft.notes.extend(frame_doc.notes)
            record = _embed(frame_doc, target, draft)
            return with_notes(record, [], after=True, sources={**record.sources, "frame": frame[0][:2000]})
        if doc.first(".tgme_page") is not None:
            return _card(doc, target, draft)
        return None


async def _message_frame_ready(page: Any) -> str:
    """The URL of the embed frame once it shows a message (or "Post not found"); polls until it does."""
    while True:
        for frame in page.frames:
            if "embed=1" in frame.url and await frame.query_selector(
                f"{MESSAGE}, .tgme_widget_message_error"
            ):
                return str(frame.url)
        await asyncio.sleep(0.1)


def _message_frame(frames: Sequence[Frame], target: Target | None) -> Frame | None:
    for frame_url, frame_html in frames:
        frame_target = telegram_target(frame_url)
        if frame_target is None or "embed=1" not in frame_url:
            continue
        if target is None or frame_target.channel.lower() == target.channel.lower():
            return frame_url, frame_html
    return None


def _private(target: Target, draft: PostDraft) -> PostRecord:
    draft.page_state = "login_wall"
    draft.set_line("post_id", target.message_id, "the URL")
    draft.note("page", "t.me/c/ links open only in the Telegram app, for members of the channel")
    return draft.build()


def _rate_limited(doc: Document) -> bool:
    body = doc.tree.body
    return (
        body is not None
        and "Too Many Requests" in node_text(body, 2000)[:2000]
        and doc.first(MESSAGE) is None
    )


def _channel_author(doc: Document, target: Target | None) -> Author | None:
    title = node_text(doc.first(".tgme_channel_info_header_title"), MAX_LINE)
    username = doc.first(".tgme_channel_info_header_username a")
    handle = node_text(username, MAX_LINE) or (f"@{target.channel}" if target else None)
    profile_url = doc.absolute(attr(username, "href")) or (
        f"https://t.me/{target.channel}" if target else None
    )
    return make_author(title or None, handle, None, profile_url)


def _listing(doc: Document, target: Target | None, draft: PostDraft) -> PostRecord:
    draft.page_state = "channel"
    draft.author = _channel_author(doc, target)
    draft.source("author", ".tgme_channel_info_header_title / _username")
    draft.set_line(
        "title", node_text(doc.first(".tgme_channel_info_header_title"), MAX_LINE), ".tgme_channel_info"
    )
    draft.set_text(
        node_text(doc.first(".tgme_channel_info_description"), MAX_TEXT), ".tgme_channel_info_description"
    )
    handle = draft.author.handle if draft.author and draft.author.handle else None
    channel = handle.lstrip("@") if handle else (target.channel if target else None)
    if channel:
        draft.set_line("canonical_url", f"https://t.me/s/{channel}", ".tgme_channel_info_header_username")
    for counter in doc.css(".tgme_channel_info_counter")[:20]:
        kind = node_text(counter.css_first(".counter_type"), 40).lower()
        kind = {"subscriber": "subscribers", "member": "members"}.get(kind, kind)
        if kind:
            draft.set_count(
                kind, node_text(counter.css_first(".counter_value"), 40), ".tgme_channel_info_counter"
            )
    nodes = doc.css(MESSAGE)
    draft.set_messages([read_message(n, doc) for n in nodes[-MAX_MESSAGES:]])
    if len(nodes) > MAX_MESSAGES:
        draft.note("messages", f"the page lists {len(nodes)}; the latest {MAX_MESSAGES} are kept")
    if target is None or target.message_id is None:
        return draft.build()
    wanted = _find_message(nodes, target.message_id)
    if wanted is not None:
        record = read_message(wanted, doc)
        return with_notes(record, draft.notes, after=True, messages=tuple(draft.messages))
    # The record is the message asked for, which is not there: the channel's own fields stay out of it.
    missing = new_draft()
    missing.page_state = "not_found"
    missing.notes = draft.notes
    missing.set_line("post_id", target.message_id, "the URL")
    missing.set_line(
        "canonical_url", f"https://t.me/{channel or target.channel}/{target.message_id}", "the URL"
    )
    missing.author, missing.messages = draft.author, draft.messages
    ids = [int(m.post_id) for m in draft.messages if m.post_id and is_digits(m.post_id)]
    wanted_id = int(target.message_id)
    if ids and min(ids) < wanted_id < max(ids):
        why = "the listing shows messages before and after it: deleted, or of a kind the web preview hides"
    else:
        why = "outside the messages the listing shows"
    missing.note("post", f"message {wanted_id} is not in the channel's listing; {why}")
    return missing.build()


def _find_message(nodes: list[LexborNode], message_id: str) -> LexborNode | None:
    for node in nodes:
        ids = data_post(node)
        if ids is not None and ids[1] == message_id:
            return node
    for node in nodes:  # an album is listed under its first message; each item links to its own id
        for a in node.css("a[href]"):
            if re.search(rf"/{message_id}\?single$", attr(a, "href") or ""):
                return node
    return None


def _embed(doc: Document, target: Target | None, draft: PostDraft) -> PostRecord:
    node = doc.first(MESSAGE)
    if node is not None:
        record = read_message(node, doc)
        return with_notes(record, draft.notes, after=True)
    shown = node_text(doc.first(".tgme_widget_message_error"), 200)
    if target is not None:
        draft.set_line("post_id", target.message_id, "the URL")
        if target.message_id:
            draft.set_line("canonical_url", f"https://t.me/{target.channel}/{target.message_id}", "the URL")
        draft.author = make_author(None, f"@{target.channel}", None, f"https://t.me/{target.channel}")
    why = ""
    if "channel" in shown.lower():
        draft.page_state = "not_found"
    elif "not found" in shown.lower():
        draft.page_state = "deleted"
        why = ", Telegram's words for a deleted message (or an id never used, or a channel turned private)"
    draft.note("post", f"Telegram shows {shown!r}{why}")
    return draft.build()


def _card(doc: Document, target: Target | None, draft: PostDraft) -> PostRecord:
    if target is not None and target.message_id is not None:
        return _post_page_alone(doc, target, draft)
    title = node_text(doc.first(".tgme_page_title"), MAX_LINE)
    extra = node_text(doc.first(".tgme_page_extra"), MAX_LINE)
    name = target.channel if target else None
    if not title:
        draft.page_state = "not_found"
        draft.author = make_author(None, f"@{name}" if name else None)
        draft.note("page", f"Telegram shows no channel, group or user named @{name}")
        return draft.build()
    draft.author = make_author(
        title, f"@{name}" if name else None, None, f"https://t.me/{name}" if name else None
    )
    draft.source("author", ".tgme_page_title")
    draft.set_line("title", title, ".tgme_page_title")
    draft.set_text(node_text(doc.first(".tgme_page_description"), MAX_TEXT), ".tgme_page_description")
    for count, kind in re.findall(r"([\d][\d\s\u00a0.,]*[KMB]?)\s+(subscribers?|members?|online)", extra):
        draft.set_count(kind if kind.endswith(("s", "online")) else f"{kind}s", count, ".tgme_page_extra")
    if draft.counts:
        draft.page_state = "channel"
        if name:
            draft.set_line("canonical_url", f"https://t.me/{name}", "the URL")
    else:
        draft.note("page", f"a user's or bot's page, not a channel ({extra!r})")
    return draft.build()


def _post_page_alone(doc: Document, target: Target, draft: PostDraft) -> PostRecord:
    """A post page without its embed frame: only what its Open Graph tags say, and that it is not enough."""
    draft.set_line("post_id", target.message_id, "the URL")
    draft.set_line("canonical_url", f"https://t.me/{target.channel}/{target.message_id}", "the URL")
    og_title = attr(doc.first('meta[property="og:title"]'), "content", MAX_LINE)
    draft.author = make_author(og_title, f"@{target.channel}", None, f"https://t.me/{target.channel}")
    draft.source("author", 'meta property="og:title"')
    og_text = attr(doc.first('meta[property="og:description"]'), "content", MAX_TEXT)
    draft.set_text(og_text, 'meta property="og:description" (Telegram may cut it short)')
    draft.note("post", "the message is in the page's embed frame (?embed=1), which was not given")
    return draft.build()


__all__ = ["PLATFORM", "Target", "TelegramProfile", "telegram_target"]
