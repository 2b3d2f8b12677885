"""``vestige replay``: captures packed as one WACZ and replayed by ReplayWeb.page on 127.0.0.1.

The WACZ is built with ``build_wacz`` from the captures' WARCs, each checked against its recorded SHA-256
as it is stored, in a work directory under the archive's tmp/ that goes when the server stops. The server
answers only these paths, under a token that is random per run:

    /<token>/               the page holding ReplayWeb.page's <replay-web-page> element
    /<token>/ui.js          ReplayWeb.page's UI (also as replay/ui.js, which its app page asks for)
    /<token>/replay/sw.js   its service worker (scope /<token>/replay/); it reads the WACZ by range requests
    /<token>/<name>.wacz    the WACZ

The token keeps other users of the machine from reading the evidence off the port, and the Host check
turns away pages that reach 127.0.0.1 through DNS rebinding. http://127.0.0.1 is a secure context, which
service workers require.
"""

from __future__ import annotations

import errno
import html
import re
import secrets
import socketserver
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection

from .. import __version__
from ..archive import Archive
from ..custody.ledger import LedgerReader
from ..errors import CustodyViolation, InputError
from ..exports.wacz import Page, WaczInfo, build_wacz
from ..store import catalog
from ..store.blobs import digest_file
from ..store.catalog import ArtifactView, ItemView
from .replaywebpage import ReplayWebPage

HOST = "127.0.0.1"
CHUNK = 1 << 20
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class PortInUse(InputError):
    kind = "port-in-use"


@dataclass(frozen=True)
class ReplayCapture:
    """A capture to replay: its exhibit, its WARC, and the page to start at."""

    item: ItemView
    warc: ArtifactView
    url: str
    ts: str  # RFC 3339, when the capture started

    @property
    def member(self) -> str:
        """The WARC's name inside the WACZ: the exhibit ID, unique across the captures replayed."""
        return self.item.id + (".warc" if (self.warc.name or "").endswith(".warc") else ".warc.gz")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.item.id,
            "case": self.item.case,
            "state": self.item.state,
            "url": self.url,
            "captured_at": self.ts,
            "title": self.item.title,
        }


def captures_to_replay(conn: Connection, names: Sequence[str]) -> list[ReplayCapture]:
    """The captures named: each name an exhibit ID, or a case ID standing for all its captures."""
    chosen: dict[str, ReplayCapture] = {}
    reader = LedgerReader(conn)
    for name in names:
        try:
            items = [catalog.get_item(conn, name)]
            whole_case = False
        except InputError:
            if not catalog.CASE_ID.match(name) or not catalog.case_exists(conn, name):
                raise InputError(
                    f"no item or case {name!r} in this archive", hint="see: vestige list"
                ) from None
            items = catalog.list_items(conn, name)
            whole_case = True
        found = [c for c in (_as_capture(reader, item) for item in items) if c is not None]
        if not found:
            if whole_case:
                raise InputError(f"case {name} has no web captures to replay")
            kind = "an added file" if items[0].kind == "file" else f"a {items[0].kind} exhibit"
            raise InputError(
                f"{name} is {kind}, not a web capture: it has no WARC to replay",
                hint=f"open it with: vestige open {name}",
            )
        for capture in found:
            chosen.setdefault(capture.item.id, capture)
    return list(chosen.values())


def _as_capture(reader: LedgerReader, item: ItemView) -> ReplayCapture | None:
    warc = next((a for a in item.artifacts if a.role == "warc"), None)
    if warc is None:
        return None
    entry = reader.entry(item.entry_index)
    details: dict[str, Any] = dict(entry.data.get("details") or {}) if entry else {}
    if isinstance(details.get("original"), dict):  # an imported capture: what its sender recorded
        details.update({k: v for k, v in details["original"].items() if v is not None})
    url = details.get("final_url") or details.get("url") or item.source or ""
    ts = details.get("started") or item.created_at
    return ReplayCapture(item, warc, str(url), str(ts))


