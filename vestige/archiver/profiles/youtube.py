"""YouTube videos and channels, as youtube.com shows them to a visitor who is not signed in.

Pages and what the record holds:

- a video: ``www.youtube.com/watch?v=<id>``, ``m.youtube.com/watch?v=<id>``, ``youtu.be/<id>``,
  ``/shorts/<id>``, ``/live/<id>``, ``/embed/<id>`` (also on youtube-nocookie.com). The record is the video
  (``page_state`` "post"), read from the player response and page data the page carries and from the
  rendered page (``youtube_watch``), with the comments it shows as ``replies`` (``youtube_comments``).
- a channel: ``/@handle``, ``/channel/UC...``, ``/c/<name>``, ``/user/<name>`` and their tabs
  (``/videos``...): "channel", its videos in ``messages`` (``youtube_channel``).

Why a video is not there (removed, private, age-restricted, not in this country, a bot check...) is read
by ``youtube_states``, from the player response's ``playabilityStatus`` or, without one, the page's words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .base import DEFAULT_REPLIES, Budget, Frame, Profile
from .comment_steps import mark_reply_limit, scroll_for_more, shows
from .draft import PostDraft
from .embedded_json import as_str, assigned_json, dig, json_string_value, runs_text
from .html import Document, parse_html
from .page_steps import click_all
from .post import PageState, PostRecord
from .youtube_channel import is_channel_data, read_channel
from .youtube_comments import LIST_END, MORE_REPLIES, READ_MORE, THREAD, read_comments
from .youtube_states import blocked_page, error_screen, page_words, playability, status_words
from .youtube_watch import (
    DATA,
    PLATFORM,
    PLAYER,
    PROFILE_VERSION,
    WEB,
    new_draft,
    player_video_id,
    read_counts,
    read_discovery,
    read_player,
    read_rendered,
    watch_url,
)

HOSTS = frozenset(("www.youtube.com", "youtube.com", "m.youtube.com", "www.youtube-nocookie.com",
                   "youtube-nocookie.com"))  # fmt: skip
_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIDEO_PATHS = ("shorts", "live", "embed", "v", "e")
_CHANNEL_TABS = frozenset(("", "videos", "shorts", "streams", "featured", "about", "community", "posts",
                           "playlists", "podcasts", "releases", "courses", "store"))  # fmt: skip
_CHANNEL = re.compile(
    r"^/(?:(@[\w.\-·]{3,100})|channel/(UC[A-Za-z0-9_-]{22})|(?:c|user)/([\w.\-]{1,100}))(?:/([a-z]*))?/?$"
)
_DESCRIPTION_MORE = "ytd-watch-metadata tp-yt-paper-button#expand, ytd-watch-metadata #description #expand"


@dataclass(frozen=True)
class Target:
    kind: str  # "video" or "channel"
    video_id: str | None = None
    form: str = "watch"  # watch, shorts, live, embed, short_link
    channel: str | None = None  # "@handle", "UC...", or a /c/ or /user/ name


def youtube_target(url: str) -> Target | None:
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018  (an impossible port is a ValueError)
        path = unquote(parts.path)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    if host == "youtu.be":
        video_id = path.strip("/")
        return Target("video", video_id, "short_link") if _ID.match(video_id) else None
    if host not in HOSTS:
        return None
    if path.rstrip("/") == "/watch":
        ids = parse_qs(parts.query).get("v", [])
        return Target("video", ids[0], "watch") if ids and _ID.match(ids[0]) else None
    pieces = [p for p in path.split("/") if p]
    if len(pieces) == 2 and pieces[0] in _VIDEO_PATHS and _ID.match(pieces[1]):
        return Target("video", pieces[1], {"v": "embed", "e": "embed"}.get(pieces[0], pieces[0]))
    m = _CHANNEL.match(path)
    if m is not None and (m.group(4) or "") in _CHANNEL_TABS and "nocookie" not in host:
        return Target("channel", channel=m.group(1) or m.group(2) or m.group(3))
    return None


class YouTubeProfile(Profile):
    name = PLATFORM
    version = PROFILE_VERSION
    downloads_media = True  # a video platform: yt-dlp fetches the video at its best quality

    def matches(self, url: str) -> bool:
        return youtube_target(url) is not None

    async def prepare(self, page: Any, deadline_s: float, *, replies: int = DEFAULT_REPLIES) -> list[str]:
        """Open the description ("...more"), scroll the comments until ``replies`` threads show, open the
        replies of those threads ("N replies") and their long comments ("Read more")."""
        target = youtube_target(str(getattr(page, "url", "")))
        if target is None or target.kind != "video" or target.form == "embed":
            return []
        budget = Budget(deadline_s)
        notes: list[str] = []
        await mark_reply_limit(page, budget, replies)
        if await click_all(page, budget, _DESCRIPTION_MORE, limit=2):
            notes.append("youtube: opened the description ('...more')")
        if replies <= 0:
            return [*notes, "youtube: no comments loaded (--replies 0)"]
        panel = await shows(page, budget, "ytd-comments")
        if not panel:
            why = "has no comments section" if panel is False else "did not answer"
            return [*notes, f"youtube: no comments loaded: the page {why}"]
        shown, scrolls = await scroll_for_more(page, budget, items=THREAD, end=LIST_END, want=replies)
        notes.append(
            f"youtube: {shown} comment thread(s) shown after {scrolls} scroll(s) to the comments' end"
        )
        if opened := await click_all(page, budget, MORE_REPLIES.format(n=replies), limit=min(replies, 20)):
            notes.append(f"youtube: opened the replies of {opened} thread(s)")
        if longer := await click_all(page, budget, READ_MORE.format(n=replies), limit=replies):
            notes.append(f"youtube: opened {longer} long comment(s) ('Read more')")
        return notes

    def extract(self, url: str, html: str, *, frames: Sequence[Frame] = ()) -> PostRecord | None:
        target = youtube_target(url)
        doc = parse_html(html, url)
        draft = new_draft()
        draft.notes.extend(doc.notes)
        data, why = assigned_json(doc, DATA)
        if why:
            draft.note("page", f"YouTube's page data: {why}")
        if (target is not None and target.kind == "channel") or is_channel_data(data):
            return _channel(doc, target, data, draft)
        return _video(doc, target, data, draft)


def _video(doc: Document, target: Target | None, data: Any, draft: PostDraft) -> PostRecord | None:
    wanted = target.video_id if target is not None else None
    shorts = target is not None and target.form == "shorts"
    player, why = assigned_json(doc, PLAYER)
    if player is None and why is None:
        player, why = json_string_value(doc, "embedded_player_response")  # the embed page's form
    if why:
        draft.note("page", f"YouTube's player response: {why}")
    if isinstance(player, dict) and wanted and player_video_id(player) not in (None, wanted):
        draft.note(
            "page", f"the player response is for video {player_video_id(player)}, not {wanted}; not used"
        )
        player = None
    if not isinstance(player, dict):
        # Only a page without the video's own data can be a block page: a title cannot make it one.
        blocked = blocked_page(doc) or error_screen(doc)
        if blocked is not None:
            return _not_there(target, draft, *blocked)
    else:
        read_player(player, doc, draft, shorts)
    shown = read_rendered(doc, draft)
    if not isinstance(player, dict) and not shown:
        return (
            None
            if why is None and doc.first("ytd-app, ytm-app, #player") is None
            else _unknown(target, draft)
        )
    state = playability(player) if isinstance(player, dict) else None
    status = as_str(dig(player, "playabilityStatus", "status")) or ""
    unplayed = isinstance(player, dict) and status not in ("OK", "LIVE_STREAM_OFFLINE", "")
    if state is None and unplayed and draft.title is None:
        state = "not_found", f"YouTube: {status_words(player)} and no details of the video"
    if state is not None:
        return _not_there(target, draft, *state)
    if unplayed:
        draft.note("media", f"YouTube does not play the video ({status_words(player)})")
    draft.page_state = "post"
    read_counts(data, doc, draft)
    read_discovery(doc, draft)
    read_comments(doc, draft, draft.post_id or wanted)
    if wanted and draft.post_id is None:
        draft.set_line("post_id", wanted, "the URL")
        draft.set_line("canonical_url", watch_url(wanted, shorts), "the URL")
    if target is not None and target.form == "embed":
        draft.note("page", "an embedded player shows no likes, comments or description of its own")
    return draft.build()


def _channel(doc: Document, target: Target | None, data: Any, draft: PostDraft) -> PostRecord:
    if is_channel_data(data):
        read_channel(data, doc, draft)
        return draft.build()
    if (blocked := blocked_page(doc)) is not None:
        return _not_there(target, draft, *blocked)
    alert = " ".join(filter(None, (runs_text(dig(a, "alertRenderer", "text")) for a in _alerts(data))))
    words = f"{alert} {page_words(doc)}".lower()
    if any(w in words for w in ("terminated", "удален", "заблокирован")):
        return _not_there(
            target, draft, "deleted", f"YouTube shows {alert[:200] or 'the channel as removed'!r}"
        )
    return _not_there(target, draft, "not_found", "YouTube shows no channel at this address")


def _alerts(data: Any) -> list[Any]:
    alerts = dig(data, "alerts")
    return alerts[:10] if isinstance(alerts, list) else []


def _not_there(target: Target | None, draft: PostDraft, state: PageState, why: str) -> PostRecord:
    draft.page_state = state
    if target is not None and target.video_id and draft.post_id is None:
        draft.set_line("post_id", target.video_id, "the URL")
        draft.set_line("canonical_url", watch_url(target.video_id, target.form == "shorts"), "the URL")
    if target is not None and target.channel and draft.canonical_url is None:
        path = target.channel if target.channel.startswith("@") else f"channel/{target.channel}"
        if target.channel.startswith(("@", "UC")):
            draft.set_line("canonical_url", f"{WEB}/{path}", "the URL")
    draft.note("post", why)
    return draft.build()


def _unknown(target: Target | None, draft: PostDraft) -> PostRecord:
    draft.page_state = "unknown"
    if target is not None and target.video_id:
        draft.set_line("post_id", target.video_id, "the URL")
    draft.note("page", "neither YouTube's player response nor the rendered page shows a video or a reason")
    return draft.build()


__all__ = ["PLATFORM", "Target", "YouTubeProfile", "youtube_target"]
