"""One VK wall post and the comments under it, as VK's mobile site (``m.vk.com``, ``m.vk.ru``) renders them
for a visitor. Walls and video pages on the mobile site are not read here: capture them on ``vk.com``.

Markup as m.vk.com serves it and public open-source readers of it rely on (danbooru's vk extractor,
skraper's VkSkraper, spevktator, crawlers of m.vk.com comments: tests/assets/platforms/vk/README.md names
them), in its newer (2023-) and older generations, read alike:

  div.wall_item (newer .post--withRedesign)   a post: its id in a.post__anchor[name="post-221155555_1234"],
                                              [data-post-id] or id="wall-221155555_1234"; .wi_explain
                                              "pinned post"
  .wi_head .wi_author > a.pi_author           the author: name, href; data-post-click-type="post_owner_link"
                                              (a link to the wall's owner: its id is the author's);
                                              .wi_head .Avatar[aria-label]: the short name
  a.PostHeaderTime, .wi_info > a.wi_date      the time in words only ("5 окт 2023 в 9:12", "today at 5:00 pm")
  .wi_body > div.pi_text                      the text; a.PostTextMore / a.pi_text_more "Show more" with the
                                              rest in the hidden <span> after it (left out / kept); emoji as
                                              img[alt]; outside links through /away.php?to=
  a.MediaGrid__interactive[data-src_big],     a photo: data-src_big "url|width|height" (the bars at times
  .thumb_map_img[data-src_big],               written %7C), shown as <img src> or a background; without
  img.PhotoPrimaryAttachment__imageElement    data-src_big, the picture shown
  a[href^="/video"] showing a picture         a video: a link to its page (its file is not in the post)
  .PostBottomButtonReaction__label            likes ("1738 people reacted" in .visually-hidden: exact, first)
  a._item_replies[aria-label]                 comments (or [data-replies-count])
  a.PostBottomButton[aria-label="2 Share"]    reposts (the button that publishes or shares)
  .wall_item_views[aria-label="262671 views"] views (or .Socials__viewsCount, rounded); older markup:
                                              .item_like/.item_replies/.item_share/.item_views[aria-label]
  .wall_item[data-copy]                       a repost (the original: a div.wall_item inside)
  #wall-221155555_1234_replies div.ReplyItem  comments: id="wall_reply-221155555_1240" (or
                                              a.ReplyItem__anchor[name="reply1240"]), a.ReplyItem__name,
                                              .ReplyItem__body, .ReplyItem__date a.item_date (words; its href
                                              ?reply=1240 the comment's URL), .ReplyItem__like, the author's
                                              id in Replies.replyTo(this, owner, 1240, 555001);
                                              .ReplyItem_deleted: VK's words in place of a deleted comment
  div.RepliesThread after a comment           the answers to it: to the comment an answer's date link names
                                              (?reply=1241&thread=1240), else its thread's id
                                              ("RepliesThread1240"), else the comment before the thread; more
                                              of them behind a.RepliesThreadNext__link
  a[href="/wall-221155555_1234?offset=N"]     the next comments: a link to another page, never followed

m.vk.com shows no machine-readable time: ``posted_at`` stays empty and ``posted_at_raw`` keeps the words, in
the interface's language; "today" or "вчера" is never turned into a date.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

from selectolax.lexbor import LexborNode

from .draft import PostDraft, make_author, make_media, make_ref
from .html import Document, ancestor, attr, has_class, node_text, parse_html
from .post import MAX_LINE, MAX_REPLIES, MAX_TEXT, MAX_URL, Media, PostRecord
from .readings import query_value, set_shown_time, text_without, unique
from .values import background_url, parse_count, parse_dimension, parse_duration
from .vk_post import (
    MAX_FOUND,
    MAX_PHOTO_FILES,
    MORE_TEXT,
    VK_CDN,
    new_draft,
    post_draft,
    set_repost,
    vk_handle,
    vk_link,
)

MOBILE_HOSTS = frozenset(("m.vk.com", "m.vk.ru"))
MOBILE_POST = "div.wall_item"
MORE_TEXT_MOBILE = "a.pi_text_more, a.PostTextMore"
_CONTROLS = f"{MORE_TEXT}, {MORE_TEXT_MOBILE}"
_REPLY = "div.ReplyItem, div[id^='wall_reply']"
_EMOJI = "img.emoji[alt], img[src*='/emoji/'][alt]"
_MEDIA = (
    "a[href*='video'], a[href*='clip'], a.MediaGrid__interactive, .thumb_map_img,"
    " img.PhotoPrimaryAttachment__imageElement"
)
_VK_HOST = re.compile(r"^(?:www\.|m\.)?vk\.(?:com|ru)$")
_ANCHOR_ID = re.compile(r"^post(-?\d{1,12})_(\d{1,12})$")
_BLOCK_ID = re.compile(r"^wall(-?\d{1,12})_(\d{1,12})$")
_IDS = re.compile(r"^(-?\d{1,12})_(\d{1,12})$")
_REPLY_ID = re.compile(r"^wall_reply(-?\d{1,12})_(\d{1,12})$")
_REPLY_ANCHOR = re.compile(r"^reply(\d{1,12})$")
_THREAD_ID = re.compile(r"^RepliesThread(\d{1,12})$")
_REPLY_TO = re.compile(
    r"Replies\.replyTo\([^(),]{0,40},\s*-?\d{1,12}\s*,\s*(\d{1,12})\s*,\s*(-?\d{1,12})\s*\)"
)
_VIDEO_PAGE = re.compile(r"^/(video|clip)(-?\d{1,12}_\d{1,12})$")
_NUMBERED = re.compile(r"^(id|club|public|event)(\d{1,12})$")
_PAGE_NAME = re.compile(r"^(?=[A-Za-z0-9_.]*[A-Za-z])[A-Za-z0-9_.]{2,64}$")
_PINNED = re.compile(r"pinned|закреплен|закріплен", re.IGNORECASE)
_RELATIVE = re.compile(r"today|yesterday|\bago\b|сегодня|вчера|назад|сьогодні|вчора|тому", re.IGNORECASE)
_SHOWN_ONLY = "m.vk.com shows only a local time in words, with no zone and no machine-readable value"


def mobile_posts(doc: Document) -> list[LexborNode]:
    """The posts an m.vk.com page shows (``div.wall_item``), without the copy of a post one reposts."""
    return [p for p in unique(doc.css(MOBILE_POST))[:MAX_FOUND] if ancestor(p, _is_post) is None]


def _is_post(node: LexborNode) -> bool:
    return has_class(node, "wall_item")


def _own(node: LexborNode, query: str) -> list[LexborNode]:
    """What matches ``query`` in the post ``node``, not in the post it reposts (a ``div.wall_item`` in it)."""
    return [n for n in unique(node.css(query))[:MAX_FOUND] if ancestor(n, _is_post, node) is None]


def _first(node: LexborNode, query: str) -> LexborNode | None:
    return next(iter(_own(node, query)), None)


def mobile_ids(node: LexborNode) -> tuple[str, str] | None:
    """(owner, item) of a post: a.post__anchor[name="post-221155555_1234"], data-post-id="-221155555_1234"
    (on the block or in its header), or the block's id="wall-221155555_1234"."""
    m = _ANCHOR_ID.match(attr(_first(node, "a.post__anchor[name]"), "name", 40) or "")
    marked = attr(node, "data-post-id", 40) or attr(_first(node, "[data-post-id]"), "data-post-id", 40)
    m = m or _IDS.match(marked or "") or _BLOCK_ID.match(attr(node, "id", 40) or "")
    return (m.group(1), m.group(2)) if m else None


