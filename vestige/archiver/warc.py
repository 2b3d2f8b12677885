"""WARC/1.1 writing on warcio: SHA-256 digests, header blocks kept byte for byte as received."""

from __future__ import annotations

import datetime as dt
import io
import zlib
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

    def _write_warc_record(self, out: Any, record: Any) -> None:
        """One gzip member per record, as warcio writes it, at a level suited to the body. warcio fixes
        level 9; deflating media that is already compressed ran at ~20 MB/s on these machines and saved
        nothing, while storing it in the member runs at ~200 MB/s."""
        if not self.gzip:  # type: ignore[has-type]
            super()._write_warc_record(out, record)
            return
        self.gzip = False  # records are written one at a time, under the recorder's lock
        try:
            super()._write_warc_record(_GzipMember(out, gzip_level(record)), record)
        finally:
            self.gzip = True


# Bodies already compressed: deflate cannot shrink them, so they are stored in the gzip member as is.
_COMPRESSED_TYPES = ("image/", "video/", "audio/", "font/")
_COMPRESSED_EXACT = {
    "application/zip",
    "application/gzip",
    "application/x-gzip",
    "application/pdf",
    "application/wasm",
    "application/x-7z-compressed",
    "application/vnd.rar",
    "application/font-woff",
    "application/x-font-woff",
}


def gzip_level(record: Any) -> int:
    """0 (stored) for bodies already compressed, else zlib's default 6."""
    headers = record.http_headers if record.rec_type in ("response", "request") else None
    if headers is not None:
        if (headers.get_header("Content-Encoding") or "identity").strip().lower() != "identity":
            return 0
        media_type = headers.get_header("Content-Type") or ""
    else:
        media_type = record.rec_headers.get_header("Content-Type") or ""
    media_type = media_type.split(";")[0].strip().lower()
    if media_type == "image/svg+xml":
        return 6
    return 0 if media_type.startswith(_COMPRESSED_TYPES) or media_type in _COMPRESSED_EXACT else 6


class _GzipMember:
    """warcio's GzippingWrapper with a chosen level: flush() ends the member."""

    def __init__(self, out: Any, level: int) -> None:
        self.out = out
        self.compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)

    def write(self, buff: bytes) -> None:
        self.out.write(self.compressor.compress(buff))

    def flush(self) -> None:
        self.out.write(self.compressor.flush())
        self.out.flush()


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
