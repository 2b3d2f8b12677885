"""The media item Instagram embeds in a post's page, as post record fields.

Instagram's post pages carry the post's data in ``<script type="application/json" data-sjs>`` blobs
(``{"require":[["ScheduledServerJS","handle",null,[{"__bbox":{"require":[["RelayPrefetchedStreamCache",
...{"__bbox":{"result":{"data":{"xdt_api__v1__media__shortcode__web_info":{"items":[ITEM]}}}}}``): the same
item its ``/graphql/query`` and ``/api/v1/media/<id>/info/`` answers hold. The fields read from ITEM:

  code, pk                           the shortcode (the post's id in its URL) and the numeric media id
  taken_at                           Unix time of posting
  user {pk, username, full_name}     the author
  caption {text}, caption_is_edited  the caption and whether it was edited (no edit time is given)
  like_count, comment_count, play_count / ig_play_count / view_count   (like_and_view_counts_disabled)
  media_type 1 | 2 | 8               photo, video, carousel (carousel_media: one such item per slide)
  image_versions2.candidates[{url, width, height}], video_versions[{url, width, height}], video_duration

Every value is checked for its type before it is used; sizes and nesting are bounded.
"""

from __future__ import annotations

import json
from typing import Any

from .draft import PostDraft, make_author, make_media, make_place
from .embedded_json import dig
from .html import Document
from .post import MAX_MEDIA, Media
from .values import is_digits, unix_to_utc

WEB_INFO = "xdt_api__v1__media__shortcode__web_info"
MAX_SCRIPTS = 200
MAX_SCRIPT_CHARS = 5_000_000
MAX_VALUES = 200_000  # values visited looking for the item
MAX_NESTING = 60
POST_TIMES = range(1_262_304_000, 4_102_444_801)  # 2010-01-01 to 2100-01-01, both included


def find_media_item(doc: Document, shortcode: str | None, notes: list[str]) -> dict[str, Any] | None:
    """The page's embedded item for ``shortcode`` (any item when None); what could not be read goes to
    ``notes``."""
    for script in doc.css('script[type="application/json"]')[:MAX_SCRIPTS]:
        text = script.text(deep=True)
        if WEB_INFO not in text:
            continue
        if len(text) > MAX_SCRIPT_CHARS:
            notes.append(f"page data: a script larger than {MAX_SCRIPT_CHARS:,} characters was not read")
            continue
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:120]
            notes.append(f"page data: a {WEB_INFO} script is not valid JSON ({why})")
            continue
        for info in _values_of(data, WEB_INFO):
            items = info.get("items") if isinstance(info, dict) else None
            for item in items[:20] if isinstance(items, list) else []:
                if isinstance(item, dict) and (shortcode is None or item.get("code") == shortcode):
                    return item
    return None


def _values_of(data: Any, key: str) -> list[Any]:
    """Every value stored under ``key`` anywhere in ``data`` (bounded, iterative)."""
    found: list[Any] = []
    stack: list[tuple[Any, int]] = [(data, 0)]
    visited = 0
    while stack and visited < MAX_VALUES and len(found) < 10:
        value, depth = stack.pop()
        visited += 1
        if depth > MAX_NESTING:
            continue
        if isinstance(value, dict):
            if key in value:
                found.append(value[key])
            stack.extend((v, depth + 1) for v in list(value.values())[:500])
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value[:2000])
    return found


