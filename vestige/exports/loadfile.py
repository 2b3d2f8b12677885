"""Review-platform load files: ``loadfile.dat`` (Concordance/Relativity DAT) and ``images.opt`` (Opticon).

DAT, one record per exhibit, in the Concordance defaults every review platform reads:

- UTF-8 with a byte order mark (Relativity detects the encoding from the BOM only); records end in CRLF;
  a header record names the fields; every field is wrapped in the text qualifier ``þ`` (U+00FE) and fields
  are separated by ASCII 20 (DC4, 0x14).
- Fields: BEGDOC, ENDDOC, CUSTODIAN, TITLE, URL, DATECAPTURED, SHA256HASH, NATIVEPATH, TEXTPATH, then
  BLAKE3HASH, ITEMID, KIND, STATE, FINALURL. BEGDOC = ENDDOC = the exhibit ID (one document per exhibit, the
  key the OPT uses too). CUSTODIAN is the operator who captured or added the exhibit. DATECAPTURED is the
  capture start in UTC as ``YYYY-MM-DD HH:MM:SS`` (a form Relativity and Concordance both parse; a ``Z``
  suffix would make .NET convert it to the server's local time); the exact time is in ``manifest.json``.
- NATIVEPATH is the file a reviewer wants to open: the DOM HTML of a page capture, the resource itself for a
  capture of a document or media URL, the added file for a file exhibit (failing those, the screenshot of a
  failed capture); SHA256HASH and BLAKE3HASH are that
  file's digests. TEXTPATH is ``TEXT\\<X>.txt`` when the exhibit has a text artifact. Paths are relative to
  the load file, with backslashes, the Windows form every loader accepts (Relativity also takes ``/``,
  Concordance does not).
- The format has no escape mechanism, so values are made unambiguous instead: every line break (CRLF, LF,
  CR and anything else ``str.splitlines`` treats as one) becomes ``®`` (U+00AE), Concordance's newline marker;
  the field separator 0x14 and every other control character except tab becomes U+FFFD; a lower-case thorn
  ``þ``, the qualifier, becomes the capital ``Þ`` (U+00DE), which reads the same and matches in the
  platforms' case-insensitive search. A literal ``®`` in a value is therefore read back as a line break.
  Exact values are in ``manifest.json``. A path that would need any of this, or holds a backslash, is refused.

OPT: one line per exhibit with a PDF print, ``ImageKey,Volume,Path,DocBreak,FolderBreak,BoxBreak,PageCount``,
e.g. ``UKR-OTP-0001-0001,,IMAGES\\UKR-OTP-0001-0001.pdf,Y,,,3``, CRLF, ASCII. Opticon is page-level for
single-page TIFFs (one line per page, the page count on the first); for a multi-page PDF the convention of
Concordance and RelativityOne's image import is one line for the whole PDF with DocBreak ``Y`` and the
document's page count, which is what is written. Volume is left empty (it names production media, which a
bundle does not have). ImageKey is the exhibit ID, so it matches BEGDOC.

``read_dat`` and ``read_opt`` parse these formats from their description, independently of the writers, for
the tests and ``vestige verify-bundle``.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from ..clock import parse_utc
from ..errors import FormatError, InputError
from .exhibit import Exhibit, ExhibitArtifact

DAT_FIELDS = (
    "BEGDOC",
    "ENDDOC",
    "CUSTODIAN",
    "TITLE",
    "URL",
    "DATECAPTURED",
    "SHA256HASH",
    "NATIVEPATH",
    "TEXTPATH",
    "BLAKE3HASH",
    "ITEMID",
    "KIND",
    "STATE",
    "FINALURL",
)
DELIMITER = "\x14"  # ASCII 20, Concordance's field separator
QUALIFIER = "\u00fe"  # þ
NEWLINE = "\u00ae"  # ®, stands for a line break inside a field
RECORD_END = "\r\n"
BOM = "\ufeff"
# What a thorn in a value is written as: the capital, which is not the qualifier.
QUALIFIER_SUBSTITUTE = "\u00de"  # Þ
CONTROL_SUBSTITUTE = "\ufffd"

# The line boundaries of str.splitlines, so no line-oriented tool can split a record.
_LINE_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# C0 controls other than tab and the line breaks above (0x14, the delimiter, among them), DEL, surrogates.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f\ud800-\udfff]")

# Order of preference for the native file of an exhibit.
NATIVE_ROLES = ("dom", "document", "media", "file", "screenshot")


def dat_text(value: str | None) -> str:
    """A value as it is written inside a DAT field (see the module docstring)."""
    if value is None:
        return ""
    value = _LINE_BREAK.sub(NEWLINE, value)
    value = _CONTROL.sub(CONTROL_SUBSTITUTE, value)
    return value.replace(QUALIFIER, QUALIFIER_SUBSTITUTE)


def windows_path(bundle_path: str) -> str:
    """A bundle path (``/``-separated) as a load-file path (``\\``-separated), refusing ambiguous ones."""
    if "\\" in bundle_path or NEWLINE in bundle_path or dat_text(bundle_path) != bundle_path:
        raise InputError(f"bundle path {bundle_path!r} cannot be written in a load file")
    return bundle_path.replace("/", "\\")


def native_artifact(exhibit: Exhibit) -> ExhibitArtifact | None:
    """The file a reviewer opens: DOM HTML of a page, the captured document or media, or the added file.

    A capture that kept none of these (a failed one) falls back to its screenshot, if any."""
    for role in NATIVE_ROLES:
        artifact = exhibit.artifact(role)
        if artifact is not None and artifact.member is None:
            return artifact
    return None


def dat_date(started: str | None) -> str:
    """An ISO 8601 UTC time as ``YYYY-MM-DD HH:MM:SS`` (UTC)."""
    if not started:
        return ""
    return parse_utc(started, "capture time").strftime("%Y-%m-%d %H:%M:%S")


def dat_record(exhibit: Exhibit) -> list[str]:
    """One exhibit's DAT values, in ``DAT_FIELDS`` order, before DAT quoting."""
    native = native_artifact(exhibit)
    text = exhibit.artifact("text")
    return [
        exhibit.exhibit_id,
        exhibit.exhibit_id,
        exhibit.operator,
        exhibit.title or "",
        exhibit.url or "",
        dat_date(exhibit.started),
        native.sha256 if native else "",
        windows_path(native.bundle_path) if native else "",
        windows_path(text.bundle_path) if text else "",
        native.blake3 if native else "",
        exhibit.item_id,
        exhibit.kind,
        exhibit.state,
        exhibit.final_url or "",
    ]


