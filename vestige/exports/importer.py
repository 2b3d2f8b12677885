"""``vestige import``: a custody transfer of a bundle's exhibits into this archive.

An NGO hands evidence to a prosecutor's unit: the receiving archive checks the bundle in full first
(all nine checks of ``verify-bundle``), refuses a hostile or damaged one, then stores each exhibit's
files, checking every byte against the digests the sending archive's ledger committed, and registers
each exhibit as ``item.imported``: its artifacts' digests, the sending archive, operator and key, the
source item and ledger entry, the checkpoint that proves it, and this archive's operator as the one
receiving it. The sender's custody record for each exhibit (its ledger entries, the inclusion proofs,
the signed checkpoint and time-stamp tokens) is kept as the exhibit's ``custody`` artifact, so the whole
chain can be shown later.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography import x509

from ..archive import Archive
from ..custody.ledger import ITEM_EVENTS
from ..errors import CustodyViolation, InputError
from ..store import catalog
from ..store.blobs import BlobDigest
from ..store.ingest import ImportedSpec, add_imported
from .bundle_check import BundleCheck, check_bundle
from .unpack import Limits, check_name, check_tree, extract_zip


class BundleNotIntact(CustodyViolation):
    """The bundle failed verification: nothing was imported."""

    kind = "bundle-not-intact"


@dataclass(frozen=True)
class ImportedExhibit:
    exhibit_id: str
    source_item: str
    item_id: str | None  # None when skipped
    skipped: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "exhibit_id": self.exhibit_id,
            "source_item": self.source_item,
            "item": self.item_id,
            "skipped": self.skipped,
        }


@dataclass(frozen=True)
class ImportResult:
    bundle: Path
    case: str
    source: dict[str, Any]
    exhibits: list[ImportedExhibit]
    check: BundleCheck

    def to_json(self) -> dict[str, Any]:
        return {
            "bundle": str(self.bundle),
            "case": self.case,
            "from": self.source,
            "exhibits": [x.to_json() for x in self.exhibits],
            "verification": self.check.to_json(),
        }


@contextlib.contextmanager
def opened_bundle(archive: Archive, path: Path, limits: Limits) -> Iterator[Path]:
    """The bundle as a plain directory: a zip is unpacked (safely) into the archive's scratch space."""
    if path.is_symlink():
        raise InputError(f"{path} is a symlink; give the bundle itself")
    if path.is_dir():
        check_tree(path, limits)
        yield path
        return
    if not path.is_file():
        raise InputError(f"{path}: no such bundle")
    with archive.blobs.work_dir("import-") as work:
        root = work / "bundle"
        root.mkdir()
        extract_zip(path, root, limits)
        yield root


def import_bundle(
    archive: Archive,
    path: Path,
    *,
    case: str | None = None,
    key: str | None = None,
    tsa_roots: list[x509.Certificate] | None = None,
    limits: Limits | None = None,
) -> ImportResult:
    with opened_bundle(archive, path, limits or Limits()) as root:
        check = check_bundle(root, key=key, tsa_roots=tsa_roots)
        if not check.intact:
            failed = [p for s in check.steps for p in s.problems]
            raise BundleNotIntact(
                f"{path.name} failed verification, nothing imported: {failed[0] if failed else 'incomplete'}"
                + (f" (and {len(failed) - 1} more problems)" if len(failed) > 1 else ""),
                hint=f"see: vestige verify-bundle {path}",
            )
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        case_id = catalog.check_case_id(case or str(manifest["case"]["id"]))
        lines = (root / "custody/entries.jsonl").read_text(encoding="utf-8").splitlines()
        # Each verified ledger line, parsed once: index -> (the line as hashed, its data).
        entries = {data["index"]: (line, data) for line in lines for data in [json.loads(line)]}
        proofs = json.loads((root / "custody/proofs.json").read_text(encoding="utf-8"))
        origin = str(manifest["archive"]["origin"])
        source = {
            "archive": origin,
            "operator": manifest["archive"]["operator"],
            "verifier_key": manifest["archive"]["verifier_key"],
            "bundle": path.name,
            "bundle_sha256sums": _sha256_file(root / "SHA256SUMS"),
            "checkpoint_size": proofs["tree_size"],
            "checkpoint_root": proofs["root"],
        }
        done = _already_imported(archive, origin)
        specs: list[ImportedSpec] = []
        results: list[ImportedExhibit] = []
        for x in manifest["exhibits"]:
            xid, src_item = str(x["exhibit_id"]), str(x["item_id"])
            if src_item in done:
                results.append(ImportedExhibit(xid, src_item, None, f"already imported as {done[src_item]}"))
                continue
            specs.append(_receive(archive, root, x, entries, proofs, source))
            results.append(ImportedExhibit(xid, src_item, None))
        items = iter(add_imported(archive, case_id, specs))
        exhibits = [
            r if r.skipped else ImportedExhibit(r.exhibit_id, r.source_item, next(items).id) for r in results
        ]
        return ImportResult(path, case_id, source, exhibits, check)


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _already_imported(archive: Archive, origin: str) -> dict[str, str]:
    """Source item -> the item it became here, for exhibits already received from ``origin``."""
    from ..custody.ledger import LedgerReader

    out: dict[str, str] = {}
    with archive.reading() as conn:
        for e in LedgerReader(conn).entries_of_event("item.imported"):
            frm = e.data["details"].get("from")
            if isinstance(frm, dict) and frm.get("archive") == origin and e.subject:
                out[str(frm.get("item"))] = e.subject
    return out


