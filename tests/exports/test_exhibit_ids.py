"""Exhibit ID patterns: the receiving court's numbering, checked before anything is written."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vestige.errors import InputError
from vestige.exports.exhibit_ids import (
    DEFAULT_PATTERN,
    assign_ids,
    check_exhibit_id,
    item_number,
    parse_pattern,
)

ITEMS = ["UKR1-0001", "UKR1-0002", "UKR1-0003"]


def test_default_pattern_keeps_the_archive_ids() -> None:
    assert assign_ids(DEFAULT_PATTERN, ITEMS, "UKR1") == ITEMS


def test_icc_style() -> None:
    ids = assign_ids("UKR-OTP-{case_seq:04d}-{seq:04d}", ITEMS, "UKR1")
    assert ids == ["UKR-OTP-0001-0001", "UKR-OTP-0001-0002", "UKR-OTP-0001-0003"]
    assert assign_ids("UKR-OTP-{case_seq:04d}-{seq:04d}", ITEMS[:1], "UKR1", case_seq=12) == [
        "UKR-OTP-0012-0001"
    ]


def test_case_and_seq_and_item_seq() -> None:
    assert assign_ids("{case}-{seq:05d}", ITEMS, "UKR1") == ["UKR1-00001", "UKR1-00002", "UKR1-00003"]
    # item_seq is the archive's number, so gaps in the export stay visible.
    assert assign_ids("EX{item_seq:03d}", ["UKR1-0004", "UKR1-0017"], "UKR1") == ["EX004", "EX017"]


def test_seq_follows_item_order_whatever_the_order_given() -> None:
    ids = assign_ids("{case}-{seq}", ["UKR1-0010", "UKR1-0002", "UKR1-0009"], "UKR1")
    assert ids == ["UKR1-3", "UKR1-1", "UKR1-2"]


def test_numbers_wider_than_the_padding_still_format() -> None:
    pattern = parse_pattern("X-{seq:02d}")
    assert pattern.format(item="C-0100", case="C", seq=100) == "X-100"


def test_pattern_records_its_fields() -> None:
    assert parse_pattern("UKR-OTP-{case_seq:04d}-{seq:04d}").fields == {"case_seq", "seq"}


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("", "empty"),
        ("{foo}-{seq}", "unknown field {foo}"),
        ("{}-{seq}", "unknown field {}"),
        ("{0}", "unknown field {0}"),
        ("{item.__class__}", "unknown field"),
        ("{item[0]}", "unknown field"),
        ("{item!r}", "conversion !r"),
        ("{seq:{case}}", "nested field"),
        ("{seq", "invalid ID pattern"),
        ("{seq}}", "invalid ID pattern"),
        ("{case:d}-{seq}", "invalid ID pattern"),
        ("{seq:.2}", "invalid ID pattern"),
        ("{case}", "same ID"),
        ("EXHIBIT", "same ID"),
        ("{case}/{seq}", "not safe file names"),
        ("{case} {seq}", "not safe file names"),
        ("{case}:{seq}", "not safe file names"),
        ("Доказ-{seq}", "not safe file names"),
        ("-{seq}", "not safe file names"),
        (".{seq}", "not safe file names"),
        ("{seq}.", "not safe file names"),
        ("{seq:+d}", "not safe file names"),
        ("{seq:,}", "not safe file names"),  # only a large number shows the comma
        ("{seq:e}", "not safe file names"),
        ("COM{seq}", "not safe file names"),  # COM1 is a Windows device
        ("x" * 100 + "{seq}", "not safe file names"),
        ("{seq}" * 41, "longer than 200"),
    ],
)
def test_invalid_patterns_are_refused_up_front(pattern: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_pattern(pattern)
    assert message in err.value.message
    assert "\n" not in err.value.diagnostics()


def test_duplicates_are_refused() -> None:
    # item_seq drops the zero padding, so UKR1-1 and UKR1-0001 collide.
    with pytest.raises(InputError, match="same ID 'E-1'"):
        assign_ids("E-{item_seq}", ["UKR1-1", "UKR1-0001"], "UKR1")


def test_ids_that_differ_only_in_case_are_duplicates() -> None:
    # Windows and macOS would put both exhibits in one folder.
    with pytest.raises(InputError, match="same ID"):
        assign_ids("{item}", ["ukr-0001", "UKR-0001"], "UKR")


def test_an_item_listed_twice_is_refused() -> None:
    with pytest.raises(InputError, match="listed twice"):
        assign_ids("{seq}", ["UKR1-0001", "UKR1-0001"], "UKR1")


def test_results_are_checked_for_each_item() -> None:
    # The pattern is fine, but this case ID makes a device name.
    with pytest.raises(InputError, match="Windows device name"):
        parse_pattern("{case}.{seq}").format(item="CON-0001", case="CON", seq=1)
    # A case ID long enough pushes the ID over 100 characters.
    with pytest.raises(InputError, match="not a safe file name"):
        assign_ids("{case}-{seq}", ["A-0001"], "C" * 99)


def test_item_seq_needs_a_numbered_item() -> None:
    assert item_number("UKR1-0042") == 42
    with pytest.raises(InputError, match="does not end"):
        assign_ids("{item_seq}", ["imported"], "UKR1")


def test_negative_case_number_is_refused() -> None:
    with pytest.raises(InputError, match="negative"):
        assign_ids("{seq}", ITEMS, "UKR1", case_seq=-1)


@pytest.mark.parametrize("good", ["A", "UKR-OTP-0001-0001", "a.b_c-d", "0", "x" * 100, "CONSOLE", "COMX"])
def test_safe_ids(good: str) -> None:
    assert check_exhibit_id(good) == good


@pytest.mark.parametrize(
    "bad", ["", "x" * 101, "a/b", "a\\b", "..", ".hidden", "-opt", "end.", "nul", "Lpt9.txt", "é", "a b"]
)
def test_unsafe_ids(bad: str) -> None:
    with pytest.raises(InputError):
        check_exhibit_id(bad)


@given(st.lists(st.integers(1, 10**6), unique=True, max_size=30), st.integers(0, 9999))
def test_icc_ids_are_unique_and_safe(numbers: list[int], case_seq: int) -> None:
    items = [f"UKR1-{n:04d}" for n in numbers]
    ids = assign_ids("UKR-OTP-{case_seq:04d}-{seq:04d}", items, "UKR1", case_seq=case_seq)
    assert len({i.casefold() for i in ids}) == len(ids)
    assert all(check_exhibit_id(i) == i for i in ids)
    # seq numbers the items 1..n in item order.
    by_number = sorted(zip(numbers, ids, strict=True))
    assert [i for _, i in by_number] == [f"UKR-OTP-{case_seq:04d}-{s:04d}" for s in range(1, len(ids) + 1)]