def read_mobile_post(node: LexborNode, doc: Document) -> PostRecord:
    """The post ``node`` (a ``div.wall_item`` of ``doc``) and the comments the page shows under it. Emoji
    drawn as images in them are put back in ``doc`` as their text first."""
    ids = mobile_ids(node)
    draft = post_draft(ids, "a.post__anchor[name] / [data-post-id]")
    scope = _comments_scope(doc, ids)
    for block in (node, scope) if scope is not None else (node,):
        for img in block.css(_EMOJI)[:5000]:
            img.replace_with(attr(img, "alt", 20) or "")
    _author(node, doc, draft, ids)
    stamp = _first(node, "a.PostHeaderTime, .wi_info a.wi_date, a.wi_date")
    _shown_time(
        draft, stamp, "a.PostHeaderTime" if stamp and has_class(stamp, "PostHeaderTime") else "a.wi_date"
    )
    _text(_first(node, ".pi_text"), doc, draft, ".wi_body .pi_text")
    read_media(node, doc, draft)
    _counts(node, draft)
    _repost(node, doc, draft)
    explain = _first(node, ".wi_explain")
    if explain is not None and _PINNED.search(node_text(explain, 200)):
        draft.source("pinned", ".wi_explain ('pinned post': pinned to the top of the wall)")
    if scope is not None:
        _comments(scope, doc, draft, ids)
    return draft.build()


