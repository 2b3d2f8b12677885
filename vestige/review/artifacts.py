"""Which artifact of an exhibit to show, and a copy of it that a viewer can open.

Blobs are named by their SHA-256 and have no extension, so a viewer cannot tell what they are. The chosen
artifact is copied, its digests checked against the catalog's on the way, to ``tmp/open/`` in the archive
as ``<ITEM>-<name>.<ext>``, read-only. A copy rather than a link: a viewer that saves in place then
changes the copy, never the evidence. Copies older than a day are removed by the next ``vestige open``.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from pathlib import Path, PurePosixPath

from ..archive import Archive
from ..errors import CustodyViolation, InputError
from ..store.blobs import copy_stream
from ..store.catalog import ArtifactView, ItemView

ROLES = (
    "screenshot",
    "pdf",
    "dom",
    "text",
    "warc",
    "file",
    "document",
    "media",
    "provenance",
    "certificates",
)
# What `vestige open ITEM` shows when not told: the page as it looked, else the preserved file itself;
# for a capture that failed, its provenance, which says why.
DEFAULT_ORDER = ("screenshot", "file", "document", "media", "pdf", "text", "dom", "provenance")
OPEN_DIR = "open"  # under the archive's tmp/
KEEP_SECONDS = 24 * 3600
_READ_ONLY = 0o444

_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/svg+xml": ".svg",
    "video/webm": ".webm",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "audio/mpeg": ".mp3",
    "audio/ogg": ".ogg",
    "audio/mp4": ".m4a",
    "audio/webm": ".weba",
    "application/pdf": ".pdf",
    "text/html": ".html",
    "text/plain": ".txt",
    "application/json": ".json",
    "application/x-pem-file": ".pem",
    "application/warc": ".warc.gz",  # Vestige writes every WARC gzip-compressed
}
_UNSAFE = re.compile(r"[^\w.-]+")
_SUFFIX = re.compile(r"(\.[A-Za-z0-9]{1,10})?(\.[A-Za-z0-9]{1,8})$")
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst")


def pick_artifact(item: ItemView, what: str | None, index: int = 1) -> ArtifactView:
    """The ``index``-th (from 1) artifact of role ``what``, or the default one to show."""
    roles = [a.role for a in item.artifacts]
    if what is None:
        what = next((r for r in DEFAULT_ORDER if r in roles), None)
        if what is None:
            raise InputError(
                f"{item.id} has nothing to show", hint=f"choose one with --what: {_listed(roles)}"
            )
    found = [a for a in item.artifacts if a.role == what]
    if not found:
        raise InputError(f"{item.id} has no {what}", hint=f"it has: {_listed(roles)}")
    if not 1 <= index <= len(found):
        raise InputError(f"{item.id} has {len(found)} {what} artifact(s), not {index}")
    return found[index - 1]


def _listed(roles: list[str]) -> str:
    return ", ".join(dict.fromkeys(roles)) or "no artifacts"


def extension_for(art: ArtifactView) -> str:
    """The file name extension a viewer expects: the stored name's, else one for the media type."""
    name = art.name or ""
    if art.media_type.split(";")[0].strip().lower() == "application/warc" and name.endswith(".warc"):
        return ".warc"
    known = _EXTENSIONS.get(art.media_type.split(";")[0].strip().lower())
    if known:
        return known
    if not name.startswith("kept-") and (m := _SUFFIX.search(PurePosixPath(name).name)):
        last = m.group(2).lower()
        return (m.group(1) or "").lower() + last if last in _COMPRESSED else last
    return ".bin"


def copy_name(item: ItemView, art: ArtifactView, index: int = 1) -> str:
    """``<ITEM>-<original name>`` for preserved files, ``<ITEM>-<role>[-n].<ext>`` for the rest."""
    if art.role in ("file", "document") and art.name and not art.name.startswith("kept-"):
        stem = _UNSAFE.sub("_", PurePosixPath(art.name.replace("\\", "/")).name).strip("._")[:120]
        if stem:
            if not _SUFFIX.search(stem):
                stem += extension_for(art)
            return f"{item.id}-{stem}"
    number = f"-{index}" if index > 1 else ""
    return f"{item.id}-{art.role}{number}{extension_for(art)}"


def copy_for_viewing(archive: Archive, item: ItemView, art: ArtifactView, index: int = 1) -> Path:
    """Copy the artifact to ``tmp/open/`` (read-only), checking it is the blob the catalog describes."""
    out_dir = archive.root / "tmp" / OPEN_DIR
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    remove_old_copies(out_dir)
    final = out_dir / copy_name(item, art, index)
    part = out_dir / f".{final.name}.{uuid.uuid4().hex}.part"
    try:
        try:
            src = open(archive.root / art.blob_path, "rb", buffering=0)  # noqa: SIM115 - closed below
        except FileNotFoundError:
            raise CustodyViolation(
                f"{item.id}: the stored {art.role} is missing from the archive", hint="run: vestige verify"
            ) from None
        with src, open(part, "xb") as dst:
            got = copy_stream(src, dst)
        if (got.sha256, got.blake3, got.size) != (art.sha256, art.blake3, art.size):
            raise CustodyViolation(
                f"{item.id}: the stored {art.role} does not match its recorded digests; not opened",
                hint="run: vestige verify",
            )
        os.chmod(part, _READ_ONLY)
        os.replace(part, final)
    finally:
        part.unlink(missing_ok=True)
    return final


def remove_old_copies(out_dir: Path, keep_seconds: float = KEEP_SECONDS) -> int:
    """Remove copies (and abandoned partial copies) older than ``keep_seconds``; return how many."""
    cutoff = time.time() - keep_seconds
    removed = 0
    for path in out_dir.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another `vestige open` removed it first
            continue
    return removed
