"""WACZ 1.1.1 packages of a capture's WARCs, signed per WACZ Signing and Verification 0.1.0.

A WACZ (https://specs.webrecorder.net/wacz/1.1.1/) is a zip holding ``archive/<name>.warc.gz``, a CDXJ index
of its records, ``pages/pages.jsonl`` and ``datapackage.json``, which lists every other file with its SHA-256.
``datapackage-digest.json`` holds the SHA-256 of ``datapackage.json`` and, for a signed WACZ, an "anonymous"
signature of that hash (https://specs.webrecorder.net/wacz-auth/0.1.0/). The spec leaves the encodings open;
we follow what ArchiveWeb.page writes and ReplayWeb.page (wabac.js) checks:

- the signed message is the UTF-8 text of ``hash`` (``sha256:<hex>``), signed with ECDSA and SHA-256;
- ``signature`` is base64 of the raw ``r || s`` (IEEE P1363, as WebCrypto returns), not DER;
- ``publicKey`` is base64 of the DER SubjectPublicKeyInfo;
- the key is on P-384: wabac.js imports ``publicKey`` as P-384 and WebCrypto refuses any other curve.
  P-256 keys are accepted here too (and verify here), but ReplayWeb.page cannot check their signatures.

Every member is stored uncompressed and signatures are deterministic (RFC 6979), so the same inputs give the
same bytes: an export can be rebuilt and compared byte for byte. The WARCs are streamed from disk, never read
whole into memory, and ``verify_wacz`` reads a zip it does not trust without extracting anything.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
import json
import os
import re
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from vestige.errors import InputError

WACZ_VERSION = "1.1.1"
DATAPACKAGE = "datapackage.json"
DIGEST = "datapackage-digest.json"
PAGES = "pages/pages.jsonl"
# ArchiveWeb.page's name for an uncompressed CDXJ index: wabac.js loads `.cdx` and `.cdxj`, but pywb's
# `wb-manager add --unpack-wacz` only imports `.cdx(.gz)`.
INDEX = "indexes/index.cdx"
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}

SUPPORTED_CURVES = (ec.SECP384R1, ec.SECP256R1)
CHUNK = 1 << 20
MAX_JSON_BYTES = 16 << 20  # datapackage.json and its digest are read into memory: refuse bigger ones
_FILE_MODE = (stat.S_IFREG | 0o644) << 16
_WARC_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.warc(\.gz)?")
_SHA256 = re.compile(r"sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class Page:
    """An entry point of the capture, a line of ``pages/pages.jsonl``."""

    id: str
    url: str
    ts: str  # RFC 3339 UTC, e.g. 2026-11-24T09:33:21.046593Z
    title: str | None = None


@dataclass(frozen=True)
class WaczMember:
    path: str  # member name in the zip
    size: int
    sha256: str  # lower-case hex


@dataclass(frozen=True)
class WaczInfo:
    """What ``build_wacz`` wrote: every member with its digest, and the signing key if signed."""

    path: Path
    size: int
    members: tuple[WaczMember, ...]
    datapackage_sha256: str  # hex; ``datapackage-digest.json`` holds it as ``sha256:<hex>``
    public_key: str | None  # base64 DER SubjectPublicKeyInfo of the signing key

    def member(self, path: str) -> WaczMember:
        for m in self.members:
            if m.path == path:
                return m
        raise KeyError(path)


# -- keys ---------------------------------------------------------------------------------------------------


def new_signing_key() -> ec.EllipticCurvePrivateKey:
    """A fresh P-384 key, the curve ReplayWeb.page verifies WACZ signatures with."""
    return ec.generate_private_key(ec.SECP384R1())


def load_signing_key(pem: bytes) -> ec.EllipticCurvePrivateKey:
    """An unencrypted PEM private key on P-384 or P-256."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InputError(f"cannot load the WACZ signing key: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, SUPPORTED_CURVES):
        raise InputError("the WACZ signing key must be an ECDSA key on P-384 or P-256")
    return key


