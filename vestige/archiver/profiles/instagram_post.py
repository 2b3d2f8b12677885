"""An Instagram post as its page shows it: the ``<article>`` markup, its comments, and the Open Graph tags.

Markup read (Instagram's class names are generated and never read; the structure and attributes are):

  article
    header a[href="/<username>/"]                    the author's username
    img[src] (*.cdninstagram.com, *.fbcdn.net)       photos (not in header or comments: profile pictures)
    video[src, poster]                               videos
    h1 [role="button"] "more"                        the caption, and its "more" control while cut short
    a[href="/p/<code>/c/<id>/"] > time[datetime]     a comment's permalink and time, in its <li>:
        h3 a[href="/<username>/"], span[dir="auto"]  its author and text; "12 likes", "View replies (2)"
    a[href="/p/<code>/c/<id>/r/<reply id>/"]         a reply to comment <id>
    section a[href$="/liked_by/"]                    "1,234 likes"
    a[href="/p/<code>/"] > time[datetime]            when the post was made

Open Graph: og:title "<name> on Instagram: “<caption>”", og:description "1,234 likes, 56 comments -
<username> on March 3, 2024: ...", og:url, og:image; instapp:owner_user_id is the author's numeric id.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from selectolax.lexbor import LexborNode

from .draft import PostDraft, make_author, make_media
from .html import Document, ancestor, attr, node_text
from .meta import Meta
from .post import MAX_MEDIA, MAX_REPLIES, MAX_TEXT, Author, MediaType, PostRecord
from .values import is_digits

PLATFORM = "instagram"
PROFILE_VERSION = 1
CDN_HOSTS = (".cdninstagram.com", ".fbcdn.net")
MORE_WORDS = ("more", "ещё", "еще", "більше")
EDITED_WORDS = ("edited", "изменено", "змінено")
_USER_PATH = re.compile(r"^/([A-Za-z0-9._]{1,30})/?$")
_COMMENT_PATH = re.compile(r"/(?:p|reel|tv)/([A-Za-z0-9_-]{5,64})/c/(\d{1,30})/(?:r/(\d{1,30})/?)?$")
_LIKES = re.compile(r"^\s*(\d[\d.,\s\u00a0]*[KMkм]?)\s+(?:likes?|отмет\w*|вподобан\w*)", re.IGNORECASE)
_VIEW_REPLIES = re.compile(
    r"(?:view replies|view all \d+ replies|посмотреть ответы|переглянути відповіді)\D*(\d[\d,.\s]*)",
    re.IGNORECASE,
)
_OG_COUNTS = re.compile(
    r"^(\d[\d.,\s\u00a0]*[KMB]?)\s+likes?,\s+(\d[\d.,\s\u00a0]*[KMB]?)\s+comments?", re.IGNORECASE
)
_OG_NAME = re.compile(r"^(.{1,200}?) (?:on|в) Instagram:", re.DOTALL)
MAX_COMMENT_LINKS = 500


def new_draft() -> PostDraft:
    return PostDraft(PLATFORM, PLATFORM, PROFILE_VERSION)


def user_author(username: str, name: str | None = None, user_id: str | None = None) -> Author | None:
    return make_author(name, f"@{username}", user_id, f"https://www.instagram.com/{username}/")


def on_cdn(url: str | None) -> bool:
    try:
        host = (urlsplit(url).hostname or "") if url else ""
    except ValueError:
        return False
    return host.endswith(CDN_HOSTS)


def post_node(doc: Document) -> LexborNode | None:
    """The element holding the post: its <article>, else the page's main column."""
    return doc.first("article") or doc.first('main[role="main"], main')


def _inside(node: LexborNode, stop: LexborNode, tags: tuple[str, ...]) -> bool:
    return ancestor(node, lambda a: a.tag in tags, stop) is not None


