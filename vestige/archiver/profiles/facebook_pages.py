"""Facebook's pages other than a post: a video (``/watch/?v=``, ``/videos/``, ``/reel/``), a photo
(``/photo/?fbid=``) and a page, profile or group with the posts it shows.

A video is read from Facebook's data for it (``"__typename":"Video"``: ``browser_native_hd_url``,
``playable_url``, ``playable_duration_in_ms``, ``preferred_thumbnail``, ``owner``, ``publish_time``, as
yt-dlp's facebook extractor reads them) and the story it was posted in, with the ``<video src>`` the page
plays as its file; a photo from its ``"__typename":"Photo"`` (``image``, ``owner``, ``created_time``); a
page from its ``h1``, its "followers" and the stories in its data (``timeline_list_feed_units``).
Each returns None when the page does not show what it reads, so the caller can say why.
"""

from __future__ import annotations

import re
from typing import Any

from .draft import PostDraft, make_author, make_media
from .embedded_json import as_str, as_text, dig, obj
from .facebook_comments import new_draft
from .facebook_links import fb_handle
from .facebook_post import post_root, read_post
from .facebook_relay import (
    Relay,
    StoryView,
    find_story,
    merged,
    number,
    story_media,
    uri,
    video_file,
    video_seconds,
)
from .facebook_states import facebook_state
from .html import Document, attr, node_text
from .meta import Meta
from .post import MAX_LINE, MAX_MESSAGES, PostRecord
from .readings import set_unix_time, unique
from .values import is_digits


def og(meta: Meta, key: str) -> str | None:
    found = meta.get(key)
    return found[1] if found else None


def _words(value: Any) -> str | None:
    """The text of a Facebook text object ({"text": ...})."""
    return as_text(dig(value, "text"))


def _owner(draft: PostDraft, owner: Any, where: str) -> None:
    if draft.author is None and isinstance(owner, dict):
        url = as_text(owner.get("url"))
        draft.author = make_author(as_text(owner.get("name")), fb_handle(url), as_str(owner.get("id")), url)
        draft.source("author", where)


def shows_video(doc: Document, relay: Relay) -> bool:
    return doc.first("video[src]") is not None or any(video_file(c)[0] for c in relay.videos.values())


def read_video(doc: Document, vid: str | None, relay: Relay, meta: Meta) -> PostRecord | None:
    """The video page of video ``vid`` (None: the video the page plays, for a short link); None when the
    page holds no video."""
    from_url = vid is not None
    copies = relay.videos.get(vid or "") or next((c for c in relay.videos.values() if video_file(c)[0]), [])
    vid = vid or as_str(merged(copies, "id"))
    story = _story_with(relay, vid) if vid else None
    played = next((u for v in doc.css("video[src]") if (u := doc.absolute(attr(v, "src")))), None)
    if not copies and played is None and story is None:
        return None
    draft = read_post(doc, post_root(doc), story, relay)
    draft.set_line("post_id", vid, "the URL" if from_url else "relay Video.id")
    if vid:
        draft.set_line("canonical_url", f"https://www.facebook.com/watch/?v={vid}", "the video's id")
    title = _words(merged(copies, "title")) or as_text(merged(copies, "name"))
    if not draft.set_line("title", title, "relay Video.title"):
        draft.set_line("title", og(meta, "og:title"), 'meta "og:title"')
    if draft.text is None:
        description = _words(merged(copies, "savable_description"))
        draft.set_text(description, "relay Video.savable_description")
    _owner(draft, merged(copies, "owner"), "relay Video.owner")
    for key in ("publish_time", "creation_time"):
        if draft.posted_at is None:
            seconds = merged(copies, key)
            set_unix_time(
                draft, "posted_at", seconds, shown=None, declared_as=key, where=f"relay Video.{key}"
            )
    _one_video(draft, copies, played, meta)
    views = number(merged(copies, "video_view_count"))
    if views is not None:  # the exact number, over the rounded one shown
        draft.set_count("views", str(views), "relay Video.video_view_count")
    return draft.build()


def _story_with(relay: Relay, media_id: str) -> StoryView | None:
    for story_id, copies in list(relay.stories.items())[:200]:
        view = StoryView(story_id, copies)
        if any(as_str(m.get("id")) == media_id for m in story_media(view)):
            return view
    return None


def _one_video(draft: PostDraft, copies: list[Any], played: str | None, meta: Meta) -> None:
    """The video as one media item: the file the page plays, with its size, length and thumbnail from
    Facebook's data; without a played file, the best one the data names."""
    best, key = video_file(copies)
    thumb = merged(copies, "preferred_thumbnail")
    thumb_url = uri(thumb.get("image")) if isinstance(thumb, dict) else None
    item = make_media(
        played or best or og(meta, "og:video"),
        "video",
        width=number(merged(copies, "width")) or None,
        height=number(merged(copies, "height")) or None,
        duration_s=video_seconds(copies),
        thumbnail_url=thumb_url or og(meta, "og:image"),
    )
    draft.media = [item] if item is not None else []
    draft.source("media", "<video src> (the file the page plays)" if played else f"relay Video.{key}")
    if item is not None and item.url is None:
        draft.note("media", "the page offers no video file")