def _dat_line(values: Sequence[str]) -> str:
    return DELIMITER.join(QUALIFIER + dat_text(v) + QUALIFIER for v in values) + RECORD_END


def write_dat(exhibits: Sequence[Exhibit], out: Path) -> None:
    """Write ``loadfile.dat``: a header record, then one record per exhibit."""
    with out.open("w", encoding="utf-8", newline="") as fh:
        fh.write(BOM)
        fh.write(_dat_line(DAT_FIELDS))
        for exhibit in exhibits:
            fh.write(_dat_line(dat_record(exhibit)))


def _opt_field(value: str) -> str:
    if not value.isascii() or not value.isprintable() or "," in value:
        raise InputError(f"{value!r} cannot be written in an Opticon file")
    return value


def write_opt(exhibits: Sequence[Exhibit], out: Path, page_counts: Mapping[str, int]) -> None:
    """Write ``images.opt``: one line per exhibit with a PDF print; ``page_counts`` by exhibit ID."""
    with out.open("w", encoding="ascii", newline="") as fh:
        for exhibit in exhibits:
            pdf = exhibit.artifact("pdf")
            if pdf is None:
                continue
            pages = page_counts.get(exhibit.exhibit_id)
            if pages is None or pages < 1:
                raise InputError(f"no page count for the PDF of exhibit {exhibit.exhibit_id}")
            key = _opt_field(exhibit.exhibit_id)
            path = _opt_field(windows_path(pdf.bundle_path))
            fh.write(f"{key},,{path},Y,,,{pages}{RECORD_END}")


_PDF_ERRORS = (PyPdfError, ValueError, LookupError, TypeError, AttributeError, RecursionError, zlib.error)


