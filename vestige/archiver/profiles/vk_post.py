"""One VK wall post, or one comment under it, as the desktop site renders it for a visitor.

Markup as VK serves it and public readers of it (snscrape's vkontakte module, RSS-Bridge's VkBridge,
yt-dlp's vk extractor) rely on:

  div.post[data-post-id="-221155555_1234"]         a post (id "post-221155555_1234"; "post_fixed": pinned)
    a.PostHeaderTitle__authorLink / a.author         the author: name, href, data-from-id
    .post_date / .PostHeaderSubtitle .rel_date       the time: shown text, Unix time in its time="..."
    .wall_post_text                                  the text; a.wall_post_more / .PostTextMore "Show more"
                                                     with the rest in a hidden <span> (both left out/kept)
    a.page_post_thumb_wrap[onclick^="return showPhoto"]  a photo: its sizes in {"temp":{"base","x_","y_",
                                                     "z_","w_":[path, width, height]}}, shown as background
    a.page_post_thumb_video[data-video]              a video: data-duration, thumbnail, href to its page
    .PostButtonReactions__title, .PostBottomAction.comment/.share ._like_button_count, .like_views[title]
                                                     likes, comments, reposts, views (older markup:
                                                     .like_btn.like/.comment/.share .like_button_count)
    .copy_quote                                      the post reposted: a.copy_author, a.published_by_date
    .replies_list > div.reply[data-post-id]          comments: .reply_author a.author, .wall_reply_text,
                                                     .reply_date a.wd_lnk .rel_date, .like_button_count;
                                                     replies to a comment in .replies_wrap_deep (more
                                                     of them behind .replies_next_deep/.replies_short_deep)
"""

from __future__ import annotations

import json
import re

from selectolax.lexbor import LexborNode

from .draft import PostDraft, make_author, make_media, make_ref
from .html import Document, attr, has_class, inside, node_text, parse_html
from .post import MAX_LINE, MAX_REPLIES, MAX_TEXT, Media, PostRecord, Ref
from .readings import query_value, set_shown_time, set_unix_time, text_without, unique
from .values import background_url, is_digits, parse_count, parse_duration

PLATFORM = "vk"
PROFILE_VERSION = 1
POST = "div.post[data-post-id]"
REPLY = "div.reply"
MORE_TEXT = "a.wall_post_more, .wall_post_more, .PostTextMore"
_NESTED = ("copy_quote", "replies", "replies_wrap_deep")
_POST_ID = re.compile(r"^(-?\d{1,12})_(\d{1,12})$")
_ID_ATTR = re.compile(r"^post(-?\d{1,12})_(\d{1,12})$")
# Photo sizes VK offers, the largest first (vk.com/dev/photo_sizes: w 2560, z 1080, y 807, x 604 wide).
_SIZES = ("w_", "z_", "y_", "x_")
MAX_PHOTO_FILES = 50
MAX_FOUND = 2000  # elements of one kind looked at in a post
# VK's own hosts, the only ones ``prepare`` loads photo files from.
VK_CDN = re.compile(r"^https://([a-z0-9-]+\.)+(userapi\.com|vk\.com|vk\.me|vkuserphoto\.ru|okcdn\.ru)/", re.I)


def new_draft() -> PostDraft:
    return PostDraft(PLATFORM, PLATFORM, PROFILE_VERSION)


def block_ids(node: LexborNode) -> tuple[str, str] | None:
    """(owner, item) of a post or comment: data-post-id="-221155555_1234", or id="post-221155555_1234"."""
    m = _POST_ID.match(attr(node, "data-post-id", 40) or "") or _ID_ATTR.match(attr(node, "id", 40) or "")
    return (m.group(1), m.group(2)) if m else None


def post_draft(ids: tuple[str, str] | None, where: str) -> PostDraft:
    """A draft for the post whose (owner, item) ``ids`` were read from ``where`` (None: not readable)."""
    draft = new_draft()
    draft.page_state = "post"
    if ids is not None:
        draft.set_line("post_id", f"{ids[0]}_{ids[1]}", where)
        draft.set_line("canonical_url", f"https://vk.com/wall{ids[0]}_{ids[1]}", where)
    else:
        draft.note("post_id", f"the post block has no readable id ({where})")
    return draft


