"""RFC 3161 timestamps from a real local TSA (openssl ts), failures recorded and retried."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.support.tsa import LocalTsa, TsaPki, free_port_url, make_tsa_pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TsaPki:
    return make_tsa_pki(tmp_path_factory.mktemp("tsa"))


def _init(vestige: Cli, evidence: list[Path]) -> None:
    assert vestige("init", "--operator", "T").exit_code == 0
    assert vestige("add", str(evidence[0]), "--case", "C1").exit_code == 0


def test_timestamp_is_granted_stored_and_verified(vestige: Cli, evidence: list[Path], pki: TsaPki) -> None:
    _init(vestige, evidence)
    with LocalTsa(pki) as tsa:
        assert vestige("tsa", "add", tsa.url, "--ca-file", str(pki.root_cert_pem)).exit_code == 0
        res = vestige("timestamp", "--json")
        assert res.exit_code == 0, res.stderr
        [granted] = res.json()
        assert granted["state"] == "granted" and granted["gen_time"].endswith("Z")
        assert tsa.requests_served == 1
        again = vestige("timestamp", "--json")  # nothing new to stamp
        assert again.exit_code == 0 and again.json() == []
    report = vestige("verify", "--json", "--no-record").json()
    stamps = report["checks"][3]
    assert stamps["status"] == "passed" and stamps["detail"].startswith("1 tokens verified")


def test_token_from_another_pki_fails_verification(
    vestige: Cli, evidence: list[Path], pki: TsaPki, tmp_path: Path
) -> None:
    _init(vestige, evidence)
    other = make_tsa_pki(tmp_path / "other-ca")
    with LocalTsa(pki) as tsa:
        # Trust anchor of a different CA: the request itself must be refused and recorded.
        assert vestige("tsa", "add", tsa.url, "--ca-file", str(other.root_cert_pem)).exit_code == 0
        res = vestige("timestamp", "--json")
    assert res.exit_code == 5
    assert res.json()[0]["state"] == "failed"


def test_tampered_token_is_reported(
    vestige: Cli, evidence: list[Path], pki: TsaPki, archive_root: Path
) -> None:
    _init(vestige, evidence)
    with LocalTsa(pki) as tsa:
        vestige("tsa", "add", tsa.url, "--ca-file", str(pki.root_cert_pem))
        assert vestige("timestamp").exit_code == 0
    db = sqlite3.connect(archive_root / "vestige.db")
    db.execute("DROP TRIGGER timestamps_no_update")
    token = bytearray(db.execute("SELECT token FROM timestamps").fetchone()[0])
    token[-40] ^= 0xFF  # inside the signature
    db.execute("UPDATE timestamps SET token = ?", (bytes(token),))
    db.commit()
    db.close()
    res = vestige("verify", "--json", "--no-record")
    assert res.exit_code == 1
    check = res.json()["checks"][3]
    assert check["status"] == "failed"
    assert check["problems"][0]["subject"].startswith("timestamp of checkpoint")


def test_unreachable_tsa_is_recorded_and_retried(
    vestige: Cli, evidence: list[Path], pki: TsaPki, archive_root: Path
) -> None:
    _init(vestige, evidence)
    with LocalTsa(pki, fail_with=503) as down:
        vestige("tsa", "add", down.url, "--ca-file", str(pki.root_cert_pem))
        res = vestige("timestamp", "--json")
        assert res.exit_code == 5
        assert res.json()[0]["state"] == "failed" and "503" in res.json()[0]["error"]
        first = res.json()[0]["checkpoint_size"]
        assert "retry with: vestige timestamp" in res.stderr
        report = vestige("verify", "--json", "--no-record").json()
        assert report["result"] == "intact"  # a pending timestamp is not tampering...
        assert any("pending" in n for n in report["checks"][3]["notes"])  # ...but it is said
        # The TSA comes back: the failed checkpoint is retried and granted.
        down.fail_with = None
        res = vestige("timestamp", "--json")
    assert res.exit_code == 0, res.stderr
    assert [(r["checkpoint_size"], r["state"]) for r in res.json()] == [(first, "granted")]
    assert vestige("verify", "--json", "--no-record").json()["checks"][3]["notes"] == []


def test_refused_connection_is_a_failed_attempt(vestige: Cli, evidence: list[Path]) -> None:
    _init(vestige, evidence)
    vestige("tsa", "add", free_port_url())
    res = vestige("timestamp")
    assert res.exit_code == 5
    assert "FAILED" in res.stdout and "refused" in res.stdout.lower()


def test_auto_timestamp_after_each_checkpoint(vestige: Cli, evidence: list[Path], pki: TsaPki) -> None:
    _init(vestige, evidence)
    with LocalTsa(pki) as tsa:
        vestige("tsa", "add", tsa.url, "--ca-file", str(pki.root_cert_pem))
        assert vestige("tsa", "auto", "on").exit_code == 0
        res = vestige("add", str(evidence[1]), "--case", "C1", "--json")
        assert res.exit_code == 0
        assert res.json()["timestamps"][0]["state"] == "granted"
        assert tsa.requests_served == 1
    # TSA gone: the add still succeeds, with a warning and a recorded failure.
    res = vestige("add", str(evidence[2]), "--case", "C1")
    assert res.exit_code == 0
    assert "timestamp from" in res.stderr and "failed" in res.stderr


def test_timestamp_without_tsa_is_a_usage_error(vestige: Cli, evidence: list[Path]) -> None:
    _init(vestige, evidence)
    res = vestige("timestamp")
    assert res.exit_code == 2
    assert "no TSA configured" in res.stderr
