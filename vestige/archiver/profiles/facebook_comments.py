"""Comments under a Facebook post, as the page renders them, with Facebook's data for each where the page
carries it (``relay Comment``: its id, ``created_time``, ``body.text``, ``author``, reactions).

A comment is a ``[role=article]`` whose aria-label says "Comment by NAME ..." ("Комментарий от",
"Коментар від"); a reply is labelled "Reply by ..." and sits in the same list item as the comment it
answers. In a comment: its first link with words is the author, its innermost ``div[dir=auto]`` blocks
its text, and the link to the post with ``?comment_id=`` (``reply_comment_id=`` for a reply) its time, in
words ("2d"), and its id.
"""

from __future__ import annotations

import dataclasses
import re

from selectolax.lexbor import LexborNode

from .draft import PostDraft, make_author, make_ref
from .embedded_json import as_str, as_text, dig
from .facebook_links import POST_LINK, clean_url, comment_id, fb_handle, fb_link, profile_url
from .facebook_relay import Relay, number
from .html import Document, ancestor, attr, node_text
from .post import MAX_LINE, MAX_REPLIES, MAX_TEXT, PostRecord, Ref
from .readings import set_shown_time, set_unix_time

PLATFORM = "facebook"
PROFILE_VERSION = 1
COMMENT_LABEL = re.compile(
    r"^(comment by|reply by|комментарий от|ответ от|коментар від|відповідь від)\s", re.I
)
REPLY_LABEL = re.compile(r"^(reply by|ответ от|відповідь від)\s", re.I)


def new_draft() -> PostDraft:
    return PostDraft(PLATFORM, PLATFORM, PROFILE_VERSION)


def is_comment(node: LexborNode) -> bool:
    return attr(node, "role") == "article" and bool(COMMENT_LABEL.match(attr(node, "aria-label", 300) or ""))


def in_comment(node: LexborNode, stop: LexborNode | None = None) -> bool:
    return ancestor(node, is_comment, stop, limit=1000) is not None


def top_comments(root: LexborNode) -> list[LexborNode]:
    return [
        a
        for a in root.css('[role="article"][aria-label]')
        if is_comment(a)
        and not REPLY_LABEL.match(attr(a, "aria-label", 300) or "")
        and not in_comment(a, root)
    ]


def _replies_to(comment: LexborNode) -> list[LexborNode]:
    """The "Reply by" articles in the same list item as ``comment`` (Facebook nests the thread there)."""
    item = ancestor(comment, lambda a: a.tag == "li", limit=9)
    if item is None:
        return []
    return [
        a
        for a in item.css('[role="article"][aria-label]')
        if a != comment and REPLY_LABEL.match(attr(a, "aria-label", 300) or "")
    ]


def read_comment(node: LexborNode, doc: Document, relay: Relay, depth: int) -> PostRecord:
    draft = new_draft()
    draft.page_state = "post"
    links = [a for a in node.css("a[href]")[:200] if not in_comment(a, node)]
    time_link = next((a for a in links if POST_LINK.search(attr(a, "href") or "") and node_text(a, 40)), None)
    author_link = next((a for a in links if a != time_link and node_text(a, MAX_LINE)), None)
    href = doc.absolute(attr(time_link, "href"))
    legacy = comment_id(href) or comment_id(doc.absolute(attr(author_link, "href")))
    data = relay.comments.get(legacy) if legacy else None
    draft.set_line("post_id", legacy, "?comment_id= / reply_comment_id= in its links")
    draft.set_line("canonical_url", clean_url(href), "the link with its time", 8000)
    if data is not None:
        draft.set_line("canonical_url", clean_url(as_text(data.get("url"))), "relay Comment.url", 8000)
    author = data.get("author") if data is not None else None
    url = profile_url(doc.absolute(attr(author_link, "href")))
    name = node_text(author_link, MAX_LINE) or None
    if isinstance(author, dict):
        url = as_text(author.get("url")) or url
        draft.author = make_author(
            as_text(author.get("name")) or name, fb_handle(url), as_str(author.get("id")), url
        )
        draft.source("author", "relay Comment.author")
    else:
        draft.author = make_author(name, fb_handle(url), None, url)
        draft.source("author", "the comment's first link with words")
    if not (
        data is not None
        and set_unix_time(
            draft,
            "posted_at",
            data.get("created_time"),
            shown=node_text(time_link, 40),
            declared_as="created_time",
            where="relay Comment.created_time",
        )
    ):
        set_shown_time(
            draft,
            "posted_at",
            node_text(time_link, 40),
            "the link with its time (its words)",
            "Facebook shows only how long ago",
        )
    if not draft.set_text(as_text(dig(data, "body", "text")), "relay Comment.body.text"):
        draft.set_text(_comment_words(node), "div[dir=auto] in the comment")
    for b in node.css('div[dir="auto"] a[href]')[:100]:
        if not in_comment(b, node):
            draft.add_link(fb_link(doc, attr(b, "href")))
    reactions = number(dig(data, "feedback", "reactors", "count"))
    if reactions is not None:
        draft.set_count("reactions", str(reactions), "relay Comment.feedback.reactors.count")
    if depth < 2:
        parent = draft.build()
        for reply in _replies_to(node)[:MAX_REPLIES]:
            record = read_comment(reply, doc, relay, depth + 1)
            ref = make_ref(parent.canonical_url, parent.author.display_name if parent.author else None)
            draft.add_reply(_replying(record, ref))
    return draft.build()


def _comment_words(node: LexborNode) -> str:
    """The comment's own text blocks (innermost div[dir=auto], not those of replies nested in it)."""
    blocks = [
        b
        for b in node.css('div[dir="auto"]')[:200]
        # A block with no block inside it (css() lists the node itself, so it finds one).
        if not in_comment(b, node) and len(b.css('div[dir="auto"]')) == 1
    ]
    return "\n".join(node_text(b, MAX_TEXT) for b in blocks)


def _replying(record: PostRecord, ref: Ref | None) -> PostRecord:
    if ref is None:
        return record
    sources = {**record.sources, "reply_to": "the thread it is in (the comment's list item)"}
    return dataclasses.replace(record, reply_to=ref, sources=sources)
