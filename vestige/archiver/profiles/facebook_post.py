"""One Facebook post and the comments under it, as a logged-out visitor's page renders them, with
Facebook's own data for it (``facebook_relay``) where the page carries it.

Facebook's class names are generated and change with every release; what stays is read:

  [role=article] (or [role=main])            the post; a comment is a [role=article] whose aria-label
                                             says "Comment by NAME ..." ("Reply by ..." for a reply;
                                             "Комментарий от", "Коментар від")
  [data-ad-preview=message],                 the post's text; a "See more" [role=button] inside it
  [data-ad-comet-preview=message],           (its words left out)
  [data-ad-rendering-role=story_message]
  h2/h3/strong a[href], [data-ad-rendering-role=profile_name] a   the author
  abbr[data-utime]; a[href*="/posts/"], a[href*="story_fbid="]...  the time: Unix time (older pages), or
                                             the words of the link to the post
  a[href*="/photo"] img, a[href*="fbid="] img, video[src]          photos, videos
  "All reactions:" 1.2K, "9 comments", "56 shares", "4.3K views"   counts as shown

Comments are read by ``facebook_comments``, links cleaned by ``facebook_links``.
Where the Relay data has the same story or comment, its values come first (exact Unix times, full text,
ids, full-size media, exact counts); ``sources`` says which each field came from.
"""

from __future__ import annotations

import re
from typing import Any

from selectolax.lexbor import LexborNode

from .draft import PostDraft, make_author, make_media, make_ref
from .embedded_json import as_str, as_text
from .facebook_comments import (
    in_comment,
    is_comment,
    new_draft,
    read_comment,
    top_comments,
)
from .facebook_links import POST_LINK, clean_url, fb_handle, fb_link
from .facebook_relay import (
    Node,
    Relay,
    StoryView,
    actor,
    merged,
    message_text,
    number,
    story_media,
    story_url,
    uri,
    video_file,
    video_seconds,
)
from .html import Document, ancestor, attr, node_text, parse_html
from .post import MAX_LINE, MAX_REPLIES, MAX_TEXT, Media
from .readings import set_shown_time, set_unix_time, unique
from .values import is_digits

MESSAGE = (
    '[data-ad-preview="message"], [data-ad-comet-preview="message"], [data-ad-rendering-role="story_message"]'
)
# Words of the controls in a post's text that open it ("See more") or close it again.
SEE_MORE = r"^(see more|see less|ещё|еще|свернуть|ще|більше|згорнути|показати більше)$"


def _closest(node: LexborNode, role: str) -> LexborNode | None:
    return ancestor(node, lambda a: attr(a, "role") == role, limit=1000)


def post_root(doc: Document) -> LexborNode | None:
    """The element holding the post: the [role=article] around its text (a post opened over a feed, in a
    [role=dialog], first), else the first article that is not a comment, else [role=main]."""
    messages = [m for m in unique(doc.css(MESSAGE))[:500] if not in_comment(m)]
    messages.sort(key=lambda m: _closest(m, "dialog") is None)  # stable: page order otherwise
    if messages:
        return _closest(messages[0], "article") or doc.first('[role="main"]') or doc.tree.body
    articles = [a for a in doc.css('[role="article"]') if not is_comment(a) and not in_comment(a)]
    return articles[0] if articles else None


# ---------------------------------------------------------------- the post


def read_post(doc: Document, root: LexborNode | None, story: StoryView | None, relay: Relay) -> PostDraft:
    """A draft of the post from its element and its story in the Relay data (either may be missing)."""
    draft = new_draft()
    draft.page_state = "post"
    shown = _time_link(root, doc) if root is not None else None
    if story is not None:
        _from_story(story, doc, draft, shown[0] if shown else None)
    if root is not None:
        _from_element(root, doc, draft, shown)
        for comment in top_comments(root)[:MAX_REPLIES]:
            draft.add_reply(read_comment(comment, doc, relay, depth=1))
        if draft.replies:
            draft.source("replies", "[role=article] 'Comment by ...' (as loaded on the page), Relay Comment")
    return draft


