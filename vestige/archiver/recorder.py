"""The recording proxy: mitmproxy, in-process, writing every exchange to WARC as it completes.

mitmproxy runs in its own thread with its own asyncio loop; the browser is driven from the caller's
thread. Every response body is streamed through a spool (memory, then disk), so a large file never sits
in memory and a body cut off mid-way is still kept, marked truncated. ``mitmproxy.ctx`` is global, so a
process runs one proxy; each capture records the traffic of a listener of its own.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import http
import io
import socket
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.verification import Store

from .redaction import Redaction
from .tls import validate_chain
from .warc import RawHttpHeaders, Sha256WARCWriter, header_block, tls_protocol, warc_date

SPOOL_IN_MEMORY = 1 << 20


@dataclass
class Limits:
    max_resource_bytes: int
    max_total_bytes: int


@dataclass
class RecorderState:
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    tls: dict[str, dict[str, Any]] = field(default_factory=dict)
    limits_hit: list[str] = field(default_factory=list)
    inflight: dict[str, str] = field(default_factory=dict)
    last_activity: float = field(default_factory=time.monotonic)
    recorded_bytes: int = 0


def _response_head(resp: Any) -> tuple[str, bytes, list[tuple[bytes, bytes]], bool]:
    """(protocol, status line, header fields, de-chunked?) of a response as the WARC records it.

    HTTP/2 is written in HTTP/1.1 form. mitmproxy hands over de-chunked bodies, so Transfer-Encoding is
    dropped to keep the block consistent (the provenance marks the exchange ``dechunked``)."""
    proto = "HTTP/1.1" if resp.http_version.startswith("HTTP/2") else resp.http_version
    reason: bytes = resp.data.reason or (
        http.HTTPStatus(resp.status_code).phrase.encode()
        if resp.status_code in http.HTTPStatus._value2member_map_
        else b""
    )
    status_line = f"{proto} {resp.status_code} ".encode() + reason
    fields = [(k, v) for k, v in resp.headers.fields if k.lower() != b"transfer-encoding"]
    return proto, status_line, fields, len(fields) != len(resp.headers.fields)


def _warc_digest(h: Any) -> str:
    """The ``sha256:<base32>`` form warcio writes and checks."""
    return "sha256:" + base64.b32encode(h.digest()).decode()


class _Spool:
    """``flow.response.stream`` callable: tee each chunk (still content-encoded) to a spool, pass it on."""

    def __init__(self, directory: Path, recorder: Recorder, url: str, head: bytes) -> None:
        self.kept_path: Path | None = None
        self.file: Any
        if url in recorder.keep_urls:  # a navigation hop: spool straight to a file that is kept
            self.kept_path = directory / f"kept-{uuid.uuid4().hex}"
            self.file = open(self.kept_path, "w+b")  # noqa: SIM115 - closed once its record is written
        else:
            self.file = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed once its record is written
                max_size=SPOOL_IN_MEMORY, dir=str(directory), prefix="body-"
            )
        self.recorder = recorder
        self.url = url
        # Digests computed as the body streams, so the record is written without reading it back.
        self.head = head
        self.block = hashlib.sha256(head)
        self.payload = hashlib.sha256()
        self.size = 0
        self.calls = 0
        self.truncated: str | None = None

    def __call__(self, data: bytes) -> bytes:
        self.calls += 1
        if data and self.truncated is None:
            limit = self.recorder.limits
            state = self.recorder.state
            if self.size + len(data) > limit.max_resource_bytes:
                self._cut(f"resource larger than {limit.max_resource_bytes} bytes: {self.url}")
            elif state.recorded_bytes + len(data) > limit.max_total_bytes:
                self._cut(f"capture larger than {limit.max_total_bytes} bytes")
            else:
                self.file.write(data)
                self.block.update(data)
                self.payload.update(data)
                self.size += len(data)
                state.recorded_bytes += len(data)
        return data

    def _cut(self, why: str) -> None:
        self.truncated = "length"
        self.recorder.state.limits_hit.append(why)


class Recorder:
    """mitmproxy addon: records exchanges, TLS sessions and failures."""

    def __init__(
        self,
        writer: Sha256WARCWriter,
        trust: Store,
        spool_dir: Path,
        limits: Limits,
        resolve: dict[str, tuple[str, int]] | None = None,
        redaction: Redaction | None = None,
    ) -> None:
        self.writer = writer
        self.trust = trust
        self.spool_dir = spool_dir
        self.limits = limits
        self.resolve = resolve or {}
        self.state = RecorderState()
        self.lock = threading.Lock()
        # Bodies to keep as files too: the navigation target and the hops it redirects to.
        self.keep_urls: set[str] = set()
        self.kept: dict[str, tuple[Path, str]] = {}  # url -> (file, media type)
        # A logged-in capture's credentials, written as the redaction marker, and how many there were.
        self.redaction = redaction

    # -- connections --------------------------------------------------------------------------------
    def server_connect(self, data: Any) -> None:
        host, port = data.server.address
        target = self.resolve.get(f"{host}:{port}") or self.resolve.get(host)
        if target is not None:  # tests serve real platform host names from 127.0.0.1
            data.server.address = (target[0], target[1] or port)

    def server_connect_error(self, data: Any) -> None:
        self._fail("connect", f"{data.server.address[0]}:{data.server.address[1]}", data.server.error)

    def tls_established_server(self, data: Any) -> None:
        conn = data.conn
        chain = [x509.load_pem_x509_certificate(c.to_pem()) for c in conn.certificate_list]
        hostname = conn.sni or conn.address[0]
        self.state.tls[conn.id] = {
            "host": hostname,
            "address": list(conn.peername) if conn.peername else None,
            "tls_version": conn.tls_version,
            "cipher": conn.cipher,
            "alpn": conn.alpn.decode() if conn.alpn else None,
            "chain_pem": [c.public_bytes(serialization.Encoding.PEM).decode() for c in chain],
            "chain_subjects": [c.subject.rfc4514_string() for c in chain],
            "validation": validate_chain(self.trust, chain, hostname, dt.datetime.now(dt.UTC)),
        }

    def tls_failed_server(self, data: Any) -> None:
        self._fail("tls", str(data.conn.sni or data.conn.address), data.conn.error)

    def http_connect_error(self, flow: Any) -> None:
        why = flow.error.msg if flow.error else None
        self._fail("connect", f"{flow.request.host}:{flow.request.port}", why)

    # -- HTTP ---------------------------------------------------------------------------------------
    def requestheaders(self, flow: Any) -> None:
        self.state.inflight[flow.id] = flow.request.pretty_url
        self.state.last_activity = time.monotonic()

    def responseheaders(self, flow: Any) -> None:
        _proto, status_line, fields, _ = _response_head(flow.response)
        if self.redaction is not None:
            fields = self.redaction.fields(fields, count=False)
        head = header_block(status_line, fields)
        flow.response.stream = _Spool(self.spool_dir, self, flow.request.pretty_url, head)

    def response(self, flow: Any) -> None:
        try:
            self._write_exchange(flow, None)
        except Exception as exc:  # a record that cannot be written is a failure, not a crash
            self._fail("record", flow.request.pretty_url, f"{type(exc).__name__}: {exc}")
        finally:
            self._done(flow)

    def error(self, flow: Any) -> None:
        self._fail("http", flow.request.pretty_url, flow.error.msg if flow.error else None)
        if flow.response is not None and not flow.metadata.get("vestige_written"):
            try:
                self._write_exchange(flow, "disconnect")
            except Exception as exc:
                self._fail("record", flow.request.pretty_url, f"{type(exc).__name__}: {exc}")
        self._done(flow)

    def _done(self, flow: Any) -> None:
        self.state.inflight.pop(flow.id, None)
        self.state.last_activity = time.monotonic()

    def _fail(self, stage: str, where: str, error: str | None) -> None:
        target, error = self.as_recorded(where), self.as_recorded(error) if error is not None else None
        self.state.failures.append(
            {"stage": stage, "target": target, "error": error, "time": warc_date(time.time())}
        )

    def as_recorded(self, url: str) -> str:
        """``url`` as the records show it: a logged-in capture's tokens redacted (``Redaction``)."""
        return self.redaction.url(url, count=False) if self.redaction is not None else url

    # -- WARC ---------------------------------------------------------------------------------------
    def _write_exchange(self, flow: Any, truncated: str | None) -> None:
        req, resp = flow.request, flow.response
        server_version: str = resp.http_version
        is_h2 = server_version.startswith("HTTP/2")
        # HTTP/2 is written in HTTP/1.1 form; its :authority becomes a Host header.
        redaction = self.redaction
        req_fields = list(req.headers.fields)
        url, path = req.pretty_url, req.path
        if redaction is not None:
            req_fields = redaction.fields(req_fields)
            url, path = redaction.url(url), redaction.url(path, count=False)
        req_h2 = req.http_version.startswith("HTTP/2")
        if req_h2 and not any(k.lower() == b"host" for k, _ in req_fields):
            req_fields.insert(0, (b"Host", (req.authority or req.host).encode()))
        req_proto = "HTTP/1.1" if req_h2 else req.http_version
        req_line = f"{req.method} {path} {req_proto}".encode("latin-1")
        req_body: bytes = req.raw_content or b""
        if redaction and req_body and req.headers.get("content-encoding", "identity") == "identity":
            req_body = redaction.body(req_body, req.headers.get("content-type", ""))

        proto, status_line, resp_fields, dechunked = _response_head(resp)
        if redaction is not None:
            resp_fields = redaction.fields(resp_fields)
        resp_head = header_block(status_line, resp_fields)
        digests: dict[str, str] = {}
        spool = resp.stream if isinstance(resp.stream, _Spool) else None
        body: io.BytesIO | Any
        if spool is not None and (spool.calls or resp.raw_content is None):
            spool.file.flush()
            spool.file.seek(0)
            body, length = spool.file, spool.size
            truncated = truncated or spool.truncated
            if spool.head == resp_head:
                digests = {
                    "WARC-Block-Digest": _warc_digest(spool.block),
                    "WARC-Payload-Digest": _warc_digest(spool.payload),
                }
        else:
            raw = resp.raw_content or b""
            body, length = io.BytesIO(raw), len(raw)

        common = {"WARC-Date": warc_date(req.timestamp_start)}
        if flow.server_conn.peername:
            common["WARC-IP-Address"] = flow.server_conn.peername[0]
        protocols = ["h2" if is_h2 else server_version.lower()]
        tls = tls_protocol(flow.server_conn.tls_version)
        if tls:
            protocols.append(tls)
        resp_headers = dict(common, **digests)
        if flow.server_conn.cipher:
            resp_headers["WARC-Cipher-Suite"] = flow.server_conn.cipher
        if truncated:
            resp_headers["WARC-Truncated"] = truncated
        w = self.writer
        with self.lock:
            resp_rec = w.create_warc_record(
                url,
                "response",
                payload=body,
                length=length,
                warc_headers_dict=resp_headers,
                http_headers=RawHttpHeaders(
                    resp_head,
                    status_line.decode("latin-1")[len(proto) + 1 :],
                    resp_fields,
                    proto,
                ),
            )
            req_headers = dict(common)
            req_headers["WARC-Concurrent-To"] = resp_rec.rec_headers.get_header("WARC-Record-ID")
            req_rec = w.create_warc_record(
                url,
                "request",
                payload=io.BytesIO(req_body),
                length=len(req_body),
                warc_headers_dict=req_headers,
                http_headers=RawHttpHeaders(
                    header_block(req_line, req_fields),
                    req_line.decode("latin-1"),
                    req_fields,
                    req_proto,
                    is_request=True,
                ),
            )
            for rec in (resp_rec, req_rec):
                for p in protocols:
                    rec.rec_headers.add_header("WARC-Protocol", p)
            w.write_record(resp_rec)
            w.write_record(req_rec)
        flow.metadata["vestige_written"] = True
        if req.pretty_url in self.keep_urls:
            self._keep(flow, body)
        if spool is not None:
            spool.file.close()
        tls_info = self.state.tls.get(flow.server_conn.id)
        self.state.exchanges.append(
            {
                "url": url,
                "method": req.method,
                "status": resp.status_code,
                "protocol": protocols[0],
                "bytes": length,
                "server_ip": common.get("WARC-IP-Address"),
                "tls_valid": tls_info["validation"]["valid"] if tls_info else None,
                "dechunked": dechunked,
                "truncated": truncated,
            }
        )

    def _keep(self, flow: Any, body: Any) -> None:
        """Keep the body of a navigation hop as a file; follow its redirect to the next hop."""
        resp = flow.response
        location = resp.headers.get("location")
        if 300 <= resp.status_code < 400 and location:
            from urllib.parse import urljoin

            self.keep_urls.add(urljoin(flow.request.pretty_url, location))
            return
        spool = resp.stream if isinstance(resp.stream, _Spool) else None
        if spool is not None and spool.kept_path is not None:
            path = spool.kept_path  # already on disk, written while it streamed
        else:
            body.seek(0)
            path = self.spool_dir / f"kept-{uuid.uuid4().hex}"
            with open(path, "wb") as out:
                while chunk := body.read(1 << 20):
                    out.write(chunk)
        media_type = resp.headers.get("content-type", "application/octet-stream").split(";")[0].strip()
        self.kept[flow.request.pretty_url] = (path, media_type)


