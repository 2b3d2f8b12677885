"""``vestige export``: a case's exhibits as a court-ready bundle anyone can verify offline.

The layout is docs/bundle-format.md. The bundle is built in a temporary directory beside its destination
and moved into place only when complete; then the export is recorded in the ledger with the digest of
its SHA256SUMS. Every artifact is copied from the store with its digests computed on the way and
compared with the digests the ledger committed, so a blob or a catalog row changed behind the tool's back
stops the export instead of being handed to a court.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from sqlalchemy import Connection, select

from .. import __version__
from ..archive import Archive, tsa_roots
from ..archiver.profiles.post import PostRecord
from ..custody.keys import fingerprint
from ..custody.ledger import ITEM_EVENTS, Entry, LedgerReader
from ..custody.signed_note import sign_note
from ..errors import ArchiveError, CustodyViolation, FormatError, InputError
from ..owner_files import create_private
from ..store import catalog
from ..store.blobs import BlobDigest, copy_stream, digest_stream
from ..store.schema import cases
from . import verify_standalone
from .bundle_check import TSA_ROOTS
from .disclosure import Disclosure, disclose, write_disclosure
from .exhibit import CustodyEvent, Exhibit, ExhibitArtifact, TimestampInfo
from .exhibit_ids import assign_ids, parse_pattern
from .loadfile import pdf_page_count, write_dat, write_opt
from .report import write_report
from .tables import write_index_csv, write_index_xlsx
from .texts import certification_text, readme_text
from .wacz import Page, build_wacz, load_signing_key, new_signing_key, public_key_b64, signing_key_pem

FORMAT = "vestige-bundle/1"
SUMS_NOTE = "vestige.bundle/1"  # first line of the signed note over SHA256SUMS
SUMS_EXCLUDED = ("SHA256SUMS", "B3SUMS", "SHA256SUMS.sig")
MAX_PROVENANCE = 64 << 20
_EXT = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "video/webm": ".webm",
    "video/mp4": ".mp4",
    "audio/mpeg": ".mp3",
    "audio/ogg": ".ogg",
    "application/pdf": ".pdf",
    "text/html": ".html",
    "text/plain": ".txt",
    "application/json": ".json",
    "application/x-pem-file": ".pem",
}


@dataclass(frozen=True)
class ExportOptions:
    case: str
    out: Path
    items: tuple[str, ...] = ()
    id_pattern: str = "{item}"
    case_seq: int = 1


@dataclass(frozen=True)
class ExportResult:
    path: Path
    case: str
    exhibits: list[tuple[str, str]]  # (exhibit id, item id)
    files: int
    bytes: int
    sha256sums: str  # SHA-256 of SHA256SUMS: the bundle's digest, recorded in the ledger
    checkpoint_size: int
    entry_index: int

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "case": self.case,
            "exhibits": [{"exhibit_id": x, "item": i} for x, i in self.exhibits],
            "files": self.files,
            "bytes": self.bytes,
            "sha256sums_sha256": self.sha256sums,
            "checkpoint_size": self.checkpoint_size,
            "entry_index": self.entry_index,
        }


# -- the WACZ signing key -----------------------------------------------------------------------------


def wacz_key_path(archive: Archive) -> Path:
    return archive.root / "keys" / "wacz-signing.pem"


def ensure_wacz_key(archive: Archive) -> Any:
    """The archive's WACZ signing key (ECDSA P-384, the curve ReplayWeb.page checks), made on first use
    and registered in the ledger, so a bundle's reader can tell it belongs to this archive."""
    path = wacz_key_path(archive)
    key = new_signing_key()
    try:
        create_private(path, signing_key_pem(key), sync=True)
    except FileExistsError:
        key = load_signing_key(path.read_bytes())
    spki_b64 = public_key_b64(key)
    subject = "ecdsa-p384:" + hashlib.sha256(_b64(spki_b64)).hexdigest()
    with archive.reading() as conn:
        known = any(e.event == "key.registered" for e in LedgerReader(conn).entries_about(subject))
    if not known:
        with archive.appending() as w:
            if not any(e.event == "key.registered" for e in w.entries_about(subject)):
                w.append(
                    "key.registered",
                    subject,
                    None,
                    {
                        "purpose": "wacz-signing",
                        "key_name": f"vestige.wacz/{archive.config.archive_id}",
                        "algorithm": "ecdsa-p384",
                        "public_key": _b64(spki_b64).hex(),
                        "public_key_b64": spki_b64,
                    },
                )
    return key


