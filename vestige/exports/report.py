"""The exhibit report (``REPORTS/<X>.pdf``): one PDF/A-3b per exhibit, for a court reader.

It restates in print what the bundle proves by machine: what was captured, when, by whom, over which TLS
connection; the digests of every artifact; the custody events that concern the exhibit; the time-stamps and
the checkpoint the bundle's proofs lead to; and the screenshot, page by page.

WeasyPrint lays the report out from HTML and CSS (Pango shapes the text, so Cyrillic and right-to-left titles
print correctly) and writes the PDF/A-3b variant: sRGB output intent, XMP identification, embedded DejaVu
fonts, no encryption, no JavaScript. The output is a pure function of the inputs: the only date inside is
``bundle_created``, so the same inputs give the same bytes with the same WeasyPrint, Pango and Pillow.

Every value from the archive is treated as hostile: it is escaped, long values are shortened with a note
saying so (digests never are), and control, bidi-override and other invisible characters are shown as a
visible ``U+XXXX`` mark, so a page title cannot hide or reorder what the reader sees.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import math
import re
import struct
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from PIL import Image

from vestige import __version__
from vestige.clock import parse_utc
from vestige.errors import VestigeError
from vestige.exports.exhibit import CustodyEvent, Exhibit, ExhibitArtifact

# Debian's fonts-dejavu-core: a Unicode TrueType family, embedded (subset) into every report.
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_FONT_FACES = (
    ("VestigeSans", "normal", "DejaVuSans.ttf"),
    ("VestigeSans", "bold", "DejaVuSans-Bold.ttf"),
    ("VestigeMono", "normal", "DejaVuSansMono.ttf"),
    ("VestigeMono", "bold", "DejaVuSansMono-Bold.ttf"),
)

# Screenshot geometry. An image pixel is one CSS pixel; the A4 text block is 180 mm (680 CSS px) wide, so a
# 1280 px viewport prints at about 180 dpi. Each page shows one strip whose height fits under a heading.
SHOT_MAX_WIDTH = 1600  # wider screenshots are scaled down to this many pixels first
SHOT_DISPLAY_WIDTH = 680  # CSS px of the text block; narrower screenshots print at their own size
SHOT_STRIP_ASPECT = 1.25  # strip height / displayed width (226 mm of a 257 mm text block)
SHOT_MAX_PAGES = 24  # beyond this the report says where the rest is instead of printing it
SHOT_MAX_DECODE_PIXELS = 1280 * 40_000  # source pixels decoded at most, whatever the page count
SHOT_BAND_PIXELS = 1_000_000  # source pixels decoded at once (a band of rows), bounding memory
SHOT_MAX_SOURCE_WIDTH = 16_384
SHOT_MAX_OTHER_PIXELS = 1280 * 16_384  # non-streamable images (not 8-bit PNG) are decoded whole, up to this

# Characters printed as a visible mark instead of themselves: C0 and C1 controls, bidi embeddings,
# overrides, isolates and marks (they reorder what the reader sees), lone surrogates and the noncharacters
# XML forbids (the title goes into the PDF's XMP metadata). Tab and line feed are kept in notes only.
_HIDDEN_CHARS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff"
)
_HIDDEN = re.compile(f"[{_HIDDEN_CHARS}]")
_HIDDEN_ONE_LINE = re.compile(f"[\t\n{_HIDDEN_CHARS}]")

LIMIT_LINE = 2_000  # characters of a one-line value (titles, URLs, summaries) printed at most
LIMIT_TEXT = 20_000  # characters of a note printed at most
MARKS_MAX = 200  # hidden characters marked in one value at most: past them, the value is cut short
LIST_MAX = 20  # items of a list (dialogs, failures, pop-ups) printed at most


def write_report(
    exhibit: Exhibit,
    out: Path,
    *,
    case_title: str | None,
    bundle_created: str,
    checkpoint: Mapping[str, Any],
    screenshot: Path | None,
) -> None:
    """Write the exhibit's report to ``out`` as PDF/A-3b.

    ``checkpoint`` holds ``tree_size``, ``root`` (hex), ``origin`` and ``verifier_key`` of the checkpoint the
    bundle's proofs lead to; ``screenshot`` is the screenshot file in the archive (None: not shown)."""
    created = _pdf_date(bundle_created)
    shot = load_screenshot(screenshot) if screenshot is not None else None
    document = render_html(
        exhibit, case_title=case_title, bundle_created=created, checkpoint=checkpoint, screenshot=shot
    )
    out.write_bytes(html_to_pdfa(document))


# -- PDF ---------------------------------------------------------------------------------------------------


