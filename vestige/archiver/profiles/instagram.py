"""Instagram posts, reels and profiles, as www.instagram.com shows them to a visitor who is not logged in.

Pages and what the record holds:

- ``instagram.com/p/<code>/`` (also ``/reel/``, ``/reels/``, ``/tv/``, ``/<user>/p/<code>/``, the
  ``embed/``, ``c/<comment>/`` and ``liked_by/`` sub-pages, and instagr.am): the post. Its fields come from
  the media item the page embeds (instagram_data.py), then the ``<article>`` markup, then the Open Graph
  tags (instagram_post.py); ``sources`` says which. The comments the page shows are ``replies``, each with
  the replies shown under it.
- ``instagram.com/<user>/``: the profile. ``page_state`` "channel": the account is the ``author``, its
  bio the ``text``, posts, followers and following the ``counts``, and the grid's posts ``messages`` (each
  its shortcode, URL and thumbnail: the grid shows nothing more).

What Instagram shows instead, in its words (English and Russian): "Sorry, this page isn't available."
(deleted for a post, not_found for a profile), "Please wait a few minutes before you try again."
(rate_limited), "...isn't available in your country" (geo_blocked), "Restricted profile" / "You must be
18..." (age_gate), and its log-in page or form ("Log in to Instagram", ``input[name=username]``) with no
post (login_wall); a private account ("This account is private") is a login wall too. A log-in prompt laid
over a post that is shown is only noted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborNode

from .base import DEFAULT_REPLIES, Budget, Frame, Profile
from .draft import PostDraft, make_media
from .html import Document, attr, node_text, parse_html
from .instagram_data import fill_from_item, find_media_item
from .instagram_post import (
    MORE_WORDS,
    PLATFORM,
    PROFILE_VERSION,
    fill_from_dom,
    fill_from_meta,
    new_draft,
    on_cdn,
    post_node,
    read_comments,
    shown_media,
    user_author,
)
from .meta import read_meta
from .page_steps import click_all, count, load_more, mark_controls, mark_labels, marked, wait_for_more
from .post import MAX_LINE, MAX_MESSAGES, MAX_REPLIES, MAX_TEXT, PageState, PostRecord
from .values import is_digits
from .wording import line_with, page_text, state_with

HOSTS = frozenset(("instagram.com", "www.instagram.com", "m.instagram.com", "instagr.am", "www.instagr.am"))
_KINDS = frozenset(("p", "reel", "reels", "tv"))
_CODE = re.compile(r"^[A-Za-z0-9_-]{5,64}$")
_USER = re.compile(r"^[A-Za-z0-9._]{1,30}$")
# First path segments that are Instagram's own pages, not accounts.
# fmt: off
_NOT_USERS = frozenset((
    "accounts", "explore", "direct", "stories", "about", "developer", "legal", "privacy", "terms", "web",
    "emails", "challenge", "graphql", "api", "static", "reels", "p", "reel", "tv", "s", "ar", "oauth",
    "session", "nametag", "directory", "press", "topics", "popular", "locations", "lite", "download",
    "your_activity", "qr", "meta-verified", "threads", "blog", "help", "data", "create", "igtv",
))
# fmt: on
# Comments on the page (not replies to them), and the control that loads more of them.
COMMENTS = 'a[href*="/c/"]:not([href*="/r/"]) > time'
_LOAD_MORE_LABELS = ("Load more comments", "Загрузить другие комментарии", "Завантажити інші коментарі")
# Replies to comments, and the control that shows a comment's replies (its label, case aside).
REPLIES = 'a[href*="/c/"][href*="/r/"] > time'
VIEW_REPLIES = r"^(?:view replies|view all \d+ replies|посмотреть ответы|переглянути відповіді)(?:\s|\(|$)"
LOAD_MORE = ", ".join(
    f'{tag}:has(svg[aria-label="{label}"])'
    for label in _LOAD_MORE_LABELS
    for tag in ("button", '[role="button"]')
)


@dataclass(frozen=True)
class InstagramTarget:
    username: str | None  # a profile's, or the one a /<user>/p/<code>/ URL names
    kind: str | None  # "p", "reel", "tv"
    shortcode: str | None


def instagram_target(url: str) -> InstagramTarget | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() not in HOSTS:
        return None
    path = [p for p in parts.path.split("/") if p]
    user = None
    if (
        len(path) >= 3
        and path[1] in ("p", "reel")
        and _USER.match(path[0])
        and path[0].lower() not in _NOT_USERS
    ):
        user, path = path[0], path[1:]
    if len(path) >= 2 and path[0] in _KINDS and _CODE.match(path[1]):
        if _sub_page(path[2:]):
            kind = "reel" if path[0] == "reels" else path[0]
            return InstagramTarget(user, kind, path[1])
        return None
    if user is None and len(path) == 1 and _USER.match(path[0]) and path[0].lower() not in _NOT_USERS:
        return InstagramTarget(path[0], None, None)
    return None


def _sub_page(rest: list[str]) -> bool:
    """Whether ``rest`` (after /p/<code>/) is a page of the post itself."""
    if rest in ([], ["embed"], ["embed", "captioned"], ["comments"], ["liked_by"]):
        return True
    return (len(rest) == 2 and rest[0] == "c" and is_digits(rest[1])) or (
        len(rest) == 4 and rest[0] == "c" and rest[2] == "r" and is_digits(rest[1]) and is_digits(rest[3])
    )


class InstagramProfile(Profile):
    name = "instagram"
    version = PROFILE_VERSION
    downloads_media = True  # a video platform: yt-dlp fetches a streamed video at its best quality

    def matches(self, url: str) -> bool:
        return instagram_target(url) is not None

    async def prepare(self, page: Any, deadline_s: float, *, replies: int = DEFAULT_REPLIES) -> list[str]:
        """Open the caption ("more"), then click "Load more comments" until ``replies`` comments show."""
        target = instagram_target(str(getattr(page, "url", "")))
        if target is None or target.shortcode is None:
            return []
        budget = Budget(deadline_s)
        notes: list[str] = []
        scope = 'article [role="button"], main [role="button"]'
        if await mark_labels(page, budget, scope, MORE_WORDS, "instagram-more", limit=5):
            opened = await click_all(page, budget, marked("instagram-more"), limit=5)
            notes.append(f"instagram: opened {opened} text(s) cut short ('more')")
        if replies <= 0:
            return [*notes, "instagram: --replies 0: no more comments loaded"]
        shown, clicks = await _load_comments(page, budget, min(replies, MAX_REPLIES))
        notes.append(f"instagram: {shown} comments show after {clicks} 'Load more comments' click(s)")
        opened, answers = await _open_replies(page, budget, min(replies, MAX_REPLIES))
        if opened:
            notes.append(f"instagram: opened {opened} comment(s)' replies ('View replies'); {answers} show")
        return notes

    def extract(self, url: str, html: str, *, frames: Sequence[Frame] = ()) -> PostRecord | None:
        target = instagram_target(url)
        doc = parse_html(html, url)
        draft = new_draft()
        draft.notes.extend(doc.notes)
        if target is not None and target.shortcode is None:
            return _profile_page(doc, target, draft)
        return _post_page(doc, target, draft)


async def _open_replies(page: Any, budget: Budget, comments: int) -> tuple[int, int]:
    """Click each comment's "View replies (N)" once (of at most ``comments`` comments: its label then
    reads "Hide replies" and is left alone), and wait for the first replies to show; the capture's wait
    for late traffic covers the rest. Returns (controls clicked, replies shown)."""
    before = await count(page, budget, REPLIES)
    if not await mark_controls(page, budget, "article button", VIEW_REPLIES, "replies", limit=comments):
        return 0, before
    opened = await click_all(page, budget, marked("replies"), limit=comments)
    return opened, await wait_for_more(page, budget, REPLIES, before, 3.0) if opened else before


async def _load_comments(page: Any, budget: Budget, want: int) -> tuple[int, int]:
    """Click "Load more comments" (one button Instagram keeps in place) until ``want`` comments show, it is
    gone, or a click brings none."""
    return await load_more(page, budget, items=COMMENTS, more=LOAD_MORE, want=want, rounds=20)


_UNAVAILABLE = (
    "sorry, this page isn't available",
    "к сожалению, эта страница недоступна",
    "на жаль, ця сторінка недоступна",
)
_RATE_LIMITED = (
    "please wait a few minutes before you try again",
    "подождите несколько минут, прежде чем пытаться снова",
)
_GEO = ("isn't available in your country", "isn't available in your region", "недоступна в вашей стране")
_AGE = ("restricted profile", "you must be 18", "age-restricted", "вам должно быть 18")
_LOGIN = (
    "log in to instagram",
    "log into instagram",
    "sign up to see photos and videos",
    "войдите в instagram",
    "вход в instagram",
)
_PRIVATE = ("this account is private", "это закрытый аккаунт", "це закритий акаунт")


def _state_shown(doc: Document, text: str, *, post: bool) -> tuple[PageState, str | None]:
    checks: tuple[tuple[PageState, tuple[str, ...]], ...] = (
        ("deleted" if post else "not_found", _UNAVAILABLE),
        ("rate_limited", _RATE_LIMITED),
        ("geo_blocked", _GEO),
        ("age_gate", _AGE),
        ("login_wall", _PRIVATE),
    )
    if found := state_with(text, checks):
        return found
    if said := line_with(text, _LOGIN):
        return "login_wall", said
    if doc.first('input[name="username"], form#loginForm') is not None:
        return "login_wall", "its log-in form (input[name=username])"
    return "unknown", None


def _post_page(doc: Document, target: InstagramTarget | None, draft: PostDraft) -> PostRecord:
    code = target.shortcode if target else None
    if target is not None and code is not None:
        draft.set_line("canonical_url", f"https://www.instagram.com/{target.kind or 'p'}/{code}/", "the URL")
    post = post_node(doc)
    item = find_media_item(doc, code, draft.notes)
    shown = {url for url, _ in shown_media(post, doc)}
    content = item is not None or (
        post is not None and (bool(shown) or post.css_first('a[href*="/p/"] time[datetime]') is not None)
    )
    text = page_text(doc.tree.body)
    if not content:
        draft.set_line("post_id", code, "the URL")
        if target and target.username:
            draft.author = user_author(target.username)
            draft.source("author", "the URL")
        draft.page_state, said = _state_shown(doc, text, post=True)
        draft.note("page", f"Instagram shows {said!r}" if said else "the page shows no post")
        return draft.build()
    draft.page_state = "post"
    if item is not None:
        fill_from_item(draft, item, shown)
    elif code is not None:
        draft.set_line("post_id", code, "the URL")
        draft.note("page data", "the page embeds no media item for this post; read from its markup")
    if post is not None:
        fill_from_dom(draft, post, doc, code)
        for comment in read_comments(post, doc):
            draft.add_reply(comment)
        if draft.replies:
            draft.source("replies", 'the comments shown (a[href*="/c/"] permalinks)')
    fill_from_meta(draft, read_meta(doc), doc)
    shown_instead: tuple[tuple[PageState, tuple[str, ...]], ...] = (("geo_blocked", _GEO), ("age_gate", _AGE))
    if found := state_with(page_text(post), shown_instead):
        draft.page_state = found[0]
        draft.note("page", f"Instagram shows {found[1]!r}")
    if doc.first('div[role="dialog"] input[name="username"]') is not None or line_with(text, _LOGIN[:2]):
        draft.source("login_prompt", "Instagram lays a log-in prompt over the post")
    return draft.build()


_COUNTS = re.compile(
    r"^\s*(\d[\d.,\s\u00a0]*[KMBkм]?)\s+(posts?|followers?|following|публикац\w*|подписчик\w*|подписок)",
    re.IGNORECASE,
)
_COUNT_WORDS = (
    ("post", "posts"),
    ("follower", "followers"),
    ("following", "following"),
    ("публикац", "posts"),
    ("подписчик", "followers"),
    ("подписок", "following"),
)


def _profile_page(doc: Document, target: InstagramTarget, draft: PostDraft) -> PostRecord:
    meta = read_meta(doc)
    header = doc.first("header")
    username = target.username or ""
    title = meta.values.get("og:title") or ""
    name = m.group(1).strip() if (m := re.match(r"^(.{1,200}?) \(@[A-Za-z0-9._]{1,30}\)", title)) else None
    owner = attr(doc.first('meta[property="instapp:owner_user_id"]'), "content", 40)
    draft.author = user_author(username, name, owner if owner and is_digits(owner) else None)
    draft.source("author", "the URL; og:title")
    if header is None:
        draft.page_state, said = _state_shown(doc, page_text(doc.tree.body), post=False)
        draft.note("page", f"Instagram shows {said!r}" if said else "the page shows no profile")
        return draft.build()
    draft.page_state = "channel"
    draft.set_line("title", name or username, "og:title")
    draft.set_line("canonical_url", f"https://www.instagram.com/{username}/", "the URL")
    draft.set_text(node_text(header.css_first("h1"), MAX_TEXT), "header h1 (the bio)")
    for link in header.css("a[href]")[:20]:
        href = doc.absolute(attr(link, "href"))
        if href and urlsplit(href).hostname not in HOSTS:
            draft.add_link(href)
    for item in header.css("li")[:10]:
        shown = node_text(item, MAX_LINE)
        if m := _COUNTS.match(shown):
            exact = attr(item.css_first("span[title]"), "title", 40)
            word = m.group(2).lower()
            kind = next((k for prefix, k in _COUNT_WORDS if word.startswith(prefix)), word)
            draft.set_count(kind, exact or m.group(1), "header li" + (" span[title]" if exact else ""))
    if said := line_with(page_text(doc.first("main") or doc.tree.body), _PRIVATE):
        draft.page_state = "login_wall"
        draft.note("posts", f"Instagram shows {said!r}")
    messages: list[PostRecord] = []
    for link in doc.css('main a[href*="/p/"], main a[href*="/reel/"]')[: MAX_MESSAGES * 2]:
        linked = instagram_target(doc.absolute(attr(link, "href")) or "")
        if linked is None or linked.shortcode is None or any(m.post_id == linked.shortcode for m in messages):
            continue
        messages.append(_grid_item(link, linked, doc))
    if messages:  # the grid lists the newest first
        draft.set_messages(messages[:MAX_MESSAGES][::-1])
        draft.source("messages", "the grid's links, oldest first (the page lists the newest first)")
        draft.note(
            "messages", "the grid shows each post's link and thumbnail only; capture a post for the rest"
        )
    return draft.build()


def _grid_item(link: LexborNode, linked: InstagramTarget, doc: Document) -> PostRecord:
    item = new_draft()
    item.page_state = "post"
    item.set_line("post_id", linked.shortcode, "the grid link")
    url = f"https://www.instagram.com/{linked.kind or 'p'}/{linked.shortcode}/"
    item.set_line("canonical_url", url, "the grid link")
    src = doc.absolute(attr(link.css_first("img[src]"), "src"))
    media = make_media(src, "image") if src and on_cdn(src) else None
    if media is not None:
        item.add_media(media)
        item.source("media", "the grid thumbnail")
    return item.build()


__all__ = ["PLATFORM", "InstagramProfile", "InstagramTarget", "instagram_target"]
