"""Facebook posts, videos, photos and pages, as Facebook shows them to a visitor who is not logged in.

URLs and what the record holds:

- posts: ``facebook.com/<page>/posts/<id or pfbid...>``, ``/permalink.php?story_fbid=..&id=..``,
  ``/story.php?story_fbid=..``, ``/groups/<group>/posts/<id>`` (and ``/permalink/``), on
  ``www.``, ``m.``, ``mbasic.``, ``web.`` and locale hosts (``uk-ua.facebook.com``): the post, with the
  comments loaded on the page in ``replies`` (replies to a comment nested in theirs, threads opened
  within ``--replies``);
- videos: ``/watch/?v=<id>``, ``/<page>/videos/<id>``, ``/reel/<id>``, ``/video.php?v=``: the video as
  the post, the file the page plays in ``media``;
- photos: ``/photo/?fbid=<id>``, ``/photo.php?fbid=``, ``/<page>/photos/<album>/<id>``;
- ``fb.watch/<code>`` and ``/share/p|v|r/<code>`` links, read as whatever page they lead to;
- pages and profiles: ``/<name>``, ``/profile.php?id=``, ``/people/<name>/<id>``, ``/groups/<group>``:
  ``page_state`` "channel", the posts the page shows in ``messages``.

Facebook's own data for the page (``facebook_relay``) is read first, the rendered page
(``facebook_post``) second. With neither, Facebook's words say why (``facebook_states``). Facebook's
mobile site draws its pages from server-driven components without a post's markup (and ``mbasic.`` is
retired): a mobile page with neither says so and names the same path on ``www.facebook.com``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from . import page_steps
from .base import DEFAULT_REPLIES, Budget, Frame, Profile
from .draft import PostDraft, with_notes
from .facebook_comments import PROFILE_VERSION, new_draft
from .facebook_links import POST_LINK, clean_url
from .facebook_pages import og, read_page, read_photo, read_video, shows_video
from .facebook_post import MESSAGE, post_root, read_post
from .facebook_relay import Relay, find_story, read_relay
from .facebook_states import facebook_state
from .html import Document, parse_html
from .meta import Meta, read_meta
from .post import PostRecord

HOSTS = frozenset(
    (
        "facebook.com",
        "www.facebook.com",
        "m.facebook.com",
        "mbasic.facebook.com",
        "web.facebook.com",
        "touch.facebook.com",
        "mobile.facebook.com",
        "free.facebook.com",
        "d.facebook.com",
        "business.facebook.com",
        "fb.com",
        "www.fb.com",
    )
)
SHORT_HOSTS = frozenset(("fb.watch", "www.fb.watch"))
# Facebook's mobile and basic sites: mbasic. was retired in December 2024 (it redirects), and m. now draws
# its pages from opaque server-driven components with no stable markup to read a post from.
MOBILE_HOSTS = frozenset(
    ("m.facebook.com", "mbasic.facebook.com", "touch.facebook.com", "mobile.facebook.com", "d.facebook.com",
     "free.facebook.com")
)  # fmt: skip
_LOCALE_HOST = re.compile(r"^[a-z]{2}-[a-z]{2}\.facebook\.com$")
_ID = re.compile(r"^(?:\d{1,25}|pfbid[A-Za-z0-9]{10,100})$")
_NUMBER = re.compile(r"^\d{1,25}$")
_NAME = re.compile(r"^[A-Za-z0-9.\-]{2,80}$")
_CODE = re.compile(r"^[A-Za-z0-9_\-]{3,40}$")
# First path segments that are Facebook's own pages, not a page's or person's name.
# fmt: off
_NOT_PAGES = frozenset((
    "login", "login.php", "recover", "help", "policies", "policy.php", "privacy", "terms", "settings",
    "messages", "notifications", "marketplace", "gaming", "events", "pages", "watch", "hashtag", "search",
    "friends", "bookmarks", "saved", "ads", "business", "legal", "dialog", "sharer", "sharer.php",
    "plugins", "l.php", "tr", "home.php", "reg", "r.php", "checkpoint", "about", "careers", "fundraisers",
    "memories", "stories", "reel", "reels", "share", "photo", "photo.php", "permalink.php", "story.php",
    "video.php", "profile.php", "people", "groups", "live", "media", "places", "business_help", "lite",
))
# fmt: on
SEE_MORE_WORDS = r"^(see more|ещё|еще|ще|більше|показати більше)$"
MORE_COMMENTS_WORDS = (
    r"^(view more comments|view previous comments|view \d+ more comments?|see more comments"
    r"|показать (ещё|еще|больше) комментари[^ ]*|посмотреть (ещё|еще|другие) комментари[^ ]*"
    r"|переглянути (ще|більше|інші) коментар[^ ]*|показати (ще|більше) коментар[^ ]*)$"
)
# A comment's thread: "View 2 replies", "View all 3 replies", "View 1 more reply", "NAME replied · 2 replies".
_COUNT = r"\d[\d.,]*[kк]?"
THREAD_WORDS = (
    r"^(?:[^·]{1,80} (?:replied|ответила?|відпов(?:ів|іла)) · )?"
    rf"(?:view (?:all )?{_COUNT} repl(?:y|ies)|view {_COUNT} more repl(?:y|ies)"
    rf"|view (?:more|previous) replies|{_COUNT} repl(?:y|ies)|{_COUNT} ответ[^ ]*|{_COUNT} відповід[^ ]*"
    r"|(?:посмотреть|показать) (?:все |ещё |еще )?ответы(?: \(\d+\))?"
    rf"|(?:посмотреть|показать) (?:все |ещё |еще |предыдущие )?{_COUNT} ответ[^ ]*"
    r"|(?:переглянути|показати) (?:всі |ще |усі )?відповіді(?: \(\d+\))?"
    rf"|(?:переглянути|показати) (?:всі |ще |усі |попередні )?{_COUNT} відповід[^ ]*)$"
)
COMMENTS = ", ".join(
    f'[role="article"][aria-label^="{words}"]'
    for words in ("Comment by", "Reply by", "Комментарий от", "Ответ от", "Коментар від", "Відповідь від")
)


@dataclass(frozen=True)
class FbTarget:
    """What a Facebook URL names."""

    kind: Literal["post", "video", "photo", "page", "short"]
    id: str | None = None  # the post's, video's or photo's id, or a short link's code
    page: str | None = None  # the page, person or group in the URL


def facebook_target(url: str) -> FbTarget | None:
    try:
        parts = urlsplit(url.strip()[:8000])
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    path = [p for p in parts.path.split("/") if p]
    if host in SHORT_HOSTS:
        return FbTarget("short", path[0]) if len(path) == 1 and _CODE.match(path[0]) else None
    if host not in HOSTS and not _LOCALE_HOST.match(host):
        return None
    query = dict(reversed(parse_qsl(parts.query)[:50]))
    first = path[0].lower() if path else ""
    return _by_query(first, path, query) or _by_path(first, path)


def _by_query(first: str, path: list[str], query: dict[str, str]) -> FbTarget | None:
    story, fbid, video = query.get("story_fbid", ""), query.get("fbid", ""), query.get("v", "")
    if first in ("permalink.php", "story.php") and _ID.match(story):
        return FbTarget("post", story, query.get("id"))
    if first in ("photo", "photo.php") and _NUMBER.match(fbid):
        return FbTarget("photo", fbid)
    if first in ("watch", "video.php") and _NUMBER.match(video):
        return FbTarget("video", video)
    if first == "profile.php" and _NUMBER.match(query.get("id", "")):
        return FbTarget("page", page=query["id"])
    return None


def _by_path(first: str, path: list[str]) -> FbTarget | None:
    n = len(path)
    if first == "reel" and n == 2 and _NUMBER.match(path[1]):
        return FbTarget("video", path[1])
    if first == "share" and n >= 3 and path[1] in ("p", "v", "r") and _CODE.match(path[2]):
        return FbTarget("short", path[2])
    if first == "groups" and n >= 2 and _NAME.match(path[1]):
        if n >= 4 and path[2] in ("posts", "permalink") and _ID.match(path[3]):
            return FbTarget("post", path[3], f"groups/{path[1]}")
        return FbTarget("page", page=f"groups/{path[1]}") if n == 2 else None
    if first == "people" and n >= 3 and _NUMBER.match(path[2]):
        return FbTarget("page", page=path[2])
    if n >= 3 and _NAME.match(path[0]) and first not in _NOT_PAGES:
        numbers = [p for p in path[2:] if _NUMBER.match(p)]
        if path[1] == "posts" and _ID.match(path[2]):
            return FbTarget("post", path[2], path[0])
        if path[1] in ("videos", "photos") and numbers:
            return FbTarget("video" if path[1] == "videos" else "photo", numbers[-1], path[0])
        return None
    if n == 1 and _NAME.match(path[0]) and first not in _NOT_PAGES and not first.endswith(".php"):
        return FbTarget("page", page=path[0])
    return None


class FacebookProfile(Profile):
    name = "facebook"
    version = PROFILE_VERSION
    downloads_media = True  # a video platform: yt-dlp fetches a streamed video at its best quality

    def matches(self, url: str) -> bool:
        return facebook_target(url) is not None

    async def prepare(self, page: Any, deadline_s: float, *, replies: int = DEFAULT_REPLIES) -> list[str]:
        """Open the post's text ("See more"), load comments up to ``replies`` with "View more comments",
        then, while fewer than ``replies`` comments and replies show, open comments' threads ("View 2
        replies"). The controls are ``[role=button]`` elements known only by their words."""
        target = facebook_target(str(getattr(page, "url", "")))
        if target is None:
            return []
        budget = Budget(deadline_s)
        notes: list[str] = []
        buttons = ", ".join(f"{scope} [role='button']" for scope in MESSAGE.split(", "))
        if await page_steps.mark_controls(page, budget, buttons, SEE_MORE_WORDS, "see-more"):
            opened = await page_steps.click_all(page, budget, page_steps.marked("see-more"))
            notes.append(f"facebook: opened {opened} truncated text(s) ('See more')")
        if target.kind != "page" and replies > 0:
            shown, clicks = await page_steps.load_replies(
                page, budget, items=COMMENTS, more="[role='button']", want=replies, words=MORE_COMMENTS_WORDS
            )
            notes.append(
                f"facebook: {shown} comment(s) shown after {clicks} click(s) on 'View more comments'"
                f" (up to {replies} asked for)"
            )
            opened, shown = await page_steps.open_threads(
                page, budget, items=COMMENTS, controls="[role='button']", want=replies, words=THREAD_WORDS
            )
            if opened:
                notes.append(
                    f"facebook: opened {opened} comment thread(s) ('View replies');"
                    f" {shown} comment(s) and replies shown"
                )
        return notes

    def extract(self, url: str, html: str, *, frames: Sequence[Frame] = ()) -> PostRecord | None:
        target = facebook_target(url) or FbTarget("post")
        doc = parse_html(html, url)
        relay = read_relay(doc)
        notes = [*doc.notes, *relay.notes]
        meta = read_meta(doc)
        found: PostRecord | None
        if target.kind == "page":
            found = read_page(doc, target.page or "", relay, meta)
        elif target.kind == "photo":
            found = read_photo(doc, target.id or "", relay, meta)
        elif target.kind == "video" or (target.kind == "short" and shows_video(doc, relay)):
            found = read_video(doc, target.id if target.kind == "video" else None, relay, meta)
        else:
            found = _post(doc, target, relay, meta)
        record = found or _not_shown(doc, target, meta)
        if record.page_state == "unknown" and (urlsplit(url).hostname or "").lower() in MOBILE_HOSTS:
            notes.append(_mobile_note(url))
        return with_notes(record, notes)


