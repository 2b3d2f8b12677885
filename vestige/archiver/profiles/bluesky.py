"""Bluesky posts and profiles, through the bsky.app web app, as a visitor who is not signed in sees them.

bsky.app answers every page with a small HTML document (bskyweb's templates): for a post, Open Graph and
Twitter tags, ``article:published_time`` (the post's indexedAt), a JSON-LD DiscussionForumPosting and
``<link rel="alternate" href="at://<did>/app.bsky.feed.post/<rkey>">``. The app's script then fetches the
thread from public.api.bsky.app (``app.bsky.feed.getPostThread``, AT Protocol lexicon) and renders it.
``extract`` reads what was rendered (see ``bluesky_post``) and the server's tags for what the app does not
show (the DID, the exact time).

Pages and what the record holds:

- ``bsky.app/profile/<handle or did>/post/<rkey>`` (and its ``/liked-by``, ``/reposted-by``, ``/quotes``):
  the post ("post"). The anchor of the thread is the item with the expanded counts (or, with none, the one
  without a link to itself); the items above it are its parents (the nearest is ``reply_to``), those below
  are ``replies``, in page order.
- ``bsky.app/profile/<handle or did>``: the profile ("channel"): display name, handle, DID, description,
  follower counts, and the posts its feed shows as ``messages`` (oldest first).
- ``go.bsky.app/<code>``: a short link (starter packs and shares); the page it leads to is read as above.

Instead of a post the page may say: "You must sign in to view this post." or the author's choice to be seen
only by signed-in users (``!no-unauthenticated``): "login_wall"; "Post not found" / "Post has been
deleted": "deleted" (an id never used looks the same); "Post blocked": "unknown"; a rate limit:
"rate_limited"; "Profile not found": "not_found".
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from selectolax.lexbor import LexborNode

from .base import DEFAULT_REPLIES, Budget, Frame, Profile
from .bluesky_post import (
    APP,
    EXPANDED_COUNTS,
    FEED_ITEM,
    PLATFORM,
    PROFILE_VERSION,
    THREAD_ITEM,
    fill_item,
    item_handle,
    new_draft,
    own_link,
    post_url,
    read_item,
)
from .draft import PostDraft, make_author, make_ref
from .html import Document, attr, node_text, parse_html
from .page_steps import click_all, count, load_more
from .post import MAX_LINE, MAX_MESSAGES, MAX_REPLIES, MAX_TEXT, PageState, PostRecord
from .values import is_digits
from .wording import page_text, phrase_in

HOSTS = frozenset(("bsky.app", "www.bsky.app"))
SHORT_HOSTS = frozenset(("go.bsky.app",))
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
_ACTOR = re.compile(
    rf"^(?:did:(?:plc|web):[A-Za-z0-9._:%-]{{1,2000}}|(?=.{{3,253}}$){_LABEL}(?:\.{_LABEL})+)$"
)
_RKEY = re.compile(r"^[A-Za-z0-9._:~-]{1,512}$")
_SHORT_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SUBPAGES = frozenset(("liked-by", "reposted-by", "quotes"))
_AT_POST = re.compile(
    r"^at://(did:[A-Za-z0-9._:%-]{1,2000})/app\.bsky\.feed\.post/([A-Za-z0-9._:~-]{1,512})$"
)
_AT_ACTOR = re.compile(r"^at://(did:[A-Za-z0-9._:%-]{1,2000})/?$")
MAX_ITEMS = MAX_REPLIES + 50  # thread items read: the anchor, its parents, its replies
RENDER_WAIT_S = 15.0
_DECLARED_COUNTS = {"Likes": "likes", "Replies": "replies", "Reposts": "shares"}

# The app's words instead of a post, by page state: English, and Russian where the app's Russian
# translation (src/locale/locales/ru/messages.po) has the message.
# fmt: off
_STATES: tuple[tuple[PageState, tuple[str, ...]], ...] = (
    ("login_wall", (
        "You must sign in to view this post", "You must sign-in to view this post",
        "This author has chosen to make their posts visible only to people who are signed in",
        "This post is only visible to logged-in users",
        "This user has requested that their content only be shown to signed-in users",
        "This account has requested that users sign in to view their profile",
    )),
    ("rate_limited", (
        "You've reached the maximum number of requests allowed", "Rate Limit Exceeded", "Too Many Requests",
        "Вы достигли максимально допустимого количества запросов",
    )),
    ("deleted", (
        "Post not found", "Post has been deleted", "This post has been deleted",
        "The post may have been deleted", "Пост не найден", "Пост был удалён",
    )),
    ("not_found", ("Profile not found", "Unable to resolve handle")),
    ("unknown", (
        "Post blocked", "Post hidden", "You have blocked the author or you have been blocked by the author",
    )),
)
# fmt: on
_REQUIRES_AUTH = _STATES[0][1][2]
_SHOW_MORE_TEXT = '[aria-label="Expand post text"]'
_MORE_REPLIES = (
    '[aria-label="Show more replies"], [aria-label="Show hidden replies"], [aria-label="Show muted replies"]'
)
_RENDERED = f"""() => !!document.querySelector(
    '{THREAD_ITEM}, {FEED_ITEM}, [data-testid="profileHeaderDisplayName"]')
  || (document.body && {json.dumps([w for _, words in _STATES for w in words], ensure_ascii=False)}
      .some(w => document.body.innerText.slice(0, 20000).includes(w)))"""
# How many thread items precede the replies: the parents and the anchor (as ``_anchor_index`` finds it).
_UP_TO_ANCHOR = f"""() => {{
  const items = [...document.querySelectorAll('{THREAD_ITEM}')];
  let i = items.findIndex(n => n.querySelector('{EXPANDED_COUNTS}'));
  if (i < 0) i = items.findIndex(n => ![...n.querySelectorAll('a[href*="/post/"][title]')]
    .some(a => !a.title.startsWith('Post by ')));
  return i < 0 ? 0 : i + 1; }}"""


@dataclass(frozen=True)
class Target:
    """What a Bluesky URL names: a profile (handle or DID), maybe one of its posts; or a short link."""

    actor: str | None
    rkey: str | None
    short: bool = False


def bluesky_target(url: str) -> Target | None:
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    path = [unquote(p) for p in parts.path.split("/") if p]
    if host in SHORT_HOSTS:
        return Target(None, None, True) if len(path) == 1 and _SHORT_CODE.match(path[0]) else None
    if host not in HOSTS or len(path) < 2 or path[0] != "profile" or not _ACTOR.match(path[1]):
        return None
    if len(path) == 2:
        return Target(path[1], None)
    if path[2] == "post" and len(path) in (4, 5) and _RKEY.match(path[3]) and set(path[4:]) <= _SUBPAGES:
        return Target(path[1], path[3])
    return None


class BlueskyProfile(Profile):
    name = "bluesky"
    version = PROFILE_VERSION
    downloads_media = True  # a video platform: yt-dlp fetches a streamed video at its best quality

    def matches(self, url: str) -> bool:
        return bluesky_target(url) is not None

    async def prepare(self, page: Any, deadline_s: float, *, replies: int = DEFAULT_REPLIES) -> list[str]:
        """Wait (bounded) for the app to render; click "Show more replies" until ``replies`` replies show;
        open truncated texts ("Show more")."""
        budget = Budget(deadline_s)
        notes: list[str] = []
        waited = budget.left()
        rendered = await budget.run(
            lambda: page.wait_for_function(_RENDERED, timeout=RENDER_WAIT_S * 1000), RENDER_WAIT_S
        )
        waited -= budget.left()
        if rendered is None:
            notes.append(f"bluesky: the app rendered no post, profile or message within {waited:.1f} s")
        in_thread = await count(page, budget, THREAD_ITEM) > 0
        if replies > 0 and in_thread:
            before = await budget.run(lambda: page.evaluate(_UP_TO_ANCHOR), 2.0)
            base = before if isinstance(before, int) and not isinstance(before, bool) else 0
            shown, clicks = await load_more(
                page, budget, items=THREAD_ITEM, more=_MORE_REPLIES, want=base + min(replies, MAX_REPLIES)
            )
            notes.append(
                f"bluesky: {max(0, shown - base)} replies shown after {clicks} 'Show more replies' "
                f"click(s); {replies} asked for"
            )
        elif in_thread:
            notes.append("bluesky: --replies 0: no more replies loaded (the app shows its first ones itself)")
        opened = await click_all(page, budget, _SHOW_MORE_TEXT)
        if opened:
            notes.append(f"bluesky: opened {opened} truncated post text(s) ('Show more')")
        return notes

    def extract(self, url: str, html: str, *, frames: Sequence[Frame] = ()) -> PostRecord | None:
        target = bluesky_target(url)
        doc = parse_html(html, url)
        draft = new_draft()
        draft.notes.extend(doc.notes)
        items = doc.css(THREAD_ITEM)
        if items:
            return _thread(doc, items, target, draft)
        if doc.first(f'{FEED_ITEM}, [data-testid="profileHeaderDisplayName"]') is not None:
            return _profile(doc, target, draft)
        # The server's own words for an author seen only by signed-in users (bskyweb's requiresAuth).
        requires_auth = _meta(doc, "og:description") == f"{_REQUIRES_AUTH}."
        state, words = ("login_wall", _REQUIRES_AUTH) if requires_auth else _shown_state(doc)
        if state is None:
            return None
        return _instead(doc, target, draft, state, words)


def _meta(doc: Document, key: str) -> str | None:
    node = doc.first(f'meta[property="{key}"][content], meta[name="{key}"][content]')
    return attr(node, "content", MAX_TEXT)


def _shown_state(doc: Document) -> tuple[PageState | None, str]:
    return phrase_in(page_text(doc.tree.body), _STATES) or (None, "")


def _instead(
    doc: Document, target: Target | None, draft: PostDraft, state: PageState, words: str
) -> PostRecord:
    """What the page shows instead of the post or profile: the state, and what the URL names."""
    draft.page_state = state
    if target is not None and target.actor:
        if target.rkey:
            draft.set_line("post_id", target.rkey, "the URL")
            draft.set_line("canonical_url", post_url(target.actor, target.rkey), "the URL", 8000)
        draft.author = make_author(None, f"@{target.actor}", None, f"{APP}/profile/{target.actor}")
        if og_title := _meta(doc, "og:title"):
            name = og_title.rsplit(" (@", 1)[0] if og_title.endswith(")") and " (@" in og_title else None
            draft.author = make_author(name, f"@{target.actor}", _did(doc), f"{APP}/profile/{target.actor}")
        draft.source(
            "author", "the URL" + (', meta "og:title"' if draft.author and draft.author.display_name else "")
        )
    why = {
        "deleted": ": deleted, or a record key never used",
        "unknown": ": the post is blocked from view",
    }.get(state, "")
    draft.note("post", f"Bluesky shows {words!r} instead of it{why}")
    return draft.build()


def _did(doc: Document) -> str | None:
    for link in doc.css('link[rel="alternate"][href^="at://"]')[:10]:
        href = attr(link, "href", 2200) or ""
        if m := (_AT_POST.match(href) or _AT_ACTOR.match(href)):
            return m.group(1)
    if (_meta(doc, "twitter:label1") or "").strip() == "Account DID":
        value = (_meta(doc, "twitter:value1") or "").strip()
        return value if value.startswith("did:") else None
    return None


def _anchor_index(items: list[LexborNode]) -> int:
    for i, item in enumerate(items):
        if item.css_first(EXPANDED_COUNTS) is not None:
            return i
    return next((i for i, item in enumerate(items) if own_link(item) is None), 0)


def _thread(
    doc: Document, all_items: list[LexborNode], target: Target | None, draft: PostDraft
) -> PostRecord:
    items = all_items[:MAX_ITEMS]
    i = _anchor_index(items)
    anchor = items[i]
    draft.page_state = "post"
    fill_item(draft, anchor, doc, rkey=target.rkey if target else None)
    _server_tags(draft, doc)
    parents, replies = items[:i], items[i + 1 :]
    if parents:
        parent = read_item(parents[-1], doc)
        author = parent.author
        draft.reply_to = make_ref(
            parent.canonical_url, author.display_name or author.handle if author else None, parent.text
        )
        draft.source("reply_to", "the thread item above the post (its parent)")
    for reply in replies[:MAX_REPLIES]:
        draft.add_reply(read_item(reply, doc))
    if replies:
        draft.source("replies", f"the thread items below the post ({THREAD_ITEM}), in page order")
    if len(all_items) > MAX_ITEMS or len(replies) > MAX_REPLIES:
        draft.note("replies", f"the page shows more than {MAX_REPLIES}; the first {MAX_REPLIES} are kept")
    draft.note("language", "the app does not show a post's languages (record.langs)")
    return draft.build()


def _server_tags(draft: PostDraft, doc: Document) -> None:
    """What bsky.app's server declared about the post, if it declared it about this one (same record key)."""
    at_uri = next(
        (
            m
            for link in doc.css('link[rel="alternate"][href^="at://"]')[:10]
            if (m := _AT_POST.match(attr(link, "href", 2200) or ""))
        ),
        None,
    )
    if at_uri is None or at_uri.group(2) != draft.post_id:
        draft.note("posted_at", "the page's server tags do not describe this post; its time is not shown")
        return
    draft.discovery["at_uri"] = at_uri.group(0)
    oembed = doc.first('link[rel="alternate"][type="application/json+oembed"][href]')
    if url := doc.absolute(attr(oembed, "href")):
        draft.discovery["oembed"] = url
    author = draft.author
    if author is not None and author.id is None:
        draft.author = make_author(author.display_name, author.handle, at_uri.group(1), author.profile_url)
        draft.source("author", f"{draft.sources.get('author', '')}, link rel=alternate at:// (the DID)")
    if not draft.set_time(
        "posted_at", _meta(doc, "article:published_time"), 'meta "article:published_time" (indexedAt)'
    ):
        draft.note("posted_at", "the app shows the post's date without an offset, and the server gave none")
    if draft.text is None:
        draft.set_text(_meta(doc, "og:description"), 'meta "og:description"')
    # The app rounds what it shows ("1.3K likes"); the server declares exact counts in its Twitter labels.
    for i in range(1, 5):
        kind = _DECLARED_COUNTS.get((_meta(doc, f"twitter:label{i}") or "").strip())
        value = (_meta(doc, f"twitter:value{i}") or "").strip()
        if kind and is_digits(value):
            draft.set_count(kind, value, f'meta "twitter:value{i}" (exact, as the server declares it)')


