"""The generic profile, for any page: what the page declares about itself, in order of precedence

  1. JSON-LD (schema.org SocialMediaPosting, DiscussionForumPosting, NewsArticle, Article, VideoObject...)
  2. a microformats2 h-entry
  3. Open Graph, then Twitter card ``<meta>`` tags
  4. ``<link rel="canonical">``, ``<html lang>``

Each field comes from the first source that has it (``sources`` says which); media are gathered from all.
oEmbed and ActivityStreams versions the page links to are recorded in ``discovery``, not fetched.
A Mastodon page (any instance, whatever its URL) is handed to the Mastodon profile's reading, and its
record's ``sources["profile"]`` says by which markers it was recognised.
``page_state`` is "post" when the page declares a posting or article type, else "unknown": from markup
alone a generic page's login wall or error page cannot be told apart from content.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from .base import DEFAULT_REPLIES, Budget, Frame, Profile
from .draft import PostDraft
from .html import parse_html
from .jsonld import read_jsonld
from .mastodon import MASTODON_PAGE, MastodonProfile, mastodon_markers, read_mastodon_page
from .meta import fill_discovery, fill_from_hentry, fill_from_meta, read_meta
from .post import PostRecord
from .schema import fill_from_schema

MAX_DETAILS = 200
_OPEN_DETAILS = """(limit) => {
  const closed = [...document.querySelectorAll('details:not([open])')].slice(0, limit);
  for (const d of closed) d.open = true;
  return closed.length; }"""


class GenericProfile(Profile):
    name = "generic"
    version = 1

    def matches(self, url: str) -> bool:
        return True

    async def prepare(self, page: Any, deadline_s: float, *, replies: int = DEFAULT_REPLIES) -> list[str]:
        """Open collapsed ``<details>`` sections (nothing is clicked or removed); on a Mastodon page, take the
        Mastodon profile's steps instead."""
        budget = Budget(deadline_s)
        if await budget.run(lambda: page.evaluate(MASTODON_PAGE), 2) is True:
            notes = await MastodonProfile().prepare(page, budget.left(), replies=replies)
            return ["generic: a Mastodon page (script#initial-state); the mastodon profile's steps:", *notes]
        opened = await budget.run(lambda: page.evaluate(_OPEN_DETAILS, MAX_DETAILS), 5)
        if isinstance(opened, int) and not isinstance(opened, bool) and opened > 0:
            return [f"generic: opened {opened} collapsed <details> section(s)"]
        return []

    def extract(self, url: str, html: str, *, frames: Sequence[Frame] = ()) -> PostRecord | None:
        doc = parse_html(html, url)
        # Any host can run Mastodon: known by its page, not its URL (a page it cannot read is read here).
        if (markers := mastodon_markers(doc)) and (found := read_mastodon_page(doc, url, markers)):
            return found
        draft = PostDraft(_platform(url), self.name, self.version)
        draft.notes.extend(doc.notes)
        ld = read_jsonld(doc)
        draft.notes.extend(ld.notes)
        main = ld.main()
        if main is not None:
            fill_from_schema(draft, main, ld, doc)
        found_entry = fill_from_hentry(draft, doc)
        meta = read_meta(doc)
        fill_from_meta(draft, meta, doc)
        fill_discovery(draft, doc)
        declared = main is not None or found_entry or meta.values.keys() & _DECLARED or draft.discovery
        if not declared and not ld.notes:
            return None  # the page declares nothing about itself (and nothing it declares was unreadable)
        if main is None and draft.page_state == "unknown" and ld.top:
            draft.note("json-ld", "no posting, article or media item among the page's JSON-LD items")
        return draft.build()


# Meta properties that make a page a declared item (a bare description or keywords do not).
_DECLARED = frozenset(
    (
        "og:title",
        "og:description",
        "og:image",
        "og:video",
        "og:url",
        "twitter:card",
        "twitter:title",
        "twitter:description",
        "article:published_time",
    )
)


def _platform(url: str) -> str:
    """The site, for the record's ``platform``: the URL's host without "www."."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        host = ""
    return host.removeprefix("www.")[:200] or "unknown"
