"""The case index: one row per exhibit, as ``index.csv`` (for programs) and ``index.xlsx`` (for people).

Both files have the same columns and values, built by ``index_rows``:

    Exhibit ID, Item ID, Kind, Title, URL, Final URL, Captured (UTC), State, Reason, HTTP status, Platform,
    Author, Files, Hashed artifact, SHA-256, BLAKE3, Screenshot SHA-256, Screenshot BLAKE3, Operator

- ``Captured (UTC)`` is the capture start exactly as recorded (ISO 8601, ``Z``), as text: a spreadsheet date
  has no time zone and would lose the microseconds.
- ``Files`` lists the exhibit's bundle paths, each once, joined by ``;`` (a ``;`` inside a file name makes
  this ambiguous: ``manifest.json`` has the paths as a list).
- ``SHA-256`` and ``BLAKE3`` are the digests of the exhibit's primary artifact, the one the ledger's
  ``item.captured`` / ``item.added`` entry is mainly about: the WARC for a capture (the record of what the
  server sent), the file itself for an added file. ``Hashed artifact`` says which file that is; a WARC is
  stored inside its WACZ, so its digests are of that member, not of the ``.wacz`` file. The screenshot's
  digests have their own pair of columns because the screenshot is what people print and compare by eye.
  Every other artifact's digests are in ``manifest.json``, ``SHA256SUMS`` and ``B3SUMS``.

Hostile values: page titles, URLs and authors come from the captured site. A cell that starts with ``=``,
``+``, ``-``, ``@``, tab or carriage return would be run as a formula by Excel, LibreOffice and Google Sheets
(OWASP "CSV injection"), so in the CSV such a value gets a leading apostrophe (the value read back by a
program therefore starts with ``'``); in the XLSX every text value is a string cell, never a formula, with
Excel's "quote prefix" set on the risky ones so editing the cell does not turn it into a formula either, and
text shaped like rich-text XML (``<r>...</r>``), which XlsxWriter would copy into the sheet unescaped, is
written as an escaped rich string. Lone UTF-16 surrogates, which cannot be encoded, become U+FFFD. Control
characters, which XML cannot hold, are stored with the ECMA-376 ``_xHHHH_`` escape Excel reads back.

CSV: UTF-8 *with* a byte order mark, because Excel opens a CSV without one in the local ANSI code page and
garbles Cyrillic and Arabic titles; Python reads it with ``encoding="utf-8-sig"``. RFC 4180: fields quoted
when they hold a comma, quote or line break, quotes doubled, records ending in CRLF.

XLSX (XlsxWriter, ``constant_memory``): rows are streamed to disk, so memory stays flat for 100,000
exhibits. The header row is frozen and filtered, columns have fixed widths (no second pass over the rows),
hashes are text cells. Excel holds at most 32,767 characters in a cell; a longer value is cut and says so.
The document's created and modified dates are the bundle's creation time, and the zip members carry fixed
dates and modes, so the same bundle gives the same bytes.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]  # XlsxWriter ships no py.typed marker

from ..clock import parse_utc
from ..errors import InputError
from .exhibit import Exhibit, ExhibitArtifact

# (header, XLSX column width in characters)
COLUMNS: tuple[tuple[str, float], ...] = (
    ("Exhibit ID", 20),
    ("Item ID", 14),
    ("Kind", 8),
    ("Title", 50),
    ("URL", 50),
    ("Final URL", 50),
    ("Captured (UTC)", 28),
    ("State", 9),
    ("Reason", 30),
    ("HTTP status", 11),
    ("Platform", 12),
    ("Author", 20),
    ("Files", 60),
    ("Hashed artifact", 40),
    ("SHA-256", 68),
    ("BLAKE3", 68),
    ("Screenshot SHA-256", 68),
    ("Screenshot BLAKE3", 68),
    ("Operator", 20),
)
HEADERS = tuple(header for header, _ in COLUMNS)

Cell = str | int | None

# OWASP CSV injection: the characters that make a spreadsheet read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_CELL = 32767  # characters (UTF-16 code units) Excel keeps in one cell
_SURROGATE = re.compile("[\ud800-\udfff]")
_ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)


def primary_artifact(exhibit: Exhibit) -> ExhibitArtifact | None:
    """The artifact whose digests the index shows: the WARC of a capture, the file of an added file."""
    return exhibit.artifact("warc" if exhibit.kind == "capture" else "file")


def _describe(artifact: ExhibitArtifact | None) -> str | None:
    if artifact is None:
        return None
    if artifact.member:
        return f"{artifact.member} in {artifact.bundle_path}"
    return artifact.bundle_path


def index_row(exhibit: Exhibit) -> list[Cell]:
    """One exhibit's row, in ``HEADERS`` order; ``None`` for an empty cell."""
    primary = primary_artifact(exhibit)
    screenshot = exhibit.artifact("screenshot")
    files = ";".join(dict.fromkeys(a.bundle_path for a in exhibit.artifacts))
    return [
        exhibit.exhibit_id,
        exhibit.item_id,
        exhibit.kind,
        exhibit.title,
        exhibit.url,
        exhibit.final_url,
        exhibit.started,
        exhibit.state,
        exhibit.reason,
        exhibit.http_status,
        exhibit.platform,
        exhibit.author,
        files or None,
        _describe(primary),
        primary.sha256 if primary else None,
        primary.blake3 if primary else None,
        screenshot.sha256 if screenshot else None,
        screenshot.blake3 if screenshot else None,
        exhibit.operator,
    ]


