"""The full-text index: what it holds, ranking, snippets, hostile queries, Unicode, the 0002 migration,
and that it is derived data (damage to it never stops ingest and never touches verify)."""

from __future__ import annotations

import itertools
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.conftest import Cli, run_vestige
from vestige.archive import Archive
from vestige.custody.verify import verify_archive
from vestige.errors import ArchiveError, InputError
from vestige.store import search
from vestige.store.ingest import add_capture, add_files, add_note, add_tags

_counter = itertools.count()


def capture(
    archive: Archive,
    tmp: Path,
    url: str,
    *,
    title: str | None,
    page_text: str,
    case: str = "UKR-2024",
    state: str = "complete",
    reason: str | None = None,
    final_url: str | None = None,
    note: str | None = None,
    tags: Sequence[str] = (),
) -> str:
    """Store a capture the way ``vestige capture`` does, without a browser: real files, real ingest."""
    from vestige.archiver.capture import CaptureResult

    d = tmp / f"capture-{next(_counter)}"
    d.mkdir(parents=True)
    (d / "page.txt").write_text(page_text, encoding="utf-8")
    (d / "capture.warc.gz").write_bytes(os.urandom(256))
    result = CaptureResult(
        url=url,
        final_url=final_url or url,
        state=state,
        reason=reason,
        http_status=200 if state != "failed" else None,
        title=title,
        started="2024-03-02T10:00:00.000000Z",
        ended="2024-03-02T10:00:05.000000Z",
        files=[
            ("warc", d / "capture.warc.gz", "application/warc"),
            ("text", d / "page.txt", "text/plain; charset=utf-8"),
        ],
        provenance={},
    )
    return add_capture(archive, result, case, note, tags).item.id


def find(archive: Archive, query: str, **kw: Any) -> list[search.SearchHit]:
    with archive.reading() as conn:
        return search.search(conn, query, **kw)


def ids(hits: Sequence[search.SearchHit]) -> list[str]:
    return [h.item.id for h in hits]


def fts_integrity(db: Path) -> None:
    """FTS5's own check that the index matches its content table (raises if not)."""
    con = sqlite3.connect(db)
    try:
        con.execute("INSERT INTO search_index(search_index, rank) VALUES ('integrity-check', 1)")
    finally:
        con.close()


FILLER = " ".join(f"word{i} lorem ipsum dolor sit amet" for i in range(200))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    """One archive with a few captures, shared by the read-only tests."""
    tmp = tmp_path_factory.mktemp("corpus")
    archive = Archive.create(tmp / "archive", "Test Operator")
    capture(
        archive,
        tmp,
        "https://example.org/mariupol-theatre",
        title="Mariupol drama theatre strike",
        page_text="Satellite images of the theatre. " + FILLER,
    )
    capture(
        archive,
        tmp,
        "https://news.example.com/roundup",
        title="Weekly roundup",
        page_text=FILLER + " In other news, Mariupol was mentioned once. " + FILLER,
    )
    capture(
        archive,
        tmp,
        "https://ua.example/kyiv",
        title="ОБСТРІЛ КИЄВА",
        page_text="Свідок бачив обстріл Києва вранці. Café «Київ» was hit.",
        case="UKR-KYIV",
        final_url="https://ua.example/articles/2024/shelling-of-kyiv",
    )
    yield archive
    archive.close()


# --- the query language --------------------------------------------------------------------------------


def test_every_word_becomes_a_quoted_string() -> None:
    assert search.match_expression("kyiv shelling") == '"kyiv" "shelling"'
    assert search.match_expression('say "hi"') == '"say" """hi"""'
    assert search.match_expression("NEAR(a b) OR -x AND title:y") == (
        '"NEAR(a" "b)" "OR" "-x" "AND" "title:y"'
    )
    assert search.match_expression("kyi* * ** -*") == '"kyi"*'
    assert search.match_expression("  \t\n ") == ""
    assert search.match_expression("a\x00b") == '"a b"'


