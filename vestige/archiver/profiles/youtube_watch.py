"""A YouTube video as its watch page shows it: the player response, the page data and the rendered page.

``var ytInitialPlayerResponse = {...}`` (the same object the InnerTube ``player`` endpoint returns):

  videoDetails {videoId, title, lengthSeconds, channelId, shortDescription, viewCount, author,
                isLiveContent, thumbnail {thumbnails [{url, width, height}]}}
  microformat.playerMicroformatRenderer {publishDate, uploadDate, ownerProfileUrl, ownerChannelName,
                externalChannelId, liveBroadcastDetails {startTimestamp}}
  playabilityStatus {status, reason, errorScreen.playerErrorMessageRenderer {reason, subreason}}
  streamingData {formats [{itag, url | signatureCipher, mimeType, width, height}], adaptiveFormats}

``var ytInitialData = {...}`` (the ``next`` endpoint's answer): the like button (``likeButtonViewModel``
and its ``accessibilityText``, "like this video along with 1,234 other people"; before 2023
``segmentedLikeDislikeButtonRenderer``) and the comment count (``commentsEntryPointHeaderRenderer``).

YouTube's mobile site (``m.youtube.com``) writes both as the JSON's text in a JavaScript string that its
scripts parse (``var ytInitialData = '\\x7b\\x22...'``); ``assigned_json`` reads either form.

The rendered page: ``ytd-watch-metadata`` (``#title h1``, ``ytd-channel-name a``, the description's
``ytd-text-inline-expander``, ``like-button-view-model button[aria-label]``), the player's ``<video>``,
``ytd-comments-header-renderer #count``, and the error screen (``yt-playability-error-supported-renderers
#reason``, ``#subreason``) when there is no player response to read.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from .draft import PostDraft, make_author, make_media
from .embedded_json import as_int, as_seconds, as_str, dig, obj, runs_text, walk
from .html import Document, attr, node_text
from .meta import DISCOVERY_TYPES
from .post import MAX_LINE, MAX_LINKS, MAX_TEXT
from .values import parse_count, parse_dimension

PLATFORM = "youtube"
PROFILE_VERSION = 1
WEB = "https://www.youtube.com"
PLAYER = "ytInitialPlayerResponse"
DATA = "ytInitialData"
_MICRO = ("microformat", "playerMicroformatRenderer")
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'()\[\]]{1,2000}")
_NUMBER = re.compile(r"\d[\d.,\u00a0\u202f ]*\d|\d")
_TITLE = "ytd-watch-metadata #title h1"
_OWNER = "ytd-watch-metadata ytd-channel-name a[href]"
_LIKE = "ytd-watch-metadata like-button-view-model button[aria-label]"
_COMMENT_COUNT = "ytd-comments-header-renderer #count"


def new_draft() -> PostDraft:
    return PostDraft(PLATFORM, PLATFORM, PROFILE_VERSION)


def watch_url(video_id: str, shorts: bool = False) -> str:
    return f"{WEB}/shorts/{video_id}" if shorts else f"{WEB}/watch?v={video_id}"


def player_video_id(player: Any) -> str | None:
    return as_str(dig(player, "videoDetails", "videoId"))


def read_player(player: dict[str, Any], doc: Document, draft: PostDraft, shorts: bool) -> None:
    """Fill ``draft`` from the player response (whatever its playability: a blocked video may still
    carry its title and channel)."""
    details = obj(player.get("videoDetails"))
    micro = obj(dig(player, *_MICRO))
    where, mwhere = f"{PLAYER}.videoDetails", f"{PLAYER}.microformat"
    video_id = as_str(details.get("videoId"))
    draft.set_line("post_id", video_id, f"{where}.videoId")
    if video_id:
        draft.set_line("canonical_url", watch_url(video_id, shorts), f"{where}.videoId")
    draft.set_line("title", as_str(details.get("title")) or runs_text(micro.get("title")), f"{where}.title")
    profile_url = as_str(micro.get("ownerProfileUrl"))
    if profile_url:
        profile_url = re.sub(r"^http://", "https://", profile_url)
    handle = _handle_of(profile_url)
    channel_id = as_str(details.get("channelId")) or as_str(micro.get("externalChannelId"))
    draft.author = make_author(
        as_str(details.get("author")) or as_str(micro.get("ownerChannelName")),
        handle,
        channel_id,
        profile_url or (f"{WEB}/channel/{channel_id}" if channel_id else None),
    )
    if draft.author is not None:
        draft.source("author", f"{where}.author/channelId, {mwhere}.ownerProfileUrl")
    times = (
        ("publishDate", as_str(micro.get("publishDate"))),
        ("uploadDate", as_str(micro.get("uploadDate"))),
        ("liveBroadcastDetails.startTimestamp", as_str(dig(micro, "liveBroadcastDetails", "startTimestamp"))),
    )
    for key, value in times:
        if draft.set_time("posted_at", value, f"{mwhere}.{key}"):
            break
    text = as_str(details.get("shortDescription")) or runs_text(micro.get("description"))
    draft.set_text(text, f"{where}.shortDescription")
    for url in _URL_IN_TEXT.findall((text or "")[:MAX_TEXT])[:MAX_LINKS]:
        draft.add_link(url.rstrip(".,;:!?"))
    if (views := as_int(details.get("viewCount"))) is not None:
        draft.set_count("views", str(views), f"{where}.viewCount")
    _media(player, details, doc, draft)


def read_rendered(doc: Document, draft: PostDraft) -> bool:
    """Fill what the player response did not give from the rendered watch page; whether it shows a video."""
    title = node_text(doc.first(_TITLE), MAX_LINE)
    if draft.title is None:
        draft.set_line("title", title, _TITLE)
    owner = doc.first(_OWNER)
    if draft.author is None and owner is not None:
        href = doc.absolute(attr(owner, "href"))
        draft.author = make_author(node_text(owner, MAX_LINE), _handle_of(href), None, href)
        draft.source("author", _OWNER)
    if draft.text is None:
        expander = doc.first("ytd-watch-metadata #description-inline-expander")
        full = expander.css_first("#expanded") if expander is not None else None
        if not draft.set_text(node_text(full, MAX_TEXT), "ytd-text-inline-expander #expanded"):
            snippet = expander.css_first("#attributed-snippet-text") if expander is not None else None
            if draft.set_text(node_text(snippet, MAX_TEXT), "ytd-text-inline-expander (collapsed)"):
                draft.note("text", "the description was shown collapsed: only its start was read")
    if not draft.media and (item := make_media(video_src(doc), "video")) is not None:
        draft.add_media(item)
        draft.source("media", "<video> src")
    return bool(title) or owner is not None


def read_discovery(doc: Document, draft: PostDraft) -> None:
    """The oEmbed version the page links to (recorded, never fetched)."""
    for link in doc.css('link[rel="alternate"][href][type]')[:20]:
        kind = DISCOVERY_TYPES.get(" ".join((attr(link, "type", 200) or "").lower().split()))
        if kind and (url := doc.absolute(attr(link, "href"))):
            draft.discovery.setdefault(kind, url)


def read_counts(data: Any, doc: Document, draft: PostDraft) -> None:
    """Likes and the comment count: the rendered page first, then the page data."""
    label = attr(doc.first(_LIKE), "aria-label", MAX_LINE)
    where = f"{_LIKE} (aria-label)"
    if not _set_number(draft, "likes", label, where):
        for model in walk(data, "likeButtonViewModel", 5):
            button = dig(model, "toggleButtonViewModel", "toggleButtonViewModel", "defaultButtonViewModel",
                         "buttonViewModel")  # fmt: skip
            label = as_str(dig(button, "accessibilityText")) or as_str(dig(button, "title"))
            if _set_number(draft, "likes", label, f"{DATA} likeButtonViewModel accessibilityText"):
                break
        else:
            for old in walk(data, "segmentedLikeDislikeButtonRenderer", 5):
                label = as_str(dig(old, "likeButton", "toggleButtonRenderer", "defaultText", "accessibility",
                                   "accessibilityData", "label"))  # fmt: skip
                if _set_number(draft, "likes", label, f"{DATA} segmentedLikeDislikeButtonRenderer"):
                    break
    shown = node_text(doc.first(_COMMENT_COUNT), 80)
    if shown:
        draft.set_count("replies", shown, _COMMENT_COUNT)
        return
    for header in walk(data, "commentsEntryPointHeaderRenderer", 3):
        if (count := runs_text(dig(header, "commentCount"), 80)) is not None:
            draft.set_count("replies", count, f"{DATA} commentsEntryPointHeaderRenderer.commentCount")
            return


def _set_number(draft: PostDraft, name: str, label: str | None, where: str) -> bool:
    """A count from a label that names it in words ("like this video along with 1,234 other people")."""
    if not label:
        return False
    if parse_count(label) is not None:  # "1.2K", "1,234 likes"
        draft.set_count(name, label, where)
        return True
    m = _NUMBER.search(label)
    if m is None:
        return False
    draft.set_count(name, m.group(0).strip(), where)
    return True


def _handle_of(url: str | None) -> str | None:
    try:
        path = urlsplit(url or "").path
    except ValueError:
        return None
    m = re.match(r"^/(@[^/]{1,100})/?$", path)
    return m.group(1) if m else None


def video_src(doc: Document) -> str | None:
    for node in doc.css("video.html5-main-video[src], video[src], video source[src]")[:10]:
        if url := doc.absolute(attr(node, "src")):  # blob: sources (MSE playback) are no file to save
            return url
    return None


def _media(player: dict[str, Any], details: dict[str, Any], doc: Document, draft: PostDraft) -> None:
    thumbs = dig(details, "thumbnail", "thumbnails")
    thumb = as_str(dig(thumbs, -1, "url")) if isinstance(thumbs, list) else None
    duration = as_seconds(details.get("lengthSeconds"))
    listed = dig(player, "streamingData", "formats")
    formats = [f for f in listed[:50] if isinstance(f, dict)] if isinstance(listed, list) else []
    shown = video_src(doc)
    chosen = next((f for f in formats if as_str(f.get("url")) == shown), None) if shown else None
    if shown is None:
        playable = [f for f in formats if as_str(f.get("url"))]
        chosen = max(playable, key=lambda f: as_int(f.get("height")) or 0, default=None)
    url = shown or as_str(dig(chosen, "url"))
    item = make_media(
        doc.absolute(url),
        "video",
        width=parse_dimension(dig(chosen, "width")),
        height=parse_dimension(dig(chosen, "height")),
        duration_s=duration if duration else None,
        thumbnail_url=doc.absolute(thumb),
    )
    if item is None:
        return
    draft.add_media(item)
    where = "<video> src" if shown else f"{PLAYER}.streamingData.formats[].url"
    draft.source("media", f"{where}; {PLAYER}.videoDetails (lengthSeconds, thumbnail)")
    if item.url is None:
        ciphered = any(f.get("signatureCipher") or f.get("cipher") for f in formats)
        why = "enciphered (signatureCipher)" if ciphered else "only as adaptive parts, or not at all"
        draft.note("media", f"the page gives the video's file {why}; only its thumbnail is listed")
