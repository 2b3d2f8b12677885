"""A TikTok account's page (``www.tiktok.com/@name``), as TikTok's web page shows it.

The page carries ``__DEFAULT_SCOPE__["webapp.user-detail"].userInfo`` {user {id, uniqueId, nickname,
signature, privateAccount}, stats {followerCount, followingCount, heartCount, videoCount}} in its state
script, and a grid of ``[data-e2e="user-post-item"]`` links to its posts (``a[href*="/video/"]``, the cover
``img[alt]`` with the start of the post's text, ``[data-e2e="video-views"]``).
"""

from __future__ import annotations

import re
from typing import Any

from .draft import PostDraft, make_author, make_media
from .embedded_json import as_int, as_str, obj
from .html import Document, attr, node_text
from .post import MAX_MESSAGES, MAX_TEXT, PostRecord
from .tiktok_item import WEB, new_draft, post_url

USER = "webapp.user-detail userInfo"
_USER_COUNTS = (
    ("followers", "followerCount"),
    ("following", "followingCount"),
    ("likes", "heartCount"),
    ("videos", "videoCount"),
)


def read_account(info: dict[str, Any], doc: Document, draft: PostDraft, name: str | None) -> None:
    user = obj(info.get("user"))
    stats = obj(info.get("stats"))
    handle = as_str(user.get("uniqueId")) or name
    draft.page_state = "channel"
    draft.author = make_author(
        as_str(user.get("nickname")), f"@{handle}" if handle else None, as_str(user.get("id")),
        f"{WEB}/@{handle}" if handle else None,
    )  # fmt: skip
    draft.source("author", f"{USER}.user (nickname, uniqueId, id)")
    draft.set_line("title", as_str(user.get("nickname")), f"{USER}.user.nickname")
    draft.set_text(as_str(user.get("signature")), f"{USER}.user.signature")
    if handle:
        draft.set_line("canonical_url", f"{WEB}/@{handle}", f"{USER}.user.uniqueId")
    for count_name, key in _USER_COUNTS:
        value = as_int(stats.get(key))
        if value is None and key == "heartCount":
            value = as_int(stats.get("heart"))
        if value is not None:
            draft.set_count(count_name, str(value), f"{USER}.stats.{key}")
    read_grid(doc, draft)


def read_grid(doc: Document, draft: PostDraft) -> None:
    """The account's posts the page lists (newest first on TikTok; kept oldest first)."""
    cells = doc.css('[data-e2e="user-post-item"]')
    messages: list[PostRecord] = []
    for cell in cells[: MAX_MESSAGES * 2]:
        link = cell.css_first('a[href*="/video/"], a[href*="/photo/"]')
        url = doc.absolute(attr(link, "href"))
        m = re.search(r"/@([A-Za-z0-9_.]{1,64})/(video|photo)/(\d{1,25})", url or "")
        if m is None:
            continue
        item = new_draft()
        item.page_state = "post"
        item.set_line("post_id", m.group(3), '[data-e2e="user-post-item"] a[href]')
        item.set_line("canonical_url", post_url(m.group(1), m.group(3), m.group(2) == "photo"), "a[href]")
        image = cell.css_first("img")
        item.set_text(attr(image, "alt", MAX_TEXT), '[data-e2e="user-post-item"] img[alt]')
        views = cell.css_first('[data-e2e="video-views"]')
        if views is not None:
            item.set_count("views", node_text(views, 40), '[data-e2e="video-views"]')
        thumb = make_media(None, "video", thumbnail_url=doc.absolute(attr(image, "src")))
        if thumb is not None:
            item.add_media(thumb)
        messages.append(item.build())
    draft.set_messages(list(reversed(messages)))
    if messages:
        draft.source("messages", '[data-e2e="user-post-item"] (the grid of posts; oldest first here)')