def _profile(doc: Document, target: Target | None, draft: PostDraft) -> PostRecord:
    draft.page_state = "channel"
    name = node_text(doc.first('[data-testid="profileHeaderDisplayName"]'), MAX_LINE) or None
    shown = node_text(doc.first('[data-testid="profileHeaderHandle"]'), MAX_LINE).replace("\u00a0", " ")
    handle = shown.strip().lstrip("@").split()[0] if shown.strip() else (target.actor if target else None)
    did = _did(doc) or (target.actor if target and target.actor and target.actor.startswith("did:") else None)
    draft.author = make_author(
        name, f"@{handle}" if handle else None, did, f"{APP}/profile/{handle}" if handle else None
    )
    draft.source(
        "author",
        '[data-testid="profileHeaderDisplayName"] / "profileHeaderHandle"; the DID from the server tags',
    )
    draft.set_line("title", name, '[data-testid="profileHeaderDisplayName"]')
    if handle:
        draft.set_line(
            "canonical_url", f"{APP}/profile/{handle}", '[data-testid="profileHeaderHandle"]', 8000
        )
    draft.set_text(
        node_text(doc.first('[data-testid="profileHeaderDescription"]'), MAX_TEXT),
        '[data-testid="profileHeaderDescription"]',
    )
    for testid, kind in (
        ("profileHeaderFollowersButton", "followers"),
        ("profileHeaderFollowsButton", "following"),
    ):
        text = node_text(doc.first(f'[data-testid="{testid}"]'), 60)
        if text:
            draft.set_count(kind, text, f'[data-testid="{testid}"]')
    feed = doc.css(FEED_ITEM)
    draft.set_messages([read_item(n, doc) for n in reversed(feed[:MAX_MESSAGES])])
    if feed:
        draft.source("messages", f"the profile's feed ({FEED_ITEM}), newest first on the page")
    if len(feed) > MAX_MESSAGES:
        draft.note("messages", f"the page shows {len(feed)}; the newest {MAX_MESSAGES} are kept")
    if handle and any(item_handle(n) != handle for n in feed[:MAX_MESSAGES]):
        draft.source("messages.author", "each post's own author (reposts by the profile are listed too)")
    return draft.build()


__all__ = ["PLATFORM", "BlueskyProfile", "Target", "bluesky_target"]
