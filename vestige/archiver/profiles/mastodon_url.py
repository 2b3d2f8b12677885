"""What a Mastodon URL names. Mastodon runs under any domain, so only the shape of the path tells:
``/@user/<id>``, ``/@user@remote/<id>``, ``/users/<user>/statuses/<id>``, ``/web/@user/<id>``,
``/web/statuses/<id>`` (a status); ``/@user``, ``/@user@remote``, ``/users/<user>`` (a profile)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

# Instances whose /@name pages are taken as Mastodon profiles from the URL alone.
KNOWN_INSTANCES = frozenset(
    ("mastodon.social", "mastodon.online", "mstdn.social", "mas.to", "mastodon.world", "hachyderm.io")
)
# Sites with /@name/<digits> pages of their own.
_NOT_MASTODON = re.compile(
    r"(?:^|\.)(?:youtube\.com|youtu\.be|tiktok\.com|medium\.com|threads\.net|threads\.com|x\.com|"
    r"twitter\.com|instagram\.com|facebook\.com|vk\.com|t\.me|bsky\.app)$"
)
_USER = r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,28}[A-Za-z0-9_])?"
_AT_USER = re.compile(rf"^@({_USER})(?:@([A-Za-z0-9.-]{{1,253}}))?$")
_PLAIN_USER = re.compile(rf"^{_USER}$")
_ID = re.compile(r"^\d{1,20}$")


@dataclass(frozen=True)
class Target:
    """What a Mastodon URL names: an account (``user``, maybe on a ``remote`` instance), maybe a status."""

    host: str
    user: str | None
    remote: str | None
    status_id: str | None


def mastodon_target(url: str) -> Target | None:
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host or _NOT_MASTODON.search(host):
        return None
    path = [p for p in parts.path.split("/") if p]
    if path[:1] == ["web"]:
        path = path[1:]
        if len(path) == 2 and path[0] == "statuses" and _ID.match(path[1]):
            return Target(host, None, None, path[1])
    if path and (m := _AT_USER.match(path[0])):
        if len(path) == 1:
            return Target(host, m.group(1), m.group(2), None)
        if len(path) == 2 and _ID.match(path[1]):
            return Target(host, m.group(1), m.group(2), path[1])
        return None
    if len(path) >= 2 and path[0] == "users" and _PLAIN_USER.match(path[1]):
        if len(path) == 2:
            return Target(host, path[1], None, None)
        if len(path) == 4 and path[2] == "statuses" and _ID.match(path[3]):
            return Target(host, path[1], None, path[3])
    return None