def text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def number(value: Any) -> int | None:
    """A whole number from an int or a string of digits (Instagram writes ids both ways)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and is_digits(value) and len(value) <= 30:
        return int(value)
    return None


def unix_time(value: Any) -> str | None:
    """UTC ISO 8601 of a Unix time in seconds, if it is one a post can have (2010 to 2100)."""
    return unix_to_utc(number(value), POST_TIMES)


def fill_from_item(draft: PostDraft, item: dict[str, Any], shown_urls: set[str]) -> None:
    """Set the draft's still-empty fields from the embedded item. ``shown_urls`` are the image and video
    addresses the page's DOM uses: of an item's sizes, the one the page showed is recorded (its bytes
    are then in the WARC)."""
    where = f"page data {WEB_INFO}.items[0]"
    code = text(item.get("code"))
    pk = number(item.get("pk"))
    if code and draft.post_id is None:
        draft.set_line("post_id", code, f"{where}.code" + (f" (media pk {pk})" if pk else ""))
    user = item.get("user") if isinstance(item.get("user"), dict) else item.get("owner")
    username = text(dig(user, "username"))
    if draft.author is None and user is not None:
        user_id = number(dig(user, "pk")) or number(dig(user, "id"))
        draft.author = make_author(
            text(dig(user, "full_name")),
            f"@{username}" if username else None,
            str(user_id) if user_id is not None else None,
            f"https://www.instagram.com/{username}/" if username else None,
        )
        draft.source("author", f"{where}.user (pk, username, full_name)")
    posted = unix_time(item.get("taken_at"))
    if posted and draft.posted_at is None:
        draft.posted_at, draft.posted_at_raw = posted, str(number(item.get("taken_at")))
        draft.source("posted_at", f"{where}.taken_at (Unix time)")
    caption = item.get("caption")
    if draft.text is None:
        draft.set_text(text(dig(caption, "text")), f"{where}.caption.text")
    if isinstance(item.get("caption_is_edited"), bool) and draft.edited is None:
        draft.edited = item["caption_is_edited"]
        draft.source("edited", f"{where}.caption_is_edited")
        if draft.edited:
            draft.note("edited_at", "Instagram marks the caption as edited but does not say when")
    location = item.get("location")
    if draft.place is None and isinstance(location, dict):
        pk = number(location.get("pk")) or number(location.get("id"))
        draft.place = make_place(
            text(location.get("name")),
            str(pk) if pk is not None else None,
            f"https://www.instagram.com/explore/locations/{pk}/" if pk is not None else None,
        )
        if draft.place is not None:
            draft.source("place", f"{where}.location (the location tag: pk, name)")
    _counts(draft, item, where)
    _media(draft, item, shown_urls, where)


def _counts(draft: PostDraft, item: dict[str, Any], where: str) -> None:
    hidden = item.get("like_and_view_counts_disabled") is True
    counted = (
        ("likes", ("like_count",)),
        ("replies", ("comment_count",)),
        ("views", ("play_count", "ig_play_count", "view_count", "video_view_count")),
    )
    for name, keys in counted:
        key = next((k for k in keys if _count(item.get(k)) is not None), None)
        if key is None or name in draft.counts:
            continue
        if hidden and name in ("likes", "views"):
            draft.note(f"counts.{name}", "the author hides like and view counts")
            continue
        draft.set_count(name, str(_count(item[key])), f"{where}.{key}")


def _count(value: Any) -> int | None:
    n = number(value)
    return n if n is not None and n >= 0 else None


def _media(draft: PostDraft, item: dict[str, Any], shown_urls: set[str], where: str) -> None:
    slides = item.get("carousel_media") if number(item.get("media_type")) == 8 else [item]
    added = 0
    for slide in (slides if isinstance(slides, list) else [])[:MAX_MEDIA]:
        media = _slide(slide, shown_urls) if isinstance(slide, dict) else None
        if media is not None:
            draft.add_media(media)
            added += 1
    if added:
        draft.source("media", f"{where} (image_versions2, video_versions, carousel_media)")


def _slide(slide: dict[str, Any], shown_urls: set[str]) -> Media | None:
    images = _versions(dig(slide, "image_versions2", "candidates"))
    videos = _versions(slide.get("video_versions"))
    if videos:
        url, width, height = _shown(videos, shown_urls)
        seconds = slide.get("video_duration")
        duration = (
            float(seconds) if isinstance(seconds, int | float) and not isinstance(seconds, bool) else None
        )
        thumb = _shown(images, shown_urls)[0] if images else None
        seconds = duration if duration and duration >= 0 else None
        return make_media(url, "video", width=width, height=height, duration_s=seconds, thumbnail_url=thumb)
    if images:
        url, width, height = _shown(images, shown_urls)
        return make_media(url, "image", width=width, height=height)
    return None


def _versions(value: Any) -> list[tuple[str, int | None, int | None]]:
    out = []
    for v in value[:30] if isinstance(value, list) else []:
        url = text(dig(v, "url"))
        if url and url.startswith("https://"):
            width, height = number(dig(v, "width")), number(dig(v, "height"))
            out.append(
                (
                    url,
                    width if width and 0 < width < 100_000 else None,
                    height if height and 0 < height < 100_000 else None,
                )
            )
    return out


def _shown(
    versions: list[tuple[str, int | None, int | None]], shown_urls: set[str]
) -> tuple[str, int | None, int | None]:
    """The size the page showed, else the first (Instagram lists the largest first)."""
    return next((v for v in versions if v[0] in shown_urls), versions[0])
