"""State that platforms embed in their pages as JSON, read safely from a saved DOM.

Two forms: a ``<script id="NAME" type="application/json">`` whose text is the JSON (TikTok's
``__UNIVERSAL_DATA_FOR_REHYDRATION__``), and a script assigning a JSON object to a variable
(``var ytInitialPlayerResponse = {...};``, YouTube) or the JSON's text in a JavaScript string that the
page parses later (``var ytInitialData = '\\x7b\\x22responseContext...';``, YouTube's mobile site). The
assignment is found with a regular expression and the object decoded from there with
``json.JSONDecoder.raw_decode``, so whatever follows it in the script is left alone. Sizes, the scripts
looked at and nesting are bounded; what cannot be read is returned as a reason, never raised. ``dig``,
``walk`` and the ``as_*`` helpers read values without trusting their types.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from itertools import islice
from typing import Any

from .html import Document
from .values import is_digits

MAX_BLOB_CHARS = 8_000_000  # YouTube's ytInitialData is 0.5-2 MB on a busy page
MAX_SCRIPTS = 400
MAX_MATCHES = 20  # assignments tried, in all
MAX_WALK = 200_000  # values visited by one ``walk``
MAX_WALK_DEPTH = 80
_DECODER = json.JSONDecoder()

Found = tuple[Any, str | None]  # (the value or None, why it could not be read or None)


def script_json(doc: Document, script_id: str) -> Found:
    """The JSON in ``<script id="script_id">``; (None, None) when the page has no such script."""
    script = doc.first(f'script[id="{script_id}"]')
    if script is None:
        return None, None
    return _decode(script.text(deep=True), 0, f"<script id={script_id}>")


def assigned_json(doc: Document, name: str) -> Found:
    """The object a page's script assigns to ``name`` (``var name = {``, ``window["name"] = {``,
    ``window.name = {``, or a bare ``name = {``), or whose JSON text it assigns as a string literal (``var
    name = '\\x7b...'``); (None, None) when no script does.

    Declarations are tried before bare assignments, and each in page order until one decodes: the same
    words inside a JSON string (a video description quoting them) come after the page's own assignment,
    and are escaped so that they do not decode."""
    declared = re.compile(
        rf"""(?:\b(?:var|let|const)\s+|\bwindow\[\s*["']|\bwindow\.){re.escape(name)}(?:["']\s*\])?\s*=\s*(?=[{{'"])"""
    )
    bare = re.compile(rf"(?<![\w$.\\]){re.escape(name)}\s*=\s*(?=[{{'\"])")
    scripts = [t for t in (s.text(deep=True) for s in doc.css("script")[:MAX_SCRIPTS]) if name in t]
    first_error: str | None = None
    tries = 0
    for pattern in (declared, bare):
        for text in scripts:
            for m in islice(pattern.finditer(text), MAX_MATCHES):
                tries += 1
                if tries > MAX_MATCHES:
                    return None, first_error
                if text[m.end()] == "{":
                    value, why = _decode(text, m.end(), name)
                else:
                    value, why = _decode_js_string(text, m.end(), name)
                if isinstance(value, dict):
                    return value, None
                first_error = first_error or why or f"{name} is not a JSON object"
    return None, first_error


def json_string_value(doc: Document, key: str) -> Found:
    """JSON kept as a string value under ``"key":"..."`` in a script (YouTube's embed page keeps its player
    response as ``"embedded_player_response":"{\\"videoDetails\\": ...}"``), decoded twice."""
    needle = f'"{key}":'
    for script in doc.css("script")[:MAX_SCRIPTS]:
        text = script.text(deep=True)
        at = text.find(needle)
        if at < 0:
            continue
        start = at + len(needle)
        while start < len(text) and text[start] in " \t\n":
            start += 1
        inner, why = _decode(text, start, key)
        if why is not None:
            return None, why
        if not isinstance(inner, str):
            return None, f"{key}: not a JSON string"
        return _decode(inner, 0, key)
    return None, None


def _decode(text: str, start: int, what: str) -> Found:
    if len(text) - start > MAX_BLOB_CHARS:
        return None, f"{what} is larger than {MAX_BLOB_CHARS:,} characters; not read"
    try:
        value, _end = _DECODER.raw_decode(text, start)
    except RecursionError:
        return None, f"{what} is nested too deeply to read"
    except ValueError as exc:
        return None, f"{what} is not valid JSON ({str(exc)[:120]})"
    return value, None


def _decode_js_string(text: str, start: int, what: str) -> Found:
    """The JSON in the JavaScript string literal at ``start`` (quoted with ' or "): its escapes (``\\xNN``,
    ``\\uNNNN``, ``\\n``, ``\\'``...) undone, then decoded as JSON."""
    quote = text[start]
    end = re.compile(rf"(?:[^{quote}\\\n]|\\.)*{quote}", re.S).match(text, start + 1)
    if end is None:
        return None, f"{what}: the string is not closed on its line"
    literal = text[start + 1 : end.end() - 1]
    if len(literal) > MAX_BLOB_CHARS:
        return None, f"{what} is larger than {MAX_BLOB_CHARS:,} characters; not read"
    # unicode_escape reads Latin-1 bytes: what is beyond Latin-1 goes in as \uNNNN, which it undoes too.
    try:
        unescaped = codecs.decode(literal.encode("latin-1", "backslashreplace"), "unicode_escape")
    except UnicodeDecodeError as exc:
        return None, f"{what}: a broken escape in the string ({str(exc)[:120]})"
    # "\ud83d\ude00" comes out as two halves: joined into the one character they write, as in JavaScript.
    unescaped = unescaped.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return _decode(unescaped, 0, what)


def dig(value: Any, *path: str | int) -> Any:
    """``value[path[0]][path[1]]...``, or None as soon as a step does not exist."""
    for step in path:
        if isinstance(step, int) and isinstance(value, list) and -len(value) <= step < len(value):
            value = value[step]
        elif isinstance(step, str) and isinstance(value, dict):
            value = value.get(step)
        else:
            return None
    return value


def walk(value: Any, key: str, limit: int = 50) -> Iterator[Any]:
    """Every value stored under ``key`` anywhere in ``value``, in document order (depth first), at most
    ``limit`` of them; visits at most ``MAX_WALK`` values and ``MAX_WALK_DEPTH`` levels."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    visited = found = 0
    while stack and visited < MAX_WALK and found < limit:
        current, depth = stack.pop()
        visited += 1
        if depth > MAX_WALK_DEPTH:
            continue
        if isinstance(current, dict):
            if key in current:
                found += 1
                yield current[key]
            stack.extend((v, depth + 1) for v in reversed(list(current.values())[:1000]))
        elif isinstance(current, list):
            stack.extend((v, depth + 1) for v in reversed(current[:5000]))


def obj(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def as_text(value: Any) -> str | None:
    """A string with something in it; None for anything else (a number too, an empty string)."""
    return value if isinstance(value, str) and value.strip() else None


def as_str(value: Any) -> str | None:
    """A string or a whole number as text (an id); None for anything else (a bool, a dict, an empty
    string)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return as_text(value)


def as_int(value: Any) -> int | None:
    """A non-negative whole number from 12, 12.0 or "12"; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and is_digits(value.strip()) and len(value) < 20:
        value = int(value.strip())
    return value if isinstance(value, int) and 0 <= value < 10**18 else None


def as_seconds(value: Any) -> float | None:
    """A duration in seconds from 27, 27.5 or "27"; None for anything else."""
    if isinstance(value, str):
        try:
            value = float(value) if len(value) < 30 else None
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    seconds = float(value)
    return seconds if 0 <= seconds < 1e9 else None


def runs_text(value: Any, limit: int = 200_000) -> str | None:
    """Text from YouTube's text objects: ``{"simpleText": ...}``, ``{"runs": [{"text": ...}, ...]}`` or
    ``{"content": ...}`` (view models), or a plain string."""
    if isinstance(value, str):
        return value[:limit] or None
    if not isinstance(value, dict):
        return None
    for key in ("simpleText", "content"):
        if isinstance(value.get(key), str):
            return value[key][:limit] or None
    runs = value.get("runs")
    if isinstance(runs, list):
        text = "".join(
            r["text"] for r in runs[:2000] if isinstance(r, dict) and isinstance(r.get("text"), str)
        )
        return text[:limit] or None
    return None
