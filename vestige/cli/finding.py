"""Finding evidence: list with filters, show as a card, search, tag.

Human output is for people: on a terminal, tables cut to its width and colours (rich, imported only
then); otherwise plain lines, one per item, never cut, for grep and awk. ``--json`` never depends on the
terminal. Text that came from captured pages (titles, snippets) is shown with control characters and
bidirectional overrides replaced, so a hostile page cannot drive the terminal.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .. import errors
from ..custody.ledger import ITEM_EVENTS, Entry, LedgerReader
from ..store import catalog, search
from ..store.ingest import add_tags
from .base import _archive, _emit, _report_timestamps, _warn, cli, human_size, json_option

if TYPE_CHECKING:
    from rich.console import Console

STATE_STYLES = {"complete": "green", "partial": "yellow", "failed": "red"}


# --- output helpers ------------------------------------------------------------------------------------


def _on_terminal() -> bool:
    """Terminal layout and colours: stdout is a TTY, or FORCE_COLOR asks for them (NO_COLOR drops only
    the colours)."""
    return bool(os.environ.get("FORCE_COLOR")) or sys.stdout.isatty()


def _colour() -> bool | None:
    if os.environ.get("NO_COLOR"):
        return False
    return True if os.environ.get("FORCE_COLOR") else None  # None: click decides (TTY or not)


def _console() -> Console:
    from rich.console import Console

    return Console(file=sys.stdout, force_terminal=True, highlight=False, soft_wrap=False)


_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def display(text: str | None, *, strip: bool = True) -> str:
    """One line of text safe for a terminal: control characters and bidi overrides become spaces."""
    line = re.sub(r" {2,}", " ", _UNSAFE.sub(" ", text or ""))
    return line.strip() if strip else line


def _when(stored: str | None) -> str:
    """A stored time as ``2024-03-02 10:11:12Z`` (seconds are enough to read; JSON keeps microseconds)."""
    if not stored:
        return ""
    return stored[:10] + " " + stored[11:19] + "Z" if len(stored) >= 19 else stored


def _label(item: catalog.ItemView) -> str:
    """Title and source on one line, as far as they go."""
    title, source = display(item.title), display(item.source)
    if title and source and title != source:
        return f"{title} — {source}"
    return title or source


# --- list ----------------------------------------------------------------------------------------------


@cli.command("list")
@click.option("--case", "case_id", default=None, help="Only this case.")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice(catalog.STATES, case_sensitive=False),
    help="Only items in this state (repeatable: any of them).",
)
@click.option("--platform", default=None, help="Only items from this platform (social-media captures).")
@click.option("--since", metavar="WHEN", default=None, help="Added on or after this UTC date or time.")
@click.option("--until", metavar="WHEN", default=None, help="Added on or before this UTC date or time.")
@click.option(
    "--tag", "tags", multiple=True, metavar="TAG", help="Only items with this tag (repeatable: all)."
)
@click.option(
    "--sort",
    type=click.Choice(catalog.SORTS, case_sensitive=False),
    default="id",
    show_default=True,
    help="Order: exhibit ID, time added, title, state.",
)
@click.option("--reverse", is_flag=True, help="Reverse the order.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most N items.")
@json_option
@click.pass_context
def list_(
    ctx: click.Context,
    case_id: str | None,
    states: tuple[str, ...],
    platform: str | None,
    since: str | None,
    until: str | None,
    tags: tuple[str, ...],
    sort: str,
    reverse: bool,
    limit: int | None,
    as_json: bool,
) -> None:
    """List exhibits, filtered and sorted.

    WHEN is an ISO 8601 date or time in UTC (or with an offset): a date means the whole day, so
    --since 2024-03-01 --until 2024-03-31 is all of March.

    \b
    Example:
      vestige list --case UKR-2024
      vestige list --state partial --state failed --since 2024-03-01
      vestige list --tag kyiv --sort created --reverse --limit 20
    """
    query = catalog.ItemQuery(
        case=case_id,
        states=tuple(s.lower() for s in states),
        platform=platform,
        since=since,
        until=until,
        tags=tags,
        sort=sort.lower(),
        reverse=reverse,
        limit=limit,
    )
    archive = _archive(ctx)
    with archive.reading() as conn:
        found = catalog.find_items(conn, query)

    def human() -> None:
        if not found:
            click.echo("no items")
        elif _on_terminal():
            _print_table(found, limit)
        else:
            for it in found:
                click.echo(f"{it.id:<24} {it.state:<9} {it.created_at[:19]}  {it.size:>12}  {_label(it)}")

    _emit(as_json, [i.to_json(archive.root) for i in found], human)


def _print_table(found: list[catalog.ItemView], limit: int | None) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    console = _console()
    # Fixed columns as wide as their widest cell; the title takes what is left of the terminal. On a
    # narrow one the time shrinks to the date, then the size goes, before the title is squeezed out.
    sizes = [human_size(it.size) for it in found]
    id_w = max(len(it.id) for it in found)
    state_w = max(len(it.state) for it in found)
    size_w = max(4, *map(len, sizes))
    when_w = 16 if console.width - (id_w + state_w + 16 + size_w + 8) >= 24 else 10
    show_size = console.width - (id_w + state_w + when_w + size_w + 8) >= 16
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
        header_style="bold",
        expand=True,
    )
    table.add_column("ID", no_wrap=True, style="bold", width=id_w)
    table.add_column("State", no_wrap=True, width=state_w)
    table.add_column("Added (UTC)" if when_w == 16 else "Added", no_wrap=True, width=when_w)
    if show_size:
        table.add_column("Size", justify="right", no_wrap=True, width=size_w)
    table.add_column("Title / URL", no_wrap=True, overflow="ellipsis", ratio=1)
    for it, size in zip(found, sizes, strict=True):
        label = Text(display(it.title) or display(it.source))
        if it.title and it.source and display(it.title) != display(it.source):
            label.append(f"  {display(it.source)}", style="dim")
        state = Text(it.state, style=STATE_STYLES.get(it.state, ""))
        cells: list[Any] = [it.id, state, _when(it.created_at)[:when_w]]
        if show_size:
            cells.append(size)
        table.add_row(*cells, label)
    console.print(table)
    more = "; there may be more (raise --limit)" if limit is not None and len(found) == limit else ""
    console.print(f"{len(found)} item{'s' if len(found) != 1 else ''}{more}", style="dim")


# --- show ----------------------------------------------------------------------------------------------


@cli.command()
@click.argument("item_id", metavar="ITEM")
@json_option
@click.pass_context
def show(ctx: click.Context, item_id: str, as_json: bool) -> None:
    """Show one exhibit as a card: source, times, state, artifacts with digests, notes, tags and its
    custody trail (every ledger entry about it).

    \b
    Example:
      vestige show UKR-2024-0001
    """
    archive = _archive(ctx)
    with archive.reading() as conn:
        item = catalog.get_item(conn, item_id)
        trail = LedgerReader(conn).entries_about(item.id)
    _emit(as_json, item.to_json(archive.root), lambda: _print_card(item, trail, archive.root))


def _print_card(item: catalog.ItemView, trail: list[Entry], root: Path) -> None:
    colour = _colour()

    def echo(text: str = "", **style: Any) -> None:
        click.echo(click.style(text, **style) if style else text, color=colour)

    def field(label: str, value: object) -> None:
        if value not in (None, ""):
            click.echo(f"  {click.style(f'{label:<10}', dim=True)} {value}", color=colour)

    registered: object = next((e.data["details"] for e in trail if e.event in ITEM_EVENTS), {})
    details: dict[str, Any] = registered if isinstance(registered, dict) else {}
    state = click.style(item.state, fg=STATE_STYLES.get(item.state), bold=True)
    click.echo(
        f"{click.style(item.id, bold=True)}  {state}  {item.kind}  case {item.case}",
        color=colour,
    )
    if item.title != item.source:
        field("title", display(item.title))
    source_label = {"capture": "url", "file": "file"}.get(item.kind, "source")
    field(source_label, display(item.source))
    final_url = details.get("final_url")
    if isinstance(final_url, str) and final_url != item.source:
        field("final url", display(final_url))
    field("http", details.get("http_status"))
    if details.get("started") or details.get("ended"):
        field("captured", f"{_when(details.get('started'))} → {_when(details.get('ended'))}")
    field("added", f"{item.created_at}  (ledger entry {item.entry_index})")
    field("reason", display(item.reason))
    field("platform", display(item.platform))
    post = details.get("post")
    if isinstance(post, dict):  # the platform profile's summary; the whole record is the post artifact
        author: dict[str, Any] = post["author"] if isinstance(post.get("author"), dict) else {}
        who = " ".join(display(str(v)) for v in (author.get("display_name"), author.get("handle")) if v)
        field("post", display(f"{post.get('page_state')} {post.get('post_id') or ''}".strip()))
        field("author", who)
        field("posted", post.get("posted_at"))
    origin = details.get("from")
    if isinstance(origin, dict):
        field("imported", f"from {origin.get('archive')} item {origin.get('item')}")
    field("tags", ", ".join(display(t) for t in item.tags))

    echo("artifacts", bold=True)
    for a in item.artifacts:
        name = display(a.name)
        label = f"{name}  " if name else ""
        echo(f"  {a.role:<12} {label}{a.media_type}  {human_size(a.size)} ({a.size} bytes)")
        echo(f"    sha256 {a.sha256}\n    blake3 {a.blake3}\n    {root / a.blob_path}")
    if item.notes:
        echo("notes", bold=True)
        for n in item.notes:
            echo(f"  {_when(n['created_at'])}  {display(n['text'])}  (entry {n['entry_index']})")
    echo("custody", bold=True)
    for e in trail:
        data = e.data
        actor = data.get("actor") or {}
        what = _custody_detail(e.event, data.get("details"))
        click.echo(
            f"  #{e.index:<6} {_when(data.get('time'))}  {e.event:<20} "
            f"{display(actor.get('name'))} ({actor.get('key', '')[:20]}…)" + (f"  {what}" if what else ""),
            color=colour,
        )


def _custody_detail(event: str, details: object) -> str:
    if not isinstance(details, dict):
        return ""
    if event == "tag.added":
        return display(str(details.get("tag")))
    if event == "note.added":
        note = display(str(details.get("note")))
        return note if len(note) <= 60 else note[:59] + "…"
    if event == "custody.transferred":
        reason = details.get("reason")
        return f"to {display(str(details.get('to')))}" + (f" ({display(str(reason))})" if reason else "")
    return ""


# --- search --------------------------------------------------------------------------------------------


@cli.command("search")
@click.argument("text", required=False)
@click.option("--case", "case_id", default=None, help="Only this case.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="At most N results.")
@click.option("--raw", is_flag=True, help='TEXT is an FTS5 query (AND, OR, NOT, NEAR, "phrases", prefix*).')
@click.option("--reindex", is_flag=True, help="Rebuild the search index from the catalog and the blobs.")
@json_option
@click.pass_context
def search_(
    ctx: click.Context,
    text: str | None,
    case_id: str | None,
    limit: int,
    raw: bool,
    reindex: bool,
    as_json: bool,
) -> None:
    """Search page text, titles, URLs, notes and tags; best matches first.

    Every word must occur (in any field); a match in the title counts most. Case is ignored, and so
    are the accents of Latin letters (kyiv finds Kyiv, cafe finds café). A trailing * makes a word a
    prefix (kyi*); any other punctuation is taken literally. The index is derived data, not evidence:
    --reindex rebuilds it.

    \b
    Example:
      vestige search "shelling kyiv" --case UKR-2024
      vestige search --raw 'title:notice OR "power plant"'
      vestige search --reindex
    """
    archive = _archive(ctx)
    if reindex:
        if text:
            raise errors.InputError("--reindex takes no search text")
        with archive.appending() as writer:
            report = search.rebuild(writer.conn, archive.root)
        summary = {"reindexed_items": report.items, "unreadable_text": report.unreadable_text}
        for item_id in report.unreadable_text:
            _warn(
                f"{item_id}: its text blob cannot be read, so its text is not searchable (run vestige verify)"
            )
        _emit(as_json, summary, f"search index rebuilt: {report.items} items")
        return
    if not text:
        raise errors.InputError("nothing to search for", hint="vestige search TEXT, or --reindex")
    with archive.reading() as conn:
        stale = search.stale_reason(conn)
        hits = search.search(conn, text, case=case_id, limit=limit, raw=raw)
    if stale:
        _warn(f"the search index is incomplete ({stale}); rebuild it with: vestige search --reindex")

    def human() -> None:
        if not hits:
            click.echo("no matches")
        elif _on_terminal():
            _print_hits_terminal(hits)
        else:
            for h in hits:
                it = h.item
                click.echo(f"{it.id:<24} {it.state:<9} {it.created_at[:19]}  {_label(it)}")
                click.echo(f"    {display(h.marked_snippet())}")

    data = [
        {
            **h.item.to_json(archive.root),
            "score": h.score,
            "snippet": display(h.marked_snippet()),
            "matched": h.matched,
        }
        for h in hits
    ]
    _emit(as_json, data, human)


def _print_hits_terminal(hits: list[search.SearchHit]) -> None:
    from rich.text import Text

    console = _console()
    for h in hits:
        it = h.item
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append(it.id, style="bold")
        head.append("  ")
        head.append(it.state, style=STATE_STYLES.get(it.state, ""))
        head.append(f"  {it.created_at[:10]}  ")
        head.append(_label(it))
        head.append(f"  ({', '.join(h.matched)})", style="dim")
        console.print(head)
        snippet = Text("    ", overflow="fold")
        # Split on the markers first, then make each piece safe to show.
        for i, part in enumerate(re.split(f"[{search.MARK_OPEN}{search.MARK_CLOSE}]", h.snippet)):
            snippet.append(display(part, strip=False), style="bold yellow" if i % 2 else "")
        console.print(snippet)
    console.print(f"{len(hits)} match{'es' if len(hits) != 1 else ''}, best first", style="dim")


# --- tag -----------------------------------------------------------------------------------------------


@cli.command()
@click.argument("item_id", metavar="ITEM")
@click.argument("tags", nargs=-1, required=True, metavar="TAG...")
@json_option
@click.pass_context
def tag(ctx: click.Context, item_id: str, tags: tuple[str, ...], as_json: bool) -> None:
    """Tag an exhibit. Each new tag is a custody event (tag.added); a tag it already has is left as it
    is. A tag is 1-100 printable characters without commas or line breaks.

    \b
    Example:
      vestige tag UKR-2024-0001 kyiv shelling "witness W-12"
    """
    archive = _archive(ctx)
    result = add_tags(archive, item_id, tags)
    stamps = _report_timestamps(archive) if result.added else []
    data: dict[str, Any] = {
        "item": result.item.id,
        "added": [{"tag": t, "entry_index": i} for t, i in result.added],
        "already": result.already,
        "tags": result.item.tags,
    }
    if stamps:
        data["timestamps"] = stamps

    def human() -> None:
        for t, i in result.added:
            click.echo(f"{result.item.id}: tagged {display(t)!r} (entry {i})")
        for t in result.already:
            click.echo(f"{result.item.id}: already tagged {display(t)!r}, nothing recorded")

    _emit(as_json, data, human)