def pdf_page_count(path: Path) -> int:
    """The number of pages of a PDF; ``FormatError`` if it cannot be read as one."""
    try:
        with path.open("rb") as fh:
            reader = PdfReader(fh)
            if reader.is_encrypted:
                reader.decrypt("")  # printable PDFs are often encrypted with an empty user password
            pages = len(reader.pages)
    except (
        PyPdfError,
        ValueError,
        LookupError,
        TypeError,
        AttributeError,
        RecursionError,
        zlib.error,
    ) as exc:
        raise FormatError(f"{path.name}: not a readable PDF ({exc})") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from exc
    if pages < 1:
        raise FormatError(f"{path.name}: the PDF has no pages")
    return pages


# Readers. They follow the format as described above, not the writers' code.

# A field: qualified (anything but the qualifier between two qualifiers) or bare (up to a separator).
_DAT_FIELD = re.compile("\u00fe([^\u00fe]*)\u00fe|([^\u00fe\x14\r\n]*)")
_DAT_AFTER_FIELD = re.compile("\x14|\r\n|\n|\r|\\Z")


def _dat_records(text: str, name: str) -> list[list[str]]:
    records: list[list[str]] = []
    fields: list[str] = []
    pos = 0
    while True:
        field = _DAT_FIELD.match(text, pos)
        assert field is not None  # the bare alternative matches the empty string
        fields.append(field.group(1) if field.group(1) is not None else field.group(2))
        pos = field.end()
        after = _DAT_AFTER_FIELD.match(text, pos)
        if after is None:
            raise FormatError(f"{name}: record {len(records) + 1}: stray text after a field at offset {pos}")
        pos = after.end()
        if after.group() == DELIMITER:
            continue
        records.append(fields)
        fields = []
        if pos == len(text):
            return records


def read_dat(path: Path) -> list[dict[str, str]]:
    """Parse a Concordance DAT (þ-qualified, 0x14-separated, UTF-8): one dict per record, by header name.

    ``®`` in a value is read as a line break (``\\n``), as Concordance and Relativity do."""
    data = path.read_bytes()
    if data.startswith(BOM.encode()):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path.name}: not UTF-8 at byte {exc.start}") from exc
    if not text:
        raise FormatError(f"{path.name}: empty, not even a header record")
    header, *rows = _dat_records(text, path.name)
    if any(not name for name in header) or len(set(header)) != len(header):
        raise FormatError(f"{path.name}: the header record has empty or repeated field names")
    records: list[dict[str, str]] = []
    for number, row in enumerate(rows, start=1):
        if len(row) != len(header):
            raise FormatError(f"{path.name}: record {number} has {len(row)} fields, the header {len(header)}")
        records.append({name: value.replace(NEWLINE, "\n") for name, value in zip(header, row, strict=True)})
    return records


@dataclass(frozen=True)
class OptLine:
    image_key: str
    volume: str
    path: str
    doc_break: bool
    folder_break: str
    box_break: str
    page_count: int | None


def read_opt(path: Path) -> list[OptLine]:
    """Parse an Opticon file: seven comma-separated fields per line, CRLF (LF accepted)."""
    try:
        text = path.read_bytes().decode("ascii")
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path.name}: not ASCII at byte {exc.start}") from exc
    lines = re.split("\r?\n", text)
    if lines and lines[-1] == "":
        lines.pop()
    result: list[OptLine] = []
    for number, line in enumerate(lines, start=1):
        parts = line.split(",")
        if len(parts) != 7:
            raise FormatError(f"{path.name}: line {number} has {len(parts)} fields, not 7")
        key, volume, image_path, doc_break, folder_break, box_break, count = parts
        if not key or not image_path:
            raise FormatError(f"{path.name}: line {number} has no image key or no path")
        if doc_break not in ("Y", "y", ""):
            raise FormatError(f"{path.name}: line {number}: document break {doc_break!r} is not Y or empty")
        if count and not (count.isdigit() and count.isascii()):
            raise FormatError(f"{path.name}: line {number}: page count {count!r} is not a number")
        result.append(
            OptLine(
                image_key=key,
                volume=volume,
                path=image_path,
                doc_break=doc_break != "",
                folder_break=folder_break,
                box_break=box_break,
                page_count=int(count) if count else None,
            )
        )
    return result