def signing_key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    """The key as unencrypted PKCS#8 PEM, what ``load_signing_key`` reads."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_key_b64(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> str:
    """The ``publicKey`` value of a signed WACZ: base64 of the DER SubjectPublicKeyInfo."""
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode("ascii")


def sign_hash(key: ec.EllipticCurvePrivateKey, hash_text: str) -> str:
    """base64 of the raw ``r || s`` ECDSA-SHA256 signature of ``hash_text`` (UTF-8), deterministic."""
    der = key.sign(hash_text.encode("utf-8"), ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    r, s = decode_dss_signature(der)
    width = (key.curve.key_size + 7) // 8
    return base64.b64encode(r.to_bytes(width, "big") + s.to_bytes(width, "big")).decode("ascii")


def verify_hash_signature(public_key: str, signature: str, hash_text: str) -> bool:
    """True if ``signature`` (base64 raw ``r || s``) is ``public_key``'s signature of ``hash_text``.

    Raises ValueError when the key or signature is not well formed.
    """
    try:
        key = serialization.load_der_public_key(base64.b64decode(public_key, validate=True))
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, UnsupportedAlgorithm) as exc:
        raise ValueError(f"not a base64 ECDSA public key or signature: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, SUPPORTED_CURVES):
        raise ValueError("the public key is not an ECDSA key on P-384 or P-256")
    width = (key.curve.key_size + 7) // 8
    if len(raw) != 2 * width:
        raise ValueError(f"the signature has {len(raw)} bytes, not the {2 * width} of a raw r||s")
    der = encode_dss_signature(int.from_bytes(raw[:width], "big"), int.from_bytes(raw[width:], "big"))
    try:
        key.verify(der, hash_text.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


# -- building -----------------------------------------------------------------------------------------------


def build_wacz(
    out: Path,
    warcs: Sequence[tuple[str, Path]],
    pages: Sequence[Page],
    *,
    title: str,
    description: str | None,
    created: str,
    software: str,
    signing_key: ec.EllipticCurvePrivateKey | None,
    signer: str | None = None,
) -> WaczInfo:
    """Write the WACZ at ``out`` (atomically) holding each WARC as ``archive/<name>``.

    ``warcs`` pairs a member name (``capture.warc.gz``) with the file to store; ``created`` is RFC 3339 UTC
    and becomes the package's ``created``/``modified``, the signature's ``created`` and the members' zip
    dates. ``signer`` names the key holder in ``datapackage.json``, where the signature covers it.
    """
    stamp = _zip_date(created)
    names = [name for name, _ in warcs]
    if not warcs:
        raise InputError("a WACZ needs at least one WARC")
    for name in names:
        if not _WARC_NAME.fullmatch(name):
            raise InputError(f"unusable WARC member name {name!r}: a plain file name ending .warc(.gz)")
    if len(set(names)) != len(names):
        raise InputError("two WARCs have the same member name")
    for page in pages:
        if not page.url or not page.id:
            raise InputError("every page needs an id and a URL")
        _zip_date(page.ts)
    if signing_key is not None and not isinstance(signing_key.curve, SUPPORTED_CURVES):
        raise InputError("the WACZ signing key must be an ECDSA key on P-384 or P-256")
    if signer is not None and signing_key is None:
        raise InputError("a signer name needs a signing key")

    index = _cdxj_index(warcs)
    pages_jsonl = b"".join(_json_line(line) for line in _page_lines(pages))

    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would follow the WACZ into the bundle
        with os.fdopen(fd, "w+b") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as zf:
            members = [_store_file(zf, f"archive/{name}", src, stamp) for name, src in warcs]
            members.append(_store_bytes(zf, INDEX, index, stamp))
            members.append(_store_bytes(zf, PAGES, pages_jsonl, stamp))
            package = _datapackage(members, pages, title, description, created, software, signer)
            package_bytes = json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
            package_member = _store_bytes(zf, DATAPACKAGE, package_bytes, stamp)
            digest: dict[str, Any] = {"path": DATAPACKAGE, "hash": f"sha256:{package_member.sha256}"}
            if signing_key is not None:
                digest["signedData"] = {
                    "hash": digest["hash"],
                    "signature": sign_hash(signing_key, digest["hash"]),
                    "publicKey": public_key_b64(signing_key),
                    "created": created,
                    "software": software,
                }
            digest_bytes = json.dumps(digest, indent=2).encode("utf-8") + b"\n"
            digest_member = _store_bytes(zf, DIGEST, digest_bytes, stamp)
            zf.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return WaczInfo(
        path=out,
        size=out.stat().st_size,
        members=(*members, package_member, digest_member),
        datapackage_sha256=package_member.sha256,
        public_key=public_key_b64(signing_key) if signing_key is not None else None,
    )


def _zip_date(ts: str) -> tuple[int, int, int, int, int, int]:
    try:
        when = dt.datetime.fromisoformat(ts)
    except ValueError:
        raise InputError(f"not an RFC 3339 time: {ts!r}") from None
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
    # Zip dates start in 1980 and have no zone: UTC, as every other time in the bundle.
    return max(when, dt.datetime(1980, 1, 1, tzinfo=when.tzinfo)).timetuple()[:6]


def _cdxj_index(warcs: Sequence[tuple[str, Path]]) -> bytes:
    """The sorted CDXJ lines of every WARC, as pywb and ReplayWeb.page read them (cdxj-indexer).

    SURT keys, POST/PUT bodies folded into the key as pywb does, and per record: url, mime, status, digest,
    length and offset in the WARC, filename (the name under ``archive/``) and recordDigest (SHA-256 of the
    record's bytes in the WARC, which lets a replayer check a record it loads on its own).
    """
    # Imported here: it pulls in surt, tldextract and requests, which verifying a WACZ does not need.
    from cdxj_indexer import CDXJIndexer  # type: ignore[import-untyped]

    from ..archiver.warc import enable_brotli_decoding

    enable_brotli_decoding()  # the indexer decodes bodies it buffers; captures hold brotli ones

    lines: list[str] = []
    for name, src in warcs:
        text = io.StringIO()
        try:
            with open(src, "rb") as fp:
                CDXJIndexer(
                    text, [fp], filename=name, post_append=True, sort=True, digest_records=True
                ).process_all()
        except OSError as exc:
            raise InputError(f"cannot read WARC {src}: {exc.strerror or exc}") from None
        except Exception as exc:  # warcio's ArchiveLoadFailed and parse errors on a broken WARC
            raise InputError(f"cannot index WARC {src}: {exc}") from None
        lines.extend(text.getvalue().splitlines(keepends=True))
    return "".join(sorted(set(lines))).encode("utf-8")


def _page_lines(pages: Sequence[Page]) -> Iterator[dict[str, str]]:
    yield PAGES_HEADER
    for page in pages:
        line = {"id": page.id, "url": page.url, "ts": page.ts}
        if page.title is not None:
            line["title"] = page.title
        yield line


def _json_line(obj: dict[str, str]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def _datapackage(
    members: Sequence[WaczMember],
    pages: Sequence[Page],
    title: str,
    description: str | None,
    created: str,
    software: str,
    signer: str | None,
) -> dict[str, Any]:
    package: dict[str, Any] = {"profile": "data-package", "wacz_version": WACZ_VERSION, "title": title}
    if description:
        package["description"] = description
    package |= {"created": created, "modified": created, "software": software}
    if pages:
        package |= {"mainPageUrl": pages[0].url, "mainPageDate": pages[0].ts}
    if signer is not None:
        package["signer"] = signer
    package["resources"] = [
        {"name": name, "path": m.path, "hash": f"sha256:{m.sha256}", "bytes": m.size}
        for name, m in zip(_resource_names(members), members, strict=True)
    ]
    return package


def _resource_names(members: Sequence[WaczMember]) -> list[str]:
    """Frictionless resource names: lower case ``[-a-z0-9._/]``, unique."""
    names: list[str] = []
    for m in members:
        base = re.sub(r"[^-a-z0-9._]", "-", m.path.rsplit("/", 1)[-1].lower())
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base}-{n}"
        names.append(name)
    return names


def _zip_info(path: str, stamp: tuple[int, int, int, int, int, int], size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=stamp)
    info.compress_type = zipfile.ZIP_STORED  # WACZ 1.1.1: stored, so replayers can read records by offset
    info.external_attr = _FILE_MODE
    info.file_size = size  # lets zipfile choose ZIP64 headers for members over 2 GiB
    return info


def _store_file(
    zf: zipfile.ZipFile, path: str, src: Path, stamp: tuple[int, int, int, int, int, int]
) -> WaczMember:
    try:
        with open(src, "rb") as fp:
            size = os.fstat(fp.fileno()).st_size
            digest = hashlib.sha256()
            written = 0
            with zf.open(_zip_info(path, stamp, size), "w") as dst:
                while chunk := fp.read(CHUNK):
                    digest.update(chunk)
                    dst.write(chunk)
                    written += len(chunk)
    except OSError as exc:
        raise InputError(f"cannot read WARC {src}: {exc.strerror or exc}") from None
    if written != size:
        raise InputError(f"WARC {src} changed size while it was being stored")
    return WaczMember(path, written, digest.hexdigest())


def _store_bytes(
    zf: zipfile.ZipFile, path: str, data: bytes, stamp: tuple[int, int, int, int, int, int]
) -> WaczMember:
    zf.writestr(_zip_info(path, stamp, len(data)), data)
    return WaczMember(path, len(data), hashlib.sha256(data).hexdigest())


# -- verifying ----------------------------------------------------------------------------------------------


class Step(StrEnum):
    """The checks ``verify_wacz`` makes, in order."""

    ZIP = "1. the file is a zip whose member names are safe"
    DATAPACKAGE = "2. datapackage.json is a WACZ data package"
    RESOURCES = "3. every member is listed and has its listed size and SHA-256"
    DIGEST = "4. datapackage-digest.json holds the SHA-256 of datapackage.json"
    SIGNATURE = "5. the signature of that hash verifies with its public key"


class StepStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_CHECKED = "not checked"


class ProblemCode(StrEnum):
    NOT_A_ZIP = "not-a-zip"
    UNSAFE_MEMBER = "unsafe-member"  # absolute, `..`, backslash, drive, symlink or duplicate name
    DATAPACKAGE_INVALID = "datapackage-invalid"
    MISSING_MEMBER = "missing-member"  # listed in datapackage.json, absent from the zip
    UNLISTED_MEMBER = "unlisted-member"  # in the zip, not listed in datapackage.json
    MISSING_CONTENT = "missing-content"  # no WARC, index or page list
    WARC_COMPRESSED = "warc-compressed"  # a WARC deflated in the zip (WACZ requires STORE)
    MEMBER_CORRUPT = "member-corrupt"  # unreadable, or its bytes fail the zip's CRC-32
    SIZE_MISMATCH = "size-mismatch"
    HASH_MISMATCH = "hash-mismatch"
    DIGEST_INVALID = "digest-invalid"
    DIGEST_MISMATCH = "digest-mismatch"  # datapackage.json is not what datapackage-digest.json hashed
    SIGNATURE_MALFORMED = "signature-malformed"
    SIGNATURE_INVALID = "signature-invalid"
    SIGNATURE_MISSING = "signature-missing"  # a signature by an expected key was required
    KEY_MISMATCH = "key-mismatch"  # signed, but not by the expected key
    CREATED_MISMATCH = "created-mismatch"  # signedData.created differs from datapackage.json's


@dataclass(frozen=True)
class WaczProblem:
    step: Step
    code: ProblemCode
    detail: str
    member: str | None = None


@dataclass(frozen=True)
class WaczCheck:
    """The result of ``verify_wacz``: problems found, and the key of a signature that verified."""

    path: Path
    problems: tuple[WaczProblem, ...]
    steps: tuple[tuple[Step, StepStatus], ...]
    public_key: str | None  # base64 SPKI of the signature that verified, else None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def signed(self) -> bool:
        return self.public_key is not None

    @property
    def codes(self) -> set[ProblemCode]:
        return {p.code for p in self.problems}


class _Problems:
    def __init__(self) -> None:
        self.found: list[WaczProblem] = []
        self.checked: set[Step] = set()

    def add(self, step: Step, code: ProblemCode, detail: str, member: str | None = None) -> None:
        self.found.append(WaczProblem(step, code, detail, member))

    def status(self, step: Step) -> StepStatus:
        if any(p.step is step for p in self.found):
            return StepStatus.FAILED
        return StepStatus.PASSED if step in self.checked else StepStatus.NOT_CHECKED


# What zipfile raises on a damaged, encrypted or exotic zip.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    zlib.error,
)


def verify_wacz(path: Path, *, expected_public_key: str | None = None) -> WaczCheck:
    """Check a WACZ without trusting it: nothing is extracted, members are hashed as they stream.

    With ``expected_public_key`` (base64 SPKI), the WACZ must also be signed by that key.
    """
    found = _Problems()
    public_key = None
    try:
        with zipfile.ZipFile(path) as zf:
            public_key = _verify_open_zip(zf, found, expected_public_key)
    except _ZIP_ERRORS as exc:
        found.add(Step.ZIP, ProblemCode.NOT_A_ZIP, f"cannot read {path.name} as a zip: {exc}")
    steps = tuple((step, found.status(step)) for step in Step)
    return WaczCheck(path, tuple(found.found), steps, public_key)


def _verify_open_zip(zf: zipfile.ZipFile, found: _Problems, expected_key: str | None) -> str | None:
    # 1. Member names: a WACZ is never extracted here, but a name another tool would write outside its
    #    directory, or a name given twice (two readers, two contents), is a sign of tampering.
    members: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        why = _unsafe_name(info)
        if why is None and info.filename in members:
            why = "appears twice"
        if why is not None:
            found.add(Step.ZIP, ProblemCode.UNSAFE_MEMBER, f"member {info.filename!r} {why}", info.filename)
        elif not info.is_dir():  # a directory entry holds nothing to check
            members[info.filename] = info
    found.checked.add(Step.ZIP)

    # 2. datapackage.json: a data package listing its resources with SHA-256 and size.
    package_bytes = _read_small(zf, members, DATAPACKAGE, Step.DATAPACKAGE, found)
    if package_bytes is None:
        return None
    parsed = _parse_datapackage(package_bytes, found)
    found.checked.add(Step.DATAPACKAGE)
    if parsed is None:
        return None
    resources, created = parsed

    # 3. Every member but the two package files is listed, and has exactly the listed size and SHA-256.
    _verify_resources(zf, members, resources, found)
    found.checked.add(Step.RESOURCES)

    # 4. datapackage-digest.json binds datapackage.json (and so every member) to one hash.
    if DIGEST not in members:
        _require_signature(expected_key, "the WACZ has no datapackage-digest.json", found)
        return None
    digest_bytes = _read_small(zf, members, DIGEST, Step.DIGEST, found)
    if digest_bytes is None:
        return None
    package_hash = "sha256:" + hashlib.sha256(package_bytes).hexdigest()
    digest = _loads(digest_bytes)
    if not isinstance(digest, dict) or not isinstance(digest.get("hash"), str):
        found.add(Step.DIGEST, ProblemCode.DIGEST_INVALID, "datapackage-digest.json has no hash", DIGEST)
        return None
    if digest.get("path") != DATAPACKAGE:
        found.add(Step.DIGEST, ProblemCode.DIGEST_INVALID, "the digest file names another path", DIGEST)
    found.checked.add(Step.DIGEST)
    if digest["hash"] != package_hash:
        found.add(
            Step.DIGEST,
            ProblemCode.DIGEST_MISMATCH,
            f"datapackage.json is {package_hash}, its digest file says {digest['hash']}",
            DATAPACKAGE,
        )
        return None  # a signature of the old hash cannot vouch for this datapackage.json: not checked

    # 5. The anonymous signature (wacz-auth 0.1.0): ECDSA over the hash text, by the key it names.
    signed = digest.get("signedData")
    if signed is None:
        _require_signature(expected_key, "the WACZ is not signed", found)
        return None
    found.checked.add(Step.SIGNATURE)
    fields = ("hash", "signature", "publicKey", "created")
    if not isinstance(signed, dict) or not all(isinstance(signed.get(f), str) for f in fields):
        found.add(
            Step.SIGNATURE,
            ProblemCode.SIGNATURE_MALFORMED,
            "signedData lacks hash, signature, publicKey or created (domain signatures are not supported)",
            DIGEST,
        )
        return None
    if signed["hash"] != package_hash:
        found.add(Step.SIGNATURE, ProblemCode.SIGNATURE_INVALID, "the signed hash is not datapackage.json's")
        return None
    try:
        valid = verify_hash_signature(signed["publicKey"], signed["signature"], signed["hash"])
    except ValueError as exc:
        found.add(Step.SIGNATURE, ProblemCode.SIGNATURE_MALFORMED, str(exc), DIGEST)
        return None
    if not valid:
        found.add(Step.SIGNATURE, ProblemCode.SIGNATURE_INVALID, "the signature does not verify", DIGEST)
        return None
    if signed["created"] != created:
        found.add(
            Step.SIGNATURE,
            ProblemCode.CREATED_MISMATCH,
            f"signed {signed['created']!r} but datapackage.json was created {created!r}",
            DIGEST,
        )
    key: str = signed["publicKey"]
    if expected_key is not None and key != expected_key:
        found.add(Step.SIGNATURE, ProblemCode.KEY_MISMATCH, "signed by another key than the expected one")
    return key


def _require_signature(expected_key: str | None, why: str, found: _Problems) -> None:
    if expected_key is not None:
        found.checked.add(Step.SIGNATURE)
        found.add(Step.SIGNATURE, ProblemCode.SIGNATURE_MISSING, why)


def _unsafe_name(info: zipfile.ZipInfo) -> str | None:
    name = info.filename.removesuffix("/") if info.is_dir() else info.filename
    parts = name.split("/")
    if not name or name.startswith("/") or "\\" in name or "\x00" in name or re.match(r"[A-Za-z]:", name):
        return "is not a relative path"
    if any(part in ("", ".", "..") for part in parts):
        return "has an empty, '.' or '..' path component"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is a symbolic link"
    return None


def _read_small(
    zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], name: str, step: Step, found: _Problems
) -> bytes | None:
    info = members.get(name)
    if info is None:
        found.add(step, ProblemCode.MISSING_MEMBER, f"the WACZ has no {name}", name)
        return None
    try:
        with zf.open(info) as fp:
            data = fp.read(MAX_JSON_BYTES + 1)
    except _ZIP_ERRORS as exc:
        found.add(step, ProblemCode.MEMBER_CORRUPT, f"cannot read {name}: {exc}", name)
        return None
    if len(data) > MAX_JSON_BYTES:
        invalid = ProblemCode.DATAPACKAGE_INVALID if name == DATAPACKAGE else ProblemCode.DIGEST_INVALID
        found.add(step, invalid, f"{name} is larger than {MAX_JSON_BYTES} bytes", name)
        return None
    return data


def _loads(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


def _parse_datapackage(data: bytes, found: _Problems) -> tuple[dict[str, tuple[int, str]], Any] | None:
    """The resources of datapackage.json as {path: (bytes, sha256 hex)}, and its ``created``."""

    def bad(detail: str) -> None:
        found.add(Step.DATAPACKAGE, ProblemCode.DATAPACKAGE_INVALID, detail, DATAPACKAGE)

    package = _loads(data)
    if not isinstance(package, dict):
        bad("datapackage.json is not a JSON object")
        return None
    if package.get("profile") != "data-package" or not isinstance(package.get("wacz_version"), str):
        bad("datapackage.json lacks profile 'data-package' or wacz_version")
    entries = package.get("resources")
    if not isinstance(entries, list):
        bad("datapackage.json has no resources list")
        return None
    resources: dict[str, tuple[int, str]] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            bad("a resource is not a JSON object")
            continue
        path, size, digest = entry.get("path"), entry.get("bytes"), entry.get("hash")
        if not isinstance(path, str) or path in resources or path in (DATAPACKAGE, DIGEST):
            bad(f"resource path {path!r} is missing, repeated or reserved")
            continue
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            bad(f"resource {path!r} has no byte count")
            continue
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            bad(f"resource {path!r} has no sha256:<hex> hash")
            continue
        resources[path] = (size, digest.removeprefix("sha256:"))
    return resources, package.get("created")


def _verify_resources(
    zf: zipfile.ZipFile,
    members: dict[str, zipfile.ZipInfo],
    resources: dict[str, tuple[int, str]],
    found: _Problems,
) -> None:
    for name in sorted(set(members) - set(resources) - {DATAPACKAGE, DIGEST}):
        found.add(Step.RESOURCES, ProblemCode.UNLISTED_MEMBER, f"{name} is not in datapackage.json", name)
    for prefix, what in (("archive/", "WARC"), ("indexes/", "index"), ("pages/", "page list")):
        if not any(p.startswith(prefix) for p in resources):
            found.add(Step.RESOURCES, ProblemCode.MISSING_CONTENT, f"the WACZ has no {what} under {prefix}")
    for path, (size, sha256) in resources.items():
        info = members.get(path)
        if info is None:
            found.add(Step.RESOURCES, ProblemCode.MISSING_MEMBER, f"{path} is listed but absent", path)
            continue
        if path.startswith("archive/") and info.compress_type != zipfile.ZIP_STORED:
            found.add(Step.RESOURCES, ProblemCode.WARC_COMPRESSED, f"{path} is compressed in the zip", path)
        try:
            actual_size, actual = _hash_member(zf, info, size)
        except _ZIP_ERRORS as exc:
            found.add(Step.RESOURCES, ProblemCode.MEMBER_CORRUPT, f"cannot read {path}: {exc}", path)
            continue
        if actual_size != size:
            more = "more than " if actual_size > size else ""
            detail = f"{path} has {more}{actual_size} bytes, datapackage.json says {size}"
            found.add(Step.RESOURCES, ProblemCode.SIZE_MISMATCH, detail, path)
        elif actual != sha256:
            detail = f"{path} has SHA-256 {actual}, datapackage.json says {sha256}"
            found.add(Step.RESOURCES, ProblemCode.HASH_MISMATCH, detail, path)


def _hash_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> tuple[int, str]:
    """Size and SHA-256 of a member, read in chunks; stops once past ``limit`` bytes (a zip bomb)."""
    digest = hashlib.sha256()
    size = 0
    with zf.open(info) as fp:
        while size <= limit and (chunk := fp.read(CHUNK)):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()
