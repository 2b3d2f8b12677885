"""RFC 3161 trusted timestamps over signed checkpoints, from configured TSAs (via rfc3161-client).

The message timestamped is the checkpoint's signed note, byte for byte. A TSA that cannot be reached or
refuses is recorded as a failed attempt; a later ``vestige timestamp`` retries it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rfc3161_client
from cryptography import x509
from sqlalchemy import Connection, insert, select

from ..store.schema import timestamps

TIMEOUT = 20.0
_MAX_REPLY = 1 << 20


@dataclass(frozen=True)
class TimestampAttempt:
    checkpoint_size: int
    tsa_url: str
    state: str  # granted | failed
    gen_time: str | None
    error: str | None
    token: bytes | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "checkpoint_size": self.checkpoint_size,
            "tsa": self.tsa_url,
            "state": self.state,
            "gen_time": self.gen_time,
            "error": self.error,
        }


def _gen_time(resp: Any) -> str:
    t: dt.datetime = resp.tst_info.gen_time
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_HASHES = {
    "2.16.840.1.101.3.4.2.1": hashlib.sha256,
    "2.16.840.1.101.3.4.2.2": hashlib.sha384,
    "2.16.840.1.101.3.4.2.3": hashlib.sha512,
}


def _imprint_matches(resp: Any, message: bytes) -> bool:
    imprint = resp.tst_info.message_imprint
    algo = _HASHES.get(imprint.hash_algorithm.dotted_string)
    return algo is not None and bool(imprint.message == algo(message).digest())


def load_roots(ca_file: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(ca_file.read_bytes())


def request_token(url: str, message: bytes, roots: Sequence[x509.Certificate]) -> tuple[bytes, str]:
    """Ask ``url`` for a token over ``message``; return (DER reply, gen time). Raises on any failure."""
    req = (
        rfc3161_client.TimestampRequestBuilder()
        .data(message)
        .hash_algorithm(rfc3161_client.HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .build()
    )
    http = urllib.request.Request(
        url,
        data=req.as_bytes(),
        headers={"Content-Type": "application/timestamp-query"},
        method="POST",
    )
    with urllib.request.urlopen(http, timeout=TIMEOUT) as reply:
        body: bytes = reply.read(_MAX_REPLY + 1)
    if len(body) > _MAX_REPLY:
        raise ValueError("TSA reply is too large")
    resp = rfc3161_client.decode_timestamp_response(body)
    if resp.status not in (0, 1):  # granted, granted with modifications
        raise ValueError(f"TSA refused the request (status {resp.status})")
    if not _imprint_matches(resp, message):
        raise ValueError("TSA token covers a different message")
    if req.nonce is not None and resp.tst_info.nonce != req.nonce:
        raise ValueError("TSA token nonce does not match the request")
    if roots:
        _verify(body, message, roots)
    return body, _gen_time(resp)


def _verify(token: bytes, message: bytes, roots: Sequence[x509.Certificate]) -> None:
    resp = rfc3161_client.decode_timestamp_response(token)
    builder = rfc3161_client.VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    builder.build().verify_message(resp, message)


def verify_token(token: bytes, message: bytes, roots: Sequence[x509.Certificate]) -> str:
    """Check a stored token over ``message``; return its gen time. Raises ValueError when it fails."""
    try:
        resp = rfc3161_client.decode_timestamp_response(token)
    except Exception as exc:  # the decoder raises its own types for malformed DER
        raise ValueError(f"token is not a valid RFC 3161 reply: {exc}") from exc
    if not _imprint_matches(resp, message):
        raise ValueError("token covers a different message")
    if roots:
        try:
            _verify(token, message, roots)
        except rfc3161_client.VerificationError as exc:
            raise ValueError(f"token signature does not verify: {exc}") from exc
    return _gen_time(resp)


def attempt(
    conn: Connection,
    checkpoint_size: int,
    note: str,
    url: str,
    roots: Sequence[x509.Certificate],
    now: str,
) -> TimestampAttempt:
    """Try one TSA for one checkpoint and record the outcome, whatever it is."""
    try:
        token, gen_time = request_token(url, note.encode(), roots)
        result = TimestampAttempt(checkpoint_size, url, "granted", gen_time, None, token)
    except urllib.error.HTTPError as exc:
        result = TimestampAttempt(checkpoint_size, url, "failed", None, f"HTTP {exc.code} {exc.reason}")
    except (OSError, ValueError, rfc3161_client.VerificationError) as exc:
        reason = getattr(exc, "reason", None) or exc
        result = TimestampAttempt(checkpoint_size, url, "failed", None, str(reason)[:500])
    except Exception as exc:  # a malformed reply makes the decoder raise its own error types
        result = TimestampAttempt(checkpoint_size, url, "failed", None, f"bad reply: {exc}"[:500])
    conn.execute(
        insert(timestamps).values(
            checkpoint_size=checkpoint_size,
            tsa_url=url,
            state=result.state,
            token=result.token,
            gen_time=result.gen_time,
            error=result.error,
            attempted_at=now,
        )
    )
    return result


def stored_tokens(conn: Connection) -> list[TimestampAttempt]:
    rows = conn.execute(select(timestamps).order_by(timestamps.c.id))
    return [
        TimestampAttempt(
            r.checkpoint_size,
            r.tsa_url,
            r.state,
            r.gen_time,
            r.error,
            bytes(r.token) if r.token is not None else None,
        )
        for r in rows
    ]


def granted_for(conn: Connection, checkpoint_size: int, url: str) -> bool:
    q = select(timestamps.c.id).where(
        timestamps.c.checkpoint_size == checkpoint_size,
        timestamps.c.tsa_url == url,
        timestamps.c.state == "granted",
    )
    return conn.execute(q).first() is not None
