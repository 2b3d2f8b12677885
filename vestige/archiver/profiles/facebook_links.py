"""Facebook's links as a record keeps them: without tracking parameters, through its l.php redirect,
to a profile by name, and to a comment by its id.

Pure functions over URL strings; each returns None (never raises) for what it cannot read.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import urlsplit, urlunsplit

from .html import Document
from .readings import query_value
from .values import is_digits

# A link to a post, a video or a photo (the link that shows a post's or a comment's time).
POST_LINK = re.compile(r"/posts/|/permalink/|story_fbid=|/videos/|/reel/|/watch/?\?v=|/photo")
_TRACKING = re.compile(r"^(__cft__|__tn__|__eep__|_rdr|mibextid|rdid|share_url|__xts__)")


def clean_url(url: str | None) -> str | None:
    """``url`` without Facebook's tracking parameters (``__cft__``, ``__tn__``...); ids are kept."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    kept = [p for p in parts.query.split("&") if p and not _TRACKING.match(p)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(kept), ""))


def profile_url(url: str | None) -> str | None:
    """A link to a profile without what ties it to a comment (``comment_id``, ``reply_comment_id``)."""
    cleaned = clean_url(url)
    if not cleaned or "comment_id=" not in cleaned:
        return cleaned
    parts = urlsplit(cleaned)
    kept = [p for p in parts.query.split("&") if not re.match(r"^(reply_)?comment_id=", p)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(kept), ""))


def fb_link(doc: Document, href: str | None) -> str | None:
    """A link as it leads: l.facebook.com/l.php?u=<url> stands for the outside URL."""
    url = doc.absolute(href)
    if url and re.match(r"^https://l[m]?\.facebook\.com/l\.php\?", url):
        return query_value(url, "u") or url
    return clean_url(url)


def fb_handle(url: str | None) -> str | None:
    """ "@povernennia.ditei.example" for a profile URL by name; None for profile.php?id=, /people/, ids."""
    m = re.match(r"^https://(?:[a-z-]+\.)?facebook\.com/([A-Za-z0-9.\-]{2,80})/?(?:\?|$)", url or "")
    if m is None or is_digits(m.group(1)) or m.group(1).lower() in ("profile.php", "people", "pages"):
        return None
    return f"@{m.group(1)}"


def comment_id(href: str | None) -> str | None:
    """The comment's own id from a link to it: reply_comment_id=, else comment_id= (a number, or the
    base64 of "comment:<post>_<comment>" as Facebook writes it now)."""
    for name in ("reply_comment_id", "comment_id"):
        value = query_value(href, name)
        if not value:
            continue
        if is_digits(value):
            return value
        try:
            decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("ascii")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        m = re.fullmatch(r"comment:\d{1,25}_(\d{1,25})", decoded)
        if m:
            return m.group(1)
    return None
