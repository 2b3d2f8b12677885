"""Finding evidence from the command line: list filters and sorting, the table on a terminal, show as a
card, search (ranking, snippets, hostile input), tag as custody events."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli, run_vestige
from tests.store.test_search import capture
from vestige.archive import Archive

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _clock(value: str) -> Any:
    return lambda: value


@pytest.fixture
def populated(archive_root: Path, tmp_path: Path) -> Iterator[Cli]:
    """Six exhibits in two cases, added on three days, in every state, some tagged."""
    archive = Archive.create(archive_root, "Olena Kovalenko")
    try:
        archive.clock = _clock("2024-03-01T09:00:00.000000Z")
        capture(
            archive, tmp_path, "https://example.org/b", title="Bravo notice", page_text="alpha", tags=["kyiv"]
        )
        capture(
            archive,
            tmp_path,
            "https://example.org/timeout",
            title="Zulu slow page",
            page_text="",
            state="partial",
            reason="timeout after 120 s",
        )
        archive.clock = _clock("2024-03-02T23:59:59.999999Z")
        capture(
            archive,
            tmp_path,
            "https://unreachable.example/",
            title=None,
            page_text="",
            state="failed",
            reason="DNS lookup failed",
        )
        capture(
            archive,
            tmp_path,
            "https://example.org/a",
            title="alpha report",
            page_text="x",
            tags=["kyiv", "priority"],
        )
        archive.clock = _clock("2024-03-03T00:00:00.000000Z")
        capture(
            archive,
            tmp_path,
            "https://t.me/channel/1",
            title="Mike post",
            page_text="y",
            case="UKR-TG",
            tags=["kyiv"],
        )
        capture(
            archive, tmp_path, "https://x.example/status/2", title="Charlie", page_text="z", case="UKR-TG"
        )
    finally:
        archive.close()
    # Social-media capture will fill the platform; until then, set it here to test the filter.
    con = sqlite3.connect(archive_root / "vestige.db")
    con.execute("UPDATE items SET platform = 'telegram' WHERE id = 'UKR-TG-0001'")
    con.commit()
    con.close()
    yield Cli(archive_root)


def _ids(cli: Cli, *args: str) -> list[str]:
    res = cli("list", *args, "--json")
    assert res.exit_code == 0, res.stderr
    return [i["id"] for i in res.json()]


# --- list ----------------------------------------------------------------------------------------------


def test_list_filters(populated: Cli) -> None:
    everything = [
        "UKR-2024-0001",
        "UKR-2024-0002",
        "UKR-2024-0003",
        "UKR-2024-0004",
        "UKR-TG-0001",
        "UKR-TG-0002",
    ]
    assert _ids(populated) == everything
    assert _ids(populated, "--case", "UKR-TG") == ["UKR-TG-0001", "UKR-TG-0002"]
    assert _ids(populated, "--state", "partial") == ["UKR-2024-0002"]
    assert _ids(populated, "--state", "partial", "--state", "FAILED") == ["UKR-2024-0002", "UKR-2024-0003"]
    assert _ids(populated, "--platform", "Telegram") == ["UKR-TG-0001"]
    assert _ids(populated, "--tag", "kyiv") == ["UKR-2024-0001", "UKR-2024-0004", "UKR-TG-0001"]
    assert _ids(populated, "--tag", "kyiv", "--tag", "priority") == ["UKR-2024-0004"]
    assert _ids(populated, "--tag", "kyiv", "--case", "UKR-TG") == ["UKR-TG-0001"]
    assert _ids(populated, "--tag", "nothing") == []


def test_list_since_and_until_cover_whole_days_minutes_and_seconds(populated: Cli) -> None:
    assert _ids(populated, "--since", "2024-03-02", "--until", "2024-03-02") == [
        "UKR-2024-0003",
        "UKR-2024-0004",
    ]
    assert _ids(populated, "--until", "2024-03-01") == ["UKR-2024-0001", "UKR-2024-0002"]
    assert _ids(populated, "--since", "2024-03-03") == ["UKR-TG-0001", "UKR-TG-0002"]
    assert _ids(populated, "--since", "2024-03-02T23:59") == _ids(populated, "--since", "2024-03-02")
    assert _ids(populated, "--until", "2024-03-02T23:59:59") == _ids(populated, "--until", "2024-03-02")
    assert _ids(populated, "--until", "2024-03-02T23:59:58") == _ids(populated, "--until", "2024-03-01")
    # Offsets are converted to UTC: 01:00 at +02:00 is 23:00 UTC the day before.
    assert _ids(populated, "--since", "2024-03-03T02:00+02:00") == ["UKR-TG-0001", "UKR-TG-0002"]
    assert _ids(populated, "--since", "2024-03-03T01:59:59+02:00") == _ids(populated, "--since", "2024-03-02")
    assert _ids(populated, "--since", "2024-03-03T00:00:00.000001Z") == []
    assert _ids(populated, "--since", "2024-03-03T00:00:00.000001Z", "--until", "2025-01-01") == []


@pytest.mark.parametrize(
    "args",
    [
        ("--since", "yesterday"),
        ("--since", "2024-02-30"),
        ("--until", "2024-03-01T25:00"),
        ("--since", "2024-03-01T10:00+25:00"),
        ("--since", "2024-03-03", "--until", "2024-03-01"),
        ("--state", "lost"),
        ("--sort", "size"),
        ("--limit", "0"),
    ],
)
def test_list_refuses_bad_filters_as_usage_errors(populated: Cli, args: tuple[str, ...]) -> None:
    res = populated("list", *args, "--json")
    assert res.exit_code == 2
    assert res.stderr.startswith(("vestige: error:", "Usage:", "Error:")) or "Error" in res.stderr


def test_list_sorting_and_limit(populated: Cli) -> None:
    by_created = _ids(populated, "--sort", "created")
    assert by_created[:2] == ["UKR-2024-0001", "UKR-2024-0002"] and by_created[-2:] == [
        "UKR-TG-0001",
        "UKR-TG-0002",
    ]
    assert _ids(populated, "--sort", "created", "--reverse")[:2] == ["UKR-TG-0002", "UKR-TG-0001"]
    # Title, falling back to the URL when a page has none, without regard to case.
    assert _ids(populated, "--sort", "title") == [
        "UKR-2024-0004",  # alpha report
        "UKR-2024-0001",  # Bravo notice
        "UKR-TG-0002",  # Charlie
        "UKR-2024-0003",  # https://unreachable.example/
        "UKR-TG-0001",  # Mike post
        "UKR-2024-0002",  # Zulu slow page
    ]
    assert _ids(populated, "--sort", "state")[:3] == ["UKR-2024-0001", "UKR-2024-0004", "UKR-TG-0001"]
    assert _ids(populated, "--sort", "state")[-1] == "UKR-2024-0002"
    assert _ids(populated, "--limit", "2") == ["UKR-2024-0001", "UKR-2024-0002"]
    assert _ids(populated, "--reverse", "--limit", "1") == ["UKR-TG-0002"]
    assert _ids(populated, "--case", "UKR-2024", "--sort", "id", "--reverse", "--limit", "2") == [
        "UKR-2024-0004",
        "UKR-2024-0003",
    ]


def test_list_json_items_have_the_documented_shape(populated: Cli) -> None:
    [item] = populated("list", "--tag", "priority", "--json").json()
    assert set(item) == {
        "id",
        "case",
        "kind",
        "state",
        "reason",
        "title",
        "source",
        "platform",
        "created_at",
        "entry_index",
        "artifacts",
        "notes",
        "tags",
    }
    assert item["tags"] == ["kyiv", "priority"]
    assert populated("show", item["id"], "--json").json() == item


def test_list_plain_output_is_one_uncut_line_per_item(populated: Cli) -> None:
    res = populated("list", "--case", "UKR-2024")
    lines = res.stdout.splitlines()
    assert len(lines) == 4 and "\x1b" not in res.stdout
    assert lines[1].split()[:3] == ["UKR-2024-0002", "partial", "2024-03-01T09:00:00"]
    assert lines[0].endswith("Bravo notice — https://example.org/b")
    assert lines[2].endswith("https://unreachable.example/")
    assert populated("list", "--case", "none").stdout == "no items\n"


def test_list_on_a_terminal_is_a_table_cut_to_its_width(populated: Cli) -> None:
    env = {"FORCE_COLOR": "1", "COLUMNS": "72"}
    res = populated("list", env=env)
    assert res.exit_code == 0
    assert "\x1b[32mcomplete" in res.stdout and "\x1b[31mfailed" in res.stdout  # coloured states
    plain = ANSI.sub("", res.stdout).splitlines()
    assert all(len(line) <= 72 for line in plain)
    assert plain[0].split()[:3] == ["ID", "State", "Added"]
    assert any(line.startswith("UKR-2024-0001") and "Bravo notice" in line for line in plain)
    assert any("…" in line for line in plain)  # long titles and URLs cut
    assert plain[-1] == "6 items"
    narrow = ANSI.sub("", populated("list", env={"FORCE_COLOR": "1", "COLUMNS": "44"}).stdout).splitlines()
    assert all(len(line) <= 44 for line in narrow)
    assert any(line.startswith("UKR-2024-0001") for line in narrow)
    no_colour = populated("list", "--limit", "2", env={**env, "NO_COLOR": "1"}).stdout
    assert "\x1b[32m" not in no_colour and "there may be more" in no_colour


def test_hostile_titles_cannot_drive_the_terminal(
    archive: Archive, archive_root: Path, tmp_path: Path
) -> None:
    evil = "Evil\x1b]0;pwned\x07\x1b[2J title \u202egnp.exe\nsecond line"
    capture(archive, tmp_path, "https://e.org/\x1b[31m", title=evil, page_text="evil words\x1b[5m here")
    cli = Cli(archive_root)
    for args in (["list"], ["show", "UKR-2024-0001"], ["search", "evil"]):
        for env in ({}, {"FORCE_COLOR": "1"}):
            out = cli(*args, env=env).stdout
            assert "\x1b]0;" not in out and "\x1b[2J" not in out and "\x1b[5m" not in out, (args, env)
            assert "\u202e" not in out and "\x07" not in out
            if not env:
                assert "second line" in out  # on one line
    assert cli("show", "UKR-2024-0001", "--json").json()["title"] == evil  # JSON keeps the data as it is


# --- show ----------------------------------------------------------------------------------------------


def test_show_is_a_card_with_the_custody_trail(populated: Cli, archive_root: Path) -> None:
    assert populated("note", "UKR-2024-0002", "retry with a longer timeout").exit_code == 0
    assert populated("transfer", "UKR-2024-0002", "--to", "ICC OTP", "--reason", "submission").exit_code == 0
    item = populated("show", "UKR-2024-0002", "--json").json()
    res = populated("show", "UKR-2024-0002")
    assert res.exit_code == 0 and "\x1b" not in res.stdout
    out = res.stdout
    assert out.splitlines()[0] == "UKR-2024-0002  partial  capture  case UKR-2024"
    assert re.search(r"^  url +https://example.org/timeout$", out, re.M)
    assert re.search(r"^  title +Zulu slow page$", out, re.M)
    assert re.search(r"^  reason +timeout after 120 s$", out, re.M)
    assert re.search(r"^  http +200$", out, re.M)
    assert "2024-03-02 10:00:00Z → 2024-03-02 10:00:05Z" in out  # capture started, ended
    assert f"2024-03-01T09:00:00.000000Z  (ledger entry {item['entry_index']})" in out
    for art in item["artifacts"]:
        assert f"sha256 {art['sha256']}" in out and f"blake3 {art['blake3']}" in out and art["path"] in out
    assert "retry with a longer timeout" in out
    custody = out.split("\ncustody\n", 1)[1].splitlines()
    assert [line.split()[3] for line in custody] == ["item.captured", "note.added", "custody.transferred"]
    assert custody[0].split()[0] == f"#{item['entry_index']}"
    assert "Olena Kovalenko (ed25519:" in custody[0]
    assert custody[2].endswith("to ICC OTP (submission)")
    coloured = populated("show", "UKR-2024-0002", env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in coloured and ANSI.sub("", coloured) == out


def test_show_unknown_item_is_a_usage_error(populated: Cli) -> None:
    res = populated("show", "UKR-2024-9999")
    assert res.exit_code == 2 and "no item 'UKR-2024-9999'" in res.stderr


# --- search --------------------------------------------------------------------------------------------


@pytest.fixture
def pages(archive: Archive, archive_root: Path, tmp_path: Path) -> Cli:
    filler = " ".join(f"token{i} and more ordinary words" for i in range(300))
    capture(
        archive, tmp_path, "https://e.org/1", title="Roundup", page_text=filler + " the reservoir " + filler
    )
    capture(
        archive, tmp_path, "https://e.org/2", title="Kakhovka reservoir dam breach", page_text="Water levels."
    )
    capture(archive, tmp_path, "https://e.org/3", title="Other", page_text="nothing", case="OTHER")
    capture(archive, tmp_path, "https://e.org/4", title="Other reservoir", page_text="x", case="OTHER")
    return Cli(archive_root)


def test_search_ranks_title_matches_first_with_snippets(pages: Cli) -> None:
    res = pages("search", "reservoir", "--json")
    assert res.exit_code == 0, res.stderr
    hits = res.json()
    assert [h["id"] for h in hits][-1] == "UKR-2024-0001"  # the passing mention last
    assert {h["id"] for h in hits[:2]} == {"UKR-2024-0002", "OTHER-0002"}
    assert all(h["score"] > 0 for h in hits) and hits[0]["score"] >= hits[1]["score"] >= hits[2]["score"]
    mention = hits[-1]
    assert "[reservoir]" in mention["snippet"] and mention["snippet"].startswith("…")
    assert mention["matched"] == ["text"]
    assert set(mention) >= {
        "id",
        "case",
        "state",
        "title",
        "source",
        "artifacts",
        "score",
        "snippet",
        "matched",
    }

    assert [h["id"] for h in pages("search", "reservoir", "--case", "OTHER", "--json").json()] == [
        "OTHER-0002"
    ]
    assert len(pages("search", "reservoir", "--limit", "1", "--json").json()) == 1

    plain = pages("search", "reservoir").stdout.splitlines()
    assert plain[0].startswith("UKR-2024-0002") or plain[0].startswith("OTHER-0002")
    assert plain[1].startswith("    [") or "[reservoir]" in plain[1] or "[Reservoir]" in plain[1]
    assert "\x1b" not in "".join(plain)
    tty = pages("search", "dam", env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[1;33mdam\x1b[0m" in tty and "[dam]" not in tty  # highlighted, not bracketed
    assert ANSI.sub("", tty).splitlines()[-1] == "1 match, best first"


@pytest.mark.parametrize(
    "query", ['"', "NEAR(", "reservoir*", "-reservoir", "dam OR", "a:b", "(((", "*", "\u202e", "'; --"]
)
def test_search_hostile_input_never_errors(pages: Cli, query: str) -> None:
    res = pages("search", "--json", "--", query)  # "--": a query may start with "-"
    if res.exit_code == 2:  # nothing searchable in it at all
        assert res.json()["error"]["message"] == "nothing to search for"
    else:
        assert res.exit_code == 0, res.stderr
        assert isinstance(res.json(), list)


def test_search_raw_and_its_errors(pages: Cli) -> None:
    assert [h["id"] for h in pages("search", "--raw", "title:reservoir NOT other", "--json").json()] == [
        "UKR-2024-0002"
    ]
    res = pages("search", "--raw", "NEAR(", "--json")
    assert res.exit_code == 2 and res.json()["error"]["hint"].startswith("see https://sqlite.org/fts5.html")
    assert pages("search").exit_code == 2
    assert pages("search", "x", "--reindex").exit_code == 2
    assert pages("search", "zzzz").stdout == "no matches\n"


def test_search_reindex_after_the_index_was_emptied(pages: Cli, archive_root: Path) -> None:
    con = sqlite3.connect(archive_root / "vestige.db")
    con.execute("INSERT INTO search_index(search_index) VALUES ('delete-all')")
    con.commit()
    con.close()
    assert pages("search", "reservoir", "--json").json() == []
    res = pages("search", "--reindex", "--json")
    assert res.json() == {"reindexed_items": 4, "unreadable_text": []}
    assert len(pages("search", "reservoir", "--json").json()) == 3
    log = pages("ledger", "log", "--json").json()
    assert (
        all(e["event"] != "search" for e in log) and log[-1]["event"] == "item.captured"
    )  # nothing recorded
    assert pages("verify", "--no-record").exit_code == 0


def test_search_as_a_real_command(pages: Cli, archive_root: Path) -> None:
    res = run_vestige(archive_root, "search", "kakhovka dam", "--json")
    assert res.exit_code == 0, res.stderr
    assert [h["id"] for h in res.json()] == ["UKR-2024-0002"]


# --- tag -----------------------------------------------------------------------------------------------


def test_each_tag_is_a_custody_event_and_verify_stays_intact(populated: Cli) -> None:
    before = len(populated("ledger", "log", "--json").json())
    res = populated("tag", "UKR-2024-0002", "needs recapture", "kyiv", "needs recapture", "--json")
    assert res.exit_code == 0, res.stderr
    out = res.json()
    assert [a["tag"] for a in out["added"]] == ["needs recapture", "kyiv"]
    assert out["already"] == [] and out["tags"] == ["kyiv", "needs recapture"]
    log = populated("ledger", "log", "--item", "UKR-2024-0002", "--json").json()
    tagged = [e for e in log if e["event"] == "tag.added"]
    assert [e["details"] for e in tagged] == [{"tag": "needs recapture"}, {"tag": "kyiv"}]
    assert [e["index"] for e in tagged] == [a["entry_index"] for a in out["added"]] == [before, before + 1]
    assert all(e["actor"]["name"] == "Olena Kovalenko" for e in tagged)
    assert populated("ledger", "checkpoint", "--json").json()["tree_size"] == before + 2

    # A tag it already has is a no-op with a message; nothing is appended.
    again = populated("tag", "UKR-2024-0002", "kyiv")
    assert again.exit_code == 0
    assert again.stdout == "UKR-2024-0002: already tagged 'kyiv', nothing recorded\n"
    assert len(populated("ledger", "log", "--json").json()) == before + 2

    assert _ids(populated, "--tag", "needs recapture") == ["UKR-2024-0002"]
    assert populated("search", "recapture", "--json").json()[0]["matched"] == ["tags"]
    card = populated("show", "UKR-2024-0002").stdout
    assert re.search(r"^  tags +kyiv, needs recapture$", card, re.M)
    assert "tag.added" in card and card.rstrip().endswith("kyiv")
    verify = populated("verify", "--json")
    assert verify.exit_code == 0, verify.stdout
    assert verify.json()["result"] == "intact"


@pytest.mark.parametrize("bad", ["", "   ", "a,b", "two\nlines", "tab\there", "x" * 101, "bell\x07"])
def test_invalid_tags_are_refused_and_nothing_is_recorded(populated: Cli, bad: str) -> None:
    before = len(populated("ledger", "log", "--json").json())
    res = populated("tag", "UKR-2024-0001", "fine", bad, "--json")
    assert res.exit_code == 2
    assert res.json()["error"]["message"].startswith("invalid tag")
    assert len(populated("ledger", "log", "--json").json()) == before
    assert _ids(populated, "--tag", "fine") == []


def test_tags_keep_unicode_and_inner_spaces_and_lose_outer_blanks(populated: Cli) -> None:
    res = populated("tag", "UKR-2024-0001", "  свідок W-12  ", "x" * 100, "--json")
    assert res.exit_code == 0, res.stderr
    assert res.json()["tags"] == ["kyiv", "x" * 100, "свідок W-12"]
    assert _ids(populated, "--tag", "свідок W-12") == ["UKR-2024-0001"]


def test_tagging_an_unknown_item_is_a_usage_error(populated: Cli) -> None:
    res = populated("tag", "NOPE-0001", "x")
    assert res.exit_code == 2 and "no item 'NOPE-0001'" in res.stderr
