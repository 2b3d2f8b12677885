"""One Bluesky post as the bsky.app web app renders it (a thread item or a feed item), as a post record.

The app is React Native for Web: markup is nested ``<div>``s with generated classes, so what is read is what
the app marks for its own tests and for accessibility, and the links it renders:

  [data-testid="postThreadItem-by-<handle>"]   a post of a thread (the anchor, its parents, its replies)
  [data-testid="feedItem-by-<handle>"]         a post of a profile's feed
    a[href="/profile/<handle>"]                the author: display name, then "@handle"
    img[src*="/img/avatar_thumbnail/plain/<did>/"]   the author's avatar, whose URL names the account's DID
    a[href="/profile/<h>/post/<rkey>"][title]  the post's own link, titled with the time the app shows
                                               (in the browser's local time zone, without an offset)
    [data-testid="postText"]                   the text (links, mentions and tags as <a href>)
    img[src*="cdn.bsky.app/img/feed_thumbnail/plain/<did>/<cid>"]   an image (app.bsky.embed.images#view)
    video[poster*="video.bsky.app/watch/<did>/<cid>/thumbnail.jpg"] a video (app.bsky.embed.video#view;
                                               played from playlist.m3u8 beside the poster, through a blob:)
    [aria-label^="Post by "] / a[title^="Post by "]   a quoted post (app.bsky.embed.record#view)
    [data-testid="replyBtn"] / "repostCount" / "likeCount"   the counts under a post
    [data-testid="repostCount-expanded"] / "quoteCount-expanded" / "likeCount-expanded"   the anchor's
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from selectolax.lexbor import LexborNode

from .draft import PostDraft, make_author, make_media, make_ref
from .html import Document, ancestor, attr, node_text
from .post import MAX_LINE, MAX_TEXT, PostRecord, Ref

PLATFORM = "bluesky"
PROFILE_VERSION = 1
APP = "https://bsky.app"
THREAD_ITEM = '[data-testid^="postThreadItem-by-"]'
FEED_ITEM = '[data-testid^="feedItem-by-"]'
EXPANDED_COUNTS = '[data-testid$="Count-expanded"]'
_QUOTE = '[aria-label^="Post by "], a[title^="Post by "]'
_POST_PATH = re.compile(r"^/profile/([^/?#]{1,2100})/post/([A-Za-z0-9._:~-]{1,512})/?$")
_CDN_DID = re.compile(
    r"^https://(?:cdn\.bsky\.app/img/[a-z_]{1,40}/plain|video\.bsky\.app/watch)/(did(?::|%3[Aa])[A-Za-z0-9._:%-]{1,2000}?)/"
)
_VIDEO_POSTER = re.compile(r"^(https://video\.bsky\.app/watch/[^?#]{1,4000}/)thumbnail\.jpg(?:[?#].*)?$")
MAX_SCAN = 200  # elements of one kind looked at in one item (a hostile page may hold millions)
_COUNTS = (("replyBtn", "replies"), ("repostCount", "shares"), ("likeCount", "likes"))
_EXPANDED = (
    ("repostCount-expanded", "shares"),
    ("quoteCount-expanded", "quotes"),
    ("likeCount-expanded", "likes"),
)


def new_draft() -> PostDraft:
    return PostDraft(PLATFORM, PLATFORM, PROFILE_VERSION)


def item_handle(node: LexborNode) -> str | None:
    """The author's handle, from the item's ``data-testid`` ("postThreadItem-by-<handle>")."""
    testid = attr(node, "data-testid", 400) or ""
    handle = testid.split("-by-", 1)[1] if "-by-" in testid else ""
    return handle.strip() or None


def post_path(href: str | None) -> tuple[str, str] | None:
    """(actor, rkey) from a post link ("/profile/<handle or did>/post/<rkey>", or the full bsky.app URL)."""
    if not href:
        return None
    try:
        parts = urlsplit(href.strip())
    except ValueError:
        return None
    if parts.netloc and parts.netloc.lower() not in ("bsky.app", "www.bsky.app"):
        return None
    m = _POST_PATH.match(parts.path)
    return (unquote(m.group(1)), m.group(2)) if m else None


def post_url(actor: str, rkey: str) -> str:
    return f"{APP}/profile/{actor}/post/{rkey}"


def did_in(url: str | None) -> str | None:
    """The account DID a cdn.bsky.app or video.bsky.app URL names (avatars, images and videos are filed
    under their owner's DID)."""
    m = _CDN_DID.match(url or "")
    return unquote(m.group(1)) if m else None


def in_quote(node: LexborNode, item: LexborNode) -> bool:
    """Whether ``node`` lies inside a quoted post's card within ``item``."""

    def card(a: LexborNode) -> bool:
        label = attr(a, "aria-label", 200) or attr(a, "title", 200) or ""
        return label.startswith("Post by ") and (a.tag != "a" or post_path(attr(a, "href")) is not None)

    return ancestor(node, card, item) is not None


def own_link(item: LexborNode) -> LexborNode | None:
    """The post's own link (the time the app shows, linked to the post), outside any quoted post."""
    for a in item.css('a[href*="/post/"][title]')[:MAX_SCAN]:
        title = attr(a, "title", 200) or ""
        if not title.startswith("Post by ") and post_path(attr(a, "href")) and not in_quote(a, item):
            return a
    return None


def read_item(item: LexborNode, doc: Document) -> PostRecord:
    """A thread or feed item as a post record (its replies are the caller's)."""
    draft = new_draft()
    draft.page_state = "post"
    fill_item(draft, item, doc)
    return draft.build()


def fill_item(draft: PostDraft, item: LexborNode, doc: Document, *, rkey: str | None = None) -> None:
    handle = item_handle(item)
    link = own_link(item)
    ids = post_path(attr(link, "href"))
    if ids is not None:
        rkey = ids[1]
    if rkey:
        draft.set_line("post_id", rkey, "the post's own link (its record key)" if ids else "the URL")
        if handle:
            draft.set_line("canonical_url", post_url(handle, rkey), "data-testid handle + record key", 8000)
    _author(draft, item, handle)
    if link is not None:
        shown = attr(link, "title", MAX_LINE) or node_text(link, MAX_LINE)
        draft.posted_at_raw = shown
        draft.source("posted_at", "the post link's title, as the app shows it")
        draft.note(
            "posted_at",
            f"the app shows {shown!r} in the browser's local time zone, without an offset: not converted",
        )
    _text(draft, item, doc)
    _media(draft, item, doc)
    _counts(draft, item)
    _quote(draft, item, doc, rkey)


def _author(draft: PostDraft, item: LexborNode, handle: str | None) -> None:
    name = None
    if handle:
        for a in item.css("a[href]")[:MAX_SCAN]:
            href = attr(a, "href") or ""
            if href.rstrip("/") in (f"/profile/{handle}", f"{APP}/profile/{handle}") and not in_quote(
                a, item
            ):
                shown = node_text(a, MAX_LINE).replace("\u00a0", " ").strip()
                if shown and not shown.startswith("@"):
                    name = shown
                    break
    avatar = next(
        (i for i in item.css('img[src*="/img/avatar"]')[:MAX_SCAN] if not in_quote(i, item)),
        None,
    )
    did = did_in(attr(avatar, "src"))
    draft.author = make_author(
        name, f"@{handle}" if handle else None, did, f"{APP}/profile/{handle}" if handle else None
    )
    if draft.author is not None:
        where = "data-testid handle, the author's link"
        draft.source("author", where + (", the avatar URL's DID" if did else ""))


def _text(draft: PostDraft, item: LexborNode, doc: Document) -> None:
    body = next((n for n in item.css('[data-testid="postText"]')[:MAX_SCAN] if not in_quote(n, item)), None)
    if body is None:
        return
    draft.set_text(node_text(body, MAX_TEXT), '[data-testid="postText"]')
    for a in body.css("a[href]")[:MAX_SCAN]:
        draft.add_link(doc.absolute(attr(a, "href")))


def _media(draft: PostDraft, item: LexborNode, doc: Document) -> None:
    for img in item.css('img[src*="/img/feed_thumbnail/"], img[src*="/img/feed_fullsize/"]')[:MAX_SCAN]:
        if in_quote(img, item):
            continue
        thumb = doc.absolute(attr(img, "src"))
        full = thumb.replace("/img/feed_thumbnail/", "/img/feed_fullsize/") if thumb else None
        media = make_media(full, "image", thumbnail_url=thumb)
        if media is not None:
            draft.add_media(media)
            draft.source(
                "media", "img on cdn.bsky.app (feed_thumbnail shown; feed_fullsize is the same blob)"
            )
    for video in item.css("video")[:MAX_SCAN]:
        if in_quote(video, item):
            continue
        poster = doc.absolute(attr(video, "poster"))
        src = doc.absolute(attr(video, "src"))
        m = _VIDEO_POSTER.match(poster or "")
        url = f"{m.group(1)}playlist.m3u8" if m else src
        media = make_media(url, "video", thumbnail_url=poster)
        if media is not None:
            draft.add_media(media)
            draft.source("media", "video: its poster on video.bsky.app; the HLS playlist.m3u8 beside it")
        if media is None or media.url is None:
            draft.note("media", "a video whose file the page does not name (played from a blob: URL)")


def _counts(draft: PostDraft, item: LexborNode) -> None:
    for testid, name in (*_EXPANDED, *_COUNTS):
        if name in draft.counts:
            continue
        found = item.css(f'[data-testid="{testid}"]')[:MAX_SCAN]
        node = next((n for n in found if not in_quote(n, item)), None)
        shown = node_text(node, 60) if node is not None else ""
        if shown:
            draft.set_count(name, shown, f'[data-testid="{testid}"]')


def _quote(draft: PostDraft, item: LexborNode, doc: Document, rkey: str | None) -> None:
    for card in item.css(_QUOTE)[:MAX_SCAN]:
        link = card if card.tag == "a" else card.css_first('a[href*="/post/"]')
        ids = post_path(attr(link, "href"))
        if ids is None or ids[1] == rkey or in_quote(card, item):
            continue
        draft.quote_of = quote_ref(card, ids)
        if draft.quote_of is not None:
            draft.source("quote_of", "the quoted post's card (app.bsky.embed.record#view)")
        return


def quote_ref(card: LexborNode, ids: tuple[str, str]) -> Ref | None:
    name_link = next(
        (
            a
            for a in card.css("a[href]")[:MAX_SCAN]
            if (attr(a, "href") or "").rstrip("/").endswith(f"/profile/{ids[0]}")
            and not node_text(a, MAX_LINE).lstrip("\u00a0 ").startswith("@")
        ),
        None,
    )
    name = node_text(name_link, MAX_LINE) if name_link is not None else f"@{ids[0]}"
    text_node = card.css_first('[data-testid="postText"]')
    return make_ref(post_url(*ids), name, node_text(text_node, MAX_LINE) if text_node else None)
