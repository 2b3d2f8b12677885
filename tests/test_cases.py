"""Cases: create, list and show through the CLI; statistics by aggregate queries; confirm_case."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import event

from tests.conftest import Cli
from vestige.archive import Archive
from vestige.cli.base import human_size
from vestige.cli.cases import confirm_case
from vestige.errors import InputError
from vestige.store import catalog
from vestige.store.cases import case_summaries
from vestige.store.ingest import _register

STATES = ("complete", "partial", "failed")


def test_create_list_show(vestige: Cli, evidence: list[Path]) -> None:
    vestige("init", "--operator", "Olena K.")
    title, description = "Strikes on Kharkiv", "Line one\nLine two"
    res = vestige("case", "create", "UKR-2024", "--title", title, "--description", description, "--json")
    assert res.exit_code == 0, res.stderr
    created = res.json()
    assert created["id"] == "UKR-2024" and created["title"] == "Strikes on Kharkiv"
    assert created["description"] == "Line one\nLine two" and created["exhibits"] == 0
    assert created["states"] == {"complete": 0, "partial": 0, "failed": 0}

    entry = vestige("ledger", "log", "--json").json()[created["entry_index"]]
    assert entry["event"] == "case.created" and entry["subject"] == entry["case"] == "UKR-2024"
    assert entry["details"] == {"case": "UKR-2024", "title": title, "description": description}

    vestige("add", *map(str, evidence), "--case", "UKR-2024")
    vestige("note", "UKR-2024-0002", "shown to W-12")
    vestige("add", str(evidence[0]), "--case", "OTHER")  # created implicitly, as before

    listed = vestige("case", "list", "--json").json()
    assert [c["id"] for c in listed] == ["OTHER", "UKR-2024"]
    ukr = listed[1]
    assert ukr["exhibits"] == 3 and ukr["artifacts"] == 3
    assert ukr["size"] == sum(f.stat().st_size for f in evidence)
    assert ukr["states"] == {"complete": 3, "partial": 0, "failed": 0} and ukr["kinds"] == {"file": 3}
    assert ukr["events"] == {"case.created": 1, "item.added": 3, "note.added": 1}
    last = ukr["last_activity"]
    assert last["event"] == "note.added" and last["subject"] == "UKR-2024-0002"
    assert listed[0]["title"] is None and listed[0]["exhibits"] == 1

    shown = vestige("case", "show", "UKR-2024", "--json").json()
    assert shown == ukr
    human = vestige("case", "show", "UKR-2024").stdout
    assert "Strikes on Kharkiv" in human and "| Line two" in human and "complete 3" in human
    table = vestige("case", "list").stdout.splitlines()
    assert table[0].split()[:3] == ["CASE", "EXHIBITS", "SIZE"] and table[2].startswith("UKR-2024 ")
    assert vestige("verify").exit_code == 0


def test_case_list_of_an_empty_archive(vestige: Cli) -> None:
    vestige("init")
    assert vestige("case", "list", "--json").json() == []
    assert vestige("case", "list").stdout.strip() == "no cases"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["case", "create", "C1"], "case 'C1' already exists"),
        (["case", "create", "IMPLICIT"], "case 'IMPLICIT' already exists"),
        (["case", "create", "bad id"], "invalid case ID"),
        (["case", "create", "C2", "--title", "two\nlines"], "title must be"),
        (["case", "create", "C2", "--title", "x" * 201], "title must be"),
        (["case", "show", "NOPE"], "no case 'NOPE'"),
    ],
)
def test_bad_case_input_is_one_line_and_exit_2(
    vestige: Cli, evidence: list[Path], args: list[str], message: str
) -> None:
    vestige("init")
    vestige("case", "create", "C1")
    vestige("add", str(evidence[0]), "--case", "IMPLICIT")
    before = vestige("ledger", "log", "--json").json()
    res = vestige(*args)
    assert res.exit_code == 2, res.stderr
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert vestige("ledger", "log", "--json").json() == before
    res = vestige(*args, "--json")
    assert res.json()["error"]["kind"] == "input" and res.json()["error"]["exit_code"] == 2


def _fill(archive: Archive, case_id: str, count: int) -> list[dict[str, Any]]:
    """Register ``count`` exhibits in one transaction (states and kinds in turn, two artifacts each)."""
    made = []
    with archive.appending() as writer:
        now = archive.clock()
        if not catalog.case_exists(writer.conn, case_id):
            catalog.insert_case(writer.conn, case_id, now)
            writer.append("case.created", case_id, case_id, {"case": case_id})
        for i in range(count):
            sizes = (1000 + i, 7 * i)
            arts = [
                catalog.ArtifactView(role, f"{role}.bin", "application/octet-stream", size, f"{i:064x}",
                                     f"{i:064x}", f"blobs/sha256/00/{i:064x}")
                for role, size in zip(("warc", "screenshot"), sizes, strict=True)
            ]  # fmt: skip
            state, kind = STATES[i % 3], ("capture", "file")[i % 2]
            _register(
                writer,
                case_id,
                now,
                kind=kind,
                event="item.captured",
                state=state,
                reason=None,
                title=None,
                source=f"https://x.example/{i}",
                arts=arts,
                details={},
                note=None,
            )
            made.append({"state": state, "kind": kind, "size": sum(sizes)})
    return made


def test_a_case_with_many_items_shows_correct_stats_in_a_fixed_number_of_queries(archive: Archive) -> None:
    statements: list[str] = []
    event.listen(archive.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    def summaries() -> dict[str, Any]:
        statements.clear()
        with archive.reading() as conn:
            return {c.id: c for c in case_summaries(conn)}

    _fill(archive, "SMALL", 5)
    summaries()
    few = len(statements)

    made = _fill(archive, "BIG", 600)
    found = summaries()
    assert len(statements) == few  # aggregate queries: as many at 600 exhibits as at 5

    big = found["BIG"]
    assert big.exhibits == 600 and big.artifacts == 1200
    assert big.size == sum(m["size"] for m in made)
    assert big.states == dict(Counter(m["state"] for m in made))
    assert big.kinds == dict(Counter(m["kind"] for m in made))
    assert big.events == {"case.created": 1, "item.captured": 600}
    assert big.last_activity is not None and big.last_activity.subject == "BIG-0600"
    small = found["SMALL"]
    assert small.exhibits == 5 and small.states == {"complete": 2, "partial": 2, "failed": 1}

    with archive.reading() as conn:
        [only] = case_summaries(conn, "BIG")
    assert only == big


def test_human_size() -> None:
    assert human_size(0) == "0 B" and human_size(1023) == "1023 B"
    assert human_size(1536) == "1.5 KiB" and human_size(2 << 30) == "2.0 GiB"


# -- confirm_case ---------------------------------------------------------------------------------


def test_confirm_case_passes_an_existing_case_or_create(archive: Archive) -> None:
    _fill(archive, "KNOWN", 1)
    confirm_case(archive, "KNOWN", create=False, interactive=False)
    confirm_case(archive, "NEW", create=True, interactive=False)
    with archive.reading() as conn:  # created with the first exhibit, not before
        assert not catalog.case_exists(conn, "NEW")


def test_confirm_case_refuses_an_unknown_case_without_a_terminal(archive: Archive) -> None:
    with pytest.raises(InputError) as err:
        confirm_case(archive, "TYPO", create=False, interactive=False)
    assert "case 'TYPO' does not exist" in err.value.message
    assert err.value.hint == "create it with: vestige case create TYPO, or pass --create-case"
    with pytest.raises(InputError, match="invalid case ID"):
        confirm_case(archive, "bad id", create=True, interactive=False)


@pytest.mark.parametrize(("answer", "accepted"), [("y\n", True), ("n\n", False), ("\n", False)])
def test_confirm_case_asks_at_a_terminal(archive: Archive, answer: str, accepted: bool) -> None:
    runner = CliRunner()
    with runner.isolation(input=answer) as (_out, err, _):
        if accepted:
            confirm_case(archive, "NEW-CASE", create=False, interactive=True)
        else:
            with pytest.raises(InputError, match="does not exist; nothing was done"):
                confirm_case(archive, "NEW-CASE", create=False, interactive=True)
        prompt = err.getvalue().decode() if err is not None else ""
    assert "Case NEW-CASE does not exist. Create it? [y/N]" in prompt
