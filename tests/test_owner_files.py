"""Owner-only files: the mode comes with the file, whatever the umask, and nothing is overwritten."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from vestige.owner_files import create_private, sync_directory


@pytest.mark.parametrize("sync", [False, True])
def test_a_private_file_is_made_readable_by_its_owner_only(
    tmp_path: Path, umask_zero: None, sync: bool
) -> None:
    path = tmp_path / "key.pem"
    create_private(path, b"secret", sync=sync)
    assert path.read_bytes() == b"secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    sync_directory(tmp_path)


def test_a_private_file_never_replaces_a_file_or_follows_a_link(tmp_path: Path) -> None:
    existing = tmp_path / "existing"
    existing.write_bytes(b"kept")
    with pytest.raises(FileExistsError):
        create_private(existing, b"new")
    assert existing.read_bytes() == b"kept"
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere")  # a dangling link an attacker planted
    with pytest.raises(FileExistsError):
        create_private(link, b"secret")
    assert not (tmp_path / "elsewhere").exists()