def _mobile_note(url: str) -> str:
    """Where to capture a post record from, for a mobile page the profile cannot read."""
    parts = urlsplit(url)
    desktop = parts._replace(netloc="www.facebook.com").geturl()
    return (
        f"page: {parts.hostname} (Facebook's mobile site) draws its pages from components with no markup"
        f" a post can be read from; the capture keeps what it showed. For a post record, capture"
        f" {desktop[:2000]}"
    )


# ---------------------------------------------------------------- a post


def _post(doc: Document, target: FbTarget, relay: Relay, meta: Meta) -> PostRecord | None:
    root = post_root(doc)
    story = find_story(relay, (target.id or "",))
    if root is None and story is None:
        return None
    draft = read_post(doc, root, story, relay)
    _fill_ids(draft, target, meta)
    return draft.build()


def _fill_ids(draft: PostDraft, target: FbTarget, meta: Meta) -> None:
    if draft.post_id is None:
        draft.set_line("post_id", target.id if target.kind != "short" else None, "the URL")
    declared = og(meta, "og:url")
    if draft.canonical_url is None and declared and POST_LINK.search(declared):  # not a login page's own
        draft.set_line("canonical_url", clean_url(declared), 'meta "og:url"', 8000)


def _not_shown(doc: Document, target: FbTarget, meta: Meta) -> PostRecord:
    draft = new_draft()
    _fill_ids(draft, target, meta)
    if draft.canonical_url is None and target.kind == "post" and target.page and target.id:
        url = f"https://www.facebook.com/{target.page}/posts/{target.id}"
        draft.set_line("canonical_url", url, "the URL")
    state = facebook_state(doc)
    if state is None:
        draft.page_state = "unknown"
        draft.note("page", "no Facebook post, video or page found, and no message saying why")
        return draft.build()
    draft.page_state, said = state
    draft.note("page", f"Facebook shows {said!r}")
    if draft.page_state == "deleted":
        draft.note("page", "Facebook says this for a post deleted and for one shared with fewer people")
    own_page = target.id is not None and target.id in (og(meta, "og:url") or "")
    if draft.page_state in ("login_wall", "age_gate") and own_page:
        # What the post's own page still declares behind the wall: said as such, never as the post.
        draft.set_line("title", og(meta, "og:title"), 'meta "og:title" (behind the wall)')
        where = 'meta "og:description" (behind the wall; Facebook may cut it)'
        draft.set_text(og(meta, "og:description"), where)
    return draft.build()
