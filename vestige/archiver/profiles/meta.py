"""What a page says about itself outside JSON-LD: Open Graph (ogp.me) and Twitter card ``<meta>`` tags,
microformats2 ``h-entry`` markup, and ``<link>`` discovery of oEmbed and ActivityStreams versions.

Every ``fill_*`` function sets only fields still empty, so the caller's order is the order of precedence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .draft import PostDraft, make_author, make_media
from .html import Document, attr, node_text
from .post import MAX_LINE, MAX_TEXT, MediaType
from .values import parse_dimension

MAX_META = 2_000
MAX_ITEMS = 20
# oembed.com s4 (discovery) and ActivityPub s3.2 (the object's own JSON), by link type.
DISCOVERY_TYPES = {
    "application/json+oembed": "oembed",
    "text/xml+oembed": "oembed_xml",
    "application/activity+json": "activitystreams",
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"': "activitystreams",
}


@dataclass
class MetaItem:
    kind: MediaType
    url: str
    width: int | None = None
    height: int | None = None


@dataclass
class Meta:
    values: dict[str, str] = field(default_factory=dict)  # the first value of each property
    media: list[MetaItem] = field(default_factory=list)  # og:image / og:video / og:audio, in page order

    def get(self, *keys: str) -> tuple[str, str] | None:
        """(key, value) of the first of ``keys`` the page gives."""
        for key in keys:
            if self.values.get(key):
                return key, self.values[key]
        return None


def read_meta(doc: Document) -> Meta:
    """Every ``<meta property|name content>``; og:image:width and kin apply to the og:image before them
    (ogp.me "Structured Properties")."""
    meta = Meta()
    for node in doc.css("meta[content]")[:MAX_META]:
        key = (attr(node, "property", 200) or attr(node, "name", 200) or "").strip().lower()
        value = attr(node, "content", MAX_TEXT) or ""
        if not key or not value.strip():
            continue
        meta.values.setdefault(key, value)
        kind = _structured_kind(key)
        if kind is None:
            continue
        prop = key.split(":")[2] if key.count(":") >= 2 else "url"
        if prop == "url" and len(meta.media) < MAX_ITEMS:
            meta.media.append(MetaItem(kind, value))
        elif meta.media and meta.media[-1].kind == kind:
            if prop in ("width", "height"):
                setattr(meta.media[-1], prop, parse_dimension(value))
            elif prop == "secure_url":
                meta.media[-1].url = value
    return meta


def _structured_kind(key: str) -> MediaType | None:
    for prefix, kind in (("og:image", "image"), ("og:video", "video"), ("og:audio", "audio")):
        if key == prefix or key.startswith(prefix + ":"):
            return kind  # type: ignore[return-value]
    return None


def fill_from_meta(draft: PostDraft, meta: Meta, doc: Document) -> None:
    def first(name: str, *keys: str, line: bool = True) -> None:
        timed = name in ("posted_at", "edited_at")
        if getattr(draft, f"{name}_raw" if timed else name) is not None or (found := meta.get(*keys)) is None:
            return
        key, value = found
        where = f'meta "{key}"'
        if name == "canonical_url":
            draft.set_line(name, doc.absolute(value), where, 8000)
        elif timed:
            draft.set_time(name, value, where)
        elif line:
            draft.set_line(name, value, where)
        else:
            draft.set_text(value, where)

    first("canonical_url", "og:url", "twitter:url")
    first("title", "og:title", "twitter:title")
    first("text", "og:description", "twitter:description", "description", line=False)
    first("posted_at", "article:published_time", "og:published_time", "video:release_date")
    first("edited_at", "article:modified_time", "og:updated_time")
    if draft.language is None and (found := meta.get("og:locale")):
        draft.set_line("language", found[1].replace("_", "-"), 'meta "og:locale"')
    if draft.author is None:
        creator = meta.get("twitter:creator")
        writer = meta.get("article:author", "author")
        handle = creator[1] if creator else None
        name_or_url = writer[1] if writer else None
        url = doc.absolute(name_or_url) if name_or_url else None
        draft.author = make_author(None if url else name_or_url, handle, None, url)
        if draft.author is not None:
            draft.source("author", " + ".join(f'meta "{k}"' for k, _ in filter(None, (writer, creator))))
    items = [(m.kind, m.url, m.width, m.height) for m in meta.media]
    for key, kind in (
        ("twitter:image", "image"),
        ("twitter:image:src", "image"),
        ("twitter:player:stream", "video"),
    ):
        if meta.values.get(key):
            items.append((kind, meta.values[key], None, None))  # type: ignore[arg-type]
    added = False
    for kind, url, width, height in items:
        item = make_media(doc.absolute(url), kind, width=width, height=height)
        if item is not None:
            draft.add_media(item)
            added = True
    if added:
        draft.add_source("media", "meta og:image/og:video/og:audio/twitter:*")
    if (player := meta.values.get("twitter:player")) and (url := doc.absolute(player)):
        draft.discovery.setdefault("player", url)


def fill_discovery(draft: PostDraft, doc: Document) -> None:
    """oEmbed and ActivityStreams versions of the page it links to (recorded, never fetched)."""
    for link in doc.css("link[href][type]")[:MAX_META]:
        rel = (attr(link, "rel", 200) or "").lower().split()
        kind = DISCOVERY_TYPES.get(" ".join((attr(link, "type", 200) or "").lower().split()))
        url = doc.absolute(attr(link, "href"))
        if kind and url and "alternate" in rel:
            draft.discovery.setdefault(kind, url)
    if draft.canonical_url is None:
        canonical = doc.absolute(attr(doc.first('link[rel="canonical" i][href]'), "href"))
        draft.set_line("canonical_url", canonical, 'link rel="canonical"', 8000)
    if draft.language is None:
        draft.set_line("language", attr(doc.first("html[lang]"), "lang", 40), "html lang")


def fill_from_hentry(draft: PostDraft, doc: Document) -> bool:
    """A microformats2 h-entry (microformats.org/wiki/h-entry), as blogs and Mastodon pages mark posts."""
    entry = doc.first(".h-entry")
    if entry is None:
        return False
    where = "h-entry"
    if draft.text is None:
        body = entry.css_first(".e-content") or entry.css_first(".p-content")
        draft.set_text(node_text(body, MAX_TEXT), f"{where} e-content")
    if draft.title is None:
        draft.set_line("title", node_text(entry.css_first(".p-name"), MAX_LINE), f"{where} p-name")
    if draft.posted_at_raw is None:
        published = entry.css_first(".dt-published")
        value = attr(published, "datetime", 100) or attr(published, "title", 100) or node_text(published, 100)
        draft.set_time("posted_at", value, f"{where} dt-published")
    if draft.edited_at_raw is None:
        updated = entry.css_first(".dt-updated")
        draft.set_time(
            "edited_at", attr(updated, "datetime", 100) or node_text(updated, 100), f"{where} dt-updated"
        )
    if draft.canonical_url is None:
        draft.set_line(
            "canonical_url", doc.absolute(attr(entry.css_first("a.u-url"), "href")), f"{where} u-url"
        )
    if draft.author is None:
        card = entry.css_first(".p-author") or entry.css_first(".h-card")
        if card is not None:
            name = card.css_first(".p-name")
            link = card if card.tag == "a" else card.css_first("a.u-url, a[href]")
            draft.author = make_author(
                node_text(name or card, MAX_LINE), None, None, doc.absolute(attr(link, "href"))
            )
            draft.source("author", f"{where} p-author")
    for photo in entry.css("img.u-photo[src], video.u-video[src]")[:MAX_ITEMS]:
        item = make_media(doc.absolute(attr(photo, "src")), "video" if photo.tag == "video" else "image")
        if item is not None:
            draft.add_media(item)
    return True
