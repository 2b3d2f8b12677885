"""X pages that are not a conversation: a profile, and what X shows in place of a post.

The wording X uses (English, and Russian where known) is matched case-insensitively on the page's text
outside any post, so that a post quoting these words cannot change the page's state.
"""

from __future__ import annotations

import re

from .draft import PostDraft, make_author
from .html import Document, attr, node_text
from .post import MAX_LINE, MAX_TEXT, PageState, PostRecord
from .wording import line_with, page_text, state_with
from .x_post import TWEET, names_in, post_url, read_tweet

MAX_ARTICLES = 200  # posts read from a profile's timeline (the latest MAX_MESSAGES are kept)
NOT_FOUND = ("this page doesn't exist", "такой страницы не существует", "такої сторінки не існує")
DELETED = (
    "this post was deleted by the post author",
    "this post is from an account that no longer exists",
    "this post is from a suspended account",
    "этот пост удален автором",
    "этот пост принадлежит аккаунту, который больше не существует",
)
WITHHELD = ("has been withheld in", "in response to a legal demand", "в ответ на требование закона")
RATE_LIMIT = ("rate limit exceeded", "превышен лимит")
WENT_WRONG = ("something went wrong. try reloading", "что-то пошло не так. попробуйте перезагрузить")
LOG_IN = ("sign in to x", "don't miss what's happening", "войдите в x", "войти в x")
PROTECTED = ("these posts are protected", "limits who can view their posts", "эти посты защищены")
ACCOUNT_GONE = ("this account doesn't exist", "такой учетной записи не существует")
SUSPENDED = ("account suspended", "учетная запись заблокирована")
SENSITIVE_PROFILE = ("this profile may include potentially sensitive content",)
_POSTS_COUNT = re.compile(r"(\d[\d.,\s\u00a0]*[KMB]?)\s+(?:posts|поста|постов|пост|дописів)")


def text_outside_posts(doc: Document) -> str:
    """The page's text without its posts (they are removed from ``doc``: read them first)."""
    for article in doc.css(TWEET)[:5000]:
        article.decompose()
    return page_text(doc.tree.body)


def state_shown(doc: Document, text: str, *, post: bool) -> tuple[PageState, str | None]:
    """What the page is, by what X says on it; and the line that says it."""
    checks: tuple[tuple[PageState, tuple[str, ...]], ...] = (
        ("geo_blocked", WITHHELD),
        ("deleted", DELETED if post else SUSPENDED),
        ("not_found", NOT_FOUND + ACCOUNT_GONE),
        ("login_wall", PROTECTED),
        ("age_gate", SENSITIVE_PROFILE),
    )
    if found := state_with(text, checks):
        return found
    if (limited := line_with(text, RATE_LIMIT)) and (wrong := line_with(text, WENT_WRONG)):
        return "rate_limited", f"{wrong} {limited}" if wrong != limited else wrong
    if line_with(text, LOG_IN) or doc.first('[data-testid="loginButton"], input[autocomplete="username"]'):
        return "login_wall", line_with(text, LOG_IN)
    return "unknown", line_with(text, WENT_WRONG)


def not_shown(doc: Document, handle: str | None, post_id: str | None, draft: PostDraft) -> PostRecord:
    """The page does not show post ``post_id``: the record says what it shows instead."""
    if post_id:
        draft.set_line("post_id", post_id, "the URL")
        if handle:
            draft.set_line("canonical_url", post_url(handle, post_id), "the URL")
        else:
            draft.set_line("canonical_url", f"https://x.com/i/web/status/{post_id}", "the URL")
    if handle:
        draft.author = make_author(None, f"@{handle}", None, f"https://x.com/{handle}")
        draft.source("author", "the URL")
    state, shown = state_shown(doc, text_outside_posts(doc), post=True)
    draft.page_state = state
    if shown:
        draft.note("page", f"X shows {shown!r}")
    elif state == "login_wall":
        draft.note("page", "X shows its log-in prompt and no post")
    else:
        draft.note("post", "the page shows no post with this id")
    return draft.build()


def profile_page(doc: Document, handle_in_url: str, draft: PostDraft) -> PostRecord:
    """``x.com/<handle>``: the account, its counts and the posts its timeline shows."""
    header = doc.first('[data-testid="UserName"]')
    name, handle = names_in(header)
    handle = handle or f"@{handle_in_url}"
    url = f"https://x.com/{handle.lstrip('@')}"
    draft.author = make_author(name, handle, None, url)
    draft.source("author", '[data-testid="UserName"]' if header is not None else "the URL")
    messages = [read_tweet(a, doc) for a in doc.css(TWEET)[:MAX_ARTICLES]]
    if header is None:
        draft.page_state, shown = state_shown(doc, text_outside_posts(doc), post=False)
        draft.note("page", f"X shows {shown!r}" if shown else "the page shows no profile")
        return draft.build()
    draft.page_state = "channel"
    draft.set_line("title", name, '[data-testid="UserName"]')
    draft.set_line("canonical_url", url, '[data-testid="UserName"]')
    description = doc.first('[data-testid="UserDescription"]')
    draft.set_text(node_text(description, MAX_TEXT), '[data-testid="UserDescription"]')
    link = doc.first('a[data-testid="UserUrl"][href], [data-testid="UserUrl"] a[href]')
    if link is not None:
        draft.add_link(doc.absolute(attr(link, "href")))
    for suffix, kind in (("/verified_followers", "followers"), ("/followers", "followers"),
                         ("/following", "following")):  # fmt: skip
        node = doc.first(f'a[href$="{suffix}"]')
        if node is not None and kind not in draft.counts:
            draft.set_count(kind, node_text(node, MAX_LINE), f'a[href$="{suffix}"]')
    for node in doc.css('[data-testid="primaryColumn"] div[dir="ltr"]')[:300]:
        if m := _POSTS_COUNT.fullmatch(node_text(node, 60)):
            draft.set_count("posts", m.group(1), "the post count beside the profile's name")
            break
    hidden: tuple[tuple[PageState, tuple[str, ...]], ...] = (
        ("login_wall", PROTECTED),
        ("geo_blocked", WITHHELD),
        ("age_gate", SENSITIVE_PROFILE),
    )
    if found := state_with(text_outside_posts(doc), hidden):
        draft.page_state = found[0]
        draft.note("posts", f"X shows {found[1]!r}")
    draft.set_messages(sorted(messages, key=lambda m: m.posted_at or ""))  # oldest first; pinned by its time
    return draft.build()
