"""The exhibit report: real PDFs written by WeasyPrint, read back with pypdf (and poppler when installed)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import logging
import random
import re
import shutil
import struct
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from typing import Any

import blake3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from vestige.archiver.profiles import Place, select_profile
from vestige.exports.exhibit import CustodyEvent, Exhibit, ExhibitArtifact, TimestampInfo
from vestige.exports.report import (
    PngRows,
    _printable,
    html_to_pdfa,
    load_screenshot,
    render_html,
    write_report,
)

REPO = Path(__file__).resolve().parents[2]
ASSETS = REPO / "tests" / "assets"
CREATED = "2026-11-24T09:33:21.046593Z"
CHECKPOINT = {
    "tree_size": 12,
    "root": "5f" * 32,
    "origin": "vestige.archive/1e87c0de",
    "verifier_key": "vestige.archive/1e87c0de+4e9779fe+AZeEn/578sTqWzB0sVxeZtJ1eAq7CNbv0b3x7yGdZyAV",
}
TITLE = "Знищення школи № 134 у Харкові — відео очевидця, ґанок і їжак"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
XMP = "{http://ns.adobe.com/xap/1.0/}"


# -- inputs ------------------------------------------------------------------------------------------------


def draw_screenshot(path: Path, width: int, height: int) -> Path:
    """A page-like PNG: coloured bands with their row number written in them."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 120):
        draw.rectangle((0, y, width, y + 60), fill=(40 + y % 200, 90, 160))
        draw.text((16, y + 20), f"row {y}", fill="white")
    image.save(path)
    return path


