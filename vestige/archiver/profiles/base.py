"""What a platform profile is, and which one a URL gets.

A profile has two parts. ``prepare`` runs in the live page before the snapshots: it may open truncated
text and load replies, never removes anything, and returns within its time budget whatever the page does.
``extract`` is pure: it reads the saved DOM (``dom.html``, plus the HTML of the page's frames when the post
lives in one) and returns a ``PostRecord``, or None when the page holds nothing the profile recognises.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar, TypeVar

from ...errors import InputError
from .post import PostRecord

Frame = tuple[str, str]  # (frame URL, frame HTML)
T = TypeVar("T")

PROFILE_NAMES: tuple[str, ...] = (
    "generic",
    "telegram",
    "bluesky",
    "mastodon",
    "x",
    "instagram",
    "vk",
    "facebook",
    "tiktok",
    "youtube",
)
DEFAULT_REPLIES = 20  # replies loaded per post unless --replies says otherwise
MAX_REPLIES_OPTION = 100  # the most --replies accepts (a post record holds at most this many)


class Profile(ABC):
    name: ClassVar[str]
    version: ClassVar[int]  # raised whenever what the profile reads, or how, changes
    # A video platform's: yt-dlp fetches the post's media at the best quality offered (media_download.py).
    downloads_media: ClassVar[bool] = False

    @abstractmethod
    def matches(self, url: str) -> bool:
        """Whether this profile is the one for ``url`` (the generic profile matches every URL)."""

    @abstractmethod
    async def prepare(self, page: Any, deadline_s: float, *, replies: int = DEFAULT_REPLIES) -> list[str]:
        """Ready the live Playwright ``page`` for its snapshot within ``deadline_s`` seconds: open truncated
        text, load up to ``replies`` replies (0: load none). Returns notes of what was done (for the
        provenance)."""

    @abstractmethod
    def extract(self, url: str, html: str, *, frames: Sequence[Frame] = ()) -> PostRecord | None:
        """The post record read from ``html`` (the DOM of the page captured for ``url``)."""


class Budget:
    """A time budget for ``prepare``: every wait in the page is bounded by what is left of it."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + max(0.0, seconds)

    def left(self, cap: float | None = None) -> float:
        left = max(0.0, self.end - time.monotonic())
        return min(left, cap) if cap is not None else left

    async def run(self, step: Callable[[], Awaitable[T]], cap: float) -> T | None:
        """What ``step()`` returns, or None if it failed or did not finish within ``cap`` seconds or the
        budget (the page is not to be trusted to answer)."""
        timeout = self.left(cap)
        if timeout <= 0:
            return None
        try:
            return await asyncio.wait_for(step(), timeout)
        except Exception:  # a page's errors, a closed page, a timeout: the step is simply not done
            return None


def _registry() -> dict[str, Profile]:
    from .bluesky import BlueskyProfile
    from .facebook import FacebookProfile
    from .generic import GenericProfile
    from .instagram import InstagramProfile
    from .mastodon import MastodonProfile
    from .telegram import TelegramProfile
    from .tiktok import TikTokProfile
    from .vk import VkProfile
    from .x import XProfile
    from .youtube import YouTubeProfile

    # First match wins; generic last, and mastodon (any host, by URL shape alone) just before it.
    profiles: list[Profile] = [
        TelegramProfile(),
        BlueskyProfile(),
        XProfile(),
        InstagramProfile(),
        VkProfile(),
        FacebookProfile(),
        TikTokProfile(),
        YouTubeProfile(),
        MastodonProfile(),
        GenericProfile(),
    ]
    return {p.name: p for p in profiles}


def select_profile(url: str, forced: str | None = None) -> Profile:
    """The profile named ``forced`` (``--profile NAME``), else the first whose ``matches(url)``, else the
    generic profile. An unknown name is an ``InputError`` listing the known ones."""
    profiles = _registry()
    if forced is not None:
        profile = profiles.get(forced.strip().lower())
        if profile is None:
            raise InputError(
                f"unknown profile {forced[:60]!r}", hint=f"known profiles: {', '.join(PROFILE_NAMES)}"
            )
        return profile
    for profile in profiles.values():
        if profile.matches(url):
            return profile
    return profiles["generic"]