HOSTILE = [
    '"',
    '""',
    '"unterminated',
    "*",
    "kyiv*",
    "NEAR",
    "NEAR(mariupol theatre, 2)",
    "-mariupol",
    "mariupol -theatre",
    "mariupol OR theatre",
    "AND OR NOT",
    "title:mariupol",
    "{title source}: mariupol",
    "^mariupol",
    "mariupol + theatre",
    "((mariupol",
    "'; DROP TABLE items; --",
    "\x00\x01\x02\x03",
    "\u202ekyiv",
    "🙂 mariupol",
    "a" * 10_000,
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_error(corpus: Archive, query: str) -> None:
    try:
        hits = find(corpus, query)
    except InputError as exc:  # only "nothing to search for": no word in it at all
        assert exc.message == "nothing to search for"
        assert search.match_expression(query) == ""
    else:
        assert all(h.item.id for h in hits)


def test_query_syntax_in_plain_searches_is_literal(corpus: Archive) -> None:
    both = ["UKR-2024-0001", "UKR-2024-0002"]
    assert ids(find(corpus, "-mariupol")) == both  # not a NOT
    assert ids(find(corpus, '"mariupol')) == both
    assert ids(find(corpus, "mariupol OR nonexistent")) == []  # OR is a word that must occur
    assert ids(find(corpus, "NEAR(mariupol")) == []  # "near" and "mariupol" next to each other


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=60))
def test_any_text_is_a_safe_query(corpus: Archive, query: str) -> None:
    try:
        find(corpus, query, limit=5)
    except InputError as exc:
        assert exc.message == "nothing to search for"


def test_raw_queries_use_fts5_syntax_and_bad_syntax_is_an_input_error(corpus: Archive) -> None:
    assert ids(find(corpus, "mariupol NOT roundup", raw=True)) == ["UKR-2024-0001"]
    assert ids(find(corpus, "title:mariupol", raw=True)) == ["UKR-2024-0001"]
    assert ids(find(corpus, "NEAR(satellite theatre, 3)", raw=True)) == ["UKR-2024-0001"]
    for bad in ('"', "NEAR(", "nosuchcolumn:x", "AND"):
        with pytest.raises(InputError, match="not a valid FTS5 query"):
            find(corpus, bad, raw=True)


# --- ranking, snippets, fields -------------------------------------------------------------------------


def test_a_title_match_ranks_above_a_passing_mention(corpus: Archive) -> None:
    hits = find(corpus, "mariupol")
    assert ids(hits) == ["UKR-2024-0001", "UKR-2024-0002"]
    assert hits[0].score > hits[1].score > 0
    assert hits[0].matched == ["title", "source"]
    assert hits[1].matched == ["text"]


def test_snippets_mark_the_matched_words(corpus: Archive) -> None:
    [hit] = find(corpus, "satellite")
    assert hit.snippet.startswith(f"{search.MARK_OPEN}Satellite{search.MARK_CLOSE} images of the theatre")
    assert hit.marked_snippet().startswith("[Satellite] images")
    [passing] = find(corpus, "mentioned")
    assert "[mentioned]" in passing.marked_snippet()
    assert passing.marked_snippet().startswith("…") and passing.marked_snippet().endswith("…")


def test_every_word_must_occur_in_some_field(corpus: Archive) -> None:
    assert ids(find(corpus, "mariupol strike")) == ["UKR-2024-0001"]  # both in the title
    assert ids(find(corpus, "theatre satellite")) == ["UKR-2024-0001"]  # title and text
    assert find(corpus, "mariupol kyiv") == []


def test_prefix_words(corpus: Archive) -> None:
    assert ids(find(corpus, "mariu*")) == ["UKR-2024-0001", "UKR-2024-0002"]
    assert find(corpus, "mariu") == []


def test_unicode_case_and_diacritics_are_folded(corpus: Archive) -> None:
    # Cyrillic case folding: the title is in capitals, the text in lower case.
    assert ids(find(corpus, "обстріл києва")) == ["UKR-KYIV-0001"]
    assert ids(find(corpus, "Свідок")) == ["UKR-KYIV-0001"]
    assert ids(find(corpus, "СВІДОК БАЧИВ")) == ["UKR-KYIV-0001"]
    # Diacritics of Latin letters fold (é to e); Cyrillic ї and й are letters of their own and stay.
    assert ids(find(corpus, "cafe")) == ["UKR-KYIV-0001"]
    assert ids(find(corpus, "CAFÉ")) == ["UKR-KYIV-0001"]
    assert ids(find(corpus, "КИЇВ")) == ["UKR-KYIV-0001"]
    assert find(corpus, "Киів") == []
    [hit] = find(corpus, "києва")
    assert hit.matched == ["title", "text"]
    assert "[Києва]" in hit.marked_snippet() or "[КИЄВА]" in hit.marked_snippet()


def test_urls_including_the_final_url_are_searchable(corpus: Archive) -> None:
    assert ids(find(corpus, "news.example.com")) == ["UKR-2024-0002"]
    assert ids(find(corpus, "shelling-of-kyiv")) == ["UKR-KYIV-0001"]  # only in the final URL