def _author(node: LexborNode, doc: Document, draft: PostDraft, ids: tuple[str, str] | None) -> None:
    link = _first(node, ".wi_author a.pi_author, a.pi_author")
    href = vk_page(doc.absolute(attr(link, "href")))
    whence = ["a.pi_author (name, href)"] if link is not None else []
    handle = vk_handle(href)
    short = attr(_first(node, ".wi_head .Avatar[aria-label]"), "aria-label", 100) or ""
    if handle is None and _PAGE_NAME.match(short) and not _NUMBERED.match(short):
        handle, href = f"@{short}", href or f"https://vk.com/{short}"
        whence.append(".wi_head .Avatar[aria-label] (the short name)")
    author_id = page_id(href)
    if ids is not None and attr(link, "data-post-click-type", 40) == "post_owner_link":
        author_id = ids[0]  # the link says it leads to the wall's owner
        whence.append("data-post-click-type=post_owner_link (the wall owner's id)")
    draft.author = make_author(node_text(link, MAX_LINE) or None, handle, author_id, href)
    if draft.author is not None and whence:
        draft.source("author", "; ".join(whence))


def vk_page(url: str | None) -> str | None:
    """``https://vk.com/<page>`` for a link to a VK page by its name or number, from any of VK's hosts and
    without the query VK adds (``/detsky_centr_example?from=group``); None for any other link (a visitor's
    links to people often lead to ``/login.php``)."""
    parts = _split(url)
    page = parts.path.strip("/") if parts is not None and _VK_HOST.match(parts.hostname or "") else ""
    if _NUMBERED.match(page) or (_PAGE_NAME.match(page) and not page.endswith((".php", ".html"))):
        return f"https://vk.com/{page}"
    return None


def vk_com_url(url: str | None) -> str | None:
    """A link on m.vk.com (or vk.ru) as the same address on vk.com, VK's canonical host."""
    parts = _split(url)
    if url is None or parts is None or not _VK_HOST.match(parts.hostname or ""):
        return url
    return f"https://vk.com{parts.path}" + (f"?{parts.query}" if parts.query else "")


def on_mobile_site(url: str) -> bool:
    parts = _split(url)
    return parts is not None and (parts.hostname or "") in MOBILE_HOSTS


def _split(url: str | None) -> SplitResult | None:
    try:
        return urlsplit(url[:MAX_URL]) if url else None
    except ValueError:
        return None


def page_id(url: str | None) -> str | None:
    """The id in a link to a numbered page: "555001" for vk.com/id555001, "-221155555" for club221155555."""
    m = _NUMBERED.match(url[len("https://vk.com/") :]) if url and url.startswith("https://vk.com/") else None
    if m is None:
        return None
    return m.group(2) if m.group(1) == "id" else f"-{m.group(2)}"


def _shown_time(draft: PostDraft, stamp: LexborNode | None, where: str) -> None:
    shown = node_text(stamp, 100)
    if not shown:
        draft.note("posted_at", "the block shows no time")
        return
    set_shown_time(draft, "posted_at", shown, f"{where} (text)", _SHOWN_ONLY)
    if _RELATIVE.search(shown):
        draft.note("posted_at", "words relative to the day the page was captured (the capture's own time)")


