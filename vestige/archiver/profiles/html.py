"""Parsing a saved DOM safely: bounded in size and depth, then read with CSS selectors (selectolax/Lexbor).

A hostile page cannot make extraction slow or crash it: only the first ``MAX_HTML_CHARS`` are parsed,
elements nested deeper than ``MAX_DEPTH`` are flattened first (HTML tree building costs time in proportion
to the depth at every start tag, so a page of 100,000 nested elements would take minutes), and every walk
over the tree is iterative and counted."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

MAX_HTML_CHARS = 20_000_000
MAX_DEPTH = 512  # Chromium's own parser stops nesting at the same depth
MAX_WALK = 200_000  # nodes visited when reading the text of one element

# fmt: off
_VOID = frozenset((
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    "param", "keygen", "frame", "basefont", "bgsound",
))
_RAW_TEXT = frozenset((
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext",
))
_BLOCK = frozenset((
    "address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt", "figcaption", "figure",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
    "pre", "section", "summary", "table", "tr", "ul",
))
# fmt: on
# A tag as serialised DOM writes it; [^<>] keeps every attempt short, so the scan is linear.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]{0,60})(?=[\s/>])[^<>]{0,4000}?(/?)>|<!--")
_SKIP = frozenset(("script", "style", "template", "noscript", "svg", "head"))
_WHITESPACE = re.compile(r"[ \t\n\r\f]+")


@dataclass
class Document:
    """A parsed page, its URL (to resolve relative links) and what had to be done to read it."""

    tree: LexborHTMLParser
    url: str  # what relative links resolve against: the page's URL, or its <base href>
    notes: list[str] = field(default_factory=list)

    def css(self, query: str) -> list[LexborNode]:
        return self.tree.css(query)

    def first(self, query: str) -> LexborNode | None:
        return self.tree.css_first(query)

    def absolute(self, href: str | None) -> str | None:
        """``href`` resolved against the page, if it is an http(s) URL; None otherwise."""
        return absolute_url(self.url, href)


def absolute_url(base: str, href: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    if len(href) > 8000:
        return None
    try:
        url = urljoin(base, href)
        scheme = urlsplit(url).scheme
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def parse_html(html: str, url: str) -> Document:
    notes: list[str] = []
    if len(html) > MAX_HTML_CHARS:
        notes.append(f"page: only the first {MAX_HTML_CHARS:,} of {len(html):,} characters were read")
        html = html[:MAX_HTML_CHARS]
    flat = _flatten_deep(html)
    if flat is not None:
        notes.append(f"page: elements nested deeper than {MAX_DEPTH} were flattened to read it")
        html = flat
    tree = LexborHTMLParser(html)
    base = tree.css_first("base[href]")
    return Document(tree, absolute_url(url, base.attributes.get("href") if base else None) or url, notes)


def _flatten_deep(html: str) -> str | None:
    """``html`` with start and end tags beyond ``MAX_DEPTH`` dropped (their text kept), or None if no
    element is that deep. Counts tags as a serialised DOM writes them: every element closed explicitly."""
    depth, deepest = 0, 0
    for kind, _tag, _start, _end in _tags(html):
        if kind == "open":
            depth += 1
            deepest = max(deepest, depth)
        elif kind == "close":
            depth = max(0, depth - 1)
    if deepest <= MAX_DEPTH:
        return None
    out: list[str] = []
    pos = depth = dropped = 0
    for kind, _tag, start, end in _tags(html):
        drop = False
        if kind == "open":
            if depth >= MAX_DEPTH:
                drop, dropped = True, dropped + 1
            else:
                depth += 1
        elif kind == "close":
            if dropped:
                drop, dropped = True, dropped - 1
            else:
                depth = max(0, depth - 1)
        if drop:
            out.append(html[pos:start])
            pos = end
    out.append(html[pos:])
    return "".join(out)


def _tags(html: str) -> list[tuple[str, str, int, int]]:
    """(open | close | void, tag name, start, end) for each tag, skipping comments and raw text."""
    found: list[tuple[str, str, int, int]] = []
    pos = 0
    while (m := _TAG.search(html, pos)) is not None:
        if m.group(0) == "<!--":
            close = html.find("-->", m.end())
            pos = len(html) if close < 0 else close + 3
            continue
        pos = m.end()
        name = m.group(2).lower()
        if m.group(1):
            found.append(("close", name, m.start(), m.end()))
            continue
        void = name in _VOID or m.group(3) == "/"
        found.append(("void" if void else "open", name, m.start(), m.end()))
        if name in _RAW_TEXT and not void:
            close_m = re.compile(rf"</{name}[\s/>]", re.IGNORECASE).search(html, pos)
            pos = len(html) if close_m is None else close_m.start()
    return found


def node_text(node: LexborNode | None, limit: int) -> str:
    """The text of ``node`` as a reader sees it: ``<br>`` and block ends as line breaks, other whitespace
    runs as one space and none at the start or end of a line (all kept as is inside ``<pre>``), scripts
    and styles left out. At most ``limit`` characters (plus one, so the caller can tell it was cut)."""
    if node is None:
        return ""
    out = _Lines()
    visited = 0
    stack: list[tuple[LexborNode | None, bool]] = [(node, False)]  # None: a block ends here
    while stack and out.size <= limit and visited < MAX_WALK:
        current, pre = stack.pop()
        visited += 1
        if current is None:
            out.line_break(soft=True)
        elif current.is_text_node:
            raw = current.text_content or ""
            out.add(raw if pre else _WHITESPACE.sub(" ", raw), pre)
        elif (tag := current.tag or "") == "br":
            out.line_break(soft=False)
        elif tag[:1].isalpha() and tag not in _SKIP:
            if tag in _BLOCK:
                out.line_break(soft=True)
                stack.append((None, False))
            children = list(islice(current.iter(include_text=True), MAX_WALK))
            stack.extend((child, pre or tag == "pre") for child in reversed(children))
    return "".join(out.parts).strip(" \n")[: limit + 1]


class _Lines:
    """Text pieces joined as lines, whitespace trimmed at line ends outside ``<pre>``."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.last_pre = False

    def at_line_start(self) -> bool:
        return not self.parts or self.parts[-1].endswith("\n")

    def add(self, piece: str, pre: bool) -> None:
        if not pre and self.at_line_start():
            piece = piece.lstrip(" ")
        if piece:
            self.parts.append(piece)
            self.size += len(piece)
            self.last_pre = pre

    def line_break(self, soft: bool) -> None:
        if soft and self.at_line_start():
            return  # a block boundary never makes an empty line
        if self.parts and not self.last_pre:
            self.parts[-1] = self.parts[-1].rstrip(" ")
        self.parts.append("\n")
        self.size += 1