# The hooks a Recorder implements, and how each finds the listener its client connected to.
_FLOW_HOOKS = ("http_connect_error", "requestheaders", "responseheaders", "response", "error")
_CONN_HOOKS = ("server_connect", "server_connect_error")
_TLS_HOOKS = ("tls_established_server", "tls_failed_server")


class _Router:
    """mitmproxy addon: hand each event to the Recorder of the listener its client connected to.

    Every capture gets its own listener (port), so captures sharing one proxy never see each other's
    traffic. Events from a listener no capture owns any more (late traffic of a closed context) are
    dropped."""

    def __init__(self) -> None:
        self.recorders: dict[int, Recorder] = {}

    def _for(self, sockname: Any) -> Recorder | None:
        return self.recorders.get(sockname[1]) if sockname else None

    def __getattr__(self, hook: str) -> Any:
        if hook in _FLOW_HOOKS:
            return lambda flow: self._call(self._for(flow.client_conn.sockname), hook, flow)
        if hook in _CONN_HOOKS:
            return lambda data: self._call(self._for(data.client.sockname), hook, data)
        if hook in _TLS_HOOKS:
            return lambda data: self._call(self._for(data.context.client.sockname), hook, data)
        raise AttributeError(hook)

    @staticmethod
    def _call(rec: Recorder | None, hook: str, arg: Any) -> None:
        if rec is not None:
            getattr(rec, hook)(arg)


