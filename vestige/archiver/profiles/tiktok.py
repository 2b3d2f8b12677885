"""TikTok posts and accounts, as TikTok's web pages show them to a visitor who is not logged in.

Pages and what the record holds:

- ``www.tiktok.com/@<name>/video/<id>`` and ``/@<name>/photo/<id>``: the post (``page_state`` "post"), read
  from the page's state script and rendered DOM (``tiktok_item``), with the comments the page shows as
  ``replies`` (their replies nested).
- ``www.tiktok.com/@<name>``: the account ("channel"): name, bio, followers..., its posts in ``messages``.
- ``vm.tiktok.com/<code>``, ``vt.tiktok.com/<code>``, ``www.tiktok.com/t/<code>``: short links; the page they
  lead to is read as above.

Why a post is not there (deleted, private, age-restricted, not in this region, a verification puzzle...)
is read by ``tiktok_states``, from the code in TikTok's page state or, without one, the page's words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .base import DEFAULT_REPLIES, Budget, Frame, Profile
from .comment_steps import mark_reply_limit, replies_to_keep, scroll_for_more, shows
from .draft import PostDraft, make_author
from .embedded_json import as_int, as_str, dig, script_json
from .html import Document, parse_html
from .page_steps import click_all
from .post import PageState, PostRecord
from .tiktok_account import read_account, read_grid
from .tiktok_item import (
    COMMENT,
    PLATFORM,
    PROFILE_VERSION,
    THREAD,
    WEB,
    comment_threads,
    new_draft,
    post_url,
    read_comment_thread,
    read_item,
    read_rendered,
)
from .tiktok_states import from_status, overlay_words, shown_state

HOSTS = frozenset(("www.tiktok.com", "tiktok.com", "m.tiktok.com"))
SHORT_HOSTS = frozenset(("vm.tiktok.com", "vt.tiktok.com"))
STATE_SCRIPT = "__UNIVERSAL_DATA_FOR_REHYDRATION__"
_NAME = r"[A-Za-z0-9_.]{1,64}"
_POST = re.compile(rf"^/@({_NAME})/(video|photo)/(\d{{1,25}})/?$")
_ACCOUNT = re.compile(rf"^/@({_NAME})/?$")
_SHORT = re.compile(r"^/(?:t/)?([A-Za-z0-9]{5,20})/?$")
_MOBILE = re.compile(r"^/v/(\d{1,25})\.html$")
_DESC_MORE = '[class*="ButtonExpand"], [data-e2e="video-desc-more"]'
_COMMENT_PANEL = '[class*="DivCommentListContainer"], [class*="DivCommentContainer"]'
# The "View N replies" controls of the first N comments (format with n=N).
_VIEW_REPLIES = '[class*="DivCommentObjectWrapper"]:nth-child(-n+{n}) [class*="DivViewRepliesContainer"]'


@dataclass(frozen=True)
class Target:
    kind: str  # "post", "account" or "short"
    name: str | None  # the account's unique name, as the URL gives it
    post_id: str | None
    photo: bool = False


def tiktok_target(url: str) -> Target | None:
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018  (an impossible port is a ValueError)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    if host in SHORT_HOSTS:
        return Target("short", None, None) if _SHORT.match(parts.path) else None
    if host not in HOSTS:
        return None
    if m := _POST.match(parts.path):
        return Target("post", m.group(1), m.group(3), m.group(2) == "photo")
    if m := _ACCOUNT.match(parts.path):
        return Target("account", m.group(1), None)
    if parts.path.startswith("/t/") and _SHORT.match(parts.path):
        return Target("short", None, None)
    if m := _MOBILE.match(parts.path):
        return Target("post", None, m.group(1))
    return None


class TikTokProfile(Profile):
    name = PLATFORM
    version = PROFILE_VERSION
    downloads_media = True  # a video platform: yt-dlp fetches the video at its best quality

    def matches(self, url: str) -> bool:
        return tiktok_target(url) is not None

    async def prepare(self, page: Any, deadline_s: float, *, replies: int = DEFAULT_REPLIES) -> list[str]:
        """Open the truncated description, scroll the comment panel until ``replies`` comments show, and
        open the replies of those comments (one "View N replies" each)."""
        target = tiktok_target(str(getattr(page, "url", "")))
        if target is not None and target.kind == "account":
            return []
        budget = Budget(deadline_s)
        notes: list[str] = []
        await mark_reply_limit(page, budget, replies)
        if await click_all(page, budget, _DESC_MORE, limit=3):
            notes.append("tiktok: opened the truncated description")
        if replies <= 0:
            return [*notes, "tiktok: no comments loaded (--replies 0)"]
        panel = await shows(page, budget, _COMMENT_PANEL)
        if not panel:
            why = "has no comment panel" if panel is False else "did not answer"
            return [*notes, f"tiktok: no comments loaded: the page {why}"]
        shown, scrolls = await scroll_for_more(page, budget, items=COMMENT, end=THREAD, want=replies)
        notes.append(f"tiktok: {shown} comment(s) shown after {scrolls} scroll(s) of the comment panel")
        threads = await click_all(page, budget, _VIEW_REPLIES.format(n=replies), limit=min(replies, 20))
        if threads:
            notes.append(f"tiktok: opened the replies of {threads} comment(s)")
        return notes

    def extract(self, url: str, html: str, *, frames: Sequence[Frame] = ()) -> PostRecord | None:
        target = tiktok_target(url)
        doc = parse_html(html, url)
        draft = new_draft()
        draft.notes.extend(doc.notes)
        data, why = script_json(doc, STATE_SCRIPT)
        if why:
            draft.note("page", f"TikTok's page state: {why}")
        scope = dig(data, "__DEFAULT_SCOPE__")
        detail, account = dig(scope, "webapp.video-detail"), dig(scope, "webapp.user-detail")
        if (target is not None and target.kind == "account") or (
            isinstance(account, dict) and detail is None
        ):
            return _account(doc, target, account, draft)
        record = _post(doc, target, detail, draft)
        if record is None and data is None and why is None and not _looks_like_tiktok(doc):
            return None
        return record or _unknown(target, draft)


def _post(doc: Document, target: Target | None, detail: Any, draft: PostDraft) -> PostRecord | None:
    wanted = target.post_id if target is not None else None
    status, message = as_int(dig(detail, "statusCode")), as_str(dig(detail, "statusMsg"))
    item = dig(detail, "itemInfo", "itemStruct")
    if isinstance(item, dict) and as_str(item.get("id")):
        if wanted is None or as_str(item.get("id")) == wanted:
            read_item(item, doc, draft)
            _comments(doc, draft)
            if overlay := overlay_words(doc):
                draft.note("page", f"a prompt covered the post: {overlay!r}")
            return draft.build()
        draft.note("page", f"the page's state is for post {as_str(item.get('id'))}, not {wanted}; not used")
    state = from_status(status, message, doc) or shown_state(doc)
    if state is not None:
        return _not_the_post(target, draft, *state)
    if read_rendered(doc, draft):
        if target is not None and target.post_id:
            draft.set_line("post_id", target.post_id, "the URL")
            draft.set_line("canonical_url", post_url(target.name, target.post_id, target.photo), "the URL")
        _comments(doc, draft)
        return draft.build()
    return None


def _comments(doc: Document, draft: PostDraft) -> None:
    threads = comment_threads(doc)
    for thread in replies_to_keep(doc, draft, threads):
        draft.add_reply(read_comment_thread(thread, doc))
    if draft.replies:
        draft.source("replies", f"{THREAD} (the comments the page showed, their replies nested)")
        draft.note("replies", "TikTok shows neither ids nor exact times for comments")


def _not_the_post(target: Target | None, draft: PostDraft, state: PageState, why: str) -> PostRecord:
    draft.page_state = state
    if target is not None and target.post_id:
        draft.set_line("post_id", target.post_id, "the URL")
        draft.set_line("canonical_url", post_url(target.name, target.post_id, target.photo), "the URL")
    if target is not None and target.name:
        draft.author = make_author(None, f"@{target.name}", None, f"{WEB}/@{target.name}")
        draft.source("author", "the URL")
    draft.note("post", why)
    return draft.build()


def _account(doc: Document, target: Target | None, account: Any, draft: PostDraft) -> PostRecord:
    name = target.name if target is not None else None
    status, message = as_int(dig(account, "statusCode")), as_str(dig(account, "statusMsg"))
    info = dig(account, "userInfo")
    if (
        isinstance(info, dict)
        and isinstance(info.get("user"), dict)
        and as_str(dig(info, "user", "uniqueId"))
    ):
        read_account(info, doc, draft, name)
        if dig(info, "user", "privateAccount") is True:
            draft.page_state = "login_wall"
            draft.note(
                "messages", "the account is private: TikTok shows its posts only to approved followers"
            )
        return draft.build()
    state = from_status(status, message, doc) or shown_state(doc)
    if state is not None:
        return _not_the_post(target, draft, *state)
    if doc.first('[data-e2e="user-post-item"]') is not None:
        draft.page_state = "channel"
        if name:
            draft.author = make_author(None, f"@{name}", None, f"{WEB}/@{name}")
            draft.set_line("canonical_url", f"{WEB}/@{name}", "the URL")
        draft.note("author", "TikTok's page state has no account; only the grid of posts was read")
        read_grid(doc, draft)
        return draft.build()
    return _unknown(target, draft)


def _looks_like_tiktok(doc: Document) -> bool:
    return doc.first("[data-e2e]") is not None


def _unknown(target: Target | None, draft: PostDraft) -> PostRecord:
    draft.page_state = "unknown"
    if target is not None and target.post_id:
        draft.set_line("post_id", target.post_id, "the URL")
    draft.note(
        "page", "neither TikTok's page state nor the rendered page shows a post, an account or a reason"
    )
    return draft.build()


__all__ = ["PLATFORM", "Target", "TikTokProfile", "tiktok_target"]
