"""One Telegram message as its web preview shows it (a ``.tgme_widget_message`` block), as a post record.

The same block appears in a channel listing (``t.me/s/<channel>``) and in a post's embed frame
(``t.me/<channel>/<id>?embed=1``). Markup as Telegram serves it and public scrapers rely on:

  div.tgme_widget_message[data-post="channel/123"]
    a.tgme_widget_message_owner_name              the channel (its href is the channel's page)
    .tgme_widget_message_forwarded_from           "Forwarded from" + .tgme_widget_message_forwarded_from_name
    a.tgme_widget_message_reply                   the message replied to (its text: .js-message_reply_text)
    a.tgme_widget_message_photo_wrap              a photo, as style="background-image:url('...')"
    a.tgme_widget_message_video_player            <video src>, its thumbnail, <time> with the running time
    .tgme_widget_message_text                     the text (a caption nests one inside another)
    .tgme_widget_message_views                    "12.4K"
    .tgme_widget_message_meta                     "edited" (no edit time shown), a.tgme_widget_message_date
                                                  with <time datetime="2023-10-05T06:12:40+00:00">
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from .draft import PostDraft, make_author, make_media, make_ref
from .html import Document, attr, has_class, inside, node_text
from .post import MAX_LINE, MAX_TEXT, Media, PostRecord
from .values import background_url, parse_count, parse_duration

PLATFORM = "telegram"
PROFILE_VERSION = 1
MESSAGE = ".tgme_widget_message[data-post]"
_QUOTED = ("tgme_widget_message_reply", "tgme_widget_message_link_preview")
_MEDIA = (
    ".tgme_widget_message_photo_wrap, .tgme_widget_message_video_player, "
    ".tgme_widget_message_roundvideo_player, audio.tgme_widget_message_voice, "
    ".tgme_widget_message_sticker_wrap, .tgme_widget_message_document_wrap"
)
_DATA_POST = re.compile(r"^([A-Za-z0-9_]{1,64})/(\d{1,15})$")


def new_draft() -> PostDraft:
    return PostDraft(PLATFORM, PLATFORM, PROFILE_VERSION)


def data_post(node: LexborNode) -> tuple[str, str] | None:
    """(channel, message id) from ``data-post="channel/123"``."""
    m = _DATA_POST.match(attr(node, "data-post", 100) or "")
    return (m.group(1), m.group(2)) if m else None


def read_message(node: LexborNode, doc: Document) -> PostRecord:
    draft = new_draft()
    draft.page_state = "post"
    ids = data_post(node)
    if ids is not None:
        channel, message_id = ids
        draft.set_line("post_id", message_id, "data-post")
        draft.set_line("canonical_url", f"https://t.me/{channel}/{message_id}", "data-post")
    else:
        draft.note("post_id", "the message block has no readable data-post")
    _author(node, doc, draft, ids[0] if ids else None)
    _text(node, doc, draft)
    _time(node, draft)
    _media(node, doc, draft)
    _counts(node, draft)
    _context(node, doc, draft)
    if has_class(node, "service_message"):
        draft.source("text", "a service message (.service_message): Telegram's own words, not the channel's")
    return draft.build()


def _outside_quotes(node: LexborNode, query: str) -> list[LexborNode]:
    return [n for n in node.css(query) if not inside(n, node, _QUOTED)]


def _author(node: LexborNode, doc: Document, draft: PostDraft, channel: str | None) -> None:
    owner = node.css_first(".tgme_widget_message_owner_name")
    href = doc.absolute(attr(owner, "href"))
    handle = f"@{channel}" if channel else None
    if href and (m := re.match(r"^https://t\.me/([A-Za-z0-9_]{1,64})/?$", href)):
        handle = f"@{m.group(1)}"
    name = node_text(owner, MAX_LINE) if owner is not None else None
    draft.author = make_author(name, handle, None, href or (f"https://t.me/{channel}" if channel else None))
    if draft.author is not None:
        draft.source("author", ".tgme_widget_message_owner_name" if owner is not None else "data-post")


def _text(node: LexborNode, doc: Document, draft: PostDraft) -> None:
    texts = [
        n
        for n in _outside_quotes(node, ".tgme_widget_message_text")
        if not has_class(n, "js-message_reply_text")
    ]
    if not texts:
        return
    body = texts[0]  # the outermost: a media caption nests a second text block inside the first
    draft.set_text(node_text(body, MAX_TEXT), ".tgme_widget_message_text")
    for a in body.css("a[href]"):
        draft.add_link(doc.absolute(attr(a, "href")))


def _time(node: LexborNode, draft: PostDraft) -> None:
    stamp = node.css_first(".tgme_widget_message_date time[datetime]") or next(
        (t for t in _outside_quotes(node, "time[datetime]")), None
    )
    if not draft.set_time(
        "posted_at", attr(stamp, "datetime", 100), ".tgme_widget_message_date time[datetime]"
    ):
        draft.note("posted_at", "the message shows no time")
    meta = node.css_first(".tgme_widget_message_meta")
    if meta is None:
        return
    shown = node_text(meta, 200)
    draft.edited = "edited" in shown.lower()
    draft.source("edited", ".tgme_widget_message_meta ('edited' marker)")
    if draft.edited:
        draft.note("edited_at", "Telegram marks the message as edited but does not show when")


def _media(node: LexborNode, doc: Document, draft: PostDraft) -> None:
    for element in _outside_quotes(node, _MEDIA):
        item = _media_item(element, doc, draft)
        if item is not None:
            draft.add_media(item)
    if draft.media:
        draft.source("media", ".tgme_widget_message_photo_wrap / _video_player / _voice / _sticker")
    for label in _outside_quotes(node, ".message_media_not_supported_label"):
        if not inside(
            label, node, ("tgme_widget_message_video_player", "tgme_widget_message_roundvideo_player")
        ):
            draft.note("content", f"the web preview does not show it: {node_text(label, 200)!r}")
    if node.css_first(".tgme_widget_message_poll") is not None:
        draft.note("poll", "a poll is shown; its options are not read")


def _media_item(element: LexborNode, doc: Document, draft: PostDraft) -> Media | None:
    if has_class(element, "tgme_widget_message_photo_wrap"):
        return make_media(doc.absolute(background_url(attr(element, "style"))), "image")
    if has_class(element, "tgme_widget_message_document_wrap"):
        title = node_text(element.css_first(".tgme_widget_message_document_title"), 200)
        draft.note("media", f"a document ({title!r}) is shown; the web preview offers no file for it")
        return None
    if element.tag == "audio":
        duration = (
            node_text(element.parent.css_first(".tgme_widget_message_voice_duration"), 20)
            if element.parent
            else ""
        )
        return make_media(doc.absolute(attr(element, "src")), "audio", duration_s=parse_duration(duration))
    if has_class(element, "tgme_widget_message_sticker_wrap"):
        inner = element.css_first("img[src], video[src]")
        url = attr(inner, "src") or background_url(attr(element.css_first("[style]"), "style"))
        return make_media(
            doc.absolute(url), "video" if inner is not None and inner.tag == "video" else "image"
        )
    video = element.css_first("video")
    thumb = element.css_first(".tgme_widget_message_video_thumb, .tgme_widget_message_roundvideo_thumb")
    shown = node_text(element.css_first(".message_video_duration, .message_roundvideo_duration"), 20)
    item = make_media(
        doc.absolute(attr(video, "src")),
        "video",
        duration_s=parse_duration(shown),
        thumbnail_url=doc.absolute(background_url(attr(thumb, "style"))),
    )
    if item is not None and item.url is None:
        label = node_text(element.css_first(".message_media_not_supported_label"), 200) or "no <video src>"
        draft.note(
            "media", f"a video the web preview offers no file for ({label!r}); only its thumbnail is listed"
        )
    return item


def _counts(node: LexborNode, draft: PostDraft) -> None:
    views = next(iter(_outside_quotes(node, ".tgme_widget_message_views")), None)
    if views is not None:
        draft.set_count("views", node_text(views, 50), ".tgme_widget_message_views")
    reactions = node.css(".tgme_widget_message_reactions .tgme_reaction")[:50]
    if not reactions:
        return
    shown: list[str] = []
    total: int | None = 0
    for reaction in reactions:
        emoji = node_text(reaction.css_first(".emoji, tg-emoji"), 20)
        number = node_text(reaction, 60)[len(emoji) :].strip() if emoji else node_text(reaction, 60)
        count = parse_count(number)
        total = None if count is None or total is None else total + count
        shown.append(f"{emoji} {number}".strip())
    draft.counts_raw["reactions"] = " · ".join(shown)[:MAX_LINE]
    draft.counts["reactions"] = total
    draft.source("counts.reactions", ".tgme_widget_message_reactions (the sum of every reaction shown)")


def _context(node: LexborNode, doc: Document, draft: PostDraft) -> None:
    forwarded = node.css_first(".tgme_widget_message_forwarded_from")
    if forwarded is not None:
        name_node = forwarded.css_first(".tgme_widget_message_forwarded_from_name")
        name = node_text(name_node, MAX_LINE) if name_node is not None else None
        if not name:
            name = re.sub(r"^\s*Forwarded from\s*", "", node_text(forwarded, MAX_LINE))
        draft.forwarded_from = make_ref(doc.absolute(attr(name_node, "href")), name)
        draft.source("forwarded_from", ".tgme_widget_message_forwarded_from")
    reply = node.css_first(".tgme_widget_message_reply")
    if reply is not None:
        draft.reply_to = make_ref(
            doc.absolute(attr(reply, "href")),
            node_text(reply.css_first(".tgme_widget_message_author_name"), MAX_LINE),
            node_text(reply.css_first(".js-message_reply_text"), MAX_LINE),
        )
        draft.source("reply_to", ".tgme_widget_message_reply")
    preview = node.css_first("a.tgme_widget_message_link_preview")
    if preview is not None:
        draft.add_link(doc.absolute(attr(preview, "href")))
