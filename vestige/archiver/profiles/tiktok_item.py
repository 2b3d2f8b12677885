"""A TikTok post (a video or a photo post) and its comments, as TikTok's web pages show them.

The post itself is read from the state the page carries, ``<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__"
type="application/json">``: ``__DEFAULT_SCOPE__["webapp.video-detail"].itemInfo.itemStruct``

  id, desc, createTime (Unix seconds), textLanguage, author {id, uniqueId, nickname, secUid},
  stats / statsV2 {playCount, diggCount, commentCount, shareCount, collectCount},
  video {duration, width, height, playAddr, downloadAddr, cover, originCover},
  imagePost {images [{imageURL {urlList}, imageWidth, imageHeight}]} (photo posts), music {playUrl, duration},
  textExtra [{hashtagName} | {userUniqueId}], duetInfo {duetFromId}

and from the rendered page where the state has nothing (``[data-e2e="browse-video-desc"]``,
``[data-e2e="like-count"]``, the ``<video>`` element). Comments exist only in the rendered page:

  [class*="DivCommentObjectWrapper"]                 one thread
    [class*="DivCommentItemWrapper"]                 the comment
      [data-e2e="comment-username-1"] a[href="/@x"]  its author
      [data-e2e="comment-level-1"]                   its text
      [data-e2e="comment-time-1"]                    "3d ago", "2024-3-15" (never an exact time)
      [data-e2e="comment-like-count"]                its likes
    [class*="DivReplyContainer"]                     replies shown: the same, with "-2" for "-1"
      [class*="DivViewRepliesContainer"]             "View 4 replies" (clicked by ``prepare``)

An account's page is read in ``tiktok_account``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborNode

from .draft import PostDraft, make_author, make_media, make_place, make_ref
from .embedded_json import as_int, as_seconds, as_str, dig, obj
from .html import Document, ancestor, attr, node_text
from .post import MAX_LINE, MAX_REPLIES, MAX_TEXT, MediaType, PostRecord
from .values import is_digits, parse_dimension, unix_to_utc

PLATFORM = "tiktok"
PROFILE_VERSION = 1
WEB = "https://www.tiktok.com"
ITEM = "webapp.video-detail itemInfo.itemStruct"
THREAD = '[class*="DivCommentObjectWrapper"]'
COMMENT = '[data-e2e="comment-level-1"]'
_ITEM_WRAPPER = '[class*="DivCommentItemWrapper"]'
_REPLIES = '[class*="DivReplyContainer"]'
_HANDLE = re.compile(r"^/@([A-Za-z0-9_.]{1,64})/?$")
# (count name, itemStruct.stats key, rendered element)
_COUNTS = (
    ("views", "playCount", '[data-e2e="video-views"], [data-e2e="browse-video-views"]'),
    ("likes", "diggCount", '[data-e2e="like-count"], [data-e2e="browse-like-count"]'),
    ("shares", "shareCount", '[data-e2e="share-count"]'),
    ("replies", "commentCount", '[data-e2e="comment-count"], [data-e2e="browse-comment-count"]'),
    ("bookmarks", "collectCount", '[data-e2e="undefined-count"], [data-e2e="collect-count"]'),
)
_DESC = '[data-e2e="browse-video-desc"], [data-e2e="video-desc"]'


def new_draft() -> PostDraft:
    return PostDraft(PLATFORM, PLATFORM, PROFILE_VERSION)


def post_url(handle: str | None, post_id: str, photo: bool = False) -> str | None:
    """The post's address on TikTok, or None without its account's name (TikTok's addresses need it)."""
    return f"{WEB}/@{handle}/{'photo' if photo else 'video'}/{post_id}" if handle else None


def read_item(item: dict[str, Any], doc: Document, draft: PostDraft) -> None:
    """Fill ``draft`` from an ``itemStruct``, then from the rendered page what the state lacks."""
    draft.page_state = "post"
    post_id = as_str(item.get("id"))
    author = obj(item.get("author"))
    handle = as_str(dig(author, "uniqueId"))
    photo = isinstance(item.get("imagePost"), dict)
    draft.set_line("post_id", post_id, f"{ITEM}.id")
    if post_id and is_digits(post_id):
        draft.set_line("canonical_url", post_url(handle, post_id, photo), f"{ITEM}.id + author.uniqueId")
    draft.author = make_author(
        as_str(author.get("nickname")),
        f"@{handle}" if handle else None,
        as_str(author.get("id")),
        f"{WEB}/@{handle}" if handle else None,
    )
    if draft.author is not None:
        draft.source("author", f"{ITEM}.author (nickname, uniqueId, id)")
    raw_time = as_str(item.get("createTime"))
    if (posted := unix_to_utc(as_int(raw_time))) is not None:
        draft.posted_at, draft.posted_at_raw = posted, f"createTime {raw_time}"
        draft.source("posted_at", f"{ITEM}.createTime (Unix seconds)")
    else:
        draft.note("posted_at", f"createTime is not a Unix time: {str(raw_time)[:40]!r}")
    if not draft.set_text(as_str(item.get("desc")), f"{ITEM}.desc"):
        draft.set_text(node_text(doc.first(_DESC), MAX_TEXT), _DESC)
    if photo:
        draft.set_line("title", as_str(dig(item, "imagePost", "title")), f"{ITEM}.imagePost.title")
    language = as_str(item.get("textLanguage"))
    if language and language != "un":  # "un": TikTok could not tell
        draft.set_line("language", language, f"{ITEM}.textLanguage")
    created_in = as_str(item.get("locationCreated"))
    if created_in:
        draft.place = make_place(country=created_in)
        if draft.place is not None:
            draft.source("place", f"{ITEM}.locationCreated (the country TikTok recorded it was posted from)")
        else:
            draft.note("place", f"locationCreated is not a country code: {created_in[:40]!r}")
    _links(item, draft)
    _counts(item, doc, draft)
    _media(item, doc, draft)
    duet = as_str(dig(item, "duetInfo", "duetFromId"))
    if duet and duet != "0":
        draft.quote_of = make_ref(None, None, f"a duet with TikTok video {duet}")
        draft.source("quote_of", f"{ITEM}.duetInfo.duetFromId")


def read_rendered(doc: Document, draft: PostDraft) -> bool:
    """Fill ``draft`` from the rendered page alone (no state to read); whether it showed a post."""
    desc = doc.first(_DESC)
    name = doc.first('[data-e2e="browse-username"], [data-e2e="video-author-uniqueid"]')
    video = _video_src(doc)
    if desc is None and video is None:
        return False
    draft.page_state = "post"
    draft.set_text(node_text(desc, MAX_TEXT), _DESC)
    handle = node_text(name, MAX_LINE).lstrip("@")
    spans = doc.css('[data-e2e="browser-nickname"] span')
    nickname = node_text(spans[0], MAX_LINE) if len(spans) > 1 else None
    if handle:
        draft.author = make_author(nickname, f"@{handle}", None, f"{WEB}/@{handle}")
        draft.source("author", '[data-e2e="browse-username"], [data-e2e="browser-nickname"]')
    for count_name, _key, query in _COUNTS:
        if (shown := doc.first(query)) is not None:
            draft.set_count(count_name, node_text(shown, 40), query)
    if video is not None and (item := make_media(video, "video")) is not None:
        draft.add_media(item)
        draft.source("media", "<video> / <source> src")
    draft.note(
        "page", "TikTok's page state (__UNIVERSAL_DATA_FOR_REHYDRATION__) has no post; read from the page"
    )
    when = node_text(spans[-1], 60) if len(spans) > 1 else ""
    if when:
        draft.posted_at_raw = when
        draft.source("posted_at", '[data-e2e="browser-nickname"] (the date shown after the name)')
    draft.note("posted_at", f"the rendered page shows only {when!r}, not the time" if when else "not shown")
    return True


def _links(item: dict[str, Any], draft: PostDraft) -> None:
    extra = item.get("textExtra")
    for tag in extra[:200] if isinstance(extra, list) else []:
        if not isinstance(tag, dict):
            continue
        if hashtag := as_str(tag.get("hashtagName")):
            draft.add_link(f"{WEB}/tag/{hashtag}")
        elif user := as_str(tag.get("userUniqueId")):
            draft.add_link(f"{WEB}/@{user}")


def _counts(item: dict[str, Any], doc: Document, draft: PostDraft) -> None:
    exact = obj(item.get("statsV2"))
    stats = obj(item.get("stats"))
    for name, key, query in _COUNTS:
        value = exact.get(key, stats.get(key))
        if as_int(value) is not None:
            draft.set_count(
                name, str(as_int(value)), f"{ITEM}.{'statsV2' if key in exact else 'stats'}.{key}"
            )
        elif (shown := doc.first(query)) is not None:
            draft.set_count(name, node_text(shown, 40), query)


def _video_src(doc: Document) -> str | None:
    for node in doc.css("video[src], video source[src]")[:10]:
        if url := doc.absolute(attr(node, "src")):
            return url
    return None


def _media(item: dict[str, Any], doc: Document, draft: PostDraft) -> None:
    video = obj(item.get("video"))
    images = dig(item, "imagePost", "images")
    where: list[str] = []
    if isinstance(images, list) and images:
        for image in images[:100]:
            url = as_str(dig(image, "imageURL", "urlList", 0))
            media = make_media(
                doc.absolute(url),
                "image",
                width=parse_dimension(dig(image, "imageWidth")),
                height=parse_dimension(dig(image, "imageHeight")),
            )
            if media is not None:
                draft.add_media(media)
        where.append(f"{ITEM}.imagePost.images")
    elif video:
        shown = _video_src(doc)
        url = shown or as_str(video.get("playAddr")) or as_str(video.get("downloadAddr"))
        media = make_media(
            doc.absolute(url),
            "video",
            width=parse_dimension(video.get("width")),
            height=parse_dimension(video.get("height")),
            duration_s=as_seconds(video.get("duration")),
            thumbnail_url=doc.absolute(as_str(video.get("originCover")) or as_str(video.get("cover"))),
        )
        if media is not None:
            draft.add_media(media)
            where.append(f"<video> src, {ITEM}.video" if shown else f"{ITEM}.video.playAddr")
        if media is None or media.url is None:
            draft.note("media", "the page offers no file for the video")
    music = obj(item.get("music"))
    kind: MediaType = "audio"
    sound = make_media(
        doc.absolute(as_str(music.get("playUrl"))), kind, duration_s=as_seconds(music.get("duration"))
    )
    if sound is not None and sound.url is not None:
        draft.add_media(sound)
        where.append(f"{ITEM}.music.playUrl (the post's sound)")
    if where:
        draft.source("media", "; ".join(where))


# ---------------------------------------------------------------- comments


def comment_threads(doc: Document) -> list[LexborNode]:
    """Each comment thread the page shows, in page order."""
    threads = doc.css(THREAD)
    if threads:
        return threads
    # Markup without the thread wrappers: each first-level comment text stands for its thread.
    return [n.parent or n for n in doc.css(COMMENT)]


def read_comment_thread(thread: LexborNode, doc: Document) -> PostRecord:
    items = [n for n in thread.css(_ITEM_WRAPPER) if not _in_replies(n, thread)] or [thread]
    draft = _comment(items[0], 1, doc)
    for reply_node in thread.css(f"{_REPLIES} {_ITEM_WRAPPER}")[: MAX_REPLIES + 1]:
        draft.add_reply(_comment(reply_node, 2, doc).build())
    return draft.build()


def _in_replies(node: LexborNode, stop: LexborNode) -> bool:
    """Whether ``node`` sits in a thread's replies (an ancestor below ``stop`` is a DivReplyContainer)."""
    return (
        ancestor(node, lambda a: "DivReplyContainer" in (a.attributes.get("class") or ""), stop, 600)
        is not None
    )


def _comment(node: LexborNode, level: int, doc: Document) -> PostDraft:
    draft = new_draft()
    draft.page_state = "post"
    user = node.css_first(f'[data-e2e="comment-username-{level}"] a[href]') or node.css_first('a[href^="/@"]')
    href = attr(user, "href") or ""
    m = _HANDLE.match(urlsplit(href).path if href.startswith(("/", "http")) else "")
    name = node_text(user, MAX_LINE) or None
    draft.author = make_author(name, f"@{m.group(1)}" if m else None, None, doc.absolute(href) if m else None)
    if draft.author is not None:
        draft.source("author", f'[data-e2e="comment-username-{level}"]')
    draft.set_text(
        node_text(node.css_first(f'[data-e2e="comment-level-{level}"]'), MAX_TEXT), f"comment-level-{level}"
    )
    shown = node.css_first(f'[data-e2e="comment-time-{level}"]') or node.css_first(
        '[class*="DivCommentSubContentWrapper"] span'
    )
    when = node_text(shown, 60)
    if when:
        draft.posted_at_raw = when
        draft.source("posted_at", f'[data-e2e="comment-time-{level}"] (as shown)')
        draft.note("posted_at", f"TikTok shows only {when!r} for a comment")
    likes = node.css_first('[data-e2e="comment-like-count"]') or node.css_first(
        '[class*="DivLikeContainer"] span'
    )
    if likes is not None:
        draft.set_count("likes", node_text(likes, 40), '[data-e2e="comment-like-count"]')
    return draft
