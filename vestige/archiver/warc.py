"""WARC/1.1 writing on warcio: SHA-256 digests, header blocks kept byte for byte as received."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import IO, Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

WARC_VERSION = "1.1"
HeaderFields = Iterable[tuple[bytes, bytes]]


class Sha256WARCWriter(WARCWriter):  # type: ignore[misc]
    """warcio's writer with SHA-256 block and payload digests (``sha256:<base32>``).

    warcio picks sha1 in ``_create_digester``; its reader takes the algorithm from the digest's prefix,
    so ``ArchiveIterator(check_digests=...)`` verifies these SHA-256 digests too.
    """

    @staticmethod
    def _create_digester() -> Any:
        return Digester("sha256")


class RawHttpHeaders(StatusAndHeaders):  # type: ignore[misc]
    """A header block written exactly as received (original case, order and spelling)."""

    def __init__(
        self, raw: bytes, statusline: str, fields: HeaderFields, protocol: str, *, is_request: bool = False
    ) -> None:
        super().__init__(
            statusline,
            [(k.decode("latin-1"), v.decode("latin-1")) for k, v in fields],
            protocol=protocol,
            is_http_request=is_request,
        )
        self.headers_buff = raw

    def compute_headers_buffer(self, header_filter: Any = None) -> None:
        """Keep the received bytes: warcio would otherwise re-serialise them."""


def header_block(start_line: bytes, fields: HeaderFields) -> bytes:
    return start_line + b"\r\n" + b"".join(k + b": " + v + b"\r\n" for k, v in fields) + b"\r\n"


def warc_date(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def tls_protocol(version: str | None) -> str | None:
    """mitmproxy's ``TLSv1.3`` as a WARC-Protocol value, ``tls/1.3``."""
    return version.replace("TLSv", "tls/").lower() if version else None


def open_writer(fp: IO[bytes]) -> Sha256WARCWriter:
    return Sha256WARCWriter(fp, gzip=True, warc_version=WARC_VERSION)


def write_warcinfo(writer: Sha256WARCWriter, filename: str, info: dict[str, Any]) -> None:
    writer.write_record(writer.create_warcinfo_record(filename, info))


def write_resource(
    writer: Sha256WARCWriter, uri: str, content_type: str, data: bytes | IO[bytes], length: int, target: str
) -> str:
    """An attachment (screenshot, PDF, DOM...) as a ``resource`` record; returns its record ID."""
    payload = io.BytesIO(data) if isinstance(data, bytes) else data
    rec = writer.create_warc_record(
        uri,
        "resource",
        payload=payload,
        length=length,
        warc_content_type=content_type,
        warc_headers_dict={"WARC-Refers-To-Target-URI": target},
    )
    writer.write_record(rec)
    return str(rec.rec_headers.get_header("WARC-Record-ID"))


def write_metadata(writer: Sha256WARCWriter, uri: str, data: bytes, target: str) -> None:
    rec = writer.create_warc_record(
        uri,
        "metadata",
        payload=io.BytesIO(data),
        length=len(data),
        warc_content_type="application/json",
        warc_headers_dict={"WARC-Refers-To-Target-URI": target},
    )
    writer.write_record(rec)


class _BrotliDecompressor:
    """brotlipy's decompressor API, which warcio expects, over Google's Brotli, which mitmproxy needs.

    The two packages install the same ``brotli`` module, so only one can be present."""

    unused_data = None

    def __init__(self) -> None:
        import brotli

        self._d = brotli.Decompressor()

    def decompress(self, data: bytes) -> bytes:
        out: bytes = self._d.process(data)
        return out

    def flush(self) -> bytes:
        return b""


def enable_brotli_decoding() -> None:
    """Let warcio decode ``Content-Encoding: br`` bodies (indexing, reading back) with Google's Brotli."""
    from warcio.bufferedreaders import BufferedReader

    try:
        import brotli
    except ImportError:  # pragma: no cover - mitmproxy depends on it
        return
    if hasattr(brotli.Decompressor, "process"):  # Google's Brotli, not brotlipy
        BufferedReader.DECOMPRESSORS["br"] = _BrotliDecompressor
