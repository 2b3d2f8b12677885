"""Facebook's own data in a page: the Relay store it ships as ``<script type="application/json" data-sjs>``.

Facebook renders posts in the browser from JSON its pages carry inline (``{"require":[["ScheduledServerJS",
"handle",null,[{"__bbox":{"require":[["RelayPrefetchedStreamCache","next",[],[name,{"__bbox":{"result":
{"data":{...}}}}]]]}}]]]}``, as yt-dlp's facebook extractor and public write-ups of Facebook's post pages
read it). The data is a graph of typed objects: ``"__typename":"Story"`` (a post; the same story appears
in several partial copies, one per "comet section"), ``"Comment"``, ``"Video"``, ``"Photo"``. The scripts
stay in the DOM after they run, so the saved DOM holds them.

``read_relay`` parses the scripts that hold typed objects (bounded in count, size, nesting and the values
walked) and indexes the objects; ``StoryView`` reads one story's fields from all its copies, never from a
story it shares (``attached_story``) or from the comments under it.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .embedded_json import as_str, as_text, dig
from .html import Document

MAX_SCRIPTS = 300
MAX_SCRIPT_CHARS = 8_000_000
MAX_TOTAL_CHARS = 30_000_000
MAX_WALK = 500_000  # values visited over all scripts
MAX_DEPTH = 150
MAX_FIND = 50_000  # values visited by one lookup in a story
MAX_OBJECTS = 2_000  # typed objects kept per type
TYPES = ("Story", "Comment", "Video", "Photo")
_TYPED = re.compile(r'"__typename"\s*:\s*"(?:Story|Comment|Video|Photo)"')
Node = dict[str, Any]


@dataclass
class Relay:
    stories: dict[str, list[Node]] = field(default_factory=dict)  # by id: every copy of the story
    comments: dict[str, Node] = field(default_factory=dict)  # by legacy_fbid (the id in URLs)
    videos: dict[str, list[Node]] = field(default_factory=dict)
    photos: dict[str, list[Node]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_relay(doc: Document) -> Relay:
    relay = Relay()
    total = 0
    walked = 0
    scripts = doc.css('script[type="application/json"]')
    if len(scripts) > MAX_SCRIPTS:
        relay.notes.append(f"relay data: {len(scripts)} JSON scripts; the first {MAX_SCRIPTS} were read")
    for i, script in enumerate(scripts[:MAX_SCRIPTS], start=1):
        text = script.text(deep=True)
        if not _TYPED.search(text[:MAX_SCRIPT_CHARS]):
            continue
        if len(text) > MAX_SCRIPT_CHARS or total + len(text) > MAX_TOTAL_CHARS:
            relay.notes.append(f"relay data: JSON script {i} is too large to read ({len(text):,} characters)")
            continue
        total += len(text)
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:120]
            relay.notes.append(f"relay data: JSON script {i} is not valid JSON ({why})")
            continue
        walked = _index(data, relay, walked)
        if walked >= MAX_WALK:
            relay.notes.append(f"relay data: more than {MAX_WALK:,} values; the rest were not read")
            break
    return relay


def _index(data: Any, relay: Relay, walked: int) -> int:
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack and walked < MAX_WALK:
        value, depth = stack.pop()
        walked += 1
        if depth > MAX_DEPTH:
            continue
        if isinstance(value, dict):
            kind = value.get("__typename")
            if kind in TYPES:
                _keep(value, kind, relay)
            stack.extend((v, depth + 1) for v in reversed(list(value.values())[:500]))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in reversed(value[:5000]))
    return walked


def _keep(node: Node, kind: str, relay: Relay) -> None:
    key = as_str(node.get("legacy_fbid")) if kind == "Comment" else as_str(node.get("id"))
    if key is None:
        return
    if kind == "Comment":
        if len(relay.comments) < MAX_OBJECTS:
            relay.comments.setdefault(key, node)
        return
    index = {"Story": relay.stories, "Video": relay.videos, "Photo": relay.photos}[kind]
    if key in index:
        if len(index[key]) < 50:
            index[key].append(node)
    elif len(index) < MAX_OBJECTS:
        index[key] = [node]


def number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def uri(value: Any) -> str | None:
    """The ``uri`` of an image object ({"uri": ..., "width": ..., "height": ...})."""
    return as_text(dig(value, "uri"))


def merged(copies: list[Node], key: str) -> Any:
    """The first value of ``key`` among the copies of one object."""
    return next((c[key] for c in copies if c.get(key) is not None), None)


class StoryView:
    """Fields of one story, looked up in all its copies, nearest first (breadth first), never inside a
    story it shares, another story, or a comment."""

    def __init__(self, story_id: str, copies: list[Node]) -> None:
        self.id = story_id
        self.copies = copies

    def values(self, key: str) -> Iterator[Any]:
        for copy in self.copies:
            yield from _breadth_first(copy, key, self.id)

    def first(self, key: str, ok: Any = lambda v: v is not None) -> Any:
        return next((v for v in self.values(key) if ok(v)), None)

    def shared(self) -> Node | None:
        """The story this one shares (``attached_story``), if any."""
        for copy in self.copies:
            for holder in _breadth_first(copy, "attached_story", self.id):
                if isinstance(holder, dict):
                    return holder
        return None


def _breadth_first(root: Node, key: str, story_id: str) -> Iterator[Any]:
    queue: deque[Any] = deque([root])
    seen = 0
    while queue and seen < MAX_FIND:
        value = queue.popleft()
        seen += 1
        if isinstance(value, dict):
            if key in value:
                yield value[key]
            for name, child in list(value.items())[:500]:
                if name == "attached_story" or not isinstance(child, dict | list):
                    continue
                if isinstance(child, dict) and _other_object(child, story_id):
                    continue
                queue.append(child)
        elif isinstance(value, list):
            queue.extend(value[:5000])


def _other_object(node: Node, story_id: str) -> bool:
    """A comment, or another story (a shared one, one in a list): not this story's own fields."""
    kind = node.get("__typename")
    return kind == "Comment" or (kind == "Story" and as_str(node.get("id")) not in (None, story_id))


