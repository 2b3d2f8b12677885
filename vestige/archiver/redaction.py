"""Credential headers in a logged-in capture: their values never reach the WARC.

A capture made with a stored login session (``vestige capture --session``) sends the investigator's
cookies and tokens to the platform, and the platform may answer with refreshed ones. Evidence is handed to
courts and opposing counsel, so every such value is replaced by a fixed marker in the records as written;
the header names and their order stay, so the record still shows that a credential was sent and where.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

MARKER = b"[redacted by Vestige]"

# Lower-case header names whose values are credentials, in requests and in responses. Beyond the standard
# ones: the anti-forgery and claim tokens platforms derive from the session (X's x-csrf-token repeats its
# ct0 cookie; Instagram's x-csrftoken and x-ig-www-claim, which it refreshes with x-ig-set-www-claim;
# YouTube's identity token; TikTok's CSRF tokens) and common bearer-token headers.
CREDENTIAL_HEADERS: frozenset[str] = frozenset(
    {
        "cookie",
        "set-cookie",
        "set-cookie2",
        "authorization",
        "proxy-authorization",
        "x-csrf-token",
        "x-csrftoken",
        "x-xsrf-token",
        "x-ig-www-claim",
        "x-ig-set-www-claim",
        "x-youtube-identity-token",
        "tt-csrf-token",
        "x-secsdk-csrf-token",
        "x-auth-token",
        "x-access-token",
    }
)


def redact_fields(
    fields: Iterable[tuple[bytes, bytes]], names: frozenset[str], counts: Counter[str] | None = None
) -> list[tuple[bytes, bytes]]:
    """``fields`` with the value of each header named in ``names`` (lower-case) replaced by ``MARKER``.

    Names, case and order are kept. Each replaced field is counted in ``counts`` by its lower-case name."""
    out: list[tuple[bytes, bytes]] = []
    for name, value in fields:
        key = name.decode("latin-1").lower()
        if key in names:
            out.append((name, MARKER))
            if counts is not None:
                counts[key] += 1
        else:
            out.append((name, value))
    return out


def redact_url_password(url: str) -> str:
    """``url`` with the password of its user info (``socks5://user:secret@host``) replaced by the marker,
    for the records a capture writes about its own settings."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:{MARKER.decode()}@{host}"))
