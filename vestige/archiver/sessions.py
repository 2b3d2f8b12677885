"""Login sessions: an investigator's account on a platform, for posts shown only to logged-in users.

A ``StoredSession`` is a platform, the label the user chose for the account, and the account's cookies
and localStorage restricted to that platform's domains. ``vestige capture --session`` opens the capture's
browser context with it; the capture's WARC then carries a marker in place of every credential header
(``redaction.py``) and its provenance names the platform, the label and what was redacted, never a value.
Files and modes are ``session_store.py``'s concern.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..errors import InputError
from .browser_state import BrowserState, check_host, in_domains
from .profiles.base import PROFILE_NAMES
from .redaction import CREDENTIAL_FIELDS, CREDENTIAL_HEADERS, MARKER, Redaction

SOURCES = ("cookies.txt", "storage-state", "login")
MAX_LABEL = 100
MIN_ECHO_LENGTH = 8  # shorter cookie values ("1", "en") match page text by chance

_X = (("x.com", "twitter.com"), "https://x.com/i/flow/login")
_BLUESKY = (("bsky.app",), "https://bsky.app/")
_YOUTUBE_LOGIN = (
    "https://accounts.google.com/ServiceLogin?service=youtube&continue=https%3A%2F%2Fwww.youtube.com%2F"
)
# Each platform's own domains (subdomains included) and its login page. A session's cookies and
# localStorage are kept for these only, so an export of a whole browser's cookies stores no other site's.
# YouTube signs in through Google, whose cookies its pages need. Mastodon is a network of instances: its
# domain is the instance, given with --host (as for any platform Vestige has no list for).
PLATFORM_DOMAINS: Mapping[str, tuple[tuple[str, ...], str]] = {
    "telegram": (("t.me", "telegram.org"), "https://web.telegram.org/a/"),
    "vk": (("vk.com", "vk.ru", "vkvideo.ru"), "https://vk.com/login"),
    "x": _X,
    "twitter": _X,
    "facebook": (("facebook.com", "fb.com", "fb.watch"), "https://www.facebook.com/login/"),
    "instagram": (("instagram.com",), "https://www.instagram.com/accounts/login/"),
    "tiktok": (("tiktok.com",), "https://www.tiktok.com/login"),
    "youtube": (("youtube.com", "youtu.be", "google.com"), _YOUTUBE_LOGIN),
    "bluesky": _BLUESKY,
    "bsky": _BLUESKY,
}


@dataclass(frozen=True)
class SessionScope:
    """Where a platform's session may be used: its domains, and where to log in."""

    platform: str
    domains: tuple[str, ...]
    login_url: str
    host: str | None  # the instance (Mastodon), when the user named one


def session_platforms() -> tuple[str, ...]:
    """The platforms a session can be stored for: every platform profile but the generic one."""
    return tuple(name for name in PROFILE_NAMES if name != "generic")


def scope_for(platform: str, host: str | None = None) -> SessionScope:
    """The domains a ``platform`` session is restricted to. ``host`` names a Mastodon instance (or the
    site of a platform Vestige has no domain list for); a platform with a fixed list takes none."""
    name = platform.strip().lower()
    known = session_platforms()
    if name not in known:
        raise InputError(f"unknown platform {platform[:60]!r}", hint=f"platforms: {', '.join(known)}")
    fixed = PLATFORM_DOMAINS.get(name)
    if fixed is not None:
        if host is not None:
            raise InputError(f"--host is for Mastodon instances: {name}'s domains are {', '.join(fixed[0])}")
        return SessionScope(name, fixed[0], fixed[1], None)
    if host is None:
        raise InputError(f"{name} needs --host: the instance's host name (e.g. mastodon.social)")
    try:
        instance = check_host(host)
    except ValueError:
        raise InputError(f"--host {host[:100]!r} is not a host name") from None
    login = f"https://{instance}/auth/sign_in" if name == "mastodon" else f"https://{instance}/"
    return SessionScope(name, (instance,), login, instance)


def check_label(label: str) -> str:
    """The account label: 1-100 printable characters (it is shown in provenance and reports)."""
    text = label.strip()
    if not text or len(text) > MAX_LABEL or not text.isprintable():
        raise InputError(f"--label must be 1-{MAX_LABEL} printable characters without line breaks")
    return text


