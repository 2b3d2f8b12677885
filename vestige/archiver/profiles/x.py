"""X (formerly Twitter) posts and profiles, as the web app renders them to a visitor who is not logged in.

Pages and what the record holds:

- ``x.com/<user>/status/<id>`` (also on twitter.com, mobile.twitter.com; ``/i/web/status/<id>``,
  ``/i/status/<id>``, ``/<user>/statuses/<id>``, ``.../photo/1``, ``.../video/1``): the conversation. The
  record is post ``<id>``: the article whose own link points at ``/status/<id>``. Articles above it are the
  thread it answers (``reply_to`` is the one just above it); articles below it, up to the "Discover more"
  section (other people's posts, not replies), are ``replies``, in page order.
- ``x.com/<user>``: the profile. ``page_state`` "channel": the account is the ``author``, its bio the
  ``text``, followers, following and posts the ``counts``, and the posts its timeline shows ``messages``
  (oldest first; a pinned post sorts by its own time).

What X shows instead of a post, in its words (English and Russian), gives the page state: "Hmm...this page
doesn't exist." (not_found), "This Post was deleted by the Post author" or "...from an account that no
longer exists" (deleted), "This Post has been withheld in <country> in response to a legal demand"
(geo_blocked), "Age-restricted adult content" (age_gate; the post's own fields are still read),
"Something went wrong. Try reloading." with "Rate limit exceeded" (rate_limited), and "Sign in to X",
"Don't miss what's happening" or a log-in button with no post (login_wall). A protected account's posts
("These posts are protected") are a login wall too: only approved followers see them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborNode

from .base import DEFAULT_REPLIES, Budget, Frame, Profile
from .draft import PostDraft, make_ref
from .html import Document, attr, node_text, parse_html
from .page_steps import click_all, count, load_more, mark_labels, marked
from .post import MAX_MESSAGES, MAX_REPLIES, PostRecord
from .values import is_digits
from .x_pages import not_shown, profile_page
from .x_post import (
    PLATFORM,
    PROFILE_VERSION,
    TWEET,
    X_HOSTS,
    article_status,
    new_draft,
    read_tweet,
    status_of,
    tweet_draft,
)

_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
# First path segments that are X's own pages, not accounts.
# fmt: off
_NOT_ACCOUNTS = frozenset((
    "i", "home", "explore", "notifications", "messages", "settings", "search", "login", "logout", "signup",
    "compose", "hashtag", "intent", "share", "tos", "privacy", "about", "download", "jobs", "account",
    "following", "followers", "lists", "bookmarks", "communities", "premium", "verified", "jointerms",
))
# fmt: on
MAX_ARTICLES = MAX_REPLIES + MAX_MESSAGES  # articles read from one page
SHOW_MORE = '[data-testid="tweet-text-show-more-link"]:not(a)'
_CELL = '[data-testid="cellInnerDiv"]'
# X's controls that load more replies: in a cell of the conversation that holds no post of its own.
MORE_REPLIES_SCOPE = f'{_CELL}:not(:has(article)) [role="button"]'
# The conversation's articles: not those after a heading cell ("Discover more": other people's posts).
CONVERSATION = f"{_CELL}:not({_CELL}:has(h2):not(:has(article)) ~ *) {TWEET}"
MORE_REPLIES = (
    "Show more replies",
    "Show probable spam",
    "Show",  # "Show additional replies, including those that may contain offensive content"
    "Показать больше ответов",
    "Показать вероятный спам",
    "Показать",
    "Показати більше відповідей",
)
_DISCOVER = ("discover more", "more posts", "другие посты", "ещё посты", "більше дописів")


@dataclass(frozen=True)
class XTarget:
    """What an X URL names: an account (its handle, unknown for /i/web/status/), maybe a post."""

    handle: str | None
    post_id: str | None


def x_target(url: str) -> XTarget | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() not in X_HOSTS:
        return None
    path = [p for p in parts.path.split("/") if p]
    if len(path) >= 3 and path[0] == "i" and path[-2] == "status" and is_digits(path[-1]) and len(path) <= 4:
        if path[1:-2] in ([], ["web"]) and len(path[-1]) <= 20:
            return XTarget(None, path[-1])
        return None
    found = status_of(parts.path)
    if found is not None and path[0].lower() not in _NOT_ACCOUNTS:
        rest = path[3:]
        if rest in ([], ["photo", "1"], ["video", "1"]) or (
            len(rest) == 2 and rest[0] in ("photo", "video") and rest[1] in ("1", "2", "3", "4")
        ):
            return XTarget(found[0], found[1])
        return None
    if len(path) == 1 and _HANDLE.match(path[0]) and path[0].lower() not in _NOT_ACCOUNTS:
        return XTarget(path[0], None)
    return None


class XProfile(Profile):
    name = "x"
    version = PROFILE_VERSION
    downloads_media = True  # a video platform: yt-dlp fetches a streamed video at its best quality

    def matches(self, url: str) -> bool:
        return x_target(url) is not None

    async def prepare(self, page: Any, deadline_s: float, *, replies: int = DEFAULT_REPLIES) -> list[str]:
        """Open replies cut short ("Show more", in place only), then load replies with "Show more replies"
        and "Show probable spam" until ``replies`` show below the post.

        X's "Show more" opens some posts' own page instead of expanding them; if a click moved the page
        away, it is taken back and no more are clicked."""
        target = x_target(str(getattr(page, "url", "")))
        if target is None or target.post_id is None:
            return []
        budget = Budget(deadline_s)
        notes: list[str] = []
        opened, moved = await _open_show_more(page, budget, notes)
        if replies > 0:
            notes.append(await _load_replies(page, budget, target.post_id, replies))
            if not moved:
                more, _ = await _open_show_more(page, budget, notes)
                opened += more
        else:
            notes.append("x: --replies 0: no more replies loaded")
        if opened:
            notes.append(f"x: opened {opened} post text(s) cut short ('Show more')")
        return notes

    def extract(self, url: str, html: str, *, frames: Sequence[Frame] = ()) -> PostRecord | None:
        target = x_target(url)
        doc = parse_html(html, url)
        _emoji_as_text(doc)
        draft = new_draft()
        draft.notes.extend(doc.notes)
        if target is not None and target.handle is not None and target.post_id is None:
            return profile_page(doc, target.handle, draft)
        return _status_page(doc, target, draft)


async def _open_show_more(page: Any, budget: Budget, notes: list[str]) -> tuple[int, bool]:
    """Click "Show more" controls; (how many, whether the page moved away and was taken back)."""
    before = str(page.url)
    clicked = await click_all(page, budget, SHOW_MORE, limit=20)
    if clicked == 0 or str(page.url) == before:
        return clicked, False
    moved_to = str(page.url)
    await budget.run(lambda: page.go_back(wait_until="commit"), 10.0)
    await budget.run(lambda: page.wait_for_selector(TWEET, timeout=5000), 5.0)
    back = "and was taken back" if str(page.url) == before else f"and is at {str(page.url)[:200]}"
    notes.append(f"x: 'Show more' opened {moved_to[:200]} instead of expanding the text {back}")
    return 0, True


async def _load_replies(page: Any, budget: Budget, post_id: str, replies: int) -> str:
    """Click X's "more replies" controls until ``replies`` articles show below the post."""
    above = await budget.run(lambda: page.evaluate(_ARTICLES_UP_TO, post_id), 3.0)
    above = above if isinstance(above, int) and not isinstance(above, bool) else 1
    want = above + min(replies, MAX_REPLIES)
    shown, clicks = await count(page, budget, CONVERSATION), 0
    for _ in range(20):
        if shown >= want or budget.left() <= 0:
            break
        await mark_labels(page, budget, MORE_REPLIES_SCOPE, MORE_REPLIES, "x-more-replies", limit=50)
        shown, clicked = await load_more(
            page, budget, items=CONVERSATION, more=marked("x-more-replies"), want=want, rounds=1
        )
        clicks += clicked
        if clicked == 0:
            break
    return f"x: {max(0, shown - above)} replies show below the post after {clicks} 'more replies' click(s)"


