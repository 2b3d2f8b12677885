"""Credentials in a logged-in capture: their values never reach the WARC.

A capture made with a stored login session (``vestige capture --session``) sends the investigator's
cookies and tokens to the platform, and the platform may answer with refreshed ones. Evidence is handed to
courts and opposing counsel, so every such value is replaced by a fixed marker in the records as written;
the header names and their order stay, so the record still shows that a credential was sent and where.
Request bodies and URL queries get the same treatment for the fields that carry session tokens, and so
does any copy of one of the session's own cookie values a page's script puts into a URL or a body (a CSRF
cookie sent as a query parameter, TikTok's msToken).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit, urlunsplit

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


# Lower-case names of request-body fields whose values are session credentials: OAuth and API access
# tokens (VK's web client posts access_token to api.vk.com), Facebook's fb_dtsg and lsd anti-forgery
# tokens (and jazoest, a checksum of fb_dtsg), and the usual CSRF form fields (Rails' and Mastodon's
# authenticity_token among them).
CREDENTIAL_FIELDS: frozenset[str] = frozenset(
    {
        "access_token",
        "oauth_token",
        "refresh_token",
        "id_token",
        "fb_dtsg",
        "fb_dtsg_ag",
        "lsd",
        "jazoest",
        "csrf_token",
        "csrftoken",
        "csrfmiddlewaretoken",
        "authenticity_token",
        "_csrf",
        "xsrf_token",
    }
)
# Response and request headers whose value is a URL, which may carry a token in its query.
URL_HEADERS: frozenset[str] = frozenset({"referer", "location", "content-location"})
_FORM = "application/x-www-form-urlencoded"
_QUOTED_MARKER = quote_plus(MARKER)
# A JSON member named like a credential field with a string value: group 1 up to the value, 2 the name.
_JSON_FIELD = re.compile(
    rb'("('
    + b"|".join(re.escape(n.encode()) for n in sorted(CREDENTIAL_FIELDS))
    + rb')"\s*:\s*)"(?:[^"\\]|\\.)*"',
    re.IGNORECASE,
)


def redact_body(body: bytes, content_type: str, counts: Counter[str] | None = None) -> bytes:
    """A request body with the value of each credential field (``CREDENTIAL_FIELDS``) replaced by the
    marker: in a form (``application/x-www-form-urlencoded``), or a JSON document's string members of those
    names at any depth. Every other byte is kept as sent. Other bodies are returned unchanged."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == _FORM:
        pairs = body.split(b"&")
        for i, pair in enumerate(pairs):
            name, eq, _value = pair.partition(b"=")
            key = unquote_plus(name.decode("latin-1")).lower()
            if eq and key in CREDENTIAL_FIELDS:
                pairs[i] = name + b"=" + quote_plus(MARKER).encode()
                if counts is not None:
                    counts[key] += 1
        return b"&".join(pairs)
    if media_type == "application/json" or media_type.endswith("+json"):

        def marker(m: re.Match[bytes]) -> bytes:
            if counts is not None:
                counts[m.group(2).decode().lower()] += 1
            return m.group(1) + b'"' + MARKER + b'"'

        return _JSON_FIELD.sub(marker, body)
    return body


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


def redact_query(url: str, counts: Counter[str] | None = None) -> str:
    """``url`` (or a request target, ``/path?query``) with the value of each query parameter named in
    ``CREDENTIAL_FIELDS`` replaced by the URL-encoded marker; every other character as it was."""
    head, sep, rest = url.partition("?")
    if not sep:
        return url
    query, hash_, fragment = rest.partition("#")
    pairs = query.split("&")
    for i, pair in enumerate(pairs):
        name, eq, _value = pair.partition("=")
        key = unquote_plus(name).lower()
        if eq and key in CREDENTIAL_FIELDS:
            pairs[i] = f"{name}={_QUOTED_MARKER}"
            if counts is not None:
                counts[key] += 1
    return f"{head}?{'&'.join(pairs)}{hash_}{fragment}"


def redact_values(data: str, secrets: Mapping[str, str], counts: Counter[str] | None = None) -> str:
    """``data`` with every occurrence of a secret (``{value: cookie name}``), as is or percent-encoded,
    replaced by the URL-encoded marker, counted as ``cookie NAME``."""
    for value, name in secrets.items():
        for form in dict.fromkeys((value, quote(value, safe=""))):
            if form in data:
                if counts is not None:
                    counts[f"cookie {name}"] += data.count(form)
                data = data.replace(form, _QUOTED_MARKER)
    return data


@dataclass
class Redaction:
    """What a logged-in capture keeps out of its WARC, and how much of each kind it met: the values of
    credential headers (``CREDENTIAL_HEADERS``), of credential fields (``CREDENTIAL_FIELDS``) in request
    bodies and URL queries (request targets and the URL headers, ``URL_HEADERS``), and the session's own
    cookie values (``secrets``: ``{value: name}``) wherever a request URL or body carries a copy."""

    secrets: Mapping[str, str] = field(default_factory=dict)
    headers: Counter[str] = field(default_factory=Counter)
    body_fields: Counter[str] = field(default_factory=Counter)
    url_fields: Counter[str] = field(default_factory=Counter)

    def fields(self, fields: Iterable[tuple[bytes, bytes]], count: bool = True) -> list[tuple[bytes, bytes]]:
        """Header fields as written: credential values replaced, URL values' tokens too."""
        out = redact_fields(fields, CREDENTIAL_HEADERS, self.headers if count else None)
        return [
            (name, self.url(value.decode("latin-1"), count).encode("latin-1"))
            if name.decode("latin-1").lower() in URL_HEADERS
            else (name, value)
            for name, value in out
        ]

    def url(self, url: str, count: bool = True) -> str:
        counts = self.url_fields if count else None
        return redact_values(redact_query(url, counts), self.secrets, counts)

    def body(self, body: bytes, content_type: str) -> bytes:
        body = redact_body(body, content_type, self.body_fields)
        if not self.secrets:
            return body
        # Byte for byte as latin-1: the secrets are ASCII, every other byte is kept as sent.
        return redact_values(body.decode("latin-1"), self.secrets, self.body_fields).encode("latin-1")
