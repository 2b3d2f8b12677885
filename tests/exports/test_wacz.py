"""WACZ export: a real WARC packed, indexed, signed; checked by py-wacz, pywb, WebCrypto and verify_wacz."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import subprocess
import time
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders

from tests.support.replay import REPLAY_BIN, Pywb
from tests.support.web import IMG
from vestige.archiver.warc import open_writer, write_warcinfo
from vestige.errors import InputError
from vestige.exports.wacz import (
    DATAPACKAGE,
    DIGEST,
    INDEX,
    PAGES,
    Page,
    ProblemCode,
    Step,
    StepStatus,
    WaczInfo,
    build_wacz,
    load_signing_key,
    new_signing_key,
    public_key_b64,
    sign_hash,
    signing_key_pem,
    verify_wacz,
)

ORIGIN = "https://evidence.example"
CREATED = "2026-11-24T09:33:21.046593Z"
CAPTURED = "2026-11-24T09:30:00.000000Z"
HTML = (
    b"<!doctype html><html><head><title>Statement</title><script src='/app.js'></script></head>"
    b"<body><h1 id='late'>Statement of 24 November</h1><img src='/img.png'></body></html>"
)
JS = b"document.getElementById('late').textContent = 'late content arrived';\n"
BODIES = {f"{ORIGIN}/": HTML, f"{ORIGIN}/img.png": IMG, f"{ORIGIN}/app.js": JS}
MIMES = {f"{ORIGIN}/": "text/html", f"{ORIGIN}/img.png": "image/png", f"{ORIGIN}/app.js": "text/javascript"}
PAGE = Page(id="UKR1-0001", url=f"{ORIGIN}/", ts=CAPTURED, title="Statement")


def write_capture_warc(path: Path) -> Path:
    """A WARC as Vestige's recorder writes it (SHA-256 digests, one gzip member per record), fixed ids."""
    with open(path, "wb") as fp:
        writer = open_writer(fp)
        write_warcinfo(writer, path.name, {"software": "vestige test", "format": "WARC File Format 1.1"})
        for n, (url, body) in enumerate(BODIES.items()):
            fixed = {"WARC-Date": CAPTURED, "WARC-Record-ID": f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>"}
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", MIMES[url]), ("Content-Length", str(len(body)))], "HTTP/1.1"
            )
            resp = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
                warc_headers_dict=fixed,
            )  # fmt: skip
            req_headers = StatusAndHeaders(
                f"GET {url.removeprefix(ORIGIN)} HTTP/1.1", [("Host", "evidence.example")], "HTTP/1.1",
                is_http_request=True,
            )  # fmt: skip
            req = writer.create_warc_record(
                url, "request", payload=io.BytesIO(b""), length=0, http_headers=req_headers,
                warc_headers_dict={**fixed, "WARC-Record-ID": f"<urn:uuid:10000000-0000-4000-8000-{n:012d}>"},
            )  # fmt: skip
            writer.write_request_response_pair(req, resp)
    return path


def build(out: Path, warc: Path, key: ec.EllipticCurvePrivateKey | None, **changes: object) -> WaczInfo:
    args: dict[str, object] = {
        "title": "UKR1-0001: Statement",
        "description": "Capture of https://evidence.example/",
        "created": CREATED,
        "software": "vestige 0.1.0",
        "signing_key": key,
        "signer": "vestige.archive/test" if key else None,
    }
    return build_wacz(out, [("capture.warc.gz", warc)], [PAGE], **(args | changes))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return new_signing_key()


@pytest.fixture
def warc(tmp_path: Path) -> Path:
    return write_capture_warc(tmp_path / "blob")  # archive blobs are named by digest, not .warc.gz


@pytest.fixture
def wacz(tmp_path: Path, warc: Path, key: ec.EllipticCurvePrivateKey) -> WaczInfo:
    return build(tmp_path / "UKR1-0001.wacz", warc, key)


