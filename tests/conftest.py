"""Shared fixtures: real archives in temp directories, the real CLI in-process and as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from vestige.archive import Archive
from vestige.cli import cli

VESTIGE = [sys.executable, "-m", "vestige"]


@pytest.fixture
def umask_zero() -> Iterator[None]:
    old = os.umask(0)  # the most permissive umask: the files must still be private
    try:
        yield
    finally:
        os.umask(old)


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


class Cli:
    """Runs ``vestige --archive <root> ...`` in-process through click's runner."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Result:
        runner = CliRunner()
        res = runner.invoke(cli, ["--archive", str(self.root), *args], env=env, catch_exceptions=False)
        return Result(res.exit_code, res.stdout, res.stderr)


def run_vestige(root: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Result:
    """Runs the real ``vestige`` in a subprocess (for kill -9, concurrency and exit-code tests)."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [*VESTIGE, "--archive", str(root), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def archive_root(tmp_path: Path) -> Path:
    return tmp_path / "archive"


@pytest.fixture
def vestige(archive_root: Path) -> Cli:
    return Cli(archive_root)


@pytest.fixture
def archive(archive_root: Path) -> Iterator[Archive]:
    a = Archive.create(archive_root, "Test Operator")
    yield a
    a.close()


@pytest.fixture
def evidence(tmp_path: Path) -> list[Path]:
    """Three small evidence files with distinct content."""
    d = tmp_path / "evidence"
    d.mkdir()
    files = []
    for name, data in (
        ("statement.pdf", b"%PDF-1.4 statement\n"),
        ("clip.mp4", os.urandom(4096)),
        ("notes.txt", "Свидетель W-12\n".encode()),
    ):
        p = d / name
        p.write_bytes(data)
        files.append(p)
    return files
