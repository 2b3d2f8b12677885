"""The standalone bundle verifier (verify.py, copied into every bundle).

Its own Ed25519, Merkle and signed-note code is checked against published vectors and against vestige's
implementations (and `cryptography`); whole bundles are built here from vestige's real primitives,
exactly as docs/bundle-format.md describes, then verified by running verify.py as `python3 -S`, intact
and after each attack an adversary without the operator key could try.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import glob
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import blake3
import pytest
import rfc3161_client
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tests.support.tsa import TsaPki, make_tsa_pki, openssl_ts_reply
from vestige.custody import merkle
from vestige.custody.canonical import canonical_json
from vestige.custody.checkpoint import Checkpoint, sign_checkpoint
from vestige.custody.keys import fingerprint
from vestige.custody.ledger import Entry, make_entry
from vestige.custody.signed_note import sign_note, verifier_key
from vestige.exports import verify_standalone as vs

SCRIPT = Path(vs.__file__)
ASSETS = Path(__file__).parents[1] / "assets"
RFC8032 = json.loads((ASSETS / "ed25519/rfc8032-7.1.json").read_text())
MERKLE = json.loads((ASSETS / "merkle/rfc9162-vectors.json").read_text())
NOTES = json.loads((ASSETS / "checkpoint/signed-note-vectors.json").read_text())
L = 2**252 + 27742317777372353535851937790883648493
P = 2**255 - 19


# ====================================================================================================
# A synthetic bundle, built from vestige's own primitives as docs/bundle-format.md describes
# ====================================================================================================

CASE = "UKR1"
ORIGIN = "vestige.archive/0f3a9c5e"
TIME = "2026-11-24T09:33:21.046593Z"
EARLIER_SIZE = 6  # the size of the checkpoint of an earlier export, with a consistency proof
SUMS_EXEMPT = ("SHA256SUMS", "SHA256SUMS.sig")
B3_EXEMPT = ("SHA256SUMS", "SHA256SUMS.sig", "B3SUMS")


@dataclass
class BuiltBundle:
    """A bundle directory and the secrets and facts it was made from, so tests can tamper with it."""

    root: Path
    key: Ed25519PrivateKey
    key_name: str
    entries: list[Entry]  # every ledger entry, disclosed or not
    disclosed: list[int]
    checkpoint_note: str
    earlier_note: str
    extra: dict[str, Any] = field(default_factory=dict)

    def path(self, rel: str) -> Path:
        return self.root / rel

    @property
    def verifier_key(self) -> str:
        return verifier_key(self.key_name, self.key.public_key().public_bytes_raw())

    def manifest(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.path("manifest.json").read_text())
        return value

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        self.path("manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")

    def proofs(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.path("custody/proofs.json").read_text())
        return value

    def write_proofs(self, proofs: dict[str, Any]) -> None:
        self.path("custody/proofs.json").write_text(json.dumps(proofs, indent=2) + "\n")

    def sha256(self, rel: str) -> str:
        return hashlib.sha256(self.path(rel).read_bytes()).hexdigest()

    def rewrite_sums(self) -> None:
        """Rewrite B3SUMS and SHA256SUMS over the files as they are now (anyone can do this)."""
        write_sums(self.root)

    def sign_sums(self, key: Ed25519PrivateKey | None = None, key_name: str | None = None) -> None:
        """Sign SHA256SUMS (only the holder of ``key`` can do this)."""
        sign_sums(self.root, key or self.key, key_name or self.key_name)

    def entry_line(self, index: int) -> int:
        """The 0-based line of entries.jsonl that holds ledger entry ``index``."""
        return self.disclosed.index(index)


def _artifact(role: str, name: str, media_type: str, data: bytes) -> dict[str, Any]:
    return {
        "role": role,
        "name": name,
        "media_type": media_type,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "blake3": blake3.blake3(data).hexdigest(),
    }


def _walk_files(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and not p.is_symlink()
    )


def write_sums(root: Path) -> None:
    """B3SUMS over everything but the sums and the signature, then SHA256SUMS over everything but itself
    and its signature (B3SUMS included)."""
    b3 = [
        f"{blake3.blake3((root / rel).read_bytes()).hexdigest()}  {rel}\n"
        for rel in _walk_files(root)
        if rel not in B3_EXEMPT
    ]
    (root / "B3SUMS").write_text("".join(b3))
    sums = [
        f"{hashlib.sha256((root / rel).read_bytes()).hexdigest()}  {rel}\n"
        for rel in _walk_files(root)
        if rel not in SUMS_EXEMPT
    ]
    (root / "SHA256SUMS").write_text("".join(sums))


def sign_sums(root: Path, key: Ed25519PrivateKey, key_name: str, case_id: str = CASE) -> None:
    digest = hashlib.sha256((root / "SHA256SUMS").read_bytes()).hexdigest()
    note = sign_note(f"vestige.bundle/1\n{case_id}\n{digest}\n", key_name, key)
    (root / "SHA256SUMS.sig").write_text(note.to_text())


def _timestamp(pki: TsaPki, message: bytes) -> bytes:
    query = (
        rfc3161_client.TimestampRequestBuilder()
        .data(message)
        .hash_algorithm(rfc3161_client.HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .build()
    )
    return openssl_ts_reply(pki, query.as_bytes())


def build_bundle(
    root: Path,
    *,
    tsa: TsaPki | None = None,
    key: Ed25519PrivateKey | None = None,
    notes: int = 1,
    filler: int = 4,
) -> BuiltBundle:
    """Write a complete `vestige-bundle/1` for case UKR1 with two exhibits into ``root``.

    The ledger holds the archive and key entries, case UKR1 and its items (disclosed), and entries of
    another case (not disclosed): ``notes`` note.added entries on UKR1-0001 and ``filler`` entries of
    the other case size it. An earlier checkpoint (size 6) comes with a consistency proof; with ``tsa``,
    both checkpoints get an RFC 3161 token from a local openssl TSA.
    """
    key = key or Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    key_name = ORIGIN
    vkey = verifier_key(key_name, public)
    rng = random.Random(7)

    # The exhibits' bytes.
    capture = "UKR1-0001"
    document = "UKR1-0002"
    screenshot = b"\x89PNG\r\n\x1a\n" + rng.randbytes(3000)
    dom = b"<!doctype html><html><body><p>\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd1\x96\xd1\x82</p></body></html>"
    provenance = json.dumps({"url": "https://example.org/post/1", "tool": "vestige 0.1.0"}).encode()
    pdf = b"%PDF-1.7\n" + rng.randbytes(1500) + b"\n%%EOF\n"
    text = "Привіт, visible text of the page\n".encode()
    warc = rng.randbytes(5000)  # stands in for capture.warc.gz: stored, not compressed, inside the WACZ
    affidavit = b"%PDF-1.4\n" + rng.randbytes(800) + b"\n%%EOF\n"
    capture_artifacts = [
        (
            _artifact("screenshot", "screenshot.png", "image/png", screenshot),
            f"NATIVES/{capture}/screenshot.png",
        ),
        (_artifact("dom", "dom.html", "text/html", dom), f"NATIVES/{capture}/dom.html"),
        (
            _artifact("provenance", "provenance.json", "application/json", provenance),
            f"NATIVES/{capture}/provenance.json",
        ),
        (_artifact("pdf", "page.pdf", "application/pdf", pdf), f"IMAGES/{capture}.pdf"),
        (_artifact("text", "page.txt", "text/plain", text), f"TEXT/{capture}.txt"),
        (_artifact("warc", "capture.warc.gz", "application/warc", warc), f"WACZ/{capture}.wacz"),
    ]
    document_artifacts = [
        (
            _artifact("document", "affidavit.pdf", "application/pdf", affidavit),
            f"NATIVES/{document}/affidavit.pdf",
        ),
    ]

    # The ledger: (event, subject, case, details); entries of case OTHER are not disclosed.
    specs: list[tuple[str, str | None, str | None, dict[str, Any]]] = [
        ("archive.created", None, None, {"archive_id": "0f3a9c5e", "origin": ORIGIN, "format": "vestige/1"}),
        (
            "key.registered",
            fingerprint(public),
            None,
            {
                "operator": "Olena K.",
                "key_name": key_name,
                "algorithm": "ed25519",
                "public_key": public.hex(),
                "verifier_key": vkey,
            },
        ),
        ("case.created", CASE, CASE, {"case": CASE}),
        ("case.created", "OTHER", "OTHER", {"case": "OTHER"}),
        (
            "item.captured",
            capture,
            CASE,
            {
                "kind": "capture",
                "url": "https://example.org/post/1",
                "artifacts": [a for a, _ in capture_artifacts],
            },
        ),
        ("item.added", "OTHER-0001", "OTHER", {"kind": "file", "artifacts": []}),
        # EARLIER_SIZE = 6: an earlier export's checkpoint
        ("export.created", CASE, CASE, {"bundle": "UKR1-2026-11-01"}),
        ("item.added", document, CASE, {"kind": "file", "artifacts": [a for a, _ in document_artifacts]}),
    ]
    specs += [("note.added", capture, CASE, {"note": f"note {n}: seen by analyst"}) for n in range(notes)]
    specs += [
        ("item.added", f"OTHER-{n + 2:04d}", "OTHER", {"kind": "file", "artifacts": []})
        for n in range(filler)
    ]
    entries = [
        make_entry(
            i,
            time=TIME,
            actor={"name": "Olena K.", "key": fingerprint(public)},
            event=event,
            subject=subject,
            case=case,
            details=details,
            salt=base64.b64encode(rng.randbytes(16)).decode(),
        )
        for i, (event, subject, case, details) in enumerate(specs)
    ]
    disclosed = [
        e.index for e in entries if e.case == CASE or e.event in ("archive.created", "key.registered")
    ]
    leaves = [e.leaf_hash for e in entries]
    subtree = merkle.subtree_from_leaves(leaves)
    size = len(entries)
    root_hash = merkle.root_from_leaves(leaves)
    earlier_root = merkle.root_from_leaves(leaves[:EARLIER_SIZE])
    note = sign_checkpoint(Checkpoint(ORIGIN, size, root_hash), key_name, key).to_text()
    earlier_note = sign_checkpoint(Checkpoint(ORIGIN, EARLIER_SIZE, earlier_root), key_name, key).to_text()

    def put(rel: str, data: bytes | str) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)

    # Exhibit files.
    by_path = {
        f"NATIVES/{capture}/screenshot.png": screenshot,
        f"NATIVES/{capture}/dom.html": dom,
        f"NATIVES/{capture}/provenance.json": provenance,
        f"IMAGES/{capture}.pdf": pdf,
        f"TEXT/{capture}.txt": text,
        f"NATIVES/{document}/affidavit.pdf": affidavit,
        f"REPORTS/{capture}.pdf": b"%PDF-1.7 report " + rng.randbytes(400),
        f"REPORTS/{document}.pdf": b"%PDF-1.7 report " + rng.randbytes(400),
    }
    for rel, data in by_path.items():
        put(rel, data)
    wacz = root / f"WACZ/{capture}.wacz"
    wacz.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wacz, "w") as zf:
        zf.writestr(
            zipfile.ZipInfo("archive/capture.warc.gz", (2026, 11, 24, 9, 33, 20)), warc, zipfile.ZIP_STORED
        )
        zf.writestr("datapackage.json", json.dumps({"profile": "data-package", "wacz_version": "1.1.1"}))
        zf.writestr("pages/pages.jsonl", '{"format": "json-pages-1.0"}\n')

    # Bundle-level files.
    shutil.copyfile(SCRIPT, root / "verify.py")
    put("README.txt", "Evidence bundle for case UKR1.\nVerify: python3 -S verify.py\n")
    put("CERTIFICATION.txt", "I, Olena K., certify ...\n")
    put("index.csv", "exhibit_id,title\nUKR1-0001,Post\nUKR1-0002,Affidavit\n")
    put("index.xlsx", b"PK\x03\x04 not really a spreadsheet")
    put("loadfile.dat", "\u00feBEGDOC\u00fe\u0014\u00feTITLE\u00fe\n")
    put("images.opt", "UKR1-0001,UKR1,IMAGES/UKR1-0001.pdf,Y,,,1\n")

    # Custody files.
    put("custody/entries.jsonl", "".join(entries[i].body + "\n" for i in disclosed))
    put("custody/checkpoint.txt", note)
    earlier_path = f"custody/checkpoints/{EARLIER_SIZE:012d}.txt"
    put(earlier_path, earlier_note)
    put("custody/operator.pub", vkey + "\n")
    timestamps = []
    if tsa is not None:
        for n, (cp_path, cp_note, cp_size) in enumerate(
            [("custody/checkpoint.txt", note, size), (earlier_path, earlier_note, EARLIER_SIZE)]
        ):
            token_path = f"custody/timestamps/{cp_size:012d}-{n}.tsr"
            put(token_path, _timestamp(tsa, cp_note.encode()))
            timestamps.append(
                {"checkpoint": cp_path, "token": token_path, "tsa": "http://127.0.0.1/tsr", "gen_time": None}
            )
    proofs = {
        "tree_size": size,
        "root": root_hash.hex(),
        "inclusion": [
            {
                "index": i,
                "leaf_hash": entries[i].leaf_hash.hex(),
                "path": [h.hex() for h in merkle.inclusion_proof(i, size, subtree)],
            }
            for i in disclosed
        ],
        "consistency": [
            {
                "from_size": EARLIER_SIZE,
                "from_root": earlier_root.hex(),
                "checkpoint": earlier_path,
                "path": [h.hex() for h in merkle.consistency_proof(EARLIER_SIZE, size, subtree)],
            }
        ],
        "timestamps": timestamps,
    }
    put("custody/proofs.json", json.dumps(proofs, indent=2) + "\n")

    def exhibit(
        item_id: str, kind: str, title: str, entry: int, arts: list[tuple[dict[str, Any], str]]
    ) -> dict[str, Any]:
        listed = []
        for art, path in arts:
            row = {**art, "path": path}
            if art["role"] == "warc":
                row["member"] = "archive/capture.warc.gz"
            listed.append(row)
        return {
            "exhibit_id": item_id,
            "item_id": item_id,
            "kind": kind,
            "title": title,
            "url": "https://example.org/post/1" if kind == "capture" else None,
            "entry_index": entry,
            "artifacts": listed,
            "report": f"REPORTS/{item_id}.pdf",
            "wacz": f"WACZ/{item_id}.wacz" if kind == "capture" else None,
        }

    manifest = {
        "format": "vestige-bundle/1",
        "created": TIME,
        "software": "vestige 0.1.0",
        "case": {"id": CASE, "title": "Shelling of Kharkiv, 2026", "description": "test case"},
        "archive": {"origin": ORIGIN, "verifier_key": vkey, "operator": "Olena K."},
        "id_pattern": "{case}-{seq:04d}",
        "checkpoint": {"path": "custody/checkpoint.txt", "tree_size": size, "root": root_hash.hex()},
        "exhibits": [
            exhibit(capture, "capture", "Post", 4, capture_artifacts),
            exhibit(document, "file", "Affidavit", 7, document_artifacts),
        ],
    }
    put("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    write_sums(root)
    sign_sums(root, key, key_name)
    return BuiltBundle(root, key, key_name, entries, disclosed, note, earlier_note)


@pytest.fixture(scope="module")
def tsa_pki(tmp_path_factory: pytest.TempPathFactory) -> TsaPki:
    return make_tsa_pki(tmp_path_factory.mktemp("tsa"))


@pytest.fixture
def bundle(tmp_path: Path, tsa_pki: TsaPki) -> BuiltBundle:
    return build_bundle(tmp_path / "bundle", tsa=tsa_pki)


# ====================================================================================================
# Running verify.py as a court's expert would
# ====================================================================================================


@dataclass
class Run:
    code: int
    out: str
    err: str

    def status(self, number: int) -> str:
        match = re.search(rf"^{number}\. .*: (passed|FAILED)$", self.out, re.MULTILINE)
        assert match, self.out
        return match.group(1)

    @property
    def failed(self) -> set[int]:
        return {int(m.group(1)) for m in re.finditer(r"^(\d)\. .*: FAILED$", self.out, re.MULTILINE)}


def run_verify(
    target: Path | None,
    *args: str,
    python: str = sys.executable,
    script: Path | None = None,
    cwd: Path | None = None,
) -> Run:
    """``python -S verify.py [args] [target]`` in a clean environment (no PYTHONPATH, no site-packages)."""
    script = script or (target / "verify.py" if target is not None else None)
    assert script is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONIOENCODING"] = "utf-8"
    cmd = [python, "-S", str(script), *args, *([str(target)] if target is not None else [])]
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd or script.parent.parent,
        timeout=300,
    )
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return Run(proc.returncode, proc.stdout, proc.stderr)


def assert_not_intact(run: Run, failed: set[int], *reasons: str) -> None:
    assert run.code == 1, run.out + run.err
    assert run.out.rstrip().splitlines()[-1] == "RESULT: NOT INTACT"
    assert run.failed == failed, run.out
    for reason in reasons:
        assert reason in run.out, f"{reason!r} not in:\n{run.out}"


def _flip(path: Path, offset: int = 100) -> None:
    data = bytearray(path.read_bytes())
    data[offset % len(data)] ^= 0x01
    path.write_bytes(bytes(data))


# ====================================================================================================
# Whole bundles: intact
# ====================================================================================================


def test_intact_bundle_verifies_from_its_own_directory(bundle: BuiltBundle) -> None:
    run = run_verify(None, script=bundle.path("verify.py"), cwd=bundle.root)
    assert run.code == 0, run.out + run.err
    lines = run.out.rstrip().splitlines()
    assert lines[-1] == "RESULT: INTACT"
    assert all(run.status(n) == "passed" for n in range(1, 8))
    assert re.search(rf"^Operator key:\s+{re.escape(bundle.verifier_key)}$", run.out, re.MULTILINE)
    assert re.search(r"^Case:\s+UKR1: Shelling of Kharkiv, 2026$", run.out, re.MULTILINE)
    assert f"tree size {len(bundle.entries)}" in run.out
    assert f"{len(bundle.disclosed)} entries, in a log of {len(bundle.entries)}" in run.out
    assert "2 exhibits, 7 artifacts" in run.out
    assert f"custody/checkpoints/{EARLIER_SIZE:012d}.txt (tree size {EARLIER_SIZE})" in run.out
    assert "(signature checked by vestige verify-bundle)" in run.out
    assert re.search(r"custody/checkpoint\.txt time-stamped \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", run.out)
    assert run.err == ""


def test_intact_bundle_verifies_when_named_from_elsewhere(bundle: BuiltBundle, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = run_verify(bundle.root, script=bundle.path("verify.py"), cwd=elsewhere)
    assert run.code == 0, run.out
    run = run_verify(bundle.root, "--key", bundle.verifier_key, script=SCRIPT, cwd=elsewhere)
    assert run.code == 0, run.out


def test_verify_bundle_as_a_module(bundle: BuiltBundle) -> None:
    report = vs.verify_bundle(str(bundle.root))
    assert report.intact
    assert [s.number for s in report.steps] == [1, 2, 3, 4, 5, 6, 7]
    assert report.text().rstrip().endswith("RESULT: INTACT")
    data = report.to_json()
    assert data["intact"] is True
    assert data["facts"]["Operator key"] == bundle.verifier_key
    assert {c["status"] for c in data["checks"]} == {"passed"}
    assert vs.main([str(bundle.root)]) == 0


def test_bundle_without_timestamps_or_earlier_checkpoints(tmp_path: Path) -> None:
    built = build_bundle(tmp_path / "b")
    proofs = built.proofs()
    proofs["consistency"] = []
    built.write_proofs(proofs)
    shutil.rmtree(built.path("custody/checkpoints"))
    built.rewrite_sums()
    built.sign_sums()
    run = run_verify(built.root)
    assert run.code == 0, run.out
    assert "no earlier checkpoints in this bundle" in run.out
    assert "no time-stamp tokens in this bundle" in run.out


def _pythons() -> list[Any]:
    """Interpreters on this machine (pyenv's, python3.X on PATH), one per version from 3.8 on."""
    found = set(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3")))
    for minor in range(8, 14):
        exe = shutil.which(f"python3.{minor}")
        if exe:
            found.add(exe)
    by_version: dict[str, str] = {}
    for exe in sorted(found):
        try:
            proc = subprocess.run(
                [exe, "-S", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=30,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        version = proc.stdout.strip()
        if proc.returncode == 0 and re.fullmatch(r"3\.\d+", version) and int(version[2:]) >= 8:
            by_version.setdefault(version, exe)
    if not by_version:
        return [pytest.param("", marks=pytest.mark.skip("no other Python found"))]
    return [pytest.param(exe, id=f"python{v}") for v, exe in sorted(by_version.items())]


@pytest.mark.parametrize("python", _pythons())
def test_runs_on_other_pythons(bundle: BuiltBundle, python: str) -> None:
    run = run_verify(bundle.root, python=python)
    assert run.code == 0, run.out + run.err
    _flip(bundle.path("NATIVES/UKR1-0001/screenshot.png"))
    assert_not_intact(run_verify(bundle.root, python=python), {1, 5})


def test_imports_only_the_standard_library() -> None:
    tree = ast.parse(SCRIPT.read_text())
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0 and node.module
            modules.add(node.module.split(".")[0])
    assert modules <= set(sys.stdlib_module_names), modules - set(sys.stdlib_module_names)
    assert "__future__" not in modules  # a __future__.py in the bundle would be imported before anything


def test_modules_planted_in_the_bundle_are_not_imported(bundle: BuiltBundle) -> None:
    for name in ("hashlib", "json", "zipfile", "base64", "dataclasses", "typing"):
        bundle.path(f"{name}.py").write_text("print('PLANTED')\nraise SystemExit(0)\n")
    run = run_verify(bundle.root)
    assert "PLANTED" not in run.out
    assert_not_intact(run, {1}, "hashlib.py: is in the bundle but not listed in SHA256SUMS")


# ====================================================================================================
# Whole bundles: attacks and damage (each must exit 1 and say precisely why)
# ====================================================================================================


def test_flipped_byte_in_a_native_file(bundle: BuiltBundle) -> None:
    rel = "NATIVES/UKR1-0001/screenshot.png"
    before = bundle.sha256(rel)
    _flip(bundle.path(rel))
    after = bundle.sha256(rel)
    assert_not_intact(
        run_verify(bundle.root),
        {1, 5},
        f"{rel}: SHA-256 is {after}, SHA256SUMS line",
        f"says {before}",
        f"exhibit UKR1-0001 screenshot {rel}: SHA-256 is {after}, manifest.json says {before}",
    )


def test_flipped_byte_and_rewritten_sums_break_the_signature(bundle: BuiltBundle) -> None:
    old_sums = bundle.sha256("SHA256SUMS")
    _flip(bundle.path("NATIVES/UKR1-0002/affidavit.pdf"))
    bundle.rewrite_sums()
    new_sums = bundle.sha256("SHA256SUMS")
    assert_not_intact(
        run_verify(bundle.root),
        {2, 5},
        f"SHA256SUMS.sig: signs a SHA256SUMS with SHA-256 {old_sums}, "
        f"but this SHA256SUMS has SHA-256 {new_sums}",
    )


def test_edited_entry_resigned_with_another_key(bundle: BuiltBundle) -> None:
    lines = bundle.path("custody/entries.jsonl").read_text().splitlines(keepends=True)
    n = bundle.entry_line(4)
    entry = json.loads(lines[n])
    entry["details"]["url"] = "https://example.org/a-different-post"
    lines[n] = canonical_json(entry) + "\n"
    bundle.path("custody/entries.jsonl").write_text("".join(lines))
    bundle.rewrite_sums()
    forger = Ed25519PrivateKey.generate()
    bundle.sign_sums(forger)
    operator_id = bundle.verifier_key.split("+")[1]
    forger_id = verifier_key(ORIGIN, forger.public_key().public_bytes_raw()).split("+")[1]
    assert_not_intact(
        run_verify(bundle.root),
        {2, 4},
        f"SHA256SUMS.sig: no signature by the operator key {ORIGIN} (key id {operator_id}); "
        f"signed by: {ORIGIN} (key id {forger_id})",
        f"entry 4 (custody/entries.jsonl line {n + 1}): the line's leaf hash is",
        f"but custody/proofs.json proves leaf {bundle.entries[4].leaf_hash.hex()}",
    )


def test_bundle_rebuilt_under_another_key(tmp_path: Path, bundle: BuiltBundle) -> None:
    # A forger with a key of their own can build a self-consistent bundle: only the key tells it apart,
    # which is why the report shows the key to compare with the published one, and --key pins it.
    forged = build_bundle(tmp_path / "forged", key=Ed25519PrivateKey.generate())
    run = run_verify(forged.root)
    assert run.code == 0
    assert re.search(rf"^Operator key:\s+{re.escape(forged.verifier_key)}$", run.out, re.MULTILINE)
    assert_not_intact(
        run_verify(forged.root, "--key", bundle.verifier_key),
        {2, 3, 6},
        f"manifest.json names the operator key {forged.verifier_key}, not the key given with --key",
    )
    # Keeping the real ledger's key.registered entry (or any real entry) gives it away without --key.
    lines = forged.path("custody/entries.jsonl").read_text().splitlines(keepends=True)
    lines[forged.entry_line(1)] = (
        bundle.path("custody/entries.jsonl").read_text().splitlines(keepends=True)[1]
    )
    forged.path("custody/entries.jsonl").write_text("".join(lines))
    forged.rewrite_sums()
    forged.sign_sums()
    assert_not_intact(
        run_verify(forged.root),
        {3, 4},
        f"no disclosed key.registered entry in custody/entries.jsonl registers {forged.verifier_key}",
    )


def test_swapped_screenshot_with_fixed_manifest_and_sums(bundle: BuiltBundle) -> None:
    rel = "NATIVES/UKR1-0001/screenshot.png"
    original = bundle.path(rel).read_bytes()
    fake = b"\x89PNG\r\n\x1a\n a doctored screenshot"
    bundle.path(rel).write_bytes(fake)
    manifest = bundle.manifest()
    art = next(a for a in manifest["exhibits"][0]["artifacts"] if a["role"] == "screenshot")
    art.update(
        size=len(fake), sha256=hashlib.sha256(fake).hexdigest(), blake3=blake3.blake3(fake).hexdigest()
    )
    bundle.write_manifest(manifest)
    bundle.rewrite_sums()  # and SHA256SUMS.sig cannot be redone without the operator key
    fake_sha = hashlib.sha256(fake).hexdigest()
    real_sha = hashlib.sha256(original).hexdigest()
    assert_not_intact(
        run_verify(bundle.root),
        {2, 5},
        f"exhibit UKR1-0001: screenshot 'screenshot.png' ({len(fake)} bytes, sha256 {fake_sha}",
        "is in manifest.json, but ledger entry 4 did not commit it",
        f"exhibit UKR1-0001: screenshot 'screenshot.png' ({len(original)} bytes, sha256 {real_sha}",
        "was committed by ledger entry 4, but is not in manifest.json",
    )


def test_dropped_entries_line(bundle: BuiltBundle) -> None:
    lines = bundle.path("custody/entries.jsonl").read_text().splitlines(keepends=True)
    del lines[bundle.entry_line(8)]  # the analyst's note
    bundle.path("custody/entries.jsonl").write_text("".join(lines))
    assert_not_intact(
        run_verify(bundle.root),
        {1, 4},
        "custody/entries.jsonl: SHA-256 is",
        "custody/proofs.json has an inclusion proof for entry 8, "
        "but custody/entries.jsonl has no line for it",
    )


def test_dropped_item_entry_and_its_proof(bundle: BuiltBundle) -> None:
    lines = bundle.path("custody/entries.jsonl").read_text().splitlines(keepends=True)
    del lines[bundle.entry_line(7)]
    bundle.path("custody/entries.jsonl").write_text("".join(lines))
    proofs = bundle.proofs()
    proofs["inclusion"] = [p for p in proofs["inclusion"] if p["index"] != 7]
    bundle.write_proofs(proofs)
    bundle.rewrite_sums()
    assert_not_intact(
        run_verify(bundle.root),
        {2, 5},
        "exhibit UKR1-0002: its ledger entry 7 is not disclosed in custody/entries.jsonl",
    )


def test_unlisted_file(bundle: BuiltBundle) -> None:
    bundle.path("NATIVES/UKR1-0001/extra.txt").write_text("planted\n")
    assert_not_intact(
        run_verify(bundle.root),
        {1},
        "NATIVES/UKR1-0001/extra.txt: is in the bundle but not listed in SHA256SUMS",
    )


def test_file_browser_litter_is_ignored_with_a_note(bundle: BuiltBundle) -> None:
    """A lawyer who opens the folder in Finder must not see NOT INTACT for Finder's own files."""
    bundle.path(".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    bundle.path("NATIVES/UKR1-0001/._screenshot.png").write_bytes(b"\x00\x05\x16\x07")
    run = run_verify(bundle.root)
    assert run.code == 0, run.out
    assert "ignored .DS_Store" in run.out and "ignored NATIVES/UKR1-0001/._screenshot.png" in run.out


@pytest.mark.parametrize("listed", ["../outside.txt", "NATIVES/../../outside.txt", "ABSOLUTE"])
def test_sums_path_leaving_the_bundle(bundle: BuiltBundle, listed: str) -> None:
    outside = bundle.root.parent / "outside.txt"
    outside.write_text("outside the bundle\n")
    if listed == "ABSOLUTE":
        listed = str(outside)
    digest = hashlib.sha256(outside.read_bytes()).hexdigest()
    with bundle.path("SHA256SUMS").open("a") as fp:
        fp.write(f"{digest}  {listed}\n")
    count = len(bundle.path("SHA256SUMS").read_text().splitlines())
    run = run_verify(bundle.root)
    assert_not_intact(run, {1, 2}, f"SHA256SUMS line {count}: {listed!r}:")
    assert "leaves the bundle" in run.out


def test_symlink_pointing_outside(bundle: BuiltBundle) -> None:
    rel = "NATIVES/UKR1-0001/screenshot.png"
    outside = bundle.root.parent / "screenshot.png"
    shutil.copyfile(bundle.path(rel), outside)  # the same bytes: only the link gives it away
    bundle.path(rel).unlink()
    bundle.path(rel).symlink_to(outside)
    assert_not_intact(
        run_verify(bundle.root),
        {1, 5},
        f"{rel}: is or passes through a symbolic link; a bundle holds no links",
    )


def test_symlinked_directory(bundle: BuiltBundle) -> None:
    target = bundle.root.parent / "natives-elsewhere"
    shutil.move(bundle.path("NATIVES/UKR1-0002"), target)
    bundle.path("NATIVES/UKR1-0002").symlink_to(target, target_is_directory=True)
    assert_not_intact(run_verify(bundle.root), {1, 5}, "NATIVES/UKR1-0002: is a symbolic link")


def test_truncated_inclusion_proof(bundle: BuiltBundle) -> None:
    proofs = bundle.proofs()
    proof = next(p for p in proofs["inclusion"] if p["index"] == 4)
    proof["path"] = proof["path"][:-1]
    bundle.write_proofs(proofs)
    bundle.rewrite_sums()
    cp_root = merkle.root_from_leaves([e.leaf_hash for e in bundle.entries]).hex()
    assert_not_intact(
        run_verify(bundle.root),
        {2, 4},
        f"entry 4 (custody/entries.jsonl line {bundle.entry_line(4) + 1}): the inclusion proof does not lead "
        f"to the checkpoint root {cp_root}",
    )


def test_wrong_checkpoint_root(bundle: BuiltBundle) -> None:
    lines = bundle.checkpoint_note.split("\n")
    real = base64.b64decode(lines[2]).hex()
    fake = hashlib.sha256(b"another tree").digest()
    lines[2] = base64.b64encode(fake).decode()
    bundle.path("custody/checkpoint.txt").write_text("\n".join(lines))
    run = run_verify(bundle.root)
    assert_not_intact(
        run,
        {1, 3, 4, 6, 7},
        "custody/checkpoint.txt: the signature by vestige.archive/0f3a9c5e",
        "does not verify: the signed text was changed",
        f"manifest.json checkpoint.root is {real}, but custody/checkpoint.txt has root {fake.hex()}",
        f"custody/proofs.json root is {real}, but custody/checkpoint.txt has root {fake.hex()}",
        "the consistency proof does not lead from",
        "custody/timestamps/",
    )


def test_malformed_manifest_json(bundle: BuiltBundle) -> None:
    bundle.path("manifest.json").write_text('{"format": "vestige-bundle/1", "case": ')
    run = run_verify(bundle.root)
    assert_not_intact(
        run,
        {1, 2, 3, 5, 6},
        "manifest.json: SHA-256 is",
        "cannot check: manifest.json is not valid JSON: Expecting value: line 1 column 40 (char 39)",
    )
    assert re.search(r"^Manifest:\s+manifest.json is not valid JSON", run.out, re.MULTILINE)


def test_malformed_proofs(bundle: BuiltBundle) -> None:
    bundle.path("custody/proofs.json").write_text('{"tree_size": 1, "tree_size": 2}')
    assert_not_intact(
        run_verify(bundle.root),
        {1, 4, 6, 7},
        "cannot check: custody/proofs.json is not valid JSON: duplicate key 'tree_size'",
    )
    bundle.path("custody/proofs.json").write_text("{}")
    report = vs.verify_bundle(str(bundle.root))
    assert report.step(4).problems == ["custody/proofs.json has no 'tree_size'"]
    bundle.path("custody/proofs.json").write_text('{"tree_size": NaN}')
    report = vs.verify_bundle(str(bundle.root))
    assert "NaN is not a JSON number" in report.step(4).problems[0]


def test_malformed_entries_lines(bundle: BuiltBundle) -> None:
    lines = bundle.path("custody/entries.jsonl").read_text().splitlines(keepends=True)
    lines[2] = lines[2].replace('{"actor"', '{ "actor"', 1)
    lines.insert(3, "not json\n")
    lines.insert(4, "[1, 2]\n")
    bundle.path("custody/entries.jsonl").write_text("".join(lines))
    assert_not_intact(
        run_verify(bundle.root),
        {1, 4},
        "custody/entries.jsonl line 3: the line is not in canonical JSON form (RFC 8785)",
        "custody/entries.jsonl line 4: the line is not valid JSON: Expecting value: line 1 column 1",
        "custody/entries.jsonl line 5: the line is not a JSON object",
    )


def test_bad_base64_in_the_sums_signature(bundle: BuiltBundle) -> None:
    text = bundle.path("SHA256SUMS.sig").read_text()
    bundle.path("SHA256SUMS.sig").write_text(text[: text.rindex(" ") + 1] + "!!not*base64!!\n")
    assert_not_intact(
        run_verify(bundle.root), {2}, "SHA256SUMS.sig: signature line 1 is not '— <key name> <base64>'"
    )


def test_truncated_wacz(bundle: BuiltBundle) -> None:
    path = bundle.path("WACZ/UKR1-0001.wacz")
    path.write_bytes(path.read_bytes()[:3000])
    assert_not_intact(
        run_verify(bundle.root),
        {1, 5},
        "exhibit UKR1-0001 warc: WACZ/UKR1-0001.wacz: not a readable zip file",
    )


def test_changed_warc_inside_the_wacz(bundle: BuiltBundle) -> None:
    path = bundle.path("WACZ/UKR1-0001.wacz")
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members["archive/capture.warc.gz"] = b"another capture"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    bundle.rewrite_sums()
    assert_not_intact(
        run_verify(bundle.root),
        {2, 5},
        "exhibit UKR1-0001 warc WACZ/UKR1-0001.wacz member archive/capture.warc.gz: SHA-256 is "
        + hashlib.sha256(b"another capture").hexdigest(),
        "size is 15 bytes, manifest.json says 5000",
    )


def test_timestamp_token_over_another_note(bundle: BuiltBundle) -> None:
    proofs = bundle.proofs()
    current, earlier = proofs["timestamps"]
    shutil.copyfile(bundle.path(earlier["token"]), bundle.path(current["token"]))
    expected = hashlib.sha256(bundle.checkpoint_note.encode()).hexdigest()
    imprint = hashlib.sha256(bundle.earlier_note.encode()).hexdigest()
    assert_not_intact(
        run_verify(bundle.root),
        {1, 7},
        f"{current['token']}: message imprint is {imprint}, "
        f"but custody/checkpoint.txt has SHA-256 {expected}",
    )


def test_garbage_timestamp_token(bundle: BuiltBundle) -> None:
    token = bundle.proofs()["timestamps"][0]["token"]
    bundle.path(token).write_bytes(b"\x30\x05\x02\x01")
    assert_not_intact(
        run_verify(bundle.root), {1, 7}, f"{token}: not a readable RFC 3161 time-stamp token: truncated DER"
    )


def test_consistency_proof_from_a_rewritten_history(bundle: BuiltBundle) -> None:
    # The earlier checkpoint is genuine and signed, but the proof is for another history.
    proofs = bundle.proofs()
    proofs["consistency"][0]["path"][0] = hashlib.sha256(b"rewritten").hexdigest()
    bundle.write_proofs(proofs)
    assert_not_intact(
        run_verify(bundle.root),
        {1, 6},
        f"the consistency proof does not lead from custody/checkpoints/{EARLIER_SIZE:012d}.txt "
        f"(tree size {EARLIER_SIZE}) to custody/checkpoint.txt",
    )


def test_terminal_control_characters_are_shown_inert(bundle: BuiltBundle) -> None:
    manifest = bundle.manifest()
    manifest["case"]["title"] = "x\x1b[2K\rRESULT: INTACT\u202e"
    bundle.write_manifest(manifest)
    run = run_verify(bundle.root)
    assert "\x1b" not in run.out and "\u202e" not in run.out
    assert "x\\x1b[2K\\x0dRESULT: INTACT\\u202e" in run.out
    assert_not_intact(run, {1})


def test_every_damaged_file_is_detected(bundle: BuiltBundle) -> None:
    """Flip a byte in, and truncate, each file in turn: never intact, never an unforeseen error."""
    for rel in _walk_files(bundle.root):
        path = bundle.path(rel)
        original = path.read_bytes()
        for damaged in (original[: len(original) // 2], bytes([original[0] ^ 0x20]) + original[1:]):
            path.write_bytes(damaged)
            report = vs.verify_bundle(str(bundle.root))
            assert not report.intact, rel
            problems = [p for s in report.steps for p in s.problems]
            assert not [p for p in problems if "could not be completed" in p], (rel, problems)
        path.write_bytes(original)
    assert vs.verify_bundle(str(bundle.root)).intact


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}/missing"], "is not a directory"),
        (["{tmp}/empty"], "is not a Vestige bundle"),
        (["{tmp}/bundle.zip"], "is a zip file: unzip it"),
        (["--frobnicate", "{tmp}/empty"], "unknown option --frobnicate"),
        (["{tmp}/empty", "{tmp}/empty"], "give one bundle directory"),
        (["--key", "nonsense", "{tmp}/bundle"], "--key is not a verifier key"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "bundle").mkdir()
    (tmp_path / "bundle" / "SHA256SUMS").write_text("")
    (tmp_path / "bundle.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    run = run_verify(None, *[a.format(tmp=tmp_path) for a in args], script=SCRIPT, cwd=tmp_path)
    assert run.code == 2
    assert message in run.err
    assert "usage: python3 -S verify.py" in run.err


def test_help_exits_0() -> None:
    run = run_verify(None, "--help", script=SCRIPT)
    assert run.code == 0
    assert "python3 -S verify.py [--key VERIFIER_KEY] [BUNDLE_DIR]" in run.out


def test_verify_time_for_fifty_entries(tmp_path: Path, tsa_pki: TsaPki) -> None:
    built = build_bundle(tmp_path / "b", tsa=tsa_pki, notes=44, filler=10)
    assert len(built.disclosed) == 50
    start = time.perf_counter()
    run = run_verify(built.root)
    elapsed = time.perf_counter() - start
    assert run.code == 0, run.out
    assert elapsed < 10, elapsed


# ====================================================================================================
# Ed25519 (RFC 8032 s5.1.7)
# ====================================================================================================


@pytest.mark.parametrize("vector", RFC8032["vectors"], ids=lambda v: v["name"])
def test_rfc8032_vectors(vector: dict[str, str]) -> None:
    public, message, signature = (bytes.fromhex(vector[k]) for k in ("public_key", "message", "signature"))
    assert vs.ed25519_verify(public, message, signature)
    assert not vs.ed25519_verify(public, message + b"\x00", signature)
    if message:
        assert not vs.ed25519_verify(public, bytes([message[0] ^ 1]) + message[1:], signature)
    assert not vs.ed25519_verify(public, message, signature[:-1] + bytes([signature[-1] ^ 0x01]))


@pytest.mark.parametrize("vector", RFC8032["rejected"], ids=lambda v: v["name"])
def test_rfc8032_rejected_signatures(vector: dict[str, str]) -> None:
    public, message, signature = (bytes.fromhex(vector[k]) for k in ("public_key", "message", "signature"))
    assert not vs.ed25519_verify(public, message, signature)


def _cryptography_verifies(public: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def test_ed25519_agrees_with_cryptography() -> None:
    rng = random.Random(8032)
    for _ in range(40):
        key = Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))
        public = key.public_key().public_bytes_raw()
        message = rng.randbytes(rng.randrange(0, 300))
        signature = key.sign(message)
        assert vs.ed25519_verify(public, message, signature)
        for target in ("signature", "message", "public"):
            sig, msg, pub = bytearray(signature), bytearray(message), bytearray(public)
            buf = {"signature": sig, "message": msg, "public": pub}[target]
            if not buf:
                continue
            bit = rng.randrange(len(buf) * 8)
            buf[bit // 8] ^= 1 << (bit % 8)
            ours = vs.ed25519_verify(bytes(pub), bytes(msg), bytes(sig))
            assert not ours, (target, bit)
            assert ours == _cryptography_verifies(bytes(pub), bytes(msg), bytes(sig))


def test_ed25519_rejects_non_canonical_s() -> None:
    rng = random.Random(1)
    for _ in range(10):
        key = Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))
        public = key.public_key().public_bytes_raw()
        signature = key.sign(b"message")
        s = int.from_bytes(signature[32:], "little")
        for bad in (s + L, L, 2**256 - 1):
            forged = signature[:32] + bad.to_bytes(32, "little")
            assert not vs.ed25519_verify(public, b"message", forged)


def _first_y_off_the_curve() -> int:
    return next(y for y in range(2, 1000) if vs._recover_x(y, 0) is None)


def test_ed25519_rejects_bad_point_encodings() -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    public = key.public_key().public_bytes_raw()
    signature = key.sign(b"m")
    bad_points = {
        "y = p (not canonical)": P.to_bytes(32, "little"),
        "y = p + 1 (not canonical)": (P + 1).to_bytes(32, "little"),
        "x = 0 with the sign bit set": (1 | 1 << 255).to_bytes(32, "little"),
        "y off the curve": _first_y_off_the_curve().to_bytes(32, "little"),
    }
    for name, encoding in bad_points.items():
        assert vs._decode_point(encoding) is None, name
        assert not vs.ed25519_verify(encoding, b"m", signature), name
        assert not vs.ed25519_verify(public, b"m", encoding + signature[32:]), name
    assert vs._decode_point((1).to_bytes(32, "little")) == (0, 1, 1, 0)  # the neutral point is a point
    assert not vs.ed25519_verify(public[:31], b"m", signature)
    assert not vs.ed25519_verify(public, b"m", signature[:63])


def test_ed25519_base_point_is_rfc8032s() -> None:
    # RFC 8032 s5.1: B = (15112221349535400772501151409588531511454012693041857206046113283949847762202,
    #                     46316835694926478169428394003475163141307993866256225615783033603165251855960)
    x, y, z, _ = vs._BASE
    assert (x, y, z) == (
        15112221349535400772501151409588531511454012693041857206046113283949847762202,
        46316835694926478169428394003475163141307993866256225615783033603165251855960,
        1,
    )
    assert vs._is_neutral(vs._scalar_mult(L, vs._BASE))


def test_ed25519_is_fast_enough() -> None:
    vector = RFC8032["vectors"][4]
    public, message, signature = (bytes.fromhex(vector[k]) for k in ("public_key", "message", "signature"))
    start = time.perf_counter()
    for _ in range(20):
        assert vs.ed25519_verify(public, message, signature)
    assert (time.perf_counter() - start) / 20 < 0.1


# ====================================================================================================
# Merkle proofs (RFC 9162 s2.1.3, s2.1.4), against vestige.custody.merkle and published vectors
# ====================================================================================================


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def _variants(proof: list[bytes]) -> list[list[bytes]]:
    out = [proof[:-1], [*proof, bytes(32)], [bytes(32), *proof]]
    for i in range(len(proof)):
        out.append(
            [*proof[:i], bytes(a ^ 1 if j == 0 else a for j, a in enumerate(proof[i])), *proof[i + 1 :]]
        )
    return [v for v in out if v != proof]


def test_inclusion_agrees_with_vestige_for_every_proof_up_to_64() -> None:
    for n in range(1, 65):
        leaves = _leaves(n)
        root = merkle.root_from_leaves(leaves)
        subtree = merkle.subtree_from_leaves(leaves)
        for i in range(n):
            proof = merkle.inclusion_proof(i, n, subtree)
            assert vs.verify_inclusion(leaves[i], i, n, proof, root), (i, n)
            invalid = [(leaves[i], j, n, proof, root) for j in {(i + 1) % n, i + n, n} - {i}]
            invalid += [(leaves[i], i, n, p, root) for p in _variants(proof)]
            invalid += [(merkle.leaf_hash(b"x"), i, n, proof, root), (leaves[i], i, n, proof, bytes(32))]
            for case in invalid:
                assert not vs.verify_inclusion(*case), (case[1:3], len(case[3]), n)
                assert not merkle.verify_inclusion(*case)
            for size in (n - 1, n + 1, 2 * n):  # proofs are bound to the root; sizes of the same shape agree
                case = (leaves[i], i, size, proof, root)
                assert vs.verify_inclusion(*case) == merkle.verify_inclusion(*case), (i, n, size)


def test_consistency_agrees_with_vestige_for_every_proof_up_to_64() -> None:
    roots = [merkle.root_from_leaves(_leaves(n)) for n in range(65)]
    for n in range(1, 65):
        subtree = merkle.subtree_from_leaves(_leaves(n))
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(m, n, subtree)
            assert vs.verify_consistency(m, n, roots[m], roots[n], proof), (m, n)
            invalid = [(m, n, roots[m], roots[n], p) for p in _variants(proof)]
            invalid += [(m, n, roots[m - 1], roots[n], proof), (m, n, roots[m], bytes(32), proof)]
            if m < n:
                invalid.append((n, m, roots[n], roots[m], proof))
            for case in invalid:
                assert not vs.verify_consistency(*case), (case[:2], len(case[4]), m, n)
                assert not merkle.verify_consistency(*case)
            for size in (m - 1, m + 1):  # sizes of the same shape: the two implementations agree
                if 0 < size <= n:
                    case = (size, n, roots[size], roots[n], proof)
                    assert vs.verify_consistency(*case) == merkle.verify_consistency(*case), (m, n, size)


def test_merkle_golden_vectors() -> None:
    leaves = [vs.leaf_hash(bytes.fromhex(h)) for h in MERKLE["leaves_hex"]]
    assert [h.hex() for h in leaves] == MERKLE["leaf_hashes_hex"]
    roots = {c["size"]: bytes.fromhex(c["root_hex"]) for c in MERKLE["roots"]}
    for case in MERKLE["inclusion"]:
        index, size = case["leaf_index"], case["tree_size"]
        proof = [bytes.fromhex(h) for h in case["proof_hex"]]
        assert vs.verify_inclusion(leaves[index], index, size, proof, roots[size])
        assert not vs.verify_inclusion(leaves[index], index, size, proof[:-1], roots[size]) or not proof
    for case in MERKLE["consistency"]:
        m, n = case["size1"], case["size2"]
        proof = [bytes.fromhex(h) for h in case["proof_hex"]]
        assert vs.verify_consistency(m, n, roots[m], roots[n], proof)


# ====================================================================================================
# Signed notes and checkpoints (C2SP), against published vectors and vestige's signer
# ====================================================================================================


@pytest.mark.parametrize("note", NOTES["signed_notes"] + NOTES["checkpoints"], ids=lambda n: n["id"])
def test_published_signed_notes_verify(note: dict[str, Any]) -> None:
    parsed = vs.parse_signed_note(note["signed_note"].encode(), "note")
    assert parsed.text == note["text"]
    keys = note.get("verifier_keys") or [note["verifier_key"]]
    for text in keys:
        key = vs.parse_verifier_key(text, "key")
        assert vs.signature_problem(parsed, key, "note") is None
        changed = vs.SignedNote(parsed.text + "x\n", parsed.signatures)
        assert "does not verify" in (vs.signature_problem(changed, key, "note") or "")
    if "origin" in note:
        cp = vs.parse_checkpoint(parsed.text, "cp")
        assert (cp.origin, cp.size, base64.b64encode(cp.root).decode()) == (
            note["origin"],
            note["size"],
            note["root_b64"],
        )


def test_vestige_signed_checkpoints_verify() -> None:
    key = Ed25519PrivateKey.generate()
    signed = sign_checkpoint(
        Checkpoint("vestige.archive/abc", 12, bytes(range(32))), "vestige.archive/abc", key
    )
    note, cp = vs.parse_checkpoint_note(signed.to_text().encode(), "cp")
    vkey = vs.parse_verifier_key(
        verifier_key("vestige.archive/abc", key.public_key().public_bytes_raw()), "key"
    )
    assert vs.signature_problem(note, vkey, "cp") is None
    assert (cp.origin, cp.size, cp.root) == ("vestige.archive/abc", 12, bytes(range(32)))
    other = vs.parse_verifier_key(verifier_key("vestige.archive/abc", bytes(32)), "key")
    assert "no signature by the operator key" in (vs.signature_problem(note, other, "cp") or "")


@pytest.mark.parametrize(
    "text",
    [
        "origin\n12\nAAAA\n",  # no signatures
        "origin\n12\nAAAA\n\n",  # a blank line, then nothing
        "origin\n12\nAAAA\n\n— name !!notbase64\n",
        "origin\n12\nAAAA\n\nnot a signature line\n",
        "origin\n12\nAAAA\n\n— name AAAA\n",  # too short
        "origin\n12\nAAAA\n\n— name AAAAAAAAAA==",  # no final newline
        "origin\n12\nAAAA\n\n—  AAAAAAAAAA==\n",  # no name
    ],
)
def test_malformed_notes(text: str) -> None:
    with pytest.raises(vs.BundleProblem):
        vs.parse_signed_note(text.encode(), "note")


@pytest.mark.parametrize(
    "body",
    [
        "o\n012\n" + "A" * 43 + "=\n",
        "o\n-1\n" + "A" * 43 + "=\n",
        "o\n1\nAAAA\n",
        "o\n1\n",
        "o\n1\n!!\n",
        "\n1\n" + "A" * 43 + "=\n",
    ],
)
def test_malformed_checkpoint_bodies(body: str) -> None:
    with pytest.raises(vs.BundleProblem):
        vs.parse_checkpoint(body, "cp")


def test_verifier_keys() -> None:
    pub = bytes(range(32))
    good = verifier_key("example.com/log", pub)
    key = vs.parse_verifier_key(good, "key")
    assert (key.name, key.public_key, key.key_id) == (
        "example.com/log",
        pub,
        vs.note_key_id("example.com/log", pub),
    )
    name, kid, b64 = good.split("+", 2)
    not_ed25519 = base64.b64encode(b"\x02" + pub).decode()
    short = base64.b64encode(b"\x01" + pub[:31]).decode()
    for bad in (
        f"{name}+00000000+{b64}",  # key id of another key
        f"{name}+{kid}+{not_ed25519}",
        f"{name}+{kid}+{short}",
        f"{name}+{kid}+not*base64",
        f"{name}+{kid}",
        f"na me+{kid}+{b64}",
        f"+{kid}+{b64}",
    ):
        with pytest.raises(vs.BundleProblem):
            vs.parse_verifier_key(bad, "key")


# ====================================================================================================
# RFC 3161 tokens: the minimal DER walk
# ====================================================================================================


def test_timestamp_token_from_a_real_tsa(tsa_pki: TsaPki) -> None:
    message = b"a checkpoint note\n"
    reply = _timestamp(tsa_pki, message)
    token = vs.parse_timestamp_token(reply, "t.tsr")
    assert token.hash_oid == vs.SHA256_OID
    assert token.hashed_message == hashlib.sha256(message).digest()
    expected = rfc3161_client.decode_timestamp_response(reply).tst_info.gen_time
    assert token.gen_time_iso[:19] == expected.strftime("%Y-%m-%dT%H:%M:%S")
    # A bare token (the response without its status) reads the same.
    _, start, end = vs._der_header(reply, 0, len(reply))
    status_end = vs._der_children(reply, start, end)[0][2]
    assert vs.parse_timestamp_token(reply[status_end:end], "t.tsr") == token


def test_damaged_timestamp_tokens_fail_cleanly(tsa_pki: TsaPki) -> None:
    reply = _timestamp(tsa_pki, b"note")
    for cut in range(len(reply)):
        with pytest.raises(vs.BundleProblem):
            vs.parse_timestamp_token(reply[:cut], "t.tsr")
    rng = random.Random(3161)
    for _ in range(500):
        damaged = bytearray(reply)
        damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        with contextlib.suppress(vs.BundleProblem):  # anything but BundleProblem fails the test
            vs.parse_timestamp_token(bytes(damaged), "t.tsr")
    refused = bytes.fromhex("30053003020102")  # TimeStampResp with PKIStatus 2 (rejection), no token
    with pytest.raises(vs.BundleProblem, match="refused the request"):
        vs.parse_timestamp_token(refused, "t.tsr")