def shown_media(post: LexborNode | None, doc: Document) -> list[tuple[str, LexborNode]]:
    """(URL, element) of the post's own photos and videos: on Instagram's CDN, not a profile picture."""
    if post is None:
        return []
    found: list[tuple[str, LexborNode]] = []
    for node in post.css("img[src], video")[: MAX_MEDIA * 4]:
        alt = (attr(node, "alt", 300) or "").lower()
        if _inside(node, post, ("header",)) or "profile picture" in alt:
            continue
        src = attr(node, "src") or attr(node.css_first("source[src]"), "src")
        url = doc.absolute(src)
        if node.tag == "video" and url is None and src:
            found.append((src[:100], node))  # a blob: stream; said in fill_from_dom
        elif url and (node.tag == "video" or on_cdn(url)):
            found.append((url, node))
    return found


def fill_from_dom(draft: PostDraft, post: LexborNode, doc: Document, code: str | None) -> None:
    """Set the draft's still-empty fields from the post's markup."""
    if draft.author is None:
        for link in post.css("header a[href]")[:20]:
            if m := _USER_PATH.match(urlsplit(doc.absolute(attr(link, "href")) or "").path):
                draft.author = user_author(m.group(1))
                draft.source("author", "article header a[href]")
                break
    if draft.posted_at_raw is None:
        stamp = next((t for t in post.css("time[datetime]")[:200] if not _comment_time(t)), None)
        shown = node_text(stamp, 100) if stamp is not None else ""
        draft.set_time("posted_at", attr(stamp, "datetime", 100), f'article time[datetime] (shown "{shown}")')
    caption = post.css_first("h1")
    if draft.edited is None and caption is not None:
        marked = _enclosing(caption, post, "li") or caption.parent
        words = [node_text(s, 20).strip().lower() for s in (marked.css("span") if marked else [])[:50]]
        draft.edited = any(w in EDITED_WORDS for w in words)
        draft.source("edited", 'the "Edited" mark beside the caption\'s time')
    cut = caption is not None and any(
        node_text(b, 20).strip(" …").lower() in MORE_WORDS for b in caption.css('[role="button"]')[:5]
    )
    if draft.text is None and caption is not None:
        for button in caption.css('[role="button"]')[:5]:
            button.decompose()  # the "more" control is not the author's text
        if draft.set_text(node_text(caption, MAX_TEXT).rstrip(" …"), "article h1 (the caption)") and cut:
            draft.note("text", "Instagram shows the caption cut short ('more' was not opened)")
    if "likes" not in draft.counts:
        for node in post.css('section a[href$="/liked_by/"], section span')[:100]:
            shown = node_text(node, 60)
            if _LIKES.match(shown):
                draft.set_count("likes", shown, "section (the likes shown)")
                break
    if not draft.media:
        for url, node in shown_media(post, doc):
            if not url.startswith("https://"):
                draft.note("media", f"a video streamed as {url[:60]!r}: no file address in the page")
                continue
            kind: MediaType = "video" if node.tag == "video" else "image"
            poster = doc.absolute(attr(node, "poster")) if kind == "video" else None
            item = make_media(url, kind, thumbnail_url=poster)
            if item is not None:
                draft.add_media(item)
                draft.source("media", "article img[src] / video[src] on Instagram's CDN")


def _comment_time(stamp: LexborNode) -> bool:
    link = stamp.parent
    return link is not None and bool(_COMMENT_PATH.search(urlsplit(attr(link, "href") or "").path))


def fill_from_meta(draft: PostDraft, meta: Meta, doc: Document) -> None:
    """What only the Open Graph tags give, or what nothing else did."""
    title = meta.values.get("og:title") or ""
    description = meta.values.get("og:description") or ""
    owner = meta.values.get("instapp:owner_user_id")
    name = m.group(1).strip() if (m := _OG_NAME.match(title)) else None
    if draft.author is not None and (name or owner) and not (draft.author.display_name and draft.author.id):
        a = draft.author
        owner_id = owner if owner and is_digits(owner) else None
        draft.author = make_author(a.display_name or name, a.handle, a.id or owner_id, a.profile_url)
        draft.source("author", f"{draft.sources.get('author')}; og:title, instapp:owner_user_id")
    if m := _OG_COUNTS.match(description):
        for count_name, shown in (("likes", m.group(1)), ("replies", m.group(2))):
            if count_name not in draft.counts:
                draft.set_count(count_name, shown, 'meta "og:description"')
    if draft.text is None and description:
        draft.set_text(description, 'meta "og:description" (Instagram cuts the caption short there)')
    if not draft.media and (image := doc.absolute(meta.values.get("og:image"))):
        item = make_media(image, "image")
        if item is not None:
            draft.add_media(item)
            draft.source("media", 'meta "og:image" (a preview)')


