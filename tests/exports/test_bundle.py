"""vestige export: round trip on real captures, checked with the tools a recipient has, and attacked."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli
from tests.exports.conftest import Exported, verify_py
from tests.support.replay import REPLAY_BIN, Pywb
from vestige.exports.loadfile import read_dat, read_opt

pytestmark = pytest.mark.slow


def _copy(bundle: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "copy"
    shutil.copytree(bundle, dest)
    return dest


def _rewrite_sums(root: Path) -> None:
    """What an attacker without the key can do: recompute SHA256SUMS after an edit."""
    lines = []
    for line in (root / "SHA256SUMS").read_text().splitlines():
        _, rel = line.split("  ", 1)
        lines.append(f"{hashlib.sha256((root / rel).read_bytes()).hexdigest()}  {rel}\n")
    (root / "SHA256SUMS").write_text("".join(lines))


def test_bundle_verifies_with_the_recipients_tools(exported: Exported) -> None:
    bundle = exported.bundle
    run = verify_py(bundle)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "RESULT: INTACT" in run.stdout
    sums = subprocess.run(
        ["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=bundle, capture_output=True, text=True
    )
    assert sums.returncode == 0, sums.stdout + sums.stderr
    b3 = subprocess.run(["b3sum", "-c", "B3SUMS"], cwd=bundle, capture_output=True, text=True)
    assert b3.returncode == 0, b3.stdout + b3.stderr
    listed = {line.split("  ", 1)[1] for line in (bundle / "SHA256SUMS").read_text().splitlines()}
    on_disk = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert on_disk - listed == {"SHA256SUMS", "SHA256SUMS.sig"}


def test_bundle_layout_and_manifest(exported: Exported) -> None:
    bundle = exported.bundle
    manifest = json.loads((bundle / "manifest.json").read_text())
    ids = [x["exhibit_id"] for x in manifest["exhibits"]]
    assert ids == ["UKR-OTP-0001-0001", "UKR-OTP-0001-0002", "UKR-OTP-0001-0003"]
    assert [x["item_id"] for x in manifest["exhibits"]] == [i["id"] for i in exported.items]
    [page] = [x for x in manifest["exhibits"] if x["item_id"] == exported.page_id]
    roles = {a["role"]: a for a in page["artifacts"]}
    xid = page["exhibit_id"]
    assert (bundle / roles["screenshot"]["path"]).read_bytes().startswith(b"\x89PNG")
    assert roles["pdf"]["path"] == f"IMAGES/{xid}.pdf"
    assert roles["text"]["path"] == f"TEXT/{xid}.txt"
    assert roles["warc"]["path"] == f"WACZ/{xid}.wacz" and roles["warc"]["member"].startswith("archive/")
    with zipfile.ZipFile(bundle / roles["warc"]["path"]) as zf:
        info = zf.getinfo(roles["warc"]["member"])
        assert info.compress_type == zipfile.ZIP_STORED
        assert hashlib.sha256(zf.read(info)).hexdigest() == roles["warc"]["sha256"]
    # Every artifact's bytes are the stored evidence's, byte for byte.
    [item] = [i for i in exported.items if i["id"] == exported.page_id]
    for art in item["artifacts"]:
        if art["role"] != "warc":
            assert (bundle / roles[art["role"]]["path"]).read_bytes() == Path(art["path"]).read_bytes()
    for rel in ("README.txt", "CERTIFICATION.txt", "index.csv", "index.xlsx", "verify.py", "loadfile.dat"):
        assert (bundle / rel).stat().st_size > 0
    assert all((bundle / x["report"]).read_bytes().startswith(b"%PDF") for x in manifest["exhibits"])
    readme = (bundle / "README.txt").read_text()
    assert "python3 -S verify.py" in readme and manifest["archive"]["verifier_key"] in readme
    # The file exhibit keeps its name, made safe; it is the DAT's native.
    statement = manifest["exhibits"][2]
    [native] = [a for a in statement["artifacts"] if a["role"] == "file"]
    assert native["path"].startswith("NATIVES/UKR-OTP-0001-0003/") and ".." not in native["path"]


def test_production_load_files_parse(exported: Exported) -> None:
    bundle = exported.bundle
    rows = read_dat(bundle / "loadfile.dat")
    assert [r["BEGDOC"] for r in rows] == ["UKR-OTP-0001-0001", "UKR-OTP-0001-0002", "UKR-OTP-0001-0003"]
    for row in rows:
        native = bundle / row["NATIVEPATH"].replace("\\", "/")
        assert native.is_file()
        assert hashlib.sha256(native.read_bytes()).hexdigest() == row["SHA256HASH"]
        assert row["CUSTODIAN"] == "Olena Kovalenko"
    opt = read_opt(bundle / "images.opt")
    assert opt and all((bundle / str(line[2]).replace("\\", "/")).is_file() for line in _opt_rows(opt))


def _opt_rows(opt: Any) -> list[list[Any]]:
    return [list(vars(r).values()) if hasattr(r, "__dict__") else list(r) for r in opt]


def test_report_reads_back(exported: Exported) -> None:
    manifest = json.loads((exported.bundle / "manifest.json").read_text())
    [page] = [x for x in manifest["exhibits"] if x["item_id"] == exported.page_id]
    text = subprocess.run(
        ["pdftotext", "-layout", str(exported.bundle / page["report"]), "-"], capture_output=True, text=True
    ).stdout
    flat = "".join(text.split())
    assert page["exhibit_id"] in text
    for art in page["artifacts"]:
        assert art["sha256"] in flat and art["blake3"] in flat
    assert "screenshot reviewed" in text  # the note, a custody event of this exhibit


def test_nothing_of_another_case_is_disclosed(exported: Exported) -> None:
    other = exported.other
    needles = [other["id"].encode(), b"OTHER", other["artifacts"][0]["sha256"].encode(), b"SECRET 7f3a"]
    for path in exported.bundle.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in needles:
                assert needle not in data, f"{needle!r} leaked into {path.name}"
    entries = [
        json.loads(line) for line in (exported.bundle / "custody/entries.jsonl").read_text().splitlines()
    ]
    assert {e["case"] for e in entries} <= {None, "UKR1"}


def test_export_is_a_custody_event_and_the_archive_still_verifies(exported: Exported) -> None:
    vestige = exported.vestige
    log = vestige("ledger", "log", "--json").json()
    [entry] = [e for e in log if e["event"] == "export.created"]
    sums = hashlib.sha256((exported.bundle / "SHA256SUMS").read_bytes()).hexdigest()
    assert entry["details"]["sha256sums_sha256"] == sums == exported.export["sha256sums_sha256"]
    assert entry["index"] == exported.export["entry_index"]
    assert vestige("verify", "--no-record").exit_code == 0


def test_time_stamps_travel_with_the_bundle(exported: Exported) -> None:
    proofs = json.loads((exported.bundle / "custody/proofs.json").read_text())
    assert proofs["timestamps"], "auto time-stamping was on: the checkpoint's token must be in the bundle"
    for t in proofs["timestamps"]:
        assert (exported.bundle / t["token"]).stat().st_size > 0


def test_wacz_validates_with_py_wacz(exported: Exported) -> None:
    wacz = REPLAY_BIN / "wacz"
    if not wacz.exists():
        pytest.skip("py-wacz is installed into .venv-replay by `make test`")
    for path in sorted((exported.bundle / "WACZ").glob("*.wacz")):
        run = subprocess.run([str(wacz), "validate", "-f", str(path)], capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr


def test_zip_bundle_verifies_after_unzipping(exported: Exported, tmp_path: Path) -> None:
    vestige = exported.vestige
    out = tmp_path / "bundle.zip"
    res = vestige("export", "--case", "UKR1", "--out", str(out), "--items", "UKR1-0003", "--json")
    assert res.exit_code == 0, res.stdout + res.stderr
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert "verify.py" in names and all(not n.startswith(("/", "..")) for n in names)
        zf.extractall(tmp_path / "unzipped")
    run = verify_py(tmp_path / "unzipped")
    assert run.returncode == 0, run.stdout + run.stderr
    manifest = json.loads((tmp_path / "unzipped/manifest.json").read_text())
    assert [x["item_id"] for x in manifest["exhibits"]] == ["UKR1-0003"]
    # The second export carries a consistency proof from the first one's checkpoint.
    proofs = json.loads((tmp_path / "unzipped/custody/proofs.json").read_text())
    assert exported.export["checkpoint_size"] in {c["from_size"] for c in proofs["consistency"]}


def test_existing_destination_is_refused(exported: Exported) -> None:
    res = exported.vestige("export", "--case", "UKR1", "--out", str(exported.bundle))
    assert res.exit_code == 2 and "already exists" in res.stderr


def test_unknown_case_or_bad_pattern_is_a_usage_error(exported: Exported, tmp_path: Path) -> None:
    vestige = exported.vestige
    assert vestige("export", "--case", "NOPE", "--out", str(tmp_path / "b")).exit_code == 2
    res = vestige("export", "--case", "UKR1", "--out", str(tmp_path / "b"), "--id-pattern", "{nope}")
    assert res.exit_code == 2 and not (tmp_path / "b").exists()


# -- attacks on a bundle: each must make verify.py fail -----------------------------------------------


def _flip_screenshot(root: Path) -> None:
    shot = next((root / "NATIVES").glob("*/screenshot.png"))
    data = bytearray(shot.read_bytes())
    data[len(data) // 2] ^= 1
    shot.write_bytes(bytes(data))


def _flip_and_rewrite_sums(root: Path) -> None:
    _flip_screenshot(root)
    _rewrite_sums(root)


def _edit_entry_and_rewrite_sums(root: Path) -> None:
    path = root / "custody/entries.jsonl"
    path.write_text(path.read_text().replace("Olena Kovalenko", "Someone Else", 1))
    _rewrite_sums(root)


def _swap_screenshot_everywhere(root: Path) -> None:
    """Replace the screenshot and fix every digest an attacker can reach: manifest and SHA256SUMS."""
    shot = next((root / "NATIVES").glob("*/screenshot.png"))
    fake = shot.read_bytes() + b"forged"
    old = hashlib.sha256(shot.read_bytes()).hexdigest()
    shot.write_bytes(fake)
    manifest = root / "manifest.json"
    manifest.write_text(manifest.read_text().replace(old, hashlib.sha256(fake).hexdigest()))
    _rewrite_sums(root)


def _drop_entry(root: Path) -> None:
    path = root / "custody/entries.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(line for line in lines if '"note.added"' not in line))
    _rewrite_sums(root)


def _edit_readme(root: Path) -> None:
    (root / "README.txt").write_text("nothing to see here\n")
    _rewrite_sums(root)


@pytest.mark.parametrize(
    "attack",
    [_flip_screenshot, _flip_and_rewrite_sums, _edit_entry_and_rewrite_sums, _swap_screenshot_everywhere,
     _drop_entry, _edit_readme],
)  # fmt: skip
def test_tampered_bundle_fails_verification(exported: Exported, tmp_path: Path, attack: Any) -> None:
    root = _copy(exported.bundle, tmp_path)
    attack(root)
    run = verify_py(root)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "RESULT: NOT INTACT" in run.stdout


def test_tampered_store_stops_the_export(exported: Exported, tmp_path: Path) -> None:
    """A blob changed behind the tool's back is never handed over: no bundle, no export entry."""
    root = tmp_path / "archive"
    shutil.copytree(exported.vestige.root, root)
    vestige = Cli(root)
    shot = next(
        a
        for a in vestige("show", exported.page_id, "--json").json()["artifacts"]
        if a["role"] == "screenshot"
    )
    blob = Path(shot["path"])
    blob.chmod(0o644)
    blob.write_bytes(blob.read_bytes()[:-1] + b"\x00")
    before = len(vestige("ledger", "log", "--json").json())
    res = vestige("export", "--case", "UKR1", "--out", str(tmp_path / "b"))
    assert res.exit_code == 1 and "no longer matches" in res.stderr
    assert not (tmp_path / "b").exists() and not list(tmp_path.glob(".b.partial-*"))
    assert len(vestige("ledger", "log", "--json").json()) == before


