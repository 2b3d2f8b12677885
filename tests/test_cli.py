"""The command line as a user runs it: output shapes, exit codes, one-line errors."""

from __future__ import annotations

import ast
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Cli, run_vestige
from vestige.cli import cli


def test_init_add_list_show_round_trip(vestige: Cli, evidence: list[Path], archive_root: Path) -> None:
    res = vestige("init", "--operator", "Olena K.", "--json")
    assert res.exit_code == 0
    init = res.json()
    assert init["operator"] == "Olena K." and init["key_fingerprint"].startswith("ed25519:")
    key = archive_root / "keys" / "operator.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "PRIVATE KEY" not in res.stdout

    res = vestige("add", *map(str, evidence), "--case", "UKR-OTP", "--note", "from W-12", "--json")
    assert res.exit_code == 0, res.stderr
    items = res.json()
    assert [i["id"] for i in items] == ["UKR-OTP-0001", "UKR-OTP-0002", "UKR-OTP-0003"]
    for item, src in zip(items, evidence, strict=True):
        assert item["case"] == "UKR-OTP" and item["state"] == "complete"
        [art] = item["artifacts"]
        assert set(art) == {"role", "name", "media_type", "size", "sha256", "blake3", "path"}
        blob = Path(art["path"])
        assert blob.is_absolute() and blob.read_bytes() == src.read_bytes()
        assert stat.S_IMODE(blob.stat().st_mode) == 0o444
        assert item["notes"][0]["text"] == "from W-12"

    listed = vestige("list", "--case", "UKR-OTP", "--json").json()
    assert [i["id"] for i in listed] == [i["id"] for i in items]
    assert vestige("list", "--case", "other", "--json").json() == []
    shown = vestige("show", "UKR-OTP-0002", "--json").json()
    added = {k: v for k, v in items[1].items() if k != "duplicate_of"}
    assert shown == added and "duplicate_of" not in shown
    human = vestige("show", "UKR-OTP-0002")
    assert "sha256 " + items[1]["artifacts"][0]["sha256"] in human.stdout


def test_identical_content_is_stored_once_but_is_two_exhibits(
    vestige: Cli, evidence: list[Path], archive_root: Path
) -> None:
    vestige("init")
    first = vestige("add", str(evidence[0]), "--case", "C1", "--json").json()[0]
    second = vestige("add", str(evidence[0]), "--case", "C1", "--json").json()[0]
    assert second["duplicate_of"] == [first["id"]]
    assert first["artifacts"][0]["path"] == second["artifacts"][0]["path"]
    blobs = [p for p in (archive_root / "blobs").rglob("*") if p.is_file()]
    assert len(blobs) == 1


def test_every_append_is_logged_and_signed(vestige: Cli, evidence: list[Path]) -> None:
    vestige("init")
    vestige("add", str(evidence[0]), "--case", "C1")
    vestige("note", "C1-0001", "shown to W-12")
    vestige("transfer", "C1-0001", "--to", "ICC OTP", "--reason", "submission")
    log = vestige("ledger", "log", "--json").json()
    assert [e["event"] for e in log] == [
        "archive.created",
        "key.registered",
        "case.created",
        "item.added",
        "note.added",
        "custody.transferred",
    ]
    assert [e["index"] for e in log] == list(range(6))
    assert log[3]["details"]["artifacts"][0]["sha256"] and log[3]["details"]["artifacts"][0]["blake3"]
    assert all(e["actor"]["key"].startswith("ed25519:") for e in log)
    cp = vestige("ledger", "checkpoint", "--json").json()
    assert cp["tree_size"] == 6 and cp["note"].splitlines()[1] == "6"
    assert cp["verifier_key"].startswith(cp["origin"] + "+")
    proof = vestige("ledger", "proof", "C1-0001", "--json").json()
    assert [e["index"] for e in proof["entries"]] == [3, 4, 5]
    assert all(len(e["proof"]) <= 3 for e in proof["entries"])
    assert vestige("show", "C1-0001", "--json").json()["notes"][0]["text"] == "shown to W-12"


def test_proof_from_the_cli_verifies_independently(vestige: Cli, evidence: list[Path]) -> None:
    from vestige.custody.merkle import leaf_hash, verify_inclusion

    vestige("init")
    for f in evidence:
        vestige("add", str(f), "--case", "C1")
    data = vestige("ledger", "proof", "C1-0002", "--json").json()
    from vestige.custody.canonical import canonical_json

    for e in data["entries"]:
        body = canonical_json(e["entry"]).encode()
        assert leaf_hash(body).hex() == e["leaf_hash"]
        assert verify_inclusion(
            leaf_hash(body),
            e["index"],
            data["tree_size"],
            [bytes.fromhex(h) for h in e["proof"]],
            bytes.fromhex(data["root"]),
        )


