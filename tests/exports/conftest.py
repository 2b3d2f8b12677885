"""Shared fixture: a real archive with captures, a file, notes and time-stamps, exported once."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli
from tests.support.tsa import LocalTsa, make_tsa_pki
from tests.support.web import FixtureWeb


@dataclass
class Exported:
    vestige: Cli
    bundle: Path
    items: list[dict[str, Any]]  # the exported case's items, as `vestige show --json` gives them
    other: dict[str, Any]  # an item of another case, which must not leak
    export: dict[str, Any]  # `vestige export --json`
    page_id: str  # the captured page (the other capture is a PDF)


def verify_py(bundle: Path) -> subprocess.CompletedProcess[str]:
    """The bundle's own verifier, as a recipient runs it: bare python3, no site packages."""
    return subprocess.run(
        [sys.executable, "-S", "verify.py"],
        cwd=bundle,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture(scope="session")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    tmp = tmp_path_factory.mktemp("export")
    vestige = Cli(tmp / "archive")
    assert vestige("init", "--operator", "Olena Kovalenko").exit_code == 0
    pki = make_tsa_pki(tmp / "tsa")
    statement = tmp / "Заява свідка W-12.pdf"
    statement.write_bytes(b"%PDF-1.4\n% witness statement\n")
    secret = tmp / "other-case.txt"
    secret.write_bytes(b"OTHER CASE SECRET 7f3a\n")
    with LocalTsa(pki) as tsa, FixtureWeb() as web:
        assert vestige("tsa", "add", tsa.url, "--ca-file", str(pki.root_cert_pem)).exit_code == 0
        assert vestige("tsa", "auto", "on").exit_code == 0
        assert vestige("case", "create", "UKR1", "--title", "Deportation of children").exit_code == 0
        cap = vestige(
            "capture", f"{web.url}/", f"{web.url}/doc.pdf", "--case", "UKR1", "--jobs", "2", "--json"
        )
        assert cap.exit_code == 0, cap.stdout + cap.stderr
        assert vestige("add", str(statement), "--case", "UKR1", "--note", "from the NGO").exit_code == 0
        other = vestige("add", str(secret), "--case", "OTHER", "--json").json()["items"][0]  # with timestamps
        page_id = next(row["id"] for row in cap.json() if row["url"] == f"{web.url}/")  # --jobs 2: any order
        assert vestige("note", page_id, "screenshot reviewed").exit_code == 0
        bundle = tmp / "bundle"
        res = vestige(
            "export",
            "--case",
            "UKR1",
            "--out",
            str(bundle),
            "--id-pattern",
            "UKR-OTP-{case_seq:04d}-{seq:04d}",
            "--json",
        )
        assert res.exit_code == 0, res.stdout + res.stderr
    items = vestige("list", "--case", "UKR1", "--json").json()
    yield Exported(vestige, bundle, items, other, res.json(), page_id)