def read_post(node: LexborNode, doc: Document, *, with_replies: bool = True) -> PostRecord:
    ids = block_ids(node)
    draft = post_draft(ids, "data-post-id")
    _author(node, doc, draft, "a.PostHeaderTitle__authorLink, .post_author a.author, a.author", ids)
    _time(node, draft, ".PostHeaderSubtitle .rel_date, .post_date .rel_date, time.PostHeaderSubtitle__item")
    own = _outside(node, node, ".wall_post_text")
    _text(own[0] if own else None, doc, draft, ".wall_post_text")
    _media(node, doc, draft)
    _counts(node, draft)
    _repost(node, doc, draft)
    if has_class(node, "post_fixed"):
        draft.source("pinned", "div.post.post_fixed (pinned to the top of the wall)")
    if with_replies:
        _replies(node, doc, draft, ids)
    return draft.build()


def _outside(node: LexborNode, stop: LexborNode, query: str) -> list[LexborNode]:
    """What matches ``query`` in ``node`` but not in a repost, the comments or a comment's thread."""
    return [n for n in unique(node.css(query))[:MAX_FOUND] if not inside(n, stop, _NESTED)]


def _author(
    node: LexborNode, doc: Document, draft: PostDraft, query: str, ids: tuple[str, str] | None
) -> None:
    link = next(iter(_outside(node, node, query)), None)
    if link is None:
        if ids is not None and not ids[0].startswith("-"):
            draft.author = make_author(None, None, ids[0], f"https://vk.com/id{ids[0]}")
            draft.source("author", "data-post-id (the wall's owner)")
        return
    name_node = link.css_first(".PostHeaderTitle__authorName")
    name = node_text(name_node or link, MAX_LINE)
    href = doc.absolute(attr(link, "href"))
    from_id = attr(link, "data-from-id", 40)
    draft.author = make_author(name or None, vk_handle(href), from_id, href)
    draft.source(
        "author", f"{link.tag}.{(attr(link, 'class') or '').split(' ')[0]} (name, href, data-from-id)"
    )


def vk_handle(href: str | None) -> str | None:
    """ "@detsky_centr_example" for a link to a VK page by its short name; None for /id123, /club123."""
    m = re.match(r"^https://(?:m\.)?vk\.(?:com|ru)/([A-Za-z0-9_.]{2,64})/?$", href or "")
    if m is None or re.fullmatch(r"(id|club|public|event)\d+", m.group(1)):
        return None
    return f"@{m.group(1)}"


def _time(node: LexborNode, draft: PostDraft, query: str) -> None:
    stamp = next(iter(_outside(node, node, query)), None)
    if stamp is None:
        draft.note("posted_at", "the block shows no time")
        return
    shown = node_text(stamp, 100)
    for name in ("time", "data-time"):
        if set_unix_time(
            draft,
            "posted_at",
            attr(stamp, name, 40),
            shown=shown,
            declared_as=name,
            where=f".rel_date[{name}]",
        ):
            return
    if attr(stamp, "datetime", 60) and draft.set_time("posted_at", attr(stamp, "datetime", 60), "[datetime]"):
        return
    set_shown_time(
        draft, "posted_at", shown, ".rel_date (text)", "VK shows only a local time, without its zone"
    )


def _text(body: LexborNode | None, doc: Document, draft: PostDraft, where: str) -> None:
    if body is None:
        return
    draft.set_text(text_without(body, MORE_TEXT, MAX_TEXT, doc.url), where)
    for a in body.css("a[href]")[:200]:
        draft.add_link(vk_link(doc, attr(a, "href")))


def vk_link(doc: Document, href: str | None) -> str | None:
    """A link as it leads: VK's /away.php?to=<url> redirect gives the outside URL it stands for."""
    url = doc.absolute(href)
    if url and re.match(r"^https://(?:m\.)?vk\.(?:com|ru)/away\.php\?", url):
        return query_value(url, "to") or url
    return url


