"""One Mastodon status as the web UI renders it, as a post record.

The web UI (app/javascript/mastodon) renders the status a page is about as ``.detailed-status`` and the
others (ancestors, descendants, a profile's timeline) as ``.status[data-id]``:

  .detailed-status__display-name / .status__display-name   a[href] to the author, data-hover-card-account=<id>
    .display-name__html, .display-name__account            "Олена", "@olena@social.example.org"
  .content-warning p + button.link-button                  the content warning (spoiler_text) and "Show more"
  .status__content__text[lang]                             the content (HTML from the API), its language
  .media-gallery__item-thumbnail[href] img[src]            an image: the original, its preview
  .media-gallery__gifv video / .video-player video[src]    a GIF-like video / a video (poster = preview)
  .video-player[style*="aspect-ratio: W / H"]              meta.original width and height
  .audio-player audio[src]                                 an audio file
  .spoiler-button__overlay                                 sensitive media not shown until clicked
  .status__relative-time[href] time[datetime]             a status's URL and time (ISO 8601, UTC)
  abbr[title^="Edited"]                                    the edit marker of a status in a list
  .detailed-status__datetime / __meta "Edited ..."         the detailed status's time as shown (no offset)
  .detailed-status__reblogs / __favorites                  its boosts and favourites
  .status-card[href]                                       the link preview card
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from .draft import PostDraft, make_author, make_media
from .html import Document, attr, node_text
from .post import MAX_LINE, MAX_MEDIA, MAX_TEXT, PostRecord
from .values import parse_duration

PLATFORM = "mastodon"
PROFILE_VERSION = 1
STATUS = ".status[data-id]"
DETAILED = ".detailed-status"
MAX_SCAN = 200  # elements of one kind looked at in one status
_GIFV = ".media-gallery__gifv video[src], video.media-gallery__item-gifv-thumbnail"
_ASPECT = re.compile(r"aspect-ratio\s*:\s*(\d{1,6})\s*/\s*(\d{1,6})")
_STATUS_ID = re.compile(r"/(?:@[^/]{1,300}|statuses|notice)/(\d{1,20})/?(?:[?#].*)?$")


def new_draft() -> PostDraft:
    return PostDraft(PLATFORM, PLATFORM, PROFILE_VERSION)


def status_id_in(href: str | None) -> str | None:
    m = _STATUS_ID.search(href or "")
    return m.group(1) if m else None


def read_status(node: LexborNode, doc: Document) -> PostRecord:
    """A ``.status`` of a list (a reply, an ancestor, a timeline entry)."""
    draft = new_draft()
    draft.page_state = "post"
    fill_status(draft, node, doc)
    return draft.build()


def fill_status(draft: PostDraft, node: LexborNode, doc: Document) -> None:
    detailed = DETAILED.lstrip(".") in (attr(node, "class", 400) or "").split()
    _ids(draft, node, doc, detailed)
    _author(draft, node, doc, detailed)
    _content(draft, node, doc)
    _media(draft, node, doc)
    if detailed:
        _detailed_meta(draft, node)
    else:
        _list_time(draft, node)
    for card in node.css(".status-card[href], .status-card a[href]")[:MAX_SCAN]:
        draft.add_link(doc.absolute(attr(card, "href")))
    if node.css_first(".poll") is not None:
        draft.note("poll", "a poll is shown; its options are not read")


def _ids(draft: PostDraft, node: LexborNode, doc: Document, detailed: bool) -> None:
    link = node.css_first(
        "a.detailed-status__datetime[href]" if detailed else "a.status__relative-time[href]"
    )
    url = doc.absolute(attr(link, "href"))
    status_id = attr(node, "data-id", 40) or status_id_in(url)
    draft.set_line("post_id", status_id, "data-id" if attr(node, "data-id", 40) else "the status's own link")
    draft.set_line("canonical_url", url, "the status's own link (its time)", 8000)


def _author(draft: PostDraft, node: LexborNode, doc: Document, detailed: bool) -> None:
    link = node.css_first("a.detailed-status__display-name" if detailed else "a.status__display-name")
    if link is None:
        draft.note("author", "the status shows no author link")
        return
    draft.author = make_author(
        node_text(link.css_first(".display-name__html"), MAX_LINE) or None,
        node_text(link.css_first(".display-name__account"), MAX_LINE) or None,
        attr(link, "data-hover-card-account", 40),
        doc.absolute(attr(link, "href")),
    )
    draft.source("author", ".display-name__html / __account, data-hover-card-account, the author's link")


def _content(draft: PostDraft, node: LexborNode, doc: Document) -> None:
    warning = node.css_first(".content-warning p")
    if warning is not None:
        draft.set_line("title", node_text(warning, MAX_LINE), "the content warning (spoiler_text)")
    body = node.css_first(".status__content__text")
    if body is None:
        if warning is not None:
            draft.note("text", "behind a content warning the page did not open ('Show more')")
        return
    draft.set_text(node_text(body, MAX_TEXT), ".status__content__text")
    draft.set_line("language", attr(body, "lang", 40), ".status__content__text[lang]")
    for a in body.css("a[href]")[:MAX_SCAN]:
        draft.add_link(doc.absolute(attr(a, "href")))


def _media(draft: PostDraft, node: LexborNode, doc: Document) -> None:
    for a in node.css("a.media-gallery__item-thumbnail[href]")[:MAX_MEDIA]:
        img = a.css_first("img[src]")
        item = make_media(
            doc.absolute(attr(a, "href")), "image", thumbnail_url=doc.absolute(attr(img, "src"))
        )
        if item is not None:
            draft.add_media(item)
    for gifv in node.css(_GIFV)[:MAX_MEDIA]:
        item = make_media(
            doc.absolute(attr(gifv, "src")), "video", thumbnail_url=doc.absolute(attr(gifv, "poster"))
        )
        if item is not None:
            draft.add_media(item)
    for player in node.css(".video-player")[:MAX_MEDIA]:
        video = player.css_first("video[src]")
        size = _ASPECT.search(attr(player, "style", 2000) or "")
        width, height = (int(size.group(1)), int(size.group(2))) if size else (None, None)
        item = make_media(
            doc.absolute(attr(video, "src")),
            "video",
            width=width if width and width > 1 else None,
            height=height if height and height > 1 else None,
            duration_s=parse_duration(node_text(player.css_first(".video-player__time-total"), 20)),
            thumbnail_url=doc.absolute(attr(video, "poster")),
        )
        if item is not None:
            draft.add_media(item)
    for audio in node.css(".audio-player audio[src], audio[src]")[:MAX_MEDIA]:
        item = make_media(doc.absolute(attr(audio, "src")), "audio")
        if item is not None:
            draft.add_media(item)
    if draft.media:
        draft.source("media", ".media-gallery (href: original), .video-player (aspect-ratio: size), audio")
    elif node.css_first(".spoiler-button__overlay") is not None:
        draft.note("media", "marked sensitive and not opened: the page shows only a blurred preview")


def _list_time(draft: PostDraft, node: LexborNode) -> None:
    link = node.css_first("a.status__relative-time")
    stamp = link.css_first("time[datetime]") if link is not None else None
    if not draft.set_time("posted_at", attr(stamp, "datetime", 100), ".status__relative-time time[datetime]"):
        draft.note("posted_at", "the status shows no time")
    edited = link.css_first("abbr[title]") if link is not None else None
    draft.edited = edited is not None
    draft.source("edited", ".status__relative-time abbr (the edit marker)")
    if edited is not None:
        draft.edited_at_raw = attr(edited, "title", MAX_LINE)
        draft.source("edited_at", ".status__relative-time abbr[title], as shown")
        draft.note("edited_at", "shown in the browser's time zone without an offset: not converted")


def _detailed_meta(draft: PostDraft, node: LexborNode) -> None:
    shown = node_text(node.css_first(".detailed-status__datetime"), MAX_LINE)
    if shown:
        draft.posted_at_raw = shown
        draft.source("posted_at", ".detailed-status__datetime, as shown")
    meta = node.css_first(".detailed-status__meta")
    edit_line = next(
        (
            node_text(line, MAX_LINE)
            for line in (meta.css(".detailed-status__meta__line") if meta is not None else [])[:10]
            if "edited" in node_text(line, MAX_LINE).lower()
        ),
        None,
    )
    draft.edited = edit_line is not None
    draft.source("edited", ".detailed-status__meta ('Edited' line)")
    if edit_line:
        draft.edited_at_raw = edit_line
        draft.source("edited_at", ".detailed-status__meta, as shown")
    for selector, name in ((".detailed-status__reblogs", "shares"), (".detailed-status__favorites", "likes")):
        shown_count = node_text(node.css_first(selector), 60)
        if shown_count:
            draft.set_count(name, shown_count, selector)
