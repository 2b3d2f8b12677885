"""pywb, the replay peer the tests check captures and WACZ files against (it lives in .venv-replay)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import TracebackType

import pytest

from tests.support.net import free_port, wait_for_port

REPLAY_BIN = Path(__file__).resolve().parents[2] / ".venv-replay" / "bin"


class Pywb:
    """pywb's `wayback` serving one collection, ``evidence``, from ``root`` on 127.0.0.1."""

    def __init__(self, root: Path) -> None:
        if not (REPLAY_BIN / "wayback").exists():
            pytest.fail("pywb is missing: run `make dev` (it creates .venv-replay)")
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self._manager("init", "evidence")
        self.port = free_port()
        self.server: subprocess.Popen[bytes] | None = None

    def _manager(self, *args: str) -> None:
        subprocess.run(
            [str(REPLAY_BIN / "wb-manager"), *args], cwd=self.root, check=True, capture_output=True
        )

    def add_warc(self, warc: Path) -> None:
        self._manager("add", "evidence", str(warc))

    def add_wacz(self, wacz: Path) -> None:
        """pywb copies the WARC out of the zip and imports the WACZ's own index."""
        self._manager("add", "--unpack-wacz", "evidence", str(wacz))

    def url(self, target: str, mode: str = "id_") -> str:
        return f"http://127.0.0.1:{self.port}/evidence/{mode}/{target}"

    def __enter__(self) -> Pywb:
        self.server = subprocess.Popen(
            [str(REPLAY_BIN / "wayback"), "-p", str(self.port), "-b", "127.0.0.1"],
            cwd=self.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(10)