def build_replay_wacz(archive: Archive, captures: Sequence[ReplayCapture], out: Path) -> WaczInfo:
    """Pack the captures' WARCs as one WACZ at ``out``; every WARC must match its recorded digest."""
    for c in captures:
        if not (archive.root / c.warc.blob_path).is_file():
            raise CustodyViolation(
                f"{c.item.id}: the stored WARC is missing from the archive", hint="run: vestige verify"
            )
    try:
        info = build_wacz(
            out,
            [(c.member, archive.root / c.warc.blob_path) for c in captures],
            [Page(id=c.item.id, url=c.url, ts=c.ts, title=c.item.title) for c in captures],
            title=f"Vestige replay: {', '.join(c.item.id for c in captures)}"[:300],
            description="Built for `vestige replay`; not evidence itself (see `vestige export` for that).",
            created=archive.clock(),
            software=f"Vestige {__version__}",
            signing_key=None,
        )
    except InputError:  # a WARC that cannot be indexed: say so as a custody problem if it was changed
        for c in captures:
            if digest_file(archive.root / c.warc.blob_path).sha256 != c.warc.sha256:
                raise _changed(c) from None
        raise
    # The digests of what went into the WACZ, so a WARC changed after the check above is caught too.
    for c in captures:
        stored = info.member(f"archive/{c.member}")
        if (stored.sha256, stored.size) != (c.warc.sha256, c.warc.size):
            out.unlink(missing_ok=True)
            raise _changed(c)
    return info


def _changed(c: ReplayCapture) -> CustodyViolation:
    return CustodyViolation(
        f"{c.item.id}: the stored WARC does not match its recorded digest; not replayed",
        hint="run: vestige verify",
    )


# ReplayWeb.page's iframe must load under its service worker, or it gets this server's 404 instead of the
# app. The element registers the worker itself, but may make its iframe before the worker is active, so
# register it here first (the same script URL and scope, so it is one registration) and add the element
# only once the worker is active.
_START = """
(async () => {
  const waiting = document.getElementById("starting");
  if (!navigator.serviceWorker) {
    waiting.textContent = "This window cannot run service workers, which the replay needs "
      + "(a private window?): open this address in a normal window.";
    return;
  }
  try {
    const reg = await navigator.serviceWorker.register("replay/sw.js?serveIndex=1", {scope: "replay/"});
    const worker = reg.installing || reg.waiting || reg.active;
    while (worker.state !== "activated") {
      if (worker.state === "redundant") throw new Error("the service worker did not start");
      await new Promise((resolve) => worker.addEventListener("statechange", resolve, {once: true}));
    }
  } catch (err) {
    waiting.textContent = "The replay could not start: " + err;
    return;
  }
  waiting.replaceWith(document.getElementById("replay").content.cloneNode(true));
})();
"""


def replay_page(captures: Sequence[ReplayCapture], wacz_name: str) -> bytes:
    """The page holding ReplayWeb.page: one capture opens at its page, several at the list of pages."""
    attrs = {
        "source": wacz_name,
        "replayBase": "replay/",
        "embed": "full" if len(captures) > 1 else "default",
        "noCache": "",  # keep replayed responses out of the browser's storage
        # A page that opens a new window opens it here, not at https://replayweb.page/ (the default),
        # which would send it this replay's address.
        "deepLink": "",
    }
    if len(captures) == 1:
        attrs["url"] = captures[0].url
    element = " ".join(f'{k}="{html.escape(v, quote=True)}"' for k, v in attrs.items())
    shown = [c.item.id for c in captures[:5]]
    ids = ", ".join(shown) + (f" and {len(captures) - len(shown)} more" if len(captures) > len(shown) else "")
    cases = ", ".join(dict.fromkeys(c.item.case for c in captures))
    noun = "capture" if len(captures) == 1 else "captures"
    text = f"""<!doctype html>
<html><head><meta charset="utf-8">
<title>Vestige replay: {html.escape(ids)}</title>
<script src="ui.js"></script>
<style>
html, body {{ margin: 0; height: 100%; }}
body {{ display: flex; flex-direction: column; font: 14px system-ui, sans-serif; }}
header {{ padding: 6px 12px; background: #1d2b36; color: #fff; }}
#starting {{ padding: 12px; }}
replay-web-page {{ flex: 1; display: block; }}
</style></head>
<body>
<header>Vestige replay of {len(captures)} {noun} ({html.escape(ids)}; case {html.escape(cases)}),
served from the archive on this computer, not from the live web.</header>
<p id="starting">Starting the replay...</p>
<template id="replay"><replay-web-page {element}></replay-web-page></template>
<script>{_START}</script>
</body></html>
"""
    return text.encode("utf-8")


@dataclass(frozen=True)
class ReplaySite:
    token: str
    page: bytes
    wacz: Path
    assets: ReplayWebPage

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(18)


