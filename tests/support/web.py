"""A local test web: HTTP and HTTPS origins on 127.0.0.1 with a test CA, serving pages that exercise
capture (gzip scripts, images, late fetches, lazy content, redirects, large and truncated bodies).

Documented routes (all servers):
  /             HTML page: gzip and brotli scripts, CSS with a web font, images (one with srcset), an iframe,
                a video, a late fetch() 600 ms after load, lazy content far down (any other query, such as
                ?n=K, is ignored)
  /?late=0      the same page without its late fetch (no /late.json; ?late=0&n=K too)
  /ip           answers 203.0.113.7, like a what-is-my-IP service
  /clip.webm    a real 1.5 s VP8 video the page embeds and plays (tests/assets/media/clip.webm; saved whole
                as a media artifact)
  /app.js       gzip-encoded script (Content-Encoding: gzip is kept in the WARC)   /app.br.js  brotli
  /img.png      a small PNG          /late.json   JSON fetched late       /lazy.png  loaded on scroll
  /redirect     302 to /             /big.bin?n=N  N bytes, chunked      /doc.pdf   a non-HTML document
  /loop         redirects to itself  /endless      HTML that never ends  /hostile   dialogs and a pop-up
  /attachment   Content-Disposition: attachment
  /changes?at=MS  a page that changes its text MS ms after load, with no request
  /slow?ms=MS   a page whose image (/img.png?wait=MS) is answered MS ms late: it loads for MS ms or more
  /media-tamper a page whose script makes the media query return what no page should (objects, long URLs)
  anything else: 404
Every response carries ``X-MiXeD-CaSe: kept`` to check header case is recorded as sent.
"""

from __future__ import annotations

import datetime as dt
import gzip
import http.server
import ipaddress
import ssl
import struct
import threading
import time
import urllib.parse
import zlib
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import brotli  # mitmproxy depends on it
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PAGE_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>Evidence page</title>
<script src="/app.js"></script><script src="/app.br.js"></script>
<link rel="stylesheet" href="/style.css"></head>
<body><h1>Evidence page</h1>
<p>Visible text für the record: Свідок W-12.</p>
<img src="/img.png" width="32" height="32" alt="red square">
<img srcset="/img-1x.png 1x, /img-2x.png 2x" src="/img-1x.png" width="16" height="16" alt="srcset">
<iframe src="/frame.html" width="200" height="60"></iframe>
<video src="/clip.webm" muted preload="metadata" width="160" height="90"></video>
<p id="late">waiting</p>
<div style="height: 3000px">spacer</div>
<img src="/lazy.png" loading="lazy" width="16" height="16" alt="lazy">
<p>bottom of the page</p>
LATE_FETCH</body></html>
"""
LATE_FETCH = """<script>
setTimeout(() => fetch('/late.json').then(r => r.json())
  .then(j => { document.getElementById('late').textContent = j.msg; }), 600);
