"""One X post as the web app renders it (an ``article[data-testid="tweet"]``), as a post record.

The same article appears as the post asked for, above it (the thread it replies to), below it (replies)
and in a profile's timeline. Markup the web app renders (its ``data-testid`` attributes are the stable
part; class names are generated and never read):

  article[data-testid="tweet"]
    [data-testid="socialContext"]                  "Pinned", "<name> reposted"
    [data-testid="User-Name"]                      a[href="/<handle>"] (display name), "@handle",
                                                   a[href="/<handle>/status/<id>"] > time[datetime]
    "Replying to" a[href="/<handle>"]              a reply's addressee
    [data-testid="tweetText"][lang]                the text; emoji as <img alt>; links as t.co <a>
    [data-testid="tweet-text-show-more-link"]      the text is cut short ("Show more")
    [data-testid="tweetPhoto"] img / video         photos (pbs.twimg.com), videos (video.twimg.com)
    div[role="link"]                               a quoted post: its own User-Name, tweetText, time
    a[href$="/history"]                            "Last edited" (with a time[datetime] when shown)
    [role="group"][aria-label]                     "12 replies, 340 reposts, 1205 likes, ... views"
    [data-testid="reply|retweet|like|bookmark"]    aria-label "12 Replies. Reply" (no number: none)
    a[href$="/analytics"][aria-label]              "43210 views. View post analytics"
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from selectolax.lexbor import LexborNode

from .draft import PostDraft, make_author, make_media, make_ref
from .html import Document, ancestor, attr, node_text
from .post import MAX_LINE, MAX_MEDIA, MAX_TEXT, PostRecord
from .values import clean_text

PLATFORM = "x"
PROFILE_VERSION = 1
TWEET = 'article[data-testid="tweet"]'
X_HOSTS = frozenset(
    ("x.com", "www.x.com", "mobile.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com")
)
_STATUS_PATH = re.compile(r"^/([A-Za-z0-9_]{1,15})/status(?:es)?/(\d{1,20})(?:/|$)")
_BUTTONS = (
    ("reply", "replies"),
    ("retweet", "shares"),
    ("unretweet", "shares"),
    ("like", "likes"),
    ("unlike", "likes"),
    ("bookmark", "bookmarks"),
    ("removeBookmark", "bookmarks"),
)
_VIEWS_WORDS = ("views", "просмотры", "просмотров", "перегляди", "переглядів")
_GROUP_VIEWS = re.compile(r"(\d[\d,.\s\u00a0]{0,20})\s+(?:views|просмотр\w*|перегляд\w*)", re.IGNORECASE)
_REPLYING = ("replying to", "в ответ", "у відповідь")
_AGE_GATE = ("age-restricted adult content", "контент для взрослых")
MAX_OWN = 500  # elements of one kind read in one article: a post has a handful


def new_draft() -> PostDraft:
    return PostDraft(PLATFORM, PLATFORM, PROFILE_VERSION)


def status_of(href: str | None) -> tuple[str, str] | None:
    """(handle, post id) of an X post URL or path, e.g. "/detsky_centr/status/1769..." (photo and video
    sub-pages included)."""
    if not href:
        return None
    try:
        parts = urlsplit(href.strip()[:2000])
    except ValueError:
        return None
    if parts.netloc and (parts.hostname or "").lower() not in X_HOSTS:
        return None
    m = _STATUS_PATH.match(parts.path)
    return (m.group(1), m.group(2)) if m else None


def post_url(handle: str, post_id: str) -> str:
    return f"https://x.com/{handle}/status/{post_id}"


def in_quote(node: LexborNode, article: LexborNode) -> bool:
    """Whether ``node`` belongs to a post quoted inside ``article`` (a ``div[role="link"]``)."""
    return (
        ancestor(node, lambda a: a.tag == "div" and a.attributes.get("role") == "link", article) is not None
    )


def own(article: LexborNode, query: str, limit: int = MAX_OWN) -> list[LexborNode]:
    """Elements matching ``query`` in the article itself, not in a post it quotes (the first ``limit``)."""
    return [n for n in article.css(query)[:limit] if not in_quote(n, article)]


def _first(article: LexborNode, query: str) -> LexborNode | None:
    return next(iter(own(article, query)), None)


def article_status(article: LexborNode) -> tuple[str, str] | None:
    """(handle, id) of the post an article shows: the link around its time, else its first status link."""
    links = own(article, "a[href]")
    for link in links:
        if link.css_first("time") is not None and (found := status_of(attr(link, "href"))):
            return found
    for link in links:
        href = attr(link, "href") or ""
        if (found := status_of(href)) and not href.rstrip("/").endswith(("/analytics", "/history")):
            return found
    return None


def read_tweet(article: LexborNode, doc: Document) -> PostRecord:
    return tweet_draft(article, doc).build()


def tweet_draft(article: LexborNode, doc: Document) -> PostDraft:
    """One post (an ``article``) of the page, as a draft the caller may add to (a status page's thread)."""
    draft = new_draft()
    draft.page_state = "post"
    ids = article_status(article)
    if ids is not None:
        draft.set_line("post_id", ids[1], "the link around the post's time")
        draft.set_line("canonical_url", post_url(*ids), "the link around the post's time")
    else:
        draft.note("post_id", "the post shows no link to itself")
    read_author(article, draft, ids[0] if ids else None)
    _time(article, draft)
    _text(article, doc, draft)
    _media(article, doc, draft)
    _counts(article, draft)
    _context(article, doc, draft)
    if age_gated(article):
        draft.page_state = "age_gate"
        draft.note("media", "X shows 'Age-restricted adult content' in place of the media (log-in only)")
    return draft


def read_author(block_owner: LexborNode, draft: PostDraft, handle_hint: str | None) -> None:
    block = _first(block_owner, '[data-testid="User-Name"]')
    name, handle = names_in(block)
    handle = handle or (f"@{handle_hint}" if handle_hint else None)
    url = f"https://x.com/{handle.lstrip('@')}" if handle else None
    draft.author = make_author(name, handle, None, url)
    if draft.author is not None:
        draft.source("author", '[data-testid="User-Name"]' if block is not None else "the post's link")


def names_in(block: LexborNode | None) -> tuple[str | None, str | None]:
    """(display name, "@handle") from a User-Name block: its first link's text, and the "@..." in it."""
    if block is None:
        return None, None
    first_link = block.css_first("a[href]")
    name = node_text(first_link, MAX_LINE) if first_link is not None else None
    handle = None
    for span in block.css("span")[:50]:
        shown = node_text(span, MAX_LINE).strip()
        if re.fullmatch(r"@[A-Za-z0-9_]{1,15}", shown):
            handle = handle or shown
        elif not name and shown and shown != "·":  # a quoted post's name is not a link
            name = shown
    return (name or None), handle


def _time(article: LexborNode, draft: PostDraft) -> None:
    stamps = [t for t in own(article, "time[datetime]") if not _in_history(t, article)]
    linked = [t for t in stamps if t.parent is not None and status_of(attr(t.parent, "href"))]
    stamp = next(iter(linked or stamps), None)
    if stamp is None:
        draft.note("posted_at", "the post shows no time")
        return
    shown = node_text(stamp, 100)
    draft.set_time("posted_at", attr(stamp, "datetime", 100), f'time[datetime] (shown "{shown}")')
    history = _first(article, 'a[href$="/history"]')
    if history is not None:
        draft.edited = True
        draft.source("edited", 'a[href$="/history"] ("Last edited")')
        edited = history.css_first("time[datetime]")
        if edited is None:
            draft.note("edited_at", "X marks the post as edited but the page does not say when")
        else:
            where = f'a[href$="/history"] time[datetime] (shown "{node_text(edited, 100)}")'
            draft.set_time("edited_at", attr(edited, "datetime", 100), where)


def _in_history(node: LexborNode, article: LexborNode) -> bool:
    def history_link(a: LexborNode) -> bool:
        return a.tag == "a" and (attr(a, "href") or "").rstrip("/").endswith("/history")

    return ancestor(node, history_link, article, limit=20) is not None


def _text(article: LexborNode, doc: Document, draft: PostDraft) -> None:
    body = _first(article, '[data-testid="tweetText"]')
    if body is None:
        return
    draft.set_text(pre_wrap_text(body, MAX_TEXT), '[data-testid="tweetText"]')
    draft.set_line("language", attr(body, "lang", 40), '[data-testid="tweetText"] lang')
    if draft.language == "zxx":  # X's code for "no linguistic content" (only links, emoji...)
        draft.language = None
        draft.sources.pop("language", None)
    for a in body.css("a[href]")[:200]:
        draft.add_link(doc.absolute(attr(a, "href")))
    if _first(article, '[data-testid="tweet-text-show-more-link"]') is not None:
        draft.note(
            "text", "X shows it cut short ('Show more' was not opened); the full text is on its own page"
        )


def pre_wrap_text(node: LexborNode, limit: int) -> str:
    """The text of ``node`` with its own line breaks: X shows post text with ``white-space: pre-wrap``,
    so a line break in the text is one on screen (scripts and styles in it are left out)."""
    for unseen in node.css("script, style, template, noscript")[:1000]:
        unseen.decompose()
    for br in node.css("br")[:10_000]:
        br.replace_with("\n")
    return node.text(deep=True, separator="")[: limit + 1].strip()


def _media(article: LexborNode, doc: Document, draft: PostDraft) -> None:
    for box in own(article, '[data-testid="tweetPhoto"], [data-testid="videoPlayer"]')[:MAX_MEDIA]:
        if box.attributes.get("data-testid") == "videoPlayer" and _has_photo_box_above(box, article):
            continue  # read with its tweetPhoto box
        video = box.css_first("video")
        if video is not None:
            src = attr(video, "src") or attr(video.css_first("source[src]"), "src")
            poster = doc.absolute(attr(video, "poster"))
            url = doc.absolute(src)
            item = make_media(url, "video", thumbnail_url=poster)
            if src and url is None:
                draft.note("media", f"a video streamed as {src[:60]!r}: no file address in the page")
        else:
            item = make_media(doc.absolute(attr(box.css_first("img[src]"), "src")), "image")
        if item is not None:
            draft.add_media(item)
    for card in own(article, '[data-testid="card.wrapper"] a[href]')[:5]:
        draft.add_link(doc.absolute(attr(card, "href")))
    if draft.media:
        draft.source("media", '[data-testid="tweetPhoto"] img[src] / video[src, poster]')


def _has_photo_box_above(node: LexborNode, article: LexborNode) -> bool:
    current = node.parent
    steps = 0
    while current is not None and current != article and steps < 30:
        if current.attributes.get("data-testid") == "tweetPhoto":
            return True
        current = current.parent
        steps += 1
    return False


def _counts(article: LexborNode, draft: PostDraft) -> None:
    for testid, name in _BUTTONS:
        button = _first(article, f'[data-testid="{testid}"]')
        label = attr(button, "aria-label", MAX_LINE)
        if button is None or not label or name in draft.counts:
            continue
        if re.match(r"\s*\d", label):
            draft.set_count(name, label, f'[data-testid="{testid}"] aria-label')
        else:  # X writes no number when there is none
            draft.counts[name], draft.counts_raw[name] = 0, clean_text(label, MAX_LINE)[0].strip()
            draft.source(f"counts.{name}", f'[data-testid="{testid}"] aria-label (no number: none)')
    views = _first(article, 'a[href$="/analytics"][aria-label]')
    if views is not None:
        draft.set_count("views", attr(views, "aria-label", MAX_LINE), 'a[href$="/analytics"] aria-label')
        return
    group = attr(_first(article, '[role="group"][aria-label]'), "aria-label", MAX_LINE) or ""
    if m := _GROUP_VIEWS.search(group):
        draft.set_count("views", m.group(0), '[role="group"] aria-label')
        return
    for span in own(article, "span", 300):  # the post asked for: "43.2K Views" beside its time
        word = span.text(deep=False).strip()
        if word.lower() in _VIEWS_WORDS and span.parent is not None:
            shown = node_text(span.parent, 60)
            number = shown[: len(shown) - len(word)].strip() if shown.endswith(word) else ""
            if number:
                draft.set_count("views", number, 'the "Views" shown beside the time')
            return


def _context(article: LexborNode, doc: Document, draft: PostDraft) -> None:
    social = _first(article, '[data-testid="socialContext"]')
    if social is not None:
        draft.source("social_context", f'[data-testid="socialContext"] "{node_text(social, 200)}"')
    for span in own(article, "span", 300):
        if not span.text(deep=False).strip().lower().startswith(_REPLYING) or span.parent is None:
            continue
        to = span.parent.css_first("a[href]")
        if to is not None:
            draft.reply_to = make_ref(doc.absolute(attr(to, "href")), node_text(to, MAX_LINE))
            draft.source("reply_to", '"Replying to" a[href]')
        break
    for quote in article.css('div[role="link"]')[:5]:
        block = quote.css_first('[data-testid="User-Name"]')
        if block is None or in_quote(quote, article):
            continue
        name, handle = names_in(block)
        link = next((a for a in quote.css("a[href]") if status_of(attr(a, "href"))), None)
        ids = status_of(attr(link, "href")) if link is not None else None
        shown = " ".join(filter(None, (name, f"({handle})" if handle else None)))
        text = node_text(quote.css_first('[data-testid="tweetText"]'), MAX_LINE)
        draft.quote_of = make_ref(post_url(*ids) if ids else None, shown, text)
        draft.source("quote_of", 'div[role="link"] (a quoted post)')
        if ids is None:
            draft.note("quote_of", "the quoted post shows no link to itself; its author and text are kept")
        break


def age_gated(article: LexborNode) -> bool:
    """Whether X shows its age-restriction notice in the article (in place of media; not in the text)."""
    for span in own(article, "span", 300):
        words = span.text(deep=False).lower()
        if any(p in words for p in _AGE_GATE) and not _in_text(span, article):
            return True
    return False


def _in_text(node: LexborNode, article: LexborNode) -> bool:
    return ancestor(node, lambda a: a.attributes.get("data-testid") == "tweetText", article) is not None
