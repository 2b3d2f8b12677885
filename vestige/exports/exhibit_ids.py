"""Exhibit IDs in the receiving court's numbering (``vestige export --id-pattern``).

A pattern is Python format syntax over five named fields:

    item      the archive's own item ID                          UKR1-0007
    case      the case ID                                        UKR1
    seq       the exhibit's position in the export, from 1, in item order
    item_seq  the number in the archive's item ID                7 for UKR1-0007
    case_seq  a number the user gives for the case (default 1), e.g. a situation number

``{item}`` (the default) keeps the archive's IDs; ``UKR-OTP-{case_seq:04d}-{seq:04d}`` numbers exhibits the
ICC way (UKR-OTP-0001-0001, UKR-OTP-0001-0002, ...); ``{case}-{seq:05d}`` gives UKR1-00001.

An ID names the exhibit's folder and files in the bundle (``NATIVES/<X>/``, ``IMAGES/<X>.pdf``) and is the
document key of the load files, so every ID must be a file name that is safe wherever the bundle is
opened: 1 to 100 characters from ``A-Z a-z 0-9 . _ -``, starting with a letter or digit (no hidden files,
nothing that reads as a command-line option), not ending in ``.`` (Windows drops it), not a Windows device
name (``CON``, ``NUL``, ``COM1`` ...), and unique in the export ignoring case (Windows and macOS do not tell
``UKR-1`` from ``ukr-1``). Patterns are checked when parsed, against sample values, so most mistakes are
reported before anything is written; every formatted ID is checked again.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InputError

DEFAULT_PATTERN = "{item}"
FIELDS = ("item", "case", "seq", "item_seq", "case_seq")
# Fields that differ from one exhibit to the next: a pattern needs one of them to give distinct IDs.
PER_EXHIBIT_FIELDS = frozenset({"item", "seq", "item_seq"})
MAX_ID_LENGTH = 100
MAX_PATTERN_LENGTH = 200

_SAFE_ID = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_-])?")
_WINDOWS_DEVICE = re.compile(r"(?:CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(?:\..*)?", re.IGNORECASE)
_ITEM_NUMBER = re.compile(r".*-([0-9]+)")
_FORMAT_ERRORS = (ValueError, TypeError, OverflowError, KeyError, IndexError, AttributeError)
_SAFE_RULE = "1-100 of A-Z a-z 0-9 . _ -, starting with a letter or digit, not ending in '.'"


def check_exhibit_id(exhibit_id: str) -> str:
    """Return ``exhibit_id`` if it is a safe, portable file name; raise ``InputError`` otherwise."""
    if len(exhibit_id) > MAX_ID_LENGTH or not _SAFE_ID.fullmatch(exhibit_id):
        raise InputError(f"exhibit ID {exhibit_id!r} is not a safe file name", hint=_SAFE_RULE)
    if _WINDOWS_DEVICE.fullmatch(exhibit_id):
        raise InputError(f"exhibit ID {exhibit_id!r} is a Windows device name", hint="Windows cannot open it")
    return exhibit_id


def item_number(item_id: str) -> int:
    """The number at the end of an archive item ID: 7 for ``UKR1-0007``."""
    match = _ITEM_NUMBER.fullmatch(item_id)
    if not match:
        raise InputError(f"item ID {item_id!r} does not end in '-<number>'")
    return int(match.group(1))


@dataclass(frozen=True)
class IdPattern:
    """A checked ``--id-pattern``; build it with ``parse_pattern``."""

    text: str
    fields: frozenset[str]

    def format(self, *, item: str, case: str, seq: int, case_seq: int = 1) -> str:
        """The exhibit ID for one item; raises ``InputError`` if the result is not a safe file name."""
        try:
            result = self._render(item=item, case=case, seq=seq, case_seq=case_seq)
        except _FORMAT_ERRORS as exc:
            raise InputError(f"ID pattern {self.text!r} cannot format item {item}: {exc}") from exc
        try:
            return check_exhibit_id(result)
        except InputError as exc:
            raise InputError(f"ID pattern {self.text!r}, item {item}: {exc.message}", hint=exc.hint) from exc

    def _render(self, *, item: str, case: str, seq: int, case_seq: int) -> str:
        values: dict[str, str | int] = {"item": item, "case": case, "seq": seq, "case_seq": case_seq}
        if "item_seq" in self.fields:
            values["item_seq"] = item_number(item)
        return self.text.format_map(values)


def parse_pattern(text: str) -> IdPattern:
    """Check an ID pattern up front: known fields only, valid format specs, safe results."""
    if not text:
        raise InputError("the ID pattern is empty", hint=f"the default is {DEFAULT_PATTERN}")
    if len(text) > MAX_PATTERN_LENGTH:
        raise InputError(f"the ID pattern is longer than {MAX_PATTERN_LENGTH} characters")
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise InputError(
            f"invalid ID pattern {text!r}: {exc}", hint="write a literal brace as {{ or }}"
        ) from exc
    fields: set[str] = set()
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in FIELDS:
            shown = "{}" if name == "" else "{" + name + "}"
            raise InputError(f"unknown field {shown} in ID pattern {text!r}", hint="use " + ", ".join(FIELDS))
        if conversion is not None:
            raise InputError(f"conversion !{conversion} in ID pattern {text!r} is not allowed")
        if spec and ("{" in spec or "}" in spec):
            raise InputError(f"nested field in the format spec of {{{name}}} in ID pattern {text!r}")
        fields.add(name)
    if not fields & PER_EXHIBIT_FIELDS:
        raise InputError(
            f"ID pattern {text!r} gives every exhibit the same ID",
            hint="include {item}, {seq} or {item_seq}",
        )
    pattern = IdPattern(text, frozenset(fields))
    # Small and large sample values catch specs like {case:d}, {seq:+} or {seq:,} before any export starts.
    for number in (1, 1234567):
        try:
            sample = pattern._render(item=f"CASE1-{number:04d}", case="CASE1", seq=number, case_seq=number)
        except _FORMAT_ERRORS as exc:
            raise InputError(f"invalid ID pattern {text!r}: {exc}") from exc
        try:
            check_exhibit_id(sample)
        except InputError as exc:
            raise InputError(
                f"ID pattern {text!r} gives IDs like {sample!r}, which are not safe file names", hint=exc.hint
            ) from exc
    return pattern


def _item_order(item_id: str) -> tuple[int, int, str]:
    match = _ITEM_NUMBER.fullmatch(item_id)
    return (0, int(match.group(1)), item_id) if match else (1, 0, item_id)


def assign_ids(pattern: IdPattern | str, item_ids: Sequence[str], case: str, case_seq: int = 1) -> list[str]:
    """The exhibit ID of each item, in the order given; ``seq`` counts from 1 in item-number order.

    Raises ``InputError`` for a repeated item or when two items would get the same ID (ignoring case)."""
    if isinstance(pattern, str):
        pattern = parse_pattern(pattern)
    if case_seq < 0:
        raise InputError(f"the case number must not be negative (got {case_seq})")
    seen: set[str] = set()
    for item in item_ids:
        if item in seen:
            raise InputError(f"item {item} is listed twice in the export")
        seen.add(item)
    seq_of = {item: seq for seq, item in enumerate(sorted(item_ids, key=_item_order), start=1)}
    ids = [pattern.format(item=item, case=case, seq=seq_of[item], case_seq=case_seq) for item in item_ids]
    first_item: dict[str, str] = {}
    for item, exhibit_id in zip(item_ids, ids, strict=True):
        other = first_item.setdefault(exhibit_id.casefold(), item)
        if other != item:
            raise InputError(
                f"ID pattern {pattern.text!r} gives items {other} and {item} the same ID {exhibit_id!r}",
                hint="{item} and {seq} are always unique",
            )
    return ids