def load_mitmproxy() -> None:
    """Import the parts of mitmproxy the recorder runs (a quarter of a second of CPU): a capture session
    does it in a thread of its own while the browser starts."""
    _register_addons_package()
    from mitmproxy import options  # noqa: F401
    from mitmproxy.addons import core, disable_h2c, next_layer, proxyserver, tlsconfig  # noqa: F401
    from mitmproxy.master import Master  # noqa: F401
    from mitmproxy.proxy.mode_specs import ProxyMode  # noqa: F401


def _register_addons_package() -> None:
    """Make ``mitmproxy.addons`` importable without running its ``__init__``.

    That ``__init__`` imports every addon mitmproxy ships, for ``default_addons()``: its web app (Flask),
    LDAP and htpasswd proxy authentication, flow filters, HAR export... 0.2 s of CPU at each start of
    ``vestige capture``, competing with the browser's start, for nothing the recorder runs. The package
    is registered as it is (same directory, same spec), without that list; the addons the recorder uses
    are imported from it by name, as any module of a package. Nothing in the recorder calls
    ``default_addons()``, the one thing the package itself defines."""
    import importlib.util
    import sys
    import types

    name = "mitmproxy.addons"
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)  # imports the ``mitmproxy`` package itself (small), not this one
    if spec is None or spec.submodule_search_locations is None:
        return  # not the mitmproxy this was written for: import it the ordinary way
    package = types.ModuleType(name)
    package.__spec__ = spec
    package.__file__ = spec.origin
    package.__path__ = list(spec.submodule_search_locations)
    package.__package__ = name
    sys.modules[name] = package
    import mitmproxy

    mitmproxy.addons = package