def read_comments(post: LexborNode, doc: Document) -> list[PostRecord]:
    """The comments the page shows, in page order, each with the replies shown under it."""
    top: list[tuple[str, PostDraft]] = []
    replies: dict[str, list[PostRecord]] = {}
    seen: set[str] = set()
    for link in post.css('a[href*="/c/"]')[:MAX_COMMENT_LINKS]:
        url = doc.absolute(attr(link, "href"))
        m = _COMMENT_PATH.search(urlsplit(url or "").path)
        if url is None or m is None or link.css_first("time[datetime]") is None:
            continue
        code, parent, reply = m.groups()
        own_id = reply or parent
        if own_id in seen:
            continue
        seen.add(own_id)
        item = _enclosing(link, post, "li") or link
        permalink = f"https://www.instagram.com/p/{code}/c/{parent}/" + (f"r/{reply}/" if reply else "")
        draft = _comment(item, post, link, doc, own_id, permalink)
        if reply is None:
            top.append((parent, draft))
        else:
            replies.setdefault(parent, []).append(draft.build())
    out: list[PostRecord] = []
    for comment_id, draft in top[:MAX_REPLIES]:
        for record in replies.pop(comment_id, [])[:MAX_REPLIES]:
            draft.add_reply(record)
        out.append(draft.build())
    for orphans in replies.values():  # replies whose comment the page does not show
        out.extend(orphans[: max(0, MAX_REPLIES - len(out))])
    return out[:MAX_REPLIES]


def _enclosing(node: LexborNode, stop: LexborNode, tag: str) -> LexborNode | None:
    return ancestor(node, lambda a: a.tag == tag, stop)


def _comment(
    item: LexborNode, post: LexborNode, link: LexborNode, doc: Document, comment_id: str, url: str
) -> PostDraft:
    draft = new_draft()
    draft.page_state = "post"
    draft.set_line("post_id", comment_id, "the comment's permalink (/c/<id>/)")
    draft.set_line("canonical_url", url, "the comment's permalink")
    author = item.css_first("h3 a[href], h2 a[href]")
    if m := _USER_PATH.match(urlsplit(doc.absolute(attr(author, "href")) or "").path):
        draft.author = user_author(m.group(1))
        draft.source("author", "h3 a[href]")
    stamp = link.css_first("time[datetime]")
    shown = node_text(stamp, 60)
    where = f'the permalink\'s time[datetime] (shown "{shown}")'
    draft.set_time("posted_at", attr(stamp, "datetime", 100), where)
    body = next(
        (s for s in item.css('span[dir="auto"]')[:20] if not _inside(s, item, ("h3", "h2", "a"))), None
    )
    draft.set_text(node_text(body, MAX_TEXT), 'span[dir="auto"]')
    for node in item.css("button, span")[:60]:
        label = node_text(node, 60)
        if "likes" not in draft.counts and _LIKES.match(label):
            draft.set_count("likes", label, "the comment's likes button")
    for node in [] if "/r/" in url else _reply_controls(item, post)[:60]:
        if m := _VIEW_REPLIES.search(node_text(node, 60)):
            draft.set_count("replies", m.group(1), '"View replies (N)"')
            break
    return draft


def _reply_controls(item: LexborNode, post: LexborNode) -> list[LexborNode]:
    """Where a comment's "View replies (N)" is: in its <li>, or in the <li> beside it when the <ul> around
    them holds this one comment (Instagram lists each comment with its replies in a <ul> of its own)."""
    inside_item = item.css("button, span")
    if any(_VIEW_REPLIES.search(node_text(n, 60)) for n in inside_item[:60]):
        return inside_item
    group = _enclosing(item, post, "ul")
    if group is None:
        return []
    comments = [a for a in group.css('a[href*="/c/"]')[:50] if "/r/" not in (attr(a, "href") or "")]
    return group.css("button, span") if len(comments) <= 1 else []


__all__ = ["PLATFORM", "PROFILE_VERSION", "fill_from_dom", "fill_from_meta", "read_comments", "shown_media"]