def _open_artifact(root: Path, art: dict[str, Any]) -> contextlib.AbstractContextManager[IO[bytes]]:
    path = root / check_name(str(art["path"]))
    if art.get("member"):
        zf = zipfile.ZipFile(path)
        member = zf.open(check_name(str(art["member"])))

        @contextlib.contextmanager
        def both() -> Iterator[IO[bytes]]:
            with zf, member:
                yield member

        return both()
    return open(path, "rb")


def _receive(
    archive: Archive,
    root: Path,
    x: dict[str, Any],
    entries: dict[int, tuple[str, dict[str, Any]]],
    proofs: dict[str, Any],
    source: dict[str, Any],
) -> ImportedSpec:
    """Store one exhibit's files, each checked against the sending ledger's committed digests."""
    index = int(x["entry_index"])
    entry = entries[index][1]
    if entry["event"] not in ITEM_EVENTS or entry["subject"] != x["item_id"]:
        raise BundleNotIntact(f"exhibit {x['exhibit_id']}: entry {index} is not its registration")
    committed = entry["details"]["artifacts"]
    stored: list[tuple[str, str, str, BlobDigest]] = []
    for art in x["artifacts"]:
        with _open_artifact(root, art) as fp:
            d = archive.blobs.ingest_stream(fp)
        want = next(
            (
                c
                for c in committed
                if (c["role"], c["name"], c["sha256"]) == (art["role"], art["name"], d.sha256)
            ),
            None,
        )
        if want is None or (want["size"], want["blake3"]) != (d.size, d.blake3):
            raise BundleNotIntact(
                f"exhibit {x['exhibit_id']}: {art['path']} does not match its ledger digest"
            )
        stored.append((art["role"], art["name"], art["media_type"], d))
    # The sender's custody record of this exhibit, kept as evidence of the chain so far.
    mine = {
        i: line
        for i, (line, data) in sorted(entries.items())
        if data.get("subject") == x["item_id"] or data["event"] in ("archive.created", "key.registered")
    }
    record = {
        "format": "vestige-custody-record/1",
        "from": source,
        "exhibit_id": x["exhibit_id"],
        "item": x["item_id"],
        "entries": list(mine.values()),
        "inclusion": [p for p in proofs["inclusion"] if p["index"] in mine],
        "checkpoint": (root / "custody/checkpoint.txt").read_text(encoding="utf-8"),
        "consistency": proofs["consistency"],
        "timestamps": [
            {**t, "token_der_b64": base64.b64encode((root / check_name(t["token"])).read_bytes()).decode()}
            for t in proofs["timestamps"]
        ],
    }
    blob = json.dumps(record, indent=1, ensure_ascii=False).encode()
    stored.append(
        ("custody", "custody-record.json", "application/json", archive.blobs.ingest_stream(io.BytesIO(blob)))
    )
    details = entry["details"]
    leaf = next(p["leaf_hash"] for p in proofs["inclusion"] if p["index"] == index)
    original_keys = (
        "url",
        "final_url",
        "state",
        "reason",
        "http_status",
        "title",
        "started",
        "ended",
        "source",
    )
    return ImportedSpec(
        kind=str(details.get("kind") or x.get("kind") or "file"),
        state=str(details.get("state") or "complete"),
        reason=details.get("reason"),
        title=details.get("title") or x.get("title"),
        source=str(details.get("url") or details.get("source") or x["exhibit_id"]),
        stored=stored,
        details={
            "from": {**source, "item": x["item_id"], "exhibit_id": x["exhibit_id"], "entry_index": index,
                     "entry_leaf_hash": leaf},
            "original": {k: details.get(k) for k in original_keys},
            "received_by": archive.config.operator,
        },
    )  # fmt: skip