def _media(node: LexborNode, doc: Document, draft: PostDraft) -> None:
    thumbs = _outside(node, node, "a.page_post_thumb_wrap")
    thumbs += [v for v in _outside(node, node, "[data-video]") if not has_class(v, "page_post_thumb_wrap")]
    for thumb in thumbs[:200]:
        item = video_thumb(thumb, doc, draft) if thumb.attributes.get("data-video") else photo(thumb, doc)
        if item is not None:
            draft.add_media(item)
    for img in _outside(node, node, "img.PhotoPrimaryAttachment__imageElement, img.MediaGrid__imageElement"):
        item = make_media(doc.absolute(attr(img, "src")), "image")
        if item is not None:
            draft.add_media(item)
    for video in _outside(node, node, "video[src]"):
        item = make_media(doc.absolute(attr(video, "src")), "video")
        if item is not None:
            draft.add_media(item)
    if draft.media:
        draft.source("media", "a.page_post_thumb_wrap (showPhoto sizes) / [data-video] / <video src>")


def photo_sizes(thumb: LexborNode) -> dict[str, tuple[str, int | None, int | None]]:
    """The sizes VK's photo viewer is given for a thumbnail: {"x_": (url, width, height), ...}."""
    script = attr(thumb, "onclick", 20_000) or attr(thumb, "data-options", 20_000) or ""
    at = script.find('"temp"')
    start = script.find("{", at) if at >= 0 else -1
    if start < 0:
        return {}
    try:
        temp, _ = json.JSONDecoder().raw_decode(script, start)
    except (ValueError, RecursionError):
        return {}
    if not isinstance(temp, dict):
        return {}
    base = temp.get("base") if isinstance(temp.get("base"), str) else ""
    sizes: dict[str, tuple[str, int | None, int | None]] = {}
    for key in _SIZES:
        value = temp.get(key)
        if isinstance(value, list) and value and isinstance(value[0], str):
            path = value[0] if value[0].startswith("https://") else f"{base}{value[0]}"
            w, h = [*value, None, None][1:3]
            sizes[key] = (path, _pixels(w), _pixels(h))
    return sizes