def test_case_filter_and_limit(corpus: Archive) -> None:
    assert sorted(ids(find(corpus, "lorem", case="UKR-2024"))) == ["UKR-2024-0001", "UKR-2024-0002"]
    assert find(corpus, "lorem", case="UKR-KYIV") == []
    assert len(find(corpus, "lorem", limit=1)) == 1
    with pytest.raises(InputError):
        find(corpus, "lorem", limit=0)


# --- indexing at ingest --------------------------------------------------------------------------------


def test_files_notes_and_tags_are_indexed_when_recorded(archive: Archive, tmp_path: Path) -> None:
    statement = tmp_path / "statement.txt"
    statement.write_text("The witness saw the convoy near Bucha.\n", encoding="utf-8")
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"convoy " * 100)  # not text: its bytes are not indexed
    add_files(archive, [statement, video], "UKR-2024", note="received from W-12")
    assert ids(find(archive, "convoy bucha")) == ["UKR-2024-0001"]
    assert ids(find(archive, "clip.mp4")) == ["UKR-2024-0002"]
    assert sorted(ids(find(archive, "W-12"))) == ["UKR-2024-0001", "UKR-2024-0002"]

    add_note(archive, "UKR-2024-0002", "geolocated by the OSINT team")
    result = add_tags(archive, "UKR-2024-0002", ["geolocated", "priority one"])
    assert [t for t, _ in result.added] == ["geolocated", "priority one"]
    [hit] = find(archive, "osint")
    assert hit.item.id == "UKR-2024-0002" and hit.matched == ["notes"]
    [hit] = find(archive, "priority")
    assert hit.matched == ["tags"]
    with archive.reading() as conn:
        fields = search.item_fields(conn, "UKR-2024-0002")
    assert fields is not None
    assert fields["notes"] == "received from W-12\ngeolocated by the OSINT team"
    assert fields["tags"] == "geolocated\npriority one"
    fts_integrity(archive.db_path)


def test_tags_given_with_a_capture_are_custody_events_in_its_transaction(
    archive: Archive, tmp_path: Path
) -> None:
    item_id = capture(archive, tmp_path, "https://e.org/", title="t", page_text="x", tags=["a", "b", "a"])
    with archive.reading() as conn:
        events = conn.execute(
            text("SELECT event, json_extract(body, '$.details.tag') FROM ledger_entries WHERE subject = :s"),
            {"s": item_id},
        ).all()
        sizes = [r[0] for r in conn.execute(text("SELECT size FROM checkpoints ORDER BY size"))]
    assert [tuple(e) for e in events] == [("item.captured", None), ("tag.added", "a"), ("tag.added", "b")]
    assert sizes[-2:] == [2, 6]  # one append: case, item and both tags under one checkpoint
    assert ids(find(archive, "b")) == [item_id]


def test_an_append_that_dies_before_commit_leaves_no_index_entry(archive_root: Path, tmp_path: Path) -> None:
    Archive.create(archive_root, "Test Operator").close()
    doc = tmp_path / "lost.txt"
    doc.write_text("uniqueword")
    died = run_vestige(
        archive_root, "add", str(doc), "--case", "C1", env={"VESTIGE_CRASH_AT": "before-commit"}
    )
    assert died.exit_code != 0
    archive = Archive.open(archive_root)
    try:
        assert find(archive, "uniqueword") == []
        with archive.reading() as conn:
            assert conn.execute(text("SELECT count(*) FROM search_docs")).scalar() == 0
        kept = tmp_path / "kept.txt"
        kept.write_text("uniqueword again")
        add_files(archive, [kept], "C1")
        assert ids(find(archive, "uniqueword")) == ["C1-0001"]
    finally:
        archive.close()
    fts_integrity(archive_root / "vestige.db")


# --- derived data: damage never blocks evidence, never touches verify ----------------------------------


def _sql(db: Path, *statements: str) -> None:
    con = sqlite3.connect(db)
    try:
        for s in statements:
            con.execute(s)
        con.commit()
    finally:
        con.close()


