"""Settings in the archive's config.json (config get|set|unset, the typed accessor) and vestige doctor."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest

from tests.conftest import Cli, run_vestige
from vestige.archive import Archive
from vestige.archiver.browser import BrowserMissing, find_chromium
from vestige.cli import cli
from vestige.cli.capture_rules import CAPTURE_JOBS, CAPTURE_SETTLE, CAPTURE_TIMEOUT, PROXY_SCHEMES
from vestige.cli.settings import (
    SETTINGS,
    check_clock,
    check_verified,
    settings,
)
from vestige.errors import InputError


def _config(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / "config.json").read_text())
    return data


@contextlib.contextmanager
def _opened(root: Path) -> Iterator[Archive]:
    archive = Archive.open(root)
    try:
        yield archive
    finally:
        archive.close()


def test_defaults_on_a_new_archive(vestige: Cli, archive_root: Path) -> None:
    vestige("init", "--operator", "Olena K.")
    rows = {r["key"]: r for r in vestige("config", "get", "--json").json()}
    assert list(rows) == [
        "operator",
        "case",
        "proxy",
        "capture.timeout",
        "capture.max_size",
        "capture.settle",
        "capture.jobs",
        "export.id_pattern",
        "tsa",
        "tsa.auto",
    ]
    assert rows["operator"] == {"key": "operator", "value": "Olena K.", "set": True}
    assert rows["capture.timeout"] == {"key": "capture.timeout", "value": 120.0, "set": False}
    assert rows["case"]["value"] is None and rows["tsa"]["value"] == [] and rows["tsa.auto"]["value"] is False
    assert "capture.timeout    120  (default)" in vestige("config", "get").stdout
    assert vestige("config", "get", "proxy").stdout == ""
    with _opened(archive_root) as archive:
        s = settings(archive)
    assert (s.operator, s.case, s.proxy) == ("Olena K.", None, None)
    assert (s.capture_timeout, s.capture_max_size, s.capture_settle, s.capture_jobs) == (
        120.0,
        2 << 30,
        1.0,
        1,
    )
    assert s.export_id_pattern == "{item}"


def test_settings_persist_across_processes(archive_root: Path) -> None:
    assert run_vestige(archive_root, "init").exit_code == 0
    for key, value in (
        ("case", "UKR-2024"),
        ("proxy", "socks5h://127.0.0.1:9050"),
        ("capture.timeout", "60"),
        ("capture.max_size", "500M"),
        ("capture.settle", "2.5"),
        ("capture.jobs", "2"),
        ("export.id_pattern", "UKR-OTP-{case_seq:04d}-{seq:04d}"),
    ):
        res = run_vestige(archive_root, "config", "set", key, value)
        assert res.exit_code == 0, res.stderr
    res = run_vestige(archive_root, "config", "get", "--json")
    assert res.exit_code == 0, res.stderr
    rows = {r["key"]: r["value"] for r in res.json()}
    assert rows["case"] == "UKR-2024" and rows["capture.timeout"] == 60.0 and rows["capture.jobs"] == 2
    assert run_vestige(archive_root, "config", "get", "capture.max_size").stdout == "500M\n"
    assert _config(archive_root)["settings"]["capture.settle"] == 2.5
    with _opened(archive_root) as archive:
        s = settings(archive)
    assert (s.case, s.proxy) == ("UKR-2024", "socks5h://127.0.0.1:9050")
    assert (s.capture_timeout, s.capture_max_size, s.capture_settle, s.capture_jobs) == (
        60.0,
        500 << 20,
        2.5,
        2,
    )
    assert s.export_id_pattern == "UKR-OTP-{case_seq:04d}-{seq:04d}"

    res = run_vestige(archive_root, "config", "unset", "proxy", "--json")
    assert res.exit_code == 0 and res.json()["previous"] == "socks5h://127.0.0.1:9050"
    res = run_vestige(archive_root, "config", "unset", "capture.timeout")
    assert res.stdout.strip() == "capture.timeout unset (default: 120)"
    assert set(_config(archive_root)["settings"]) == {
        "case",
        "capture.max_size",
        "capture.settle",
        "capture.jobs",
        "export.id_pattern",
    }


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("capture.timeout", "3", "capture.timeout: 3.0 is not in the range x>=5"),
        ("capture.timeout", "soon", "capture.timeout: 'soon' is not a valid float"),
        ("capture.settle", "0.1", "capture.settle: 0.1 is not in the range"),
        ("capture.jobs", "0", "capture.jobs: 0 is not in the range"),
        ("capture.jobs", "17", "capture.jobs: 17 is not in the range"),
        ("capture.max_size", "0", "capture.max_size: '0' is not a size"),
        ("capture.max_size", "2X", "capture.max_size: '2X' is not a size"),
        ("proxy", "ftp://proxy.example:21", "is not a proxy URL"),
        ("proxy", "socks5://", "is not a proxy URL"),
        ("case", "bad case!", "case: invalid case ID"),
        ("export.id_pattern", "{nope}", "unknown field {nope}"),
        ("export.id_pattern", "X-{case}", "gives every exhibit the same ID"),
        ("operator", "  ", "operator name must be"),
        ("tsa", "http://tsa.example", "tsa is not set here"),
        ("tsa.auto", "on", "use: vestige tsa auto on|off"),
        ("no.such.key", "1", "unknown setting 'no.such.key'"),
    ],
)
def test_invalid_values_are_refused_with_exit_2(
    vestige: Cli, archive_root: Path, key: str, value: str, message: str
) -> None:
    vestige("init")
    before = (archive_root / "config.json").read_bytes()
    res = vestige("config", "set", key, value)
    assert res.exit_code == 2, res.stderr
    assert (
        message in res.stderr and len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    )
    assert (archive_root / "config.json").read_bytes() == before
    err = vestige("config", "set", key, value, "--json").json()["error"]
    assert err["exit_code"] == 2 and message in err["message"] + " (" + str(err["hint"]) + ")"


def test_unset_and_get_of_keys_that_cannot_be(vestige: Cli) -> None:
    vestige("init")
    for key, message in (("operator", "operator cannot be unset"), ("tsa", "tsa cannot be unset")):
        res = vestige("config", "unset", key)
        assert res.exit_code == 2 and message in res.stderr
    assert vestige("config", "get", "nope").exit_code == 2
    assert vestige("config", "unset", "nope").exit_code == 2


def test_setting_an_unknown_case_warns(vestige: Cli) -> None:
    vestige("init")
    res = vestige("config", "set", "case", "UKR-2024")
    assert res.exit_code == 0 and "case UKR-2024 does not exist yet" in res.stderr
    vestige("case", "create", "OTHER")
    res = vestige("config", "set", "case", "OTHER")
    assert res.exit_code == 0 and res.stderr == ""


def test_an_old_config_without_settings_still_opens(vestige: Cli, archive_root: Path) -> None:
    vestige("init", "--operator", "A")
    old = _config(archive_root)
    del old["settings"]
    (archive_root / "config.json").write_text(json.dumps(old, indent=2))
    rows = {r["key"]: r for r in vestige("config", "get", "--json").json()}
    assert rows["capture.jobs"] == {"key": "capture.jobs", "value": 1, "set": False}
    assert vestige("list", "--json").exit_code == 0
    assert vestige("config", "set", "capture.jobs", "3").exit_code == 0
    new = _config(archive_root)
    assert new["settings"] == {"capture.jobs": 3} and {k: v for k, v in new.items() if k != "settings"} == old


def test_a_hand_edited_bad_value_is_reported_not_ignored(vestige: Cli, archive_root: Path) -> None:
    vestige("init")
    data = _config(archive_root)
    data["settings"] = {"proxy": "tor please", "from.a.newer.vestige": "x"}
    (archive_root / "config.json").write_text(json.dumps(data))
    with _opened(archive_root) as archive, pytest.raises(InputError) as err:
        settings(archive)
    assert "setting proxy = 'tor please' is invalid" in err.value.message
    assert err.value.hint == "fix it with: vestige config set proxy VALUE, or: vestige config unset proxy"
    shown = vestige("config", "get").stdout
    assert "proxy                 tor please  (invalid: proxy: 'tor please' is not a proxy URL" in shown
    assert "from.a.newer.vestige  x  (unknown to this version of Vestige)" in shown

    doctor = vestige("doctor", "--json")
    assert doctor.exit_code == 1
    [bad] = [c for c in doctor.json()["checks"] if c["check"] == "settings"]
    assert bad["status"] == "problem" and bad["fix"].endswith("vestige config unset proxy")

    assert vestige("config", "unset", "proxy").exit_code == 0
    assert vestige("config", "unset", "from.a.newer.vestige").exit_code == 0
    assert _config(archive_root)["settings"] == {}


def test_damaged_settings_are_an_archive_error(vestige: Cli, archive_root: Path) -> None:
    vestige("init")
    data = _config(archive_root)
    data["settings"] = ["not", "a", "mapping"]
    (archive_root / "config.json").write_text(json.dumps(data))
    res = vestige("config", "get")
    assert res.exit_code == 3 and "config" in res.stderr and "unreadable or damaged" in res.stderr


def test_concurrent_changes_are_both_kept(vestige: Cli, archive_root: Path) -> None:
    vestige("init")
    with _opened(archive_root) as first, _opened(archive_root) as second:
        first.update_config(lambda c: c.settings.update({"capture.jobs": 2}))
        second.update_config(lambda c: c.settings.update({"capture.timeout": 30.0}))  # opened before
    assert _config(archive_root)["settings"] == {"capture.jobs": 2, "capture.timeout": 30.0}


def _command(name: str) -> click.Command:
    command = cli.get_command(click.Context(cli), name)  # its module is imported when looked up
    assert command is not None
    return command


def test_settings_use_the_rules_and_defaults_of_the_commands() -> None:
    """The ranges and defaults here are those of capture's and export's options (drift shows up here)."""
    from vestige.archiver import capture as capturing

    assert set(PROXY_SCHEMES) == set(capturing.PROXY_SCHEMES)
    capture = {p.name: p for p in _command("capture").params}
    for name, kind in (("timeout", CAPTURE_TIMEOUT), ("settle", CAPTURE_SETTLE), ("jobs", CAPTURE_JOBS)):
        own = capture[name].type
        assert (own.min, own.max, own.min_open, own.max_open) == (
            kind.min,
            kind.max,
            kind.min_open,
            kind.max_open,
        )
        if capture[name].default is not None:
            assert capture[name].default == SETTINGS[f"capture.{name}"].default
    if capture["max_size"].default is not None:
        assert capture["max_size"].default == SETTINGS["capture.max_size"].default
    export = {p.name: p for p in _command("export").params}
    if export["id_pattern"].default is not None:
        assert export["id_pattern"].default == SETTINGS["export.id_pattern"].default


# -- the operator name ----------------------------------------------------------------------------


def test_changing_the_operator_is_a_custody_event(
    vestige: Cli, archive_root: Path, evidence: list[Path]
) -> None:
    vestige("init", "--operator", "O. K.")
    vestige("add", str(evidence[0]), "--case", "C1")
    res = vestige("config", "set", "operator", "Olena Kovalenko", "--json")
    assert res.exit_code == 0, res.stderr
    out = res.json()
    assert out["value"] == "Olena Kovalenko" and out["previous"] == "O. K." and out["entry_index"] == 4
    vestige("note", "C1-0001", "after the rename")

    log = vestige("ledger", "log", "--json").json()
    registered, rename, note = log[1], log[4], log[5]
    assert rename["event"] == "key.registered" and rename["subject"] == registered["subject"]
    assert rename["actor"]["name"] == "O. K."  # the change is made by the operator as named until then
    assert rename["details"]["operator"] == "Olena Kovalenko"
    assert rename["details"]["previous_operator"] == "O. K."
    for field in ("key_name", "algorithm", "public_key", "verifier_key"):
        assert rename["details"][field] == registered["details"][field]  # the same key
    assert note["actor"] == {"name": "Olena Kovalenko", "key": registered["actor"]["key"]}
    assert _config(archive_root)["operator"] == "Olena Kovalenko"

    again = vestige("config", "set", "operator", "Olena Kovalenko", "--json").json()
    assert again["entry_index"] is None and len(vestige("ledger", "log", "--json").json()) == 6
    assert vestige("verify", "--no-record").exit_code == 0

    bundle = archive_root.parent / "bundle"
    assert vestige("export", "--case", "C1", "--out", str(bundle)).exit_code == 0
    disclosed = [json.loads(line) for line in (bundle / "custody" / "entries.jsonl").read_text().splitlines()]
    assert [e["details"]["operator"] for e in disclosed if e["subject"] == registered["subject"]] == [
        "O. K.",
        "Olena Kovalenko",
    ]
    checked = vestige("verify-bundle", str(bundle))
    assert checked.exit_code == 0, checked.stdout


def test_a_rename_interrupted_before_the_config_is_saved_completes_on_retry(
    vestige: Cli, archive_root: Path
) -> None:
    vestige("init", "--operator", "Old Name")
    vestige("config", "set", "operator", "New Name")
    data = _config(archive_root)
    data["operator"] = "Old Name"  # as if killed between the ledger commit and saving config.json
    (archive_root / "config.json").write_text(json.dumps(data))

    [check] = [c for c in vestige("doctor", "--json").json()["checks"] if c["check"] == "operator"]
    assert check["status"] == "warning" and "'New Name'" in check["detail"]
    assert check["fix"] == 'record the name in the ledger: vestige config set operator "Old Name"'

    res = vestige("config", "set", "operator", "New Name", "--json")
    assert res.exit_code == 0 and res.json()["entry_index"] is None
    assert _config(archive_root)["operator"] == "New Name"
    assert [e["event"] for e in vestige("ledger", "log", "--json").json()].count("key.registered") == 2


# -- doctor ---------------------------------------------------------------------------------------


def _chromium_installed() -> bool:
    try:
        find_chromium(None)
    except BrowserMissing:
        return False
    return True


def test_doctor_as_a_subprocess(archive_root: Path) -> None:
    assert run_vestige(archive_root, "init").exit_code == 0
    res = run_vestige(archive_root, "doctor", "--json")
    checks = {c["check"]: c for c in res.json()["checks"]}
    assert list(checks) == [
        "python",
        "packages",
        "chromium",
        "disk",
        "archive",
        "clock",
        "keys",
        "ledger",
        "verified",
        "operator",
        "settings",
        "tsa",
    ]
    assert all(c["status"] in ("ok", "warning", "problem") for c in checks.values())
    assert all(c["fix"] for c in checks.values() if c["status"] != "ok")
    assert checks["packages"]["versions"]["vestige"] and checks["packages"]["status"] == "ok"
    assert checks["keys"]["status"] == "ok" and checks["ledger"]["status"] == "ok"
    assert checks["ledger"]["entries"] == checks["ledger"]["checkpoint_size"] == 2
    assert checks["verified"]["status"] == "warning" and checks["verified"]["fix"] == "run: vestige verify"
    assert checks["clock"]["ntp_synchronized"] in (True, False, None)
    if _chromium_installed():
        assert checks["chromium"]["status"] == "ok" and checks["chromium"]["version"].startswith("Chromium")
        if all(c["status"] != "problem" for c in checks.values()):
            assert res.exit_code == 0 and res.json()["result"] in ("ok", "warnings")

    key = archive_root / "keys" / "operator.key"
    key.chmod(0o644)
    res = run_vestige(archive_root, "doctor")
    assert res.exit_code == 1 and "Traceback" not in res.stderr
    assert f"fix: run: chmod 600 {key}" in res.stdout and "PROBLEM" in res.stdout
    key.chmod(0o600)
    (archive_root / "keys").chmod(0o755)
    keys = {c["check"]: c for c in run_vestige(archive_root, "doctor", "--json").json()["checks"]}["keys"]
    assert keys["status"] == "warning" and keys["fix"] == f"run: chmod 700 {archive_root / 'keys'}"

    assert run_vestige(archive_root, "verify").exit_code == 0
    verified = {c["check"]: c for c in run_vestige(archive_root, "doctor", "--json").json()["checks"]}[
        "verified"
    ]
    assert verified["status"] == "ok" and verified["result"] == "intact"


def test_doctor_without_an_archive_says_how_to_make_one(tmp_path: Path) -> None:
    res = run_vestige(tmp_path / "nowhere", "doctor", "--json")
    assert res.exit_code == 1
    checks = {c["check"]: c for c in res.json()["checks"]}
    assert checks["archive"]["status"] == "problem" and "init" in checks["archive"]["fix"]
    assert "keys" not in checks and "disk" in checks and "clock" in checks


def test_doctor_finds_a_ledger_ahead_of_its_checkpoint(archive: Archive, vestige: Cli) -> None:
    import sqlite3

    db = sqlite3.connect(archive.db_path)
    db.execute("DROP TRIGGER checkpoints_no_delete")  # an attacker's (or a bug's) move, not Vestige's
    db.execute("DELETE FROM checkpoints WHERE size = (SELECT max(size) FROM checkpoints)")
    db.commit()
    db.close()
    res = vestige("doctor", "--json")
    assert res.exit_code == 1
    [ledger] = [c for c in res.json()["checks"] if c["check"] == "ledger"]
    assert ledger["status"] == "problem" and "vestige verify" in ledger["fix"]


def test_clock_behind_the_ledger_is_a_problem(archive: Archive) -> None:
    past = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    finding = check_clock(archive, now=past)
    assert finding.status == "problem" and "behind the archive's newest checkpoint" in finding.detail
    assert check_clock(archive).status in ("ok", "warning")
    assert check_clock(None, now=past).status in ("ok", "warning")


def test_an_old_verification_is_a_warning(archive: Archive) -> None:
    from vestige.custody.verify import record_verification, verify_archive

    record_verification(archive, verify_archive(archive, []))
    assert check_verified(archive).status == "ok"
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=45)
    finding = check_verified(archive, now=later)
    assert finding.status == "warning" and "45 days ago" in finding.detail


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_doctor_reports_an_unreadable_archive(vestige: Cli, archive_root: Path) -> None:
    vestige("init")
    (archive_root / "config.json").chmod(0)
    res = vestige("doctor", "--json")
    assert res.exit_code == 1
    [archive] = [c for c in res.json()["checks"] if c["check"] == "archive"]
    assert archive["status"] == "problem" and "unreadable" in archive["detail"]


def test_add_and_export_take_their_defaults_from_the_settings(
    vestige: Cli, evidence: list[Path], tmp_path: Path
) -> None:
    assert vestige("init", "--operator", "T").exit_code == 0
    res = vestige("add", str(evidence[0]))
    assert res.exit_code == 2 and "vestige config set case" in res.stderr
    assert vestige("config", "set", "case", "UKR-2024").exit_code == 0
    assert vestige("add", str(evidence[0]), "--json").json()[0]["id"] == "UKR-2024-0001"
    assert vestige("config", "set", "export.id_pattern", "UKR-OTP-{case_seq:04d}-{seq:04d}").exit_code == 0
    res = vestige("export", "--case", "UKR-2024", "--out", str(tmp_path / "b"), "--json")
    assert res.exit_code == 0, res.stderr
    assert res.json()["exhibits"][0]["exhibit_id"] == "UKR-OTP-0001-0001"
    explicit = vestige("export", "--case", "UKR-2024", "--out", str(tmp_path / "c"), "--id-pattern", "{item}")
    assert explicit.exit_code == 0  # an option given on the command line wins
