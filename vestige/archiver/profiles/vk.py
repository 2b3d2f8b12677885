"""VK (VKontakte) walls, posts and videos, as the desktop site shows them to a visitor, and posts as the
mobile site (``m.vk.com``) shows them.

Pages and what the record holds:

- ``vk.com/wall-<owner>_<id>`` (also ``vk.ru``), ``vk.com/<page>?w=wall-<owner>_<id>`` (the post opened over
  a community page): the post (``page_state`` "post"), its comments as loaded on the page in ``replies``,
  replies to a comment nested in theirs (threads opened within ``--replies``). ``post_id`` is VK's
  "<owner>_<id>".
- ``m.vk.com/wall-<owner>_<id>`` (``m.vk.ru``), when the page has the mobile markup and not the desktop one
  (``vk_mobile.py``): the same fields, with the time only as the words the page shows (m.vk.com gives no
  machine-readable time), photos in the largest size the page names, and the comments the page shows with
  the answers under them; VK's links to more comments open other pages and are not followed. Walls and video
  pages on m.vk.com are not read (the record says so): capture them on vk.com.
- ``vk.com/<short name>``, ``vk.com/club<id>``, ``public<id>``, ``event<id>``, ``id<id>``: the wall
  (``page_state`` "channel"): the community or person as ``author``, their description, subscribers, and
  the posts shown in ``messages`` (oldest first).
- ``vk.com/video-<owner>_<id>``, ``clip-<owner>_<id>``, ``?z=video...``, ``vkvideo.ru/video...``: the video
  page, read from its player's ``playerParams`` and the page around it.

When the post is not there, VK's own words say why: "Запись удалена" / "Post deleted" (deleted), "not
found" / "удалена либо ещё не создана" (not_found), blocked "in your country" / "на территории" (geo_blocked),
a community or page blocked by VK (deleted: taken down), a private profile or community and "Войдите,
чтобы..." / "Sign in to VK" login pages (login_wall), adult-content warnings (age_gate), "Слишком много
запросов" / "Too many requests" and captcha pages (rate_limited).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from selectolax.lexbor import LexborNode

from . import page_steps
from .base import DEFAULT_REPLIES, Budget, Frame, Profile
from .draft import PostDraft, make_author, with_notes
from .html import Document, parse_html
from .meta import read_meta
from .post import PostRecord
from .vk_mobile import (
    MORE_TEXT_MOBILE,
    mobile_ids,
    mobile_photo_files,
    mobile_posts,
    on_mobile_site,
    read_mobile_post,
)
from .vk_page import NUMBERED_PAGE, page_handle, page_name, read_video, read_wall, video_shown
from .vk_post import MORE_TEXT, POST, PROFILE_VERSION, REPLY, block_ids, new_draft, photo_files, read_post
from .vk_states import vk_state

HOSTS = frozenset(("vk.com", "www.vk.com", "m.vk.com", "vk.ru", "www.vk.ru", "m.vk.ru"))
VIDEO_HOSTS = frozenset(("vkvideo.ru", "www.vkvideo.ru", "m.vkvideo.ru"))
_WALL = re.compile(r"^wall(-?\d{1,12})_(\d{1,12})$")
_VIDEO = re.compile(r"^(?:video|clip)(-?\d{1,12})_(\d{1,12})(?:/.*)?$")
_SHORT_NAME = re.compile(r"^(?=[A-Za-z0-9_.]*[A-Za-z])[A-Za-z0-9_.]{2,64}$")
# First path segments that are VK's own sections, not a person's or community's page.
# fmt: off
_NOT_PAGES = frozenset((
    "feed", "im", "friends", "groups", "search", "settings", "login", "join", "about", "support", "help",
    "terms", "privacy", "apps", "games", "music", "audio", "audios", "video", "videos", "photos", "albums",
    "docs", "market", "services", "dev", "blog", "press", "jobs", "restore", "ads", "bugs", "stickers",
    "gifts", "notifications", "bookmarks", "fave", "edit", "mail", "messages", "calls", "vkpay", "legal",
    "security", "data_protection", "mobile", "verify", "pages", "page", "topic", "board", "note", "notes",
    "app", "story", "stories", "podcasts", "clips", "narratives", "wall", "photo", "discover",
    "communities", "memories", "away.php", "login.php", "blank.php", "badbrowser.php", "widget_comments.php",
    "video_ext.php", "share.php", "dev.php", "challenge.html", "429.html", "id", "club", "public", "event",
))
# fmt: on
REPLIES_MORE = ".replies_next_main"
# A comment's thread: "Показать ещё 2 ответа" under the answers shown, or the count of a collapsed thread.
THREAD_MORE = ".replies_next_deep, .replies_short_deep"
FULL_PHOTOS_WAIT_S = 15.0
_LOAD_IMAGES = """(urls) => Promise.all(urls.map((u) => new Promise((done) => {
  const img = new Image(); img.onload = () => done(1); img.onerror = () => done(0); img.src = u;
}))).then((all) => all.reduce((a, b) => a + b, 0))"""


@dataclass(frozen=True)
class VkTarget:
    """What a VK URL names: a wall post, a video, or a person's or community's page (its wall)."""

    kind: Literal["post", "video", "page"]
    owner: str | None = None  # "-221155555" (a community) or "555001" (a person)
    item: str | None = None  # the post's or video's number on that wall
    page: str | None = None  # the page's name in the URL: "detsky_centr_example", "club221155555"

    @property
    def full_id(self) -> str | None:
        return f"{self.owner}_{self.item}" if self.owner and self.item else None


def vk_target(url: str) -> VkTarget | None:
    """What ``url`` names on VK, or None when it is not a VK post, video or wall."""
    try:
        parts = urlsplit(url.strip()[:8000])
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or host not in HOSTS | VIDEO_HOSTS:
        return None
    path = [p for p in parts.path.split("/") if p]
    first = path[0] if path else ""
    query = dict(reversed(parse_qsl(parts.query)[:50]))  # the first value of each
    if host in VIDEO_HOSTS:
        m = _VIDEO.match(first) or _VIDEO.match(query.get("z", ""))
        return VkTarget("video", m.group(1), m.group(2)) if m else None
    if m := _WALL.match(query.get("w", "")):
        return VkTarget("post", m.group(1), m.group(2), first or None)
    if m := _VIDEO.match(query.get("z", "")):
        return VkTarget("video", m.group(1), m.group(2), first or None)
    if m := _WALL.match(first):
        return VkTarget("post", m.group(1), m.group(2)) if len(path) == 1 else None
    if m := _VIDEO.match("/".join(path)):
        return VkTarget("video", m.group(1), m.group(2))
    if len(path) != 1:
        return None
    if m := NUMBERED_PAGE.match(first):
        return VkTarget("page", page=first)
    if _SHORT_NAME.match(first) and first.lower() not in _NOT_PAGES and not first.endswith(".php"):
        return VkTarget("page", page=first)
    return None


class VkProfile(Profile):
    name = "vk"
    version = PROFILE_VERSION
    downloads_media = True  # a video platform: yt-dlp fetches a streamed video at its best quality

    def matches(self, url: str) -> bool:
        return vk_target(url) is not None

    async def prepare(self, page: Any, deadline_s: float, *, replies: int = DEFAULT_REPLIES) -> list[str]:
        """Open truncated texts ("Показать полностью…", in place: a "Show more" that links to another page is
        never clicked), load a post's comments up to ``replies`` with "Показать следующие комментарии",
        then, while fewer than ``replies`` comments and answers show, open comments' threads ("Показать ещё
        2 ответа"), and load each photo in the largest size the post offers. On m.vk.com more comments are
        on other pages (links to ``?offset=``): the comments are those the page shows."""
        url = str(getattr(page, "url", ""))
        target = vk_target(url)
        if target is None:
            return []
        budget = Budget(deadline_s)
        notes: list[str] = []
        opened = await page_steps.click_all(page, budget, f"{MORE_TEXT}, {MORE_TEXT_MOBILE}")
        if opened:
            notes.append(f"vk: opened {opened} truncated text(s) ('Show more')")
        mobile = on_mobile_site(url)
        if target.kind == "post" and target.full_id and replies > 0 and mobile:
            notes.append(
                "vk: m.vk.com: the comments are those the page shows; VK's links to more of them open other"
                " pages and are not followed"
            )
        elif target.kind == "post" and target.full_id and replies > 0:
            scope = f'[data-post-id="{target.full_id}"]'
            shown, clicks = await page_steps.load_replies(
                page, budget, items=f"{scope} {REPLY}", more=f"{scope} {REPLIES_MORE}", want=replies
            )
            notes.append(
                f"vk: {shown} comment(s) shown after {clicks} click(s) on 'Show next comments'"
                f" (up to {replies} asked for)"
            )
            opened, shown = await page_steps.open_threads(
                page, budget, items=f"{scope} {REPLY}", controls=f"{scope} :is({THREAD_MORE})", want=replies
            )
            if opened:
                notes.append(
                    f"vk: opened {opened} comment thread(s) ('Show more replies');"
                    f" {shown} comment(s) and answers shown"
                )
        notes.extend(await _load_full_photos(page, budget, mobile))
        return notes

    def extract(self, url: str, html: str, *, frames: Sequence[Frame] = ()) -> PostRecord | None:
        target = vk_target(url)
        doc = parse_html(html, url)
        draft = new_draft()
        draft.notes.extend(doc.notes)
        posts = doc.css(POST)
        # The mobile site's markup is read only where the desktop site's is absent.
        mobile = mobile_posts(doc) if not posts else []
        kind = target.kind if target else ("post" if posts or mobile else "page")
        if kind == "post":
            node = _find_post(posts, target, block_ids)
            if node is not None:
                return with_notes(read_post(node, doc), draft.notes)
            node = _find_post(mobile, target, mobile_ids)
            if node is not None:
                return with_notes(read_mobile_post(node, doc), draft.notes)
        elif kind == "video" and video_shown(doc):
            return read_video(doc, target.owner if target else None, target.item if target else None, draft)
        elif kind == "page" and (posts or page_name(doc)) and (posts or vk_state(doc) is None):
            return read_wall(doc, target.page if target else None, draft, posts)
        return _not_shown(doc, target, draft, kind, posts or mobile)


async def _load_full_photos(page: Any, budget: Budget, mobile: bool) -> list[str]:
    html = await budget.run(page.content, 5.0)
    if not isinstance(html, str):
        return []
    url = str(page.url)
    files = mobile_photo_files if mobile else photo_files
    urls = await budget.run(lambda: asyncio.to_thread(files, html, url), 5.0)
    if not urls:
        return []
    loaded = await budget.run(lambda: page.evaluate(_LOAD_IMAGES, urls), FULL_PHOTOS_WAIT_S)
    count = loaded if isinstance(loaded, int) and not isinstance(loaded, bool) else 0
    return [f"vk: loaded {count} of {len(urls)} photo(s) in the largest size the page offers"]


def _find_post(
    posts: list[LexborNode], target: VkTarget | None, ids: Callable[[LexborNode], tuple[str, str] | None]
) -> LexborNode | None:
    if target is None or target.full_id is None:
        return posts[0] if posts else None
    return next((p for p in posts if ids(p) == (target.owner, target.item)), None)


def _not_shown(
    doc: Document, target: VkTarget | None, draft: PostDraft, kind: str, posts: list[LexborNode]
) -> PostRecord:
    if target is not None and target.full_id:
        draft.set_line("post_id", target.full_id, "the URL")
        prefix = "wall" if kind == "post" else "video"
        draft.set_line("canonical_url", f"https://vk.com/{prefix}{target.full_id}", "the URL")
    elif target is not None and target.page:
        draft.set_line("canonical_url", f"https://vk.com/{target.page}", "the URL")
        name = page_name(doc)
        draft.author = make_author(
            name or None, page_handle(target.page), None, f"https://vk.com/{target.page}"
        )
    state = vk_state(doc)
    if state is not None:
        draft.page_state, said = state
        draft.note("page", f"VK shows {said!r}")
        if state[0] == "deleted":
            draft.note("page", "VK says this for a post its author deleted and for one VK took down")
    elif posts and kind == "post":
        draft.page_state = "not_found"
        draft.note("post", f"the page shows {len(posts)} other post(s), not {draft.post_id}")
    elif posts and kind == "page":
        draft.page_state = "unknown"
        draft.note("page", f"an m.vk.com wall ({len(posts)} post(s)): only m.vk.com post pages are read")
        if target is not None and target.page:
            draft.note("page", f"capture https://vk.com/{target.page} for the wall")
    else:
        draft.page_state = "unknown"
        draft.note("page", "no VK post, wall or video markup found, and no message saying why")
        meta = read_meta(doc)
        if found := meta.get("og:title"):
            draft.set_line("title", found[1], 'meta "og:title"')
    return draft.build()