def html_to_pdfa(document: str) -> bytes:
    """Lay out ``document`` and return it as PDF/A-3b bytes.

    Only ``file:`` (the fonts) and ``data:`` (the screenshot strips) URLs are fetched; nothing from the
    network, whatever the document says."""
    try:
        import weasyprint  # type: ignore[import-untyped]
    except OSError as exc:  # WeasyPrint loads Pango, HarfBuzz and fontconfig when imported
        raise VestigeError(
            f"reports cannot be written: a system library WeasyPrint needs is missing ({exc})",
            hint="apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core",
        ) from exc

    fonts = FONT_DIR.as_uri() + "/"

    class LocalOnly(weasyprint.URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
            if url.startswith("file:") and not url.startswith(fonts):
                raise ValueError(f"the report may not read {url}")
            return super().fetch(url, headers)

    fetcher = LocalOnly(allowed_protocols={"file", "data"}, fail_on_errors=True)
    return bytes(weasyprint.HTML(string=document, url_fetcher=fetcher).write_pdf(pdf_variant="pdf/a-3b"))


def _pdf_date(value: str) -> str:
    """``bundle_created`` as the PDF's creation date: UTC, whole seconds (Info and XMP must agree)."""
    return parse_utc(value, "bundle creation time").strftime("%Y-%m-%dT%H:%M:%SZ")


def _font_faces() -> str:
    rules = []
    for family, weight, name in _FONT_FACES:
        path = FONT_DIR / name
        if not path.is_file():
            raise VestigeError(
                f"reports cannot be written: font {path} is missing", hint="apt-get install fonts-dejavu-core"
            )
        rules.append(
            f"@font-face {{ font-family: {family}; font-weight: {weight}; src: url({path.as_uri()}); }}"
        )
    return "\n".join(rules)


# -- text --------------------------------------------------------------------------------------------------


def _text(value: object, *, limit: int = LIMIT_LINE, multiline: bool = False) -> str:
    """A value from the archive as safe HTML: escaped, hidden characters marked, shortened past ``limit``
    characters or ``MARKS_MAX`` marks."""
    if value is None or value == "":
        return '<span class="none">not recorded</span>'
    text = str(value).replace("\r\n", "\n") if multiline else str(value)
    hidden = _HIDDEN if multiline else _HIDDEN_ONE_LINE
    printable = _printable()
    parts, start, marks, end = [], 0, 0, min(len(text), limit)
    for i in range(end):
        char = text[i]
        if hidden.match(char) or (ord(char) not in printable and char not in "\t\n"):
            if marks == MARKS_MAX:
                end = i
                break
            parts.append(html.escape(text[start:i]))
            parts.append(f'<span class="mark">U+{ord(char):04X}</span>')
            start, marks = i + 1, marks + 1
    parts.append(html.escape(text[start:end]))
    if end < len(text):
        parts.append(f' <span class="cut">[… {len(text) - end:,} more characters not printed]</span>')
    return "".join(parts)


@functools.cache
def _printable() -> frozenset[int]:
    """The characters DejaVu Sans has a glyph for. Any other is printed as a mark: PDF/A forbids the
    .notdef glyph (ISO 19005-2 6.2.11.8), and no system font then changes what the report looks like."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    font = TTFont(FONT_DIR / _FONT_FACES[0][2], lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def _plain(value: str, limit: int) -> str:
    """A value for the PDF's metadata (title): one line, hidden characters as ``[U+XXXX]``."""
    text = _HIDDEN.sub(lambda m: f"[U+{ord(m.group()):04X}]", " ".join(value.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mono(value: object) -> str:
    """Digests and keys: monospace, wrapped anywhere, never shortened."""
    return f'<span class="mono">{_text(value, limit=100_000)}</span>'


def _url(value: object) -> str:
    """A URL: monospace, shortened as any text is."""
    return f'<span class="mono">{_text(value)}</span>'


def _joined(*parts: str | None) -> str:
    """The parts of one value, those given, one after another; the "not given" mark when none is."""
    return " · ".join(p for p in parts if p) or _text(None)


def _row(label: str, value_html: str) -> str:
    return f"<tr><th>{_text(label)}</th><td>{value_html}</td></tr>"


def _number(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else _text(value)


def _table(rows: Iterable[str], css: str = "kv") -> str:
    return f'<table class="{css}"><tbody>{"".join(rows)}</tbody></table>'


def _list(items: Sequence[str], *, empty: str = "none") -> str:
    """Pre-rendered HTML items as lines, at most ``LIST_MAX`` of them, with a count of the rest."""
    if not items:
        return f'<span class="none">{html.escape(empty)}</span>'
    lines = "<br>".join(items[:LIST_MAX])
    if len(items) > LIST_MAX:
        lines += f'<br><span class="cut">[… {len(items) - LIST_MAX:,} more not printed]</span>'
    return lines


def _as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


# -- the document ------------------------------------------------------------------------------------------


def render_html(
    exhibit: Exhibit,
    *,
    case_title: str | None,
    bundle_created: str,
    checkpoint: Mapping[str, Any],
    screenshot: Screenshot | None,
) -> str:
    """The report as an HTML document for :func:`html_to_pdfa` (``bundle_created``: UTC, whole seconds)."""
    faces = _font_faces()  # first: it checks the fonts are there
    title = f"Exhibit {exhibit.exhibit_id}" + (f": {exhibit.title}" if exhibit.title else "")
    capture = exhibit.kind == "capture"
    sections = [
        _header(exhibit, case_title, bundle_created),
        _section("Exhibit", _exhibit_rows(exhibit, case_title)),
    ]
    if capture:
        sections.append(_section("TLS connection to the final URL's host", _tls(exhibit)))
    if exhibit.versions:
        versions = [_row(name, _text(version)) for name, version in exhibit.versions.items()]
        sections.append(_section("Software used", _table(versions)))
    if exhibit.post is not None:
        sections.append(_section("Post as read by the platform profile (post artifact)", _post(exhibit.post)))
    sections.append(_section("Artifacts and their digests", _artifacts(exhibit.artifacts)))
    if exhibit.provenance is not None:
        sections.append(_section("Capture record (provenance.json)", _provenance(exhibit.provenance)))
    sections += [
        _section("Custody events for this exhibit", _custody(exhibit.custody)),
        _section("Trusted time-stamps", _timestamps(exhibit)),
        _section("Checkpoint the bundle's proofs lead to", _checkpoint(checkpoint)),
        _section("Notes and tags", _notes(exhibit)),
        _section("How to check this exhibit", _how_to_check()),
    ]
    if screenshot is not None:
        sections.append(_screenshot(screenshot, exhibit.artifact("screenshot")))
    elif capture:
        sections.append(_section("Screenshot", '<p class="none">No screenshot is shown in this report.</p>'))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(_plain(title, 300))}</title>
<meta name="generator" content="Vestige {html.escape(__version__)}">
<meta name="dcterms.created" content="{html.escape(bundle_created)}">
<meta name="dcterms.modified" content="{html.escape(bundle_created)}">
<style>{faces}
{_CSS}</style></head>
<body>{"".join(sections)}</body></html>"""


_CSS = """
@page {
  size: A4; margin: 20mm 15mm 20mm 15mm;
  @top-left { content: "Vestige exhibit report"; font: 7pt VestigeSans; color: #444; }
  @top-right { content: "Exhibit " string(exhibit); font: 7pt VestigeSans; color: #444; }
  @bottom-left { content: "Exhibit " string(exhibit); font: 7pt VestigeSans; color: #444; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 7pt VestigeSans; color: #444; }
}
html { font-family: VestigeSans; font-size: 9pt; line-height: 1.3; color: #000; }
/* PDF/A forbids image interpolation (ISO 19005-2 6.2.8): no smoothing of the screenshot. */
img { image-rendering: crisp-edges; }
h1 { font-size: 16pt; margin: 0 0 1mm; string-set: exhibit content(); overflow-wrap: anywhere; }
h2 { font-size: 11pt; margin: 5mm 0 1.5mm; padding-bottom: 0.5mm; border-bottom: 0.5pt solid #777;
     break-after: avoid; }
p { margin: 0 0 1.5mm; }
p.kicker { font-size: 8pt; color: #444; }
p.title { font-size: 12pt; font-weight: bold; overflow-wrap: anywhere; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; }
th, td { text-align: left; vertical-align: top; padding: 0.8mm 1.5mm; border: 0.4pt solid #aaa;
         overflow-wrap: anywhere; font-weight: normal; }
table.kv th { width: 27%; background: #eee; font-weight: bold; }
table.grid thead th { background: #eee; font-weight: bold; }
thead { display: table-header-group; }
tr.sub td { border-top: none; }
.digests { width: 62%; }
tbody.keep, tr.keep { break-inside: avoid; }
.mono { font-family: VestigeMono, VestigeSans; font-size: 7pt; word-break: break-all; }
.label { font-size: 7pt; color: #444; }
.mark { font-family: VestigeMono, VestigeSans; font-size: 6.5pt; color: #b00; border: 0.4pt solid #b00; }
.none { color: #555; }
.cut, .warn { color: #b00; }
.pre { white-space: pre-wrap; }
section.shots { break-before: page; }
img.shot { display: block; max-width: 100%; height: auto; }
p.caption { font-size: 7pt; color: #444; margin: 1mm 0 0.5mm; break-after: avoid; }
"""


def _section(heading: str, body: str) -> str:
    return f"<section><h2>{html.escape(heading)}</h2>{body}</section>"


def _header(exhibit: Exhibit, case_title: str | None, bundle_created: str) -> str:
    case = _text(exhibit.case) + (f" — {_text(case_title)}" if case_title else "")
    return (
        '<p class="kicker">Exhibit report · Vestige evidence bundle created '
        f"{html.escape(bundle_created)}</p>"
        f"<h1>{_text(exhibit.exhibit_id, limit=200)}</h1>"
        f'<p class="title">{_text(exhibit.title) if exhibit.title else "(untitled)"}</p>'
        f"<p>Case {case}</p>"
    )


_KINDS = {"capture": "web capture", "file": "file added to the archive"}


def _exhibit_rows(exhibit: Exhibit, case_title: str | None) -> str:
    capture = exhibit.kind == "capture"
    state = _text(exhibit.state)
    if exhibit.state in ("partial", "failed"):
        state = f'<span class="warn">{state}</span>'
    if exhibit.reason:
        state += f": {_text(exhibit.reason)}"
    rows = [
        _row("Exhibit ID", _text(exhibit.exhibit_id)),
        _row("Archive item ID", _text(exhibit.item_id)),
        _row("Case", _text(exhibit.case) + (f" — {_text(case_title)}" if case_title else "")),
        _row("Kind", _KINDS.get(exhibit.kind) or _text(exhibit.kind)),
        _row("Title", _text(exhibit.title)),
    ]
    if capture or exhibit.url:
        final = exhibit.final_url
        same = final is not None and final == exhibit.url
        rows += [
            _row("URL", _url(exhibit.url)),
            _row("Final URL", "same as the URL" if same else _url(final)),
        ]
    if exhibit.platform:
        rows.append(_row("Platform", _text(exhibit.platform)))
    if exhibit.author:
        rows.append(_row("Author (as shown by the platform)", _text(exhibit.author)))
    if capture:
        rows += [
            _row("Capture started (UTC)", _text(exhibit.started)),
            _row("Capture ended (UTC)", _text(exhibit.ended)),
        ]
    elif exhibit.started:
        rows.append(_row("Added (UTC)", _text(exhibit.started)))
    rows += [_row("Operator", _text(exhibit.operator)), _row("State", state)]
    if capture:
        rows.append(_row("HTTP status", _text(exhibit.http_status)))
    if isinstance(exhibit.entry_index, int) and exhibit.entry_index >= 0:
        rows.append(_row("Ledger entry committing the artifacts", f"#{_number(exhibit.entry_index)}"))
    return _table(rows)


def _tls(exhibit: Exhibit) -> str:
    tls = exhibit.tls
    if not tls:
        return (
            '<p class="none">No TLS session with the final URL\'s host was recorded '
            "(plain HTTP, or the connection failed).</p>"
        )
    validation = _as_dict(tls.get("validation"))
    if validation.get("valid") is True:
        result = "valid: the chain leads to a trusted root for this host name at capture time"
    elif validation:
        result = f'<span class="warn">not valid</span>: {_text(validation.get("error"))}'
    else:
        result = _text(None)
    address = tls.get("address")
    rows = [
        _row("Host (SNI)", _text(tls.get("host"))),
        _row(
            "Server address",
            _text(":".join(str(a) for a in address) if isinstance(address, list) else address),
        ),
        _row("Protocol", _text(tls.get("tls_version") or tls.get("protocol"))),
        _row("Cipher suite", _text(tls.get("cipher"))),
        _row("ALPN", _text(tls.get("alpn"))),
        *_certificate_rows(_as_list(tls.get("chain_pem"))),
        _row("Validation by the recorder", result),
        _row("Validated path", _list([_text(s) for s in _as_list(validation.get("path"))])),
    ]
    return _table(rows)


def _certificate_rows(chain_pem: list[Any]) -> list[str]:
    pems = [p for p in chain_pem if isinstance(p, str)]
    if not pems:
        return [_row("Server certificate", _text(None))]
    try:
        cert = x509.load_pem_x509_certificate(pems[0].encode("utf-8", "replace"))
        subject, issuer = cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
    except ValueError as exc:
        return [_row("Server certificate", f'<span class="warn">could not be parsed</span>: {_text(exc)}')]
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [_text(n) for n in san.get_values_for_type(x509.DNSName)]
    except (x509.ExtensionNotFound, ValueError):
        names = []
    when = "%Y-%m-%d %H:%M:%S UTC"
    return [
        _row("Certificate subject", _text(subject)),
        _row("Certificate issuer", _text(issuer)),
        _row("Valid from", cert.not_valid_before_utc.strftime(when)),
        _row("Valid until", cert.not_valid_after_utc.strftime(when)),
        _row("Serial number", _mono(f"{cert.serial_number:x}")),
        _row("Certificate SHA-256", _mono(cert.fingerprint(hashes.SHA256()).hex())),
        _row("DNS names", _list(names)),
        _row("Chain length", f"{len(pems)} certificate{'s' if len(pems) != 1 else ''} presented"),
    ]


def _artifacts(artifacts: Sequence[ExhibitArtifact]) -> str:
    if not artifacts:
        return '<p class="none">This exhibit has no artifacts.</p>'
    rows = []
    for a in artifacts:
        where = _text(a.bundle_path) + (f" (member {_text(a.member)})" if a.member else "")
        rows.append(
            f'<tr class="keep"><td><b>{_text(a.role)}</b>: {_text(a.name)}<br>'
            f'<span class="label">{_text(a.media_type)}, {_number(a.size)} bytes</span><br>'
            f'<span class="label">{where}</span></td>'
            f'<td class="digests"><span class="label">SHA-256</span><br>{_mono(a.sha256)}<br>'
            f'<span class="label">BLAKE3</span><br>{_mono(a.blake3)}</td></tr>'
        )
    head = "<thead><tr><th>Artifact</th><th class='digests'>Digests of its bytes</th></tr></thead>"
    return f'<table class="grid">{head}<tbody>{"".join(rows)}</tbody></table>'


def _provenance(prov: Mapping[str, Any]) -> str:
    failed = _as_list(prov.get("failed_exchanges"))
    dialogs = _as_list(prov.get("dialogs"))
    popups = _as_list(prov.get("popups"))
    count = prov.get("exchanges_count")
    if not isinstance(count, int):
        count = len(_as_list(prov.get("exchanges")))
    public_ip = _as_dict(prov.get("public_ip"))
    if not prov.get("public_ip"):
        ip = '<span class="none">not requested</span>'
    elif public_ip.get("address"):
        ip = f"{_text(public_ip.get('address'))} (asked {_text(public_ip.get('resolver'))})"
    else:
        ip = f'<span class="warn">unknown</span>: {_text(public_ip.get("error"))}'
    upstream = _as_dict(prov.get("upstream_proxy"))
    if upstream:
        proxy = f"{_text(upstream.get('url'))} ({_text(upstream.get('kind'))})"
        if upstream.get("note"):
            proxy += f"<br>{_text(upstream.get('note'))}"
    else:
        proxy = "none: direct connection from the capture host"
    viewport = _as_dict(prov.get("viewport"))
    rows = [
        _row("HTTP exchanges recorded", f"{count:,}"),
        _row(
            f"Failed exchanges ({len(failed):,})",
            _list(
                [
                    f"{_text(_as_dict(f).get('stage'))} {_text(_as_dict(f).get('target'))}: "
                    f"{_text(_as_dict(f).get('error'))}"
                    for f in failed
                ]
            ),
        ),
        _row("Requests unfinished at the end", f"{len(_as_list(prov.get('unfinished'))):,}"),
        _row("Limits reached", _list([_text(x) for x in _as_list(prov.get("limits_hit"))])),
        _row(
            f"Dialogs dismissed ({len(dialogs):,})",
            _list(
                [f"{_text(_as_dict(d).get('type'))}: {_text(_as_dict(d).get('message'))}" for d in dialogs]
            ),
        ),
        _row(f"Pop-ups closed ({len(popups):,})", _list([_text(_as_dict(p).get("url")) for p in popups])),
        _row("Public IP address", ip),
        _row("Upstream proxy", proxy),
        _row("Browser user agent", _text(prov.get("user_agent"))),
        _row(
            "Viewport",
            f"{_text(viewport.get('width'))} × {_text(viewport.get('height'))} CSS px"
            if viewport
            else _text(None),
        ),
        _row("Clock", _text(prov.get("clock_source"))),
    ]
    return _table(rows)


_STATES = {
    "post": "the post",
    "channel": "a channel or profile listing",
    "login_wall": "a login wall instead of the post",
    "deleted": "a notice that the post was deleted",
    "age_gate": "an age gate instead of the post",
    "rate_limited": "a rate-limit notice instead of the post",
    "geo_blocked": "a notice that the post is blocked in this country",
    "not_found": "a page without the post",
    "unknown": "a page whose kind the profile could not tell",
}


def _post(post: Mapping[str, Any]) -> str:
    """The whole post record: what the page showed, field by field, as the profile read it."""
    state = post.get("page_state")
    shown = _text(_STATES.get(str(state)) or state)
    if state not in ("post", "channel"):
        shown = f'<span class="warn">{shown}</span>'
    rows = [
        _row("Platform", _text(post.get("platform"))),
        _row("The page showed", shown),
        _row("Post ID", _text(post.get("post_id"))),
        _row("Canonical URL", _url(post.get("canonical_url"))),
        _row("Author", _author(_as_dict(post.get("author")))),
        _row("Posted at (UTC)", _when(post.get("posted_at"), post.get("posted_at_raw"))),
    ]
    edited = post.get("edited")
    if edited is not None or post.get("edited_at"):
        when = _when(post.get("edited_at"), post.get("edited_at_raw")) if post.get("edited_at") else ""
        rows.append(_row("Edited", ("yes" if edited else "no") + (f": {when}" if when else "")))
    if post.get("language"):
        rows.append(_row("Language", _text(post.get("language"))))
    if post.get("place"):
        rows.append(_row("Place", _place(_as_dict(post.get("place")))))
    if post.get("title"):
        rows.append(_row("Title", _text(post.get("title"))))
    rows += [
        _row("Text", f'<span class="pre">{_text(post.get("text"), limit=LIMIT_TEXT, multiline=True)}</span>'),
        _row("Links in the text", _list([_text(x) for x in _as_list(post.get("links"))])),
        _row("Media", _list([_media(_as_dict(m)) for m in _as_list(post.get("media"))])),
        _row("Counts as shown", _counts(_as_dict(post.get("counts")), _as_dict(post.get("counts_raw")))),
    ]
    refs = (("reply_to", "Reply to"), ("quote_of", "Quotes"), ("forwarded_from", "Forwarded from"))
    for key, label in refs:
        if post.get(key):
            rows.append(_row(label, _ref(_as_dict(post.get(key)))))
    for key, label in (("replies", "Replies recorded"), ("messages", "Messages listed")):
        items = [_as_dict(r) for r in _as_list(post.get(key))]
        if items:
            rows.append(_row(f"{label} ({len(items):,})", _list([_brief(r) for r in items])))
    rows.append(_row("Not read from the page", _list([_text(x) for x in _as_list(post.get("unreadable"))])))
    return _table(rows)


def _author(author: Mapping[str, Any]) -> str:
    name, handle, id_, url = (author.get(k) for k in ("display_name", "handle", "id", "profile_url"))
    return _joined(
        _text(name) if name else None,
        _text(handle) if handle else None,
        f"id {_text(id_)}" if id_ else None,
        _url(url) if url else None,
    )


def _when(utc: object, raw: object) -> str:
    return _text(utc) + (_shown(raw) if raw and raw != utc else "")


def _shown(raw: object) -> str:
    """The raw value as the page showed it, after the value read from it."""
    return f' <span class="label">(shown as “{_text(raw, limit=200)}”)</span>'


def _media(m: Mapping[str, Any]) -> str:
    size = f"{m['width']}×{m['height']}" if m.get("width") and m.get("height") else ""
    duration = m.get("duration_s")
    extra = [x for x in (size, f"{duration:g} s" if isinstance(duration, int | float) else "") if x]
    url = _url(m.get("url")) if m.get("url") else "no file offered"
    return f"{_text(m.get('type'))}{' (' + ', '.join(extra) + ')' if extra else ''}: {url}"


def _counts(counts: Mapping[str, Any], raw: Mapping[str, Any]) -> str:
    lines = []
    for name in dict.fromkeys([*counts, *raw]):
        value = counts.get(name)
        number = _number(value) if isinstance(value, int) else '<span class="none">unreadable</span>'
        lines.append(f"{_text(name)}: {number}{_shown(raw[name]) if name in raw else ''}")
    return _list(lines)


def _place(place: Mapping[str, Any]) -> str:
    name, country, id_, url = (place.get(k) for k in ("name", "country", "id", "url"))
    return _joined(
        _text(name) if name else None,
        f"posted from country {_text(country)} (as the platform records it)" if country else None,
        f"place ID {_text(id_)}" if id_ else None,
        _url(url) if url else None,
    )


def _ref(ref: Mapping[str, Any]) -> str:
    name, url, text = (ref.get(k) for k in ("name", "url", "text"))
    return _joined(
        _text(name) if name else None,
        _url(url) if url else None,
        f"“{_text(text, limit=500)}”" if text else None,
    )


def _brief(post: Mapping[str, Any]) -> str:
    """One reply or listed message: who, when, its ID and the start of its text."""
    author = _as_dict(post.get("author"))
    who = author.get("display_name") or author.get("handle")
    head = " · ".join(
        x for x in (_text(who) if who else "", _text(post.get("posted_at")) if post.get("posted_at") else "",
                    f"#{_text(post.get('post_id'))}" if post.get("post_id") else "") if x
    )  # fmt: skip
    return f"{head}: {_text(post.get('text'), limit=300)}" if head else _text(post.get("text"), limit=300)


def _custody(events: Sequence[CustodyEvent]) -> str:
    if not events:
        return '<p class="none">No custody events are disclosed for this exhibit.</p>'
    rows = []
    for e in events:
        rows.append(
            f'<tbody class="keep"><tr><td>{_number(e.index)}</td><td>{_mono(e.time)}</td>'
            f"<td>{_mono(e.event)}</td><td>{_text(e.actor)}</td><td>{_text(e.summary)}</td></tr>"
            '<tr class="sub"><td></td><td colspan="4">'
            f'<span class="label">leaf hash</span> {_mono(e.leaf_hash)}'
            f'<br><span class="label">actor key</span> {_mono(e.actor_key)}</td></tr></tbody>'
        )
    head = (
        '<thead><tr><th style="width:6%">#</th><th style="width:24%">Time (UTC)</th>'
        '<th style="width:19%">Event</th><th style="width:14%">Actor</th><th>Summary</th></tr></thead>'
    )
    intro = (
        "<p>Entries of the append-only ledger (custody/entries.jsonl) that concern this exhibit. "
        "The leaf hash is SHA-256(0x00 || entry line) per RFC 9162.</p>"
    )
    return f'{intro}<table class="grid">{head}{"".join(rows)}</table>'


def _timestamps(exhibit: Exhibit) -> str:
    if not exhibit.timestamps:
        return "<p><b>Pending.</b> No RFC 3161 time-stamp token covers this exhibit's ledger entries yet.</p>"
    rows = []
    for t in exhibit.timestamps:
        when = _mono(t.gen_time) if t.gen_time else "<b>pending</b>"
        rows.append(
            f"<tr><td>{_text(t.tsa)}</td><td>{when}</td><td>{_number(t.tree_size)}</td><td>{_text(t.token_path)}</td></tr>"
        )
    head = (
        "<thead><tr><th>Time-stamping authority</th><th>genTime (UTC)</th>"
        "<th style='width:14%'>Tree size</th><th>Token in the bundle</th></tr></thead>"
    )
    return f'<table class="grid">{head}<tbody>{"".join(rows)}</tbody></table>'


def _checkpoint(checkpoint: Mapping[str, Any]) -> str:
    size = checkpoint.get("tree_size")
    rows = [
        _row("Log origin", _text(checkpoint.get("origin"))),
        _row("Tree size", f"{size:,} entries" if isinstance(size, int) else _text(size)),
        _row("Root hash", _mono(checkpoint.get("root"))),
        _row("Operator's verifier key", _mono(checkpoint.get("verifier_key"))),
        _row("Signed checkpoint", "custody/checkpoint.txt"),
    ]
    intro = (
        "<p>The custody events above are included in the ledger this signed checkpoint commits to; "
        "custody/proofs.json holds the inclusion proofs.</p>"
    )
    return intro + _table(rows)


def _notes(exhibit: Exhibit) -> str:
    notes = "".join(f'<p class="pre">{_text(n, limit=LIMIT_TEXT, multiline=True)}</p>' for n in exhibit.notes)
    tags = ", ".join(_text(t, limit=200) for t in exhibit.tags)
    return _table(
        [
            _row("Notes", notes or '<span class="none">none</span>'),
            _row("Tags", tags or '<span class="none">none</span>'),
        ]
    )


def _how_to_check() -> str:
    return (
        "<p>In the bundle's directory, <span class='mono'>python3 -S verify.py</span> checks every file, "
        "signature and proof offline (exit status 0: intact). The digests above can also be compared with "
        "the lines of SHA256SUMS and B3SUMS (<span class='mono'>sha256sum -c SHA256SUMS</span>, "
        "<span class='mono'>b3sum -c B3SUMS</span>).</p>"
    )


def _screenshot(shot: Screenshot, artifact: ExhibitArtifact | None) -> str:
    where = f"the native file {_text(artifact.bundle_path)}" if artifact else "the native screenshot file"
    parts = ['<section class="shots"><h2>Screenshot</h2>']
    if shot.width:
        scale = "" if shot.shown_width == shot.width else f", scaled to {shot.shown_width:,} px wide"
        parts.append(
            f"<p>{shot.width:,} × {shot.height:,} pixels{scale}. The screenshot is the evidence; "
            f"this is a print of {where}.</p>"
        )
    if shot.note:
        parts.append(f'<p class="warn">{_text(shot.note)} The whole image is {where}.</p>')
    for strip in shot.strips:
        data = base64.b64encode(strip.png).decode()
        parts.append(
            f'<p class="caption">Pixel rows {strip.first_row:,} to {strip.end_row - 1:,} '
            f"of {shot.height:,}</p>"
            f'<img class="shot" src="data:image/png;base64,{data}" alt="">'
        )
    parts.append("</section>")
    return "".join(parts)


# -- screenshot --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreenshotStrip:
    png: bytes  # RGB, at most one page tall
    first_row: int  # source pixel rows [first_row, end_row)
    end_row: int


@dataclass(frozen=True)
class Screenshot:
    strips: tuple[ScreenshotStrip, ...]
    width: int  # of the source image (0: unreadable)
    height: int
    shown_width: int  # of the strips
    note: str | None = None  # why all or part of it is not shown


class _Unsupported(Exception):
    """Not an 8-bit, non-interlaced PNG: decode it whole, if it is small enough."""


class _RowSource(Protocol):
    width: int
    height: int

    def band(self, rows: int) -> Image.Image | None: ...


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel (8 bits each)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


class PngRows:
    """An 8-bit, non-interlaced PNG read a band of rows at a time: memory follows the band, not the image.

    PNG filters refer only to the row above (ISO/IEC 15948 s9.2), so a band decodes on its own as a small
    PNG once the last row of the previous band is put in front of it, unfiltered (filter type 0)."""

    def __init__(self, fp: BinaryIO) -> None:
        self._fp = fp
        if fp.read(8) != _PNG_SIGNATURE:
            raise _Unsupported("not a PNG file")
        length, kind = self._chunk_head()
        if kind != b"IHDR" or length != 13:
            raise _Unsupported("no IHDR chunk")
        ihdr = fp.read(13)
        fp.read(4)
        self.width, self.height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", ihdr)
        if depth != 8 or colour not in _PNG_CHANNELS or interlace != 0:
            raise _Unsupported(f"PNG of depth {depth}, colour type {colour}, interlace {interlace}")
        if not (0 < self.width <= SHOT_MAX_SOURCE_WIDTH and self.height > 0):
            raise _Unsupported(f"PNG of {self.width} × {self.height} pixels")
        self._ihdr_rest = ihdr[8:]
        self._row_bytes = 1 + self.width * _PNG_CHANNELS[colour]  # filter type byte + samples
        self._palette = b""  # PLTE and tRNS, repeated in every band
        while True:
            length, kind = self._chunk_head()
            if kind == b"IDAT":
                break
            if kind in (b"IEND", b""):
                raise _Unsupported("PNG without image data")
            if kind in (b"PLTE", b"tRNS") and length <= 1024:
                self._palette += _png_chunk(kind, fp.read(length))
                fp.read(4)
            else:
                fp.seek(length + 4, io.SEEK_CUR)
        self._idat_left = length
        self._inflate = zlib.decompressobj()
        self._above: bytes | None = None  # the last row read, unfiltered
        self.rows_read = 0

    def _chunk_head(self) -> tuple[int, bytes]:
        head = self._fp.read(8)
        if len(head) < 8:
            return 0, b""
        length, kind = struct.unpack(">I4s", head)
        return int(length), bytes(kind)

    def _compressed(self) -> bytes:
        """The next piece of the zlib stream, across consecutive IDAT chunks (b"" at the end)."""
        while self._idat_left == 0:
            self._fp.read(4)  # CRC of the previous IDAT
            length, kind = self._chunk_head()
            if kind != b"IDAT":
                return b""
            self._idat_left = length
        data = self._fp.read(min(self._idat_left, 1 << 16))
        if not data:
            return b""
        self._idat_left -= len(data)
        return data

    def _filtered(self, size: int) -> bytes:
        out = bytearray()
        while len(out) < size and not self._inflate.eof:
            data = self._inflate.unconsumed_tail or self._compressed()
            if not data:
                break
            out += self._inflate.decompress(data, size - len(out))
        return bytes(out)

    def band(self, rows: int) -> Image.Image | None:
        """The next ``rows`` rows (fewer at the end), or None when none are left (or the file ends early)."""
        rows = min(rows, self.height - self.rows_read)
        data = self._filtered(rows * self._row_bytes) if rows > 0 else b""
        rows = len(data) // self._row_bytes
        if rows == 0:
            return None
        data = data[: rows * self._row_bytes]
        if self._above is not None:
            data = b"\x00" + self._above + data
        count = rows + (self._above is not None)
        png = b"".join(
            (
                _PNG_SIGNATURE,
                _png_chunk(b"IHDR", struct.pack(">II", self.width, count) + self._ihdr_rest),
                self._palette,
                _png_chunk(b"IDAT", zlib.compress(data, 1)),
                _png_chunk(b"IEND", b""),
            )
        )
        image: Image.Image = Image.open(io.BytesIO(png))
        image.load()
        if self._above is not None:
            image = image.crop((0, 1, self.width, count))
        # Raw 8-bit samples in PNG order (RGB, RGBA, L, LA, palette index), as PNG filters expect.
        self._above = image.crop((0, rows - 1, self.width, rows)).tobytes()
        self.rows_read += rows
        return image


class _ImageRows:
    """An image already decoded (formats other than 8-bit PNG), served in bands like :class:`PngRows`."""

    def __init__(self, image: Image.Image) -> None:
        self._image = image
        self.width, self.height = image.size
        self.rows_read = 0

    def band(self, rows: int) -> Image.Image | None:
        end = min(self.height, self.rows_read + rows)
        if end <= self.rows_read:
            return None
        band = self._image.crop((0, self.rows_read, self.width, end))
        self.rows_read = end
        return band


def _rgb(image: Image.Image) -> Image.Image:
    """Flatten onto white: the report's images carry no transparency."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image if image.mode == "RGB" else image.convert("RGB")


def load_screenshot(path: Path) -> Screenshot:
    """Cut the screenshot into page-sized RGB strips, decoding at most a band of rows at a time.

    Never raises for a bad image: the report says it could not be shown, and why."""
    try:
        with path.open("rb") as fp:
            try:
                source: _RowSource = PngRows(fp)
            except _Unsupported:
                fp.seek(0)
                with Image.open(fp, formats=["PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"]) as image:
                    width, height = image.size
                    if width * height > SHOT_MAX_OTHER_PIXELS or width > SHOT_MAX_SOURCE_WIDTH:
                        return Screenshot((), width, height, 0, "The screenshot is too large to print here.")
                    image.load()
                    return _strips(_ImageRows(_rgb(image)))
            return _strips(source)
    except (OSError, ValueError, SyntaxError, struct.error, zlib.error, Image.DecompressionBombError) as exc:
        return Screenshot((), 0, 0, 0, f"The screenshot could not be read ({type(exc).__name__}: {exc}).")


def _strips(source: _RowSource) -> Screenshot:
    width, height = source.width, source.height
    shown = min(width, SHOT_MAX_WIDTH)
    scale = shown / width
    strip_rows = max(1, round(max(shown, SHOT_DISPLAY_WIDTH) * SHOT_STRIP_ASPECT))  # rows of the output
    rows = min(height, SHOT_MAX_DECODE_PIXELS // width, math.ceil(SHOT_MAX_PAGES * strip_rows / scale))
    out_rows = max(1, round(rows * scale))
    band_rows = max(1, SHOT_BAND_PIXELS // width)
    strips: list[ScreenshotStrip] = []
    note = None
    read = 0
    for top in range(0, out_rows, strip_rows):
        bottom = min(top + strip_rows, out_rows)
        end = rows if bottom == out_rows else round(bottom / scale)
        canvas = Image.new("RGB", (shown, bottom - top), "white")
        first, y = read, 0
        while read < end:
            band = source.band(min(band_rows, end - read))
            if band is None:
                break
            read += band.height
            y_end = bottom - top if read >= end else min(bottom - top, round(read * scale) - top)
            if y_end > y:
                piece = _rgb(band)
                if piece.size != (shown, y_end - y):
                    piece = piece.resize((shown, y_end - y), Image.Resampling.LANCZOS)
                canvas.paste(piece, (0, y))
            y = y_end
        if y == 0:
            break
        if y < canvas.height:
            canvas = canvas.crop((0, 0, shown, y))
        buf = io.BytesIO()
        canvas.save(buf, "PNG", compress_level=1)  # WeasyPrint decodes and compresses it again
        strips.append(ScreenshotStrip(buf.getvalue(), first, read))
        if read < end:
            break
    if read < rows:
        note = f"The screenshot file ends after {read:,} of its {height:,} pixel rows; only those are shown."
    elif rows < height:
        note = f"Only the top {rows:,} of the {height:,} pixel rows are printed here."
    return Screenshot(tuple(strips), width, height, shown, note)