def tls_chain() -> list[str]:
    """A real two-certificate chain (CA and leaf for example.org) in PEM, with fixed validity dates."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    start, end = dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Vestige Test Root CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "example.org")]))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(0x1D2C3B4A)
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("example.org")]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return [c.public_bytes(serialization.Encoding.PEM).decode() for c in (leaf, ca)]


def artifact(role: str, name: str, media_type: str, seed: str, source: Path, **kw: Any) -> ExhibitArtifact:
    data = seed.encode()
    return ExhibitArtifact(
        role=role,
        name=name,
        media_type=media_type,
        size=len(data) * 1000 + 7,
        sha256=hashlib.sha256(data).hexdigest(),
        blake3=blake3.blake3(data).hexdigest(),
        bundle_path=kw.pop("bundle_path", f"NATIVES/UKR-OTP-0001-0001/{name}"),
        source=source,
        **kw,
    )


def make_capture(screenshot: Path, **changes: Any) -> Exhibit:
    exhibit = Exhibit(
        exhibit_id="UKR-OTP-0001-0001",
        item_id="UKR1-0001",
        case="UKR1",
        kind="capture",
        title=TITLE,
        url="https://example.org/news/kharkiv-school?id=134",
        final_url="https://example.org/uk/news/kharkiv-school?id=134",
        state="partial",
        reason="the page did not finish loading in time",
        http_status=200,
        started="2026-11-24T09:00:00.123456Z",
        ended="2026-11-24T09:00:31.654321Z",
        operator="Olena K.",
        platform="generic",
        versions={"vestige": "0.1.0", "chromium": "131.0.6778.85", "mitmproxy": "11.0.2", "python": "3.11.2"},
        tls={
            "host": "example.org",
            "address": ["93.184.216.34", 443],
            "tls_version": "TLSv1.3",
            "cipher": "TLS_AES_128_GCM_SHA256",
            "alpn": "h2",
            "chain_pem": tls_chain(),
            "chain_subjects": ["CN=example.org", "CN=Vestige Test Root CA"],
            "validation": {
                "valid": True,
                "error": None,
                "path": ["CN=example.org", "CN=Vestige Test Root CA"],
            },
        },
        provenance={
            "exchanges_count": 57,
            "failed_exchanges": [
                {"stage": "http", "target": "https://cdn.example.org/a.js", "error": "reset", "time": "x"}
            ],
            "limits_hit": ["resource https://cdn.example.org/big.mp4 exceeded 50 MB"],
            "unfinished": ["https://example.org/slow"],
            "dialogs": [{"type": "alert", "message": "Підтвердіть вік", "time": "x"}],
            "popups": [{"url": "https://ads.example.net/", "time": "x"}],
            "public_ip": {"resolver": "https://ip.example.net/", "address": "203.0.113.7", "error": None},
            "upstream_proxy": {"url": "socks5://127.0.0.1:9050", "kind": "socks5", "note": None},
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/131.0",
            "viewport": {"width": 1280, "height": 900},
            "clock_source": "system clock (UTC); synchronisation not verified by Vestige",
        },
        artifacts=(
            artifact("screenshot", "screenshot.png", "image/png", "shot", screenshot),
            artifact("dom", "dom.html", "text/html", "dom", screenshot),
            artifact("provenance", "provenance.json", "application/json", "prov", screenshot),
            artifact(
                "warc",
                "capture.warc.gz",
                "application/warc",
                "warc",
                screenshot,
                bundle_path="WACZ/UKR-OTP-0001-0001.wacz",
                member="archive/capture.warc.gz",
            ),
        ),
        custody=(
            CustodyEvent(
                3,
                "2026-11-24T09:00:32.000001Z",
                "item.captured",
                "Olena K.",
                "ed25519:" + "a1" * 16,
                "captured https://example.org/news/kharkiv-school?id=134 (partial)",
                "3c" * 32,
            ),
            CustodyEvent(
                5,
                "2026-11-24T09:10:00.000000Z",
                "note.added",
                "Olena K.",
                "ed25519:" + "a1" * 16,
                "note: seen on the school's own channel first",
                "4d" * 32,
            ),
            CustodyEvent(
                9,
                "2026-11-24T09:30:00.000000Z",
                "custody.transferred",
                "Taras M.",
                "ed25519:" + "b2" * 16,
                "custody to Taras M. (OTP liaison)",
                "6e" * 32,
            ),
        ),
        timestamps=(
            TimestampInfo(
                "http://tsa.example.net/tsr",
                "2026-11-24T09:31:02Z",
                10,
                "custody/timestamps/000000000010-0.tsr",
            ),
            TimestampInfo("http://tsa2.example.net/", None, 12, None),
        ),
        notes=("Seen on the school's own channel first.\nSecond line of the note.",),
        tags=("school", "Харків"),
        entry_index=3,
    )
    return dataclasses.replace(exhibit, **changes)


def make_file_exhibit(source: Path) -> Exhibit:
    return Exhibit(
        exhibit_id="UKR-OTP-0001-0002",
        item_id="UKR1-0002",
        case="UKR1",
        kind="file",
        title="Протокол огляду місця події.pdf",
        url=None,
        final_url=None,
        state="complete",
        reason=None,
        http_status=None,
        started=None,
        ended=None,
        operator="Olena K.",
        artifacts=(artifact("document", "protocol.pdf", "application/pdf", "protocol", source),),
        custody=(
            CustodyEvent(
                4,
                "2026-11-24T09:05:00Z",
                "item.added",
                "Olena K.",
                "ed25519:" + "a1" * 16,
                "added protocol.pdf",
                "7f" * 32,
            ),
        ),
        entry_index=4,
    )


def write(exhibit: Exhibit, out: Path, screenshot: Path | None, **kw: Any) -> Path:
    write_report(
        exhibit,
        out,
        case_title=kw.pop("case_title", "Обстріли освітніх закладів, Харківська область"),
        bundle_created=kw.pop("bundle_created", CREATED),
        checkpoint=kw.pop("checkpoint", CHECKPOINT),
        screenshot=screenshot,
    )
    return out


# -- reading PDFs back -------------------------------------------------------------------------------------


def page_texts(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def squeezed(text: str) -> str:
    """Text without whitespace: long values may wrap across lines."""
    return re.sub(r"\s+", "", text)


def all_objects(reader: PdfReader) -> list[Any]:
    objects = []
    for num in range(1, int(reader.trailer["/Size"])):
        try:
            objects.append(reader.get_object(num))
        except Exception:  # free entries
            continue
    return [o for o in objects if o is not None]


def xmp_values(metadata: bytes, name: str) -> list[str]:
    """Values of an XMP property, written either as an attribute or as an element of rdf:Description."""
    root = ET.fromstring(metadata)  # also proves the packet is well-formed XML
    found = []
    for desc in root.iter(f"{RDF}Description"):
        if name in desc.attrib:
            found.append(desc.attrib[name])
        for element in desc.iter(name):
            found.append("".join(element.itertext()).strip())
    return found


def assert_pdfa_3b_structure(path: Path, created: str | None = "2026-11-24T09:33:21Z") -> PdfReader:
    """The parts of PDF/A-3b (ISO 19005-3) a reader can check without veraPDF (and the creation date)."""
    data = path.read_bytes()
    # 6.1.2: header, then a comment of at least four bytes above 127.
    assert data.startswith(b"%PDF-1.7")
    second = data.split(b"\n", 2)[1]
    assert second.startswith(b"%") and all(b > 127 for b in second[1:5])
    reader = PdfReader(path)
    # 6.1.3: an ID in the trailer, no encryption.
    assert not reader.is_encrypted and "/Encrypt" not in reader.trailer
    assert len(reader.trailer["/ID"]) == 2
    root = reader.trailer["/Root"]
    # 6.6.2, 6.6.4: XMP metadata identifying PDF/A-3 conformance B, agreeing with the Info dictionary.
    metadata = root["/Metadata"].get_object().get_data()
    assert xmp_values(metadata, f"{PDFAID}part") == ["3"]
    assert xmp_values(metadata, f"{PDFAID}conformance") == ["B"]
    info = reader.trailer["/Info"].get_object()
    if created is not None:
        assert xmp_values(metadata, f"{XMP}CreateDate") == [created]
        assert str(info["/CreationDate"]) == "D:" + re.sub(r"[-T:]", "", created)
    dc_title = ET.fromstring(metadata).find(".//{http://purl.org/dc/elements/1.1/}title//" + f"{RDF}li")
    assert dc_title is not None and dc_title.text == str(info["/Title"])
    # 6.2.3: an sRGB output intent with its ICC profile.
    intents = root["/OutputIntents"]
    assert isinstance(intents, ArrayObject) and len(intents) == 1
    intent = intents[0].get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3 and profile.get_data()[36:40] == b"acsp"
    objects = [o for o in all_objects(reader) if isinstance(o, DictionaryObject)]
    for obj in objects:
        # 6.2.11.4: every font embedded (simple fonts and the CIDFonts under Type0 fonts).
        if obj.get("/Type") == "/Font" and obj.get("/Subtype") != "/Type0":
            descriptor = obj["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys()), obj
        # 6.6.1 and 6.1.13: no JavaScript, no actions run on opening, no interpolated images.
        assert obj.get("/S") != "/JavaScript" and "/JS" not in obj and "/AA" not in obj
        if obj.get("/Subtype") == "/Image":
            assert obj.get("/Interpolate") in (None, False)
    assert "/OpenAction" not in root and "/JavaScript" not in root.get("/Names", {})
    return reader


def test_pdfa_checker_notices_what_it_checks(tmp_path: Path) -> None:
    """The structural checks fail on PDFs that are not PDF/A, so passing them means something."""
    from pypdf import PdfWriter
    from pypdf.actions import JavaScript

    blank = PdfWriter()
    blank.add_blank_page(100, 100)
    blank.write(tmp_path / "blank.pdf")
    with pytest.raises(AssertionError):
        assert_pdfa_3b_structure(tmp_path / "blank.pdf")
    report = write(make_file_exhibit(tmp_path), tmp_path / "report.pdf", None)
    assert_pdfa_3b_structure(report)
    scripted = PdfWriter(clone_from=report)
    scripted.add_open_action(JavaScript("app.alert('x');"))
    scripted.write(tmp_path / "scripted.pdf")
    with pytest.raises(AssertionError):
        assert_pdfa_3b_structure(tmp_path / "scripted.pdf")


# -- the report --------------------------------------------------------------------------------------------


@pytest.fixture
def screenshot(tmp_path: Path) -> Path:
    return draw_screenshot(tmp_path / "screenshot.png", 1280, 2600)


def test_capture_report_states_the_facts(tmp_path: Path, screenshot: Path) -> None:
    exhibit = make_capture(screenshot)
    pdf = write(exhibit, tmp_path / "report.pdf", screenshot)
    pages = page_texts(pdf)
    text = "\n".join(pages)
    flat = squeezed(text)
    assert "UKR-OTP-0001-0001" in text and "UKR1-0001" in text
    assert TITLE in text  # Cyrillic intact, from the embedded fonts' ToUnicode maps
    assert "Обстріли освітніх закладів" in text
    assert squeezed(exhibit.url or "") in flat and squeezed(exhibit.final_url or "") in flat
    for a in exhibit.artifacts:
        assert a.sha256 in flat and a.blake3 in flat
        assert a.name in text and f"{a.size:,} bytes" in text
    assert "archive/capture.warc.gz" in flat
    for e in exhibit.custody:
        assert e.event in text and e.leaf_hash in flat and squeezed(e.summary) in flat
        assert e.time in flat
    # The TLS section, from the real certificate.
    assert "TLSv1.3" in text and "TLS_AES_128_GCM_SHA256" in text
    assert "CN=example.org" in text and "CN=Vestige Test Root CA" in text
    assert "2027-01-01 00:00:00 UTC" in text and "1d2c3b4a" in text
    # Provenance, time-stamps, checkpoint, notes and tags.
    assert "203.0.113.7" in text and "socks5://127.0.0.1:9050" in text and "Підтвердіть вік" in text
    assert "2026-11-24T09:31:02Z" in text and "pending" in text
    assert CHECKPOINT["root"] in flat and squeezed(CHECKPOINT["verifier_key"]) in flat
    assert "Second line of the note." in text and "Харків" in text
    assert "chromium" in text and "131.0.6778.85" in text
    # The screenshot is there, page-width strips covering all its rows.
    assert "Pixel rows 0 to" in text and "to 2,599 of 2,600" in text
    # Every page names the exhibit and says which page of how many it is.
    for number, page in enumerate(pages, 1):
        assert "Exhibit UKR-OTP-0001-0001" in page
        assert f"Page {number} of {len(pages)}" in page


def _telegram_post() -> dict[str, Any]:
    url = "https://t.me/detsky_centr_example/2481?embed=1&mode=tme"
    html = (ASSETS / "platforms" / "telegram" / "post.html").read_text(encoding="utf-8")
    record = select_profile(url).extract(url, html)
    assert record is not None
    reply = dataclasses.replace(record, post_id="2490", text="Відповідь: де документи дітей?", media=())
    place = Place("Генічеськ", "1000000001", "https://www.instagram.com/explore/locations/1000000001/", "UA")
    return dataclasses.replace(record, replies=(reply,), place=place).to_json()


def test_capture_report_prints_the_whole_post_record(tmp_path: Path, screenshot: Path) -> None:
    post = _telegram_post()
    pdf = write(make_capture(screenshot, platform="telegram", post=post), tmp_path / "post.pdf", screenshot)
    text = "\n".join(page_texts(pdf))
    flat = squeezed(text)
    assert "Post as read by the platform profile" in text
    assert "Детский центр «Пример»" in text and "@detsky_centr_example" in text
    assert "2023-10-05T06:12:40Z" in text and "Posted at (UTC)" in text
    assert squeezed(post["text"]) in flat  # the whole text, line breaks and all
    assert "fixture-photo-2482-bus.jpg" in flat  # every media item
    assert "views: 12,400" in text and "12.4K" in text  # the count read, and as shown
    assert "Replies recorded (1)" in text and "#2490" in text
    assert "Генічеськ" in text and squeezed("posted from country UA") in flat, text
    assert squeezed("place ID 1000000001") in flat
    assert squeezed("Відповідь: де документи дітей?") in flat
    assert squeezed("edited_at: Telegram marks the message as edited but does not show when") in flat


def test_post_record_states_other_than_the_post_are_flagged(tmp_path: Path, screenshot: Path) -> None:
    post = {**_telegram_post(), "page_state": "deleted", "text": None, "media": [], "replies": []}
    pdf = write(make_capture(screenshot, platform="telegram", post=post), tmp_path / "gone.pdf", screenshot)
    assert "a notice that the post was deleted" in "\n".join(page_texts(pdf))


def test_capture_report_is_pdfa_3b(tmp_path: Path, screenshot: Path) -> None:
    pdf = write(make_capture(screenshot), tmp_path / "report.pdf", screenshot)
    reader = assert_pdfa_3b_structure(pdf)
    images = [
        o for o in all_objects(reader) if isinstance(o, DictionaryObject) and o.get("/Subtype") == "/Image"
    ]
    assert images and all(o["/ColorSpace"] == "/DeviceRGB" and "/SMask" not in o for o in images)


def test_file_exhibit_report(tmp_path: Path) -> None:
    source = tmp_path / "protocol.pdf"
    source.write_bytes(b"%PDF-1.4 not really")
    exhibit = make_file_exhibit(source)
    pdf = write(exhibit, tmp_path / "file.pdf", None, case_title=None)
    assert_pdfa_3b_structure(pdf)
    text = "\n".join(page_texts(pdf))
    assert "Протокол огляду місця події.pdf" in text and "file added to the archive" in text
    assert exhibit.artifacts[0].sha256 in squeezed(text) and exhibit.artifacts[0].blake3 in squeezed(text)
    assert "item.added" in text and "7f" * 32 in squeezed(text)
    assert "Pending." in text  # no time-stamp yet
    assert "TLS connection" not in text and "Screenshot" not in text and "URL" not in text


def test_same_inputs_same_bytes(tmp_path: Path, screenshot: Path) -> None:
    exhibit = make_capture(screenshot)
    first = write(exhibit, tmp_path / "a.pdf", screenshot).read_bytes()
    second = write(exhibit, tmp_path / "b.pdf", screenshot).read_bytes()
    assert first == second
    later = write(exhibit, tmp_path / "c.pdf", screenshot, bundle_created="2026-11-25T00:00:00Z").read_bytes()
    assert later != first


def test_bad_bundle_time_is_refused(tmp_path: Path) -> None:
    from vestige.errors import InputError

    with pytest.raises(InputError):
        write(make_file_exhibit(tmp_path), tmp_path / "x.pdf", None, bundle_created="yesterday")
    with pytest.raises(InputError):
        write(make_file_exhibit(tmp_path), tmp_path / "x.pdf", None, bundle_created="2026-11-24T09:33:21")


def test_hostile_values(tmp_path: Path, screenshot: Path, caplog: pytest.LogCaptureFixture) -> None:
    long_url = "https://example.org/مدرسة/שלום/?" + "q=%D0%B0&" * 1111 + "end"  # 10,032 characters
    hostile = "\x00\x1b[31mred\x07 \u202egnp.exe\u202c \u2066x\u2069 مدرسة שלום 中文 \ud800 tab\there\nline\r"
    exhibit = make_capture(
        screenshot,
        exhibit_id="UKR-OTP-0001-0003",
        title=hostile,
        url=long_url,
        final_url=None,
        reason=hostile,
        http_status=None,
        started=None,
        ended=None,
        operator="",
        platform=None,
        versions={"chromium": None, hostile: "1"},
        tls={
            "host": hostile,
            "address": "garbage",
            "chain_pem": ["-----BEGIN CERTIFICATE-----\nAAAA\n"],
            "validation": {"valid": False, "error": hostile},
        },
        provenance={
            "failed_exchanges": "oops",
            "dialogs": [1, None, {"message": hostile}],
            "limits_hit": None,
            "public_ip": {"address": None, "error": "timed out"},
            "viewport": [1],
            "exchanges": [{}] * 3,
        },
        custody=(CustodyEvent(7, hostile, hostile, hostile, hostile, hostile * 300, hostile),),
        post={
            "platform": hostile,
            "page_state": hostile,
            "author": {"display_name": hostile, "handle": 5, "profile_url": [hostile]},
            "posted_at_raw": hostile,
            "text": hostile * 5000,
            "media": [None, {"type": hostile, "url": hostile, "width": "x", "duration_s": hostile}],
            "counts": {hostile: "many", "views": 3},
            "counts_raw": {hostile: hostile},
            "reply_to": hostile,
            "replies": [hostile, {"author": hostile, "text": hostile}],
            "unreadable": hostile,
        },
        timestamps=(TimestampInfo(hostile, None, 0, hostile),),
        notes=(hostile * 3000, ""),
        tags=(hostile, ""),
    )
    caplog.set_level(logging.WARNING, logger="weasyprint")
    pdf = write(
        exhibit,
        tmp_path / "hostile.pdf",
        screenshot,
        case_title=hostile,
        checkpoint={"tree_size": "x", "root": None},
    )
    assert_pdfa_3b_structure(pdf)
    text = "\n".join(page_texts(pdf))
    # Hidden characters are shown as marks; characters no embedded font has are marked too (PDF/A forbids
    # .notdef); nothing is silently dropped.
    for mark in (
        "U+0000",
        "U+001B",
        "U+0007",
        "U+202E",
        "U+202C",
        "U+2066",
        "U+2069",
        "U+D800",
        "U+000A",
        "U+0009",
        "U+000D",
        "U+4E2D",
        "U+6587",
    ):
        assert mark in text, mark
    assert "\u202e" not in text and "\x1b" not in text
    assert "more characters not printed" in text
    assert squeezed(long_url[40:1500]) in squeezed(text)  # (the RTL words extract in visual order)
    assert "could not be parsed" in text and "not valid" in text and "not recorded" in text
    assert "Exhibit UKR-OTP-0001-0003" in text
    # No glyph was missing (PDF/A forbids .notdef), nothing else went wrong in the layout.
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")]


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(exclude_categories=()), max_size=80))
def test_any_text_renders_as_printable_html(value: str) -> None:
    """Whatever a title, note or tag holds, the HTML body holds only characters the embedded font can draw."""
    exhibit = dataclasses.replace(
        make_file_exhibit(Path("protocol.pdf")), title=value, notes=(value,), tags=(value,), operator=value
    )
    page = render_html(
        exhibit, case_title=value, bundle_created="2026-11-24T09:33:21Z", checkpoint={}, screenshot=None
    )
    page.encode("utf-8")  # no lone surrogates left
    body = page.split("<body>", 1)[1]
    printable = _printable()
    assert all(ord(c) in printable or c in "\t\n" for c in body)  # (tabs and newlines: notes only)


def test_fetching_is_local_only(tmp_path: Path) -> None:
    """Nothing in a report's HTML can make it read a file or the network."""
    secret = tmp_path / "secret.png"
    draw_screenshot(secret, 10, 10)
    for url in (secret.as_uri(), "http://127.0.0.1:9/x.png"):
        with pytest.raises(BaseException, match="Error fetching"):
            html_to_pdfa(f'<html><body><img src="{url}"></body></html>')