class RecordingProxy:
    """One mitmproxy Master in its own thread and event loop, shared by concurrent captures.

    ``mitmproxy.ctx`` is global, so a process runs one Master; each capture adds a listener of its own
    (its own upstream proxy too) and removes it when done."""

    def __init__(self, confdir: Path) -> None:
        self.confdir = confdir
        self.router = _Router()
        self.master: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.exc: BaseException | None = None
        self._ready = threading.Event()
        self._listeners: dict[int, Any] = {}  # port -> ProxyMode
        self.thread = threading.Thread(target=self._run, name="vestige-recorder", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:
            self.exc = exc
            self._ready.set()

    async def _main(self) -> None:
        load_mitmproxy()  # here, in the proxy's thread, if the caller did not already
        from mitmproxy import options
        from mitmproxy.addons import core, disable_h2c, next_layer, proxyserver, tlsconfig
        from mitmproxy.master import Master

        self.loop = asyncio.get_running_loop()
        self.loop.set_exception_handler(_quiet_cancellations)
        opts = options.Options()
        # A plain Master (DumpMaster's error check calls sys.exit()) with only the addons a recorder
        # needs: none that answers in the server's place (the onboarding app on mitm.it), rewrites
        # traffic or saves it.
        self.master = Master(opts)
        self.master.addons.add(
            core.Core(),
            proxyserver.Proxyserver(),  # type: ignore[no-untyped-call]
            next_layer.NextLayer(),
            tlsconfig.TlsConfig(),
            disable_h2c.DisableH2C(),
            self.router,
        )
        opts.update(  # type: ignore[no-untyped-call]  # after the addons registered their options
            listen_host="127.0.0.1",
            confdir=str(self.confdir),
            ssl_insecure=True,  # the recorder validates certificates itself and records the result
            mode=[],
            connection_strategy="eager",
        )
        self.loop.call_soon(self._ready.set)
        try:
            await self.master.run()
        finally:
            # Close the listeners: mitmproxy leaves them open when its master stops.
            await self._servers().update([])

    def _servers(self) -> Any:
        return self.master.addons.get("proxyserver").servers

    def start(self, timeout: float = 20) -> None:
        self.thread.start()
        if not self._ready.wait(timeout) or self.exc or self.loop is None:
            raise RuntimeError(f"the recording proxy did not start: {self.exc!r}")

    async def add_listener(self, recorder: Recorder, upstream: str | None) -> tuple[str, int]:
        """A new listener on 127.0.0.1 whose traffic ``recorder`` records; its address."""
        from mitmproxy.proxy.mode_specs import ProxyMode

        for _attempt in range(5):
            port = _free_port()
            mode = ProxyMode.parse(
                f"upstream:{upstream}@127.0.0.1:{port}" if upstream else f"regular@127.0.0.1:{port}"
            )
            self.router.recorders[port] = recorder
            self._listeners[port] = mode
            if await self._in_loop(self._servers().update(list(self._listeners.values()))):
                return ("127.0.0.1", port)
            del self.router.recorders[port], self._listeners[port]  # the port was taken meanwhile
        raise RuntimeError("the recording proxy could not open a listener")

    async def remove_listener(self, port: int) -> None:
        self._listeners.pop(port, None)
        await self._in_loop(self._servers().update(list(self._listeners.values())))
        self.router.recorders.pop(port, None)

    async def _in_loop(self, coro: Any) -> Any:
        assert self.loop is not None
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    def stop(self, timeout: float = 10) -> None:
        if self.master is not None and self.loop is not None and self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.master.shutdown)
        self.thread.join(timeout)


def _quiet_cancellations(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Client connections still open when their listener is removed end cancelled; that is expected
    and not worth a traceback on the user's terminal. Anything else goes to asyncio's default handler."""
    exc = context.get("exception")
    if isinstance(exc, asyncio.CancelledError):
        return
    loop.default_exception_handler(context)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