def _b64(text: str) -> bytes:
    import base64

    return base64.b64decode(text)


# -- reading what to export ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    item: catalog.ItemView
    entry: Entry  # the item.added / item.captured entry that commits its artifacts
    committed: list[dict[str, Any]]


def _sources(conn: Connection, case_id: str, wanted: Sequence[str]) -> list[_Source]:
    if not catalog.case_exists(conn, case_id):
        raise InputError(f"no case {case_id!r} in this archive", hint="see: vestige list")
    items = catalog.list_items(conn, case_id)
    if wanted:
        by_id = {i.id: i for i in items}
        missing = [w for w in wanted if w not in by_id]
        if missing:
            raise InputError(f"not in case {case_id}: {', '.join(missing)}")
        items = [by_id[w] for w in dict.fromkeys(wanted)]
    if not items:
        raise InputError(f"case {case_id} has no exhibits to export")
    reader = LedgerReader(conn)
    out = []
    for item in items:
        entry = reader.entry(item.entry_index)
        if entry is None or entry.event not in ITEM_EVENTS or entry.subject != item.id:
            raise CustodyViolation(
                f"{item.id}: its ledger entry {item.entry_index} is missing or is not its registration",
                hint="run: vestige verify",
            )
        committed = entry.data["details"].get("artifacts")
        if not isinstance(committed, list):
            raise CustodyViolation(f"{item.id}: ledger entry {entry.index} commits no artifacts")
        out.append(_Source(item, entry, committed))
    return out


def _check_committed(src: _Source) -> None:
    """The catalog's artifacts must be exactly what the ledger committed (an insider may edit the db)."""
    have = sorted(json.dumps(a.committed(), sort_keys=True) for a in src.item.artifacts)
    want = sorted(json.dumps(a, sort_keys=True) for a in src.committed)
    if have != want:
        raise CustodyViolation(
            f"{src.item.id}: the catalog's artifacts differ from those committed in ledger entry "
            f"{src.entry.index}",
            hint="run: vestige verify",
        )


# -- building ----------------------------------------------------------------------------------------


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str | None, fallback: str) -> str:
    stem = _UNSAFE.sub("_", name or "").strip("._")[:120]
    return stem or fallback


class _Builder:
    def __init__(self, archive: Archive, root: Path, created: str) -> None:
        self.archive = archive
        self.root = root
        self.created = created
        self.known: dict[str, BlobDigest] = {}  # bundle path -> digests computed while copying

    def copy_blob(self, art: catalog.ArtifactView, rel: str) -> None:
        """Copy an artifact into the bundle, checking its bytes against the committed digests."""
        dst = self.root / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        src_path = self.archive.root / art.blob_path
        try:
            with open(src_path, "rb") as src, open(dst, "xb") as out:
                d = copy_stream(src, out)
        except FileNotFoundError as exc:
            raise CustodyViolation(f"the blob of {art.sha256[:16]}… is missing from the store") from exc
        if (d.sha256, d.blake3, d.size) != (art.sha256, art.blake3, art.size):
            raise CustodyViolation(
                f"the stored blob {art.sha256[:16]}… no longer matches its committed digests",
                hint="run: vestige verify",
            )
        self.known[rel] = d