@dataclass(frozen=True)
class StoredSession:
    platform: str
    label: str
    domains: tuple[str, ...]
    source: str  # cookies.txt | storage-state | login
    created: str  # UTC, ISO 8601
    state: BrowserState = field(repr=False)  # the secrets

    def covers(self, url: str) -> bool:
        """Whether ``url``'s host is one of this session's domains."""
        return in_domains(urlsplit(url).hostname or "", self.domains)

    def summary(self) -> dict[str, Any]:
        """What ``session list`` shows: counts and names, never a value."""
        return {
            "platform": self.platform,
            "label": self.label,
            "domains": list(self.domains),
            "cookies": len(self.state.cookies),
            "cookie_names": sorted({c.name for c in self.state.cookies}),
            "local_storage_origins": [o.origin for o in self.state.origins],
            "source": self.source,
            "created": self.created,
        }

    def capture_option(self) -> dict[str, Any]:
        """The session as a capture option (warcinfo and provenance ``options``): who, not what."""
        return {
            "platform": self.platform,
            "label": self.label,
            "redacted_headers": sorted(CREDENTIAL_HEADERS),
            "redacted_body_fields": sorted(CREDENTIAL_FIELDS),
            "redaction_marker": MARKER.decode(),
        }

    def secret_values(self) -> dict[str, str]:
        """``{value: name}`` of the session's cookies long enough to be told from ordinary text (and
        ASCII, as cookie values are): what ``Redaction`` replaces wherever a request copies one."""
        long_enough = (c for c in self.state.cookies if len(c.value) >= MIN_ECHO_LENGTH)
        return {c.value: c.name for c in long_enough if c.value.isascii()}

    def provenance(self, redaction: Redaction, echoed: Iterable[str]) -> dict[str, Any]:
        """The provenance's ``session`` section: the account used and what was kept out of the WARC."""
        return {
            "platform": self.platform,
            "account_label": self.label,
            "session_source": self.source,
            "session_created": self.created,
            "domains": list(self.domains),
            "cookies": len(self.state.cookies),
            "local_storage_origins": [o.origin for o in self.state.origins],
            "redaction_marker": MARKER.decode(),
            "redacted_headers": dict(sorted(redaction.headers.items())),
            "redacted_body_fields": dict(sorted(redaction.body_fields.items())),
            "redacted_url_fields": dict(sorted(redaction.url_fields.items())),
            "cookie_values_shown_by_the_page": sorted(set(echoed)),
            "note": (
                "captured logged in with this account: the value of every credential header (cookie, "
                "set-cookie, authorization and the platform tokens in options.session.redacted_headers) "
                "in the WARC is the redaction marker; header names and order are as sent. So is the value "
                "of every request-body field named in options.session.redacted_body_fields (forms and "
                "JSON; URL-encoded in a form), the rest of the body as sent, and of every URL query "
                "parameter of those names (request targets, Referer and Location). A copy of one of the "
                "session's cookie values in a request URL or body is replaced too (counted as 'cookie "
                "NAME'). What the page itself shows "
                "(its DOM, text, screenshot and response bodies) is kept as it was."
            ),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "vestige-session/1",
            "platform": self.platform,
            "label": self.label,
            "domains": list(self.domains),
            "source": self.source,
            "created": self.created,
            "storage_state": self.state.to_playwright(),
        }

    @classmethod
    def from_json(cls, data: Any) -> StoredSession:
        """A stored session as ``to_json`` wrote it; ValueError (or InputError) if it is not one."""
        if not isinstance(data, dict) or data.get("format") != "vestige-session/1":
            raise ValueError("not a Vestige session file")
        texts = [data.get(k) for k in ("platform", "label", "source", "created")]
        domains = data.get("domains")
        if not all(isinstance(t, str) for t in texts) or not isinstance(domains, list):
            raise ValueError("a field is missing or has the wrong type")
        if (
            not all(isinstance(d, str) and d == check_host(d) for d in domains)
            or data["source"] not in SOURCES
        ):
            raise ValueError("bad domains or source")
        return cls(
            data["platform"],
            check_label(data["label"]),
            tuple(domains),
            data["source"],
            data["created"],
            BrowserState.from_playwright(data.get("storage_state")),
        )


def session_for(url: str, sessions: Iterable[StoredSession], profile: str) -> StoredSession | None:
    """The stored session to capture ``url`` with: one whose domains include its host, the one of the
    URL's profile first (two sessions cover one host only when a --host overlaps a platform's)."""
    covering = [s for s in sessions if s.covers(url)]
    return next((s for s in covering if s.platform == profile), covering[0] if covering else None)


def echoed_cookies(session: StoredSession, texts: Iterable[str]) -> list[str]:
    """Names of the session's cookies whose value appears in ``texts`` (a page can print its own tokens
    into its HTML; that is part of what the page showed and is kept, but the provenance says so)."""
    values = session.secret_values()
    found: set[str] = set()
    for text in texts:
        found.update(name for value, name in values.items() if value in text)
    return sorted(found)