def _from_story(story: StoryView, doc: Document, draft: PostDraft, shown: str | None) -> None:
    where = "relay Story"
    draft.set_line("post_id", as_str(merged(story.copies, "post_id")), f"{where}.post_id")
    draft.set_line("canonical_url", clean_url(story_url(story)), f"{where}.url", 8000)
    creator = actor(story)
    if creator is not None:
        url = as_text(creator.get("url")) or as_text(creator.get("profile_url"))
        draft.author = make_author(
            as_text(creator.get("name")), fb_handle(url), as_str(creator.get("id")), url
        )
        draft.source("author", f"{where}.actors[0] (name, id, url)")
    set_unix_time(
        draft,
        "posted_at",
        story.first("creation_time", lambda v: number(v) is not None),
        shown=shown,
        declared_as="creation_time",
        where=f"{where}.creation_time",
    )
    draft.set_text(message_text(story), f"{where}.message.text")
    for media in story_media(story):
        item = relay_media(media)
        if item is not None:
            draft.add_media(item)
    if draft.media:
        draft.source("media", f"{where}.attachments[].media (Photo.image, Video playable URLs)")
    _story_counts(story, draft)
    shared = story.shared()
    if shared is not None:
        sharer = StoryView(as_str(shared.get("id")) or "", [shared])
        who = actor(sharer)
        ref = make_ref(
            clean_url(story_url(sharer)), as_text(who.get("name")) if who else None, message_text(sharer)
        )
        if ref is not None:
            field = "quote_of" if draft.text else "forwarded_from"
            setattr(draft, field, ref)
            draft.source(field, f"{where}.attached_story")


def relay_media(media: Node) -> Media | None:
    """A photo or video of Facebook's data as a media item (its largest image, its best file)."""
    if media.get("__typename") == "Photo":
        for key in ("photo_image", "image", "viewer_image", "large_share_image"):
            image = media.get(key)
            if isinstance(image, dict) and uri(image):
                width, height = number(image.get("width")) or None, number(image.get("height")) or None
                return make_media(uri(image), "image", width=width, height=height)
        return None
    thumb = media.get("preferred_thumbnail")
    return make_media(
        video_file([media])[0],
        "video",
        width=number(media.get("width")) or None,
        height=number(media.get("height")) or None,
        duration_s=video_seconds([media]),
        thumbnail_url=uri(thumb.get("image")) if isinstance(thumb, dict) else None,
    )


def _counted(inner: str | None) -> Any:
    """A test for a count: a number, or a dict holding one under ``inner``."""
    if inner is None:
        return lambda v: number(v) is not None
    return lambda v: isinstance(v, dict) and number(v.get(inner)) is not None


def _story_counts(story: StoryView, draft: PostDraft) -> None:
    where = "relay Story feedback"
    for name, key, inner in (
        ("reactions", "reaction_count", "count"),
        ("shares", "share_count", "count"),
        ("replies", "comments", "total_count"),
        ("replies", "comment_count", "total_count"),
        ("replies", "total_comment_count", None),
        ("views", "video_view_count", None),
    ):
        found = story.first(key, _counted(inner))
        if found is not None and name not in draft.counts:
            value = found[inner] if inner else found
            draft.set_count(name, str(value), f"{where}.{key}" + (f".{inner}" if inner else ""))


def message_of(node: LexborNode, url: str) -> str:
    """The words of a message block, without the "See more" control inside it."""
    copy = parse_html(node.html or "", url)
    for button in copy.css('[role="button"]')[:200]:
        if re.match(SEE_MORE, node_text(button, 40).strip(" .…"), re.I):
            button.decompose()
    return node_text(copy.tree.body, MAX_TEXT)


def _outside_comments(root: LexborNode, query: str, limit: int = 2000) -> list[LexborNode]:
    """The first ``limit`` elements matching ``query`` in the post, not in its comments."""
    found = unique(root.css(query))[:limit]
    return [n for n in found if not in_comment(n, root) and not is_comment(n)]