def _intact(archive: Archive) -> bool:
    report = verify_archive(archive)
    return report.ok


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE search_docs SET text = 'forged words', title = 'forged'",
        "DELETE FROM search_docs",
        "INSERT INTO search_index(search_index) VALUES ('delete-all')",
        "UPDATE search_index_data SET block = zeroblob(length(block)) WHERE id > 10",
        "DROP TABLE search_index",
        "DROP TABLE search_docs",
    ],
)
def test_editing_the_index_behind_the_tools_back_breaks_neither_verify_nor_ingest(
    archive: Archive, tmp_path: Path, tamper: str
) -> None:
    capture(archive, tmp_path, "https://e.org/a", title="Mariupol", page_text="theatre " + FILLER)
    _sql(archive.db_path, tamper)
    assert _intact(archive)

    # Evidence still goes in: the index update is rolled back to its savepoint and marked stale.
    doc = tmp_path / "after.txt"
    doc.write_text("afterword")
    [added] = add_files(archive, [doc], "UKR-2024", note="a note")
    add_tags(archive, added.item.id, ["t1"])
    assert _intact(archive)

    # Searching a damaged index says so, and --reindex makes it whole again.
    try:
        find(archive, "mariupol")
    except ArchiveError as exc:
        assert exc.hint == "rebuild it with: vestige search --reindex"
    with archive.appending() as writer:
        report = search.rebuild(writer.conn, archive.root)
    assert report.items == 2 and report.unreadable_text == []
    with archive.reading() as conn:
        assert search.stale_reason(conn) is None
    assert ids(find(archive, "mariupol")) == ["UKR-2024-0001"]
    assert ids(find(archive, "afterword")) == ["UKR-2024-0002"]
    assert ids(find(archive, "t1")) == ["UKR-2024-0002"]
    assert find(archive, "forged") == []
    fts_integrity(archive.db_path)
    assert _intact(archive)


def test_a_stale_index_is_reported(archive: Archive, tmp_path: Path) -> None:
    _sql(archive.db_path, "DROP TABLE search_index")
    doc = tmp_path / "a.txt"
    doc.write_text("x")
    add_files(archive, [doc], "C1")
    with archive.reading() as conn:
        reason = search.stale_reason(conn)
    assert reason is not None and reason.startswith("indexing C1-0001: no such table")
    res = Cli(archive.root)("search", "x")
    assert res.exit_code == 3 and "vestige search --reindex" in res.stderr


def test_the_index_is_not_append_only_and_verify_never_reads_it(archive: Archive, tmp_path: Path) -> None:
    from vestige.store.schema import APPEND_ONLY_TABLES

    assert not any(t.startswith("search") for t in APPEND_ONLY_TABLES)
    with archive.reading() as conn:
        triggers = {
            r[0]: r[1]
            for r in conn.exec_driver_sql("SELECT name, tbl_name FROM sqlite_master WHERE type='trigger'")
        }
    assert {n for n, t in triggers.items() if t.startswith("search")} == {
        "search_docs_ai",
        "search_docs_ad",
        "search_docs_au",
    }
    capture(archive, tmp_path, "https://e.org/", title="t", page_text="x")
    _sql(archive.db_path, "UPDATE search_docs SET title = 'edited'", "DELETE FROM search_docs")
    assert _intact(archive)


# --- migration 0002 ------------------------------------------------------------------------------------


def _create_at_0001(root: Path, monkeypatch: pytest.MonkeyPatch) -> Archive:
    """An archive made by the previous schema: Archive.create with alembic stopped at revision 0001."""
    from alembic import command

    real_upgrade = command.upgrade

    def upgrade_to_0001(config: Any, revision: str, **kw: Any) -> None:
        real_upgrade(config, "0001", **kw)

    monkeypatch.setattr(command, "upgrade", upgrade_to_0001)
    archive = Archive.create(root, "Test Operator")
    monkeypatch.setattr(command, "upgrade", real_upgrade)
    return archive