</script>
"""
PAGE = PAGE_HTML.replace("LATE_FETCH", LATE_FETCH).encode()
PAGE_QUIET = PAGE_HTML.replace("LATE_FETCH", "").encode()  # /?late=0: no late fetch, all else the same

HOSTILE = b"""<!doctype html><html><head><title>Hostile page</title></head><body>
<p>dialogs and pop-ups</p>
<script>
alert("you have been warned");
confirm("really?");
window.open("/img.png", "_blank");
window.addEventListener("beforeunload", e => { e.preventDefault(); e.returnValue = "stay"; });
</script></body></html>"""

SLOW = b"""<!doctype html><html><head><title>Slow page</title></head>
<body><p>loads slowly</p>
<img src="/img.png?wait=WAIT_MS" width="16" height="16" alt="late image"></body></html>"""

# The capture asks the page which media files it uses; the page answers with objects and an endless URL.
MEDIA_TAMPER = b"""<!doctype html><html><head><title>Media query tampered</title></head>
<body><video src="/clip.webm" muted preload="none" width="160" height="90"></video><script>
const own = document.querySelectorAll.bind(document);
document.querySelectorAll = (s) => s.includes("source") ? [
  {currentSrc: {toString: () => "http://127.0.0.1:9/object"}},
  {currentSrc: "http://127.0.0.1:9/" + "x".repeat(100000)},
  {currentSrc: ["http://127.0.0.1:9/in-an-array"]},
] : own(s);
</script></body></html>"""

FRAME = b"<!doctype html><html><body><p id=framed>inside the iframe</p></body></html>"
STYLE = (
    b"@font-face { font-family: Fixture; src: url(/font.woff2) format('woff2'); }\n"
    b"h1 { font-family: Fixture, sans-serif; }\n"
)
CLIP = (Path(__file__).parents[1] / "assets" / "media" / "clip.webm").read_bytes()  # playable; see its README
APP_BR = brotli.compress(b"window.brotliRan = true;\n" * 40)
APP_JS = gzip.compress(b"document.title += ' (js ran)';\n" * 40, mtime=0)


def _png(w: int = 16, h: int = 16, rgb: bytes = b"\xff\x00\x00") -> bytes:
    raw = b"".join(b"\x00" + rgb * w for _ in range(h))

    def chunk(t: bytes, d: bytes) -> bytes:
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )


IMG = _png()
LAZY = _png(rgb=b"\x00\x00\xff")
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _ms(query: str, name: str) -> int:
    """A whole number of milliseconds from the query (0 if it has none)."""
    return int(urllib.parse.parse_qs(query).get(name, ["0"])[0])


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "VestigeFixture/1.0"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, code: int, ctype: str, body: bytes, extra: tuple[tuple[str, str], ...] = ()) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-MiXeD-CaSe", "kept")
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        if path == "/":
            page = PAGE_QUIET if "late=0" in query.split("&") else PAGE
            self._send(200, "text/html; charset=utf-8", page, (("Set-Cookie", "session=fixture"),))
        elif path == "/app.js":
            self._send(200, "application/javascript", APP_JS, (("Content-Encoding", "gzip"),))
        elif path == "/app.br.js":
            if "br" in self.headers.get("Accept-Encoding", ""):  # browsers offer br on HTTPS only
                self._send(200, "application/javascript", APP_BR, (("Content-Encoding", "br"),))
            else:
                self._send(200, "application/javascript", brotli.decompress(APP_BR))
        elif path == "/style.css":
            self._send(200, "text/css", STYLE)
        elif path == "/font.woff2":
            self._send(200, "font/woff2", b"wOF2" + bytes(60))
        elif path == "/ip":
            self._send(200, "text/plain", b"203.0.113.7\n")
        elif path == "/clip.webm":
            self._send(200, "video/webm", CLIP, (("Accept-Ranges", "none"),))
        elif path == "/frame.html":
            self._send(200, "text/html; charset=utf-8", FRAME)
        elif path in ("/img-1x.png", "/img-2x.png") or path == "/img.png":
            if wait := _ms(query, "wait"):
                time.sleep(min(wait, 10_000) / 1000)
            self._send(200, "image/png", IMG)
        elif path == "/slow":
            page = SLOW.replace(b"WAIT_MS", str(_ms(query, "ms")).encode())
            self._send(200, "text/html; charset=utf-8", page)
        elif path == "/media-tamper":
            self._send(200, "text/html; charset=utf-8", MEDIA_TAMPER)
        elif path == "/lazy.png":
            self._send(200, "image/png", LAZY)
        elif path == "/late.json":
            self._send(200, "application/json", b'{"msg": "late content arrived"}')
        elif path == "/redirect":
            self._send(302, "text/plain", b"moved", (("Location", "/"),))
        elif path == "/doc.pdf":
            self._send(200, "application/pdf", PDF)
        elif path == "/loop":
            self._send(302, "text/plain", b"again", (("Location", "/loop"),))
        elif path == "/hostile":
            self._send(200, "text/html; charset=utf-8", HOSTILE)
        elif path == "/attachment":
            self._send(
                200, "text/csv", b"a,b\n1,2\n", (("Content-Disposition", 'attachment; filename="x.csv"'),)
            )
        elif path == "/endless":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                self.wfile.write(b"f\r\n<html><body><p>\r\n")
                for _ in range(600):  # bounded: at most two minutes
                    line = b"<p>still streaming</p>\n"
                    self.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")
                    self.wfile.flush()
                    time.sleep(0.2)
            except (BrokenPipeError, ConnectionResetError):
                return
        elif path == "/changes":
            at = int(query.removeprefix("at=") or "0")
            self._send(200, "text/html; charset=utf-8", CHANGES.replace(b"AT_MS", str(at).encode()))
        elif path == "/big.bin":
            n = int(query.removeprefix("n=") or "1000000")
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            block = b"x" * 65536
            sent = 0
            try:
                while sent < n:
                    part = block[: min(len(block), n - sent)]
                    self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                    sent += len(part)
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                return
        else:
            self._send(404, "text/plain", b"not found")


@dataclass(frozen=True)
class FixturePki:
    ca_pem: Path
    cert_pem: Path
    key_pem: Path
    rogue_cert_pem: Path  # self-signed, not issued by the test CA
    rogue_key_pem: Path


# What a page shows can change without a request: a timer edits the DOM after load.
CHANGES = b"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Changes by itself</title></head>
<body><p id="state">as loaded</p><script>
addEventListener("load", () => setTimeout(() => {
  document.getElementById("state").textContent = "changed by a timer"; }, AT_MS));
</script></body></html>"""


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca(cn: str, days: int = 365) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A self-signed test CA (P-256)."""
    now = dt.datetime.now(dt.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def issue_server_cert(
    issuer_key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    cn: str,
    sans: list[x509.GeneralName],
    days: int = 90,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A TLS server certificate for ``sans``, signed by ``issuer_key``."""
    now = dt.datetime.now(dt.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
        .sign(issuer_key, hashes.SHA256())
    )
    return cert, key