def _pixels(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 100_000 else None


def photo(thumb: LexborNode, doc: Document) -> Media | None:
    shown = doc.absolute(background_url(attr(thumb, "style")))
    sizes = photo_sizes(thumb)
    for key in _SIZES:
        if key in sizes:
            url, width, height = sizes[key]
            return make_media(doc.absolute(url), "image", width=width, height=height, thumbnail_url=shown)
    return make_media(shown, "image")


def photo_files(html: str, url: str) -> list[str]:
    """The largest file of each photo a page's posts offer, on VK's own hosts (for ``prepare`` to load)."""
    doc = parse_html(html, url)
    found: list[str] = []
    for thumb in unique(doc.css("a.page_post_thumb_wrap[onclick], a.page_post_thumb_wrap[data-options]")):
        sizes = photo_sizes(thumb)
        largest = next((sizes[k][0] for k in _SIZES if k in sizes), None)
        file = doc.absolute(largest)
        if file and VK_CDN.match(file) and file not in found and len(found) < MAX_PHOTO_FILES:
            found.append(file)
    return found


def video_thumb(thumb: LexborNode, doc: Document, draft: PostDraft) -> Media | None:
    href = doc.absolute(attr(thumb, "href"))
    seconds = attr(thumb, "data-duration", 20)
    duration = float(seconds) if seconds and is_digits(seconds) else parse_duration(node_text(thumb, 20))
    item = make_media(
        None, "video", duration_s=duration, thumbnail_url=doc.absolute(background_url(attr(thumb, "style")))
    )
    page = href or f"https://vk.com/video{attr(thumb, 'data-video', 40)}"
    draft.add_link(page)
    draft.note("media", f"a video the post shows as a thumbnail; its file is on its own page {page[:200]}")
    return item


# (count, selectors in order of preference: current markup, then the older like_btn markup)
_COUNTS = (
    ("likes", ".PostButtonReactions__title, .like_btn.like .like_button_count, ._like .like_button_count"),
    ("replies", ".PostBottomAction.comment ._like_button_count, .like_btn.comment .like_button_count"),
    ("shares", ".PostBottomAction.share ._like_button_count, .like_btn.share .like_button_count"),
)


def _counts(node: LexborNode, draft: PostDraft) -> None:
    for name, query in _COUNTS:
        found = next(iter(_outside(node, node, query)), None)
        if found is not None and node_text(found, 40):
            draft.set_count(name, node_text(found, 40), query.split(",")[0].strip())
    views = next(iter(_outside(node, node, ".like_views")), None)
    if views is not None:
        title = attr(views, "title", 100)
        if title and parse_count(title) is not None:
            draft.set_count("views", title, ".like_views[title] (the exact number)")
        elif node_text(views, 40):
            draft.set_count("views", node_text(views, 40), ".like_views")


def _repost(node: LexborNode, doc: Document, draft: PostDraft) -> None:
    quote = next((q for q in node.css(".copy_quote") if not inside(q, node, ("copy_quote",))), None)
    if quote is None:
        return
    author = quote.css_first("a.copy_author")
    when = quote.css_first("a.published_by_date")
    text = quote.css_first(".wall_post_text")
    ref = make_ref(
        doc.absolute(attr(when, "href")),
        node_text(author, MAX_LINE) or None,
        text_without(text, MORE_TEXT, MAX_LINE, doc.url) or None,
    )
    set_repost(draft, ref, ".copy_quote (a.copy_author, a.published_by_date)")


def set_repost(draft: PostDraft, ref: Ref | None, where: str) -> None:
    """The post reposted: a repost with words of its own quotes the original; without, it passes it on as
    it is."""
    if ref is None:
        return
    field = "quote_of" if draft.text else "forwarded_from"
    setattr(draft, field, ref)
    draft.source(field, where)


def _replies(node: LexborNode, doc: Document, draft: PostDraft, ids: tuple[str, str] | None) -> None:
    top = [r for r in node.css(REPLY) if not inside(r, node, ("copy_quote", "replies_wrap_deep"))]
    for reply in top[:MAX_REPLIES]:
        record = read_reply(reply, doc, ids, depth=1)
        draft.add_reply(record)
    if len(top) > MAX_REPLIES:
        draft.note("replies", f"the page shows {len(top)}; the first {MAX_REPLIES} are kept")
    if top:
        draft.source("replies", ".replies_list div.reply (as loaded on the page)")


def read_reply(
    node: LexborNode,
    doc: Document,
    post: tuple[str, str] | None,
    depth: int,
    parent: PostRecord | None = None,
) -> PostRecord:
    draft = new_draft()
    draft.page_state = "post"
    ids = block_ids(node)
    link = next(iter(_outside(node, node, ".reply_date a.wd_lnk, a.wd_lnk")), None)
    href = doc.absolute(attr(link, "href"))
    if ids is not None:
        draft.set_line("post_id", f"{ids[0]}_{ids[1]}", "data-post-id")
        if href is None and post is not None:
            href = f"https://vk.com/wall{post[0]}_{post[1]}?reply={ids[1]}"
    draft.set_line("canonical_url", href, ".reply_date a.wd_lnk", 8000)
    _author(node, doc, draft, ".reply_author a.author, a.author", None)
    _time(node, draft, ".reply_date .rel_date, .rel_date")
    _text(next(iter(_outside(node, node, ".wall_reply_text")), None), doc, draft, ".wall_reply_text")
    _media(node, doc, draft)
    likes = next(iter(_outside(node, node, ".like_button_count, ._like_button_count")), None)
    if likes is not None and node_text(likes, 40):
        draft.set_count("likes", node_text(likes, 40), ".like_button_count")
    if parent is not None:
        draft.reply_to = make_ref(parent.canonical_url, parent.author.display_name if parent.author else None)
        draft.source("reply_to", "the thread it is in (.replies_wrap_deep)")
    if depth < 2:
        record = draft.build()
        for deep in node.css(".replies_wrap_deep " + REPLY)[:MAX_REPLIES]:
            draft.add_reply(read_reply(deep, doc, post, depth + 1, record))
    return draft.build()