def _text(body: LexborNode | None, doc: Document, draft: PostDraft, where: str) -> None:
    if body is None:
        return
    draft.set_text(text_without(body, _CONTROLS, MAX_TEXT, doc.url), where)
    for a in body.css("a[href]")[:200]:
        if not a.css_matches(_CONTROLS):  # "Show more" links to the post itself: a control, not a link
            draft.add_link(vk_link(doc, attr(a, "href")))


# ---------------------------------------------------------------- photos and videos


def read_media(node: LexborNode, doc: Document, draft: PostDraft) -> None:
    """The photos and videos the post (or comment) ``node`` shows, in their order."""
    for item in _own(node, _MEDIA)[:200]:
        video = _video_page(item, doc)
        if video is not None:
            if _shows_picture(item):  # a link in the text is a link, not an attachment
                _video(item, video, doc, draft)
        elif ancestor(item, lambda a: _video_page(a, doc) is not None or _is_grid(a), node) is None:
            photo = _photo(item, doc)
            if photo is not None:
                draft.add_media(photo)
    if draft.media:
        draft.source("media", "[data-src_big] (url|width|height), the picture shown; a[href^=/video]")


def _is_grid(node: LexborNode) -> bool:
    return has_class(node, "MediaGrid__interactive")


def _video_page(node: LexborNode, doc: Document) -> str | None:
    """ "https://vk.com/video-221155555_456239017" for a link to a video's page (its list and referrer left
    out); None for anything else."""
    parts = _split(doc.absolute(attr(node, "href"))) if node.tag == "a" else None
    m = _VIDEO_PAGE.match(parts.path) if parts and _VK_HOST.match(parts.hostname or "") else None
    return f"https://vk.com/{m.group(1)}{m.group(2)}" if m else None


def _shows_picture(link: LexborNode) -> bool:
    picture = link.css_first("img, .thumb_map_img, [style*='background']")
    return picture is not None or _is_grid(link) or background_url(attr(link, "style")) is not None


def _video(link: LexborNode, page: str, doc: Document, draft: PostDraft) -> None:
    picture = link.css_first("img[src]")
    backdrop = link.css_first(".thumb_map_img, [style*='background']") or link
    thumbnail = doc.absolute(attr(picture, "src")) or doc.absolute(background_url(attr(backdrop, "style")))
    duration = parse_duration(node_text(link.css_first(".mt_dur") or link, 20))
    item = make_media(None, "video", duration_s=duration, thumbnail_url=thumbnail)
    if item is not None:
        draft.add_media(item)
    draft.add_link(page)
    draft.note("media", f"a video the post shows as a thumbnail; its file is on its own page {page[:200]}")


def _photo(item: LexborNode, doc: Document) -> Media | None:
    picture = item if item.tag == "img" else item.css_first("img[src]")
    shown = doc.absolute(attr(picture, "src")) or doc.absolute(background_url(attr(item, "style")))
    file, width, height = src_big(attr(item, "data-src_big", MAX_URL))
    url = doc.absolute(file)
    if url is None:
        return make_media(shown, "image")
    thumbnail = shown if shown != url else None
    return make_media(url, "image", width=width, height=height, thumbnail_url=thumbnail)


def src_big(value: str | None) -> tuple[str | None, int | None, int | None]:
    """A photo's largest file and its size from m.vk.com's ``data-src_big``, "url|1280|853" (the bars at
    times written %7C); the URL alone when no size follows it."""
    if not value:
        return None, None, None
    text = value if "|" in value else re.sub("%7c", "|", value, flags=re.IGNORECASE)
    url, *size = text.rsplit("|", 2)
    width, height = (parse_dimension(s) for s in size) if len(size) == 2 else (None, None)
    if width and height:
        return url.strip() or None, width, height
    return value.split("|", 1)[0].strip() or None, None, None


