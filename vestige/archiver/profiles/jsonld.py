"""JSON-LD (schema.org) in a page: every ``<script type="application/ld+json">``, read leniently.

Scripts may hold one object, an array, or an ``@graph``; references (``{"@id": ...}``) are resolved within
the page. Broken JSON is tried once more without what commonly breaks it (HTML comment or CDATA wrappers,
trailing commas); what still fails is noted, never raised. Sizes and nesting are bounded."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .html import Document

MAX_SCRIPTS = 50
MAX_SCRIPT_CHARS = 5_000_000
MAX_NODES = 5_000
MAX_NESTING = 40
# In order of preference: the first type found is the page's main item.
MAIN_TYPES = (
    "SocialMediaPosting",
    "DiscussionForumPosting",
    "BlogPosting",
    "LiveBlogPosting",
    "NewsArticle",
    "ReportageNews",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "Article",
    "Report",
    "VideoObject",
    "AudioObject",
    "ImageObject",
)
POSTING_TYPES = frozenset(MAIN_TYPES[:10]) | {"Report", "Comment"}

Node = dict[str, Any]


@dataclass
class JsonLd:
    top: list[Node] = field(
        default_factory=list
    )  # items a page declares itself: top level, @graph, mainEntity
    by_id: dict[str, Node] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def deref(self, value: Any) -> Any:
        """``value``, or the node it refers to when it is only a reference (``{"@id": ...}``)."""
        if isinstance(value, dict) and isinstance(value.get("@id"), str) and set(value) <= {"@id", "@type"}:
            return self.by_id.get(value["@id"], value)
        return value

    def main(self) -> Node | None:
        for wanted in MAIN_TYPES:
            for node in self.top:
                if wanted in types(node):
                    return node
        return None


def types(node: Any) -> set[str]:
    """A node's types without prefixes: "schema:NewsArticle" and "https://schema.org/NewsArticle" alike."""
    if not isinstance(node, dict):
        return set()
    value = node.get("@type")
    names = value if isinstance(value, list) else [value]
    return {re.split(r"[/:#]", n)[-1] for n in names[:20] if isinstance(n, str)}


def read_jsonld(doc: Document) -> JsonLd:
    out = JsonLd()
    scripts = doc.css('script[type="application/ld+json" i]')
    if len(scripts) > MAX_SCRIPTS:
        out.notes.append(f"json-ld: {len(scripts)} scripts; the first {MAX_SCRIPTS} were read")
    for i, script in enumerate(scripts[:MAX_SCRIPTS], start=1):
        text = script.text(deep=True)
        if len(text) > MAX_SCRIPT_CHARS:
            out.notes.append(f"json-ld: script {i} is larger than {MAX_SCRIPT_CHARS:,} characters; not read")
            continue
        data, error = _loads(text)
        if error:
            out.notes.append(f"json-ld: script {i} is not valid JSON ({error})")
            continue
        _collect(data, out)
    return out


def _loads(text: str) -> tuple[Any, str | None]:
    try:
        return json.loads(text), None
    except (ValueError, RecursionError) as exc:
        first = str(exc)[:200] if isinstance(exc, ValueError) else "nested too deeply"
    repaired = re.sub(r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(?:-->|//\s*\]\]>|\]\]>)\s*$", "", text)
    repaired = re.sub(r",(\s*[}\]])", r"\1", repaired)
    try:
        return json.loads(repaired, strict=False), None
    except (ValueError, RecursionError):
        return None, first


def _collect(data: Any, out: JsonLd) -> None:
    """Index every node with an @id, and note the top-level items (and @graph members, mainEntity)."""
    tops = data if isinstance(data, list) else [data]
    for item in tops[:MAX_NODES]:
        if isinstance(item, dict):
            graph = item.get("@graph")
            members = graph if isinstance(graph, list) else []
            for node in (item, *members[:MAX_NODES]):
                if isinstance(node, dict) and len(out.top) < MAX_NODES:
                    out.top.append(node)
                    main = node.get("mainEntity")
                    if isinstance(main, dict):
                        out.top.append(main)
    stack: list[tuple[Any, int]] = [(data, 0)]
    seen = 0
    while stack and seen < MAX_NODES * 10:
        value, depth = stack.pop()
        seen += 1
        if depth > MAX_NESTING:
            continue
        if isinstance(value, dict):
            if isinstance(value.get("@id"), str) and set(value) - {"@id", "@type"}:
                out.by_id.setdefault(value["@id"], value)
            stack.extend((v, depth + 1) for v in list(value.values())[:200])
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value[:MAX_NODES])


def first(value: Any) -> Any:
    """The first item of a list, or the value itself."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def text_of(value: Any) -> str | None:
    """A plain string from a JSON-LD value: a string, a number, {"@value": ...}, or the first of a list."""
    value = first(value)
    if isinstance(value, dict):
        value = value.get("@value", value.get("name"))
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    return value if isinstance(value, str) else None


def url_of(value: Any) -> str | None:
    """A URL from a string, or from an object's url / contentUrl / @id."""
    value = first(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("url", "contentUrl", "@id"):
            found = text_of(value.get(key))
            if found:
                return found
    return None