def test_pywb_replays_the_exported_capture(exported: Exported, tmp_path: Path) -> None:
    """The recipient's WACZ replays: pywb loads it with its own index and serves the page and its data."""
    import urllib.request

    manifest = json.loads((exported.bundle / "manifest.json").read_text())
    [page] = [x for x in manifest["exhibits"] if x["item_id"] == exported.page_id]
    pywb = Pywb(tmp_path / "pywb")
    pywb.add_wacz(exported.bundle / page["wacz"])
    with pywb:
        for url in (page["url"], page["url"] + "late.json"):
            with urllib.request.urlopen(pywb.url(url), timeout=20) as resp:
                assert resp.status == 200 and resp.read(), url


def test_zip_export_leaves_neighbouring_files_alone(exported: Exported, tmp_path: Path) -> None:
    """The zip is built under a fresh hidden name: a directory that happens to share its stem survives."""
    neighbour = tmp_path / ".b.zip"
    neighbour.mkdir()
    (neighbour / "keep.txt").write_text("not Vestige's")
    res = exported.vestige(
        "export", "--case", "UKR1", "--out", str(tmp_path / "b.zip"), "--items", "UKR1-0003"
    )
    assert res.exit_code == 0, res.stderr
    assert (neighbour / "keep.txt").read_text() == "not Vestige's"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".b.zip", "b.zip"]
