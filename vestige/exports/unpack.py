"""Opening a bundle someone else made, as hostile until proven otherwise.

A zip is checked member by member before a byte is written: names that climb out (``../``, absolute,
drive letters, backslashes), duplicates (also by case, since another file system may fold them),
symlinks and other special files, too many members, and zip bombs (a total size and a compression ratio
limit, enforced on the bytes actually inflated, not on what the zip claims). A directory is walked
without following links. Either way, what comes back is a plain directory of regular files.
"""

from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import VestigeError

CHUNK = 1 << 20


class HostileBundle(VestigeError):
    """A bundle that tries to write outside its directory, or to exhaust the disk or memory."""

    exit_code = 1
    kind = "hostile-bundle"


@dataclass(frozen=True)
class Limits:
    max_total: int = 64 << 30  # bytes, all members inflated
    max_members: int = 200_000
    max_ratio: int = 200  # inflated / compressed, per member (evidence is mostly already compressed)


def check_name(name: str) -> str:
    """The member name as a safe relative POSIX path, or HostileBundle."""
    if (
        not name
        or "\\" in name
        or "\x00" in name
        or name.startswith("/")
        or (len(name) > 1 and name[1] == ":")
    ):
        raise HostileBundle(f"unsafe path in bundle: {name[:200]!r}")
    parts = name.split("/")
    if any(p in ("..", ".", "") for p in parts):
        raise HostileBundle(f"unsafe path in bundle: {name[:200]!r}")
    if any(ord(c) < 32 for c in name) or len(name) > 1024:
        raise HostileBundle(f"unsafe path in bundle: {name[:200]!r}")
    return "/".join(parts)


def extract_zip(path: Path, dest: Path, limits: Limits = Limits()) -> None:
    """Extract ``path`` into the empty directory ``dest``, refusing anything hostile."""
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise HostileBundle(f"{path.name} is not a readable zip file: {exc}") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            raise HostileBundle(f"bundle has {len(infos)} members, more than {limits.max_members}")
        seen: dict[str, str] = {}
        declared = 0
        for info in infos:
            name = check_name(info.filename.rstrip("/") if info.is_dir() else info.filename)
            kind = stat.S_IFMT(info.external_attr >> 16)  # 0: made on a system without Unix modes
            if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise HostileBundle(f"bundle member {info.filename[:200]!r} is a link or special file")
            folded = name.casefold()
            if folded in seen:
                raise HostileBundle(f"duplicate name in bundle: {info.filename[:200]!r}")
            seen[folded] = name
            declared += info.file_size
            if declared > limits.max_total:
                raise HostileBundle(f"bundle would inflate to more than {limits.max_total} bytes")
        total = 0
        for info in infos:
            name = seen[check_name(info.filename.rstrip("/")).casefold()]
            target = dest / name
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            budget = max(info.compress_size, 1) * limits.max_ratio + CHUNK
            try:
                with zf.open(info) as src, open(target, "xb") as out:
                    while chunk := src.read(CHUNK):
                        written += len(chunk)
                        total += len(chunk)
                        if written > info.file_size or written > budget or total > limits.max_total:
                            raise HostileBundle(f"bundle member {name[:200]!r} inflates beyond its limits")
                        out.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                if isinstance(exc, FileExistsError):
                    raise HostileBundle(f"duplicate name in bundle: {name[:200]!r}") from exc
                raise HostileBundle(f"bundle member {name[:200]!r} is damaged: {exc}") from exc


def check_tree(root: Path, limits: Limits = Limits()) -> None:
    """A bundle directory: regular files and directories only, no links anywhere."""
    if root.is_symlink() or not root.is_dir():
        raise HostileBundle(f"{root} is not a bundle directory")
    count = 0
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            full = Path(dirpath) / name
            st = full.lstat()
            rel = full.relative_to(root).as_posix()
            if stat.S_ISLNK(st.st_mode):
                raise HostileBundle(f"bundle contains a symlink: {rel[:200]}")
            if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
                raise HostileBundle(f"bundle contains a special file: {rel[:200]}")
            check_name(rel)
            if rel.casefold() in seen:
                raise HostileBundle(f"duplicate name in bundle: {rel[:200]}")
            seen.add(rel.casefold())
            count += 1
            if count > limits.max_members:
                raise HostileBundle(f"bundle has more than {limits.max_members} files")
