"""Platform look-alikes under their real host names, for profile tests.

A test CA issues one certificate naming the platforms' hosts; an HTTPS server on 127.0.0.1 answers for
all of them from fixture files (chosen by the Host header and the path); a small CONNECT proxy routes
every tunnel to that server. A capture is pointed at the proxy with ``--proxy`` and trusts the CA with
``--ca-file``, so profile selection, SNI and certificate validation see the real host names.

``serve`` starts the three together; ``platform_capture`` makes an archive and case and runs captures
against them; ``artifact_path``, ``post_record`` and ``warc_responses`` read what a capture kept.
"""

from __future__ import annotations

import contextlib
import http.server
import importlib.util
import json
import re
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple

from cryptography import x509
from warcio.archiveiterator import ArchiveIterator

from tests.support.web import issue_server_cert, local_server, make_ca, write_pem

if TYPE_CHECKING:
    from tests.conftest import Cli, Result

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "platforms"

# The first name is the certificate's subject; every one is a subjectAltName (wildcards included).
HOSTS = (
    "t.me",
    "telegram.org",
    "cdn4.telesco.pe",
    "vk.com",
    "m.vk.com",
    "vk.ru",
    "vkvideo.ru",
    "*.userapi.com",
    "*.okcdn.ru",
    "x.com",
    "twitter.com",
    "mobile.twitter.com",
    "pbs.twimg.com",
    "video.twimg.com",
    "abs.twimg.com",
    "abs-0.twimg.com",
    "cdn.syndication.twimg.com",
    "www.facebook.com",
    "facebook.com",
    "m.facebook.com",
    "*.fbcdn.net",
    "*.xx.fbcdn.net",  # Facebook's real CDN names have two labels before fbcdn.net
    "*.fna.fbcdn.net",
    "www.instagram.com",
    "instagram.com",
    "*.cdninstagram.com",
    "www.tiktok.com",
    "tiktok.com",
    "vm.tiktok.com",
    "vt.tiktok.com",
    "*.tiktokcdn.com",
    "*.tiktokv.com",
    "www.youtube.com",
    "youtube.com",
    "m.youtube.com",
    "youtu.be",
    "i.ytimg.com",
    "yt3.ggpht.com",
    "*.googlevideo.com",
    "bsky.app",
    "public.api.bsky.app",
    "cdn.bsky.app",
    "video.bsky.app",
    "bsky.social",  # the PDS yt-dlp fetches a Bluesky video's original from
    "plc.directory",  # where yt-dlp resolves a Bluesky account's DID
    "mastodon.social",
    "files.mastodon.social",
    "social.example.org",  # a Mastodon instance under a name that says nothing of Mastodon
)


@dataclass(frozen=True)
class PlatformPki:
    ca_pem: Path
    cert_pem: Path
    key_pem: Path


def make_platform_pki(directory: Path, hosts: tuple[str, ...] = HOSTS) -> PlatformPki:
    directory.mkdir(parents=True, exist_ok=True)
    ca, ca_key = make_ca("Vestige Platform Test CA", days=30)
    leaf, key = issue_server_cert(ca_key, ca.subject, hosts[0], [x509.DNSName(h) for h in hosts], days=30)
    return PlatformPki(
        write_pem(directory / "ca.pem", ca),
        write_pem(directory / "cert.pem", leaf),
        write_pem(directory / "key.pem", key),
    )


# status, content type, body; optionally more response headers (name, value), e.g. Set-Cookie
Route = tuple[int, str, bytes] | tuple[int, str, bytes, list[tuple[str, str]]]
_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


@dataclass(frozen=True)
class Request:
    """What a route function is given: the request as the look-alike server received it."""

    method: str
    host: str
    path: str  # with its query
    headers: Mapping[str, str]  # names lower-cased
    body: bytes


# A route is a fixed answer, or a function of the request (API shapes that depend on the query or body,
# pages that answer differently to a logged-in session's cookie).
Answer = Route | Callable[[Request], Route]