def mobile_photo_files(html: str, url: str) -> list[str]:
    """The largest file of each photo an m.vk.com page offers (``data-src_big``), on VK's own hosts (for
    ``prepare`` to load)."""
    doc = parse_html(html, url)
    found: list[str] = []
    for item in doc.css("[data-src_big]")[:MAX_FOUND]:
        file = doc.absolute(src_big(attr(item, "data-src_big", MAX_URL))[0])
        if file and VK_CDN.match(file) and file not in found:
            found.append(file)
        if len(found) >= MAX_PHOTO_FILES:
            break
    return found


# ---------------------------------------------------------------- counts, a repost

# (count, (where, the attribute to read or "" for the text) in order of preference: exact numbers first)
_COUNTS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "views",
        ((".wall_item_views", "aria-label"), (".item_views", "aria-label"), (".Socials__viewsCount", "")),
    ),
    (
        "likes",
        (
            ("._PostBottomButtonReactionContainer .visually-hidden", ""),
            (".PostBottomButtonReaction__label", ""),
            (".item_like", "aria-label"),
        ),
    ),
    (
        "shares",
        (
            ("a.PostBottomButton[href*='act=publish']", "aria-label"),
            ("a.PostBottomButton[onclick*='share']", "aria-label"),
            (".item_share", "aria-label"),
            ("a.PostBottomButton[href*='act=publish'] .PostBottomButton__label", ""),
        ),
    ),
    (
        "replies",
        (
            ("a._item_replies", "aria-label"),
            ("[data-replies-count]", "data-replies-count"),
            (".item_replies", "aria-label"),
        ),
    ),
)


def _counts(node: LexborNode, draft: PostDraft) -> None:
    for name, places in _COUNTS:
        for query, name_of in places:
            values = (attr(n, name_of, 200) if name_of else node_text(n, 200) for n in _own(node, query)[:10])
            shown = next((v for v in values if v and parse_count(v) is not None), None)
            if shown is not None:
                draft.set_count(name, shown, f"{query}[{name_of}]" if name_of else query)
                break


def _repost(node: LexborNode, doc: Document, draft: PostDraft) -> None:
    inner = (c for c in node.css(MOBILE_POST)[:MAX_FOUND] if c.mem_id != node.mem_id)  # the node itself too
    copy = next((c for c in inner if ancestor(c, _is_post, node) is None), None)
    copied = _IDS.match(attr(node, "data-copy", 40) or "")
    ids = mobile_ids(copy) if copy is not None else None
    if ids is None and copied is not None:
        ids = (copied.group(1), copied.group(2))
    if copy is None and ids is None:
        return
    author = copy.css_first("a.pi_author") if copy is not None else None
    text = copy.css_first(".pi_text") if copy is not None else None
    ref = make_ref(
        f"https://vk.com/wall{ids[0]}_{ids[1]}" if ids else None,
        node_text(author, MAX_LINE) or None,
        text_without(text, _CONTROLS, MAX_LINE, doc.url) or None,
    )
    set_repost(draft, ref, ".wall_item[data-copy] / the div.wall_item in the post")


# ---------------------------------------------------------------- comments


def _comments_scope(doc: Document, ids: tuple[str, str] | None) -> LexborNode | None:
    """Where the post's comments are: ``#wall-221155555_1234_replies``, else the whole page."""
    found = doc.first(f'[id="wall{ids[0]}_{ids[1]}_replies"]') if ids else None
    return found if found is not None else doc.tree.body