def _native_name(art: catalog.ArtifactView, used: set[str], n: int) -> str:
    fixed = {
        "screenshot": "screenshot.png",
        "dom": "dom.html",
        "provenance": "provenance.json",
        "certificates": "certificates.pem",
    }
    if art.role in fixed:
        name = fixed[art.role]
    elif art.role in ("file", "document") and art.name and not art.name.startswith("kept-"):
        name = safe_name(art.name, f"{art.role}-{n}")
    else:
        name = f"{art.role}-{n}{_EXT.get(art.media_type, '')}"
    base, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
    k = 2
    while name in used:
        name = f"{base}-{k}{dot}{ext}"
        k += 1
    used.add(name)
    return name


def _provenance(archive: Archive, item: catalog.ItemView) -> dict[str, Any] | None:
    art = next((a for a in item.artifacts if a.role == "provenance"), None)
    if art is None or art.size > MAX_PROVENANCE:
        return None
    try:
        data = json.loads((archive.root / art.blob_path).read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _post_record(root: Path, arts: Sequence[ExhibitArtifact]) -> dict[str, Any] | None:
    """The exhibit's whole post record, read from its copy in the bundle (already checked against the
    committed digest); None when there is none, or it is too big or not a valid record."""
    art = next((a for a in arts if a.role == "post" and a.member is None), None)
    if art is None or art.size > MAX_PROVENANCE:
        return None
    try:
        return PostRecord.from_json(json.loads((root / art.bundle_path).read_bytes())).to_json()
    except (OSError, ValueError, FormatError):
        return None


def _summary(e: Entry) -> str:
    d = e.data.get("details") or {}
    if e.event == "item.captured":
        return f"captured {d.get('url')} ({d.get('state')})"
    if e.event == "item.added":
        return f"added file {d.get('source')}"
    if e.event == "note.added":
        return f"note: {d.get('note')}"
    if e.event == "tag.added":
        return f"tag: {d.get('tag')}"
    if e.event == "custody.transferred":
        return f"custody transferred from {d.get('from')} to {d.get('to')}"
    if e.event == "export.created":
        return f"exported in bundle {d.get('bundle')} ({d.get('exhibits')} exhibits)"
    return e.event


def _custody_events(d: Disclosure, item_id: str, case_id: str) -> tuple[CustodyEvent, ...]:
    out = []
    for e in d.entries:
        if e.subject == item_id or (e.event == "export.created" and item_id in _exported_items(e)):
            data = e.data
            actor = data.get("actor") or {}
            out.append(
                CustodyEvent(
                    index=e.index,
                    time=str(data.get("time")),
                    event=e.event,
                    actor=str(actor.get("name")),
                    actor_key=str(actor.get("key")),
                    summary=_summary(e),
                    leaf_hash=e.leaf_hash.hex(),
                )
            )
    return tuple(out)


def _post_author(post: object) -> str | None:
    """'Display Name (@handle)' from a capture's post summary in its ledger entry."""
    if not isinstance(post, dict) or not isinstance(post.get("author"), dict):
        return None
    author = post["author"]
    name, handle = author.get("display_name"), author.get("handle")
    if name and handle:
        return f"{name} ({handle})"
    return str(name or handle) if (name or handle) else None


def _exported_items(e: Entry) -> list[str]:
    items = (e.data.get("details") or {}).get("items")
    return [str(i) for i in items] if isinstance(items, list) else []


def export_case(archive: Archive, opts: ExportOptions) -> ExportResult:
    """Write the bundle for ``opts.case`` at ``opts.out`` and record the export in the ledger."""
    out = opts.out.absolute()
    as_zip = out.suffix.lower() == ".zip"
    if out.exists() or out.is_symlink():
        raise InputError(f"{out} already exists; choose a new path for the bundle")
    if not out.parent.is_dir():
        raise InputError(f"{out.parent} is not a directory")
    pattern = parse_pattern(opts.id_pattern)
    catalog.check_case_id(opts.case)
    wacz_key = ensure_wacz_key(archive)
    created = archive.clock()
    with archive.reading() as conn:
        sources = _sources(conn, opts.case, opts.items)
        for src in sources:
            _check_committed(src)
        d = disclose(conn, opts.case, [s.item.id for s in sources])
        case_row = conn.execute(select(cases).where(cases.c.id == opts.case)).first()
    case_title = case_row.title if case_row is not None else None
    ids = assign_ids(pattern, [s.item.id for s in sources], opts.case, opts.case_seq)

    token = uuid.uuid4().hex[:12]
    partial = out.parent / f".{out.name}.partial-{token}"
    staging = partial if not as_zip else out.parent / f".{out.name}.staging-{token}"
    try:
        staging.mkdir()
        result = _build(archive, staging, sources, ids, d, created, case_title, opts, wacz_key)
        if as_zip:
            _zip_tree(staging, partial, created)
            shutil.rmtree(staging)
        _sync(partial)  # on disk before it takes its name: a power cut never leaves a short bundle
        os.replace(partial, out)
        _sync(out.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        partial.unlink(missing_ok=True) if partial.is_file() else shutil.rmtree(partial, ignore_errors=True)
        raise
    sums_digest, files, size = result
    try:
        with archive.appending() as w:
            entry = w.append(
                "export.created",
                opts.case,
                opts.case,
                {
                    "bundle": out.name,
                    "format": FORMAT,
                    "sha256sums_sha256": sums_digest,
                    "files": files,
                    "bytes": size,
                    "exhibits": len(sources),
                    "items": [s.item.id for s in sources],
                    "exhibit_ids": ids,
                    "checkpoint_size": d.checkpoint.size,
                },
            )
    except BaseException:
        # An export the ledger does not record must not be handed over.
        shutil.rmtree(out, ignore_errors=True) if out.is_dir() else out.unlink(missing_ok=True)
        raise
    return ExportResult(
        out, opts.case, list(zip(ids, [s.item.id for s in sources], strict=True)), files, size,
        sums_digest, d.checkpoint.size, entry.index,
    )  # fmt: skip


def _build(
    archive: Archive,
    root: Path,
    sources: list[_Source],
    ids: list[str],
    d: Disclosure,
    created: str,
    case_title: str | None,
    opts: ExportOptions,
    wacz_key: Any,
) -> tuple[str, int, int]:
    b = _Builder(archive, root, created)
    verifier = _verifier_key(d)
    stamps_by_size: dict[int, list[Any]] = {}
    proofs = write_disclosure(d, root / "custody", verifier)
    _write_tsa_roots(archive, {t.tsa_url for t in d.tokens}, root / TSA_ROOTS)
    for t in proofs["timestamps"]:
        stamps_by_size.setdefault(t["tree_size"], []).append(t)
    exhibits: list[Exhibit] = []
    manifest_exhibits: list[dict[str, Any]] = []
    for src, xid in zip(sources, ids, strict=True):
        item = src.item
        arts: list[ExhibitArtifact] = []
        listed: list[dict[str, Any]] = []  # manifest.json: what the ledger committed, and where it is
        used: set[str] = set()
        wacz_rel: str | None = None
        for n, art in enumerate(item.artifacts, start=1):
            member = None
            if art.role == "pdf":
                rel = f"IMAGES/{xid}.pdf"
            elif art.role == "text":
                rel = f"TEXT/{xid}.txt"
            elif art.role == "warc":
                rel = wacz_rel = f"WACZ/{xid}.wacz"
                member = f"archive/{safe_name(art.name, 'capture.warc.gz')}"
            else:
                rel = f"NATIVES/{xid}/{_native_name(art, used, n)}"
            if member is None:
                b.copy_blob(art, rel)
            arts.append(
                ExhibitArtifact(
                    art.role,
                    art.name or "",
                    art.media_type,
                    art.size,
                    art.sha256,
                    art.blake3,
                    rel,
                    archive.root / art.blob_path,
                    member,
                )
            )
            listed.append({**art.committed(), "path": rel, **({"member": member} if member else {})})
        prov = _provenance(archive, item) if item.kind == "capture" else None
        details = dict(src.entry.data["details"])
        if src.entry.event == "item.imported" and isinstance(details.get("original"), dict):
            details.update({k: v for k, v in details["original"].items() if v is not None})
        if wacz_rel is not None:
            warc = next(a for a in arts if a.role == "warc")
            assert warc.member is not None
            info = build_wacz(
                root / wacz_rel,
                [(warc.member.removeprefix("archive/"), warc.source)],
                [Page(id=xid, url=str(details.get("final_url") or details.get("url")),
                      ts=str(details.get("started") or item.created_at), title=item.title)],
                title=f"{xid}: {item.title or item.source or ''}"[:300],
                description=f"Vestige capture {item.id} of case {item.case}",
                created=created,
                software=f"Vestige {__version__}",
                signing_key=wacz_key,
                signer=archive.config.operator,
            )  # fmt: skip
            stored = info.member(warc.member)
            if stored is None or stored.sha256 != warc.sha256 or stored.size != warc.size:
                raise CustodyViolation(f"{item.id}: the WARC in the WACZ does not match its committed digest")
        stamps = []
        for size in sorted(stamps_by_size):
            if size > src.entry.index:
                stamps = [
                    TimestampInfo(t["tsa"], t["gen_time"], size, t["token"]) for t in stamps_by_size[size]
                ]
                break
        exhibit = Exhibit(
            exhibit_id=xid,
            item_id=item.id,
            case=item.case,
            kind=item.kind,
            title=item.title,
            url=details.get("url") if item.kind == "capture" else None,
            final_url=details.get("final_url") if item.kind == "capture" else None,
            state=item.state,
            reason=item.reason,
            http_status=details.get("http_status"),
            started=details.get("started") or item.created_at,
            ended=details.get("ended"),
            operator=str((src.entry.data.get("actor") or {}).get("name")),
            platform=item.platform,
            author=_post_author(details.get("post")),
            post=_post_record(root, arts),
            versions=(prov or {}).get("versions") or {},
            tls=(prov or {}).get("main_origin_tls"),
            provenance=prov,
            artifacts=tuple(arts),
            custody=_custody_events(d, item.id, item.case),
            timestamps=tuple(stamps),
            notes=tuple(n["text"] for n in item.notes),
            tags=tuple(item.tags),
            entry_index=src.entry.index,
        )
        report_rel = f"REPORTS/{xid}.pdf"
        (root / "REPORTS").mkdir(exist_ok=True)
        shot = exhibit.artifact("screenshot")
        write_report(
            exhibit,
            root / report_rel,
            case_title=case_title,
            bundle_created=created,
            checkpoint={
                "tree_size": d.checkpoint.size,
                "root": d.checkpoint.root.hex(),
                "origin": archive.config.origin,
                "verifier_key": verifier,
            },
            screenshot=(root / shot.bundle_path) if shot else None,
        )
        exhibits.append(exhibit)
        manifest_exhibits.append(
            {
                "exhibit_id": xid,
                "item_id": item.id,
                "kind": item.kind,
                "title": item.title,
                "url": exhibit.url,
                "entry_index": src.entry.index,
                "artifacts": listed,
                "report": report_rel,
                "wacz": wacz_rel,
            }
        )
    write_index_csv(exhibits, root / "index.csv")
    write_index_xlsx(exhibits, root / "index.xlsx", title=f"Case {opts.case}", created=created)
    write_dat(exhibits, root / "loadfile.dat")
    pages = {x.exhibit_id: pdf_page_count(root / a.bundle_path) for x in exhibits if (a := x.artifact("pdf"))}
    write_opt([x for x in exhibits if x.exhibit_id in pages], root / "images.opt", pages)
    manifest = {
        "format": FORMAT,
        "created": created,
        "software": f"vestige {__version__}",
        "case": {"id": opts.case, "title": case_title},
        "archive": {
            "origin": archive.config.origin,
            "verifier_key": verifier,
            "operator": archive.config.operator,
            "key_fingerprint": fingerprint(archive.key().public_bytes),
        },
        "id_pattern": opts.id_pattern,
        "checkpoint": {
            "path": "custody/checkpoint.txt",
            "tree_size": d.checkpoint.size,
            "root": d.checkpoint.root.hex(),
        },
        "exhibits": manifest_exhibits,
    }
    (root / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (root / "verify.py").write_bytes(Path(verify_standalone.__file__).read_bytes())
    (root / "README.txt").write_text(readme_text(manifest, exhibits), encoding="utf-8", newline="\n")
    (root / "CERTIFICATION.txt").write_text(
        certification_text(manifest, exhibits), encoding="utf-8", newline="\n"
    )
    return _write_sums(archive, root, opts.case, b.known)


def _write_tsa_roots(archive: Archive, urls: set[str], dest: Path) -> None:
    """The trust anchors of the TSAs whose tokens the bundle carries, so a recipient can check them."""
    pems: list[bytes] = []
    for tsa in archive.config.tsa:
        if tsa.url in urls:
            for cert in tsa_roots(archive, tsa):
                pem = cert.public_bytes(serialization.Encoding.PEM)
                if pem not in pems:
                    pems.append(pem)
    if pems:
        dest.write_bytes(b"".join(pems))


def _verifier_key(d: Disclosure) -> str:
    for e in d.entries:
        details = e.data.get("details") or {}
        if e.event == "key.registered" and "verifier_key" in details:
            return str(details["verifier_key"])
    raise ArchiveError("the ledger registers no operator key")


def bundle_files(root: Path) -> list[str]:
    """Every file under ``root`` as a sorted relative POSIX path."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _write_sums(
    archive: Archive, root: Path, case_id: str, known: dict[str, BlobDigest]
) -> tuple[str, int, int]:
    """B3SUMS, then SHA256SUMS over every file including B3SUMS, then the signature over SHA256SUMS.

    Files copied from the store were hashed on the way (``known``); the rest are read once here."""
    total = 0
    digests = []
    for rel in bundle_files(root):
        if rel in SUMS_EXCLUDED:
            continue
        dg = known.get(rel)
        if dg is None:
            with open(root / rel, "rb") as fp:
                dg = digest_stream(fp)
        total += dg.size
        digests.append((rel, dg.sha256, dg.blake3))
    b3 = "".join(f"{b}  {rel}\n" for rel, _, b in digests).encode()
    (root / "B3SUMS").write_bytes(b3)
    digests.append(("B3SUMS", hashlib.sha256(b3).hexdigest(), ""))
    sums = "".join(f"{s}  {rel}\n" for rel, s, _ in sorted(digests)).encode()
    (root / "SHA256SUMS").write_bytes(sums)
    digest = hashlib.sha256(sums).hexdigest()
    note = sign_note(f"{SUMS_NOTE}\n{case_id}\n{digest}\n", archive.key_name, archive.key().private)
    (root / "SHA256SUMS.sig").write_text(note.to_text(), encoding="utf-8", newline="\n")
    return digest, len(digests) + 2, total + len(b3) + len(sums)


def _sync(path: Path) -> None:
    """fsync a file, or a directory tree with every file in it."""
    paths = [path] if path.is_file() else [path, *path.rglob("*")]
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _zip_tree(root: Path, dest: Path, created: str) -> None:
    """The bundle as one zip; stored, not deflated: most of it is PNG, PDF, gzip and zip already."""
    stamp = tuple(int(x) for x in re.findall(r"\d+", created)[:6])
    with zipfile.ZipFile(dest, "x", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for rel in bundle_files(root):
            info = zipfile.ZipInfo(rel, date_time=stamp)  # type: ignore[arg-type]
            info.external_attr = 0o644 << 16
            with open(root / rel, "rb") as src, zf.open(info, "w", force_zip64=True) as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