def read_photo(doc: Document, fbid: str, relay: Relay, meta: Meta) -> PostRecord | None:
    """The photo page of photo ``fbid``; None when the page shows no photo."""
    copies = relay.photos.get(fbid, [])
    shown = doc.first('img[data-visualcompletion="media-vc-image"][src]')
    if not copies and shown is None and not meta.get("og:image"):
        return None
    draft = read_post(doc, post_root(doc), find_story(relay, (fbid,)), relay)
    draft.set_line("post_id", fbid, "the URL")
    draft.set_line("canonical_url", f"https://www.facebook.com/photo/?fbid={fbid}", "the photo's id")
    _owner(draft, merged(copies, "owner"), "relay Photo.owner")
    if draft.posted_at is None:
        seconds = merged(copies, "created_time")
        where = "relay Photo.created_time"
        set_unix_time(draft, "posted_at", seconds, shown=None, declared_as="created_time", where=where)
    image = merged(copies, "image")
    size = obj(image)
    url = uri(image) or doc.absolute(attr(shown, "src")) or og(meta, "og:image")
    width, height = number(size.get("width")) or None, number(size.get("height")) or None
    item = make_media(url, "image", width=width, height=height)
    draft.media = [item] if item is not None else []
    draft.source("media", "relay Photo.image" if uri(image) else "the photo shown / og:image")
    if draft.text is None:
        draft.set_text(og(meta, "og:description"), 'meta "og:description"')
    return draft.build()


# ---------------------------------------------------------------- a page, a profile, a group

_FOLLOWERS = re.compile(
    r"^(\d[\d\s.,KkMm]*)\s*(?:тыс\.?\s*)?(followers|likes|подписчик\w*|підписник\w*|участник\w*|members)$",
    re.I,
)


def _page_stories(relay: Relay) -> list[StoryView]:
    """The stories the page lists: those with a time, less those only shared by another."""
    views = [StoryView(i, c) for i, c in list(relay.stories.items())[: MAX_MESSAGES * 4]]
    shared = {as_str(s.get("id")) for v in views if (s := v.shared()) is not None}
    return [v for v in views if v.id not in shared and v.first("creation_time") is not None]


def read_page(doc: Document, page: str, relay: Relay, meta: Meta) -> PostRecord | None:
    """The page, profile or group ``page`` (as the URL names it) with the posts it shows; None when the
    page shows none of it (or says why not, other than asking to log in to see more)."""
    name = node_text(doc.first('[role="main"] h1, h1'), MAX_LINE) or og(meta, "og:title") or ""
    stories = _page_stories(relay)
    articles = [a for a in doc.css('[role="article"]') if attr(a, "aria-label") is None][: MAX_MESSAGES * 2]
    if not stories and not articles and (not name or facebook_state(doc) is not None):
        return None  # nothing of the page, or only its name over a login page or a message
    draft = new_draft()
    draft.page_state = "channel"
    url = (
        f"https://www.facebook.com/{page}"
        if not is_digits(page)
        else f"https://www.facebook.com/profile.php?id={page}"
    )
    messages = [read_post(doc, None, s, relay).build() for s in stories[: MAX_MESSAGES * 2]]
    if not messages:
        messages = [read_post(doc, a, None, relay).build() for a in articles]
    messages.sort(key=lambda m: m.posted_at or "")
    own = {m.author.id for m in messages if m.author and m.author.id and m.author.display_name == name}
    page_id = page if is_digits(page) else (own.pop() if len(own) == 1 else None)
    draft.author = make_author(name or None, fb_handle(url), page_id, url)
    draft.source("author", "h1 / og:title, the URL, the id of the page's own posts' author")
    draft.set_line("title", name, "h1 / og:title")
    draft.set_line("canonical_url", url, "the URL")
    draft.set_text(og(meta, "og:description"), 'meta "og:description"')
    for span in unique(doc.css("a, span"))[:5000]:
        m = _FOLLOWERS.match(node_text(span, 60))
        if m and "subscribers" not in draft.counts:
            draft.set_count("subscribers", m.group(0), "'followers' as shown")
    draft.set_messages(messages)
    if messages:
        draft.source(
            "messages", "relay Story (the page's posts)" if stories else "[role=article] on the page"
        )
    if (state := facebook_state(doc)) is not None and state[0] == "login_wall":
        draft.note("page", f"Facebook asks to log in to see more: {state[1]!r}")
    return draft.build()
