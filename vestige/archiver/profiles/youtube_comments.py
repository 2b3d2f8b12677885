"""YouTube comments as the watch page renders them (they exist nowhere else in the saved page).

ytd-comments#comments ytd-item-section-renderer#sections #contents
  ytd-comment-thread-renderer                     one thread
    ytd-comment-view-model#comment                the comment (ytd-comment-renderer before 2024)
      #author-text[href="/@handle"]               its author, "@handle"
      #published-time-text a[href="...&lc=<id>"]  "2 days ago (edited)": its id, and that it was edited
      #content-text                               its text ("Read more": tp-yt-paper-button#more)
      #vote-count-middle                          its likes ("" when none)
    ytd-comment-replies-renderer                  its replies
      #more-replies button                        "5 replies" (clicked by ``prepare``)
      #expander-contents ytd-comment-view-model   each reply shown
  ytd-continuation-item-renderer                  the end of the list: the next batch loads when seen
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from selectolax.lexbor import LexborNode

from .comment_steps import replies_to_keep
from .draft import PostDraft, make_author
from .html import Document, ancestor, attr, node_text
from .post import MAX_LINE, MAX_REPLIES, MAX_TEXT, PostRecord
from .readings import query_value
from .youtube_watch import WEB, new_draft

THREAD = "ytd-comments ytd-comment-thread-renderer"
LIST_END = "ytd-comments #sections > #contents > ytd-continuation-item-renderer"
# The "N replies" and "Read more" controls of the first N threads (format with n=N).
MORE_REPLIES = (
    "ytd-comments #contents > ytd-comment-thread-renderer:nth-of-type(-n+{n}) ytd-comment-replies-renderer"
    " #more-replies button"
)
READ_MORE = "ytd-comments #contents > ytd-comment-thread-renderer:nth-of-type(-n+{n}) tp-yt-paper-button#more"
_COMMENT_TAGS = ("ytd-comment-view-model", "ytd-comment-renderer")
_REPLIES_TAG = "ytd-comment-replies-renderer"
_EDITED = re.compile(r"\s*\((?:edited|изменено|змінено)\)\s*$", re.IGNORECASE)


def read_comments(doc: Document, draft: PostDraft, video_id: str | None) -> None:
    """The threads the page shows, up to the ``--replies`` limit ``prepare`` wrote on the page."""
    threads = doc.css("ytd-comment-thread-renderer")
    for thread in replies_to_keep(doc, draft, threads):
        draft.add_reply(_thread(thread, doc, video_id))
    if draft.replies:
        draft.source("replies", "ytd-comment-thread-renderer (the comments the page showed, replies nested)")
        draft.note("replies", "YouTube shows comment times only as an age ('2 days ago')")


def _thread(thread: LexborNode, doc: Document, video_id: str | None) -> PostRecord:
    comments = [n for n in _comment_nodes(thread) if not _in_replies(n, thread)]
    main = _comment(comments[0] if comments else thread, doc, video_id)
    for box in thread.css(_REPLIES_TAG)[:1]:
        for node in _comment_nodes(box)[: MAX_REPLIES + 1]:
            main.add_reply(_comment(node, doc, video_id).build())
    return main.build()


def _comment_nodes(root: LexborNode) -> list[LexborNode]:
    return [n for n in root.css(", ".join(_COMMENT_TAGS)) if n != root]


def _in_replies(node: LexborNode, stop: LexborNode) -> bool:
    return ancestor(node, lambda a: a.tag == _REPLIES_TAG, stop, 600) is not None


def _comment(node: LexborNode, doc: Document, video_id: str | None) -> PostDraft:
    draft = new_draft()
    draft.page_state = "post"
    link = node.css_first("#published-time-text a[href]")
    lc = query_value(doc.absolute(attr(link, "href")), "lc")  # the permalink: /watch?v=...&lc=<id>
    comment_id = lc[:200] if lc is not None else None
    draft.set_line("post_id", comment_id, "#published-time-text a[href] (lc=)")
    if comment_id and video_id:
        draft.set_line("canonical_url", f"{WEB}/watch?v={video_id}&lc={comment_id}", "#published-time-text a")
    author = node.css_first("#author-text")
    href = doc.absolute(attr(author, "href") or attr(author.css_first("a[href]") if author else None, "href"))
    shown = node_text(author, MAX_LINE)
    path = urlsplit(href).path if href else ""
    handle = shown if shown.startswith("@") else (path[1:] if path.startswith("/@") else None)
    channel_id = path.removeprefix("/channel/") if path.startswith("/channel/") else None
    draft.author = make_author(None if shown.startswith("@") else shown or None, handle, channel_id, href)
    if draft.author is not None:
        draft.source("author", "#author-text")
    draft.set_text(node_text(node.css_first("#content-text"), MAX_TEXT), "#content-text")
    when = node_text(node.css_first("#published-time-text"), 100)
    if when:
        draft.edited = bool(_EDITED.search(when))
        draft.source("edited", "#published-time-text ('(edited)' marker)")
        draft.posted_at_raw = _EDITED.sub("", when) or when
        draft.source("posted_at", "#published-time-text (as shown)")
        if draft.edited:
            draft.note("edited_at", "YouTube marks the comment as edited but does not show when")
    likes = node.css_first("#vote-count-middle")
    if likes is not None and (count := node_text(likes, 40)):
        draft.set_count("likes", count, "#vote-count-middle")
    elif likes is not None:  # YouTube shows no number for a comment nobody liked
        draft.counts["likes"], draft.counts_raw["likes"] = 0, ""
        draft.source("counts.likes", "#vote-count-middle (empty: no likes)")
    return draft
