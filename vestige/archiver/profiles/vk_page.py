"""A VK wall (a person's or community's page, as a listing of posts) and a VK video page.

The wall: ``h1.page_name``, the description (``.group_info_row.info``) or status (``#page_current_info``),
subscribers (``#public_followers .header_count``), ``a.page_counter`` counters, and its posts. The video
page: the player's own data (``var playerParams = {"params":[{"oid","vid","md_title","md_author",
"author_href","duration","date","jpg","url240".."url1080"}]}``, as yt-dlp's vk extractor reads it), then
``#mv_title``, ``.mv_author_name``, ``.mv_info_date``, ``.mv_views_count``, ``.mv_description`` and the
``<video src>`` the page plays.
"""

from __future__ import annotations

import json
import re
from typing import Any

from selectolax.lexbor import LexborNode

from .draft import PostDraft, make_author, make_media
from .embedded_json import as_text, obj
from .html import Document, attr, node_text
from .meta import read_meta
from .post import MAX_LINE, MAX_MESSAGES, MAX_TEXT, PostRecord
from .readings import set_shown_time, set_unix_time
from .values import is_digits, parse_count
from .vk_post import read_post, vk_handle

NUMBERED_PAGE = re.compile(r"^(id|club|public|event)(\d{1,12})$")


def page_name(doc: Document) -> str:
    return node_text(doc.first("h1.page_name, .page_name, .OwnerPageName"), MAX_LINE)


def page_handle(page: str | None) -> str | None:
    """ "@detsky_centr_example" for a page named in the URL by its short name; None for club123, id123."""
    return None if page is None or NUMBERED_PAGE.match(page) else f"@{page}"


def _page_id(page: str | None, posts: list[PostRecord]) -> str | None:
    if page and (m := NUMBERED_PAGE.match(page)):
        return m.group(2) if m.group(1) == "id" else f"-{m.group(2)}"
    owners = {p.post_id.split("_")[0] for p in posts if p.post_id}
    return owners.pop() if len(owners) == 1 else None


# In order of preference: the description, then the status line.
_DESCRIPTION = (".group_info_row.info .line_value", ".page_description", "#page_current_info .current_text")
_FOLLOWERS = (
    "#public_followers .header_count, #group_followers .header_count, #profile_followers .header_count"
)
_COUNTER_NAMES = {
    "subscribers": "subscribers",
    "followers": "subscribers",
    "members": "subscribers",
    "подписчики": "subscribers",
    "подписчиков": "subscribers",
    "участники": "subscribers",
    "участников": "subscribers",
    "posts": "posts",
    "записи": "posts",
    "записей": "posts",
    "photos": "photos",
    "фотографии": "photos",
    "фотографий": "photos",
    "videos": "videos",
    "видео": "videos",
    "видеозаписи": "videos",
}


def read_wall(doc: Document, page: str | None, draft: PostDraft, posts: list[LexborNode]) -> PostRecord:
    """The wall of the person or community named ``page`` in the URL, its ``posts`` as ``messages``."""
    draft.page_state = "channel"
    name = page_name(doc)
    messages = [read_post(p, doc) for p in posts[: MAX_MESSAGES * 2]]
    messages.sort(key=lambda m: int(m.post_id.split("_")[1]) if m.post_id else 0)  # VK numbers in order
    profile_url = f"https://vk.com/{page}" if page else None
    draft.author = make_author(name or None, page_handle(page), _page_id(page, messages), profile_url)
    draft.source("author", "h1.page_name, the URL, the posts' data-post-id")
    draft.set_line("title", name, "h1.page_name")
    draft.set_line("canonical_url", profile_url, "the URL")
    for query in _DESCRIPTION:
        if draft.set_text(node_text(doc.first(query), MAX_TEXT), query):
            break
    followers = doc.first(_FOLLOWERS)
    if followers is not None:
        draft.set_count("subscribers", node_text(followers, 40), "#public_followers .header_count")
    for counter in doc.css("a.page_counter")[:20]:
        label = node_text(counter.css_first(".label"), 40).lower()
        kind = _COUNTER_NAMES.get(label)
        if kind and kind not in draft.counts:
            draft.set_count(kind, node_text(counter.css_first(".count"), 40), "a.page_counter")
    draft.set_messages(messages)
    if len(posts) > MAX_MESSAGES * 2:
        draft.note("messages", f"the page shows {len(posts)} posts; the first {MAX_MESSAGES * 2} were read")
    if messages:
        draft.source("messages", "div.post blocks on the wall, ordered by their number (oldest first)")
    return draft.build()