def _register_0001(archive: Archive, tmp: Path) -> None:
    """Exhibits, a note and a tag written as Vestige did under schema 0001 (its catalog columns only)."""
    page = tmp / "page.txt"
    page.write_text("Свідок бачив обстріл Києва. The convoy passed at dawn.", encoding="utf-8")
    warc = tmp / "c.warc.gz"
    warc.write_bytes(os.urandom(100))
    rows = []
    for role, path, media_type in (("warc", warc, "application/warc"), ("text", page, "text/plain")):
        d = archive.blobs.ingest_file(path)
        rows.append((role, path.name, media_type, d))
    with archive.appending() as w:
        conn = w.conn
        now = archive.clock()
        conn.execute(text("INSERT INTO cases (id, created_at) VALUES ('OLD', :now)"), {"now": now})
        w.append("case.created", "OLD", "OLD", {"case": "OLD"})
        arts = [
            {"role": r, "name": n, "media_type": m, "size": d.size, "sha256": d.sha256, "blake3": d.blake3}
            for r, n, m, d in rows
        ]
        details = {
            "kind": "capture",
            "url": "https://old.example/a",
            "final_url": "https://old.example/final-destination",
            "state": "complete",
            "title": "Old capture",
            "artifacts": arts,
        }
        e = w.append("item.captured", "OLD-0001", "OLD", details)
        conn.execute(
            text(
                "INSERT INTO items (id, case_id, seq, kind, state, title, source, created_at, entry_index) "
                "VALUES ('OLD-0001', 'OLD', 1, 'capture', 'complete', 'Old capture', "
                "'https://old.example/a', :now, :e)"
            ),
            {"now": now, "e": e.index},
        )
        for a in arts:
            conn.execute(
                text(
                    "INSERT INTO artifacts (item_id, role, name, media_type, size, sha256, blake3, "
                    "blob_path) VALUES ('OLD-0001', :role, :name, :media_type, :size, :sha256, :blake3, "
                    ":path)"
                ),
                {**a, "path": archive.blobs.relpath_for(str(a["sha256"]))},
            )
        n = w.append("note.added", "OLD-0001", "OLD", {"note": "seen by W-7"})
        conn.execute(
            text(
                "INSERT INTO notes (item_id, text, created_at, entry_index) "
                "VALUES ('OLD-0001', 'seen by W-7', :now, :e)"
            ),
            {"now": now, "e": n.index},
        )
        t = w.append("tag.added", "OLD-0001", "OLD", {"tag": "convoy-route"})
        conn.execute(
            text("INSERT INTO tags (item_id, tag, entry_index) VALUES ('OLD-0001', 'convoy-route', :e)"),
            {"e": t.index},
        )


def _schema(db: Path, prefix: str) -> list[tuple[str, str]]:
    con = sqlite3.connect(db)
    try:
        return sorted(
            (r[0], r[1])
            for r in con.execute(
                "SELECT name, sql FROM sqlite_master WHERE name LIKE ? AND sql IS NOT NULL", (prefix,)
            )
        )
    finally:
        con.close()


def test_migration_0002_upgrades_an_archive_made_by_schema_0001(
    archive_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _create_at_0001(archive_root, monkeypatch)
    _register_0001(old, tmp_path)
    old.close()
    db = archive_root / "vestige.db"
    con = sqlite3.connect(db)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    assert "platform" not in {r[1] for r in con.execute("PRAGMA table_info(items)")}
    con.close()

    vestige = Cli(archive_root)
    listed = vestige("list", "--json")  # opening the archive migrates it
    assert listed.exit_code == 0, listed.stderr
    [item] = listed.json()
    assert item["id"] == "OLD-0001" and item["platform"] is None
    con = sqlite3.connect(db)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0002",)
    con.close()

    for query, field in (
        ("обстріл києва", "text"),
        ("old capture", "title"),
        ("final-destination", "source"),
        ("W-7", "notes"),
        ("convoy-route", "tags"),
    ):
        res = vestige("search", query, "--json")
        assert res.exit_code == 0, res.stderr
        [hit] = res.json()
        assert hit["id"] == "OLD-0001" and field in hit["matched"], (query, hit)
    assert vestige("list", "--tag", "convoy-route", "--json").json()[0]["id"] == "OLD-0001"
    fts_integrity(db)
    assert vestige("verify", "--no-record").exit_code == 0

    # What the migration built is what --reindex builds, and what a new archive has.
    migrated = _schema(db, "search%")
    assert vestige("search", "--reindex").exit_code == 0
    assert _schema(db, "search%") == migrated
    fresh = tmp_path / "fresh"
    Archive.create(fresh, "x").close()
    assert _schema(fresh / "vestige.db", "search%") == migrated
    assert _schema(fresh / "vestige.db", "ix_%") == _schema(db, "ix_%")
    assert vestige("search", "convoy", "--json").json()[0]["id"] == "OLD-0001"


def test_migration_skips_text_blobs_it_cannot_read(
    archive_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _create_at_0001(archive_root, monkeypatch)
    _register_0001(old, tmp_path)
    old.close()
    for blob in (archive_root / "blobs").rglob("*"):
        if blob.is_file() and "обстріл".encode() in blob.read_bytes():
            blob.chmod(0o644)
            blob.unlink()
    vestige = Cli(archive_root)
    assert vestige("search", "old", "--json").json()[0]["id"] == "OLD-0001"
    assert vestige("search", "обстріл", "--json").json() == []
    res = vestige("search", "--reindex", "--json")
    assert res.json() == {"reindexed_items": 1, "unreadable_text": ["OLD-0001"]}
    assert "OLD-0001: its text blob cannot be read" in res.stderr


def test_schema_revision_is_the_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    from vestige.archive import MIGRATIONS
    from vestige.store.schema import SCHEMA_REVISION

    assert ScriptDirectory(str(MIGRATIONS)).get_current_head() == SCHEMA_REVISION
