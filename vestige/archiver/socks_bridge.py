"""A local HTTP-proxy front for a SOCKS5 upstream (mitmproxy chains only to HTTP proxies).

The recorder sends its upstream traffic here; each connection is carried through the SOCKS5 proxy with
python-socks, host names resolved by the proxy (as Tor needs). HTTPS arrives as CONNECT and is tunnelled
untouched. Plain HTTP arrives in absolute form: it is rewritten to origin form with ``Connection: close``
(one request per connection, so each goes to its own host), which the provenance records.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any
from urllib.parse import urlsplit

from python_socks.async_.asyncio import Proxy

HEAD_LIMIT = 64 << 10
HTTP_REWRITE_NOTE = "plain-HTTP requests through SOCKS5 carry 'Connection: close' added by Vestige"


class SocksBridge:
    def __init__(self, socks_url: str, timeout: float = 30) -> None:
        self.socks_url = socks_url
        self.timeout = timeout
        self.loop = asyncio.new_event_loop()
        self.server: asyncio.base_events.Server | None = None
        self.address: tuple[str, int] | None = None
        self.failures: list[dict[str, Any]] = []
        self._thread = threading.Thread(target=self.loop.run_forever, name="vestige-socks", daemon=True)

    def start(self) -> tuple[str, int]:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._listen(), self.loop)
        self.address = fut.result(10)
        return self.address

    async def _listen(self) -> tuple[str, int]:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        host, port = self.server.sockets[0].getsockname()[:2]
        return str(host), int(port)

    def stop(self) -> None:
        async def close() -> None:
            if self.server is not None:
                self.server.close()
                await self.server.wait_closed()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.timeout)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError):
            writer.close()
            return
        line, _, rest = head.partition(b"\r\n")
        parts = line.split(b" ")
        if len(parts) != 3:
            await self._refuse(writer, b"400 Bad Request")
            return
        method, target, version = parts
        if method == b"CONNECT":
            host, _, port_s = target.decode("latin-1").rpartition(":")
            forward = b""
        else:
            url = urlsplit(target.decode("latin-1"))
            host, port_s = url.hostname or "", str(url.port or 80)
            path = (url.path or "/") + (f"?{url.query}" if url.query else "")
            headers = [
                h
                for h in rest.split(b"\r\n")
                if h and not h.lower().startswith((b"connection:", b"proxy-connection:"))
            ]
            forward = b"\r\n".join(
                [
                    method + b" " + path.encode("latin-1") + b" " + version,
                    *headers,
                    b"Connection: close",
                    b"",
                    b"",
                ]
            )
        try:
            proxy = Proxy.from_url(self.socks_url, rdns=True)
            sock = await proxy.connect(dest_host=host, dest_port=int(port_s), timeout=self.timeout)
            up_reader, up_writer = await asyncio.open_connection(sock=sock)
        except Exception as exc:  # any SOCKS or network failure becomes a 502 for the recorder to log
            self.failures.append({"target": f"{host}:{port_s}", "error": f"SOCKS5: {exc}"})
            await self._refuse(writer, b"502 Bad Gateway", str(exc).encode()[:200])
            return
        if method == b"CONNECT":
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
        else:
            up_writer.write(forward)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    async def _refuse(self, writer: asyncio.StreamWriter, status: bytes, body: bytes = b"") -> None:
        writer.write(
            b"HTTP/1.1 "
            + status
            + b"\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\nConnection: close\r\n\r\n"
            + body
        )
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()


async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
    try:
        while chunk := await src.read(1 << 16):
            dst.write(chunk)
            await dst.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(Exception):
            dst.close()