# -- the screenshot ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "LA", "P"])
def test_png_bands_decode_exactly(tmp_path: Path, mode: str) -> None:
    """Bands decoded on their own join up to the image Pillow decodes whole (all five PNG filters)."""
    rng = random.Random(mode)
    base = Image.frombytes("RGB", (173, 400), bytes(rng.randrange(256) for _ in range(173 * 400 * 3)))
    image = base.quantize(64) if mode == "P" else base.convert(mode)
    path = tmp_path / f"{mode}.png"
    image.save(path)
    with path.open("rb") as fp:
        reader = PngRows(fp)
        bands = []
        while (band := reader.band(37)) is not None:
            bands.append(band.tobytes())
    assert b"".join(bands) == Image.open(path).tobytes()


def png(width: int, height: int, rows: bytes, *, depth: int = 8, colour: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_hostile_screenshots_are_described_not_fatal(tmp_path: Path) -> None:
    # A PNG whose header claims a million rows but holds ten: decoded as far as it goes.
    liar = tmp_path / "liar.png"
    liar.write_bytes(png(64, 1_000_000, (b"\x00" + b"\x80" * 192) * 10))
    shot = load_screenshot(liar)
    assert shot.height == 1_000_000 and shot.strips[-1].end_row == 10
    assert shot.note is not None and "ends after 10 of its 1,000,000" in shot.note
    # Too wide to stream and too large to decode whole; not an image at all; a truncated file.
    huge = tmp_path / "huge.png"
    huge.write_bytes(png(100_000, 100_000, b"\x00" * 10))
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    good = draw_screenshot(tmp_path / "good.png", 300, 900)
    cut = tmp_path / "cut.png"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    stub = tmp_path / "stub.png"
    stub.write_bytes(png(64, 64, b"")[:20])
    for path in (huge, garbage, cut, stub):
        shot = load_screenshot(path)
        assert shot.note, path
    # A 16-bit PNG is not streamed but still printed, whole.
    deep = tmp_path / "deep.png"
    Image.new("I;16", (200, 300), 40000).save(deep)
    assert len(load_screenshot(deep).strips) == 1
    # And every one of them still gives a valid report.
    exhibit = make_capture(good)
    for path in (liar, huge, garbage, cut, deep):
        assert_pdfa_3b_structure(write(exhibit, tmp_path / f"{path.stem}.pdf", path))


def test_wide_screenshot_is_scaled_not_stretched(tmp_path: Path) -> None:
    wide = draw_screenshot(tmp_path / "wide.png", 4000, 3000)
    shot = load_screenshot(wide)
    assert shot.shown_width == 1600
    total = sum(Image.open(io.BytesIO(s.png)).height for s in shot.strips)
    assert total == round(3000 * 1600 / 4000)  # the aspect ratio is kept
    assert all(Image.open(io.BytesIO(s.png)).size[0] == 1600 for s in shot.strips)


_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    from tests.exports.test_report import make_capture, write
    shot, out = Path(sys.argv[1]), Path(sys.argv[2])
    start = time.perf_counter()
    write(make_capture(shot), out, shot)
    print(json.dumps({"seconds": time.perf_counter() - start,
                      "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
    """
)


def _render_in_child(shot: Path, out: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(shot), str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.slow
def test_tall_screenshot_memory_is_bounded(tmp_path: Path) -> None:
    """A 1280 x 20,000 screenshot is printed whole, decoded a band at a time: the report costs far less
    memory than the image decoded whole would (1280 x 20,000 x 3 bytes = 77 MB)."""
    small = draw_screenshot(tmp_path / "small.png", 1280, 900)
    tall = draw_screenshot(tmp_path / "tall.png", 1280, 20_000)
    base = _render_in_child(small, tmp_path / "small.pdf")
    big = _render_in_child(tall, tmp_path / "tall.pdf")
    extra_mib = (big["max_rss_kib"] - base["max_rss_kib"]) / 1024
    assert extra_mib < 40, f"peak RSS grew by {extra_mib:.0f} MiB"
    text = "\n".join(page_texts(tmp_path / "tall.pdf"))
    assert "to 19,999 of 20,000" in text and "not printed here" not in text
    assert len(PdfReader(tmp_path / "tall.pdf").pages) >= 13


# -- outside checkers, when installed ----------------------------------------------------------------------


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed")
def test_poppler_reads_the_report(tmp_path: Path, screenshot: Path) -> None:
    exhibit = make_capture(screenshot)
    pdf = write(exhibit, tmp_path / "report.pdf", screenshot)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert TITLE in text and exhibit.artifacts[0].sha256 in squeezed(text)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Encrypted:\s+no$", info, re.M) and re.search(r"^JavaScript:\s+no$", info, re.M)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows)  # the "emb" column


@pytest.mark.skipif(not shutil.which("verapdf"), reason="veraPDF is not installed")
def test_verapdf_validates_pdfa_3b(tmp_path: Path, screenshot: Path) -> None:
    pdf = write(make_capture(screenshot), tmp_path / "report.pdf", screenshot)
    result = subprocess.run(
        ["verapdf", "--flavour", "3b", "--format", "text", str(pdf)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and result.stdout.startswith("PASS"), result.stdout
