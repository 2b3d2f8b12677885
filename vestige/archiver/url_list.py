"""Reading a batch of URLs to capture: a text file (one URL per line) or a CSV with a header row.

The CSV has a ``url`` column and, optionally, ``note`` and ``tags`` (separated by ``;`` or ``|``), as a
spreadsheet exported by a team would have them. Everything is checked before anything is captured: the
file's encoding, the header, every URL; blank lines and ``#`` comments (text files) are skipped, and a
URL listed twice is captured once.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import InputError
from ..store.catalog import check_tag
from .capture import check_url

MAX_BAD_SHOWN = 5


@dataclass(frozen=True)
class UrlRow:
    url: str
    line: int
    note: str | None = None
    tags: tuple[str, ...] = ()


@dataclass
class UrlList:
    rows: list[UrlRow] = field(default_factory=list)
    duplicates: list[tuple[int, int]] = field(default_factory=list)  # (line, first line)


def _decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}: not UTF-8 text (line {line})", hint="save it as UTF-8 (CSV UTF-8)"
        ) from exc


def _looks_like_csv(path: Path, text: str) -> bool:
    if path.suffix.lower() in (".csv", ".tsv"):
        return True
    first = next((line for line in text.splitlines() if line.strip()), "")
    return first.strip().lower().split(",")[0].strip('"') == "url"


def read_url_list(path: Path) -> UrlList:
    text = _decode(path)
    if not text.strip():
        raise InputError(f"{path}: no URLs to capture")
    raw = _read_csv(path, text) if _looks_like_csv(path, text) else _read_text(text)
    out = UrlList()
    bad: list[str] = []
    first_seen: dict[str, int] = {}
    for row in raw:
        try:
            check_url(row.url)
        except InputError:
            bad.append(f"line {row.line}: {row.url[:80]!r}")
            continue
        try:
            row = replace(row, tags=tuple(dict.fromkeys(check_tag(t) for t in row.tags)))
        except InputError as exc:
            raise InputError(f"{path} line {row.line}: {exc.message}", hint=exc.hint) from None
        if row.url in first_seen:
            out.duplicates.append((row.line, first_seen[row.url]))
            continue
        first_seen[row.url] = row.line
        out.rows.append(row)
    if bad:
        more = f" (and {len(bad) - MAX_BAD_SHOWN} more)" if len(bad) > MAX_BAD_SHOWN else ""
        raise InputError(f"{path}: not http(s) URLs: {'; '.join(bad[:MAX_BAD_SHOWN])}{more}")
    if not out.rows:
        raise InputError(f"{path}: no URLs to capture")
    return out


def _read_text(text: str) -> list[UrlRow]:
    rows = []
    for n, line in enumerate(text.splitlines(), start=1):
        url = line.strip()
        if url and not url.startswith("#"):
            rows.append(UrlRow(url, n))
    return rows


_TAG_SPLIT = re.compile(r"[;|]")


def _read_csv(path: Path, text: str) -> list[UrlRow]:
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(r for r in reader if any(cell.strip() for cell in r))
    except StopIteration:
        raise InputError(f"{path}: the CSV is empty") from None
    except csv.Error as exc:
        raise InputError(f"{path}: malformed CSV: {exc}") from exc
    names = [h.strip().lower() for h in header]
    if "url" not in names:
        raise InputError(
            f"{path}: no 'url' column in the header ({', '.join(header)[:200]})",
            hint="the first row must name the columns: url, note, tags",
        )
    col: dict[str, int] = {name: names.index(name) for name in ("url", "note", "tags") if name in names}
    rows = []
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue

            def cell(name: str, record: list[str] = record) -> str:
                i = col.get(name)
                return record[i].strip() if i is not None and i < len(record) else ""

            tags = tuple(t.strip() for t in _TAG_SPLIT.split(cell("tags")) if t.strip())
            rows.append(UrlRow(cell("url"), line, cell("note") or None, tags))
    except csv.Error as exc:
        raise InputError(f"{path}: malformed CSV at line {reader.line_num}: {exc}") from exc
    return rows