def index_rows(exhibits: Sequence[Exhibit]) -> Iterator[list[Cell]]:
    for exhibit in exhibits:
        yield index_row(exhibit)


def _encodable(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)


def csv_cell(value: Cell) -> str:
    """A value as CSV text: empty for None, an apostrophe before anything a spreadsheet would run."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    text = _encodable(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_index_csv(exhibits: Sequence[Exhibit], out: Path) -> None:
    """Write ``index.csv``: UTF-8 with BOM, RFC 4180 quoting, CRLF."""
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, dialect="excel", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(HEADERS)
        for row in index_rows(exhibits):
            writer.writerow([csv_cell(value) for value in row])


def _utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def fit_cell(text: str) -> str:
    """``text``, cut to Excel's cell limit with a note saying so when it is longer."""
    if len(text) <= XLSX_MAX_CELL // 2 or _utf16_len(text) <= XLSX_MAX_CELL:
        return text
    note = f" [cut: {len(text)} characters in all]"
    budget = XLSX_MAX_CELL - len(note)
    kept = text[:budget]
    while _utf16_len(kept) > budget:
        kept = kept[:-1]
    return kept + note


def _created_datetime(created: datetime | str | None) -> datetime:
    if created is None:
        return _ZIP_EPOCH
    if isinstance(created, str):
        return parse_utc(created, "bundle creation time")
    if created.tzinfo is None:
        raise InputError(f"the bundle creation time {created.isoformat()} has no time zone")
    return created.astimezone(UTC)


def write_index_xlsx(
    exhibits: Sequence[Exhibit], out: Path, *, title: str, created: datetime | str | None = None
) -> None:
    """Write ``index.xlsx``, streaming rows so memory does not grow with the number of exhibits.

    ``created`` is the bundle's creation time (``manifest.json`` ``created``); without it the document's
    dates are 1980-01-01T00:00:00Z, never the current time, so the bytes stay reproducible."""
    when = _created_datetime(created)
    with tempfile.TemporaryDirectory(prefix="vestige-xlsx-", dir=out.parent) as tmp:
        draft = Path(tmp) / "index.xlsx"
        _write_workbook(exhibits, draft, title=_encodable(title), created=when, tmpdir=tmp)
        _normalise_zip(draft, out)


def _write_workbook(
    exhibits: Sequence[Exhibit], path: Path, *, title: str, created: datetime, tmpdir: str
) -> None:
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": tmpdir})
    workbook.set_properties({"title": title, "author": "", "created": created.replace(tzinfo=None)})
    header = workbook.add_format({"bold": True, "bottom": 1, "num_format": "@"})
    text = workbook.add_format({"num_format": "@"})
    risky = workbook.add_format({"num_format": "@", "quote_prefix": True})
    sheet = workbook.add_worksheet("Index")
    for col, (_, width) in enumerate(COLUMNS):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(exhibits), len(COLUMNS) - 1)
    for col, name in enumerate(HEADERS):
        sheet.write_string(0, col, name, header)
    for row_number, row in enumerate(index_rows(exhibits), start=1):
        for col, value in enumerate(row):
            if value is not None:
                _write_cell(sheet, row_number, col, value, text, risky)
    workbook.close()


def _write_cell(sheet: Any, row: int, col: int, value: str | int, text: Any, risky: Any) -> None:
    if isinstance(value, int):
        status = sheet.write_number(row, col, value)
    else:
        value = fit_cell(_encodable(value))
        cell_format = risky if value.startswith(FORMULA_START) else text
        if value.startswith("<r>") and value.endswith("</r>"):
            # In constant_memory mode XlsxWriter copies such a string into the sheet as raw rich-text XML,
            # unescaped; written as a rich string of three runs it is escaped like any other text.
            status = sheet.write_rich_string(row, col, value[:1], value[1:2], value[2:], cell_format)
        else:
            status = sheet.write_string(row, col, value, cell_format)
    if status != 0:
        raise RuntimeError(
            f"XlsxWriter refused the cell at row {row + 1}, column {col + 1} (status {status})"
        )


def _normalise_zip(source: Path, out: Path) -> None:
    """Copy the workbook's zip with fixed member dates and modes: XlsxWriter's depend on the umask."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            member.create_system = 3
            member.external_attr = 0o644 << 16
            with src.open(info) as reader, dst.open(member, "w") as writer:
                shutil.copyfileobj(reader, writer, 1 << 20)