def write_pem(path: Path, item: x509.Certificate | ec.EllipticCurvePrivateKey) -> Path:
    """A certificate, or a private key (PKCS#8, unencrypted), as a PEM file."""
    pem = serialization.Encoding.PEM
    if isinstance(item, x509.Certificate):
        path.write_bytes(item.public_bytes(pem))
    else:
        path.write_bytes(
            item.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
    return path


def make_test_pki(directory: Path) -> FixturePki:
    directory.mkdir(parents=True, exist_ok=True)
    ca, ca_key = make_ca("Vestige Test CA")
    sans: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.DNSName("evidence.test"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    cert, key = issue_server_cert(ca_key, ca.subject, "evidence.test", sans)
    rogue_key = ec.generate_private_key(ec.SECP256R1())
    rogue, rogue_leaf_key = issue_server_cert(rogue_key, _name("Rogue issuer"), "evidence.test", sans)
    return FixturePki(
        ca_pem=write_pem(directory / "ca.pem", ca),
        cert_pem=write_pem(directory / "server.pem", cert),
        key_pem=write_pem(directory / "server.key", key),
        rogue_cert_pem=write_pem(directory / "rogue.pem", rogue),
        rogue_key_pem=write_pem(directory / "rogue.key", rogue_leaf_key),
    )


ACCEPT_POLL_S = 1.0


def local_server(
    handler: type[http.server.BaseHTTPRequestHandler], cert: Path | None = None, key: Path | None = None
) -> http.server.ThreadingHTTPServer:
    """A threading HTTP server on 127.0.0.1 (HTTPS with ``cert`` and ``key``) whose accept loop cannot hang.

    A browser drops speculative connections at any moment. With a blocking listening socket, one dropped
    between the server's ``select`` and its ``accept`` blocks ``accept`` (and so ``shutdown``) for ever; with
    TLS, ``accept`` would also wait for the client's handshake. So ``accept`` polls (a timeout is an
    ``OSError`` the serve loop passes over) and the handshake happens in the request's own thread."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    if cert is not None and key is not None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    server.socket.settimeout(ACCEPT_POLL_S)
    return server


class FixtureWeb:
    """Context manager: one origin on 127.0.0.1 (HTTP, or HTTPS with the given certificate)."""

    def __init__(self, cert: Path | None = None, key: Path | None = None) -> None:
        self.server = local_server(_Handler, cert, key)
        self.scheme = "https" if cert is not None and key is not None else "http"
        self.port = self.server.server_address[1]
        self.url = f"{self.scheme}://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FixtureWeb:
        self.thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.server.shutdown()
        self.server.server_close()