def test_verify_records_itself(vestige: Cli, evidence: list[Path]) -> None:
    vestige("init")
    vestige("add", str(evidence[0]), "--case", "C1")
    res = vestige("verify", "--json")
    assert res.exit_code == 0 and res.json()["result"] == "intact"
    entry = res.json()["recorded_as_entry"]
    last = vestige("ledger", "log", "--json", "--limit", "1").json()[0]
    assert last["index"] == entry and last["event"] == "verify.completed"
    assert last["details"]["result"] == "intact"
    item = vestige("verify", "C1-0001", "--json", "--no-record")
    assert item.exit_code == 0 and item.json()["scope"] == ["C1-0001"]
    assert item.json()["checks"][1]["detail"].startswith("1 entries proven")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "{missing}", "--case", "C1"], "no such file"),
        (["add", "{dir}", "--case", "C1"], "is a directory"),
        (["add", "{file}", "--case", "bad case!"], "invalid case ID"),
        (["show", "NOPE-0001"], "no item 'NOPE-0001'"),
        (["verify", "NOPE-0001"], "no item 'NOPE-0001'"),
        (["note", "C1-0001", "  "], "the note is empty"),
        (["ledger", "proof", "NOPE"], "no item 'NOPE'"),
        (["tsa", "add", "ftp://x"], "must start with http"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    vestige: Cli, evidence: list[Path], tmp_path: Path, args: list[str], message: str
) -> None:
    vestige("init")
    vestige("add", str(evidence[0]), "--case", "C1")
    fill = {
        "missing": str(tmp_path / "missing.pdf"),
        "dir": str(tmp_path),
        "file": str(evidence[0]),
    }
    res = vestige(*[a.format(**fill) for a in args])
    assert res.exit_code == 2, res.stderr
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.stderr


def test_unreadable_file_is_refused_before_anything_is_stored(
    vestige: Cli, evidence: list[Path], archive_root: Path
) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    vestige("init")
    evidence[1].chmod(0)
    res = vestige("add", str(evidence[0]), str(evidence[1]), "--case", "C1")
    assert res.exit_code == 2 and "cannot be read" in res.stderr
    assert vestige("list", "--json").json() == []


def test_missing_file_among_several_stores_nothing(
    vestige: Cli, evidence: list[Path], tmp_path: Path
) -> None:
    vestige("init")
    res = vestige("add", str(evidence[0]), str(tmp_path / "gone.mp4"), "--case", "C1")
    assert res.exit_code == 2
    assert vestige("list", "--json").json() == []


