"""Cases: create, list, show; and ``confirm_case``, which capture and add call before using a case."""

from __future__ import annotations

import sys

import click

from .. import errors
from ..archive import Archive
from ..store import catalog
from ..store.cases import CaseSummary, case_summaries, create_case, get_case
from .base import _archive, _emit, _report_timestamps, cli, human_size, json_option


def confirm_case(archive: Archive, case_id: str, *, create: bool, interactive: bool) -> None:
    """Make sure evidence goes into a case someone meant, before anything is captured or stored.

    An existing case, or ``--create-case``, passes (a new case is created with the first exhibit, as a
    custody event). Otherwise a person at a terminal is asked; a script gets an error, so a mistyped case
    ID never silently starts a new case."""
    catalog.check_case_id(case_id)
    with archive.reading() as conn:
        if catalog.case_exists(conn, case_id):
            return
    if create:
        return
    hint = f"create it with: vestige case create {case_id}, or pass --create-case"
    if interactive:
        if click.confirm(f"Case {case_id} does not exist. Create it?", default=False, err=True):
            return
        raise errors.InputError(f"case {case_id!r} does not exist; nothing was done", hint=hint)
    raise errors.InputError(f"case {case_id!r} does not exist", hint=hint)


def stdin_is_interactive() -> bool:
    """Whether a person can answer ``confirm_case``'s question (stdin is a terminal)."""
    return sys.stdin is not None and sys.stdin.isatty()


def _states_text(case: CaseSummary) -> str:
    return ", ".join(f"{state} {n}" for state, n in case.states.items())


@cli.group()
def case() -> None:
    """Cases: the investigations exhibits belong to."""


@case.command("create")
@click.argument("case_id", metavar="ID")
@click.option("--title", default=None, help="A short title, e.g. the situation or matter.")
@click.option("--description", default=None, help="What the case is about (line breaks allowed).")
@json_option
@click.pass_context
def case_create(
    ctx: click.Context, case_id: str, title: str | None, description: str | None, as_json: bool
) -> None:
    """Create a case (a custody event, with its title and description).

    \b
    Example:
      vestige case create UKR-2024 --title "Strikes on Kharkiv, March 2024"
    """
    archive = _archive(ctx)
    index = create_case(archive, case_id, title=title, description=description)
    with archive.reading() as conn:
        created = get_case(conn, case_id)
    data = {**created.to_json(), "entry_index": index}
    stamps = _report_timestamps(archive)
    if stamps:
        data["timestamps"] = stamps
    _emit(
        as_json,
        data,
        f"created case {case_id}" + (f": {created.title}" if created.title else "") + f" (entry {index})",
    )


@case.command("list")
@json_option
@click.pass_context
def case_list(ctx: click.Context, as_json: bool) -> None:
    """List cases with their exhibits, total size, states and last activity.

    \b
    Example:
      vestige case list
    """
    archive = _archive(ctx)
    with archive.reading() as conn:
        found = case_summaries(conn)

    def human() -> None:
        if not found:
            click.echo("no cases")
            return
        click.echo(
            f"{'CASE':<20} {'EXHIBITS':>8} {'SIZE':>10} {'COMPLETE':>8} {'PARTIAL':>7} {'FAILED':>6}  "
            f"{'LAST ACTIVITY':<19}  TITLE"
        )
        for c in found:
            last = c.last_activity.time[:19].replace("T", " ") if c.last_activity else "-"
            click.echo(
                f"{c.id:<20} {c.exhibits:>8} {human_size(c.size):>10} {c.states.get('complete', 0):>8} "
                f"{c.states.get('partial', 0):>7} {c.states.get('failed', 0):>6}  {last:<19}  {c.title or ''}"
            )

    _emit(as_json, [c.to_json() for c in found], human)


@case.command("show")
@click.argument("case_id", metavar="ID")
@json_option
@click.pass_context
def case_show(ctx: click.Context, case_id: str, as_json: bool) -> None:
    """Show a case: exhibits by state and kind, size, custody events, last activity.

    \b
    Example:
      vestige case show UKR-2024
    """
    archive = _archive(ctx)
    with archive.reading() as conn:
        found = get_case(conn, case_id)

    def human() -> None:
        click.echo(found.id + (f"  {found.title}" if found.title else ""))
        if found.description:
            for line in found.description.splitlines():
                click.echo(f"  | {line}")
        click.echo(f"  created:       {found.created_at}")
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(found.kinds.items()))
        click.echo(f"  exhibits:      {found.exhibits}" + (f" ({kinds})" if kinds else ""))
        click.echo(f"  states:        {_states_text(found)}")
        size = f"{human_size(found.size)} ({found.size:,} bytes in {found.artifacts} files)"
        click.echo(f"  size:          {size}")
        events = ", ".join(f"{event} {n}" for event, n in found.events.items())
        click.echo(f"  ledger:        {sum(found.events.values())} entries ({events})")
        if found.last_activity:
            last = found.last_activity
            about = f" {last.subject}" if last.subject and last.subject != found.id else ""
            click.echo(f"  last activity: {last.time} ({last.event}{about}, entry {last.entry_index})")

    _emit(as_json, found.to_json(), human)
