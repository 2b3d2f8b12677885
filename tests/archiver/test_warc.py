"""The WARC writer: one gzip member per record, stored for compressed media, deflated for text."""

from __future__ import annotations

import gzip
import io
import os
import zlib
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from vestige.archiver.warc import RawHttpHeaders, header_block, open_writer, write_resource


def _response(writer: Any, url: str, content_type: bytes, body: bytes, encoding: bytes | None = None) -> None:
    fields = [(b"Content-Type", content_type), (b"Content-Length", str(len(body)).encode())]
    if encoding:
        fields.append((b"Content-Encoding", encoding))
    status = b"HTTP/1.1 200 OK"
    rec = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=RawHttpHeaders(header_block(status, fields), "200 OK", fields, "HTTP/1.1"),
    )
    writer.write_record(rec)


def _members(data: bytes) -> list[tuple[int, bytes]]:
    """(compressed size, inflated bytes) of each gzip member."""
    out = []
    while data:
        d = zlib.decompressobj(zlib.MAX_WBITS + 16)
        raw = d.decompress(data)
        used = len(data) - len(d.unused_data)
        out.append((used, raw))
        data = d.unused_data
    return out


def test_compressed_media_is_stored_and_text_is_deflated() -> None:
    fp = io.BytesIO()
    w = open_writer(fp)
    png = b"\x89PNG" + os.urandom(200_000)
    html = b"<p>witness statement</p>\n" * 8000
    _response(w, "https://example.org/photo.png", b"image/png", png)
    _response(w, "https://example.org/", b"text/html; charset=utf-8", html)
    _response(w, "https://example.org/app.js", b"text/javascript", gzip.compress(html), b"gzip")
    write_resource(
        w, "urn:vestige:screenshot:https://example.org/", "image/png", png, len(png), "https://example.org/"
    )
    sizes = [size for size, _ in _members(fp.getvalue())]
    assert len(sizes) == 4  # one member per record
    assert sizes[0] > len(png) and sizes[3] > len(png)  # stored: no time spent deflating random bytes
    assert sizes[1] < len(html) // 20  # text still compresses well
    assert sizes[2] > len(gzip.compress(html))  # a gzip-encoded body is kept as sent, not deflated again
    fp.seek(0)
    records = list(ArchiveIterator(fp, check_digests="raise"))
    assert [r.rec_type for r in records] == ["response", "response", "response", "resource"]