# ---------------------------------------------------------------- a video page


def video_shown(doc: Document) -> bool:
    return doc.first("#mv_title, .mv_title, video, .VideoLayerInfo") is not None or bool(_player_params(doc))


def _player_params(doc: Document) -> dict[str, Any]:
    """The first ``params`` item of the page's ``var playerParams = {...}`` (the player's own data)."""
    for script in doc.css("script")[:200]:
        text = script.text(deep=True)[:2_000_000]
        m = re.search(r"\bplayerParams\s*=\s*", text)
        if m is None:
            continue
        try:
            data, _ = json.JSONDecoder().raw_decode(text, m.end())
        except (ValueError, RecursionError):
            return {}
        params = data.get("params") if isinstance(data, dict) else None
        first = params[0] if isinstance(params, list) and params else None
        return obj(first)
    return {}


def read_video(doc: Document, owner: str | None, item: str | None, draft: PostDraft) -> PostRecord:
    """The video page of video ``owner``_``item`` (as the URL names it; the page's own ids come first)."""
    draft.page_state = "post"
    params = _player_params(doc)
    meta = read_meta(doc)
    where = "var playerParams"
    owner = str(params["oid"]) if params.get("oid") is not None else owner
    item = str(params["vid"]) if params.get("vid") is not None else item
    if owner and item and re.fullmatch(r"-?[0-9]{1,12}", owner) and is_digits(item):
        draft.set_line("post_id", f"{owner}_{item}", f"{where} oid/vid" if params else "the URL")
        draft.set_line("canonical_url", f"https://vk.com/video{owner}_{item}", "the video's id")
    if not draft.set_line("title", as_text(params.get("md_title")), f"{where}.md_title"):
        shown = node_text(doc.first("#mv_title, .mv_title"), MAX_LINE)
        draft.set_line("title", shown or (meta.get("og:title") or ("", ""))[1], "#mv_title / og:title")
    description = node_text(doc.first(".mv_description, #mv_description"), MAX_TEXT)
    if not draft.set_text(description, ".mv_description"):
        draft.set_text((meta.get("og:description") or ("", ""))[1], 'meta "og:description"')
    author_link = doc.first(".mv_author_name a, a.mv_author_name")
    href = doc.absolute(as_text(params.get("author_href")) or attr(author_link, "href"))
    name = as_text(params.get("md_author")) or node_text(author_link, MAX_LINE)
    draft.author = make_author(name or None, vk_handle(href), owner, href)
    draft.source("author", f"{where}.md_author/author_href, .mv_author_name")
    shown_date = node_text(doc.first(".mv_info_date"), 100)
    if not set_unix_time(
        draft, "posted_at", params.get("date"), shown=shown_date, declared_as="date", where=f"{where}.date"
    ):
        set_shown_time(draft, "posted_at", shown_date, ".mv_info_date", "VK shows only the day")
    _video_file(doc, params, meta.values, draft)
    views = node_text(doc.first(".mv_views_count"), 60)
    if views and parse_count(views) is not None:
        draft.set_count("views", views, ".mv_views_count")
    return draft.build()


def _video_file(doc: Document, params: dict[str, Any], meta: dict[str, str], draft: PostDraft) -> None:
    played = next(
        (u for v in doc.css("video[src], video source[src]") if (u := doc.absolute(attr(v, "src")))), None
    )
    sizes = sorted(
        (int(k[3:]), v) for k, v in params.items() if re.fullmatch(r"url\d{3,4}", k) and isinstance(v, str)
    )
    url = played or (doc.absolute(sizes[-1][1]) if sizes else None)
    duration = params.get("duration")
    seconds = None
    if isinstance(duration, int | float) and not isinstance(duration, bool) and 0 <= duration < 1e8:
        seconds = float(duration)
    if seconds is None and is_digits(meta.get("video:duration") or ""):
        seconds = float(meta["video:duration"])
    thumb = doc.absolute(as_text(params.get("jpg")) or meta.get("og:image"))
    item = make_media(url, "video", duration_s=seconds, thumbnail_url=thumb)
    if item is not None:
        draft.add_media(item)
        draft.source("media", "<video src>" if played else _largest(sizes))
    if url is None:
        draft.note("media", "the page offers no video file (no <video src>, no playerParams url…)")


def _largest(sizes: list[tuple[int, str]]) -> str:
    return f"var playerParams url{sizes[-1][0]} (the largest of {len(sizes)})" if sizes else "none"
