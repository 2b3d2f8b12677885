"""Mastodon statuses and profiles on any instance, through its web UI, as a visitor who is not signed in.

A status page is a small HTML document (app/views/statuses/show.html.haml): Open Graph tags
(``og:published_time``), a JSON-LD SocialMediaPosting (datePublished, dateModified, author, counts, media:
SEO::SocialMediaPostingSerializer), ``<link rel="alternate" type="application/activity+json">``, the app's
root ``<div id="mastodon">`` and ``<script id="initial-state" type="application/json">`` (the instance's
meta: domain, version...). The web UI then fetches ``/api/v1/statuses/<id>`` and ``.../context`` and
renders the status, its ancestors and its descendants (see ``mastodon_status``). The record is the rendered
status; its exact times come from the JSON-LD (the UI shows them without an offset).

URL forms (Mastodon runs under any domain): ``/@user/<id>``, ``/@user@remote/<id>``,
``/users/<user>/statuses/<id>``, ``/web/@user/<id>``, ``/web/statuses/<id>``: a status ("post"; its
ancestors' nearest is ``reply_to``, its descendants are ``replies``); ``/@user``, ``/users/<user>``: a
profile ("channel", its statuses as ``messages``), recognised from the URL on known instances only (``/@name``
is also YouTube's, TikTok's, Medium's). Any other page is recognised as Mastodon from the page itself
(``mastodon_markers``), and the generic profile hands it over.

States: the error page "The page you are looking for isn't here." (404: "deleted" for a status, else
"not_found"), "...doesn't exist here anymore." (410: "deleted"), "Too many requests" (429: "rate_limited"),
"Account suspended" ("deleted"), the sign-in page "You need to sign in or sign up before continuing." on
instances that allow no anonymous access ("login_wall"); in English and in Mastodon's Russian.

Modules: ``mastodon_url`` (URL forms), ``mastodon_page`` (markers, states, the page's record),
``mastodon_status`` (one status's markup); this one is the profile and its steps in the live page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import DEFAULT_REPLIES, Budget, Frame, Profile
from .html import parse_html
from .mastodon_page import mastodon_markers, read_mastodon_page
from .mastodon_status import DETAILED, PLATFORM, PROFILE_VERSION, STATUS
from .mastodon_url import KNOWN_INSTANCES, Target, mastodon_target
from .page_steps import click_all, count, load_more
from .post import MAX_REPLIES, PostRecord

RENDER_WAIT_S = 15.0
_CONTENT_WARNINGS = (
    f"{DETAILED}:not(:has(.status__content)) .content-warning button, "
    f"{STATUS}:not(:has(.status__content)) .content-warning button"
)
_SENSITIVE_MEDIA = ".spoiler-button__overlay"
_READ_MORE = ".status__content__read-more-button"
_LOAD_MORE = "button.load-more:not([disabled])"
_THREAD = f"{STATUS}, {DETAILED}"
_RENDERED = (
    "() => !!document.querySelector("
    f"'{DETAILED}, .account__header, {STATUS}, .error-column, .empty-column-indicator, .dialog__message, "
    ".flash-message, form#new_user')"
)
# In the live page: whether its initial state has Mastodon's shape (as ``mastodon_markers`` reads it).
MASTODON_PAGE = """() => { try {
  const meta = JSON.parse(document.querySelector('script#initial-state').textContent).meta;
  return typeof meta.domain === 'string' && ('version' in meta || 'streaming_api_base_url' in meta
    || 'repository' in meta);
} catch (e) { return false; } }"""
_UP_TO_DETAILED = f"""() => {{
  const all = [...document.querySelectorAll('{_THREAD}')];
  return all.findIndex(n => n.matches('{DETAILED}')) + 1; }}"""


class MastodonProfile(Profile):
    name = "mastodon"
    version = PROFILE_VERSION

    def matches(self, url: str) -> bool:
        target = mastodon_target(url)
        return target is not None and (target.status_id is not None or target.host in KNOWN_INSTANCES)

    async def prepare(self, page: Any, deadline_s: float, *, replies: int = DEFAULT_REPLIES) -> list[str]:
        """Wait (bounded) for the web UI to render; load descendants ("Load more") up to ``replies``; open
        content warnings ("Show more"), sensitive media and long statuses ("Read more")."""
        budget = Budget(deadline_s)
        notes: list[str] = []
        if await budget.run(lambda: page.evaluate(MASTODON_PAGE), 2) is not True:
            # An error or sign-in page (rendered by the server), or no Mastodon at all: nothing to wait for.
            return [
                "mastodon: no web UI on the page (an error or sign-in page, or not Mastodon); nothing done"
            ]
        if (
            await budget.run(
                lambda: page.wait_for_function(_RENDERED, timeout=RENDER_WAIT_S * 1000), RENDER_WAIT_S
            )
            is None
        ):
            notes.append("mastodon: the web UI rendered no status, profile or message in time")
        if replies > 0:
            before = await budget.run(lambda: page.evaluate(_UP_TO_DETAILED), 2.0)
            base = before if isinstance(before, int) and not isinstance(before, bool) else 0
            if base > 0:
                shown, clicks = await load_more(
                    page, budget, items=_THREAD, more=_LOAD_MORE, want=base + min(replies, MAX_REPLIES)
                )
                notes.append(
                    f"mastodon: {shown - base} replies shown after {clicks} 'Load more' click(s); "
                    f"{replies} asked for"
                )
        elif await count(page, budget, DETAILED) > 0:
            notes.append(
                "mastodon: --replies 0: no more replies loaded (the web UI shows its first ones itself)"
            )
        for selector, what in (
            (_CONTENT_WARNINGS, "content warning(s) ('Show more')"),
            (_SENSITIVE_MEDIA, "sensitive media preview(s)"),
            (_READ_MORE, "long status(es) ('Read more')"),
        ):
            if opened := await click_all(page, budget, selector):
                notes.append(f"mastodon: opened {opened} {what}")
        return notes

    def extract(self, url: str, html: str, *, frames: Sequence[Frame] = ()) -> PostRecord | None:
        """The page's record; a page with a Mastodon-shaped URL that shows nothing of Mastodon's is read
        by the generic profile instead (its record says so: profile "generic")."""
        doc = parse_html(html, url)
        record = read_mastodon_page(doc, url)
        if record is None and not mastodon_markers(doc):
            from .generic import GenericProfile  # generic hands Mastodon pages here: imported when needed

            return GenericProfile().extract(url, html, frames=frames)
        return record


__all__ = [
    "MASTODON_PAGE",
    "PLATFORM",
    "MastodonProfile",
    "Target",
    "mastodon_markers",
    "mastodon_target",
    "read_mastodon_page",
]