@dataclass
class PlatformWeb:
    """HTTPS on 127.0.0.1 answering for every platform host from ``routes[(host, path)]``.

    The full path (with its query) is looked up first, then the path alone. A 3xx answer's body is its
    Location. GET, HEAD and POST are served; a GET with a ``Range: bytes=A-B`` header on a 200 answer gets
    a 206 with that slice (media downloaders fetch in ranges). ``requests`` lists (host, path) as asked;
    ``seen`` every ``Request`` in full.
    """

    pki: PlatformPki
    routes: Mapping[tuple[str, str], Answer]
    requests: list[tuple[str, str]] = field(default_factory=list)
    seen: list[Request] = field(default_factory=list)
    port: int = 0

    def __enter__(self) -> PlatformWeb:
        web = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._answer(head=False)

            def do_HEAD(self) -> None:
                self._answer(head=True)

            def do_POST(self) -> None:
                self._answer(head=False)

            def _answer(self, head: bool) -> None:
                host = (self.headers.get("Host") or "").split(":")[0]
                length = int(self.headers.get("Content-Length") or 0)
                body_in = self.rfile.read(length) if length else b""
                request = Request(
                    self.command, host, self.path, {k.lower(): v for k, v in self.headers.items()}, body_in
                )
                web.requests.append((host, self.path))
                web.seen.append(request)
                route = web.routes.get((host, self.path)) or web.routes.get((host, self.path.split("?")[0]))
                if callable(route):
                    route = route(request)
                status, ctype, body, *more = route or (404, "text/plain", b"not found")
                headers: list[tuple[str, str]] = list(more[0]) if more else []
                extra: dict[str, str] = {}
                if 300 <= status < 400:  # a redirect: the body is where to
                    extra["Location"] = body.decode()
                    body = b""
                elif status == 200 and not head and (m := _RANGE.match(self.headers.get("Range") or "")):
                    first = int(m[1])
                    last = min(int(m[2]) if m[2] else len(body) - 1, len(body) - 1)
                    if first < len(body):
                        extra["Content-Range"] = f"bytes {first}-{last}/{len(body)}"
                        status, body = 206, body[first : last + 1]
                if status in (200, 206):
                    extra["Accept-Ranges"] = "bytes"
                self.send_response(status)
                for name, value in [*extra.items(), *headers]:
                    self.send_header(name, value)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

        self.server = local_server(Handler, self.pki.cert_pem, self.pki.key_pem)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class RoutingProxy:
    """An HTTP CONNECT proxy that tunnels every host:port to one local server (``target``)."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.tunnels: list[str] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> RoutingProxy:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self.sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            method, target, _ = line.split(" ", 2)
            if method != "CONNECT":
                client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            self.tunnels.append(target)
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:  # the site is gone (a browser's late connection as a test ends): as a proxy says
                client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            with upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                rest = head.split(b"\r\n\r\n", 1)[1]
                if rest:
                    upstream.sendall(rest)
                _pipe(client, upstream)


def _pipe(a: socket.socket, b: socket.socket) -> None:
    def one_way(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

    t = threading.Thread(target=one_way, args=(b, a), daemon=True)
    t.start()
    one_way(a, b)
    t.join(30)


class LookAlike(NamedTuple):
    """A running look-alike web: its server, the proxy that reaches it, and the certificates it serves."""

    web: PlatformWeb
    proxy: RoutingProxy
    pki: PlatformPki

    @property
    def ca(self) -> Path:
        return self.pki.ca_pem


@contextlib.contextmanager
def serve(
    routes: Mapping[tuple[str, str], Answer], directory: Path, hosts: tuple[str, ...] = HOSTS
) -> Iterator[LookAlike]:
    """Serve ``routes`` under ``hosts``' real names, with a CA and certificate made in ``directory``."""
    pki = make_platform_pki(directory, hosts)
    with PlatformWeb(pki, routes) as web, RoutingProxy(web.port) as proxy:
        yield LookAlike(web, proxy, pki)


def load_site(platform: str) -> ModuleType:
    """A look-alike written as a module, ``tests/assets/platforms/<platform>/site.py``."""
    spec = importlib.util.spec_from_file_location(f"{platform}_site", ASSETS / platform / "site.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class PlatformCapture:
    """``vestige capture URL`` through a look-alike's proxy, trusting its CA, into ``case``, as JSON.

    ``fixed`` are options every capture gets; a call adds its own after them.
    """

    def __init__(self, vestige: Cli, look_alike: LookAlike, case: str, *fixed: str) -> None:
        self.vestige = vestige
        self.options = ("--case", case, "--proxy", look_alike.proxy.url, "--ca-file", str(look_alike.ca))
        self.fixed = fixed

    def result(self, url: str, *more: str) -> Result:
        return self.vestige("capture", url, *self.options, "--json", *self.fixed, *more)

    def __call__(self, url: str, *more: str) -> tuple[int, dict[str, Any]]:
        """The exit code and the first row of the JSON."""
        res = self.result(url, *more)
        return res.exit_code, res.json()[0]


def platform_capture(
    vestige: Cli, look_alike: LookAlike, case: str, *fixed: str, operator: str = "OSINT Analyst"
) -> PlatformCapture:
    """A new archive with the case ``case`` in it, and captures into it through ``look_alike``."""
    assert vestige("init", "--operator", operator).exit_code == 0
    assert vestige("case", "create", case).exit_code == 0
    return PlatformCapture(vestige, look_alike, case, *fixed)


def artifact_paths(row: dict[str, Any], role: str) -> list[Path]:
    """Every artifact of ``role`` in a capture's JSON row."""
    return [Path(a["path"]) for a in row["artifacts"] if a["role"] == role]


def artifact_path(row: dict[str, Any], role: str) -> Path:
    """The (first) artifact of ``role``."""
    return artifact_paths(row, role)[0]


def artifact_json(row: dict[str, Any], role: str) -> dict[str, Any]:
    """A JSON artifact (``post``, ``provenance``), parsed."""
    return json.loads(artifact_path(row, role).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def post_record(row: dict[str, Any]) -> dict[str, Any]:
    """The post record the platform profile read."""
    return artifact_json(row, "post")


def warc_records(row: dict[str, Any], rec_type: str) -> list[tuple[str, bytes]]:
    """(target URI, payload) of every record of ``rec_type`` in the capture's WARC, in order."""
    with open(artifact_path(row, "warc"), "rb") as fp:
        return [
            (r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
            for r in ArchiveIterator(fp)
            if r.rec_type == rec_type
        ]


def warc_responses(row: dict[str, Any]) -> dict[str, list[bytes]]:
    """Target URI -> the body of every response to it, in the order recorded (a URI fetched twice has two)."""
    found: dict[str, list[bytes]] = {}
    for uri, body in warc_records(row, "response"):
        found.setdefault(uri, []).append(body)
    return found
