"""A YouTube channel's page (``/@handle``, ``/channel/UC...``, ``/c/name``, ``/user/name`` and their tabs).

From ``ytInitialData`` (the ``browse`` endpoint's answer):

  metadata.channelMetadataRenderer {title, description, externalId, vanityChannelUrl, channelUrl}
  header: pageHeaderRenderer ... contentMetadataViewModel.metadataRows[].metadataParts[].text.content
          ("@handle", "10.5K subscribers", "48 videos"); before 2024 c4TabbedHeaderRenderer
          {subscriberCountText, videosCountText}
  the listed videos: videoRenderer / gridVideoRenderer {videoId, title, descriptionSnippet,
          publishedTimeText "2 days ago", viewCountText, lengthText, thumbnail}

and, where the data lists no videos, the rendered grid (``ytd-rich-item-renderer a#video-title-link``).
"""

from __future__ import annotations

import re
from typing import Any

from .draft import PostDraft, make_author, make_media
from .embedded_json import as_str, dig, obj, runs_text, walk
from .html import Document, attr, node_text
from .post import MAX_LINE, MAX_MESSAGES, MAX_TEXT, PostRecord
from .values import is_digits, parse_duration
from .youtube_watch import DATA, WEB, new_draft, watch_url

_META = f"{DATA}.metadata.channelMetadataRenderer"
_VIDEO_KEYS = ("videoRenderer", "gridVideoRenderer")
_SUBSCRIBERS = re.compile(r"subscriber|подписчик|підписник", re.IGNORECASE)
_VIDEOS = re.compile(r"\bvideos?\b|видео|відео", re.IGNORECASE)


def is_channel_data(data: Any) -> bool:
    return isinstance(dig(data, "metadata", "channelMetadataRenderer"), dict)


def read_channel(data: Any, doc: Document, draft: PostDraft) -> None:
    meta = obj(dig(data, "metadata", "channelMetadataRenderer"))
    draft.page_state = "channel"
    url = as_str(meta.get("vanityChannelUrl")) or as_str(meta.get("channelUrl"))
    url = re.sub(r"^http://", "https://", url) if url else None
    handle = url.rsplit("/", 1)[-1] if url and "/@" in url else None
    channel_id = as_str(meta.get("externalId"))
    title = as_str(meta.get("title"))
    draft.author = make_author(title, handle, channel_id, url)
    if draft.author is not None:
        draft.source("author", f"{_META} (title, vanityChannelUrl, externalId)")
    draft.set_line("title", title, f"{_META}.title")
    draft.set_text(as_str(meta.get("description")), f"{_META}.description")
    draft.set_line("canonical_url", url or (f"{WEB}/channel/{channel_id}" if channel_id else None), _META)
    _header_counts(data, draft)
    videos = [v for key in _VIDEO_KEYS for v in walk(data, key, MAX_MESSAGES * 2) if isinstance(v, dict)]
    messages = [m for m in (_listed(v, doc) for v in videos) if m is not None]
    where = f"{DATA} videoRenderer (the videos the page lists; oldest first here)"
    if not messages:
        messages = _rendered_grid(doc)
        where = "ytd-rich-item-renderer a#video-title-link (the rendered grid; oldest first here)"
    draft.set_messages(list(reversed(messages)))
    if messages:
        draft.source("messages", where)


def _header_counts(data: Any, draft: PostDraft) -> None:
    old = next(walk(data, "c4TabbedHeaderRenderer", 1), None)
    subscribers = runs_text(dig(old, "subscriberCountText"), 100)
    videos = runs_text(dig(old, "videosCountText"), 100)
    where = f"{DATA} c4TabbedHeaderRenderer"
    if subscribers is None and videos is None:
        where = f"{DATA} pageHeaderViewModel metadataParts"
        for part in walk(data, "metadataParts", 10):
            for piece in part[:10] if isinstance(part, list) else []:
                text = runs_text(dig(piece, "text"), 100) or ""
                if subscribers is None and _SUBSCRIBERS.search(text):
                    subscribers = text
                elif videos is None and _VIDEOS.search(text) and is_digits(text[:1]):
                    videos = text
    if subscribers:
        draft.set_count("subscribers", subscribers, where)
    if videos:
        draft.set_count("videos", videos, where)


def _listed(video: dict[str, Any], doc: Document) -> PostRecord | None:
    video_id = as_str(video.get("videoId"))
    if not video_id:
        return None
    item = new_draft()
    item.page_state = "post"
    where = f"{DATA} videoRenderer"
    item.set_line("post_id", video_id, f"{where}.videoId")
    item.set_line("canonical_url", watch_url(video_id), f"{where}.videoId")
    item.set_line("title", runs_text(video.get("title"), MAX_LINE), f"{where}.title")
    item.set_text(runs_text(video.get("descriptionSnippet"), MAX_TEXT), f"{where}.descriptionSnippet")
    if shown := runs_text(video.get("publishedTimeText"), 100):
        item.posted_at_raw = shown
        item.source("posted_at", f"{where}.publishedTimeText (as shown)")
        item.note("posted_at", f"the listing shows only {shown!r}")
    if views := runs_text(video.get("viewCountText"), 100):
        item.set_count("views", views, f"{where}.viewCountText")
    thumbs = dig(video, "thumbnail", "thumbnails")
    thumb = as_str(dig(thumbs, -1, "url")) if isinstance(thumbs, list) else None
    media = make_media(
        None,
        "video",
        duration_s=parse_duration(runs_text(video.get("lengthText"), 40)),
        thumbnail_url=doc.absolute(thumb),
    )
    if media is not None:
        item.add_media(media)
    return item.build()


def _rendered_grid(doc: Document) -> list[PostRecord]:
    out: list[PostRecord] = []
    for link in doc.css(
        "ytd-rich-item-renderer a#video-title-link[href], ytd-grid-video-renderer a#video-title[href]"
    )[: MAX_MESSAGES * 2]:
        url = doc.absolute(attr(link, "href")) or ""
        m = re.search(r"[?&]v=([A-Za-z0-9_-]{11})", url)
        if m is None:
            continue
        item = new_draft()
        item.page_state = "post"
        item.set_line("post_id", m.group(1), "a#video-title-link[href]")
        item.set_line("canonical_url", watch_url(m.group(1)), "a#video-title-link[href]")
        item.set_line(
            "title", attr(link, "title", MAX_LINE) or node_text(link, MAX_LINE), "a#video-title-link"
        )
        out.append(item.build())
    return out
