"""vestige verify-bundle and vestige import: a custody transfer between archives, and hostile bundles."""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.exports.conftest import Exported, verify_py

pytestmark = pytest.mark.slow


@pytest.fixture
def receiver(tmp_path: Path) -> Cli:
    vestige = Cli(tmp_path / "receiver")
    assert vestige("init", "--operator", "OTP Evidence Unit").exit_code == 0
    return vestige


def _zip_dir(src: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(src.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(src).as_posix())
    return dest


def _key(exported: Exported) -> str:
    return str(json.loads((exported.bundle / "manifest.json").read_text())["archive"]["verifier_key"])


def test_verify_bundle_runs_all_nine_checks(exported: Exported, tmp_path: Path) -> None:
    res = exported.vestige("verify-bundle", str(exported.bundle), "--key", _key(exported), "--json")
    assert res.exit_code == 0, res.stdout + res.stderr
    data = res.json()
    assert data["intact"] and [c["number"] for c in data["checks"]] == list(range(1, 10))
    assert all(c["status"] == "passed" for c in data["checks"])
    wacz, tsa = data["checks"][7], data["checks"][8]
    assert "2 WACZ files" in " ".join(wacz["notes"])
    assert any("signed by" in n for n in tsa["notes"])
    zipped = _zip_dir(exported.bundle, tmp_path / "b.zip")
    assert exported.vestige("verify-bundle", str(zipped)).exit_code == 0
    human = exported.vestige("verify-bundle", str(zipped))
    assert "RESULT: INTACT" in human.stdout


def test_verify_bundle_with_another_key_fails(exported: Exported, receiver: Cli) -> None:
    other_key = receiver("ledger", "checkpoint", "--json").json()["verifier_key"]
    res = exported.vestige("verify-bundle", str(exported.bundle), "--key", other_key)
    assert res.exit_code == 1 and "RESULT: NOT INTACT" in res.stdout


def test_verify_bundle_catches_a_wacz_signed_by_a_stranger(exported: Exported, tmp_path: Path) -> None:
    """Re-signing a WACZ with another key (and rewriting the sums) is caught by checks 2, 5 and 8."""
    from vestige.exports.wacz import new_signing_key, public_key_b64, sign_hash

    root = tmp_path / "copy"
    shutil.copytree(exported.bundle, root)
    wacz = next((root / "WACZ").glob("*.wacz"))
    with zipfile.ZipFile(wacz) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    digest = json.loads(members["datapackage-digest.json"])
    key = new_signing_key()
    digest["signedData"]["signature"] = sign_hash(key, digest["hash"])
    digest["signedData"]["publicKey"] = public_key_b64(key)
    members["datapackage-digest.json"] = json.dumps(digest).encode()
    wacz.unlink()
    with zipfile.ZipFile(wacz, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    res = exported.vestige("verify-bundle", str(root), "--json")
    assert res.exit_code == 1
    failed = {c["number"] for c in res.json()["checks"] if c["status"] == "failed"}
    assert 8 in failed and "does not register" in json.dumps(res.json()["checks"][7])


def test_import_is_a_verified_custody_transfer(exported: Exported, receiver: Cli, tmp_path: Path) -> None:
    zipped = _zip_dir(exported.bundle, tmp_path / "ngo-bundle.zip")
    res = receiver("import", str(zipped), "--key", _key(exported), "--json")
    assert res.exit_code == 0, res.stdout + res.stderr
    data = res.json()
    assert data["case"] == "UKR1" and data["from"]["operator"] == "Olena Kovalenko"
    received = {x["source_item"]: x["item"] for x in data["exhibits"]}
    assert set(received) == {i["id"] for i in exported.items}
    log = receiver("ledger", "log", "--json").json()
    imports = [e for e in log if e["event"] == "item.imported"]
    assert len(imports) == 3
    for e in imports:
        assert e["actor"]["name"] == "OTP Evidence Unit"  # who received it...
        assert e["details"]["from"]["operator"] == "Olena Kovalenko"  # ...and from whom, with their key
        assert e["details"]["from"]["verifier_key"] == _key(exported)
    # The bytes are the sender's, committed again here with the same digests.
    for src in exported.items:
        mine = receiver("show", received[src["id"]], "--json").json()
        theirs = {(a["role"], a["sha256"]) for a in src["artifacts"]}
        assert theirs <= {(a["role"], a["sha256"]) for a in mine["artifacts"]}
        record = next(a for a in mine["artifacts"] if a["role"] == "custody")
        chain = json.loads(Path(record["path"]).read_text())
        assert any(json.loads(line)["subject"] == src["id"] for line in chain["entries"])
    assert receiver("verify", "--no-record").exit_code == 0
    again = receiver("import", str(zipped), "--json")  # the same bundle twice: nothing new
    assert again.exit_code == 0 and all(x["skipped"] for x in again.json()["exhibits"])
    # The receiver can hand the evidence on: its own bundle verifies offline.
    out = tmp_path / "onward"
    assert receiver("export", "--case", "UKR1", "--out", str(out)).exit_code == 0
    run = verify_py(out)
    assert run.returncode == 0, run.stdout


def _ledger_size(vestige: Cli) -> int:
    return len(vestige("ledger", "log", "--json").json())


def _hostile_zip(path: Path, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            zf.writestr(info, data)
    return path


def _symlink_member() -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("NATIVES/link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ([("../evil.txt", b"x")], "unsafe path"),
        ([("/tmp/evil.txt", b"x")], "unsafe path"),
        ([("NATIVES/..\\..\\evil.txt", b"x")], "unsafe path"),
        ([(_symlink_member(), b"/etc/passwd")], "link or special file"),
        ([("a.txt", b"1"), ("A.TXT", b"2")], "duplicate name"),
        ([("bomb.bin", bytes(64 << 20))], "inflates beyond its limits"),
    ],
    ids=["dotdot", "absolute", "backslash", "symlink", "duplicate", "zip-bomb"],
)
def test_hostile_zip_is_refused_and_nothing_is_written(
    receiver: Cli, tmp_path: Path, members: list[tuple[zipfile.ZipInfo | str, bytes]], message: str
) -> None:
    bundle = _hostile_zip(tmp_path / "hostile.zip", members)
    before = _ledger_size(receiver)
    res = receiver("import", str(bundle))
    assert res.exit_code == 1 and message in res.stderr, res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/evil.txt").exists()
    assert _ledger_size(receiver) == before
    assert not list((receiver.root / "tmp").glob("import-*"))  # the scratch space is cleaned
    assert receiver("verify-bundle", str(bundle)).exit_code == 1


def test_tampered_bundle_is_refused_whole(exported: Exported, receiver: Cli, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(exported.bundle, root)
    shot = next((root / "NATIVES").glob("*/screenshot.png"))
    shot.write_bytes(shot.read_bytes() + b"!")
    lines = []
    for line in (root / "SHA256SUMS").read_text().splitlines():
        _, rel = line.split("  ", 1)
        lines.append(f"{hashlib.sha256((root / rel).read_bytes()).hexdigest()}  {rel}\n")
    (root / "SHA256SUMS").write_text("".join(lines))
    before = _ledger_size(receiver)
    res = receiver("import", str(root))
    assert res.exit_code == 1 and "failed verification, nothing imported" in res.stderr
    assert _ledger_size(receiver) == before and receiver("list", "--json").json() == []


def test_bundle_directory_with_a_symlink_is_refused(
    exported: Exported, receiver: Cli, tmp_path: Path
) -> None:
    root = tmp_path / "copy"
    shutil.copytree(exported.bundle, root)
    (root / "NATIVES" / "passwd").symlink_to("/etc/passwd")
    res = receiver("import", str(root))
    assert res.exit_code == 1 and "symlink" in res.stderr
