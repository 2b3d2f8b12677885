"""Stored login sessions on disk: ``sessions/<platform>.json`` in the archive, mode 0600 in a 0700 directory.

Sessions are secrets, not evidence: they never enter the blob store, the catalog or the ledger, and no
export reads this directory. A file is created 0600 under a temporary name and renamed into place, so it
is never readable by others, not even for an instant, and never half-written. A session file or directory
that others can read is refused, as the operator key is.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import stat
import uuid
from pathlib import Path

from ..errors import ArchiveError, InputError
from ..owner_files import create_private, sync_directory
from .sessions import StoredSession

SESSIONS_DIR = "sessions"
MAX_SESSION_FILE = 32 << 20
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class SessionStore:
    def __init__(self, archive_root: Path) -> None:
        self.directory = archive_root / SESSIONS_DIR

    def path(self, platform: str) -> Path:
        if not _NAME.match(platform):
            raise InputError(f"unknown platform {platform[:60]!r}")
        return self.directory / f"{platform}.json"

    def save(self, session: StoredSession) -> Path:
        """Write ``session`` (replacing the platform's earlier one) atomically, never readable by others."""
        self._ensure_directory()
        target = self.path(session.platform)
        data = (
            json.dumps(session.to_json(), indent=2) + "\n"
        ).encode()  # ASCII: \u escapes, no encoding trap
        temp = self.directory / f".{session.platform}-{uuid.uuid4().hex}.tmp"
        try:
            create_private(temp, data, sync=True)
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise
        sync_directory(self.directory)
        return target

    def load(self, platform: str) -> StoredSession | None:
        """The platform's stored session, or None if there is none."""
        path = self.path(platform)
        if not self.directory.exists():
            return None
        self._check_directory()
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise ArchiveError(f"stored session {path} is a symbolic link", hint="remove it") from None
            raise ArchiveError(f"cannot read stored session {path}: {exc.strerror}") from None
        with os.fdopen(fd, "rb") as fp:
            st = os.fstat(fp.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise ArchiveError(f"stored session {path} is not a regular file")
            if stat.S_IMODE(st.st_mode) & 0o077:
                raise ArchiveError(
                    f"stored session {path} is readable by other users", hint=f"run: chmod 600 {path}"
                )
            data = fp.read(MAX_SESSION_FILE + 1)
        try:
            if len(data) > MAX_SESSION_FILE:
                raise ValueError("too large")
            session = StoredSession.from_json(json.loads(data))
        except (ValueError, RecursionError, InputError):
            raise ArchiveError(
                f"stored session {path} is damaged",
                hint=f"add it again with: vestige session add {platform} (or remove it)",
            ) from None
        if session.platform != platform:
            raise ArchiveError(f"stored session {path} is for {session.platform[:60]!r}, not {platform}")
        return session

    def all(self) -> list[StoredSession]:
        """Every stored session, by platform."""
        if not self.directory.exists():
            return []
        self._check_directory()
        names = sorted(p.stem for p in self.directory.glob("*.json") if _NAME.match(p.stem))
        return [s for s in (self.load(name) for name in names) if s is not None]

    def remove(self, platform: str) -> StoredSession | None:
        """Delete the platform's stored session; the session removed, or None if there was none.

        The bytes are unlinked, not overwritten: on journaling and copy-on-write file systems and SSDs
        no program can promise more. Log out of the account (or revoke its sessions) to end it."""
        session = self.load(platform)
        if session is not None:
            self.path(platform).unlink()
            sync_directory(self.directory)
        return session

    def _ensure_directory(self) -> None:
        with contextlib.suppress(FileExistsError):
            os.mkdir(self.directory, 0o700)
        st = os.lstat(self.directory)
        if not stat.S_ISDIR(st.st_mode):
            raise ArchiveError(f"{self.directory} is not a directory")
        if stat.S_IMODE(st.st_mode) != 0o700:
            os.chmod(self.directory, 0o700)

    def _check_directory(self) -> None:
        st = os.lstat(self.directory)
        if not stat.S_ISDIR(st.st_mode):
            raise ArchiveError(f"{self.directory} is not a directory")
        if stat.S_IMODE(st.st_mode) & 0o077:
            raise ArchiveError(
                f"{self.directory} can be read by other users", hint=f"run: chmod 700 {self.directory}"
            )
