"""Canonical JSON: one serialisation per value (RFC 8785 for Vestige's subset)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vestige.custody.canonical import canonical_json, parse_canonical

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(max_codepoint=0xFFFF)), inner, max_size=4)
    ),
    max_leaves=20,
)


def test_known_serialisation() -> None:
    value = {"b": [1, "é\n\u0001"], "a": None, "c": {"z": True, "y": -5}}
    assert canonical_json(value) == '{"a":null,"b":[1,"é\\n\\u0001"],"c":{"y":-5,"z":true}}'


@given(json_values)
def test_round_trip_is_stable(value: Any) -> None:
    text = canonical_json(value)
    assert parse_canonical(text) == value
    assert canonical_json(parse_canonical(text)) == text


@pytest.mark.parametrize("value", [1.5, {"a": float("nan")}, 2**60, {"\U0001f600": 1}, {1: 2}, b"x"])
def test_values_outside_the_subset_are_refused(value: Any) -> None:
    with pytest.raises(ValueError):
        canonical_json(value)


@pytest.mark.parametrize("text", ['{"b":1,"a":2}', '{"a": 1}', '{"a":1.0}', "[1,2 ]", '"\\u00e9"'])
def test_non_canonical_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_canonical(text)