def _from_element(root: LexborNode, doc: Document, draft: PostDraft, shown: tuple[str, str] | None) -> None:
    messages = _outside_comments(root, MESSAGE)
    if messages and draft.text is None:
        draft.set_text(message_of(messages[0], doc.url), "[data-ad-preview=message]")
    for message in messages[:1]:
        for a in message.css("a[href]")[:200]:
            draft.add_link(fb_link(doc, attr(a, "href")))
    if draft.author is None:
        query = 'h2 a[href], h3 a[href], strong a[href], [data-ad-rendering-role="profile_name"] a[href]'
        link = next((a for a in _outside_comments(root, query) if node_text(a, MAX_LINE)), None)
        if link is not None:
            url = clean_url(doc.absolute(attr(link, "href")))
            draft.author = make_author(node_text(link, MAX_LINE), fb_handle(url), None, url)
            draft.source("author", "h2/h3/strong a[href] (name, link)")
    if draft.posted_at_raw is None:
        _element_time(root, doc, draft, shown)
    if not draft.media:
        _element_media(root, doc, draft)
    for video in _outside_comments(root, "video[src]"):
        item = make_media(doc.absolute(attr(video, "src")), "video")
        if item is not None:
            draft.add_media(item)
            draft.add_source("media", "<video src>")
    _element_counts(root, draft)


def _time_link(root: LexborNode, doc: Document) -> tuple[str, str] | None:
    """(its words, its URL) of the link to the post that shows the post's time ("5 October 2023 at 13:00")."""
    for link in _outside_comments(root, "a[href]", 500):
        href = doc.absolute(attr(link, "href"))
        words = attr(link, "aria-label", 100) or node_text(link, 100)
        if href and POST_LINK.search(href) and words and not fb_handle(href) and not link.css_first("img"):
            return words, href
    return None


def _element_time(root: LexborNode, doc: Document, draft: PostDraft, shown: tuple[str, str] | None) -> None:
    abbr = next(iter(_outside_comments(root, "abbr[data-utime]")), None)
    if abbr is not None and set_unix_time(
        draft,
        "posted_at",
        attr(abbr, "data-utime", 20),
        shown=attr(abbr, "title", 100) or node_text(abbr, 100),
        declared_as="data-utime",
        where="abbr[data-utime]",
    ):
        return
    if shown is None:
        draft.note("posted_at", "the page shows no time for the post")
        return
    words, href = shown
    if not draft.canonical_url:
        draft.set_line("canonical_url", clean_url(href), "the link to the post", 8000)
    why = "Facebook shows the time only in words, in the viewer's time zone"
    set_shown_time(draft, "posted_at", words, "the link to the post (its words)", why)


def _element_media(root: LexborNode, doc: Document, draft: PostDraft) -> None:
    for img in _outside_comments(root, 'a[href*="/photo"] img[src], a[href*="fbid="] img[src]', 200)[:100]:
        width = attr(img, "width", 10)
        height = attr(img, "height", 10)
        item = make_media(
            doc.absolute(attr(img, "src")),
            "image",
            width=int(width) if width and is_digits(width) and 0 < int(width) < 100_000 else None,
            height=int(height) if height and is_digits(height) and 0 < int(height) < 100_000 else None,
        )
        if item is not None:
            draft.add_media(item)
    if draft.media:
        draft.source("media", "a[href*=/photo] img[src] (the photos shown)")


_SHOWN_COUNTS = (
    ("replies", re.compile(r"^(\d[\d\s.,KkMm]*)\s+(comments?|комментари\w*|коментар\w*)$", re.I)),
    ("shares", re.compile(r"^(\d[\d\s.,KkMm]*)\s+(shares?|репост\w*|поширен\w*|поделил\w*)$", re.I)),
    ("views", re.compile(r"^(\d[\d\s.,KkMm]*)\s+(views?|просмотр\w*|перегляд\w*)$", re.I)),
)
_REACTIONS = re.compile(r"^(all reactions|все эмоции|все реакции|усі реакції):?$", re.I)


def _element_counts(root: LexborNode, draft: PostDraft) -> None:
    for span in _outside_comments(root, "span", 5000):
        shown = node_text(span, 60)
        if len(shown) > 50:
            continue
        if _REACTIONS.match(shown) and "reactions" not in draft.counts and span.next is not None:
            draft.set_count("reactions", node_text(span.next, 40), "'All reactions:' and the number after it")
        for name, pattern in _SHOWN_COUNTS:
            m = pattern.match(shown)
            if m and name not in draft.counts:
                draft.set_count(name, m.group(1), f"'{m.group(2)}' as shown")