def find_story(relay: Relay, ids: tuple[str, ...]) -> StoryView | None:
    """The story named by any of ``ids`` (its post_id, a pfbid in its URL, its own id); else the first
    story with a message or a time, which on a post's page is the post."""
    wanted = tuple(i for i in ids if i)
    fallback: StoryView | None = None
    for story_id, copies in relay.stories.items():
        view = StoryView(story_id, copies)
        if wanted and (story_id in wanted or _names(view, wanted)):
            return view
        if fallback is None and (view.first("creation_time") is not None or message_text(view) is not None):
            fallback = view
    return fallback


def _names(view: StoryView, wanted: tuple[str, ...]) -> bool:
    post_id = as_str(merged(view.copies, "post_id"))
    if post_id in wanted:
        return True
    for key in ("url", "wwwURL"):
        url = as_text(merged(view.copies, key)) or ""
        if any(w in url for w in wanted if len(w) > 5):
            return True
    return False


def message_text(view: StoryView) -> str | None:
    """The story's own words: its ``message.text`` (a TextWithEntities)."""
    found = view.first("message", lambda v: as_text(dig(v, "text")) is not None)
    return as_text(dig(found, "text"))


def story_url(view: StoryView) -> str | None:
    for key in ("wwwURL", "url"):
        for value in view.values(key):
            url = as_text(value)
            if url and re.search(r"/posts/|/permalink|story_fbid=|/videos/|/reel/|pfbid", url):
                return url
    return None


def actor(view: StoryView) -> Node | None:
    actors = view.first("actors", lambda v: isinstance(v, list) and v and isinstance(v[0], dict))
    return actors[0] if isinstance(actors, list) else None


def story_media(view: StoryView) -> list[Node]:
    """The photos and videos attached to the story (not to a story it shares), in order, once each."""
    found: list[Node] = []
    ids: set[str] = set()
    for media in view.values("media"):
        if isinstance(media, dict) and media.get("__typename") in ("Photo", "Video"):
            key = as_str(media.get("id")) or str(len(found))
            if key not in ids and len(found) < 100:
                ids.add(key)
                found.append(media)
    return found


def video_file(copies: list[Node]) -> tuple[str | None, str | None]:
    """(the file a browser plays natively, where it was read) from a video's copies, the best first."""
    for key in ("browser_native_hd_url", "playable_url_quality_hd", "browser_native_sd_url", "playable_url"):
        value = as_text(merged(copies, key))
        if value and value.startswith("https://"):
            return value, key
    return None, None


def video_seconds(copies: list[Node]) -> float | None:
    """A video's running time: ``playable_duration_in_ms``, else ``length_in_second``."""
    ms = number(merged(copies, "playable_duration_in_ms"))
    seconds = merged(copies, "length_in_second")
    if ms is not None:
        value: float | None = ms / 1000
    elif isinstance(seconds, int | float) and not isinstance(seconds, bool):
        value = float(seconds)
    else:
        value = None
    return value if value is not None and 0 <= value < 1e8 else None
