"""Platform profiles: reading a captured page as a structured post record.

``select_profile(url, forced)`` picks the profile; ``await profile.prepare(page, seconds)`` readies the live
page before its snapshot; ``profile.extract(url, dom_html, frames=...)`` reads the saved DOM into a
``PostRecord`` (``record.to_json()`` to store it)."""

from .base import PROFILE_NAMES, Frame, Profile, select_profile
from .post import COMPLETE_STATES, PAGE_STATES, RECORD_VERSION, Author, Media, Place, PostRecord, Ref

__all__ = [
    "COMPLETE_STATES",
    "PAGE_STATES",
    "PROFILE_NAMES",
    "RECORD_VERSION",
    "Author",
    "Frame",
    "Media",
    "Place",
    "PostRecord",
    "Profile",
    "Ref",
    "select_profile",
]
