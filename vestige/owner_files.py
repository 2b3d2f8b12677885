"""Files only their owner may read (keys, stored sessions, cookies lent to a child process), and making a
rename or a new file durable.

A private file is created with the owner-only mode given to ``open`` itself, so it is never readable by
others, not even for a moment before a ``chmod``; it must not exist yet (and may not be a link)."""

from __future__ import annotations

import os
from pathlib import Path


def create_private(path: Path, data: bytes, *, sync: bool = False) -> None:
    """Create ``path`` with ``data``, mode 0600 whatever the umask. FileExistsError if it exists (a link
    included). ``sync``: on disk before returning (its directory is the caller's, ``sync_directory``)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as fp:
        os.fchmod(fp.fileno(), 0o600)
        fp.write(data)
        if sync:
            fp.flush()
            os.fsync(fp.fileno())


def sync_directory(path: Path) -> None:
    """Make the names in directory ``path`` (a rename, a new file) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