def flip_warc_byte(name: str, data: bytes) -> bytes:
    """A WARC with one bit changed, in a zip whose CRC-32 was recomputed to match."""
    if name != "archive/capture.warc.gz":
        return data
    changed = bytearray(data)
    changed[len(data) // 2] ^= 0x01
    return bytes(changed)


def rewrite(
    src: Path,
    dst: Path,
    change: Callable[[str, bytes], bytes | None] = lambda name, data: data,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """Copy a zip member by member, as a forger would: ``change`` returns new bytes, or None to drop one."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info, data)
        for name, data in (extra or {}).items():
            zout.writestr(zipfile.ZipInfo(name), data)
    return dst


# -- what build_wacz writes ----------------------------------------------------------------------------------


def test_wacz_holds_the_warc_index_pages_and_a_datapackage_that_lists_them(
    wacz: WaczInfo, warc: Path
) -> None:
    with zipfile.ZipFile(wacz.path) as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == ["archive/capture.warc.gz", INDEX, PAGES, DATAPACKAGE, DIGEST]
        assert {i.compress_type for i in infos} == {zipfile.ZIP_STORED}  # the WARC readable by offset
        assert zf.read("archive/capture.warc.gz") == warc.read_bytes()  # byte for byte, as archived
        package = json.loads(zf.read(DATAPACKAGE))
        digest = json.loads(zf.read(DIGEST))
        pages = zf.read(PAGES).decode().splitlines()
        listed = {r["path"]: r for r in package["resources"]}
        for info in infos[:3]:
            data = zf.read(info)
            assert listed[info.filename]["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
            assert listed[info.filename]["bytes"] == len(data) == wacz.member(info.filename).size
            assert wacz.member(info.filename).sha256 == hashlib.sha256(data).hexdigest()
        assert wacz.member(DATAPACKAGE).sha256 == hashlib.sha256(zf.read(DATAPACKAGE)).hexdigest()
    assert set(listed) == {"archive/capture.warc.gz", INDEX, PAGES}
    assert {r["name"] for r in package["resources"]} == {"capture.warc.gz", "index.cdx", "pages.jsonl"}
    assert package["profile"] == "data-package" and package["wacz_version"] == "1.1.1"
    assert package["created"] == package["modified"] == CREATED
    assert (package["mainPageUrl"], package["mainPageDate"]) == (PAGE.url, PAGE.ts)
    assert (package["title"], package["software"], package["signer"]) == (
        "UKR1-0001: Statement", "vestige 0.1.0", "vestige.archive/test",
    )  # fmt: skip
    assert json.loads(pages[0]) == {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
    assert [json.loads(line) for line in pages[1:]] == [
        {"id": "UKR1-0001", "url": f"{ORIGIN}/", "ts": CAPTURED, "title": "Statement"}
    ]
    assert digest["path"] == DATAPACKAGE and digest["hash"] == f"sha256:{wacz.datapackage_sha256}"
    signed = digest["signedData"]
    assert signed["hash"] == digest["hash"] and signed["created"] == CREATED
    assert signed["publicKey"] == wacz.public_key and signed["software"] == "vestige 0.1.0"
    assert len(base64.b64decode(signed["signature"])) == 96  # raw r||s on P-384, as WebCrypto signs
    assert wacz.size == wacz.path.stat().st_size


def test_index_locates_every_response_in_the_warc_member(wacz: WaczInfo) -> None:
    with zipfile.ZipFile(wacz.path) as zf:
        lines = zf.read(INDEX).decode().splitlines()
        member = zf.read("archive/capture.warc.gz")
    assert lines == sorted(lines)
    seen = {}
    for line in lines:
        key, timestamp, blob = line.split(" ", 2)
        entry = json.loads(blob)
        assert timestamp == "20261124093000"
        assert key.startswith("example,evidence)/")  # SURT
        assert entry["filename"] == "capture.warc.gz"  # relative to archive/, as wabac.js and pywb resolve it
        record_bytes = member[int(entry["offset"]) : int(entry["offset"]) + int(entry["length"])]
        assert entry["recordDigest"] == "sha256:" + hashlib.sha256(record_bytes).hexdigest()
        records = ArchiveIterator(io.BytesIO(record_bytes))
        record = next(records)  # the slice is one whole gzip member holding the record
        assert record.rec_headers.get_header("WARC-Target-URI") == entry["url"]
        assert record.rec_headers.get_header("WARC-Payload-Digest") == entry["digest"]
        assert record.content_stream().read() == BODIES[entry["url"]]
        assert next(records, None) is None
        assert (entry["status"], entry["mime"]) == ("200", MIMES[entry["url"]])
        seen[entry["url"]] = record.rec_type
    assert seen == dict.fromkeys(BODIES, "response")


def test_the_same_inputs_give_the_same_bytes(
    tmp_path: Path, warc: Path, key: ec.EllipticCurvePrivateKey
) -> None:
    first = build(tmp_path / "a.wacz", warc, key)
    second = build(tmp_path / "b.wacz", warc, key)
    assert first.path.read_bytes() == second.path.read_bytes()  # RFC 6979 signatures, stored members


def test_bad_inputs_are_refused_and_leave_nothing_behind(tmp_path: Path, warc: Path) -> None:
    out = tmp_path / "out" / "x.wacz"
    out.parent.mkdir()

    def attempt(warcs: list[tuple[str, Path]], **kw: object) -> None:
        args: dict[str, object] = {
            "title": "t", "description": None, "created": CREATED, "software": "s", "signing_key": None,
        } | kw  # fmt: skip
        with pytest.raises(InputError):
            build_wacz(out, warcs, [PAGE], **args)  # type: ignore[arg-type]

    attempt([])
    attempt([("../capture.warc.gz", warc)])
    attempt([("capture.txt", warc)])
    attempt([("a.warc.gz", warc), ("a.warc.gz", warc)])
    attempt([("a.warc.gz", tmp_path / "missing")])
    attempt([("a.warc.gz", Path(__file__))])  # not a WARC: the indexer cannot read it
    attempt([("a.warc.gz", warc)], created="yesterday")
    attempt([("a.warc.gz", warc)], signer="someone")  # a signer without a key
    assert not out.exists()
    assert list(out.parent.iterdir()) == []  # no temporary file left


def test_signing_keys_round_trip_and_other_keys_are_refused() -> None:
    key = new_signing_key()
    assert isinstance(key.curve, ec.SECP384R1)
    again = load_signing_key(signing_key_pem(key))
    assert public_key_b64(again) == public_key_b64(key) == public_key_b64(key.public_key())
    other = ed25519.Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )
    for pem in (other, b"not a key"):
        with pytest.raises(InputError):
            load_signing_key(pem)


# -- peers: WebCrypto as ReplayWeb.page uses it, py-wacz, pywb -------------------------------------------


def test_signature_verifies_as_replayweb_page_checks_it(wacz: WaczInfo, tmp_path: Path) -> None:
    """As wabac.js (ReplayWeb.page) verifyWACZSignature: spki key on P-384, ECDSA SHA-256 of the hash text."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: cannot run WebCrypto as ReplayWeb.page does")
    with zipfile.ZipFile(wacz.path) as zf:
        signed = json.loads(zf.read(DIGEST))["signedData"]
    script = tmp_path / "verify.mjs"
    script.write_text(
        """
const s = JSON.parse(process.argv[2]);
const b64 = (t) => Uint8Array.from(Buffer.from(t, "base64"));
const key = await crypto.subtle.importKey("spki", b64(s.publicKey), {name: "ECDSA", namedCurve: "P-384"},
                                          true, ["verify"]);
const ok = await crypto.subtle.verify({name: "ECDSA", hash: "SHA-256"}, key, b64(s.signature),
                                      new TextEncoder().encode(s.hash));
const other = s.hash.replace(/.$/, c => c === "0" ? "1" : "0");  // always a different hash
const bad = await crypto.subtle.verify({name: "ECDSA", hash: "SHA-256"}, key, b64(s.signature),
                                       new TextEncoder().encode(other));
console.log(JSON.stringify({ok, bad}));
"""
    )
    res = subprocess.run([node, str(script), json.dumps(signed)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == {"ok": True, "bad": False}


def _py_wacz() -> Path:
    wacz = REPLAY_BIN / "wacz"
    if not wacz.exists():
        pytest.skip("py-wacz is missing from .venv-replay (pip install wacz): `make dev` installs it")
    return wacz


def test_py_wacz_validates_it_and_rejects_a_forgery(wacz: WaczInfo, tmp_path: Path) -> None:
    tool = _py_wacz()
    res = subprocess.run([tool, "validate", "-f", wacz.path], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Validation succeeded" in res.stdout
    # py-wacz checks the digest and that signedData.created is the package's; it verifies only authsign
    # (domain certificate) signatures, not anonymous ones: WebCrypto and verify_wacz check ours.
    assert "Has signature" in res.stdout
    forged = rewrite(wacz.path, tmp_path / "forged.wacz", flip_warc_byte)
    res = subprocess.run([tool, "validate", "-f", forged], capture_output=True, text=True, timeout=120)
    assert res.returncode != 0, res.stdout


def test_pywb_replays_the_capture_from_the_wacz(wacz: WaczInfo, tmp_path: Path) -> None:
    pywb = Pywb(tmp_path / "pywb")
    pywb.add_wacz(wacz.path)
    index = (pywb.root / "collections" / "evidence" / "indexes" / "index.cdxj").read_text()
    assert index.count("\n") == len(BODIES)  # the WACZ's index, not one pywb rebuilt
    with pywb:
        for url, body in BODIES.items():
            with urllib.request.urlopen(pywb.url(url), timeout=20) as resp:
                assert (resp.status, resp.read()) == (200, body), url


# -- verify_wacz ---------------------------------------------------------------------------------------------


def test_a_good_wacz_verifies_step_by_step(wacz: WaczInfo) -> None:
    check = verify_wacz(wacz.path, expected_public_key=wacz.public_key)
    assert check.ok, check.problems
    assert check.signed and check.public_key == wacz.public_key
    assert check.steps == tuple((step, StepStatus.PASSED) for step in Step)


def test_an_unsigned_wacz_verifies_but_not_against_a_key(tmp_path: Path, warc: Path) -> None:
    unsigned = build(tmp_path / "unsigned.wacz", warc, None)
    assert unsigned.public_key is None
    check = verify_wacz(unsigned.path)
    assert check.ok and not check.signed
    assert dict(check.steps)[Step.SIGNATURE] is StepStatus.NOT_CHECKED
    required = verify_wacz(unsigned.path, expected_public_key=public_key_b64(new_signing_key()))
    assert required.codes == {ProblemCode.SIGNATURE_MISSING}


def test_a_p256_key_signs_and_verifies(tmp_path: Path, warc: Path) -> None:
    info = build(tmp_path / "p256.wacz", warc, ec.generate_private_key(ec.SECP256R1()))
    check = verify_wacz(info.path, expected_public_key=info.public_key)
    assert check.ok and check.signed


def test_a_flipped_warc_byte_fails_the_zip_crc(wacz: WaczInfo, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.wacz"
    data = bytearray(wacz.path.read_bytes())
    at = data.index(b"archive/capture.warc.gz") + len("archive/capture.warc.gz") + 100  # inside the WARC
    data[at] ^= 0x01
    damaged.write_bytes(bytes(data))
    check = verify_wacz(damaged)
    assert check.codes == {ProblemCode.MEMBER_CORRUPT}
    assert [p.member for p in check.problems] == ["archive/capture.warc.gz"]
    assert dict(check.steps)[Step.RESOURCES] is StepStatus.FAILED


def test_a_replaced_warc_fails_its_hash(wacz: WaczInfo, tmp_path: Path) -> None:
    check = verify_wacz(rewrite(wacz.path, tmp_path / "replaced.wacz", flip_warc_byte))
    assert check.codes == {ProblemCode.HASH_MISMATCH}
    assert check.problems[0].member == "archive/capture.warc.gz"
    assert check.signed  # the signature still holds: it is the WARC that no longer matches


def test_an_edited_datapackage_fails_the_digest(wacz: WaczInfo, tmp_path: Path) -> None:
    def edit(name: str, data: bytes) -> bytes:
        return data.replace(b"UKR1-0001: Statement", b"UKR1-0001: Something") if name == DATAPACKAGE else data

    check = verify_wacz(rewrite(wacz.path, tmp_path / "edited.wacz", edit))
    assert check.codes == {ProblemCode.DIGEST_MISMATCH}
    assert dict(check.steps)[Step.SIGNATURE] is StepStatus.NOT_CHECKED and not check.signed


def test_an_edited_datapackage_with_a_new_digest_fails_the_signature(wacz: WaczInfo, tmp_path: Path) -> None:
    with zipfile.ZipFile(wacz.path) as zf:
        package = zf.read(DATAPACKAGE).replace(b"UKR1-0001: Statement", b"UKR1-0001: Something")
        digest = json.loads(zf.read(DIGEST))
    new_hash = "sha256:" + hashlib.sha256(package).hexdigest()
    digest["hash"] = new_hash
    replaced = {DATAPACKAGE: package, DIGEST: json.dumps(digest).encode()}
    check = verify_wacz(rewrite(wacz.path, tmp_path / "a.wacz", lambda n, d: replaced.get(n, d)))
    assert check.codes == {ProblemCode.SIGNATURE_INVALID} and not check.signed
    digest["signedData"]["hash"] = new_hash  # the old signature over the new hash
    replaced[DIGEST] = json.dumps(digest).encode()
    check = verify_wacz(rewrite(wacz.path, tmp_path / "b.wacz", lambda n, d: replaced.get(n, d)))
    assert check.codes == {ProblemCode.SIGNATURE_INVALID} and not check.signed


def _with_signed_data(wacz: WaczInfo, out: Path, **fields: str) -> Path:
    def change(name: str, data: bytes) -> bytes:
        if name != DIGEST:
            return data
        digest = json.loads(data)
        digest["signedData"] |= fields
        return json.dumps(digest).encode()

    return rewrite(wacz.path, out, change)


def test_a_changed_signature_fails(wacz: WaczInfo, tmp_path: Path) -> None:
    with zipfile.ZipFile(wacz.path) as zf:
        signed = json.loads(zf.read(DIGEST))["signedData"]
    raw = bytearray(base64.b64decode(signed["signature"]))
    raw[10] ^= 0x40
    changed = _with_signed_data(wacz, tmp_path / "a.wacz", signature=base64.b64encode(raw).decode())
    assert verify_wacz(changed).codes == {ProblemCode.SIGNATURE_INVALID}
    der = _with_signed_data(wacz, tmp_path / "b.wacz", signature=base64.b64encode(b"\x30" + raw).decode())
    assert verify_wacz(der).codes == {ProblemCode.SIGNATURE_MALFORMED}  # not a raw r||s
    garbage = _with_signed_data(wacz, tmp_path / "c.wacz", publicKey="!!not base64!!")
    assert verify_wacz(garbage).codes == {ProblemCode.SIGNATURE_MALFORMED}
    moved = _with_signed_data(wacz, tmp_path / "d.wacz", created="2020-01-01T00:00:00Z")
    assert verify_wacz(moved).codes == {ProblemCode.CREATED_MISMATCH}


def test_a_wacz_resigned_by_another_key_fails_against_the_expected_key(
    wacz: WaczInfo, tmp_path: Path
) -> None:
    other = new_signing_key()
    with zipfile.ZipFile(wacz.path) as zf:
        signed_hash = json.loads(zf.read(DIGEST))["hash"]
    resigned = _with_signed_data(
        wacz,
        tmp_path / "resigned.wacz",
        signature=sign_hash(other, signed_hash),
        publicKey=public_key_b64(other),
    )
    assert verify_wacz(resigned).ok  # a valid signature, by someone
    check = verify_wacz(resigned, expected_public_key=wacz.public_key)
    assert check.codes == {ProblemCode.KEY_MISMATCH} and check.public_key == public_key_b64(other)


def test_hostile_member_names_are_reported_and_nothing_is_extracted(wacz: WaczInfo, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    for name in ("../evil", "/etc/evil", "archive/../../evil", "C:evil", "archive\\evil", "../evil/"):
        hostile = rewrite(wacz.path, work / "hostile.wacz", extra={name: b"owned"})
        check = verify_wacz(hostile)
        assert check.codes == {ProblemCode.UNSAFE_MEMBER}, name
        assert check.problems[0].member == name
    link = zipfile.ZipInfo("archive/link")
    link.external_attr = (0o120777 << 16) | 0
    with pytest.warns(UserWarning, match="Duplicate name"):
        duplicate = rewrite(wacz.path, work / "dup.wacz", extra={PAGES: b"{}\n"})
    assert verify_wacz(duplicate).codes == {ProblemCode.UNSAFE_MEMBER}  # a name given twice
    with zipfile.ZipFile(rewrite(wacz.path, work / "link.wacz"), "a") as zf:
        zf.writestr(link, "/etc/passwd")
    assert verify_wacz(work / "link.wacz").codes == {ProblemCode.UNSAFE_MEMBER}
    assert sorted(p.name for p in tmp_path.rglob("*") if "evil" in p.name or p.name == "passwd") == []
    assert sorted(p.name for p in work.iterdir()) == ["dup.wacz", "hostile.wacz", "link.wacz"]
    directory = rewrite(wacz.path, work / "dir.wacz", extra={"archive/": b""})
    assert verify_wacz(directory).ok  # a plain directory entry is harmless


def test_unlisted_and_missing_members_are_reported(wacz: WaczInfo, tmp_path: Path) -> None:
    extra = rewrite(wacz.path, tmp_path / "extra.wacz", extra={"archive/more.warc.gz": b"x"})
    assert verify_wacz(extra).codes == {ProblemCode.UNLISTED_MEMBER}
    dropped = rewrite(wacz.path, tmp_path / "dropped.wacz", lambda n, d: None if n == PAGES else d)
    assert verify_wacz(dropped).codes == {ProblemCode.MISSING_MEMBER}
    no_package = rewrite(wacz.path, tmp_path / "bare.wacz", lambda n, d: None if n == DATAPACKAGE else d)
    check = verify_wacz(no_package)
    assert check.codes == {ProblemCode.MISSING_MEMBER}
    assert dict(check.steps)[Step.DIGEST] is StepStatus.NOT_CHECKED


def test_bombs_and_junk_are_bounded_problems_not_crashes(wacz: WaczInfo, tmp_path: Path) -> None:
    bomb = 64 << 20  # 64 MiB of zeros deflates to ~64 KiB
    started = time.monotonic()
    with zipfile.ZipFile(tmp_path / "bomb.wacz", "w") as zf, zipfile.ZipFile(wacz.path) as good:
        for info in good.infolist():
            if info.filename == PAGES:  # listed as a few bytes, inflates to 64 MiB
                zf.writestr(PAGES, b"\0" * bomb, compress_type=zipfile.ZIP_DEFLATED)
            else:
                zf.writestr(info, good.read(info))
    assert verify_wacz(tmp_path / "bomb.wacz").codes == {ProblemCode.SIZE_MISMATCH}
    with zipfile.ZipFile(tmp_path / "json-bomb.wacz", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(DATAPACKAGE, b" " * bomb)
    assert verify_wacz(tmp_path / "json-bomb.wacz").codes == {ProblemCode.DATAPACKAGE_INVALID}
    assert time.monotonic() - started < 10
    deep = rewrite(wacz.path, tmp_path / "deep.wacz", lambda n, d: b"[" * 100_000 if n == DATAPACKAGE else d)
    assert verify_wacz(deep).codes == {ProblemCode.DATAPACKAGE_INVALID}
    (tmp_path / "junk.wacz").write_bytes(b"PK\x03\x04 not really a zip")
    truncated = tmp_path / "truncated.wacz"
    truncated.write_bytes(wacz.path.read_bytes()[:-40])
    for path in (tmp_path / "junk.wacz", truncated, tmp_path / "absent.wacz"):
        check = verify_wacz(path)
        assert check.codes == {ProblemCode.NOT_A_ZIP}, path
        assert dict(check.steps)[Step.ZIP] is StepStatus.FAILED