def _comments(scope: LexborNode, doc: Document, draft: PostDraft, post: tuple[str, str] | None) -> None:
    """The comments in ``scope``, each with its answers (a ``div.RepliesThread`` after it or naming it)."""
    found = unique(scope.css(_REPLY))
    if len(found) > MAX_FOUND:
        draft.note(
            "replies", f"the page has {len(found)} comments and answers; the first {MAX_FOUND} were read"
        )
    items = _reply_items(found[:MAX_FOUND], scope)
    top = [item for item, thread in items if thread is None]
    by_id = {cid: item for item in top if (cid := _reply_id(item)) is not None}
    parents: dict[LexborNode, LexborNode | None] = {}  # a thread -> the comment it answers
    more: dict[LexborNode, str] = {}  # a comment -> the words of the link to more of its answers
    comments = set(top)
    for group in unique(scope.css(".RepliesThread"))[:MAX_FOUND]:
        parents[group] = parent = _thread_parent(group, comments, by_id)
        link = group.css_first("a.RepliesThreadNext__link")
        if parent is not None and link is not None:
            more[parent] = node_text(link, MAX_LINE) or "(no words)"
    shown: list[LexborNode] = []
    answers: dict[LexborNode, list[LexborNode]] = {}
    for item, thread in items:
        parent = None
        if thread is not None:
            # The answer's own date link names its comment (thread=) first; then the thread says which.
            parent = by_id.get(query_value(_date_href(item), "thread") or "")
            if parent is None:
                parent = parents.get(thread)
        if parent is None:
            shown.append(item)
        else:
            answers.setdefault(parent, []).append(item)
    for item in shown[:MAX_REPLIES]:
        draft.add_reply(_read_comment(item, doc, post, answers.get(item, []), more.get(item)))
    if len(shown) > MAX_REPLIES:
        draft.note("replies", f"the page shows {len(shown)}; the first {MAX_REPLIES} are kept")
    if shown:
        draft.source(
            "replies", "div.ReplyItem as the page shows them; answers from the div.RepliesThread after each"
        )
    next_page = _next_comments(scope, doc, post)
    if next_page is not None:
        answered = sum(len(a) for a in answers.values())
        draft.note(
            "replies",
            f"the page shows {len(shown)} comment(s) and {answered} answer(s); more are behind VK's link"
            f" {next_page[0]!r} to the next page of comments ({next_page[1][:300]}), which is not followed",
        )


def _reply_items(
    candidates: list[LexborNode], scope: LexborNode
) -> list[tuple[LexborNode, LexborNode | None]]:
    """The comments among ``candidates`` (in ``scope``, in page order), each with the thread it is in (None
    for a comment on the post); an element inside a comment that looks like one is not another."""
    return [
        (item, ancestor(item, _is_thread, scope))
        for item in candidates
        if ancestor(item, _is_reply, scope) is None
    ]


def _is_thread(node: LexborNode) -> bool:
    return has_class(node, "RepliesThread")


def _is_reply(node: LexborNode) -> bool:
    return has_class(node, "ReplyItem") or (attr(node, "id", 20) or "").startswith("wall_reply")


def _thread_parent(
    thread: LexborNode, top: set[LexborNode], by_id: dict[str, LexborNode]
) -> LexborNode | None:
    """The comment a ``div.RepliesThread`` answers: the one its id="RepliesThread1240" names, else the
    comment just before it."""
    m = _THREAD_ID.match(attr(thread, "id", 40) or "")
    if m and m.group(1) in by_id:
        return by_id[m.group(1)]
    before, steps = thread.prev, 0
    while before is not None and not before.is_element_node and steps < 10:
        before, steps = before.prev, steps + 1
    return before if before is not None and before in top else None


def _reply_id(item: LexborNode) -> str | None:
    """A comment's number: id="wall_reply-221155555_1240", a.ReplyItem__anchor[name="reply1240"], or the
    ?reply= of its date link."""
    if m := _REPLY_ID.match(attr(item, "id", 40) or ""):
        return m.group(2)
    if m := _REPLY_ANCHOR.match(attr(item.css_first("a.ReplyItem__anchor[name]"), "name", 40) or ""):
        return m.group(1)
    number = query_value(_date_href(item), "reply")
    return number if number and number.isascii() and number.isdigit() and len(number) <= 12 else None


def _date_link(item: LexborNode) -> LexborNode | None:
    return item.css_first(".ReplyItem__date a.item_date, a.item_date, .ReplyItem__date a[href]")


def _date_href(item: LexborNode) -> str | None:
    return attr(_date_link(item), "href")