# How many articles come before the post asked for, and the post itself (0 if it is not shown).
_ARTICLES_UP_TO = """(id) => {
  const articles = [...document.querySelectorAll('article[data-testid="tweet"]')];
  const i = articles.findIndex((a) => [...a.querySelectorAll('a[href] time')]
    .some((t) => new RegExp('/status/' + id + '(/|$)').test(t.closest('a[href]').getAttribute('href'))));
  return i + 1; }"""


def _emoji_as_text(doc: Document) -> None:
    """X draws emoji as ``<img alt="🔥">``; put each back as its text, as the post was written."""
    for img in doc.css('[data-testid="tweetText"] img[alt], [data-testid="User-Name"] img[alt], '
                       '[data-testid="UserName"] img[alt]')[:5000]:  # fmt: skip
        img.replace_with(attr(img, "alt", 20) or "")


def _status_page(doc: Document, target: XTarget | None, draft: PostDraft) -> PostRecord:
    articles = _conversation(doc)
    wanted = target.post_id if target else None
    index = next(
        (
            i
            for i, a in enumerate(articles)
            if (s := article_status(a)) and (wanted is None or s[1] == wanted)
        ),
        None,
    )
    if index is None:
        return not_shown(doc, target.handle if target else None, wanted, draft)
    post = tweet_draft(articles[index], doc)
    post.notes = list(dict.fromkeys((*draft.notes, *post.notes)))  # the page's own notes first
    if post.edited is None:  # X marks every edited post it shows on its own page
        post.edited = False
        post.source("edited", 'no "Last edited" link (a[href$="/history"])')
    if index > 0:
        parent = read_tweet(articles[index - 1], doc)
        name = parent.author.handle or parent.author.display_name if parent.author else None
        post.reply_to = make_ref(parent.canonical_url, name, parent.text)
        post.source("reply_to", "the post shown just above it in the conversation")
    for article in articles[index + 1 : index + 1 + MAX_REPLIES]:
        post.add_reply(read_tweet(article, doc))
    if len(articles) - index - 1 > MAX_REPLIES:
        post.note("replies", f"more than {MAX_REPLIES}; the rest are not listed")
    if post.replies:
        post.source("replies", "the articles below the post in the conversation")
    return post.build()


def _conversation(doc: Document) -> list[LexborNode]:
    """The conversation's articles in page order, up to the "Discover more" section."""
    cells = doc.css(_CELL)
    if not cells:
        return doc.css(TWEET)[:MAX_ARTICLES]
    articles: list[LexborNode] = []
    for cell in cells[: MAX_ARTICLES * 3]:
        heading = cell.css_first("h2")
        if heading is not None and node_text(heading, 60).strip().lower() in _DISCOVER:
            break
        article = cell.css_first(TWEET)
        if article is not None:
            articles.append(article)
        if len(articles) >= MAX_ARTICLES:
            break
    return articles


__all__ = ["PLATFORM", "XProfile", "XTarget", "x_target"]
