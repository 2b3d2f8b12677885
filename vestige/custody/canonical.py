"""Canonical JSON (RFC 8785 for the subset Vestige writes).

Ledger entries are hashed as bytes, so they must serialise one way only. Vestige writes objects whose keys
are strings in the Basic Multilingual Plane and whose numbers are integers within +/-2**53, so RFC 8785's
rules reduce to: keys sorted by code point (equal to UTF-16 order inside the BMP), no insignificant
white space, strings as UTF-8 with only the mandatory escapes, integers in plain decimal.
"""

from __future__ import annotations

import json
from typing import Any

_MAX_SAFE_INT = 2**53 - 1


def _check(value: Any, path: str) -> None:
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        if abs(value) > _MAX_SAFE_INT:
            raise ValueError(f"{path}: integer outside the I-JSON range")
        return
    if isinstance(value, float):
        raise ValueError(f"{path}: floats are not allowed in canonical entries")
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check(v, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ValueError(f"{path}: object keys must be strings")
            if not k.isascii() and any(ord(c) > 0xFFFF for c in k):
                raise ValueError(f"{path}: object keys must stay in the BMP")
            _check(v, f"{path}.{k}")
        return
    raise ValueError(f"{path}: {type(value).__name__} is not JSON")


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> str:
    """Serialise ``value`` canonically; raise ValueError for anything outside the subset."""
    _check(value, "$")
    return _ENCODER.encode(value)


def canonical_bytes(value: Any) -> bytes:
    return canonical_json(value).encode("utf-8")


def _reject_float(text: str) -> Any:
    raise ValueError(f"float {text!r} in canonical JSON")


_DECODER = json.JSONDecoder(parse_float=_reject_float, parse_constant=_reject_float)


def parse_canonical(text: str) -> Any:
    """Parse ``text`` and raise ValueError unless it is exactly the canonical form of its value."""
    value = _DECODER.decode(text)
    if _ENCODER.encode(value) != text:
        raise ValueError("not in canonical form")
    return value