def test_missing_archive_says_how_to_create_one(tmp_path: Path) -> None:
    res = run_vestige(tmp_path / "nowhere", "list")
    assert res.exit_code == 3
    assert "no Vestige archive" in res.stderr and "vestige --archive" in res.stderr
    assert "init" in res.stderr and "Traceback" not in res.stderr
    env = {"VESTIGE_ARCHIVE": str(tmp_path / "via-env")}
    assert run_vestige(tmp_path / "via-env", "init").exit_code == 0
    res = run_vestige(tmp_path / "ignored", "list", "--json")
    assert res.exit_code == 3
    import sys
    from subprocess import run

    proc = run(
        [sys.executable, "-m", "vestige", "list", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "[]"


def test_init_refuses_an_existing_archive(vestige: Cli) -> None:
    assert vestige("init").exit_code == 0
    res = vestige("init")
    assert res.exit_code == 2 and "already exists" in res.stderr


def test_corrupt_catalog_is_an_archive_error(vestige: Cli, archive_root: Path) -> None:
    vestige("init")
    db = archive_root / "vestige.db"
    for extra in ("-wal", "-shm"):
        Path(str(db) + extra).unlink(missing_ok=True)
    db.write_bytes(b"this is not sqlite" * 100)
    res = run_vestige(archive_root, "list")
    assert res.exit_code == 3 and "damaged" in res.stderr and "Traceback" not in res.stderr


def test_newer_schema_is_refused(vestige: Cli, archive_root: Path) -> None:
    vestige("init")
    db = sqlite3.connect(archive_root / "vestige.db")
    db.execute("UPDATE alembic_version SET version_num = '9999_future'")
    db.commit()
    db.close()
    res = run_vestige(archive_root, "list", "--json")
    assert res.exit_code == 3
    assert "newer than this Vestige" in res.stderr
    assert res.json()["error"]["kind"] == "schema-too-new"


def test_key_readable_by_others_is_refused(vestige: Cli, evidence: list[Path], archive_root: Path) -> None:
    vestige("init")
    (archive_root / "keys" / "operator.key").chmod(0o644)
    res = vestige("add", str(evidence[0]), "--case", "C1")
    assert res.exit_code == 3 and "chmod 600" in res.stderr
    assert vestige("list", "--json").json() == []


def test_every_command_has_help_with_an_example() -> None:
    import click

    def walk(group: click.Group, prefix: str) -> list[tuple[str, click.Command]]:
        out = []
        for name, cmd in group.commands.items():
            out.append((f"{prefix}{name}", cmd))
            if isinstance(cmd, click.Group):
                out.extend(walk(cmd, f"{prefix}{name} "))
        return out

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    for name, cmd in walk(cli, ""):
        if isinstance(cmd, click.Group):
            continue
        assert cmd.help, name
        if name not in ("tsa list", "tsa auto"):
            assert "Example" in cmd.help, name
        assert f"vestige {name}" in readme, f"README does not document `vestige {name}`"
        opts = {o for p in cmd.params for o in getattr(p, "opts", [])}
        assert "--json" in opts, f"{name} lacks --json"


def test_shell_completion_scripts_and_answers() -> None:
    """`eval "$(_VESTIGE_COMPLETE=bash_source vestige)"` (README) gives a working completion."""
    exe = str(Path(sys.executable).with_name("vestige"))
    for shell in ("bash", "zsh", "fish"):
        script = subprocess.run(
            [exe], env={**os.environ, "_VESTIGE_COMPLETE": f"{shell}_source"}, capture_output=True, text=True
        )
        assert script.returncode == 0 and "_VESTIGE_COMPLETE" in script.stdout, shell
    answer = subprocess.run(
        [exe],
        env={
            **os.environ,
            "_VESTIGE_COMPLETE": "bash_complete",
            "COMP_WORDS": "vestige verify-b",
            "COMP_CWORD": "1",
        },
        capture_output=True,
        text=True,
    )
    assert "verify-bundle" in answer.stdout


def test_each_command_is_found_in_the_module_that_defines_it() -> None:
    # The lazy map (vestige/cli/__init__.py) names every command's module, and only real commands.
    for module in set(cli.lazy.values()):
        __import__(f"vestige.cli.{module}")
    defined = {name: cmd.callback.__module__ for name, cmd in cli.commands.items() if cmd.callback}
    assert defined == {name: f"vestige.cli.{module}" for name, module in cli.lazy.items()}


def test_list_and_search_import_no_capture_or_export_machinery(vestige: Cli, archive_root: Path) -> None:
    assert vestige("init", "--operator", "Olena K.").exit_code == 0
    probe = (
        "import sys\n"
        "from vestige.cli import cli\n"
        "for args in (['list'], ['search', 'x']):\n"
        "    try:\n"
        f"        cli.main(['--archive', {str(archive_root)!r}, *args])\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code == 0, exc.code\n"
        "heavy = ('playwright', 'mitmproxy', 'yt_dlp', 'vestige.archiver', 'vestige.exports')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m.startswith(heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout


def test_capture_begins_the_browser_driver_before_it_imports_the_archive(
    vestige: Cli, archive_root: Path
) -> None:
    """The driver's process boots while the command imports SQLAlchemy, opens the archive and checks its
    input (here a URL it refuses: the driver, begun for nothing, is stopped and the error is the same)."""
    assert vestige("init", "--operator", "Olena K.").exit_code == 0
    probe = (
        "import sys\n"
        "events = []\n"
        "def hook(event, args):\n"
        "    if event == 'subprocess.Popen':\n"
        "        events.append('spawn ' + str(args[0]).rsplit('/', 1)[-1])\n"
        "    elif event == 'import' and args[0] == 'sqlalchemy':\n"
        "        events.append('import sqlalchemy')\n"
        "sys.addaudithook(hook)\n"
        "from vestige.cli import cli\n"
        "assert 'sqlalchemy' not in sys.modules\n"
        "try:\n"
        f"    cli.main(['--archive', {str(archive_root)!r}, 'capture', 'ftp://example.org/'])\n"
        "except SystemExit as exc:\n"
        "    print(exc.code)\n"
        "print(events)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    code, events = out.stdout.strip().splitlines()[-2:]
    assert code == "2" and "not an http(s) URL" in out.stderr
    events_seen = ast.literal_eval(events)
    assert events_seen.index("spawn node") < events_seen.index("import sqlalchemy"), events_seen