def attr(node: LexborNode | None, name: str, limit: int = 8000) -> str | None:
    """An attribute's value, bounded; None when the node or the attribute is missing."""
    if node is None:
        return None
    value = node.attributes.get(name)
    return value[:limit] if isinstance(value, str) else None


def has_class(node: LexborNode, name: str) -> bool:
    return name in (node.attributes.get("class") or "").split()


def ancestor(
    node: LexborNode,
    test: Callable[[LexborNode], bool],
    stop: LexborNode | None = None,
    limit: int = MAX_DEPTH * 2,
) -> LexborNode | None:
    """The nearest ancestor of ``node`` that passes ``test``, looking up at most ``limit`` levels and not as
    far as ``stop`` (the element being read: what is around it is not part of it). Elements are told apart
    by ``mem_id``: ``==`` on two LexborNodes compares their serialised HTML, a cost at every step."""
    current = node.parent
    steps = 0
    stop_id = stop.mem_id if stop is not None else None
    while current is not None and current.mem_id != stop_id and steps < limit:
        if test(current):
            return current
        current = current.parent
        steps += 1
    return None


def inside(node: LexborNode, stop: LexborNode, classes: tuple[str, ...]) -> bool:
    """Whether ``node`` has an ancestor (below ``stop``) with one of ``classes``."""
    return ancestor(node, lambda a: any(has_class(a, c) for c in classes), stop) is not None