class ReplayServer(ThreadingHTTPServer):
    """Serves one ReplaySite on 127.0.0.1; ``port`` 0 takes any free port."""

    daemon_threads = True

    def __init__(self, port: int) -> None:
        self.site: ReplaySite | None = None
        try:
            super().__init__((HOST, port), _Handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(
                    f"port {port} on {HOST} is in use",
                    hint="choose another with --port, or leave --port out to take a free one",
                ) from None
            if exc.errno == errno.EACCES:
                raise InputError(
                    f"not allowed to listen on port {port}", hint="use a port above 1023"
                ) from None
            raise
        self.port = int(self.server_address[1])
        self.hosts = {f"{HOST}:{self.port}", f"localhost:{self.port}"}

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can wait seconds on a resolver; not needed.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, int(self.server_address[1])

    def url(self, site: ReplaySite) -> str:
        return f"http://{HOST}:{self.port}/{site.token}/"


class _Handler(BaseHTTPRequestHandler):
    server: ReplayServer
    protocol_version = "HTTP/1.1"
    server_version = "VestigeReplay"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, with_body: bool) -> None:
        site = self.server.site
        if self.headers.get("Host") not in self.server.hosts:
            self._status(403, with_body)  # a page that reached 127.0.0.1 by DNS rebinding
            return
        path = urlsplit(self.path).path
        prefix = f"/{site.token}/" if site else None
        if site is None or prefix is None or not path.startswith(prefix):
            self._status(404, with_body)
            return
        rest = path[len(prefix) :]
        if rest in ("", "index.html"):
            self._send_bytes(site.page, "text/html; charset=utf-8", with_body)
        elif rest in ("ui.js", "replay/ui.js"):  # the service worker's app page asks for ./ui.js
            self._send_file(site.assets.ui_js, "application/javascript", with_body)
        elif rest == "replay/sw.js":
            self._send_file(site.assets.sw_js, "application/javascript", with_body)
        elif rest == site.wacz.name:
            self._send_file(site.wacz, "application/wacz", with_body)
        else:
            self._status(404, with_body)

    def _headers(self, code: int, ctype: str, length: int, extra: dict[str, str] | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", "no-store")  # evidence stays out of the browser's HTTP cache
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()

    def _status(self, code: int, with_body: bool) -> None:
        body = f"{code} {self.responses.get(code, ('',))[0]}\n".encode()
        self._headers(code, "text/plain; charset=utf-8", len(body))
        if with_body:
            self.wfile.write(body)

    def _send_bytes(self, data: bytes, ctype: str, with_body: bool) -> None:
        self._headers(200, ctype, len(data))
        if with_body:
            self.wfile.write(data)

    def _send_file(self, path: Path, ctype: str, with_body: bool) -> None:
        """The file, or the one byte range asked for (RFC 9110 s14): the WACZ is read in ranges."""
        size = path.stat().st_size
        try:
            wanted = byte_range(self.headers.get("Range"), size)
        except RangeNotSatisfiable:
            self._headers(416, "text/plain", 0, {"Content-Range": f"bytes */{size}"})
            return
        start, end = wanted or (0, size - 1)
        length = max(0, end - start + 1)
        extra = {"Accept-Ranges": "bytes"}
        if wanted:
            extra["Content-Range"] = f"bytes {start}-{end}/{size}"
        self._headers(206 if wanted else 200, ctype, length, extra)
        if not with_body or length == 0:
            return
        try:
            with open(path, "rb") as fp:
                fp.seek(start)
                left = length
                while left > 0 and (chunk := fp.read(min(CHUNK, left))):
                    self.wfile.write(chunk)
                    left -= len(chunk)
        except (BrokenPipeError, ConnectionResetError):  # the browser had enough
            self.close_connection = True


class RangeNotSatisfiable(ValueError):
    pass


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """A single ``bytes=`` range as inclusive (start, end), or None for the whole file: no header, or one
    not understood, which RFC 9110 s14.2 lets a server ignore. Raises RangeNotSatisfiable past the end."""
    if not header:
        return None
    m = _RANGE.fullmatch(header.strip())
    if m is None or (not m.group(1) and not m.group(2)):
        return None
    if not m.group(1):  # the last N bytes
        n = int(m.group(2))
        if not n or not size:
            raise RangeNotSatisfiable(header)
        return max(0, size - n), size - 1
    start = int(m.group(1))
    end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
    if start >= size or end < start:
        raise RangeNotSatisfiable(header)
    return start, end
