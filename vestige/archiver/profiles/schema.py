"""A schema.org item (from JSON-LD) as post record fields: SocialMediaPosting, DiscussionForumPosting,
NewsArticle, Article, VideoObject and their kin share the CreativeWork properties read here."""

from __future__ import annotations

from typing import Any

from .draft import PostDraft, make_author, make_media, make_ref
from .embedded_json import dig
from .html import Document
from .jsonld import POSTING_TYPES, JsonLd, Node, first, text_of, types, url_of
from .post import MAX_REPLIES, MediaType
from .values import parse_dimension, parse_duration

MAX_ITEMS = 20  # images, videos... read from one property
# schema.org Action types counted by InteractionCounter, and the count each one is.
ACTION_COUNTS = {
    "LikeAction": "likes",
    "ShareAction": "shares",
    "CommentAction": "replies",
    "ReplyAction": "replies",
    "WatchAction": "views",
    "ViewAction": "views",
    "ListenAction": "views",
    "FollowAction": "followers",
    "BookmarkAction": "bookmarks",
    "DislikeAction": "dislikes",
}
_MEDIA_TYPES: dict[str, MediaType] = {"ImageObject": "image", "VideoObject": "video", "AudioObject": "audio"}


def fill_from_schema(draft: PostDraft, node: Node, ld: JsonLd, doc: Document, depth: int = 0) -> None:
    kind = sorted(types(node))[0] if types(node) else "item"
    where = f"json-ld {kind}"
    if POSTING_TYPES & types(node):
        draft.page_state = "post"
    draft.set_line("post_id", text_of(ld.deref(node.get("identifier"))), f"{where}.identifier")
    for key in ("url", "mainEntityOfPage", "@id"):
        if draft.set_line("canonical_url", doc.absolute(url_of(node.get(key))), f"{where}.{key}"):
            break
    draft.set_line(
        "title", text_of(node.get("headline")) or text_of(node.get("name")), f"{where}.headline/name"
    )
    for key in ("articleBody", "text", "description", "caption"):
        if draft.set_text(text_of(node.get(key)), f"{where}.{key}"):
            break
    for key in ("datePublished", "dateCreated", "uploadDate"):
        if draft.set_time("posted_at", text_of(node.get(key)), f"{where}.{key}"):
            break
    draft.set_time("edited_at", text_of(node.get("dateModified")), f"{where}.dateModified")
    language = ld.deref(first(node.get("inLanguage")))
    if isinstance(language, dict):
        language = language.get("alternateName") or language.get("name")
    draft.set_line("language", text_of(language), f"{where}.inLanguage")
    _author(draft, node, ld, doc, where)
    _media(draft, node, ld, doc)
    _counts(draft, node, ld, where)
    shared = ld.deref(first(node.get("sharedContent")))
    if shared is not None:
        draft.quote_of = make_ref(doc.absolute(url_of(shared)), text_of(dig(shared, "headline")))
        draft.source("quote_of", f"{where}.sharedContent")
    parent = ld.deref(first(node.get("parentItem")))
    if parent is not None:
        draft.reply_to = make_ref(doc.absolute(url_of(parent)), None, text_of(dig(parent, "text")))
        draft.source("reply_to", f"{where}.parentItem")
    if depth < 1:
        _replies(draft, node, ld, doc)


def _author(draft: PostDraft, node: Node, ld: JsonLd, doc: Document, where: str) -> None:
    for key in ("author", "creator"):
        people = node.get(key)
        person = ld.deref(first(people))
        if person is None:
            continue
        if isinstance(person, str):
            draft.author = make_author(person)
        elif isinstance(person, dict):
            ident = ld.deref(person.get("identifier"))
            draft.author = make_author(
                text_of(person.get("name")),
                text_of(person.get("alternateName")),
                text_of(dig(ident, "value") if isinstance(ident, dict) else ident),
                doc.absolute(url_of(person.get("url")) or text_of(person.get("sameAs"))),
            )
        if draft.author is not None:
            draft.source("author", f"{where}.{key}")
            if isinstance(people, list) and len(people) > 1:
                draft.note("author", f"{len(people)} authors are named; the first is recorded")
            return


def _media(draft: PostDraft, node: Node, ld: JsonLd, doc: Document) -> None:
    own = _media_type(node)
    items: list[tuple[Any, MediaType]] = [(node, own)] if own else []
    properties: tuple[tuple[str, MediaType], ...] = (
        ("video", "video"),
        ("audio", "audio"),
        ("associatedMedia", "file"),
        ("image", "image"),
    )
    for key, kind in properties:
        values = node.get(key)
        for value in (values if isinstance(values, list) else [values])[:MAX_ITEMS]:
            if value is not None:
                items.append((ld.deref(value), kind))
    for value, kind in items:
        declared = _media_type(value) or kind
        url: str | None
        if isinstance(value, str):
            url, thumb, width, height, duration = value, None, None, None, None
        elif isinstance(value, dict):
            url = text_of(value.get("contentUrl")) or (
                text_of(value.get("url")) if declared == "image" else None
            )
            thumb = url_of(value.get("thumbnailUrl") or value.get("thumbnail"))
            width, height = parse_dimension(value.get("width")), parse_dimension(value.get("height"))
            duration = parse_duration(text_of(value.get("duration")))
            if player := doc.absolute(url_of(value.get("embedUrl"))):
                draft.discovery.setdefault("player", player)  # an HTML player page, not a media file
        else:
            continue
        item = make_media(
            doc.absolute(url),
            declared,
            width=width,
            height=height,
            duration_s=duration,
            thumbnail_url=doc.absolute(thumb),
        )
        if item is not None:
            draft.add_media(item)
            draft.source("media", "json-ld (contentUrl, image, video, audio, associatedMedia)")


def _media_type(node: Any) -> MediaType | None:
    return next((kind for name, kind in _MEDIA_TYPES.items() if name in types(node)), None)


def _counts(draft: PostDraft, node: Node, ld: JsonLd, where: str) -> None:
    stats = node.get("interactionStatistic")
    for stat in (stats if isinstance(stats, list) else [stats])[:MAX_ITEMS]:
        stat = ld.deref(stat)
        if not isinstance(stat, dict):
            continue
        action = ld.deref(first(stat.get("interactionType")))
        action_name = next(iter(types(action)), None) or (text_of(action) or "").rsplit("/", 1)[-1]
        name = ACTION_COUNTS.get(action_name or "")
        shown = text_of(stat.get("userInteractionCount"))
        if name and shown is not None and name not in draft.counts:
            draft.set_count(name, shown, f"{where}.interactionStatistic {action_name}")
    if "replies" not in draft.counts and (shown := text_of(node.get("commentCount"))) is not None:
        draft.set_count("replies", shown, f"{where}.commentCount")


def _replies(draft: PostDraft, node: Node, ld: JsonLd, doc: Document) -> None:
    comments = node.get("comment")
    listed = comments if isinstance(comments, list) else [comments] if comments is not None else []
    for comment in listed[: MAX_REPLIES + 1]:
        comment = ld.deref(comment)
        if not isinstance(comment, dict):
            continue
        reply = PostDraft(draft.platform, draft.profile, draft.profile_version)
        fill_from_schema(reply, comment, ld, doc, depth=1)
        reply.page_state = "post"  # a comment the page lists is there, whatever its type
        draft.add_reply(reply.build())
    if listed:
        draft.source("replies", "json-ld comment")