def _read_comment(
    item: LexborNode,
    doc: Document,
    post: tuple[str, str] | None,
    answers: list[LexborNode],
    more: str | None,
    parent: PostRecord | None = None,
) -> PostRecord:
    draft = new_draft()
    draft.page_state = "post"
    number = _reply_id(item)
    if number is not None and post is not None:
        draft.set_line("post_id", f"{post[0]}_{number}", "id=wall_reply… / a.ReplyItem__anchor[name]")
    href = vk_com_url(doc.absolute(_date_href(item)))
    if href is None and number is not None and post is not None:
        href = f"https://vk.com/wall{post[0]}_{post[1]}?reply={number}"
    draft.set_line("canonical_url", href, "a.item_date[href] (on vk.com)", MAX_URL)
    if has_class(item, "ReplyItem_deleted"):
        draft.page_state = "deleted"
        said = node_text(item, 300)
        draft.note("text", f"VK shows {said!r} in place of the comment" if said else "VK shows it as deleted")
    else:
        _comment_author(item, doc, draft, number)
        _shown_time(draft, _date_link(item), "a.item_date")
        _text(item.css_first(".ReplyItem__body, .pi_text, .wall_reply_text"), doc, draft, ".ReplyItem__body")
        read_media(item, doc, draft)
        likes = node_text(item.css_first(".ReplyItem__like"), 40)
        if parse_count(likes) is not None:
            draft.set_count("likes", likes, ".ReplyItem__like")
    _answering(draft, parent, query_value(href, "thread"), post)
    if more is not None:
        draft.note(
            "replies", f"more answers are behind VK's link {more!r} to another page, which is not followed"
        )
    if answers:
        record = draft.build()
        for answer in answers[:MAX_REPLIES]:
            draft.add_reply(_read_comment(answer, doc, post, [], None, record))
        if len(answers) > MAX_REPLIES:
            draft.note("replies", f"the page shows {len(answers)}; the first {MAX_REPLIES} are kept")
        draft.source("replies", "div.ReplyItem in the div.RepliesThread after the comment")
    return draft.build()


def _answering(
    draft: PostDraft, parent: PostRecord | None, thread: str | None, post: tuple[str, str] | None
) -> None:
    """``reply_to``: the comment whose thread the answer is in, else the one its date link's thread= names."""
    if parent is not None:
        name = parent.author.display_name if parent.author else None
        draft.reply_to = make_ref(parent.canonical_url, name)
        draft.source("reply_to", "the div.RepliesThread after the comment it answers")
    if draft.reply_to is None and thread and thread.isascii() and thread.isdigit() and post is not None:
        draft.reply_to = make_ref(f"https://vk.com/wall{post[0]}_{post[1]}?reply={thread[:12]}")
        draft.source("reply_to", "a.item_date[href] (thread=)")


def _comment_author(item: LexborNode, doc: Document, draft: PostDraft, number: str | None) -> None:
    link = item.css_first("a.ReplyItem__name, .ReplyItem__header a[href]")
    href = vk_page(doc.absolute(attr(link, "href")))
    said_id = None
    for control in item.css("[onclick*='replyTo']")[:10]:
        m = _REPLY_TO.search(attr(control, "onclick", 2000) or "")
        if m and (number is None or m.group(1) == number):
            said_id = m.group(2)
            break
    draft.author = make_author(
        node_text(link, MAX_LINE) or None, vk_handle(href), said_id or page_id(href), href
    )
    if draft.author is not None:
        draft.source(
            "author", "a.ReplyItem__name (name, href)" + ("; Replies.replyTo (id)" if said_id else "")
        )


def _next_comments(scope: LexborNode, doc: Document, post: tuple[str, str] | None) -> tuple[str, str] | None:
    """(its words, its URL) of VK's link to the next page of the post's comments (``?offset=N``)."""
    if post is None:
        return None
    for link in scope.css("a[href*='offset=']")[:50]:
        url = doc.absolute(attr(link, "href"))
        if url is None or query_value(url, "reply") or not query_value(url, "offset"):
            continue
        if (parts := _split(url)) is not None and parts.path == f"/wall{post[0]}_{post[1]}":
            return node_text(link, MAX_LINE) or "(no words)", url
    return None
